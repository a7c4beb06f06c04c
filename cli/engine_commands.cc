// clivec run, watch and cache: the live engine (runtime/engine.h) from the
// command line.
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <thread>

#include "clive/lsp/diagnostic_json.h"
#include "clive/runtime/engine.h"
#include "clive/runtime/file_watcher.h"
#include "clive/runtime/object_cache.h"
#include "cli_output.h"
#include "commands.h"

namespace clive::cli {
namespace {

namespace fs = std::filesystem;

size_t ErrorCount(const runtime::RunReport& report) {
  size_t errors = 0;
  for (const auto& d : report.diagnostics) errors += d.severity == lang::Severity::kError;
  return errors;
}


const char* OutcomeText(runtime::CellEvaluation::Outcome outcome) {
  switch (outcome) {
    case runtime::CellEvaluation::Outcome::kChanged: return "changed";
    case runtime::CellEvaluation::Outcome::kUnchanged: return "unchanged";
    case runtime::CellEvaluation::Outcome::kFailed: return "failed";
    case runtime::CellEvaluation::Outcome::kBlocked: return "blocked: an input failed";
  }
  return "?";
}

// --explain: one line per module (re)loaded and per cell evaluated.
void PrintExplanation(const runtime::RunReport& report, std::ostream& out) {
  for (const runtime::ModuleLoad& load : report.loads) {
    out << "explain: module " << runtime::ModuleDisplayName(load.module) << ": " << load.reason << " ("
        << (load.from_cache ? "from cache" : "compiled") << ")\n";
  }
  for (const std::string& module : report.unloaded) out << "explain: module " << runtime::ModuleDisplayName(module) << ": removed\n";
  for (const runtime::CellEvaluation& e : report.evaluations) {
    out << "explain: cell " << e.address << ": " << e.reason << " -> " << OutcomeText(e.outcome) << "\n";
  }
  out << "explain: codegen " << report.jit.compiled << ", from cache " << report.jit.from_cache << "\n";
  char timing[160];
  std::snprintf(timing, sizeof timing, "explain: ms: check %.1f, load %.1f, evaluate %.1f, commit %.1f\n",
                report.ms.check, report.ms.load, report.ms.evaluate, report.ms.commit);
  out << timing;
}

nlohmann::ordered_json ExplanationJson(const runtime::RunReport& report) {
  nlohmann::ordered_json out;
  out["modules"] = nlohmann::ordered_json::array();
  for (const runtime::ModuleLoad& load : report.loads) {
    out["modules"].push_back({{"module", load.module}, {"reason", load.reason}, {"from_cache", load.from_cache}});
  }
  out["cells"] = nlohmann::ordered_json::array();
  for (const runtime::CellEvaluation& e : report.evaluations) {
    out["cells"].push_back({{"cell", e.address}, {"reason", e.reason}, {"outcome", OutcomeText(e.outcome)}});
  }
  out["codegen"] = report.jit.compiled;
  out["from_cache"] = report.jit.from_cache;
  return out;
}

runtime::EngineOptions EngineOptionsFor(const std::string& target, const std::optional<std::string>& store,
                                        bool use_cache) {
  runtime::EngineOptions options;
  options.target = target;
  if (store) options.store_dir = *store;
  options.use_object_cache = use_cache;
  return options;
}

// The changes that matter: files of loaded modules, and clive.cl files in
// the workspace (new modules). Anything else (a module nothing loads, other
// files) is ignored.
std::vector<fs::path> RelevantChanges(const runtime::FileChanges& changes, const runtime::Engine& engine) {
  std::vector<fs::path> relevant;
  std::vector<fs::path> loaded;
  for (const fs::path& f : engine.WatchedFiles()) loaded.push_back(fs::absolute(f).lexically_normal());
  fs::path root = fs::absolute(engine.root()).lexically_normal();
  for (const fs::path& file : changes.files) {
    bool is_loaded = std::find(loaded.begin(), loaded.end(), file) != loaded.end();
    auto [r, f] = std::mismatch(root.begin(), root.end(), file.begin(), file.end());
    bool in_workspace = r == root.end();
    bool is_module = file.filename() == runtime::kModuleFileName;
    // A directory in the workspace appearing or going may add or remove modules.
    bool is_dir = file.extension().empty() && in_workspace && file.filename() != runtime::kModuleFileName;
    if (is_loaded || (in_workspace && (is_module || is_dir))) relevant.push_back(file);
  }
  return relevant;
}

// Ends the process without tearing down the engine: unloading a thousand JIT
// units and freeing every value takes longer than the rest of a warm run,
// and the OS reclaims it all at once (clang's -disable-free, for the same
// reason). Everything durable was committed before this point.
[[noreturn]] void ExitNow(int code) {
  std::cout.flush();
  std::cerr.flush();
  std::_Exit(code);
}

constexpr size_t kMaxNamesPerLine = 20;

volatile sig_atomic_t g_stop = 0;  // set by SIGINT/SIGTERM; async-signal-safe by type
void OnSignal(int) { g_stop = 1; }

}  // namespace

int RunCommand(const RunFlags& flags) {
  auto engine = runtime::Engine::Open(EngineOptionsFor(flags.target, flags.store, !flags.no_cache));
  if (!engine.ok()) return Fail(engine.status());
  auto report = (*engine)->Update(/*all_cells=*/true);
  if (!report.ok()) return Fail(report.status());
  size_t errors = ErrorCount(*report);

  if (flags.json) {
    nlohmann::ordered_json out;
    out["store"] = report->store_dir.string();
    out["committed"] = report->committed;
    out["cells"] = nlohmann::ordered_json::array();
    for (const auto& cell : report->cells) {
      nlohmann::ordered_json c;
      c["cell"] = cell.address;
      c["type"] = cell.type;
      c["value"] = runtime::ToJson(cell.value);
      if (report->committed) {
        c["ref"] = cell.commit.ref;
        c["id"] = cell.commit.value_id.Hex();
        c["commit"] = cell.commit.commit_id.Hex();
        c["changed"] = cell.commit.changed;
      }
      out["cells"].push_back(std::move(c));
    }
    out["diagnostics"] = nlohmann::ordered_json::array();
    for (const auto& d : report->diagnostics) out["diagnostics"].push_back(lsp::ToCliJson(d));
    if (flags.explain) out["explain"] = ExplanationJson(*report);
    std::cout << out.dump(2) << "\n";
    ExitNow(errors > 0 ? 1 : 0);
  }

  for (const auto& d : report->diagnostics) std::cerr << lang::Render(d);
  if (flags.explain) PrintExplanation(*report, std::cerr);
  for (const auto& cell : report->cells) {
    std::cout << cell.address << " = " << runtime::Format(cell.value) << "\n";
  }
  if (errors > 0) {
    std::cerr << "clivec: " << Plural(errors, "error") << "; nothing was committed\n";
    ExitNow(1);
  }
  std::cerr << "clivec: " << Plural(report->cells.size(), "cell") << " in " << report->store_dir.string() << " ("
            << report->changed_commits << " changed)\n";
  ExitNow(0);
}

int WatchCommand(const WatchFlags& flags) {
  if (flags.debounce_ms < 0 || flags.max_updates < 0) {
    std::cerr << "clivec: watch: --debounce-ms and --max-updates take non-negative numbers\n";
    return 2;
  }
  auto engine = runtime::Engine::Open(EngineOptionsFor(flags.target, flags.store, true));
  if (!engine.ok()) return Fail(engine.status());
  auto watcher = runtime::FileWatcher::Create();
  if (!watcher.ok()) return Fail(watcher.status());
  struct sigaction action {};
  action.sa_handler = OnSignal;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);

