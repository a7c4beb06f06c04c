#include "clive/compiler/types.h"

namespace clive::compiler {

int RecordType::FieldIndex(std::string_view field) const {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (fields[i].name == field) return static_cast<int>(i);
  }
  return -1;
}

TypeTable::TypeTable() {
  for (TypeKind k : {TypeKind::kError, TypeKind::kInt, TypeKind::kBool, TypeKind::kString,
                     TypeKind::kSize, TypeKind::kDuration}) {
    entries_.push_back({k, 0});
  }
}

TypeId TypeTable::AddRecord(RecordType record) {
  records_.push_back(std::move(record));
  entries_.push_back({TypeKind::kRecord, static_cast<uint32_t>(records_.size() - 1)});
  return static_cast<TypeId>(entries_.size() - 1);
}

std::string TypeTable::Name(TypeId id) const {
  switch (kind(id)) {
    case TypeKind::kError: return "<error>";
    case TypeKind::kInt: return "Int";
    case TypeKind::kBool: return "Bool";
    case TypeKind::kString: return "String";
    case TypeKind::kSize: return "Size";
    case TypeKind::kDuration: return "Duration";
    case TypeKind::kRecord: return record(id).name;
  }
  return "<error>";
}

}  // namespace clive::compiler
