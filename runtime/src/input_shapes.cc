#include "input_shapes.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <optional>
#include <tuple>

#include "clive/lang/units.h"
#include "clive/runtime/materialize.h"

namespace clive::runtime {
namespace {

using compiler::TypeId;
using compiler::TypeKind;
using compiler::TypeTable;
using Kind = ShapeIssue::Kind;

ShapeIssue Issue(Kind kind, std::string path, TypeId type, std::string name, std::string found = {}, TypeId owner = 0,
                 std::string owner_field = {}) {
  return {kind, std::move(path), type, std::move(name), std::move(found), owner, std::move(owner_field)};
}

class Conformer {
 public:
  Conformer(const TypeTable& types, const Defaults& defaults, std::set<DefaultKey>& needed,
            std::vector<ShapeIssue>& issues)
      : types_(types), defaults_(defaults), needed_(needed), issues_(issues) {}

  Value Run(const Value& value, TypeId type, const std::string& path) {
    TypeKind kind = types_.kind(type);
    if (kind == TypeKind::kOptional) {
      return value.kind == ValueKind::kNull ? value : Run(value, types_.element(type), path);
    }
    if (!ValueFitsKind(value.kind, kind)) {
      issues_.push_back(Issue(Kind::kMismatch, path, type, {}, "`" + TypeName(value) + "`", owner_, owner_field_));
      return value;
    }
    if (kind == TypeKind::kEnum) {
      const compiler::EnumType& e = types_.enum_type(type);
      if (e.CaseIndex(value.label) < 0) issues_.push_back(Issue(Kind::kUnknownCase, path, type, value.label, {}));
      return Value::Enum(e.name, value.label);
    }
    if (kind == TypeKind::kRecord) return Record(value, type, path);
    if (kind == TypeKind::kList) {
      std::vector<Value> items;
      for (size_t i = 0; i < value.fields.size(); ++i) {
        items.push_back(Run(value.fields[i].second, types_.element(type), path + "[" + std::to_string(i) + "]"));
      }
      return Value::List(std::move(items));
    }
    if (kind == TypeKind::kMap) {
      std::vector<std::pair<Value, Value>> entries;
      for (size_t i = 0; i < value.keys.size() && i < value.fields.size(); ++i) {
        std::string at = path + "[" + value.fields[i].first + "]";
        entries.emplace_back(Run(value.keys[i], types_.key(type), at),
                             Run(value.fields[i].second, types_.value(type), at));
      }
      return Value::Map(std::move(entries));
    }
    return value;  // a scalar
  }

 private:
  Value Record(const Value& value, TypeId type, const std::string& path) {
    const compiler::RecordType& record = types_.record(type);
    for (const auto& [name, field] : value.fields) {
      if (record.FieldIndex(name) < 0) issues_.push_back(Issue(Kind::kUnknownField, path, type, name, {}));
    }
    Value out = Value::Record(record.name);
    for (uint32_t f = 0; f < record.fields.size(); ++f) {
      const compiler::RecordField& field = record.fields[f];
      std::string name(field.name);
      auto it = std::find_if(value.fields.begin(), value.fields.end(), [&](const auto& v) { return v.first == name; });
      if (it != value.fields.end()) {
        auto saved = std::make_pair(owner_, owner_field_);
        owner_ = type;
        owner_field_ = name;
        out.fields.emplace_back(name, Run(it->second, field.type, path + "." + name));
        std::tie(owner_, owner_field_) = saved;
      } else if (field.default_value == lang::kNone) {
        issues_.push_back(Issue(Kind::kMissingField, path, type, name, {}));
      } else if (auto d = defaults_.find({type, f}); d != defaults_.end()) {
        out.fields.emplace_back(name, d->second);
      } else {
        needed_.insert({type, f});
        out.fields.emplace_back(name, Value::Null());
      }
    }
    return out;
  }

