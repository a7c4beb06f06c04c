// The concrete Store: an in-memory libgit2 repository whose object and
// reference databases are the LMDB backends (backends.h), plus direct LMDB
// access where libgit2 has no atomic equivalent (multi-ref updates).
#include "clive/store/store.h"

#include <ctime>
#include <mutex>
#include <set>
#include <system_error>

#include "backends.h"
#include "lmdb_env.h"

namespace clive::store {
namespace internal {

Status GitError(std::string_view context, int rc) {
  const git_error* error = git_error_last();
  std::string detail = error != nullptr && error->message != nullptr
                           ? error->message
                           : "libgit2 error " + std::to_string(rc);
  // Our messages are one line without a trailing period; libgit2's are not
  // always.
  for (char& c : detail) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  while (!detail.empty() && (detail.back() == '.' || detail.back() == ' ')) detail.pop_back();
  std::string msg = std::string(context) + ": " + detail;
  switch (rc) {
    case GIT_ENOTFOUND:
      return Status::NotFound(std::move(msg));
    case GIT_EEXISTS:
    case GIT_EINVALIDSPEC:
    case GIT_EINVALID:
    case GIT_EAMBIGUOUS:
      return Status::InvalidArgument(std::move(msg));
    case GIT_EMODIFIED:
      return Status::RefChanged(std::move(msg));
    case GIT_EMISMATCH:
      return Status::Corruption(std::move(msg));
    default:
      break;
  }
  if (error != nullptr && (error->klass == GIT_ERROR_OS || error->klass == GIT_ERROR_ODB ||
                           error->klass == GIT_ERROR_REFERENCE)) {
    return Status::IOError(std::move(msg));  // mostly LMDB failures from our backends.
  }
  return Status::Internal(std::move(msg));
}

Expected<GitPtr<git_repository>> NewRepository(lmdb::Env& env) {
  git_repository* raw_repo = nullptr;
  if (int rc = git_repository_new(&raw_repo); rc < 0) {
    return GitError("cannot create repository", rc);
  }
  GitPtr<git_repository> repo(raw_repo);

  git_odb* raw_odb = nullptr;
  if (int rc = git_odb_new(&raw_odb); rc < 0) return GitError("cannot create object database", rc);
  GitPtr<git_odb> odb(raw_odb);  // the repository takes its own reference below.
  auto odb_backend = NewOdbBackend(env);
  if (!odb_backend) return odb_backend.status();
  if (int rc = git_odb_add_backend(odb.get(), odb_backend->get(), /*priority=*/1); rc < 0) {
    return GitError("cannot attach object database backend", rc);
  }
  odb_backend->release();  // owned by `odb` now, freed through its `free` callback.
  if (int rc = git_repository_set_odb(repo.get(), odb.get()); rc < 0) {
    return GitError("cannot attach object database", rc);
  }

  git_refdb* raw_refdb = nullptr;
  if (int rc = git_refdb_new(&raw_refdb, repo.get()); rc < 0) {
    return GitError("cannot create reference database", rc);
  }
  GitPtr<git_refdb> refdb(raw_refdb);
  auto refdb_backend = NewRefdbBackend(env);
  if (!refdb_backend) return refdb_backend.status();
  if (int rc = git_refdb_set_backend(refdb.get(), refdb_backend->get()); rc < 0) {
    return GitError("cannot attach reference database backend", rc);
  }
  refdb_backend->release();  // owned by `refdb` now.
  if (int rc = git_repository_set_refdb(repo.get(), refdb.get()); rc < 0) {
    return GitError("cannot attach reference database", rc);
  }
  return repo;
}

}  // namespace internal

namespace {

using internal::FromGit;
using internal::GitError;
using internal::GitPtr;
using internal::ToGit;
using lmdb::RefRecord;
using lmdb::Txn;

constexpr int kMaxSymrefDepth = 5;

static_assert(static_cast<int>(ObjectType::kCommit) == GIT_OBJECT_COMMIT &&
              static_cast<int>(ObjectType::kTree) == GIT_OBJECT_TREE &&
              static_cast<int>(ObjectType::kBlob) == GIT_OBJECT_BLOB &&
              static_cast<int>(ObjectType::kTag) == GIT_OBJECT_TAG);

bool ValidType(ObjectType type) { return type >= ObjectType::kCommit && type <= ObjectType::kTag; }

// One reference on libgit2's global state: git_libgit2_init/shutdown are
// reference-counted, so every Store holds its own.
class Libgit2Session {
 public:
  Libgit2Session() : rc_(git_libgit2_init()) {}
  ~Libgit2Session() {
    if (rc_ >= 0) git_libgit2_shutdown();
  }
  Libgit2Session(const Libgit2Session&) = delete;
  Libgit2Session& operator=(const Libgit2Session&) = delete;
  Status status() const {
    return rc_ >= 0 ? Status::Ok() : GitError("cannot initialise libgit2", rc_);
  }

