// Lowering: the prelude's @builtin functions (stdlib/clive/prelude/clive.cl),
// inline or as calls of the runtime ABI (lowering.h).
#include "lowering.h"

namespace clive::compiler {

llvm::Value* Lowering::LowerBuiltin(const FunctionInfo& fn, const Substitution& subst, llvm::Value* self,
                                    const std::vector<llvm::Value*>& args, const lang::Expr& at) {
  std::string_view name = fn.name;
  TypeId receiver = fn.receiver == TypeTable::kError ? TypeTable::kError : Substitute(fn.receiver, subst);
  llvm::Value* arg = args.empty() ? nullptr : args[0];
  auto* i1 = llvm::Type::getInt1Ty(ctx_);
  // A runtime call that may fail (it runs closures): i1 f(ctx, out, ...).
  auto fallible = [&](const char* function, std::vector<llvm::Value*> call_args, llvm::Type* result) {
    std::vector<llvm::Type*> params = {ptr_, ptr_};
    for (llvm::Value* a : call_args) params.push_back(a->getType());
    llvm::Value* out = NewSlot();
    call_args.insert(call_args.begin(), {ctx_arg_, out});
    PropagateFailure(b_.CreateCall(Declare(function, i1, params), call_args));
    return b_.CreateLoad(result, out);
  };
  auto runtime = [&](const char* function, llvm::Type* result, std::vector<llvm::Value*> call_args) {
    std::vector<llvm::Type*> params;
    for (llvm::Value* a : call_args) params.push_back(a->getType());
    return b_.CreateCall(Declare(function, result, params), call_args);
  };

  if (receiver == TypeTable::kError) {
    if (name == "path") return arg;  // a Path is its text
    if (name == "require") {
      // A false condition fails the evaluation with the message, at the call.
      auto* fail = llvm::BasicBlock::Create(ctx_, "require.failed", fn_);
      auto* ok = llvm::BasicBlock::Create(ctx_, "require.ok", fn_);
      b_.CreateCondBr(b_.CreateICmpNE(args[0], llvm::ConstantInt::get(i64_, 0)), ok, fail);
      b_.SetInsertPoint(fail);
      auto* i32 = llvm::Type::getInt32Ty(ctx_);
      std::vector<llvm::Value*> failure;
      for (uint32_t part : {static_cast<uint32_t>(abi::RuntimeError::kRequirementFailed), m_->id, at.range.begin,
                            at.range.end}) {
        failure.push_back(llvm::ConstantInt::get(i32, part));
      }
      runtime("clive_rt_require_failed", llvm::Type::getVoidTy(ctx_),
              {ctx_arg_, ConstantWords(failure, "failure"), args[1]});
      b_.CreateRet(b_.getFalse());
      b_.SetInsertPoint(ok);
      return llvm::ConstantInt::get(i64_, 1);
    }
    if (name == "min" || name == "max") {
      llvm::Value* less = b_.CreateICmpSLT(args[0], args[1]);
      return name == "min" ? b_.CreateSelect(less, args[0], args[1]) : b_.CreateSelect(less, args[1], args[0]);
    }
    return NotYet(at);
  }
  switch (types_.kind(receiver)) {
    case TypeKind::kList: {
      TypeId element = types_.element(receiver);
      if (name == "filter") return fallible("clive_rt_list_filter", {self, arg}, ptr_);
      if (name == "map") return fallible("clive_rt_list_map", {self, arg}, ptr_);
      if (name == "any" || name == "all") {
        return fallible("clive_rt_list_any", {self, arg, llvm::ConstantInt::get(i64_, name == "all")}, i64_);
      }
      if (name == "contains") {
        return runtime("clive_rt_list_contains", i64_, {self, AsWord(arg), EqualFunction(element)});
      }
      if (name == "plus") return b_.CreateCall(list_concat_, {ctx_arg_, self, arg});
      if (name == "first" || name == "last") {
        llvm::Value* length = b_.CreateLoad(i64_, self);
        llvm::Value* index = name == "first" ? llvm::ConstantInt::get(i64_, 0)
                                             : b_.CreateSub(length, llvm::ConstantInt::get(i64_, 1));
        llvm::Value* slot = b_.CreateSelect(b_.CreateICmpEQ(length, llvm::ConstantInt::get(i64_, 0)),
                                            llvm::ConstantPointerNull::get(ptr_), ListItemSlot(self, index));
        return SlotAsOptional(slot, element);
      }
      if (name == "joinToString") {
        llvm::Value* texts = BuildList(b_.CreateLoad(i64_, self), [&](llvm::Value* i) {
          return ToText(b_.CreateLoad(ValueType(element), ListItemSlot(self, i)), element);
        });
        return runtime("clive_rt_string_join", ptr_, {ctx_arg_, texts, arg});
      }
      break;
    }
    case TypeKind::kMap:
      if (name == "get") return MapLookup(self, arg, receiver);
      if (name == "containsKey") return Bool(MapContains(self, arg, receiver));
      if (name == "plus") return MapPlus(self, arg, receiver);
      break;
    case TypeKind::kString: {
      if (name == "uppercase" || name == "lowercase") {
        return runtime("clive_rt_string_case", ptr_, {ctx_arg_, self, llvm::ConstantInt::get(i64_, name == "uppercase")});
      }
      int test = name == "startsWith" ? 0 : name == "endsWith" ? 1 : name == "contains" ? 2 : -1;
      if (test >= 0) return runtime("clive_rt_string_test", i64_, {self, arg, llvm::ConstantInt::get(i64_, test)});
      if (name == "split") return runtime("clive_rt_string_split", ptr_, {ctx_arg_, self, arg});
      break;
    }
    default: break;
  }
  return NotYet(at);  // a @builtin the runtime does not implement
}

}  // namespace clive::compiler
