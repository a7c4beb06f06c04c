// The records of the "objects", "refs" and "reflogs" databases.
#include <cstring>
#include <ctime>

#include "lmdb_env.h"

namespace clive::store::lmdb {
namespace {

constexpr std::string_view kHeadRef = "HEAD";
// Reflog entry encoding version (first byte of every non-marker value).
constexpr uint8_t kReflogEntryV1 = 1;
constexpr size_t kSeqSize = 8;

Status ObjectCorrupt(const Txn& txn, const ObjectId& id, std::string_view why) {
  return Status::Corruption("object " + id.Hex() + " in store at " + txn.env().path().string() +
                            " is corrupt: " + std::string(why));
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

// --- reflog encoding ---
//
// value = version (1) | old oid (20) | new oid (20) | time (8, big-endian,
//         two's complement) | offset minutes (4, big-endian) | committer
//         name NUL committer email NUL message

void PutBigEndian(std::string& out, uint64_t value, size_t bytes) {
  for (size_t i = bytes; i-- > 0;) out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

uint64_t GetBigEndian(std::string_view in, size_t bytes) {
  uint64_t value = 0;
  for (size_t i = 0; i < bytes; ++i) value = value << 8 | static_cast<uint8_t>(in[i]);
  return value;
}

std::string ReflogKey(std::string_view ref, uint64_t seq) {
  std::string key(ref);
  key.push_back('\0');
  PutBigEndian(key, seq, kSeqSize);
  return key;
}

// Every key of `ref`'s log starts with this; no other ref's keys do, as ref
// names contain no NUL.
std::string ReflogPrefix(std::string_view ref) { return std::string(ref) + '\0'; }

std::string EncodeReflog(const ReflogRecord& entry) {
  std::string out(1, static_cast<char>(kReflogEntryV1));
  out.append(reinterpret_cast<const char*>(entry.old_id.bytes.data()), ObjectId::kSize);
  out.append(reinterpret_cast<const char*>(entry.new_id.bytes.data()), ObjectId::kSize);
  PutBigEndian(out, static_cast<uint64_t>(entry.time), 8);
  PutBigEndian(out, static_cast<uint32_t>(entry.offset_minutes), 4);
  out += entry.name;
  out.push_back('\0');
  out += entry.email;
  out.push_back('\0');
  out += entry.message;
  return out;
}

Expected<ReflogRecord> DecodeReflog(const Env& env, std::string_view ref, std::string_view value) {
  auto corrupt = [&](std::string_view why) {
    return Status::Corruption("reflog of " + std::string(ref) + " in store at " +
                              env.path().string() + " is corrupt: " + std::string(why));
  };
  constexpr size_t kFixed = 1 + 2 * ObjectId::kSize + 8 + 4;
  if (value.size() < kFixed + 2) return corrupt("truncated entry");
  if (static_cast<uint8_t>(value[0]) != kReflogEntryV1) return corrupt("unknown entry version");
  ReflogRecord entry;
  std::memcpy(entry.old_id.bytes.data(), value.data() + 1, ObjectId::kSize);
  std::memcpy(entry.new_id.bytes.data(), value.data() + 1 + ObjectId::kSize, ObjectId::kSize);
  entry.time = static_cast<int64_t>(GetBigEndian(value.substr(1 + 2 * ObjectId::kSize), 8));
  entry.offset_minutes =
      static_cast<int32_t>(GetBigEndian(value.substr(1 + 2 * ObjectId::kSize + 8), 4));
  std::string_view rest = value.substr(kFixed);
  const size_t name_end = rest.find('\0');
  if (name_end == std::string_view::npos) return corrupt("missing committer name");
  entry.name = rest.substr(0, name_end);
  rest.remove_prefix(name_end + 1);
  const size_t email_end = rest.find('\0');
  if (email_end == std::string_view::npos) return corrupt("missing committer email");
  entry.email = rest.substr(0, email_end);
  entry.message = rest.substr(email_end + 1);
  return entry;
}

}  // namespace

// --- objects ---

std::string_view ObjectKey(const ObjectId& id) {
  return {reinterpret_cast<const char*>(id.bytes.data()), ObjectId::kSize};
}

Expected<std::optional<ObjectRecord>> GetObjectRecord(Txn& txn, const ObjectId& id) {
  auto value = txn.Get(txn.env().objects(), ObjectKey(id));
  if (!value) return value.status();
  if (!*value) return std::optional<ObjectRecord>();
  auto record = ParseObjectRecord(**value);
  if (!record) return ObjectCorrupt(txn, id, record.status().message());
  return std::optional<ObjectRecord>(*record);
}

Status DecodeObject(Txn& txn, const ObjectId& id, const ObjectRecord& record, char* out) {
  Status status = txn.env().codec().Decode(record, out);
  if (!status.ok()) return ObjectCorrupt(txn, id, status.message());
  return status;
}

Expected<std::optional<Object>> GetObject(Txn& txn, const ObjectId& id) {
  auto record = GetObjectRecord(txn, id);
  if (!record) return record.status();
  if (!*record) return std::optional<Object>();
  Object object{(*record)->type, std::string((*record)->size, '\0')};
  CLIVE_RETURN_IF_ERROR(DecodeObject(txn, id, **record, object.data.data()));
  return std::optional<Object>(std::move(object));
}

Status PutObjectRecord(Txn& txn, const ObjectId& id, std::string_view record) {
  auto inserted = txn.PutIfAbsent(txn.env().objects(), ObjectKey(id), record);
  return inserted ? Status::Ok() : inserted.status();
}

Status PutObject(Txn& txn, const ObjectId& id, ObjectType type, std::string_view data) {
  if (!ValidObjectType(static_cast<uint8_t>(type))) {
    return Status::InvalidArgument("invalid object type " + std::to_string(static_cast<int>(type)));
  }
  return PutObjectRecord(txn, id, txn.env().codec().Encode(type, data));
}

Expected<bool> HasObject(Txn& txn, const ObjectId& id) {
  auto value = txn.Get(txn.env().objects(), ObjectKey(id));
  if (!value) return value.status();
  return value->has_value();
}

Status FindObjectsByPrefix(Txn& txn, const ObjectId& prefix, size_t hex_len, size_t limit,
                           std::vector<ObjectId>* out) {
  // The smallest id with this prefix is the prefix padded with zero digits;
  // ids are sorted, so the matches are contiguous from there.
  ObjectId start = prefix;
  for (size_t digit = hex_len; digit < 2 * ObjectId::kSize; ++digit) {
    start.bytes[digit / 2] &= digit % 2 == 0 ? 0x00 : 0xf0;
  }
  auto matches = [&](const ObjectId& id) {
    for (size_t digit = 0; digit < hex_len; ++digit) {
      const int shift = digit % 2 == 0 ? 4 : 0;
      if (((id.bytes[digit / 2] >> shift) & 0xf) != ((start.bytes[digit / 2] >> shift) & 0xf)) {
        return false;
      }
    }
    return true;
  };
  return txn.Scan(txn.env().objects(), ObjectKey(start),
                  [&](std::string_view key, std::string_view) {
                    if (key.size() != ObjectId::kSize) return true;  // not an object key; skip.
                    ObjectId id;
                    std::memcpy(id.bytes.data(), key.data(), ObjectId::kSize);
                    if (!matches(id)) return false;
                    out->push_back(id);
                    return out->size() < limit;
                  });
}

Status ScanObjects(Txn& txn, const std::optional<ObjectId>& after,
                   const std::function<bool(const ObjectId&, std::string_view)>& visit) {
  std::string from;
  if (after) {
    // The smallest key greater than `after`: the same bytes plus a 0x00.
    from = std::string(ObjectKey(*after)) + '\0';
  }
  return txn.Scan(txn.env().objects(), from, [&](std::string_view key, std::string_view value) {
    if (key.size() != ObjectId::kSize) return true;
    ObjectId id;
    std::memcpy(id.bytes.data(), key.data(), ObjectId::kSize);
    return visit(id, value);
  });
}

// --- refs ---

std::string RefRecord::Describe() const {
  return symbolic() ? "symbolic ref to " + target : id.Hex();
}

Status CheckRefKey(const Env& env, std::string_view name) {
  if (name.empty()) return Status::InvalidArgument("empty ref name");
  if (name.size() > env.max_ref_name_size()) {
    return Status::InvalidArgument("ref name too long: " + std::to_string(name.size()) +
                                   " bytes, the store allows at most " +
                                   std::to_string(env.max_ref_name_size()));
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

Status ScanAllRefs(Txn& txn,
                   const std::function<void(std::string_view, const Expected<RefRecord>&)>& visit) {
  return txn.Scan(txn.env().refs(), {}, [&](std::string_view name, std::string_view value) {
    visit(name, DecodeRef(txn.env(), name, value));
    return true;
  });
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

Expected<ObjectId> ResolveRecord(Txn& txn, const RefRecord& record) {
  RefRecord current = record;
  for (int depth = 0; current.symbolic(); ++depth) {
    if (depth == kMaxSymrefDepth || !CheckRefKey(txn.env(), current.target).ok()) {
      return ObjectId();
    }
    auto next = GetRef(txn, current.target);
    if (!next) return next.status();
    if (!*next) return ObjectId();
    current = std::move(**next);
  }
  return current.id;
}

// --- reflogs ---

ReflogRecord CliveReflogRecord(const ObjectId& old_id, const ObjectId& new_id,
                               std::string_view message) {
  ReflogRecord entry;
  entry.old_id = old_id;
  entry.new_id = new_id;
  entry.name = "clive";
  entry.email = "clive@localhost";
  entry.time = static_cast<int64_t>(std::time(nullptr));
  entry.message = OneLine(message);
  return entry;
}

std::string OneLine(std::string_view message) {
  std::string out(message);
  for (char& c : out) {
    if (c == '\n' || c == '\r' || c == '\0') c = ' ';
  }
  return out;
}

Expected<bool> HasReflog(Txn& txn, std::string_view ref) {
  if (!txn.env().has_reflogs()) return false;
  CLIVE_RETURN_IF_ERROR(CheckRefKey(txn.env(), ref));
  const std::string prefix = ReflogPrefix(ref);
  bool found = false;
  CLIVE_RETURN_IF_ERROR(
      txn.Scan(txn.env().reflogs(), prefix, [&](std::string_view key, std::string_view) {
        found = key.starts_with(prefix);
        return false;
      }));
  return found;
}

Status EnsureReflog(Txn& txn, std::string_view ref) {
  CLIVE_RETURN_IF_ERROR(CheckRefKey(txn.env(), ref));
  auto inserted = txn.PutIfAbsent(txn.env().reflogs(), ReflogKey(ref, 0), std::string_view("", 0));
  return inserted ? Status::Ok() : inserted.status();
}

Status AppendReflog(Txn& txn, std::string_view ref, const ReflogRecord& entry) {
  CLIVE_RETURN_IF_ERROR(CheckRefKey(txn.env(), ref));
  // The next sequence number follows the last key of this ref's log; keys
  // of the ref's log sort right below ReflogPrefix(ref) + 0xff...
  const std::string prefix = ReflogPrefix(ref);
  auto last = txn.Last(txn.env().reflogs(), ReflogKey(ref, UINT64_MAX));
  if (!last) return last.status();
  uint64_t seq = 1;
  std::string_view last_key = *last ? (*last)->first : std::string_view();
  if (last_key.size() == prefix.size() + kSeqSize && last_key.starts_with(prefix)) {
    seq = GetBigEndian(last_key.substr(prefix.size()), kSeqSize) + 1;
  } else {
    CLIVE_RETURN_IF_ERROR(EnsureReflog(txn, ref));
  }
  return txn.Put(txn.env().reflogs(), ReflogKey(ref, seq), EncodeReflog(entry));
}

Status LogRefUpdate(Txn& txn, std::string_view ref, const ReflogRecord& entry) {
  CLIVE_RETURN_IF_ERROR(AppendReflog(txn, ref, entry));
  if (ref == kHeadRef) return Status::Ok();
  auto head = GetRef(txn, kHeadRef);
  if (!head) return head.status();
  if (*head && (*head)->symbolic() && (*head)->target == ref) {
    return AppendReflog(txn, kHeadRef, entry);
  }
  return Status::Ok();
}

Expected<std::vector<ReflogRecord>> ReadReflog(Txn& txn, std::string_view ref) {
  std::vector<ReflogRecord> entries;
  if (!txn.env().has_reflogs()) return entries;
  CLIVE_RETURN_IF_ERROR(CheckRefKey(txn.env(), ref));
  const std::string prefix = ReflogPrefix(ref);
  Status decode_error;
  CLIVE_RETURN_IF_ERROR(
      txn.Scan(txn.env().reflogs(), prefix, [&](std::string_view key, std::string_view value) {
        if (!key.starts_with(prefix)) return false;
        if (value.empty()) return true;  // the "has a log" marker.
        auto entry = DecodeReflog(txn.env(), ref, value);
        if (!entry) {
          decode_error = entry.status();
          return false;
        }
        entries.push_back(std::move(*entry));
        return true;
      }));
  if (!decode_error.ok()) return decode_error;
  return entries;
}

Status DeleteReflog(Txn& txn, std::string_view ref) {
  CLIVE_RETURN_IF_ERROR(CheckRefKey(txn.env(), ref));
  const std::string prefix = ReflogPrefix(ref);
  std::vector<std::string> keys;
  CLIVE_RETURN_IF_ERROR(
      txn.Scan(txn.env().reflogs(), prefix, [&](std::string_view key, std::string_view) {
        if (!key.starts_with(prefix)) return false;
        keys.emplace_back(key);
        return true;
      }));
  for (const std::string& key : keys) {
    auto deleted = txn.Delete(txn.env().reflogs(), key);
    if (!deleted) return deleted.status();
  }
  return Status::Ok();
}

Status ReplaceReflog(Txn& txn, std::string_view ref, const std::vector<ReflogRecord>& entries) {
  CLIVE_RETURN_IF_ERROR(DeleteReflog(txn, ref));
  CLIVE_RETURN_IF_ERROR(EnsureReflog(txn, ref));
  uint64_t seq = 0;
  for (const ReflogRecord& entry : entries) {
    CLIVE_RETURN_IF_ERROR(txn.Put(txn.env().reflogs(), ReflogKey(ref, ++seq), EncodeReflog(entry)));
  }
  return Status::Ok();
}

Status RenameReflog(Txn& txn, std::string_view from, std::string_view to) {
  auto has = HasReflog(txn, from);
  if (!has) return has.status();
  if (!*has) return Status::Ok();
  auto entries = ReadReflog(txn, from);
  if (!entries) return entries.status();
  CLIVE_RETURN_IF_ERROR(DeleteReflog(txn, from));
  return ReplaceReflog(txn, to, *entries);
}

Status ScanReflogs(
    Txn& txn, const std::function<void(std::string_view, const Expected<ReflogRecord>&)>& visit) {
  if (!txn.env().has_reflogs()) return Status::Ok();
  return txn.Scan(txn.env().reflogs(), {}, [&](std::string_view key, std::string_view value) {
    if (value.empty()) return true;
    const std::string_view ref =
        key.size() > kSeqSize + 1 ? key.substr(0, key.size() - kSeqSize - 1) : key;
    visit(ref, DecodeReflog(txn.env(), ref, value));
    return true;
  });
}

}  // namespace clive::store::lmdb
