#include "server.h"

#include <iostream>

#include "clive/lsp/diagnostic_json.h"
#include "clive/runtime/workspace.h"
#include "language_features.h"
#include "symbol_index.h"
#include "text.h"

namespace clive::lsp {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

// params[key], or InvalidParams.
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

std::optional<std::chrono::milliseconds> Millis(const json& options, const char* key) {
  if (!options.is_object() || !options.contains(key) || !options[key].is_number_integer()) return std::nullopt;
  return std::chrono::milliseconds(std::max<int64_t>(0, options[key].get<int64_t>()));
}

// In-place re-checks leave the old text's types behind in the type table;
// after this many the document's analysis is built whole again.
constexpr uint32_t kMaxRechecks = 256;

}  // namespace

// What a workspace pass hands back to the main thread.
struct LanguageService::PassResult {
  std::shared_ptr<const compiler::Program> program;
  std::map<std::string, json> diagnostics;  // by file; every module of the workspace has an entry
};

LanguageService::LanguageService(Notify notify, Post post, EditWaiting edit_waiting)
    : notify_(std::move(notify)), post_(std::move(post)), edit_waiting_(std::move(edit_waiting)) {}

LanguageService::~LanguageService() { Stop(); }

void LanguageService::Stop() {
  if (worker_.joinable()) worker_.join();
}

json LanguageService::Capabilities() {
  return {
      {"positionEncoding", "utf-16"},
      // 2: incremental; every change is a range edit of the text we hold.
      {"textDocumentSync", {{"openClose", true}, {"change", 2}}},
      {"hoverProvider", true},
      {"definitionProvider", true},
      {"referencesProvider", true},
      {"renameProvider", {{"prepareProvider", true}}},
      {"completionProvider", {{"triggerCharacters", {".", "{", "(", ",", ":"}}}},
      {"documentSymbolProvider", true},
      {"workspaceSymbolProvider", true},
      {"semanticTokensProvider", {{"legend", SemanticTokensLegend()}, {"full", true}}},
      {"documentFormattingProvider", true},
      {"signatureHelpProvider", {{"triggerCharacters", {"(", ","}}}},
      {"inlayHintProvider", true},
      {"codeActionProvider", {{"codeActionKinds", {"quickfix"}}}},
  };
}

void LanguageService::Initialize(const json& params) {
  if (!params.is_object()) return;
  auto add_root = [&](const json& uri) {
    if (!uri.is_string()) return;
    if (std::optional<fs::path> path = UriToPath(uri.get<std::string>())) roots_.push_back(path->lexically_normal());
  };
  if (params.contains("workspaceFolders") && params["workspaceFolders"].is_array()) {
    for (const json& folder : params["workspaceFolders"]) {
      if (folder.is_object() && folder.contains("uri")) add_root(folder["uri"]);
    }
  }
  if (params.contains("rootUri")) add_root(params["rootUri"]);
  if (roots_.empty() && params.contains("rootPath") && params["rootPath"].is_string()) {
    roots_.push_back(fs::path(params["rootPath"].get<std::string>()).lexically_normal());
  }
  CheckScheduler::Delays delays = scheduler_.delays();
  const json options = params.value("initializationOptions", json::object());
  if (auto ms = Millis(options, "diagnosticsDelayMs")) delays.document = *ms;
  if (auto ms = Millis(options, "workspaceDelayMs")) delays.workspace = *ms;
  scheduler_.set_delays(delays);
}

LanguageService::Document& LanguageService::DocumentFor(const json& params) {
  std::string uri = StringField(Field(params, "textDocument"), "uri");
  auto it = documents_.find(uri);
  if (it == documents_.end()) throw InvalidParams("document not open: " + uri);
  return it->second;
}

std::string LanguageService::UriOf(const json& params) {
  return StringField(Field(params, "textDocument"), "uri");
}

