#include "clive/compiler/jit.h"

#include "llvm/ExecutionEngine/Orc/LLJIT.h"
#include "llvm/ExecutionEngine/Orc/ThreadSafeModule.h"
#include "llvm/IR/Verifier.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"
#include "lower.h"

namespace clive::compiler {
namespace {

Status ToStatus(llvm::Error error, const std::string& context) {
  return Status::Internal(context + ": " + llvm::toString(std::move(error)));
}

class LoadedModuleImpl : public LoadedModule {
 public:
  LoadedModuleImpl(llvm::orc::LLJIT& jit, llvm::orc::ResourceTrackerSP tracker, std::string unit)
      : jit_(jit), tracker_(std::move(tracker)), unit_(std::move(unit)) {}

  ~LoadedModuleImpl() override {
    // Frees the module's code and data; nothing else points into it because
    // cell values are copied out before the module goes away.
    if (llvm::Error e = tracker_->remove()) llvm::consumeError(std::move(e));
  }

  Expected<CompiledCell> Cell(std::string_view name) override {
    auto fn = jit_.lookup(CellFunctionName(unit_, name));
    if (!fn) return ToStatus(fn.takeError(), "cannot find compiled cell " + std::string(name));
    auto slot = jit_.lookup(CellSlotName(unit_, name));
    if (!slot) return ToStatus(slot.takeError(), "cannot find slot of cell " + std::string(name));
    return CompiledCell{fn->toPtr<bool (*)(abi::Context*)>(), slot->toPtr<const uint64_t*>()};
  }

 private:
  llvm::orc::LLJIT& jit_;
  llvm::orc::ResourceTrackerSP tracker_;
  std::string unit_;
};

class JitImpl : public Jit {
 public:
  explicit JitImpl(std::unique_ptr<llvm::orc::LLJIT> jit) : jit_(std::move(jit)) {}

  Expected<std::unique_ptr<LoadedModule>> Load(const Program& program, const CheckedModule& module,
                                               lang::DiagnosticSink& sink) override {
    auto context = std::make_unique<llvm::LLVMContext>();
    std::string unit = UnitName(module);
    auto lowered = Lower(program, module, *context, sink);
    if (!lowered.ok()) return lowered.status();
    std::unique_ptr<llvm::Module> ir = std::move(*lowered);
    std::string problems;
    llvm::raw_string_ostream problem_stream(problems);
    if (llvm::verifyModule(*ir, &problem_stream)) {
      return Status::Internal("generated invalid LLVM IR for " + unit + ": " + problems);
    }
    llvm::orc::ResourceTrackerSP tracker = jit_->getMainJITDylib().createResourceTracker();
    llvm::orc::ThreadSafeModule tsm(std::move(ir), std::move(context));
    if (llvm::Error e = jit_->addIRModule(tracker, std::move(tsm))) {
      return ToStatus(std::move(e), "cannot add " + unit + " to the JIT");
    }
    return std::unique_ptr<LoadedModule>(std::make_unique<LoadedModuleImpl>(*jit_, tracker, unit));
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

 private:
  std::unique_ptr<llvm::orc::LLJIT> jit_;
};

}  // namespace

Expected<std::unique_ptr<Jit>> Jit::Create() {
  // Idempotent LLVM registrations (LLVM keeps these registries itself).
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();

  auto target = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!target) return ToStatus(target.takeError(), "cannot detect the host target");
  // Cells run once per evaluation: compile fast rather than optimize.
  target->setCodeGenOptLevel(llvm::CodeGenOptLevel::None);
  auto jit = llvm::orc::LLJITBuilder().setJITTargetMachineBuilder(std::move(*target)).create();
  if (!jit) return ToStatus(jit.takeError(), "cannot create the JIT");

  // The runtime ABI is defined explicitly rather than found through the
  // process's dynamic symbol table, so clivec need not export its symbols.
  llvm::orc::SymbolMap symbols;
  for (const abi::Symbol& s : abi::Symbols()) {
    symbols[(*jit)->mangleAndIntern(s.name)] = {llvm::orc::ExecutorAddr::fromPtr(s.address),
                                                llvm::JITSymbolFlags::Exported};
  }
  if (llvm::Error e = (*jit)->getMainJITDylib().define(llvm::orc::absoluteSymbols(std::move(symbols)))) {
    return ToStatus(std::move(e), "cannot define the runtime ABI");
  }
  return std::unique_ptr<Jit>(std::make_unique<JitImpl>(std::move(*jit)));
}

}  // namespace clive::compiler
