// The language service: open documents, the analyses of the documents and
// of the workspaces they belong to, and the answers to requests. Knows LSP's
// data shapes (it takes and returns their JSON) but not JSON-RPC:
// protocol.cc routes messages here. Runs on the server's main thread; only
// the workspace pass's check runs on a worker thread, over a snapshot, and
// reports back through `post`.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "clive/compiler/checker.h"
#include "nlohmann/json.hpp"
#include "request_errors.h"
#include "scheduler.h"

namespace clive::lsp {

class LanguageService {
 public:
  // Sends a notification to the client (publishDiagnostics).
  using Notify = std::function<void(const std::string& method, nlohmann::json params)>;
  // Runs a task on the main thread, after the messages already queued.
  using Post = std::function<void(std::function<void()> task)>;
  // Whether an edit of the document with this URI is waiting to be handled.
  using EditWaiting = std::function<bool(const std::string& uri)>;
  LanguageService(Notify notify, Post post, EditWaiting edit_waiting);
  ~LanguageService();

  // The server's half of `initialize`'s result.
  static nlohmann::json Capabilities();
  // Workspace folders and options from `initialize`'s params.
  void Initialize(const nlohmann::json& params);

  // Scheduling, for the main loop.
  std::optional<Clock::time_point> NextDeadline() const { return scheduler_.NextDeadline(); }
  void RunDueWork();
  // Waits for the worker thread; nothing is published afterwards.
  void Stop();
  // How the request being answered learns it was cancelled (null: never).
  void set_cancelled(std::function<bool()> cancelled) { cancelled_ = std::move(cancelled); }

  void DidOpen(const nlohmann::json& params);
  void DidChange(const nlohmann::json& params);
  void DidClose(const nlohmann::json& params);
  // Files changed on disk (workspace/didChangeWatchedFiles, if the client
  // watches them): every analysis may be stale.
  void FilesChanged();
  nlohmann::json Hover(const nlohmann::json& params);
  nlohmann::json Definition(const nlohmann::json& params);
  nlohmann::json References(const nlohmann::json& params);
  nlohmann::json PrepareRename(const nlohmann::json& params);
  nlohmann::json Rename(const nlohmann::json& params);
  nlohmann::json Completion(const nlohmann::json& params);
  nlohmann::json DocumentSymbol(const nlohmann::json& params);
  nlohmann::json WorkspaceSymbol(const nlohmann::json& params);
  nlohmann::json SemanticTokens(const nlohmann::json& params);
  nlohmann::json Formatting(const nlohmann::json& params);
  nlohmann::json SignatureHelp(const nlohmann::json& params);
  nlohmann::json InlayHints(const nlohmann::json& params);
  nlohmann::json CodeActions(const nlohmann::json& params);

 private:
  // A checked program and the workspace generation it was checked at.
  struct Analysis {
    std::shared_ptr<const compiler::Program> program;
    uint64_t generation = 0;
  };
  struct Document {
    std::filesystem::path path;
    std::string text;
    int64_t version = 0;
    std::string workspace;  // key into workspaces_
    uint64_t own_changes = 0;  // changes of this document (see World)
    // The document's module and what it imports. Built whole when other
    // documents changed since (`world`); after edits of this one only, its
    // module is re-checked in place (compiler::RecheckModule).
    std::shared_ptr<compiler::Program> program;
    uint64_t world = 0;
    bool text_checked = false;  // whether `program` holds `text` (not a completion variant)
    uint32_t rechecks = 0;      // in place since built whole
  };
  struct Workspace {
    std::filesystem::path root;
    std::filesystem::path single_file;  // a loose .cl file, checked alone
    uint64_t generation = 1;            // bumped by every change that affects it
    Analysis full;                      // every module of the workspace
    // What was last published per file (dump of the params), so that a
    // pass republishes only what changed.
    std::map<std::string, std::string> published;
  };
  struct PassResult;
  // What a workspace pass reads: taken on the main thread, read on the worker.
  struct PassSnapshot {
    std::string key;
    uint64_t generation = 0;
    std::vector<compiler::ModuleRequest> requests;
    compiler::SourceOverlay overlay;
    compiler::SearchPath search;
    std::filesystem::path root;
    std::filesystem::path single_file;
  };
  // The pass on the worker thread.
  struct RunningPass {
    uint64_t id = 0;
    std::string key;
    uint64_t generation = 0;
    std::shared_ptr<std::shared_ptr<PassResult>> slot;  // written by the worker
  };

