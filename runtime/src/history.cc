// Cells through their history: versions and their provenance trailers,
// revisions relative to a cell's ref, and diffs that skip equal subtrees.
#include "clive/runtime/history.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>

#include "clive/runtime/persist.h"

namespace clive::runtime {
namespace {

constexpr const char* kValueEntry = "value";

bool IsHex(std::string_view s) {
  return !s.empty() && s.find_first_not_of("0123456789abcdefABCDEF") == std::string_view::npos;
}

// The value of trailer `key` on one line of a commit message, if it is one.
std::optional<std::string_view> Trailer(std::string_view line, std::string_view key) {
  if (line.size() <= key.size() + 2 || line.substr(0, key.size()) != key || line.substr(key.size(), 2) != ": ") {
    return std::nullopt;
  }
  return line.substr(key.size() + 2);
}

Expected<store::ObjectId> HeadOf(store::Store& store, std::string_view address) {
  auto ref = CellRef(address);
  if (!ref.ok()) return ref.status();
  auto head = store.ReadRef(*ref);
  if (!head.ok() && head.status().IsNotFound()) {
    return Status::NotFound("no cell named '" + std::string(address) + "' in the store (" + *ref + ")");
  }
  return head;
}

}  // namespace

Expected<CellPath> ResolveCellPath(store::Store& store, std::string_view text) {
  // The leading identifiers (up to a quote or bracket) may name the cell.
  std::vector<size_t> ends;  // end offset of each leading identifier
  size_t start = 0;
  while (true) {
    size_t end = text.find_first_of(".[\"", start);
    std::string_view part = text.substr(start, end == std::string_view::npos ? end : end - start);
    if (!IsFieldName(part)) break;
    ends.push_back(end == std::string_view::npos ? text.size() : end);
    if (end == std::string_view::npos || text[end] != '.') break;
    start = end + 1;
  }
  if (ends.empty()) {
    return Status::InvalidArgument("invalid cell name '" + std::string(text) +
                                   "' (expected a dotted name such as a.b.name, then a field path)");
  }
  for (size_t n = ends.size(); n > 0; --n) {
    std::string address(text.substr(0, ends[n - 1]));
    auto head = HeadOf(store, address);
    if (head.status().IsNotFound()) continue;
    if (!head.ok()) return head.status();
    auto path = ParseFieldPath(text.substr(ends[n - 1]));
    if (!path.ok()) return path.status();
    return CellPath{std::move(address), std::move(*path)};
  }
  return HeadOf(store, text.substr(0, ends.back())).status();
}

Expected<CellVersion> ReadCellVersion(store::Store& store, const store::ObjectId& commit_id) {
  auto commit = store.ReadCommit(commit_id);
  if (!commit.ok()) return commit.status();
  auto entries = store.ReadTree(commit->tree);
  if (!entries.ok()) return entries.status();
  CellVersion version;
  version.commit = commit_id;
  auto value = std::find_if(entries->begin(), entries->end(),
                            [](const store::TreeEntry& e) { return e.name == kValueEntry; });
  if (entries->size() != 1 || value == entries->end() ||
      (value->mode != store::TreeEntry::Mode::kBlob && value->mode != store::TreeEntry::Mode::kTree)) {
    return Status::Corruption("commit " + commit_id.Hex() + " is not a clive cell version");
  }
  version.value = {value->id, value->mode == store::TreeEntry::Mode::kTree};
  version.time = commit->author.time;
  if (!commit->parents.empty()) version.parent = commit->parents.front();
  std::string_view message = commit->message;
  version.summary = std::string(message.substr(0, message.find('\n')));
  while (!message.empty()) {
    size_t eol = message.find('\n');
    std::string_view line = message.substr(0, eol);
    message.remove_prefix(eol == std::string_view::npos ? message.size() : eol + 1);
    if (auto source = Trailer(line, "Clive-Source")) {
      auto id = store::ObjectId::FromHex(*source);
      if (id.ok()) version.source = *id;
    } else if (auto input = Trailer(line, "Clive-Input")) {
      size_t space = input->rfind(' ');
      if (space == std::string_view::npos) continue;
      auto id = store::ObjectId::FromHex(input->substr(space + 1));
      if (id.ok()) version.inputs.push_back({std::string(input->substr(0, space)), *id});
    } else if (size_t colon = line.find(": "); line.starts_with("Clive-") && colon != std::string_view::npos &&
                                                 !Trailer(line, "Clive-Cell")) {
      version.trailers.emplace_back(line.substr(0, colon), line.substr(colon + 2));
    }
  }
  return version;
}

Expected<std::vector<CellVersion>> CellLog(store::Store& store, std::string_view address) {
  auto head = HeadOf(store, address);
  if (!head.ok()) return head.status();
  std::vector<CellVersion> versions;
  std::optional<store::ObjectId> next = *head;
  while (next) {
    auto version = ReadCellVersion(store, *next);
    if (!version.ok()) return version.status();
    next = version->parent;
    versions.push_back(std::move(*version));
  }
  return versions;
}

Expected<store::ObjectId> ResolveCellRevision(store::Store& store, std::string_view address, std::string_view rev) {
  auto head = HeadOf(store, address);
  if (!head.ok()) return head.status();
  const std::string cell = "cell " + std::string(address);
  auto bad = [&] {
    return Status::InvalidArgument("bad revision '" + std::string(rev) +
                                   "' (expected HEAD, HEAD~N, HEAD^, HEAD@{N} or a commit id of " + cell + ")");
  };
  // The base: HEAD, @, HEAD@{N}, or a commit id (prefix) in the history.
  size_t base_end = std::min(rev.find_first_of("~^"), rev.size());
  std::string_view base = rev.substr(0, base_end);
  store::ObjectId id = *head;
  if (base.starts_with("HEAD@{") || base.starts_with("@{")) {
    size_t open = base.find('{');
    std::string_view digits = base.substr(open + 1, base.size() - open - 2);
    size_t n = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    if (base.back() != '}' || digits.empty() || ec != std::errc() || end != digits.data() + digits.size()) return bad();
    auto log = store.ReadReflog(*CellRef(address));
    if (!log.ok()) return log.status();
    if (n >= log->size() || (*log)[log->size() - 1 - n].new_id.IsZero()) {
      return Status::NotFound("the ref of " + cell + " has only " + std::to_string(log->size()) + " log entries");
    }
    id = (*log)[log->size() - 1 - n].new_id;
  } else if (base != "HEAD" && base != "@") {
    if (base.size() < 4 || base.size() > 40 || !IsHex(base)) return bad();
    std::string prefix(base);
    std::transform(prefix.begin(), prefix.end(), prefix.begin(), [](unsigned char c) { return std::tolower(c); });
    auto log = CellLog(store, address);
    if (!log.ok()) return log.status();
    std::vector<store::ObjectId> matches;
    for (const CellVersion& v : *log) {
      if (v.commit.Hex().starts_with(prefix)) matches.push_back(v.commit);
    }
    if (matches.empty()) return Status::NotFound("no version " + prefix + " in the history of " + cell);
    if (matches.size() > 1) {
      return Status::InvalidArgument("revision " + prefix + " is ambiguous in the history of " + cell);
    }
    id = matches.front();
  }
  // Suffixes: ~N (N first parents back), ^ or ^1 (the parent), ^0 (itself).
  for (size_t i = base_end; i < rev.size();) {
    char op = rev[i++];
    if (op != '~' && op != '^') return bad();
    size_t digits_end = i;
    while (digits_end < rev.size() && std::isdigit(static_cast<unsigned char>(rev[digits_end]))) ++digits_end;
    size_t n = 1;
    if (digits_end > i) {
      auto [end, ec] = std::from_chars(rev.data() + i, rev.data() + digits_end, n);
      if (ec != std::errc() || end != rev.data() + digits_end) return bad();
    }
    i = digits_end;
    if (op == '^' && n > 1) {
      return Status::NotFound("versions of " + cell + " have one parent; '" + std::string(rev) +
                              "' asks for parent " + std::to_string(n));
    }
    for (size_t step = 0; step < n; ++step) {
      auto commit = store.ReadCommit(id);
      if (!commit.ok()) return commit.status();
      if (commit->parents.empty()) {
        return Status::NotFound("'" + std::string(rev) + "' is older than the first version of " + cell);
      }
      id = commit->parents.front();
    }
  }
  return id;
}

namespace {

class Differ {
 public:
  explicit Differ(store::Store& store) : reader_(store) {}

