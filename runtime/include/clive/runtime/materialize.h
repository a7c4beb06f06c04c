// Values in JIT memory: building the 64-bit representation of a Value
// (clive/abi/abi.h), the inverse of copying one out with Extract
// (clive/runtime/evaluate.h).
#pragma once

#include <cstdint>

#include "clive/abi/abi.h"
#include "clive/compiler/types.h"
#include "clive/runtime/value.h"
#include "clive/store/status.h"

namespace clive::runtime {

// Builds `value`, of type `type`, in `context`'s arena and returns the word
// compiled code holds for it (a number, or a pointer into the arena). The
// value must have the type's shape (records with every field, by name);
// otherwise, and for function types, the Status says where it differs.
Expected<uint64_t> Materialize(const Value& value, compiler::TypeId type, const compiler::TypeTable& types,
                               abi::Context& context);

// Whether a value of kind `value` can be of a type of kind `type` (a record
// value for a record type, ...): the first check of a value against a type.
bool ValueFitsKind(ValueKind value, compiler::TypeKind type);

// Whether `T?` is a pointer to a box holding T's word (Int, Bool, Float,
// quantities, enums), rather than T's own, nullable, pointer.
bool IsBoxedWhenOptional(const compiler::TypeTable& types, compiler::TypeId type);

}  // namespace clive::runtime
