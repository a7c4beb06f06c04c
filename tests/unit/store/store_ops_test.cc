// Unit tests of clive::store: map growth and a full store, read-only opens,
// several processes on one store, and packs received through writepack.
#include <sys/wait.h>

#include <random>

#include "store_test_util.h"

namespace clive::store {
namespace {

// One fixture name per file: StoreTest lives in an anonymous namespace.
class OpsTest : public StoreTest {};

constexpr uint64_t kKiB = 1024;
constexpr uint64_t kMiB = 1024 * kKiB;

// Content zstd cannot shrink, so it takes its full size in the map.
std::string Noise(size_t size, unsigned seed) {
  std::mt19937 rng(seed);
  std::string out(size, '\0');
  for (char& c : out) c = static_cast<char>(rng() & 0xff);
  return out;
}

std::vector<std::string> FilesIn(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

// --- map growth ---

TEST_F(OpsTest, MapGrowsWhenFull) {
  StoreOptions options;
  options.map_size = 256 * kKiB;
  std::vector<std::pair<ObjectId, std::string>> written;
  {
    auto store = Open(options);
    ASSERT_TRUE(store);
    for (unsigned i = 0; i < 24; ++i) {  // 3 MiB, one object per transaction
      std::string content = Noise(128 * kKiB, i);
      ASSERT_OK_AND_ASSIGN(ObjectId id, store->WriteObject(ObjectType::kBlob, content));
      written.emplace_back(id, std::move(content));
    }
    std::vector<std::string> batch;
    for (unsigned i = 100; i < 116; ++i) batch.push_back(Noise(128 * kKiB, i));
    std::vector<std::pair<ObjectType, std::string_view>> objects;
    for (const std::string& c : batch) objects.emplace_back(ObjectType::kBlob, c);
    ASSERT_OK_AND_ASSIGN(std::vector<ObjectId> ids, store->WriteObjects(objects));  // 2 MiB at once
    for (size_t i = 0; i < ids.size(); ++i) written.emplace_back(ids[i], batch[i]);
    ASSERT_OK(store->UpdateRefs({Create("refs/heads/main", written[0].first)}));
    ASSERT_OK_AND_ASSIGN(StoreStats stats, store->Stats());
    EXPECT_GE(stats.map_bytes, 4 * kMiB);
    EXPECT_GE(stats.map_bytes, stats.file_bytes);
  }
  auto store = Open(options);  // a map smaller than the data: LMDB raises it
  ASSERT_TRUE(store);
  for (const auto& [id, content] : written) {
    ASSERT_OK_AND_ASSIGN(Object object, store->ReadObject(id));
    EXPECT_EQ(object.data, content);
  }
  ASSERT_OK(store->WriteObject(ObjectType::kBlob, Noise(kMiB, 999)));
}

TEST_F(OpsTest, FullStoreFailsCleanlyAndKeepsItsData) {
  StoreOptions options;
  options.map_size = 256 * kKiB;
  options.max_map_size = kMiB;
  std::vector<std::pair<ObjectId, std::string>> written;
  {
    auto store = Open(options);
    ASSERT_TRUE(store);
    Status failure;
    for (unsigned i = 0; i < 20 && failure.ok(); ++i) {
      std::string content = Noise(128 * kKiB, i);
      auto id = store->WriteObject(ObjectType::kBlob, content);
      if (!id.ok()) {
        failure = id.status();
      } else {
        written.emplace_back(*id, std::move(content));
        ASSERT_OK(store->UpdateRefs({Set("refs/heads/last", *id)}));
      }
    }
    ASSERT_FALSE(failure.ok()) << "1 MiB never filled up";
    EXPECT_EQ(failure.code(), Status::Code::kIOError);
    EXPECT_THAT(failure.message(),
                HasSubstr("store at " + dir_.string() +
                          " is full (map size 1048576 bytes reached max_map_size)"));
    EXPECT_GE(written.size(), 2u);

    // A batch that cannot fit fails as a whole with the plain message.
    std::string big = Noise(2 * kMiB, 77);
    auto batch = store->WriteObjects({{ObjectType::kBlob, "small"}, {ObjectType::kBlob, big}});
    EXPECT_EQ(
        batch.status().message(),
        "store at " + dir_.string() + " is full (map size 1048576 bytes reached max_map_size)");
    EXPECT_FALSE(*store->HasObject(GitHash(ObjectType::kBlob, "small")));
    // Reads still work.
    ASSERT_OK_AND_ASSIGN(Object first, store->ReadObject(written[0].first));
    EXPECT_EQ(first.data, written[0].second);
  }
  // Everything written before the failure is there, and the store is sound.
  auto store = Open();
  ASSERT_TRUE(store);
  for (const auto& [id, content] : written) {
    ASSERT_OK_AND_ASSIGN(Object object, store->ReadObject(id));
    EXPECT_EQ(object.data, content);
  }
  ASSERT_OK_AND_ASSIGN(ObjectId last, store->ReadRef("refs/heads/last"));
  EXPECT_EQ(last, written.back().first);
  ASSERT_OK_AND_ASSIGN(FsckReport report, store->Fsck());
  EXPECT_TRUE(report.ok());
  // With the default limits it grows again.
  ASSERT_OK(store->WriteObject(ObjectType::kBlob, Noise(2 * kMiB, 78)));
}

TEST_F(OpsTest, TruncatedDataFileIsAnErrorNotACrash) {
  {
    auto store = Open();
    ASSERT_TRUE(store);
    ASSERT_OK(store->WriteObject(ObjectType::kBlob, Noise(64 * kKiB, 5)));
  }
  // The meta pages survive and name pages past the new end of the file.
  fs::resize_file(dir_ / "data.mdb", 3 * 4096);
  for (bool read_only : {false, true}) {
    auto store = Store::Open(dir_, {.read_only = read_only});
    ASSERT_FALSE(store.ok());
    EXPECT_EQ(store.status().code(), Status::Code::kCorruption);
    EXPECT_THAT(store.status().message(),
                HasSubstr("cannot open store at " + dir_.string() + ": data.mdb is truncated"));
  }
}

// --- read-only ---

TEST_F(OpsTest, ReadOnlyOpenReadsAndRefusesWrites) {
  auto missing = Store::Open(dir_, {.read_only = true});
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(missing.status().IsNotFound()) << missing.status().ToString();
  EXPECT_FALSE(fs::exists(dir_));

  ObjectId blob, tree;
  {
    auto store = Open();
    ASSERT_TRUE(store);
    ASSERT_OK_AND_ASSIGN(blob, store->WriteObject(ObjectType::kBlob, "kept"));
    ASSERT_OK_AND_ASSIGN(tree, store->WriteTree({{"f", blob, TreeEntry::Mode::kBlob}}));
    ASSERT_OK(store->UpdateRefs({Create("refs/heads/main", blob)}, "create"));
  }
  auto store = Open({.read_only = true});
  ASSERT_TRUE(store);
  ASSERT_OK_AND_ASSIGN(Object object, store->ReadObject(blob));
  EXPECT_EQ(object.data, "kept");
  ASSERT_OK_AND_ASSIGN(ObjectId main, store->ReadRef("HEAD"));
  EXPECT_EQ(main, blob);
  ASSERT_OK_AND_ASSIGN(auto log, store->ReadReflog("refs/heads/main"));
  EXPECT_EQ(log.size(), 1u);
  ASSERT_OK(store->Stats());
  ASSERT_OK_AND_ASSIGN(FsckReport report, store->Fsck());
  EXPECT_TRUE(report.ok());

  const std::string refused = "store at " + dir_.string() + " is read-only";
  auto expect_refused = [&](const Status& status) {
    EXPECT_EQ(status.code(), Status::Code::kPermissionDenied) << status.ToString();
    EXPECT_EQ(status.message(), refused);
  };
  expect_refused(store->WriteObject(ObjectType::kBlob, "new").status());
  expect_refused(store->WriteObjects({{ObjectType::kBlob, "new"}}).status());
  expect_refused(store->WriteTree({{"g", blob, TreeEntry::Mode::kBlob}}).status());
  expect_refused(store->WriteCommit({tree, {}, {}, "c"}).status());
  expect_refused(store->UpdateRefs({Set("refs/heads/main", tree)}));
  expect_refused(store->SetSymbolicRef("HEAD", "refs/heads/other"));

  // libgit2 writes through the backends are refused too.
  git_repository* repo = internal::StoreRepository(*store);
  const git_oid oid = ToGit(tree);
  git_reference* raw = nullptr;
  EXPECT_LT(git_reference_create(&raw, repo, "refs/heads/x", &oid, 0, "x"), 0);
  EXPECT_THAT(git_error_last()->message, HasSubstr("read-only"));
  git_oid written;
  EXPECT_LT(git_odb_write(&written, internal::StoreOdb(*store), "new", 3, GIT_OBJECT_BLOB), 0);
  git_odb_writepack* pack = nullptr;
  EXPECT_LT(git_odb_write_pack(&pack, internal::StoreOdb(*store), nullptr, nullptr), 0);

  // Nothing was cached: what another process commits is visible at once.
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    int code = 1;
    {
      auto writer = Store::Open(dir_);
      if (writer.ok() && (*writer)->UpdateRefs({Set("refs/heads/main", tree)}).ok()) code = 0;
    }
    _exit(code);
  }
  int wstatus = 0;
  ASSERT_EQ(waitpid(child, &wstatus, 0), child);
  ASSERT_TRUE(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0);
  ASSERT_OK_AND_ASSIGN(ObjectId moved, store->ReadRef("refs/heads/main"));
  EXPECT_EQ(moved, tree);
}

// --- several processes ---

// One worker process: `increments` times, reads the counter ref, writes a
// blob with the next number (and some noise, so the map must grow) and
// moves the ref with compare-and-swap, retrying when another process won.
// Returns an exit code: 0 on success.
int CountingWorker(const fs::path& dir, const StoreOptions& options, int worker, int increments) {
  auto opened = Store::Open(dir, options);
  if (!opened.ok()) return 10;
  Store& store = **opened;
  for (int i = 0; i < increments; ++i) {
    for (;;) {
      auto current = store.ReadRef("refs/heads/counter");
      if (!current.ok()) return 11;
      auto value = store.ReadObject(*current);
      if (!value.ok()) return 12;
      const int next = std::stoi(value->data) + 1;
      auto next_id = store.WriteObject(ObjectType::kBlob, std::to_string(next));
      if (!next_id.ok()) return 13;
      if (!store.WriteObject(ObjectType::kBlob, Noise(16 * kKiB, worker * 1000 + i)).ok()) {
        return 14;
      }
      Status moved = store.UpdateRefs({Cas("refs/heads/counter", *current, *next_id)},
                                      "worker " + std::to_string(worker));
      if (moved.ok()) break;
      if (!moved.IsRefChanged()) return 15;
    }
  }
  return 0;
}

TEST_F(OpsTest, TwoProcessesCompareAndSwapOneRefWithoutLostUpdates) {
  constexpr int kWorkers = 2;
  constexpr int kIncrements = 40;
  StoreOptions options;
  options.map_size = 256 * kKiB;  // both processes grow the map while racing
  {
    auto store = Open(options);
    ASSERT_TRUE(store);
    ASSERT_OK_AND_ASSIGN(ObjectId zero, store->WriteObject(ObjectType::kBlob, "0"));
    ASSERT_OK(store->UpdateRefs({Create("refs/heads/counter", zero)}, "start"));
  }
  std::vector<pid_t> children;
  for (int w = 0; w < kWorkers; ++w) {
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) _exit(CountingWorker(dir_, options, w, kIncrements));
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int wstatus = 0;
    ASSERT_EQ(waitpid(pid, &wstatus, 0), pid);
    ASSERT_TRUE(WIFEXITED(wstatus)) << "worker crashed";
    EXPECT_EQ(WEXITSTATUS(wstatus), 0) << "worker failed, see CountingWorker for the code";
  }

