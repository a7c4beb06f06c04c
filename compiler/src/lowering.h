// The lowering of one module to LLVM IR. Private to compiler/ (lower.h is
// the interface); split over lower.cc (cells, functions, calls, records) and
// lower_exprs.cc (operators, control flow, strings, lists, optionals).
//
// Value representation: see clive/abi/abi.h. Every value is one 64-bit
// word (an i64 or a pointer), which is what lets a builder keep field values
// in a plain vector and a call pass any argument the same way.
//
// A module's functions are compiled into its own unit and exported; other
// units call them through thunks that load the callee's address from the link
// table (clive/compiler/jit.h), and read other modules' cells from their
// link-table words, which keeps units independently replaceable. Generic
// functions are not lowered yet (E0199); the plan is monomorphization per
// instantiation in the calling unit, since every value is one word and
// instantiations are few (their bodies are part of the module's interface).
#pragma once

#include <deque>
#include <map>
#include <string>
#include <vector>

#include "clive/abi/abi.h"
#include "clive/compiler/checker.h"
#include "clive/compiler/error_codes.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"

namespace clive::compiler {

class Lowering {
 public:
  Lowering(const Program& program, const CheckedModule& module, llvm::LLVMContext& context,
           lang::DiagnosticSink& sink);
  Expected<std::unique_ptr<llvm::Module>> Run();

 private:
  using ExprId = lang::ExprId;

  // --- lower.cc ---
  void DeclareRuntime();
  llvm::GlobalVariable* LinkWord(const std::string& name);
  llvm::FunctionCallee Declare(const char* name, llvm::Type* ret, std::vector<llvm::Type*> params);
  llvm::Type* ValueType(TypeId type) const;
  bool IsWord(TypeId type) const { return ValueType(type) == i64_; }
  void LowerCell(uint32_t c);
  // The function `fn` compiled into this unit (its body is lowered later,
  // from the work queue), or null when it cannot be lowered yet.
  llvm::Function* GetFunction(const FunctionInfo& fn, const lang::Expr& at);
  void LowerFunctionBody(const FunctionInfo& fn, llvm::Function* function);
  llvm::Value* LowerCall(ExprId id, const lang::Expr& e);
  // Arguments in parameter order (defaults lowered in the callee's module).
  bool LowerArguments(const lang::Expr& e, const FunctionInfo& fn, llvm::Value* self,
                      std::vector<llvm::Value*>& args);
  llvm::Value* EmitCall(llvm::Function* function, TypeId result, std::vector<llvm::Value*> args);
  llvm::Value* LowerBuilder(ExprId id, const lang::Expr& e);
  llvm::Value* LowerCopy(const lang::Expr& e, llvm::Value* record, TypeId type);
  std::vector<llvm::Value*> LoadFields(llvm::Value* record, TypeId type);
  llvm::Value* NewRecord(TypeId type, const std::vector<llvm::Value*>& values);
  llvm::Value* LowerDefault(const RecordType& record, size_t field);
  llvm::Value* LoadCell(const SymbolRef& ref, std::string_view name);
  llvm::Value* NotYet(const lang::Expr& e);
  void FailIf(llvm::Value* failed, abi::RuntimeError error, ExprId expr);
  // Returns false from the current function unless `ok`.
  void PropagateFailure(llvm::Value* ok);

  // --- lower_exprs.cc ---
  llvm::Value* LowerExpr(ExprId id);
  // LowerExpr, then converted to `to` (T to T?, null to any optional).
  llvm::Value* LowerAs(ExprId id, TypeId to);
  llvm::Value* Coerce(llvm::Value* value, TypeId from, TypeId to);
  llvm::Value* LowerName(ExprId id, const lang::Expr& e);
  llvm::Value* LowerMember(ExprId id, const lang::Expr& e);
  llvm::Value* LowerUnary(ExprId id, const lang::Expr& e);
  llvm::Value* LowerBinary(ExprId id, const lang::Expr& e);
  llvm::Value* LowerStringBinary(lang::BinaryOp op, llvm::Value* l, llvm::Value* r);
  llvm::Value* LowerShortCircuit(lang::BinaryOp op, const lang::Expr& e);
  llvm::Value* LowerElvis(ExprId id, const lang::Expr& e);
  llvm::Value* LowerIf(ExprId id, const lang::Expr& e);
  llvm::Value* LowerWhen(ExprId id, const lang::Expr& e);
  llvm::Value* LowerList(ExprId id, const lang::Expr& e);
  llvm::Value* NewList(const std::vector<llvm::Value*>& items);
  llvm::Value* LowerIndex(ExprId id, const lang::Expr& e);
  llvm::Value* LowerInterpolation(const lang::Expr& e);
  llvm::Value* ToText(llvm::Value* value, TypeId type, const lang::Expr& at);
  llvm::Value* Equal(llvm::Value* l, llvm::Value* r, TypeId type);
  llvm::Value* Checked(llvm::Intrinsic::ID intrinsic, llvm::Value* l, llvm::Value* r, ExprId at);
  llvm::Value* StringConstant(const std::string& text);
  llvm::Value* Bool(llvm::Value* i1) { return b_.CreateZExt(i1, i64_); }

  // A builder block being lowered: its record type and the field values set
  // so far (null: not set), readable by name in the rest of the block.
  struct BuilderScope {
    TypeId record;
    std::vector<llvm::Value*> values;
  };
  // The function whose body is being lowered: parameters and receiver.
  struct Frame {
    std::vector<llvm::Value*> params;
    llvm::Value* self = nullptr;
    TypeId self_type = TypeTable::kError;
  };
  // Switches the module whose expressions are lowered (a field default, a
  // function of another module) for the lifetime of the guard.
  class InModule {
   public:
    InModule(Lowering& l, ModuleId id) : l_(l), module_(l.m_), tree_(l.tree_) {
      l.m_ = &l.program_.module(id);
      l.tree_ = l.m_->tree.get();
    }
    ~InModule() {
      l_.m_ = module_;
      l_.tree_ = tree_;
    }
    InModule(const InModule&) = delete;
    InModule& operator=(const InModule&) = delete;

   private:
    Lowering& l_;
    const CheckedModule* module_;
    const lang::SyntaxTree* tree_;
  };

  const Program& program_;
  const TypeTable& types_;
  const CheckedModule* m_;       // the module whose expressions are lowered now
  const lang::SyntaxTree* tree_;
  ModuleId unit_module_;         // the module this unit compiles (slots_ are its cells)
  std::string unit_;
  lang::DiagnosticSink& sink_;
  bool unsupported_ = false;
  llvm::LLVMContext& ctx_;
  std::unique_ptr<llvm::Module> module_;
  llvm::IRBuilder<> b_;
  llvm::IntegerType* i64_;
  llvm::PointerType* ptr_;
  llvm::FunctionCallee alloc_, concat_, str_equal_, str_compare_, fail_, to_string_, list_concat_;
  std::vector<llvm::GlobalVariable*> slots_;
  std::map<std::string, llvm::Constant*> strings_;
  llvm::Function* fn_ = nullptr;
  llvm::Value* ctx_arg_ = nullptr;
  std::vector<BuilderScope> builders_;
  std::vector<Frame> frames_;
  std::map<std::pair<ModuleId, uint32_t>, llvm::Function*> functions_;
  std::deque<std::pair<const FunctionInfo*, llvm::Function*>> pending_bodies_;
};

}  // namespace clive::compiler
