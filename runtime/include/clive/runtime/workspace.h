// A workspace: a directory tree of clive.cl modules and its store.
//
// `Run` is the whole pipeline behind `clivec run`: discover modules, parse,
// check, JIT-compile, evaluate, and commit every cell to the store.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "clive/compiler/checker.h"
#include "clive/compiler/jit.h"
#include "clive/lang/diagnostics.h"
#include "clive/runtime/persist.h"
#include "clive/runtime/value.h"

namespace clive::runtime {

inline constexpr const char* kModuleFileName = "clive.cl";
inline constexpr const char* kStoreDirName = ".clive";

struct ModuleFile {
  std::string module_path;  // "" for the root module, "a.b" for a/b/clive.cl
  std::filesystem::path file;
};

struct Workspace {
  std::filesystem::path root;
  std::vector<ModuleFile> modules;  // sorted by module path
};

// `target` is a workspace directory (every clive.cl below it is a module,
// hidden directories skipped) or a single .cl file (the root module alone).
Expected<Workspace> DiscoverWorkspace(const std::filesystem::path& target);

// The store of the workspace containing `start`: the nearest `.clive`
// directory in `start` or its parents.
Expected<std::filesystem::path> FindStore(const std::filesystem::path& start);

struct RunOptions {
  std::filesystem::path target;
  std::optional<std::filesystem::path> store_dir;  // default: <root>/.clive
  bool use_object_cache = true;
};

// Where imports are looked up: the workspace root, then the stdlib
// ($CLIVE_STDLIB, or the stdlib this clivec was built with).
compiler::SearchPath SearchPathFor(const Workspace& workspace);

// Loads and checks every module of `workspace` (and what they import).
struct CheckReport {
  std::unique_ptr<compiler::Program> program;  // owns what diagnostics point into
  std::vector<lang::Diagnostic> diagnostics;
  size_t error_count = 0;
};
// `cache` (optional) holds parses of files whose text is unchanged.
Expected<CheckReport> CheckWorkspace(const Workspace& workspace, compiler::ParseCache* cache = nullptr);

struct CellResult {
  std::string address;
  std::string type;
  Value value;
  CommittedCell commit;
};

// Why a module's code was (re)loaded, for --explain.
struct ModuleLoad {
  std::string module;       // module path ("" for the root module)
  std::string reason;       // "new", "source changed", "interface of a.b changed"
  bool from_cache = false;  // true: no code generation ran
};

// Why a cell was evaluated, and whether its value changed.
struct CellEvaluation {
  std::string address;
  std::string reason;  // "new", "a.b recompiled", "reads a.x, which changed", ...
  enum class Outcome { kChanged, kUnchanged, kFailed, kBlocked } outcome = Outcome::kChanged;
};

struct RunReport {
  std::filesystem::path store_dir;
  std::vector<ModuleLoad> loads;              // in load order
  std::vector<std::string> unloaded;          // modules that left the program
  std::vector<CellEvaluation> evaluations;    // in evaluation order
  compiler::JitStats jit;                     // totals since the engine started
  // Owns the files that `diagnostics` point into (shared with the engine,
  // which reuses the parses of unchanged files once the report is gone).
  std::shared_ptr<compiler::Program> program;
  std::vector<lang::Diagnostic> diagnostics;
  std::vector<CellResult> cells;  // module by module, cells in source order
  bool committed = false;         // false when any diagnostic is an error
  size_t changed_commits = 0;     // cell commits written by this update
  // Where the time went, in milliseconds (for --explain and benchmarks).
  struct Phases {
    double check = 0, load = 0, evaluate = 0, commit = 0;
  } ms;
};

// Evaluates the workspace and, if every module checks and evaluates without
// error, commits all cells in one atomic transaction. With errors nothing is
// committed. The returned Status covers failures outside the program (I/O,
// the store); errors in the program are diagnostics in the report.
Expected<RunReport> Run(const RunOptions& options);

}  // namespace clive::runtime
