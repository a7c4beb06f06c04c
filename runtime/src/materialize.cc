#include "clive/runtime/materialize.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <string_view>

namespace clive::runtime {
namespace {

using compiler::TypeId;
using compiler::TypeKind;
using compiler::TypeTable;

class Materializer {
 public:
  Materializer(const TypeTable& types, abi::Context& context) : types_(types), context_(context) {}

  Expected<uint64_t> Build(const Value& value, TypeId type, const std::string& where) {
    TypeKind kind = types_.kind(type);
    if (kind == TypeKind::kOptional) {
      if (value.kind == ValueKind::kNull) return uint64_t{0};
      auto inner = Build(value, types_.element(type), where);
      if (!inner.ok() || !IsBoxedWhenOptional(types_, types_.element(type))) return inner;
      return Words({*inner});
    }
    if (!ValueFitsKind(value.kind, kind)) return Mismatch(value, type, where);
    switch (kind) {
      case TypeKind::kInt:
      case TypeKind::kBool:
      case TypeKind::kSize:
      case TypeKind::kDuration: return static_cast<uint64_t>(value.number);
      case TypeKind::kFloat: return std::bit_cast<uint64_t>(value.real);
      case TypeKind::kString:
      case TypeKind::kPath:
      case TypeKind::kRef: return String(value.text);
      case TypeKind::kEnum: {
        int index = types_.enum_type(type).CaseIndex(value.label);
        if (index < 0) {
          return Status::InvalidArgument(where + ": `" + types_.Name(type) + "` has no case `" + value.label + "`");
        }
        return static_cast<uint64_t>(index);
      }
      case TypeKind::kRecord: return Record(value, type, where);
      case TypeKind::kList: {
        std::vector<uint64_t> words{value.fields.size()};
        for (size_t i = 0; i < value.fields.size(); ++i) {
          auto item = Build(value.fields[i].second, types_.element(type), where + "[" + std::to_string(i) + "]");
          if (!item.ok()) return item;
          words.push_back(*item);
        }
        return Words(words);
      }
      case TypeKind::kMap: return Map(value, type, where);
      default: break;
    }
    return Status::InvalidArgument(where + ": a value of type `" + types_.Name(type) + "` cannot be stored");
  }

 private:
  Status Mismatch(const Value& value, TypeId type, const std::string& where) const {
    return Status::InvalidArgument(where + ": expected a value of type `" + types_.Name(type) + "`, found `" +
                                   TypeName(value) + "`");
  }

  uint64_t Words(const std::vector<uint64_t>& words) {
    auto* out = static_cast<uint64_t*>(context_.Allocate(words.size() * sizeof(uint64_t)));
    std::copy(words.begin(), words.end(), out);
    return reinterpret_cast<uint64_t>(out);
  }

  uint64_t String(std::string_view text) {
    auto length = static_cast<int64_t>(text.size());
    auto* out = static_cast<char*>(context_.Allocate(sizeof length + text.size()));
    std::memcpy(out, &length, sizeof length);
    std::memcpy(out + sizeof length, text.data(), text.size());
    return reinterpret_cast<uint64_t>(out);
  }

  Expected<uint64_t> Record(const Value& value, TypeId type, const std::string& where) {
    const compiler::RecordType& record = types_.record(type);
    std::vector<uint64_t> words;
    for (const compiler::RecordField& field : record.fields) {
      auto it = std::find_if(value.fields.begin(), value.fields.end(),
                             [&](const auto& f) { return f.first == field.name; });
      std::string path = where + "." + std::string(field.name);
      if (it == value.fields.end()) return Status::InvalidArgument(path + ": missing");
      auto word = Build(it->second, field.type, path);
      if (!word.ok()) return word;
      words.push_back(*word);
    }
    return Words(words);
  }

  // Compiled code looks keys up in the ABI's order, which differs from
  // Value::KeyLess for enums (case index, not label).
  Expected<uint64_t> Map(const Value& value, TypeId type, const std::string& where) {
    TypeId key_type = types_.key(type);
    std::vector<std::pair<Value, uint64_t>> keys;  // key, its word
    std::vector<uint64_t> values;
    for (size_t i = 0; i < value.keys.size() && i < value.fields.size(); ++i) {
      std::string path = where + "[" + value.fields[i].first + "]";
      auto key = Build(value.keys[i], key_type, path);
      if (!key.ok()) return key;
      auto item = Build(value.fields[i].second, types_.value(type), path);
      if (!item.ok()) return item;
      keys.emplace_back(value.keys[i], *key);
      values.push_back(*item);
    }
    std::vector<size_t> order(keys.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return AbiKeyLess(keys[a], keys[b], key_type); });
    std::vector<uint64_t> words{keys.size()};
    for (size_t i : order) {
      words.push_back(keys[i].second);
      words.push_back(values[i]);
    }
    return Words(words);
  }

  bool AbiKeyLess(const std::pair<Value, uint64_t>& a, const std::pair<Value, uint64_t>& b, TypeId key_type) const {
    switch (types_.kind(types_.NonOptional(key_type))) {
      case TypeKind::kEnum: return a.second < b.second;  // case index
      case TypeKind::kFloat: return a.first.real < b.first.real;
      default: return Value::KeyLess(a.first, b.first);
    }
  }

  const TypeTable& types_;
  abi::Context& context_;
};

}  // namespace

bool ValueFitsKind(ValueKind value, TypeKind type) {
  switch (type) {
    case TypeKind::kInt: return value == ValueKind::kInt;
    case TypeKind::kBool: return value == ValueKind::kBool;
    case TypeKind::kSize: return value == ValueKind::kSize;
    case TypeKind::kDuration: return value == ValueKind::kDuration;
    case TypeKind::kFloat: return value == ValueKind::kFloat;
    case TypeKind::kString: return value == ValueKind::kString;
    case TypeKind::kPath: return value == ValueKind::kPath;
    case TypeKind::kRef: return value == ValueKind::kRef;
    case TypeKind::kEnum: return value == ValueKind::kEnum;
    case TypeKind::kRecord: return value == ValueKind::kRecord;
    case TypeKind::kList: return value == ValueKind::kList;
    case TypeKind::kMap: return value == ValueKind::kMap;
    default: return false;
  }
}

bool IsBoxedWhenOptional(const TypeTable& types, TypeId type) { return !types.HeldByPointer(type); }

Expected<uint64_t> Materialize(const Value& value, TypeId type, const TypeTable& types, abi::Context& context) {
  return Materializer(types, context).Build(value, type, "value");
}

}  // namespace clive::runtime
