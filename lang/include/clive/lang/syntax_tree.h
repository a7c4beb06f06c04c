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
  kError,     // placeholder where the parser recovered from a syntax error
  kInt,       // int_value
  kFloat,     // float_value
  kQuantity,  // int_value or float_value (is_float), name = unit
  kString,    // string_index into SyntaxTree::strings
  kBool,      // int_value 0 or 1
  kName,      // name
  kMember,    // lhs.name
  kBuilder,   // lhs { inits }   (lhs is a kName or kMember naming a type)
  kUnary,     // op lhs
  kBinary,    // lhs op rhs
};

enum class UnaryOp : uint8_t { kNeg, kNot };
enum class BinaryOp : uint8_t { kAdd, kSub, kMul, kDiv, kRem, kEq, kNe, kLt, kLe, kGt, kGe, kAnd, kOr };
const char* Spelling(BinaryOp op);
const char* Spelling(UnaryOp op);

struct Expr {
  ExprKind kind = ExprKind::kError;
  uint8_t op = 0;        // UnaryOp or BinaryOp
  bool is_float = false; // kQuantity with a fractional mantissa
  SourceRange range;
  std::string_view name;  // kName, kMember (member), kQuantity (unit)
  SourceRange name_range;
  ExprId lhs = kNone;
  ExprId rhs = kNone;
  Span inits;  // kBuilder: into SyntaxTree::field_inits
  int64_t int_value = 0;
  double float_value = 0;
  uint32_t string_index = kNone;
};

struct FieldInit {
  std::string_view name;
  SourceRange name_range;
  ExprId value = kNone;
};

// `Name<Arg, ...>?`; name may be qualified ("JVM.Provider").
struct TypeRef {
  std::string_view name;
  SourceRange range;
  Span args;  // into SyntaxTree::type_ref_args
  bool optional = false;
};

struct FieldDecl {
  std::string_view name;
  SourceRange name_range;
  TypeRefId type = kNone;
  ExprId default_value = kNone;
  std::string doc;
};

struct EnumDecl {
  std::string_view name;
  SourceRange name_range;
  std::vector<std::string_view> cases;
  std::vector<SourceRange> case_ranges;
  TypeDeclId parent = kNone;
};

struct TypeDecl {
  std::string_view name;
  SourceRange name_range;
  SourceRange range;
  std::string doc;
  Span fields;                      // into SyntaxTree::field_decls
  std::vector<TypeDeclId> nested;   // nested `type`s
  std::vector<uint32_t> enums;      // into SyntaxTree::enum_decls
  TypeDeclId parent = kNone;        // enclosing type, for nested types
};

struct ValDecl {
  std::string_view name;
  SourceRange name_range;
  SourceRange range;
  std::string doc;
  TypeRefId type = kNone;  // optional annotation
  ExprId value = kNone;
};

struct ImportDecl {
  std::vector<std::string_view> path;  // a.b.c
  std::vector<std::string_view> names; // {x, y}; empty for a plain import
  SourceRange range;
};

struct SyntaxTree {
  const SourceFile* file = nullptr;

  std::vector<ImportDecl> imports;
  std::vector<TypeDeclId> top_types;  // top-level types, in source order
  std::vector<ValDecl> vals;          // top-level cells, in source order

  std::vector<TypeDecl> type_decls;
  std::vector<EnumDecl> enum_decls;
  std::vector<FieldDecl> field_decls;
  std::vector<FieldInit> field_inits;
  std::vector<Expr> exprs;
  std::vector<TypeRef> type_refs;
  std::vector<TypeRefId> type_ref_args;
  std::vector<std::string> strings;  // decoded string literals

  const Expr& expr(ExprId id) const { return exprs[id]; }
};

}  // namespace clive::lang
