#include "lmdb_env.h"

#include <cerrno>
#include <cstring>

namespace clive::store::lmdb {
namespace {

constexpr unsigned kMaxDbs = 4;  // objects, refs, meta, and room for reflogs.
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

bool ValidObjectType(uint8_t t) {
  return t >= static_cast<uint8_t>(ObjectType::kCommit) &&
         t <= static_cast<uint8_t>(ObjectType::kTag);
}

Expected<RefRecord> DecodeRef(const Env& env, std::string_view name, std::string_view value) {
  auto corrupt = [&](std::string_view why) {
    return Status::Corruption("ref " + std::string(name) + " in store at " + env.path().string() +
                              " is corrupt: " + std::string(why));
  };
  if (value.empty()) return corrupt("empty record");
  const auto kind = static_cast<RefRecord::Kind>(value[0]);
  if (kind == RefRecord::Kind::kDirect) {
    if (value.size() != 1 + ObjectId::kSize) return corrupt("bad object id length");
    ObjectId id;
    std::memcpy(id.bytes.data(), value.data() + 1, ObjectId::kSize);
    return RefRecord::Direct(id);
  }
  if (kind == RefRecord::Kind::kSymbolic) {
    if (value.size() < 2) return corrupt("empty symbolic target");
    return RefRecord::Symbolic(std::string(value.substr(1)));
  }
  return corrupt("unknown record kind");
}

std::string EncodeRef(const RefRecord& record) {
  std::string out(1, static_cast<char>(record.kind));
  if (record.symbolic()) {
    out += record.target;
  } else {
    out.append(reinterpret_cast<const char*>(record.id.bytes.data()), ObjectId::kSize);
  }
  return out;
}

}  // namespace

// --- Env ---

Expected<std::unique_ptr<Env>> Env::Open(const std::filesystem::path& dir,
                                         const StoreOptions& options) {
  MDB_env* raw = nullptr;
  if (int rc = mdb_env_create(&raw); rc != 0) return OpenError(dir, rc);
  // Owned from here on: ~Env closes it, including when opening fails below
  // (LMDB requires mdb_env_close after a failed mdb_env_open).
  auto env = std::make_unique<Env>(Key{}, raw, dir);

  if (int rc = mdb_env_set_maxdbs(raw, kMaxDbs); rc != 0) return OpenError(dir, rc);
  if (int rc = mdb_env_set_mapsize(raw, options.map_size); rc != 0) return OpenError(dir, rc);
  // MDB_NOTLS: read transactions are not tied to a thread slot, so a read
  // transaction may coexist with another one on the same thread (libgit2 can
  // re-enter the backends while we hold a snapshot). MDB_NOSYNC only in bulk
  // mode: LMDB stays consistent, the last commits may be lost on power loss.
  unsigned flags = MDB_NOTLS;
  if (!options.durable) flags |= MDB_NOSYNC;
  if (int rc = mdb_env_open(raw, dir.c_str(), flags, 0644); rc != 0) return OpenError(dir, rc);

  CLIVE_RETURN_IF_ERROR(env->InitDatabases());
  return env;
}

Env::~Env() { mdb_env_close(env_); }

size_t Env::max_key_size() const { return static_cast<size_t>(mdb_env_get_maxkeysize(env_)); }

Status Env::Error(std::string_view what, int rc) const {
  std::string msg = std::string(what) + " in store at " + path_.string() + ": " + mdb_strerror(rc);
  if (IsPermissionError(rc)) return Status::PermissionDenied(std::move(msg));
  if (rc == MDB_CORRUPTED || rc == MDB_PAGE_NOTFOUND || rc == MDB_INVALID) {
    return Status::Corruption(std::move(msg));
  }
  return Status::IOError(std::move(msg));
}

Status Env::InitDatabases() {
  auto txn = Txn::Begin(*this, Txn::Mode::kWrite);
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
  if (rc = mdb_dbi_open(txn->handle(), "objects", MDB_CREATE, &objects_); rc != 0) {
    return Error("cannot open objects database", rc);
  }
  if (rc = mdb_dbi_open(txn->handle(), "refs", MDB_CREATE, &refs_); rc != 0) {
    return Error("cannot open refs database", rc);
  }
  if (fresh) {
    // Like `git init`: every Git repository has a HEAD, and libgit2 relies on
    // it (renaming a ref, for one, fails without it). The branch is unborn
    // until someone creates it.
    CLIVE_RETURN_IF_ERROR(PutRef(*txn, kHeadRef, RefRecord::Symbolic(std::string(kDefaultBranch))));
  }
  // Database handles opened in a write transaction become usable by other
  // transactions only once it commits.
  return txn->Commit();
}

// --- Txn ---

Expected<Txn> Txn::Begin(const Env& env, Mode mode) {
  MDB_txn* txn = nullptr;
  const unsigned flags = mode == Mode::kRead ? MDB_RDONLY : 0;
  if (int rc = mdb_txn_begin(env.handle(), nullptr, flags, &txn); rc != 0) {
    return env.Error("cannot begin transaction", rc);
  }
  return Txn(&env, txn);
}

Txn::~Txn() {
  if (txn_ != nullptr) mdb_txn_abort(txn_);
}

Status Txn::Commit() {
  // mdb_txn_commit frees the transaction whether or not it succeeds.
  MDB_txn* txn = std::exchange(txn_, nullptr);
  if (int rc = mdb_txn_commit(txn); rc != 0) return env_->Error("cannot commit transaction", rc);
  return Status::Ok();
}

Expected<std::optional<std::string_view>> Txn::Get(MDB_dbi dbi, std::string_view key) {
  MDB_val k = ToVal(key);
  MDB_val v;
  const int rc = mdb_get(txn_, dbi, &k, &v);
  if (rc == MDB_NOTFOUND) return std::optional<std::string_view>();
  if (rc != 0) return env_->Error("cannot read", rc);
  return std::optional<std::string_view>(FromVal(v));
}

Status Txn::Put(MDB_dbi dbi, std::string_view key, std::string_view value) {
  MDB_val k = ToVal(key);
  MDB_val v = ToVal(value);
  if (int rc = mdb_put(txn_, dbi, &k, &v, 0); rc != 0) return env_->Error("cannot write", rc);
  return Status::Ok();
}

Expected<bool> Txn::PutIfAbsent(MDB_dbi dbi, std::string_view key, std::string_view value) {
  MDB_val k = ToVal(key);
  MDB_val v = ToVal(value);
  const int rc = mdb_put(txn_, dbi, &k, &v, MDB_NOOVERWRITE);
  if (rc == MDB_KEYEXIST) return false;
  if (rc != 0) return env_->Error("cannot write", rc);
  return true;
}

Expected<bool> Txn::Delete(MDB_dbi dbi, std::string_view key) {
  MDB_val k = ToVal(key);
  const int rc = mdb_del(txn_, dbi, &k, nullptr);
  if (rc == MDB_NOTFOUND) return false;
  if (rc != 0) return env_->Error("cannot delete", rc);
  return true;
}

Status Txn::Scan(MDB_dbi dbi, std::string_view from,
                 const std::function<bool(std::string_view, std::string_view)>& visit) {
  MDB_cursor* raw = nullptr;
  if (int rc = mdb_cursor_open(txn_, dbi, &raw); rc != 0) {
    return env_->Error("cannot open cursor", rc);
  }
  CursorPtr cursor(raw);
  MDB_val k = ToVal(from);
  MDB_val v;
  // LMDB rejects empty keys, so an empty start means "from the first key".
  int rc = mdb_cursor_get(raw, &k, &v, from.empty() ? MDB_FIRST : MDB_SET_RANGE);
  while (rc == 0) {
    if (!visit(FromVal(k), FromVal(v))) return Status::Ok();
    rc = mdb_cursor_get(raw, &k, &v, MDB_NEXT);
  }
  if (rc != MDB_NOTFOUND) return env_->Error("cannot iterate", rc);
  return Status::Ok();
}

// --- objects ---

std::string_view ObjectKey(const ObjectId& id) {
  return {reinterpret_cast<const char*>(id.bytes.data()), ObjectId::kSize};
}

Expected<std::optional<StoredObject>> GetObject(Txn& txn, const ObjectId& id) {
  auto value = txn.Get(txn.env().objects(), ObjectKey(id));
  if (!value) return value.status();
  if (!*value) return std::optional<StoredObject>();
  const std::string_view v = **value;
  auto corrupt = [&](std::string_view why) {
    return Status::Corruption("object " + id.Hex() + " in store at " + txn.env().path().string() +
                              " is corrupt: " + std::string(why));
  };
  if (v.size() < 2) return corrupt("truncated record");
  if (static_cast<uint8_t>(v[0]) != kObjectFormatRaw) {
    return corrupt("unknown record format " + std::to_string(static_cast<uint8_t>(v[0])));
  }
  const auto type = static_cast<uint8_t>(v[1]);
  if (!ValidObjectType(type)) return corrupt("unknown object type " + std::to_string(type));
  return std::optional<StoredObject>(StoredObject{static_cast<ObjectType>(type), v.substr(2)});
}

Status PutObject(Txn& txn, const ObjectId& id, ObjectType type, std::string_view data) {
  if (!ValidObjectType(static_cast<uint8_t>(type))) {
    return Status::InvalidArgument("invalid object type " + std::to_string(static_cast<int>(type)));
  }
  std::string value;
  value.reserve(2 + data.size());
  value.push_back(static_cast<char>(kObjectFormatRaw));
  value.push_back(static_cast<char>(type));
  value.append(data);
  auto inserted = txn.PutIfAbsent(txn.env().objects(), ObjectKey(id), value);
  return inserted ? Status::Ok() : inserted.status();
}

Expected<bool> HasObject(Txn& txn, const ObjectId& id) {
  auto value = txn.Get(txn.env().objects(), ObjectKey(id));
  if (!value) return value.status();
  return value->has_value();
}

// --- refs ---

std::string RefRecord::Describe() const {
  return symbolic() ? "symbolic ref to " + target : id.Hex();
}

Status CheckRefKey(const Env& env, std::string_view name) {
  if (name.empty()) return Status::InvalidArgument("empty ref name");
  if (name.size() > env.max_key_size()) {
    return Status::InvalidArgument("ref name too long: " + std::to_string(name.size()) +
                                   " bytes, the store allows at most " +
                                   std::to_string(env.max_key_size()));
  }
  return Status::Ok();
}

Expected<std::optional<RefRecord>> GetRef(Txn& txn, std::string_view name) {
  CLIVE_RETURN_IF_ERROR(CheckRefKey(txn.env(), name));
  auto value = txn.Get(txn.env().refs(), name);
  if (!value) return value.status();
  if (!*value) return std::optional<RefRecord>();
  auto record = DecodeRef(txn.env(), name, **value);
  if (!record) return record.status();
  return std::optional<RefRecord>(std::move(*record));
}

Status PutRef(Txn& txn, std::string_view name, const RefRecord& record) {
  CLIVE_RETURN_IF_ERROR(CheckRefKey(txn.env(), name));
  return txn.Put(txn.env().refs(), name, EncodeRef(record));
}

Expected<bool> DeleteRef(Txn& txn, std::string_view name) {
  CLIVE_RETURN_IF_ERROR(CheckRefKey(txn.env(), name));
  return txn.Delete(txn.env().refs(), name);
}

Status ScanRefs(Txn& txn, std::string_view prefix,
                const std::function<bool(std::string_view, const RefRecord&)>& visit) {
  Status decode_error;
  CLIVE_RETURN_IF_ERROR(
      txn.Scan(txn.env().refs(), prefix, [&](std::string_view name, std::string_view value) {
        if (!name.starts_with(prefix)) return false;  // keys are sorted: done.
        auto record = DecodeRef(txn.env(), name, value);
        if (!record) {
          decode_error = record.status();
          return false;
        }
        return visit(name, *record);
      }));
  return decode_error;
}

Expected<std::optional<std::string>> FindRefConflict(Txn& txn, std::string_view name) {
  // An existing ref that is a directory of `name` ("a/b" for "a/b/c")...
  for (size_t slash = name.find('/'); slash != std::string_view::npos;
       slash = name.find('/', slash + 1)) {
    const std::string_view parent = name.substr(0, slash);
    if (parent.empty()) continue;  // LMDB has no empty keys.
    auto existing = txn.Get(txn.env().refs(), parent);
    if (!existing) return existing.status();
    if (*existing) return std::optional<std::string>(std::string(parent));
  }
  // ...or one that lives below `name` ("a/b/c/d" for "a/b/c").
  const std::string dir = std::string(name) + "/";
  std::optional<std::string> below;
  CLIVE_RETURN_IF_ERROR(
      txn.Scan(txn.env().refs(), dir, [&](std::string_view key, std::string_view) {
        if (key.starts_with(dir)) below = std::string(key);
        return false;
      }));
  return below;
}

}  // namespace clive::store::lmdb
