#include "clive/compiler/types.h"

namespace clive::compiler {

int RecordType::FieldIndex(std::string_view field) const {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (fields[i].name == field) return static_cast<int>(i);
  }
  return -1;
}

int EnumType::CaseIndex(std::string_view name) const {
  for (size_t i = 0; i < cases.size(); ++i) {
    if (cases[i] == name) return static_cast<int>(i);
  }
  return -1;
}

TypeTable::TypeTable() {
  for (TypeKind k : {TypeKind::kError, TypeKind::kInt, TypeKind::kFloat, TypeKind::kBool,
                     TypeKind::kString, TypeKind::kPath, TypeKind::kSize, TypeKind::kDuration,
                     TypeKind::kNull}) {
    entries_.push_back({k});
  }
}

TypeId TypeTable::AddRecord(RecordType record) {
  records_.push_back(std::move(record));
  entries_.push_back({TypeKind::kRecord, static_cast<uint32_t>(records_.size() - 1)});
  return static_cast<TypeId>(entries_.size() - 1);
}

TypeId TypeTable::AddEnum(EnumType type) {
  enums_.push_back(std::move(type));
  entries_.push_back({TypeKind::kEnum, static_cast<uint32_t>(enums_.size() - 1)});
  return static_cast<TypeId>(entries_.size() - 1);
}

TypeId TypeTable::AddTypeParam(std::string name) {
  names_.push_back(std::move(name));
  entries_.push_back({TypeKind::kTypeParam, static_cast<uint32_t>(names_.size() - 1)});
  return static_cast<TypeId>(entries_.size() - 1);
}

TypeId TypeTable::Intern(TypeKind kind, TypeId a, TypeId b, uint32_t list) {
  std::vector<TypeId> key_list = kind == TypeKind::kFunction ? lists_[list] : std::vector<TypeId>{};
  auto key = std::make_tuple(kind, a, b, key_list);
  if (auto it = interned_.find(key); it != interned_.end()) {
    if (kind == TypeKind::kFunction) lists_.pop_back();  // the caller's fresh list is unused
    return it->second;
  }
  entries_.push_back({kind, list, a, b});
  TypeId id = static_cast<TypeId>(entries_.size() - 1);
  interned_.emplace(std::move(key), id);
  return id;
}

TypeId TypeTable::ListOf(TypeId element) {
  return element == kError ? kError : Intern(TypeKind::kList, element, 0);
}

TypeId TypeTable::MapOf(TypeId key, TypeId value) {
  return key == kError || value == kError ? kError : Intern(TypeKind::kMap, key, value);
}

TypeId TypeTable::OptionalOf(TypeId type) {
  if (type == kError || type == kNull || kind(type) == TypeKind::kOptional) return type;
  return Intern(TypeKind::kOptional, type, 0);
}

TypeId TypeTable::FunctionOf(const std::vector<TypeId>& params, TypeId result) {
  for (TypeId p : params) {
    if (p == kError) return kError;
  }
  if (result == kError) return kError;
  lists_.push_back(params);
  return Intern(TypeKind::kFunction, 0, result, static_cast<uint32_t>(lists_.size() - 1));
}

TypeId TypeTable::RefOf(TypeId target) {
  return target == kError ? kError : Intern(TypeKind::kRef, target, 0);
}

bool TypeTable::Assignable(TypeId from, TypeId to) const {
  if (from == to || from == kError || to == kError) return true;
  if (kind(to) == TypeKind::kOptional) {
    return from == kNull || (kind(from) == TypeKind::kOptional ? Assignable(element(from), element(to))
                                                                 : Assignable(from, element(to)));
  }
  // Collections are immutable, so they are covariant: a List<Int> is a
  // List<Int?>.
  if (kind(from) == TypeKind::kList && kind(to) == TypeKind::kList) {
    return Assignable(element(from), element(to));
  }
  if (kind(from) == TypeKind::kMap && kind(to) == TypeKind::kMap) {
    return key(from) == key(to) && Assignable(value(from), value(to));
  }
  return false;
}

TypeId TypeTable::Substitute(TypeId type, const std::map<TypeId, TypeId>& subst) {
  switch (kind(type)) {
    case TypeKind::kTypeParam: {
      auto it = subst.find(type);
      return it == subst.end() ? type : it->second;
    }
    case TypeKind::kList: return ListOf(Substitute(element(type), subst));
    case TypeKind::kOptional: return OptionalOf(Substitute(element(type), subst));
    case TypeKind::kRef: return RefOf(Substitute(element(type), subst));
    case TypeKind::kMap: {
      TypeId k = Substitute(key(type), subst);
      return MapOf(k, Substitute(value(type), subst));
    }
    case TypeKind::kFunction: {
      std::vector<TypeId> substituted = params(type);  // a copy: the table may grow
      for (TypeId& p : substituted) p = Substitute(p, subst);
      return FunctionOf(substituted, Substitute(result(type), subst));
    }
    default: return type;
  }
}

bool TypeTable::HeldByPointer(TypeId id) const {
  switch (kind(id)) {
    case TypeKind::kString:
    case TypeKind::kRecord:
    case TypeKind::kList:
    case TypeKind::kMap:
    case TypeKind::kOptional:
    case TypeKind::kNull:
    case TypeKind::kFunction:
    case TypeKind::kRef:
    case TypeKind::kPath: return true;
    default: return false;
  }
}

bool TypeTable::IsGeneric(TypeId id) const {
  switch (kind(id)) {
    case TypeKind::kTypeParam: return true;
    case TypeKind::kList:
    case TypeKind::kOptional:
    case TypeKind::kRef: return IsGeneric(element(id));
    case TypeKind::kMap: return IsGeneric(key(id)) || IsGeneric(value(id));
    case TypeKind::kFunction: {
      for (TypeId p : params(id)) {
        if (IsGeneric(p)) return true;
      }
      return IsGeneric(result(id));
    }
    default: return false;
  }
}

std::string TypeTable::Name(TypeId id) const {
  switch (kind(id)) {
    case TypeKind::kError: return "<error>";
    case TypeKind::kInt: return "Int";
    case TypeKind::kFloat: return "Float";
    case TypeKind::kBool: return "Bool";
    case TypeKind::kString: return "String";
    case TypeKind::kPath: return "Path";
    case TypeKind::kSize: return "Size";
    case TypeKind::kDuration: return "Duration";
    case TypeKind::kNull: return "Null";
    case TypeKind::kRecord: return record(id).name;
    case TypeKind::kEnum: return enum_type(id).name;
    case TypeKind::kList: return "List<" + Name(element(id)) + ">";
    case TypeKind::kMap: return "Map<" + Name(key(id)) + ", " + Name(value(id)) + ">";
    case TypeKind::kOptional: {
      std::string inner = Name(element(id));
      return kind(element(id)) == TypeKind::kFunction ? "(" + inner + ")?" : inner + "?";
    }
    case TypeKind::kRef: return "ref<" + Name(element(id)) + ">";
    case TypeKind::kTypeParam: return names_[entries_[id].payload];
    case TypeKind::kFunction: {
      std::string out = "(";
      for (size_t i = 0; i < params(id).size(); ++i) out += (i ? ", " : "") + Name(params(id)[i]);
      return out + ") -> " + Name(result(id));
    }
  }
  return "<error>";
}

}  // namespace clive::compiler
