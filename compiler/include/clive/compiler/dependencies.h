// What each cell's evaluation depends on, for precise re-evaluation: the
// cells whose values it may read and the modules whose exported code may run,
// directly or through the functions it calls (transitively), including the
// default expressions of record fields and parameters it may use.
#pragma once

#include <vector>

#include "clive/compiler/checker.h"

namespace clive::compiler {

struct CellDependencies {
  std::vector<CellId> cells;      // sorted, unique
  std::vector<ModuleId> code;     // modules whose exported functions it calls
};

// One entry per cell of `module`, in CheckedModule::cells order.
std::vector<CellDependencies> AnalyzeDependencies(const Program& program, const CheckedModule& module);

}  // namespace clive::compiler
