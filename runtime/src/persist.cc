#include "clive/runtime/persist.h"

#include <capnp/message.h>
#include <capnp/serialize.h>

#include <algorithm>
#include <cstring>
#include <charconv>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "value.capnp.h"

namespace clive::runtime {
namespace {

constexpr const char* kHeaderEntry = ".clive";
constexpr const char* kValueEntry = "value";
constexpr const char* kCellRefPrefix = "refs/clive/cells/";

template <typename Reader>
std::string CanonicalBytes(Reader root) {
  kj::Array<capnp::word> words = capnp::canonicalize(root);
  kj::ArrayPtr<const kj::byte> bytes = words.asBytes();
  return std::string(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
}

// The schema's KeyKind for each scalar kind a map key may have.
struct KeyKindName {
  ValueKind kind;
  schema::KeyKind schema;
};
constexpr KeyKindName kKeyKinds[] = {
    {ValueKind::kInt, schema::KeyKind::INT},         {ValueKind::kBool, schema::KeyKind::BOOL},
    {ValueKind::kString, schema::KeyKind::STRING},   {ValueKind::kSize, schema::KeyKind::SIZE},
    {ValueKind::kDuration, schema::KeyKind::DURATION}, {ValueKind::kEnum, schema::KeyKind::ENUM_CASE},
    {ValueKind::kFloat, schema::KeyKind::FLOAT},     {ValueKind::kPath, schema::KeyKind::PATH},
    {ValueKind::kRef, schema::KeyKind::REF},
};

bool IsKeyKind(ValueKind kind) {
  return std::any_of(std::begin(kKeyKinds), std::end(kKeyKinds), [&](const KeyKindName& k) { return k.kind == kind; });
}

// Decodes one single-segment message; `bytes` may be unaligned and untrusted.
// Callers re-encode what they decoded and reject any difference, so every
// value has exactly one accepted encoding (capnp's own isCanonical() is
// structural and would accept, say, a record header read as a Scalar).
template <typename T, typename Fn>
auto Decode(std::string_view bytes, Fn&& fn) -> decltype(fn(std::declval<typename T::Reader>())) {
  if (bytes.empty() || bytes.size() % sizeof(capnp::word) != 0) {
    return Status::Corruption("not a clive value (bad length)");
  }
  auto words = kj::heapArray<capnp::word>(bytes.size() / sizeof(capnp::word));
  std::memcpy(words.begin(), bytes.data(), bytes.size());
  kj::ArrayPtr<const capnp::word> segments[1] = {words.asPtr()};
  capnp::SegmentArrayMessageReader reader(kj::arrayPtr(segments, 1));
  try {
    return fn(reader.getRoot<T>());
  } catch (const kj::Exception& e) {
    return Status::Corruption(std::string("not a clive value: ") + e.getDescription().cStr());
  }
}

// Prefixes a decoding error with the object it came from.
template <typename T>
Expected<T> InObject(Expected<T> result, const store::ObjectId& id) {
  if (result.ok()) return result;
  return Status::Corruption("object " + id.Hex() + " is " + result.status().message());
}

}  // namespace

bool IsFieldName(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

std::string EncodeRecordHeader(const RecordHeader& h) {
  size_t words = 16 + h.type_name.size() / sizeof(capnp::word) + h.key_type.size() / sizeof(capnp::word);
  for (const std::string& field : h.fields) words += 2 + field.size() / sizeof(capnp::word);
  capnp::MallocMessageBuilder message(static_cast<unsigned>(words));
  auto header = message.initRoot<schema::RecordHeader>();
  header.setTypeName(h.type_name);
  auto names = header.initFields(static_cast<unsigned>(h.fields.size()));
  for (unsigned i = 0; i < h.fields.size(); ++i) names.set(i, h.fields[i]);
  for (const KeyKindName& k : kKeyKinds) {
    if (k.kind == h.key_kind) header.setKeyKind(k.schema);
  }
  if (!h.key_type.empty()) header.setKeyType(h.key_type);
  return CanonicalBytes(header.asReader());
}

std::string EncodeScalar(const Value& v) {
  // A scalar takes a few words: no 8 KiB first segment (capnp's default).
  capnp::MallocMessageBuilder message(16 + v.text.size() / sizeof(capnp::word) + v.label.size() / sizeof(capnp::word));
  auto scalar = message.initRoot<schema::Scalar>();
  switch (v.kind) {
    case ValueKind::kInt: scalar.setInt(v.number); break;
    case ValueKind::kBool: scalar.setBool(v.number != 0); break;
    case ValueKind::kString: scalar.setString(capnp::Text::Reader(v.text.data(), v.text.size())); break;
    case ValueKind::kSize: scalar.setSize(v.number); break;
    case ValueKind::kDuration: scalar.setDuration(v.number); break;
    case ValueKind::kEnum: {
      auto e = scalar.initEnumCase();
      e.setType(v.text);
      e.setLabel(v.label);
      break;
    }
    case ValueKind::kNull: scalar.setNull(); break;
    case ValueKind::kFloat:
      // Equal values must have one encoding: -0.0 == 0.0, and every NaN is
      // stored as the one quiet NaN.
      scalar.setFloat(std::isnan(v.real) ? std::numeric_limits<double>::quiet_NaN() : v.real == 0 ? 0.0 : v.real);
      break;
    case ValueKind::kPath: scalar.setPath(capnp::Text::Reader(v.text.data(), v.text.size())); break;
    case ValueKind::kRef: scalar.setRef(capnp::Text::Reader(v.text.data(), v.text.size())); break;
    case ValueKind::kRecord:
    case ValueKind::kList:
    case ValueKind::kMap: break;  // trees, never scalars
  }
  return CanonicalBytes(scalar.asReader());
}

Expected<Value> DecodeScalar(std::string_view bytes) {
  auto value = Decode<schema::Scalar>(bytes, [](schema::Scalar::Reader s) -> Expected<Value> {
    switch (s.which()) {
      case schema::Scalar::INT: return Value::Int(s.getInt());
      case schema::Scalar::BOOL: return Value::Bool(s.getBool());
      case schema::Scalar::STRING: {
        capnp::Text::Reader text = s.getString();
        return Value::String(std::string(text.cStr(), text.size()));
      }
      case schema::Scalar::SIZE: return Value::Size(s.getSize());
      case schema::Scalar::DURATION: return Value::Duration(s.getDuration());
      case schema::Scalar::NULL_: return Value::Null();
      case schema::Scalar::FLOAT: return Value::Float(s.getFloat());
      case schema::Scalar::PATH: return Value::Path(std::string(s.getPath().cStr(), s.getPath().size()));
      case schema::Scalar::REF: return Value::Ref(std::string(s.getRef().cStr(), s.getRef().size()));
      case schema::Scalar::ENUM_CASE: {
        auto e = s.getEnumCase();
        return Value::Enum(std::string(e.getType().cStr(), e.getType().size()),
                           std::string(e.getLabel().cStr(), e.getLabel().size()));
      }
    }
    return Status::Corruption("an unknown kind of value");
  });
  if (value.ok() && EncodeScalar(*value) != bytes) {
    return Status::Corruption("not the canonical encoding of a clive value");
  }
  return value;
}

Expected<RecordHeader> DecodeRecordHeader(std::string_view bytes) {
  auto header = Decode<schema::RecordHeader>(bytes, [](schema::RecordHeader::Reader h) -> Expected<RecordHeader> {
    RecordHeader header;
    header.type_name = std::string(h.getTypeName().cStr(), h.getTypeName().size());
    for (capnp::Text::Reader name : h.getFields()) header.fields.emplace_back(name.cStr(), name.size());
    header.key_kind = ValueKind::kNull;
    for (const KeyKindName& k : kKeyKinds) {
      if (k.schema == h.getKeyKind()) header.key_kind = k.kind;
    }
    header.key_type = std::string(h.getKeyType().cStr(), h.getKeyType().size());
    return header;
  });
  if (header.ok() && EncodeRecordHeader(*header) != bytes) {
    return Status::Corruption("not the canonical encoding of a record header");
  }
  return header;
}

namespace {

// `a`, `a.b.c`: enum types and cell addresses.
bool IsDottedName(std::string_view name) {
  for (size_t start = 0;;) {
    size_t dot = name.find('.', start);
    if (!IsFieldName(name.substr(start, dot == std::string_view::npos ? dot : dot - start))) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

}  // namespace

Expected<std::string> MapKeyText(const Value& key) {
  // Enum and ref keys are names, so that `[Region.EU]` and `[ref(a.b)]`
  // read back as one field-path step.
  bool named = key.kind == ValueKind::kEnum ? IsDottedName(key.text) && IsFieldName(key.label)
                                            : key.kind != ValueKind::kRef || IsDottedName(key.text);
  if (!named) return Status::InvalidArgument("'" + Format(key) + "' is not a valid map key");
  switch (key.kind) {
    case ValueKind::kInt:
    case ValueKind::kSize:
    case ValueKind::kDuration: return std::to_string(key.number);
    case ValueKind::kBool: return std::string(key.number ? "true" : "false");
    case ValueKind::kString:
    case ValueKind::kPath:
    case ValueKind::kRef: return key.text;
    case ValueKind::kEnum: return key.label;
    case ValueKind::kFloat: return Format(Value::Float(key.real == 0 ? 0.0 : key.real));
    default: return Status::InvalidArgument("a map key must be a scalar, not " + TypeName(key));
  }
}

namespace {

Expected<Value> ParseKey(ValueKind kind, std::string_view key_type, std::string_view text) {
  std::string s(text);
  switch (kind) {
    case ValueKind::kInt:
    case ValueKind::kSize:
    case ValueKind::kDuration: {
      int64_t n = 0;
      auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
      if (ec != std::errc() || end != s.data() + s.size()) break;
      if (kind == ValueKind::kInt) return Value::Int(n);
      return kind == ValueKind::kSize ? Value::Size(n) : Value::Duration(n);
    }
    case ValueKind::kBool:
      if (s == "true" || s == "false") return Value::Bool(s == "true");
      break;
    case ValueKind::kString: return Value::String(s);
    case ValueKind::kPath: return Value::Path(s);
    case ValueKind::kRef: return Value::Ref(s);
    case ValueKind::kEnum:
      if (key_type.empty()) break;
      return Value::Enum(std::string(key_type), s);
    case ValueKind::kFloat:
      if (s == "Float.NaN") return Value::Float(std::numeric_limits<double>::quiet_NaN());
      if (s == "Float.POSITIVE_INFINITY") return Value::Float(std::numeric_limits<double>::infinity());
      if (s == "Float.NEGATIVE_INFINITY") return Value::Float(-std::numeric_limits<double>::infinity());
      if (!s.empty() && s.find_first_not_of("0123456789.eE+-") == std::string::npos) {
        char* end = nullptr;
        double d = std::strtod(s.c_str(), &end);
        if (end == s.c_str() + s.size()) return Value::Float(d);
      }
      break;
    default: break;
  }
  Value of_kind;
  of_kind.kind = kind;
  return Status::Corruption("'" + s + "' is not a map key of kind " + TypeName(of_kind));
}

}  // namespace

Expected<Value> MapKeyFromText(ValueKind kind, std::string_view key_type, std::string_view text) {
  auto key = ParseKey(kind, key_type, text);
  if (!key.ok()) return key;
  auto back = MapKeyText(*key);
  if (!back.ok() || *back != text) {
    return Status::Corruption("'" + std::string(text) + "' is not the canonical text of a map key");
  }
  return key;
}

// '%' escapes as %XX (two upper-case hex digits) the bytes git forbids in a
// name ('/', NUL), '%' itself, '~' (so no name is NTFS's short name of .git)
// and a leading '.' (so no key collides with `.clive`, `.`, `..` or `.git`);
// the empty text is "%". Every other byte stays as it is.
std::string EscapeEntryName(std::string_view text) {
  if (text.empty()) return "%";
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '/' || c == '\0' || c == '%' || c == '~' || (i == 0 && c == '.')) {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

Expected<std::string> UnescapeEntryName(std::string_view name) {
  if (name == "%") return std::string();
  std::string out;
  for (size_t i = 0; i < name.size(); ++i) {
    if (name[i] != '%') {
      out += name[i];
      continue;
    }
    auto digit = [](char c) { return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1; };
    if (i + 2 >= name.size() || digit(name[i + 1]) < 0 || digit(name[i + 2]) < 0) {
      return Status::Corruption("bad escape in tree entry name '" + std::string(name) + "'");
    }
    out += static_cast<char>(digit(name[i + 1]) * 16 + digit(name[i + 2]));
    i += 2;
  }
  if (EscapeEntryName(out) != name) {
    return Status::Corruption("tree entry name '" + std::string(name) + "' is not canonically escaped");
  }
  return out;
}

namespace {

bool IsTree(const Value& v) {
  return v.kind == ValueKind::kRecord || v.kind == ValueKind::kList || v.kind == ValueKind::kMap;
}

store::TreeEntry::Mode ModeOf(const Value& v) {
  return IsTree(v) ? store::TreeEntry::Mode::kTree : store::TreeEntry::Mode::kBlob;
}

// The header and entry names of a record, list or map tree.
Expected<RecordHeader> TreeHeaderOf(const Value& value, std::vector<std::string>& names) {
  RecordHeader header;
  header.type_name = value.kind == ValueKind::kMap ? "Map" : value.text;
  if (value.kind != ValueKind::kMap) {
    for (const auto& field : value.fields) {
      if (value.kind == ValueKind::kRecord && !IsFieldName(field.first)) {
        return Status::InvalidArgument("'" + field.first + "' is not a field name (of a " + value.text + ")");
      }
      header.fields.push_back(field.first);
      names.push_back(field.first);
    }
    return header;
  }
  if (value.keys.size() != value.fields.size()) return Status::InvalidArgument("a map with keys and values apart");
  for (const Value& key : value.keys) {
    if (!IsKeyKind(key.kind)) return Status::InvalidArgument("a map key must be a scalar, not " + TypeName(key));
    if (header.key_kind == ValueKind::kNull) {
      header.key_kind = key.kind;
      if (key.kind == ValueKind::kEnum) header.key_type = key.text;
    }
    if (key.kind != header.key_kind || (key.kind == ValueKind::kEnum && key.text != header.key_type)) {
      return Status::InvalidArgument("the keys of a map must have one type, not " + TypeName(value.keys[0]) +
                                     " and " + TypeName(key));
    }
    auto text = MapKeyText(key);
    if (!text.ok()) return text.status();
    names.push_back(EscapeEntryName(*text));
  }
  return header;
}

// Objects encoded in memory, with their ids, to be written in one
// WriteObjects transaction: a run with thousands of cells then costs one
// durable commit for its objects instead of one per object.
class ObjectBatch {
 public:
  Expected<store::ObjectId> Add(store::ObjectType type, std::string bytes) {
    auto id = store::HashObject(type, bytes);
    if (!id.ok()) return id.status();
    Add(type, *id, std::move(bytes));
    return *id;
  }
  void Add(store::ObjectType type, const store::ObjectId& id, std::string bytes) {
    if (seen_.insert(id).second) objects_.emplace_back(type, std::move(bytes));
  }

  // Drops the objects added since size() was `mark`: they are in the store
  // already (an unchanged cell's value). Their ids stay seen, so a later
  // value sharing them does not add them again either.
  size_t size() const { return objects_.size(); }
  void DropSince(size_t mark) { objects_.resize(mark); }

  // Records, lists and maps become trees (one entry per field, element or
  // key, plus `.clive`), everything else one blob.
  Expected<store::ObjectId> AddValue(const Value& value) {
    if (!IsTree(value)) return Add(store::ObjectType::kBlob, EncodeScalar(value));
    std::vector<std::string> names;
    auto header = TreeHeaderOf(value, names);
    if (!header.ok()) return header.status();
    std::vector<store::TreeEntry> entries;
    auto header_id = AddHeader(*header);
    if (!header_id.ok()) return header_id.status();
    entries.push_back({kHeaderEntry, *header_id, store::TreeEntry::Mode::kBlob});
    for (size_t i = 0; i < value.fields.size(); ++i) {
      auto id = AddValue(value.fields[i].second);
      if (!id.ok()) return id.status();
      entries.push_back({std::move(names[i]), *id, ModeOf(value.fields[i].second)});
    }
    auto tree = store::EncodeTree(std::move(entries));
    if (!tree.ok()) return tree.status();
    return Add(store::ObjectType::kTree, std::move(*tree));
  }

  // Every record of a type has the same header: encoded and hashed once.
  Expected<store::ObjectId> AddHeader(const RecordHeader& header) {
    std::string key = header.type_name;
    for (const std::string& field : header.fields) (key += '\0') += field;
    (key += '\0') += std::to_string(static_cast<int>(header.key_kind));
    (key += '\0') += header.key_type;
    auto known = header_ids_.find(key);
    if (known != header_ids_.end()) return known->second;
    auto id = Add(store::ObjectType::kBlob, EncodeRecordHeader(header));
    if (id.ok()) header_ids_.emplace(std::move(key), *id);
    return id;
  }

  Status WriteTo(store::Store& store) {
    if (objects_.empty()) return Status::Ok();
    // Only what the store lacks: a one-field change of a large value then
    // writes the few objects on the changed path.
    std::vector<std::pair<store::ObjectType, std::string_view>> views;
    for (const auto& [type, bytes] : objects_) views.emplace_back(type, bytes);
    auto written = store.WriteObjects(views);
    return written.ok() ? Status::Ok() : written.status();
  }

 private:
  // Object ids are SHA-1s: their first bytes are already a good hash.
  struct IdHash {
    size_t operator()(const store::ObjectId& id) const {
      size_t h;
      std::memcpy(&h, id.bytes.data(), sizeof h);
      return h;
    }
  };
  std::vector<std::pair<store::ObjectType, std::string>> objects_;
  std::unordered_set<store::ObjectId, IdHash> seen_;
  std::unordered_map<std::string, store::ObjectId> header_ids_;
};

}  // namespace

Expected<store::ObjectId> WriteValue(store::Store& store, const Value& value) {
  ObjectBatch batch;
  auto id = batch.AddValue(value);
  if (!id.ok()) return id.status();
  CLIVE_RETURN_IF_ERROR(batch.WriteTo(store));
  return id;
}

std::string CellAddress(std::string_view module_path, std::string_view cell) {
  return module_path.empty() ? std::string(cell) : std::string(module_path) + "." + std::string(cell);
}

std::string ModuleDisplayName(std::string_view module_path) {
  return module_path.empty() ? "(root)" : std::string(module_path);
}

Expected<std::string> CellRef(std::string_view address) {
  if (address.empty()) return Status::InvalidArgument("empty cell name");
  std::string ref = kCellRefPrefix;
  size_t start = 0;
  while (true) {
    size_t dot = address.find('.', start);
    std::string_view part = address.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (!IsFieldName(part)) {
      return Status::InvalidArgument("invalid cell name '" + std::string(address) +
                                     "' (expected a dotted name such as a.b.name)");
    }
    ref += part;
    if (dot == std::string_view::npos) break;
    ref += '/';
    start = dot + 1;
  }
  return ref;
}

namespace {

// The value id stored in a cell commit's tree.
Expected<store::ObjectId> CommittedValueId(store::Store& store, const store::ObjectId& commit_id) {
  auto commit = store.ReadCommit(commit_id);
  if (!commit.ok()) return commit.status();
  auto entries = store.ReadTree(commit->tree);
  if (!entries.ok()) return entries.status();
  for (const auto& e : *entries) {
    if (e.name == kValueEntry) return e.id;
  }
  return Status::Corruption("commit " + commit_id.Hex() + " is not a clive cell version");
}

// The tree of a cell commit, from the commit's first line (`tree <hex>`):
// one object read, no libgit2 parse, for the unchanged check of every cell.
Expected<store::ObjectId> CommittedTreeId(store::Store& store, const store::ObjectId& commit_id) {
  auto commit = store.ReadObject(commit_id);
  if (!commit.ok()) return commit.status();
  std::string_view data = commit->data;
  if (commit->type != store::ObjectType::kCommit || data.size() < 46 || data.substr(0, 5) != "tree ") {
    return Status::Corruption("object " + commit_id.Hex() + " is not a commit");
  }
  return store::ObjectId::FromHex(data.substr(5, 40));
}

std::string OneLine(const Value& v) {
  // A record with fields always prints on several lines: not formatted
  // only to be cut.
  if (v.kind == ValueKind::kRecord && !v.fields.empty()) return v.text + " { ... }";
  std::string text = Format(v);
  if (text.find('\n') != std::string::npos) return TypeName(v) + " { ... }";
  return text.size() > 60 ? text.substr(0, 57) + "..." : text;
}

// Commits the cells of one CommitCells call, each after the cells it read
// (an input's commit id is part of the reader's commit message), all into
// one ObjectBatch.
class CellCommitter {
 public:
  CellCommitter(store::Store& store, const std::vector<CellUpdate>& cells)
      : store_(store), cells_(cells), results_(cells.size()), state_(cells.size(), kPending) {
    for (size_t i = 0; i < cells.size(); ++i) index_.emplace(cells[i].address, i);
  }

  Expected<std::vector<CommittedCell>> CommitAll() {
    // A large batch reads every cell's head in one scan rather than one
    // lookup (and one read transaction) per cell.
    if (cells_.size() >= kListHeadsFrom) {
      auto heads = store_.ListRefs(kCellRefPrefix);
      if (!heads.ok()) return heads.status();
      heads_.emplace(std::make_move_iterator(heads->begin()), std::make_move_iterator(heads->end()));
    }
    for (size_t i = 0; i < cells_.size(); ++i) CLIVE_RETURN_IF_ERROR(Commit(i));
    // Objects first (one transaction), then every ref (one more): a crash in
    // between leaves unreferenced objects, never a ref to a missing one.
    CLIVE_RETURN_IF_ERROR(batch_.WriteTo(store_));
    if (!updates_.empty()) CLIVE_RETURN_IF_ERROR(store_.UpdateRefs(updates_));
    return std::move(results_);
  }

 private:
  enum State { kPending, kVisiting, kDone };
  static constexpr size_t kListHeadsFrom = 256;

  // The commit `ref` points at, or NotFound.
  Expected<store::ObjectId> Head(const std::string& ref) {
    if (!heads_) return store_.ReadRef(ref);
    auto it = heads_->find(ref);
    if (it == heads_->end()) return Status::NotFound(ref);
    return it->second;
  }

  // The version of the input cell at `address`: its commit in this batch,
  // else its stored head; nullopt if it has never been committed.
  Expected<std::optional<store::ObjectId>> InputVersion(const std::string& address) {
    auto in_batch = index_.find(address);
    if (in_batch != index_.end()) {
      CLIVE_RETURN_IF_ERROR(Commit(in_batch->second));
      return std::optional<store::ObjectId>(results_[in_batch->second].commit_id);
    }
    auto ref = CellRef(address);
    if (!ref.ok()) return ref.status();
    auto head = Head(*ref);
    if (head.ok()) return std::optional<store::ObjectId>(*head);
    if (head.status().IsNotFound()) return std::optional<store::ObjectId>();
    return head.status();
  }

  Status Commit(size_t i) {
    if (state_[i] == kDone) return Status::Ok();
    const CellUpdate& cell = cells_[i];
    if (state_[i] == kVisiting) {
      return Status::InvalidArgument("cell " + cell.address + " reads itself through its inputs");
    }
    state_[i] = kVisiting;
    CommittedCell& out = results_[i];
    out.address = cell.address;
    auto ref = CellRef(cell.address);
    if (!ref.ok()) return ref.status();
    out.ref = *ref;
    const size_t mark = batch_.size();
    auto value_id = batch_.AddValue(cell.value);
    if (!value_id.ok()) return value_id.status();
    out.value_id = *value_id;

    // The version's tree, `{value: <id>}`: equal trees, equal values.
    auto tree_bytes = store::EncodeTree({{kValueEntry, out.value_id, ModeOf(cell.value)}});
    if (!tree_bytes.ok()) return tree_bytes.status();
    auto tree_id = store::HashObject(store::ObjectType::kTree, *tree_bytes);
    if (!tree_id.ok()) return tree_id.status();

    store::RefUpdate update;
    update.name = out.ref;
    update.expect = store::RefUpdate::Expect::kAbsent;
    std::vector<store::ObjectId> parents;
    auto previous = Head(out.ref);
    if (previous.ok()) {
      auto previous_tree = CommittedTreeId(store_, *previous);
      if (!cell.commit_unchanged && previous_tree.ok() && *previous_tree == *tree_id) {
        out.commit_id = *previous;  // unchanged: write nothing
        // No input has been committed yet: only this value was added.
        batch_.DropSince(mark);
        state_[i] = kDone;
        return Status::Ok();
      }
      parents.push_back(*previous);
      update.expect = store::RefUpdate::Expect::kValue;
      update.old_id = *previous;
    } else if (!previous.status().IsNotFound()) {
      return previous.status();
    }

    std::string trailers = "Clive-Cell: " + cell.address + "\n" + "Clive-Source: " + cell.source_blob.Hex() + "\n";
    // By address, each once: a cell read twice is one input.
    for (const std::string& input : std::set<std::string>(cell.inputs.begin(), cell.inputs.end())) {
      auto version = InputVersion(input);
      if (!version.ok()) return version.status();
      if (*version) trailers += "Clive-Input: " + input + " " + (*version)->Hex() + "\n";
    }
    batch_.Add(store::ObjectType::kTree, *tree_id, std::move(*tree_bytes));
    store::Commit commit;
    commit.tree = *tree_id;
    commit.parents = parents;
    commit.message = cell.address + " = " + OneLine(cell.value) + "\n\n" + trailers + cell.trailers;
    auto commit_id = batch_.Add(store::ObjectType::kCommit, store::EncodeCommit(commit));
    if (!commit_id.ok()) return commit_id.status();
    out.commit_id = *commit_id;
    out.changed = true;
    update.new_id = *commit_id;
    updates_.push_back(std::move(update));
    state_[i] = kDone;
    return Status::Ok();
  }

  store::Store& store_;
  const std::vector<CellUpdate>& cells_;
  std::vector<CommittedCell> results_;
  std::vector<State> state_;
  std::map<std::string, size_t> index_;
  std::optional<std::map<std::string, store::ObjectId>> heads_;  // large batches only
  ObjectBatch batch_;
  std::vector<store::RefUpdate> updates_;
};

}  // namespace

Expected<std::vector<CommittedCell>> CommitCells(store::Store& store,
                                                 const std::vector<CellUpdate>& cells) {
  return CellCommitter(store, cells).CommitAll();
}

Expected<StoredCell> ReadCell(store::Store& store, std::string_view address) {
  auto ref = CellRef(address);
  if (!ref.ok()) return ref.status();
  auto commit_id = store.ReadRef(*ref);
  if (!commit_id.ok()) {
    if (commit_id.status().IsNotFound()) {
      return Status::NotFound("no cell named '" + std::string(address) + "' in the store (" + *ref + ")");
    }
    return commit_id.status();
  }
  auto value_id = CommittedValueId(store, *commit_id);
  if (!value_id.ok()) return value_id.status();
  auto value = ReadValue(store, *value_id);
  if (!value.ok()) return value.status();
  return StoredCell{std::move(*value), *value_id, *commit_id};
}

}  // namespace clive::runtime
