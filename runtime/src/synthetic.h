// Evaluating expressions in the scope of a workspace's modules, by checking
// and JIT-compiling the modules with declarations added to their text. This
// is how `clivec set` evaluates a clive literal where the cell is declared,
// and how a stored record gets the defaults of fields added to its type
// since (each default evaluated where its type is declared).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "clive/compiler/checker.h"
#include "clive/lang/diagnostics.h"
#include "clive/runtime/value.h"
#include "clive/runtime/workspace.h"

namespace clive::runtime {

class SyntheticEvaluation {
 public:
  // Inserts `text` at byte `offset` of module `module_path`'s source (offsets
  // of the original text; insertions at one offset keep their order).
  void Insert(const std::string& module_path, uint32_t offset, std::string text);
  // Appends `val <name>: <type_text> = <expr_text>` to the module and returns
  // its index among the requested cells. An empty `type_text` leaves the
  // type to inference.
  size_t AddCell(const std::string& module_path, std::string type_text, std::string expr_text);

  struct Result {
    std::unique_ptr<compiler::Program> program;  // owns what diagnostics point into
    std::vector<lang::Diagnostic> diagnostics;   // checking and evaluation errors
    // Per requested cell: where its expression sits in its module's file of
    // `program`, the cells it reads, and its value (none after an error).
    struct Cell {
      std::string name;  // as declared, for messages that name it
      const lang::SourceFile* file = nullptr;
      lang::SourceRange expr_range;
      compiler::TypeId type = 0;
      std::vector<compiler::CellId> reads;
      std::optional<Value> value;
    };
    std::vector<Cell> cells;
  };
  // Checks the workspace with the insertions and evaluates the requested
  // cells (not the others), if checking found no error.
  Expected<Result> Evaluate(const Workspace& workspace, const compiler::Program& original) const;

 private:
  struct Insertion {
    std::string module_path;
    uint32_t offset;
    std::string text;
  };
  struct Request {
    std::string module_path;
    std::string name;
    size_t insertion;  // into insertions_
    uint32_t expr_offset;  // of the expression within the insertion's text
    size_t expr_length;
  };
  std::vector<Insertion> insertions_;
  std::vector<Request> requests_;
};

}  // namespace clive::runtime