 private:
  int rc_;
};

Status FsError(const std::filesystem::path& dir, const std::error_code& ec) {
  std::string msg = "cannot open store at " + dir.string() + ": " + ec.message();
  if (ec == std::errc::permission_denied || ec == std::errc::read_only_file_system ||
      ec == std::errc::operation_not_permitted) {
    return Status::PermissionDenied(std::move(msg));
  }
  return Status::IOError(std::move(msg));
}

// Makes sure `dir` may hold a store: creates it if allowed, and refuses a
// non-empty directory without data.mdb so we never litter random directories.
Status PrepareDirectory(const std::filesystem::path& dir, const StoreOptions& options) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status status = fs::status(dir, ec);
  if (status.type() == fs::file_type::not_found) {
    if (!options.create_if_missing) {
      return Status::NotFound("cannot open store at " + dir.string() + ": no such store");
    }
    fs::create_directories(dir, ec);
    return ec ? FsError(dir, ec) : Status::Ok();
  }
  if (ec) return FsError(dir, ec);
  if (!fs::is_directory(status)) {
    return Status::InvalidArgument("cannot open store at " + dir.string() + ": not a directory");
  }
  const bool has_data = fs::exists(dir / "data.mdb", ec);
  if (ec) return FsError(dir, ec);
  if (has_data) return Status::Ok();
  const bool empty = fs::is_empty(dir, ec);
  if (ec) return FsError(dir, ec);
  if (!empty) {
    return Status::InvalidArgument("cannot open store at " + dir.string() + ": not a clive store");
  }
  if (!options.create_if_missing) {
    return Status::NotFound("cannot open store at " + dir.string() + ": no such store");
  }
  return Status::Ok();
}

Status ValidateRefName(std::string_view name) {
  const std::string owned(name);
  int valid = 0;
  if (owned.find('\0') == std::string::npos) {
    if (int rc = git_reference_name_is_valid(&valid, owned.c_str()); rc < 0) {
      return GitError("cannot check ref name '" + owned + "'", rc);
    }
  }
  if (!valid) return Status::InvalidArgument("invalid ref name '" + owned + "'");
  return Status::Ok();
}

Status NoNul(std::string_view what, std::string_view value) {
  if (value.find('\0') == std::string_view::npos) return Status::Ok();
  return Status::InvalidArgument(std::string(what) + " contains a NUL byte");
}

// The "found ..." half of a RefChanged message.
std::string DescribeRef(const std::optional<RefRecord>& record) {
  return record ? record->Describe() : "nothing";
}

class StoreImpl final : public Store {
 public:
  // Members are destroyed in reverse order: the repository (and with it the
  // backends) before the LMDB env they point to, libgit2's global state last.
  StoreImpl(std::unique_ptr<Libgit2Session> session, std::filesystem::path path,
            std::unique_ptr<lmdb::Env> env, GitPtr<git_repository> repo, GitPtr<git_odb> odb)
      : session_(std::move(session)),
        path_(std::move(path)),
        env_(std::move(env)),
        repo_(std::move(repo)),
        odb_(std::move(odb)) {}

  const std::filesystem::path& path() const override { return path_; }

  Expected<ObjectId> WriteObject(ObjectType type, std::string_view data) override;
  Expected<Object> ReadObject(const ObjectId& id) override;
  Expected<bool> HasObject(const ObjectId& id) override;
  Expected<ObjectId> WriteTree(const std::vector<TreeEntry>& entries) override;
  Expected<std::vector<TreeEntry>> ReadTree(const ObjectId& id) override;
  Expected<ObjectId> WriteCommit(const Commit& commit) override;
  Expected<Commit> ReadCommit(const ObjectId& id) override;
  Expected<ObjectId> ReadRef(std::string_view name) override;
  Expected<std::vector<std::pair<std::string, ObjectId>>> ListRefs(
      std::string_view prefix) override;
  Status UpdateRefs(const std::vector<RefUpdate>& updates) override;

 private:
  Expected<GitPtr<git_tree>> LookupTree(const ObjectId& id, std::string_view context);
  Status ApplyRefUpdates(Txn& txn, const std::vector<RefUpdate>& updates);

