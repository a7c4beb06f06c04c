// Lowering a checked module to LLVM IR. Private to compiler/.
#pragma once

#include <memory>
#include <string>

#include "clive/compiler/checker.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"

namespace clive::compiler {

// A module's JIT unit name: its path plus a hash of its source, so a changed
// module never collides with its previous code.
std::string UnitName(const CheckedModule& module);

// Symbol names of cell `cell` in unit `unit`: the function that evaluates it
// and the global slot that holds its value.
std::string CellFunctionName(const std::string& unit, std::string_view cell);
std::string CellSlotName(const std::string& unit, std::string_view cell);

// Every cell becomes `i1 @<unit>.cell.<name>(ptr %ctx)`, which computes the
// value, stores it in `@<unit>.slot.<name>` and returns false after a runtime
// error (reported through clive_rt_fail). A cell that reads another cell loads
// that cell's slot, so cells are evaluated in CheckedModule::eval_order.
// Constructs the JIT cannot run yet are reported as E0199 diagnostics; the
// result is then an error.
Expected<std::unique_ptr<llvm::Module>> Lower(const Program& program, const CheckedModule& module,
                                              llvm::LLVMContext& context, lang::DiagnosticSink& sink);

}  // namespace clive::compiler
