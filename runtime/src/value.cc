#include "clive/runtime/value.h"

#include <cstdio>

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
  }
  return "?";
}

namespace {

std::string Quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '$': out += "\\$"; break;  // keeps future interpolation literal
      case '\0': out += "\\0"; break;
      default: out += c;
    }
  }
  return out + "\"";
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
