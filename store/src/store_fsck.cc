// The concrete Store (store_impl.h): Stats and Fsck.
#include <algorithm>
#include <filesystem>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "lmdb_env.h"
#include "store_impl.h"

namespace clive::store::internal {
namespace {

using lmdb::RefRecord;
using lmdb::Txn;

// How many ids Fsck lists per read transaction.
constexpr size_t kFsckChunk = 4096;

const char* TypeName(ObjectType type) {
  switch (type) {
    case ObjectType::kCommit:
      return "commit";
    case ObjectType::kTree:
      return "tree";
    case ObjectType::kBlob:
      return "blob";
    case ObjectType::kTag:
      return "tag";
  }
  return "object";
}

// An object that a commit, tree or tag names, with what the name implies.
struct Named {
  ObjectId id;
  std::optional<ObjectType> expected;  // nullopt: any type.
  std::string role;                    // for messages: "tree", "parent", "entry 'x'"...
};

// The objects `object` (a parsed commit, tree or tag) names. Gitlinks
// (submodule entries) name commits of another repository and are skipped.
std::vector<Named> NamedBy(git_object* object) {
  std::vector<Named> named;
  switch (git_object_type(object)) {
    case GIT_OBJECT_COMMIT: {
      auto* commit = reinterpret_cast<git_commit*>(object);
      named.push_back({FromGit(*git_commit_tree_id(commit)), ObjectType::kTree, "tree"});
      for (unsigned i = 0; i < git_commit_parentcount(commit); ++i) {
        named.push_back({FromGit(*git_commit_parent_id(commit, i)), ObjectType::kCommit, "parent"});
      }
      break;
    }
    case GIT_OBJECT_TREE: {
      auto* tree = reinterpret_cast<git_tree*>(object);
      for (size_t i = 0; i < git_tree_entrycount(tree); ++i) {
        const git_tree_entry* entry = git_tree_entry_byindex(tree, i);
        const git_filemode_t mode = git_tree_entry_filemode(entry);
        if (mode == GIT_FILEMODE_COMMIT) continue;
        named.push_back({FromGit(*git_tree_entry_id(entry)),
                         mode == GIT_FILEMODE_TREE ? ObjectType::kTree : ObjectType::kBlob,
                         "entry '" + std::string(git_tree_entry_name(entry)) + "'"});
      }
      break;
    }
    case GIT_OBJECT_TAG: {
      auto* tag = reinterpret_cast<git_tag*>(object);
      const git_object_t type = git_tag_target_type(tag);
      std::optional<ObjectType> expected;
      if (type >= GIT_OBJECT_COMMIT && type <= GIT_OBJECT_TAG) {
        expected = static_cast<ObjectType>(type);
      }
      named.push_back({FromGit(*git_tag_target_id(tag)), expected, "target"});
      break;
    }
    default:
      break;
  }
  return named;
}

std::string OneLineError(std::string_view context, int rc) {
  return GitError(context, rc).message();
}

}  // namespace

Expected<StoreStats> StoreImpl::Stats() {
  StoreStats stats;
  {
    auto txn = Txn::Begin(*env_, Txn::Mode::kRead);
    if (!txn) return txn.status();
    CLIVE_RETURN_IF_ERROR(
        lmdb::ScanObjects(*txn, std::nullopt, [&](const ObjectId&, std::string_view value) {
          ++stats.objects;
          stats.stored_bytes += ObjectId::kSize + value.size();
          auto record = lmdb::ParseObjectRecord(value);
          if (!record) return true;  // Fsck reports it; Stats just counts.
          stats.content_bytes += record->size;
          switch (record->type) {
            case ObjectType::kCommit:
              ++stats.commits;
              break;
            case ObjectType::kTree:
              ++stats.trees;
              break;
            case ObjectType::kBlob:
              ++stats.blobs;
              break;
            case ObjectType::kTag:
              ++stats.tags;
              break;
          }
          return true;
        }));
    CLIVE_RETURN_IF_ERROR(lmdb::ScanAllRefs(
        *txn, [&](std::string_view, const Expected<RefRecord>&) { ++stats.refs; }));
    CLIVE_RETURN_IF_ERROR(lmdb::ScanReflogs(
        *txn,
        [&](std::string_view, const Expected<lmdb::ReflogRecord>&) { ++stats.reflog_entries; }));
  }
  std::error_code ec;
  stats.file_bytes = std::filesystem::file_size(path_ / "data.mdb", ec);
  if (ec) {
    return Status::IOError("cannot read size of store at " + path_.string() + ": " + ec.message());
  }
  stats.map_bytes = env_->map_size();
  return stats;
}

Expected<FsckReport> StoreImpl::Fsck() {
  std::lock_guard lock(mu_);
  FsckReport report;
  auto problem = [&](FsckProblem::Kind kind, std::string message) {
    report.problems.push_back({kind, std::move(message)});
  };

  // 1. Every object: its record decodes, its content hashes to its id, and
  //    a commit, tree or tag parses with libgit2 and names objects that
  //    exist with the right type. No LMDB transaction is held across libgit2
  //    calls (they open their own, through the backend).
  std::vector<ObjectId> ids;  // sorted: LMDB keeps keys in order.
  std::vector<size_t> edge_start;
  std::vector<ObjectId> edges;  // what ids[i] names: edges[edge_start[i]...]
  std::optional<ObjectId> after;
  for (;;) {
    std::vector<ObjectId> chunk;
    {
      auto txn = Txn::Begin(*env_, Txn::Mode::kRead);
      if (!txn) return txn.status();
      CLIVE_RETURN_IF_ERROR(
          lmdb::ScanObjects(*txn, after, [&](const ObjectId& id, std::string_view) {
            chunk.push_back(id);
            return chunk.size() < kFsckChunk;
          }));
    }
    for (const ObjectId& id : chunk) {
      ids.push_back(id);
      edge_start.push_back(edges.size());
      std::optional<Object> object;
      {
        auto txn = Txn::Begin(*env_, Txn::Mode::kRead);
        if (!txn) return txn.status();
        auto read = lmdb::GetObject(*txn, id);
        if (!read) {
          problem(FsckProblem::Kind::kBadObject, read.status().message());
          continue;
        }
        if (!*read) continue;  // deleted meanwhile (there is no delete yet).
        object = std::move(**read);
      }
      git_oid actual;
      const auto git_type = static_cast<git_object_t>(object->type);
      if (int rc = git_odb_hash(&actual, object->data.data(), object->data.size(), git_type);
          rc < 0) {
        return GitError("cannot hash object " + id.Hex(), rc);
      }
      if (FromGit(actual) != id) {
        problem(FsckProblem::Kind::kBadHash,
                "object " + id.Hex() + ": content hashes to " + FromGit(actual).Hex());
        continue;
      }
      if (object->type == ObjectType::kBlob) continue;
      int valid = 0;
      git_error_clear();
      if (int rc = git_object_rawcontent_is_valid(&valid, object->data.data(), object->data.size(),
                                                  git_type);
          rc < 0 || !valid) {
        const git_error* error = git_error_last();
        problem(
            FsckProblem::Kind::kBadObject,
            std::string(TypeName(object->type)) + " " + id.Hex() + " does not parse" +
                (error != nullptr && error->message != nullptr ? std::string(": ") + error->message
                                                               : std::string()));
        continue;
      }
      const git_oid oid = ToGit(id);
      git_object* raw = nullptr;
      if (int rc = git_object_lookup(&raw, repo_.get(), &oid, GIT_OBJECT_ANY); rc < 0) {
        problem(FsckProblem::Kind::kBadObject,
                OneLineError(std::string(TypeName(object->type)) + " " + id.Hex(), rc));
        continue;
      }
      GitPtr<git_object> parsed(raw);
      const std::vector<Named> named = NamedBy(parsed.get());
      parsed.reset();
      auto txn = Txn::Begin(*env_, Txn::Mode::kRead);
      if (!txn) return txn.status();
      for (const Named& n : named) {
        auto record = lmdb::GetObjectRecord(*txn, n.id);
        const std::string what =
            std::string(TypeName(object->type)) + " " + id.Hex() + " " + n.role + " names ";
        if (record && !*record) {
          problem(FsckProblem::Kind::kMissingObject, what + "missing object " + n.id.Hex());
          continue;
        }
        if (record && n.expected && (*record)->type != *n.expected) {
          problem(FsckProblem::Kind::kBadObject, what + n.id.Hex() + ", a " +
                                                     TypeName((*record)->type) + ", as a " +
                                                     TypeName(*n.expected));
        }
        edges.push_back(n.id);  // an undecodable record is reported on its own.
      }
    }
    if (chunk.size() < kFsckChunk) break;
    after = chunk.back();
  }
  edge_start.push_back(edges.size());
  report.objects_checked = ids.size();

  auto index_of = [&](const ObjectId& id) -> std::optional<size_t> {
    auto it = std::lower_bound(ids.begin(), ids.end(), id);
    if (it == ids.end() || *it != id) return std::nullopt;
    return static_cast<size_t>(it - ids.begin());
  };

  // 2. Refs: valid names, direct refs name objects we have, symbolic refs
  //    resolve (HEAD may name an unborn branch, as after `git init`). Refs
  //    and reflog entries are the roots of reachability, as in git fsck.
  std::vector<ObjectId> roots;
  {
    auto txn = Txn::Begin(*env_, Txn::Mode::kRead);
    if (!txn) return txn.status();
    std::vector<std::pair<std::string, RefRecord>> refs;
    CLIVE_RETURN_IF_ERROR(lmdb::ScanAllRefs(*txn, [&](std::string_view name,
                                                      const Expected<RefRecord>& record) {
      ++report.refs_checked;
      if (!record) {
        problem(FsckProblem::Kind::kBadRef, record.status().message());
      } else if (!ValidateRefName(name).ok()) {
        problem(FsckProblem::Kind::kBadRef, "ref " + std::string(name) + " has an invalid name");
      } else {
        refs.emplace_back(std::string(name), *record);
      }
    }));
    for (const auto& [name, record] : refs) {
      if (!record.symbolic()) {
        if (!index_of(record.id)) {
          problem(FsckProblem::Kind::kMissingObject,
                  "ref " + name + " names missing object " + record.id.Hex());
        }
        roots.push_back(record.id);
        continue;
      }
      // Follow the chain by hand to say what is wrong with it.
      RefRecord current = record;
      int depth = 0;
      for (; current.symbolic() && depth <= lmdb::kMaxSymrefDepth; ++depth) {
        auto next = lmdb::GetRef(*txn, current.target);
        if (!next || !*next) break;
        current = std::move(**next);
      }
      if (!current.symbolic()) continue;  // resolves to a direct ref, checked above.
      if (depth > lmdb::kMaxSymrefDepth) {
        problem(FsckProblem::Kind::kBadRef, "symbolic ref " + name + " nests more than " +
                                                std::to_string(lmdb::kMaxSymrefDepth) +
                                                " levels deep (a cycle?)");
      } else if (!(name == "HEAD" && depth == 0)) {
        problem(FsckProblem::Kind::kBadRef,
                "symbolic ref " + name + " names missing ref " + current.target);
      }
    }
    CLIVE_RETURN_IF_ERROR(
        lmdb::ScanReflogs(*txn, [&](std::string_view, const Expected<lmdb::ReflogRecord>& entry) {
          if (!entry) {
            problem(FsckProblem::Kind::kBadRef, entry.status().message());
            return;
          }
          for (const ObjectId& id : {entry->old_id, entry->new_id}) {
            if (!id.IsZero()) roots.push_back(id);
          }
        }));
  }

  // 3. Reachability over what step 1 found.
  std::vector<bool> reachable(ids.size(), false);
  std::vector<size_t> stack;
  auto visit = [&](const ObjectId& id) {
    if (auto i = index_of(id); i && !reachable[*i]) {
      reachable[*i] = true;
      stack.push_back(*i);
    }
  };
  for (const ObjectId& root : roots) visit(root);
  while (!stack.empty()) {
    const size_t i = stack.back();
    stack.pop_back();
    for (size_t e = edge_start[i]; e < edge_start[i + 1]; ++e) visit(edges[e]);
  }
  for (size_t i = 0; i < ids.size(); ++i) {
    if (reachable[i]) {
      ++report.reachable;
    } else {
      report.unreachable.push_back(ids[i]);
    }
  }
  return report;
}

}  // namespace clive::store::internal
