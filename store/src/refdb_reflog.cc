// Converting reflogs between the LMDB records and libgit2's git_reflog.
//
// Reading entries out of a git_reflog is public API (git_reflog_entry_*).
// Building one is not: git_reflog is opaque, and only a refdb backend's
// `reflog_read` creates it. libgit2's own files backend does that from a
// logs/<ref> file, and it is public (git_refdb_backend_fs). So MakeGitReflog
// writes the entries in git's reflog file format into a scratch bare
// repository in the temporary directory, lets the files backend parse them,
// and removes the scratch directory again. That costs a few file operations
// per git_reflog_read, which is rare (git log -g, reflog expiry), and keeps
// us off libgit2's private struct layouts, which change between versions.
#include <stdlib.h>

#include <cerrno>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <system_error>
#include <utility>

#include "backends.h"

namespace clive::store::internal {
namespace {

// A directory removed with everything in it when this goes out of scope.
class ScratchDir {
 public:
  static Expected<ScratchDir> Create() {
    std::error_code ec;
    const std::filesystem::path base = std::filesystem::temp_directory_path(ec);
    if (ec) return Status::IOError("cannot find a temporary directory: " + ec.message());
    std::string tmpl = (base / "clive-reflog-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) {
      const std::error_code err(errno, std::generic_category());
      return Status::IOError("cannot create a temporary directory in " + base.string() + ": " +
                             err.message());
    }
    return ScratchDir(tmpl);
  }
  ScratchDir(ScratchDir&& other) noexcept : path_(std::exchange(other.path_, {})) {}
  ScratchDir& operator=(ScratchDir&&) = delete;
  ~ScratchDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  explicit ScratchDir(std::filesystem::path path) : path_(std::move(path)) {}
  std::filesystem::path path_;
};

// Signature fields cannot hold '<', '>' or line breaks in git's format.
std::string SignatureField(std::string_view value) {
  std::string out(value);
  for (char& c : out) {
    if (c == '<' || c == '>' || c == '\n' || c == '\r' || c == '\0') c = ' ';
  }
  return out.empty() ? "unknown" : out;
}

// One line of .git/logs/<ref>:
// "<old> <new> <name> <<email>> <time> <+hhmm>\t<message>\n".
std::string FormatLine(const lmdb::ReflogRecord& entry) {
  const int32_t offset = entry.offset_minutes;
  const int32_t magnitude = offset < 0 ? -offset : offset;
  char zone[8];
  std::snprintf(zone, sizeof(zone), "%c%02d%02d", offset < 0 ? '-' : '+',
                static_cast<int>(magnitude / 60 % 100), static_cast<int>(magnitude % 60));
  return entry.old_id.Hex() + " " + entry.new_id.Hex() + " " + SignatureField(entry.name) + " <" +
         SignatureField(entry.email) + "> " + std::to_string(entry.time) + " " + zone + "\t" +
         lmdb::OneLine(entry.message) + "\n";
}

}  // namespace

Expected<GitPtr<git_reflog>> MakeGitReflog(const std::string& ref,
                                           const std::vector<lmdb::ReflogRecord>& entries) {
  auto scratch = ScratchDir::Create();
  if (!scratch) return scratch.status();
  git_repository* raw_repo = nullptr;
  if (int rc = git_repository_init(&raw_repo, scratch->path().c_str(), /*is_bare=*/1); rc < 0) {
    return GitError("cannot read reflog of " + ref, rc);
  }
  GitPtr<git_repository> repo(raw_repo);

  const std::filesystem::path log = scratch->path() / "logs" / ref;
  std::error_code ec;
  std::filesystem::create_directories(log.parent_path(), ec);
  if (ec) return Status::IOError("cannot read reflog of " + ref + ": " + ec.message());
  {
    std::ofstream out(log, std::ios::binary);
    for (const lmdb::ReflogRecord& entry : entries) out << FormatLine(entry);
    if (!out.flush()) {
      return Status::IOError("cannot read reflog of " + ref + ": cannot write " + log.string());
    }
  }

  git_refdb_backend* raw_files = nullptr;
  if (int rc = git_refdb_backend_fs(&raw_files, repo.get()); rc < 0) {
    return GitError("cannot read reflog of " + ref, rc);
  }
  GitPtr<git_refdb_backend> files(raw_files);
  git_reflog* raw_reflog = nullptr;
  if (int rc = files->reflog_read(&raw_reflog, files.get(), ref.c_str()); rc < 0) {
    return GitError("cannot read reflog of " + ref, rc);
  }
  GitPtr<git_reflog> reflog(raw_reflog);
  if (git_reflog_entrycount(reflog.get()) != entries.size()) {
    return Status::Internal("cannot read reflog of " + ref + ": libgit2 parsed " +
                            std::to_string(git_reflog_entrycount(reflog.get())) + " of " +
                            std::to_string(entries.size()) + " entries");
  }
  return reflog;
}

std::vector<lmdb::ReflogRecord> ReflogRecords(git_reflog* reflog) {
  std::vector<lmdb::ReflogRecord> out;
  const size_t count = git_reflog_entrycount(reflog);
  out.reserve(count);
  // Index 0 is the newest entry.
  for (size_t i = count; i-- > 0;) {
    const git_reflog_entry* entry = git_reflog_entry_byindex(reflog, i);
    const char* message = git_reflog_entry_message(entry);
    out.push_back(RecordFor(FromGit(*git_reflog_entry_id_old(entry)),
                            FromGit(*git_reflog_entry_id_new(entry)),
                            git_reflog_entry_committer(entry), message));
  }
  return out;
}

lmdb::ReflogRecord RecordFor(const ObjectId& old_id, const ObjectId& new_id,
                             const git_signature* who, const char* message) {
  lmdb::ReflogRecord entry =
      lmdb::CliveReflogRecord(old_id, new_id, message != nullptr ? message : "");
  if (who != nullptr) {
    entry.name = who->name != nullptr ? who->name : "";
    entry.email = who->email != nullptr ? who->email : "";
    entry.time = static_cast<int64_t>(who->when.time);
    entry.offset_minutes = who->when.offset;
  }
  return entry;
}

}  // namespace clive::store::internal
