// Lowering: cells, functions, calls and records (lowering.h).
#include "lower.h"

#include <cstdio>

#include "clive/lang/units.h"
#include "llvm/IR/MDBuilder.h"
#include "lowering.h"

namespace clive::compiler {

std::string CellFunctionName(const std::string& unit, std::string_view cell) {
  return unit + ".cell." + std::string(cell);
}

namespace {
std::string LinkModule(const std::string& module_path) {
  return kLinkPrefix + (module_path.empty() ? std::string("_root") : module_path);
}
}  // namespace

std::string LinkSlotName(const std::string& module_path, std::string_view cell) {
  return LinkModule(module_path) + ".slot." + std::string(cell);
}
std::string LinkFunctionName(const Program& program, const FunctionInfo& fn) {
  // By name and receiver, not by index, so that adding a function does not
  // move the others (importers stay valid across body-only edits).
  std::string receiver = fn.receiver == TypeTable::kError ? "" : program.types.Name(fn.receiver) + "::";
  return LinkModule(program.module(fn.module).path) + ".fn." + receiver + std::string(fn.name);
}
bool HasCode(const Program& program, const CheckedModule& module) {
  return !module.cells.empty() || !ExportedFunctions(program, module).empty();
}

std::string ExportedFunctionName(const std::string& unit, uint32_t index) {
  return unit + ".fn." + std::to_string(index);
}

namespace {
bool IsExportable(const Program& program, const FunctionInfo& fn) {
  return !fn.builtin && fn.type_params.empty() && !program.types.IsGeneric(fn.result) &&
         fn.result != TypeTable::kError;
}
}  // namespace

std::vector<uint32_t> ExportedFunctions(const Program& program, const CheckedModule& module) {
  std::vector<uint32_t> result;
  for (uint32_t f = 0; f < module.functions.size(); ++f) {
    if (IsExportable(program, module.functions[f])) result.push_back(f);
  }
  return result;
}

std::string UnitName(const CheckedModule& module) {
  // FNV-1a: only needs to tell versions of one module apart.
  uint64_t hash = 1469598103934665603ull;
  for (char c : module.file->text()) hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash));
  return "clive." + (module.path.empty() ? std::string("_root") : module.path) + "." + hex;
}

using lang::ExprKind;
using lang::kNone;

Lowering::Lowering(const Program& program, const CheckedModule& module, llvm::LLVMContext& context,
                   lang::DiagnosticSink& sink)
    : program_(program),
      // Interning a generic instantiation's types (List<Int> for List<T>)
      // only appends to the table, never changes an existing type, and the
      // Program is lowered by one thread at a time (lowering.h).
      types_(const_cast<TypeTable&>(program.types)),
      m_(&module),
      tree_(module.tree.get()),
      unit_module_(module.id),
      unit_(UnitName(module)),
      sink_(sink),
      ctx_(context),
      module_(std::make_unique<llvm::Module>(unit_, context)),
      b_(context),
      i64_(llvm::Type::getInt64Ty(context)),
      ptr_(llvm::PointerType::getUnqual(context)) {}

Expected<std::unique_ptr<llvm::Module>> Lowering::Run() {
  DeclareRuntime();
  for (const Cell& cell : m_->cells) slots_.push_back(LinkWord(LinkSlotName(m_->path, cell.name)));
  for (uint32_t c = 0; c < m_->cells.size(); ++c) LowerCell(c);
  // Every exportable function, called here or not: other units call it
  // through the link table.
  for (uint32_t f : ExportedFunctions(program_, *m_)) {
    const FunctionInfo& fn = m_->functions[f];
    GetFunction(fn, tree_->exprs[tree_->fn_decls[fn.decl].body]);
  }
  // Function bodies, each in its own module's context; lowering one may
  // queue more.
  while (!pending_bodies_.empty() && !unsupported_) {
    PendingBody body = std::move(pending_bodies_.front());
    pending_bodies_.pop_front();
    WithSubstitution with(*this, std::move(body.subst));
    LowerFunctionBody(*body.fn, body.function);
  }
  if (unsupported_) return Status::EvaluationError("the JIT cannot run this module yet");
  MarkBoolResults();
  return std::move(module_);
}

llvm::GlobalVariable* Lowering::LinkWord(const std::string& name) {
  // A declaration: the JIT resolves it to the word in its link table.
  auto* word = llvm::cast<llvm::GlobalVariable>(module_->getOrInsertGlobal(name, i64_));
  word->setAlignment(llvm::Align(8));
  return word;
}