fs::path LanguageService::RootFor(const fs::path& file) const {
  // The directory holding the store, if there is one; else, inside a
  // workspace folder the client named, the topmost directory of the
  // folder's that holds a clive.cl on the way down to the file (so that
  // `a/b/clive.cl` is module a.b of the root module's workspace); else
  // the file's own directory.
  if (auto store = runtime::FindStore(file.parent_path()); store.ok()) return store->parent_path();
  const fs::path* folder = nullptr;
  for (const fs::path& root : roots_) {
    if (IsUnder(file, root) && (folder == nullptr || root.string().size() > folder->string().size())) folder = &root;
  }
  if (folder == nullptr) return file.parent_path();
  fs::path dir = *folder;
  std::error_code ec;
  if (fs::is_regular_file(dir / runtime::kModuleFileName, ec)) return dir;
  for (const auto& part : file.parent_path().lexically_relative(*folder)) {
    dir /= part;
    if (fs::is_regular_file(dir / runtime::kModuleFileName, ec)) return dir;
  }
  return *folder;
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
    // A module of a workspace already open belongs to it (the deepest one).
    std::string best;
    for (const auto& [existing, open] : workspaces_) {
      if (open.single_file.empty() && IsUnder(path, open.root) && existing.size() > best.size()) best = existing;
    }
    if (!best.empty()) return best;
    ws.root = RootFor(path);
    key = ws.root.string();
  }
  workspaces_.try_emplace(key, std::move(ws));
  return key;
}

compiler::SourceOverlay LanguageService::Overlay() const {
  compiler::SourceOverlay overlay;
  for (const auto& [uri, doc] : documents_) overlay[doc.path.lexically_normal().string()] = doc.text;
  return overlay;
}

std::vector<compiler::ModuleRequest> LanguageService::WorkspaceRequests(const Workspace& ws) const {
  std::vector<compiler::ModuleRequest> requests;
  if (!ws.single_file.empty()) return {{"", ws.single_file.lexically_normal()}};
  if (auto found = runtime::DiscoverWorkspace(ws.root); found.ok()) {
    for (const auto& m : found->modules) requests.push_back({m.module_path, m.file.lexically_normal()});
  }
  // Open documents that are not saved yet are modules too.
  for (const auto& [uri, doc] : documents_) {
    std::optional<std::string> module_path = ModulePathOf(ws.root, doc.path);
    if (!module_path) continue;
    bool listed = false;
    for (const auto& r : requests) listed |= r.file == doc.path.lexically_normal();
    if (!listed) requests.push_back({*module_path, doc.path.lexically_normal()});
  }
  return requests;
}

std::vector<compiler::ModuleRequest> LanguageService::DocumentRequests(const Workspace& ws, const Document& doc) const {
  if (!ws.single_file.empty()) return {{"", ws.single_file.lexically_normal()}};
  std::optional<std::string> module_path = ModulePathOf(ws.root, doc.path);
  return {{module_path.value_or(""), doc.path.lexically_normal()}};
}

std::shared_ptr<compiler::Program> LanguageService::CheckWith(const Workspace& ws,
                                                                   const std::vector<compiler::ModuleRequest>& requests,
                                                                   const compiler::SourceOverlay& overlay,
                                                                   lang::DiagnosticSink& sink) const {
  runtime::Workspace layout;
  layout.root = ws.root;
  auto program = compiler::CheckProgram(requests, runtime::SearchPathFor(layout), sink, overlay);
  if (!program.ok()) {
    std::cerr << "clivec lsp: cannot check " << ws.root.string() << ": " << program.status().message() << "\n";
    return nullptr;
  }
  return std::shared_ptr<compiler::Program>(std::move(*program));
}

void LanguageService::Publish(Workspace& ws, const std::string& file, json diagnostics) {
  json params = {{"uri", PathToUri(file)}, {"diagnostics", std::move(diagnostics)}};
  for (const auto& [uri, doc] : documents_) {
    if (doc.path.string() == file) params["version"] = doc.version;
  }
  std::string dump = params.dump();
  auto [it, inserted] = ws.published.try_emplace(file, dump);
  if (!inserted) {
    if (it->second == dump) return;  // nothing new
    it->second = dump;
  } else if (params["diagnostics"].empty() && !params.contains("version")) {
    // A closed file that never had diagnostics: nothing to clear either.
    return;
  }
  notify_("textDocument/publishDiagnostics", std::move(params));
}

