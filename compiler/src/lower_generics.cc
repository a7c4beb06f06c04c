// Lowering: generic functions by monomorphization (lowering.h explains why).
#include "lowering.h"

namespace clive::compiler {

using lang::kNone;

TypeId Lowering::Substitute(TypeId type, const Substitution& subst) {
  return subst.empty() ? type : types_.Substitute(type, subst);
}

void Lowering::Unify(TypeId pattern, TypeId actual, Substitution& subst) {
  if (actual == TypeTable::kError) return;
  switch (types_.kind(pattern)) {
    case TypeKind::kTypeParam: {
      // `null` says least about T: a later argument may tell more.
      auto [it, added] = subst.emplace(pattern, actual);
      if (!added && it->second == TypeTable::kNull) it->second = actual;
      return;
    }
    case TypeKind::kOptional:
      if (actual == TypeTable::kNull) return;
      Unify(types_.element(pattern), types_.NonOptional(actual), subst);
      return;
    case TypeKind::kList:
    case TypeKind::kRef:
      if (types_.kind(actual) == types_.kind(pattern)) Unify(types_.element(pattern), types_.element(actual), subst);
      return;
    case TypeKind::kMap:
      if (!types_.Is(actual, TypeKind::kMap)) return;
      Unify(types_.key(pattern), types_.key(actual), subst);
      Unify(types_.value(pattern), types_.value(actual), subst);
      return;
    case TypeKind::kFunction: {
      if (!types_.Is(actual, TypeKind::kFunction)) return;
      const std::vector<TypeId> params = types_.params(pattern), actual_params = types_.params(actual);
      for (size_t p = 0; p < params.size() && p < actual_params.size(); ++p) Unify(params[p], actual_params[p], subst);
      Unify(types_.result(pattern), types_.result(actual), subst);
      return;
    }
    default: return;
  }
}

Lowering::Substitution Lowering::InferTypeArguments(ExprId call, const lang::Expr& e, const FunctionInfo& fn,
                                                    TypeId receiver) {
  Substitution subst;
  if (fn.type_params.empty()) return subst;
  if (fn.receiver != TypeTable::kError && receiver != TypeTable::kError) {
    Unify(fn.receiver, types_.NonOptional(receiver), subst);
  }
  std::vector<ExprId> bound = BoundArguments(e, fn);
  for (size_t p = 0; p < bound.size(); ++p) {
    if (bound[p] != kNone) Unify(fn.params[p].type, TypeOf(bound[p]), subst);
  }
  const lang::Expr& callee = tree_->exprs[e.lhs == kNone ? call : e.lhs];
  bool safe = callee.kind == lang::ExprKind::kMember && callee.safe;
  if (!safe) Unify(fn.result, TypeOf(call), subst);
  // A parameter that nothing fixed (`[]` into List<T>) is any word.
  for (TypeId t : fn.type_params) subst.emplace(t, TypeTable::kInt);
  return subst;
}

llvm::Function* Lowering::GetInstance(const FunctionInfo& fn, const Substitution& subst) {
  const CheckedModule& owner = program_.module(fn.module);
  auto index = static_cast<uint32_t>(&fn - owner.functions.data());
  std::vector<TypeId> arguments;
  for (TypeId t : fn.type_params) arguments.push_back(subst.at(t));
  auto key = std::make_tuple(fn.module, index, arguments);
  if (auto it = instances_.find(key); it != instances_.end()) return it->second;
  // i1 f(ptr ctx, ptr out, [this], params...), as GetFunction's.
  std::vector<llvm::Type*> params = {ptr_, ptr_};
  if (fn.receiver != TypeTable::kError) params.push_back(ValueType(Substitute(fn.receiver, subst)));
  for (const FunctionParam& p : fn.params) params.push_back(ValueType(Substitute(p.type, subst)));
  auto* type = llvm::FunctionType::get(llvm::Type::getInt1Ty(ctx_), params, false);
  std::string name = "fn." + (owner.path.empty() ? std::string("_root") : owner.path) + "." + std::string(fn.name) +
                     "." + std::to_string(index) + "<";
  for (size_t t = 0; t < arguments.size(); ++t) name += (t ? "," : "") + types_.Name(arguments[t]);
  name += ">";
  auto* function = llvm::Function::Create(type, llvm::GlobalValue::InternalLinkage, name, *module_);
  instances_[key] = function;
  pending_bodies_.push_back({&fn, function, subst});
  return function;
}

}  // namespace clive::compiler
