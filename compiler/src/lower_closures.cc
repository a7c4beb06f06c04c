// Lowering: lambdas and function values, comprehensions, safe calls, refs
// (lowering.h).
//
// A function value is a closure {code, captures...} (abi.h). A lambda
// captures everything in scope where it is written (the enclosing function's
// parameters and receiver, builder fields set so far, lambda parameters and
// comprehension variables): scopes are small, and copying a few words is
// cheaper to compile than computing free variables.
#include "lowering.h"

namespace clive::compiler {

Lowering::InFunction::InFunction(Lowering& l, llvm::Function* function, llvm::Value* ctx)
    : l_(l), point_(l.b_.saveIP()), fn_(l.fn_), ctx_arg_(l.ctx_arg_) {
  builders_.swap(l.builders_);
  frames_.swap(l.frames_);
  locals_.swap(l.locals_);
  l.fn_ = function;
  l.ctx_arg_ = ctx;
  l.b_.SetInsertPoint(llvm::BasicBlock::Create(l.ctx_, "entry", function));
}

Lowering::InFunction::~InFunction() {
  l_.builders_.swap(builders_);
  l_.frames_.swap(frames_);
  l_.locals_.swap(locals_);
  l_.fn_ = fn_;
  l_.ctx_arg_ = ctx_arg_;
  l_.b_.restoreIP(point_);
}

llvm::FunctionType* Lowering::ClosureCodeType(TypeId function_type) {
  // i1 code(ptr ctx, ptr out, ptr closure, params...)
  std::vector<llvm::Type*> params = {ptr_, ptr_, ptr_};
  for (TypeId p : types_.params(function_type)) params.push_back(ValueType(p));
  return llvm::FunctionType::get(llvm::Type::getInt1Ty(ctx_), params, false);
}

llvm::Value* Lowering::LowerLambda(ExprId id, const lang::Expr& e) {
  TypeId type = TypeOf(id);
  if (!types_.Is(type, TypeKind::kFunction)) return NotYet(e);
  // What the body may read, in this order: frame, builder fields, locals.
  std::vector<llvm::Value*> captured;
  Frame frame;
  if (!frames_.empty()) frame = frames_.back();
  for (llvm::Value* p : frame.params) {
    if (p != nullptr) captured.push_back(p);
  }
  if (frame.self != nullptr) captured.push_back(frame.self);
  std::vector<BuilderScope> builders = builders_;
  for (const BuilderScope& scope : builders) {
    for (llvm::Value* v : scope.values) {
      if (v != nullptr) captured.push_back(v);
    }
  }
  std::vector<Local> locals = locals_;
  for (const Local& local : locals) captured.push_back(local.value);

  auto* code = llvm::Function::Create(ClosureCodeType(type), llvm::GlobalValue::InternalLinkage,
                                      "lambda." + std::to_string(next_global_++), *module_);
  std::vector<llvm::Value*> words = {code};
  words.insert(words.end(), captured.begin(), captured.end());
  llvm::Value* closure = NewWords(words, "closure");

  InFunction in(*this, code, code->getArg(0));
  llvm::Value* self_closure = code->getArg(2);
  unsigned slot = 1;
  auto reload = [&](llvm::Value*& v) {
    if (v != nullptr) v = b_.CreateLoad(v->getType(), b_.CreateConstInBoundsGEP1_64(i64_, self_closure, slot++));
  };
  for (llvm::Value*& p : frame.params) reload(p);
  reload(frame.self);
  for (BuilderScope& scope : builders) {
    for (llvm::Value*& v : scope.values) reload(v);
  }
  for (Local& local : locals) reload(local.value);
  frames_.push_back(std::move(frame));
  builders_ = std::move(builders);
  locals_ = std::move(locals);
  for (uint32_t i = 0; i < e.list.count; ++i) {
    locals_.push_back({e.list.first + i, tree_->names[e.list.first + i].text, code->getArg(3 + i)});
  }
  llvm::Value* value = LowerAs(e.lhs, types_.result(type));
  b_.CreateStore(value, code->getArg(1));
  b_.CreateRet(b_.getTrue());
  return closure;
}

llvm::Value* Lowering::FunctionValue(const FunctionInfo& fn, const lang::Expr& at) {
  const CheckedModule& owner = program_.module(fn.module);
  auto key = std::make_pair(fn.module, static_cast<uint32_t>(&fn - owner.functions.data()));
  if (auto it = function_values_.find(key); it != function_values_.end()) return it->second;
  if (fn.receiver != TypeTable::kError || !fn.type_params.empty()) return NotYet(at);  // the checker forbids these
  std::vector<TypeId> params;
  for (const FunctionParam& p : fn.params) params.push_back(p.type);
  TypeId type = types_.FunctionOf(params, fn.result);
  // A wrapper with the closure calling convention that calls the function.
  auto* code = llvm::Function::Create(ClosureCodeType(type), llvm::GlobalValue::InternalLinkage,
                                      "value." + std::string(fn.name), *module_);
  llvm::Constant* closure = ConstantWords({code}, "function");
  function_values_[key] = closure;
  llvm::Function* target = fn.builtin ? nullptr : GetFunction(fn, at);
  InFunction in(*this, code, code->getArg(0));
  std::vector<llvm::Value*> args;
  for (size_t p = 0; p < params.size(); ++p) args.push_back(code->getArg(3 + p));
  if (fn.builtin) {
    b_.CreateStore(LowerBuiltin(fn, {}, nullptr, args, at), code->getArg(1));
    b_.CreateRet(b_.getTrue());
  } else if (target != nullptr) {
    args.insert(args.begin(), {code->getArg(0), code->getArg(1)});
    b_.CreateRet(b_.CreateCall(target, args));
  } else {
    b_.CreateRet(b_.getFalse());
  }
  return closure;
}

llvm::Value* Lowering::CallClosure(llvm::Value* closure, TypeId function_type, std::vector<llvm::Value*> args) {
  llvm::Value* out = NewSlot();
  llvm::Value* code = b_.CreateLoad(ptr_, closure);
  args.insert(args.begin(), {ctx_arg_, out, closure});
  PropagateFailure(b_.CreateCall(ClosureCodeType(function_type), code, args));
  return b_.CreateLoad(ValueType(types_.result(function_type)), out);
}

llvm::Value* Lowering::LowerValueCall(const lang::Expr& e) {
  TypeId type = TypeOf(e.lhs);
  if (!types_.Is(type, TypeKind::kFunction)) return NotYet(e);
  llvm::Value* closure = LowerExpr(e.lhs);
  const std::vector<TypeId> params = types_.params(type);
  std::vector<llvm::Value*> args;
  for (uint32_t a = 0; a < e.list.count && a < params.size(); ++a) {
    args.push_back(LowerAs(tree_->args[e.list.first + a].value, params[a]));
  }
  return CallClosure(closure, type, std::move(args));
}

llvm::Value* Lowering::LowerComprehension(ExprId id, const lang::Expr& e) {
  // [lhs for name in rhs if third]: at most as many items as the source.
  TypeId source_type = TypeOf(e.rhs);
  TypeId item_type = types_.element(TypeOf(id));
  TypeId element = types_.element(source_type);
  llvm::Value* source = LowerExpr(e.rhs);
  llvm::Value* length = b_.CreateLoad(i64_, source);
  llvm::Value* bytes = b_.CreateShl(b_.CreateAdd(length, llvm::ConstantInt::get(i64_, 1)), 3);
  llvm::Value* out = b_.CreateCall(alloc_, {ctx_arg_, bytes}, "comprehension");
  llvm::Value* count = NewSlot();
  b_.CreateStore(llvm::ConstantInt::get(i64_, 0), count);
  Loop(length, [&](llvm::Value* i) {
    llvm::Value* item = b_.CreateLoad(ValueType(element), ListItemSlot(source, i));
    locals_.push_back({id, e.name, item});
    auto* take = llvm::BasicBlock::Create(ctx_, "take", fn_);
    auto* next = llvm::BasicBlock::Create(ctx_, "next", fn_);
    if (e.third != lang::kNone) {
      b_.CreateCondBr(b_.CreateICmpNE(LowerExpr(e.third), llvm::ConstantInt::get(i64_, 0)), take, next);
    } else {
      b_.CreateBr(take);
    }
    b_.SetInsertPoint(take);
    llvm::Value* n = b_.CreateLoad(i64_, count);
    b_.CreateStore(LowerAs(e.lhs, item_type), ListItemSlot(out, n));
    b_.CreateStore(b_.CreateAdd(n, llvm::ConstantInt::get(i64_, 1)), count);
    b_.CreateBr(next);
    b_.SetInsertPoint(next);
    locals_.pop_back();
  });
  b_.CreateStore(b_.CreateLoad(i64_, count), out);
  return out;
}

llvm::Value* Lowering::IfPresent(llvm::Value* optional, TypeId type,
                                 const std::function<llvm::Value*(llvm::Value*)>& present, llvm::Value* absent) {
  llvm::BasicBlock* start = b_.GetInsertBlock();
  auto* some = llvm::BasicBlock::Create(ctx_, "present", fn_);
  auto* join = llvm::BasicBlock::Create(ctx_, "join", fn_);
  b_.CreateCondBr(b_.CreateIsNull(optional), join, some);
  b_.SetInsertPoint(some);
  TypeId inner = types_.NonOptional(type);
  llvm::Value* value = present(IsWord(inner) ? b_.CreateLoad(i64_, optional) : optional);
  llvm::BasicBlock* some_end = b_.GetInsertBlock();
  b_.CreateBr(join);
  b_.SetInsertPoint(join);
  llvm::PHINode* phi = b_.CreatePHI(ptr_, 2);
  phi->addIncoming(absent != nullptr ? absent : llvm::ConstantPointerNull::get(ptr_), start);
  phi->addIncoming(value, some_end);
  return phi;
}

llvm::Value* Lowering::LowerSafeCall(ExprId id, const lang::Expr& e) {
  const SymbolRef& ref = m_->expr_refs[id];
  const lang::Expr& callee = tree_->exprs[e.lhs];
  TypeId object_type = TypeOf(callee.lhs);
  TypeId result = TypeOf(id);
  if (object_type == TypeTable::kNull) return llvm::ConstantPointerNull::get(ptr_);
  TypeId base = types_.NonOptional(object_type);
  auto call = [&](llvm::Value* object) -> llvm::Value* {
    if (ref.kind == SymbolRef::Kind::kCopy) return Coerce(LowerCopy(e, object, ref.type), ref.type, result);
    if (ref.kind != SymbolRef::Kind::kFunction) return NotYet(e);
    const FunctionInfo& fn = program_.module(ref.module).functions[ref.index];
    TypeId value_type = TypeTable::kError;
    llvm::Value* value = CallFunction(id, e, fn, object, base, &value_type);
    return Coerce(value, value_type, result);
  };
  llvm::Value* object = LowerExpr(callee.lhs);
  if (!types_.Is(object_type, TypeKind::kOptional)) return call(object);
  return IfPresent(object, object_type, call);
}

llvm::Value* Lowering::LowerRef(const SymbolRef& cell) {
  const CheckedModule& owner = program_.module(cell.module);
  std::string name(owner.cells[cell.index].name);
  return StringConstant(owner.path.empty() ? name : owner.path + "." + name);
}

llvm::Value* Lowering::ReadRef(llvm::Value* ref, TypeId target, const lang::Expr& at) {
  // The runtime follows the reference (it fails the context, with this
  // range, when it cannot).
  auto* i32 = llvm::Type::getInt32Ty(ctx_);
  llvm::FunctionCallee read = Declare("clive_rt_ref_read", llvm::Type::getInt1Ty(ctx_), {ptr_, ptr_, ptr_, i32, i32, i32});
  llvm::Value* out = NewSlot();
  PropagateFailure(b_.CreateCall(read, {ctx_arg_, ref, out, llvm::ConstantInt::get(i32, m_->id),
                                        llvm::ConstantInt::get(i32, at.range.begin),
                                        llvm::ConstantInt::get(i32, at.range.end)}));
  return b_.CreateLoad(ValueType(target), out);
}

}  // namespace clive::compiler
