// Store: Git objects and references kept in one LMDB environment.
//
// libgit2 reaches the same data through an object database backend and a
// reference database backend (see src/); this header is all that layers above
// `store/` see, so no libgit2 or LMDB type leaks out.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "clive/store/object_id.h"
#include "clive/store/status.h"

namespace clive::store {

enum class ObjectType : uint8_t { kCommit = 1, kTree = 2, kBlob = 3, kTag = 4 };

struct Object {
  ObjectType type;
  std::string data;
};

struct TreeEntry {
  // Git's file modes; clive's own values use only kBlob and kTree.
  enum class Mode : uint32_t {
    kBlob = 0100644,
    kExecutable = 0100755,
    kSymlink = 0120000,
    kTree = 040000,
    kSubmodule = 0160000,
  };
  std::string name;
  ObjectId id;
  Mode mode = Mode::kBlob;
};

struct Signature {
  std::string name = "clive";
  std::string email = "clive@localhost";
  int64_t time = 0;  // seconds since the epoch; 0 means "now".
};

struct Commit {
  ObjectId tree;
  std::vector<ObjectId> parents;
  Signature author;
  std::string message;
};

// One reference change inside an atomic batch (see Store::UpdateRefs).
struct RefUpdate {
  enum class Expect {
    kAnything,   // no check
    kAbsent,     // the ref must not exist (git's "create")
    kValue,      // the ref must currently point at `old_id` (compare-and-swap)
  };
  std::string name;
  std::optional<ObjectId> new_id;  // nullopt deletes the ref.
  Expect expect = Expect::kAnything;
  ObjectId old_id{};
};

struct StoreOptions {
  bool create_if_missing = true;
  // Open without write access: every write returns PermissionDenied.
  bool read_only = false;
  // When false (bulk mode), commits skip fsync: much faster. A process crash
  // loses nothing; a machine crash may lose the last transactions, and on a
  // filesystem that reorders writes may corrupt the store (docs/store.md).
  bool durable = true;
  // The memory map starts at `map_size` and doubles whenever a write finds it
  // full, up to `max_map_size`; past that a write fails with "store is full"
  // and the store is left intact.
  uint64_t map_size = uint64_t{1} << 30;
  uint64_t max_map_size = uint64_t{1} << 40;
};

// The id git gives an object of `type` with content `data` (what
// `git hash-object -t <type>` prints); nothing is written.
Expected<ObjectId> HashObject(ObjectType type, std::string_view data);

// Git's encoding of a tree (entries sorted git's way) and of a commit: the
// bytes WriteTree and WriteCommit store, for writing many objects in one
// WriteObjects transaction. InvalidArgument for an empty, duplicate or
// malformed entry name.
Expected<std::string> EncodeTree(std::vector<TreeEntry> entries);
// A time of 0 means now; the time zone is UTC, as WriteCommit writes it.
std::string EncodeCommit(const Commit& commit);

struct ObjectHeader {
  ObjectType type;
  uint64_t size = 0;  // uncompressed content size
};

struct RefInfo {
  std::string name;
  ObjectId id;                 // what the ref resolves to (zero if dangling)
  std::string symbolic_target; // non-empty for a symbolic ref
};

// One entry of a ref's log, as in .git/logs/<ref>.
struct ReflogEntry {
  ObjectId old_id;  // zero when the ref was created
  ObjectId new_id;  // zero when the ref was deleted
  Signature committer;
  std::string message;
};

struct StoreStats {
  uint64_t objects = 0;
  uint64_t commits = 0, trees = 0, blobs = 0, tags = 0;
  uint64_t content_bytes = 0;  // sum of uncompressed object sizes
  uint64_t stored_bytes = 0;   // what the object records take in LMDB
  uint64_t refs = 0;
  uint64_t reflog_entries = 0;
  uint64_t file_bytes = 0;     // size of data.mdb
  uint64_t map_bytes = 0;      // current map size
};

struct FsckProblem {
  enum class Kind {
    kBadHash,        // an object's content does not hash to its id
    kBadObject,      // undecodable record, or a commit/tree/tag libgit2 cannot parse
    kMissingObject,  // referenced by a tree, commit, tag or ref but absent
    kBadRef,         // invalid name, dangling symbolic ref, or undecodable record
  };
  Kind kind;
  std::string message;  // one line naming the object or ref
};

struct FsckReport {
  uint64_t objects_checked = 0;
  uint64_t refs_checked = 0;
  uint64_t reachable = 0;
  std::vector<ObjectId> unreachable;  // not reachable from any ref (not an error)
  std::vector<FsckProblem> problems;
  bool ok() const { return problems.empty(); }
};

// A Store is safe to share between threads. LMDB forbids opening the same
// environment twice in one process, so a process keeps one Store per
// directory; several processes may open the same store at once.
class Store {
 public:
  // Opens (or creates) the store kept in directory `dir`.
  static Expected<std::unique_ptr<Store>> Open(const std::filesystem::path& dir,
                                               const StoreOptions& options = {});
  virtual ~Store() = default;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  virtual const std::filesystem::path& path() const = 0;

