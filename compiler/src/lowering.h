// The lowering of one module to LLVM IR. Private to compiler/ (lower.h is
// the interface); split over lower.cc (cells, functions, calls, records),
// lower_exprs.cc (operators, control flow, strings, lists, optionals),
// lower_values.cc (floats, structural equality and ordering, text, loops,
// covariant conversions, constant globals), lower_generics.cc (type
// substitution, monomorphization), lower_closures.cc (lambdas, function
// values, comprehensions, safe calls, refs), lower_maps.cc (maps) and
// lower_builtins.cc (the prelude's @builtin functions).
//
// Value representation: see clive/abi/abi.h. Every value is one 64-bit
// word (an i64 or a pointer), which is what lets a builder keep field values
// in a plain vector and a call pass any argument the same way.
//
// A module's functions are compiled into its own unit and exported; other
// units call them through thunks that load the callee's address from the link
// table (clive/compiler/jit.h), and read other modules' cells from their
// link-table words, which keeps units independently replaceable.
//
// Generic functions are monomorphized: each instantiation (the function with
// its type arguments, found by unifying its parameter types with the
// argument types at the call) is compiled once per calling unit, with
// internal linkage, its body lowered under that substitution (generic bodies
// are part of their module's interface). Every value is one word, so an
// instantiation costs no more than any other function and codegen stays
// simple and fast: no boxing of type parameters, no runtime type
// descriptors, and equality, text and optionals of `T` are lowered for the
// concrete type. Structural types an instantiation needs (List<Int> for
// List<T>) are interned into the program's type table as they come up.
#pragma once

