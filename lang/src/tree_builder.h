// Converts ANTLR's parse tree into clive's SyntaxTree. Private to lang/.
#pragma once

#include "CliveParser.h"
#include "clive/lang/diagnostics.h"
#include "clive/lang/syntax_tree.h"

namespace clive::lang {

class TreeBuilder {
 public:
  TreeBuilder(const SourceFile& file, DiagnosticSink& sink, SyntaxTree& tree)
      : file_(file), sink_(sink), tree_(tree) {}

  void BuildFile(antlr::CliveParser::FileContext* ctx);

 private:
  using P = antlr::CliveParser;

  void BuildImport(P::ImportDeclContext* ctx);
  TypeDeclId BuildTypeDecl(P::TypeDeclContext* ctx, TypeDeclId parent);
  void BuildValDecl(P::ValDeclContext* ctx);
  TypeRefId BuildTypeRef(P::TypeRefContext* ctx);
  ExprId BuildExpr(P::ExprContext* ctx);
  ExprId BuildLiteral(P::LiteralContext* ctx, SourceRange range);
  ExprId BuildBuilder(ExprId type_expr, P::BuilderBodyContext* body, SourceRange range);
  ExprId AddExpr(Expr e);
  ExprId ErrorExpr(SourceRange range);

  SourceRange RangeOf(antlr4::ParserRuleContext* ctx) const;
  SourceRange RangeOf(antlr4::Token* token) const;
  SourceRange RangeOf(antlr4::tree::TerminalNode* node) const;
  std::string_view TextOf(antlr4::tree::TerminalNode* node) const;
  // The `///` comment lines directly before `ctx`, joined with newlines.
  std::string DocCommentBefore(antlr4::ParserRuleContext* ctx) const;
  std::string DecodeString(std::string_view quoted, SourceRange range);

  const SourceFile& file_;
  DiagnosticSink& sink_;
  SyntaxTree& tree_;

 public:
  antlr4::BufferedTokenStream* tokens = nullptr;
};

}  // namespace clive::lang
