#include "clive/runtime/file_watcher.h"

#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <unordered_map>

namespace clive::runtime {
namespace fs = std::filesystem;
namespace {

constexpr uint32_t kFileEvents = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CREATE;
constexpr uint32_t kDirEvents = kFileEvents | IN_DELETE_SELF | IN_MOVE_SELF;

bool Hidden(const fs::path& dir) {
  std::string name = dir.filename().string();
  return !name.empty() && name[0] == '.';
}

class InotifyWatcher : public FileWatcher {
 public:
  explicit InotifyWatcher(int fd) : fd_(fd) {}
  ~InotifyWatcher() override { ::close(fd_); }

  Status WatchTree(const fs::path& dir) override {
    CLIVE_RETURN_IF_ERROR(WatchDirectory(dir));
    recursive_.insert(Normal(dir));
    std::error_code ec;
    fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec);
    for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (!it->is_directory(ec)) continue;
      if (Hidden(it->path())) {
        it.disable_recursion_pending();
        continue;
      }
      CLIVE_RETURN_IF_ERROR(WatchDirectory(it->path()));
    }
    return Status::Ok();
  }

  Status WatchDirectory(const fs::path& dir) override {
    int wd = ::inotify_add_watch(fd_, dir.c_str(), kDirEvents | IN_ONLYDIR);
    if (wd < 0) {
      return Status::IOError("cannot watch " + dir.string() + ": " + std::strerror(errno) +
                             (errno == ENOSPC ? " (raise fs.inotify.max_user_watches)" : ""));
    }
    dirs_[wd] = Normal(dir);
    return Status::Ok();
  }

  Status WatchFile(const fs::path& file) override {
    int wd = ::inotify_add_watch(fd_, file.c_str(), IN_MODIFY | IN_CLOSE_WRITE);
    if (wd < 0) return Status::IOError("cannot watch " + file.string() + ": " + std::strerror(errno));
    files_[wd] = Normal(file);
    return Status::Ok();
  }

  Expected<FileChanges> Wait(std::chrono::milliseconds timeout, std::chrono::milliseconds quiet) override {
    FileChanges changes;
    auto ready = Poll(timeout);
    if (!ready.ok()) return ready.status();
    if (!*ready) return changes;
    // Drain, then wait for quiet.
    do {
      CLIVE_RETURN_IF_ERROR(Drain(changes));
      ready = Poll(quiet);
      if (!ready.ok()) return ready.status();
    } while (*ready);
    return changes;
  }

 private:
  static fs::path Normal(const fs::path& p) { return fs::absolute(p).lexically_normal(); }

  Expected<bool> Poll(std::chrono::milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    int n;
    do {
      n = ::poll(&p, 1, static_cast<int>(timeout.count()));
    } while (n < 0 && errno == EINTR);
    if (n < 0) return Status::IOError(std::string("cannot wait for file events: ") + std::strerror(errno));
    return n > 0;
  }

  Status Drain(FileChanges& changes) {
    alignas(inotify_event) char buffer[64 * 1024];
    ssize_t n = ::read(fd_, buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) return Status::Ok();
      return Status::IOError(std::string("cannot read file events: ") + std::strerror(errno));
    }
    for (char* p = buffer; p < buffer + n;) {
      auto* event = reinterpret_cast<inotify_event*>(p);
      p += sizeof(inotify_event) + event->len;
      if (event->mask & IN_Q_OVERFLOW) {
        changes.overflow = true;
        continue;
      }
      if (auto file = files_.find(event->wd); file != files_.end()) {
        if (event->mask & IN_IGNORED) {
          files_.erase(file);
        } else {
          changes.files.insert(file->second);
        }
        continue;
      }
      auto dir = dirs_.find(event->wd);
      if (dir == dirs_.end()) continue;
      if (event->mask & IN_IGNORED) {
        dirs_.erase(dir);
        continue;
      }
      if (event->len == 0) continue;  // the directory itself
      fs::path path = dir->second / event->name;
      if ((event->mask & IN_ISDIR) != 0) {
        // A new directory in a watched tree is watched too, and what it
        // already holds (created before the watch existed) counts as changed.
        if ((event->mask & (IN_CREATE | IN_MOVED_TO)) && !Hidden(path) && InTree(dir->second)) {
          CLIVE_RETURN_IF_ERROR(WatchTree(path));
          std::error_code ec;
          for (fs::recursive_directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
            changes.files.insert(Normal(it->path()));
          }
        }
        changes.files.insert(path);
        continue;
      }
      changes.files.insert(path);
    }
    return Status::Ok();
  }

  bool InTree(const fs::path& dir) const {
    for (const fs::path& root : recursive_) {
      auto [r, d] = std::mismatch(root.begin(), root.end(), dir.begin(), dir.end());
      if (r == root.end()) return true;
    }
    return false;
  }

  int fd_;
  std::unordered_map<int, fs::path> dirs_;
  std::unordered_map<int, fs::path> files_;  // watched files (not directories)
  std::set<fs::path> recursive_;
};

}  // namespace

Expected<std::unique_ptr<FileWatcher>> FileWatcher::Create() {
  int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) return Status::IOError(std::string("cannot start inotify: ") + std::strerror(errno));
  return std::unique_ptr<FileWatcher>(std::make_unique<InotifyWatcher>(fd));
}

}  // namespace clive::runtime
