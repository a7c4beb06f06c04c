#include "clive/runtime/persist.h"

#include <capnp/message.h>
#include <capnp/serialize.h>

#include <algorithm>
#include <cstring>
#include <set>

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

std::string EncodeHeader(const std::string& type_name, const std::vector<std::string>& fields) {
  capnp::MallocMessageBuilder message;
  auto header = message.initRoot<schema::RecordHeader>();
  header.setTypeName(type_name);
  auto names = header.initFields(static_cast<unsigned>(fields.size()));
  for (unsigned i = 0; i < fields.size(); ++i) names.set(i, fields[i]);
  return CanonicalBytes(header.asReader());
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

std::string EncodeScalar(const Value& v) {
  capnp::MallocMessageBuilder message;
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
    case ValueKind::kFloat: scalar.setFloat(v.real); break;
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
    header.type_name = h.getTypeName().cStr();
    for (capnp::Text::Reader name : h.getFields()) header.fields.emplace_back(name.cStr(), name.size());
    return header;
  });
  if (header.ok() && EncodeHeader(header->type_name, header->fields) != bytes) {
    return Status::Corruption("not the canonical encoding of a record header");
  }
  return header;
}

namespace {

std::vector<std::string> FieldNames(const Value& record) {
  std::vector<std::string> names;
  for (const auto& field : record.fields) names.push_back(field.first);
  return names;
}

}  // namespace

namespace {

bool IsTree(const Value& v) { return v.kind == ValueKind::kRecord || v.kind == ValueKind::kList; }

// Objects encoded in memory, with their ids, to be written in one
// WriteObjects transaction: a run with thousands of cells then costs one
// durable commit for its objects instead of one per object.
class ObjectBatch {
 public:
  Expected<store::ObjectId> Add(store::ObjectType type, std::string bytes) {
    auto id = store::HashObject(type, bytes);
    if (!id.ok()) return id.status();
    if (seen_.insert(*id).second) objects_.emplace_back(type, std::move(bytes));
    return *id;
  }

  // Records become trees (one entry per field or element, plus `.clive`),
  // everything else one blob.
  Expected<store::ObjectId> AddValue(const Value& value) {
    if (value.kind == ValueKind::kMap) return Status::InvalidArgument("maps cannot be stored yet");
    if (!IsTree(value)) return Add(store::ObjectType::kBlob, EncodeScalar(value));
    std::vector<store::TreeEntry> entries;
    auto header = Add(store::ObjectType::kBlob, EncodeHeader(value.text, FieldNames(value)));
    if (!header.ok()) return header.status();
    entries.push_back({kHeaderEntry, *header, store::TreeEntry::Mode::kBlob});
    for (const auto& [name, field] : value.fields) {
      auto id = AddValue(field);
      if (!id.ok()) return id.status();
      entries.push_back({name, *id, IsTree(field) ? store::TreeEntry::Mode::kTree : store::TreeEntry::Mode::kBlob});
    }
    auto tree = store::EncodeTree(std::move(entries));
    if (!tree.ok()) return tree.status();
    return Add(store::ObjectType::kTree, std::move(*tree));
  }

  Status WriteTo(store::Store& store) {
    if (objects_.empty()) return Status::Ok();
    std::vector<std::pair<store::ObjectType, std::string_view>> views;
    for (const auto& [type, bytes] : objects_) views.emplace_back(type, bytes);
    auto written = store.WriteObjects(views);
    return written.ok() ? Status::Ok() : written.status();
  }

 private:
  std::vector<std::pair<store::ObjectType, std::string>> objects_;
  std::set<store::ObjectId> seen_;
};

}  // namespace

Expected<store::ObjectId> WriteValue(store::Store& store, const Value& value) {
  ObjectBatch batch;
  auto id = batch.AddValue(value);
  if (!id.ok()) return id.status();
  CLIVE_RETURN_IF_ERROR(batch.WriteTo(store));
  return id;
}

