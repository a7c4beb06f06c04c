// Lowering: operators, control flow, strings, lists, optionals (lowering.h).
#include <bit>

#include "clive/lang/units.h"
#include "llvm/IR/Intrinsics.h"
#include "lowering.h"

namespace clive::compiler {

using lang::ExprKind;
using lang::kNone;

llvm::Value* Lowering::LowerExpr(ExprId id) {
  const lang::Expr& e = tree_->exprs[id];
  switch (e.kind) {
    case ExprKind::kInt:
    case ExprKind::kBool: return llvm::ConstantInt::get(i64_, e.int_value, true);
    case ExprKind::kQuantity: {
      int64_t factor = *lang::UnitFactor(e.name);
      int64_t value = e.is_float ? static_cast<int64_t>(e.float_value * static_cast<double>(factor))
                                 : e.int_value * factor;
      return llvm::ConstantInt::get(i64_, value, true);
    }
    case ExprKind::kString: return StringConstant(tree_->strings[e.string_index]);
    case ExprKind::kNull: return llvm::ConstantPointerNull::get(ptr_);
    case ExprKind::kInterpolation: return LowerInterpolation(e);
    case ExprKind::kName: return LowerName(id, e);
    case ExprKind::kMember: return LowerMember(id, e);
    case ExprKind::kCall: return LowerCall(id, e);
    case ExprKind::kBuilder: return LowerBuilder(id, e);
    case ExprKind::kUnary: return LowerUnary(id, e);
    case ExprKind::kBinary: return LowerBinary(id, e);
    case ExprKind::kIf: return LowerIf(id, e);
    case ExprKind::kWhen: return LowerWhen(id, e);
    case ExprKind::kList: return LowerList(id, e);
    case ExprKind::kIndex: return LowerIndex(id, e);
    case ExprKind::kFloat: return llvm::ConstantInt::get(i64_, std::bit_cast<uint64_t>(e.float_value));
    case ExprKind::kMap: return LowerMap(id, e);
    case ExprKind::kLambda: return LowerLambda(id, e);
    case ExprKind::kComprehension: return LowerComprehension(id, e);
    case ExprKind::kError: break;  // the checker reported it
  }
  return NotYet(e);
}

llvm::Value* Lowering::LowerAs(ExprId id, TypeId to) { return Coerce(LowerExpr(id), TypeOf(id), to); }

llvm::Value* Lowering::Coerce(llvm::Value* value, TypeId from, TypeId to) {
  if (from == to || to == TypeTable::kError || from == TypeTable::kError || from == TypeTable::kNull) return value;
  if (types_.Is(to, TypeKind::kOptional)) {
    TypeId inner = types_.element(to);
    if (types_.Is(from, TypeKind::kOptional)) {
      if (!NeedsConversion(types_.element(from), inner)) return value;  // same representation
      return IfPresent(value, from, [&](llvm::Value* v) { return Coerce(v, types_.element(from), to); });
    }
    value = Coerce(value, from, inner);
    if (!IsWord(inner)) return value;  // a pointer is its own optional
    return NewWords({value}, "box");  // an i64 in an optional lives in a box
  }
  if (!NeedsConversion(from, to)) return value;
  // Collections are covariant: convert their items (List<Int> as List<Int?>).
  if (types_.Is(to, TypeKind::kList)) {
    TypeId item_from = types_.element(from), item_to = types_.element(to);
    return BuildList(b_.CreateLoad(i64_, value), [&](llvm::Value* i) {
      llvm::Value* item = b_.CreateLoad(ValueType(item_from), ListItemSlot(value, i));
      return Coerce(item, item_from, item_to);
    });
  }
  // Maps: the same keys, values converted; {length, key, value, ...}.
  TypeId value_from = types_.value(from), value_to = types_.value(to);
  llvm::Value* length = b_.CreateLoad(i64_, value);
  llvm::Value* pairs = BuildList(b_.CreateShl(length, 1), [&](llvm::Value* i) -> llvm::Value* {
    llvm::Value* word = b_.CreateLoad(i64_, ListItemSlot(value, i));
    auto* key_block = b_.GetInsertBlock();
    auto* value_block = llvm::BasicBlock::Create(ctx_, "map.value", fn_);
    auto* join = llvm::BasicBlock::Create(ctx_, "map.item", fn_);
    b_.CreateCondBr(b_.CreateTrunc(i, b_.getInt1Ty()), value_block, join);
    b_.SetInsertPoint(value_block);
    llvm::Value* converted = AsWord(Coerce(FromWord(word, value_from), value_from, value_to));
    auto* value_end = b_.GetInsertBlock();
    b_.CreateBr(join);
    b_.SetInsertPoint(join);
    llvm::PHINode* phi = b_.CreatePHI(i64_, 2);
    phi->addIncoming(word, key_block);
    phi->addIncoming(converted, value_end);
    return phi;
  });
  b_.CreateStore(length, pairs);  // the list's length was 2n; a map's is n
  return pairs;
}

llvm::Value* Lowering::LowerName(ExprId id, const lang::Expr& e) {
  const SymbolRef& ref = m_->expr_refs[id];
  switch (ref.kind) {
    case SymbolRef::Kind::kCell: return LoadCell(ref, e.name);
    case SymbolRef::Kind::kLocal:
      for (auto it = locals_.rbegin(); it != locals_.rend(); ++it) {
        if (it->index == ref.index && it->name == e.name) return it->value;
      }
      break;
    case SymbolRef::Kind::kFunction: return FunctionValue(program_.module(ref.module).functions[ref.index], e);
    case SymbolRef::Kind::kParam:
      if (!frames_.empty() && ref.index < frames_.back().params.size() && frames_.back().params[ref.index]) {
        return frames_.back().params[ref.index];
      }
      break;
    case SymbolRef::Kind::kThis:
      if (!frames_.empty() && frames_.back().self != nullptr) return frames_.back().self;
      break;
    case SymbolRef::Kind::kField:  // a field of `this`, by its bare name
      if (!frames_.empty() && frames_.back().self != nullptr) {
        llvm::Value* field = b_.CreateConstInBoundsGEP1_64(i64_, frames_.back().self, ref.index);
        return b_.CreateLoad(ValueType(TypeOf(id)), field, std::string(e.name));
      }
      break;
    case SymbolRef::Kind::kBuilderField:
      for (auto it = builders_.rbegin(); it != builders_.rend(); ++it) {
        if (it->record == ref.type && it->values[ref.index] != nullptr) return it->values[ref.index];
      }
      break;
    default: break;
  }
  return NotYet(e);
}

llvm::Value* Lowering::LowerMember(ExprId id, const lang::Expr& e) {
  const SymbolRef& ref = m_->expr_refs[id];
  if (ref.kind == SymbolRef::Kind::kCell) return LoadCell(ref, e.name);
  if (ref.kind == SymbolRef::Kind::kEnumCase) return llvm::ConstantInt::get(i64_, ref.index);
  TypeId object_type = TypeOf(e.lhs);
  TypeId base = types_.NonOptional(object_type);
  llvm::Value* object = LowerExpr(e.lhs);
  if (!e.safe || !types_.Is(object_type, TypeKind::kOptional)) {
    if (object_type == TypeTable::kNull) return llvm::ConstantPointerNull::get(ptr_);
    llvm::Value* value = Member(object, base, ref, e.name, e);
    if (value == nullptr) return NotYet(e);
    return e.safe ? Coerce(value, types_.NonOptional(TypeOf(id)), TypeOf(id)) : value;
  }
  // a?.b: null when a is null, else b (boxed when it is a word).
  TypeId result = TypeOf(id);
  return IfPresent(object, object_type, [&](llvm::Value* present) -> llvm::Value* {
    llvm::Value* value = Member(present, base, ref, e.name, e);
    if (value == nullptr) return NotYet(e);
    return Coerce(value, types_.NonOptional(result), result);
  });
}

llvm::Value* Lowering::Member(llvm::Value* object, TypeId base, const SymbolRef& ref, std::string_view name,
                              const lang::Expr& at) {
  auto is_empty = [&](llvm::Value* length) { return Bool(b_.CreateICmpEQ(length, llvm::ConstantInt::get(i64_, 0))); };
  switch (types_.kind(base)) {
    case TypeKind::kRecord: {
      if (ref.kind != SymbolRef::Kind::kField) return nullptr;
      TypeId field_type = types_.record(base).fields[ref.index].type;
      return b_.CreateLoad(ValueType(field_type), b_.CreateConstInBoundsGEP1_64(i64_, object, ref.index),
                           std::string(name));
    }
    case TypeKind::kList:
    case TypeKind::kString:
    case TypeKind::kMap: {
      llvm::Value* length = b_.CreateLoad(i64_, object);  // every one starts with its length
      if (name == "size" || name == "length") return length;
      if (name == "isEmpty") return is_empty(length);
      if (types_.Is(base, TypeKind::kMap) && (name == "keys" || name == "values")) {
        return MapColumn(object, name == "values");
      }
      return nullptr;
    }
    case TypeKind::kRef:
      if (name == "value") return ReadRef(object, types_.element(base), at);
      return nullptr;
    default: return nullptr;
  }
}

llvm::Value* Lowering::Checked(llvm::Intrinsic::ID intrinsic, llvm::Value* l, llvm::Value* r, ExprId at) {
  llvm::Value* pair = b_.CreateBinaryIntrinsic(intrinsic, l, r);
  FailIf(b_.CreateExtractValue(pair, 1), abi::RuntimeError::kIntegerOverflow, at);
  return b_.CreateExtractValue(pair, 0);
}

llvm::Value* Lowering::LowerUnary(ExprId id, const lang::Expr& e) {
  if (TypeOf(e.lhs) == TypeTable::kFloat) return LowerFloatUnary(e);
  llvm::Value* operand = LowerExpr(e.lhs);
  if (static_cast<lang::UnaryOp>(e.op) == lang::UnaryOp::kNot) {
    return b_.CreateXor(operand, llvm::ConstantInt::get(i64_, 1));
  }
  return Checked(llvm::Intrinsic::ssub_with_overflow, llvm::ConstantInt::get(i64_, 0), operand, id);
}

llvm::Value* Lowering::LowerBinary(ExprId id, const lang::Expr& e) {
  using lang::BinaryOp;
  auto op = static_cast<BinaryOp>(e.op);
  if (op == BinaryOp::kAnd || op == BinaryOp::kOr) return LowerShortCircuit(op, e);
  if (op == BinaryOp::kElvis) return LowerElvis(id, e);
  TypeId lt = TypeOf(e.lhs), rt = TypeOf(e.rhs);
  if (op == BinaryOp::kEq || op == BinaryOp::kNe) {
    if (lt == TypeTable::kNull || rt == TypeTable::kNull) {  // `x == null`: no need to look inside
      llvm::Value* value = LowerExpr(lt == TypeTable::kNull ? e.rhs : e.lhs);
      llvm::Value* is_null = b_.CreateIsNull(value);
      return Bool(op == BinaryOp::kEq ? is_null : b_.CreateNot(is_null));
    }
    if (lt != rt || !IsWord(lt) || lt == TypeTable::kFloat) {
      llvm::Value* l = LowerExpr(e.lhs);
      llvm::Value* equal = EqualMixed(l, lt, LowerExpr(e.rhs), rt);
      return Bool(op == BinaryOp::kEq ? equal : b_.CreateNot(equal));
    }
  }
  llvm::Value* l = LowerExpr(e.lhs);
  llvm::Value* r = LowerExpr(e.rhs);
  if (lt == TypeTable::kFloat) return LowerFloatBinary(op, l, r);
  if (types_.Is(lt, TypeKind::kList)) return b_.CreateCall(list_concat_, {ctx_arg_, l, r});  // only `+`
  if (types_.Is(lt, TypeKind::kMap)) return MapPlus(l, r, lt);  // only `+`
  if (lt == TypeTable::kString) return LowerStringBinary(op, l, r);
  if (!IsWord(lt)) return NotYet(e);
  switch (op) {
    case BinaryOp::kAdd: return Checked(llvm::Intrinsic::sadd_with_overflow, l, r, id);
    case BinaryOp::kSub: return Checked(llvm::Intrinsic::ssub_with_overflow, l, r, id);
    case BinaryOp::kMul: return Checked(llvm::Intrinsic::smul_with_overflow, l, r, id);
    case BinaryOp::kDiv:
    case BinaryOp::kRem: {
      // A constant divisor needs no check, or only one.
      auto* constant = llvm::dyn_cast<llvm::ConstantInt>(r);
      if (constant == nullptr || constant->isZero()) {
        FailIf(b_.CreateICmpEQ(r, llvm::ConstantInt::get(i64_, 0)), abi::RuntimeError::kDivisionByZero, e.rhs);
      }
      if (constant == nullptr || constant->isMinusOne()) {
        llvm::Value* min_by_minus_one = b_.CreateAnd(b_.CreateICmpEQ(l, llvm::ConstantInt::get(i64_, INT64_MIN, true)),
                                                     b_.CreateICmpEQ(r, llvm::ConstantInt::get(i64_, -1, true)));
        FailIf(min_by_minus_one, abi::RuntimeError::kIntegerOverflow, id);
      }
      return op == BinaryOp::kDiv ? b_.CreateSDiv(l, r) : b_.CreateSRem(l, r);
    }
    case BinaryOp::kEq: return Bool(b_.CreateICmpEQ(l, r));
    case BinaryOp::kNe: return Bool(b_.CreateICmpNE(l, r));
    case BinaryOp::kLt: return Bool(b_.CreateICmpSLT(l, r));
    case BinaryOp::kLe: return Bool(b_.CreateICmpSLE(l, r));
    case BinaryOp::kGt: return Bool(b_.CreateICmpSGT(l, r));
    case BinaryOp::kGe: return Bool(b_.CreateICmpSGE(l, r));
    default: break;
  }
  return NotYet(e);
}

llvm::Value* Lowering::LowerStringBinary(lang::BinaryOp op, llvm::Value* l, llvm::Value* r) {
  using lang::BinaryOp;
  if (op == BinaryOp::kAdd) return b_.CreateCall(concat_, {ctx_arg_, l, r});
  if (op == BinaryOp::kEq) return b_.CreateCall(str_equal_, {l, r});
  if (op == BinaryOp::kNe) return b_.CreateXor(b_.CreateCall(str_equal_, {l, r}), 1);
  llvm::Value* cmp = b_.CreateCall(str_compare_, {l, r});
  llvm::Value* zero = llvm::ConstantInt::get(i64_, 0);
  switch (op) {
    case BinaryOp::kLt: return Bool(b_.CreateICmpSLT(cmp, zero));
    case BinaryOp::kLe: return Bool(b_.CreateICmpSLE(cmp, zero));
    case BinaryOp::kGt: return Bool(b_.CreateICmpSGT(cmp, zero));
    default: return Bool(b_.CreateICmpSGE(cmp, zero));
  }
}

llvm::Value* Lowering::LowerShortCircuit(lang::BinaryOp op, const lang::Expr& e) {
  llvm::Value* l = LowerExpr(e.lhs);
  llvm::BasicBlock* lhs_end = b_.GetInsertBlock();
  auto* rhs_block = llvm::BasicBlock::Create(ctx_, "rhs", fn_);
  auto* join = llvm::BasicBlock::Create(ctx_, "join", fn_);
  llvm::Value* is_true = b_.CreateICmpNE(l, llvm::ConstantInt::get(i64_, 0));
  if (op == lang::BinaryOp::kAnd) {
    b_.CreateCondBr(is_true, rhs_block, join);
  } else {
    b_.CreateCondBr(is_true, join, rhs_block);
  }
  b_.SetInsertPoint(rhs_block);
  llvm::Value* r = LowerExpr(e.rhs);
  llvm::BasicBlock* rhs_end = b_.GetInsertBlock();
  b_.CreateBr(join);
  b_.SetInsertPoint(join);
  llvm::PHINode* phi = b_.CreatePHI(i64_, 2);
  phi->addIncoming(l, lhs_end);
  phi->addIncoming(r, rhs_end);
  return phi;
}

llvm::Value* Lowering::LowerElvis(ExprId id, const lang::Expr& e) {
  TypeId result = TypeOf(id);
  TypeId lt = TypeOf(e.lhs);
  llvm::Value* l = LowerExpr(e.lhs);
  if (lt == TypeTable::kNull) return LowerAs(e.rhs, result);
  if (!types_.Is(lt, TypeKind::kOptional)) return Coerce(l, lt, result);
  llvm::BasicBlock* start = b_.GetInsertBlock();
  auto* absent = llvm::BasicBlock::Create(ctx_, "absent", fn_);
  auto* present = llvm::BasicBlock::Create(ctx_, "present", fn_);
  auto* join = llvm::BasicBlock::Create(ctx_, "join", fn_);
  b_.CreateCondBr(b_.CreateIsNull(l), absent, present);
  (void)start;
  b_.SetInsertPoint(present);
  TypeId inner = types_.element(lt);
  llvm::Value* value = l;
  if (!types_.Is(result, TypeKind::kOptional) && IsWord(inner)) value = b_.CreateLoad(i64_, l);  // unbox
  if (types_.Is(result, TypeKind::kOptional)) value = Coerce(value, lt, result);
  llvm::BasicBlock* present_end = b_.GetInsertBlock();
  b_.CreateBr(join);
  b_.SetInsertPoint(absent);
  llvm::Value* fallback = LowerAs(e.rhs, result);
  llvm::BasicBlock* absent_end = b_.GetInsertBlock();
  b_.CreateBr(join);
  b_.SetInsertPoint(join);
  llvm::PHINode* phi = b_.CreatePHI(ValueType(result), 2);
  phi->addIncoming(value, present_end);
  phi->addIncoming(fallback, absent_end);
  return phi;
}

llvm::Value* Lowering::LowerIf(ExprId id, const lang::Expr& e) {
  TypeId result = TypeOf(id);
  llvm::Value* cond = b_.CreateICmpNE(LowerExpr(e.lhs), llvm::ConstantInt::get(i64_, 0));
  auto* then_block = llvm::BasicBlock::Create(ctx_, "then", fn_);
  auto* else_block = llvm::BasicBlock::Create(ctx_, "else", fn_);
  auto* join = llvm::BasicBlock::Create(ctx_, "join", fn_);
  b_.CreateCondBr(cond, then_block, else_block);
  b_.SetInsertPoint(then_block);
  llvm::Value* then_value = LowerAs(e.rhs, result);
  llvm::BasicBlock* then_end = b_.GetInsertBlock();
  b_.CreateBr(join);
  b_.SetInsertPoint(else_block);
  llvm::Value* else_value = LowerAs(e.third, result);
  llvm::BasicBlock* else_end = b_.GetInsertBlock();
  b_.CreateBr(join);
  b_.SetInsertPoint(join);
  llvm::PHINode* phi = b_.CreatePHI(ValueType(result), 2);
  phi->addIncoming(then_value, then_end);
  phi->addIncoming(else_value, else_end);
  return phi;
}

llvm::Value* Lowering::LowerWhen(ExprId id, const lang::Expr& e) {
  TypeId result = TypeOf(id);
  TypeId subject_type = e.lhs == kNone ? TypeTable::kError : TypeOf(e.lhs);
  llvm::Value* subject = e.lhs == kNone ? nullptr : LowerExpr(e.lhs);
  auto* join = llvm::BasicBlock::Create(ctx_, "when.end", fn_);
  std::vector<std::pair<llvm::Value*, llvm::BasicBlock*>> incoming;
  for (uint32_t b = e.list.first; b < e.list.end(); ++b) {
    const lang::WhenBranch& branch = tree_->when_branches[b];
    bool last = b + 1 == e.list.end();
    auto* body = llvm::BasicBlock::Create(ctx_, "when.branch", fn_);
    auto* next = last ? nullptr : llvm::BasicBlock::Create(ctx_, "when.next", fn_);
    if (branch.conditions.count == 0 || last) {
      // `else`, or the last branch of an exhaustive `when` (the checker
      // proved one branch matches).
      b_.CreateBr(body);
    } else {
      llvm::Value* matched = b_.getFalse();
      for (uint32_t c = branch.conditions.first; c < branch.conditions.end(); ++c) {
        ExprId cond = tree_->expr_lists[c];
        llvm::Value* test = subject == nullptr ? b_.CreateICmpNE(LowerExpr(cond), llvm::ConstantInt::get(i64_, 0))
                                               : EqualMixed(subject, subject_type, LowerExpr(cond), TypeOf(cond));
        matched = b_.CreateOr(matched, test);
      }
      b_.CreateCondBr(matched, body, next);
    }
    b_.SetInsertPoint(body);
    llvm::Value* value = LowerAs(branch.value, result);
    incoming.emplace_back(value, b_.GetInsertBlock());
    b_.CreateBr(join);
    if (next != nullptr) b_.SetInsertPoint(next);
    if (branch.conditions.count == 0) break;
  }
  b_.SetInsertPoint(join);
  llvm::PHINode* phi = b_.CreatePHI(ValueType(result), static_cast<unsigned>(incoming.size()));
  for (auto [value, block] : incoming) phi->addIncoming(value, block);
  return phi;
}

llvm::Value* Lowering::NewList(const std::vector<llvm::Value*>& items) {
  std::vector<llvm::Value*> words = {llvm::ConstantInt::get(i64_, items.size())};
  words.insert(words.end(), items.begin(), items.end());
  return NewWords(words, "list");
}

llvm::Value* Lowering::LowerList(ExprId id, const lang::Expr& e) {
  TypeId element = types_.element(TypeOf(id));
  std::vector<llvm::Value*> items;
  for (uint32_t i = e.list.first; i < e.list.end(); ++i) items.push_back(LowerAs(tree_->expr_lists[i], element));
  return NewList(items);
}

llvm::Value* Lowering::LowerIndex(ExprId id, const lang::Expr& e) {
  TypeId object_type = TypeOf(e.lhs);
  if (types_.Is(object_type, TypeKind::kMap)) {
    llvm::Value* map = LowerExpr(e.lhs);
    return MapLookup(map, LowerAs(e.rhs, types_.key(object_type)), object_type);
  }
  llvm::Value* list = LowerExpr(e.lhs);
  llvm::Value* index = LowerExpr(e.rhs);
  llvm::Value* length = b_.CreateLoad(i64_, list);
  // One unsigned compare catches negative indices too.
  FailIf(b_.CreateICmpUGE(index, length), abi::RuntimeError::kIndexOutOfRange, id);
  llvm::Value* slot = b_.CreateInBoundsGEP(i64_, list, b_.CreateAdd(index, llvm::ConstantInt::get(i64_, 1)));
  return b_.CreateLoad(ValueType(TypeOf(id)), slot);
}

llvm::Value* Lowering::LowerInterpolation(const lang::Expr& e) {
  std::vector<llvm::Value*> pieces;
  for (uint32_t i = e.list.first; i < e.list.end(); ++i) {
    ExprId part = tree_->expr_lists[i];
    pieces.push_back(ToText(LowerExpr(part), TypeOf(part)));
  }
  if (pieces.empty()) return StringConstant("");
  if (pieces.size() == 1) return pieces[0];
  if (pieces.size() == 2) return b_.CreateCall(concat_, {ctx_arg_, pieces[0], pieces[1]});
  // One call for all the pieces (fewer calls compile faster, and the text is
  // copied once), from an array in the frame.
  llvm::IRBuilder<> entry(&fn_->getEntryBlock(), fn_->getEntryBlock().begin());
  llvm::Value* parts = entry.CreateAlloca(ptr_, llvm::ConstantInt::get(i64_, pieces.size()));
  for (size_t i = 0; i < pieces.size(); ++i) b_.CreateStore(pieces[i], b_.CreateConstInBoundsGEP1_64(ptr_, parts, i));
  llvm::FunctionCallee concat_n = Declare("clive_rt_string_concat_n", ptr_, {ptr_, ptr_, i64_});
  return b_.CreateCall(concat_n, {ctx_arg_, parts, llvm::ConstantInt::get(i64_, pieces.size())});
}

llvm::Value* Lowering::StringConstant(const std::string& text) {
  if (auto it = strings_.find(text); it != strings_.end()) return it->second;
  auto* bytes = llvm::ConstantDataArray::getString(ctx_, text, /*AddNull=*/false);
  auto* type = llvm::StructType::get(ctx_, {i64_, bytes->getType()});
  auto* init = llvm::ConstantStruct::get(type, {llvm::ConstantInt::get(i64_, text.size()), bytes});
  // The module owns its globals; getOrInsertGlobal creates them in place.
  auto* global = llvm::cast<llvm::GlobalVariable>(module_->getOrInsertGlobal("str." + std::to_string(strings_.size()), type));
  global->setInitializer(init);
  global->setConstant(true);
  global->setLinkage(llvm::GlobalValue::PrivateLinkage);
  global->setUnnamedAddr(llvm::GlobalValue::UnnamedAddr::Global);
  global->setAlignment(llvm::Align(8));
  strings_[text] = global;
  return global;
}

}  // namespace clive::compiler
