// Persistence of values as Git objects, and of cells as entities (refs).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "clive/runtime/value.h"
#include "clive/store/store.h"

namespace clive::runtime {

// Writes `value` (records, lists and maps as trees, everything else as blobs
// holding a canonical Cap'n Proto Scalar; see runtime/schema/value.capnp and
// docs/cells.md). Equal values get equal ids, and objects that already exist
// are not written again. InvalidArgument for a map whose keys are not
// scalars of one kind.
Expected<store::ObjectId> WriteValue(store::Store& store, const Value& value);
// Decodes the whole value stored at `id` (history.h reads lazily). Any
// object that is not the canonical encoding of a value is Corruption.
Expected<Value> ReadValue(store::Store& store, const store::ObjectId& id);

// The blob encoding of a non-record value: one canonical Cap'n Proto Scalar.
std::string EncodeScalar(const Value& value);
// Decodes bytes written by EncodeScalar. Anything else, including a
// non-canonical encoding of a valid value, is Corruption.
Expected<Value> DecodeScalar(std::string_view bytes);

// The `.clive` entry of a record, list or map tree.
struct RecordHeader {
  std::string type_name;            // "List" and "Map" for lists and maps
  std::vector<std::string> fields;  // declaration order; empty for maps
  // Maps: the kind of their keys (kNull for an empty map, whose keys have
  // no kind), and for enum keys the enum's type name.
  ValueKind key_kind = ValueKind::kNull;
  std::string key_type;
};
std::string EncodeRecordHeader(const RecordHeader& header);
// Record fields are identifiers (letters, digits, '_', not starting with a
// digit); a record with any other field name is neither written nor read.
bool IsFieldName(std::string_view name);
Expected<RecordHeader> DecodeRecordHeader(std::string_view bytes);

// Map keys as tree entry names. A key's text is what a person would type
// for it (a string or path as it is, a number in decimal, an enum's case
// label, a float as clive prints it); EscapeEntryName makes any text a valid,
// unambiguous git tree entry name (docs/cells.md has the scheme).
Expected<std::string> MapKeyText(const Value& key);
// The key of kind `kind` (enum keys: of type `key_type`) whose text is `text`;
// Corruption unless MapKeyText gives `text` back.
Expected<Value> MapKeyFromText(ValueKind kind, std::string_view key_type, std::string_view text);
std::string EscapeEntryName(std::string_view text);
// Corruption for any name EscapeEntryName does not produce.
Expected<std::string> UnescapeEntryName(std::string_view name);

// The address of cell `cell` of module `module_path`: "a.b.name", or "name"
// for the root module.
std::string CellAddress(std::string_view module_path, std::string_view cell);
// How reports name a module: its path, or "(root)".
std::string ModuleDisplayName(std::string_view module_path);

// The ref of the cell at `address` ("a.b.name" -> "refs/clive/cells/a/b/name").
Expected<std::string> CellRef(std::string_view address);

struct CellUpdate {
  std::string address;          // "a.b.name", or "name" for the root module
  Value value;
  store::ObjectId source_blob;  // the module source that produced it
  std::string trailers = {};    // more trailer lines ("Key: value\n") for the commit
  bool commit_unchanged = false;  // commit even if the stored value is this one
  // The addresses of the cells it read, in any order. CommitCells records
  // each one's version (its commit in this batch, else its stored head) in a
  // `Clive-Input: <address> <commit>` trailer.
  std::vector<std::string> inputs = {};
};

struct CommittedCell {
  std::string address;
  std::string ref;
  store::ObjectId value_id;
  store::ObjectId commit_id;
  bool changed = false;  // false: the stored value was already this one
};

// Commits every cell whose value changed, as one new commit per cell on top
// of its previous version, and moves all their refs in one atomic
// transaction. The message is `<address> = <value, shortened>`, then the
// trailers Clive-Cell, Clive-Source and one Clive-Input per input. Unchanged cells write nothing. If another writer moved one of
// the refs meanwhile, nothing is applied and Status::RefChanged is returned.
Expected<std::vector<CommittedCell>> CommitCells(store::Store& store,
                                                 const std::vector<CellUpdate>& cells);

struct StoredCell {
  Value value;
  store::ObjectId value_id;
  store::ObjectId commit_id;
};
// The current committed version of the cell at `address`.
Expected<StoredCell> ReadCell(store::Store& store, std::string_view address);

}  // namespace clive::runtime
