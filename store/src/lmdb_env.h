// Private to store/: RAII wrappers over LMDB and the on-disk encoding of the
// named databases. Both libgit2 backends and the Store itself read and write
// through these helpers, so the record formats live in exactly one place.
//
// Layout (one LMDB environment: <dir>/data.mdb + <dir>/lock.mdb):
//   "objects": key = 20 raw oid bytes, value = an object record
//              (object_codec.h: raw or zstd-compressed).
//   "refs":    key = ref name,
//              value = 'O' + 20 oid bytes (direct) or 'S' + target name (symbolic).
//   "reflogs": key = ref name + '\0' + 8-byte big-endian sequence number,
//              value = one encoded entry (see lmdb_records.cc); sequence 0 holds
//              an empty marker meaning "this ref has a log" (git's empty
//              logs/<ref> file). One key per entry makes an append one put
//              instead of rewriting an ever-growing value.
//   "meta":    key "format" = kStoreFormat.
// A new store starts with HEAD as a symbolic ref to refs/heads/main.
#pragma once

#include <lmdb.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "clive/store/object_id.h"
#include "clive/store/status.h"
#include "clive/store/store.h"
#include "object_codec.h"

namespace clive::store::lmdb {

inline constexpr std::string_view kStoreFormat = "clive-store-1";

class Txn;

// One LMDB environment with the clive named databases opened.
//
// Several processes may open the same environment: LMDB serialises writers
// with a lock in lock.mdb and readers see consistent snapshots. Nothing here
// caches store contents across calls, so what one process commits is what
// the next transaction of every other process sees.
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
  Env(Key, MDB_env* env, std::filesystem::path path, const StoreOptions& options)
      : env_(env), path_(std::move(path)), options_(options) {}
  ~Env();
  Env(const Env&) = delete;
  Env& operator=(const Env&) = delete;

  MDB_env* handle() const { return env_; }
  MDB_dbi objects() const { return objects_; }
  MDB_dbi refs() const { return refs_; }
  MDB_dbi meta() const { return meta_; }
  // A read-only open of a store created before reflogs existed has no
  // "reflogs" database: it then reads as empty.
  bool has_reflogs() const { return has_reflogs_; }
  MDB_dbi reflogs() const { return reflogs_; }
  const std::filesystem::path& path() const { return path_; }
  bool read_only() const { return options_.read_only; }
  // Longest key LMDB accepts.
  size_t max_key_size() const;
  // Longest ref name the store accepts: a reflog key adds 9 bytes to it.
  size_t max_ref_name_size() const { return max_key_size() - 9; }
  // The size of this process's memory map of the store.
  uint64_t map_size() const;
  uint64_t last_transaction() const;
  ObjectCodec& codec() const { return codec_; }

  // A one-line error: "<what> in store at <path>: <mdb_strerror(rc)>".
  Status Error(std::string_view what, int rc) const;
  Status ReadOnlyError() const;

  // Runs `body` in a write transaction and commits it (durably unless
  // durable=false). When the map is full the transaction is aborted, the map
  // doubled (up to max_map_size) and `body` run again from scratch, so it
  // must not have effects outside the transaction. Past max_map_size the
  // store is left as it was and the error says so.
  Status Update(const std::function<Status(Txn&)>& body);

 private:
  friend class Txn;
  Status CheckFileSize() const;
  Status InitDatabases();
  Status GrowMap();
  // mdb_env_set_mapsize is only legal while this process has no transaction
  // open; `size` 0 adopts the size another process grew the map to.
  Status Resize(uint64_t size) const;

  MDB_env* env_;
  std::filesystem::path path_;
  StoreOptions options_;
  MDB_dbi objects_ = 0;
  MDB_dbi refs_ = 0;
  MDB_dbi meta_ = 0;
  MDB_dbi reflogs_ = 0;
  bool has_reflogs_ = false;
  mutable ObjectCodec codec_;
  // Orders transaction starts against map resizes, and counts the open
  // transactions of this process (a resize needs none).
  mutable std::mutex txn_mu_;
  mutable int open_txns_ = 0;
};

// A read or write transaction; aborted by the destructor unless committed.
// Write transactions never outlive the call that opened them (LMDB allows one
// writer per environment, so holding one across calls would block everyone).
// Prefer Env::Update for writes: it handles a full map.
class Txn {
 public:
  enum class Mode { kRead, kWrite };

  static Expected<Txn> Begin(const Env& env, Mode mode);
  Txn(Txn&& other) noexcept
      : env_(other.env_),
        txn_(std::exchange(other.txn_, nullptr)),
        first_error_(other.first_error_) {}
  Txn& operator=(Txn&&) = delete;
  Txn(const Txn&) = delete;
  ~Txn();

  // Commits (fsync'ed unless the env was opened with durable=false).
  Status Commit();
  const Env& env() const { return *env_; }
  MDB_txn* handle() const { return txn_; }
  // The first LMDB error any call in this transaction returned (0 if none):
  // lets Env::Update recognise MDB_MAP_FULL whatever status `body` made of it.
  int first_error() const { return first_error_; }

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
  // The last entry with key < `before`, if any.
  Expected<std::optional<std::pair<std::string_view, std::string_view>>> Last(
      MDB_dbi dbi, std::string_view before);