  // --- Objects (content-addressed, stored once by id) ---
  virtual Expected<ObjectId> WriteObject(ObjectType type, std::string_view data) = 0;
  virtual Expected<Object> ReadObject(const ObjectId& id) = 0;
  virtual Expected<bool> HasObject(const ObjectId& id) = 0;
  virtual Expected<ObjectHeader> ReadHeader(const ObjectId& id) = 0;
  // Writes many objects in one LMDB transaction (imports, benchmarks).
  virtual Expected<std::vector<ObjectId>> WriteObjects(
      const std::vector<std::pair<ObjectType, std::string_view>>& objects) = 0;
  // The unique object whose hex id starts with `hex_prefix` (4 to 40 digits).
  // InvalidArgument when the prefix is ambiguous or malformed, NotFound when
  // nothing matches.
  virtual Expected<ObjectId> ResolvePrefix(std::string_view hex_prefix) = 0;
  // Visits every object id in id order until `visit` returns false.
  virtual Status ForEachObject(const std::function<bool(const ObjectId&)>& visit) = 0;

  // Git-shaped helpers built on libgit2 over the same backend.
  virtual Expected<ObjectId> WriteTree(const std::vector<TreeEntry>& entries) = 0;
  virtual Expected<std::vector<TreeEntry>> ReadTree(const ObjectId& id) = 0;
  virtual Expected<ObjectId> WriteCommit(const Commit& commit) = 0;
  virtual Expected<Commit> ReadCommit(const ObjectId& id) = 0;

  // --- References ---
  // The id the ref resolves to (following symbolic refs), or NotFound.
  virtual Expected<ObjectId> ReadRef(std::string_view name) = 0;
  // All direct refs whose names start with `prefix`, sorted by name.
  virtual Expected<std::vector<std::pair<std::string, ObjectId>>> ListRefs(
      std::string_view prefix) = 0;
  // Every ref, direct and symbolic, sorted by name.
  virtual Expected<std::vector<RefInfo>> ListAllRefs() = 0;
  // Applies every update in one LMDB write transaction: all or nothing, and
  // durable when it returns (unless durable=false). A failed check returns
  // Status::RefChanged naming the ref. Each update appends to its ref's log
  // in the same transaction; `reflog_message` is the entries' message.
  virtual Status UpdateRefs(const std::vector<RefUpdate>& updates,
                            std::string_view reflog_message = {}) = 0;
  virtual Status SetSymbolicRef(std::string_view name, std::string_view target) = 0;
  // Oldest entry first; an empty vector when the ref has no log.
  virtual Expected<std::vector<ReflogEntry>> ReadReflog(std::string_view name) = 0;

  // --- Maintenance ---
  virtual Expected<StoreStats> Stats() = 0;
  // The id of the last committed write transaction, by any process: it
  // changes whenever the store does (watchers tell others' writes from their
  // own with it).
  virtual uint64_t LastTransaction() = 0;
  // Checks every object's hash and encoding, every ref's target, and
  // reachability from the refs.
  virtual Expected<FsckReport> Fsck() = 0;

 protected:
  Store() = default;
};

}  // namespace clive::store