  std::unique_ptr<Libgit2Session> session_;
  std::filesystem::path path_;
  std::unique_ptr<lmdb::Env> env_;
  GitPtr<git_repository> repo_;
  GitPtr<git_odb> odb_;
  // libgit2 handles are not thread-safe; one call at a time keeps the Store
  // safe to share between threads.
  std::mutex mu_;
};

// --- objects ---

Expected<ObjectId> StoreImpl::WriteObject(ObjectType type, std::string_view data) {
  if (!ValidType(type)) {
    return Status::InvalidArgument("invalid object type " + std::to_string(static_cast<int>(type)));
  }
  std::lock_guard lock(mu_);
  git_oid oid;
  const char* bytes = data.empty() ? "" : data.data();
  if (int rc = git_odb_write(&oid, odb_.get(), bytes, data.size(), static_cast<git_object_t>(type));
      rc < 0) {
    return GitError("cannot write object", rc);
  }
  return FromGit(oid);
}

Expected<Object> StoreImpl::ReadObject(const ObjectId& id) {
  std::lock_guard lock(mu_);
  const git_oid oid = ToGit(id);
  git_odb_object* raw = nullptr;
  if (int rc = git_odb_read(&raw, odb_.get(), &oid); rc < 0) {
    if (rc == GIT_ENOTFOUND) return Status::NotFound("object " + id.Hex() + " not found");
    return GitError("cannot read object " + id.Hex(), rc);
  }
  GitPtr<git_odb_object> object(raw);
  const auto* data = static_cast<const char*>(git_odb_object_data(object.get()));
  return Object{static_cast<ObjectType>(git_odb_object_type(object.get())),
                std::string(data, git_odb_object_size(object.get()))};
}

Expected<bool> StoreImpl::HasObject(const ObjectId& id) {
  std::lock_guard lock(mu_);
  const git_oid oid = ToGit(id);
  return git_odb_exists(odb_.get(), &oid) == 1;
}

// --- trees and commits ---

Expected<GitPtr<git_tree>> StoreImpl::LookupTree(const ObjectId& id, std::string_view context) {
  const git_oid oid = ToGit(id);
  git_tree* raw = nullptr;
  if (int rc = git_tree_lookup(&raw, repo_.get(), &oid); rc < 0) {
    return GitError(std::string(context) + ": tree " + id.Hex(), rc);
  }
  return GitPtr<git_tree>(raw);
}

Expected<ObjectId> StoreImpl::WriteTree(const std::vector<TreeEntry>& entries) {
  std::lock_guard lock(mu_);
  git_treebuilder* raw = nullptr;
  if (int rc = git_treebuilder_new(&raw, repo_.get(), nullptr); rc < 0) {
    return GitError("cannot write tree", rc);
  }
  GitPtr<git_treebuilder> builder(raw);
  for (const TreeEntry& entry : entries) {
    CLIVE_RETURN_IF_ERROR(NoNul("tree entry name", entry.name));
    // The builder would silently keep the last of two entries with one name.
    if (git_treebuilder_get(builder.get(), entry.name.c_str()) != nullptr) {
      return Status::InvalidArgument("cannot write tree: duplicate entry '" + entry.name + "'");
    }
    const git_oid oid = ToGit(entry.id);
    // The builder validates the name and mode and checks that the object
    // exists with the type the mode implies; it also sorts entries git's way.
    if (int rc = git_treebuilder_insert(nullptr, builder.get(), entry.name.c_str(), &oid,
                                        static_cast<git_filemode_t>(entry.mode));
        rc < 0) {
      Status error = GitError("cannot write tree: entry '" + entry.name + "'", rc);
      return Status::InvalidArgument(error.message());
    }
  }
  git_oid oid;
  if (int rc = git_treebuilder_write(&oid, builder.get()); rc < 0) {
    return GitError("cannot write tree", rc);
  }
  return FromGit(oid);
}

Expected<std::vector<TreeEntry>> StoreImpl::ReadTree(const ObjectId& id) {
  std::lock_guard lock(mu_);
  auto tree = LookupTree(id, "cannot read tree");
  if (!tree) return tree.status();
  std::vector<TreeEntry> entries;
  const size_t count = git_tree_entrycount(tree->get());
  entries.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    const git_tree_entry* entry = git_tree_entry_byindex(tree->get(), i);
    // Modes other than kBlob/kTree (executable, symlink, submodule) come back
    // as their raw git value.
    entries.push_back(TreeEntry{git_tree_entry_name(entry), FromGit(*git_tree_entry_id(entry)),
                                static_cast<TreeEntry::Mode>(git_tree_entry_filemode(entry))});
  }
  return entries;
}

