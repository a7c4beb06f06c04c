// Private to store/: the libgit2 object database and reference database
// backends over LMDB, plus RAII handles for the libgit2 types we use.
//
// Ownership: a backend is created owned by a unique_ptr (BackendPtr). Once
// git_odb_add_backend / git_refdb_set_backend succeeds, libgit2 owns it and
// frees it through the backend's `free` callback, so callers release() the
// unique_ptr exactly then. Backends keep a plain pointer to the lmdb::Env: the
// Env must outlive every git_odb / git_refdb / git_repository built on it.
#pragma once

#include <git2.h>
#include <git2/sys/odb_backend.h>
#include <git2/sys/refdb_backend.h>
#include <git2/sys/reflog.h>
#include <git2/sys/refs.h>
#include <git2/sys/repository.h>

#include <cstring>
#include <exception>
#include <new>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "clive/store/object_id.h"
#include "clive/store/status.h"
#include "clive/store/store.h"
#include "lmdb_env.h"

namespace clive::store::internal {

// One deleter for every libgit2 handle type we hold.
struct GitFree {
  void operator()(git_repository* p) const { git_repository_free(p); }
  void operator()(git_odb* p) const { git_odb_free(p); }
  void operator()(git_odb_object* p) const { git_odb_object_free(p); }
  void operator()(git_refdb* p) const { git_refdb_free(p); }
  void operator()(git_reference* p) const { git_reference_free(p); }
  void operator()(git_reference_iterator* p) const { git_reference_iterator_free(p); }
  void operator()(git_tree* p) const { git_tree_free(p); }
  void operator()(git_commit* p) const { git_commit_free(p); }
  void operator()(git_treebuilder* p) const { git_treebuilder_free(p); }
  void operator()(git_signature* p) const { git_signature_free(p); }
  void operator()(git_transaction* p) const { git_transaction_free(p); }
  void operator()(git_indexer* p) const { git_indexer_free(p); }
  void operator()(git_reflog* p) const { git_reflog_free(p); }
  void operator()(git_object* p) const { git_object_free(p); }
  void operator()(git_packbuilder* p) const { git_packbuilder_free(p); }
  void operator()(git_odb_writepack* p) const { p->free(p); }
  // Backends not (yet) handed to libgit2 are freed through their own callback.
  void operator()(git_odb_backend* p) const { p->free(p); }
  void operator()(git_refdb_backend* p) const { p->free(p); }
};
template <typename T>
using GitPtr = std::unique_ptr<T, GitFree>;

inline git_oid ToGit(const ObjectId& id) {
  git_oid out;
  std::memcpy(out.id, id.bytes.data(), ObjectId::kSize);
  return out;
}

inline ObjectId FromGit(const git_oid& oid) {
  ObjectId out;
  std::memcpy(out.bytes.data(), oid.id, ObjectId::kSize);
  return out;
}

// libgit2 calls our backends and callbacks from C: no exception may escape.
// Runs `body` and turns an exception into a libgit2 error of `error_class`.
template <typename F>
int GuardedCallback(int error_class, F&& body) noexcept {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    git_error_set_oom();
  } catch (const std::exception& e) {
    git_error_set_str(error_class, e.what());
  }
  return GIT_ERROR;
}

// One reference on libgit2's global state: git_libgit2_init/shutdown are
// reference-counted, so every user (a Store, a git_interop call) holds its own.
class Libgit2Session {
 public:
  Libgit2Session() : rc_(git_libgit2_init()) {}
  ~Libgit2Session() {
    if (rc_ >= 0) git_libgit2_shutdown();
  }
  Libgit2Session(const Libgit2Session&) = delete;
  Libgit2Session& operator=(const Libgit2Session&) = delete;
  Status status() const;

 private:
  int rc_;
};

// Maps a libgit2 return code plus git_error_last() to a Status:
// "<context>: <libgit2 message>".
Status GitError(std::string_view context, int rc);

// Backends storing objects / refs in `env` (see lmdb_env.h for the layout).
Expected<GitPtr<git_odb_backend>> NewOdbBackend(lmdb::Env& env);
// The odb backend's `writepack` (odb_writepack.cc): packs received by libgit2
// (fetch, clone, git_odb_write_pack) are indexed in a temporary directory,
// then every object is copied into `env` in one LMDB transaction.
int NewOdbWritepack(git_odb_writepack** out, git_odb_backend* backend, lmdb::Env& env, git_odb* odb,
                    git_indexer_progress_cb progress_cb, void* progress_payload);
Expected<GitPtr<git_refdb_backend>> NewRefdbBackend(lmdb::Env& env);

// --- reflogs (refdb_reflog.cc) ---

// A git_reflog for `ref` holding `entries` (oldest first). libgit2 1.5 has no
// public way to build one, so this goes through its own files backend on a
// scratch repository; see refdb_reflog.cc.
Expected<GitPtr<git_reflog>> MakeGitReflog(const std::string& ref,
                                           const std::vector<lmdb::ReflogRecord>& entries);
// The entries of `reflog`, oldest first.
std::vector<lmdb::ReflogRecord> ReflogRecords(git_reflog* reflog);
// The log entry for a change made through libgit2 by `who` (clive's own
// committer when libgit2 passes none).
lmdb::ReflogRecord RecordFor(const ObjectId& old_id, const ObjectId& new_id,
                             const git_signature* who, const char* message);

// An in-memory (bare, no work tree) git_repository whose object database and
// reference database are the LMDB backends over `env`. The caller must have
// called git_libgit2_init() and must keep `env` alive longer than the result.
Expected<GitPtr<git_repository>> NewRepository(lmdb::Env& env);

// The libgit2 repository and object database inside a Store made by
// Store::Open, for code in store/ (git interop) and its tests that drive
// libgit2 directly. Not thread-safe: the caller must not use `store` from
// another thread meanwhile (Store's own calls serialise on a mutex these
// bypass). Still owned by the store.
git_repository* StoreRepository(Store& store);
git_odb* StoreOdb(Store& store);

}  // namespace clive::store::internal
