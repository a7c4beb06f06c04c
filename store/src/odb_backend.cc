// libgit2 object database backend over the LMDB "objects" database.
//
// Every entry point opens its own short LMDB transaction: libgit2 may call
// back into the backend at any time (and from any of its APIs), so no
// transaction is ever held across calls.
#include <cstring>
#include <exception>
#include <new>
#include <optional>
#include <type_traits>
#include <vector>

#include "backends.h"
#include "lmdb_env.h"

namespace clive::store::internal {
namespace {

using lmdb::Txn;

struct OdbBackend {
  git_odb_backend parent;  // must stay first: libgit2 only sees &parent.
  lmdb::Env* env;          // not owned; outlives the backend (see backends.h).
};
// Standard layout makes &parent and the OdbBackend pointer-interconvertible,
// which is what the casts below rely on.
static_assert(std::is_standard_layout_v<OdbBackend>);

OdbBackend& Self(git_odb_backend* backend) { return *reinterpret_cast<OdbBackend*>(backend); }

// Hands `status` to libgit2 (visible through git_error_last) and returns the
// code libgit2 expects for it.
int Report(const Status& status) {
  git_error_set_str(GIT_ERROR_ODB, status.message().c_str());
  return status.IsNotFound() ? GIT_ENOTFOUND : GIT_ERROR;
}

int NotFound(const OdbBackend& self, const git_oid& oid) {
  return Report(Status::NotFound("object " + FromGit(oid).Hex() + " not found in store at " +
                                 self.env->path().string()));
}

// No exception may escape into libgit2 (backends.h).
template <typename F>
int Guarded(F&& body) noexcept {
  return GuardedCallback(GIT_ERROR_ODB, std::forward<F>(body));
}

// Decodes an object into a buffer libgit2 will own and free.
int CopyOut(OdbBackend& self, Txn& txn, const git_oid& oid, const lmdb::ObjectRecord& record,
            void** data, size_t* len, git_object_t* type) {
  const size_t size = record.size;
  // NUL-terminated like libgit2's own backends produce (and +1 keeps a
  // zero-length object from asking the allocator for 0 bytes).
  auto* buffer = static_cast<char*>(git_odb_backend_data_alloc(&self.parent, size + 1));
  if (buffer == nullptr) {
    git_error_set_oom();
    return GIT_ERROR;
  }
  if (Status decoded = lmdb::DecodeObject(txn, FromGit(oid), record, buffer); !decoded.ok()) {
    git_odb_backend_data_free(&self.parent, buffer);
    return Report(decoded);
  }
  buffer[size] = '\0';
  *data = buffer;
  *len = size;
  *type = static_cast<git_object_t>(record.type);
  return 0;
}

// Finds the unique object whose hex id starts with the first `len` hex digits
// of `prefix`: GIT_ENOTFOUND for none, GIT_EAMBIGUOUS for several.
int FindByPrefix(OdbBackend& self, Txn& txn, const git_oid& prefix, size_t len, git_oid* out) {
  std::vector<ObjectId> found;
  Status scan = lmdb::FindObjectsByPrefix(txn, FromGit(prefix), len, 2, &found);
  if (!scan.ok()) return Report(scan);
  char hex[GIT_OID_HEXSZ + 1];
  git_oid_tostr(hex, len + 1, &prefix);
  if (found.empty()) {
    return Report(Status::NotFound("no object matches prefix " + std::string(hex) +
                                   " in store at " + self.env->path().string()));
  }
  if (found.size() > 1) {
    git_error_set_str(GIT_ERROR_ODB,
                      ("object prefix " + std::string(hex) + " is ambiguous").c_str());
    return GIT_EAMBIGUOUS;
  }
  *out = ToGit(found[0]);
  return 0;
}

int Read(void** data, size_t* len, git_object_t* type, git_odb_backend* backend,
         const git_oid* oid) {
  return Guarded([&]() -> int {
    auto& self = Self(backend);
    auto txn = Txn::Begin(*self.env, Txn::Mode::kRead);
    if (!txn) return Report(txn.status());
    auto record = lmdb::GetObjectRecord(*txn, FromGit(*oid));
    if (!record) return Report(record.status());
    if (!*record) return NotFound(self, *oid);
    return CopyOut(self, *txn, *oid, **record, data, len, type);
  });
}

int ReadPrefix(git_oid* out, void** data, size_t* len, git_object_t* type, git_odb_backend* backend,
               const git_oid* prefix, size_t prefix_len) {
  return Guarded([&]() -> int {
    auto& self = Self(backend);
    auto txn = Txn::Begin(*self.env, Txn::Mode::kRead);
    if (!txn) return Report(txn.status());
    git_oid full = *prefix;
    if (prefix_len < GIT_OID_HEXSZ) {
      if (int rc = FindByPrefix(self, *txn, *prefix, prefix_len, &full); rc != 0) return rc;
    }
    auto record = lmdb::GetObjectRecord(*txn, FromGit(full));
    if (!record) return Report(record.status());
    if (!*record) return NotFound(self, full);
    if (int rc = CopyOut(self, *txn, full, **record, data, len, type); rc != 0) return rc;
    *out = full;
    return 0;
  });
}

int ReadHeader(size_t* len, git_object_t* type, git_odb_backend* backend, const git_oid* oid) {
  return Guarded([&]() -> int {
    auto& self = Self(backend);
    auto txn = Txn::Begin(*self.env, Txn::Mode::kRead);
    if (!txn) return Report(txn.status());
    // The record header carries type and size: nothing is decompressed.
    auto record = lmdb::GetObjectRecord(*txn, FromGit(*oid));
    if (!record) return Report(record.status());
    if (!*record) return NotFound(self, *oid);
    *len = static_cast<size_t>((*record)->size);
    *type = static_cast<git_object_t>((*record)->type);
    return 0;
  });
}

int Write(git_odb_backend* backend, const git_oid* oid, const void* data, size_t len,
          git_object_t type) {
  return Guarded([&]() -> int {
    auto& self = Self(backend);
    if (type < GIT_OBJECT_COMMIT || type > GIT_OBJECT_TAG) {
      return Report(Status::InvalidArgument("cannot store object of type " +
                                            std::to_string(static_cast<int>(type))));
    }
    // libgit2 computed `oid` from the content; an existing id is kept as is.
    // Compress before taking LMDB's writer lock.
    const std::string record = self.env->codec().Encode(static_cast<ObjectType>(type),
                                                        {static_cast<const char*>(data), len});
    Status put = self.env->Update(
        [&](Txn& txn) { return lmdb::PutObjectRecord(txn, FromGit(*oid), record); });
    return put.ok() ? 0 : Report(put);
  });
}

int Exists(git_odb_backend* backend, const git_oid* oid) {
  // libgit2 reads any non-zero result as "found", so errors must map to 0:
  // a following read or write will then surface the real error.
  const int rc = Guarded([&]() -> int {
    auto& self = Self(backend);
    auto txn = Txn::Begin(*self.env, Txn::Mode::kRead);
    if (!txn) return Report(txn.status());
    auto found = lmdb::HasObject(*txn, FromGit(*oid));
    if (!found) return Report(found.status());
    return *found ? 1 : 0;
  });
  return rc == 1 ? 1 : 0;
}

int ExistsPrefix(git_oid* out, git_odb_backend* backend, const git_oid* prefix, size_t prefix_len) {
  return Guarded([&]() -> int {
    auto& self = Self(backend);
    auto txn = Txn::Begin(*self.env, Txn::Mode::kRead);
    if (!txn) return Report(txn.status());
    if (prefix_len >= GIT_OID_HEXSZ) {
      auto found = lmdb::HasObject(*txn, FromGit(*prefix));
      if (!found) return Report(found.status());
      if (!*found) return NotFound(self, *prefix);
      *out = *prefix;
      return 0;
    }
    return FindByPrefix(self, *txn, *prefix, prefix_len, out);
  });
}

int Foreach(git_odb_backend* backend, git_odb_foreach_cb callback, void* payload) {
  return Guarded([&]() -> int {
    auto& self = Self(backend);
    // Collect the ids first so no transaction is open while the callback
    // runs: it may well write objects itself.
    std::vector<git_oid> ids;
    {
      auto txn = Txn::Begin(*self.env, Txn::Mode::kRead);
      if (!txn) return Report(txn.status());
      Status scan =
          lmdb::ScanObjects(*txn, std::nullopt, [&](const ObjectId& id, std::string_view) {
            ids.push_back(ToGit(id));
            return true;
          });
      if (!scan.ok()) return Report(scan);
    }
    for (const git_oid& oid : ids) {
      // A non-zero callback result stops the walk and is passed back as is.
      if (int rc = callback(&oid, payload); rc != 0) return rc;
    }
    return 0;
  });
}

// LMDB needs no refresh: every call above starts a new transaction, which
// sees the latest commit of every process, and the backend caches nothing.
// libgit2 calls this after a failed lookup before retrying; 0 means "done".
int Refresh(git_odb_backend* /*backend*/) { return 0; }

int WritePack(git_odb_writepack** out, git_odb_backend* backend, git_odb* odb,
              git_indexer_progress_cb progress_cb, void* progress_payload) {
  return NewOdbWritepack(out, backend, *Self(backend).env, odb, progress_cb, progress_payload);
}

void Free(git_odb_backend* backend) {
  // Takes back the ownership released in NewOdbBackend.
  std::unique_ptr<OdbBackend> owned(&Self(backend));
}

}  // namespace

Expected<GitPtr<git_odb_backend>> NewOdbBackend(lmdb::Env& env) {
  auto backend = std::make_unique<OdbBackend>();
  if (int rc = git_odb_init_backend(&backend->parent, GIT_ODB_BACKEND_VERSION); rc != 0) {
    return GitError("cannot initialise object database backend", rc);
  }
  backend->env = &env;
  git_odb_backend& b = backend->parent;
  b.read = &Read;
  b.read_prefix = &ReadPrefix;
  b.read_header = &ReadHeader;
  b.write = &Write;
  b.exists = &Exists;
  b.exists_prefix = &ExistsPrefix;
  b.foreach = &Foreach;
  b.refresh = &Refresh;
  b.writepack = &WritePack;
  b.free = &Free;
  // No `freshen`: objects have no timestamps to bump; libgit2 falls back to
  // `exists`. No streams: objects are written and read whole.
  return GitPtr<git_odb_backend>(&backend.release()->parent);
}

}  // namespace clive::store::internal