#include <deque>
#include <functional>
#include <tuple>
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
  // A generic function's type arguments: type parameter -> concrete type.
  using Substitution = std::map<TypeId, TypeId>;

  // --- lower.cc ---
  void DeclareRuntime();
  llvm::GlobalVariable* LinkWord(const std::string& name);
  llvm::FunctionCallee Declare(const char* name, llvm::Type* ret, std::vector<llvm::Type*> params);
  llvm::Type* ValueType(TypeId type) const;
  bool IsWord(TypeId type) const { return ValueType(type) == i64_; }
  void LowerCell(uint32_t c);
  // The function `fn` compiled into this unit (its body is lowered later,
  // from the work queue), or null when it cannot be lowered.
  llvm::Function* GetFunction(const FunctionInfo& fn, const lang::Expr& at);
  void LowerFunctionBody(const FunctionInfo& fn, llvm::Function* function);
  llvm::Value* LowerCall(ExprId id, const lang::Expr& e);
  // The call `e` of `fn` on `self` (a value of type `self_type`, or null):
  // built-in, generic or plain. `result` receives the call's type.
  llvm::Value* CallFunction(ExprId id, const lang::Expr& e, const FunctionInfo& fn, llvm::Value* self,
                            TypeId self_type, TypeId* result = nullptr);
  // Arguments in parameter order (defaults lowered in the callee's module),
  // each converted to its parameter's type in `params` (substituted).
  bool LowerArguments(const lang::Expr& e, const FunctionInfo& fn, llvm::Value* self,
                      std::vector<llvm::Value*>& args, const std::vector<TypeId>& params,
                      const Substitution& callee_subst);
  // Each argument of the call `e` bound to its parameter (kNone: not given).
  std::vector<lang::ExprId> BoundArguments(const lang::Expr& e, const FunctionInfo& fn) const;
  // An i64 slot in the current function's frame (an alloca in its entry).
  llvm::Value* NewSlot();
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
  // The member `name` (a field, or a built-in member such as `size`) of a
  // non-null `object` of type `base`; null if there is none.
  llvm::Value* Member(llvm::Value* object, TypeId base, const SymbolRef& ref, std::string_view name,
                      const lang::Expr& at);
  llvm::Value* LowerUnary(ExprId id, const lang::Expr& e);
  llvm::Value* LowerBinary(ExprId id, const lang::Expr& e);
  llvm::Value* LowerStringBinary(lang::BinaryOp op, llvm::Value* l, llvm::Value* r);
  llvm::Value* LowerShortCircuit(lang::BinaryOp op, const lang::Expr& e);
  llvm::Value* LowerElvis(ExprId id, const lang::Expr& e);
  llvm::Value* LowerIf(ExprId id, const lang::Expr& e);
  llvm::Value* LowerWhen(ExprId id, const lang::Expr& e);
  llvm::Value* LowerList(ExprId id, const lang::Expr& e);
  llvm::Value* NewList(const std::vector<llvm::Value*>& items);
  // Words (i64s and pointers) in a new object: a constant global when they
  // are all constants, else allocated in the arena and stored.
  llvm::Value* NewWords(const std::vector<llvm::Value*>& words, const char* name);
  llvm::Value* LowerIndex(ExprId id, const lang::Expr& e);
  llvm::Value* LowerInterpolation(const lang::Expr& e);
  llvm::Value* Checked(llvm::Intrinsic::ID intrinsic, llvm::Value* l, llvm::Value* r, ExprId at);
  llvm::Value* StringConstant(const std::string& text);
  llvm::Value* Bool(llvm::Value* i1) { return b_.CreateZExt(i1, i64_); }

  // --- lower_values.cc ---
  llvm::Value* LowerFloatUnary(const lang::Expr& e);
  llvm::Value* LowerFloatBinary(lang::BinaryOp op, llvm::Value* l, llvm::Value* r);
  // `l == r` as an i1, structurally, for values of `type` (records, lists,
  // maps and optionals compare their contents).
  llvm::Value* Equal(llvm::Value* l, llvm::Value* r, TypeId type);
  // Equality of two operands of compatible types (`Int` and `Int?`).
  llvm::Value* EqualMixed(llvm::Value* l, TypeId lt, llvm::Value* r, TypeId rt);
  // `i64 (i64, i64)` functions of this unit: equality (0/1) and the order of
  // map keys (-1/0/1), for values of `type` passed as words.
  llvm::Function* EqualFunction(TypeId type);
  llvm::Function* CompareFunction(TypeId type);
  // The text of a value, as interpolation and joinToString show it.
  llvm::Value* ToText(llvm::Value* value, TypeId type);
  llvm::Value* AsWord(llvm::Value* value);
  llvm::Value* FromWord(llvm::Value* word, TypeId type);
  // Emits `body(i)` for i in [0, count) at the insertion point.
  void Loop(llvm::Value* count, const std::function<void(llvm::Value*)>& body);
  // A new list of `count` items, item i being `item(i)` (may emit code).
  llvm::Value* BuildList(llvm::Value* count, const std::function<llvm::Value*(llvm::Value*)>& item);
  llvm::Value* ListItemSlot(llvm::Value* list, llvm::Value* index);
  // The item in `slot` (of a list or map; null: none) as an `item?`.
  llvm::Value* SlotAsOptional(llvm::Value* slot, TypeId item);
  // A constant global holding `words` (i64s and pointers; or i32s), for
  // records and lists whose parts are all constants: no code runs to build
  // them.
  llvm::Constant* ConstantWords(const std::vector<llvm::Value*>& words, const char* name);
  static bool AllConstant(const std::vector<llvm::Value*>& values);
  // Whether a value of `from` must be rebuilt to be a `to` (a List<Int> used
  // as a List<Int?> boxes its elements).
  bool NeedsConversion(TypeId from, TypeId to) const;

  // Marks every i1 result (of functions, declarations and calls) zeroext, as
  // C++ `bool` results are: FastISel, which -O0 codegen uses, lowers `ret
  // i1` only then, and otherwise falls back to the much slower SelectionDAG
  // for the whole function.
  void MarkBoolResults();

  // --- lower_generics.cc ---
  // The type of an expression, with the current substitution applied.
  TypeId TypeOf(ExprId id) { return Resolve(m_->TypeOf(id)); }
  TypeId Resolve(TypeId type) { return Substitute(type, subst_); }
  TypeId Substitute(TypeId type, const Substitution& subst);
  // Binds the type parameters of `pattern` from the concrete `actual`.
  void Unify(TypeId pattern, TypeId actual, Substitution& subst);
  // The type arguments of the call `e` of `fn` (receiver of type
  // `receiver`, kError if none).
  Substitution InferTypeArguments(ExprId call, const lang::Expr& e, const FunctionInfo& fn, TypeId receiver);
  llvm::Function* GetInstance(const FunctionInfo& fn, const Substitution& subst);

  // --- lower_closures.cc ---
  llvm::Value* LowerLambda(ExprId id, const lang::Expr& e);
  // The closure of a named function used as a value.
  llvm::Value* FunctionValue(const FunctionInfo& fn, const lang::Expr& at);
  llvm::FunctionType* ClosureCodeType(TypeId function_type);
  // Calls the closure `closure` of type `function_type`.
  llvm::Value* CallClosure(llvm::Value* closure, TypeId function_type, std::vector<llvm::Value*> args);
  llvm::Value* LowerValueCall(const lang::Expr& e);
  llvm::Value* LowerComprehension(ExprId id, const lang::Expr& e);
  // `a?.f(...)`: null when `a` is null, else the call on `a`'s value.
  llvm::Value* LowerSafeCall(ExprId id, const lang::Expr& e);
  llvm::Value* LowerRef(const SymbolRef& cell);
  llvm::Value* ReadRef(llvm::Value* ref, TypeId target, const lang::Expr& at);
  // `present(value)` when `optional` (of type `type`; a word inside is
  // unboxed) is not null, else `absent` (null if not given): a pointer.
  llvm::Value* IfPresent(llvm::Value* optional, TypeId type, const std::function<llvm::Value*(llvm::Value*)>& present,
                         llvm::Value* absent = nullptr);

  // --- lower_maps.cc ---
  llvm::Value* LowerMap(ExprId id, const lang::Expr& e);
  llvm::Value* MapLookup(llvm::Value* map, llvm::Value* key, TypeId map_type);  // V?
  llvm::Value* MapContains(llvm::Value* map, llvm::Value* key, TypeId map_type);
  llvm::Value* MapPlus(llvm::Value* a, llvm::Value* b, TypeId map_type);
  llvm::Value* MapColumn(llvm::Value* map, bool values);

  // --- lower_builtins.cc ---
  // A call of a prelude @builtin function with its receiver (or null) and
  // arguments already lowered (converted to the parameter types).
  llvm::Value* LowerBuiltin(const FunctionInfo& fn, const Substitution& subst, llvm::Value* self,
                            const std::vector<llvm::Value*>& args, const lang::Expr& at);

  // A builder block being lowered: its record type and the field values set
  // so far (null: not set), readable by name in the rest of the block.
  struct BuilderScope {
    TypeId record;
    std::vector<llvm::Value*> values;
  };
  // A lambda parameter or comprehension variable in scope.
  struct Local {
    uint32_t index;  // SymbolRef::index
    std::string_view name;
    llvm::Value* value;
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
  // Lowers into another function (a lambda's, a wrapper's) for the lifetime
  // of the guard, then returns to the code being lowered before.
  class InFunction {
   public:
    // `ctx` is the function's Context argument (null if it has none).
    InFunction(Lowering& l, llvm::Function* function, llvm::Value* ctx);
    ~InFunction();
    InFunction(const InFunction&) = delete;
    InFunction& operator=(const InFunction&) = delete;

   private:
    Lowering& l_;
    llvm::IRBuilderBase::InsertPoint point_;
    llvm::Function* fn_;
    llvm::Value* ctx_arg_;
    std::vector<BuilderScope> builders_;
    std::vector<Frame> frames_;
    std::vector<Local> locals_;
  };
  class WithSubstitution {
   public:
    WithSubstitution(Lowering& l, Substitution subst) : l_(l), saved_(std::move(l.subst_)) {
      l.subst_ = std::move(subst);
    }
    ~WithSubstitution() { l_.subst_ = std::move(saved_); }
    WithSubstitution(const WithSubstitution&) = delete;
    WithSubstitution& operator=(const WithSubstitution&) = delete;

   private:
    Lowering& l_;
    Substitution saved_;
  };

  const Program& program_;
  TypeTable& types_;  // see Substitute: instantiations intern types
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
  std::vector<Local> locals_;
  Substitution subst_;
  std::map<std::pair<ModuleId, uint32_t>, llvm::Function*> functions_;
  std::map<std::tuple<ModuleId, uint32_t, std::vector<TypeId>>, llvm::Function*> instances_;
  std::map<std::pair<ModuleId, uint32_t>, llvm::Constant*> function_values_;
  std::map<TypeId, llvm::Function*> equal_functions_, compare_functions_, text_functions_;
  struct PendingBody {
    const FunctionInfo* fn;
    llvm::Function* function;
    Substitution subst;
  };
  std::deque<PendingBody> pending_bodies_;
  // A function's shared exits: after a failed check (the phi: which
  // abi::Failure), and after a failed call.
  struct FailExit {
    llvm::BasicBlock* block = nullptr;
    llvm::PHINode* site = nullptr;
    llvm::BasicBlock* propagate = nullptr;
  };
  std::map<llvm::Function*, FailExit> fail_exits_;
  unsigned next_global_ = 0;  // names of unnamed constants and lambdas
};

}  // namespace clive::compiler
