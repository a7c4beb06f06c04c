#include "clive/compiler/jit.h"

#include <deque>
#include <mutex>
#include <unordered_map>

#include "llvm/ExecutionEngine/ObjectCache.h"
#include "llvm/ExecutionEngine/Orc/CompileUtils.h"
#include "llvm/ExecutionEngine/Orc/LLJIT.h"
#include "llvm/ExecutionEngine/Orc/ThreadSafeModule.h"
#include "llvm/IR/Verifier.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"
#include "lower.h"

namespace clive::compiler {
namespace {

Status ToStatus(llvm::Error error, const std::string& context) {
  return Status::Internal(context + ": " + llvm::toString(std::move(error)));
}

// The words behind `clive.link.*` symbols. A deque never moves its elements,
// so the addresses handed to the JIT stay valid for the table's lifetime.
class LinkTable {
 public:
  uint64_t* Word(const std::string& name) {
    std::lock_guard lock(mutex_);
    auto [it, inserted] = index_.try_emplace(name, nullptr);
    if (inserted) it->second = &words_.emplace_back(0);
    return it->second;
  }

 private:
  std::mutex mutex_;  // ORC may ask from its own threads
  std::deque<uint64_t> words_;
  std::unordered_map<std::string, uint64_t*> index_;
};

// Defines `clive.link.*` symbols on first reference, as absolute symbols at
// their words, so that compiled (or cached) objects link against them.
class LinkGenerator : public llvm::orc::DefinitionGenerator {
 public:
  explicit LinkGenerator(LinkTable& table) : table_(table) {}

  llvm::Error tryToGenerate(llvm::orc::LookupState&, llvm::orc::LookupKind, llvm::orc::JITDylib& dylib,
                            llvm::orc::JITDylibLookupFlags, const llvm::orc::SymbolLookupSet& names) override {
    llvm::orc::SymbolMap symbols;
    for (const auto& [name, flags] : names) {
      llvm::StringRef text = *name;
      if (!text.starts_with(kLinkPrefix)) continue;
      symbols[name] = {llvm::orc::ExecutorAddr::fromPtr(table_.Word(text.str())), llvm::JITSymbolFlags::Exported};
    }
    if (symbols.empty()) return llvm::Error::success();
    return dylib.define(llvm::orc::absoluteSymbols(std::move(symbols)));
  }

 private:
  LinkTable& table_;
};

// Hands every object LLVM compiles to the clive ObjectCache, under the key
// the module was named with. Lookups go through Jit::Load instead (a hit
// skips lowering too, not only code generation).
class CacheAdapter : public llvm::ObjectCache {
 public:
  explicit CacheAdapter(compiler::ObjectCache* cache) : cache_(cache) {}
  void notifyObjectCompiled(const llvm::Module* module, llvm::MemoryBufferRef object) override {
    if (cache_ != nullptr && !module->getModuleIdentifier().empty()) {
      cache_->Put(module->getModuleIdentifier(), object.getBuffer().str());
    }
  }
  std::unique_ptr<llvm::MemoryBuffer> getObject(const llvm::Module*) override { return nullptr; }

 private:
  compiler::ObjectCache* cache_;
};

// One load of one module: its own JITDylib, so that a replacement with the
// same symbol names can be loaded while values still point into this one.
class LoadedModuleImpl : public LoadedModule {
 public:
  LoadedModuleImpl(llvm::orc::ExecutionSession& session, llvm::orc::JITDylib& dylib, JitStats& stats,
                   bool from_cache, std::unordered_map<std::string, CompiledCell> cells)
      : session_(session), dylib_(dylib), stats_(stats), from_cache_(from_cache), cells_(std::move(cells)) {}

  ~LoadedModuleImpl() override {
    // Frees the module's code and data. Other modules reach this one only
    // through the link table, whose words its replacement has rewritten;
    // cell values that pointed into it were dropped first (runtime/engine).
    if (llvm::Error e = session_.removeJITDylib(dylib_)) llvm::consumeError(std::move(e));
    ++stats_.unloaded;
  }

  Expected<CompiledCell> Cell(std::string_view name) override {
    auto it = cells_.find(std::string(name));
    if (it == cells_.end()) return Status::NotFound("no compiled cell " + std::string(name));
    return it->second;
  }
  bool from_cache() const override { return from_cache_; }

