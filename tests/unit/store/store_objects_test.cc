// Unit tests of clive::store: the object API beyond read/write (headers,
// batches, prefixes, iteration), compressed records, Stats and Fsck.
#include <cstdio>
#include <random>

#include "store_test_util.h"

namespace clive::store {
namespace {

// One fixture name per file: StoreTest lives in an anonymous namespace.
class ObjectsTest : public StoreTest {};

// Content zstd shrinks a lot, and content it cannot shrink at all.
std::string Compressible(size_t size) {
  std::string out;
  for (int line = 0; out.size() < size; ++line) {
    out +=
        "val cell" + std::to_string(line) + " = backendModule { jvm = JVM { memory = 16.GB } }\n";
  }
  out.resize(size);
  return out;
}

std::string Incompressible(size_t size, unsigned seed) {
  std::mt19937 rng(seed);
  std::string out(size, '\0');
  for (char& c : out) c = static_cast<char>(rng() & 0xff);
  return out;
}

// The first byte of the LMDB record of `id` (the record format).
uint8_t RecordFormat(const fs::path& dir, const ObjectId& id) {
  auto env = lmdb::Env::Open(dir, {});
  EXPECT_TRUE(env.ok()) << env.status().ToString();
  if (!env.ok()) return 0;
  auto txn = lmdb::Txn::Begin(**env, lmdb::Txn::Mode::kRead);
  auto value = txn->Get((*env)->objects(), lmdb::ObjectKey(id));
  EXPECT_TRUE(value.ok() && value->has_value());
  return value.ok() && *value ? static_cast<uint8_t>((**value)[0]) : 0;
}

// Replaces the record of `id` behind the store's back.
void PutRawRecord(const fs::path& dir, const ObjectId& id, std::string_view record) {
  auto env = lmdb::Env::Open(dir, {});
  ASSERT_TRUE(env.ok()) << env.status().ToString();
  auto txn = lmdb::Txn::Begin(**env, lmdb::Txn::Mode::kWrite);
  ASSERT_TRUE(txn.ok());
  ASSERT_OK(txn->Put((*env)->objects(), lmdb::ObjectKey(id), record));
  ASSERT_OK(txn->Commit());
}

std::string GetRawRecord(const fs::path& dir, const ObjectId& id) {
  auto env = lmdb::Env::Open(dir, {});
  EXPECT_TRUE(env.ok());
  auto txn = lmdb::Txn::Begin(**env, lmdb::Txn::Mode::kRead);
  auto value = txn->Get((*env)->objects(), lmdb::ObjectKey(id));
  return value.ok() && *value ? std::string(**value) : std::string();
}

// Two contents whose ids share their first `digits` hex digits and differ
// in the next one.
std::pair<std::string, std::string> CollidingContents(size_t digits, std::string_view tag) {
  std::map<std::string, std::string> by_prefix;
  for (int i = 0;; ++i) {
    const std::string content = std::string(tag) + std::to_string(i);
    const std::string hex = GitHash(ObjectType::kBlob, content).Hex();
    auto [it, inserted] = by_prefix.emplace(hex.substr(0, digits), content);
    if (!inserted && GitHash(ObjectType::kBlob, it->second).Hex()[digits] != hex[digits]) {
      return {it->second, content};
    }
  }
}

TEST_F(ObjectsTest, ReadHeaderGivesTypeAndSize) {
  auto store = Open();
  ASSERT_TRUE(store);
  const std::string big = Compressible(100000);
  ASSERT_OK_AND_ASSIGN(ObjectId small, store->WriteObject(ObjectType::kBlob, "hello\n"));
  ASSERT_OK_AND_ASSIGN(ObjectId large, store->WriteObject(ObjectType::kBlob, big));
  ASSERT_OK_AND_ASSIGN(ObjectId tree, store->WriteTree({{"f", small, TreeEntry::Mode::kBlob}}));
  ASSERT_OK_AND_ASSIGN(ObjectHeader h1, store->ReadHeader(small));
  EXPECT_EQ(h1.type, ObjectType::kBlob);
  EXPECT_EQ(h1.size, 6u);
  ASSERT_OK_AND_ASSIGN(ObjectHeader h2, store->ReadHeader(large));
  EXPECT_EQ(h2.size, big.size());  // the uncompressed size
  ASSERT_OK_AND_ASSIGN(ObjectHeader h3, store->ReadHeader(tree));
  EXPECT_EQ(h3.type, ObjectType::kTree);
  EXPECT_TRUE(store->ReadHeader(GitHash(ObjectType::kBlob, "absent")).status().IsNotFound());
}

TEST_F(ObjectsTest, WriteObjectsStoresABatchWithGitIds) {
  auto store = Open();
  ASSERT_TRUE(store);
  const std::string big = Compressible(5000);
  std::vector<std::pair<ObjectType, std::string_view>> batch = {
      {ObjectType::kBlob, "a"},
      {ObjectType::kBlob, big},
      {ObjectType::kTree, ""},
      {ObjectType::kBlob, "a"}};  // duplicates are fine: stored once.
  ASSERT_OK_AND_ASSIGN(std::vector<ObjectId> ids, store->WriteObjects(batch));
  ASSERT_EQ(ids.size(), 4u);
  for (size_t i = 0; i < batch.size(); ++i) {
    EXPECT_EQ(ids[i], GitHash(batch[i].first, batch[i].second));
    ASSERT_OK_AND_ASSIGN(Object object, store->ReadObject(ids[i]));
    EXPECT_EQ(object.data, batch[i].second);
  }
  EXPECT_EQ(ids[0], ids[3]);
  ASSERT_OK_AND_ASSIGN(StoreStats stats, store->Stats());
  EXPECT_EQ(stats.objects, 3u);

  // One invalid type rejects the whole batch.
  auto bad = store->WriteObjects({{ObjectType::kBlob, "new"}, {static_cast<ObjectType>(7), "x"}});
  EXPECT_EQ(bad.status().code(), Status::Code::kInvalidArgument);
  EXPECT_FALSE(*store->HasObject(GitHash(ObjectType::kBlob, "new")));
  ASSERT_OK_AND_ASSIGN(auto empty, store->WriteObjects({}));
  EXPECT_TRUE(empty.empty());
}

TEST_F(ObjectsTest, LargeCompressibleObjectsAreCompressedOthersStayRaw) {
  const std::string text = Compressible(200000);
  const std::string noise = Incompressible(8000, 1);
  const std::string small = Compressible(300);
  ObjectId text_id, noise_id, small_id;
  {
    auto store = Open();
    ASSERT_TRUE(store);
    ASSERT_OK_AND_ASSIGN(text_id, store->WriteObject(ObjectType::kBlob, text));
    ASSERT_OK_AND_ASSIGN(noise_id, store->WriteObject(ObjectType::kBlob, noise));
    ASSERT_OK_AND_ASSIGN(small_id, store->WriteObject(ObjectType::kBlob, small));
    ASSERT_OK_AND_ASSIGN(StoreStats stats, store->Stats());
    EXPECT_EQ(stats.content_bytes, text.size() + noise.size() + small.size());
    EXPECT_LT(stats.stored_bytes, stats.content_bytes / 2);
  }
  EXPECT_EQ(RecordFormat(dir_, text_id), lmdb::kObjectFormatZstd);
  EXPECT_EQ(RecordFormat(dir_, noise_id), lmdb::kObjectFormatRaw);
  EXPECT_EQ(RecordFormat(dir_, small_id), lmdb::kObjectFormatRaw);
  EXPECT_LT(GetRawRecord(dir_, text_id).size(), text.size() / 10);

  auto store = Open();
  ASSERT_TRUE(store);
  for (auto [id, content] : {std::pair{text_id, &text}, {noise_id, &noise}, {small_id, &small}}) {
    ASSERT_OK_AND_ASSIGN(Object object, store->ReadObject(id));  // through libgit2
    EXPECT_EQ(object.data, *content);
  }
}

TEST_F(ObjectsTest, RawRecordsOfAnyLengthStayReadable) {
  // Stores written before compression existed hold raw records only.
  const std::string text = Compressible(50000);
  const ObjectId id = GitHash(ObjectType::kBlob, text);
  ASSERT_TRUE(Open());  // creates the store
  PutRawRecord(dir_, id, std::string("\x01\x03", 2) + text);
  auto store = Open();
  ASSERT_TRUE(store);
  ASSERT_OK_AND_ASSIGN(Object object, store->ReadObject(id));
  EXPECT_EQ(object.data, text);
  ASSERT_OK_AND_ASSIGN(FsckReport report, store->Fsck());
  EXPECT_TRUE(report.ok());
}

TEST_F(ObjectsTest, DamagedCompressedRecordIsCorruption) {
  const std::string text = Compressible(20000);
  ObjectId id;
  {
    auto store = Open();
    ASSERT_TRUE(store);
    ASSERT_OK_AND_ASSIGN(id, store->WriteObject(ObjectType::kBlob, text));
  }
  std::string record = GetRawRecord(dir_, id);
  ASSERT_EQ(static_cast<uint8_t>(record[0]), lmdb::kObjectFormatZstd);
  record.resize(record.size() / 2);  // a truncated zstd frame
  PutRawRecord(dir_, id, record);
  auto store = Open();
  ASSERT_TRUE(store);
  auto read = store->ReadObject(id);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().code(), Status::Code::kCorruption) << read.status().ToString();
  ASSERT_OK_AND_ASSIGN(FsckReport report, store->Fsck());
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_EQ(report.problems[0].kind, FsckProblem::Kind::kBadObject);
  EXPECT_THAT(report.problems[0].message, HasSubstr(id.Hex()));
}

TEST_F(ObjectsTest, ResolvePrefix) {
  auto store = Open();
  ASSERT_TRUE(store);
  // a and b share 4 digits; c and d share 5 (an odd length).
  auto [a, b] = CollidingContents(4, "four ");
  auto [c, d] = CollidingContents(5, "five ");
  ASSERT_OK_AND_ASSIGN(auto ids, store->WriteObjects({{ObjectType::kBlob, a},
                                                      {ObjectType::kBlob, b},
                                                      {ObjectType::kBlob, c},
                                                      {ObjectType::kBlob, d}}));
  const std::string hex_a = ids[0].Hex();
  const std::string hex_c = ids[2].Hex();

  auto ambiguous = store->ResolvePrefix(hex_a.substr(0, 4));
  ASSERT_EQ(ambiguous.status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(ambiguous.status().message(), "ambiguous object id prefix " + hex_a.substr(0, 4));
  ASSERT_OK_AND_ASSIGN(ObjectId unique_a, store->ResolvePrefix(hex_a.substr(0, 5)));
  EXPECT_EQ(unique_a, ids[0]);

  EXPECT_EQ(store->ResolvePrefix(hex_c.substr(0, 5)).status().code(),
            Status::Code::kInvalidArgument);
  ASSERT_OK_AND_ASSIGN(ObjectId unique_c, store->ResolvePrefix(hex_c.substr(0, 6)));
  EXPECT_EQ(unique_c, ids[2]);
  ASSERT_OK_AND_ASSIGN(ObjectId odd_d, store->ResolvePrefix(ids[3].Hex().substr(0, 7)));
  EXPECT_EQ(odd_d, ids[3]);

  // Full ids, upper case.
  std::string upper = hex_a;
  for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  ASSERT_OK_AND_ASSIGN(ObjectId full, store->ResolvePrefix(upper));
  EXPECT_EQ(full, ids[0]);

  // Nothing matches: NotFound. Malformed: InvalidArgument.
  std::string none;
  for (int i = 0; none.empty(); ++i) {
    char candidate[16];
    std::snprintf(candidate, sizeof(candidate), "%04x", i);
    if (std::none_of(ids.begin(), ids.end(),
                     [&](const ObjectId& id) { return id.Hex().starts_with(candidate); })) {
      none = candidate;
    }
  }
  EXPECT_TRUE(store->ResolvePrefix(none).status().IsNotFound());
  EXPECT_TRUE(
      store->ResolvePrefix(GitHash(ObjectType::kBlob, "absent").Hex()).status().IsNotFound());
  for (const std::string& bad :
       std::vector<std::string>{"", "abc", "abcg", std::string(41, 'a'), std::string("ab\0d", 4)}) {
    EXPECT_EQ(store->ResolvePrefix(bad).status().code(), Status::Code::kInvalidArgument) << bad;
  }
}

TEST_F(ObjectsTest, ForEachObjectVisitsInIdOrderAndMayUseTheStore) {
  auto store = Open();
  ASSERT_TRUE(store);
  // More than one internal chunk (4096 ids).
  std::vector<std::string> contents;
  for (int i = 0; i < 5000; ++i) contents.push_back("object " + std::to_string(i));
  std::vector<std::pair<ObjectType, std::string_view>> batch;
  for (const std::string& c : contents) batch.emplace_back(ObjectType::kBlob, c);
  ASSERT_OK_AND_ASSIGN(std::vector<ObjectId> ids, store->WriteObjects(batch));
  std::sort(ids.begin(), ids.end());

  std::vector<ObjectId> seen;
  ASSERT_OK(store->ForEachObject([&](const ObjectId& id) {
    // Calling back into the store must not deadlock.
    EXPECT_TRUE(store->ReadHeader(id).ok());
    seen.push_back(id);
    return true;
  }));
  EXPECT_EQ(seen, ids);

  size_t visited = 0;
  ASSERT_OK(store->ForEachObject([&](const ObjectId&) { return ++visited < 10; }));
  EXPECT_EQ(visited, 10u);
}

TEST_F(ObjectsTest, StatsCountsEverything) {
  auto store = Open();
  ASSERT_TRUE(store);
  ASSERT_OK_AND_ASSIGN(ObjectId blob1, store->WriteObject(ObjectType::kBlob, "one"));
  ASSERT_OK_AND_ASSIGN(ObjectId blob2, store->WriteObject(ObjectType::kBlob, "three"));
  ASSERT_OK_AND_ASSIGN(ObjectId tree, store->WriteTree({{"a", blob1, TreeEntry::Mode::kBlob},
                                                        {"b", blob2, TreeEntry::Mode::kBlob}}));
  ASSERT_OK_AND_ASSIGN(ObjectId commit, store->WriteCommit({tree, {}, {}, "msg"}));
  ASSERT_OK(store->UpdateRefs({Create("refs/heads/main", commit)}, "create"));
  ASSERT_OK(store->UpdateRefs({Set("refs/heads/main", commit), Create("refs/tags/t", blob1)}));

  ASSERT_OK_AND_ASSIGN(StoreStats stats, store->Stats());
  EXPECT_EQ(stats.objects, 4u);
  EXPECT_EQ(stats.blobs, 2u);
  EXPECT_EQ(stats.trees, 1u);
  EXPECT_EQ(stats.commits, 1u);
  EXPECT_EQ(stats.tags, 0u);
  uint64_t content = 0;
  for (const ObjectId& id : {blob1, blob2, tree, commit}) content += store->ReadHeader(id)->size;
  EXPECT_EQ(stats.content_bytes, content);
  // Raw records: 20-byte key + 2 header bytes + content each.
  EXPECT_EQ(stats.stored_bytes, content + 4 * 22);
  EXPECT_EQ(stats.refs, 3u);  // HEAD, main, t
  // main: create + update; HEAD follows main: 2 more; t: 1.
  EXPECT_EQ(stats.reflog_entries, 5u);
  EXPECT_EQ(stats.file_bytes, fs::file_size(dir_ / "data.mdb"));
  EXPECT_EQ(stats.map_bytes, StoreOptions{}.map_size);
}

// --- Fsck ---

TEST_F(ObjectsTest, FsckOfAHealthyStoreReportsUnreachableObjectsOnly) {
  auto store = Open();
  ASSERT_TRUE(store);
  ASSERT_OK_AND_ASSIGN(FsckReport empty, store->Fsck());
  EXPECT_TRUE(empty.ok());  // HEAD on an unborn branch is fine.

  ASSERT_OK_AND_ASSIGN(ObjectId blob, store->WriteObject(ObjectType::kBlob, "content"));
  ASSERT_OK_AND_ASSIGN(ObjectId sub, store->WriteTree({{"f", blob, TreeEntry::Mode::kBlob}}));
  ASSERT_OK_AND_ASSIGN(ObjectId tree, store->WriteTree({{"dir", sub, TreeEntry::Mode::kTree}}));
  ASSERT_OK_AND_ASSIGN(ObjectId root, store->WriteCommit({tree, {}, {}, "root"}));
  ASSERT_OK_AND_ASSIGN(ObjectId child, store->WriteCommit({tree, {root}, {}, "child"}));
  ASSERT_OK_AND_ASSIGN(ObjectId orphan, store->WriteObject(ObjectType::kBlob, "orphan"));
  ASSERT_OK(store->UpdateRefs({Create("refs/heads/main", child)}));

  ASSERT_OK_AND_ASSIGN(FsckReport report, store->Fsck());
  EXPECT_TRUE(report.ok()) << report.problems[0].message;
  EXPECT_EQ(report.objects_checked, 6u);
  EXPECT_EQ(report.refs_checked, 2u);
  EXPECT_EQ(report.reachable, 5u);
  EXPECT_THAT(report.unreachable, ElementsAre(orphan));
}

TEST_F(ObjectsTest, FsckFindsCorruptionMissingObjectsAndDanglingRefs) {
  ObjectId blob, tree_with_hole, hole, commit, bad_tree;
  {
    auto store = Open();
    ASSERT_TRUE(store);
    ASSERT_OK_AND_ASSIGN(blob, store->WriteObject(ObjectType::kBlob, "to be damaged"));
    // A tree naming a blob the store lacks (written raw: WriteTree refuses).
    hole = GitHash(ObjectType::kBlob, "never stored");
    ASSERT_OK_AND_ASSIGN(
        tree_with_hole,
        store->WriteObject(ObjectType::kTree, "100644 gone" + std::string(1, '\0') + Raw(hole)));
    ASSERT_OK_AND_ASSIGN(commit, store->WriteCommit({tree_with_hole, {}, {}, "c"}));
    ASSERT_OK_AND_ASSIGN(bad_tree, store->WriteObject(ObjectType::kTree, "not a tree"));
    ASSERT_OK(store->UpdateRefs({Create("refs/heads/main", commit)}));
    ASSERT_OK(store->SetSymbolicRef("refs/heads/alias", "refs/heads/missing"));
  }
  {
    // Flip one byte of the blob's content, and point a ref at nothing.
    auto env = lmdb::Env::Open(dir_, {});
    ASSERT_TRUE(env.ok());
    auto txn = lmdb::Txn::Begin(**env, lmdb::Txn::Mode::kWrite);
    ASSERT_TRUE(txn.ok());
    auto value = txn->Get((*env)->objects(), lmdb::ObjectKey(blob));
    ASSERT_TRUE(value.ok() && value->has_value());
    std::string record(**value);
    record.back() ^= 0x01;
    ASSERT_OK(txn->Put((*env)->objects(), lmdb::ObjectKey(blob), record));
    ASSERT_OK(lmdb::PutRef(*txn, "refs/heads/dangling",
                           lmdb::RefRecord::Direct(GitHash(ObjectType::kCommit, "no such"))));
    ASSERT_OK(txn->Commit());
  }
  auto store = Open();
  ASSERT_TRUE(store);
  ASSERT_OK_AND_ASSIGN(FsckReport report, store->Fsck());
  std::map<FsckProblem::Kind, std::vector<std::string>> by_kind;
  for (const FsckProblem& p : report.problems) by_kind[p.kind].push_back(p.message);
  EXPECT_EQ(report.problems.size(), 5u);
  EXPECT_THAT(by_kind[FsckProblem::Kind::kBadHash],
              ElementsAre(HasSubstr("object " + blob.Hex() + ": content hashes to")));
  EXPECT_THAT(by_kind[FsckProblem::Kind::kBadObject],
              ElementsAre(HasSubstr("tree " + bad_tree.Hex() + " does not parse")));
  EXPECT_THAT(
      by_kind[FsckProblem::Kind::kMissingObject],
      ::testing::UnorderedElementsAre(
          "tree " + tree_with_hole.Hex() + " entry 'gone' names missing object " + hole.Hex(),
          HasSubstr("ref refs/heads/dangling names missing object")));
  EXPECT_THAT(by_kind[FsckProblem::Kind::kBadRef],
              ElementsAre("symbolic ref refs/heads/alias names missing ref refs/heads/missing"));
  EXPECT_EQ(report.reachable, 2u);  // the commit and its tree
  EXPECT_EQ(report.unreachable.size(), 2u);
}

}  // namespace
}  // namespace clive::store

