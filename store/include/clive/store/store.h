// Store: Git objects and references kept in one LMDB environment.
//
// libgit2 reaches the same data through an object database backend and a
// reference database backend (see src/); this header is all that layers above
// `store/` see, so no libgit2 or LMDB type leaks out.
#pragma once

#include <cstdint>
#include <filesystem>
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
  // When false, commits skip fsync (bulk mode): fast, but the last
  // transactions may be lost on power failure. Never torn.
  bool durable = true;
  uint64_t map_size = uint64_t{1} << 34;  // 16 GiB of address space.
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
  // Applies every update in one LMDB write transaction: all or nothing.
  // A failed check returns Status::RefChanged naming the ref.
  virtual Status UpdateRefs(const std::vector<RefUpdate>& updates) = 0;

 protected:
  Store() = default;
};

}  // namespace clive::store