void LanguageService::CheckDocument(const std::string& uri) {
  auto it = documents_.find(uri);
  if (it == documents_.end()) return;
  Document& doc = it->second;
  scheduler_.Take(uri);
  Workspace& ws = workspaces_.at(doc.workspace);
  std::string file = doc.path.string();
  const compiler::CheckedModule* module = doc.program ? ModuleOf(*doc.program, file) : nullptr;
  lang::DiagnosticSink sink;
  if (module != nullptr && doc.world == World(doc) && doc.rechecks < kMaxRechecks) {
    if (doc.text_checked) return;  // nothing changed
    // Only this document changed: check its module again, against the
    // modules it imports as they were checked.
    runtime::Workspace layout;
    layout.root = ws.root;
    compiler::RecheckModule(*doc.program, module->id, doc.text, runtime::SearchPathFor(layout), sink, Overlay());
    ++doc.rechecks;
  } else {
    doc.program = CheckWith(ws, DocumentRequests(ws, doc), Overlay(), sink);
    doc.world = World(doc);
    doc.rechecks = 0;
  }
  doc.text_checked = true;
  // A newer edit of this document is waiting: these diagnostics are stale
  // already, so they are not published (the edit schedules the next check).
  if (edit_waiting_(uri)) return;
  json diagnostics = json::array();
  for (const lang::Diagnostic& d : sink.diagnostics()) {
    if (d.file != nullptr && d.file->path() == file) diagnostics.push_back(ToLspDiagnostic(d));
  }
  Publish(ws, file, std::move(diagnostics));
}

const compiler::CheckedModule* LanguageService::CheckVariant(const std::string& uri, std::string text) {
  CheckDocument(uri);
  Document& doc = documents_.at(uri);
  if (!doc.program) return nullptr;
  const compiler::CheckedModule* module = ModuleOf(*doc.program, doc.path.string());
  if (module == nullptr) return nullptr;
  runtime::Workspace layout;
  layout.root = workspaces_.at(doc.workspace).root;
  lang::DiagnosticSink sink;
  compiler::RecheckModule(*doc.program, module->id, std::move(text), runtime::SearchPathFor(layout), sink, Overlay());
  ++doc.rechecks;
  doc.text_checked = false;
  return ModuleOf(*doc.program, doc.path.string());
}

LanguageService::PassSnapshot LanguageService::SnapshotFor(const std::string& key) const {
  const Workspace& ws = workspaces_.at(key);
  runtime::Workspace layout;
  layout.root = ws.root;
  return {key, ws.generation, WorkspaceRequests(ws), Overlay(), runtime::SearchPathFor(layout), ws.root,
          ws.single_file};
}

std::shared_ptr<LanguageService::PassResult> LanguageService::RunPass(const PassSnapshot& snapshot) {
  auto result = std::make_shared<PassResult>();
  lang::DiagnosticSink sink;
  auto program = compiler::CheckProgram(snapshot.requests, snapshot.search, sink, snapshot.overlay);
  if (!program.ok()) return result;
  result->program = std::shared_ptr<const compiler::Program>(std::move(*program));
  for (size_t i = 0; i < result->program->size(); ++i) {
    fs::path file = result->program->module(static_cast<compiler::ModuleId>(i)).file->path();
    bool mine = snapshot.single_file.empty() ? IsUnder(file, snapshot.root) : file == snapshot.single_file;
    if (mine) result->diagnostics.try_emplace(file.string(), json::array());
  }
  for (const lang::Diagnostic& d : sink.diagnostics()) {
    if (d.file != nullptr) result->diagnostics[d.file->path()].push_back(ToLspDiagnostic(d));
  }
  return result;
}

void LanguageService::StartWorkspacePass(const std::string& key) {
  auto it = workspaces_.find(key);
  if (it == workspaces_.end()) return;
  Workspace& ws = it->second;
  if (ws.full.program && ws.full.generation == ws.generation) return;  // a request checked it already
  if (worker_busy_) {
    // One pass at a time: this one starts after the running one reports.
    scheduler_.Postpone(key, Clock::now() + scheduler_.delays().workspace);
    return;
  }
  if (worker_.joinable()) worker_.join();
  worker_busy_ = true;
  running_ = {++pass_id_, key, ws.generation, std::make_shared<std::shared_ptr<PassResult>>()};
  // The worker reads only this snapshot; the Program it builds is its own.
  // It leaves the result in `slot` (read by the main thread after a join)
  // and reports through the queue.
  worker_ = std::thread([this, snapshot = SnapshotFor(key), pass = running_] {
    *pass.slot = RunPass(snapshot);
    post_([this, pass] { FinishWorkspacePass(pass.id, pass.key, pass.generation, *pass.slot); });
  });
}

