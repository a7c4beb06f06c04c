// libgit2 reference database backend over the LMDB "refs" database.
//
// Every entry point runs in its own LMDB transaction, so each libgit2 ref
// operation (write, rename, delete) is atomic and durable on return, and its
// reflog entry is written in the same transaction. A git_transaction (lock
// ... unlock) is buffered in the backend and applied as one LMDB write
// transaction when its last lock is released; see Unlock().
//
// Reflogs live in the "reflogs" database (lmdb_env.h). Every ref update is
// logged, whatever core.logAllRefUpdates says (clive's in-memory repository
// has no config): the log is the history of an entity. Deleting a ref
// deletes its log, renaming moves it, as in git.
#include <fnmatch.h>

#include <algorithm>
#include <exception>
#include <functional>
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
  // The entry to log (old and new ids are filled in when applied); nullopt
  // when libgit2 writes the log itself through reflog_write.
  std::optional<lmdb::ReflogRecord> log;
};

// A whole log replaced by reflog_write inside a git_transaction.
struct PendingReflog {
  std::string name;
  std::vector<lmdb::ReflogRecord> entries;
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
  std::vector<PendingReflog> pending_reflogs;
  // Set by reflog_write inside a git_transaction; claimed by the next unlock
  // (see ReflogWrite).
  std::optional<std::vector<lmdb::ReflogRecord>> reflog_for_next_unlock;
  // Which ref each git_reflog made by ReflogRead belongs to, most recent
  // last (see ReflogWrite).
  std::vector<std::pair<const git_reflog*, std::string>> reflog_names;
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

// No exception may escape into libgit2 (backends.h).
template <typename F>
int Guarded(F&& body) noexcept {
  return GuardedCallback(GIT_ERROR_REFERENCE, std::forward<F>(body));
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

// Runs `body` (which returns a libgit2 code, having set libgit2's error) in
// one LMDB write transaction through Env::Update, so a full map grows and the
// body runs again.
int WriteTxn(RefdbBackend& self, const std::function<int(Txn&)>& body) {
  int rc = 0;
  Status status = self.env->Update([&](Txn& txn) -> Status {
    rc = body(txn);
    // The message is unused: rc and libgit2's error carry the failure.
    return rc == 0 ? Status::Ok() : Status::Internal("aborted");
  });
  if (rc != 0) return rc;
  return status.ok() ? 0 : Report(status);
}

// Appends `entry` (whose ids are filled in here) to the log of `name` (and
// HEAD's, if HEAD points at it) for a change from `before` to `after`.
int LogChange(Txn& txn, const std::string& name, const std::optional<RefRecord>& before,
              const RefRecord& after, lmdb::ReflogRecord entry) {
  if (before) {
    auto old_id = lmdb::ResolveRecord(txn, *before);
    if (!old_id) return Report(old_id.status());
    entry.old_id = *old_id;
  }
  auto new_id = lmdb::ResolveRecord(txn, after);
  if (!new_id) return Report(new_id.status());
  entry.new_id = *new_id;
  Status logged = lmdb::LogRefUpdate(txn, name, entry);
  return logged.ok() ? 0 : Report(logged);
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

int Write(git_refdb_backend* backend, const git_reference* ref, int force, const git_signature* who,
          const char* message, const git_oid* old_id, const char* old_target) {
  return Guarded([&]() -> int {
    const std::string name = git_reference_name(ref);
    const RefRecord next = RecordOf(ref);
    const lmdb::ReflogRecord entry = RecordFor({}, {}, who, message);
    return WriteTxn(Self(backend), [&](Txn& txn) -> int {
      auto current = lmdb::GetRef(txn, name);
      if (!current) return Report(current.status());
      if (!force && *current) {
        return Fail(GIT_EEXISTS, "failed to write reference '" + name +
                                     "': a reference with that name already exists");
      }
      if (!MatchesOld(*current, old_id, old_target)) {
        return Fail(GIT_EMODIFIED,
                    "failed to write reference '" + name + "': old reference value does not match");
      }
      if (*current == next) return 0;  // unchanged: nothing to write or log.
      if (int rc = CheckNoConflict(txn, name); rc != 0) return rc;
      Status put = lmdb::PutRef(txn, name, next);
      if (!put.ok()) return Report(put);
      return LogChange(txn, name, *current, next, entry);
    });
  });
}

int Rename(git_reference** out, git_refdb_backend* backend, const char* old_name,
           const char* new_name, int force, const git_signature* who, const char* message) {
  return Guarded([&]() -> int {
    if (out != nullptr) *out = nullptr;
    const std::string from = old_name;
    const std::string to = new_name;
    std::optional<RefRecord> moved;
    const int rc = WriteTxn(Self(backend), [&](Txn& txn) -> int {
      auto current = lmdb::GetRef(txn, from);
      if (!current) return Report(current.status());
      if (!*current) return RefNotFound(from);
      moved = **current;
      auto target = lmdb::GetRef(txn, to);
      if (!target) return Report(target.status());
      if (*target && !force) {
        return Fail(GIT_EEXISTS, "failed to rename reference '" + from + "' to '" + to +
                                     "': a reference with that name already exists");
      }
      if (from == to) return 0;
      // Delete first: renaming "a" to "a/b" is fine once "a" is gone.
      auto deleted = lmdb::DeleteRef(txn, from);
      if (!deleted) return Report(deleted.status());
      if (int conflict = CheckNoConflict(txn, to); conflict != 0) return conflict;
      Status put = lmdb::PutRef(txn, to, **current);
      if (!put.ok()) return Report(put);
      // Like git: the log moves with the ref and records the rename.
      Status renamed = lmdb::RenameReflog(txn, from, to);
      if (!renamed.ok()) return Report(renamed);
      auto id = lmdb::ResolveRecord(txn, **current);
      if (!id) return Report(id.status());
      Status logged = lmdb::AppendReflog(txn, to, RecordFor(*id, *id, who, message));
      return logged.ok() ? 0 : Report(logged);
    });
    if (rc != 0) return rc;
    return out != nullptr ? NewGitRef(out, to, *moved) : 0;
  });
}

int Delete(git_refdb_backend* backend, const char* ref_name, const git_oid* old_id,
           const char* old_target) {
  return Guarded([&]() -> int {
    const std::string name = ref_name;
    return WriteTxn(Self(backend), [&](Txn& txn) -> int {
      auto current = lmdb::GetRef(txn, name);
      if (!current) return Report(current.status());
      if (!*current) return RefNotFound(name);
      if (!MatchesOld(*current, old_id, old_target)) {
        return Fail(GIT_EMODIFIED, "failed to delete reference '" + name +
                                       "': old reference value does not match");
      }
      auto deleted = lmdb::DeleteRef(txn, name);
      if (!deleted) return Report(deleted.status());
      Status log_deleted = lmdb::DeleteReflog(txn, name);  // as git does.
      return log_deleted.ok() ? 0 : Report(log_deleted);
    });
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

int ApplyBatch(RefdbBackend& self, const std::vector<PendingChange>& batch,
               const std::vector<PendingReflog>& reflogs) {
  return WriteTxn(self, [&](Txn& txn) -> int {
    std::vector<std::optional<RefRecord>> before;
    for (const PendingChange& change : batch) {
      auto current = lmdb::GetRef(txn, change.name);
      if (!current) return Report(current.status());
      if (*current != change.seen) {
        return Fail(GIT_EMODIFIED, "reference '" + change.name + "' changed since it was locked");
      }
      before.push_back(std::move(*current));
    }
    // Deletions first, so a batch may replace "a" by "a/b".
    for (const PendingChange& change : batch) {
      if (change.next) continue;
      auto deleted = lmdb::DeleteRef(txn, change.name);
      if (!deleted) return Report(deleted.status());
      Status log_deleted = lmdb::DeleteReflog(txn, change.name);
      if (!log_deleted.ok()) return Report(log_deleted);
    }
    for (const PendingChange& change : batch) {
      if (!change.next) continue;
      if (int rc = CheckNoConflict(txn, change.name); rc != 0) return rc;
      Status put = lmdb::PutRef(txn, change.name, *change.next);
      if (!put.ok()) return Report(put);
    }
    // Logs replaced through git_transaction_set_reflog, then the entries of
    // the updates that asked for one.
    for (const PendingReflog& reflog : reflogs) {
      Status replaced = lmdb::ReplaceReflog(txn, reflog.name, reflog.entries);
      if (!replaced.ok()) return Report(replaced);
    }
    for (size_t i = 0; i < batch.size(); ++i) {
      const PendingChange& change = batch[i];
      if (!change.next || !change.log) continue;
      if (int rc = LogChange(txn, change.name, before[i], *change.next, *change.log); rc != 0) {
        return rc;
      }
    }
    return 0;
  });
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

int Unlock(git_refdb_backend* backend, void* payload, int success, int update_reflog,
           const git_reference* ref, const git_signature* sig, const char* message) {
  return Guarded([&]() -> int {
    auto& self = Self(backend);
    std::unique_ptr<LockState> lock(static_cast<LockState*>(payload));
    // git_transaction_commit marks an unchanged ref's lock as released only
    // when unlock succeeds; otherwise git_transaction_free unlocks it again.
    // The first call kept the state alive for exactly that second call.
    if (lock->released) return 0;
    lock->released = true;
    --self.open_locks;
    // Poison the batch should buffering fail: a partial batch must not apply.
    const bool failed_before = std::exchange(self.batch_failed, true);
    if (auto entries = std::exchange(self.reflog_for_next_unlock, std::nullopt)) {
      self.pending_reflogs.push_back({lock->name, std::move(*entries)});
    }
    if (success == 1 || success == 2) {
      std::optional<RefRecord> next;
      if (success == 1) next = RecordOf(ref);
      std::optional<lmdb::ReflogRecord> log;
      if (success == 1 && update_reflog) log = RecordFor({}, {}, sig, message);
      self.pending.push_back({lock->name, std::move(lock->seen), std::move(next), std::move(log)});
    }
    self.batch_failed = failed_before;
    // success == 0 is a lock released without change (also how libgit2
    // releases the remaining locks after a failed commit).
    if (self.open_locks > 0) return 0;
    const std::vector<PendingChange> batch = std::exchange(self.pending, {});
    const std::vector<PendingReflog> reflogs = std::exchange(self.pending_reflogs, {});
    if (std::exchange(self.batch_failed, false) || (batch.empty() && reflogs.empty())) return 0;
    const int rc = ApplyBatch(self, batch, reflogs);
    if (rc != 0 && success == 0) lock.release();  // libgit2 will unlock it again.
    return rc;
  });
}

// --- reflogs ---

// How many git_reflog -> ref name associations ReflogRead remembers.
constexpr size_t kMaxRememberedReflogs = 64;

int CheckLogName(const char* name) {
  int valid = 0;
  if (int rc = git_reference_name_is_valid(&valid, name); rc < 0) return rc;
  if (!valid) return Fail(GIT_EINVALIDSPEC, "invalid reference name '" + std::string(name) + "'");
  return 0;
}

int HasLog(git_refdb_backend* backend, const char* name) {
  return Guarded([&]() -> int {
    auto txn = Txn::Begin(*Self(backend).env, Txn::Mode::kRead);
    if (!txn) return Report(txn.status());
    auto has = lmdb::HasReflog(*txn, name);
    if (!has) return Report(has.status());
    return *has ? 1 : 0;
  });
}

int EnsureLog(git_refdb_backend* backend, const char* name) {
  return Guarded([&]() -> int {
    if (int rc = CheckLogName(name); rc != 0) return rc;
    return WriteTxn(Self(backend), [&](Txn& txn) {
      Status ensured = lmdb::EnsureReflog(txn, name);
      return ensured.ok() ? 0 : Report(ensured);
    });
  });
}

int ReflogRead(git_reflog** out, git_refdb_backend* backend, const char* name) {
  *out = nullptr;
  return Guarded([&]() -> int {
    auto& self = Self(backend);
    if (int rc = CheckLogName(name); rc != 0) return rc;
    std::vector<lmdb::ReflogRecord> entries;
    {
      auto txn = Txn::Begin(*self.env, Txn::Mode::kRead);
      if (!txn) return Report(txn.status());
      auto read = lmdb::ReadReflog(*txn, name);
      if (!read) return Report(read.status());
      entries = std::move(*read);
    }
    // Like the files backend, a ref without a log reads as an empty log.
    auto reflog = MakeGitReflog(name, entries);
    if (!reflog) return Report(reflog.status());
    std::erase_if(self.reflog_names,
                  [&](const auto& known) { return known.first == reflog->get(); });
    if (self.reflog_names.size() == kMaxRememberedReflogs) {
      self.reflog_names.erase(self.reflog_names.begin());
    }
    self.reflog_names.emplace_back(reflog->get(), name);
    *out = reflog->release();
    return 0;
  });
}

// git_reflog is opaque and does not tell whose log it is, so the ref comes
// from context. Inside a git_transaction, libgit2 calls reflog_write with the
// transaction's copy of the log right before it unlocks that log's ref, so
// the entries wait for the next Unlock (and land in the transaction's LMDB
// transaction). Otherwise the reflog is one git_reflog_read made, i.e. one
// ReflogRead remembered.
int ReflogWrite(git_refdb_backend* backend, git_reflog* reflog) {
  auto& self = Self(backend);
  const int rc = Guarded([&]() -> int {
    std::vector<lmdb::ReflogRecord> entries = ReflogRecords(reflog);
    if (self.open_locks > 0) {
      self.reflog_for_next_unlock = std::move(entries);
      return 0;
    }
    auto known = std::find_if(self.reflog_names.rbegin(), self.reflog_names.rend(),
                              [&](const auto& k) { return k.first == reflog; });
    if (known == self.reflog_names.rend()) {
      return Fail(GIT_ERROR,
                  "cannot write reflog: it was not read from this store by git_reflog_read (or " +
                      std::to_string(kMaxRememberedReflogs) + " other reflogs were read since)");
    }
    const std::string name = known->second;
    return WriteTxn(self, [&](Txn& txn) {
      Status replaced = lmdb::ReplaceReflog(txn, name, entries);
      return replaced.ok() ? 0 : Report(replaced);
    });
  });
  // A transaction whose reflog cannot be written must not apply at all.
  if (rc != 0 && self.open_locks > 0) self.batch_failed = true;
  return rc;
}

int ReflogRename(git_refdb_backend* backend, const char* old_name, const char* new_name) {
  return Guarded([&]() -> int {
    if (int rc = CheckLogName(old_name); rc != 0) return rc;
    if (int rc = CheckLogName(new_name); rc != 0) return rc;
    return WriteTxn(Self(backend), [&](Txn& txn) {
      Status renamed = lmdb::RenameReflog(txn, old_name, new_name);
      return renamed.ok() ? 0 : Report(renamed);
    });
  });
}

int ReflogDelete(git_refdb_backend* backend, const char* name) {
  return Guarded([&]() -> int {
    return WriteTxn(Self(backend), [&](Txn& txn) {
      Status deleted = lmdb::DeleteReflog(txn, name);
      return deleted.ok() ? 0 : Report(deleted);
    });
  });
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
