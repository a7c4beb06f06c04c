#include "lower.h"

#include <cstdio>
#include <map>

#include "clive/compiler/error_codes.h"
#include "clive/abi/abi.h"
#include "clive/lang/units.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/Intrinsics.h"
#include "llvm/IR/MDBuilder.h"

namespace clive::compiler {

std::string CellFunctionName(const std::string& unit, std::string_view cell) {
  return unit + ".cell." + std::string(cell);
}
std::string CellSlotName(const std::string& unit, std::string_view cell) {
  return unit + ".slot." + std::string(cell);
}

std::string UnitName(const CheckedModule& module) {
  // FNV-1a: only needs to tell versions of one module apart.
  uint64_t hash = 1469598103934665603ull;
  for (char c : module.file->text()) hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash));
  return "clive." + (module.path.empty() ? std::string("_root") : module.path) + "." + hex;
}

namespace {

using lang::ExprId;
using lang::ExprKind;
using lang::kNone;

class Lowering {
 public:
  Lowering(const Program& program, const CheckedModule& module, llvm::LLVMContext& context,
           lang::DiagnosticSink& sink)
      : program_(program),
        types_(program.types),
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

  Expected<std::unique_ptr<llvm::Module>> Run() {
    DeclareRuntime();
    for (const Cell& cell : m_->cells) {
      // The module owns its globals; getOrInsertGlobal creates them in place.
      auto* slot = llvm::cast<llvm::GlobalVariable>(
          module_->getOrInsertGlobal(CellSlotName(unit_, cell.name), i64_));
      slot->setInitializer(llvm::ConstantInt::get(i64_, 0));
      slot->setAlignment(llvm::Align(8));
      slots_.push_back(slot);
    }
    for (uint32_t c = 0; c < m_->cells.size(); ++c) LowerCell(c);
    if (unsupported_) return Status::EvaluationError("the JIT cannot run this module yet");
    return std::move(module_);
  }

 private:
  void DeclareRuntime() {
    auto* i32 = llvm::Type::getInt32Ty(ctx_);
    auto* void_ty = llvm::Type::getVoidTy(ctx_);
    alloc_ = Declare("clive_rt_alloc", ptr_, {ptr_, i64_});
    concat_ = Declare("clive_rt_string_concat", ptr_, {ptr_, ptr_, ptr_});
    str_equal_ = Declare("clive_rt_string_equal", i64_, {ptr_, ptr_});
    str_compare_ = Declare("clive_rt_string_compare", i64_, {ptr_, ptr_});
    fail_ = Declare("clive_rt_fail", void_ty, {ptr_, i32, i32, i32});
  }

  llvm::FunctionCallee Declare(const char* name, llvm::Type* ret, std::vector<llvm::Type*> params) {
    return module_->getOrInsertFunction(name, llvm::FunctionType::get(ret, params, false));
  }

  llvm::Type* ValueType(TypeId type) const {
    switch (types_.kind(type)) {
      case TypeKind::kString:
      case TypeKind::kRecord:
      case TypeKind::kList:
      case TypeKind::kMap:
      case TypeKind::kOptional:
      case TypeKind::kFunction:
      case TypeKind::kRef:
      case TypeKind::kPath: return ptr_;
      default: return i64_;
    }
  }

  void LowerCell(uint32_t c) {
    const Cell& cell = m_->cells[c];
    auto* fn_type = llvm::FunctionType::get(llvm::Type::getInt1Ty(ctx_), {ptr_}, false);
    fn_ = llvm::Function::Create(fn_type, llvm::GlobalValue::ExternalLinkage,
                                 CellFunctionName(unit_, cell.name), *module_);
    ctx_arg_ = fn_->getArg(0);
    b_.SetInsertPoint(llvm::BasicBlock::Create(ctx_, "entry", fn_));
    llvm::Value* value = LowerExpr(tree_->vals[cell.val_index].value);
    b_.CreateStore(value, slots_[c]);
    b_.CreateRet(b_.getTrue());
  }

