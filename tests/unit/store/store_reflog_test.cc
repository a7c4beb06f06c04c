// Unit tests of clive::store: symbolic refs, ListAllRefs and reflogs, through
// the Store API and through libgit2 (refdb reflog callbacks, transactions).
#include "store_test_util.h"

namespace clive::store {
namespace {

class ReflogTest : public StoreWithBlobsTest {
 protected:
  std::vector<ReflogEntry> Log(std::string_view name) {
    auto log = store_->ReadReflog(name);
    EXPECT_TRUE(log.ok()) << log.status().ToString();
    return log.ok() ? *log : std::vector<ReflogEntry>{};
  }
  // Runs `body` on the store's own libgit2 repository.
  void WithStoreRepository(const std::function<void(git_repository*)>& body) {
    body(internal::StoreRepository(*store_));
  }

};

// "old new message" of every entry, oldest first, with short ids.
std::vector<std::string> Describe(const std::vector<ReflogEntry>& log) {
  std::vector<std::string> out;
  for (const ReflogEntry& e : log) {
    out.push_back(e.old_id.Hex().substr(0, 7) + " " + e.new_id.Hex().substr(0, 7) + " " +
                  e.message);
  }
  return out;
}

std::string Short(const ObjectId& id) { return id.Hex().substr(0, 7); }

TEST_F(ReflogTest, UpdateRefsAppendsToTheLogInTheSameTransaction) {
  const int64_t before = std::time(nullptr);
  ASSERT_OK(store_->UpdateRefs({Create("refs/heads/dev", ids_[0])}, "create"));
  ASSERT_OK(store_->UpdateRefs({Cas("refs/heads/dev", ids_[0], ids_[1])}, "advance"));
  // A failed batch logs nothing either.
  ASSERT_TRUE(store_->UpdateRefs({Cas("refs/heads/dev", ids_[0], ids_[2])}, "lost").IsRefChanged());
  ASSERT_OK(store_->UpdateRefs({Set("refs/heads/dev", ids_[2])}, "two\nlines"));

  const std::vector<ReflogEntry> log = Log("refs/heads/dev");
  EXPECT_THAT(Describe(log), ElementsAre("0000000 " + Short(ids_[0]) + " create",
                                         Short(ids_[0]) + " " + Short(ids_[1]) + " advance",
                                         Short(ids_[1]) + " " + Short(ids_[2]) + " two lines"));
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(log[0].committer.name, "clive");
  EXPECT_EQ(log[0].committer.email, "clive@localhost");
  EXPECT_GE(log[0].committer.time, before);
  EXPECT_LE(log[2].committer.time, std::time(nullptr));

  // Deleting the ref deletes its log; a ref without a log reads as empty.
  ASSERT_OK(store_->UpdateRefs({Delete("refs/heads/dev")}));
  EXPECT_TRUE(Log("refs/heads/dev").empty());
  EXPECT_TRUE(Log("refs/heads/never").empty());
  EXPECT_EQ(store_->ReadReflog("refs/heads/a..b").status().code(), Status::Code::kInvalidArgument);
}

TEST_F(ReflogTest, HeadLogFollowsItsBranch) {
  ASSERT_OK(store_->UpdateRefs({Create("refs/heads/main", ids_[0])}, "first"));
  ASSERT_OK(store_->UpdateRefs({Set("refs/heads/main", ids_[1]), Set("refs/heads/other", ids_[2])},
                               "second"));
  EXPECT_THAT(Describe(Log("HEAD")),
              ElementsAre("0000000 " + Short(ids_[0]) + " first",
                          Short(ids_[0]) + " " + Short(ids_[1]) + " second"));
  EXPECT_EQ(Log("refs/heads/other").size(), 1u);
}

TEST_F(ReflogTest, SymbolicRefsAndListAllRefs) {
  ASSERT_OK(store_->UpdateRefs({Create("refs/heads/main", ids_[0])}));
  ASSERT_OK(store_->SetSymbolicRef("refs/heads/alias", "refs/heads/main"));
  ASSERT_OK(store_->SetSymbolicRef("refs/heads/unborn", "refs/heads/later"));
  ASSERT_OK_AND_ASSIGN(ObjectId via_alias, store_->ReadRef("refs/heads/alias"));
  EXPECT_EQ(via_alias, ids_[0]);

  ASSERT_OK_AND_ASSIGN(std::vector<RefInfo> all, store_->ListAllRefs());
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[0].name, "HEAD");
  EXPECT_EQ(all[0].symbolic_target, "refs/heads/main");
  EXPECT_EQ(all[0].id, ids_[0]);
  EXPECT_EQ(all[1].name, "refs/heads/alias");
  EXPECT_EQ(all[1].id, ids_[0]);
  EXPECT_EQ(all[2].name, "refs/heads/main");
  EXPECT_EQ(all[2].symbolic_target, "");
  EXPECT_EQ(all[3].name, "refs/heads/unborn");
  EXPECT_TRUE(all[3].id.IsZero());  // dangling