  const TypeTable& types_;
  const Defaults& defaults_;
  std::set<DefaultKey>& needed_;
  std::vector<ShapeIssue>& issues_;
  TypeId owner_ = 0;  // the record field being conformed, for issues
  std::string owner_field_;
};

std::string JsonKind(const nlohmann::json& json) {
  switch (json.type()) {
    case nlohmann::json::value_t::null: return "null";
    case nlohmann::json::value_t::boolean: return "a boolean";
    case nlohmann::json::value_t::string: return "a string";
    case nlohmann::json::value_t::array: return "an array";
    case nlohmann::json::value_t::object: return "an object";
    case nlohmann::json::value_t::number_float:
      // JSON numbers beyond 64-bit integers parse as floats.
      return std::fabs(json.get<double>()) >= 9.2e18 ? "a number out of the 64-bit range" : "a number with a fraction";
    default: return "a number";
  }
}

// "512MB", "512.MB", "1.5.GB", "30s", "-2.min": a number of base units.
std::optional<int64_t> ParseQuantity(std::string_view text, lang::Quantity quantity) {
  size_t unit_start = text.size();
  while (unit_start > 0 && std::isalpha(static_cast<unsigned char>(text[unit_start - 1]))) --unit_start;
  std::string_view unit = text.substr(unit_start);
  std::string_view number = text.substr(0, unit_start);
  if (!number.empty() && number.back() == '.') number.remove_suffix(1);
  if (number.empty() || unit.empty() || lang::QuantityOfUnit(unit) != quantity) return std::nullopt;
  double amount = 0;
  auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), amount);
  if (error != std::errc() || end != number.data() + number.size()) return std::nullopt;
  double base = amount * static_cast<double>(*lang::UnitFactor(unit));
  if (base != std::floor(base) || std::fabs(base) >= 9.2e18) return std::nullopt;  // whole base units only
  return static_cast<int64_t>(base);
}

