// Evaluating a module's cells with its JIT-compiled code.
#pragma once

#include <vector>

#include "clive/abi/abi.h"
#include "clive/compiler/checker.h"
#include "clive/compiler/jit.h"
#include "clive/runtime/value.h"

namespace clive::runtime {

struct EvaluatedCell {
  uint32_t cell = 0;  // index into CheckedModule::cells
  Value value;
};

struct ModuleEvaluation {
  std::vector<EvaluatedCell> cells;        // in evaluation order
  std::vector<lang::Diagnostic> errors;    // runtime errors (E03xx)
};

// Runs every cell of `module` in dependency order. A cell that fails (or
// reads a cell that failed, in any module: `failed` collects them across
// modules) yields a diagnostic instead of a value; the other cells still run.
// Values are copied out of JIT memory, so they outlive `code`. `context`
// holds what cells allocate; it must outlive every module evaluated with it,
// since a module's cells point into the values of the modules it imports.
Expected<ModuleEvaluation> EvaluateModule(const compiler::Program& program,
                                          const compiler::CheckedModule& module,
                                          compiler::LoadedModule& code, abi::Context& context,
                                          std::vector<compiler::CellId>& failed);

}  // namespace clive::runtime
