// Private to store/: RAII wrappers over LMDB and the on-disk encoding of the
// three named databases. Both libgit2 backends and the Store itself read and
// write through these helpers, so the record formats live in exactly one place.
//
// Layout (one LMDB environment: <dir>/data.mdb + <dir>/lock.mdb):
//   "objects": key = 20 raw oid bytes,
//              value = format byte (kObjectFormatRaw) + git object type byte + content.
//              The format byte leaves room for compressed encodings later.
//   "refs":    key = ref name,
//              value = 'O' + 20 oid bytes (direct) or 'S' + target name (symbolic).
//   "meta":    key "format" = kStoreFormat.
// A new store starts with HEAD as a symbolic ref to refs/heads/main.
#pragma once

#include <lmdb.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "clive/store/object_id.h"
#include "clive/store/status.h"
#include "clive/store/store.h"

namespace clive::store::lmdb {

inline constexpr std::string_view kStoreFormat = "clive-store-1";
inline constexpr uint8_t kObjectFormatRaw = 1;

// One LMDB environment with the clive named databases opened.
class Env {
 public:
  // Opens the environment kept in `dir` (which must already exist). A fresh
  // environment is initialised with the clive databases; an existing one must
  // carry the clive format marker, so foreign LMDB files are never modified.
  static Expected<std::unique_ptr<Env>> Open(const std::filesystem::path& dir,
                                             const StoreOptions& options);
  // Only Open() can build an Env (the key type is private); public so that
  // std::make_unique can call it.
  class Key {
    friend class Env;
    Key() = default;
  };
  Env(Key, MDB_env* env, std::filesystem::path path) : env_(env), path_(std::move(path)) {}
  ~Env();
  Env(const Env&) = delete;
  Env& operator=(const Env&) = delete;

  MDB_env* handle() const { return env_; }
  MDB_dbi objects() const { return objects_; }
  MDB_dbi refs() const { return refs_; }
  MDB_dbi meta() const { return meta_; }
  const std::filesystem::path& path() const { return path_; }
  // Longest key LMDB accepts; ref names longer than this cannot be stored.
  size_t max_key_size() const;

  // A one-line error: "<what> in store at <path>: <mdb_strerror(rc)>".
  Status Error(std::string_view what, int rc) const;

 private:
  Status InitDatabases();

  MDB_env* env_;
  std::filesystem::path path_;
  MDB_dbi objects_ = 0;
  MDB_dbi refs_ = 0;
  MDB_dbi meta_ = 0;
};

// A read or write transaction; aborted by the destructor unless committed.
// Write transactions never outlive the call that opened them (LMDB allows one
// writer per environment, so holding one across calls would block everyone).
class Txn {
 public:
  enum class Mode { kRead, kWrite };

  static Expected<Txn> Begin(const Env& env, Mode mode);
  Txn(Txn&& other) noexcept : env_(other.env_), txn_(std::exchange(other.txn_, nullptr)) {}
  Txn& operator=(Txn&&) = delete;
  Txn(const Txn&) = delete;
  ~Txn();

  // Commits (fsync'ed unless the env was opened with durable=false).
  Status Commit();
  const Env& env() const { return *env_; }
  MDB_txn* handle() const { return txn_; }

  // Returned views point into the memory map: valid until the transaction
  // ends or the next write in it.
  Expected<std::optional<std::string_view>> Get(MDB_dbi dbi, std::string_view key);
  Status Put(MDB_dbi dbi, std::string_view key, std::string_view value);
  // Like Put but keeps an existing value; returns whether it inserted.
  Expected<bool> PutIfAbsent(MDB_dbi dbi, std::string_view key, std::string_view value);
  // Returns whether the key existed.
  Expected<bool> Delete(MDB_dbi dbi, std::string_view key);
  // Visits entries with key >= `from` in key order until `visit` returns false.
  Status Scan(MDB_dbi dbi, std::string_view from,
              const std::function<bool(std::string_view key, std::string_view value)>& visit);

 private:
  Txn(const Env* env, MDB_txn* txn) : env_(env), txn_(txn) {}
  const Env* env_;
  MDB_txn* txn_;
};

// --- "objects" ---

struct StoredObject {
  ObjectType type;
  std::string_view data;  // points into the transaction's memory map.
};

std::string_view ObjectKey(const ObjectId& id);
Expected<std::optional<StoredObject>> GetObject(Txn& txn, const ObjectId& id);
// Objects are immutable and content-addressed: an existing id is left alone.
Status PutObject(Txn& txn, const ObjectId& id, ObjectType type, std::string_view data);
Expected<bool> HasObject(Txn& txn, const ObjectId& id);

// --- "refs" ---

struct RefRecord {
  enum class Kind : char { kDirect = 'O', kSymbolic = 'S' };
  Kind kind = Kind::kDirect;
  ObjectId id;         // kDirect
  std::string target;  // kSymbolic

  static RefRecord Direct(const ObjectId& id) { return {Kind::kDirect, id, {}}; }
  static RefRecord Symbolic(std::string target) { return {Kind::kSymbolic, {}, std::move(target)}; }
  bool symbolic() const { return kind == Kind::kSymbolic; }
  // For messages: the hex id, or "symbolic ref to <target>".
  std::string Describe() const;
  bool operator==(const RefRecord&) const = default;
};

// InvalidArgument when LMDB cannot store `name` as a key.
Status CheckRefKey(const Env& env, std::string_view name);
Expected<std::optional<RefRecord>> GetRef(Txn& txn, std::string_view name);
Status PutRef(Txn& txn, std::string_view name, const RefRecord& record);
Expected<bool> DeleteRef(Txn& txn, std::string_view name);
// Visits refs whose names start with `prefix`, in name order, until `visit`
// returns false.
Status ScanRefs(Txn& txn, std::string_view prefix,
                const std::function<bool(std::string_view name, const RefRecord&)>& visit);
// Git cannot hold both "a/b" and "a/b/c" (a ref is a file, not a directory):
// returns an existing ref that would collide with `name`, if any.
Expected<std::optional<std::string>> FindRefConflict(Txn& txn, std::string_view name);

}  // namespace clive::store::lmdb
