// libgit2 object database backend over the LMDB "objects" database.
//
// Every entry point opens its own short LMDB transaction: libgit2 may call
// back into the backend at any time (and from any of its APIs), so no
// transaction is ever held across calls.
#include <cstring>
#include <exception>
#include <new>
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

// libgit2 calls us from C: no exception may escape a callback.
template <typename F>
int Guarded(F&& body) noexcept {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    git_error_set_oom();
  } catch (const std::exception& e) {
    git_error_set_str(GIT_ERROR_ODB, e.what());
  }
  return GIT_ERROR;
}

// Copies an object into a buffer libgit2 will own and free.
int CopyOut(OdbBackend& self, const lmdb::StoredObject& object, void** data, size_t* len,
            git_object_t* type) {
  const size_t size = object.data.size();
  // NUL-terminated like libgit2's own backends produce (and +1 keeps a
  // zero-length object from asking the allocator for 0 bytes).
  auto* buffer = static_cast<char*>(git_odb_backend_data_alloc(&self.parent, size + 1));
  if (buffer == nullptr) {
    git_error_set_oom();
    return GIT_ERROR;
  }
  std::memcpy(buffer, object.data.data(), size);
  buffer[size] = '\0';
  *data = buffer;
  *len = size;
  *type = static_cast<git_object_t>(object.type);
  return 0;
}

// Finds the unique object whose hex id starts with the first `len` hex digits
// of `prefix`: GIT_ENOTFOUND for none, GIT_EAMBIGUOUS for several.
int FindByPrefix(OdbBackend& self, Txn& txn, const git_oid& prefix, size_t len, git_oid* out) {
  // The digits past `len` are zero in `prefix`, so it is also the smallest key
  // in the range; keys are sorted, so the matches are contiguous from there.
  const std::string_view start(reinterpret_cast<const char*>(prefix.id), GIT_OID_RAWSZ);
  int matches = 0;
  Status scan = txn.Scan(self.env->objects(), start, [&](std::string_view key, std::string_view) {
    if (key.size() != GIT_OID_RAWSZ) return true;  // not an object key; skip.
    git_oid candidate;
    std::memcpy(candidate.id, key.data(), GIT_OID_RAWSZ);
    if (git_oid_ncmp(&candidate, &prefix, len) != 0) return false;
    *out = candidate;
    return ++matches < 2;
  });
  if (!scan.ok()) return Report(scan);
  char hex[GIT_OID_HEXSZ + 1];
  git_oid_tostr(hex, len + 1, &prefix);
  if (matches == 0) {
    return Report(Status::NotFound("no object matches prefix " + std::string(hex) +
                                   " in store at " + self.env->path().string()));
  }
  if (matches > 1) {
    git_error_set_str(GIT_ERROR_ODB,
                      ("object prefix " + std::string(hex) + " is ambiguous").c_str());
    return GIT_EAMBIGUOUS;
  }
  return 0;
}

int Read(void** data, size_t* len, git_object_t* type, git_odb_backend* backend,
         const git_oid* oid) {
  return Guarded([&]() -> int {
    auto& self = Self(backend);
    auto txn = Txn::Begin(*self.env, Txn::Mode::kRead);
    if (!txn) return Report(txn.status());
    auto object = lmdb::GetObject(*txn, FromGit(*oid));
    if (!object) return Report(object.status());
    if (!*object) return NotFound(self, *oid);
    return CopyOut(self, **object, data, len, type);
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
    auto object = lmdb::GetObject(*txn, FromGit(full));
    if (!object) return Report(object.status());
    if (!*object) return NotFound(self, full);
    if (int rc = CopyOut(self, **object, data, len, type); rc != 0) return rc;
    *out = full;
    return 0;
  });
}

int ReadHeader(size_t* len, git_object_t* type, git_odb_backend* backend, const git_oid* oid) {
  return Guarded([&]() -> int {
    auto& self = Self(backend);
    auto txn = Txn::Begin(*self.env, Txn::Mode::kRead);
    if (!txn) return Report(txn.status());
    auto object = lmdb::GetObject(*txn, FromGit(*oid));
    if (!object) return Report(object.status());
    if (!*object) return NotFound(self, *oid);
    *len = (*object)->data.size();
    *type = static_cast<git_object_t>((*object)->type);
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
    auto txn = Txn::Begin(*self.env, Txn::Mode::kWrite);
    if (!txn) return Report(txn.status());
    // libgit2 computed `oid` from the content; an existing id is kept as is.
    Status put = lmdb::PutObject(*txn, FromGit(*oid), static_cast<ObjectType>(type),
                                 {static_cast<const char*>(data), len});
    if (!put.ok()) return Report(put);
    Status commit = txn->Commit();
    return commit.ok() ? 0 : Report(commit);
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
      Status scan = txn->Scan(self.env->objects(), {}, [&](std::string_view key, std::string_view) {
        if (key.size() == GIT_OID_RAWSZ) {
          git_oid oid;
          std::memcpy(oid.id, key.data(), GIT_OID_RAWSZ);
          ids.push_back(oid);
        }
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
  b.free = &Free;
  // No `refresh`: LMDB transactions always see the latest commit, so there is
  // no cache to reload. No `freshen`: libgit2 falls back to `exists`.
  return GitPtr<git_odb_backend>(&backend.release()->parent);
}

}  // namespace clive::store::internal
