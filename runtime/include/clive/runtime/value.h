// Value: a clive value copied out of JIT memory or loaded from the store.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "nlohmann/json.hpp"

namespace clive::runtime {

enum class ValueKind : uint8_t {
  kInt, kBool, kString, kSize, kDuration, kRecord, kEnum, kList, kNull,
  kFloat,  // `real`
  kPath,   // `text`: the path as written
  kMap,    // `keys[i]` -> `fields[i].second`, sorted by key; `fields[i].first`
           // is the key's canonical text (Format of the key)
  kRef,    // `text`: the address of the referenced cell ("a.b.name")
};

struct Value {
  ValueKind kind = ValueKind::kInt;
  int64_t number = 0;  // kInt, kBool (0/1), kSize (bytes), kDuration (ms)
  std::string text;    // kString: the string; kRecord, kEnum: the type name
  std::string label;   // kEnum: the case
  // kRecord: fields in declaration order; kList: elements, named "0", "1", ...
  // kMap: the values, named by their key's text
  std::vector<std::pair<std::string, Value>> fields;
  std::vector<Value> keys;  // kMap only
  double real = 0;          // kFloat only

  static Value Int(int64_t v) { return Of(ValueKind::kInt, v); }
  static Value Bool(bool v) { return Of(ValueKind::kBool, v ? 1 : 0); }
  static Value String(std::string v) { return Of(ValueKind::kString, 0, std::move(v)); }
  static Value Size(int64_t bytes) { return Of(ValueKind::kSize, bytes); }
  static Value Duration(int64_t ms) { return Of(ValueKind::kDuration, ms); }
  static Value Record(std::string type) { return Of(ValueKind::kRecord, 0, std::move(type)); }
  static Value List(std::vector<Value> items) {
    Value v = Of(ValueKind::kList, 0, "List");
    for (size_t i = 0; i < items.size(); ++i) v.fields.emplace_back(std::to_string(i), std::move(items[i]));
    return v;
  }
  static Value Null() { return Of(ValueKind::kNull, 0); }
  static Value Enum(std::string type, std::string label) {
    Value v = Of(ValueKind::kEnum, 0, std::move(type));
    v.label = std::move(label);
    return v;
  }
  static Value Float(double d) {
    Value v = Of(ValueKind::kFloat, 0);
    v.real = d;
    return v;
  }
  static Value Path(std::string p) { return Of(ValueKind::kPath, 0, std::move(p)); }
  static Value Ref(std::string address) { return Of(ValueKind::kRef, 0, std::move(address)); }
  // Entries in any order; the map keeps them sorted by key (see KeyLess),
  // and a later entry wins over an earlier one with an equal key.
  static Value Map(std::vector<std::pair<Value, Value>> entries);

  // The order of map keys: numbers numerically, strings bytewise, enums by
  // case label, kinds by ValueKind. Compiled code sorts map keys the same way.
  static bool KeyLess(const Value& a, const Value& b);

  bool operator==(const Value&) const = default;

 private:
  static Value Of(ValueKind kind, int64_t number, std::string text = {}) {
    Value v;
    v.kind = kind;
    v.number = number;
    v.text = std::move(text);
    return v;
  }
};

// The value's type name ("Int", "Size", "Map", or the record's type).
std::string TypeName(const Value& v);

// clive syntax, multi-line for records: `Server {\n  port = 8080\n}`.
// Every printed value parses back as the same value.
std::string Format(const Value& v, int indent = 0);

// JSON: numbers for Int, Size (bytes) and Duration (milliseconds); records
// are objects with fields in declaration order.
nlohmann::ordered_json ToJson(const Value& v);

}  // namespace clive::runtime
