// Private to store/: the concrete Store, split over store.cc (opening,
// objects, trees, commits), store_refs.cc (refs and reflogs) and
// store_fsck.cc (Stats and Fsck).
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "backends.h"
#include "clive/store/store.h"
#include "lmdb_env.h"

namespace clive::store::internal {

// InvalidArgument unless git accepts `name` as a ref name.
Status ValidateRefName(std::string_view name);

// An in-memory libgit2 repository whose object and reference databases are
// the LMDB backends (backends.h), plus direct LMDB access where libgit2 has
// no atomic equivalent (multi-ref updates) or would be needlessly slow.
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

  // store.cc
  Expected<ObjectId> WriteObject(ObjectType type, std::string_view data) override;
  Expected<Object> ReadObject(const ObjectId& id) override;
  Expected<bool> HasObject(const ObjectId& id) override;
  Expected<ObjectHeader> ReadHeader(const ObjectId& id) override;
  Expected<std::vector<ObjectId>> WriteObjects(
      const std::vector<std::pair<ObjectType, std::string_view>>& objects) override;
  Expected<ObjectId> ResolvePrefix(std::string_view hex_prefix) override;
  Status ForEachObject(const std::function<bool(const ObjectId&)>& visit) override;
  Expected<ObjectId> WriteTree(const std::vector<TreeEntry>& entries) override;
  Expected<std::vector<TreeEntry>> ReadTree(const ObjectId& id) override;
  Expected<ObjectId> WriteCommit(const Commit& commit) override;
  Expected<Commit> ReadCommit(const ObjectId& id) override;

  // store_refs.cc
  Expected<ObjectId> ReadRef(std::string_view name) override;
  Expected<std::vector<std::pair<std::string, ObjectId>>> ListRefs(
      std::string_view prefix) override;
  Expected<std::vector<RefInfo>> ListAllRefs() override;
  Status UpdateRefs(const std::vector<RefUpdate>& updates,
                    std::string_view reflog_message) override;
  Status SetSymbolicRef(std::string_view name, std::string_view target) override;
  Expected<std::vector<ReflogEntry>> ReadReflog(std::string_view name) override;

  // store_fsck.cc
  Expected<StoreStats> Stats() override;
  uint64_t LastTransaction() override { return env_->last_transaction(); }
  Expected<FsckReport> Fsck() override;

  git_repository* repository() { return repo_.get(); }
  git_odb* odb() { return odb_.get(); }

 private:
  Expected<GitPtr<git_tree>> LookupTree(const ObjectId& id, std::string_view context);
  Status ApplyRefUpdates(lmdb::Txn& txn, const std::vector<RefUpdate>& updates,
                         std::string_view reflog_message);

  std::unique_ptr<Libgit2Session> session_;
  std::filesystem::path path_;
  std::unique_ptr<lmdb::Env> env_;
  GitPtr<git_repository> repo_;
  GitPtr<git_odb> odb_;
  // libgit2 handles are not thread-safe; one call at a time keeps the Store
  // safe to share between threads.
  std::mutex mu_;
};

}  // namespace clive::store::internal
