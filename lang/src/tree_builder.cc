#include "tree_builder.h"

#include <charconv>
#include <cmath>

#include "CliveLexer.h"
#include "clive/lang/error_codes.h"

namespace clive::lang {

const char* Spelling(BinaryOp op) {
  static constexpr const char* kNames[] = {"+",  "-",  "*", "/",  "%", "==", "!=",
                                           "<", "<=", ">", ">=", "&&", "||"};
  return kNames[static_cast<int>(op)];
}

const char* Spelling(UnaryOp op) { return op == UnaryOp::kNeg ? "-" : "!"; }

SourceRange TreeBuilder::RangeOf(antlr4::Token* token) const {
  if (token == nullptr || token->getType() == antlr4::Token::EOF) {
    uint32_t end = static_cast<uint32_t>(file_.text().size());
    return {end, end};
  }
  return {file_.ByteOffsetOfCodePoint(token->getStartIndex()),
          file_.ByteOffsetOfCodePoint(token->getStopIndex() + 1)};
}

SourceRange TreeBuilder::RangeOf(antlr4::ParserRuleContext* ctx) const {
  if (ctx == nullptr) return {};
  SourceRange begin = RangeOf(ctx->getStart());
  antlr4::Token* stop = ctx->getStop();
  // An empty rule (recovery) has stop before start.
  if (stop == nullptr || stop->getTokenIndex() < ctx->getStart()->getTokenIndex()) {
    return {begin.begin, begin.begin};
  }
  return {begin.begin, RangeOf(stop).end};
}

SourceRange TreeBuilder::RangeOf(antlr4::tree::TerminalNode* node) const {
  return node == nullptr ? SourceRange{} : RangeOf(node->getSymbol());
}

std::string_view TreeBuilder::TextOf(antlr4::tree::TerminalNode* node) const {
  // Missing tokens conjured by error recovery have no real text.
  if (node == nullptr || node->getSymbol()->getTokenIndex() == static_cast<size_t>(-1)) return {};
  return file_.Slice(RangeOf(node));
}

std::string TreeBuilder::DocCommentBefore(antlr4::ParserRuleContext* ctx) const {
  if (tokens == nullptr || ctx == nullptr || ctx->getStart() == nullptr) return {};
  std::string doc;
  for (antlr4::Token* t : tokens->getHiddenTokensToLeft(ctx->getStart()->getTokenIndex())) {
    if (t->getType() != antlr::CliveLexer::DOC_COMMENT) continue;
    std::string_view text = file_.Slice(RangeOf(t));
    text.remove_prefix(3);
    if (!text.empty() && text.front() == ' ') text.remove_prefix(1);
    if (!doc.empty()) doc += '\n';
    doc += text;
  }
  return doc;
}

void TreeBuilder::BuildFile(P::FileContext* ctx) {
  if (ctx == nullptr) return;
  for (auto* import : ctx->importDecl()) BuildImport(import);
  for (auto* decl : ctx->topDecl()) {
    if (decl->typeDecl() != nullptr) {
      tree_.top_types.push_back(BuildTypeDecl(decl->typeDecl(), kNone));
    } else if (decl->valDecl() != nullptr) {
      BuildValDecl(decl->valDecl());
    }
  }
}

void TreeBuilder::BuildImport(P::ImportDeclContext* ctx) {
  ImportDecl import;
  import.range = RangeOf(ctx);
  if (ctx->qualifiedName() != nullptr) {
    for (auto* id : ctx->qualifiedName()->IDENT()) import.path.push_back(TextOf(id));
  }
  for (auto* name : ctx->importName()) import.names.push_back(TextOf(name->IDENT()));
  tree_.imports.push_back(std::move(import));
}

TypeDeclId TreeBuilder::BuildTypeDecl(P::TypeDeclContext* ctx, TypeDeclId parent) {
  TypeDeclId id = static_cast<TypeDeclId>(tree_.type_decls.size());
  tree_.type_decls.emplace_back();
  {
    TypeDecl& decl = tree_.type_decls[id];
    decl.name = TextOf(ctx->IDENT());
    decl.name_range = RangeOf(ctx->IDENT());
    decl.range = RangeOf(ctx);
    decl.doc = DocCommentBefore(ctx);
    decl.parent = parent;
  }
  // Fields first, so they are contiguous; nested declarations afterwards.
  std::vector<FieldDecl> fields;
  for (auto* member : ctx->member()) {
    if (auto* f = member->fieldDecl()) {
      FieldDecl field;
      field.name = TextOf(f->IDENT());
      field.name_range = RangeOf(f->IDENT());
      field.type = f->typeRef() ? BuildTypeRef(f->typeRef()) : kNone;
      field.default_value = f->expr() ? BuildExpr(f->expr()) : kNone;
      field.doc = DocCommentBefore(f);
      fields.push_back(std::move(field));
    }
  }
  Span span{static_cast<uint32_t>(tree_.field_decls.size()), static_cast<uint32_t>(fields.size())};
  for (auto& f : fields) tree_.field_decls.push_back(std::move(f));
  tree_.type_decls[id].fields = span;

  for (auto* member : ctx->member()) {
    if (auto* nested = member->typeDecl()) {
      TypeDeclId child = BuildTypeDecl(nested, id);
      tree_.type_decls[id].nested.push_back(child);
    } else if (auto* e = member->enumDecl()) {
      EnumDecl decl;
      auto idents = e->IDENT();
      if (!idents.empty()) {
        decl.name = TextOf(idents[0]);
        decl.name_range = RangeOf(idents[0]);
        for (size_t i = 1; i < idents.size(); ++i) {
          decl.cases.push_back(TextOf(idents[i]));
          decl.case_ranges.push_back(RangeOf(idents[i]));
        }
      }
      decl.parent = id;
      tree_.type_decls[id].enums.push_back(static_cast<uint32_t>(tree_.enum_decls.size()));
      tree_.enum_decls.push_back(std::move(decl));
    }
  }
  return id;
}

void TreeBuilder::BuildValDecl(P::ValDeclContext* ctx) {
  ValDecl val;
  val.name = TextOf(ctx->IDENT());
  val.name_range = RangeOf(ctx->IDENT());
  val.range = RangeOf(ctx);
  val.doc = DocCommentBefore(ctx);
  val.type = ctx->typeRef() ? BuildTypeRef(ctx->typeRef()) : kNone;
  val.value = ctx->expr() ? BuildExpr(ctx->expr()) : ErrorExpr(val.range);
  if (val.name.empty()) return;  // recovery produced a nameless val: nothing to check.
  tree_.vals.push_back(val);
}

TypeRefId TreeBuilder::BuildTypeRef(P::TypeRefContext* ctx) {
  TypeRef ref;
  ref.range = RangeOf(ctx);
  if (ctx->qualifiedName() != nullptr) ref.name = file_.Slice(RangeOf(ctx->qualifiedName()));
  ref.optional = ctx->optional != nullptr;
  std::vector<TypeRefId> args;
  for (auto* arg : ctx->typeRef()) args.push_back(BuildTypeRef(arg));
  ref.args = {static_cast<uint32_t>(tree_.type_ref_args.size()), static_cast<uint32_t>(args.size())};
  tree_.type_ref_args.insert(tree_.type_ref_args.end(), args.begin(), args.end());
  tree_.type_refs.push_back(ref);
  return static_cast<TypeRefId>(tree_.type_refs.size() - 1);
}

ExprId TreeBuilder::AddExpr(Expr e) {
  tree_.exprs.push_back(e);
  return static_cast<ExprId>(tree_.exprs.size() - 1);
}

ExprId TreeBuilder::ErrorExpr(SourceRange range) {
  Expr e;
  e.kind = ExprKind::kError;
  e.range = range;
  return AddExpr(e);
}

ExprId TreeBuilder::BuildExpr(P::ExprContext* ctx) {
  if (ctx == nullptr) return ErrorExpr({});
  SourceRange range = RangeOf(ctx);
  if (ctx->exception != nullptr) return ErrorExpr(range);

  if (auto* paren = dynamic_cast<P::ParenExprContext*>(ctx)) {
    return BuildExpr(paren->expr());
  }
  if (auto* lit = dynamic_cast<P::LiteralExprContext*>(ctx)) {
    return BuildLiteral(lit->literal(), range);
  }
  if (auto* name = dynamic_cast<P::NameExprContext*>(ctx)) {
    Expr e;
    e.kind = ExprKind::kName;
    e.name = TextOf(name->IDENT());
    e.name_range = RangeOf(name->IDENT());
    e.range = name->builderBody() ? e.name_range : range;
    if (e.name.empty()) return ErrorExpr(range);
    ExprId id = AddExpr(e);
    return name->builderBody() ? BuildBuilder(id, name->builderBody(), range) : id;
  }
  if (auto* member = dynamic_cast<P::MemberExprContext*>(ctx)) {
    Expr e;
    e.kind = ExprKind::kMember;
    e.lhs = BuildExpr(member->expr());
    e.name = TextOf(member->IDENT());
    e.name_range = RangeOf(member->IDENT());
    e.range = {range.begin, e.name_range.end};
    if (e.name.empty()) return ErrorExpr(range);
    ExprId id = AddExpr(e);
    return member->builderBody() ? BuildBuilder(id, member->builderBody(), range) : id;
  }
  if (auto* unary = dynamic_cast<P::UnaryExprContext*>(ctx)) {
    Expr e;
    e.kind = ExprKind::kUnary;
    e.op = static_cast<uint8_t>(unary->op->getText() == "-" ? UnaryOp::kNeg : UnaryOp::kNot);
    e.lhs = BuildExpr(unary->expr());
    e.range = range;
    return AddExpr(e);
  }
  if (auto* binary = dynamic_cast<P::BinaryExprContext*>(ctx)) {
    static const std::pair<std::string_view, BinaryOp> kOps[] = {
        {"+", BinaryOp::kAdd}, {"-", BinaryOp::kSub}, {"*", BinaryOp::kMul},
        {"/", BinaryOp::kDiv}, {"%", BinaryOp::kRem}, {"==", BinaryOp::kEq},
        {"!=", BinaryOp::kNe}, {"<", BinaryOp::kLt},  {"<=", BinaryOp::kLe},
        {">", BinaryOp::kGt},  {">=", BinaryOp::kGe}, {"&&", BinaryOp::kAnd},
        {"||", BinaryOp::kOr}};
    Expr e;
    e.kind = ExprKind::kBinary;
    std::string text = binary->op ? binary->op->getText() : "";
    for (auto [spelling, op] : kOps) {
      if (spelling == text) e.op = static_cast<uint8_t>(op);
    }
    e.lhs = BuildExpr(binary->expr(0));
    e.rhs = BuildExpr(binary->expr(1));
    e.range = range;
    return AddExpr(e);
  }
  return ErrorExpr(range);
}

ExprId TreeBuilder::BuildBuilder(ExprId type_expr, P::BuilderBodyContext* body,
                                 SourceRange range) {
  // Children first (they may append their own inits), then ours contiguously.
  std::vector<FieldInit> inits;
  for (auto* init : body->fieldInit()) {
    FieldInit fi;
    fi.name = TextOf(init->IDENT());
    fi.name_range = RangeOf(init->IDENT());
    fi.value = init->expr() ? BuildExpr(init->expr()) : ErrorExpr(RangeOf(init));
    if (!fi.name.empty()) inits.push_back(fi);
  }
  Expr e;
  e.kind = ExprKind::kBuilder;
  e.lhs = type_expr;
  e.range = range;
  e.inits = {static_cast<uint32_t>(tree_.field_inits.size()), static_cast<uint32_t>(inits.size())};
  tree_.field_inits.insert(tree_.field_inits.end(), inits.begin(), inits.end());
  return AddExpr(e);
}

namespace {

// Parses digits with optional '_' separators; false on overflow.
bool ParseInt(std::string_view digits, int64_t& out) {
  std::string clean;
  for (char c : digits) {
    if (c != '_') clean += c;
  }
  auto [ptr, ec] = std::from_chars(clean.data(), clean.data() + clean.size(), out);
  return ec == std::errc() && ptr == clean.data() + clean.size();
}

bool ParseDouble(std::string_view text, double& out) {
  std::string clean;
  for (char c : text) {
    if (c != '_') clean += c;
  }
  auto [ptr, ec] = std::from_chars(clean.data(), clean.data() + clean.size(), out);
  return ec == std::errc() && ptr == clean.data() + clean.size() && std::isfinite(out);
}

}  // namespace

ExprId TreeBuilder::BuildLiteral(P::LiteralContext* ctx, SourceRange range) {
  if (ctx == nullptr) return ErrorExpr(range);
  Expr e;
  e.range = range;
  std::string_view text = file_.Slice(range);
  if (ctx->INT() != nullptr) {
    e.kind = ExprKind::kInt;
    if (!ParseInt(text, e.int_value)) {
      sink_.Error(codes::kBadLiteral, file_, range,
                  "integer literal does not fit in 64 bits (the largest Int is 9223372036854775807)");
      return ErrorExpr(range);
    }
  } else if (ctx->FLOAT() != nullptr) {
    e.kind = ExprKind::kFloat;
    if (!ParseDouble(text, e.float_value)) {
      sink_.Error(codes::kBadLiteral, file_, range, "float literal is out of range");
      return ErrorExpr(range);
    }
  } else if (ctx->QUANTITY() != nullptr) {
    e.kind = ExprKind::kQuantity;
    size_t unit_dot = text.find_last_of('.');
    std::string_view number = text.substr(0, unit_dot);
    e.name = text.substr(unit_dot + 1);
    e.name_range = {static_cast<uint32_t>(range.begin + unit_dot + 1), range.end};
    e.is_float = number.find('.') != std::string_view::npos;
    bool ok = e.is_float ? ParseDouble(number, e.float_value) : ParseInt(number, e.int_value);
    if (!ok) {
      sink_.Error(codes::kBadLiteral, file_, range, "quantity literal is out of range");
      return ErrorExpr(range);
    }
  } else if (ctx->STRING() != nullptr) {
    e.kind = ExprKind::kString;
    e.string_index = static_cast<uint32_t>(tree_.strings.size());
    tree_.strings.push_back(DecodeString(text, range));
  } else {
    e.kind = ExprKind::kBool;
    e.int_value = text == "true" ? 1 : 0;
  }
  return AddExpr(e);
}

std::string TreeBuilder::DecodeString(std::string_view quoted, SourceRange) {
  std::string out;
  // The lexer guarantees the quotes and that every '\\' starts a valid escape.
  std::string_view body = quoted.substr(1, quoted.size() - 2);
  for (size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (c != '\\' || i + 1 == body.size()) {
      out += c;
      continue;
    }
    char next = body[++i];
    switch (next) {
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case '0': out += '\0'; break;
      default: out += next; break;  // \" \\ \$
    }
  }
  return out;
}

}  // namespace clive::lang