  auto store = Open();
  ASSERT_TRUE(store);
  ASSERT_OK_AND_ASSIGN(ObjectId final_id, store->ReadRef("refs/heads/counter"));
  ASSERT_OK_AND_ASSIGN(Object final_value, store->ReadObject(final_id));
  EXPECT_EQ(final_value.data, std::to_string(kWorkers * kIncrements));
  // The log is one unbroken chain: every update started where the last ended.
  ASSERT_OK_AND_ASSIGN(auto log, store->ReadReflog("refs/heads/counter"));
  ASSERT_EQ(log.size(), static_cast<size_t>(kWorkers * kIncrements + 1));
  for (size_t i = 1; i < log.size(); ++i) EXPECT_EQ(log[i].old_id, log[i - 1].new_id) << i;
  ASSERT_OK_AND_ASSIGN(StoreStats stats, store->Stats());
  EXPECT_GT(stats.map_bytes, 256 * kKiB);
  ASSERT_OK_AND_ASSIGN(FsckReport report, store->Fsck());
  EXPECT_TRUE(report.ok());
}

// --- writepack ---

class WritepackTest : public StoreTest {
 protected:
  // A bare repository on disk with a few commits of a slowly changing file
  // (so the pack holds deltas); returns its commits, oldest first.
  std::vector<git_oid> MakeSource() {
    git_repository* raw = nullptr;
    EXPECT_EQ(git_repository_init(&raw, (root_ / "src.git").c_str(), 1), 0);
    source_.reset(raw);
    std::vector<git_oid> commits;
    std::string text;
    for (int i = 0; i < 200; ++i) text += "line " + std::to_string(i) + " of a file\n";
    for (int c = 0; c < 5; ++c) {
      text += "change " + std::to_string(c) + "\n";
      git_oid blob, tree, commit;
      EXPECT_EQ(git_blob_create_from_buffer(&blob, source_.get(), text.data(), text.size()), 0);
      git_treebuilder* raw_builder = nullptr;
      EXPECT_EQ(git_treebuilder_new(&raw_builder, source_.get(), nullptr), 0);
      GitPtr<git_treebuilder> builder(raw_builder);
      EXPECT_EQ(
          git_treebuilder_insert(nullptr, builder.get(), "file.txt", &blob, GIT_FILEMODE_BLOB), 0);
      EXPECT_EQ(git_treebuilder_write(&tree, builder.get()), 0);
      git_tree* raw_tree = nullptr;
      EXPECT_EQ(git_tree_lookup(&raw_tree, source_.get(), &tree), 0);
      GitPtr<git_tree> tree_obj(raw_tree);
      git_signature* raw_sig = nullptr;
      EXPECT_EQ(git_signature_new(&raw_sig, "A", "a@example.com", 1700000000 + c, 0), 0);
      GitPtr<git_signature> sig(raw_sig);
      git_commit* parent = nullptr;
      if (!commits.empty()) {
        EXPECT_EQ(git_commit_lookup(&parent, source_.get(), &commits.back()), 0);
      }
      GitPtr<git_commit> parent_obj(parent);
      const git_commit* parents[] = {parent};
      EXPECT_EQ(git_commit_create(&commit, source_.get(), nullptr, sig.get(), sig.get(), nullptr,
                                  "commit", tree_obj.get(), parent ? 1 : 0, parents),
                0);
      commits.push_back(commit);
    }
    return commits;
  }