namespace clive::store {
namespace {

class EncodeTest : public StoreTest {};

// EncodeTree/EncodeCommit produce exactly what WriteTree/WriteCommit store,
// so a batch of encoded objects gets the same ids as libgit2's.
TEST_F(EncodeTest, EncodedTreesAndCommitsMatchLibgit2) {
  auto store = Open();
  ASSERT_TRUE(store);
  ASSERT_OK_AND_ASSIGN(ObjectId blob, store->WriteObject(ObjectType::kBlob, "x"));
  ASSERT_OK_AND_ASSIGN(ObjectId sub, store->WriteTree({{"f", blob, TreeEntry::Mode::kBlob}}));
  std::vector<TreeEntry> entries = {{"b", blob, TreeEntry::Mode::kBlob},
                                    {"a.txt", blob, TreeEntry::Mode::kExecutable},
                                    {"a", sub, TreeEntry::Mode::kTree},  // sorts as "a/", after "a.txt"
                                    {".clive", blob, TreeEntry::Mode::kBlob}};
  ASSERT_OK_AND_ASSIGN(ObjectId tree, store->WriteTree(entries));
  ASSERT_OK_AND_ASSIGN(std::string encoded, EncodeTree(entries));
  ASSERT_OK_AND_ASSIGN(ObjectId hashed, HashObject(ObjectType::kTree, encoded));
  EXPECT_EQ(hashed, tree);
  EXPECT_FALSE(EncodeTree({{"a/b", blob, TreeEntry::Mode::kBlob}}).ok());
  EXPECT_FALSE(EncodeTree({{"a", blob, TreeEntry::Mode::kBlob}, {"a", blob, TreeEntry::Mode::kBlob}}).ok());

  Commit commit;
  commit.tree = tree;
  commit.author.time = 1700000000;
  commit.message = "cell = 1\n\nClive-Cell: cell\n";
  ASSERT_OK_AND_ASSIGN(ObjectId first, store->WriteCommit(commit));
  ASSERT_OK_AND_ASSIGN(ObjectId first_hashed, HashObject(ObjectType::kCommit, EncodeCommit(commit)));
  EXPECT_EQ(first_hashed, first);
  commit.parents = {first};
  ASSERT_OK_AND_ASSIGN(ObjectId second, store->WriteCommit(commit));
  ASSERT_OK_AND_ASSIGN(ObjectId second_hashed, HashObject(ObjectType::kCommit, EncodeCommit(commit)));
  EXPECT_EQ(second_hashed, second);
}

}  // namespace
}  // namespace clive::store
