#include "clive/runtime/workspace.h"

#include <algorithm>
#include <cstdlib>
#include <tuple>

#include "clive/compiler/checker.h"
#include "clive/compiler/jit.h"
#include "clive/runtime/engine.h"

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

compiler::SearchPath SearchPathFor(const Workspace& workspace) {
  compiler::SearchPath search;
  search.roots.push_back(workspace.root);
  const char* stdlib = std::getenv("CLIVE_STDLIB");
  search.roots.push_back(stdlib != nullptr && *stdlib != '\0' ? fs::path(stdlib) : fs::path(CLIVE_DEFAULT_STDLIB));
  return search;
}

Expected<CheckReport> CheckWorkspace(const Workspace& workspace, compiler::ParseCache* cache) {
  std::vector<compiler::ModuleRequest> requests;
  for (const ModuleFile& module : workspace.modules) requests.push_back({module.module_path, module.file});
  lang::DiagnosticSink sink;
  auto program = compiler::CheckProgram(requests, SearchPathFor(workspace), sink, {}, cache);
  if (!program.ok()) return program.status();
  return CheckReport{std::move(*program), sink.diagnostics(), sink.error_count()};
}

Expected<RunReport> Run(const RunOptions& options) {
  EngineOptions engine_options;
  engine_options.target = options.target;
  engine_options.store_dir = options.store_dir;
  engine_options.use_object_cache = options.use_object_cache;
  auto engine = Engine::Open(engine_options);
  if (!engine.ok()) return engine.status();
  return (*engine)->Update(/*all_cells=*/true);
}

}  // namespace clive::runtime
