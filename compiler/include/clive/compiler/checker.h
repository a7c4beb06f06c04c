// Name resolution and type checking of one module.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "clive/compiler/types.h"
#include "clive/lang/diagnostics.h"
#include "clive/lang/syntax_tree.h"

namespace clive::compiler {

// A top-level `val`: a cell of the spreadsheet.
struct Cell {
  std::string_view name;
  lang::SourceRange name_range;
  uint32_t val_index = 0;  // into SyntaxTree::vals
  TypeId type = TypeTable::kError;
  std::vector<uint32_t> reads;  // cells (indices into cells) this cell reads
};

// The checker's output: the tree plus side tables indexed by node id.
struct CheckedModule {
  const lang::SyntaxTree* tree = nullptr;
  TypeTable types;
  std::vector<TypeId> expr_types;    // per ExprId
  std::vector<uint32_t> expr_refs;   // per ExprId: kName -> cell index,
                                     // kMember -> field index, kBuilder -> unused
  std::vector<uint32_t> init_fields; // per FieldInit: index of the field it sets
  std::vector<Cell> cells;           // in source order
  std::vector<uint32_t> eval_order;  // cells in dependency order

  TypeId TypeOf(lang::ExprId id) const { return expr_types[id]; }
};

// Checks `tree`, reporting errors to `sink`. The result is only fit for
// lowering when `sink` has no errors.
std::unique_ptr<CheckedModule> Check(const lang::SyntaxTree& tree, lang::DiagnosticSink& sink);

}  // namespace clive::compiler
