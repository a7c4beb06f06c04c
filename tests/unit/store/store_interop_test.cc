// Unit tests of clive::store: libgit2 APIs driven directly over the store's backends.
#include "store_test_util.h"

namespace clive::store {
namespace {

class InteropTest : public StoreTest {
 protected:
  // Writes blobs through a Store (then closes it) and returns their ids.
  std::vector<ObjectId> WriteBlobs(const std::vector<std::string>& contents) {
    std::vector<ObjectId> ids;
    auto store = Open();
    EXPECT_TRUE(store);
    if (!store) return ids;
    for (const std::string& content : contents) {
      auto id = store->WriteObject(ObjectType::kBlob, content);
      EXPECT_TRUE(id.ok()) << id.status().ToString();
      if (id.ok()) ids.push_back(*id);
    }
    return ids;
  }

  static int CreateRef(git_repository* repo, const char* name, const ObjectId& id, int force) {
    const git_oid oid = ToGit(id);
    git_reference* raw = nullptr;
    const int rc = git_reference_create(&raw, repo, name, &oid, force, "test");
    git_reference_free(raw);
    return rc;
  }

  static std::optional<ObjectId> LookupRef(git_repository* repo, const char* name) {
    git_reference* raw = nullptr;
    if (git_reference_lookup(&raw, repo, name) != 0) return std::nullopt;
    GitPtr<git_reference> ref(raw);
    if (git_reference_type(raw) != GIT_REFERENCE_DIRECT) return std::nullopt;
    return FromGit(*git_reference_target(raw));
  }
};

TEST_F(InteropTest, OdbReadsByPrefixAndReportsAmbiguity) {
  // Find two contents whose ids share their first four hex digits.
  std::map<std::string, std::string> by_prefix;
  std::vector<std::string> pair;
  for (int i = 0; pair.empty(); ++i) {
    const std::string content = "blob " + std::to_string(i);
    const std::string prefix = GitHash(ObjectType::kBlob, content).Hex().substr(0, 4);
    auto [it, inserted] = by_prefix.emplace(prefix, content);
    if (!inserted) pair = {it->second, content};
  }
  const std::vector<ObjectId> ids = WriteBlobs(pair);
  ASSERT_EQ(ids.size(), 2u);

  WithRepository([&](git_repository* repo) {
    git_odb* raw_odb = nullptr;
    ASSERT_EQ(git_repository_odb(&raw_odb, repo), 0);
    GitPtr<git_odb> odb(raw_odb);
    git_oid short_id;
    git_oid found;

    ASSERT_EQ(git_oid_fromstrn(&short_id, ids[0].Hex().c_str(), 4), 0);
    EXPECT_EQ(git_odb_exists_prefix(&found, odb.get(), &short_id, 4), GIT_EAMBIGUOUS);
    git_odb_object* raw_object = nullptr;
    EXPECT_EQ(git_odb_read_prefix(&raw_object, odb.get(), &short_id, 4), GIT_EAMBIGUOUS);

    // Both ids differ within their first 40 digits; find the shortest unique
    // prefix (odd lengths included) and read through it.
    size_t len = 5;
    while (ids[0].Hex().substr(0, len) == ids[1].Hex().substr(0, len)) ++len;
    ASSERT_EQ(git_oid_fromstrn(&short_id, ids[1].Hex().c_str(), len), 0);
    ASSERT_EQ(git_odb_exists_prefix(&found, odb.get(), &short_id, len), 0);
    EXPECT_EQ(FromGit(found), ids[1]);
    ASSERT_EQ(git_odb_read_prefix(&raw_object, odb.get(), &short_id, len), 0);
    GitPtr<git_odb_object> object(raw_object);
    EXPECT_EQ(FromGit(*git_odb_object_id(object.get())), ids[1]);
    EXPECT_EQ(std::string(static_cast<const char*>(git_odb_object_data(object.get())),
                          git_odb_object_size(object.get())),
              pair[1]);

    size_t size = 0;
    git_object_t type = GIT_OBJECT_INVALID;
    const git_oid full = ToGit(ids[0]);
    ASSERT_EQ(git_odb_read_header(&size, &type, odb.get(), &full), 0);
    EXPECT_EQ(size, pair[0].size());
    EXPECT_EQ(type, GIT_OBJECT_BLOB);

    const git_oid absent = ToGit(GitHash(ObjectType::kBlob, "absent"));
    EXPECT_EQ(git_odb_exists(odb.get(), &absent), 0);
    EXPECT_EQ(git_odb_read_header(&size, &type, odb.get(), &absent), GIT_ENOTFOUND);
  });
}

TEST_F(InteropTest, RefdbHonoursCreateCompareAndSwapRenameAndDelete) {
  const std::vector<ObjectId> ids = WriteBlobs({"one", "two", "three"});
  ASSERT_EQ(ids.size(), 3u);
  WithRepository([&](git_repository* repo) {
    ASSERT_EQ(CreateRef(repo, "refs/heads/main", ids[0], 0), 0) << git_error_last()->message;
    EXPECT_EQ(CreateRef(repo, "refs/heads/main", ids[1], 0), GIT_EEXISTS);
    EXPECT_EQ(LookupRef(repo, "refs/heads/main"), ids[0]);

    const git_oid next = ToGit(ids[1]);
    const git_oid wrong = ToGit(ids[2]);
    const git_oid right = ToGit(ids[0]);
    git_reference* raw = nullptr;
    EXPECT_EQ(git_reference_create_matching(&raw, repo, "refs/heads/main", &next, 1, &wrong, "cas"),
              GIT_EMODIFIED);
    EXPECT_EQ(LookupRef(repo, "refs/heads/main"), ids[0]);
    ASSERT_EQ(git_reference_create_matching(&raw, repo, "refs/heads/main", &next, 1, &right, "cas"),
              0);
    git_reference_free(raw);
    EXPECT_EQ(LookupRef(repo, "refs/heads/main"), ids[1]);

    // "refs/heads/main/x" cannot coexist with "refs/heads/main".
    EXPECT_EQ(CreateRef(repo, "refs/heads/main/x", ids[0], 1), GIT_EEXISTS);

    // A stale handle cannot delete a ref that moved since it was read.
    ASSERT_EQ(git_reference_lookup(&raw, repo, "refs/heads/main"), 0);
    GitPtr<git_reference> stale(raw);
    ASSERT_EQ(CreateRef(repo, "refs/heads/main", ids[2], 1), 0);
    EXPECT_EQ(git_reference_delete(stale.get()), GIT_EMODIFIED);
    EXPECT_EQ(LookupRef(repo, "refs/heads/main"), ids[2]);

    // Rename, refusing to clobber without force.
    ASSERT_EQ(CreateRef(repo, "refs/heads/other", ids[0], 0), 0);
    ASSERT_EQ(git_reference_lookup(&raw, repo, "refs/heads/main"), 0);
    GitPtr<git_reference> main_ref(raw);
    EXPECT_EQ(git_reference_rename(&raw, main_ref.get(), "refs/heads/other", 0, "mv"), GIT_EEXISTS);
    ASSERT_EQ(git_reference_rename(&raw, main_ref.get(), "refs/heads/trunk", 0, "mv"), 0);
    GitPtr<git_reference> trunk(raw);
    EXPECT_STREQ(git_reference_name(trunk.get()), "refs/heads/trunk");
    EXPECT_EQ(LookupRef(repo, "refs/heads/main"), std::nullopt);
    EXPECT_EQ(LookupRef(repo, "refs/heads/trunk"), ids[2]);

    // Revision parsing resolves short names through the refdb.
    git_object* object = nullptr;
    ASSERT_EQ(git_revparse_single(&object, repo, "trunk"), 0);
    EXPECT_EQ(FromGit(*git_object_id(object)), ids[2]);
    git_object_free(object);

    ASSERT_EQ(git_reference_delete(trunk.get()), 0);
    EXPECT_EQ(git_reference_lookup(&raw, repo, "refs/heads/trunk"), GIT_ENOTFOUND);

    // Every update was logged; deleting "trunk" deleted its log.
    EXPECT_EQ(git_reference_has_log(repo, "refs/heads/other"), 1);
    EXPECT_EQ(git_reference_has_log(repo, "refs/heads/trunk"), 0);
    git_reflog* reflog = nullptr;
    ASSERT_EQ(git_reflog_read(&reflog, repo, "refs/heads/other"), 0);
    GitPtr<git_reflog> log(reflog);
    EXPECT_EQ(git_reflog_entrycount(log.get()), 1u);
  });
  // The Store sees what libgit2 wrote.
  auto store = Open();
  ASSERT_TRUE(store);
  ASSERT_OK_AND_ASSIGN(auto refs, store->ListRefs(""));
  EXPECT_THAT(refs, ElementsAre(Pair("refs/heads/other", ids[0])));
}

TEST_F(InteropTest, RefdbIteratorListsRefsUnderRefsAndHonoursGlobs) {
  const std::vector<ObjectId> ids = WriteBlobs({"one"});
  ASSERT_EQ(ids.size(), 1u);
  {
    auto store = Open();
    ASSERT_TRUE(store);
    ASSERT_OK(
        store->UpdateRefs({Set("refs/heads/main", ids[0]), Set("refs/heads/feature/x", ids[0]),
                           Set("refs/tags/v1", ids[0]), Set("FETCH_HEAD", ids[0])}));
  }
  WithRepository([&](git_repository* repo) {
    git_strarray all{};
    ASSERT_EQ(git_reference_list(&all, repo), 0);
    std::vector<std::string> names(all.strings, all.strings + all.count);
    git_strarray_dispose(&all);
    std::sort(names.begin(), names.end());
    EXPECT_THAT(names, ElementsAre("refs/heads/feature/x", "refs/heads/main", "refs/tags/v1"));

    git_reference_iterator* raw = nullptr;
    ASSERT_EQ(git_reference_iterator_glob_new(&raw, repo, "refs/heads/*"), 0);
    GitPtr<git_reference_iterator> iter(raw);
    std::vector<std::string> heads;
    const char* name = nullptr;
    while (git_reference_next_name(&name, iter.get()) == 0) heads.emplace_back(name);
    // Without WM_PATHNAME '*' crosses '/', as in libgit2's files backend.
    EXPECT_THAT(heads, ElementsAre("refs/heads/feature/x", "refs/heads/main"));

    ASSERT_EQ(git_reference_iterator_glob_new(&raw, repo, "refs/tags/*"), 0);
    iter.reset(raw);
    git_reference* ref = nullptr;
    ASSERT_EQ(git_reference_next(&ref, iter.get()), 0);
    GitPtr<git_reference> tag(ref);
    EXPECT_STREQ(git_reference_name(tag.get()), "refs/tags/v1");
    EXPECT_EQ(FromGit(*git_reference_target(tag.get())), ids[0]);
    EXPECT_EQ(git_reference_next(&ref, iter.get()), GIT_ITEROVER);
  });
}

TEST_F(InteropTest, TransactionsApplyAllOrNothing) {
  const std::vector<ObjectId> ids = WriteBlobs({"one", "two", "three"});
  ASSERT_EQ(ids.size(), 3u);
  WithRepository([&](git_repository* repo) {
    ASSERT_EQ(CreateRef(repo, "refs/heads/a", ids[0], 0), 0);
    ASSERT_EQ(CreateRef(repo, "refs/heads/gone", ids[0], 0), 0);
    const git_oid two = ToGit(ids[1]);
    {
      git_transaction* raw = nullptr;
      ASSERT_EQ(git_transaction_new(&raw, repo), 0);
      GitPtr<git_transaction> tx(raw);
      for (const char* name : {"refs/heads/a", "refs/heads/b", "refs/heads/gone"}) {
        ASSERT_EQ(git_transaction_lock_ref(tx.get(), name), 0) << name;
      }
      ASSERT_EQ(git_transaction_set_target(tx.get(), "refs/heads/a", &two, nullptr, "tx"), 0);
      ASSERT_EQ(git_transaction_set_target(tx.get(), "refs/heads/b", &two, nullptr, "tx"), 0);
      ASSERT_EQ(git_transaction_remove(tx.get(), "refs/heads/gone"), 0);
      ASSERT_EQ(git_transaction_commit(tx.get()), 0) << git_error_last()->message;
    }
    EXPECT_EQ(LookupRef(repo, "refs/heads/a"), ids[1]);
    EXPECT_EQ(LookupRef(repo, "refs/heads/b"), ids[1]);
    EXPECT_EQ(LookupRef(repo, "refs/heads/gone"), std::nullopt);

    // Someone moves "a" while it is locked: the whole transaction fails.
    const git_oid three = ToGit(ids[2]);
    {
      git_transaction* raw = nullptr;
      ASSERT_EQ(git_transaction_new(&raw, repo), 0);
      GitPtr<git_transaction> tx(raw);
      ASSERT_EQ(git_transaction_lock_ref(tx.get(), "refs/heads/a"), 0);
      ASSERT_EQ(git_transaction_lock_ref(tx.get(), "refs/heads/c"), 0);
      ASSERT_EQ(git_transaction_set_target(tx.get(), "refs/heads/a", &three, nullptr, "tx"), 0);
      ASSERT_EQ(git_transaction_set_target(tx.get(), "refs/heads/c", &three, nullptr, "tx"), 0);
      ASSERT_EQ(CreateRef(repo, "refs/heads/a", ids[0], 1), 0);
      EXPECT_EQ(git_transaction_commit(tx.get()), GIT_EMODIFIED);
    }
    EXPECT_EQ(LookupRef(repo, "refs/heads/a"), ids[0]);
    EXPECT_EQ(LookupRef(repo, "refs/heads/c"), std::nullopt);

    // Locks released without a commit change nothing.
    {
      git_transaction* raw = nullptr;
      ASSERT_EQ(git_transaction_new(&raw, repo), 0);
      GitPtr<git_transaction> tx(raw);
      ASSERT_EQ(git_transaction_lock_ref(tx.get(), "refs/heads/a"), 0);
      ASSERT_EQ(git_transaction_set_target(tx.get(), "refs/heads/a", &three, nullptr, "tx"), 0);
    }
    EXPECT_EQ(LookupRef(repo, "refs/heads/a"), ids[0]);
  });
}

}  // namespace
}  // namespace clive::store
