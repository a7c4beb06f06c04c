#include "server.h"

#include <iostream>

#include "clive/lsp/diagnostic_json.h"
#include "clive/runtime/workspace.h"
#include "language_features.h"
#include "text.h"

namespace clive::lsp {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

// params[key] as an object or string, or InvalidParams.
const json& Field(const json& params, const char* key) {
  if (!params.is_object() || !params.contains(key)) throw InvalidParams(std::string("missing `") + key + "`");
  return params[key];
}

std::string StringField(const json& params, const char* key) {
  const json& value = Field(params, key);
  if (!value.is_string()) throw InvalidParams(std::string("`") + key + "` must be a string");
  return value.get<std::string>();
}

// The module path of a clive.cl below `root` ("" for root/clive.cl, "a.b"
// for root/a/b/clive.cl), or nullopt if `file` is not one.
std::optional<std::string> ModulePathOf(const fs::path& root, const fs::path& file) {
  if (file.filename() != runtime::kModuleFileName) return std::nullopt;
  fs::path relative = file.parent_path().lexically_relative(root);
  if (relative.empty() || *relative.begin() == "..") return std::nullopt;
  std::string path;
  for (const auto& part : relative) {
    if (part == ".") continue;
    path += (path.empty() ? "" : ".") + part.string();
  }
  return path;
}

bool IsUnder(const fs::path& file, const fs::path& root) {
  fs::path relative = file.lexically_relative(root);
  return !relative.empty() && *relative.begin() != "..";
}

const compiler::CheckedModule* ModuleOf(const compiler::Program& program, const fs::path& file) {
  for (size_t i = 0; i < program.size(); ++i) {
    if (program.module(static_cast<compiler::ModuleId>(i)).file->path() == file.string()) {
      return &program.module(static_cast<compiler::ModuleId>(i));
    }
  }
  return nullptr;
}

// How many `{` of `text` are not closed, skipping string literals and
// comments (roughly: completion only needs a hint).
int UnclosedBraces(std::string_view text) {
  int open = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '"') {
      for (++i; i < text.size() && text[i] != '"' && text[i] != '\n'; ++i) {
        if (text[i] == '\\') ++i;
      }
    } else if (c == '/' && i + 1 < text.size() && text[i + 1] == '/') {
      i = std::min(text.find('\n', i), text.size());
    } else if (c == '{') {
      ++open;
    } else if (c == '}' && open > 0) {
      --open;
    }
  }
  return open;
}

}  // namespace

LanguageService::LanguageService(Notify notify)
    : notify_(std::move(notify)), scheduler_([this](const std::string& key) { Check(key); }) {}

json LanguageService::Capabilities() {
  return {
      {"positionEncoding", "utf-16"},
      // 2: incremental; every change is a range edit of the text we hold.
      {"textDocumentSync", {{"openClose", true}, {"change", 2}}},
      {"hoverProvider", true},
      {"definitionProvider", true},
      {"completionProvider", {{"triggerCharacters", {"."}}}},
      {"documentSymbolProvider", true},
  };
}

LanguageService::Document& LanguageService::DocumentFor(const json& params) {
  std::string uri = StringField(Field(params, "textDocument"), "uri");
  auto it = documents_.find(uri);
  if (it == documents_.end()) throw InvalidParams("document not open: " + uri);
  return it->second;
}

std::string LanguageService::WorkspaceFor(const fs::path& path) {
  Workspace ws;
  std::string key;
  if (path.filename() != runtime::kModuleFileName) {
    // A loose .cl file is a program of its own (as `clivec check f.cl`).
    ws.root = path.parent_path();
    ws.single_file = path;
    key = "file:" + path.string();
  } else {
    // A module of a workspace already open belongs to it (the deepest one);
    // else the root is the directory holding the store, else the file's.
    std::string best;
    for (const auto& [existing, open] : workspaces_) {
      if (open.single_file.empty() && IsUnder(path, open.root) && existing.size() > best.size()) best = existing;
    }
    if (!best.empty()) return best;
    auto store = runtime::FindStore(path.parent_path());
    ws.root = store.ok() ? store->parent_path() : path.parent_path();
    key = ws.root.string();
  }
  workspaces_.try_emplace(key, std::move(ws));
  return key;
}

