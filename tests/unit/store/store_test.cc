// Unit tests for clive::store: a real LMDB environment in a fresh temporary
// directory per test and real libgit2.
//
// Besides the public API, the interop tests reach libgit2 through the store's
// private backends (store/src/backends.h) to check that git_odb / git_refdb
// calls see, and honour, the same data.
#include "store_test_util.h"

namespace clive::store {
namespace {

// --- ObjectId ---

TEST(ObjectIdTest, HexRoundTripAndValidation) {
  const std::string hex = "ce013625030ba8dba906f756967f9e9ca394464a";
  auto id = ObjectId::FromHex(hex);
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(id->Hex(), hex);
  EXPECT_EQ(id->bytes[0], 0xce);
  EXPECT_EQ(ObjectId::FromHex("CE013625030BA8DBA906F756967F9E9CA394464A")->Hex(), hex);
  EXPECT_FALSE(id->IsZero());
  EXPECT_TRUE(ObjectId().IsZero());
  EXPECT_EQ(ObjectId::FromHex(hex.substr(1)).status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(ObjectId::FromHex("g" + hex.substr(1)).status().code(), Status::Code::kInvalidArgument);
}

// --- objects ---

TEST_F(StoreTest, BlobRoundTripHasGitId) {
  auto store = Open();
  ASSERT_TRUE(store);
  ASSERT_OK_AND_ASSIGN(ObjectId id, store->WriteObject(ObjectType::kBlob, "hello\n"));
  // `printf 'hello\n' | git hash-object --stdin`
  EXPECT_EQ(id.Hex(), "ce013625030ba8dba906f756967f9e9ca394464a");
  ASSERT_OK_AND_ASSIGN(Object object, store->ReadObject(id));
  EXPECT_EQ(object.type, ObjectType::kBlob);
  EXPECT_EQ(object.data, "hello\n");
  ASSERT_OK_AND_ASSIGN(bool has, store->HasObject(id));
  EXPECT_TRUE(has);
}

TEST_F(StoreTest, IdsMatchGitForEveryTypeAndBinaryContent) {
  auto store = Open();
  ASSERT_TRUE(store);
  const std::string binary("a\0b\xff\n", 5);
  for (auto [type, data] : std::vector<std::pair<ObjectType, std::string>>{
           {ObjectType::kBlob, ""}, {ObjectType::kBlob, binary}, {ObjectType::kTree, ""}}) {
    ASSERT_OK_AND_ASSIGN(ObjectId id, store->WriteObject(type, data));
    EXPECT_EQ(id, GitHash(type, data));
    ASSERT_OK_AND_ASSIGN(Object object, store->ReadObject(id));
    EXPECT_EQ(object.data, data);
    EXPECT_EQ(object.type, type);
  }
  EXPECT_EQ(GitHash(ObjectType::kBlob, "").Hex(), "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391");
  EXPECT_FALSE(store->WriteObject(static_cast<ObjectType>(9), "x").ok());
}

TEST_F(StoreTest, IdenticalContentIsStoredOnce) {
  ObjectId first;
  {
    auto store = Open();
    ASSERT_TRUE(store);
    ASSERT_OK_AND_ASSIGN(first, store->WriteObject(ObjectType::kBlob, "same"));
    ASSERT_OK_AND_ASSIGN(ObjectId second, store->WriteObject(ObjectType::kBlob, "same"));
    EXPECT_EQ(first, second);
    ASSERT_OK(store->WriteObject(ObjectType::kBlob, "other"));
  }
  WithRepository([&](git_repository* repo) {
    git_odb* raw = nullptr;
    ASSERT_EQ(git_repository_odb(&raw, repo), 0);
    GitPtr<git_odb> odb(raw);
    std::vector<ObjectId> ids;
    ASSERT_EQ(git_odb_foreach(
                  odb.get(),
                  [](const git_oid* oid, void* payload) {
                    static_cast<std::vector<ObjectId>*>(payload)->push_back(FromGit(*oid));
                    return 0;
                  },
                  &ids),
              0);
    EXPECT_EQ(ids.size(), 2u);
    EXPECT_EQ(std::count(ids.begin(), ids.end(), first), 1);
  });
}

TEST_F(StoreTest, MissingObjectIsNotFound) {
  auto store = Open();
  ASSERT_TRUE(store);
  const ObjectId missing = GitHash(ObjectType::kBlob, "never written");
  auto object = store->ReadObject(missing);
  ASSERT_FALSE(object.ok());
  EXPECT_TRUE(object.status().IsNotFound()) << object.status().ToString();
  EXPECT_THAT(object.status().message(), HasSubstr(missing.Hex()));
  ASSERT_OK_AND_ASSIGN(bool has, store->HasObject(missing));
  EXPECT_FALSE(has);
}

TEST_F(StoreTest, CorruptedObjectIsDetected) {
  ObjectId id;
  {
    auto store = Open();
    ASSERT_TRUE(store);
    ASSERT_OK_AND_ASSIGN(id, store->WriteObject(ObjectType::kBlob, "original"));
  }
  {
    // Overwrite the stored content behind libgit2's back.
    auto env = lmdb::Env::Open(dir_, {});
    ASSERT_TRUE(env.ok());
    auto txn = lmdb::Txn::Begin(**env, lmdb::Txn::Mode::kWrite);
    ASSERT_TRUE(txn.ok());
    ASSERT_OK(txn->Put((*env)->objects(), lmdb::ObjectKey(id), std::string("\x01\x03tampered")));
    ASSERT_OK(txn->Commit());
  }
  auto store = Open();
  ASSERT_TRUE(store);
  auto object = store->ReadObject(id);
  ASSERT_FALSE(object.ok());
  EXPECT_EQ(object.status().code(), Status::Code::kCorruption) << object.status().ToString();
}

// --- trees and commits ---

TEST_F(StoreTest, TreeIsSortedTheGitWayAndRoundTrips) {
  auto store = Open();
  ASSERT_TRUE(store);
  ASSERT_OK_AND_ASSIGN(ObjectId blob_a, store->WriteObject(ObjectType::kBlob, "a"));
  ASSERT_OK_AND_ASSIGN(ObjectId blob_b, store->WriteObject(ObjectType::kBlob, "b"));
  ASSERT_OK_AND_ASSIGN(ObjectId sub, store->WriteTree({{"inner", blob_a, TreeEntry::Mode::kBlob}}));
  // Git compares a tree's name as if it ended in '/', so "lib" (a tree) sorts
  // after "lib.txt" although a plain byte sort puts it first.
  ASSERT_OK_AND_ASSIGN(ObjectId tree, store->WriteTree({{"lib.txt", blob_b, TreeEntry::Mode::kBlob},
                                                        {"lib", sub, TreeEntry::Mode::kTree},
                                                        {"a", blob_a, TreeEntry::Mode::kBlob}}));
  const std::string raw = "100644 a" + std::string(1, '\0') + Raw(blob_a) + "100644 lib.txt" +
                          std::string(1, '\0') + Raw(blob_b) + "40000 lib" + std::string(1, '\0') +
                          Raw(sub);
  EXPECT_EQ(tree, GitHash(ObjectType::kTree, raw));

  ASSERT_OK_AND_ASSIGN(std::vector<TreeEntry> entries, store->ReadTree(tree));
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].name, "a");
  EXPECT_EQ(entries[1].name, "lib.txt");
  EXPECT_EQ(entries[2].name, "lib");
  EXPECT_EQ(entries[2].mode, TreeEntry::Mode::kTree);
  EXPECT_EQ(entries[2].id, sub);
  EXPECT_EQ(entries[1].mode, TreeEntry::Mode::kBlob);
  EXPECT_EQ(entries[1].id, blob_b);

