// SyntaxTree: clive's own syntax tree for one file.
//
// Data-oriented, in the style of Carbon's parse tree: nodes of each kind live
// in flat vectors and refer to each other by 32-bit index, so a tree is a
// handful of allocations and phases can keep side tables indexed by node id.
// Every node carries its source range. Identifiers are views into the
// SourceFile's text, which must outlive the tree.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "clive/lang/source_file.h"

namespace clive::lang {

using ExprId = uint32_t;
using TypeRefId = uint32_t;
using TypeDeclId = uint32_t;
inline constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();

// A contiguous run [first, first + count) in one of the tree's vectors.
struct Span {
  uint32_t first = 0;
  uint32_t count = 0;
  uint32_t end() const { return first + count; }
};

enum class ExprKind : uint8_t {
  kError,          // placeholder where the parser recovered from a syntax error
  kInt,            // int_value
  kFloat,          // float_value
  kQuantity,       // int_value or float_value (is_float), name = unit
  kString,         // string_index into SyntaxTree::strings (no interpolation)
  kInterpolation,  // "a${x}b": list = parts (kString literals and expressions)
  kBool,           // int_value 0 or 1
  kNull,           // null
  kName,           // name
  kMember,         // lhs.name, or lhs?.name when `safe`
  kCall,           // lhs(args): list into SyntaxTree::args
  kIndex,          // lhs[rhs]
  kBuilder,        // lhs { inits }: list into SyntaxTree::field_inits
  kUnary,          // op lhs
  kBinary,         // lhs op rhs
  kIf,             // if (lhs) rhs else third
  kWhen,           // when (lhs?) { list into SyntaxTree::when_branches }
  kLambda,         // { names -> lhs }: list into SyntaxTree::names
  kList,           // [a, b]: list into SyntaxTree::expr_lists
  kMap,            // [k: v]: list into SyntaxTree::map_entries
  kComprehension,  // [lhs for name in rhs if third]
};

enum class UnaryOp : uint8_t { kNeg, kNot };
enum class BinaryOp : uint8_t {
  kAdd, kSub, kMul, kDiv, kRem, kEq, kNe, kLt, kLe, kGt, kGe, kAnd, kOr, kElvis
};
const char* Spelling(BinaryOp op);
const char* Spelling(UnaryOp op);

struct Expr {
  ExprKind kind = ExprKind::kError;
  uint8_t op = 0;         // UnaryOp or BinaryOp
  bool is_float = false;  // kQuantity with a fractional mantissa
  bool safe = false;      // kMember: `?.`
  SourceRange range;
  std::string_view name;  // kName, kMember (member), kQuantity (unit), kComprehension (variable)
  SourceRange name_range;
  ExprId lhs = kNone;
  ExprId rhs = kNone;
  ExprId third = kNone;
  Span list;  // kind-specific, see ExprKind
  int64_t int_value = 0;
  double float_value = 0;
  uint32_t string_index = kNone;
};

// A field initializer `name = value` in a builder block; an empty name is a
// bare expression, added to the type's @collect field.
struct FieldInit {
  std::string_view name;
  SourceRange name_range;
  ExprId value = kNone;
};

// A call argument, `value` or `name = value`.
struct Arg {
  std::string_view name;  // empty for a positional argument
  SourceRange name_range;
  ExprId value = kNone;
};

struct MapEntry {
  ExprId key = kNone;
  ExprId value = kNone;
};

struct WhenBranch {
  Span conditions;  // into SyntaxTree::expr_lists; empty for `else`
  ExprId value = kNone;
  SourceRange range;
};

// A name with its place: lambda parameters, type parameters.
struct Name {
  std::string_view text;
  SourceRange range;
};

// `Name<Arg, ...>?` (name may be qualified: "JVM.Provider"), or a function
// type `(A, B) -> R` when `function` is set (args are the parameters).
struct TypeRef {
  std::string_view name;
  SourceRange range;
  Span args;  // into SyntaxTree::type_ref_args
  TypeRefId result = kNone;  // function types
  bool function = false;
  bool optional = false;
};

struct FieldDecl {
  std::string_view name;
  SourceRange name_range;
  TypeRefId type = kNone;
  ExprId default_value = kNone;
  std::string doc;
  std::vector<std::string_view> annotations;  // without the '@'
};

struct EnumDecl {
  std::string_view name;
  SourceRange name_range;
  SourceRange range;
  std::string doc;
  std::vector<std::string_view> cases;
  std::vector<SourceRange> case_ranges;
  TypeDeclId parent = kNone;  // enclosing type, or kNone at top level
};

struct Param {
  std::string_view name;
  SourceRange name_range;
  TypeRefId type = kNone;
  ExprId default_value = kNone;
};

struct FnDecl {
  std::string_view name;
  SourceRange name_range;
  SourceRange range;
  std::string doc;
  Span type_params;            // into SyntaxTree::names
  TypeRefId receiver = kNone;  // extension functions: `fn T.name(...)`
  Span params;                 // into SyntaxTree::params
  TypeRefId result = kNone;    // optional annotation
  ExprId body = kNone;         // kNone only for @builtin functions
  TypeDeclId parent = kNone;   // enclosing type, or kNone at top level
  std::vector<std::string_view> annotations;  // without the '@'
};

struct TypeDecl {
  std::string_view name;
  SourceRange name_range;
  SourceRange range;
  std::string doc;
  Span type_params;                 // into SyntaxTree::names
  Span fields;                      // into SyntaxTree::field_decls
  std::vector<TypeDeclId> nested;   // nested `type`s
  std::vector<uint32_t> enums;      // into SyntaxTree::enum_decls
  std::vector<uint32_t> fns;        // into SyntaxTree::fn_decls
  TypeDeclId parent = kNone;        // enclosing type, for nested types
};

struct ValDecl {
  std::string_view name;
  SourceRange name_range;
  SourceRange range;
  std::string doc;
  TypeRefId type = kNone;  // optional annotation
  ExprId value = kNone;
  std::vector<std::string_view> annotations;  // without the '@': `@input`
};

struct ImportName {
  std::string_view name;
  SourceRange range;
  std::string_view alias;  // `as` name, or empty
};

struct ImportDecl {
  std::vector<std::string_view> path;  // a.b.c
  std::vector<SourceRange> path_ranges;
  std::vector<ImportName> names;       // {x, y as z}; empty for a plain import
  std::string_view alias;              // `import a.b.c as d`
  SourceRange range;
};

// A comment, kept for the formatter and for doc lookups.
struct Comment {
  enum class Kind : uint8_t { kLine, kDoc, kBlock };  // `//`, `///`, `/* */`
  Kind kind = Kind::kLine;
  SourceRange range;  // the whole comment, markers included
};

struct SyntaxTree {
  const SourceFile* file = nullptr;
  std::vector<Comment> comments;  // in source order

  std::vector<ImportDecl> imports;
  std::vector<TypeDeclId> top_types;  // top-level types, in source order
  std::vector<uint32_t> top_enums;    // top-level enums
  std::vector<uint32_t> top_fns;      // top-level functions
  std::vector<ValDecl> vals;          // top-level cells, in source order

  std::vector<TypeDecl> type_decls;
  std::vector<EnumDecl> enum_decls;
  std::vector<FnDecl> fn_decls;
  std::vector<FieldDecl> field_decls;
  std::vector<Param> params;
  std::vector<FieldInit> field_inits;
  std::vector<Arg> args;
  std::vector<MapEntry> map_entries;
  std::vector<WhenBranch> when_branches;
  std::vector<ExprId> expr_lists;
  std::vector<Name> names;
  std::vector<Expr> exprs;
  std::vector<TypeRef> type_refs;
  std::vector<TypeRefId> type_ref_args;
  std::vector<std::string> strings;  // decoded string literals

  const Expr& expr(ExprId id) const { return exprs[id]; }
};

}  // namespace clive::lang
