// The concrete Store (store_impl.h): refs and reflogs, read and written
// directly in LMDB so that a batch of updates and their log entries are one
// write transaction.
#include <set>

#include "lmdb_env.h"
#include "store_impl.h"

namespace clive::store::internal {
namespace {

using lmdb::RefRecord;
using lmdb::Txn;

// The "found ..." half of a RefChanged message.
std::string DescribeRef(const std::optional<RefRecord>& record) {
  return record ? record->Describe() : "nothing";
}

}  // namespace

Expected<ObjectId> StoreImpl::ReadRef(std::string_view name) {
  CLIVE_RETURN_IF_ERROR(ValidateRefName(name));
  std::lock_guard lock(mu_);
  auto txn = Txn::Begin(*env_, Txn::Mode::kRead);
  if (!txn) return txn.status();
  std::string current(name);
  for (int depth = 0;; ++depth) {
    auto record = lmdb::GetRef(*txn, current);
    if (!record) return record.status();
    if (!*record) {
      if (depth == 0) return Status::NotFound("ref " + current + " not found");
      return Status::NotFound("ref " + std::string(name) + " not found: symbolic ref target " +
                              current + " does not exist");
    }
    if (!(*record)->symbolic()) return (*record)->id;
    if (depth == lmdb::kMaxSymrefDepth) {
      return Status::InvalidArgument("cannot resolve ref " + std::string(name) + ": more than " +
                                     std::to_string(lmdb::kMaxSymrefDepth) +
                                     " levels of symbolic refs");
    }
    current = (*record)->target;
  }
}

Expected<std::vector<std::pair<std::string, ObjectId>>> StoreImpl::ListRefs(
    std::string_view prefix) {
  std::lock_guard lock(mu_);
  auto txn = Txn::Begin(*env_, Txn::Mode::kRead);
  if (!txn) return txn.status();
  // LMDB keeps keys in byte order, which is the order we promise.
  std::vector<std::pair<std::string, ObjectId>> refs;
  CLIVE_RETURN_IF_ERROR(
      lmdb::ScanRefs(*txn, prefix, [&](std::string_view name, const RefRecord& record) {
        if (!record.symbolic()) refs.emplace_back(std::string(name), record.id);
        return true;
      }));
  return refs;
}

Expected<std::vector<RefInfo>> StoreImpl::ListAllRefs() {
  std::lock_guard lock(mu_);
  auto txn = Txn::Begin(*env_, Txn::Mode::kRead);
  if (!txn) return txn.status();
  std::vector<std::pair<std::string, RefRecord>> records;
  CLIVE_RETURN_IF_ERROR(
      lmdb::ScanRefs(*txn, "", [&](std::string_view name, const RefRecord& record) {
        records.emplace_back(std::string(name), record);
        return true;
      }));
  std::vector<RefInfo> refs;
  refs.reserve(records.size());
  for (auto& [name, record] : records) {
    auto id = lmdb::ResolveRecord(*txn, record);
    if (!id) return id.status();
    refs.push_back(RefInfo{std::move(name), *id, std::move(record.target)});
  }
  return refs;
}

Status StoreImpl::UpdateRefs(const std::vector<RefUpdate>& updates,
                             std::string_view reflog_message) {
  std::set<std::string_view> names;
  for (const RefUpdate& update : updates) {
    CLIVE_RETURN_IF_ERROR(ValidateRefName(update.name));
    if (!names.insert(update.name).second) {
      return Status::InvalidArgument("ref " + update.name + " is updated twice in one batch");
    }
  }
  if (updates.empty()) return Status::Ok();
  if (env_->read_only()) return env_->ReadOnlyError();
  std::lock_guard lock(mu_);
  // One LMDB write transaction for the whole batch, log entries included: a
  // failed check aborts it so nothing is written; success commits all at
  // once (and Env::Update reruns it on a bigger map if the map was full).
  return env_->Update([&](Txn& txn) { return ApplyRefUpdates(txn, updates, reflog_message); });
}

Status StoreImpl::ApplyRefUpdates(Txn& txn, const std::vector<RefUpdate>& updates,
                                  std::string_view reflog_message) {
  // 1. Every expectation against the current state. Updates act on the named
  //    ref itself: a symbolic ref is compared (and replaced) as is, not
  //    followed. What each ref resolved to before the batch goes in its log.
  std::vector<ObjectId> old_ids;
  old_ids.reserve(updates.size());
  for (const RefUpdate& update : updates) {
    auto current = lmdb::GetRef(txn, update.name);
    if (!current) return current.status();
    ObjectId old_id;
    if (*current) {
      auto resolved = lmdb::ResolveRecord(txn, **current);
      if (!resolved) return resolved.status();
      old_id = *resolved;
    }
    old_ids.push_back(old_id);
    if (update.expect == RefUpdate::Expect::kAnything) continue;
    // As in git, expecting the zero id means expecting the ref to be absent.
    const bool want_absent = update.expect == RefUpdate::Expect::kAbsent || update.old_id.IsZero();
    const bool matches =
        want_absent ? !current->has_value()
                    : (*current && !(*current)->symbolic() && (*current)->id == update.old_id);
    if (!matches) {
      return Status::RefChanged("ref " + update.name + " changed: expected " +
                                (want_absent ? std::string("nothing") : update.old_id.Hex()) +
                                ", found " + DescribeRef(*current));
    }
  }
  // 2. Refs may only point at objects the store has.
  for (const RefUpdate& update : updates) {
    if (!update.new_id) continue;
    auto present = lmdb::HasObject(txn, *update.new_id);
    if (!present) return present.status();
    if (!*present) {
      return Status::NotFound("cannot update ref " + update.name + ": object " +
                              update.new_id->Hex() + " not found");
    }
  }
  // 3. Deletions before writes, so one batch can replace "a" by "a/b". A
  //    deleted ref loses its log, as in git.
  for (const RefUpdate& update : updates) {
    if (update.new_id) continue;
    auto deleted = lmdb::DeleteRef(txn, update.name);
    if (!deleted) return deleted.status();
    CLIVE_RETURN_IF_ERROR(lmdb::DeleteReflog(txn, update.name));
  }
  for (size_t i = 0; i < updates.size(); ++i) {
    const RefUpdate& update = updates[i];
    if (!update.new_id) continue;
    auto conflict = lmdb::FindRefConflict(txn, update.name);
    if (!conflict) return conflict.status();
    if (*conflict) {
      return Status::InvalidArgument("cannot update ref " + update.name +
                                     ": it conflicts with existing ref " + **conflict);
    }
    CLIVE_RETURN_IF_ERROR(lmdb::PutRef(txn, update.name, RefRecord::Direct(*update.new_id)));
    CLIVE_RETURN_IF_ERROR(lmdb::LogRefUpdate(
        txn, update.name, lmdb::CliveReflogRecord(old_ids[i], *update.new_id, reflog_message)));
  }
  return Status::Ok();
}

Status StoreImpl::SetSymbolicRef(std::string_view name, std::string_view target) {
  CLIVE_RETURN_IF_ERROR(ValidateRefName(name));
  CLIVE_RETURN_IF_ERROR(ValidateRefName(target));
  if (name == target) {
    return Status::InvalidArgument("symbolic ref " + std::string(name) + " cannot point at itself");
  }
  if (env_->read_only()) return env_->ReadOnlyError();
  std::lock_guard lock(mu_);
  return env_->Update([&](Txn& txn) -> Status {
    auto current = lmdb::GetRef(txn, name);
    if (!current) return current.status();
    ObjectId old_id;
    if (*current) {
      auto resolved = lmdb::ResolveRecord(txn, **current);
      if (!resolved) return resolved.status();
      old_id = *resolved;
    } else {
      auto conflict = lmdb::FindRefConflict(txn, name);
      if (!conflict) return conflict.status();
      if (*conflict) {
        return Status::InvalidArgument("cannot set symbolic ref " + std::string(name) +
                                       ": it conflicts with existing ref " + **conflict);
      }
    }
    // The target may not exist yet (an unborn branch, like HEAD in a new store).
    const RefRecord next = RefRecord::Symbolic(std::string(target));
    CLIVE_RETURN_IF_ERROR(lmdb::PutRef(txn, name, next));
    auto new_id = lmdb::ResolveRecord(txn, next);
    if (!new_id) return new_id.status();
    return lmdb::LogRefUpdate(
        txn, name,
        lmdb::CliveReflogRecord(old_id, *new_id, "symbolic ref to " + std::string(target)));
  });
}

Expected<std::vector<ReflogEntry>> StoreImpl::ReadReflog(std::string_view name) {
  CLIVE_RETURN_IF_ERROR(ValidateRefName(name));
  auto txn = Txn::Begin(*env_, Txn::Mode::kRead);
  if (!txn) return txn.status();
  auto records = lmdb::ReadReflog(*txn, name);
  if (!records) return records.status();
  std::vector<ReflogEntry> entries;
  entries.reserve(records->size());
  for (lmdb::ReflogRecord& record : *records) {
    entries.push_back(
        ReflogEntry{record.old_id, record.new_id,
                    Signature{std::move(record.name), std::move(record.email), record.time},
                    std::move(record.message)});
  }
  return entries;
}

}  // namespace clive::store::internal