void Lowering::DeclareRuntime() {
  auto* i32 = llvm::Type::getInt32Ty(ctx_);
  auto* void_ty = llvm::Type::getVoidTy(ctx_);
  alloc_ = Declare("clive_rt_alloc", ptr_, {ptr_, i64_});
  concat_ = Declare("clive_rt_string_concat", ptr_, {ptr_, ptr_, ptr_});
  str_equal_ = Declare("clive_rt_string_equal", i64_, {ptr_, ptr_});
  str_compare_ = Declare("clive_rt_string_compare", i64_, {ptr_, ptr_});
  fail_ = Declare("clive_rt_fail_at", void_ty, {ptr_, ptr_});
  to_string_ = Declare("clive_rt_to_string", ptr_, {ptr_, i32, i64_});
  list_concat_ = Declare("clive_rt_list_concat", ptr_, {ptr_, ptr_, ptr_});
}

llvm::FunctionCallee Lowering::Declare(const char* name, llvm::Type* ret, std::vector<llvm::Type*> params) {
  return module_->getOrInsertFunction(name, llvm::FunctionType::get(ret, params, false));
}

llvm::Type* Lowering::ValueType(TypeId type) const {
  return types_.HeldByPointer(type) ? static_cast<llvm::Type*>(ptr_) : i64_;
}

void Lowering::LowerCell(uint32_t c) {
  const Cell& cell = m_->cells[c];
  auto* fn_type = llvm::FunctionType::get(llvm::Type::getInt1Ty(ctx_), {ptr_}, false);
  fn_ = llvm::Function::Create(fn_type, llvm::GlobalValue::ExternalLinkage, CellFunctionName(unit_, cell.name),
                               *module_);
  ctx_arg_ = fn_->getArg(0);
  b_.SetInsertPoint(llvm::BasicBlock::Create(ctx_, "entry", fn_));
  llvm::Value* value = LowerAs(tree_->vals[cell.val_index].value, cell.type);
  b_.CreateStore(value, slots_[c]);
  b_.CreateRet(b_.getTrue());
}

llvm::Value* Lowering::NotYet(const lang::Expr& e) {
  if (!unsupported_) {
    sink_.Error(codes::kUnsupported, *m_->file, e.range, "the JIT cannot evaluate this expression yet");
    unsupported_ = true;
  }
  return llvm::PoisonValue::get(i64_);
}

void Lowering::FailIf(llvm::Value* failed, abi::RuntimeError error, ExprId expr) {
  // One failing exit per function, told by a phi which check failed (a
  // constant abi::Failure per check): one call of clive_rt_fail_at instead of
  // one per check keeps the code small.
  FailExit& exit = fail_exits_[fn_];
  if (exit.block == nullptr) {
    exit.block = llvm::BasicBlock::Create(ctx_, "fail", fn_);
    llvm::IRBuilder<> at(exit.block);
    exit.site = at.CreatePHI(ptr_, 2);
    at.CreateCall(fail_, {ctx_arg_, exit.site});
    at.CreateRet(at.getFalse());
  }
  auto* ok = llvm::BasicBlock::Create(ctx_, "ok", fn_);
  b_.CreateCondBr(failed, exit.block, ok, llvm::MDBuilder(ctx_).createBranchWeights(1, 1 << 20));
  const lang::SourceRange r = tree_->exprs[expr].range;
  auto* i32 = llvm::Type::getInt32Ty(ctx_);
  std::vector<llvm::Value*> failure;
  for (uint32_t part : {static_cast<uint32_t>(error), m_->id, r.begin, r.end}) {
    failure.push_back(llvm::ConstantInt::get(i32, part));
  }
  exit.site->addIncoming(ConstantWords(failure, "failure"), b_.GetInsertBlock());
  b_.SetInsertPoint(ok);
}

void Lowering::PropagateFailure(llvm::Value* ok) {
  FailExit& exit = fail_exits_[fn_];
  if (exit.propagate == nullptr) {
    exit.propagate = llvm::BasicBlock::Create(ctx_, "failed", fn_);
    llvm::IRBuilder<>(exit.propagate).CreateRet(b_.getFalse());
  }
  auto* cont = llvm::BasicBlock::Create(ctx_, "cont", fn_);
  b_.CreateCondBr(ok, cont, exit.propagate, llvm::MDBuilder(ctx_).createBranchWeights(1 << 20, 1));
  b_.SetInsertPoint(cont);
}

// --- functions ---

