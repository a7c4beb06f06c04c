// Fuzz target: decoding stored values, scalars and trees alike.
//
// The input's bytes are first decoded as a Scalar blob and as a record
// header. Then they are read as a little script of objects, separated by
// lines `--`, written into a real store and decoded with ReadValue, the lazy
// ValueReader and DiffValues:
//   blob\n<raw bytes>                 a blob
//   scalar\n<kind> <text>             a canonical Scalar (int 5, string x, ...)
//   header\n<type>\n<key kind>\n<key type>\n<field>...   a RecordHeader blob
//   tree\n<mode> <index> <name>...    a git tree; <index> picks an earlier object
//   anything else                     a blob of those bytes
// Corrupt input must give a Corruption status, never a crash, and whatever
// decodes must be the canonical encoding of its value: re-encoding gives
// back the same bytes, or the same object id.
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "clive/runtime/history.h"
#include "clive/runtime/persist.h"

namespace {

using namespace clive;
using runtime::Value;
using runtime::ValueKind;

// One store for the whole run, removed at exit.
class FuzzStore {
 public:
  FuzzStore() {
    std::string pattern = (std::filesystem::temp_directory_path() / "clive-fuzz-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) std::abort();
    dir_ = pattern;
    store::StoreOptions options;
    options.durable = false;
    auto opened = store::Store::Open(dir_, options);
    if (!opened.ok()) std::abort();
    store_ = std::move(*opened);
  }
  ~FuzzStore() {
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  store::Store& get() { return *store_; }

 private:
  std::filesystem::path dir_;
  std::unique_ptr<store::Store> store_;
};

const std::map<std::string_view, ValueKind>& Kinds() {
  static const std::map<std::string_view, ValueKind> kinds = {
      {"int", ValueKind::kInt},     {"bool", ValueKind::kBool},   {"string", ValueKind::kString},
      {"size", ValueKind::kSize},   {"duration", ValueKind::kDuration}, {"enum", ValueKind::kEnum},
      {"float", ValueKind::kFloat}, {"path", ValueKind::kPath},   {"ref", ValueKind::kRef},
      {"none", ValueKind::kNull},   {"null", ValueKind::kNull}};
  return kinds;
}

std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    size_t eol = text.find('\n');
    lines.push_back(text.substr(0, eol));
    if (eol == std::string_view::npos) break;
    text.remove_prefix(eol + 1);
  }
  return lines;
}

ValueKind KindNamed(std::string_view name) {
  auto it = Kinds().find(name);
  return it == Kinds().end() ? ValueKind::kNull : it->second;
}

// The object a chunk of the script describes: its type and bytes.
std::optional<std::pair<store::ObjectType, std::string>> Build(std::string_view chunk,
                                                               const std::vector<store::ObjectId>& earlier) {
  auto starts = [&](std::string_view word) {
    if (!chunk.starts_with(word)) return false;
    chunk.remove_prefix(word.size());
    return true;
  };
  if (starts("blob\n")) return std::pair{store::ObjectType::kBlob, std::string(chunk)};
  if (starts("scalar\n")) {
    size_t space = chunk.find(' ');
    std::string_view kind = chunk.substr(0, space), text = space == std::string_view::npos ? "" : chunk.substr(space + 1);
    auto key = runtime::MapKeyFromText(KindNamed(kind), "Region", text);
    Value v = key.ok() ? *key : Value::Null();
    return std::pair{store::ObjectType::kBlob, runtime::EncodeScalar(v)};
  }
  if (starts("header\n")) {
    std::vector<std::string_view> lines = Lines(chunk);
    runtime::RecordHeader header;
    if (lines.size() > 0) header.type_name = lines[0];
    if (lines.size() > 1) header.key_kind = KindNamed(lines[1]);
    if (lines.size() > 2) header.key_type = lines[2];
    for (size_t i = 3; i < lines.size(); ++i) header.fields.emplace_back(lines[i]);
    return std::pair{store::ObjectType::kBlob, runtime::EncodeRecordHeader(header)};
  }
  if (starts("tree\n")) {
    std::vector<store::TreeEntry> entries;
    for (std::string_view line : Lines(chunk)) {
      size_t a = line.find(' '), b = a == std::string_view::npos ? a : line.find(' ', a + 1);
      if (b == std::string_view::npos || earlier.empty()) continue;
      store::TreeEntry entry;
      entry.mode = line.substr(0, a) == "40000" ? store::TreeEntry::Mode::kTree
                   : line.substr(0, a) == "100755" ? store::TreeEntry::Mode::kExecutable
                                                   : store::TreeEntry::Mode::kBlob;
      entry.id = earlier[std::strtoul(std::string(line.substr(a + 1, b - a - 1)).c_str(), nullptr, 10) % earlier.size()];
      entry.name = std::string(line.substr(b + 1));
      entries.push_back(std::move(entry));
    }
    auto bytes = store::EncodeTree(std::move(entries));
    if (!bytes.ok()) return std::nullopt;
    return std::pair{store::ObjectType::kTree, std::move(*bytes)};
  }
  return std::pair{store::ObjectType::kBlob, std::string(chunk)};
}

// Decodes the value at `id` every way there is; aborts on a decoded value
// that is not canonical.
void DecodeEveryWay(store::Store& store, const store::ObjectId& id) {
  auto value = runtime::ReadValue(store, id);
  if (value.ok()) {
    auto again = runtime::WriteValue(store, *value);
    if (!again.ok() || *again != id) std::abort();
  } else if (value.status().code() != Status::Code::kCorruption) {
    std::abort();  // every failure here is the object's, so Corruption
  }
  runtime::ValueReader reader(store);
  auto tree = reader.Open(id);
  if (!tree.ok()) return;
  for (const auto& child : tree->children) {
    auto path = runtime::ParseFieldPath(child.step);
    if (!path.ok()) std::abort();  // every step the reader prints parses back
    auto node = reader.Find({id, true}, *path);
    if (!node.ok() || !(*node == child.node)) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string bytes(reinterpret_cast<const char*>(data), size);
  auto scalar = runtime::DecodeScalar(bytes);
  // Canonical means one encoding per value: decoding accepted these bytes,
  // so encoding the value must give them back.
  if (scalar.ok() && runtime::EncodeScalar(*scalar) != bytes) std::abort();
  auto header = runtime::DecodeRecordHeader(bytes);
  if (header.ok() && runtime::EncodeRecordHeader(*header) != bytes) std::abort();

  static FuzzStore fuzz_store;
  store::Store& store = fuzz_store.get();
  std::vector<store::ObjectId> objects;
  std::string_view script = bytes;
  while (true) {
    size_t end = script.find("\n--\n");
    auto object = Build(script.substr(0, end), objects);
    if (object) {
      auto id = store.WriteObject(object->first, object->second);
      if (id.ok()) objects.push_back(*id);
    }
    if (end == std::string_view::npos) break;
    script.remove_prefix(end + 4);
  }
  for (const store::ObjectId& id : objects) DecodeEveryWay(store, id);
  if (objects.size() >= 2) {
    for (bool tree : {false, true}) {
      auto diff = runtime::DiffValues(store, {objects[objects.size() - 2], tree}, {objects.back(), tree});
      (void)diff;
    }
  }
  return 0;
}
