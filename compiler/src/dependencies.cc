#include "clive/compiler/dependencies.h"

#include <algorithm>
#include <map>
#include <set>

namespace clive::compiler {
namespace {

using lang::ExprId;
using lang::ExprKind;
using lang::kNone;

// Walks expressions, following calls into function bodies (each function
// once per analysis; recursion is cut where a function is being walked).
class DependencyWalker {
 public:
  explicit DependencyWalker(const Program& program) : program_(program) {}

  void Expr(const CheckedModule& m, ExprId id) {
    if (id == kNone) return;
    const lang::SyntaxTree& tree = *m.tree;
    const lang::Expr& e = tree.exprs[id];
    const SymbolRef& ref = m.expr_refs[id];
    // `ref(cell)` makes a reference without reading the cell; what reads
    // through it is found when it runs (runtime/engine.cc).
    if (e.kind == ExprKind::kCall && ref.kind == SymbolRef::Kind::kCell) return;
    if (ref.kind == SymbolRef::Kind::kCell) cells_.insert({ref.module, ref.index});
    if (ref.kind == SymbolRef::Kind::kFunction) Function(ref.module, ref.index);
    Expr(m, e.lhs);
    Expr(m, e.rhs);
    Expr(m, e.third);
    switch (e.kind) {
      case ExprKind::kCall:
        for (uint32_t a = e.list.first; a < e.list.end(); ++a) Expr(m, tree.args[a].value);
        if (e.lhs != kNone && m.expr_refs[e.lhs].kind == SymbolRef::Kind::kFunction) {
          Function(m.expr_refs[e.lhs].module, m.expr_refs[e.lhs].index);
        }
        break;
      case ExprKind::kBuilder: {
        for (uint32_t i = e.list.first; i < e.list.end(); ++i) Expr(m, tree.field_inits[i].value);
        TypeId type = m.TypeOf(id);
        if (program_.types.Is(type, TypeKind::kRecord)) Defaults(type);
        break;
      }
      case ExprKind::kInterpolation:
      case ExprKind::kList:
        for (uint32_t i = e.list.first; i < e.list.end(); ++i) Expr(m, tree.expr_lists[i]);
        break;
      case ExprKind::kMap:
        for (uint32_t i = e.list.first; i < e.list.end(); ++i) {
          Expr(m, tree.map_entries[i].key);
          Expr(m, tree.map_entries[i].value);
        }
        break;
      case ExprKind::kWhen:
        for (uint32_t b = e.list.first; b < e.list.end(); ++b) {
          const lang::WhenBranch& branch = tree.when_branches[b];
          for (uint32_t c = branch.conditions.first; c < branch.conditions.end(); ++c) Expr(m, tree.expr_lists[c]);
          Expr(m, branch.value);
        }
        break;
      default: break;
    }
  }

  CellDependencies Take() {
    CellDependencies d{{cells_.begin(), cells_.end()}, {code_.begin(), code_.end()}};
    cells_.clear();
    code_.clear();
    return d;
  }

 private:
  struct CellLess {
    bool operator()(const CellId& a, const CellId& b) const {
      return std::tie(a.module, a.cell) < std::tie(b.module, b.cell);
    }
  };

  void Function(ModuleId module_id, uint32_t index) {
    const CheckedModule& m = program_.module(module_id);
    const FunctionInfo& fn = m.functions[index];
    if (!fn.builtin && fn.type_params.empty() && !program_.types.IsGeneric(fn.result)) code_.insert(module_id);
    // Walked once per cell: a cell's sets are rebuilt from scratch.
    if (!walked_.insert({module_id, index}).second) return;
    for (const FunctionParam& p : fn.params) Expr(m, p.default_value);
    if (!fn.builtin) Expr(m, m.tree->fn_decls[fn.decl].body);
  }

  void Defaults(TypeId type) {
    if (!defaults_walked_.insert(type).second) return;
    const RecordType& record = program_.types.record(type);
    const CheckedModule& owner = program_.module(record.module);
    for (const RecordField& f : record.fields) Expr(owner, f.default_value);
  }

 public:
  void ResetWalked() {
    walked_.clear();
    defaults_walked_.clear();
  }

 private:
  const Program& program_;
  std::set<CellId, CellLess> cells_;
  std::set<ModuleId> code_;
  std::set<std::pair<ModuleId, uint32_t>> walked_;
  std::set<TypeId> defaults_walked_;
};

}  // namespace

std::vector<CellDependencies> AnalyzeDependencies(const Program& program, const CheckedModule& module) {
  std::vector<CellDependencies> result;
  DependencyWalker walker(program);
  for (const Cell& cell : module.cells) {
    walker.ResetWalked();
    walker.Expr(module, module.tree->vals[cell.val_index].value);
    result.push_back(walker.Take());
  }
  return result;
}

}  // namespace clive::compiler
