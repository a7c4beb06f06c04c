// Lowering a checked module to LLVM IR. Private to compiler/.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "clive/compiler/checker.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"

namespace clive::compiler {

// A module's JIT unit name: its path plus a hash of its source, so a changed
// module never collides with its previous code.
std::string UnitName(const CheckedModule& module);

// The function that evaluates cell `cell` in unit `unit`.
std::string CellFunctionName(const std::string& unit, std::string_view cell);

// Link-table symbols (see clive/compiler/jit.h), named by module path rather
// than unit, so that they survive the module's replacement: the word holding
// a cell's value, and the word holding the address of function `fn`.
inline constexpr const char* kLinkPrefix = "clive.link.";
std::string LinkSlotName(const std::string& module_path, std::string_view cell);
std::string LinkFunctionName(const Program& program, const FunctionInfo& fn);

// The functions of `module` its unit exports (through the link table) to
// other modules' code: every function that is neither generic nor built in.
// Generic functions are instantiated in their callers' units instead.
std::vector<uint32_t> ExportedFunctions(const Program& program, const CheckedModule& module);
std::string ExportedFunctionName(const std::string& unit, uint32_t index);

// The host's target triple and CPU, and the object-cache key of `module`
// compiled for `target` (interface.cc).
std::string HostTarget();
std::string ObjectCacheKey(const std::string& target, const CheckedModule& module,
                           const std::string& import_interfaces);

// Every cell becomes `i1 @<unit>.cell.<name>(ptr %ctx)`, which computes the
// value, stores it in its link-table word and returns false after a runtime
// error (reported through clive_rt_fail_at). A cell that reads another cell loads
// that cell's word, so cells are evaluated in CheckedModule::eval_order.
// A call of another module's function loads the function's address from its
// link-table word (through a small thunk in the calling unit).
// Constructs the JIT cannot run yet are reported as E0199 diagnostics; the
// result is then an error.
Expected<std::unique_ptr<llvm::Module>> Lower(const Program& program, const CheckedModule& module,
                                              llvm::LLVMContext& context, lang::DiagnosticSink& sink);

}  // namespace clive::compiler
