#include "tree_builder.h"

#include <array>
#include <charconv>
#include <cmath>
#include <optional>
#include <type_traits>
#include <typeinfo>

#include "CliveLexer.h"
#include "clive/lang/error_codes.h"
#include "lexer.h"

namespace clive::lang {

const char* Spelling(BinaryOp op) {
  static constexpr const char* kNames[] = {"+",  "-",  "*", "/",  "%",  "==", "!=",
                                           "<", "<=", ">", ">=", "&&", "||", "?:"};
  return kNames[static_cast<int>(op)];
}

const char* Spelling(UnaryOp op) { return op == UnaryOp::kNeg ? "-" : "!"; }

namespace {

using P = antlr::CliveParser;

// What a parse tree node is, as far as the builder cares: a token, one of
// the labeled alternatives it dispatches on, or another rule context.
enum class Kind : uint8_t {
  kToken,
  kRule,
  kMemberExpr,
  kMapExpr,
  kBinaryExpr,
  kBuilderExpr,
  kNameExpr,
  kParenExpr,
  kIndexExpr,
  kUnaryExpr,
  kWhenExpr,
  kLambdaExpr,
  kComprehensionExpr,
  kLiteralExpr,
  kIfExpr,
  kCallExpr,
  kListExpr,
  kTrailingLambdaExpr,
  kNamedType,
  kFunctionType,
  kFieldInit,
  kCollectItem,
};

template <typename T>
bool Is(antlr4::tree::ParseTree* node) {
  return dynamic_cast<T*>(node) != nullptr;
}

Kind Classify(antlr4::tree::ParseTree* node) {
  if (Is<antlr4::tree::TerminalNode>(node)) return Kind::kToken;
  if (Is<P::MemberExprContext>(node)) return Kind::kMemberExpr;
  if (Is<P::MapExprContext>(node)) return Kind::kMapExpr;
  if (Is<P::BinaryExprContext>(node)) return Kind::kBinaryExpr;
  if (Is<P::BuilderExprContext>(node)) return Kind::kBuilderExpr;
  if (Is<P::NameExprContext>(node)) return Kind::kNameExpr;
  if (Is<P::ParenExprContext>(node)) return Kind::kParenExpr;
  if (Is<P::IndexExprContext>(node)) return Kind::kIndexExpr;
  if (Is<P::UnaryExprContext>(node)) return Kind::kUnaryExpr;
  if (Is<P::WhenExprContext>(node)) return Kind::kWhenExpr;
  if (Is<P::LambdaExprContext>(node)) return Kind::kLambdaExpr;
  if (Is<P::ComprehensionExprContext>(node)) return Kind::kComprehensionExpr;
  if (Is<P::LiteralExprContext>(node)) return Kind::kLiteralExpr;
  if (Is<P::IfExprContext>(node)) return Kind::kIfExpr;
  if (Is<P::CallExprContext>(node)) return Kind::kCallExpr;
  if (Is<P::ListExprContext>(node)) return Kind::kListExpr;
  if (Is<P::TrailingLambdaExprContext>(node)) return Kind::kTrailingLambdaExpr;
  if (Is<P::NamedTypeContext>(node)) return Kind::kNamedType;
  if (Is<P::FunctionTypeContext>(node)) return Kind::kFunctionType;
  if (Is<P::FieldInitContext>(node)) return Kind::kFieldInit;
  if (Is<P::CollectItemContext>(node)) return Kind::kCollectItem;
  return Kind::kRule;
}

// Classify() memoized by dynamic type, so that it runs once per class rather
// than once per node: an open-addressing table keyed by the type_info's
// address. A class whose type_info exists twice (across shared libraries)
// merely takes two slots.
Kind KindOf(antlr4::tree::ParseTree* node) {
  struct Slot {
    const std::type_info* type = nullptr;
    Kind kind = Kind::kRule;
  };
  constexpr size_t kSlots = 256;  // the grammar has about 50 context classes
  thread_local std::array<Slot, kSlots> slots;
  const std::type_info* type = &typeid(*node);
  uint64_t hash = static_cast<uint64_t>(reinterpret_cast<uintptr_t>(type)) * 0x9E3779B97F4A7C15ull;
  for (size_t i = hash >> 56, probes = 0; probes < kSlots; i = (i + 1) % kSlots, ++probes) {
    Slot& slot = slots[i];
    if (slot.type == type) return slot.kind;
    if (slot.type == nullptr) {
      slot = {type, Classify(node)};
      return slot.kind;
    }
  }
  return Classify(node);  // a full table: correct, only slower
}

// The rule of each context class the builder asks for: a child is a T
// exactly when it is a rule context of T's rule (labeled alternatives
// derive from their rule's class and no other).
template <typename T>
constexpr size_t RuleOf() {
  if constexpr (std::is_same_v<T, P::ImportDeclContext>) return P::RuleImportDecl;
  else if constexpr (std::is_same_v<T, P::ImportNameContext>) return P::RuleImportName;
  else if constexpr (std::is_same_v<T, P::TopDeclContext>) return P::RuleTopDecl;
  else if constexpr (std::is_same_v<T, P::TypeDeclContext>) return P::RuleTypeDecl;
  else if constexpr (std::is_same_v<T, P::MemberContext>) return P::RuleMember;
  else if constexpr (std::is_same_v<T, P::FieldDeclContext>) return P::RuleFieldDecl;
  else if constexpr (std::is_same_v<T, P::AnnotationContext>) return P::RuleAnnotation;
  else if constexpr (std::is_same_v<T, P::EnumDeclContext>) return P::RuleEnumDecl;
  else if constexpr (std::is_same_v<T, P::ValDeclContext>) return P::RuleValDecl;
  else if constexpr (std::is_same_v<T, P::FnDeclContext>) return P::RuleFnDecl;
  else if constexpr (std::is_same_v<T, P::ParamContext>) return P::RuleParam;
  else if constexpr (std::is_same_v<T, P::TypeParamsContext>) return P::RuleTypeParams;
  else if constexpr (std::is_same_v<T, P::TypeRefContext>) return P::RuleTypeRef;
  else if constexpr (std::is_same_v<T, P::QualifiedNameContext>) return P::RuleQualifiedName;
  else if constexpr (std::is_same_v<T, P::ExprContext>) return P::RuleExpr;
  else if constexpr (std::is_same_v<T, P::ArgContext>) return P::RuleArg;
  else if constexpr (std::is_same_v<T, P::MapEntryContext>) return P::RuleMapEntry;
  else if constexpr (std::is_same_v<T, P::WhenBranchContext>) return P::RuleWhenBranch;
  else if constexpr (std::is_same_v<T, P::LambdaContext>) return P::RuleLambda;
  else if constexpr (std::is_same_v<T, P::BuilderBodyContext>) return P::RuleBuilderBody;
  else if constexpr (std::is_same_v<T, P::BuilderItemContext>) return P::RuleBuilderItem;
  else if constexpr (std::is_same_v<T, P::LiteralContext>) return P::RuleLiteral;
  else static_assert(sizeof(T) == 0, "add the rule of this context class");
}

template <typename T>
bool IsRule(antlr4::tree::ParseTree* node) {
  // Every parse tree node is a token or a RuleContext, and ParseTree is a
  // non-virtual base of RuleContext, so the static_cast is exact.
  return KindOf(node) != Kind::kToken && static_cast<antlr4::RuleContext*>(node)->getRuleIndex() == RuleOf<T>();
}

antlr4::tree::TerminalNode* AsToken(antlr4::tree::ParseTree* node, size_t type) {
  if (KindOf(node) != Kind::kToken) return nullptr;
  auto* terminal = static_cast<antlr4::tree::TerminalNode*>(node);
  return terminal->getSymbol()->getType() == type ? terminal : nullptr;
}

// A token the parser really read, rather than one that error recovery
// conjured (those have no index and the text "<missing ...>").
bool IsReal(antlr4::Token* token) { return token != nullptr && token->getTokenIndex() != INVALID_INDEX; }

}  // namespace

template <typename T>
T* TreeBuilder::Child(antlr4::ParserRuleContext* ctx, size_t i) {
  size_t seen = 0;
  for (antlr4::tree::ParseTree* child : ctx->children) {
    if (IsRule<T>(child) && seen++ == i) return static_cast<T*>(child);
  }
  return nullptr;
}

template <typename T>
std::vector<T*> TreeBuilder::Children(antlr4::ParserRuleContext* ctx) {
  std::vector<T*> out;
  for (antlr4::tree::ParseTree* child : ctx->children) {
    if (IsRule<T>(child)) out.push_back(static_cast<T*>(child));
  }
  return out;
}

antlr4::tree::TerminalNode* TreeBuilder::TokenChild(antlr4::ParserRuleContext* ctx, size_t type, size_t i) {
  size_t seen = 0;
  for (antlr4::tree::ParseTree* child : ctx->children) {
    if (auto* token = AsToken(child, type); token != nullptr && seen++ == i) return token;
  }
  return nullptr;
}

std::vector<antlr4::tree::TerminalNode*> TreeBuilder::TokenChildren(antlr4::ParserRuleContext* ctx, size_t type) {
  std::vector<antlr4::tree::TerminalNode*> out;
  for (antlr4::tree::ParseTree* child : ctx->children) {
    if (auto* token = AsToken(child, type)) out.push_back(token);
  }
  return out;
}

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
  for (auto* import : Children<P::ImportDeclContext>(ctx)) BuildImport(import);
  for (auto* decl : Children<P::TopDeclContext>(ctx)) {
    if (auto* type = Child<P::TypeDeclContext>(decl)) {
      tree_.top_types.push_back(BuildTypeDecl(type, kNone));
    } else if (auto* e = Child<P::EnumDeclContext>(decl)) {
      tree_.top_enums.push_back(BuildEnumDecl(e, kNone));
    } else if (auto* fn = Child<P::FnDeclContext>(decl)) {
      tree_.top_fns.push_back(BuildFnDecl(fn, kNone));
    } else if (auto* val = Child<P::ValDeclContext>(decl)) {
      BuildValDecl(val);
    }
  }
}