void LanguageService::FinishWorkspacePass(uint64_t pass_id, const std::string& key, uint64_t generation,
                                          std::shared_ptr<PassResult> result) {
  if (pass_id == running_.id) worker_busy_ = false;
  auto it = workspaces_.find(key);
  if (it == workspaces_.end() || !result) return;
  Workspace& ws = it->second;
  // The workspace changed while the pass ran: its results are stale, and
  // the change already scheduled the next pass.
  if (generation != ws.generation || !result->program) return;
  ws.full = {result->program, generation};
  // Files that had diagnostics and are no longer checked get cleared.
  for (const auto& [file, last] : ws.published) result->diagnostics.try_emplace(file, json::array());
  for (auto& [file, diagnostics] : result->diagnostics) Publish(ws, file, diagnostics);
}

void LanguageService::RunDueWork() {
  while (std::optional<CheckScheduler::Work> work = scheduler_.TakeDue(Clock::now())) {
    if (work->kind == CheckScheduler::Kind::kDocument) {
      // A newer edit of the document is already waiting: checking now would
      // be stale work, and that edit schedules the check again.
      if (!edit_waiting_(work->key)) CheckDocument(work->key);
    } else {
      StartWorkspacePass(work->key);
    }
  }
}

void LanguageService::Changed(const fs::path& file, const std::string& uri) {
  // Its own workspace, and every other one that reads it (a shared library
  // module, the stdlib).
  Clock::time_point now = Clock::now();
  ++changes_;
  if (auto doc = documents_.find(uri); doc != documents_.end()) {
    ++doc->second.own_changes;
    doc->second.text_checked = false;
  }
  std::set<std::string> affected;
  if (auto doc = documents_.find(uri); doc != documents_.end()) affected.insert(doc->second.workspace);
  for (const auto& [key, ws] : workspaces_) {
    if (ws.full.program && ModuleOf(*ws.full.program, file.string()) != nullptr) affected.insert(key);
  }
  for (const std::string& key : affected) {
    ++workspaces_.at(key).generation;
    scheduler_.WorkspaceChanged(key, now);
  }
  if (documents_.count(uri)) scheduler_.DocumentChanged(uri, now);
}

void LanguageService::DidOpen(const json& params) {
  const json& item = Field(params, "textDocument");
  std::string uri = StringField(item, "uri");
  std::optional<fs::path> path = UriToPath(uri);
  if (!path) throw InvalidParams("not a file URI: " + uri);
  Document doc;
  doc.path = path->lexically_normal();
  doc.text = StringField(item, "text");
  if (item.contains("version") && item["version"].is_number_integer()) doc.version = item["version"].get<int64_t>();
  doc.workspace = WorkspaceFor(doc.path);
  documents_[uri] = std::move(doc);
  Changed(documents_[uri].path, uri);
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
  Changed(doc.path, StringField(id, "uri"));
}

void LanguageService::DidClose(const json& params) {
  Document& doc = DocumentFor(params);
  fs::path path = doc.path;
  std::string uri = StringField(params["textDocument"], "uri");
  scheduler_.Take(uri);
  // The file on disk is what counts again.
  for (auto& [key, ws] : workspaces_) {
    if (key == doc.workspace || (ws.full.program && ModuleOf(*ws.full.program, path.string()))) {
      ++ws.generation;
      scheduler_.WorkspaceChanged(key, Clock::now());
    }
  }
  documents_.erase(uri);
  ++changes_;
}

void LanguageService::FilesChanged() {
  ++changes_;  // every document's imports may have changed
  Clock::time_point now = Clock::now();
  for (auto& [key, ws] : workspaces_) {
    ++ws.generation;
    scheduler_.WorkspaceChanged(key, now);
  }
  for (const auto& [uri, doc] : documents_) scheduler_.DocumentChanged(uri, now);
}

