// Store benchmark: clive's Git-over-LMDB store side by side with what a user
// would otherwise use — libgit2's loose-object backend, git fast-import, a
// packed repository, git update-ref — and raw LMDB puts as the physical
// limit, all in one run, printing ratios (absolute times on shared machines
// are noise; ratios measured in the same run are what count).
//
//   store_bench [--objects N] [--ref-updates N] [--dir DIR]
#include <git2.h>
#include <lmdb.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "clive/store/store.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using clive::store::ObjectId;
using clive::store::ObjectType;

double Seconds(const std::function<void()>& fn) {
  auto start = Clock::now();
  fn();
  return std::chrono::duration<double>(Clock::now() - start).count();
}

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "store_bench: %s\n", what.c_str());
  std::exit(1);
}

void Check(int rc, const char* what) {
  if (rc < 0) {
    const git_error* e = git_error_last();
    Fail(std::string(what) + ": " + (e ? e->message : "libgit2 error"));
  }
}

void CheckStatus(const clive::Status& s, const char* what) {
  if (!s.ok()) Fail(std::string(what) + ": " + s.message());
}

// Small objects like a model's values: 40 to 200 bytes of text.
std::vector<std::string> MakeObjects(size_t n) {
  std::mt19937_64 rng(42);
  std::vector<std::string> objects;
  objects.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    std::string s = "value " + std::to_string(i) + ": ";
    size_t len = 40 + rng() % 160;
    while (s.size() < len) s += static_cast<char>('a' + rng() % 26);
    objects.push_back(std::move(s));
  }
  return objects;
}

