// The LLVM ORC JIT that runs checked modules. LLVM types stay private.
//
// Each module is one JIT unit with its own ResourceTracker, so it can be
// replaced or removed alone. Units never link to each other directly: a
// module's code reaches other modules' cells and functions through the
// *link table*, a set of 8-byte words at fixed addresses that live as long
// as the Jit (`clive.link.<module>.slot.<cell>` holds a cell's value,
// `clive.link.<module>.fn.<index>` the address of a function). Replacing a
// module rewrites its words; the units that call it stay loaded untouched.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
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
  uint64_t* slot = nullptr;  // the cell's link-table word
};

class LoadedModule {
 public:
  virtual ~LoadedModule() = default;  // removes the module's code from the JIT
  virtual Expected<CompiledCell> Cell(std::string_view name) = 0;
  // Whether the code came from the object cache (no code generation ran).
  virtual bool from_cache() const = 0;
};

// Where compiled objects are kept between processes (the store, see
// runtime/). Keys are the hex hashes computed by Jit::CacheKey.
class ObjectCache {
 public:
  virtual ~ObjectCache() = default;
  virtual std::optional<std::string> Get(const std::string& key) = 0;
  virtual void Put(const std::string& key, std::string object) = 0;
};

struct JitStats {
  size_t compiled = 0;     // modules lowered and compiled to machine code
  size_t from_cache = 0;   // modules loaded from the object cache
  size_t unloaded = 0;     // modules removed
};

class Jit {
 public:
  // `cache` (optional) must outlive the Jit.
  static Expected<std::unique_ptr<Jit>> Create(ObjectCache* cache = nullptr);
  virtual ~Jit() = default;

  // Loads the code of `module`: from the object cache under `cache_key` if
  // it is there, else lowered to LLVM IR and compiled as one unit (then
  // cached). The modules it imports must be loaded first (Program::order),
  // since loading fills the module's function words of the link table.
  // Constructs the JIT cannot run yet are reported to `sink` (E0199).
  virtual Expected<std::unique_ptr<LoadedModule>> Load(const Program& program, const CheckedModule& module,
                                                       const std::string& cache_key,
                                                       lang::DiagnosticSink& sink) = 0;
  // The textual LLVM IR `Load` would compile, for --emit-llvm and tests.
  virtual Expected<std::string> EmitIR(const Program& program, const CheckedModule& module) = 0;
  // The link-table word holding the value of `cell` of module `module_path`.
  virtual uint64_t* CellSlot(std::string_view module_path, std::string_view cell) = 0;
  virtual const JitStats& stats() const = 0;

  // What identifies the compiled code of `module`: its source, the interface
  // hashes of the modules it depends on (`import_interfaces`), this
  // compiler's code generator and the host target. Hex.
  virtual std::string CacheKey(const CheckedModule& module, const std::string& import_interfaces) const = 0;
};

// Whether `module` has code of its own: cells, or functions other units
// call. A module of types, enums and generic or built-in functions has none
// (what importers use of it is compiled into their own units).
bool HasCode(const Program& program, const CheckedModule& module);

// The interface of `module`: what other modules' compiled code depends on —
// its types (fields, their types and default expressions), enums, function
// signatures (and bodies of generic functions, which are instantiated in
// their callers), and cells' names and types — combined with the interface
// hashes of the modules it imports. `interfaces` holds those, by ModuleId.
std::string InterfaceHash(const Program& program, const CheckedModule& module,
                          const std::vector<std::string>& interfaces);

}  // namespace clive::compiler
