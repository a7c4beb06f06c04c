// Lowering: maps, {length, key, value, ...} sorted by key (abi.h), built,
// searched and merged by the runtime with this unit's key order function
// (lowering.h).
#include "lowering.h"

namespace clive::compiler {

llvm::Value* Lowering::LowerMap(ExprId id, const lang::Expr& e) {
  TypeId type = TypeOf(id);
  if (!types_.Is(type, TypeKind::kMap)) return NotYet(e);
  std::vector<llvm::Value*> words = {llvm::ConstantInt::get(i64_, e.list.count)};
  for (uint32_t i = e.list.first; i < e.list.end(); ++i) {
    const lang::MapEntry& entry = tree_->map_entries[i];
    words.push_back(LowerAs(entry.key, types_.key(type)));
    words.push_back(LowerAs(entry.value, types_.value(type)));
  }
  llvm::Value* entries = NewWords(words, "map.entries");
  if (e.list.count == 0) return entries;  // {0}: already a map
  // Sorted, later entries winning over earlier ones with equal keys.
  llvm::FunctionCallee build = Declare("clive_rt_map_build", ptr_, {ptr_, ptr_, ptr_});
  return b_.CreateCall(build, {ctx_arg_, entries, CompareFunction(types_.key(type))});
}

llvm::Value* Lowering::MapContains(llvm::Value* map, llvm::Value* key, TypeId map_type) {
  llvm::FunctionCallee find = Declare("clive_rt_map_find", ptr_, {ptr_, i64_, ptr_});
  llvm::Value* slot = b_.CreateCall(find, {map, AsWord(key), CompareFunction(types_.key(map_type))});
  return b_.CreateIsNotNull(slot);
}

llvm::Value* Lowering::MapLookup(llvm::Value* map, llvm::Value* key, TypeId map_type) {
  llvm::FunctionCallee find = Declare("clive_rt_map_find", ptr_, {ptr_, i64_, ptr_});
  llvm::Value* slot = b_.CreateCall(find, {map, AsWord(key), CompareFunction(types_.key(map_type))});
  return SlotAsOptional(slot, types_.value(map_type));
}

llvm::Value* Lowering::MapPlus(llvm::Value* a, llvm::Value* b, TypeId map_type) {
  llvm::FunctionCallee plus = Declare("clive_rt_map_plus", ptr_, {ptr_, ptr_, ptr_, ptr_});
  return b_.CreateCall(plus, {ctx_arg_, a, b, CompareFunction(types_.key(map_type))});
}

llvm::Value* Lowering::MapColumn(llvm::Value* map, bool values) {
  llvm::FunctionCallee column = Declare("clive_rt_map_column", ptr_, {ptr_, ptr_, i64_});
  return b_.CreateCall(column, {ctx_arg_, map, llvm::ConstantInt::get(i64_, values ? 1 : 0)});
}

}  // namespace clive::compiler
