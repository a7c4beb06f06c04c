// When checks run. Two kinds of work, each debounced (its deadline moves
// back with every change, so a burst of edits is checked once, at its end):
//
// - a document check: the edited module and what it imports, on the main
//   thread, `document_delay` after the last edit of that document. It gives
//   the edited file's diagnostics and the analysis requests on it read.
// - a workspace pass: every module of the workspace, on a background thread,
//   `workspace_delay` after the last change in the workspace. It gives the
//   diagnostics of the modules that import the edited one, and the analysis
//   that references, rename and workspace symbols read.
//
// Stale work is cancelled, never published: a document check due while a
// newer edit of its document waits in the queue does not start, one that
// finishes while such an edit waits is not published, and a workspace pass
// whose workspace changed while it ran is discarded when it reports back
// (server.cc). A request that needs an analysis takes its pending work out of
// the scheduler and runs it at once (Take), so requests see every edit
// before them.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>

#include "message_queue.h"

namespace clive::lsp {

class CheckScheduler {
 public:
  struct Delays {
    std::chrono::milliseconds document{10};
    std::chrono::milliseconds workspace{250};
  };
  enum class Kind { kDocument, kWorkspace };
  struct Work {
    Kind kind;
    std::string key;  // document URI or workspace key
  };

  void set_delays(Delays delays) { delays_ = delays; }
  const Delays& delays() const { return delays_; }

  void DocumentChanged(const std::string& uri, Clock::time_point now) {
    documents_[uri] = now + delays_.document;
  }
  void WorkspaceChanged(const std::string& key, Clock::time_point now) {
    workspaces_[key] = now + delays_.workspace;
  }

  // The earliest deadline of pending work.
  std::optional<Clock::time_point> NextDeadline() const {
    std::optional<Clock::time_point> next;
    for (const auto* pending : {&documents_, &workspaces_}) {
      for (const auto& [key, deadline] : *pending) {
        if (!next || deadline < *next) next = deadline;
      }
    }
    return next;
  }

  // Removes and returns one piece of work whose deadline passed; documents
  // first, since their diagnostics are what the user waits for.
  std::optional<Work> TakeDue(Clock::time_point now) {
    for (auto [pending, kind] : {std::pair{&documents_, Kind::kDocument}, std::pair{&workspaces_, Kind::kWorkspace}}) {
      for (auto it = pending->begin(); it != pending->end(); ++it) {
        if (it->second > now) continue;
        Work work{kind, it->first};
        pending->erase(it);
        return work;
      }
    }
    return std::nullopt;
  }

  // Removes the pending check of a document; whether there was one.
  bool Take(const std::string& uri) { return documents_.erase(uri) != 0; }
  // Puts a workspace pass back (it could not start yet).
  void Postpone(const std::string& key, Clock::time_point until) { workspaces_.try_emplace(key, until); }

 private:
  Delays delays_;
  std::map<std::string, Clock::time_point> documents_;
  std::map<std::string, Clock::time_point> workspaces_;
};

}  // namespace clive::lsp