std::optional<int64_t> ParseInt(std::string_view text) {
  int64_t v = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

class JsonReader {
 public:
  JsonReader(const TypeTable& types, std::vector<ShapeIssue>& issues) : types_(types), issues_(issues) {}

  Value Read(const nlohmann::json& json, TypeId type, const std::string& path) {
    TypeKind kind = types_.kind(type);
    if (kind == TypeKind::kOptional) return json.is_null() ? Value::Null() : Read(json, types_.element(type), path);
    switch (kind) {
      case TypeKind::kInt:
        if (json.is_number_integer() && !(json.is_number_unsigned() && json.get<uint64_t>() > INT64_MAX)) {
          return Value::Int(json.get<int64_t>());
        }
        break;
      case TypeKind::kFloat:
        if (json.is_number()) return Value::Float(json.get<double>());
        break;
      case TypeKind::kBool:
        if (json.is_boolean()) return Value::Bool(json.get<bool>());
        break;
      case TypeKind::kString:
        if (json.is_string()) return Value::String(json.get<std::string>());
        break;
      case TypeKind::kPath:
        if (json.is_string()) return Value::Path(json.get<std::string>());
        break;
      case TypeKind::kRef:
        if (json.is_string()) return Value::Ref(json.get<std::string>());
        break;
      case TypeKind::kSize:
      case TypeKind::kDuration: {
        bool size = kind == TypeKind::kSize;
        std::optional<int64_t> n;
        if (json.is_number_integer() && !(json.is_number_unsigned() && json.get<uint64_t>() > INT64_MAX)) {
          n = json.get<int64_t>();
        } else if (json.is_string()) {
          n = ParseQuantity(json.get<std::string>(), size ? lang::Quantity::kSize : lang::Quantity::kDuration);
        }
        if (n) return size ? Value::Size(*n) : Value::Duration(*n);
        break;
      }
      case TypeKind::kEnum:
        if (json.is_string()) return Enum(json.get<std::string>(), type, path);
        break;
      case TypeKind::kRecord:
        if (json.is_object()) return Record(json, type, path);
        break;
      case TypeKind::kList:
        if (json.is_array()) {
          std::vector<Value> items;
          for (size_t i = 0; i < json.size(); ++i) {
            items.push_back(Read(json[i], types_.element(type), path + "[" + std::to_string(i) + "]"));
          }
          return Value::List(std::move(items));
        }
        break;
      case TypeKind::kMap:
        if (json.is_object()) {
          std::vector<std::pair<Value, Value>> entries;
          for (const auto& [key, item] : json.items()) {
            std::string at = path + "[" + key + "]";
            entries.emplace_back(Key(key, types_.key(type), at), Read(item, types_.value(type), at));
          }
          return Value::Map(std::move(entries));
        }
        break;
      default: break;
    }
    issues_.push_back(Issue(Kind::kMismatch, path, type, {}, JsonKind(json) +
                                                          (json.is_primitive() && !json.is_null() ? " (" + json.dump() + ")" : "")));
    return Value::Null();
  }

 private:
  Value Enum(std::string name, TypeId type, const std::string& path) {
    const compiler::EnumType& e = types_.enum_type(type);
    // "Oracle", or qualified as in clive: "JVM.Provider.Oracle".
    if (name.size() > e.name.size() + 1 && name.compare(0, e.name.size() + 1, e.name + ".") == 0) {
      name.erase(0, e.name.size() + 1);
    }
    if (e.CaseIndex(name) < 0) issues_.push_back(Issue(Kind::kUnknownCase, path, type, name, {}));
    return Value::Enum(e.name, name);
  }

  Value Record(const nlohmann::json& json, TypeId type, const std::string& path) {
    const compiler::RecordType& record = types_.record(type);
    Value out = Value::Record(record.name);
    for (const auto& [name, item] : json.items()) {
      int f = record.FieldIndex(name);
      if (f < 0) {
        issues_.push_back(Issue(Kind::kUnknownField, path, type, name, {}));
        continue;
      }
      out.fields.emplace_back(name, Read(item, record.fields[f].type, path + "." + name));
    }
    return out;  // missing fields: Conform fills defaults or reports them
  }

  // Object keys are strings; a map's key type says how to read them.
  Value Key(const std::string& key, TypeId type, const std::string& path) {
    switch (types_.kind(types_.NonOptional(type))) {
      case TypeKind::kInt:
        if (auto n = ParseInt(key)) return Value::Int(*n);
        break;
      case TypeKind::kBool:
        if (key == "true" || key == "false") return Value::Bool(key == "true");
        break;
      case TypeKind::kFloat: {
        double d = 0;
        auto [end, error] = std::from_chars(key.data(), key.data() + key.size(), d);
        if (error == std::errc() && end == key.data() + key.size()) return Value::Float(d);
        break;
      }
      default: return Read(nlohmann::json(key), type, path);  // strings, enums, quantities
    }
    issues_.push_back(Issue(Kind::kMismatch, path, type, {}, "the key \"" + key + "\""));
    return Value::Null();
  }

  const TypeTable& types_;
  std::vector<ShapeIssue>& issues_;
};

}  // namespace

Value Conform(const Value& value, TypeId type, const TypeTable& types, const Defaults& defaults,
              std::set<DefaultKey>& needed, std::vector<ShapeIssue>& issues) {
  return Conformer(types, defaults, needed, issues).Run(value, type, "");
}

Value FromJson(const nlohmann::json& json, TypeId type, const TypeTable& types, std::vector<ShapeIssue>& issues,
               const std::string& path) {
  return JsonReader(types, issues).Read(json, type, path);
}

std::string Describe(const ShapeIssue& issue, const TypeTable& types) {
  std::string where = issue.path.empty() ? "" : "at `" + issue.path + "`: ";
  switch (issue.kind) {
    case Kind::kMismatch: return where + "expected `" + types.Name(issue.type) + "`, found " + issue.found;
    case Kind::kUnknownField:
      return where + "type `" + types.Name(issue.type) + "` has no field `" + issue.name + "`";
    case Kind::kMissingField:
      return where + "field `" + issue.name + "` of `" + types.Name(issue.type) + "` is required (it has no default)";
    case Kind::kUnknownCase: return where + "enum `" + types.Name(issue.type) + "` has no case `" + issue.name + "`";
  }
  return where;
}

}  // namespace clive::runtime