// Runs `argv` with `input` on stdin; returns its exit status.
int RunWithInput(const std::vector<std::string>& argv, const std::string& input) {
  int in[2];
  if (pipe(in) != 0) Fail("pipe");
  pid_t pid = fork();
  if (pid == 0) {
    dup2(in[0], 0);
    close(in[0]);
    close(in[1]);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  close(in[0]);
  size_t off = 0;
  while (off < input.size()) {
    ssize_t w = write(in[1], input.data() + off, input.size() - off);
    if (w <= 0) break;
    off += static_cast<size_t>(w);
  }
  close(in[1]);
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

struct Row {
  std::string what;
  double seconds;
  size_t ops;
  double Rate() const { return ops / seconds; }
};

void Print(const std::vector<Row>& rows, const Row& base) {
  for (const Row& r : rows) {
    std::printf("  %-44s %10.0f /s   %6.3f s   %7.2fx\n", r.what.c_str(), r.Rate(), r.seconds,
                r.Rate() / base.Rate());
  }
}

}  // namespace

int main(int argc, char** argv) {
  size_t n_objects = 100000;
  size_t n_refs = 2000;
  fs::path dir = fs::temp_directory_path() / ("clive-bench-" + std::to_string(getpid()));
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--objects") n_objects = std::stoul(argv[i + 1]);
    else if (flag == "--ref-updates") n_refs = std::stoul(argv[i + 1]);
    else if (flag == "--dir") dir = argv[i + 1];
    else Fail("unknown flag " + flag);
  }
  fs::remove_all(dir);
  fs::create_directories(dir);
  git_libgit2_init();
  std::vector<std::string> objects = MakeObjects(n_objects);
  size_t bytes = 0;
  for (const auto& o : objects) bytes += o.size();
  std::printf("store_bench: %zu objects (%zu bytes of content), %zu ref updates\n\n", n_objects, bytes,
              n_refs);

  // --- Writes ---
  std::vector<ObjectId> ids;
  auto clive_store = clive::store::Store::Open(dir / "clive");
  if (!clive_store.ok()) Fail(clive_store.status().message());
  Row clive_write{"clive store (one transaction)", Seconds([&] {
                    std::vector<std::pair<ObjectType, std::string_view>> batch;
                    for (const auto& o : objects) batch.emplace_back(ObjectType::kBlob, o);
                    auto written = (*clive_store)->WriteObjects(batch);
                    if (!written.ok()) Fail(written.status().message());
                    ids = std::move(*written);
                  }),
                  n_objects};

  git_repository* loose = nullptr;
  Check(git_repository_init(&loose, (dir / "loose.git").c_str(), 1), "init loose repo");
  git_odb* loose_odb = nullptr;
  Check(git_repository_odb(&loose_odb, loose), "loose odb");
  Row loose_write{"libgit2 loose objects", Seconds([&] {
                    for (const auto& o : objects) {
                      git_oid oid;
                      Check(git_odb_write(&oid, loose_odb, o.data(), o.size(), GIT_OBJECT_BLOB), "write");
                    }
                  }),
                  n_objects};

  std::string fast_import;
  for (const auto& o : objects) fast_import += "blob\ndata " + std::to_string(o.size()) + "\n" + o + "\n";
  std::string packed = (dir / "packed.git").string();
  RunWithInput({"git", "init", "-q", "--bare", packed}, "");
  Row fast_import_write{"git fast-import (one pack)", Seconds([&] {
                          if (RunWithInput({"git", "--git-dir=" + packed, "fast-import", "--quiet"},
                                           fast_import) != 0) {
                            Fail("git fast-import failed");
                          }
                        }),
                        n_objects};

  MDB_env* env = nullptr;
  fs::create_directories(dir / "raw-lmdb");
  mdb_env_create(&env);
  mdb_env_set_mapsize(env, size_t{1} << 32);
  if (mdb_env_open(env, (dir / "raw-lmdb").c_str(), 0, 0644) != 0) Fail("raw lmdb open");
  // The physical limit: the same keys and bytes, in key order (the cheapest
  // order for LMDB's B-tree), in one transaction, no hashing or encoding.
  std::vector<size_t> by_key(n_objects);
  for (size_t i = 0; i < n_objects; ++i) by_key[i] = i;
  std::sort(by_key.begin(), by_key.end(), [&](size_t a, size_t b) { return ids[a] < ids[b]; });
  Row raw_write{"raw LMDB puts (same keys and bytes)", Seconds([&] {
                  MDB_txn* txn;
                  MDB_dbi dbi;
                  mdb_txn_begin(env, nullptr, 0, &txn);
                  mdb_dbi_open(txn, nullptr, 0, &dbi);
                  for (size_t i : by_key) {
                    MDB_val key{ObjectId::kSize, ids[i].bytes.data()};
                    MDB_val val{objects[i].size(), objects[i].data()};
                    mdb_put(txn, dbi, &key, &val, MDB_APPEND);
                  }
                  mdb_txn_commit(txn);
                }),
                n_objects};

  std::printf("write %zu small objects                           rate       time   vs loose\n", n_objects);
  Print({clive_write, loose_write, fast_import_write, raw_write}, loose_write);
  std::printf("  clive / git fast-import: %.2fx   clive / raw LMDB: %.0f%%\n\n",
              clive_write.Rate() / fast_import_write.Rate(), 100 * clive_write.Rate() / raw_write.Rate());

  // --- Random reads ---
  std::mt19937_64 rng(7);
  std::vector<size_t> order(n_objects);
  for (auto& o : order) o = rng() % n_objects;
  size_t checksum = 0;
  Row clive_read{"clive store", Seconds([&] {
                   for (size_t i : order) {
                     auto object = (*clive_store)->ReadObject(ids[i]);
                     if (!object.ok()) Fail(object.status().message());
                     checksum += object->data.size();
                   }
                 }),
                 n_objects};
  auto read_with = [&](git_odb* odb) {
    for (size_t i : order) {
      git_oid oid;
      std::memcpy(oid.id, ids[i].bytes.data(), ObjectId::kSize);
      git_odb_object* object = nullptr;
      Check(git_odb_read(&object, odb, &oid), "read");
      checksum += git_odb_object_size(object);
      git_odb_object_free(object);
    }
  };
  Row loose_read{"libgit2 loose objects", Seconds([&] { read_with(loose_odb); }), n_objects};
  git_repository* packed_repo = nullptr;
  Check(git_repository_open(&packed_repo, packed.c_str()), "open packed repo");
  git_odb* packed_odb = nullptr;
  Check(git_repository_odb(&packed_odb, packed_repo), "packed odb");
  Row packed_read{"libgit2 packed repository", Seconds([&] { read_with(packed_odb); }), n_objects};
  std::printf("random reads of those objects                      rate       time   vs loose\n");
  Print({clive_read, loose_read, packed_read}, loose_read);
  std::printf("\n");

  // --- Durable single-ref updates ---
  Row clive_refs{"clive UpdateRefs (durable, CAS)", Seconds([&] {
                   std::optional<ObjectId> previous;
                   for (size_t i = 0; i < n_refs; ++i) {
                     clive::store::RefUpdate u;
                     u.name = "refs/bench/ref";
                     u.new_id = ids[i % n_objects];
                     u.expect = previous ? clive::store::RefUpdate::Expect::kValue
                                         : clive::store::RefUpdate::Expect::kAbsent;
                     if (previous) u.old_id = *previous;
                     CheckStatus((*clive_store)->UpdateRefs({u}, "bench"), "update ref");
                     previous = u.new_id;
                   }
                 }),
                 n_refs};
  // git update-ref --stdin, one transaction per update, fsync of refs on
  // (git does not fsync refs by default; clive's updates are durable).
  std::string script;
  std::string old = std::string(40, '0');
  for (size_t i = 0; i < n_refs; ++i) {
    std::string id = ids[i % n_objects].Hex();
    script += "start\nupdate refs/bench/ref " + id + " " + old + "\nprepare\ncommit\n";
    old = id;
  }
  Row git_refs{"git update-ref --stdin (fsync refs)", Seconds([&] {
                 if (RunWithInput({"git", "--git-dir=" + packed, "-c", "core.fsync=reference", "-c",
                                   "core.fsyncMethod=fsync", "update-ref", "--stdin"},
                                  script) != 0) {
                   Fail("git update-ref --stdin failed");
                 }
               }),
               n_refs};
  size_t n_proc = std::min<size_t>(n_refs, 300);
  Row git_proc{"git update-ref, one process each", Seconds([&] {
                 for (size_t i = 0; i < n_proc; ++i) {
                   RunWithInput({"git", "--git-dir=" + packed, "update-ref", "refs/bench/proc",
                                 ids[i % n_objects].Hex()},
                                "");
                 }
               }),
               n_proc};
  std::printf("durable single-ref updates                         rate       time   vs git --stdin\n");
  Print({clive_refs, git_refs, git_proc}, git_refs);

  git_odb_free(packed_odb);
  git_repository_free(packed_repo);
  git_odb_free(loose_odb);
  git_repository_free(loose);
  mdb_env_close(env);
  clive_store->reset();
  git_libgit2_shutdown();
  fs::remove_all(dir);
  std::printf("\n(checksum %zu)\n", checksum);
  return 0;
}
