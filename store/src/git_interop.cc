// Moving objects and refs between a clive store and git repositories on disk.
//
// Both directions share one traversal (WalkMissing): a post-order walk from
// the tips that stops at every object the destination already has and hands
// each missing object over only after everything it references. Stopping at a
// present object is sound because both sides keep the closure invariant: an
// object is only ever stored after everything it reaches (git's packs and the
// order we write in here), so "present" implies "present with its closure".
//
// Store -> git: the missing objects go into a packbuilder over a read-only
// libgit2 view of the store, and the pack is streamed into the target's own
// object database (git_odb_write_pack), so git receives exactly one indexed
// pack, like a native fetch.
// git -> store: objects are read from the repository's object database and
// written with Store::WriteObjects in large batches; because batches follow
// the walk's order, a crash between two batches still leaves the store closed
// under reachability.
//
// The view goes through the public Store API only: the store's own
// git_repository is private to store.cc, and LMDB forbids opening the same
// environment twice in one process.
#include "clive/store/git_interop.h"

#include <cstring>
#include <exception>
#include <functional>
#include <memory>
#include <new>
#include <set>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <unordered_set>
#include <utility>
#include <vector>

#include "backends.h"

namespace clive::store {
namespace {

using internal::FromGit;
using internal::GitError;
using internal::GitPtr;
using internal::ToGit;

// GitFree plus the handle types only this file holds.
struct InteropFree : internal::GitFree {
  using GitFree::operator();
  void operator()(git_packbuilder* p) const { git_packbuilder_free(p); }
  void operator()(git_object* p) const { git_object_free(p); }
  void operator()(git_odb_writepack* p) const { p->free(p); }
};
template <typename T>
using Handle = std::unique_ptr<T, InteropFree>;

// Writes to the store are batched: one LMDB transaction per batch, and a
// bound on how much object data is held in memory meanwhile.
constexpr size_t kBatchBytes = size_t{64} << 20;
constexpr size_t kBatchObjects = 100'000;

struct IdHash {
  size_t operator()(const ObjectId& id) const {
    // SHA-1 output is uniformly distributed: any 8 bytes make a good hash.
    size_t h;
    std::memcpy(&h, id.bytes.data(), sizeof h);
    return h;
  }
};
using IdSet = std::unordered_set<ObjectId, IdHash>;

const char* TypeName(ObjectType type) {
  switch (type) {
    case ObjectType::kCommit: return "commit";
    case ObjectType::kTree: return "tree";
    case ObjectType::kBlob: return "blob";
    case ObjectType::kTag: return "tag";
  }
  return "object";
}

bool ValidType(int type) { return type >= GIT_OBJECT_COMMIT && type <= GIT_OBJECT_TAG; }

// libgit2's global state, held by each entry point: an open Store holds it
// too, but ResolveGitRevision has no store, and init/shutdown are reference
// counted, so nesting is cheap and safe.
using Libgit2 = internal::Libgit2Session;

// --- git repositories on disk ---

Expected<GitPtr<git_repository>> OpenGitRepository(const std::filesystem::path& dir) {
  git_repository* raw = nullptr;
  if (int rc = git_repository_open(&raw, dir.c_str()); rc < 0) {
    return GitError("cannot open git repository at " + dir.string(), rc);
  }
  return GitPtr<git_repository>(raw);
}

Expected<GitPtr<git_odb>> RepositoryOdb(git_repository* repo, const std::filesystem::path& dir) {
  git_odb* raw = nullptr;
  if (int rc = git_repository_odb(&raw, repo); rc < 0) {
    return GitError("cannot open object database of " + dir.string(), rc);
  }
  return GitPtr<git_odb>(raw);
}

Expected<GitPtr<git_odb_object>> ReadGitObject(git_odb* odb, const ObjectId& id,
                                                const std::filesystem::path& dir) {
  const git_oid oid = ToGit(id);
  git_odb_object* raw = nullptr;
  if (int rc = git_odb_read(&raw, odb, &oid); rc < 0) {
    if (rc == GIT_ENOTFOUND) {
      return Status::NotFound("object " + id.Hex() + " not found in git repository at " +
                              dir.string());
    }
    return GitError("cannot read object " + id.Hex() + " from " + dir.string(), rc);
  }
  GitPtr<git_odb_object> object(raw);
  if (!ValidType(git_odb_object_type(object.get()))) {
    return Status::Corruption("object " + id.Hex() + " in " + dir.string() +
                              " has an invalid type");
  }
  return object;
}

// --- a read-only libgit2 view of a Store, for the packbuilder ---

struct ViewBackend {
  git_odb_backend parent;  // must stay first: libgit2 only sees &parent.
  Store* store;            // not owned; outlives the view (see OpenStoreView).
};
static_assert(std::is_standard_layout_v<ViewBackend>);

ViewBackend& View(git_odb_backend* backend) { return *reinterpret_cast<ViewBackend*>(backend); }

int Report(const Status& status) {
  git_error_set_str(GIT_ERROR_ODB, status.message().c_str());
  return status.IsNotFound() ? GIT_ENOTFOUND : GIT_ERROR;
}

// No exception may escape into libgit2 (backends.h).
template <typename F>
int Guarded(F&& body) noexcept {
  return internal::GuardedCallback(GIT_ERROR_ODB, std::forward<F>(body));
}

int ViewRead(void** data, size_t* len, git_object_t* type, git_odb_backend* backend,
             const git_oid* oid) {
  return Guarded([&]() -> int {
    auto object = View(backend).store->ReadObject(FromGit(*oid));
    if (!object) return Report(object.status());
    const size_t size = object->data.size();
    // NUL-terminated like libgit2's own backends (and never a 0-byte request).
    auto* buffer = static_cast<char*>(git_odb_backend_data_alloc(backend, size + 1));
    if (buffer == nullptr) {
      git_error_set_oom();
      return GIT_ERROR;
    }
    std::memcpy(buffer, object->data.data(), size);
    buffer[size] = '\0';
    *data = buffer;
    *len = size;
    *type = static_cast<git_object_t>(object->type);
    return 0;
  });
}

int ViewReadHeader(size_t* len, git_object_t* type, git_odb_backend* backend, const git_oid* oid) {
  return Guarded([&]() -> int {
    auto header = View(backend).store->ReadHeader(FromGit(*oid));
    if (!header) return Report(header.status());
    *len = static_cast<size_t>(header->size);
    *type = static_cast<git_object_t>(header->type);
    return 0;
  });
}

int ViewExists(git_odb_backend* backend, const git_oid* oid) {
  // Any error reads as "absent"; the read that follows reports it.
  const int rc = Guarded([&]() -> int {
    auto found = View(backend).store->HasObject(FromGit(*oid));
    return found.ok() && *found ? 1 : 0;
  });
  return rc == 1 ? 1 : 0;
}

void ViewFree(git_odb_backend* backend) {
  std::unique_ptr<ViewBackend> owned(&View(backend));  // released in OpenStoreView.
}

// A bare in-memory repository whose only object database backend reads
// `store`. It has no write entry point, so nothing can reach the store
// through it by accident. `store` must outlive the result.
Expected<GitPtr<git_repository>> OpenStoreView(Store& store) {
  git_repository* raw_repo = nullptr;
  if (int rc = git_repository_new(&raw_repo); rc < 0) {
    return GitError("cannot create a view of the store", rc);
  }
  GitPtr<git_repository> repo(raw_repo);
  git_odb* raw_odb = nullptr;
  if (int rc = git_odb_new(&raw_odb); rc < 0) {
    return GitError("cannot create a view of the store", rc);
  }
  GitPtr<git_odb> odb(raw_odb);

  auto backend = std::make_unique<ViewBackend>();
  if (int rc = git_odb_init_backend(&backend->parent, GIT_ODB_BACKEND_VERSION); rc < 0) {
    return GitError("cannot create a view of the store", rc);
  }
  backend->store = &store;
  backend->parent.read = &ViewRead;
  backend->parent.read_header = &ViewReadHeader;
  backend->parent.exists = &ViewExists;
  backend->parent.free = &ViewFree;
  if (int rc = git_odb_add_backend(odb.get(), &backend->parent, /*priority=*/1); rc < 0) {
    return GitError("cannot create a view of the store", rc);
  }
  backend.release();  // owned by `odb` now, freed through ViewFree.
  if (int rc = git_repository_set_odb(repo.get(), odb.get()); rc < 0) {
    return GitError("cannot create a view of the store", rc);
  }
  return repo;
}

// --- parsing just enough of commits, trees and tags to follow their links ---

// An object still to visit. `type` is unknown (nullopt) only for tips.
struct Pending {
  ObjectId id;
  std::optional<ObjectType> type;
  std::string name;  // tree entry name: a hint for the packbuilder's deltas
  bool expanded = false;
};

Status Malformed(const ObjectId& id, ObjectType type) {
  return Status::Corruption(std::string("malformed ") + TypeName(type) + " " + id.Hex());
}

// Parses "<keyword> <40 hex digits>\n" at `pos`, advancing it.
std::optional<ObjectId> HeaderId(std::string_view data, std::string_view keyword, size_t& pos) {
  const size_t start = pos + keyword.size() + 1;
  if (data.size() < start + 41 || data.compare(pos, keyword.size(), keyword) != 0 ||
      data[pos + keyword.size()] != ' ' || data[start + 40] != '\n') {
    return std::nullopt;
  }
  auto id = ObjectId::FromHex(data.substr(start, 40));
  if (!id) return std::nullopt;
  pos = start + 41;
  return *id;
}

// Appends what object `id` of `type` references to `out`.
Status Links(const ObjectId& id, ObjectType type, std::string_view data,
             std::vector<Pending>& out) {
  size_t pos = 0;
  switch (type) {
    case ObjectType::kBlob:
      return Status::Ok();
    case ObjectType::kCommit: {
      auto tree = HeaderId(data, "tree", pos);
      if (!tree) return Malformed(id, type);
      out.push_back({*tree, ObjectType::kTree, {}});
      while (auto parent = HeaderId(data, "parent", pos)) {
        out.push_back({*parent, ObjectType::kCommit, {}});
      }
      return Status::Ok();
    }
    case ObjectType::kTag: {
      auto target = HeaderId(data, "object", pos);
      if (!target) return Malformed(id, type);
      static constexpr std::pair<std::string_view, ObjectType> kTypes[] = {
          {"type commit\n", ObjectType::kCommit},
          {"type tree\n", ObjectType::kTree},
          {"type blob\n", ObjectType::kBlob},
          {"type tag\n", ObjectType::kTag}};
      for (const auto& [line, target_type] : kTypes) {
        if (data.substr(pos, line.size()) == line) {
          out.push_back({*target, target_type, {}});
          return Status::Ok();
        }
      }
      return Malformed(id, type);
    }
    case ObjectType::kTree:
      // Entries: "<octal mode> <name>\0<20-byte id>".
      while (pos < data.size()) {
        const size_t space = data.find(' ', pos);
        const size_t nul = data.find('\0', pos);
        if (space == std::string_view::npos || nul == std::string_view::npos || space > nul ||
            nul + 1 + ObjectId::kSize > data.size()) {
          return Malformed(id, type);
        }
        uint32_t mode = 0;
        for (size_t i = pos; i < space; ++i) {
          if (data[i] < '0' || data[i] > '7' || mode > 0777777) return Malformed(id, type);
          mode = mode * 8 + static_cast<uint32_t>(data[i] - '0');
        }
        Pending entry{{}, ObjectType::kBlob, std::string(data.substr(space + 1, nul - space - 1))};
        std::memcpy(entry.id.bytes.data(), data.data() + nul + 1, ObjectId::kSize);
        pos = nul + 1 + ObjectId::kSize;
        if (mode == 0160000) continue;  // a submodule's commit lives in another repository.
        if (mode == 040000) entry.type = ObjectType::kTree;
        out.push_back(std::move(entry));
      }
      return Status::Ok();
  }
  return Malformed(id, type);
}

// --- the walk shared by both directions ---

struct WalkHooks {
  std::function<Expected<Object>(const ObjectId&)> read;         // from the source
  std::function<Expected<ObjectType>(const ObjectId&)> type_of;  // from the source
  std::function<Expected<bool>(const ObjectId&)> has;            // in the destination
  // Called once per missing object, after every object it references.
  std::function<Status(const ObjectId&, ObjectType, const std::string& name)> emit;
};

// Visits everything reachable from `tips` that the destination lacks. With
// `skip_missing`, objects absent from the source are skipped instead of
// failing the walk (for leftovers that git may have partly pruned).
Status WalkMissing(const std::vector<ObjectId>& tips, const WalkHooks& hooks, bool skip_missing) {
  IdSet visited;
  std::vector<Pending> stack;
  std::vector<Pending> links;
  for (auto it = tips.rbegin(); it != tips.rend(); ++it) {
    if (it->IsZero()) return Status::InvalidArgument("cannot copy the zero object id");
    stack.push_back({*it, std::nullopt, {}});
  }
  // An explicit stack: histories are far deeper than the call stack.
  while (!stack.empty()) {
    if (stack.back().expanded) {
      const Pending& done = stack.back();
      CLIVE_RETURN_IF_ERROR(hooks.emit(done.id, *done.type, done.name));
      stack.pop_back();
      continue;
    }
    const ObjectId id = stack.back().id;
    if (!visited.insert(id).second) {
      stack.pop_back();
      continue;
    }
    auto present = hooks.has(id);
    if (!present) return present.status();
    if (*present) {
      stack.pop_back();
      continue;
    }
    std::optional<ObjectType> type = stack.back().type;
    if (!type) {
      auto found = hooks.type_of(id);
      if (!found) {
        if (skip_missing && found.status().IsNotFound()) {
          stack.pop_back();
          continue;
        }
        return found.status();
      }
      type = *found;
    }
    links.clear();
    if (*type != ObjectType::kBlob) {
      auto object = hooks.read(id);
      if (!object) {
        if (skip_missing && object.status().IsNotFound()) {
          stack.pop_back();
          continue;
        }
        return object.status();
      }
      if (object->type != *type) {
        return Status::Corruption("object " + id.Hex() + " is a " + TypeName(object->type) +
                                  ", but is referenced as a " + TypeName(*type));
      }
      CLIVE_RETURN_IF_ERROR(Links(id, *type, object->data, links));
    } else if (skip_missing) {
      auto found = hooks.type_of(id);
      if (!found && found.status().IsNotFound()) {
        stack.pop_back();
        continue;
      }
    }
    // Mark before pushing: push_back may move the element.
    stack.back().type = type;
    stack.back().expanded = true;
    for (auto it = links.rbegin(); it != links.rend(); ++it) stack.push_back(std::move(*it));
  }
  return Status::Ok();
}

// --- store -> git ---

// Streams the pack `builder` produces into `odb`, whose backend indexes it.
Status WritePack(git_packbuilder* builder, git_odb* odb, const std::filesystem::path& dir) {
  git_odb_writepack* raw = nullptr;
  if (int rc = git_odb_write_pack(&raw, odb, nullptr, nullptr); rc < 0) {
    return GitError("cannot write a pack into " + dir.string(), rc);
  }
  Handle<git_odb_writepack> writepack(raw);
  // The packbuilder hands out many small pieces (object headers, deflated
  // bodies); the indexer maps the pack file on every append, so feeding it
  // piece by piece costs more than building the pack. Append in large chunks.
  struct Sink {
    git_odb_writepack* writepack;
    git_indexer_progress progress{};
    std::string buffer;
    int Flush() {
      if (buffer.empty()) return 0;
      const int rc = writepack->append(writepack, buffer.data(), buffer.size(), &progress);
      buffer.clear();
      return rc;
    }
  } sink{writepack.get(), {}, {}};
  constexpr size_t kChunk = size_t{1} << 20;
  sink.buffer.reserve(kChunk);
  auto append = [](void* data, size_t size, void* payload) -> int {
    auto* s = static_cast<Sink*>(payload);
    s->buffer.append(static_cast<const char*>(data), size);
    return s->buffer.size() >= kChunk ? s->Flush() : 0;
  };
  if (int rc = git_packbuilder_foreach(builder, append, &sink); rc < 0) {
    return GitError("cannot write a pack into " + dir.string(), rc);
  }
  if (int rc = sink.Flush(); rc < 0) {
    return GitError("cannot write a pack into " + dir.string(), rc);
  }
  if (int rc = writepack->commit(writepack.get(), &sink.progress); rc < 0) {
    return GitError("cannot write a pack into " + dir.string(), rc);
  }
  return Status::Ok();
}

// Hooks reading from the store (through `store` for the walk itself).
WalkHooks StoreSource(Store& store) {
  WalkHooks hooks;
  hooks.read = [&store](const ObjectId& id) { return store.ReadObject(id); };
  hooks.type_of = [&store](const ObjectId& id) -> Expected<ObjectType> {
    auto header = store.ReadHeader(id);
    if (!header) return header.status();
    return header->type;
  };
  return hooks;
}

// Packs every object reachable from `tips` (then `leftovers`, skipping
// missing ones) that `git_odb` lacks, and writes the pack into it.
Status PackInto(Store& store, git_odb* odb, const std::filesystem::path& dir,
                const std::vector<ObjectId>& tips, const std::vector<ObjectId>& leftovers) {
  auto view = OpenStoreView(store);
  if (!view) return view.status();
  git_packbuilder* raw = nullptr;
  if (int rc = git_packbuilder_new(&raw, view->get()); rc < 0) {
    return GitError("cannot build a pack", rc);
  }
  Handle<git_packbuilder> builder(raw);
  // Delta search dominates; use every core, as git's pack.threads does. The
  // view is safe to call from several threads because the Store is.
  git_packbuilder_set_threads(builder.get(), 0);

  // Most lookups below miss (that is what gets packed), and by default every
  // miss makes libgit2 rescan the pack directory: refresh once instead.
  if (int rc = git_odb_refresh(odb); rc < 0) {
    return GitError("cannot read the object database of " + dir.string(), rc);
  }
  IdSet packed;
  WalkHooks hooks = StoreSource(store);
  hooks.has = [&](const ObjectId& id) -> Expected<bool> {
    if (packed.contains(id)) return true;
    const git_oid oid = ToGit(id);
    return git_odb_exists_ext(odb, &oid, GIT_ODB_LOOKUP_NO_REFRESH) == 1;
  };
  hooks.emit = [&](const ObjectId& id, ObjectType, const std::string& name) -> Status {
    const git_oid oid = ToGit(id);
    if (int rc = git_packbuilder_insert(builder.get(), &oid, name.empty() ? nullptr : name.c_str());
        rc < 0) {
      return GitError("cannot add object " + id.Hex() + " to a pack", rc);
    }
    packed.insert(id);
    return Status::Ok();
  };
  CLIVE_RETURN_IF_ERROR(WalkMissing(tips, hooks, /*skip_missing=*/false));
  CLIVE_RETURN_IF_ERROR(WalkMissing(leftovers, hooks, /*skip_missing=*/true));
  if (git_packbuilder_object_count(builder.get()) == 0) return Status::Ok();
  return WritePack(builder.get(), odb, dir);
}

// --- git -> store ---

// Collects objects read from git and writes them with Store::WriteObjects,
// one LMDB transaction per batch.
class StoreWriter {
 public:
  explicit StoreWriter(Store& store) : store_(store) {}

