#include "tree_builder.h"

#include <charconv>
#include <cmath>
#include <optional>

#include "CliveLexer.h"
#include "clive/lang/error_codes.h"

namespace clive::lang {

const char* Spelling(BinaryOp op) {
  static constexpr const char* kNames[] = {"+",  "-",  "*", "/",  "%",  "==", "!=",
                                           "<", "<=", ">", ">=", "&&", "||", "?:"};
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

std::string_view TreeBuilder::TextOf(antlr4::Token* token) const {
  // Missing tokens conjured by error recovery have no real text.
  if (token == nullptr || token->getTokenIndex() == static_cast<size_t>(-1)) return {};
  return file_.Slice(RangeOf(token));
}

std::string_view TreeBuilder::TextOf(antlr4::tree::TerminalNode* node) const {
  return node == nullptr ? std::string_view() : TextOf(node->getSymbol());
}

std::string TreeBuilder::DocCommentBefore(antlr4::ParserRuleContext* ctx) const {
  if (ctx == nullptr || ctx->getStart() == nullptr) return {};
  std::string doc;
  for (antlr4::Token* t : tokens_.getHiddenTokensToLeft(ctx->getStart()->getTokenIndex())) {
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
  for (antlr4::Token* t : tokens_.getTokens()) {
    Comment::Kind kind;
    switch (t->getType()) {
      case antlr::CliveLexer::LINE_COMMENT: kind = Comment::Kind::kLine; break;
      case antlr::CliveLexer::DOC_COMMENT: kind = Comment::Kind::kDoc; break;
      case antlr::CliveLexer::BLOCK_COMMENT: kind = Comment::Kind::kBlock; break;
      default: continue;
    }
    tree_.comments.push_back({kind, RangeOf(t)});
  }
  if (ctx == nullptr) return;
  for (auto* import : ctx->importDecl()) BuildImport(import);
  for (auto* decl : ctx->topDecl()) {
    if (decl->typeDecl() != nullptr) {
      tree_.top_types.push_back(BuildTypeDecl(decl->typeDecl(), kNone));
    } else if (decl->enumDecl() != nullptr) {
      tree_.top_enums.push_back(BuildEnumDecl(decl->enumDecl(), kNone));
    } else if (decl->fnDecl() != nullptr) {
      tree_.top_fns.push_back(BuildFnDecl(decl->fnDecl(), kNone));
    } else if (decl->valDecl() != nullptr) {
      BuildValDecl(decl->valDecl());
    }
  }
}

void TreeBuilder::BuildImport(P::ImportDeclContext* ctx) {
  ImportDecl import;
  import.range = RangeOf(ctx);
  if (ctx->qualifiedName() != nullptr) {
    for (auto* id : ctx->qualifiedName()->IDENT()) {
      import.path.push_back(TextOf(id));
      import.path_ranges.push_back(RangeOf(id));
    }
  }
  for (auto* name : ctx->importName()) {
    import.names.push_back({TextOf(name->IDENT(0)), RangeOf(name->IDENT(0)), TextOf(name->alias)});
  }
  import.alias = TextOf(ctx->alias);
  tree_.imports.push_back(std::move(import));
}

Span TreeBuilder::BuildNames(const std::vector<antlr4::tree::TerminalNode*>& idents) {
  Span span{static_cast<uint32_t>(tree_.names.size()), 0};
  for (auto* id : idents) {
    if (TextOf(id).empty()) continue;
    tree_.names.push_back({TextOf(id), RangeOf(id)});
    ++span.count;
  }
  return span;
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
  if (ctx->typeParams() != nullptr) tree_.type_decls[id].type_params = BuildNames(ctx->typeParams()->IDENT());
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
      for (auto* a : f->annotation()) field.annotations.push_back(TextOf(a->IDENT()));
      if (!field.name.empty()) fields.push_back(std::move(field));
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
      uint32_t index = BuildEnumDecl(e, id);
      tree_.type_decls[id].enums.push_back(index);
    } else if (auto* fn = member->fnDecl()) {
      uint32_t index = BuildFnDecl(fn, id);
      tree_.type_decls[id].fns.push_back(index);
    }
  }
  return id;
}

uint32_t TreeBuilder::BuildEnumDecl(P::EnumDeclContext* ctx, TypeDeclId parent) {
  EnumDecl decl;
  decl.range = RangeOf(ctx);
  decl.doc = DocCommentBefore(ctx);
  auto idents = ctx->IDENT();
  if (!idents.empty()) {
    decl.name = TextOf(idents[0]);
    decl.name_range = RangeOf(idents[0]);
    for (size_t i = 1; i < idents.size(); ++i) {
      if (TextOf(idents[i]).empty()) continue;
      decl.cases.push_back(TextOf(idents[i]));
      decl.case_ranges.push_back(RangeOf(idents[i]));
    }
  }
  decl.parent = parent;
  tree_.enum_decls.push_back(std::move(decl));
  return static_cast<uint32_t>(tree_.enum_decls.size() - 1);
}

uint32_t TreeBuilder::BuildFnDecl(P::FnDeclContext* ctx, TypeDeclId parent) {
  FnDecl fn;
  fn.name = TextOf(ctx->IDENT());
  fn.name_range = RangeOf(ctx->IDENT());
  fn.range = RangeOf(ctx);
  fn.doc = DocCommentBefore(ctx);
  fn.parent = parent;
  if (ctx->typeParams() != nullptr) fn.type_params = BuildNames(ctx->typeParams()->IDENT());
  if (ctx->receiver != nullptr) fn.receiver = BuildTypeRef(ctx->receiver);
  std::vector<Param> params;
  for (auto* p : ctx->param()) {
    Param param;
    param.name = TextOf(p->IDENT());
    param.name_range = RangeOf(p->IDENT());
    param.type = p->typeRef() ? BuildTypeRef(p->typeRef()) : kNone;
    param.default_value = p->expr() ? BuildExpr(p->expr()) : kNone;
    if (!param.name.empty()) params.push_back(param);
  }
  fn.params = {static_cast<uint32_t>(tree_.params.size()), static_cast<uint32_t>(params.size())};
  tree_.params.insert(tree_.params.end(), params.begin(), params.end());
  // The result type is the typeRef that is not the receiver.
  for (auto* t : ctx->typeRef()) {
    if (t != ctx->receiver) fn.result = BuildTypeRef(t);
  }
  for (auto* a : ctx->annotation()) fn.annotations.push_back(TextOf(a->IDENT()));
  fn.body = ctx->expr() ? BuildExpr(ctx->expr()) : kNone;
  tree_.fn_decls.push_back(std::move(fn));
  return static_cast<uint32_t>(tree_.fn_decls.size() - 1);
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
  std::vector<TypeRefId> args;
  if (auto* named = dynamic_cast<P::NamedTypeContext*>(ctx)) {
    if (named->qualifiedName() != nullptr) ref.name = file_.Slice(RangeOf(named->qualifiedName()));
    ref.optional = named->optional != nullptr;
    for (auto* arg : named->typeRef()) args.push_back(BuildTypeRef(arg));
  } else if (auto* function = dynamic_cast<P::FunctionTypeContext*>(ctx)) {
    ref.function = true;
    ref.optional = function->optional != nullptr;
    auto refs = function->typeRef();
    for (size_t i = 0; i + 1 < refs.size(); ++i) args.push_back(BuildTypeRef(refs[i]));
    if (!refs.empty()) ref.result = BuildTypeRef(refs.back());
  }
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

Span TreeBuilder::BuildExprList(const std::vector<P::ExprContext*>& exprs) {
  // Children first (they append their own lists), then ours contiguously.
  std::vector<ExprId> ids;
  for (auto* e : exprs) ids.push_back(BuildExpr(e));
  Span span{static_cast<uint32_t>(tree_.expr_lists.size()), static_cast<uint32_t>(ids.size())};
  tree_.expr_lists.insert(tree_.expr_lists.end(), ids.begin(), ids.end());
  return span;
}

namespace {

std::optional<BinaryOp> BinaryOpOf(std::string_view text) {
  static const std::pair<std::string_view, BinaryOp> kOps[] = {
      {"+", BinaryOp::kAdd}, {"-", BinaryOp::kSub}, {"*", BinaryOp::kMul},  {"/", BinaryOp::kDiv},
      {"%", BinaryOp::kRem}, {"==", BinaryOp::kEq}, {"!=", BinaryOp::kNe},  {"<", BinaryOp::kLt},
      {"<=", BinaryOp::kLe}, {">", BinaryOp::kGt},  {">=", BinaryOp::kGe},  {"&&", BinaryOp::kAnd},
      {"||", BinaryOp::kOr}, {"?:", BinaryOp::kElvis}};
  for (auto [spelling, op] : kOps) {
    if (spelling == text) return op;
  }
  return std::nullopt;
}

}  // namespace

ExprId TreeBuilder::BuildExpr(P::ExprContext* ctx) {
  if (ctx == nullptr) return ErrorExpr({});
  SourceRange range = RangeOf(ctx);
  if (ctx->exception != nullptr) return ErrorExpr(range);

  if (auto* paren = dynamic_cast<P::ParenExprContext*>(ctx)) return BuildExpr(paren->expr());
  if (auto* lit = dynamic_cast<P::LiteralExprContext*>(ctx)) return BuildLiteral(lit->literal(), range);
  if (auto* name = dynamic_cast<P::NameExprContext*>(ctx)) {
    Expr e;
    e.kind = ExprKind::kName;
    e.name = TextOf(name->IDENT());
    e.name_range = e.range = RangeOf(name->IDENT());
    return e.name.empty() ? ErrorExpr(range) : AddExpr(e);
  }
  if (auto* member = dynamic_cast<P::MemberExprContext*>(ctx)) {
    Expr e;
    e.kind = ExprKind::kMember;
    e.safe = member->op != nullptr && member->op->getText() == "?.";
    e.lhs = BuildExpr(member->expr());
    e.name = TextOf(member->IDENT());
    e.name_range = RangeOf(member->IDENT());
    e.range = range;
    return e.name.empty() ? ErrorExpr(range) : AddExpr(e);
  }
  if (auto* call = dynamic_cast<P::CallExprContext*>(ctx)) {
    return BuildCall(BuildExpr(call->expr()), call->arg(), kNone, range);
  }
  if (auto* trailing = dynamic_cast<P::TrailingLambdaExprContext*>(ctx)) {
    // `f(a) { x -> ... }` passes the lambda as the last argument of f(a).
    if (auto* inner = dynamic_cast<P::CallExprContext*>(trailing->expr())) {
      ExprId callee = BuildExpr(inner->expr());
      return BuildCall(callee, inner->arg(), BuildLambda(trailing->lambda()), range);
    }
    return BuildCall(BuildExpr(trailing->expr()), {}, BuildLambda(trailing->lambda()), range);
  }
  if (auto* index = dynamic_cast<P::IndexExprContext*>(ctx)) {
    Expr e;
    e.kind = ExprKind::kIndex;
    e.lhs = BuildExpr(index->expr(0));
    e.rhs = BuildExpr(index->expr(1));
    e.range = range;
    return AddExpr(e);
  }
  if (auto* builder = dynamic_cast<P::BuilderExprContext*>(ctx)) {
    return BuildBuilder(BuildExpr(builder->expr()), builder->builderBody(), range);
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
    std::optional<BinaryOp> op = BinaryOpOf(binary->op ? binary->op->getText() : "");
    if (!op) return ErrorExpr(range);
    Expr e;
    e.kind = ExprKind::kBinary;
    e.op = static_cast<uint8_t>(*op);
    e.lhs = BuildExpr(binary->expr(0));
    e.rhs = BuildExpr(binary->expr(1));
    e.range = range;
    return AddExpr(e);
  }
  if (auto* if_expr = dynamic_cast<P::IfExprContext*>(ctx)) {
    Expr e;
    e.kind = ExprKind::kIf;
    e.lhs = BuildExpr(if_expr->expr(0));
    e.rhs = BuildExpr(if_expr->expr(1));
    e.third = BuildExpr(if_expr->expr(2));
    e.range = range;
    return AddExpr(e);
  }
  if (auto* when = dynamic_cast<P::WhenExprContext*>(ctx)) {
    Expr e;
    e.kind = ExprKind::kWhen;
    e.lhs = when->expr() ? BuildExpr(when->expr()) : kNone;
    std::vector<WhenBranch> branches;
    for (auto* b : when->whenBranch()) {
      WhenBranch branch;
      auto exprs = b->expr();
      // The last expression is the branch's value; the others its conditions.
      std::vector<P::ExprContext*> conditions(exprs.begin(), exprs.empty() ? exprs.end() : exprs.end() - 1);
      branch.conditions = BuildExprList(conditions);
      branch.value = exprs.empty() ? ErrorExpr(RangeOf(b)) : BuildExpr(exprs.back());
      branch.range = RangeOf(b);
      branches.push_back(branch);
    }
    e.list = {static_cast<uint32_t>(tree_.when_branches.size()), static_cast<uint32_t>(branches.size())};
    tree_.when_branches.insert(tree_.when_branches.end(), branches.begin(), branches.end());
    e.range = range;
    return AddExpr(e);
  }
  if (auto* lambda = dynamic_cast<P::LambdaExprContext*>(ctx)) return BuildLambda(lambda->lambda());
  if (auto* comp = dynamic_cast<P::ComprehensionExprContext*>(ctx)) {
    Expr e;
    e.kind = ExprKind::kComprehension;
    e.lhs = BuildExpr(comp->expr(0));
    e.name = TextOf(comp->IDENT());
    e.name_range = RangeOf(comp->IDENT());
    e.rhs = BuildExpr(comp->expr(1));
    e.third = comp->expr().size() > 2 ? BuildExpr(comp->expr(2)) : kNone;
    e.range = range;
    return AddExpr(e);
  }
  if (auto* list = dynamic_cast<P::ListExprContext*>(ctx)) {
    Expr e;
    e.kind = ExprKind::kList;
    e.list = BuildExprList(list->expr());
    e.range = range;
    return AddExpr(e);
  }
  if (auto* map = dynamic_cast<P::MapExprContext*>(ctx)) {
    std::vector<MapEntry> entries;
    for (auto* entry : map->mapEntry()) entries.push_back({BuildExpr(entry->expr(0)), BuildExpr(entry->expr(1))});
    Expr e;
    e.kind = ExprKind::kMap;
    e.list = {static_cast<uint32_t>(tree_.map_entries.size()), static_cast<uint32_t>(entries.size())};
    tree_.map_entries.insert(tree_.map_entries.end(), entries.begin(), entries.end());
    e.range = range;
    return AddExpr(e);
  }
  return ErrorExpr(range);
}

ExprId TreeBuilder::BuildCall(ExprId callee, const std::vector<P::ArgContext*>& arg_contexts,
                              ExprId trailing_lambda, SourceRange range) {
  std::vector<Arg> args;
  for (auto* a : arg_contexts) {
    Arg arg;
    arg.name = TextOf(a->IDENT());
    arg.name_range = RangeOf(a->IDENT());
    arg.value = BuildExpr(a->expr());
    args.push_back(arg);
  }
  if (trailing_lambda != kNone) args.push_back({{}, {}, trailing_lambda});
  Expr e;
  e.kind = ExprKind::kCall;
  e.lhs = callee;
  e.list = {static_cast<uint32_t>(tree_.args.size()), static_cast<uint32_t>(args.size())};
  tree_.args.insert(tree_.args.end(), args.begin(), args.end());
  e.range = range;
  return AddExpr(e);
}

ExprId TreeBuilder::BuildLambda(P::LambdaContext* ctx) {
  if (ctx == nullptr) return ErrorExpr({});
  Expr e;
  e.kind = ExprKind::kLambda;
  e.list = BuildNames(ctx->IDENT());
  e.lhs = BuildExpr(ctx->expr());
  e.range = RangeOf(ctx);
  return AddExpr(e);
}

ExprId TreeBuilder::BuildBuilder(ExprId type_expr, P::BuilderBodyContext* body, SourceRange range) {
  // Children first (they may append their own inits), then ours contiguously.
  std::vector<FieldInit> inits;
  for (auto* item : body->builderItem()) {
    FieldInit fi;
    if (auto* init = dynamic_cast<P::FieldInitContext*>(item)) {
      fi.name = TextOf(init->IDENT());
      fi.name_range = RangeOf(init->IDENT());
      fi.value = init->expr() ? BuildExpr(init->expr()) : ErrorExpr(RangeOf(init));
      if (fi.name.empty()) continue;
    } else if (auto* collect = dynamic_cast<P::CollectItemContext*>(item)) {
      fi.value = BuildExpr(collect->expr());
      fi.name_range = tree_.exprs[fi.value].range;
    } else {
      continue;
    }
    inits.push_back(fi);
  }
  Expr e;
  e.kind = ExprKind::kBuilder;
  e.lhs = type_expr;
  e.range = range;
  e.list = {static_cast<uint32_t>(tree_.field_inits.size()), static_cast<uint32_t>(inits.size())};
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
  // The literal is its one token. After error recovery the context may also
  // hold skipped tokens (`1 + * 2` keeps `*`) or a conjured token with no
  // text; the syntax error is reported already, so report nothing more.
  antlr4::Token* token = nullptr;
  for (antlr4::tree::TerminalNode* node : {ctx->INT(), ctx->FLOAT(), ctx->QUANTITY(), ctx->STRING()}) {
    if (node != nullptr) token = node->getSymbol();
  }
  if (token == nullptr) token = ctx->getStop();
  if (token == nullptr || token->getTokenIndex() == static_cast<size_t>(-1)) return ErrorExpr(range);
  range = RangeOf(token);
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
    return BuildString(token, range);
  } else if (text == "null") {
    e.kind = ExprKind::kNull;
  } else {
    e.kind = ExprKind::kBool;
    e.int_value = text == "true" ? 1 : 0;
  }
  return AddExpr(e);
}


std::string TreeBuilder::Unescape(std::string_view body) const {
  std::string out;
  // The lexer guarantees that every '\\' starts a valid escape.
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

namespace {

// Byte length of the `${...}` starting at `at` in a string token's text
// (braces and nested strings balanced, as the lexer guarantees).
size_t InterpolationLength(std::string_view text, size_t at) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = at + 1; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    else if (c == '{') ++depth;
    else if (c == '}' && --depth == 0) return i - at + 1;
  }
  return text.size() - at;
}

size_t CodePoints(std::string_view bytes) {
  size_t n = 0;
  for (char c : bytes) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

}  // namespace

ExprId TreeBuilder::BuildString(antlr4::Token* token, SourceRange range) {
  std::string_view text = file_.Slice(range);
  std::string_view body = text.substr(1, text.size() - 2);
  Expr e;
  e.range = range;
  if (body.find("${") == std::string_view::npos) {
    e.kind = ExprKind::kString;
    e.string_index = static_cast<uint32_t>(tree_.strings.size());
    tree_.strings.push_back(Unescape(body));
    return AddExpr(e);
  }
  // Split into literal pieces and `${expr}` parts; each expression is parsed
  // from the same input, positioned right after its `${`.
  std::vector<ExprId> parts;
  size_t literal_start = 0;
  auto flush_literal = [&](size_t end) {
    if (end <= literal_start) return;
    Expr piece;
    piece.kind = ExprKind::kString;
    piece.range = {range.begin + 1 + static_cast<uint32_t>(literal_start), range.begin + 1 + static_cast<uint32_t>(end)};
    piece.string_index = static_cast<uint32_t>(tree_.strings.size());
    tree_.strings.push_back(Unescape(body.substr(literal_start, end - literal_start)));
    parts.push_back(AddExpr(piece));
  };
  for (size_t i = 0; i < body.size(); ++i) {
    if (body[i] == '\\') {
      ++i;
      continue;
    }
    if (body[i] != '$' || i + 1 >= body.size() || body[i + 1] != '{') continue;
    flush_literal(i);
    size_t length = InterpolationLength(body, i);
    size_t code_point = token->getStartIndex() + 1 + CodePoints(body.substr(0, i + 2));
    P::InterpolationContext* inner = parse_interpolation_(code_point);
    parts.push_back(inner != nullptr && inner->expr() != nullptr
                        ? BuildExpr(inner->expr())
                        : ErrorExpr({range.begin + 1 + static_cast<uint32_t>(i),
                                     range.begin + 1 + static_cast<uint32_t>(i + length)}));
    i += length - 1;
    literal_start = i + 1;
  }
  flush_literal(body.size());
  e.kind = ExprKind::kInterpolation;
  e.list = {static_cast<uint32_t>(tree_.expr_lists.size()), static_cast<uint32_t>(parts.size())};
  tree_.expr_lists.insert(tree_.expr_lists.end(), parts.begin(), parts.end());
  return AddExpr(e);
}

}  // namespace clive::lang
