#include "clive/runtime/engine.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <unordered_map>
#include <set>
#include <tuple>

#include "clive/compiler/dependencies.h"
#include "clive/runtime/error_codes.h"
#include "clive/runtime/evaluate.h"
#include "clive/runtime/inputs.h"
#include "clive/runtime/materialize.h"
#include "clive/runtime/object_cache.h"

namespace clive::runtime {
namespace fs = std::filesystem;

namespace {


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
  // Cells it read through live references (`ref.value`) when last evaluated:
  // inputs as much as the cells its expression names.
  std::vector<std::string> ref_reads;
  std::shared_ptr<Generation> generation;
  std::vector<std::string> inputs;  // the cells it read: Clive-Input trailers
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
  bool last_clean = false;   // the last update's program checked without errors
  // Of the files of `last_program`, by identity (cleared with each whole check).
  std::unordered_map<const lang::SourceFile*, store::ObjectId> source_hashes;
  std::unordered_map<std::string, compiler::ModuleId> module_by_file;
  std::optional<Workspace> last_workspace;
  int in_place_checks = 0;   // RecheckLeaves since the last whole check
  std::vector<std::string> module_paths;  // by ModuleId, in the last update
  std::shared_ptr<compiler::Program> last_program;  // the previous update's

  Expected<RunReport> Update(bool all_cells, const std::vector<fs::path>* changed = nullptr);