  ASSERT_OK_AND_ASSIGN(ObjectId empty, store->WriteTree({}));
  EXPECT_EQ(empty.Hex(), "4b825dc642cb6eb9a060e54bf8d69288fbee4904");
}

TEST_F(StoreTest, BadTreesAreRejected) {
  auto store = Open();
  ASSERT_TRUE(store);
  ASSERT_OK_AND_ASSIGN(ObjectId blob, store->WriteObject(ObjectType::kBlob, "x"));
  const ObjectId missing = GitHash(ObjectType::kBlob, "missing");
  EXPECT_FALSE(store->WriteTree({{"f", missing, TreeEntry::Mode::kBlob}}).ok());
  EXPECT_FALSE(store->WriteTree({{"f", blob, TreeEntry::Mode::kTree}}).ok());  // type mismatch
  EXPECT_FALSE(store->WriteTree({{"a/b", blob, TreeEntry::Mode::kBlob}}).ok());
  auto dup =
      store->WriteTree({{"f", blob, TreeEntry::Mode::kBlob}, {"f", blob, TreeEntry::Mode::kBlob}});
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.status().code(), Status::Code::kInvalidArgument);
  EXPECT_FALSE(store->ReadTree(blob).ok());  // a blob is not a tree
}

TEST_F(StoreTest, CommitRoundTripsWithGitId) {
  auto store = Open();
  ASSERT_TRUE(store);
  ASSERT_OK_AND_ASSIGN(ObjectId tree, store->WriteTree({}));
  Commit root;
  root.tree = tree;
  root.author = {"A U Thor", "author@example.com", 1700000000};
  root.message = "\nroot\n";
  ASSERT_OK_AND_ASSIGN(ObjectId root_id, store->WriteCommit(root));
  const std::string sig = "A U Thor <author@example.com> 1700000000 +0000\n";
  EXPECT_EQ(root_id, GitHash(ObjectType::kCommit, "tree " + tree.Hex() + "\nauthor " + sig +
                                                      "committer " + sig + "\n\nroot\n"));

  Commit child = root;
  child.parents = {root_id};
  child.message = "child";
  ASSERT_OK_AND_ASSIGN(ObjectId child_id, store->WriteCommit(child));
  ASSERT_OK_AND_ASSIGN(Commit read, store->ReadCommit(child_id));
  EXPECT_EQ(read.tree, tree);
  EXPECT_THAT(read.parents, ElementsAre(root_id));
  EXPECT_EQ(read.author.name, "A U Thor");
  EXPECT_EQ(read.author.email, "author@example.com");
  EXPECT_EQ(read.author.time, 1700000000);
  EXPECT_EQ(read.message, "child");
  ASSERT_OK_AND_ASSIGN(Commit read_root, store->ReadCommit(root_id));
  EXPECT_EQ(read_root.message, "\nroot\n");  // kept verbatim
  EXPECT_TRUE(read_root.parents.empty());
}

