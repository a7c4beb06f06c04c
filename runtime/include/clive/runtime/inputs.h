// Input cells (`@input val port: Int = 8080`): cells whose value may be set
// from outside with `clivec set`, which commits it as a new version of the
// cell. `clivec run` then uses the set value instead of the declared one.
//
// Stored values outlive the declarations of their types. When a record type
// gains a field with a default, a stored value is brought up to date with
// the default (evaluated where the type is declared); a removed or retyped
// field, a new field without default or a removed enum case is an
// incompatible change (E0402) naming the type, the field and the cells.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "clive/compiler/checker.h"
#include "clive/lang/diagnostics.h"
#include "clive/runtime/evaluate.h"
#include "clive/runtime/persist.h"
#include "clive/runtime/workspace.h"

namespace clive::runtime {

// The commit trailer of versions that were set, not computed: `cli` for
// `clivec set`, `upgraded` for a set value brought up to date by a run.
inline constexpr const char* kSetTrailer = "Clive-Set";

struct SetOptions {
  std::filesystem::path target = ".";  // the workspace
  std::optional<std::filesystem::path> store_dir;  // default: <root>/.clive
  std::string cell;   // "name", or "a.b.name" for module a.b
  std::string value;  // JSON, or else a clive expression
};

struct SetReport {
  std::filesystem::path store_dir;
  std::unique_ptr<compiler::Program> program;  // owns what diagnostics point into
  std::unique_ptr<lang::SourceFile> value_file;  // "<value>": the argument
  std::unique_ptr<compiler::Program> value_program;  // where a clive literal was checked
  std::vector<lang::Diagnostic> diagnostics;
  std::string type;  // the cell's declared type
  Value value;
  CommittedCell commit;
  bool committed = false;  // false when any diagnostic is an error
};

// Checks the workspace, parses `options.value` as a value of the input
// cell's declared type and commits it. Mistakes in the program or the value
// are diagnostics (E0400 a value of the wrong type, E0401 a cell that is not
// an input); the Status covers the rest (no such cell, I/O, the store).
Expected<SetReport> SetInput(const SetOptions& options);

// A cell's value as stored, perhaps under older declarations of its types.
struct StoredValue {
  compiler::CellId cell;
  Value value;
};
struct UpToDateValues {
  std::vector<Value> values;  // per stored value, of its cell's type now; empty with diagnostics
  // E0402, one per changed declaration with every cell it affects; they
  // point into `program`.
  std::vector<lang::Diagnostic> diagnostics;
};
// Brings stored values up to date with their cells' types as `program`
// declares them: fields in declaration order, new fields filled with their
// defaults (evaluated where their types are declared, so `workspace` is
// checked and JIT-compiled again when any is needed).
Expected<UpToDateValues> BringUpToDate(const Workspace& workspace, const compiler::Program& program,
                                       const std::vector<StoredValue>& stored);

// The set values of `program`'s input cells, for `Run`: each set input
// cell's latest version, brought up to date with its type.
// A cell whose value is given rather than computed: a set input cell.
struct PresetCell {
  uint32_t cell = 0;     // index into CheckedModule::cells
  Value value;           // of the cell's type
  std::string trailers;  // for the commit of the value, if it changes
};

struct InputValues {
  std::map<compiler::ModuleId, std::vector<PresetCell>> presets;
  // The preset of cell `cell` of module `module`, or null.
  const PresetCell* Find(compiler::ModuleId module, uint32_t cell) const;
  // E0402, pointing into `program`; with any, nothing may be committed.
  std::vector<lang::Diagnostic> diagnostics;
};
Expected<InputValues> LoadInputValues(store::Store& store, const Workspace& workspace,
                                      const compiler::Program& program);

}  // namespace clive::runtime