 private:
  const compiler::CheckedModule* prelude_ = nullptr;  // of the program being updated
  // The modules whose interfaces `module`'s code depends on: its imports and
  // the prelude.
  std::vector<compiler::ModuleId> Dependencies(const compiler::Program& program,
                                               const compiler::CheckedModule& module) const;
  class Pass;
  // Checks the changed files in place when they are modules nothing
  // imports; nullopt when the whole workspace must be checked.
  std::optional<CheckReport> RecheckLeaves(const Workspace& ws, const std::vector<fs::path>& changed);
  Expected<store::ObjectId> SourceHash(const lang::SourceFile& file);
  Status LoadModules(const compiler::Program& program, RunReport& report);
  void Evaluate(const compiler::Program& program, const InputValues& set_inputs, RunReport& report);
  Status Commit(RunReport& report);
};

Engine::Engine(std::unique_ptr<State> state) : state_(std::move(state)) {}
Engine::~Engine() = default;

const fs::path& Engine::root() const { return state_->root; }
const fs::path& Engine::store_dir() const { return state_->store_dir; }
std::vector<fs::path> Engine::WatchedFiles() const { return state_->watched; }
uint64_t Engine::StoreTransaction() const { return state_->store->LastTransaction(); }
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
Expected<RunReport> Engine::Update(bool all_cells, const std::vector<fs::path>& changed) {
  return state_->Update(all_cells, &changed);
}

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

std::optional<CheckReport> Engine::State::RecheckLeaves(const Workspace& ws, const std::vector<fs::path>& changed) {
  // Types of replaced text stay in the program's type table: after this
  // many in-place checks the whole program is checked afresh.
  constexpr int kMaxInPlaceChecks = 256;
  if (last_program == nullptr || last_program.use_count() != 1 || !last_clean || in_place_checks >= kMaxInPlaceChecks) {
    return std::nullopt;
  }
  compiler::Program& program = *last_program;
  std::vector<std::pair<compiler::ModuleId, std::string>> edits;
  for (const fs::path& file : changed) {
    std::optional<compiler::ModuleId> found;
    if (auto it = module_by_file.find(file.string()); it != module_by_file.end()) found = it->second;
    if (!found) return std::nullopt;  // a new module, a directory, a deleted file...
    if (program.module(*found).path == "clive.prelude") return std::nullopt;  // every module sees it
    for (compiler::ModuleId id = 0; id < program.size(); ++id) {
      const auto& imports = program.module(id).imports;
      if (std::find(imports.begin(), imports.end(), *found) != imports.end()) return std::nullopt;
    }
    auto text = lang::SourceFile::Read(file);
    if (!text.ok()) return std::nullopt;
    if (text->text() != program.module(*found).file->text()) edits.emplace_back(*found, text->text());
  }
  lang::DiagnosticSink sink;
  for (auto& [id, text] : edits) {
    // Its SourceFile is replaced, and the address may come back for the new
    // one: forget the old one's hash.
    source_hashes.erase(program.module(id).file.get());
    compiler::RecheckModule(program, id, std::move(text), SearchPathFor(ws), sink, {});
  }
  ++in_place_checks;
  return CheckReport{nullptr, sink.diagnostics(), sink.error_count()};
}

Expected<RunReport> Engine::State::Update(bool all_cells, const std::vector<fs::path>* changed) {
  ++update;
  auto clock = std::chrono::steady_clock::now();
  RunReport report;
  report.store_dir = store_dir;
  // A change to modules nothing imports is checked in place (those modules
  // alone; the set of modules is the same); anything else discovers and
  // checks the whole workspace, reusing the parses of files whose text did
  // not change.
  std::optional<CheckReport> checked;
  if (changed != nullptr && last_workspace) checked = RecheckLeaves(*last_workspace, *changed);
  if (checked) {
    report.program = last_program;
  } else {
    auto ws = DiscoverWorkspace(target);
    if (!ws.ok()) return ws.status();
    last_workspace = std::move(*ws);
    if (last_program != nullptr && last_program.use_count() == 1) parses.Keep(*last_program);
    last_program.reset();
    source_hashes.clear();
    in_place_checks = 0;
    auto full = CheckWorkspace(*last_workspace, &parses);
    if (!full.ok()) return full.status();
    checked = std::move(*full);
    report.program = std::move(checked->program);
    last_program = report.program;
    module_by_file.clear();
    for (compiler::ModuleId id = 0; id < last_program->size(); ++id) {
      module_by_file[fs::absolute(last_program->module(id).file->path()).lexically_normal().string()] = id;
    }
  }
  const Workspace* ws = &*last_workspace;
  last_clean = checked->error_count == 0;
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

Expected<store::ObjectId> Engine::State::SourceHash(const lang::SourceFile& file) {
  // Files checked in place keep their SourceFile: no need to hash them again.
  if (auto it = source_hashes.find(&file); it != source_hashes.end()) return it->second;
  auto id = store::HashObject(store::ObjectType::kBlob, file.text());
  if (id.ok()) source_hashes[&file] = *id;
  return id;
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
    auto source_hash = SourceHash(*module.file);
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
          if (old == state.import_interfaces.end() || old->second != hash) reason += " " + ModuleDisplayName(path);
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

// One update's evaluation. Cells are visited in program order, but a cell is
// evaluated on demand: before it, the cells it reads (statically, and through
// live references read last time) are brought up to date, and a reference
// read while it runs brings its target up to date first. A cell reached again
// while it is in progress is a cycle through references.
class Engine::State::Pass {
 public:
  Pass(State& engine, const compiler::Program& program, const InputValues& set_inputs, RunReport& report)
      : e_(engine), program_(program), set_inputs_(set_inputs), report_(report),
        generation_(std::make_shared<Generation>()), touched_(program.size(), false),
        progress_(program.size()) {
    for (auto& [path, state] : e_.modules) {
      if (state.code) generation_->code.push_back(state.code);
    }
    for (compiler::ModuleId id = 0; id < program.size(); ++id) {
      const compiler::CheckedModule& m = program.module(id);
      progress_[id].assign(m.cells.size(), Progress::kPending);
    }
    generation_->context.SetRefResolver([this](std::string_view address) { return FollowRef(address); });
  }

  void Run() {
    // Kept dependencies name modules by id: valid only while ids mean the
    // same modules.
    std::vector<std::string> paths;
    for (compiler::ModuleId id = 0; id < program_.size(); ++id) paths.push_back(program_.module(id).path);
    renumbered_ = paths != e_.module_paths;
    e_.module_paths = std::move(paths);
    for (compiler::ModuleId id : program_.order()) Prepare(id);
    for (compiler::ModuleId id : program_.order()) {
      if (Quiet(id)) continue;
      for (uint32_t c : program_.module(id).eval_order) Cell(id, c);
    }
  }

 private:
  enum class Progress : uint8_t { kPending, kInProgress, kDone };

  // Drops cells that no longer exist and refreshes the dependency analysis
  // if code changed.
  void Prepare(compiler::ModuleId id) {
    const compiler::CheckedModule& module = program_.module(id);
    ModuleState& mstate = e_.modules[module.path];
    // A module's cells change only with its source, which reloads it.
    for (auto it = mstate.cells.begin(); (mstate.loaded_in == e_.update || renumbered_) && it != mstate.cells.end();) {
      bool exists = std::any_of(module.cells.begin(), module.cells.end(),
                                [&](const compiler::Cell& c) { return c.name == it->first; });
      it = exists ? std::next(it) : mstate.cells.erase(it);
    }
    bool code_replaced = mstate.loaded_in == e_.update;
    for (const compiler::CellDependencies& d : mstate.deps) {
      for (compiler::ModuleId code : d.code) {
        auto m = e_.modules.find(program_.module(code).path);
        code_replaced = code_replaced || m == e_.modules.end() || m->second.loaded_in == e_.update;
      }
    }
    if (!mstate.deps_valid || code_replaced || renumbered_ || mstate.deps.size() != module.cells.size()) {
      mstate.deps = compiler::AnalyzeDependencies(program_, module);
      mstate.deps_valid = true;
    }
    code_replaced_[id] = code_replaced;
  }

  // Most modules have nothing to do in an update after an edit: they are
  // skipped without looking at each cell when no module they read from
  // changed (those come earlier in program order, so they are decided).
  bool Quiet(compiler::ModuleId id) {
    const compiler::CheckedModule& module = program_.module(id);
    ModuleState& mstate = e_.modules[module.path];
    bool quiet = !code_replaced_[id] && !renumbered_ && mstate.cells.size() == module.cells.size();
    for (const auto& [name, state] : mstate.cells) {
      quiet = quiet && state.has_value && !state.stale && state.ref_reads.empty();
    }
    for (const compiler::CellDependencies& d : mstate.deps) {
      for (const compiler::CellId& dep : d.cells) quiet = quiet && !touched_[dep.module];
    }
    if (auto p = set_inputs_.presets.find(id); p != set_inputs_.presets.end()) {
      for (const PresetCell& preset : p->second) {
        auto state = mstate.cells.find(module.cells[preset.cell].name);
        quiet = quiet && state != mstate.cells.end() && state->second.value == preset.value;
      }
    }
    if (quiet) {
      for (auto& [name, state] : mstate.cells) state.failed_now = false;
    }
    return quiet;
  }

  CellState* StateOf(compiler::ModuleId id, uint32_t c) {
    const compiler::CheckedModule& module = program_.module(id);
    auto m = e_.modules.find(module.path);
    if (m == e_.modules.end()) return nullptr;
    auto it = m->second.cells.find(module.cells[c].name);
    return it == m->second.cells.end() ? nullptr : &it->second;
  }

  // Brings cell `c` of module `id` up to date. Returns false if it is in
  // progress (a cycle) — the caller reports it.
  bool Cell(compiler::ModuleId id, uint32_t c) {
    Progress& progress = progress_[id][c];
    if (progress == Progress::kDone) return true;
    if (progress == Progress::kInProgress) return false;
    progress = Progress::kInProgress;
    stack_.push_back({id, c});
    Evaluate(id, c);
    stack_.pop_back();
    progress_[id][c] = Progress::kDone;
    return true;
  }

  void Evaluate(compiler::ModuleId id, uint32_t c) {
    const compiler::CheckedModule& module = program_.module(id);
    ModuleState& mstate = e_.modules[module.path];
    const compiler::Cell& cell = module.cells[c];
    std::string address = CellAddress(module.path, cell.name);
    auto [it, is_new] = mstate.cells.try_emplace(std::string(cell.name));
    CellState& state = it->second;
    state.failed_now = false;
    state.type = program_.types.Name(cell.type);
    const PresetCell* preset = set_inputs_.Find(id, c);
    state.trailers = preset != nullptr ? preset->trailers : "";
    const compiler::CellDependencies& deps = mstate.deps[c];

    // Why it must be evaluated, if it must.
    std::string reason;
    if (is_new || !state.has_value) {
      reason = is_new ? "new" : "not evaluated yet";
    } else if (state.stale) {
      reason = "failed before";
    } else if (preset != nullptr && !(preset->value == state.value)) {
      reason = "set with clivec set";
    } else if (mstate.loaded_in == e_.update) {
      reason = ModuleDisplayName(module.path) + " recompiled";
    }
    for (compiler::ModuleId code : deps.code) {
      if (!reason.empty()) break;
      auto m = e_.modules.find(program_.module(code).path);
      if (m != e_.modules.end() && m->second.loaded_in == e_.update) {
        reason = "calls code of " + ModuleDisplayName(program_.module(code).path) + ", which was recompiled";
      }
    }
    bool blocked = false;
    std::vector<CellState*> read_states;
    auto input = [&](compiler::CellId dep, const char* how) {
      const compiler::CheckedModule& owner = program_.module(dep.module);
      std::string dep_address = CellAddress(owner.path, owner.cells[dep.cell].name);
      if (!Cell(dep.module, dep.cell)) {
        Cycle(id, c, dep_address);
        blocked = true;
        return;
      }
      CellState* in = StateOf(dep.module, dep.cell);
      if (in == nullptr || in->failed_now || !in->has_value) {
        blocked = true;
        return;
      }
      read_states.push_back(in);
      if (reason.empty() && in->changed_in == e_.update) reason = "reads " + dep_address + how + ", which changed";
    };
    for (const compiler::CellId& dep : deps.cells) input(dep, "");
    for (const std::string& target : std::vector<std::string>(state.ref_reads)) {
      auto found = ByAddress().find(target);
      if (found == ByAddress().end()) {
        if (reason.empty()) reason = "reads " + target + " through a reference, which is gone";
        continue;
      }
      input({found->second.first, found->second.second}, " through a reference");
    }
    if (reason.empty()) return;  // up to date: keeps its value
    if (blocked && preset == nullptr) {  // a set value reads nothing
      state.failed_now = true;
      state.stale = true;
      touched_[id] = true;
      report_.evaluations.push_back({address, reason, CellEvaluation::Outcome::kBlocked});
      return;
    }

    auto compiled = mstate.code->Cell(cell.name);
    bool ok = compiled.ok();
    abi::Context& context = generation_->context;
    std::vector<std::string> ref_reads;
    if (ok && preset != nullptr) {
      // The set value stands in for evaluating the cell: cells that read
      // it read its word.
      auto word = Materialize(preset->value, cell.type, program_.types, context);
      if (word.ok()) *compiled->slot = *word;
      if (!word.ok()) compiled = word.status();
      ok = word.ok();
    } else if (ok) {
      readers_.push_back({&ref_reads, &read_states, {}});
      context.ClearFailure();
      ok = compiled->evaluate(&context);
      if (!ok && !readers_.back().note.empty()) ref_note_ = readers_.back().note;
      readers_.pop_back();
    }
    if (!ok) {
      state.failed_now = true;
      state.stale = true;
      bool cycle = cycles_.count({id, c}) > 0;  // reported as E0304 already
      if (compiled.ok() && context.failure() && !cycle) {
        lang::Diagnostic d = RuntimeDiagnostic(program_, module, cell, *context.failure(), context.failure_message());
        if (context.failure()->error == abi::RuntimeError::kUnresolvedRef && !ref_note_.empty()) {
          d.notes.push_back({nullptr, {}, ref_note_});
        }
        report_.diagnostics.push_back(std::move(d));
      } else if (!cycle) {
        report_.diagnostics.push_back({lang::Severity::kError, "E0399", module.file.get(), cell.name_range,
                                       compiled.status().message(), {}});
      }
      ref_note_.clear();
      context.ClearFailure();
      report_.evaluations.push_back({address, reason, CellEvaluation::Outcome::kFailed});
      touched_[id] = true;
      return;
    }
    state.ref_reads = std::move(ref_reads);
    Value value = Extract(program_.types, cell.type, *compiled->slot);
    bool changed = !state.has_value || !(value == state.value);
    for (CellState* in : read_states) {
      // A value read from an earlier generation may be shared by this one.
      if (in->generation && in->generation != generation_ && inputs_.insert(in->generation.get()).second) {
        generation_->inputs.push_back(in->generation);
      }
    }
    state.generation = generation_;
    state.inputs.clear();  // a set value reads nothing
    if (preset == nullptr) {
      for (const compiler::CellId& dep : deps.cells) {
        const compiler::CheckedModule& owner = program_.module(dep.module);
        state.inputs.push_back(CellAddress(owner.path, owner.cells[dep.cell].name));
      }
      state.inputs.insert(state.inputs.end(), state.ref_reads.begin(), state.ref_reads.end());
    }
    state.stale = false;
    state.has_value = true;
    if (changed) {
      state.value = std::move(value);
      state.changed_in = e_.update;
      state.dirty = true;
      touched_[id] = true;
    }
    report_.evaluations.push_back(
        {address, reason, changed ? CellEvaluation::Outcome::kChanged : CellEvaluation::Outcome::kUnchanged});
  }

  // The resolver of `ref.value` reads: the target's current word, once it
  // is up to date; the reading cell records the target as an input.
  std::optional<uint64_t> FollowRef(std::string_view address) {
    if (readers_.empty()) return std::nullopt;
    Reader& reader = readers_.back();
    auto found = ByAddress().find(std::string(address));
    if (found == ByAddress().end()) {
      reader.note = "no cell `" + std::string(address) + "` in this workspace";
      return std::nullopt;
    }
    auto [id, c] = found->second;
    reader.ref_reads->push_back(std::string(address));
    // Bringing the target up to date runs other cells on the same context.
    Reader saved = reader;
    bool ready = Cell(id, c);
    abi::Context& context = generation_->context;
    context.ClearFailure();
    if (!ready) {
      auto [rid, rc] = stack_.back();
      Cycle(rid, rc, std::string(address));
      readers_.back() = saved;
      return std::nullopt;
    }
    CellState* target = StateOf(id, c);
    if (target == nullptr || target->failed_now || !target->has_value) {
      saved.note = "the referenced cell `" + std::string(address) + "` failed";
      readers_.back() = saved;
      return std::nullopt;
    }
    saved.read_states->push_back(target);
    readers_.back() = saved;
    const compiler::CheckedModule& owner = program_.module(id);
    return *e_.jit->CellSlot(owner.path, owner.cells[c].name);
  }

  // "a -> b -> a": the cells in progress from `target` on, back to it.
  std::string CycleText(const std::string& target) const {
    std::string text;
    bool on = false;
    for (auto [sid, sc] : stack_) {
      std::string a = CellAddress(program_.module(sid).path, program_.module(sid).cells[sc].name);
      on = on || a == target;
      if (on) text += a + " -> ";
    }
    return "cycle through live references: " + text + target;
  }

  void Cycle(compiler::ModuleId id, uint32_t c, const std::string& target) {
    if (!cycles_.insert({id, c}).second) return;
    const compiler::CheckedModule& module = program_.module(id);
    report_.diagnostics.push_back({lang::Severity::kError, codes::kReferenceCycle, module.file.get(),
                                   module.cells[c].name_range, CycleText(target), {}});
  }

  struct Reader {  // a cell being evaluated, for the references it follows
    std::vector<std::string>* ref_reads;
    std::vector<CellState*>* read_states;
    std::string note;  // why a reference could not be followed
  };

  State& e_;
  const compiler::Program& program_;
  const InputValues& set_inputs_;
  RunReport& report_;
  std::shared_ptr<Generation> generation_;
  std::set<Generation*> inputs_;
  std::vector<bool> touched_;  // modules with a cell that changed, failed or was blocked
  std::vector<bool> code_replaced_ = std::vector<bool>(program_.size(), false);
  std::vector<std::vector<Progress>> progress_;
  std::vector<std::pair<compiler::ModuleId, uint32_t>> stack_;
  std::vector<Reader> readers_;
  std::string ref_note_;
  std::set<std::pair<compiler::ModuleId, uint32_t>> cycles_;  // cells whose cycle was reported
  // Every cell by address, built when a live reference is first followed.
  using AddressIndex = std::unordered_map<std::string, std::pair<compiler::ModuleId, uint32_t>>;
  const AddressIndex& ByAddress() {
    if (!by_address_) {
      by_address_.emplace();
      for (compiler::ModuleId id = 0; id < program_.size(); ++id) {
        const compiler::CheckedModule& m = program_.module(id);
        for (uint32_t c = 0; c < m.cells.size(); ++c) (*by_address_)[CellAddress(m.path, m.cells[c].name)] = {id, c};
      }
    }
    return *by_address_;
  }
  std::optional<AddressIndex> by_address_;
  bool renumbered_ = false;
};

void Engine::State::Evaluate(const compiler::Program& program, const InputValues& set_inputs, RunReport& report) {
  Pass(*this, program, set_inputs, report).Run();
}

Status Engine::State::Commit(RunReport& report) {
  std::vector<CellUpdate> updates;
  std::vector<std::string> types;
  for (auto& [path, mstate] : modules) {
    for (auto& [name, state] : mstate.cells) {
      if (!state.dirty || !state.has_value || state.stale) continue;
      updates.push_back(
          {CellAddress(path, name), state.value, mstate.source_blob, state.trailers, false, state.inputs});
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