  // Emits "report `error` at `expr` and return false" when `failed` is true.
  void FailIf(llvm::Value* failed, abi::RuntimeError error, ExprId expr) {
    auto* fail = llvm::BasicBlock::Create(ctx_, "fail", fn_);
    auto* ok = llvm::BasicBlock::Create(ctx_, "ok", fn_);
    b_.CreateCondBr(failed, fail, ok, llvm::MDBuilder(ctx_).createBranchWeights(1, 1 << 20));
    b_.SetInsertPoint(fail);
    const lang::SourceRange r = tree_->exprs[expr].range;
    auto* i32 = llvm::Type::getInt32Ty(ctx_);
    b_.CreateCall(fail_, {ctx_arg_, llvm::ConstantInt::get(i32, static_cast<uint32_t>(error)),
                          llvm::ConstantInt::get(i32, r.begin), llvm::ConstantInt::get(i32, r.end)});
    b_.CreateRet(b_.getFalse());
    b_.SetInsertPoint(ok);
  }

  llvm::Value* LowerExpr(ExprId id) {
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
      case ExprKind::kName:
      case ExprKind::kMember: {
        const SymbolRef& ref = m_->expr_refs[id];
        if (ref.kind == SymbolRef::Kind::kCell) return LoadCell(ref, e.name);
        if (ref.kind == SymbolRef::Kind::kEnumCase) return llvm::ConstantInt::get(i64_, ref.index);
        if (ref.kind == SymbolRef::Kind::kField && e.kind == ExprKind::kMember && !e.safe &&
            types_.Is(types_.NonOptional(m_->TypeOf(e.lhs)), TypeKind::kRecord)) {
          llvm::Value* object = LowerExpr(e.lhs);
          llvm::Value* field = b_.CreateConstInBoundsGEP1_64(i64_, object, ref.index);
          return b_.CreateLoad(ValueType(m_->TypeOf(id)), field, std::string(e.name));
        }
        break;
      }
      case ExprKind::kBuilder: return LowerBuilder(e);
      case ExprKind::kUnary: return LowerUnary(id, e);
      case ExprKind::kBinary: return LowerBinary(id, e);
      default: break;
    }
    return NotYet(e);
  }

  // A field's default, lowered with the tables of the module declaring it.
  llvm::Value* LowerDefault(const RecordType& record, size_t field) {
    const CheckedModule* saved_module = m_;
    const lang::SyntaxTree* saved_tree = tree_;
    m_ = &program_.module(record.module);
    tree_ = m_->tree.get();
    llvm::Value* value = LowerExpr(record.fields[field].default_value);
    m_ = saved_module;
    tree_ = saved_tree;
    return value;
  }

  // A construct the checker accepts but the JIT cannot run yet (issue 5).
  llvm::Value* NotYet(const lang::Expr& e) {
    if (!unsupported_) {
      sink_.Error(codes::kUnsupported, *m_->file, e.range, "the JIT cannot evaluate this expression yet");
      unsupported_ = true;
    }
    return llvm::PoisonValue::get(i64_);
  }

  // Reads a cell: this module's from its slot, another module's from the
  // exported slot of that module's unit (already loaded: modules are loaded
  // in import order).
  llvm::Value* LoadCell(const SymbolRef& ref, std::string_view name) {
    const CheckedModule& owner = program_.module(ref.module);
    llvm::Type* type = ValueType(owner.cells[ref.index].type);
    if (ref.module == unit_module_) return b_.CreateLoad(type, slots_[ref.index], std::string(name));
    auto* slot = llvm::cast<llvm::GlobalVariable>(
        module_->getOrInsertGlobal(CellSlotName(UnitName(owner), owner.cells[ref.index].name), i64_));
    return b_.CreateLoad(type, slot, std::string(name));
  }

