// What the server's main thread works through, in order: messages the reader
// thread parsed from the client, and tasks other threads finished (a
// background check) that must complete on the main thread, which owns every
// piece of the server's state.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "nlohmann/json.hpp"

namespace clive::lsp {

using Clock = std::chrono::steady_clock;

struct Incoming {
  enum class Kind { kMessage, kParseError, kBadFrame, kEof, kTask };
  Kind kind = Kind::kEof;
  nlohmann::json message;      // kMessage
  std::function<void()> task;  // kTask
  std::string error;           // kBadFrame: what was wrong
};

class MessageQueue {
 public:
  void Push(Incoming item) {
    {
      std::lock_guard lock(mutex_);
      items_.push_back(std::move(item));
    }
    ready_.notify_one();
  }

  // The next item, waiting for one until `deadline` (forever without one);
  // nullopt when the deadline passed first.
  std::optional<Incoming> Pop(std::optional<Clock::time_point> deadline) {
    std::unique_lock lock(mutex_);
    auto has_item = [&] { return !items_.empty(); };
    if (deadline) {
      if (!ready_.wait_until(lock, *deadline, has_item)) return std::nullopt;
    } else {
      ready_.wait(lock, has_item);
    }
    Incoming item = std::move(items_.front());
    items_.pop_front();
    return item;
  }

  // Whether a waiting message satisfies `pred` (for example: a newer edit of
  // the document whose check just finished, which makes it stale).
  bool AnyMessage(const std::function<bool(const nlohmann::json&)>& pred) const {
    std::lock_guard lock(mutex_);
    for (const Incoming& item : items_) {
      if (item.kind == Incoming::Kind::kMessage && pred(item.message)) return true;
    }
    return false;
  }

  bool Empty() const {
    std::lock_guard lock(mutex_);
    return items_.empty();
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Incoming> items_;
};

// Request ids the client cancelled ($/cancelRequest). The reader thread adds
// them as soon as they arrive, so that a request still queued, or one that
// checks between its steps, sees the cancellation.
class CancelledRequests {
 public:
  void Add(const nlohmann::json& id) {
    std::lock_guard lock(mutex_);
    ids_.insert(id.dump());
  }
  bool Contains(const nlohmann::json& id) const {
    std::lock_guard lock(mutex_);
    return ids_.count(id.dump()) != 0;
  }
  void Remove(const nlohmann::json& id) {
    std::lock_guard lock(mutex_);
    ids_.erase(id.dump());
  }

 private:
  mutable std::mutex mutex_;
  std::set<std::string> ids_;
};

}  // namespace clive::lsp
