// The language service: open documents, the analysis of each workspace they
// belong to, and the answers to requests. Knows LSP's data shapes (it takes
// and returns their JSON) but not JSON-RPC: protocol.cc routes messages here.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "clive/compiler/checker.h"
#include "nlohmann/json.hpp"
#include "scheduler.h"

namespace clive::lsp {

// Thrown for requests whose parameters do not have the shape LSP defines;
// the protocol layer answers them with -32602.
class InvalidParams : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class LanguageService {
 public:
  // Sends a notification to the client (publishDiagnostics).
  using Notify = std::function<void(const std::string& method, nlohmann::json params)>;
  explicit LanguageService(Notify notify);

  // The server's half of `initialize`'s result.
  static nlohmann::json Capabilities();

  void DidOpen(const nlohmann::json& params);
  void DidChange(const nlohmann::json& params);
  void DidClose(const nlohmann::json& params);
  nlohmann::json Hover(const nlohmann::json& params);
  nlohmann::json Definition(const nlohmann::json& params);
  nlohmann::json Completion(const nlohmann::json& params);
  nlohmann::json DocumentSymbol(const nlohmann::json& params);

 private:
  struct Document {
    std::filesystem::path path;
    std::string text;
    int64_t version = 0;
    std::string workspace;  // key into workspaces_
  };
  // One checked program: the workspace's modules, the open documents over
  // the files on disk, and what they import.
  struct Workspace {
    std::filesystem::path root;
    std::filesystem::path single_file;  // a loose .cl file, checked alone
    std::unique_ptr<compiler::Program> program;
    std::set<std::string> with_diagnostics;  // files last published non-empty
  };

  Document& DocumentFor(const nlohmann::json& params);
  // The key of the workspace `path` belongs to, creating its entry.
  std::string WorkspaceFor(const std::filesystem::path& path);
  compiler::SourceOverlay Overlay() const;
  // Schedules a check of every workspace `file` is part of.
  void Changed(const std::filesystem::path& file);
  // Re-checks a workspace and publishes the diagnostics of its modules.
  void Check(const std::string& key);
  std::unique_ptr<compiler::Program> CheckWith(const Workspace& ws, const compiler::SourceOverlay& overlay,
                                               lang::DiagnosticSink& sink) const;
  struct Target {
    const compiler::Program* program = nullptr;
    const compiler::CheckedModule* module = nullptr;
    uint32_t offset = 0;
  };
  // The checked module of the document a position request names, and the
  // byte offset of its position; `module` is null if it was not checked.
  Target Locate(const nlohmann::json& params);

  Notify notify_;
  std::map<std::string, Document> documents_;  // by URI
  std::map<std::string, Workspace> workspaces_;
  CheckScheduler scheduler_;
};

}  // namespace clive::lsp