  Status Add(const ObjectId& id, GitPtr<git_odb_object> object) {
    bytes_ += git_odb_object_size(object.get());
    ids_.push_back(id);
    objects_.push_back(std::move(object));
    if (bytes_ >= kBatchBytes || objects_.size() >= kBatchObjects) return Flush();
    return Status::Ok();
  }

  Status Flush() {
    if (objects_.empty()) return Status::Ok();
    std::vector<std::pair<ObjectType, std::string_view>> batch;
    batch.reserve(objects_.size());
    for (const auto& object : objects_) {
      const auto* data = static_cast<const char*>(git_odb_object_data(object.get()));
      batch.emplace_back(static_cast<ObjectType>(git_odb_object_type(object.get())),
                         std::string_view(data, git_odb_object_size(object.get())));
    }
    auto written = store_.WriteObjects(batch);
    if (!written) return written.status();
    // The store hashes what it writes: a different id means the git side
    // handed us content that does not match its name.
    if (written->size() != ids_.size()) {
      return Status::Internal("store wrote " + std::to_string(written->size()) + " objects of " +
                              std::to_string(ids_.size()));
    }
    for (size_t i = 0; i < ids_.size(); ++i) {
      if ((*written)[i] != ids_[i]) {
        return Status::Corruption("object " + ids_[i].Hex() + " from git hashes to " +
                                  (*written)[i].Hex());
      }
    }
    objects_.clear();
    ids_.clear();
    bytes_ = 0;
    return Status::Ok();
  }

