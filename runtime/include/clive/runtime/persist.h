// Persistence of values as Git objects, and of cells as entities (refs).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "clive/runtime/value.h"
#include "clive/store/store.h"

namespace clive::runtime {

// Writes `value` (records as trees, everything else as blobs holding a
// canonical Cap'n Proto Scalar; see runtime/schema/value.capnp). Equal values
// get equal ids, and objects that already exist are not written again.
Expected<store::ObjectId> WriteValue(store::Store& store, const Value& value);
Expected<Value> ReadValue(store::Store& store, const store::ObjectId& id);

// The blob encoding of a non-record value: one canonical Cap'n Proto Scalar.
std::string EncodeScalar(const Value& value);
// Decodes bytes written by EncodeScalar. Anything else, including a
// non-canonical encoding of a valid value, is Corruption.
Expected<Value> DecodeScalar(std::string_view bytes);

struct RecordHeader {
  std::string type_name;
  std::vector<std::string> fields;  // declaration order
};
Expected<RecordHeader> DecodeRecordHeader(std::string_view bytes);

// The ref of the cell at `address` ("a.b.name" -> "refs/clive/cells/a/b/name").
Expected<std::string> CellRef(std::string_view address);

struct CellUpdate {
  std::string address;          // "a.b.name", or "name" for the root module
  Value value;
  store::ObjectId source_blob;  // the module source that produced it
  std::string trailers = {};    // more trailer lines ("Key: value\n") for the commit
  bool commit_unchanged = false;  // commit even if the stored value is this one
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
// transaction. Unchanged cells write nothing. If another writer moved one of
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
