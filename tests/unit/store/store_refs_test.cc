// Unit tests of clive::store: Store's ref API.
#include "store_test_util.h"

namespace clive::store {
namespace {

class RefsTest : public StoreWithBlobsTest {
 protected:
  ObjectId MustRead(std::string_view name) {
    auto id = store_->ReadRef(name);
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    return id.ok() ? *id : ObjectId();
  }

};

TEST_F(RefsTest, CreateReadAndListByPrefix) {
  ASSERT_OK(
      store_->UpdateRefs({Create("refs/heads/main", ids_[0]), Create("refs/heads/dev", ids_[1]),
                          Create("refs/tags/v1", ids_[2])}));
  EXPECT_EQ(MustRead("refs/heads/main"), ids_[0]);
  EXPECT_EQ(MustRead("refs/tags/v1"), ids_[2]);
  ASSERT_OK_AND_ASSIGN(auto heads, store_->ListRefs("refs/heads/"));
  EXPECT_THAT(heads,
              ElementsAre(Pair("refs/heads/dev", ids_[1]), Pair("refs/heads/main", ids_[0])));
  ASSERT_OK_AND_ASSIGN(auto all, store_->ListRefs(""));
  EXPECT_EQ(all.size(), 3u);
  ASSERT_OK_AND_ASSIGN(auto none, store_->ListRefs("refs/remotes/"));
  EXPECT_TRUE(none.empty());
  auto missing = store_->ReadRef("refs/heads/nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(missing.status().IsNotFound());
}

TEST_F(RefsTest, NewStoreHasUnbornHeadOnMain) {
  // Like `git init`: HEAD -> refs/heads/main, which does not exist yet.
  auto unborn = store_->ReadRef("HEAD");
  ASSERT_TRUE(unborn.status().IsNotFound()) << unborn.status().ToString();
  EXPECT_THAT(unborn.status().message(), HasSubstr("refs/heads/main"));
  ASSERT_OK(store_->UpdateRefs({Create("refs/heads/main", ids_[0])}));
  EXPECT_EQ(MustRead("HEAD"), ids_[0]);
}

TEST_F(RefsTest, CompareAndSwap) {
  ASSERT_OK(store_->UpdateRefs({Create("refs/heads/main", ids_[0])}));
  ASSERT_OK(store_->UpdateRefs({Cas("refs/heads/main", ids_[0], ids_[1])}));
  EXPECT_EQ(MustRead("refs/heads/main"), ids_[1]);

  Status lost = store_->UpdateRefs({Cas("refs/heads/main", ids_[0], ids_[2])});
  ASSERT_TRUE(lost.IsRefChanged()) << lost.ToString();
  EXPECT_EQ(lost.message(),
            "ref refs/heads/main changed: expected " + ids_[0].Hex() + ", found " + ids_[1].Hex());
  EXPECT_EQ(MustRead("refs/heads/main"), ids_[1]);

  Status gone = store_->UpdateRefs({Cas("refs/heads/other", ids_[0], ids_[2])});
  ASSERT_TRUE(gone.IsRefChanged());
  EXPECT_THAT(gone.message(), HasSubstr("found nothing"));
}

TEST_F(RefsTest, ExpectAbsentFailsWhenTheRefExists) {
  ASSERT_OK(store_->UpdateRefs({Create("refs/heads/main", ids_[0])}));
  Status again = store_->UpdateRefs({Create("refs/heads/main", ids_[1])});
  ASSERT_TRUE(again.IsRefChanged()) << again.ToString();
  EXPECT_EQ(again.message(),
            "ref refs/heads/main changed: expected nothing, found " + ids_[0].Hex());
  EXPECT_EQ(MustRead("refs/heads/main"), ids_[0]);
  // kAnything overwrites unconditionally.
  ASSERT_OK(store_->UpdateRefs({Set("refs/heads/main", ids_[2])}));
  EXPECT_EQ(MustRead("refs/heads/main"), ids_[2]);
}

TEST_F(RefsTest, FailedBatchAppliesNothing) {
  ASSERT_OK(store_->UpdateRefs({Create("refs/heads/a", ids_[0]), Create("refs/heads/b", ids_[0])}));
  Status status = store_->UpdateRefs({Cas("refs/heads/a", ids_[0], ids_[1]),    // would succeed
                                      Create("refs/heads/new", ids_[1]),        // would succeed
                                      Cas("refs/heads/b", ids_[2], ids_[1])});  // fails
  ASSERT_TRUE(status.IsRefChanged()) << status.ToString();
  EXPECT_THAT(status.message(), HasSubstr("refs/heads/b"));
  EXPECT_EQ(MustRead("refs/heads/a"), ids_[0]);
  EXPECT_TRUE(store_->ReadRef("refs/heads/new").status().IsNotFound());

  // The same batch with the right expectation applies completely.
  ASSERT_OK(
      store_->UpdateRefs({Cas("refs/heads/a", ids_[0], ids_[1]), Create("refs/heads/new", ids_[1]),
                          Cas("refs/heads/b", ids_[0], ids_[1])}));
  EXPECT_EQ(MustRead("refs/heads/a"), ids_[1]);
  EXPECT_EQ(MustRead("refs/heads/b"), ids_[1]);
  EXPECT_EQ(MustRead("refs/heads/new"), ids_[1]);
}

TEST_F(RefsTest, Delete) {
  ASSERT_OK(store_->UpdateRefs({Create("refs/heads/a", ids_[0]), Create("refs/heads/b", ids_[1])}));
  Status wrong = store_->UpdateRefs({Cas("refs/heads/a", ids_[1], std::nullopt)});
  EXPECT_TRUE(wrong.IsRefChanged());
  EXPECT_EQ(MustRead("refs/heads/a"), ids_[0]);
  ASSERT_OK(store_->UpdateRefs({Cas("refs/heads/a", ids_[0], std::nullopt)}));
  EXPECT_TRUE(store_->ReadRef("refs/heads/a").status().IsNotFound());
  ASSERT_OK_AND_ASSIGN(auto refs, store_->ListRefs("refs/"));
  EXPECT_THAT(refs, ElementsAre(Pair("refs/heads/b", ids_[1])));
}

TEST_F(RefsTest, InvalidNamesDanglingTargetsAndConflictsAreRejected) {
  for (const char* bad : {"", "refs/heads/a..b", "refs/heads/sp ace", "refs/heads/x.lock",
                          "refs/heads/", "refs/heads/a~1", "lowercase"}) {
    Status status = store_->UpdateRefs({Set(bad, ids_[0])});
    EXPECT_EQ(status.code(), Status::Code::kInvalidArgument)
        << "'" << bad << "': " << status.ToString();
  }
  EXPECT_EQ(store_->ReadRef("refs/heads/a..b").status().code(), Status::Code::kInvalidArgument);

  const ObjectId missing = GitHash(ObjectType::kBlob, "not in the store");
  Status dangling =
      store_->UpdateRefs({Set("refs/heads/ok", ids_[0]), Set("refs/heads/x", missing)});
  EXPECT_TRUE(dangling.IsNotFound()) << dangling.ToString();
  EXPECT_TRUE(store_->ReadRef("refs/heads/ok").status().IsNotFound());

  ASSERT_OK(store_->UpdateRefs({Set("refs/heads/a", ids_[0])}));
  EXPECT_FALSE(store_->UpdateRefs({Set("refs/heads/a/b", ids_[0])}).ok());
  EXPECT_FALSE(store_->UpdateRefs({Set("refs/heads", ids_[0])}).ok());
  // Deleting "a" in the same batch makes room for "a/b".
  ASSERT_OK(store_->UpdateRefs({Delete("refs/heads/a"), Set("refs/heads/a/b", ids_[0])}));
  EXPECT_EQ(MustRead("refs/heads/a/b"), ids_[0]);
  EXPECT_EQ(store_->UpdateRefs({Set("refs/heads/c", ids_[0]), Set("refs/heads/c", ids_[1])}).code(),
            Status::Code::kInvalidArgument);
}

TEST_F(RefsTest, ReopenSeesEverything) {
  ASSERT_OK_AND_ASSIGN(ObjectId tree, store_->WriteTree({{"f", ids_[0], TreeEntry::Mode::kBlob}}));
  ASSERT_OK_AND_ASSIGN(ObjectId commit, store_->WriteCommit({tree, {}, {}, "msg"}));
  ASSERT_OK(store_->UpdateRefs({Create("refs/heads/main", commit)}));
  store_.reset();

  store_ = Open();
  ASSERT_TRUE(store_);
  EXPECT_EQ(MustRead("refs/heads/main"), commit);
  ASSERT_OK_AND_ASSIGN(Commit read, store_->ReadCommit(commit));
  EXPECT_EQ(read.tree, tree);
  ASSERT_OK_AND_ASSIGN(auto entries, store_->ReadTree(tree));
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].id, ids_[0]);
  ASSERT_OK_AND_ASSIGN(Object blob, store_->ReadObject(ids_[0]));
  EXPECT_EQ(blob.data, "one");
}

TEST_F(RefsTest, SymbolicRefsAreFollowed) {
  ASSERT_OK(store_->UpdateRefs({Create("refs/heads/main", ids_[0])}));
  store_.reset();
  WithRepository([](git_repository* repo) {
    git_reference* raw = nullptr;
    ASSERT_EQ(git_reference_symbolic_create(&raw, repo, "HEAD", "refs/heads/main", 1, nullptr), 0)
        << git_error_last()->message;
    git_reference_free(raw);
    ASSERT_EQ(git_reference_symbolic_create(&raw, repo, "refs/heads/alias", "HEAD", 0, nullptr), 0);
    git_reference_free(raw);
    ASSERT_EQ(git_reference_symbolic_create(&raw, repo, "refs/heads/dangling", "refs/heads/gone", 0,
                                            nullptr),
              0);
    git_reference_free(raw);
    // A cycle: c1 -> c2 -> c1.
    ASSERT_EQ(
        git_reference_symbolic_create(&raw, repo, "refs/heads/c1", "refs/heads/c2", 0, nullptr), 0);
    git_reference_free(raw);
    ASSERT_EQ(
        git_reference_symbolic_create(&raw, repo, "refs/heads/c2", "refs/heads/c1", 0, nullptr), 0);
    git_reference_free(raw);
  });
  store_ = Open();
  ASSERT_TRUE(store_);
  EXPECT_EQ(MustRead("HEAD"), ids_[0]);
  EXPECT_EQ(MustRead("refs/heads/alias"), ids_[0]);  // two hops
  EXPECT_TRUE(store_->ReadRef("refs/heads/dangling").status().IsNotFound());
  EXPECT_FALSE(store_->ReadRef("refs/heads/c1").ok());
  // ListRefs reports direct refs only.
  ASSERT_OK_AND_ASSIGN(auto refs, store_->ListRefs(""));
  EXPECT_THAT(refs, ElementsAre(Pair("refs/heads/main", ids_[0])));
  // Moving the target moves what HEAD resolves to.
  ASSERT_OK(store_->UpdateRefs({Cas("refs/heads/main", ids_[0], ids_[1])}));
  EXPECT_EQ(MustRead("HEAD"), ids_[1]);
}

}  // namespace
}  // namespace clive::store