  std::string Pack(const std::vector<git_oid>& commits) {
    git_packbuilder* raw = nullptr;
    EXPECT_EQ(git_packbuilder_new(&raw, source_.get()), 0);
    GitPtr<git_packbuilder> builder(raw);
    for (const git_oid& commit : commits) {
      EXPECT_EQ(git_packbuilder_insert_commit(builder.get(), &commit), 0);
    }
    git_buf buf{};
    EXPECT_EQ(git_packbuilder_write_buf(&buf, builder.get()), 0);
    std::string pack(buf.ptr, buf.size);
    git_buf_dispose(&buf);
    return pack;
  }

  // Every object of the source repository, with its content.
  std::map<ObjectId, std::string> SourceObjects() {
    git_odb* raw = nullptr;
    EXPECT_EQ(git_repository_odb(&raw, source_.get()), 0);
    GitPtr<git_odb> odb(raw);
    std::vector<git_oid> ids;
    git_odb_foreach(
        odb.get(),
        [](const git_oid* oid, void* payload) {
          static_cast<std::vector<git_oid>*>(payload)->push_back(*oid);
          return 0;
        },
        &ids);
    std::map<ObjectId, std::string> out;
    for (const git_oid& id : ids) {
      git_odb_object* raw_object = nullptr;
      EXPECT_EQ(git_odb_read(&raw_object, odb.get(), &id), 0);
      GitPtr<git_odb_object> object(raw_object);
      out[FromGit(id)] = std::string(static_cast<const char*>(git_odb_object_data(object.get())),
                                     git_odb_object_size(object.get()));
    }
    return out;
  }