compiler::SourceOverlay LanguageService::Overlay() const {
  compiler::SourceOverlay overlay;
  for (const auto& [uri, doc] : documents_) overlay[doc.path.string()] = doc.text;
  return overlay;
}

std::unique_ptr<compiler::Program> LanguageService::CheckWith(const Workspace& ws,
                                                              const compiler::SourceOverlay& overlay,
                                                              lang::DiagnosticSink& sink) const {
  runtime::Workspace layout;
  layout.root = ws.root;
  if (!ws.single_file.empty()) {
    layout.modules.push_back({"", ws.single_file});
  } else {
    if (auto found = runtime::DiscoverWorkspace(ws.root); found.ok()) layout.modules = std::move(found->modules);
    // Open documents that are not saved yet are modules too.
    for (const auto& [uri, doc] : documents_) {
      std::optional<std::string> module_path = ModulePathOf(ws.root, doc.path);
      if (!module_path) continue;
      bool listed = false;
      for (const auto& m : layout.modules) listed |= m.file.lexically_normal() == doc.path;
      if (!listed) layout.modules.push_back({*module_path, doc.path});
    }
  }
  std::vector<compiler::ModuleRequest> requests;
  for (const auto& m : layout.modules) requests.push_back({m.module_path, m.file.lexically_normal()});
  auto program = compiler::CheckProgram(requests, runtime::SearchPathFor(layout), sink, overlay);
  if (!program.ok()) {
    std::cerr << "clivec lsp: cannot check " << ws.root.string() << ": " << program.status().message() << "\n";
    return nullptr;
  }
  return std::move(*program);
}

void LanguageService::Check(const std::string& key) {
  Workspace& ws = workspaces_.at(key);
  lang::DiagnosticSink sink;
  ws.program = CheckWith(ws, Overlay(), sink);

  // Every module of the workspace gets its (possibly empty) list, so that
  // fixed errors disappear; so do files outside it (the stdlib) that have
  // diagnostics now or had them last time.
  std::map<std::string, json> by_file;
  if (ws.program) {
    for (size_t i = 0; i < ws.program->size(); ++i) {
      fs::path file = ws.program->module(static_cast<compiler::ModuleId>(i)).file->path();
      bool mine = ws.single_file.empty() ? IsUnder(file, ws.root) : file == ws.single_file;
      if (mine) by_file.try_emplace(file.string(), json::array());
    }
  }
  for (const std::string& file : ws.with_diagnostics) by_file.try_emplace(file, json::array());
  ws.with_diagnostics.clear();
  for (const lang::Diagnostic& d : sink.diagnostics()) {
    if (d.file == nullptr) continue;
    by_file[d.file->path()].push_back(ToLspDiagnostic(d));
    ws.with_diagnostics.insert(d.file->path());
  }
  for (auto& [file, diagnostics] : by_file) {
    json params = {{"uri", PathToUri(file)}, {"diagnostics", std::move(diagnostics)}};
    for (const auto& [uri, doc] : documents_) {
      if (doc.path.string() == file) params["version"] = doc.version;
    }
    notify_("textDocument/publishDiagnostics", std::move(params));
  }
}

void LanguageService::DidOpen(const json& params) {
  const json& item = Field(params, "textDocument");
  std::string uri = StringField(item, "uri");
  std::optional<fs::path> path = UriToPath(uri);
  if (!path) throw InvalidParams("not a file URI: " + uri);
  Document doc;
  doc.path = *path;
  doc.text = StringField(item, "text");
  if (item.contains("version") && item["version"].is_number_integer()) doc.version = item["version"].get<int64_t>();
  doc.workspace = WorkspaceFor(*path);
  documents_[uri] = std::move(doc);
  Changed(*path);
}