const compiler::Program* LanguageService::DocumentAnalysis(const std::string& uri) {
  CheckDocument(uri);
  return documents_.at(uri).program.get();
}

const LanguageService::Analysis& LanguageService::WorkspaceAnalysis(const std::string& key) {
  Workspace& ws = workspaces_.at(key);
  if (!ws.full.program || ws.full.generation != ws.generation) {
    if (worker_busy_ && running_.key == key && running_.generation == ws.generation) {
      // The running pass checks exactly this: wait for it rather than
      // check twice.
      worker_.join();
      FinishWorkspacePass(running_.id, key, running_.generation, *running_.slot);
    } else {
      FinishWorkspacePass(0, key, ws.generation, RunPass(SnapshotFor(key)));
    }
  }
  ThrowIfCancelled();
  return ws.full;
}

void LanguageService::ThrowIfCancelled() const {
  if (cancelled_ && cancelled_()) throw RequestCancelled();
}

bool LanguageService::InWorkspace(const Workspace& ws, const std::string& file) const {
  return ws.single_file.empty() ? IsUnder(file, ws.root) : fs::path(file) == ws.single_file;
}

LanguageService::Target LanguageService::Locate(const json& params) {
  Document& doc = DocumentFor(params);
  std::optional<Position> pos = PositionFromJson(Field(params, "position"));
  if (!pos) throw InvalidParams("malformed `position`");
  const compiler::Program* program = DocumentAnalysis(UriOf(params));
  Target target;
  target.offset = OffsetOf(doc.text, *pos);
  if (program == nullptr) return target;
  target.program = program;
  target.module = ModuleOf(*program, doc.path.string());
  return target;
}

LanguageService::Target LanguageService::LocateDocument(const json& params) {
  Document& doc = DocumentFor(params);
  Target target;
  target.program = DocumentAnalysis(UriOf(params));
  if (target.program != nullptr) target.module = ModuleOf(*target.program, doc.path.string());
  return target;
}