llvm::Function* Lowering::GetFunction(const FunctionInfo& fn, const lang::Expr& at) {
  auto key = std::make_pair(fn.module, static_cast<uint32_t>(&fn - program_.module(fn.module).functions.data()));
  if (auto it = functions_.find(key); it != functions_.end()) return it->second;
  if (!IsExportable(program_, fn)) {
    NotYet(at);  // built-ins and generic functions are lowered by CallFunction
    return nullptr;
  }
  // i1 f(ptr ctx, ptr out, [this], params...): false after a runtime error.
  std::vector<llvm::Type*> params = {ptr_, ptr_};
  if (fn.receiver != TypeTable::kError) params.push_back(ValueType(fn.receiver));
  for (const FunctionParam& p : fn.params) params.push_back(ValueType(p.type));
  auto* type = llvm::FunctionType::get(llvm::Type::getInt1Ty(ctx_), params, false);
  const CheckedModule& owner = program_.module(fn.module);
  if (fn.module == unit_module_) {
    // Defined here and exported, for other units to call through the link table.
    auto* function = llvm::Function::Create(type, llvm::GlobalValue::ExternalLinkage,
                                            ExportedFunctionName(unit_, key.second), *module_);
    functions_[key] = function;
    pending_bodies_.push_back({&fn, function, {}});
    return function;
  }
  // Another module's function: a thunk that calls whatever address its link
  // word holds now, so the callee's module can be replaced under this unit.
  std::string name = "thunk." + (owner.path.empty() ? std::string("_root") : owner.path) + "." +
                     std::string(fn.name) + "." + std::to_string(key.second);
  auto* thunk = llvm::Function::Create(type, llvm::GlobalValue::InternalLinkage, name, *module_);
  functions_[key] = thunk;
  llvm::IRBuilder<> body(llvm::BasicBlock::Create(ctx_, "entry", thunk));
  llvm::Value* target = body.CreateLoad(ptr_, LinkWord(LinkFunctionName(program_, fn)));
  std::vector<llvm::Value*> args;
  for (llvm::Argument& arg : thunk->args()) args.push_back(&arg);
  llvm::CallInst* call = body.CreateCall(type, target, args);
  call->setTailCall();
  body.CreateRet(call);
  return thunk;
}

void Lowering::LowerFunctionBody(const FunctionInfo& fn, llvm::Function* function) {
  InModule in(*this, fn.module);
  const lang::FnDecl& decl = tree_->fn_decls[fn.decl];
  fn_ = function;
  ctx_arg_ = function->getArg(0);
  b_.SetInsertPoint(llvm::BasicBlock::Create(ctx_, "entry", function));
  Frame frame;
  unsigned next = 2;
  if (fn.receiver != TypeTable::kError) {
    frame.self = function->getArg(next++);
    frame.self_type = Resolve(fn.receiver);
  }
  for (size_t p = 0; p < fn.params.size(); ++p) frame.params.push_back(function->getArg(next++));
  frames_.push_back(std::move(frame));
  std::vector<BuilderScope> saved_builders;
  saved_builders.swap(builders_);  // a body does not see its caller's blocks
  std::vector<Local> saved_locals;
  saved_locals.swap(locals_);
  llvm::Value* value = LowerAs(decl.body, Resolve(fn.result));
  b_.CreateStore(value, function->getArg(1));
  b_.CreateRet(b_.getTrue());
  builders_.swap(saved_builders);
  locals_.swap(saved_locals);
  frames_.pop_back();
}

std::vector<lang::ExprId> Lowering::BoundArguments(const lang::Expr& e, const FunctionInfo& fn) const {
  // The same matching as the checker's: positional, then by name.
  std::vector<ExprId> bound(fn.params.size(), kNone);
  size_t next = 0;
  for (uint32_t a = e.list.first; a < e.list.end(); ++a) {
    const lang::Arg& arg = tree_->args[a];
    size_t index = next;
    if (arg.name.empty()) {
      ++next;
    } else {
      for (size_t p = 0; p < fn.params.size(); ++p) {
        if (fn.params[p].name == arg.name) index = p;
      }
    }
    if (index < bound.size()) bound[index] = arg.value;
  }
  return bound;
}