void LanguageService::DidChange(const json& params) {
  Document& doc = DocumentFor(params);
  const json& changes = Field(params, "contentChanges");
  if (!changes.is_array()) throw InvalidParams("`contentChanges` must be an array");
  // Apply to a copy: a malformed event leaves the document as it was.
  std::string text = doc.text;
  for (const json& change : changes) {
    if (!ApplyChange(text, change)) throw InvalidParams("malformed content change");
  }
  doc.text = std::move(text);
  const json& id = params["textDocument"];
  if (id.contains("version") && id["version"].is_number_integer()) doc.version = id["version"].get<int64_t>();
  Changed(doc.path);
}

void LanguageService::DidClose(const json& params) {
  fs::path path = DocumentFor(params).path;
  documents_.erase(StringField(params["textDocument"], "uri"));
  // The file on disk is what counts again.
  Changed(path);
}

void LanguageService::Changed(const fs::path& file) {
  // Its own workspace, and every other one that imports it (a shared
  // library module, the stdlib).
  std::set<std::string> affected;
  for (const auto& [uri, doc] : documents_) {
    if (doc.path == file) affected.insert(doc.workspace);
  }
  for (const auto& [key, ws] : workspaces_) {
    if (ws.program && ModuleOf(*ws.program, file) != nullptr) affected.insert(key);
  }
  for (const std::string& key : affected) scheduler_.Changed(key);
}

LanguageService::Target LanguageService::Locate(const json& params) {
  Document& doc = DocumentFor(params);
  std::optional<Position> pos = PositionFromJson(Field(params, "position"));
  if (!pos) throw InvalidParams("malformed `position`");
  scheduler_.Flush(doc.workspace);
  const Workspace& ws = workspaces_.at(doc.workspace);
  Target target;
  target.offset = OffsetOf(doc.text, *pos);
  if (!ws.program) return target;
  target.program = ws.program.get();
  target.module = ModuleOf(*ws.program, doc.path);
  return target;
}

json LanguageService::Hover(const json& params) {
  Target t = Locate(params);
  return t.module ? lsp::Hover(*t.program, *t.module, t.offset) : json(nullptr);
}

json LanguageService::Definition(const json& params) {
  Target t = Locate(params);
  return t.module ? lsp::Definition(*t.program, *t.module, t.offset) : json(nullptr);
}

json LanguageService::Completion(const json& params) {
  Document& doc = DocumentFor(params);
  std::optional<Position> pos = PositionFromJson(Field(params, "position"));
  if (!pos) throw InvalidParams("malformed `position`");
  // Check the text with an identifier written at the cursor: `jvm.` and
  // `JVM { ` are unfinished, `jvm.X` and `JVM { X` parse into the member or
  // field-init node whose context says what may go there.
  uint32_t offset = OffsetOf(doc.text, *pos);
  auto complete = [&](std::string_view closing) {
    std::string text = doc.text;
    text.insert(offset, std::string(kCompletionMarker) + std::string(closing));
    compiler::SourceOverlay overlay = Overlay();
    overlay[doc.path.string()] = std::move(text);
    lang::DiagnosticSink sink;
    std::unique_ptr<compiler::Program> program = CheckWith(workspaces_.at(doc.workspace), overlay, sink);
    const compiler::CheckedModule* module = program ? ModuleOf(*program, doc.path) : nullptr;
    return module ? lsp::Completion(*program, *module) : json::array();
  };
  json items = complete("");
  // A block still being typed (`T {` and nothing after) may not parse into a
  // builder at all; closing it right after the cursor usually does.
  if (items.empty()) {
    if (int open = UnclosedBraces(doc.text); open > 0) items = complete(std::string(open, '}'));
  }
  return {{"isIncomplete", false}, {"items", std::move(items)}};
}

json LanguageService::DocumentSymbol(const json& params) {
  Document& doc = DocumentFor(params);
  scheduler_.Flush(doc.workspace);
  const Workspace& ws = workspaces_.at(doc.workspace);
  const compiler::CheckedModule* module = ws.program ? ModuleOf(*ws.program, doc.path) : nullptr;
  return module ? lsp::DocumentSymbols(*ws.program, *module) : json::array();
}

}  // namespace clive::lsp