Expected<ObjectId> StoreImpl::WriteCommit(const Commit& commit) {
  CLIVE_RETURN_IF_ERROR(NoNul("commit message", commit.message));
  CLIVE_RETURN_IF_ERROR(NoNul("author name", commit.author.name));
  CLIVE_RETURN_IF_ERROR(NoNul("author email", commit.author.email));
  std::lock_guard lock(mu_);
  auto tree = LookupTree(commit.tree, "cannot write commit");
  if (!tree) return tree.status();

  std::vector<GitPtr<git_commit>> parents;
  std::vector<const git_commit*> parent_ptrs;
  for (const ObjectId& parent_id : commit.parents) {
    const git_oid oid = ToGit(parent_id);
    git_commit* raw = nullptr;
    if (int rc = git_commit_lookup(&raw, repo_.get(), &oid); rc < 0) {
      return GitError("cannot write commit: parent " + parent_id.Hex(), rc);
    }
    parents.emplace_back(raw);
    parent_ptrs.push_back(raw);
  }

  // UTC offset: the same inputs give the same commit id on every machine.
  const git_time_t when =
      commit.author.time != 0 ? commit.author.time : static_cast<git_time_t>(std::time(nullptr));
  git_signature* raw_sig = nullptr;
  if (int rc = git_signature_new(&raw_sig, commit.author.name.c_str(), commit.author.email.c_str(),
                                 when, 0);
      rc < 0) {
    Status error = GitError("cannot write commit: invalid author", rc);
    return Status::InvalidArgument(error.message());
  }
  GitPtr<git_signature> signature(raw_sig);

  git_oid oid;
  if (int rc =
          git_commit_create(&oid, repo_.get(), /*update_ref=*/nullptr, signature.get(),
                            signature.get(), /*message_encoding=*/nullptr, commit.message.c_str(),
                            tree->get(), parent_ptrs.size(), parent_ptrs.data());
      rc < 0) {
    return GitError("cannot write commit", rc);
  }
  return FromGit(oid);
}

Expected<Commit> StoreImpl::ReadCommit(const ObjectId& id) {
  std::lock_guard lock(mu_);
  const git_oid oid = ToGit(id);
  git_commit* raw = nullptr;
  if (int rc = git_commit_lookup(&raw, repo_.get(), &oid); rc < 0) {
    return GitError("cannot read commit " + id.Hex(), rc);
  }
  GitPtr<git_commit> commit(raw);
  Commit out;
  out.tree = FromGit(*git_commit_tree_id(commit.get()));
  const unsigned count = git_commit_parentcount(commit.get());
  for (unsigned i = 0; i < count; ++i) {
    out.parents.push_back(FromGit(*git_commit_parent_id(commit.get(), i)));
  }
  const git_signature* author = git_commit_author(commit.get());
  out.author.name = author->name;
  out.author.email = author->email;
  out.author.time = author->when.time;
  // The raw message: git_commit_message() would drop leading newlines.
  out.message = git_commit_message_raw(commit.get());
  return out;
}

// --- refs ---

Expected<ObjectId> StoreImpl::ReadRef(std::string_view name) {
  CLIVE_RETURN_IF_ERROR(ValidateRefName(name));
  std::lock_guard lock(mu_);
  auto txn = Txn::Begin(*env_, Txn::Mode::kRead);
  if (!txn) return txn.status();
  std::string current(name);
  for (int depth = 0;; ++depth) {
    auto record = lmdb::GetRef(*txn, current);
    if (!record) return record.status();
    if (!*record) {
      if (depth == 0) return Status::NotFound("ref " + current + " not found");
      return Status::NotFound("ref " + std::string(name) + " not found: symbolic ref target " +
                              current + " does not exist");
    }
    if (!(*record)->symbolic()) return (*record)->id;
    if (depth == kMaxSymrefDepth) {
      return Status::InvalidArgument("cannot resolve ref " + std::string(name) + ": more than " +
                                     std::to_string(kMaxSymrefDepth) + " levels of symbolic refs");
    }
    current = (*record)->target;
  }
}