bool Lowering::LowerArguments(const lang::Expr& e, const FunctionInfo& fn, llvm::Value* self,
                              std::vector<llvm::Value*>& args, const std::vector<TypeId>& params,
                              const Substitution& callee_subst) {
  std::vector<ExprId> bound = BoundArguments(e, fn);
  args.assign(fn.params.size(), nullptr);
  for (size_t p = 0; p < fn.params.size(); ++p) {
    if (bound[p] != kNone) {
      args[p] = LowerAs(bound[p], params[p]);
      continue;
    }
    if (fn.params[p].default_value == kNone) return false;
    // A default is an expression of the callee's module that may read the
    // parameters before it.
    InModule in(*this, fn.module);
    WithSubstitution with(*this, callee_subst);
    frames_.push_back({args, self, Resolve(fn.receiver)});
    std::vector<Local> saved_locals;
    saved_locals.swap(locals_);
    args[p] = LowerAs(fn.params[p].default_value, params[p]);
    locals_.swap(saved_locals);
    frames_.pop_back();
  }
  return true;
}

llvm::Value* Lowering::NewSlot() {
  llvm::IRBuilder<> entry(&fn_->getEntryBlock(), fn_->getEntryBlock().begin());
  return entry.CreateAlloca(i64_);
}

llvm::Value* Lowering::EmitCall(llvm::Function* function, TypeId result, std::vector<llvm::Value*> args) {
  llvm::Value* out = NewSlot();
  args.insert(args.begin(), {ctx_arg_, out});
  PropagateFailure(b_.CreateCall(function, args));
  return b_.CreateLoad(ValueType(result), out);
}

llvm::Value* Lowering::LowerCall(ExprId id, const lang::Expr& e) {
  const SymbolRef& ref = m_->expr_refs[id];
  const lang::Expr& callee = tree_->exprs[e.lhs];
  if (callee.kind == ExprKind::kMember && callee.safe) return LowerSafeCall(id, e);
  if (ref.kind == SymbolRef::Kind::kCell) return LowerRef(ref);  // ref(cell)
  if (ref.kind == SymbolRef::Kind::kCopy) {
    llvm::Value* record = callee.kind == ExprKind::kMember ? LowerExpr(callee.lhs) : frames_.back().self;
    return LowerCopy(e, record, ref.type);
  }
  if (ref.kind != SymbolRef::Kind::kFunction) return LowerValueCall(e);
  const FunctionInfo& fn = program_.module(ref.module).functions[ref.index];
  if (fn.receiver == TypeTable::kError) return CallFunction(id, e, fn, nullptr, TypeTable::kError);
  if (callee.kind == ExprKind::kMember) return CallFunction(id, e, fn, LowerExpr(callee.lhs), TypeOf(callee.lhs));
  if (!frames_.empty() && frames_.back().self != nullptr) {  // a member calling a member of `this`
    return CallFunction(id, e, fn, frames_.back().self, frames_.back().self_type);
  }
  return NotYet(e);
}

llvm::Value* Lowering::CallFunction(ExprId id, const lang::Expr& e, const FunctionInfo& fn, llvm::Value* self,
                                    TypeId self_type, TypeId* result) {
  Substitution subst = InferTypeArguments(id, e, fn, self_type);
  TypeId result_type = Substitute(fn.result, subst);
  if (result != nullptr) *result = result_type;
  if (self != nullptr) self = Coerce(self, self_type, Substitute(fn.receiver, subst));
  std::vector<TypeId> params;
  for (const FunctionParam& p : fn.params) params.push_back(Substitute(p.type, subst));
  std::vector<llvm::Value*> args;
  if (!LowerArguments(e, fn, self, args, params, subst)) return NotYet(e);
  if (fn.builtin) return LowerBuiltin(fn, subst, self, args, e);
  llvm::Function* function = subst.empty() ? GetFunction(fn, e) : GetInstance(fn, subst);
  if (function == nullptr) return llvm::PoisonValue::get(i64_);
  if (self != nullptr) args.insert(args.begin(), self);
  return EmitCall(function, result_type, std::move(args));
}

// --- records ---

std::vector<llvm::Value*> Lowering::LoadFields(llvm::Value* record, TypeId type) {
  std::vector<llvm::Value*> values;
  const RecordType& info = types_.record(type);
  for (size_t f = 0; f < info.fields.size(); ++f) {
    values.push_back(b_.CreateLoad(ValueType(info.fields[f].type), b_.CreateConstInBoundsGEP1_64(i64_, record, f)));
  }
  return values;
}

llvm::Value* Lowering::NewRecord(TypeId type, const std::vector<llvm::Value*>& values) {
  const RecordType& record = types_.record(type);
  return NewWords(values, record.name.c_str());
}