 private:
  Store& store_;
  std::vector<GitPtr<git_odb_object>> objects_;
  std::vector<ObjectId> ids_;
  size_t bytes_ = 0;
};

// Copies everything reachable from `tips` (then `leftovers`, skipping missing
// ones) that the store lacks from the object database `odb` of `dir`.
Status CopyObjectsFromGit(Store& store, git_odb* odb, const std::filesystem::path& dir,
                          const std::vector<ObjectId>& tips,
                          const std::vector<ObjectId>& leftovers) {
  StoreWriter writer(store);
  IdSet queued;  // written or waiting in the writer: the store cannot see those yet.
  WalkHooks hooks;
  hooks.read = [&](const ObjectId& id) -> Expected<Object> {
    auto object = ReadGitObject(odb, id, dir);
    if (!object) return object.status();
    const auto* data = static_cast<const char*>(git_odb_object_data(object->get()));
    return Object{static_cast<ObjectType>(git_odb_object_type(object->get())),
                  std::string(data, git_odb_object_size(object->get()))};
  };
  hooks.type_of = [&](const ObjectId& id) -> Expected<ObjectType> {
    const git_oid oid = ToGit(id);
    size_t size = 0;
    git_object_t type = GIT_OBJECT_INVALID;
    if (int rc = git_odb_read_header(&size, &type, odb, &oid); rc < 0) {
      if (rc == GIT_ENOTFOUND) {
        return Status::NotFound("object " + id.Hex() + " not found in git repository at " +
                                dir.string());
      }
      return GitError("cannot read object " + id.Hex() + " from " + dir.string(), rc);
    }
    if (!ValidType(type)) {
      return Status::Corruption("object " + id.Hex() + " in " + dir.string() +
                                " has an invalid type");
    }
    return static_cast<ObjectType>(type);
  };
  hooks.has = [&](const ObjectId& id) -> Expected<bool> {
    if (queued.contains(id)) return true;
    return store.HasObject(id);
  };
  hooks.emit = [&](const ObjectId& id, ObjectType type, const std::string&) -> Status {
    // Read again rather than keep every object of the walk's path in memory;
    // libgit2's object cache makes this cheap for commits and small trees.
    auto object = ReadGitObject(odb, id, dir);
    if (!object) return object.status();
    if (static_cast<ObjectType>(git_odb_object_type(object->get())) != type) {
      return Status::Corruption("object " + id.Hex() + " in " + dir.string() + " is not a " +
                                TypeName(type));
    }
    queued.insert(id);
    return writer.Add(id, std::move(*object));
  };
  CLIVE_RETURN_IF_ERROR(WalkMissing(tips, hooks, /*skip_missing=*/false));
  CLIVE_RETURN_IF_ERROR(WalkMissing(leftovers, hooks, /*skip_missing=*/true));
  return writer.Flush();
}

// Every object id in a git object database (packed and loose).
Expected<std::vector<ObjectId>> AllGitObjects(git_odb* odb, const std::filesystem::path& dir) {
  std::vector<ObjectId> ids;
  auto collect = [](const git_oid* oid, void* payload) -> int {
    static_cast<std::vector<ObjectId>*>(payload)->push_back(FromGit(*oid));
    return 0;
  };
  if (int rc = git_odb_foreach(odb, collect, &ids); rc < 0) {
    return GitError("cannot list the objects of " + dir.string(), rc);
  }
  return ids;
}

struct GitRefs {
  std::vector<std::pair<std::string, ObjectId>> direct;       // includes a detached HEAD
  std::vector<std::pair<std::string, std::string>> symbolic;  // name -> target
};

Status AddRef(git_reference* ref, GitRefs& refs) {
  const char* name = git_reference_name(ref);
  if (git_reference_type(ref) == GIT_REFERENCE_SYMBOLIC) {
    refs.symbolic.emplace_back(name, git_reference_symbolic_target(ref));
  } else if (const git_oid* target = git_reference_target(ref); target != nullptr) {
    refs.direct.emplace_back(name, FromGit(*target));
  }
  return Status::Ok();
}

Expected<GitRefs> ListGitRefs(git_repository* repo, const std::filesystem::path& dir) {
  GitRefs refs;
  git_reference_iterator* raw_iter = nullptr;
  if (int rc = git_reference_iterator_new(&raw_iter, repo); rc < 0) {
    return GitError("cannot list the refs of " + dir.string(), rc);
  }
  GitPtr<git_reference_iterator> iter(raw_iter);
  for (;;) {
    git_reference* raw = nullptr;
    const int rc = git_reference_next(&raw, iter.get());
    if (rc == GIT_ITEROVER) break;
    if (rc < 0) return GitError("cannot list the refs of " + dir.string(), rc);
    GitPtr<git_reference> ref(raw);
    CLIVE_RETURN_IF_ERROR(AddRef(ref.get(), refs));
  }
  // The iterator covers refs/ only; HEAD is what a clone checks out.
  git_reference* raw_head = nullptr;
  if (int rc = git_reference_lookup(&raw_head, repo, "HEAD"); rc == 0) {
    GitPtr<git_reference> head(raw_head);
    CLIVE_RETURN_IF_ERROR(AddRef(head.get(), refs));
  } else if (rc != GIT_ENOTFOUND) {
    return GitError("cannot read HEAD of " + dir.string(), rc);
  }
  return refs;
}

}  // namespace

namespace {

// Opens the object database of the git repository at `git_dir` (holding
// libgit2's global state meanwhile) and runs `copy` on it.
template <typename Copy>
Status WithGitOdb(const std::filesystem::path& git_dir, Copy&& copy) {
  const Libgit2 libgit2;
  CLIVE_RETURN_IF_ERROR(libgit2.status());
  auto repo = OpenGitRepository(git_dir);
  if (!repo) return repo.status();
  auto odb = RepositoryOdb(repo->get(), git_dir);
  if (!odb) return odb.status();
  return copy(odb->get());
}

}  // namespace

Status CopyToGit(Store& store, const std::filesystem::path& git_dir,
                 const std::vector<ObjectId>& tips) {
  return WithGitOdb(git_dir, [&](git_odb* odb) { return PackInto(store, odb, git_dir, tips, /*leftovers=*/{}); });
}

Status CopyFromGit(Store& store, const std::filesystem::path& git_dir,
                   const std::vector<ObjectId>& tips) {
  return WithGitOdb(git_dir, [&](git_odb* odb) {
    return CopyObjectsFromGit(store, odb, git_dir, tips, /*leftovers=*/{});
  });
}

Expected<ObjectId> ResolveGitRevision(const std::filesystem::path& git_dir,
                                      std::string_view revision) {
  const Libgit2 libgit2;
  CLIVE_RETURN_IF_ERROR(libgit2.status());
  auto repo = OpenGitRepository(git_dir);
  if (!repo) return repo.status();
  const std::string spec(revision);
  git_object* raw = nullptr;
  if (int rc = git_revparse_single(&raw, repo->get(), spec.c_str()); rc < 0) {
    return GitError("cannot resolve '" + spec + "' in " + git_dir.string(), rc);
  }
  Handle<git_object> object(raw);
  return FromGit(*git_object_id(object.get()));
}

Status ImportRepository(Store& store, const std::filesystem::path& git_dir) {
  const Libgit2 libgit2;
  CLIVE_RETURN_IF_ERROR(libgit2.status());
  auto repo = OpenGitRepository(git_dir);
  if (!repo) return repo.status();
  auto odb = RepositoryOdb(repo->get(), git_dir);
  if (!odb) return odb.status();
  auto refs = ListGitRefs(repo->get(), git_dir);
  if (!refs) return refs.status();

  // Reachable objects first, in closure order; then whatever else the
  // repository holds (unreachable objects), so that nothing is lost.
  std::vector<ObjectId> tips;
  for (const auto& [name, id] : refs->direct) tips.push_back(id);
  auto all = AllGitObjects(odb->get(), git_dir);
  if (!all) return all.status();
  CLIVE_RETURN_IF_ERROR(CopyObjectsFromGit(store, odb->get(), git_dir, tips, *all));

  std::vector<RefUpdate> updates;
  for (const auto& [name, id] : refs->direct) {
    updates.push_back(RefUpdate{name, id, RefUpdate::Expect::kAnything, {}});
  }
  CLIVE_RETURN_IF_ERROR(store.UpdateRefs(updates, "import from " + git_dir.string()));
  std::set<std::string> names;
  for (const auto& [name, id] : refs->direct) names.insert(name);
  for (const auto& [name, target] : refs->symbolic) {
    // An unborn branch (HEAD of an empty repository) has nothing to point at.
    if (!names.contains(target)) continue;
    CLIVE_RETURN_IF_ERROR(store.SetSymbolicRef(name, target));
  }
  return Status::Ok();
}

Status ExportRepository(Store& store, const std::filesystem::path& dir) {
  const Libgit2 libgit2;
  CLIVE_RETURN_IF_ERROR(libgit2.status());
  std::error_code ec;
  if (std::filesystem::exists(dir, ec) && !std::filesystem::is_empty(dir, ec)) {
    return Status::InvalidArgument("cannot export to " + dir.string() + ": it is not empty");
  }
  if (ec) return Status::IOError("cannot export to " + dir.string() + ": " + ec.message());
  git_repository* raw_repo = nullptr;
  if (int rc = git_repository_init(&raw_repo, dir.c_str(), /*is_bare=*/1); rc < 0) {
    return GitError("cannot create git repository at " + dir.string(), rc);
  }
  GitPtr<git_repository> repo(raw_repo);
  auto odb = RepositoryOdb(repo.get(), dir);
  if (!odb) return odb.status();

  auto refs = store.ListAllRefs();
  if (!refs) return refs.status();
  // Objects reachable from refs first (with names, for better deltas), then
  // every other object of the store.
  std::vector<ObjectId> tips;
  for (const RefInfo& ref : *refs) {
    if (ref.symbolic_target.empty() && !ref.id.IsZero()) tips.push_back(ref.id);
  }
  std::vector<ObjectId> all;
  CLIVE_RETURN_IF_ERROR(store.ForEachObject([&](const ObjectId& id) {
    all.push_back(id);
    return true;
  }));
  CLIVE_RETURN_IF_ERROR(PackInto(store, odb->get(), dir, tips, all));

  const std::string message = "export from clive store " + store.path().string();
  for (const RefInfo& ref : *refs) {
    git_reference* raw = nullptr;
    int rc = 0;
    if (!ref.symbolic_target.empty()) {
      rc = git_reference_symbolic_create(&raw, repo.get(), ref.name.c_str(),
                                         ref.symbolic_target.c_str(), /*force=*/1, message.c_str());
    } else {
      const git_oid oid = ToGit(ref.id);
      rc = git_reference_create(&raw, repo.get(), ref.name.c_str(), &oid, /*force=*/1,
                                message.c_str());
    }
    GitPtr<git_reference> created(raw);
    if (rc < 0) return GitError("cannot create ref " + ref.name + " in " + dir.string(), rc);
  }
  return Status::Ok();
}

}  // namespace clive::store