  auto watch_everything = [&]() -> Status {
    // The library roots too: a module may start importing any module there.
    for (const fs::path& root : (*engine)->SearchRoots()) {
      std::error_code ec;
      if (fs::is_directory(root, ec)) CLIVE_RETURN_IF_ERROR((*watcher)->WatchTree(root));
    }
    // And the store: `clivec set` or a push from another process moves refs
    // that set input cells and live references read.
    return (*watcher)->WatchFile((*engine)->store_dir() / "data.mdb");
  };
  // One line per update on stdout: what was recompiled, which cells changed.
  auto update = [&](int number, std::chrono::steady_clock::time_point since,
                    const std::vector<fs::path>* changed) -> Status {
    auto report = changed != nullptr ? (*engine)->Update(/*all_cells=*/false, *changed)
                                     : (*engine)->Update(/*all_cells=*/false);
    if (!report.ok()) {
      // The files may be changing under us (a checkout, an editor's save):
      // try once more on the settled tree before saying so; either way the
      // watch goes on, and the next change updates again.
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      report = (*engine)->Update(/*all_cells=*/false);
    }
    if (!report.ok()) {
      std::cerr << "clivec: error: " << report.status().message() << "\n";
      std::cout << "update " << number << ": failed; the last good values stay committed" << std::endl;
      return watch_everything();
    }
    for (const auto& d : report->diagnostics) std::cerr << lang::Render(d);
    if (flags.explain) PrintExplanation(*report, std::cout);
    std::ostringstream line;
    line << "update " << number << ": ";
    if (ErrorCount(*report) > 0) {
      line << Plural(ErrorCount(*report), "error") << "; the last good values stay committed";
    } else {
      // Names while they fit on a line, else a count.
      auto list = [&](const std::vector<std::string>& names, const char* noun) {
        if (names.empty()) line << "nothing";
        if (names.size() > kMaxNamesPerLine) line << Plural(names.size(), noun);
        for (size_t i = 0; i < names.size() && names.size() <= kMaxNamesPerLine; ++i) line << (i ? ", " : "") << names[i];
      };
      std::vector<std::string> modules, cells;
      for (const auto& load : report->loads) modules.push_back(runtime::ModuleDisplayName(load.module));
      for (const auto& e : report->evaluations) {
        if (e.outcome == runtime::CellEvaluation::Outcome::kChanged) cells.push_back(e.address);
      }
      line << "recompiled ";
      list(modules, "module");
      line << "; changed ";
      list(cells, "cell");
      for (size_t i = 0; i < report->unloaded.size(); ++i) {
        line << (i ? ", " : "; removed ") << runtime::ModuleDisplayName(report->unloaded[i]);
      }
    }
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - since).count();
    char timing[32];
    std::snprintf(timing, sizeof timing, " (%.1f ms)", ms);
    std::cout << line.str() << timing << std::endl;  // flushed: tests and tools read it live
    return watch_everything();  // the program may have gained modules
  };

  int updates = 0;
  if (Status s = update(++updates, std::chrono::steady_clock::now(), nullptr); !s.ok()) return Fail(s);
  uint64_t store_seen = (*engine)->StoreTransaction();  // our own writes included
  std::cout << "watching " << (*engine)->root().string() << std::endl;
  while (!g_stop && (flags.max_updates == 0 || updates < flags.max_updates)) {
    auto changes = (*watcher)->Wait(std::chrono::milliseconds(200), std::chrono::milliseconds(flags.debounce_ms));
    if (!changes.ok()) return Fail(changes.status());
    if (changes->files.empty() && !changes->overflow) continue;
    auto since = std::chrono::steady_clock::now();
    std::vector<fs::path> relevant;
    bool rescan = changes->overflow;
    if (changes->overflow) {
      std::cout << "events were lost (inotify queue overflow): rescanning" << std::endl;
      if (Status s = watch_everything(); !s.ok()) return Fail(s);
    } else {
      fs::path store_file = fs::absolute((*engine)->store_dir() / "data.mdb").lexically_normal();
      bool store_changed = changes->files.erase(store_file) > 0 && (*engine)->StoreTransaction() != store_seen;
      if (changes->files.empty() && !store_changed) continue;  // our own commits
      relevant = RelevantChanges(*changes, **engine);
      rescan = store_changed;  // a store change is no file edit: update everything
      if (store_changed) relevant.push_back(store_file);
      if (relevant.empty()) {
        if (flags.explain) {
          for (const fs::path& f : changes->files) std::cout << "explain: ignored " << f.string() << ": not loaded\n";
        }
        std::cout << "ignored " << Plural(changes->files.size(), "change") << ": no loaded module" << std::endl;
        continue;
      }
    }
    if (Status s = update(++updates, since, rescan ? nullptr : &relevant); !s.ok()) return Fail(s);
    store_seen = (*engine)->StoreTransaction();
  }
  return 0;
}

int CacheStatsCommand(const CacheFlags& flags) {
  auto store = OpenStore(flags.store, /*write=*/false);
  if (!store.ok()) return Fail(store.status());
  auto stats = runtime::ReadCacheStats(**store);
  if (!stats.ok()) return Fail(stats.status());
  if (flags.json) {
    std::cout << nlohmann::ordered_json{{"entries", stats->entries}, {"bytes", stats->bytes}}.dump(2) << "\n";
  } else {
    std::cout << Plural(stats->entries, "compiled module") << ", " << stats->bytes << " bytes\n";
  }
  return 0;
}

int CacheClearCommand(const CacheFlags& flags) {
  auto store = OpenStore(flags.store, /*write=*/true);
  if (!store.ok()) return Fail(store.status());
  auto cleared = runtime::ClearCache(**store);
  if (!cleared.ok()) return Fail(cleared.status());
  std::cout << "removed " << Plural(*cleared, "compiled module") << "\n";
  return 0;
}

}  // namespace clive::cli