TEST_F(StoreTest, CommitTimeZeroMeansNowAndBadInputsFail) {
  auto store = Open();
  ASSERT_TRUE(store);
  ASSERT_OK_AND_ASSIGN(ObjectId tree, store->WriteTree({}));
  Commit commit;
  commit.tree = tree;
  commit.message = "now";
  const int64_t before = std::time(nullptr);
  ASSERT_OK_AND_ASSIGN(ObjectId id, store->WriteCommit(commit));
  const int64_t after = std::time(nullptr);
  ASSERT_OK_AND_ASSIGN(Commit read, store->ReadCommit(id));
  EXPECT_GE(read.author.time, before);
  EXPECT_LE(read.author.time, after);

  Commit orphan = commit;
  orphan.parents = {GitHash(ObjectType::kCommit, "no such commit")};
  EXPECT_FALSE(store->WriteCommit(orphan).ok());
  Commit no_tree = commit;
  no_tree.tree = GitHash(ObjectType::kTree, "no such tree");
  EXPECT_FALSE(store->WriteCommit(no_tree).ok());
  EXPECT_FALSE(store->ReadCommit(tree).ok());  // a tree is not a commit
}

// --- opening ---

TEST_F(StoreTest, RefusesNonStoreDirectoriesAndAcceptsEmptyOnes) {
  fs::create_directories(dir_);
  { std::ofstream(dir_ / "notes.txt") << "precious"; }
  auto store = Store::Open(dir_);
  ASSERT_FALSE(store.ok());
  EXPECT_THAT(store.status().message(), HasSubstr("not a clive store"));
  EXPECT_FALSE(fs::exists(dir_ / "data.mdb"));  // nothing was created

  fs::remove(dir_ / "notes.txt");
  auto fresh = Store::Open(dir_);
  ASSERT_TRUE(fresh.ok()) << fresh.status().ToString();
  EXPECT_EQ((*fresh)->path(), dir_);
  EXPECT_TRUE(fs::exists(dir_ / "data.mdb"));
}