  llvm::Value* StringConstant(const std::string& text) {
    if (auto it = strings_.find(text); it != strings_.end()) return it->second;
    auto* bytes = llvm::ConstantDataArray::getString(ctx_, text, /*AddNull=*/false);
    auto* type = llvm::StructType::get(ctx_, {i64_, bytes->getType()});
    auto* init = llvm::ConstantStruct::get(type, {llvm::ConstantInt::get(i64_, text.size()), bytes});
    auto* global = llvm::cast<llvm::GlobalVariable>(
        module_->getOrInsertGlobal("str." + std::to_string(strings_.size()), type));
    global->setInitializer(init);
    global->setConstant(true);
    global->setLinkage(llvm::GlobalValue::PrivateLinkage);
    global->setUnnamedAddr(llvm::GlobalValue::UnnamedAddr::Global);
    global->setAlignment(llvm::Align(8));
    strings_[text] = global;
    return global;
  }

  llvm::Value* LowerBuilder(const lang::Expr& e) {
    TypeId type = m_->TypeOf(e.lhs);
    if (!types_.Is(type, TypeKind::kRecord) || ValueOfBuilderIsCopy(e)) return NotYet(e);
    const RecordType& record = types_.record(type);
    std::vector<llvm::Value*> values(record.fields.size(), nullptr);
    // Field initializers run in source order, then defaults fill the rest.
    for (uint32_t i = e.list.first; i < e.list.end(); ++i) {
      if (tree_->field_inits[i].name.empty()) return NotYet(e);  // @collect items
      values[m_->init_fields[i]] = LowerExpr(tree_->field_inits[i].value);
    }
    for (size_t f = 0; f < record.fields.size(); ++f) {
      if (values[f] == nullptr) values[f] = LowerDefault(record, f);
    }
    llvm::Value* object =
        b_.CreateCall(alloc_, {ctx_arg_, llvm::ConstantInt::get(i64_, 8 * record.fields.size())},
                      record.name);
    for (size_t f = 0; f < values.size(); ++f) {
      b_.CreateStore(values[f], b_.CreateConstInBoundsGEP1_64(i64_, object, f));
    }
    return object;
  }

  llvm::Value* LowerUnary(ExprId id, const lang::Expr& e) {
    if (m_->TypeOf(e.lhs) == TypeTable::kFloat) return NotYet(e);
    llvm::Value* operand = LowerExpr(e.lhs);
    if (static_cast<lang::UnaryOp>(e.op) == lang::UnaryOp::kNot) {
      return b_.CreateXor(operand, llvm::ConstantInt::get(i64_, 1));
    }
    return Checked(llvm::Intrinsic::ssub_with_overflow, llvm::ConstantInt::get(i64_, 0), operand, id);
  }

  llvm::Value* Checked(llvm::Intrinsic::ID intrinsic, llvm::Value* l, llvm::Value* r, ExprId at) {
    llvm::Value* pair = b_.CreateBinaryIntrinsic(intrinsic, l, r);
    FailIf(b_.CreateExtractValue(pair, 1), abi::RuntimeError::kIntegerOverflow, at);
    return b_.CreateExtractValue(pair, 0);
  }

  llvm::Value* Bool(llvm::Value* i1) { return b_.CreateZExt(i1, i64_); }