void TreeBuilder::BuildImport(P::ImportDeclContext* ctx) {
  ImportDecl import;
  import.range = RangeOf(ctx);
  if (auto* name = Child<P::QualifiedNameContext>(ctx)) {
    for (auto* id : TokenChildren(name, P::IDENT)) {
      import.path.push_back(TextOf(id));
      import.path_ranges.push_back(RangeOf(id));
    }
  }
  for (auto* name : Children<P::ImportNameContext>(ctx)) {
    antlr4::tree::TerminalNode* id = TokenChild(name, P::IDENT);
    import.names.push_back({TextOf(id), RangeOf(id), TextOf(name->alias)});
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
    antlr4::tree::TerminalNode* name = TokenChild(ctx, P::IDENT);
    decl.name = TextOf(name);
    decl.name_range = RangeOf(name);
    decl.range = RangeOf(ctx);
    decl.doc = DocCommentBefore(ctx);
    decl.parent = parent;
  }
  if (auto* params = Child<P::TypeParamsContext>(ctx)) {
    tree_.type_decls[id].type_params = BuildNames(TokenChildren(params, P::IDENT));
  }
  // Fields first, so they are contiguous; nested declarations afterwards.
  std::vector<P::MemberContext*> members = Children<P::MemberContext>(ctx);
  std::vector<FieldDecl> fields;
  for (auto* member : members) {
    if (auto* f = Child<P::FieldDeclContext>(member)) {
      FieldDecl field;
      antlr4::tree::TerminalNode* name = TokenChild(f, P::IDENT);
      field.name = TextOf(name);
      field.name_range = RangeOf(name);
      auto* type = Child<P::TypeRefContext>(f);
      field.type = type ? BuildTypeRef(type) : kNone;
      auto* value = Child<P::ExprContext>(f);
      field.default_value = value ? BuildExpr(value) : kNone;
      field.doc = DocCommentBefore(f);
      for (auto* a : Children<P::AnnotationContext>(f)) field.annotations.push_back(TextOf(TokenChild(a, P::IDENT)));
      if (!field.name.empty()) fields.push_back(std::move(field));
    }
  }
  Span span{static_cast<uint32_t>(tree_.field_decls.size()), static_cast<uint32_t>(fields.size())};
  for (auto& f : fields) tree_.field_decls.push_back(std::move(f));
  tree_.type_decls[id].fields = span;

  for (auto* member : members) {
    if (auto* nested = Child<P::TypeDeclContext>(member)) {
      TypeDeclId child = BuildTypeDecl(nested, id);
      tree_.type_decls[id].nested.push_back(child);
    } else if (auto* e = Child<P::EnumDeclContext>(member)) {
      uint32_t index = BuildEnumDecl(e, id);
      tree_.type_decls[id].enums.push_back(index);
    } else if (auto* fn = Child<P::FnDeclContext>(member)) {
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
  auto idents = TokenChildren(ctx, P::IDENT);
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
  antlr4::tree::TerminalNode* name = TokenChild(ctx, P::IDENT);
  fn.name = TextOf(name);
  fn.name_range = RangeOf(name);
  fn.range = RangeOf(ctx);
  fn.doc = DocCommentBefore(ctx);
  fn.parent = parent;
  if (auto* params = Child<P::TypeParamsContext>(ctx)) fn.type_params = BuildNames(TokenChildren(params, P::IDENT));
  if (ctx->receiver != nullptr) fn.receiver = BuildTypeRef(ctx->receiver);
  std::vector<Param> params;
  for (auto* p : Children<P::ParamContext>(ctx)) {
    Param param;
    antlr4::tree::TerminalNode* param_name = TokenChild(p, P::IDENT);
    param.name = TextOf(param_name);
    param.name_range = RangeOf(param_name);
    auto* type = Child<P::TypeRefContext>(p);
    param.type = type ? BuildTypeRef(type) : kNone;
    auto* value = Child<P::ExprContext>(p);
    param.default_value = value ? BuildExpr(value) : kNone;
    if (!param.name.empty()) params.push_back(param);
  }
  fn.params = {static_cast<uint32_t>(tree_.params.size()), static_cast<uint32_t>(params.size())};
  tree_.params.insert(tree_.params.end(), params.begin(), params.end());
  // The result type is the typeRef that is not the receiver.
  for (auto* t : Children<P::TypeRefContext>(ctx)) {
    if (t != ctx->receiver) fn.result = BuildTypeRef(t);
  }
  for (auto* a : Children<P::AnnotationContext>(ctx)) fn.annotations.push_back(TextOf(TokenChild(a, P::IDENT)));
  auto* body = Child<P::ExprContext>(ctx);
  fn.body = body ? BuildExpr(body) : kNone;
  tree_.fn_decls.push_back(std::move(fn));
  return static_cast<uint32_t>(tree_.fn_decls.size() - 1);
}

void TreeBuilder::BuildValDecl(P::ValDeclContext* ctx) {
  ValDecl val;
  antlr4::tree::TerminalNode* name = TokenChild(ctx, P::IDENT);
  val.name = TextOf(name);
  val.name_range = RangeOf(name);
  val.range = RangeOf(ctx);
  val.doc = DocCommentBefore(ctx);
  auto* type = Child<P::TypeRefContext>(ctx);
  val.type = type ? BuildTypeRef(type) : kNone;
  auto* value = Child<P::ExprContext>(ctx);
  val.value = value ? BuildExpr(value) : ErrorExpr(val.range);
  for (auto* a : Children<P::AnnotationContext>(ctx)) val.annotations.push_back(TextOf(TokenChild(a, P::IDENT)));
  if (val.name.empty()) return;  // recovery produced a nameless val: nothing to check.
  tree_.vals.push_back(val);
}

TypeRefId TreeBuilder::BuildTypeRef(P::TypeRefContext* ctx) {
  TypeRef ref;
  ref.range = RangeOf(ctx);
  std::vector<TypeRefId> args;
  switch (KindOf(ctx)) {
    case Kind::kNamedType: {
      auto* named = static_cast<P::NamedTypeContext*>(ctx);
      if (auto* name = Child<P::QualifiedNameContext>(named)) ref.name = file_.Slice(RangeOf(name));
      ref.optional = named->optional != nullptr;
      for (auto* arg : Children<P::TypeRefContext>(named)) args.push_back(BuildTypeRef(arg));
      break;
    }
    case Kind::kFunctionType: {
      auto* function = static_cast<P::FunctionTypeContext*>(ctx);
      ref.function = true;
      ref.optional = function->optional != nullptr;
      auto refs = Children<P::TypeRefContext>(function);
      for (size_t i = 0; i + 1 < refs.size(); ++i) args.push_back(BuildTypeRef(refs[i]));
      if (!refs.empty()) ref.result = BuildTypeRef(refs.back());
      break;
    }
    default: break;
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
  ids.reserve(exprs.size());
  for (auto* e : exprs) ids.push_back(BuildExpr(e));
  Span span{static_cast<uint32_t>(tree_.expr_lists.size()), static_cast<uint32_t>(ids.size())};
  tree_.expr_lists.insert(tree_.expr_lists.end(), ids.begin(), ids.end());
  return span;
}

namespace {

// The operator of a binary expression. Only a token the parser really read
// has its spelling as text; a conjured one ("<missing '+'>") is no operator.
std::optional<BinaryOp> BinaryOpOf(antlr4::Token* token) {
  static const std::array<std::optional<BinaryOp>, antlr::CliveLexer::BAD_CHAR + 1> kOps = [] {
    std::array<std::optional<BinaryOp>, antlr::CliveLexer::BAD_CHAR + 1> ops{};
    for (auto [spelling, op] : {std::pair<const char*, BinaryOp>{"+", BinaryOp::kAdd},
                                {"-", BinaryOp::kSub},
                                {"*", BinaryOp::kMul},
                                {"/", BinaryOp::kDiv},
                                {"%", BinaryOp::kRem},
                                {"==", BinaryOp::kEq},
                                {"!=", BinaryOp::kNe},
                                {"<", BinaryOp::kLt},
                                {"<=", BinaryOp::kLe},
                                {">", BinaryOp::kGt},
                                {">=", BinaryOp::kGe},
                                {"&&", BinaryOp::kAnd},
                                {"||", BinaryOp::kOr},
                                {"?:", BinaryOp::kElvis}}) {
      ops[LiteralTokenType(spelling)] = op;
    }
    return ops;
  }();
  if (!IsReal(token) || token->getType() >= kOps.size()) return std::nullopt;
  return kOps[token->getType()];
}

// Whether `token` is a real token of type `type`.
bool IsRealLiteral(antlr4::Token* token, size_t type) { return IsReal(token) && token->getType() == type; }

}  // namespace

ExprId TreeBuilder::BuildExpr(P::ExprContext* ctx) {
  if (ctx == nullptr) return ErrorExpr({});
  SourceRange range = RangeOf(ctx);
  if (ctx->exception != nullptr) return ErrorExpr(range);

  // Each alternative has its own function: they recurse through here once
  // per nesting level (up to kMaxNesting), so this frame must stay small,
  // which one function holding every alternative's locals was not (it
  // overflowed the stack of sanitizer builds).
  switch (KindOf(ctx)) {
    case Kind::kParenExpr: return BuildExpr(Child<P::ExprContext>(ctx));
    case Kind::kLiteralExpr: return BuildLiteral(Child<P::LiteralContext>(ctx), range);
    case Kind::kNameExpr: return BuildNameExpr(ctx, range);
    case Kind::kMemberExpr: return BuildMemberExpr(static_cast<P::MemberExprContext*>(ctx), range);
    case Kind::kCallExpr: return BuildCallExpr(ctx, range);
    case Kind::kTrailingLambdaExpr: return BuildTrailingLambdaExpr(ctx, range);
    case Kind::kIndexExpr: return BuildIndexExpr(ctx, range);
    case Kind::kBuilderExpr: return BuildBuilderExpr(ctx, range);
    case Kind::kUnaryExpr: return BuildUnaryExpr(static_cast<P::UnaryExprContext*>(ctx), range);
    case Kind::kBinaryExpr: return BuildBinaryExpr(static_cast<P::BinaryExprContext*>(ctx), range);
    case Kind::kIfExpr: return BuildIfExpr(ctx, range);
    case Kind::kWhenExpr: return BuildWhenExpr(ctx, range);
    case Kind::kLambdaExpr: return BuildLambda(Child<P::LambdaContext>(ctx));
    case Kind::kComprehensionExpr: return BuildComprehensionExpr(ctx, range);
    case Kind::kListExpr: return BuildListExpr(ctx, range);
    case Kind::kMapExpr: return BuildMapExpr(ctx, range);
    default: return ErrorExpr(range);
  }
}

ExprId TreeBuilder::BuildNameExpr(P::ExprContext* ctx, SourceRange range) {
  antlr4::tree::TerminalNode* name = TokenChild(ctx, P::IDENT);
  Expr e;
  e.kind = ExprKind::kName;
  e.name = TextOf(name);
  e.name_range = e.range = RangeOf(name);
  return e.name.empty() ? ErrorExpr(range) : AddExpr(e);
}

ExprId TreeBuilder::BuildMemberExpr(P::MemberExprContext* member, SourceRange range) {
  static const size_t safe_dot = LiteralTokenType("?.");
  Expr e;
  e.kind = ExprKind::kMember;
  e.safe = IsRealLiteral(member->op, safe_dot);
  e.lhs = BuildExpr(Child<P::ExprContext>(member));
  antlr4::tree::TerminalNode* name = TokenChild(member, P::IDENT);
  e.name = TextOf(name);
  e.name_range = RangeOf(name);
  e.range = range;
  return e.name.empty() ? ErrorExpr(range) : AddExpr(e);
}

ExprId TreeBuilder::BuildCallExpr(P::ExprContext* ctx, SourceRange range) {
  return BuildCall(BuildExpr(Child<P::ExprContext>(ctx)), Children<P::ArgContext>(ctx), kNone, range);
}

ExprId TreeBuilder::BuildTrailingLambdaExpr(P::ExprContext* ctx, SourceRange range) {
  // `f(a) { x -> ... }` passes the lambda as the last argument of f(a).
  auto* callee = Child<P::ExprContext>(ctx);
  if (callee != nullptr && KindOf(callee) == Kind::kCallExpr) {
    ExprId inner = BuildExpr(Child<P::ExprContext>(callee));
    return BuildCall(inner, Children<P::ArgContext>(callee), BuildLambda(Child<P::LambdaContext>(ctx)), range);
  }
  // The lambda first, then the callee: the order in which GCC evaluated the
  // arguments of BuildCall(BuildExpr(callee), {}, BuildLambda(...)) here
  // before, which fixes the order of their expressions in the tree.
  ExprId lambda = BuildLambda(Child<P::LambdaContext>(ctx));
  return BuildCall(BuildExpr(callee), {}, lambda, range);
}

ExprId TreeBuilder::BuildIndexExpr(P::ExprContext* ctx, SourceRange range) {
  Expr e;
  e.kind = ExprKind::kIndex;
  e.lhs = BuildExpr(Child<P::ExprContext>(ctx, 0));
  e.rhs = BuildExpr(Child<P::ExprContext>(ctx, 1));
  e.range = range;
  return AddExpr(e);
}

ExprId TreeBuilder::BuildBuilderExpr(P::ExprContext* ctx, SourceRange range) {
  return BuildBuilder(BuildExpr(Child<P::ExprContext>(ctx)), Child<P::BuilderBodyContext>(ctx), range);
}

ExprId TreeBuilder::BuildUnaryExpr(P::UnaryExprContext* ctx, SourceRange range) {
  static const size_t minus = LiteralTokenType("-");
  Expr e;
  e.kind = ExprKind::kUnary;
  e.op = static_cast<uint8_t>(IsRealLiteral(ctx->op, minus) ? UnaryOp::kNeg : UnaryOp::kNot);
  e.lhs = BuildExpr(Child<P::ExprContext>(ctx));
  e.range = range;
  return AddExpr(e);
}

ExprId TreeBuilder::BuildBinaryExpr(P::BinaryExprContext* ctx, SourceRange range) {
  std::optional<BinaryOp> op = BinaryOpOf(ctx->op);
  if (!op) return ErrorExpr(range);
  Expr e;
  e.kind = ExprKind::kBinary;
  e.op = static_cast<uint8_t>(*op);
  e.lhs = BuildExpr(Child<P::ExprContext>(ctx, 0));
  e.rhs = BuildExpr(Child<P::ExprContext>(ctx, 1));
  e.range = range;
  return AddExpr(e);
}

ExprId TreeBuilder::BuildIfExpr(P::ExprContext* ctx, SourceRange range) {
  Expr e;
  e.kind = ExprKind::kIf;
  e.lhs = BuildExpr(Child<P::ExprContext>(ctx, 0));
  e.rhs = BuildExpr(Child<P::ExprContext>(ctx, 1));
  e.third = BuildExpr(Child<P::ExprContext>(ctx, 2));
  e.range = range;
  return AddExpr(e);
}

ExprId TreeBuilder::BuildWhenExpr(P::ExprContext* ctx, SourceRange range) {
  Expr e;
  e.kind = ExprKind::kWhen;
  auto* subject = Child<P::ExprContext>(ctx);
  e.lhs = subject ? BuildExpr(subject) : kNone;
  std::vector<WhenBranch> branches;
  for (auto* b : Children<P::WhenBranchContext>(ctx)) {
    WhenBranch branch;
    auto exprs = Children<P::ExprContext>(b);
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

ExprId TreeBuilder::BuildComprehensionExpr(P::ExprContext* ctx, SourceRange range) {
  auto exprs = Children<P::ExprContext>(ctx);
  auto at = [&](size_t i) { return i < exprs.size() ? exprs[i] : nullptr; };
  antlr4::tree::TerminalNode* name = TokenChild(ctx, P::IDENT);
  Expr e;
  e.kind = ExprKind::kComprehension;
  e.lhs = BuildExpr(at(0));
  e.name = TextOf(name);
  e.name_range = RangeOf(name);
  e.rhs = BuildExpr(at(1));
  e.third = exprs.size() > 2 ? BuildExpr(exprs[2]) : kNone;
  e.range = range;
  return AddExpr(e);
}

ExprId TreeBuilder::BuildListExpr(P::ExprContext* ctx, SourceRange range) {
  Expr e;
  e.kind = ExprKind::kList;
  e.list = BuildExprList(Children<P::ExprContext>(ctx));
  e.range = range;
  return AddExpr(e);
}

ExprId TreeBuilder::BuildMapExpr(P::ExprContext* ctx, SourceRange range) {
  std::vector<MapEntry> entries;
  for (auto* entry : Children<P::MapEntryContext>(ctx)) {
    // Key, then value: the order the tree's expressions are added in.
    ExprId key = BuildExpr(Child<P::ExprContext>(entry, 0));
    ExprId value = BuildExpr(Child<P::ExprContext>(entry, 1));
    entries.push_back({key, value});
  }
  Expr e;
  e.kind = ExprKind::kMap;
  e.list = {static_cast<uint32_t>(tree_.map_entries.size()), static_cast<uint32_t>(entries.size())};
  tree_.map_entries.insert(tree_.map_entries.end(), entries.begin(), entries.end());
  e.range = range;
  return AddExpr(e);
}

ExprId TreeBuilder::BuildCall(ExprId callee, const std::vector<P::ArgContext*>& arg_contexts,
                              ExprId trailing_lambda, SourceRange range) {
  std::vector<Arg> args;
  args.reserve(arg_contexts.size() + 1);
  for (auto* a : arg_contexts) {
    Arg arg;
    antlr4::tree::TerminalNode* name = TokenChild(a, P::IDENT);
    arg.name = TextOf(name);
    arg.name_range = RangeOf(name);
    arg.value = BuildExpr(Child<P::ExprContext>(a));
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
  e.list = BuildNames(TokenChildren(ctx, P::IDENT));
  e.lhs = BuildExpr(Child<P::ExprContext>(ctx));
  e.range = RangeOf(ctx);
  return AddExpr(e);
}

ExprId TreeBuilder::BuildBuilder(ExprId type_expr, P::BuilderBodyContext* body, SourceRange range) {
  // Children first (they may append their own inits), then ours contiguously.
  std::vector<FieldInit> inits;
  for (auto* item : Children<P::BuilderItemContext>(body)) {
    FieldInit fi;
    switch (KindOf(item)) {
      case Kind::kFieldInit: {
        antlr4::tree::TerminalNode* name = TokenChild(item, P::IDENT);
        fi.name = TextOf(name);
        fi.name_range = RangeOf(name);
        auto* value = Child<P::ExprContext>(item);
        fi.value = value ? BuildExpr(value) : ErrorExpr(RangeOf(item));
        if (fi.name.empty()) continue;
        break;
      }
      case Kind::kCollectItem:
        fi.value = BuildExpr(Child<P::ExprContext>(item));
        fi.name_range = tree_.exprs[fi.value].range;
        break;
      default: continue;
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
  for (size_t type : {P::INT, P::FLOAT, P::QUANTITY, P::STRING}) {
    if (auto* node = TokenChild(ctx, type)) token = node->getSymbol();
  }
  if (token == nullptr) token = ctx->getStop();
  if (token == nullptr || token->getTokenIndex() == static_cast<size_t>(-1)) return ErrorExpr(range);
  range = RangeOf(token);
  Expr e;
  e.range = range;
  std::string_view text = file_.Slice(range);
  if (TokenChild(ctx, P::INT) != nullptr) {
    e.kind = ExprKind::kInt;
    if (!ParseInt(text, e.int_value)) {
      sink_.Error(codes::kBadLiteral, file_, range,
                  "integer literal does not fit in 64 bits (the largest Int is 9223372036854775807)");
      return ErrorExpr(range);
    }
  } else if (TokenChild(ctx, P::FLOAT) != nullptr) {
    e.kind = ExprKind::kFloat;
    if (!ParseDouble(text, e.float_value)) {
      sink_.Error(codes::kBadLiteral, file_, range, "float literal is out of range");
      return ErrorExpr(range);
    }
  } else if (TokenChild(ctx, P::QUANTITY) != nullptr) {
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
  } else if (TokenChild(ctx, P::STRING) != nullptr) {
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

ExprId TreeBuilder::BuildSimpleInterpolation(size_t offset, size_t code_point) {
  static const size_t dot = LiteralTokenType(".");
  static const size_t safe_dot = LiteralTokenType("?.");
  static const size_t close = LiteralTokenType("}");
  Lexer lexer(file_.text(), offset, code_point);
  auto next = [&] {
    LexedToken t = lexer.Next();
    while (t.channel != antlr4::Token::DEFAULT_CHANNEL) t = lexer.Next();  // as the parser skips them
    return t;
  };
  // IDENT (('.' | '?.') IDENT)* '}', checked before anything is added.
  LexedToken tokens[16];
  size_t count = 0;
  tokens[count++] = next();
  if (tokens[0].type != P::IDENT) return kNone;
  for (;;) {
    LexedToken t = next();
    if (t.type == close) break;
    if ((t.type != dot && t.type != safe_dot) || count + 2 > std::size(tokens)) return kNone;
    LexedToken name = next();
    if (name.type != P::IDENT) return kNone;
    tokens[count++] = t;
    tokens[count++] = name;
  }
  auto range_of = [](const LexedToken& t) { return SourceRange{t.begin, t.end}; };
  Expr e;
  e.kind = ExprKind::kName;
  e.name = file_.Slice(range_of(tokens[0]));
  e.name_range = e.range = range_of(tokens[0]);
  ExprId id = AddExpr(e);
  for (size_t i = 1; i < count; i += 2) {
    Expr member;
    member.kind = ExprKind::kMember;
    member.safe = tokens[i].type == safe_dot;
    member.lhs = id;
    member.name = file_.Slice(range_of(tokens[i + 1]));
    member.name_range = range_of(tokens[i + 1]);
    member.range = {tokens[0].begin, tokens[i + 1].end};
    id = AddExpr(member);
  }
  return id;
}

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
    // Where the parser would start (after error recovery, `range` may
    // begin before `token`, so it is derived from the token, as the parser's).
    ExprId simple = BuildSimpleInterpolation(file_.ByteOffsetOfCodePoint(code_point), code_point);
    if (simple != kNone) {
      parts.push_back(simple);
    } else {
      P::InterpolationContext* inner = parse_interpolation_(code_point);
      P::ExprContext* expr = inner != nullptr ? Child<P::ExprContext>(inner) : nullptr;
      parts.push_back(expr != nullptr ? BuildExpr(expr)
                                      : ErrorExpr({range.begin + 1 + static_cast<uint32_t>(i),
                                                   range.begin + 1 + static_cast<uint32_t>(i + length)}));
    }
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
