// Reading cells lazily and through their history: field paths that decode
// only the trees along the path, a cell's versions (newest first) with what
// produced them, revisions relative to a cell's ref, and field-level diffs
// that skip every subtree whose id is equal on both sides.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "clive/runtime/value.h"
#include "clive/store/store.h"

namespace clive::runtime {

// Where a value is stored: a tree (record, list, map) or a blob (scalar).
struct StoredNode {
  store::ObjectId id;
  bool tree = false;
  bool operator==(const StoredNode&) const = default;
};

// One step of a field path: a record field, a list index or a map key.
// `text` is the step as written, without brackets or quotes; a quoted step
// (`."a.b"`, `["x"]`) matches a map key's text only.
struct PathStep {
  std::string text;
  bool quoted = false;
};

// Parses `.a.b[0]["key"]` (the leading dot optional): names and indices
// separated by dots, bracketed steps (`[0]`, `[Region.EU]`, `[16.GiB]`),
// and quoted steps with \" and \\ escapes. A map key matches its text
// (`["key"]`, `[42]`, `[EU]`) or, unquoted, the way clive prints it.
// `diff` prints paths in this syntax, so they can be passed to `get`.
Expected<std::vector<PathStep>> ParseFieldPath(std::string_view path);

// A record, list or map tree, opened without reading any child.
struct OpenedTree {
  ValueKind kind = ValueKind::kRecord;  // kRecord, kList or kMap
  std::string type_name;                // the record's type; "List", "Map"
  struct Child {
    std::string name;  // field name; list index; map key as clive prints it
    // The step that reaches it, as `get` and `diff` print it: `.field`,
    // `[3]`, `["key"]`.
    std::string step;
    std::optional<Value> key;  // maps: the key
    StoredNode node;
  };
  std::vector<Child> children;  // declaration, index or key order
};

// Decodes values from a store, object by object, on demand. Every accepted
// object is the canonical encoding of its value; anything else (a foreign
// git tree or blob, a damaged object) is Corruption naming the object.
class ValueReader {
 public:
  explicit ValueReader(store::Store& store) : store_(store) {}

  // Reads `tree` and its `.clive` header: two object reads.
  Expected<OpenedTree> Open(const store::ObjectId& tree);
  // The whole value at `node`.
  Expected<Value> Load(const StoredNode& node);
  // The node at `path` below `root`, reading only the trees on the way.
  // NotFound names the first step that does not exist.
  Expected<StoredNode> Find(const StoredNode& root, const std::vector<PathStep>& path);

 private:
  Expected<Value> Load(const StoredNode& node, int depth);
  store::Store& store_;
};

// --- Cells and their history ---

// A cell named by a user: `a.b.name.field[0]` is the cell `a.b.name` (the
// longest dotted prefix that is a stored cell) and the path `.field[0]`.
struct CellPath {
  std::string address;
  std::vector<PathStep> path;
};
Expected<CellPath> ResolveCellPath(store::Store& store, std::string_view text);

struct CellInput {
  std::string address;
  store::ObjectId commit;
};

// One version of a cell: a commit on its ref.
struct CellVersion {
  store::ObjectId commit;
  StoredNode value;
  int64_t time = 0;      // seconds since the epoch (the commit's author time)
  std::string summary;   // the message's first line
  std::optional<store::ObjectId> source;  // Clive-Source trailer
  std::vector<CellInput> inputs;          // Clive-Input trailers
  // Any other Clive-* trailer (`Clive-Set: cli` on a set input cell), as
  // (key, value) in message order.
  std::vector<std::pair<std::string, std::string>> trailers;
  std::optional<store::ObjectId> parent;
};
Expected<CellVersion> ReadCellVersion(store::Store& store, const store::ObjectId& commit);

// The versions of the cell at `address`, newest first (first parents).
Expected<std::vector<CellVersion>> CellLog(store::Store& store, std::string_view address);

// The commit that `rev` names in the history of the cell at `address`:
// `HEAD` (or `@`), a commit id or a prefix of at least 4 hex digits of one
// of its versions, each followed by any of `~N`, `~`, `^`, `^0`, `^1`, and
// `HEAD@{N}` (the Nth previous position of the cell's ref, from its log).
// InvalidArgument for a malformed rev, NotFound for one the history lacks.
Expected<store::ObjectId> ResolveCellRevision(store::Store& store, std::string_view address,
                                              std::string_view rev);

// One field-level difference between two values.
struct ValueChange {
  enum class Kind { kAdded, kRemoved, kChanged };
  Kind kind;
  std::string path;            // `.a[0]["k"]` (see ParseFieldPath); "" for the whole value
  std::optional<Value> before;  // absent for kAdded
  std::optional<Value> after;   // absent for kRemoved
};
// Walks both values together, skipping every pair of subtrees with equal
// ids: the cost follows the size of the change, not of the values. Records
// of one type, lists and maps are compared entry by entry; anything else
// that differs is one change of the whole value at that path.
Expected<std::vector<ValueChange>> DiffValues(store::Store& store, const StoredNode& before,
                                              const StoredNode& after);

}  // namespace clive::runtime