  // Feeds `pack` to the store's git_odb_write_pack in small pieces.
  int Receive(Store& store, const std::string& pack, int* progress_calls) {
    git_odb_writepack* raw = nullptr;
    auto progress = [](const git_indexer_progress*, void* payload) {
      ++*static_cast<int*>(payload);
      return 0;
    };
    if (int rc = git_odb_write_pack(&raw, internal::StoreOdb(store), progress, progress_calls);
        rc < 0) {
      return rc;
    }
    GitPtr<git_odb_writepack> writepack(raw);
    git_indexer_progress stats{};
    for (size_t at = 0; at < pack.size(); at += 1000) {
      const size_t n = std::min<size_t>(1000, pack.size() - at);
      if (int rc = writepack->append(writepack.get(), pack.data() + at, n, &stats); rc < 0) {
        return rc;
      }
      // While receiving, the pack sits in a temporary directory of the store.
      if (at == 0) {
        EXPECT_EQ(FilesIn(dir_).size(), 3u);
      }
    }
    return writepack->commit(writepack.get(), &stats);
  }

  GitPtr<git_repository> source_;
};

TEST_F(WritepackTest, ReceivedPacksLandInLmdbWithNoFilesLeft) {
  const std::vector<git_oid> commits = MakeSource();
  const std::string pack = Pack(commits);
  const std::map<ObjectId, std::string> expected = SourceObjects();
  ASSERT_EQ(expected.size(), 15u);  // 5 commits, 5 trees, 5 blobs

  auto store = Open();
  ASSERT_TRUE(store);
  int progress_calls = 0;
  ASSERT_EQ(Receive(*store, pack, &progress_calls), 0) << git_error_last()->message;
  EXPECT_GT(progress_calls, 0);
  for (const auto& [id, content] : expected) {
    ASSERT_OK_AND_ASSIGN(Object object, store->ReadObject(id));
    EXPECT_EQ(object.data, content) << id.Hex();
  }
  EXPECT_THAT(FilesIn(dir_), ElementsAre("data.mdb", "lock.mdb"));
  ASSERT_OK(store->UpdateRefs({Create("refs/heads/main", FromGit(commits.back()))}));
  ASSERT_OK_AND_ASSIGN(FsckReport report, store->Fsck());
  EXPECT_TRUE(report.ok());
  EXPECT_EQ(report.reachable, expected.size());

  // Receiving the same pack again is harmless: objects are stored once.
  ASSERT_EQ(Receive(*store, pack, &progress_calls), 0);
  ASSERT_OK_AND_ASSIGN(StoreStats stats, store->Stats());
  EXPECT_EQ(stats.objects, expected.size());
}

TEST_F(WritepackTest, DamagedPackWritesNothingAndLeavesNoFiles) {
  std::string pack = Pack(MakeSource());
  pack[pack.size() / 2] ^= 0x5a;
  auto store = Open();
  ASSERT_TRUE(store);
  int progress_calls = 0;
  EXPECT_LT(Receive(*store, pack, &progress_calls), 0);
  ASSERT_OK_AND_ASSIGN(StoreStats stats, store->Stats());
  EXPECT_EQ(stats.objects, 0u);
  EXPECT_THAT(FilesIn(dir_), ElementsAre("data.mdb", "lock.mdb"));
}

}  // namespace
}  // namespace clive::store
