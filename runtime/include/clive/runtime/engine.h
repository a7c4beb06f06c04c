// The live engine: one workspace kept checked, compiled, evaluated and
// committed across changes.
//
// Each Update re-reads the workspace and does only the work a change calls
// for (docs/architecture.md, "Precise invalidation"):
//   - a module is reloaded only if its object-cache key changed: its source,
//     or the interface of a module it imports (early cutoff: a body-only edit
//     leaves the interface, and so the importers' code, alone); reloading
//     takes the code from the store's object cache when it is there;
//   - modules no program module imports are never loaded;
//   - a cell is evaluated again only if its module was reloaded, code it
//     calls was reloaded, or a cell it reads changed value in this update; a
//     cell that evaluates to the value it had does not propagate;
//   - changed cells are committed in one transaction.
// `clivec run` is one Update; `clivec watch` calls Update after each change.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "clive/compiler/jit.h"
#include "clive/runtime/workspace.h"

namespace clive::runtime {

struct EngineOptions {
  std::filesystem::path target;                    // workspace directory or file
  std::optional<std::filesystem::path> store_dir;  // default: <root>/.clive
  bool use_object_cache = true;
};

class Engine {
 public:
  static Expected<std::unique_ptr<Engine>> Open(const EngineOptions& options);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Brings everything up to date with the files on disk. `all_cells`: report
  // every cell (as `clivec run` prints them), else only those evaluated.
  // With errors (diagnostics) nothing is committed, and the last committed
  // values stay; cells that changed are committed by the next clean update.
  Expected<RunReport> Update(bool all_cells);
  // The same, told which files changed (by a file watcher). When they are
  // all modules nothing imports, only those are parsed and checked again,
  // in the program kept from the last update; otherwise the whole workspace
  // is, as by Update.
  Expected<RunReport> Update(bool all_cells, const std::vector<std::filesystem::path>& changed);

  const std::filesystem::path& root() const;
  const std::filesystem::path& store_dir() const;
  // The files of the modules loaded by the last update, and the roots they
  // are searched in (the workspace, then the library roots), for watchers.
  std::vector<std::filesystem::path> WatchedFiles() const;
  std::vector<std::filesystem::path> SearchRoots() const;
  // The store's last write transaction (store::Store::LastTransaction): a
  // watcher compares it with the value after its own update to tell whether
  // another process (`clivec set`, a push) changed the store since.
  uint64_t StoreTransaction() const;

 private:
  struct State;
  explicit Engine(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace clive::runtime