 private:
  llvm::orc::ExecutionSession& session_;
  llvm::orc::JITDylib& dylib_;
  JitStats& stats_;
  bool from_cache_;
  std::unordered_map<std::string, CompiledCell> cells_;
};

class JitImpl : public Jit {
 public:
  JitImpl(std::unique_ptr<LinkTable> table, std::unique_ptr<CacheAdapter> adapter, ObjectCache* cache,
          std::unique_ptr<llvm::orc::LLJIT> jit)
      : table_(std::move(table)), adapter_(std::move(adapter)), cache_(cache), jit_(std::move(jit)) {}

  Expected<std::unique_ptr<LoadedModule>> Load(const Program& program, const CheckedModule& module,
                                               const std::string& cache_key, lang::DiagnosticSink& sink) override {
    auto& session = jit_->getExecutionSession();
    // Names of units unloaded since stay interned until asked: every reload
    // brings new ones (unit names carry the source hash). Only after an
    // unload: the sweep walks the whole pool.
    if (stats_.unloaded != unloaded_at_sweep_) {
      session.getSymbolStringPool()->clearDeadEntries();
      unloaded_at_sweep_ = stats_.unloaded;
    }
    auto created = session.createJITDylib("clive.unit." + std::to_string(++loads_) + "." + module.path);
    if (!created) return ToStatus(created.takeError(), "cannot create a JIT unit for " + module.path);
    llvm::orc::JITDylib& dylib = *created;
    // The unit's own symbols first, then the runtime ABI and link table.
    dylib.addToLinkOrder(jit_->getMainJITDylib());
    auto discard = [&](Status status) -> Status {
      if (llvm::Error e = session.removeJITDylib(dylib)) llvm::consumeError(std::move(e));
      return status;
    };
    llvm::orc::ResourceTrackerSP tracker = dylib.getDefaultResourceTracker();
    std::optional<std::string> cached;
    if (cache_ != nullptr && !cache_key.empty()) cached = cache_->Get(cache_key);
    if (cached) {
      auto buffer = llvm::MemoryBuffer::getMemBufferCopy(*cached, cache_key);
      if (llvm::Error e = jit_->addObjectFile(tracker, std::move(buffer))) {
        return discard(ToStatus(std::move(e), "cannot load the cached code of " + module.path));
      }
      ++stats_.from_cache;
    } else {
      auto context = std::make_unique<llvm::LLVMContext>();
      auto lowered = Lower(program, module, *context, sink);
      if (!lowered.ok()) return discard(lowered.status());
      std::unique_ptr<llvm::Module> ir = std::move(*lowered);
      std::string problems;
      llvm::raw_string_ostream problem_stream(problems);
      if (llvm::verifyModule(*ir, &problem_stream)) {
        return discard(Status::Internal("generated invalid LLVM IR for " + UnitName(module) + ": " + problems));
      }
      ir->setModuleIdentifier(cache_key);  // the name CacheAdapter files the object under
      llvm::orc::ThreadSafeModule tsm(std::move(ir), std::move(context));
      if (llvm::Error e = jit_->addIRModule(tracker, std::move(tsm))) {
        return discard(ToStatus(std::move(e), "cannot add " + UnitName(module) + " to the JIT"));
      }
      ++stats_.compiled;
    }
    auto cells = Link(program, module, dylib);
    if (!cells.ok()) return discard(cells.status());
    return std::unique_ptr<LoadedModule>(
        std::make_unique<LoadedModuleImpl>(session, dylib, stats_, cached.has_value(), std::move(*cells)));
  }

  Expected<std::string> EmitIR(const Program& program, const CheckedModule& module) override {
    llvm::LLVMContext context;
    lang::DiagnosticSink sink;
    auto lowered = Lower(program, module, context, sink);
    if (!lowered.ok()) return lowered.status();
    std::unique_ptr<llvm::Module> ir = std::move(*lowered);
    std::string text;
    llvm::raw_string_ostream out(text);
    ir->print(out, nullptr);
    return text;
  }

  uint64_t* CellSlot(std::string_view module_path, std::string_view cell) override {
    return table_->Word(LinkSlotName(std::string(module_path), cell));
  }

  const JitStats& stats() const override { return stats_; }

  std::string CacheKey(const CheckedModule& module, const std::string& import_interfaces) const override {
    return ObjectCacheKey(target_, module, import_interfaces);
  }