LanguageService::Target LanguageService::LocateInWorkspace(const json& params) {
  Document& doc = DocumentFor(params);
  std::optional<Position> pos = PositionFromJson(Field(params, "position"));
  if (!pos) throw InvalidParams("malformed `position`");
  const Analysis& analysis = WorkspaceAnalysis(doc.workspace);
  Target target;
  target.offset = OffsetOf(doc.text, *pos);
  if (!analysis.program) return target;
  target.program = analysis.program.get();
  target.module = ModuleOf(*analysis.program, doc.path.string());
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

json LanguageService::References(const json& params) {
  Target t = LocateInWorkspace(params);
  bool include_declaration = true;
  if (params.contains("context") && params["context"].is_object()) {
    include_declaration = params["context"].value("includeDeclaration", true);
  }
  return t.module ? lsp::References(*t.program, *t.module, t.offset, include_declaration) : json(nullptr);
}

json LanguageService::PrepareRename(const json& params) {
  Target t = LocateInWorkspace(params);
  if (!t.module) return nullptr;
  const Workspace& ws = workspaces_.at(DocumentFor(params).workspace);
  RenameTarget target = lsp::PrepareRename(*t.program, *t.module, t.offset,
                                           [&](const std::string& file) { return InWorkspace(ws, file); });
  if (!target.refusal.empty()) throw RequestFailed(target.refusal);
  return {{"range", *target.range}, {"placeholder", target.placeholder}};
}

json LanguageService::Rename(const json& params) {
  std::string new_name = StringField(params, "newName");
  if (!IsIdentifier(new_name)) throw InvalidParams("`" + new_name + "` is not a valid name");
  PrepareRename(params);  // refuses what may not be renamed
  Target t = LocateInWorkspace(params);
  return lsp::RenameEdit(*t.program, *t.module, t.offset, new_name);
}

json LanguageService::Completion(const json& params) {
  Document& doc = DocumentFor(params);
  std::optional<Position> pos = PositionFromJson(Field(params, "position"));
  if (!pos) throw InvalidParams("malformed `position`");
  uint32_t offset = OffsetOf(doc.text, *pos);
  Workspace& ws = workspaces_.at(doc.workspace);
  CompletionContext context;
  size_t line_start = doc.text.rfind('\n', offset == 0 ? 0 : offset - 1);
  line_start = line_start == std::string::npos || offset == 0 ? 0 : line_start + 1;
  context.line_prefix = doc.text.substr(line_start, offset - line_start);
  runtime::Workspace layout;
  layout.root = ws.root;
  context.roots = runtime::SearchPathFor(layout).roots;
  auto result = [](json items) { return json{{"isIncomplete", false}, {"items", std::move(items)}}; };
  // From the text alone: after `import`.
  if (std::optional<json> items = TextCompletion(context, DocumentAnalysis(UriOf(params)))) {
    return result(std::move(*items));
  }
  // Else check the text with an identifier written at the cursor: `jvm.`
  // and `JVM { ` are unfinished, `jvm.X` and `JVM { X` parse into the
  // member or field-init node whose context says what may go there.
  auto complete = [&](std::string_view closing) {
    std::string text = doc.text;
    text.insert(offset, std::string(kCompletionMarker) + std::string(closing));
    const compiler::CheckedModule* module = CheckVariant(UriOf(params), std::move(text));
    return module ? lsp::Completion(*doc.program, *module, context) : std::optional<json>();
  };
  std::optional<json> items = complete("");
  // A block or call still being typed (`T {` and nothing after) may not
  // parse into a builder at all; closing it right after the cursor usually
  // does.
  if (!items) {
    if (int open = UnclosedBraces(doc.text); open > 0) items = complete(std::string(open, '}'));
  }
  if (!items) items = complete(")");
  if (!items) items = FallbackCompletion(context);
  return result(std::move(*items));
}

json LanguageService::DocumentSymbol(const json& params) {
  Target t = LocateDocument(params);
  return t.module ? lsp::DocumentSymbols(*t.program, *t.module) : json::array();
}

json LanguageService::WorkspaceSymbol(const json& params) {
  std::string query = params.contains("query") ? StringField(params, "query") : "";
  json out = json::array();
  std::set<std::string> seen;  // a module may be in several workspaces' programs
  for (auto& [key, ws] : workspaces_) {
    const Analysis& analysis = WorkspaceAnalysis(key);
    if (!analysis.program) continue;
    json found = WorkspaceSymbols(*analysis.program, query, [&](const compiler::CheckedModule& m) {
      return InWorkspace(ws, m.file->path()) && seen.insert(m.file->path()).second;
    });
    for (json& s : found) out.push_back(std::move(s));
  }
  return out;
}

json LanguageService::SemanticTokens(const json& params) {
  Target t = LocateDocument(params);
  return t.module ? lsp::SemanticTokens(*t.program, *t.module) : json{{"data", json::array()}};
}

json LanguageService::Formatting(const json& params) {
  Document& doc = DocumentFor(params);
  return FormattingEdits(doc.path.string(), doc.text);
}

json LanguageService::SignatureHelp(const json& params) {
  Target t = Locate(params);
  json help = t.module ? lsp::SignatureHelp(*t.program, *t.module, t.offset) : json(nullptr);
  if (!help.is_null()) return help;
  // An unfinished call (`f(a, ` at the end of the text) parses once closed.
  Document& doc = DocumentFor(params);
  std::string text = doc.text;
  text.insert(t.offset, ")");
  const compiler::CheckedModule* module = CheckVariant(UriOf(params), std::move(text));
  return module ? lsp::SignatureHelp(*doc.program, *module, t.offset) : json(nullptr);
}

json LanguageService::InlayHints(const json& params) {
  Document& doc = DocumentFor(params);
  const json& range = Field(params, "range");
  std::optional<Position> start = PositionFromJson(range.value("start", json()));
  std::optional<Position> end = PositionFromJson(range.value("end", json()));
  if (!start || !end) throw InvalidParams("malformed `range`");
  Target t = LocateDocument(params);
  if (!t.module) return json::array();
  return lsp::InlayHints(*t.program, *t.module, OffsetOf(doc.text, *start), OffsetOf(doc.text, *end));
}

json LanguageService::CodeActions(const json& params) {
  Document& doc = DocumentFor(params);
  const json& context = Field(params, "context");
  std::string uri = StringField(params["textDocument"], "uri");
  return lsp::CodeActions(uri, doc.text, context.value("diagnostics", json::array()));
}

}  // namespace clive::lsp
