// libgit2 reference database backend over the LMDB "refs" database.
//
// Every entry point runs in its own LMDB transaction, so each libgit2 ref
// operation (write, rename, delete) is atomic and durable on return. A
// git_transaction (lock ... unlock) is buffered in the backend and applied as
// one LMDB write transaction when its last lock is released; see Unlock().
//
// Reflogs are not stored yet: has_log reports none and reflog_read fails with
// GIT_ENOTFOUND, because a git_reflog can only be built inside libgit2.
#include <fnmatch.h>

#include <exception>
#include <new>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "backends.h"
#include "lmdb_env.h"

namespace clive::store::internal {
namespace {

using lmdb::RefRecord;
using lmdb::Txn;

// A ref change buffered by Unlock() until its git_transaction is complete.
struct PendingChange {
  std::string name;
  std::optional<RefRecord> seen;  // the value when the ref was locked.
  std::optional<RefRecord> next;  // nullopt deletes the ref.
};

// What Lock() hands libgit2 as the opaque payload.
struct LockState {
  std::string name;
  std::optional<RefRecord> seen;
  bool released = false;  // see Unlock(): a failed unlock may be repeated.
};

struct RefdbBackend {
  git_refdb_backend parent;  // must stay first: libgit2 only sees &parent.
  lmdb::Env* env;            // not owned; outlives the backend (see backends.h).
  // git_transaction support.
  size_t open_locks;
  bool batch_failed;  // set when a transaction commit failed half-way.
  std::vector<PendingChange> pending;
};
static_assert(std::is_standard_layout_v<RefdbBackend>);

struct RefIterator {
  git_reference_iterator parent;  // must stay first, as above.
  std::vector<std::pair<std::string, RefRecord>> refs;
  size_t position;
};
static_assert(std::is_standard_layout_v<RefIterator>);

RefdbBackend& Self(git_refdb_backend* backend) { return *reinterpret_cast<RefdbBackend*>(backend); }
RefIterator& Self(git_reference_iterator* iter) { return *reinterpret_cast<RefIterator*>(iter); }

int Fail(int code, const std::string& message) {
  git_error_set_str(GIT_ERROR_REFERENCE, message.c_str());
  return code;
}

int Report(const Status& status) {
  int code = GIT_ERROR;
  if (status.IsNotFound()) code = GIT_ENOTFOUND;
  if (status.IsRefChanged()) code = GIT_EMODIFIED;
  if (status.code() == Status::Code::kInvalidArgument) code = GIT_EINVALIDSPEC;
  return Fail(code, status.message());
}

int RefNotFound(std::string_view name) {
  return Fail(GIT_ENOTFOUND, "reference '" + std::string(name) + "' not found");
}

// libgit2 calls us from C: no exception may escape a callback.
template <typename F>
int Guarded(F&& body) noexcept {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    git_error_set_oom();
  } catch (const std::exception& e) {
    git_error_set_str(GIT_ERROR_REFERENCE, e.what());
  }
  return GIT_ERROR;
}

int NewGitRef(git_reference** out, const std::string& name, const RefRecord& record) {
  if (record.symbolic()) {
    *out = git_reference__alloc_symbolic(name.c_str(), record.target.c_str());
  } else {
    const git_oid oid = ToGit(record.id);
    *out = git_reference__alloc(name.c_str(), &oid, nullptr);
  }
  if (*out == nullptr) {
    git_error_set_oom();
    return GIT_ERROR;
  }
  return 0;
}

RefRecord RecordOf(const git_reference* ref) {
  if (git_reference_type(ref) == GIT_REFERENCE_SYMBOLIC) {
    return RefRecord::Symbolic(git_reference_symbolic_target(ref));
  }
  return RefRecord::Direct(FromGit(*git_reference_target(ref)));
}

// libgit2's compare-and-swap: no expectation matches anything; an expected id
// needs a direct ref at that id (the zero id stands for "absent", as in git);
// an expected target needs a symbolic ref to that target.
bool MatchesOld(const std::optional<RefRecord>& current, const git_oid* old_id,
                const char* old_target) {
  if (old_id != nullptr) {
    if (!current) return git_oid_is_zero(old_id);
    return !current->symbolic() && current->id == FromGit(*old_id);
  }
  if (old_target != nullptr) {
    return current && current->symbolic() && current->target == old_target;
  }
  return true;
}

// GIT_EEXISTS (like the files backend) when `name` would collide with an
// existing ref "a/b" vs "a/b/c".
int CheckNoConflict(Txn& txn, const std::string& name) {
  auto conflict = lmdb::FindRefConflict(txn, name);
  if (!conflict) return Report(conflict.status());
  if (*conflict) {
    return Fail(GIT_EEXISTS,
                "path to reference '" + name + "' collides with existing one '" + **conflict + "'");
  }
  return 0;
}

int Commit(Txn& txn) {
  Status status = txn.Commit();
  return status.ok() ? 0 : Report(status);
}

// --- iterator ---

int IterNext(git_reference** out, git_reference_iterator* iter) {
  return Guarded([&]() -> int {
    auto& self = Self(iter);
    if (self.position >= self.refs.size()) return GIT_ITEROVER;
    const auto& [name, record] = self.refs[self.position++];
    return NewGitRef(out, name, record);
  });
}

int IterNextName(const char** out, git_reference_iterator* iter) {
  auto& self = Self(iter);
  if (self.position >= self.refs.size()) return GIT_ITEROVER;
  *out = self.refs[self.position++].first.c_str();  // lives as long as the iterator.
  return 0;
}

void IterFree(git_reference_iterator* iter) {
  std::unique_ptr<RefIterator> owned(&Self(iter));  // ownership released in Iterator().
}

// --- backend entry points ---

int Exists(int* exists, git_refdb_backend* backend, const char* name) {
  return Guarded([&]() -> int {
    auto txn = Txn::Begin(*Self(backend).env, Txn::Mode::kRead);
    if (!txn) return Report(txn.status());
    auto current = lmdb::GetRef(*txn, name);
    if (!current) return Report(current.status());
    *exists = current->has_value() ? 1 : 0;
    return 0;
  });
}

int Lookup(git_reference** out, git_refdb_backend* backend, const char* name) {
  return Guarded([&]() -> int {
    *out = nullptr;
    auto txn = Txn::Begin(*Self(backend).env, Txn::Mode::kRead);
    if (!txn) return Report(txn.status());
    auto current = lmdb::GetRef(*txn, name);
    if (!current) return Report(current.status());
    if (!*current) return RefNotFound(name);
    return NewGitRef(out, name, **current);
  });
}

int Iterator(git_reference_iterator** out, git_refdb_backend* backend, const char* glob) {
  return Guarded([&]() -> int {
    auto iter = std::make_unique<RefIterator>();
    // Snapshot the matching refs: callers routinely look refs up (or write
    // them) while iterating, which must not run inside our read transaction.
    // Like the files backend, only refs under "refs/" are listed (not HEAD),
    // and `glob` uses wildmatch semantics without WM_PATHNAME, i.e. '*'
    // matches across '/', which is fnmatch(3) with no flags.
    {
      auto txn = Txn::Begin(*Self(backend).env, Txn::Mode::kRead);
      if (!txn) return Report(txn.status());
      Status scan = lmdb::ScanRefs(*txn, "refs/", [&](std::string_view name, const RefRecord& r) {
        std::string owned(name);
        if (glob == nullptr || fnmatch(glob, owned.c_str(), 0) == 0) {
          iter->refs.emplace_back(std::move(owned), r);
        }
        return true;
      });
      if (!scan.ok()) return Report(scan);
    }
    iter->parent.next = &IterNext;
    iter->parent.next_name = &IterNextName;
    iter->parent.free = &IterFree;
    *out = &iter.release()->parent;  // freed by IterFree.
    return 0;
  });
}

int Write(git_refdb_backend* backend, const git_reference* ref, int force,
          const git_signature* /*who: no reflog yet*/, const char* /*message*/,
          const git_oid* old_id, const char* old_target) {
  return Guarded([&]() -> int {
    const std::string name = git_reference_name(ref);
    const RefRecord next = RecordOf(ref);
    auto txn = Txn::Begin(*Self(backend).env, Txn::Mode::kWrite);
    if (!txn) return Report(txn.status());
    auto current = lmdb::GetRef(*txn, name);
    if (!current) return Report(current.status());
    if (!force && *current) {
      return Fail(GIT_EEXISTS, "failed to write reference '" + name +
                                   "': a reference with that name already exists");
    }
    if (!MatchesOld(*current, old_id, old_target)) {
      return Fail(GIT_EMODIFIED,
                  "failed to write reference '" + name + "': old reference value does not match");
    }
    if (*current == next) return 0;  // unchanged: nothing to write.
    if (int rc = CheckNoConflict(*txn, name); rc != 0) return rc;
    Status put = lmdb::PutRef(*txn, name, next);
    if (!put.ok()) return Report(put);
    return Commit(*txn);
  });
}

int Rename(git_reference** out, git_refdb_backend* backend, const char* old_name,
           const char* new_name, int force, const git_signature* /*who*/, const char* /*message*/) {
  return Guarded([&]() -> int {
    if (out != nullptr) *out = nullptr;
    const std::string from = old_name;
    const std::string to = new_name;
    auto txn = Txn::Begin(*Self(backend).env, Txn::Mode::kWrite);
    if (!txn) return Report(txn.status());
    auto current = lmdb::GetRef(*txn, from);
    if (!current) return Report(current.status());
    if (!*current) return RefNotFound(from);
    auto target = lmdb::GetRef(*txn, to);
    if (!target) return Report(target.status());
    if (*target && !force) {
      return Fail(GIT_EEXISTS, "failed to rename reference '" + from + "' to '" + to +
                                   "': a reference with that name already exists");
    }
    if (from != to) {
      // Delete first: renaming "a" to "a/b" is fine once "a" is gone.
      auto deleted = lmdb::DeleteRef(*txn, from);
      if (!deleted) return Report(deleted.status());
      if (int rc = CheckNoConflict(*txn, to); rc != 0) return rc;
      Status put = lmdb::PutRef(*txn, to, **current);
      if (!put.ok()) return Report(put);
      if (int rc = Commit(*txn); rc != 0) return rc;
    }
    return out != nullptr ? NewGitRef(out, to, **current) : 0;
  });
}

int Delete(git_refdb_backend* backend, const char* ref_name, const git_oid* old_id,
           const char* old_target) {
  return Guarded([&]() -> int {
    const std::string name = ref_name;
    auto txn = Txn::Begin(*Self(backend).env, Txn::Mode::kWrite);
    if (!txn) return Report(txn.status());
    auto current = lmdb::GetRef(*txn, name);
    if (!current) return Report(current.status());
    if (!*current) return RefNotFound(name);
    if (!MatchesOld(*current, old_id, old_target)) {
      return Fail(GIT_EMODIFIED,
                  "failed to delete reference '" + name + "': old reference value does not match");
    }
    auto deleted = lmdb::DeleteRef(*txn, name);
    if (!deleted) return Report(deleted.status());
    return Commit(*txn);
  });
}

// --- git_transaction ---
//
// The files backend holds a lock file per ref from lock to unlock. We cannot
// hold an LMDB write transaction across calls, so locking is optimistic:
// Lock() records the ref's value, Unlock() buffers the change, and when the
// last outstanding lock is released the whole batch is applied in one LMDB
// write transaction, failing with GIT_EMODIFIED (and applying nothing) if any
// ref moved since it was locked. libgit2 unlocks every lock of a transaction
// within git_transaction_commit (or _free), so the batch is exactly one
// git_transaction unless several are interleaved on one repository, in which
// case they are applied together when the last of them finishes.

int ApplyBatch(RefdbBackend& self, const std::vector<PendingChange>& batch) {
  auto txn = Txn::Begin(*self.env, Txn::Mode::kWrite);
  if (!txn) return Report(txn.status());
  for (const PendingChange& change : batch) {
    auto current = lmdb::GetRef(*txn, change.name);
    if (!current) return Report(current.status());
    if (*current != change.seen) {
      return Fail(GIT_EMODIFIED, "reference '" + change.name + "' changed since it was locked");
    }
  }
  // Deletions first, so a batch may replace "a" by "a/b".
  for (const PendingChange& change : batch) {
    if (change.next) continue;
    auto deleted = lmdb::DeleteRef(*txn, change.name);
    if (!deleted) return Report(deleted.status());
  }
  for (const PendingChange& change : batch) {
    if (!change.next) continue;
    if (int rc = CheckNoConflict(*txn, change.name); rc != 0) return rc;
    Status put = lmdb::PutRef(*txn, change.name, *change.next);
    if (!put.ok()) return Report(put);
  }
  return Commit(*txn);
}

int Lock(void** payload, git_refdb_backend* backend, const char* name) {
  return Guarded([&]() -> int {
    auto& self = Self(backend);
    auto txn = Txn::Begin(*self.env, Txn::Mode::kRead);
    if (!txn) return Report(txn.status());
    auto current = lmdb::GetRef(*txn, name);
    if (!current) return Report(current.status());
    auto lock = std::make_unique<LockState>(LockState{name, std::move(*current), false});
    ++self.open_locks;
    *payload = lock.release();  // reclaimed in Unlock().
    return 0;
  });
}

int Unlock(git_refdb_backend* backend, void* payload, int success, int /*update_reflog*/,
           const git_reference* ref, const git_signature* /*sig*/, const char* /*message*/) {
  return Guarded([&]() -> int {
    auto& self = Self(backend);
    std::unique_ptr<LockState> lock(static_cast<LockState*>(payload));
    // git_transaction_commit marks an unchanged ref's lock as released only
    // when unlock succeeds; otherwise git_transaction_free unlocks it again.
    // The first call kept the state alive for exactly that second call.
    if (lock->released) return 0;
    lock->released = true;
    --self.open_locks;
    if (success == 1 || success == 2) {
      // Poison the batch should buffering fail: a partial batch must not apply.
      const bool failed_before = std::exchange(self.batch_failed, true);
      std::optional<RefRecord> next;
      if (success == 1) next = RecordOf(ref);
      self.pending.push_back({lock->name, std::move(lock->seen), std::move(next)});
      self.batch_failed = failed_before;
    }
    // success == 0 is a lock released without change (also how libgit2
    // releases the remaining locks after a failed commit).
    if (self.open_locks > 0) return 0;
    const std::vector<PendingChange> batch = std::exchange(self.pending, {});
    if (std::exchange(self.batch_failed, false) || batch.empty()) return 0;
    const int rc = ApplyBatch(self, batch);
    if (rc != 0 && success == 0) lock.release();  // libgit2 will unlock it again.
    return rc;
  });
}

// --- reflogs (not stored yet) ---

int HasLog(git_refdb_backend* /*backend*/, const char* /*name*/) { return 0; }

int EnsureLog(git_refdb_backend* /*backend*/, const char* /*name*/) { return 0; }

int ReflogRead(git_reflog** out, git_refdb_backend* /*backend*/, const char* name) {
  *out = nullptr;
  return Guarded([&]() -> int {
    return Fail(GIT_ENOTFOUND,
                "no reflog for '" + std::string(name) + "': the clive store keeps no reflogs yet");
  });
}

int ReflogWrite(git_refdb_backend* backend, git_reflog* /*reflog*/) {
  // Called from git_transaction_commit before it unlocks; make sure the
  // changes already buffered for that transaction are dropped.
  auto& self = Self(backend);
  if (self.open_locks > 0) self.batch_failed = true;
  git_error_set_str(GIT_ERROR_REFERENCE, "the clive store keeps no reflogs yet");
  return GIT_ERROR;
}

int ReflogRename(git_refdb_backend* /*backend*/, const char* /*old_name*/,
                 const char* /*new_name*/) {
  return 0;  // no reflog to move.
}

int ReflogDelete(git_refdb_backend* /*backend*/, const char* /*name*/) {
  return 0;  // no reflog to delete.
}

void Free(git_refdb_backend* backend) {
  std::unique_ptr<RefdbBackend> owned(&Self(backend));  // released in NewRefdbBackend.
}

}  // namespace

Expected<GitPtr<git_refdb_backend>> NewRefdbBackend(lmdb::Env& env) {
  auto backend = std::make_unique<RefdbBackend>();
  if (int rc = git_refdb_init_backend(&backend->parent, GIT_REFDB_BACKEND_VERSION); rc != 0) {
    return GitError("cannot initialise reference database backend", rc);
  }
  backend->env = &env;
  git_refdb_backend& b = backend->parent;
  b.exists = &Exists;
  b.lookup = &Lookup;
  b.iterator = &Iterator;
  b.write = &Write;
  b.rename = &Rename;
  b.del = &Delete;
  b.has_log = &HasLog;
  b.ensure_log = &EnsureLog;
  b.free = &Free;
  b.reflog_read = &ReflogRead;
  b.reflog_write = &ReflogWrite;
  b.reflog_rename = &ReflogRename;
  b.reflog_delete = &ReflogDelete;
  b.lock = &Lock;
  b.unlock = &Unlock;
  // No `compress`: there is nothing to pack.
  return GitPtr<git_refdb_backend>(&backend.release()->parent);
}

}  // namespace clive::store::internal