Expected<Value> ReadValue(store::Store& store, const store::ObjectId& id) {
  auto object = store.ReadObject(id);
  if (!object.ok()) return object.status();
  if (object->type == store::ObjectType::kBlob) return InObject(DecodeScalar(object->data), id);
  if (object->type != store::ObjectType::kTree) {
    return Status::Corruption("object " + id.Hex() + " is not a clive value");
  }
  auto entries = store.ReadTree(id);
  if (!entries.ok()) return entries.status();
  auto find = [&](std::string_view name) {
    return std::find_if(entries->begin(), entries->end(),
                        [&](const store::TreeEntry& e) { return e.name == name; });
  };
  auto header_entry = find(kHeaderEntry);
  if (header_entry == entries->end()) {
    return Status::Corruption("tree " + id.Hex() + " is not a clive record (no .clive entry)");
  }
  auto header_object = store.ReadObject(header_entry->id);
  if (!header_object.ok()) return header_object.status();
  auto header = InObject(DecodeRecordHeader(header_object->data), header_entry->id);
  if (!header.ok()) return header.status();
  Value record = Value::Record(header->type_name);
  if (header->type_name == "List") record.kind = ValueKind::kList;  // no record type may be named List
  for (std::string& field : header->fields) {
    auto entry = find(field);
    if (entry == entries->end()) {
      return Status::Corruption("record " + id.Hex() + " lacks its field " + field);
    }
    auto value = ReadValue(store, entry->id);
    if (!value.ok()) return value.status();
    record.fields.emplace_back(std::move(field), std::move(*value));
  }
  return record;
}

Expected<std::string> CellRef(std::string_view address) {
  if (address.empty()) return Status::InvalidArgument("empty cell name");
  std::string ref = kCellRefPrefix;
  size_t start = 0;
  while (true) {
    size_t dot = address.find('.', start);
    std::string_view part = address.substr(start, dot == std::string_view::npos ? dot : dot - start);
    bool valid = !part.empty() && !std::isdigit(static_cast<unsigned char>(part[0]));
    for (char c : part) valid = valid && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
    if (!valid) {
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

std::string OneLine(const Value& v) {
  std::string text = Format(v);
  if (text.find('\n') != std::string::npos) return TypeName(v) + " { ... }";
  return text.size() > 60 ? text.substr(0, 57) + "..." : text;
}

}  // namespace

Expected<std::vector<CommittedCell>> CommitCells(store::Store& store,
                                                 const std::vector<CellUpdate>& cells) {
  std::vector<CommittedCell> result;
  ObjectBatch batch;
  std::vector<store::RefUpdate> updates;
  for (const CellUpdate& cell : cells) {
    CommittedCell out;
    out.address = cell.address;
    auto ref = CellRef(cell.address);
    if (!ref.ok()) return ref.status();
    out.ref = *ref;
    auto value_id = batch.AddValue(cell.value);
    if (!value_id.ok()) return value_id.status();
    out.value_id = *value_id;

    store::RefUpdate update;
    update.name = out.ref;
    update.expect = store::RefUpdate::Expect::kAbsent;
    std::vector<store::ObjectId> parents;
    auto previous = store.ReadRef(out.ref);
    if (previous.ok()) {
      auto previous_value = CommittedValueId(store, *previous);
      if (!cell.commit_unchanged && previous_value.ok() && *previous_value == out.value_id) {
        out.commit_id = *previous;  // unchanged: write nothing
        result.push_back(std::move(out));
        continue;
      }
      parents.push_back(*previous);
      update.expect = store::RefUpdate::Expect::kValue;
      update.old_id = *previous;
    } else if (!previous.status().IsNotFound()) {
      return previous.status();
    }

    store::TreeEntry::Mode mode = cell.value.kind == ValueKind::kRecord || cell.value.kind == ValueKind::kList
                                      ? store::TreeEntry::Mode::kTree
                                      : store::TreeEntry::Mode::kBlob;
    auto tree_bytes = store::EncodeTree({{kValueEntry, out.value_id, mode}});
    if (!tree_bytes.ok()) return tree_bytes.status();
    auto tree = batch.Add(store::ObjectType::kTree, std::move(*tree_bytes));
    if (!tree.ok()) return tree.status();
    store::Commit commit;
    commit.tree = *tree;
    commit.parents = parents;
    commit.message = cell.address + " = " + OneLine(cell.value) + "\n\n" +
                     "Clive-Cell: " + cell.address + "\n" +
                     "Clive-Source: " + cell.source_blob.Hex() + "\n" + cell.trailers;
    auto commit_id = batch.Add(store::ObjectType::kCommit, store::EncodeCommit(commit));
    if (!commit_id.ok()) return commit_id.status();
    out.commit_id = *commit_id;
    out.changed = true;
    update.new_id = *commit_id;
    updates.push_back(std::move(update));
    result.push_back(std::move(out));
  }
  // Objects first (one transaction), then every ref (one more): a crash in
  // between leaves unreferenced objects, never a ref to a missing one.
  CLIVE_RETURN_IF_ERROR(batch.WriteTo(store));
  if (!updates.empty()) CLIVE_RETURN_IF_ERROR(store.UpdateRefs(updates));
  return result;
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