 private:
  Txn(const Env* env, MDB_txn* txn) : env_(env), txn_(txn) {}
  Status Fail(std::string_view what, int rc);
  void Ended();
  const Env* env_;
  MDB_txn* txn_;
  int first_error_ = 0;
};

// --- "objects" (lmdb_records.cc) ---

std::string_view ObjectKey(const ObjectId& id);
// The record's header; its payload points into the transaction's map.
Expected<std::optional<ObjectRecord>> GetObjectRecord(Txn& txn, const ObjectId& id);
// Writes the content of `record` (`record.size` bytes) to `out`.
Status DecodeObject(Txn& txn, const ObjectId& id, const ObjectRecord& record, char* out);
Expected<std::optional<Object>> GetObject(Txn& txn, const ObjectId& id);
// Objects are immutable and content-addressed: an existing id is left alone.
// `record` comes from env.codec().Encode (done before the transaction, so
// compression does not hold the writer lock).
Status PutObjectRecord(Txn& txn, const ObjectId& id, std::string_view record);
Status PutObject(Txn& txn, const ObjectId& id, ObjectType type, std::string_view data);
Expected<bool> HasObject(Txn& txn, const ObjectId& id);
// Up to `limit` ids whose first `hex_len` hex digits equal those of `prefix`,
// in id order (the digits of `prefix` past `hex_len` are ignored).
Status FindObjectsByPrefix(Txn& txn, const ObjectId& prefix, size_t hex_len, size_t limit,
                           std::vector<ObjectId>* out);
// Visits the ids after `after` (from the first when nullopt) in id order
// until `visit` returns false; with the record's raw value.
Status ScanObjects(Txn& txn, const std::optional<ObjectId>& after,
                   const std::function<bool(const ObjectId&, std::string_view value)>& visit);

// --- "refs" (lmdb_records.cc) ---

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

inline constexpr int kMaxSymrefDepth = 5;

// InvalidArgument when the store cannot hold `name` (empty, or too long).
Status CheckRefKey(const Env& env, std::string_view name);
Expected<std::optional<RefRecord>> GetRef(Txn& txn, std::string_view name);
Status PutRef(Txn& txn, std::string_view name, const RefRecord& record);
Expected<bool> DeleteRef(Txn& txn, std::string_view name);
// Visits refs whose names start with `prefix`, in name order, until `visit`
// returns false.
Status ScanRefs(Txn& txn, std::string_view prefix,
                const std::function<bool(std::string_view name, const RefRecord&)>& visit);
// Visits every ref in name order, passing undecodable records as errors
// instead of stopping (for fsck).
Status ScanAllRefs(
    Txn& txn, const std::function<void(std::string_view name, const Expected<RefRecord>&)>& visit);
// Git cannot hold both "a/b" and "a/b/c" (a ref is a file, not a directory):
// returns an existing ref that would collide with `name`, if any.
Expected<std::optional<std::string>> FindRefConflict(Txn& txn, std::string_view name);
// What `record` resolves to through symbolic refs; the zero id when it
// dangles or nests deeper than kMaxSymrefDepth.
Expected<ObjectId> ResolveRecord(Txn& txn, const RefRecord& record);

// --- "reflogs" (lmdb_records.cc) ---

struct ReflogRecord {
  ObjectId old_id;
  ObjectId new_id;
  std::string name;  // committer
  std::string email;
  int64_t time = 0;  // seconds since the epoch
  int32_t offset_minutes = 0;
  std::string message;  // one line
};

// The committer clive itself records: "clive <clive@localhost>", now, UTC.
ReflogRecord CliveReflogRecord(const ObjectId& old_id, const ObjectId& new_id,
                               std::string_view message);
// Reflog messages are one line: newlines become spaces.
std::string OneLine(std::string_view message);

Expected<bool> HasReflog(Txn& txn, std::string_view ref);
// Creates an empty log for `ref` if it has none.
Status EnsureReflog(Txn& txn, std::string_view ref);
Status AppendReflog(Txn& txn, std::string_view ref, const ReflogRecord& entry);
// Appends `entry` to `ref`'s log, and to HEAD's when HEAD is a symbolic ref
// to `ref` (as git does: HEAD's log records what happened to its branch).
Status LogRefUpdate(Txn& txn, std::string_view ref, const ReflogRecord& entry);
// Oldest first; empty when `ref` has no log.
Expected<std::vector<ReflogRecord>> ReadReflog(Txn& txn, std::string_view ref);
// Replaces `ref`'s log by `entries` (oldest first).
Status ReplaceReflog(Txn& txn, std::string_view ref, const std::vector<ReflogRecord>& entries);
Status DeleteReflog(Txn& txn, std::string_view ref);
// Moves `from`'s log to `to` (replacing any log `to` had); no-op without one.
Status RenameReflog(Txn& txn, std::string_view from, std::string_view to);
// Visits every reflog entry (markers excluded) in key order; an entry that
// cannot be decoded is passed as an error.
Status ScanReflogs(
    Txn& txn,
    const std::function<void(std::string_view ref, const Expected<ReflogRecord>&)>& visit);

}  // namespace clive::store::lmdb
