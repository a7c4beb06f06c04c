// When a workspace is re-checked after its documents change. This first
// version checks at once on the caller's thread, so every request sees an
// analysis of the latest text. Debouncing (check once typing pauses) and
// cancelling a check that newer edits made stale belong here, behind the
// same two calls, without touching the protocol or the language features.
#pragma once

#include <functional>
#include <string>
#include <utility>

namespace clive::lsp {

class CheckScheduler {
 public:
  using Check = std::function<void(const std::string& workspace)>;
  explicit CheckScheduler(Check check) : check_(std::move(check)) {}

  // The documents of `workspace` changed.
  void Changed(const std::string& workspace) { check_(workspace); }
  // Makes sure the analysis of `workspace` is current before a request reads
  // it. Nothing is ever pending while checks are synchronous.
  void Flush(const std::string& /*workspace*/) {}

 private:
  Check check_;
};

}  // namespace clive::lsp
