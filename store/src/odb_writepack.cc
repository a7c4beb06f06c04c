// The object database backend's `writepack`: how packs received by libgit2
// (fetch, clone, git_odb_write_pack) land in LMDB.
//
// libgit2 1.5 has no API to walk a pack stream object by object, so this
// follows the route its maintainers recommend for custom backends: let
// git_indexer write the pack and its index into a temporary directory (it
// resolves deltas, and completes thin packs with bases from our own odb),
// open that pack as a one-pack object database, and copy every object into
// the "objects" database in one LMDB write transaction. The temporary
// directory lives inside the store directory (same disk; /tmp may be a small
// tmpfs) and is removed when libgit2 frees the writepack, whatever happened.
// A process killed mid-transfer leaves an "incoming-*" directory behind,
// which is safe to delete once no process uses the store.
#include <stdlib.h>

#include <exception>
#include <filesystem>
#include <new>
#include <string>
#include <system_error>
#include <type_traits>
#include <vector>

#include "backends.h"
#include "lmdb_env.h"

namespace clive::store::internal {
namespace {

struct Writepack {
  git_odb_writepack parent;  // must stay first: libgit2 only sees &parent.
  lmdb::Env* env;            // not owned; outlives the writepack.
  std::filesystem::path dir;
  GitPtr<git_indexer> indexer;

  ~Writepack() {
    indexer.reset();  // closes the files before they are removed.
    std::error_code ec;
    if (!dir.empty()) std::filesystem::remove_all(dir, ec);
  }
};
static_assert(std::is_standard_layout_v<Writepack>);

Writepack& Self(git_odb_writepack* pack) { return *reinterpret_cast<Writepack*>(pack); }

int Report(const Status& status) {
  git_error_set_str(GIT_ERROR_ODB, status.message().c_str());
  return GIT_ERROR;
}

// No exception may escape into libgit2 (backends.h).
template <typename F>
int Guarded(F&& body) noexcept {
  return GuardedCallback(GIT_ERROR_ODB, std::forward<F>(body));
}

// Copies every object of the pack indexed by `idx_path` into `env`, in one
// LMDB write transaction: either the whole pack lands or none of it.
Status ImportPack(lmdb::Env& env, const std::filesystem::path& idx_path) {
  git_odb* raw_odb = nullptr;
  if (int rc = git_odb_new(&raw_odb); rc < 0) return GitError("cannot read received pack", rc);
  GitPtr<git_odb> pack_odb(raw_odb);
  git_odb_backend* raw_backend = nullptr;
  if (int rc = git_odb_backend_one_pack(&raw_backend, idx_path.c_str()); rc < 0) {
    return GitError("cannot read received pack", rc);
  }
  GitPtr<git_odb_backend> backend(raw_backend);
  if (int rc = git_odb_add_backend(pack_odb.get(), backend.get(), 1); rc < 0) {
    return GitError("cannot read received pack", rc);
  }
  backend.release();  // owned by pack_odb now.

  std::vector<git_oid> ids;
  auto collect = [](const git_oid* oid, void* payload) {
    static_cast<std::vector<git_oid>*>(payload)->push_back(*oid);
    return 0;
  };
  if (int rc = git_odb_foreach(pack_odb.get(), collect, &ids); rc < 0) {
    return GitError("cannot list received pack", rc);
  }

  return env.Update([&](lmdb::Txn& txn) -> Status {
    for (const git_oid& oid : ids) {
      const ObjectId id = FromGit(oid);
      // Objects are immutable: skip what we have without inflating it.
      auto present = lmdb::HasObject(txn, id);
      if (!present) return present.status();
      if (*present) continue;
      git_odb_object* raw_object = nullptr;
      // git_odb_read checks the content against its id.
      if (int rc = git_odb_read(&raw_object, pack_odb.get(), &oid); rc < 0) {
        return GitError("cannot read object " + id.Hex() + " of received pack", rc);
      }
      GitPtr<git_odb_object> object(raw_object);
      const auto type = static_cast<ObjectType>(git_odb_object_type(object.get()));
      const std::string_view data(static_cast<const char*>(git_odb_object_data(object.get())),
                                  git_odb_object_size(object.get()));
      CLIVE_RETURN_IF_ERROR(lmdb::PutObject(txn, id, type, data));
    }
    return Status::Ok();
  });
}

int Append(git_odb_writepack* pack, const void* data, size_t size, git_indexer_progress* stats) {
  return Guarded([&] { return git_indexer_append(Self(pack).indexer.get(), data, size, stats); });
}

int Commit(git_odb_writepack* pack, git_indexer_progress* stats) {
  return Guarded([&]() -> int {
    Writepack& self = Self(pack);
    if (int rc = git_indexer_commit(self.indexer.get(), stats); rc < 0) return rc;
    const std::filesystem::path idx =
        self.dir / ("pack-" + std::string(git_indexer_name(self.indexer.get())) + ".idx");
    Status imported = ImportPack(*self.env, idx);
    return imported.ok() ? 0 : Report(imported);
  });
}

void Free(git_odb_writepack* pack) {
  std::unique_ptr<Writepack> owned(&Self(pack));  // released in NewOdbWritepack.
}

}  // namespace

int NewOdbWritepack(git_odb_writepack** out, git_odb_backend* backend, lmdb::Env& env, git_odb* odb,
                    git_indexer_progress_cb progress_cb, void* progress_payload) {
  return Guarded([&]() -> int {
    *out = nullptr;
    if (env.read_only()) return Report(env.ReadOnlyError());
    auto pack = std::make_unique<Writepack>();
    pack->env = &env;
    std::string tmpl = (env.path() / "incoming-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) {
      const std::error_code ec(errno, std::generic_category());
      return Report(Status::IOError("cannot receive pack into store at " + env.path().string() +
                                    ": " + ec.message()));
    }
    pack->dir = tmpl;

    git_indexer_options options;
    if (int rc = git_indexer_options_init(&options, GIT_INDEXER_OPTIONS_VERSION); rc < 0) return rc;
    options.progress_cb = progress_cb;
    options.progress_cb_payload = progress_payload;
    git_indexer* raw_indexer = nullptr;
    // `odb` (ours) supplies the bases of a thin pack.
    if (int rc = git_indexer_new(&raw_indexer, pack->dir.c_str(), 0, odb, &options); rc < 0) {
      return rc;
    }
    pack->indexer.reset(raw_indexer);

    pack->parent.backend = backend;
    pack->parent.append = &Append;
    pack->parent.commit = &Commit;
    pack->parent.free = &Free;
    *out = &pack.release()->parent;  // freed by Free().
    return 0;
  });
}

}  // namespace clive::store::internal