  Status Walk(const std::string& path, const StoredNode& before, const StoredNode& after) {
    if (before == after) return Status::Ok();  // equal ids: equal values, nothing below to read
    if (before.tree && after.tree) {
      auto a = reader_.Open(before.id);
      if (!a.ok()) return a.status();
      auto b = reader_.Open(after.id);
      if (!b.ok()) return b.status();
      if (a->kind == b->kind && a->type_name == b->type_name) return WalkChildren(path, *a, *b);
    }
    return Change(ValueChange::Kind::kChanged, path, &before, &after);
  }

  std::vector<ValueChange> changes;

 private:
  Status WalkChildren(const std::string& path, const OpenedTree& before, const OpenedTree& after) {
    std::map<std::string, const OpenedTree::Child*> old_children;
    for (const auto& child : before.children) old_children.emplace(child.name, &child);
    for (const auto& child : after.children) {
      auto old = old_children.find(child.name);
      if (old == old_children.end()) {
        CLIVE_RETURN_IF_ERROR(Change(ValueChange::Kind::kAdded, path + child.step, nullptr, &child.node));
        continue;
      }
      CLIVE_RETURN_IF_ERROR(Walk(path + child.step, old->second->node, child.node));
      old_children.erase(old);
    }
    for (const auto& child : before.children) {
      if (old_children.count(child.name) == 0) continue;
      CLIVE_RETURN_IF_ERROR(Change(ValueChange::Kind::kRemoved, path + child.step, &child.node, nullptr));
    }
    return Status::Ok();
  }

  Status Change(ValueChange::Kind kind, const std::string& path, const StoredNode* before, const StoredNode* after) {
    ValueChange change{kind, path, std::nullopt, std::nullopt};
    if (before != nullptr) {
      auto value = reader_.Load(*before);
      if (!value.ok()) return value.status();
      change.before = std::move(*value);
    }
    if (after != nullptr) {
      auto value = reader_.Load(*after);
      if (!value.ok()) return value.status();
      change.after = std::move(*value);
    }
    changes.push_back(std::move(change));
    return Status::Ok();
  }

  ValueReader reader_;
};

}  // namespace

Expected<std::vector<ValueChange>> DiffValues(store::Store& store, const StoredNode& before, const StoredNode& after) {
  Differ differ(store);
  CLIVE_RETURN_IF_ERROR(differ.Walk("", before, after));
  return std::move(differ.changes);
}

}  // namespace clive::runtime
