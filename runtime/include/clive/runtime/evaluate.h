// Reading what JIT-compiled cells computed (see runtime/engine.h for who
// evaluates them and when).
#pragma once

#include <vector>

#include "clive/abi/abi.h"
#include "clive/compiler/checker.h"
#include "clive/compiler/jit.h"
#include "clive/runtime/value.h"

namespace clive::runtime {

// Copies the value of type `type` held in the 64-bit `slot` out of JIT memory
// (layouts are described in clive/abi/abi.h; Materialize is the inverse).
Value Extract(const compiler::TypeTable& types, compiler::TypeId type, uint64_t slot);

// The diagnostic (E03xx) of a runtime failure, at the failing expression.
// `detail` is what the program said (abi::Context::failure_message).
lang::Diagnostic RuntimeDiagnostic(const compiler::Program& program, const abi::Failure& failure,
                                   std::string_view detail = {});
// The same, with a note naming `cell` of `module`, which was being evaluated.
lang::Diagnostic RuntimeDiagnostic(const compiler::Program& program, const compiler::CheckedModule& module,
                                   const compiler::Cell& cell, const abi::Failure& failure,
                                   std::string_view detail = {});

}  // namespace clive::runtime
