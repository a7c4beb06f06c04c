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
  ExprId BuildLiteral(P::LiteralContext* ctx, SourceRange range);
  ExprId BuildString(antlr4::Token* token, SourceRange range);
  ExprId BuildBuilder(ExprId type_expr, P::BuilderBodyContext* body, SourceRange range);
  ExprId BuildCall(ExprId callee, const std::vector<P::ArgContext*>& args, ExprId trailing_lambda,
                   SourceRange range);
  ExprId BuildLambda(P::LambdaContext* ctx);
  Span BuildExprList(const std::vector<P::ExprContext*>& exprs);
  ExprId AddExpr(Expr e);
  ExprId ErrorExpr(SourceRange range);

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
