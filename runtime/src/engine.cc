#include "clive/runtime/engine.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <unordered_map>
#include <set>
#include <tuple>

#include "clive/compiler/dependencies.h"
#include "clive/runtime/evaluate.h"
#include "clive/runtime/inputs.h"
#include "clive/runtime/materialize.h"
#include "clive/runtime/object_cache.h"

namespace clive::runtime {
namespace fs = std::filesystem;

namespace {

std::string CellAddress(const std::string& module_path, std::string_view cell) {
  return module_path.empty() ? std::string(cell) : module_path + "." + std::string(cell);
}

std::string ModuleName(const std::string& path) { return path.empty() ? "(root)" : path; }

// The memory one update's evaluations allocate, and everything that memory
// may point into. Compiled values are pointers into an arena (Context) or
// into constants of the code that built them, and a value may share parts of
// the values it read. So a generation keeps alive the code that ran and the
// generations of the values its cells read; a cell keeps alive the
// generation its current value lives in. Generations nobody needs are freed
// with their arenas, and modules replaced since are unloaded with them.
struct Generation {
  abi::Context context;
  std::vector<std::shared_ptr<compiler::LoadedModule>> code;
  std::vector<std::shared_ptr<Generation>> inputs;
};

struct CellState {
  std::string type;  // type name, for reports
  Value value;
  bool has_value = false;
  // Must be evaluated at the next update: its last evaluation failed or was
  // blocked by an input that failed.
  bool stale = true;
  bool dirty = false;       // evaluated but not committed yet
  uint64_t changed_in = 0;  // the update in which its value last changed
  bool failed_now = false;  // failed or blocked in the current update
  std::string trailers;     // for its commit: a set input cell's
  std::shared_ptr<Generation> generation;
};

struct ModuleState {
  std::string source_hash;
  std::string cache_key;
  std::string interface_hash;
  std::map<std::string, std::string> import_interfaces;  // import path -> its interface hash
  std::shared_ptr<compiler::LoadedModule> code;
  uint64_t loaded_in = 0;  // the update that loaded `code`
  store::ObjectId source_blob;
  // What each cell depends on (compiler::AnalyzeDependencies), kept while
  // neither this module's code nor the code its cells call is replaced.
  std::vector<compiler::CellDependencies> deps;
  bool deps_valid = false;
  std::map<std::string, CellState, std::less<>> cells;
};

}  // namespace

struct Engine::State {
  fs::path target;
  fs::path root;
  fs::path store_dir;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<StoreObjectCache> cache;
  std::unique_ptr<compiler::Jit> jit;
  std::map<std::string, ModuleState> modules;  // by module path
  std::vector<fs::path> watched;
  uint64_t update = 0;
  compiler::ParseCache parses;
  std::vector<std::string> module_paths;  // by ModuleId, in the last update
  std::shared_ptr<compiler::Program> last_program;  // the previous update's

  Expected<RunReport> Update(bool all_cells);

