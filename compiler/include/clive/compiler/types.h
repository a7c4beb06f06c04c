// The checker's types: built-in scalars and user-declared records.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "clive/lang/syntax_tree.h"

namespace clive::compiler {

using TypeId = uint32_t;

enum class TypeKind : uint8_t { kError, kInt, kBool, kString, kSize, kDuration, kRecord };

struct RecordField {
  std::string_view name;
  lang::SourceRange name_range;
  TypeId type = 0;
  lang::ExprId default_value = lang::kNone;  // kNone: the field is required
};

struct RecordType {
  std::string name;  // qualified for nested types: "JVM.Args"
  lang::TypeDeclId decl = lang::kNone;
  std::vector<RecordField> fields;

  // Index of the field named `name`, or -1.
  int FieldIndex(std::string_view name) const;
};

class TypeTable {
 public:
  // The built-ins have fixed ids.
  static constexpr TypeId kError = 0, kInt = 1, kBool = 2, kString = 3, kSize = 4,
                          kDuration = 5;

  TypeTable();
  TypeId AddRecord(RecordType record);

  TypeKind kind(TypeId id) const { return entries_[id].kind; }
  bool IsRecord(TypeId id) const { return kind(id) == TypeKind::kRecord; }
  const RecordType& record(TypeId id) const { return records_[entries_[id].record]; }
  RecordType& mutable_record(TypeId id) { return records_[entries_[id].record]; }
  std::string Name(TypeId id) const;
  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    TypeKind kind;
    uint32_t record = 0;
  };
  std::vector<Entry> entries_;
  std::vector<RecordType> records_;
};

}  // namespace clive::compiler