 private:
  // Resolves the unit's cells and exported functions in one lookup (which
  // links the object) and publishes the functions in the link table.
  Expected<std::unordered_map<std::string, CompiledCell>> Link(const Program& program, const CheckedModule& module,
                                                               llvm::orc::JITDylib& dylib) {
    std::string unit = UnitName(module);
    llvm::orc::SymbolLookupSet names;
    std::vector<llvm::orc::SymbolStringPtr> cell_names, fn_names;
    for (const Cell& cell : module.cells) {
      cell_names.push_back(jit_->mangleAndIntern(CellFunctionName(unit, cell.name)));
      names.add(cell_names.back());
    }
    std::vector<uint32_t> exported = ExportedFunctions(program, module);
    for (uint32_t f : exported) {
      fn_names.push_back(jit_->mangleAndIntern(ExportedFunctionName(unit, f)));
      names.add(fn_names.back());
    }
    auto& session = jit_->getExecutionSession();
    auto found = session.lookup(llvm::orc::makeJITDylibSearchOrder(&dylib), std::move(names));
    if (!found) return ToStatus(found.takeError(), "cannot link the code of " + unit);
    std::unordered_map<std::string, CompiledCell> cells;
    for (size_t c = 0; c < module.cells.size(); ++c) {
      cells[std::string(module.cells[c].name)] = {(*found)[cell_names[c]].getAddress().toPtr<bool (*)(abi::Context*)>(),
                                                  CellSlot(module.path, module.cells[c].name)};
    }
    for (size_t i = 0; i < exported.size(); ++i) {
      *table_->Word(LinkFunctionName(program, module.functions[exported[i]])) =
          (*found)[fn_names[i]].getAddress().getValue();
    }
    return cells;
  }

  std::unique_ptr<LinkTable> table_;
  std::unique_ptr<CacheAdapter> adapter_;
  ObjectCache* cache_;
  std::unique_ptr<llvm::orc::LLJIT> jit_;
  JitStats stats_;
  std::string target_ = HostTarget();  // asked once: the query is not cheap
  uint64_t loads_ = 0;  // names each load's JITDylib uniquely
  size_t unloaded_at_sweep_ = 0;
};

}  // namespace

Expected<std::unique_ptr<Jit>> Jit::Create(ObjectCache* cache) {
  // Idempotent LLVM registrations (LLVM keeps these registries itself).
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();

  auto target = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!target) return ToStatus(target.takeError(), "cannot detect the host target");
  // Cells run once per evaluation: compile fast rather than optimize.
  target->setCodeGenOptLevel(llvm::CodeGenOptLevel::None);
  auto table = std::make_unique<LinkTable>();
  auto adapter = std::make_unique<CacheAdapter>(cache);
  CacheAdapter* adapter_ptr = adapter.get();
  auto jit = llvm::orc::LLJITBuilder()
                 .setJITTargetMachineBuilder(std::move(*target))
                 .setCompileFunctionCreator(
                     [adapter_ptr](llvm::orc::JITTargetMachineBuilder builder)
                         -> llvm::Expected<std::unique_ptr<llvm::orc::IRCompileLayer::IRCompiler>> {
                       auto machine = builder.createTargetMachine();
                       if (!machine) return machine.takeError();
                       return std::make_unique<llvm::orc::TMOwningSimpleCompiler>(std::move(*machine),
                                                                                  adapter_ptr);
                     })
                 .create();
  if (!jit) return ToStatus(jit.takeError(), "cannot create the JIT");

  // The runtime ABI is defined explicitly rather than found through the
  // process's dynamic symbol table, so clivec need not export its symbols.
  llvm::orc::SymbolMap symbols;
  for (const abi::Symbol& s : abi::Symbols()) {
    symbols[(*jit)->mangleAndIntern(s.name)] = {llvm::orc::ExecutorAddr::fromPtr(s.address),
                                                llvm::JITSymbolFlags::Exported};
  }
  llvm::orc::JITDylib& main = (*jit)->getMainJITDylib();
  if (llvm::Error e = main.define(llvm::orc::absoluteSymbols(std::move(symbols)))) {
    return ToStatus(std::move(e), "cannot define the runtime ABI");
  }
  main.addGenerator(std::make_unique<LinkGenerator>(*table));
  return std::unique_ptr<Jit>(
      std::make_unique<JitImpl>(std::move(table), std::move(adapter), cache, std::move(*jit)));
}

}  // namespace clive::compiler