 private:
  const compiler::CheckedModule* prelude_ = nullptr;  // of the program being updated
  // The modules whose interfaces `module`'s code depends on: its imports and
  // the prelude.
  std::vector<compiler::ModuleId> Dependencies(const compiler::Program& program,
                                               const compiler::CheckedModule& module) const;
  Status LoadModules(const compiler::Program& program, RunReport& report);
  void Evaluate(const compiler::Program& program, const InputValues& set_inputs, RunReport& report);
  Status Commit(RunReport& report);
};

Engine::Engine(std::unique_ptr<State> state) : state_(std::move(state)) {}
Engine::~Engine() = default;

const fs::path& Engine::root() const { return state_->root; }
const fs::path& Engine::store_dir() const { return state_->store_dir; }
std::vector<fs::path> Engine::WatchedFiles() const { return state_->watched; }
std::vector<fs::path> Engine::SearchRoots() const {
  Workspace ws;
  ws.root = state_->root;
  return SearchPathFor(ws).roots;
}

Expected<std::unique_ptr<Engine>> Engine::Open(const EngineOptions& options) {
  auto ws = DiscoverWorkspace(options.target);
  if (!ws.ok()) return ws.status();
  auto state = std::make_unique<State>();
  state->target = options.target;
  state->root = ws->root;
  state->store_dir = options.store_dir.value_or(ws->root / kStoreDirName);
  auto store = store::Store::Open(state->store_dir);
  if (!store.ok()) return store.status();
  state->store = std::move(*store);
  if (options.use_object_cache) state->cache = std::make_unique<StoreObjectCache>(*state->store);
  auto jit = compiler::Jit::Create(state->cache.get());
  if (!jit.ok()) return jit.status();
  state->jit = std::move(*jit);
  return std::unique_ptr<Engine>(new Engine(std::move(state)));
}

Expected<RunReport> Engine::Update(bool all_cells) { return state_->Update(all_cells); }

std::vector<compiler::ModuleId> Engine::State::Dependencies(const compiler::Program&,
                                                            const compiler::CheckedModule& module) const {
  std::vector<compiler::ModuleId> deps = module.imports;
  const compiler::CheckedModule* prelude = prelude_;
  if (prelude != nullptr && prelude->id != module.id &&
      std::find(deps.begin(), deps.end(), prelude->id) == deps.end()) {
    deps.push_back(prelude->id);
  }
  return deps;
}

namespace {
double MillisecondsSince(std::chrono::steady_clock::time_point& start) {
  auto now = std::chrono::steady_clock::now();
  double ms = std::chrono::duration<double, std::milli>(now - start).count();
  start = now;
  return ms;
}
}  // namespace

Expected<RunReport> Engine::State::Update(bool all_cells) {
  ++update;
  auto clock = std::chrono::steady_clock::now();
  RunReport report;
  report.store_dir = store_dir;
  auto ws = DiscoverWorkspace(target);
  if (!ws.ok()) return ws.status();
  // The previous program's parses are reused, unless a report still
  // points into it.
  if (last_program != nullptr && last_program.use_count() == 1) parses.Keep(*last_program);
  last_program.reset();
  auto checked = CheckWorkspace(*ws, &parses);
  if (!checked.ok()) return checked.status();
  report.program = std::move(checked->program);
  last_program = report.program;
  report.diagnostics = std::move(checked->diagnostics);
  const compiler::Program& program = *report.program;
  report.ms.check = MillisecondsSince(clock);
  watched.clear();
  for (compiler::ModuleId id = 0; id < program.size(); ++id) watched.push_back(program.module(id).file->path());
  // Code needs a program without errors: a module's code may use any module
  // it imports. The previous code and values stay as they were.
  if (checked->error_count > 0) {
    report.jit = jit->stats();
    return report;
  }

  // Input cells that were set take their set values (runtime/inputs.h).
  auto inputs = LoadInputValues(*store, *ws, program);
  if (!inputs.ok()) return inputs.status();
  if (!inputs->diagnostics.empty()) {
    for (auto& d : inputs->diagnostics) report.diagnostics.push_back(std::move(d));
    report.jit = jit->stats();
    return report;
  }

  CLIVE_RETURN_IF_ERROR(LoadModules(program, report));
  report.ms.load = MillisecondsSince(clock);
  bool load_failed = std::any_of(report.diagnostics.begin(), report.diagnostics.end(),
                                 [](const lang::Diagnostic& d) { return d.severity == lang::Severity::kError; });
  if (!load_failed) Evaluate(program, *inputs, report);
  report.ms.evaluate = MillisecondsSince(clock);

  // Modules that left the program: their cells are no longer computed (their
  // refs stay in the store, with their history).
  for (auto it = modules.begin(); it != modules.end();) {
    if (program.Find(it->first) == nullptr) {
      report.unloaded.push_back(it->first);
      it = modules.erase(it);
    } else {
      ++it;
    }
  }

  bool has_errors = std::any_of(report.diagnostics.begin(), report.diagnostics.end(),
                                [](const lang::Diagnostic& d) { return d.severity == lang::Severity::kError; });
  if (!has_errors) CLIVE_RETURN_IF_ERROR(Commit(report));
  if (cache) CLIVE_RETURN_IF_ERROR(cache->Flush());
  report.ms.commit = MillisecondsSince(clock);

  // The report: every cell, or those evaluated now.
  std::set<std::string> evaluated;
  for (const CellEvaluation& e : report.evaluations) evaluated.insert(e.address);
  // Module by module (by path), cells in source order.
  std::vector<const compiler::CheckedModule*> by_path;
  for (compiler::ModuleId id = 0; id < program.size(); ++id) by_path.push_back(&program.module(id));
  std::sort(by_path.begin(), by_path.end(), [](auto* a, auto* b) { return a->path < b->path; });
  std::vector<CellResult> cells;
  for (const compiler::CheckedModule* module : by_path) {
    auto m = modules.find(module->path);
    if (m == modules.end()) continue;
    for (const compiler::Cell& cell : module->cells) {
      std::string address = CellAddress(module->path, cell.name);
      auto c = m->second.cells.find(cell.name);
      if (c == m->second.cells.end() || !c->second.has_value || c->second.failed_now) continue;
      if (!all_cells && !evaluated.count(address)) continue;
      cells.push_back({address, c->second.type, c->second.value, {}});
    }
  }
  // Commits were recorded per address by Commit.
  std::map<std::string, CommittedCell> commits;
  for (CellResult& committed : report.cells) commits[committed.address] = std::move(committed.commit);
  for (CellResult& cell : cells) {
    if (auto c = commits.find(cell.address); c != commits.end()) cell.commit = c->second;
  }
  report.cells = std::move(cells);
  report.jit = jit->stats();
  return report;
}

Status Engine::State::LoadModules(const compiler::Program& program, RunReport& report) {
  prelude_ = program.Find("clive.prelude");
  std::vector<std::string> interfaces(program.size());
  for (compiler::ModuleId id : program.order()) {
    const compiler::CheckedModule& module = program.module(id);
    std::string imports_text;
    std::map<std::string, std::string> import_interfaces;
    for (compiler::ModuleId dep : Dependencies(program, module)) {
      const std::string& path = program.module(dep).path;
      import_interfaces[path] = interfaces[dep];
    }
    auto source_hash = store::HashObject(store::ObjectType::kBlob, module.file->text());
    if (!source_hash.ok()) return source_hash.status();
    auto [it, is_new] = modules.try_emplace(module.path);
    ModuleState& state = it->second;
    // Same source, same imported interfaces: same interface, same code.
    if (!is_new && state.source_hash == source_hash->Hex() && state.import_interfaces == import_interfaces &&
        !state.interface_hash.empty()) {
      interfaces[id] = state.interface_hash;
      if (state.code != nullptr || !compiler::HasCode(program, module)) continue;
    }
    for (const auto& [path, hash] : import_interfaces) imports_text += path + " " + hash + "\n";
    interfaces[id] = compiler::InterfaceHash(program, module, interfaces);
    std::string key = jit->CacheKey(module, imports_text);
    state.interface_hash = interfaces[id];
    if (!compiler::HasCode(program, module)) {  // nothing to load
      state.source_hash = source_hash->Hex();
      state.import_interfaces = std::move(import_interfaces);
      continue;
    }
    if (!is_new && state.code != nullptr && state.cache_key == key) continue;
    std::string reason = "new";
    if (!is_new && state.code != nullptr) {
      if (state.source_hash != source_hash->Hex()) {
        reason = "source changed";
      } else {
        reason = "interface changed:";
        for (const auto& [path, hash] : import_interfaces) {
          auto old = state.import_interfaces.find(path);
          if (old == state.import_interfaces.end() || old->second != hash) reason += " " + ModuleName(path);
        }
        if (reason.back() == ':') reason = "compiler changed";
      }
    }
    if (state.source_hash != source_hash->Hex()) {
      auto blob = store->WriteObject(store::ObjectType::kBlob, module.file->text());
      if (!blob.ok()) return blob.status();
      state.source_blob = *blob;
    }
    lang::DiagnosticSink sink;
    auto code = jit->Load(program, module, key, sink);
    for (const auto& d : sink.diagnostics()) report.diagnostics.push_back(d);
    if (!code.ok()) {
      if (sink.has_errors()) return Status::Ok();  // reported as diagnostics
      return code.status();
    }
    state.code = std::shared_ptr<compiler::LoadedModule>(std::move(*code));
    state.loaded_in = update;
    state.cache_key = key;
    state.source_hash = source_hash->Hex();
    state.import_interfaces = std::move(import_interfaces);
    report.loads.push_back({module.path, reason, state.code->from_cache()});
  }
  return Status::Ok();
}

void Engine::State::Evaluate(const compiler::Program& program, const InputValues& set_inputs, RunReport& report) {
  // Kept dependencies name modules by id: valid only while ids mean the
  // same modules.
  std::vector<std::string> paths;
  for (compiler::ModuleId id = 0; id < program.size(); ++id) paths.push_back(program.module(id).path);
  bool renumbered = paths != module_paths;
  module_paths = std::move(paths);
  auto generation = std::make_shared<Generation>();
  std::set<Generation*> inputs;
  // Modules with a cell that changed, failed or was blocked in this update.
  std::vector<bool> touched(program.size(), false);
  for (auto& [path, state] : modules) {
    if (state.code) generation->code.push_back(state.code);
  }
  auto cell_state = [&](const compiler::CellId& id) -> CellState* {
    const compiler::CheckedModule& module = program.module(id.module);
    auto m = modules.find(module.path);
    if (m == modules.end()) return nullptr;
    auto c = m->second.cells.find(module.cells[id.cell].name);
    return c == m->second.cells.end() ? nullptr : &c->second;
  };

  for (compiler::ModuleId id : program.order()) {
    const compiler::CheckedModule& module = program.module(id);
    ModuleState& mstate = modules[module.path];
    // Cells that no longer exist.
    for (auto it = mstate.cells.begin(); it != mstate.cells.end();) {
      bool exists = std::any_of(module.cells.begin(), module.cells.end(),
                                [&](const compiler::Cell& c) { return c.name == it->first; });
      it = exists ? std::next(it) : mstate.cells.erase(it);
    }
    bool code_replaced = mstate.loaded_in == update;
    for (const compiler::CellDependencies& d : mstate.deps) {
      for (compiler::ModuleId code : d.code) {
        auto m = modules.find(program.module(code).path);
        code_replaced = code_replaced || m == modules.end() || m->second.loaded_in == update;
      }
    }
    if (!mstate.deps_valid || code_replaced || renumbered || mstate.deps.size() != module.cells.size()) {
      mstate.deps = compiler::AnalyzeDependencies(program, module);
      mstate.deps_valid = true;
    }
    const std::vector<compiler::CellDependencies>& deps = mstate.deps;
    // Most modules have nothing to do in an update after an edit: skip them
    // without looking at each cell when no module they depend on changed.
    bool quiet = !code_replaced && !renumbered;
    for (const auto& [name, state] : mstate.cells) quiet = quiet && state.has_value && !state.stale;
    quiet = quiet && mstate.cells.size() == module.cells.size();
    for (const compiler::CellDependencies& d : deps) {
      for (const compiler::CellId& dep : d.cells) quiet = quiet && !touched[dep.module];
    }
    // ... and no set value differs from the one it holds.
    if (auto p = set_inputs.presets.find(id); p != set_inputs.presets.end()) {
      for (const PresetCell& preset : p->second) {
        auto state = mstate.cells.find(module.cells[preset.cell].name);
        quiet = quiet && state != mstate.cells.end() && state->second.value == preset.value;
      }
    }
    if (quiet) {
      for (auto& [name, state] : mstate.cells) state.failed_now = false;
      continue;
    }
    for (uint32_t c : module.eval_order) {
      const compiler::Cell& cell = module.cells[c];
      std::string address = CellAddress(module.path, cell.name);
      auto [it, is_new] = mstate.cells.try_emplace(std::string(cell.name));
      CellState& state = it->second;
      state.failed_now = false;
      state.type = program.types.Name(cell.type);
      const PresetCell* preset = set_inputs.Find(id, c);
      state.trailers = preset != nullptr ? preset->trailers : "";

      // Why it must be evaluated, if it must.
      std::string reason;
      if (is_new || !state.has_value) {
        reason = is_new ? "new" : "not evaluated yet";
      } else if (state.stale) {
        reason = "failed before";
      } else if (preset != nullptr && !(preset->value == state.value)) {
        reason = "set with clivec set";
      } else if (mstate.loaded_in == update) {
        reason = ModuleName(module.path) + " recompiled";
      }
      for (compiler::ModuleId code : deps[c].code) {
        if (!reason.empty()) break;
        auto m = modules.find(program.module(code).path);
        if (m != modules.end() && m->second.loaded_in == update) {
          reason = "calls code of " + ModuleName(program.module(code).path) + ", which was recompiled";
        }
      }
      bool blocked = false;
      std::vector<CellState*> read_states;
      for (const compiler::CellId& dep : deps[c].cells) {
        CellState* input = cell_state(dep);
        if (input == nullptr || input->failed_now || !input->has_value) {
          blocked = true;
          continue;
        }
        read_states.push_back(input);
        if (reason.empty() && input->changed_in == update) {
          const compiler::CheckedModule& owner = program.module(dep.module);
          reason = "reads " + CellAddress(owner.path, owner.cells[dep.cell].name) + ", which changed";
        }
      }
      if (reason.empty()) continue;  // up to date: keeps its value
      if (blocked && preset == nullptr) {  // a set value reads nothing
        state.failed_now = true;
        state.stale = true;
        touched[id] = true;
        report.evaluations.push_back({address, reason, CellEvaluation::Outcome::kBlocked});
        continue;
      }

      auto compiled = mstate.code->Cell(cell.name);
      bool ok = compiled.ok();
      if (ok && preset != nullptr) {
        // The set value stands in for evaluating the cell: cells that read
        // it read its word.
        auto word = Materialize(preset->value, cell.type, program.types, generation->context);
        if (word.ok()) *compiled->slot = *word;
        if (!word.ok()) compiled = word.status();
        ok = word.ok();
      } else if (ok) {
        generation->context.ClearFailure();
        ok = compiled->evaluate(&generation->context);
      }
      if (!ok) {
        state.failed_now = true;
        state.stale = true;
        if (compiled.ok() && generation->context.failure()) {
          report.diagnostics.push_back(RuntimeDiagnostic(program, module, cell, *generation->context.failure()));
        } else {
          report.diagnostics.push_back({lang::Severity::kError, "E0399", module.file.get(), cell.name_range,
                                        compiled.status().message(), {}});
        }
        report.evaluations.push_back({address, reason, CellEvaluation::Outcome::kFailed});
        touched[id] = true;
        continue;
      }
      Value value = Extract(program.types, cell.type, *compiled->slot);
      bool changed = !state.has_value || !(value == state.value);
      for (CellState* input : read_states) {
        // A value read from an earlier generation may be shared by this one.
        if (input->generation && input->generation != generation && inputs.insert(input->generation.get()).second) {
          generation->inputs.push_back(input->generation);
        }
      }
      state.generation = generation;
      state.stale = false;
      state.has_value = true;
      if (changed) {
        state.value = std::move(value);
        state.changed_in = update;
        state.dirty = true;
      }
      report.evaluations.push_back(
          {address, reason, changed ? CellEvaluation::Outcome::kChanged : CellEvaluation::Outcome::kUnchanged});
      if (changed) touched[id] = true;
    }
  }
}

Status Engine::State::Commit(RunReport& report) {
  std::vector<CellUpdate> updates;
  std::vector<std::string> types;
  for (auto& [path, mstate] : modules) {
    for (auto& [name, state] : mstate.cells) {
      if (!state.dirty || !state.has_value || state.stale) continue;
      updates.push_back({CellAddress(path, name), state.value, mstate.source_blob, state.trailers});
      types.push_back(state.type);
    }
  }
  report.committed = true;
  if (updates.empty()) return Status::Ok();
  auto committed = CommitCells(*store, updates);
  if (!committed.ok()) return committed.status();
  for (size_t i = 0; i < updates.size(); ++i) {
    report.changed_commits += (*committed)[i].changed;
    report.cells.push_back({updates[i].address, types[i], {}, (*committed)[i]});
  }
  for (auto& [path, mstate] : modules) {
    for (auto& [name, state] : mstate.cells) state.dirty = state.dirty && state.stale;
  }
  return Status::Ok();
}

}  // namespace clive::runtime