  llvm::Value* LowerBinary(ExprId id, const lang::Expr& e) {
    using lang::BinaryOp;
    auto op = static_cast<BinaryOp>(e.op);
    if (op == BinaryOp::kAnd || op == BinaryOp::kOr) return LowerShortCircuit(op, e);
    TypeId lt = m_->TypeOf(e.lhs);
    if (op == BinaryOp::kElvis || lt == TypeTable::kFloat || types_.Is(lt, TypeKind::kOptional) ||
        types_.Is(m_->TypeOf(e.rhs), TypeKind::kOptional) || lt == TypeTable::kNull) {
      return NotYet(e);
    }
    llvm::Value* l = LowerExpr(e.lhs);
    llvm::Value* r = LowerExpr(e.rhs);
    if (lt == TypeTable::kString) return LowerStringBinary(op, l, r);
    switch (op) {
      case BinaryOp::kAdd: return Checked(llvm::Intrinsic::sadd_with_overflow, l, r, id);
      case BinaryOp::kSub: return Checked(llvm::Intrinsic::ssub_with_overflow, l, r, id);
      case BinaryOp::kMul: return Checked(llvm::Intrinsic::smul_with_overflow, l, r, id);
      case BinaryOp::kDiv:
      case BinaryOp::kRem: {
        FailIf(b_.CreateICmpEQ(r, llvm::ConstantInt::get(i64_, 0)), abi::RuntimeError::kDivisionByZero,
               e.rhs);
        llvm::Value* min_by_minus_one =
            b_.CreateAnd(b_.CreateICmpEQ(l, llvm::ConstantInt::get(i64_, INT64_MIN, true)),
                         b_.CreateICmpEQ(r, llvm::ConstantInt::get(i64_, -1, true)));
        FailIf(min_by_minus_one, abi::RuntimeError::kIntegerOverflow, id);
        return op == BinaryOp::kDiv ? b_.CreateSDiv(l, r) : b_.CreateSRem(l, r);
      }
      case BinaryOp::kEq: return Bool(b_.CreateICmpEQ(l, r));
      case BinaryOp::kNe: return Bool(b_.CreateICmpNE(l, r));
      case BinaryOp::kLt: return Bool(b_.CreateICmpSLT(l, r));
      case BinaryOp::kLe: return Bool(b_.CreateICmpSLE(l, r));
      case BinaryOp::kGt: return Bool(b_.CreateICmpSGT(l, r));
      case BinaryOp::kGe: return Bool(b_.CreateICmpSGE(l, r));
      case BinaryOp::kAnd:
      case BinaryOp::kOr:
      case BinaryOp::kElvis: break;  // the checker rejects `?:` for now
    }
    return llvm::PoisonValue::get(i64_);
  }

  llvm::Value* LowerStringBinary(lang::BinaryOp op, llvm::Value* l, llvm::Value* r) {
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

  llvm::Value* LowerShortCircuit(lang::BinaryOp op, const lang::Expr& e) {
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

  // A builder on a value (`base { port = 1 }`) copies it; the checker marks
  // the type expression's own type only when it names a type.
  bool ValueOfBuilderIsCopy(const lang::Expr& e) const {
    const SymbolRef& ref = m_->expr_refs[e.lhs];
    return ref.kind == SymbolRef::Kind::kCell || ref.kind == SymbolRef::Kind::kField ||
           ref.kind == SymbolRef::Kind::kLocal || ref.kind == SymbolRef::Kind::kBuilderField;
  }

  const Program& program_;
  const TypeTable& types_;
  // The module whose expressions are being lowered: normally the unit's own,
  // but a field default is lowered in the context of the module that
  // declares the field (see LowerDefault).
  const CheckedModule* m_;
  const lang::SyntaxTree* tree_;
  ModuleId unit_module_;  // the module this unit compiles (slots_ are its cells)
  std::string unit_;
  lang::DiagnosticSink& sink_;
  bool unsupported_ = false;
  llvm::LLVMContext& ctx_;
  std::unique_ptr<llvm::Module> module_;
  llvm::IRBuilder<> b_;
  llvm::IntegerType* i64_;
  llvm::PointerType* ptr_;
  llvm::FunctionCallee alloc_, concat_, str_equal_, str_compare_, fail_;
  std::vector<llvm::GlobalVariable*> slots_;
  std::map<std::string, llvm::Constant*> strings_;
  llvm::Function* fn_ = nullptr;
  llvm::Value* ctx_arg_ = nullptr;
};

}  // namespace

Expected<std::unique_ptr<llvm::Module>> Lower(const Program& program, const CheckedModule& module,
                                              llvm::LLVMContext& context, lang::DiagnosticSink& sink) {
  return Lowering(program, module, context, sink).Run();
}

}  // namespace clive::compiler
