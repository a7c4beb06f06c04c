// The checker's types: built-in scalars, user-declared records and enums,
// and the structural types built from them (List, Map, optionals, functions,
// live references). One TypeTable serves a whole program, so a type has the
// same id in every module; structural types are interned (equal types have
// equal ids, and type equality is id equality).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "clive/lang/syntax_tree.h"

namespace clive::compiler {

using TypeId = uint32_t;
using ModuleId = uint32_t;

enum class TypeKind : uint8_t {
  kError,     // absorbs follow-on errors
  kInt,
  kFloat,
  kBool,
  kString,
  kPath,
  kSize,
  kDuration,
  kNull,      // the type of `null`, assignable to every optional
  kRecord,
  kEnum,
  kList,      // element()
  kMap,       // key(), value()
  kOptional,  // element(): T?
  kFunction,  // params(), result()
  kRef,       // element(): ref<T>, a live reference to a cell
  kTypeParam, // a generic function's type parameter
};

struct RecordField {
  std::string_view name;
  lang::SourceRange name_range;
  TypeId type = 0;
  lang::ExprId default_value = lang::kNone;  // kNone: the field is required
  bool collect = false;                      // @collect: bare builder items go here
  std::string doc;
};

struct RecordType {
  std::string name;  // qualified for nested types: "JVM.Args"
  ModuleId module = 0;
  lang::TypeDeclId decl = lang::kNone;
  std::vector<RecordField> fields;
  int collect_field = -1;
  std::vector<uint32_t> methods;  // functions declared in the type (indices in its module)

  // Index of the field named `name`, or -1.
  int FieldIndex(std::string_view name) const;
};

struct EnumType {
  std::string name;  // qualified for nested enums: "JVM.Provider"
  ModuleId module = 0;
  uint32_t decl = lang::kNone;  // into SyntaxTree::enum_decls
  std::vector<std::string_view> cases;

  int CaseIndex(std::string_view name) const;
};

class TypeTable {
 public:
  // The built-ins have fixed ids.
  static constexpr TypeId kError = 0, kInt = 1, kFloat = 2, kBool = 3, kString = 4, kPath = 5,
                          kSize = 6, kDuration = 7, kNull = 8;

  TypeTable();

  TypeId AddRecord(RecordType record);
  TypeId AddEnum(EnumType type);
  TypeId AddTypeParam(std::string name);
  TypeId ListOf(TypeId element);
  TypeId MapOf(TypeId key, TypeId value);
  // T? (T?? is T?, and null's type stays Null).
  TypeId OptionalOf(TypeId type);
  TypeId FunctionOf(const std::vector<TypeId>& params, TypeId result);
  TypeId RefOf(TypeId target);

  TypeKind kind(TypeId id) const { return entries_[id].kind; }
  bool Is(TypeId id, TypeKind k) const { return kind(id) == k; }
  const RecordType& record(TypeId id) const { return records_[entries_[id].payload]; }
  RecordType& mutable_record(TypeId id) { return records_[entries_[id].payload]; }
  const EnumType& enum_type(TypeId id) const { return enums_[entries_[id].payload]; }
  // List and optional element, ref target.
  TypeId element(TypeId id) const { return entries_[id].a; }
  TypeId key(TypeId id) const { return entries_[id].a; }
  TypeId value(TypeId id) const { return entries_[id].b; }
  const std::vector<TypeId>& params(TypeId id) const { return lists_[entries_[id].payload]; }
  TypeId result(TypeId id) const { return entries_[id].b; }
  // The type without its optional marker.
  TypeId NonOptional(TypeId id) const { return kind(id) == TypeKind::kOptional ? element(id) : id; }
  bool IsQuantity(TypeId id) const { return id == kSize || id == kDuration; }
  bool IsNumeric(TypeId id) const { return id == kInt || id == kFloat; }
  // Whether a value of type `from` may be used where `to` is expected.
  bool Assignable(TypeId from, TypeId to) const;
  // Whether `id` mentions a type parameter.
  bool IsGeneric(TypeId id) const;
  // `type` with its type parameters replaced as `subst` says (interning the
  // structural types that result).
  TypeId Substitute(TypeId type, const std::map<TypeId, TypeId>& subst);
  // Whether compiled code holds values of this type by pointer
  // (clive/abi/abi.h); a value of any other type is the 64-bit word itself.
  bool HeldByPointer(TypeId id) const;

  std::string Name(TypeId id) const;
  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    TypeKind kind;
    uint32_t payload = 0;  // index into records_, enums_, lists_, names_
    TypeId a = 0;
    TypeId b = 0;
  };
  TypeId Intern(TypeKind kind, TypeId a, TypeId b, uint32_t list = 0);

  std::vector<Entry> entries_;
  std::vector<RecordType> records_;
  std::vector<EnumType> enums_;
  std::vector<std::vector<TypeId>> lists_;  // function parameter lists
  std::vector<std::string> names_;          // type parameter names
  std::map<std::tuple<TypeKind, TypeId, TypeId, std::vector<TypeId>>, TypeId> interned_;
};

}  // namespace clive::compiler
