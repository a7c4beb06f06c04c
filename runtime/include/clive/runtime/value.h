// Value: a clive value copied out of JIT memory or loaded from the store.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "nlohmann/json.hpp"

namespace clive::runtime {

enum class ValueKind : uint8_t { kInt, kBool, kString, kSize, kDuration, kRecord, kEnum, kList, kNull };

struct Value {
  ValueKind kind = ValueKind::kInt;
  int64_t number = 0;  // kInt, kBool (0/1), kSize (bytes), kDuration (ms)
  std::string text;    // kString: the string; kRecord, kEnum: the type name
  std::string label;   // kEnum: the case
  // kRecord: fields in declaration order; kList: elements, named "0", "1", ...
  std::vector<std::pair<std::string, Value>> fields;

  static Value Int(int64_t v) { return {ValueKind::kInt, v, {}, {}, {}}; }
  static Value Bool(bool v) { return {ValueKind::kBool, v ? 1 : 0, {}, {}, {}}; }
  static Value String(std::string v) { return {ValueKind::kString, 0, std::move(v), {}, {}}; }
  static Value Size(int64_t bytes) { return {ValueKind::kSize, bytes, {}, {}, {}}; }
  static Value Duration(int64_t ms) { return {ValueKind::kDuration, ms, {}, {}, {}}; }
  static Value Record(std::string type) { return {ValueKind::kRecord, 0, std::move(type), {}, {}}; }
  static Value List(std::vector<Value> items) {
    Value v{ValueKind::kList, 0, "List", {}, {}};
    for (size_t i = 0; i < items.size(); ++i) v.fields.emplace_back(std::to_string(i), std::move(items[i]));
    return v;
  }
  static Value Null() { return {ValueKind::kNull, 0, {}, {}, {}}; }
  static Value Enum(std::string type, std::string label) {
    return {ValueKind::kEnum, 0, std::move(type), std::move(label), {}};
  }

  bool operator==(const Value&) const = default;
};

// The value's type name ("Int", "Size", or the record's type).
std::string TypeName(const Value& v);

// clive syntax, multi-line for records: `Server {\n  port = 8080\n}`.
// Every printed value parses back as the same value.
std::string Format(const Value& v, int indent = 0);

// JSON: numbers for Int, Size (bytes) and Duration (milliseconds); records
// are objects with fields in declaration order.
nlohmann::ordered_json ToJson(const Value& v);

}  // namespace clive::runtime
