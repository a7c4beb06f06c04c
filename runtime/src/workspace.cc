#include "clive/runtime/workspace.h"

#include <algorithm>
#include <cstdlib>

#include "clive/compiler/checker.h"
#include "clive/compiler/jit.h"
#include "clive/lang/parser.h"
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

// A stable JIT unit name: the module path plus a hash of its source, so
// that a changed module never collides with its previous code.
std::string UnitName(const ModuleFile& module, const store::ObjectId& source_blob) {
  return "clive." + (module.module_path.empty() ? std::string("_root") : module.module_path) + "." +
         source_blob.Hex().substr(0, 16);
}

}  // namespace

Expected<RunReport> Run(const RunOptions& options) {
  auto ws = DiscoverWorkspace(options.target);
  if (!ws.ok()) return ws.status();
  RunReport report;
  report.store_dir = options.store_dir.value_or(ws->root / kStoreDirName);
  auto store = store::Store::Open(report.store_dir);
  if (!store.ok()) return store.status();
  auto jit = compiler::Jit::Create();
  if (!jit.ok()) return jit.status();

  std::vector<CellUpdate> updates;
  std::vector<std::string> types;
  for (const ModuleFile& module : ws->modules) {
    auto source = lang::SourceFile::Read(module.file);
    if (!source.ok()) return source.status();
    report.sources.push_back(std::make_unique<lang::SourceFile>(std::move(*source)));
    const lang::SourceFile& file = *report.sources.back();

    lang::DiagnosticSink sink;
    std::unique_ptr<lang::SyntaxTree> tree = lang::Parse(file, sink);
    std::unique_ptr<compiler::CheckedModule> checked = compiler::Check(*tree, sink);
    for (const auto& d : sink.diagnostics()) report.diagnostics.push_back(d);
    if (sink.has_errors()) continue;

    auto source_blob = (*store)->WriteObject(store::ObjectType::kBlob, file.text());
    if (!source_blob.ok()) return source_blob.status();
    auto code = (*jit)->Load(*checked, UnitName(module, *source_blob));
    if (!code.ok()) return code.status();
    auto evaluation = EvaluateModule(*checked, **code);
    if (!evaluation.ok()) return evaluation.status();
    for (auto& d : evaluation->errors) report.diagnostics.push_back(std::move(d));

    // Report cells in source order, whatever order they were evaluated in.
    std::sort(evaluation->cells.begin(), evaluation->cells.end(),
              [](const EvaluatedCell& a, const EvaluatedCell& b) { return a.cell < b.cell; });
    for (EvaluatedCell& cell : evaluation->cells) {
      const compiler::Cell& info = checked->cells[cell.cell];
      types.push_back(checked->types.Name(info.type));
      updates.push_back({CellAddress(module.module_path, info.name), std::move(cell.value), *source_blob});
    }
  }

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
    report.cells.push_back({updates[i].address, types[i], std::move(updates[i].value), committed[i]});
  }
  return report;
}

}  // namespace clive::runtime