  // Repointing HEAD is logged like `git checkout`.
  ASSERT_OK(store_->UpdateRefs({Create("refs/heads/b", ids_[1])}));
  ASSERT_OK(store_->SetSymbolicRef("HEAD", "refs/heads/b"));
  ASSERT_OK_AND_ASSIGN(ObjectId head, store_->ReadRef("HEAD"));
  EXPECT_EQ(head, ids_[1]);
  EXPECT_EQ(Describe(Log("HEAD")).back(),
            Short(ids_[0]) + " " + Short(ids_[1]) + " symbolic ref to refs/heads/b");

  EXPECT_EQ(store_->SetSymbolicRef("refs/heads/x", "refs/heads/x").code(),
            Status::Code::kInvalidArgument);
  EXPECT_EQ(store_->SetSymbolicRef("refs/heads/x", "bad..name").code(),
            Status::Code::kInvalidArgument);
  EXPECT_EQ(store_->SetSymbolicRef("refs/heads/main/sub", "refs/heads/b").code(),
            Status::Code::kInvalidArgument);  // "refs/heads/main" is a ref, not a directory
}

TEST_F(ReflogTest, Libgit2ReferenceWritesAppendAndReadBackNewestFirst) {
  WithStoreRepository([&](git_repository* repo) {
    git_signature* raw_sig = nullptr;
    ASSERT_EQ(git_signature_new(&raw_sig, "A U Thor", "author@example.com", 1700000000, 120), 0);
    GitPtr<git_signature> sig(raw_sig);
    const git_oid one = ToGit(ids_[0]), two = ToGit(ids_[1]);
    git_reference* raw = nullptr;
    ASSERT_EQ(git_reference_create(&raw, repo, "refs/heads/topic", &one, 0, "branch: Created"), 0);
    git_reference_free(raw);
    ASSERT_EQ(git_reference_create(&raw, repo, "refs/heads/topic", &two, 1, "commit: next"), 0);
    git_reference_free(raw);
    EXPECT_EQ(git_reference_has_log(repo, "refs/heads/topic"), 1);

    git_reflog* raw_log = nullptr;
    ASSERT_EQ(git_reflog_read(&raw_log, repo, "refs/heads/topic"), 0) << git_error_last()->message;
    GitPtr<git_reflog> log(raw_log);
    ASSERT_EQ(git_reflog_entrycount(log.get()), 2u);
    const git_reflog_entry* newest = git_reflog_entry_byindex(log.get(), 0);
    EXPECT_STREQ(git_reflog_entry_message(newest), "commit: next");
    EXPECT_EQ(FromGit(*git_reflog_entry_id_old(newest)), ids_[0]);
    EXPECT_EQ(FromGit(*git_reflog_entry_id_new(newest)), ids_[1]);

    // Append with an explicit committer, and write the whole log back.
    ASSERT_EQ(git_reflog_append(log.get(), &one, sig.get(), "reset: moving to one"), 0);
    ASSERT_EQ(git_reflog_write(log.get()), 0) << git_error_last()->message;
  });
  const std::vector<ReflogEntry> log = Log("refs/heads/topic");
  EXPECT_THAT(Describe(log),
              ElementsAre("0000000 " + Short(ids_[0]) + " branch: Created",
                          Short(ids_[0]) + " " + Short(ids_[1]) + " commit: next",
                          Short(ids_[1]) + " " + Short(ids_[0]) + " reset: moving to one"));
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(log[2].committer.name, "A U Thor");
  EXPECT_EQ(log[2].committer.email, "author@example.com");
  EXPECT_EQ(log[2].committer.time, 1700000000);

  // The time zone survives a round trip through libgit2.
  WithStoreRepository([&](git_repository* repo) {
    git_reflog* raw_log = nullptr;
    ASSERT_EQ(git_reflog_read(&raw_log, repo, "refs/heads/topic"), 0);
    GitPtr<git_reflog> reread(raw_log);
    const git_signature* who =
        git_reflog_entry_committer(git_reflog_entry_byindex(reread.get(), 0));
    EXPECT_EQ(who->when.offset, 120);
    // Dropping the newest entry.
    ASSERT_EQ(git_reflog_drop(reread.get(), 0, 1), 0);
    ASSERT_EQ(git_reflog_write(reread.get()), 0);
  });
  EXPECT_EQ(Log("refs/heads/topic").size(), 2u);
}

TEST_F(ReflogTest, Libgit2EnsureRenameAndDeleteLogs) {
  WithStoreRepository([&](git_repository* repo) {
    EXPECT_EQ(git_reference_has_log(repo, "refs/heads/fresh"), 0);
    ASSERT_EQ(git_reference_ensure_log(repo, "refs/heads/fresh"), 0);
    EXPECT_EQ(git_reference_has_log(repo, "refs/heads/fresh"), 1);
    git_reflog* raw_log = nullptr;
    ASSERT_EQ(git_reflog_read(&raw_log, repo, "refs/heads/fresh"), 0);
    EXPECT_EQ(git_reflog_entrycount(raw_log), 0u);
    git_reflog_free(raw_log);

    const git_oid one = ToGit(ids_[0]);
    git_reference* raw = nullptr;
    ASSERT_EQ(git_reference_create(&raw, repo, "refs/heads/old", &one, 0, "create"), 0);
    GitPtr<git_reference> old_ref(raw);
    // Renaming a ref moves its log and records the rename.
    ASSERT_EQ(git_reference_rename(&raw, old_ref.get(), "refs/heads/new", 0, "renamed"), 0);
    GitPtr<git_reference> new_ref(raw);
    EXPECT_EQ(git_reference_has_log(repo, "refs/heads/old"), 0);
    EXPECT_EQ(git_reference_has_log(repo, "refs/heads/new"), 1);

    // The reflog API's own rename and delete.
    ASSERT_EQ(git_reflog_rename(repo, "refs/heads/new", "refs/heads/moved"), 0);
    EXPECT_EQ(git_reference_has_log(repo, "refs/heads/new"), 0);
    EXPECT_EQ(git_reflog_rename(repo, "refs/heads/moved", "bad..name"), GIT_EINVALIDSPEC);
    ASSERT_EQ(git_reflog_delete(repo, "refs/heads/fresh"), 0);
    EXPECT_EQ(git_reference_has_log(repo, "refs/heads/fresh"), 0);

    // Deleting a ref deletes its log.
    ASSERT_EQ(git_reference_create(&raw, repo, "refs/heads/gone", &one, 0, "create"), 0);
    GitPtr<git_reference> gone(raw);
    ASSERT_EQ(git_reference_delete(gone.get()), 0);
    EXPECT_EQ(git_reference_has_log(repo, "refs/heads/gone"), 0);
  });
  EXPECT_THAT(Describe(Log("refs/heads/moved")),
              ElementsAre("0000000 " + Short(ids_[0]) + " create",
                          Short(ids_[0]) + " " + Short(ids_[0]) + " renamed"));
}

TEST_F(ReflogTest, TransactionsLogInTheirOwnLmdbTransaction) {
  ASSERT_OK(store_->UpdateRefs({Create("refs/heads/a", ids_[0]), Create("refs/heads/b", ids_[0])},
                               "init"));
  WithStoreRepository([&](git_repository* repo) {
    const git_oid two = ToGit(ids_[1]);
    git_transaction* raw = nullptr;
    ASSERT_EQ(git_transaction_new(&raw, repo), 0);
    GitPtr<git_transaction> tx(raw);
    ASSERT_EQ(git_transaction_lock_ref(tx.get(), "refs/heads/a"), 0);
    ASSERT_EQ(git_transaction_lock_ref(tx.get(), "refs/heads/b"), 0);
    ASSERT_EQ(git_transaction_set_target(tx.get(), "refs/heads/a", &two, nullptr, "tx: a"), 0);
    // b's log is replaced wholesale (git_transaction_set_reflog), from one
    // read before the transaction plus an entry.
    git_reflog* raw_log = nullptr;
    ASSERT_EQ(git_reflog_read(&raw_log, repo, "refs/heads/b"), 0);
    GitPtr<git_reflog> log(raw_log);
    git_signature* raw_sig = nullptr;
    ASSERT_EQ(git_signature_now(&raw_sig, "T", "t@example.com"), 0);
    GitPtr<git_signature> sig(raw_sig);
    ASSERT_EQ(git_reflog_append(log.get(), &two, sig.get(), "tx: b (log only)"), 0);
    ASSERT_EQ(git_transaction_set_reflog(tx.get(), "refs/heads/b", log.get()), 0);
    ASSERT_EQ(git_transaction_set_target(tx.get(), "refs/heads/b", &two, nullptr, "ignored"), 0);
    ASSERT_EQ(git_transaction_commit(tx.get()), 0) << git_error_last()->message;
  });
  EXPECT_THAT(Describe(Log("refs/heads/a")),
              ElementsAre("0000000 " + Short(ids_[0]) + " init",
                          Short(ids_[0]) + " " + Short(ids_[1]) + " tx: a"));
  EXPECT_THAT(Describe(Log("refs/heads/b")),
              ElementsAre("0000000 " + Short(ids_[0]) + " init",
                          Short(ids_[0]) + " " + Short(ids_[1]) + " tx: b (log only)"));

  // A transaction that loses its compare-and-swap logs nothing.
  WithStoreRepository([&](git_repository* repo) {
    const git_oid three = ToGit(ids_[2]);
    git_transaction* raw = nullptr;
    ASSERT_EQ(git_transaction_new(&raw, repo), 0);
    GitPtr<git_transaction> tx(raw);
    ASSERT_EQ(git_transaction_lock_ref(tx.get(), "refs/heads/a"), 0);
    ASSERT_EQ(git_transaction_set_target(tx.get(), "refs/heads/a", &three, nullptr, "tx: lost"), 0);
    ASSERT_OK(store_->UpdateRefs({Set("refs/heads/a", ids_[0])}, "meanwhile"));
    EXPECT_EQ(git_transaction_commit(tx.get()), GIT_EMODIFIED);
  });
  EXPECT_EQ(Describe(Log("refs/heads/a")).back(),
            Short(ids_[1]) + " " + Short(ids_[0]) + " meanwhile");
}

}  // namespace
}  // namespace clive::store
