// Lowering: floats, structural equality and ordering, text, loops, constant
// globals (lowering.h).
#include "llvm/IR/MDBuilder.h"
#include "lowering.h"

namespace clive::compiler {

// --- floats: IEEE doubles carried as their bits in an i64 (abi.h) ---

llvm::Value* Lowering::LowerFloatUnary(const lang::Expr& e) {
  llvm::Value* d = b_.CreateBitCast(LowerExpr(e.lhs), b_.getDoubleTy());
  return b_.CreateBitCast(b_.CreateFNeg(d), i64_);
}

llvm::Value* Lowering::LowerFloatBinary(lang::BinaryOp op, llvm::Value* l, llvm::Value* r) {
  using lang::BinaryOp;
  llvm::Value* a = b_.CreateBitCast(l, b_.getDoubleTy());
  llvm::Value* c = b_.CreateBitCast(r, b_.getDoubleTy());
  auto bits = [&](llvm::Value* d) { return b_.CreateBitCast(d, i64_); };
  switch (op) {
    case BinaryOp::kAdd: return bits(b_.CreateFAdd(a, c));
    case BinaryOp::kSub: return bits(b_.CreateFSub(a, c));
    case BinaryOp::kMul: return bits(b_.CreateFMul(a, c));
    case BinaryOp::kDiv: return bits(b_.CreateFDiv(a, c));
    case BinaryOp::kRem: return bits(b_.CreateFRem(a, c));
    case BinaryOp::kEq: return Bool(b_.CreateFCmpOEQ(a, c));
    case BinaryOp::kNe: return Bool(b_.CreateFCmpUNE(a, c));
    case BinaryOp::kLt: return Bool(b_.CreateFCmpOLT(a, c));
    case BinaryOp::kLe: return Bool(b_.CreateFCmpOLE(a, c));
    case BinaryOp::kGt: return Bool(b_.CreateFCmpOGT(a, c));
    default: return Bool(b_.CreateFCmpOGE(a, c));
  }
}

// --- words ---

llvm::Value* Lowering::AsWord(llvm::Value* value) {
  return value->getType()->isPointerTy() ? b_.CreatePtrToInt(value, i64_) : value;
}

llvm::Value* Lowering::FromWord(llvm::Value* word, TypeId type) {
  return IsWord(type) ? word : b_.CreateIntToPtr(word, ptr_);
}

bool Lowering::AllConstant(const std::vector<llvm::Value*>& values) {
  for (llvm::Value* v : values) {
    if (!llvm::isa<llvm::Constant>(v)) return false;
  }
  return true;
}

llvm::Constant* Lowering::ConstantWords(const std::vector<llvm::Value*>& words, const char* name) {
  // A struct of i64s and pointers has the layout of an i64 array.
  std::vector<llvm::Type*> types;
  std::vector<llvm::Constant*> constants;
  for (llvm::Value* w : words) {
    types.push_back(w->getType());
    constants.push_back(llvm::cast<llvm::Constant>(w));
  }
  auto* type = llvm::StructType::get(ctx_, types);
  auto* global = new llvm::GlobalVariable(*module_, type, /*isConstant=*/true, llvm::GlobalValue::PrivateLinkage,
                                          llvm::ConstantStruct::get(type, constants),
                                          std::string("const.") + name);  // owned by module_
  global->setAlignment(llvm::Align(8));
  global->setUnnamedAddr(llvm::GlobalValue::UnnamedAddr::Global);
  return global;
}

llvm::Value* Lowering::NewWords(const std::vector<llvm::Value*>& words, const char* name) {
  if (AllConstant(words)) return ConstantWords(words, name);
  llvm::Value* object = b_.CreateCall(alloc_, {ctx_arg_, llvm::ConstantInt::get(i64_, 8 * words.size())}, name);
  for (size_t w = 0; w < words.size(); ++w) b_.CreateStore(words[w], b_.CreateConstInBoundsGEP1_64(i64_, object, w));
  return object;
}

llvm::Value* Lowering::ListItemSlot(llvm::Value* list, llvm::Value* index) {
  return b_.CreateInBoundsGEP(i64_, list, b_.CreateAdd(index, llvm::ConstantInt::get(i64_, 1)));
}

llvm::Value* Lowering::SlotAsOptional(llvm::Value* slot, TypeId item) {
  // The slot of a word is its box (lists and maps are immutable); a pointer
  // item is loaded.
  if (IsWord(item)) return slot;
  return IfPresent(slot, types_.OptionalOf(TypeTable::kInt), [&](llvm::Value* word) { return b_.CreateIntToPtr(word, ptr_); });
}

void Lowering::Loop(llvm::Value* count, const std::function<void(llvm::Value*)>& body) {
  llvm::BasicBlock* before = b_.GetInsertBlock();
  auto* header = llvm::BasicBlock::Create(ctx_, "loop", fn_);
  auto* inside = llvm::BasicBlock::Create(ctx_, "loop.body", fn_);
  auto* done = llvm::BasicBlock::Create(ctx_, "loop.end", fn_);
  b_.CreateBr(header);
  b_.SetInsertPoint(header);
  llvm::PHINode* i = b_.CreatePHI(i64_, 2, "i");
  i->addIncoming(llvm::ConstantInt::get(i64_, 0), before);
  b_.CreateCondBr(b_.CreateICmpSLT(i, count), inside, done);
  b_.SetInsertPoint(inside);
  body(i);
  llvm::Value* next = b_.CreateAdd(i, llvm::ConstantInt::get(i64_, 1));
  i->addIncoming(next, b_.GetInsertBlock());
  b_.CreateBr(header);
  b_.SetInsertPoint(done);
}

llvm::Value* Lowering::BuildList(llvm::Value* count, const std::function<llvm::Value*(llvm::Value*)>& item) {
  llvm::Value* bytes = b_.CreateShl(b_.CreateAdd(count, llvm::ConstantInt::get(i64_, 1)), 3);
  llvm::Value* list = b_.CreateCall(alloc_, {ctx_arg_, bytes}, "list");
  b_.CreateStore(count, list);
  Loop(count, [&](llvm::Value* i) { b_.CreateStore(item(i), ListItemSlot(list, i)); });
  return list;
}

bool Lowering::NeedsConversion(TypeId from, TypeId to) const {
  if (from == to || from == TypeTable::kError || to == TypeTable::kError || from == TypeTable::kNull) return false;
  switch (types_.kind(to)) {
    case TypeKind::kOptional:
      if (types_.Is(from, TypeKind::kOptional)) return NeedsConversion(types_.element(from), types_.element(to));
      return IsWord(types_.element(to)) || NeedsConversion(from, types_.element(to));
    case TypeKind::kList:
      return types_.Is(from, TypeKind::kList) && NeedsConversion(types_.element(from), types_.element(to));
    case TypeKind::kMap:
      return types_.Is(from, TypeKind::kMap) && NeedsConversion(types_.value(from), types_.value(to));
    default: return false;
  }
}

void Lowering::MarkBoolResults() {
  for (llvm::Function& function : *module_) {
    if (function.getReturnType()->isIntegerTy(1)) function.addRetAttr(llvm::Attribute::ZExt);
    for (llvm::BasicBlock& block : function) {
      for (llvm::Instruction& instruction : block) {
        auto* call = llvm::dyn_cast<llvm::CallInst>(&instruction);
        if (call != nullptr && call->getType()->isIntegerTy(1)) call->addRetAttr(llvm::Attribute::ZExt);
      }
    }
  }
}

// --- equality and order ---

llvm::Value* Lowering::Equal(llvm::Value* l, llvm::Value* r, TypeId type) {
  switch (types_.kind(type)) {
    case TypeKind::kFloat:
      return b_.CreateFCmpOEQ(b_.CreateBitCast(l, b_.getDoubleTy()), b_.CreateBitCast(r, b_.getDoubleTy()));
    case TypeKind::kString:
    case TypeKind::kPath:
    case TypeKind::kRef: return b_.CreateICmpNE(b_.CreateCall(str_equal_, {l, r}), llvm::ConstantInt::get(i64_, 0));
    case TypeKind::kNull:
    case TypeKind::kFunction: return b_.CreateICmpEQ(l, r);
    case TypeKind::kOptional:
    case TypeKind::kRecord:
    case TypeKind::kList:
    case TypeKind::kMap: {
      llvm::Value* eq = b_.CreateCall(EqualFunction(type), {AsWord(l), AsWord(r)});
      return b_.CreateICmpNE(eq, llvm::ConstantInt::get(i64_, 0));
    }
    default: return b_.CreateICmpEQ(l, r);
  }
}

llvm::Value* Lowering::EqualMixed(llvm::Value* l, TypeId lt, llvm::Value* r, TypeId rt) {
  if (lt == TypeTable::kNull) return b_.CreateIsNull(r);
  if (rt == TypeTable::kNull) return b_.CreateIsNull(l);
  // Compare as the wider type: `Int` and `Int?` as `Int?`.
  TypeId common = types_.Assignable(lt, rt) ? rt : lt;
  return Equal(Coerce(l, lt, common), Coerce(r, rt, common), common);
}

namespace {

// The body of an `i64 (i64 a, i64 b)` function comparing two values part by
// part: each part either decides the result (returns it) or passes on.
class PartwiseBody {
 public:
  PartwiseBody(llvm::IRBuilder<>& b, llvm::Function* fn) : b_(b), fn_(fn) {}
  // Returns `result` from the function when `decided` holds.
  void ReturnIf(llvm::Value* decided, llvm::Value* result) {
    auto* ret = llvm::BasicBlock::Create(b_.getContext(), "decided", fn_);
    auto* next = llvm::BasicBlock::Create(b_.getContext(), "next", fn_);
    b_.CreateCondBr(decided, ret, next);
    b_.SetInsertPoint(ret);
    b_.CreateRet(result);
    b_.SetInsertPoint(next);
  }