Expected<std::vector<std::pair<std::string, ObjectId>>> StoreImpl::ListRefs(
    std::string_view prefix) {
  std::lock_guard lock(mu_);
  auto txn = Txn::Begin(*env_, Txn::Mode::kRead);
  if (!txn) return txn.status();
  // LMDB keeps keys in byte order, which is the order we promise.
  std::vector<std::pair<std::string, ObjectId>> refs;
  CLIVE_RETURN_IF_ERROR(
      lmdb::ScanRefs(*txn, prefix, [&](std::string_view name, const RefRecord& record) {
        if (!record.symbolic()) refs.emplace_back(std::string(name), record.id);
        return true;
      }));
  return refs;
}

Status StoreImpl::UpdateRefs(const std::vector<RefUpdate>& updates) {
  std::set<std::string_view> names;
  for (const RefUpdate& update : updates) {
    CLIVE_RETURN_IF_ERROR(ValidateRefName(update.name));
    if (!names.insert(update.name).second) {
      return Status::InvalidArgument("ref " + update.name + " is updated twice in one batch");
    }
  }
  if (updates.empty()) return Status::Ok();
  std::lock_guard lock(mu_);
  // One LMDB write transaction for the whole batch: a failed check aborts it
  // (the Txn destructor) so nothing is written; success commits all at once.
  auto txn = Txn::Begin(*env_, Txn::Mode::kWrite);
  if (!txn) return txn.status();
  CLIVE_RETURN_IF_ERROR(ApplyRefUpdates(*txn, updates));
  return txn->Commit();
}

Status StoreImpl::ApplyRefUpdates(Txn& txn, const std::vector<RefUpdate>& updates) {
  // 1. Every expectation against the current state. Updates act on the named
  //    ref itself: a symbolic ref is compared (and replaced) as is, not
  //    followed.
  for (const RefUpdate& update : updates) {
    if (update.expect == RefUpdate::Expect::kAnything) continue;
    auto current = lmdb::GetRef(txn, update.name);
    if (!current) return current.status();
    // As in git, expecting the zero id means expecting the ref to be absent.
    const bool want_absent = update.expect == RefUpdate::Expect::kAbsent || update.old_id.IsZero();
    const bool matches =
        want_absent ? !current->has_value()
                    : (*current && !(*current)->symbolic() && (*current)->id == update.old_id);
    if (!matches) {
      return Status::RefChanged("ref " + update.name + " changed: expected " +
                                (want_absent ? std::string("nothing") : update.old_id.Hex()) +
                                ", found " + DescribeRef(*current));
    }
  }
  // 2. Refs may only point at objects the store has.
  for (const RefUpdate& update : updates) {
    if (!update.new_id) continue;
    auto present = lmdb::HasObject(txn, *update.new_id);
    if (!present) return present.status();
    if (!*present) {
      return Status::NotFound("cannot update ref " + update.name + ": object " +
                              update.new_id->Hex() + " not found");
    }
  }
  // 3. Deletions before writes, so one batch can replace "a" by "a/b".
  for (const RefUpdate& update : updates) {
    if (update.new_id) continue;
    auto deleted = lmdb::DeleteRef(txn, update.name);
    if (!deleted) return deleted.status();
  }
  for (const RefUpdate& update : updates) {
    if (!update.new_id) continue;
    auto conflict = lmdb::FindRefConflict(txn, update.name);
    if (!conflict) return conflict.status();
    if (*conflict) {
      return Status::InvalidArgument("cannot update ref " + update.name +
                                     ": it conflicts with existing ref " + **conflict);
    }
    CLIVE_RETURN_IF_ERROR(lmdb::PutRef(txn, update.name, RefRecord::Direct(*update.new_id)));
  }
  return Status::Ok();
}

}  // namespace

Expected<std::unique_ptr<Store>> Store::Open(const std::filesystem::path& dir,
                                             const StoreOptions& options) {
  auto session = std::make_unique<Libgit2Session>();
  CLIVE_RETURN_IF_ERROR(session->status());
  CLIVE_RETURN_IF_ERROR(PrepareDirectory(dir, options));
  auto env = lmdb::Env::Open(dir, options);
  if (!env) return env.status();
  auto repo = internal::NewRepository(**env);
  if (!repo) return repo.status();
  git_odb* raw_odb = nullptr;
  if (int rc = git_repository_odb(&raw_odb, repo->get()); rc < 0) {
    return GitError("cannot open object database", rc);
  }
  GitPtr<git_odb> odb(raw_odb);
  return std::unique_ptr<Store>(std::make_unique<StoreImpl>(
      std::move(session), dir, std::move(*env), std::move(*repo), std::move(odb)));
}

}  // namespace clive::store
