// The shape of values against declared types: JSON given to `clivec set`
// turned into a Value of the cell's type, and stored values checked against
// the current declarations of their types (schema evolution).
#pragma once

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "clive/compiler/types.h"
#include "clive/runtime/value.h"
#include "nlohmann/json.hpp"

namespace clive::runtime {

// Where a value does not fit its type. `path` is the place in the value
// (".jvm.args[2]"), empty for the value itself.
struct ShapeIssue {
  enum class Kind {
    kMismatch,       // a value of another kind than the type's
    kUnknownField,   // a field the record type does not have (removed)
    kMissingField,   // a field without default that the value lacks (new)
    kUnknownCase,    // an enum case the enum does not have (removed)
  };
  Kind kind = Kind::kMismatch;
  std::string path;
  compiler::TypeId type = 0;  // the record or enum, or the expected type of kMismatch
  std::string name;           // the field or case
  std::string found;          // kMismatch: what the value is
  // The record field the value sits in (in a list or map of it, too), if any.
  compiler::TypeId owner = 0;
  std::string owner_field;
};

// A field whose default a value needs: (record type, field index).
using DefaultKey = std::pair<compiler::TypeId, uint32_t>;
using Defaults = std::map<DefaultKey, Value>;

// Brings `value` to the shape of `type`: record fields in declaration order,
// type names as declared now, missing fields that have a default taken from
// `defaults`. Fields missing from `defaults` are listed in `needed` (their
// place holds Null until the caller evaluates the defaults and conforms
// again); everything that does not fit is listed in `issues`.
Value Conform(const Value& value, compiler::TypeId type, const compiler::TypeTable& types, const Defaults& defaults,
              std::set<DefaultKey>& needed, std::vector<ShapeIssue>& issues);

// JSON as a value of `type`: records from objects (missing fields left out,
// for Conform to default), lists from arrays, maps from objects (keys parsed
// as the key type), enums from case names, Size and Duration from numbers
// (bytes, milliseconds) or quantity strings ("512MB", "30s", "1.5.GB").
Value FromJson(const nlohmann::json& json, compiler::TypeId type, const compiler::TypeTable& types,
               std::vector<ShapeIssue>& issues, const std::string& path = "");

// "expected `Size`, found a boolean" and the like, with the path.
std::string Describe(const ShapeIssue& issue, const compiler::TypeTable& types);

}  // namespace clive::runtime