 private:
  llvm::IRBuilder<>& b_;
  llvm::Function* fn_;
};

}  // namespace

llvm::Function* Lowering::EqualFunction(TypeId type) {
  if (auto it = equal_functions_.find(type); it != equal_functions_.end()) return it->second;
  auto* fn_type = llvm::FunctionType::get(i64_, {i64_, i64_}, false);
  auto* function = llvm::Function::Create(fn_type, llvm::GlobalValue::InternalLinkage,
                                          "eq." + types_.Name(type), *module_);
  equal_functions_[type] = function;  // before the body: types may nest
  InFunction in(*this, function, nullptr);
  PartwiseBody body(b_, function);
  llvm::Value* a = function->getArg(0);
  llvm::Value* c = function->getArg(1);
  llvm::Value* yes = llvm::ConstantInt::get(i64_, 1);
  llvm::Value* no = llvm::ConstantInt::get(i64_, 0);
  body.ReturnIf(b_.CreateICmpEQ(a, c), yes);  // the same object (or both null)
  llvm::Value* pa = b_.CreateIntToPtr(a, ptr_);
  llvm::Value* pc = b_.CreateIntToPtr(c, ptr_);
  // Compares part `slot` (a word index) of both, of type `part`.
  auto compare_slot = [&](llvm::Value* slot, TypeId part) {
    llvm::Value* x = b_.CreateLoad(ValueType(part), b_.CreateInBoundsGEP(i64_, pa, slot));
    llvm::Value* y = b_.CreateLoad(ValueType(part), b_.CreateInBoundsGEP(i64_, pc, slot));
    body.ReturnIf(b_.CreateNot(Equal(x, y, part)), no);
  };
  switch (types_.kind(type)) {
    case TypeKind::kOptional: {
      body.ReturnIf(b_.CreateOr(b_.CreateIsNull(pa), b_.CreateIsNull(pc)), no);
      TypeId inner = types_.element(type);
      if (IsWord(inner)) {
        compare_slot(llvm::ConstantInt::get(i64_, 0), inner);
      } else {
        body.ReturnIf(b_.CreateNot(Equal(pa, pc, inner)), no);
      }
      break;
    }
    case TypeKind::kRecord: {
      const RecordType& record = types_.record(type);
      for (size_t f = 0; f < record.fields.size(); ++f) {
        compare_slot(llvm::ConstantInt::get(i64_, f), record.fields[f].type);
      }
      break;
    }
    case TypeKind::kList:
    case TypeKind::kMap: {
      bool map = types_.Is(type, TypeKind::kMap);
      llvm::Value* length = b_.CreateLoad(i64_, pa);
      body.ReturnIf(b_.CreateICmpNE(length, b_.CreateLoad(i64_, pc)), no);
      Loop(length, [&](llvm::Value* i) {
        if (!map) return compare_slot(b_.CreateAdd(i, llvm::ConstantInt::get(i64_, 1)), types_.element(type));
        llvm::Value* key_slot = b_.CreateAdd(b_.CreateShl(i, 1), llvm::ConstantInt::get(i64_, 1));
        compare_slot(key_slot, types_.key(type));
        compare_slot(b_.CreateAdd(key_slot, llvm::ConstantInt::get(i64_, 1)), types_.value(type));
      });
      break;
    }
    default: body.ReturnIf(b_.getTrue(), no); break;  // only reached for distinct words
  }
  b_.CreateRet(yes);
  return function;
}

llvm::Function* Lowering::CompareFunction(TypeId type) {
  if (auto it = compare_functions_.find(type); it != compare_functions_.end()) return it->second;
  auto* fn_type = llvm::FunctionType::get(i64_, {i64_, i64_}, false);
  auto* function = llvm::Function::Create(fn_type, llvm::GlobalValue::InternalLinkage,
                                          "cmp." + types_.Name(type), *module_);
  compare_functions_[type] = function;
  InFunction in(*this, function, nullptr);
  PartwiseBody body(b_, function);
  llvm::Value* a = function->getArg(0);
  llvm::Value* c = function->getArg(1);
  llvm::Value* zero = llvm::ConstantInt::get(i64_, 0);
  llvm::Value* less = llvm::ConstantInt::get(i64_, -1, true);
  llvm::Value* more = llvm::ConstantInt::get(i64_, 1);
  // -1/0/1 from "a < c" and "a > c" as i1s.
  auto order = [&](llvm::Value* lt, llvm::Value* gt) {
    return b_.CreateSelect(lt, less, b_.CreateSelect(gt, more, zero));
  };
  // Returns the order of parts of type `part` unless they are equal.
  auto compare_words = [&](llvm::Value* x, llvm::Value* y, TypeId part) {
    llvm::Value* c2 = b_.CreateCall(CompareFunction(part), {x, y});
    body.ReturnIf(b_.CreateICmpNE(c2, zero), c2);
  };
  llvm::Value* pa = b_.CreateIntToPtr(a, ptr_);
  llvm::Value* pc = b_.CreateIntToPtr(c, ptr_);
  auto load = [&](llvm::Value* p, llvm::Value* slot) { return b_.CreateLoad(i64_, b_.CreateInBoundsGEP(i64_, p, slot)); };
  switch (types_.kind(type)) {
    case TypeKind::kFloat: {
      llvm::Value* x = b_.CreateBitCast(a, b_.getDoubleTy());
      llvm::Value* y = b_.CreateBitCast(c, b_.getDoubleTy());
      b_.CreateRet(order(b_.CreateFCmpOLT(x, y), b_.CreateFCmpOGT(x, y)));
      return function;
    }
    case TypeKind::kString:
    case TypeKind::kPath:
    case TypeKind::kRef: b_.CreateRet(b_.CreateCall(str_compare_, {pa, pc})); return function;
    case TypeKind::kOptional: {  // null first
      body.ReturnIf(b_.CreateICmpEQ(a, c), zero);
      body.ReturnIf(b_.CreateIsNull(pa), less);
      body.ReturnIf(b_.CreateIsNull(pc), more);
      TypeId inner = types_.element(type);
      if (IsWord(inner)) {
        compare_words(b_.CreateLoad(i64_, pa), b_.CreateLoad(i64_, pc), inner);
      } else {
        compare_words(a, c, inner);
      }
      break;
    }
    case TypeKind::kRecord: {
      const RecordType& record = types_.record(type);
      for (size_t f = 0; f < record.fields.size(); ++f) {
        llvm::Value* slot = llvm::ConstantInt::get(i64_, f);
        compare_words(load(pa, slot), load(pc, slot), record.fields[f].type);
      }
      break;
    }
    case TypeKind::kList:
    case TypeKind::kMap: {  // item by item, then the shorter first
      bool map = types_.Is(type, TypeKind::kMap);
      llvm::Value* la = b_.CreateLoad(i64_, pa);
      llvm::Value* lc = b_.CreateLoad(i64_, pc);
      Loop(b_.CreateSelect(b_.CreateICmpSLT(la, lc), la, lc), [&](llvm::Value* i) {
        llvm::Value* one = llvm::ConstantInt::get(i64_, 1);
        if (!map) return compare_words(load(pa, b_.CreateAdd(i, one)), load(pc, b_.CreateAdd(i, one)), types_.element(type));
        llvm::Value* k = b_.CreateAdd(b_.CreateShl(i, 1), one);
        compare_words(load(pa, k), load(pc, k), types_.key(type));
        llvm::Value* v = b_.CreateAdd(k, one);
        compare_words(load(pa, v), load(pc, v), types_.value(type));
      });
      b_.CreateRet(order(b_.CreateICmpSLT(la, lc), b_.CreateICmpSGT(la, lc)));
      return function;
    }
    case TypeKind::kFunction:
    case TypeKind::kNull: break;  // never keys of a checked map
    default:  // Int, Bool, Size, Duration, enums: signed numbers
      b_.CreateRet(order(b_.CreateICmpSLT(a, c), b_.CreateICmpSGT(a, c)));
      return function;
  }
  b_.CreateRet(zero);
  return function;
}

// --- text ---

llvm::Value* Lowering::ToText(llvm::Value* value, TypeId type) {
  auto* i32 = llvm::Type::getInt32Ty(ctx_);
  auto scalar = [&](abi::Scalar s) {
    return b_.CreateCall(to_string_, {ctx_arg_, llvm::ConstantInt::get(i32, static_cast<uint32_t>(s)), value});
  };
  switch (types_.kind(type)) {
    case TypeKind::kString:
    case TypeKind::kPath: return value;
    case TypeKind::kInt: return scalar(abi::Scalar::kInt);
    case TypeKind::kBool: return scalar(abi::Scalar::kBool);
    case TypeKind::kSize: return scalar(abi::Scalar::kSize);
    case TypeKind::kDuration: return scalar(abi::Scalar::kDuration);
    case TypeKind::kFloat: return scalar(abi::Scalar::kFloat);
    case TypeKind::kNull: return StringConstant("null");
    case TypeKind::kEnum: {
      // The case's name, from a table of string constants.
      const EnumType& info = types_.enum_type(type);
      std::vector<llvm::Constant*> names;
      for (std::string_view c : info.cases) names.push_back(llvm::cast<llvm::Constant>(StringConstant(std::string(c))));
      auto* table_type = llvm::ArrayType::get(ptr_, names.size());
      auto* table = llvm::cast<llvm::GlobalVariable>(module_->getOrInsertGlobal("enum.names." + std::to_string(type), table_type));
      if (!table->hasInitializer()) {
        table->setInitializer(llvm::ConstantArray::get(table_type, names));
        table->setConstant(true);
        table->setLinkage(llvm::GlobalValue::PrivateLinkage);
      }
      return b_.CreateLoad(ptr_, b_.CreateInBoundsGEP(table_type, table, {llvm::ConstantInt::get(i64_, 0), value}));
    }
    case TypeKind::kOptional: {
      TypeId inner = types_.element(type);
      return IfPresent(value, type, [&](llvm::Value* v) { return ToText(v, inner); }, StringConstant("null"));
    }
    default: break;  // records, collections, refs and functions: as clive syntax
  }
  llvm::Function*& function = text_functions_[type];
  if (function == nullptr) {
    auto* fn_type = llvm::FunctionType::get(ptr_, {ptr_, i64_}, false);
    function = llvm::Function::Create(fn_type, llvm::GlobalValue::InternalLinkage, "text." + types_.Name(type),
                                      *module_);
    InFunction in(*this, function, function->getArg(0));
    llvm::Value* object = b_.CreateIntToPtr(function->getArg(1), ptr_);
    llvm::Value* text = nullptr;
    auto append = [&](llvm::Value* piece) {
      text = text == nullptr ? piece : b_.CreateCall(concat_, {ctx_arg_, text, piece});
    };
    // Inside a value, as clive syntax: strings and paths quoted, enum cases
    // with their type.
    auto inner_text = [&](llvm::Value* v, TypeId t) -> llvm::Value* {
      if (t == TypeTable::kString || t == TypeTable::kPath) {
        llvm::Value* quoted = b_.CreateCall(Declare("clive_rt_quote", ptr_, {ptr_, ptr_}), {ctx_arg_, v});
        if (t == TypeTable::kString) return quoted;
        quoted = b_.CreateCall(concat_, {ctx_arg_, StringConstant("path("), quoted});
        return b_.CreateCall(concat_, {ctx_arg_, quoted, StringConstant(")")});
      }
      if (types_.Is(t, TypeKind::kEnum)) {
        return b_.CreateCall(concat_, {ctx_arg_, StringConstant(types_.enum_type(t).name + "."), ToText(v, t)});
      }
      return ToText(v, t);
    };
    auto part = [&](llvm::Value* word, TypeId part_type) {
      llvm::Value* v = FromWord(word, part_type);
      if (!types_.Is(part_type, TypeKind::kOptional)) return append(inner_text(v, part_type));
      TypeId inner = types_.element(part_type);
      append(IfPresent(v, part_type, [&](llvm::Value* x) { return inner_text(x, inner); }, StringConstant("null")));
    };
    auto items = [&](llvm::Value* count, const std::function<void(llvm::Value*)>& item) {
      llvm::Value* result = nullptr;
      llvm::Value* accumulated = NewSlot();
      b_.CreateStore(text, accumulated);
      Loop(count, [&](llvm::Value* i) {
        text = b_.CreateLoad(ptr_, accumulated);
        llvm::Value* sep = b_.CreateSelect(b_.CreateICmpEQ(i, llvm::ConstantInt::get(i64_, 0)), StringConstant(""),
                                           StringConstant(", "));
        append(sep);
        item(i);
        b_.CreateStore(text, accumulated);
      });
      result = b_.CreateLoad(ptr_, accumulated);
      text = result;
    };
    auto load = [&](llvm::Value* slot) { return b_.CreateLoad(i64_, b_.CreateInBoundsGEP(i64_, object, slot)); };
    llvm::Value* one = llvm::ConstantInt::get(i64_, 1);
    switch (types_.kind(type)) {
      case TypeKind::kRecord: {
        const RecordType& record = types_.record(type);
        append(StringConstant(record.name + (record.fields.empty() ? " {}" : " { ")));
        for (size_t f = 0; f < record.fields.size(); ++f) {
          append(StringConstant((f ? "; " : "") + std::string(record.fields[f].name) + " = "));
          part(load(llvm::ConstantInt::get(i64_, f)), record.fields[f].type);
        }
        if (!record.fields.empty()) append(StringConstant(" }"));
        break;
      }
      case TypeKind::kList:
        append(StringConstant("["));
        items(b_.CreateLoad(i64_, object),
              [&](llvm::Value* i) { part(load(b_.CreateAdd(i, one)), types_.element(type)); });
        append(StringConstant("]"));
        break;
      case TypeKind::kMap:
        append(StringConstant("{"));
        items(b_.CreateLoad(i64_, object), [&](llvm::Value* i) {
          llvm::Value* k = b_.CreateAdd(b_.CreateShl(i, 1), one);
          part(load(k), types_.key(type));
          append(StringConstant(": "));
          part(load(b_.CreateAdd(k, one)), types_.value(type));
        });
        append(StringConstant("}"));
        break;
      case TypeKind::kRef:
        append(StringConstant("ref("));
        append(object);
        append(StringConstant(")"));
        break;
      default: append(StringConstant("<function>")); break;
    }
    b_.CreateRet(text);
  }
  return b_.CreateCall(function, {ctx_arg_, AsWord(value)});
}

}  // namespace clive::compiler
