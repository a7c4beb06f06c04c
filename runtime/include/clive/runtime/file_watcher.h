// Watching a workspace's directories with inotify, for `clivec watch`.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "clive/store/status.h"

namespace clive::runtime {

struct FileChanges {
  std::set<std::filesystem::path> files;  // files written, created, moved or deleted
  // The kernel dropped events (its queue overflowed): anything may have
  // changed, so the caller rescans everything.
  bool overflow = false;
};

class FileWatcher {
 public:
  static Expected<std::unique_ptr<FileWatcher>> Create();
  virtual ~FileWatcher() = default;

  // Watches `dir` and every directory below it except hidden ones (the store,
  // VCS data); directories created later are watched as they appear. Safe to
  // call again for the same directory.
  virtual Status WatchTree(const std::filesystem::path& dir) = 0;
  // Watches `dir` alone (a library directory holding a loaded module).
  virtual Status WatchDirectory(const std::filesystem::path& dir) = 0;
  // Watches writes to one file (the store's data.mdb: LMDB writes in place,
  // so modifications are what tell that another process committed).
  virtual Status WatchFile(const std::filesystem::path& file) = 0;

  // Blocks until something changes or `timeout` passes (then returns no
  // changes), then keeps collecting until `quiet` passes without an event,
  // so that a burst of writes (an editor saving, `git checkout`) is one batch.
  virtual Expected<FileChanges> Wait(std::chrono::milliseconds timeout, std::chrono::milliseconds quiet) = 0;
};

}  // namespace clive::runtime
