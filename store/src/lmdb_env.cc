// Env and Txn: opening the LMDB environment, read-only mode, transactions,
// and growing the memory map.
#include "lmdb_env.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <limits>

namespace clive::store::lmdb {
namespace {

// objects, refs, reflogs, meta, and one spare.
constexpr unsigned kMaxDbs = 5;
constexpr std::string_view kFormatKey = "format";
constexpr std::string_view kHeadRef = "HEAD";
constexpr std::string_view kDefaultBranch = "refs/heads/main";

MDB_val ToVal(std::string_view s) {
  // LMDB never writes through mv_data for keys or for values passed to put.
  return MDB_val{s.size(), const_cast<char*>(s.data())};
}

std::string_view FromVal(const MDB_val& v) {
  return {static_cast<const char*>(v.mv_data), v.mv_size};
}

bool IsPermissionError(int rc) { return rc == EACCES || rc == EPERM || rc == EROFS; }

Status OpenError(const std::filesystem::path& dir, int rc) {
  std::string msg = "cannot open store at " + dir.string() + ": " + mdb_strerror(rc);
  if (IsPermissionError(rc)) return Status::PermissionDenied(std::move(msg));
  if (rc == MDB_INVALID || rc == MDB_VERSION_MISMATCH || rc == MDB_CORRUPTED) {
    return Status::Corruption(std::move(msg));
  }
  return Status::IOError(std::move(msg));
}

struct CursorCloser {
  void operator()(MDB_cursor* c) const { mdb_cursor_close(c); }
};
using CursorPtr = std::unique_ptr<MDB_cursor, CursorCloser>;

}  // namespace

// --- Env ---

Expected<std::unique_ptr<Env>> Env::Open(const std::filesystem::path& dir,
                                         const StoreOptions& options) {
  if (options.map_size == 0) {
    return Status::InvalidArgument("cannot open store at " + dir.string() + ": map_size is 0");
  }
  MDB_env* raw = nullptr;
  if (int rc = mdb_env_create(&raw); rc != 0) return OpenError(dir, rc);
  // Owned from here on: ~Env closes it, including when opening fails below
  // (LMDB requires mdb_env_close after a failed mdb_env_open).
  auto env = std::make_unique<Env>(Key{}, raw, dir, options);

  if (int rc = mdb_env_set_maxdbs(raw, kMaxDbs); rc != 0) return OpenError(dir, rc);
  // LMDB raises this to the size of the data already in the file, if larger.
  if (int rc = mdb_env_set_mapsize(raw, options.map_size); rc != 0) return OpenError(dir, rc);
  // MDB_NOTLS: read transactions are not tied to a thread slot, so a read
  // transaction may coexist with another one on the same thread (libgit2 can
  // re-enter the backends while we hold a snapshot). MDB_NOSYNC only in bulk
  // mode: commits skip fsync, so a crash (of the machine, not just the
  // process) may lose the last commits, but LMDB never tears one.
  unsigned flags = MDB_NOTLS;
  if (!options.durable) flags |= MDB_NOSYNC;
  if (options.read_only) flags |= MDB_RDONLY;
  if (int rc = mdb_env_open(raw, dir.c_str(), flags, 0644); rc != 0) return OpenError(dir, rc);
  CLIVE_RETURN_IF_ERROR(env->CheckFileSize());
  // A process that died with a read transaction open leaves its slot in the
  // reader table, pinning old pages so the file can only grow: free such
  // slots. Best effort; a failure here changes nothing for correctness.
  int dead = 0;
  mdb_reader_check(raw, &dead);

  CLIVE_RETURN_IF_ERROR(env->InitDatabases());
  return env;
}

Env::~Env() { mdb_env_close(env_); }

size_t Env::max_key_size() const { return static_cast<size_t>(mdb_env_get_maxkeysize(env_)); }

uint64_t Env::map_size() const {
  MDB_envinfo info;
  mdb_env_info(env_, &info);
  return info.me_mapsize;
}

uint64_t Env::last_transaction() const {
  MDB_envinfo info;
  mdb_env_info(env_, &info);  // reads the shared meta page: sees every process's commits
  return info.me_last_txnid;
}

Status Env::Error(std::string_view what, int rc) const {
  std::string msg = std::string(what) + " in store at " + path_.string() + ": " + mdb_strerror(rc);
  if (IsPermissionError(rc)) return Status::PermissionDenied(std::move(msg));
  if (rc == MDB_CORRUPTED || rc == MDB_PAGE_NOTFOUND || rc == MDB_INVALID) {
    return Status::Corruption(std::move(msg));
  }
  return Status::IOError(std::move(msg));
}

Status Env::ReadOnlyError() const {
  return Status::PermissionDenied("store at " + path_.string() + " is read-only");
}

Status Env::CheckFileSize() const {
  // A data.mdb cut short (a partial copy, a full disk) keeps meta pages that
  // name pages past its end; touching those through the map raises SIGBUS.
  // LMDB writes every page before the meta page naming it, so a healthy file
  // always covers the last page in use.
  MDB_envinfo info;
  MDB_stat stat;
  mdb_filehandle_t fd;
  if (int rc = mdb_env_info(env_, &info); rc != 0) return OpenError(path_, rc);
  if (int rc = mdb_env_stat(env_, &stat); rc != 0) return OpenError(path_, rc);
  if (int rc = mdb_env_get_fd(env_, &fd); rc != 0) return OpenError(path_, rc);
  struct stat file;
  if (fstat(fd, &file) != 0) return OpenError(path_, errno);
  const uint64_t needed = (static_cast<uint64_t>(info.me_last_pgno) + 1) * stat.ms_psize;
  if (static_cast<uint64_t>(file.st_size) < needed) {
    return Status::Corruption("cannot open store at " + path_.string() +
                              ": data.mdb is truncated (" + std::to_string(file.st_size) +
                              " bytes, its pages need " + std::to_string(needed) + ")");
  }
  return Status::Ok();
}

Status Env::InitDatabases() {
  const bool writable = !options_.read_only;
  auto txn = Txn::Begin(*this, writable ? Txn::Mode::kWrite : Txn::Mode::kRead);
  if (!txn) return txn.status();

  // An environment whose main database is empty was just created (or its
  // creator died before the first commit): make it a clive store. Anything
  // else must already be one; never add our databases to a foreign LMDB env.
  MDB_dbi main_dbi;
  if (int rc = mdb_dbi_open(txn->handle(), nullptr, 0, &main_dbi); rc != 0) {
    return Error("cannot open main database", rc);
  }
  MDB_stat stat;
  if (int rc = mdb_stat(txn->handle(), main_dbi, &stat); rc != 0) {
    return Error("cannot inspect main database", rc);
  }
  const bool fresh = stat.ms_entries == 0;
  if (fresh && !writable) {
    return Status::NotFound("cannot open store at " + path_.string() + " read-only: no such store");
  }

  int rc = mdb_dbi_open(txn->handle(), "meta", fresh ? MDB_CREATE : 0, &meta_);
  if (rc == MDB_NOTFOUND) {
    return Status::InvalidArgument("cannot open store at " + path_.string() +
                                   ": not a clive store");
  }
  if (rc != 0) return Error("cannot open meta database", rc);

  if (fresh) {
    CLIVE_RETURN_IF_ERROR(txn->Put(meta_, kFormatKey, kStoreFormat));
  } else {
    auto format = txn->Get(meta_, kFormatKey);
    if (!format) return format.status();
    if (!*format || **format != kStoreFormat) {
      return Status::Corruption("cannot open store at " + path_.string() +
                                ": unsupported store format '" + std::string(format->value_or("")) +
                                "'");
    }
  }
  const unsigned create = writable ? MDB_CREATE : 0;
  if (rc = mdb_dbi_open(txn->handle(), "objects", create, &objects_); rc != 0) {
    return Error("cannot open objects database", rc);
  }
  if (rc = mdb_dbi_open(txn->handle(), "refs", create, &refs_); rc != 0) {
    return Error("cannot open refs database", rc);
  }
  rc = mdb_dbi_open(txn->handle(), "reflogs", create, &reflogs_);
  if (rc != 0 && !(rc == MDB_NOTFOUND && !writable)) {
    return Error("cannot open reflogs database", rc);
  }
  has_reflogs_ = rc == 0;
  if (fresh) {
    // Like `git init`: every Git repository has a HEAD, and libgit2 relies on
    // it (renaming a ref, for one, fails without it). The branch is unborn
    // until someone creates it.
    CLIVE_RETURN_IF_ERROR(PutRef(*txn, kHeadRef, RefRecord::Symbolic(std::string(kDefaultBranch))));
  }
  // Database handles opened in a transaction become usable by other
  // transactions only once it commits (read-only ones included).
  return txn->Commit();
}

Status Env::Resize(uint64_t size) const {
  std::lock_guard lock(txn_mu_);
  if (open_txns_ > 0) {
    // Remapping would pull the map from under the open transactions.
    return Status::IOError("cannot resize the memory map of store at " + path_.string() +
                           " while this process has " + std::to_string(open_txns_) +
                           " transaction(s) open");
  }
  if (int rc = mdb_env_set_mapsize(env_, size); rc != 0) {
    return Error("cannot resize memory map", rc);
  }
  return Status::Ok();
}

Status Env::GrowMap() {
  const uint64_t current = map_size();
  if (current >= options_.max_map_size) {
    return Status::IOError("store at " + path_.string() + " is full (map size " +
                           std::to_string(current) + " bytes reached max_map_size)");
  }
  const uint64_t doubled =
      current > std::numeric_limits<uint64_t>::max() / 2 ? current : current * 2;
  return Resize(std::min(doubled, options_.max_map_size));
}

Status Env::Update(const std::function<Status(Txn&)>& body) {
  if (options_.read_only) return ReadOnlyError();
  for (;;) {
    {
      auto txn = Txn::Begin(*this, Txn::Mode::kWrite);
      if (!txn) return txn.status();
      Status status = body(*txn);
      if (status.ok()) status = txn->Commit();
      if (status.ok() || txn->first_error() != MDB_MAP_FULL) return status;
    }  // the failed transaction is aborted here, before the map changes.
    CLIVE_RETURN_IF_ERROR(GrowMap());
  }
}

// --- Txn ---

Expected<Txn> Txn::Begin(const Env& env, Mode mode) {
  if (mode == Mode::kWrite && env.read_only()) return env.ReadOnlyError();
  const unsigned flags = mode == Mode::kRead ? MDB_RDONLY : 0;
  // A resize by another process shows up as MDB_MAP_RESIZED: adopt the new
  // size and try again. Once is normally enough; the bound only guards
  // against a pathological race with a process growing it repeatedly.
  for (int attempt = 0;; ++attempt) {
    {
      std::lock_guard lock(env.txn_mu_);
      ++env.open_txns_;
    }
    MDB_txn* txn = nullptr;
    const int rc = mdb_txn_begin(env.handle(), nullptr, flags, &txn);
    if (rc == 0) return Txn(&env, txn);
    {
      std::lock_guard lock(env.txn_mu_);
      --env.open_txns_;
    }
    if (rc != MDB_MAP_RESIZED || attempt == 3) return env.Error("cannot begin transaction", rc);
    CLIVE_RETURN_IF_ERROR(env.Resize(0));
  }
}

void Txn::Ended() {
  std::lock_guard lock(env_->txn_mu_);
  --env_->open_txns_;
}

Txn::~Txn() {
  if (txn_ != nullptr) {
    mdb_txn_abort(txn_);
    Ended();
  }
}

Status Txn::Fail(std::string_view what, int rc) {
  if (first_error_ == 0) first_error_ = rc;
  return env_->Error(what, rc);
}

Status Txn::Commit() {
  // mdb_txn_commit frees the transaction whether or not it succeeds.
  MDB_txn* txn = std::exchange(txn_, nullptr);
  const int rc = mdb_txn_commit(txn);
  Ended();
  if (rc != 0) return Fail("cannot commit transaction", rc);
  return Status::Ok();
}

Expected<std::optional<std::string_view>> Txn::Get(MDB_dbi dbi, std::string_view key) {
  MDB_val k = ToVal(key);
  MDB_val v;
  const int rc = mdb_get(txn_, dbi, &k, &v);
  if (rc == MDB_NOTFOUND) return std::optional<std::string_view>();
  if (rc != 0) return Fail("cannot read", rc);
  return std::optional<std::string_view>(FromVal(v));
}

Status Txn::Put(MDB_dbi dbi, std::string_view key, std::string_view value) {
  MDB_val k = ToVal(key);
  MDB_val v = ToVal(value);
  if (int rc = mdb_put(txn_, dbi, &k, &v, 0); rc != 0) return Fail("cannot write", rc);
  return Status::Ok();
}

Expected<bool> Txn::PutIfAbsent(MDB_dbi dbi, std::string_view key, std::string_view value) {
  MDB_val k = ToVal(key);
  MDB_val v = ToVal(value);
  const int rc = mdb_put(txn_, dbi, &k, &v, MDB_NOOVERWRITE);
  if (rc == MDB_KEYEXIST) return false;
  if (rc != 0) return Fail("cannot write", rc);
  return true;
}

Expected<bool> Txn::Delete(MDB_dbi dbi, std::string_view key) {
  MDB_val k = ToVal(key);
  const int rc = mdb_del(txn_, dbi, &k, nullptr);
  if (rc == MDB_NOTFOUND) return false;
  if (rc != 0) return Fail("cannot delete", rc);
  return true;
}

Status Txn::Scan(MDB_dbi dbi, std::string_view from,
                 const std::function<bool(std::string_view, std::string_view)>& visit) {
  MDB_cursor* raw = nullptr;
  if (int rc = mdb_cursor_open(txn_, dbi, &raw); rc != 0) return Fail("cannot open cursor", rc);
  CursorPtr cursor(raw);
  MDB_val k = ToVal(from);
  MDB_val v;
  // LMDB rejects empty keys, so an empty start means "from the first key".
  int rc = mdb_cursor_get(raw, &k, &v, from.empty() ? MDB_FIRST : MDB_SET_RANGE);
  while (rc == 0) {
    if (!visit(FromVal(k), FromVal(v))) return Status::Ok();
    rc = mdb_cursor_get(raw, &k, &v, MDB_NEXT);
  }
  if (rc != MDB_NOTFOUND) return Fail("cannot iterate", rc);
  return Status::Ok();
}

Expected<std::optional<std::pair<std::string_view, std::string_view>>> Txn::Last(
    MDB_dbi dbi, std::string_view before) {
  using Entry = std::optional<std::pair<std::string_view, std::string_view>>;
  MDB_cursor* raw = nullptr;
  if (int rc = mdb_cursor_open(txn_, dbi, &raw); rc != 0) return Fail("cannot open cursor", rc);
  CursorPtr cursor(raw);
  MDB_val k = ToVal(before);
  MDB_val v;
  // Position at the first key >= `before` (or past the end), then step back.
  int rc = mdb_cursor_get(raw, &k, &v, MDB_SET_RANGE);
  if (rc == 0) {
    rc = mdb_cursor_get(raw, &k, &v, MDB_PREV);
  } else if (rc == MDB_NOTFOUND) {
    rc = mdb_cursor_get(raw, &k, &v, MDB_LAST);
  }
  if (rc == MDB_NOTFOUND) return Entry();
  if (rc != 0) return Fail("cannot iterate", rc);
  return Entry(std::pair(FromVal(k), FromVal(v)));
}

}  // namespace clive::store::lmdb