  Document& DocumentFor(const nlohmann::json& params);
  static std::string UriOf(const nlohmann::json& params);
  // The key of the workspace `path` belongs to, creating its entry.
  std::string WorkspaceFor(const std::filesystem::path& path);
  std::filesystem::path RootFor(const std::filesystem::path& file) const;
  compiler::SourceOverlay Overlay() const;
  // The modules a check of the whole workspace asks for.
  std::vector<compiler::ModuleRequest> WorkspaceRequests(const Workspace& ws) const;
  std::vector<compiler::ModuleRequest> DocumentRequests(const Workspace& ws, const Document& doc) const;
  std::shared_ptr<compiler::Program> CheckWith(const Workspace& ws,
                                               const std::vector<compiler::ModuleRequest>& requests,
                                               const compiler::SourceOverlay& overlay,
                                               lang::DiagnosticSink& sink) const;
  // Schedules the checks `file` changing calls for.
  void Changed(const std::filesystem::path& file, const std::string& uri);
  // Brings a document's analysis up to date with its text; publishes its
  // diagnostics unless a newer edit of it is already waiting.
  void CheckDocument(const std::string& uri);
  // The document's module checked with `text` in place of its own (for
  // completion), or null. The next CheckDocument puts the real text back.
  const compiler::CheckedModule* CheckVariant(const std::string& uri, std::string text);
  // Changes of every document but this one: when it moves, what the
  // document's module imports may have changed.
  uint64_t World(const Document& doc) const { return changes_ - doc.own_changes; }
  PassSnapshot SnapshotFor(const std::string& key) const;
  // Checks every module of a snapshot's workspace (on any thread).
  static std::shared_ptr<PassResult> RunPass(const PassSnapshot& snapshot);
  void StartWorkspacePass(const std::string& key);
  // Installs a pass's program and publishes what changed, unless the
  // workspace changed since; `pass_id` 0 is a pass run on the main thread.
  void FinishWorkspacePass(uint64_t pass_id, const std::string& key, uint64_t generation,
                           std::shared_ptr<PassResult> result);
  void Publish(Workspace& ws, const std::string& file, nlohmann::json diagnostics);
  // The current analysis of a document (checking it now if edits are
  // pending), and of its whole workspace.
  const compiler::Program* DocumentAnalysis(const std::string& uri);
  const Analysis& WorkspaceAnalysis(const std::string& key);
  void ThrowIfCancelled() const;

  struct Target {
    const compiler::Program* program = nullptr;
    const compiler::CheckedModule* module = nullptr;
    uint32_t offset = 0;
  };
  // The checked module of the document a position request names, and the
  // byte offset of its position; `module` is null if it was not checked.
  Target Locate(const nlohmann::json& params);
  // The document's module, without a position.
  Target LocateDocument(const nlohmann::json& params);
  // The same position in the workspace's analysis (for references, rename).
  Target LocateInWorkspace(const nlohmann::json& params);
  // Whether a file is one the user may edit (not the stdlib).
  bool InWorkspace(const Workspace& ws, const std::string& file) const;

  Notify notify_;
  Post post_;
  EditWaiting edit_waiting_;
  std::function<bool()> cancelled_;
  std::vector<std::filesystem::path> roots_;  // from initialize
  std::map<std::string, Document> documents_;  // by URI
  uint64_t changes_ = 0;  // opens, edits and closes of any document
  std::map<std::string, Workspace> workspaces_;
  CheckScheduler scheduler_;
  std::thread worker_;
  bool worker_busy_ = false;
  RunningPass running_;
  uint64_t pass_id_ = 0;
};

}  // namespace clive::lsp
