#include "clive/runtime/workspace.h"

#include <algorithm>
#include <cstdlib>
#include <tuple>

#include "clive/compiler/checker.h"
#include "clive/compiler/jit.h"
#include "clive/runtime/evaluate.h"

namespace clive::runtime {
namespace fs = std::filesystem;

namespace {

bool IsIdentifier(const std::string& s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

}  // namespace

Expected<Workspace> DiscoverWorkspace(const fs::path& target) {
  std::error_code ec;
  fs::file_status status = fs::status(target, ec);
  if (ec || !fs::exists(status)) {
    return Status::NotFound(target.string() + ": no such file or directory");
  }
  Workspace ws;
  if (!fs::is_directory(status)) {
    ws.root = target.parent_path().empty() ? fs::path(".") : target.parent_path();
    ws.modules.push_back({"", target});
    return ws;
  }
  ws.root = target;
  fs::recursive_directory_iterator it(target, fs::directory_options::skip_permission_denied, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const fs::path& path = it->path();
    if (it->is_directory()) {
      std::string name = path.filename().string();
      // Hidden directories (the store, VCS data) and directories whose name
      // cannot be imported hold no modules.
      if (!IsIdentifier(name)) it.disable_recursion_pending();
      continue;
    }
    if (path.filename() != kModuleFileName) continue;
    std::string module_path;
    for (const auto& part : fs::relative(path.parent_path(), target)) {
      if (part == ".") continue;
      module_path += (module_path.empty() ? "" : ".") + part.string();
    }
    ws.modules.push_back({module_path, path});
  }
  if (ec) return Status::IOError("cannot read " + target.string() + ": " + ec.message());
  if (ws.modules.empty()) {
    return Status::NotFound(target.string() + ": no " + kModuleFileName + " in this directory");
  }
  std::sort(ws.modules.begin(), ws.modules.end(),
            [](const ModuleFile& a, const ModuleFile& b) { return a.module_path < b.module_path; });
  return ws;
}

namespace {

// Like GIT_CEILING_DIRECTORIES: a colon-separated list of directories the
// upward search for a store does not enter (their subdirectories are still
// searched). Tests use it to stay hermetic.
std::vector<fs::path> CeilingDirectories() {
  std::vector<fs::path> result;
  const char* env = std::getenv("CLIVE_CEILING_DIRECTORIES");
  if (env == nullptr) return result;
  std::string_view list(env);
  while (!list.empty()) {
    size_t colon = list.find(':');
    std::string_view item = list.substr(0, colon);
    if (!item.empty()) result.push_back(fs::path(item).lexically_normal());
    if (colon == std::string_view::npos) break;
    list.remove_prefix(colon + 1);
  }
  return result;
}

}  // namespace

Expected<fs::path> FindStore(const fs::path& start) {
  std::error_code ec;
  fs::path dir = fs::absolute(start, ec).lexically_normal();
  std::vector<fs::path> ceilings = CeilingDirectories();
  for (; !ec; dir = dir.parent_path()) {
    if (std::find(ceilings.begin(), ceilings.end(), dir) != ceilings.end()) break;
    std::error_code missing;  // a missing candidate is not an error
    fs::path candidate = dir / kStoreDirName;
    if (fs::is_directory(candidate, missing)) return candidate;
    if (dir == dir.root_path()) break;
  }
  return Status::NotFound("no clive store (" + std::string(kStoreDirName) + ") in " + start.string() +
                          " or any parent directory; run `clivec run` first or pass --store");
}

namespace {

std::string CellAddress(const std::string& module_path, std::string_view cell) {
  return module_path.empty() ? std::string(cell) : module_path + "." + std::string(cell);
}

}  // namespace

compiler::SearchPath SearchPathFor(const Workspace& workspace) {
  compiler::SearchPath search;
  search.roots.push_back(workspace.root);
  const char* stdlib = std::getenv("CLIVE_STDLIB");
  search.roots.push_back(stdlib != nullptr && *stdlib != '\0' ? fs::path(stdlib) : fs::path(CLIVE_DEFAULT_STDLIB));
  return search;
}

Expected<CheckReport> CheckWorkspace(const Workspace& workspace) {
  std::vector<compiler::ModuleRequest> requests;
  for (const ModuleFile& module : workspace.modules) requests.push_back({module.module_path, module.file});
  lang::DiagnosticSink sink;
  auto program = compiler::CheckProgram(requests, SearchPathFor(workspace), sink);
  if (!program.ok()) return program.status();
  return CheckReport{std::move(*program), sink.diagnostics(), sink.error_count()};
}

Expected<RunReport> Run(const RunOptions& options) {
  auto ws = DiscoverWorkspace(options.target);
  if (!ws.ok()) return ws.status();
  RunReport report;
  report.store_dir = options.store_dir.value_or(ws->root / kStoreDirName);
  auto store = store::Store::Open(report.store_dir);
  if (!store.ok()) return store.status();

  auto checked = CheckWorkspace(*ws);
  if (!checked.ok()) return checked.status();
  report.program = std::move(checked->program);
  report.diagnostics = std::move(checked->diagnostics);
  // Evaluation needs a program without errors: a module's code may read any
  // module it imports.
  if (checked->error_count > 0) return report;

  const compiler::Program& program = *report.program;
  auto jit = compiler::Jit::Create();
  if (!jit.ok()) return jit.status();
  // Every module stays loaded until all are evaluated: cells read the
  // slots of the modules they import.
  std::vector<std::unique_ptr<compiler::LoadedModule>> loaded;
  std::vector<compiler::CellId> failed;
  abi::Context context;  // one arena: cells point into their imports' values
  struct Pending {
    std::string module_path;
    uint32_t cell;
    CellUpdate update;
    std::string type;
  };
  std::vector<Pending> pending;
  for (compiler::ModuleId id : program.order()) {
    const compiler::CheckedModule& module = program.module(id);
    auto source_blob = (*store)->WriteObject(store::ObjectType::kBlob, module.file->text());
    if (!source_blob.ok()) return source_blob.status();
    lang::DiagnosticSink sink;
    auto code = (*jit)->Load(program, module, sink);
    for (const auto& d : sink.diagnostics()) report.diagnostics.push_back(d);
    if (!code.ok()) {
      if (sink.has_errors()) break;  // reported as diagnostics
      return code.status();
    }
    auto evaluation = EvaluateModule(program, module, **code, context, failed);
    if (!evaluation.ok()) return evaluation.status();
    loaded.push_back(std::move(*code));
    for (auto& d : evaluation->errors) report.diagnostics.push_back(std::move(d));
    for (EvaluatedCell& cell : evaluation->cells) {
      const compiler::Cell& info = module.cells[cell.cell];
      pending.push_back({module.path, cell.cell,
                         {CellAddress(module.path, info.name), std::move(cell.value), *source_blob},
                         program.types.Name(info.type)});
    }
  }
  // Report module by module (by path), cells in source order.
  std::sort(pending.begin(), pending.end(), [](const Pending& a, const Pending& b) {
    return std::tie(a.module_path, a.cell) < std::tie(b.module_path, b.cell);
  });
  std::vector<CellUpdate> updates;
  for (Pending& p : pending) updates.push_back(std::move(p.update));

  bool has_errors = std::any_of(report.diagnostics.begin(), report.diagnostics.end(),
                                [](const lang::Diagnostic& d) { return d.severity == lang::Severity::kError; });
  std::vector<CommittedCell> committed(updates.size());
  if (!has_errors) {
    auto result = CommitCells(**store, updates);
    if (!result.ok()) return result.status();
    committed = std::move(*result);
    report.committed = true;
  }
  for (size_t i = 0; i < updates.size(); ++i) {
    report.cells.push_back({updates[i].address, pending[i].type, std::move(updates[i].value), committed[i]});
  }
  return report;
}

}  // namespace clive::runtime
