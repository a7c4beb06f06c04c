// The LLVM ORC JIT that runs checked modules. LLVM types stay private.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "clive/abi/abi.h"
#include "clive/compiler/checker.h"
#include "clive/store/status.h"

namespace clive::compiler {

// Compiled code of one cell: calling `evaluate` computes the cell and stores
// its 64-bit representation (see clive/abi/abi.h) in `*slot`. It returns
// false after a runtime error, which the Context then describes.
struct CompiledCell {
  bool (*evaluate)(abi::Context*) = nullptr;
  const uint64_t* slot = nullptr;
};

class LoadedModule {
 public:
  virtual ~LoadedModule() = default;  // removes the module's code from the JIT
  virtual Expected<CompiledCell> Cell(std::string_view name) = 0;
};

class Jit {
 public:
  static Expected<std::unique_ptr<Jit>> Create();
  virtual ~Jit() = default;

  // Lowers `module` of `program` to LLVM IR, compiles it as one unit and
  // loads it. The modules it imports must be loaded first (Program::order).
  // Constructs the JIT cannot run yet are reported to `sink` (E0199).
  virtual Expected<std::unique_ptr<LoadedModule>> Load(const Program& program, const CheckedModule& module,
                                                       lang::DiagnosticSink& sink) = 0;
  // The textual LLVM IR `Load` would compile, for --emit-llvm and tests.
  virtual Expected<std::string> EmitIR(const Program& program, const CheckedModule& module) = 0;
};

}  // namespace clive::compiler
