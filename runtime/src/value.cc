#include "clive/runtime/value.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <tuple>

#include "clive/abi/abi.h"
#include "clive/lang/units.h"

namespace clive::runtime {

std::string TypeName(const Value& v) {
  switch (v.kind) {
    case ValueKind::kInt: return "Int";
    case ValueKind::kBool: return "Bool";
    case ValueKind::kString: return "String";
    case ValueKind::kSize: return "Size";
    case ValueKind::kDuration: return "Duration";
    case ValueKind::kRecord:
    case ValueKind::kEnum: return v.text;
    case ValueKind::kList: return "List";
    case ValueKind::kNull: return "Null";
    case ValueKind::kFloat: return "Float";
    case ValueKind::kPath: return "Path";
    case ValueKind::kMap: return "Map";
    case ValueKind::kRef: return "ref";
  }
  return "?";
}

bool Value::KeyLess(const Value& a, const Value& b) {
  if (a.kind != b.kind) return a.kind < b.kind;
  switch (a.kind) {
    case ValueKind::kFloat: return a.real < b.real;
    case ValueKind::kString:
    case ValueKind::kPath:
    case ValueKind::kRef: return a.text < b.text;
    case ValueKind::kEnum: return std::tie(a.text, a.label) < std::tie(b.text, b.label);
    default: return a.number < b.number;
  }
}

Value Value::Map(std::vector<std::pair<Value, Value>> entries) {
  // Stable, so that among equal keys the last one given ends up last.
  std::stable_sort(entries.begin(), entries.end(),
                   [](const auto& a, const auto& b) { return KeyLess(a.first, b.first); });
  Value v = Of(ValueKind::kMap, 0, "Map");
  for (size_t i = 0; i < entries.size(); ++i) {
    bool duplicate = i + 1 < entries.size() && !KeyLess(entries[i].first, entries[i + 1].first);
    if (duplicate) continue;
    // -0.0 and 0.0 are one key (KeyLess finds neither less); keep one of them.
    if (entries[i].first.kind == ValueKind::kFloat && entries[i].first.real == 0) entries[i].first.real = 0.0;
    v.fields.emplace_back(runtime::Format(entries[i].first), std::move(entries[i].second));
    v.keys.push_back(std::move(entries[i].first));
  }
  return v;
}

namespace {

std::string Quoted(const std::string& s) { return abi::Quote(s); }

// As compiled code shows floats, but NaN and the infinities as the names
// that read back as them.
std::string FormatFloat(double d) {
  if (std::isnan(d)) return "Float.NaN";
  if (std::isinf(d)) return d > 0 ? "Float.POSITIVE_INFINITY" : "Float.NEGATIVE_INFINITY";
  return abi::FormatFloat(d);
}

}  // namespace

std::string Format(const Value& v, int indent) {
  switch (v.kind) {
    case ValueKind::kInt: return std::to_string(v.number);
    case ValueKind::kBool: return v.number ? "true" : "false";
    case ValueKind::kString: return Quoted(v.text);
    case ValueKind::kSize: return lang::FormatQuantity(lang::Quantity::kSize, v.number);
    case ValueKind::kDuration: return lang::FormatQuantity(lang::Quantity::kDuration, v.number);
    case ValueKind::kEnum: return v.text + "." + v.label;
    case ValueKind::kNull: return "null";
    case ValueKind::kFloat: return FormatFloat(v.real);
    case ValueKind::kPath: return "path(" + Quoted(v.text) + ")";
    case ValueKind::kRef: return "ref(" + v.text + ")";
    case ValueKind::kMap: {
      if (v.fields.empty()) return "{:}";
      std::string line = "{";
      bool flat = true;
      for (size_t i = 0; i < v.fields.size(); ++i) {
        std::string item = v.fields[i].first + ": " + Format(v.fields[i].second, indent + 2);
        flat = flat && item.find('\n') == std::string::npos;
        line += (i ? ", " : "") + item;
      }
      line += "}";
      if (flat && line.size() + static_cast<size_t>(indent) <= 80) return line;
      std::string pad(static_cast<size_t>(indent + 2), ' ');
      std::string out = "{\n";
      for (const auto& [key, item] : v.fields) out += pad + key + ": " + Format(item, indent + 2) + ",\n";
      return out + std::string(static_cast<size_t>(indent), ' ') + "}";
    }
    case ValueKind::kList: {
      // One line when short and flat, else one element per line.
      std::string line = "[";
      bool flat = true;
      for (size_t i = 0; i < v.fields.size(); ++i) {
        std::string item = Format(v.fields[i].second, indent + 2);
        flat = flat && item.find('\n') == std::string::npos;
        line += (i ? ", " : "") + item;
      }
      line += "]";
      if (flat && line.size() + static_cast<size_t>(indent) <= 80) return line;
      std::string pad(static_cast<size_t>(indent + 2), ' ');
      std::string out = "[\n";
      for (const auto& [name, item] : v.fields) out += pad + Format(item, indent + 2) + ",\n";
      return out + std::string(static_cast<size_t>(indent), ' ') + "]";
    }
    case ValueKind::kRecord: {
      if (v.fields.empty()) return v.text + " {}";
      std::string pad(static_cast<size_t>(indent + 2), ' ');
      std::string out = v.text + " {\n";
      for (const auto& [name, field] : v.fields) {
        out += pad + name + " = " + Format(field, indent + 2) + "\n";
      }
      return out + std::string(static_cast<size_t>(indent), ' ') + "}";
    }
  }
  return "?";
}

nlohmann::ordered_json ToJson(const Value& v) {
  switch (v.kind) {
    case ValueKind::kInt:
    case ValueKind::kSize:
    case ValueKind::kDuration: return v.number;
    case ValueKind::kBool: return v.number != 0;
    case ValueKind::kString: return v.text;
    case ValueKind::kEnum: return v.label;
    case ValueKind::kNull: return nullptr;
    case ValueKind::kFloat: return v.real;
    case ValueKind::kPath:
    case ValueKind::kRef: return v.text;
    case ValueKind::kMap: {
      // JSON objects need string keys: a string key stays as it is, any
      // other key is written as its clive text.
      nlohmann::ordered_json object = nlohmann::ordered_json::object();
      for (size_t i = 0; i < v.fields.size(); ++i) {
        const Value& key = v.keys[i];
        object[key.kind == ValueKind::kString ? key.text : v.fields[i].first] = ToJson(v.fields[i].second);
      }
      return object;
    }
    case ValueKind::kList: {
      nlohmann::ordered_json array = nlohmann::ordered_json::array();
      for (const auto& [name, item] : v.fields) array.push_back(ToJson(item));
      return array;
    }
    case ValueKind::kRecord: {
      nlohmann::ordered_json object = nlohmann::ordered_json::object();
      for (const auto& [name, field] : v.fields) object[name] = ToJson(field);
      return object;
    }
  }
  return nullptr;
}

}  // namespace clive::runtime
