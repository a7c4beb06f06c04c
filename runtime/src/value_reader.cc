// Lazy, strict decoding of stored values: git trees parsed from their raw
// bytes (one object read each), headers and scalars checked to be canonical,
// and field paths that open only the trees they pass through.
#include <algorithm>
#include <cctype>
#include <string_view>

#include "clive/runtime/history.h"
#include "clive/runtime/persist.h"

namespace clive::runtime {
namespace {

constexpr const char* kHeaderEntry = ".clive";
// Deeper values are refused rather than risking the stack on a crafted tree.
constexpr int kMaxDepth = 1000;

std::string Hex(const store::ObjectId& id) { return id.Hex(); }

struct RawEntry {
  std::string_view mode;
  std::string_view name;
  store::ObjectId id;
};

// Git's tree format: `<octal mode> <name>\0<20-byte id>`, repeated.
Expected<std::vector<RawEntry>> ParseTree(std::string_view data, const store::ObjectId& tree) {
  std::vector<RawEntry> entries;
  auto bad = [&] { return Status::Corruption("tree " + Hex(tree) + " is damaged"); };
  while (!data.empty()) {
    size_t space = data.find(' ');
    if (space == std::string_view::npos) return bad();
    size_t nul = data.find('\0', space);
    if (nul == std::string_view::npos || data.size() - nul - 1 < store::ObjectId::kSize) return bad();
    RawEntry entry{data.substr(0, space), data.substr(space + 1, nul - space - 1), {}};
    std::copy_n(reinterpret_cast<const uint8_t*>(data.data() + nul + 1), store::ObjectId::kSize,
                entry.id.bytes.begin());
    entries.push_back(entry);
    data.remove_prefix(nul + 1 + store::ObjectId::kSize);
  }
  return entries;
}

Expected<store::Object> ReadObjectOf(store::Store& store, const store::ObjectId& id, store::ObjectType type,
                                     const char* what) {
  auto object = store.ReadObject(id);
  if (!object.ok()) {
    if (object.status().IsNotFound()) return Status::Corruption("object " + Hex(id) + " is missing");
    return object.status();
  }
  if (object->type != type) return Status::Corruption("object " + Hex(id) + " is not " + what);
  return object;
}

bool IsIndex(std::string_view text) {
  return !text.empty() && text.size() < 19 && std::all_of(text.begin(), text.end(), ::isdigit) &&
         (text == "0" || text[0] != '0');
}

std::string Describe(const OpenedTree& tree) {
  return tree.kind == ValueKind::kRecord ? tree.type_name : tree.type_name + " (" +
                                                                std::to_string(tree.children.size()) + " entries)";
}

}  // namespace

Expected<OpenedTree> ValueReader::Open(const store::ObjectId& tree_id) {
  auto object = ReadObjectOf(store_, tree_id, store::ObjectType::kTree, "a clive record, list or map (not a tree)");
  if (!object.ok()) return object.status();
  auto entries = ParseTree(object->data, tree_id);
  if (!entries.ok()) return entries.status();
  const std::string where = "tree " + Hex(tree_id);
  auto header_entry = std::find_if(entries->begin(), entries->end(),
                                   [](const RawEntry& e) { return e.name == kHeaderEntry; });
  if (header_entry == entries->end() || header_entry->mode != "100644") {
    return Status::Corruption(where + " is not a clive value (no .clive entry)");
  }
  auto header_object = ReadObjectOf(store_, header_entry->id, store::ObjectType::kBlob, "a record header");
  if (!header_object.ok()) return header_object.status();
  auto header = DecodeRecordHeader(header_object->data);
  if (!header.ok()) {
    return Status::Corruption("object " + Hex(header_entry->id) + " is " + header.status().message());
  }

  OpenedTree opened;
  opened.type_name = header->type_name;
  opened.kind = header->type_name == "List"  ? ValueKind::kList
                : header->type_name == "Map" ? ValueKind::kMap
                                             : ValueKind::kRecord;
  bool is_map = opened.kind == ValueKind::kMap;
  if (!is_map && (header->key_kind != ValueKind::kNull || !header->key_type.empty())) {
    return Status::Corruption(where + " has a record header with map keys");
  }
  if (is_map && (!header->fields.empty() || header->key_type.empty() != (header->key_kind != ValueKind::kEnum))) {
    return Status::Corruption(where + " has a malformed map header");
  }
  auto child_of = [&](const RawEntry& e, std::string name) -> Expected<OpenedTree::Child> {
    if (e.mode != "100644" && e.mode != "40000") {
      return Status::Corruption(where + " has entry '" + std::string(e.name) + "' of mode " + std::string(e.mode) +
                                ", which no clive value has");
    }
    return OpenedTree::Child{std::move(name), "", std::nullopt, StoredNode{e.id, e.mode == "40000"}};
  };

  if (!is_map) {
    if (entries->size() != header->fields.size() + 1) {
      return Status::Corruption(where + " has " + std::to_string(entries->size() - 1) + " entries for " +
                                std::to_string(header->fields.size()) + " fields");
    }
    for (size_t i = 0; i < header->fields.size(); ++i) {
      std::string& field = header->fields[i];
      if (opened.kind == ValueKind::kRecord && !IsFieldName(field)) {
        return Status::Corruption(where + " has a field named '" + field + "', which is not a name");
      }
      if (opened.kind == ValueKind::kList && field != std::to_string(i)) {
        return Status::Corruption(where + " is a list whose entry " + std::to_string(i) + " is named '" + field + "'");
      }
      auto entry = std::find_if(entries->begin(), entries->end(), [&](const RawEntry& e) { return e.name == field; });
      if (entry == entries->end()) return Status::Corruption(where + " lacks its field " + field);
      auto child = child_of(*entry, field);
      if (!child.ok()) return child.status();
      child->step = opened.kind == ValueKind::kList ? "[" + field + "]" : "." + field;
      opened.children.push_back(std::move(*child));
    }
    return opened;
  }

  if ((header->key_kind == ValueKind::kNull) != (entries->size() == 1)) {
    return Status::Corruption(where + " is a map whose header does not match its entries");
  }
  for (const RawEntry& e : *entries) {
    if (e.name == kHeaderEntry) continue;
    auto text = UnescapeEntryName(e.name);
    if (!text.ok()) return Status::Corruption(where + ": " + text.status().message());
    auto key = MapKeyFromText(header->key_kind, header->key_type, *text);
    if (!key.ok()) return Status::Corruption(where + ": " + key.status().message());
    auto child = child_of(e, Format(*key));
    if (!child.ok()) return child.status();
    child->step = "[" + child->name + "]";
    child->key = std::move(*key);
    opened.children.push_back(std::move(*child));
  }
  std::sort(opened.children.begin(), opened.children.end(),
            [](const OpenedTree::Child& a, const OpenedTree::Child& b) { return Value::KeyLess(*a.key, *b.key); });
  return opened;
}

Expected<Value> ValueReader::Load(const StoredNode& node) { return Load(node, 0); }

Expected<Value> ValueReader::Load(const StoredNode& node, int depth) {
  if (depth > kMaxDepth) return Status::Corruption("tree " + Hex(node.id) + " is nested too deeply");
  if (!node.tree) {
    auto object = ReadObjectOf(store_, node.id, store::ObjectType::kBlob, "a clive scalar (not a blob)");
    if (!object.ok()) return object.status();
    auto value = DecodeScalar(object->data);
    if (!value.ok()) return Status::Corruption("object " + Hex(node.id) + " is " + value.status().message());
    return value;
  }
  auto tree = Open(node.id);
  if (!tree.ok()) return tree.status();
  if (tree->kind == ValueKind::kMap) {
    std::vector<std::pair<Value, Value>> entries;
    for (OpenedTree::Child& child : tree->children) {
      auto value = Load(child.node, depth + 1);
      if (!value.ok()) return value.status();
      entries.emplace_back(std::move(*child.key), std::move(*value));
    }
    return Value::Map(std::move(entries));
  }
  Value result = Value::Record(tree->type_name);
  if (tree->kind == ValueKind::kList) result = Value::List({});
  for (OpenedTree::Child& child : tree->children) {
    auto value = Load(child.node, depth + 1);
    if (!value.ok()) return value.status();
    result.fields.emplace_back(std::move(child.name), std::move(*value));
  }
  return result;
}

Expected<StoredNode> ValueReader::Find(const StoredNode& root, const std::vector<PathStep>& path) {
  StoredNode node = root;
  std::string walked;
  for (const PathStep& step : path) {
    const std::string at = walked.empty() ? "" : " at " + walked;
    if (!node.tree) {
      auto value = Load(node);
      if (!value.ok()) return value.status();
      return Status::NotFound("no field '" + step.text + "'" + at + ": the value there is a " + TypeName(*value) +
                              ", which has no fields");
    }
    auto tree = Open(node.id);
    if (!tree.ok()) return tree.status();
    const OpenedTree::Child* found = nullptr;
    for (const OpenedTree::Child& child : tree->children) {
      bool match = false;
      switch (tree->kind) {
        case ValueKind::kRecord: match = !step.quoted && child.name == step.text; break;
        case ValueKind::kList: match = !step.quoted && IsIndex(step.text) && child.name == step.text; break;
        default: {
          auto text = MapKeyText(*child.key);
          match = (text.ok() && *text == step.text) || (!step.quoted && child.name == step.text);
        }
      }
      if (match) {
        found = &child;
        break;
      }
    }
    if (found == nullptr) {
      const char* what = tree->kind == ValueKind::kRecord ? "field" : tree->kind == ValueKind::kList ? "index" : "key";
      return Status::NotFound("no " + std::string(what) + " '" + step.text + "'" + at + " (a " + Describe(*tree) + ")");
    }
    walked += found->step;
    node = found->node;
  }
  return node;
}

Expected<Value> ReadValue(store::Store& store, const store::ObjectId& id) {
  auto header = store.ReadHeader(id);
  if (!header.ok()) return header.status();
  if (header->type != store::ObjectType::kBlob && header->type != store::ObjectType::kTree) {
    return Status::Corruption("object " + Hex(id) + " is not a clive value");
  }
  return ValueReader(store).Load({id, header->type == store::ObjectType::kTree});
}

Expected<std::vector<PathStep>> ParseFieldPath(std::string_view path) {
  std::vector<PathStep> steps;
  auto bad = [&](const std::string& why) {
    return Status::InvalidArgument("bad field path '" + std::string(path) + "': " + why);
  };
  size_t i = 0;
  // A quoted step: "..." with clive's string escapes.
  auto quoted = [&](PathStep& step) -> Status {
    for (++i; i < path.size() && path[i] != '"'; ++i) {
      char c = path[i];
      if (c == '\\') {
        if (++i == path.size()) break;
        switch (path[i]) {
          case 'n': c = '\n'; break;
          case 't': c = '\t'; break;
          case 'r': c = '\r'; break;
          case '0': c = '\0'; break;
          default: c = path[i];
        }
      }
      step.text += c;
    }
    if (i == path.size()) return bad("unterminated quote");
    ++i;
    step.quoted = true;
    return Status::Ok();
  };
  while (i < path.size()) {
    PathStep step;
    if (path[i] == '[') {
      ++i;
      if (i < path.size() && path[i] == '"') {
        CLIVE_RETURN_IF_ERROR(quoted(step));
      } else {
        // Up to the `]` outside quotes: `[path("a]b")]` is one step.
        for (bool in_quotes = false; i < path.size() && (in_quotes || path[i] != ']'); ++i) {
          if (in_quotes && path[i] == '\\' && i + 1 < path.size()) step.text += path[i++];
          else if (path[i] == '"') in_quotes = !in_quotes;
          step.text += path[i];
        }
      }
      if (i == path.size() || path[i] != ']') return bad("missing ']'");
      ++i;
    } else {
      if (path[i] == '.') ++i;
      else if (!steps.empty()) return bad("expected '.' or '[' after '" + steps.back().text + "'");
      if (i < path.size() && path[i] == '"') {
        CLIVE_RETURN_IF_ERROR(quoted(step));
      } else {
        while (i < path.size() && path[i] != '.' && path[i] != '[') step.text += path[i++];
      }
    }
    if (step.text.empty() && !step.quoted) return bad("empty step");
    steps.push_back(std::move(step));
  }
  return steps;
}

}  // namespace clive::runtime
