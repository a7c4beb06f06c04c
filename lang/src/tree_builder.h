// Converts ANTLR's parse tree into clive's SyntaxTree. Private to lang/.
#pragma once

#include "CliveParser.h"
#include "clive/lang/diagnostics.h"
#include "clive/lang/syntax_tree.h"

namespace clive::lang {

class TreeBuilder {
 public:
  using P = antlr::CliveParser;

  // `tokens` is the stream the parse tree came from (for comments), and
  // `parse_interpolation` parses the expression of a `${...}` that starts at
  // a code point index of the same input.
  TreeBuilder(const SourceFile& file, DiagnosticSink& sink, SyntaxTree& tree,
              antlr4::BufferedTokenStream& tokens,
              std::function<P::InterpolationContext*(size_t code_point)> parse_interpolation)
      : file_(file),
        sink_(sink),
        tree_(tree),
        tokens_(tokens),
        parse_interpolation_(std::move(parse_interpolation)) {}

  void BuildFile(P::FileContext* ctx);

 private:
  void BuildImport(P::ImportDeclContext* ctx);
  TypeDeclId BuildTypeDecl(P::TypeDeclContext* ctx, TypeDeclId parent);
  uint32_t BuildEnumDecl(P::EnumDeclContext* ctx, TypeDeclId parent);
  uint32_t BuildFnDecl(P::FnDeclContext* ctx, TypeDeclId parent);
  void BuildValDecl(P::ValDeclContext* ctx);
  TypeRefId BuildTypeRef(P::TypeRefContext* ctx);
  Span BuildNames(const std::vector<antlr4::tree::TerminalNode*>& idents);

  ExprId BuildExpr(P::ExprContext* ctx);
  // One per alternative of `expr` (see BuildExpr for why), never inlined.
  [[gnu::noinline]] ExprId BuildNameExpr(P::ExprContext* ctx, SourceRange range);
  [[gnu::noinline]] ExprId BuildMemberExpr(P::MemberExprContext* ctx, SourceRange range);
  [[gnu::noinline]] ExprId BuildCallExpr(P::ExprContext* ctx, SourceRange range);
  [[gnu::noinline]] ExprId BuildTrailingLambdaExpr(P::ExprContext* ctx, SourceRange range);
  [[gnu::noinline]] ExprId BuildIndexExpr(P::ExprContext* ctx, SourceRange range);
  [[gnu::noinline]] ExprId BuildBuilderExpr(P::ExprContext* ctx, SourceRange range);
  [[gnu::noinline]] ExprId BuildUnaryExpr(P::UnaryExprContext* ctx, SourceRange range);
  [[gnu::noinline]] ExprId BuildBinaryExpr(P::BinaryExprContext* ctx, SourceRange range);
  [[gnu::noinline]] ExprId BuildIfExpr(P::ExprContext* ctx, SourceRange range);
  [[gnu::noinline]] ExprId BuildWhenExpr(P::ExprContext* ctx, SourceRange range);
  [[gnu::noinline]] ExprId BuildComprehensionExpr(P::ExprContext* ctx, SourceRange range);
  [[gnu::noinline]] ExprId BuildListExpr(P::ExprContext* ctx, SourceRange range);
  [[gnu::noinline]] ExprId BuildMapExpr(P::ExprContext* ctx, SourceRange range);
  ExprId BuildLiteral(P::LiteralContext* ctx, SourceRange range);
  ExprId BuildString(antlr4::Token* token, SourceRange range);
  // `${name}` and `${a.b?.c}`, most interpolations by far, built straight
  // from their tokens (`offset` and `code_point` are just after the `${`):
  // the parser would build exactly this, a name or a left-nested chain of
  // member accesses, and report nothing, but a lexer, token stream and
  // parser (with LL prediction) per interpolation made interpolations ~5%
  // of all parsing. kNone for anything else.
  ExprId BuildSimpleInterpolation(size_t offset, size_t code_point);
  ExprId BuildBuilder(ExprId type_expr, P::BuilderBodyContext* body, SourceRange range);
  ExprId BuildCall(ExprId callee, const std::vector<P::ArgContext*>& args, ExprId trailing_lambda,
                   SourceRange range);
  ExprId BuildLambda(P::LambdaContext* ctx);
  Span BuildExprList(const std::vector<P::ExprContext*>& exprs);
  ExprId AddExpr(Expr e);
  ExprId ErrorExpr(SourceRange range);

  // Parse tree navigation. The generated accessors (ctx->expr(0),
  // ctx->IDENT()) dynamic_cast every child on every call, which made
  // building the tree cost nearly as much as parsing; these find the same
  // children by token type and rule index instead.
  //
  // ctx->getRuleContext<T>(i) and ctx->getRuleContexts<T>():
  template <typename T>
  static T* Child(antlr4::ParserRuleContext* ctx, size_t i = 0);
  template <typename T>
  static std::vector<T*> Children(antlr4::ParserRuleContext* ctx);
  // ctx->getToken(type, i) and ctx->getTokens(type):
  static antlr4::tree::TerminalNode* TokenChild(antlr4::ParserRuleContext* ctx, size_t type, size_t i = 0);
  static std::vector<antlr4::tree::TerminalNode*> TokenChildren(antlr4::ParserRuleContext* ctx, size_t type);

  SourceRange RangeOf(antlr4::ParserRuleContext* ctx) const;
  SourceRange RangeOf(antlr4::Token* token) const;
  SourceRange RangeOf(antlr4::tree::TerminalNode* node) const;
  std::string_view TextOf(antlr4::tree::TerminalNode* node) const;
  std::string_view TextOf(antlr4::Token* token) const;
  // The `///` comment lines directly before `ctx`, joined with newlines.
  std::string DocCommentBefore(antlr4::ParserRuleContext* ctx) const;
  std::string Unescape(std::string_view body) const;

  const SourceFile& file_;
  DiagnosticSink& sink_;
  SyntaxTree& tree_;
  antlr4::BufferedTokenStream& tokens_;
  std::function<P::InterpolationContext*(size_t)> parse_interpolation_;
};

}  // namespace clive::lang