TEST_F(StoreTest, RefusesForeignLmdbEnvironments) {
  fs::create_directories(dir_);
  MDB_env* env = nullptr;
  ASSERT_EQ(mdb_env_create(&env), 0);
  ASSERT_EQ(mdb_env_open(env, dir_.c_str(), 0, 0644), 0);
  MDB_txn* txn = nullptr;
  MDB_dbi dbi;
  ASSERT_EQ(mdb_txn_begin(env, nullptr, 0, &txn), 0);
  ASSERT_EQ(mdb_dbi_open(txn, nullptr, 0, &dbi), 0);
  MDB_val key{3, const_cast<char*>("key")}, value{5, const_cast<char*>("value")};
  ASSERT_EQ(mdb_put(txn, dbi, &key, &value, 0), 0);
  ASSERT_EQ(mdb_txn_commit(txn), 0);
  mdb_env_close(env);

  auto store = Store::Open(dir_);
  ASSERT_FALSE(store.ok());
  EXPECT_THAT(store.status().message(), HasSubstr("not a clive store"));
}

TEST_F(StoreTest, CreateIfMissingFalseAndNonDirectories) {
  auto missing = Store::Open(dir_, {.create_if_missing = false});
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(missing.status().IsNotFound());
  EXPECT_FALSE(fs::exists(dir_));

  { std::ofstream(dir_) << "a file"; }
  EXPECT_FALSE(Store::Open(dir_).ok());
}

TEST_F(StoreTest, PermissionDenied) {
  if (geteuid() == 0) GTEST_SKIP() << "root ignores directory permissions";
  fs::create_directories(root_ / "locked");
  fs::permissions(root_ / "locked", fs::perms::owner_read | fs::perms::owner_exec);
  const fs::path dir = root_ / "locked" / "store";
  auto store = Store::Open(dir);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), Status::Code::kPermissionDenied);
  EXPECT_EQ(store.status().message(),
            "cannot open store at " + dir.string() + ": Permission denied");

  // An existing store whose files cannot be written.
  ASSERT_TRUE(Open());
  for (const char* file : {"data.mdb", "lock.mdb"}) {
    fs::permissions(dir_ / file, fs::perms::owner_read);
  }
  auto read_only = Store::Open(dir_);
  ASSERT_FALSE(read_only.ok());
  EXPECT_EQ(read_only.status().code(), Status::Code::kPermissionDenied)
      << read_only.status().ToString();
}

TEST_F(StoreTest, NonDurableModeStillPersistsOnCleanClose) {
  ObjectId id;
  {
    auto store = Open({.durable = false});
    ASSERT_TRUE(store);
    ASSERT_OK_AND_ASSIGN(id, store->WriteObject(ObjectType::kBlob, "bulk"));
    ASSERT_OK(store->UpdateRefs({Set("refs/heads/bulk", id)}));
  }
  auto store = Open();
  ASSERT_TRUE(store);
  ASSERT_OK_AND_ASSIGN(ObjectId read, store->ReadRef("refs/heads/bulk"));
  EXPECT_EQ(read, id);
}

}  // namespace
}  // namespace clive::store

// Kept in separate files to keep each one short; they use the helpers above.