llvm::Value* Lowering::LowerDefault(const RecordType& record, size_t field) {
  InModule in(*this, record.module);
  return LowerAs(record.fields[field].default_value, record.fields[field].type);
}

llvm::Value* Lowering::LowerCopy(const lang::Expr& e, llvm::Value* record, TypeId type) {
  std::vector<llvm::Value*> values = LoadFields(record, type);
  const RecordType& info = types_.record(type);
  for (uint32_t a = e.list.first; a < e.list.end(); ++a) {
    const lang::Arg& arg = tree_->args[a];
    int f = info.FieldIndex(arg.name);
    values[f] = LowerAs(arg.value, info.fields[f].type);
  }
  return NewRecord(type, values);
}

llvm::Value* Lowering::LowerBuilder(ExprId id, const lang::Expr& e) {
  TypeId type = TypeOf(id);
  if (!types_.Is(type, TypeKind::kRecord)) return NotYet(e);
  const RecordType& record = types_.record(type);
  // Where the block starts from: the type's defaults, the result of a
  // function called with its defaults, or an existing record value.
  const SymbolRef& base_ref = m_->expr_refs[e.lhs];
  const lang::Expr& base_expr = tree_->exprs[e.lhs];
  bool from_type = base_ref.kind == SymbolRef::Kind::kNone &&
                   (base_expr.kind == ExprKind::kName || base_expr.kind == ExprKind::kMember);
  BuilderScope scope{type, std::vector<llvm::Value*>(record.fields.size(), nullptr)};
  std::vector<llvm::Value*> start;
  if (base_ref.kind == SymbolRef::Kind::kFunction) {
    const FunctionInfo& fn = program_.module(base_ref.module).functions[base_ref.index];
    lang::Expr no_args;
    start = LoadFields(CallFunction(id, no_args, fn, nullptr, TypeTable::kError), type);
  } else if (!from_type) {
    start = LoadFields(LowerExpr(e.lhs), type);
  }
  // Items for the @collect field, in order: single elements or whole lists.
  std::vector<std::pair<llvm::Value*, bool>> collected;
  builders_.push_back(std::move(scope));
  for (uint32_t i = e.list.first; i < e.list.end(); ++i) {
    const lang::FieldInit& init = tree_->field_inits[i];
    uint32_t f = m_->init_fields[i];
    const RecordField& field = record.fields[f];
    if (init.name.empty()) {
      TypeId element = types_.element(field.type);
      TypeId actual = TypeOf(init.value);
      bool splice = !types_.Assignable(actual, element);
      collected.emplace_back(LowerAs(init.value, splice ? field.type : element), splice);
      continue;
    }
    llvm::Value* value = LowerAs(init.value, field.type);
    builders_.back().values[f] = value;
  }
  std::vector<llvm::Value*> values = std::move(builders_.back().values);
  builders_.pop_back();
  for (size_t f = 0; f < record.fields.size(); ++f) {
    if (values[f] != nullptr) continue;
    values[f] = from_type ? LowerDefault(record, f) : start[f];
  }
  if (!collected.empty()) {
    // The collect field's list (as set, by default or from the start value),
    // then the items: runs of single elements become one list each.
    llvm::Value* list = values[record.collect_field];
    std::vector<llvm::Value*> run;
    auto flush = [&] {
      if (run.empty()) return;
      list = b_.CreateCall(list_concat_, {ctx_arg_, list, NewList(run)});
      run.clear();
    };
    for (auto [value, splice] : collected) {
      if (!splice) {
        run.push_back(value);
        continue;
      }
      flush();
      list = b_.CreateCall(list_concat_, {ctx_arg_, list, value});
    }
    flush();
    values[record.collect_field] = list;
  }
  return NewRecord(type, values);
}

llvm::Value* Lowering::LoadCell(const SymbolRef& ref, std::string_view name) {
  const CheckedModule& owner = program_.module(ref.module);
  llvm::Type* type = ValueType(owner.cells[ref.index].type);
  if (ref.module == unit_module_) return b_.CreateLoad(type, slots_[ref.index], std::string(name));
  // Another module's cell, evaluated before this one (Program::order).
  return b_.CreateLoad(type, LinkWord(LinkSlotName(owner.path, owner.cells[ref.index].name)), std::string(name));
}

Expected<std::unique_ptr<llvm::Module>> Lower(const Program& program, const CheckedModule& module,
                                              llvm::LLVMContext& context, lang::DiagnosticSink& sink) {
  return Lowering(program, module, context, sink).Run();
}

}  // namespace clive::compiler
