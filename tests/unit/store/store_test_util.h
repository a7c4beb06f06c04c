// Shared fixture and helpers of the store unit tests: a real LMDB
// environment in a fresh temporary directory per test and real libgit2.
// The interop tests also reach libgit2 through the store's private
// backends (store/src/backends.h).
#pragma once

#include "clive/store/store.h"

#include <git2.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <lmdb.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "../../../store/src/backends.h"
#include "../../../store/src/lmdb_env.h"

namespace clive::store {
namespace {

namespace fs = std::filesystem;
using internal::FromGit;
using internal::GitPtr;
using internal::ToGit;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

const Status& StatusOf(const Status& s) { return s; }
template <typename T>
const Status& StatusOf(const Expected<T>& e) {
  return e.status();
}

#define ASSERT_OK(expr)                                                    \
  do {                                                                     \
    const auto& _clive_result = (expr);                                    \
    ASSERT_TRUE(_clive_result.ok()) << StatusOf(_clive_result).ToString(); \
  } while (0)

#define CLIVE_CAT_INNER(a, b) a##b
#define CLIVE_CAT(a, b) CLIVE_CAT_INNER(a, b)
#define ASSERT_OK_AND_ASSIGN(lhs, expr) \
  ASSERT_OK_AND_ASSIGN_IMPL(CLIVE_CAT(_clive_expected_, __LINE__), lhs, expr)
#define ASSERT_OK_AND_ASSIGN_IMPL(tmp, lhs, expr)   \
  auto tmp = (expr);                                \
  ASSERT_TRUE(tmp.ok()) << tmp.status().ToString(); \
  lhs = std::move(tmp).value()

// RefUpdate builders. (Brace-initializing a RefUpdate without `old_id` trips
// -Wmissing-field-initializers, as old_id has no default member initializer.)
RefUpdate Update(std::string name, std::optional<ObjectId> id,
                 RefUpdate::Expect expect = RefUpdate::Expect::kAnything, ObjectId old_id = {}) {
  RefUpdate update;
  update.name = std::move(name);
  update.new_id = id;
  update.expect = expect;
  update.old_id = old_id;
  return update;
}
RefUpdate Set(std::string name, ObjectId id) { return Update(std::move(name), id); }
inline RefUpdate Create(std::string name, ObjectId id) {
  return Update(std::move(name), id, RefUpdate::Expect::kAbsent);
}
inline RefUpdate Cas(std::string name, ObjectId old_id, std::optional<ObjectId> id) {
  return Update(std::move(name), id, RefUpdate::Expect::kValue, old_id);
}
inline RefUpdate Delete(std::string name) { return Update(std::move(name), std::nullopt); }

// What `git hash-object -t <type>` computes, via libgit2's own hashing.
inline ObjectId GitHash(ObjectType type, std::string_view data) {
  git_oid oid;
  EXPECT_EQ(git_odb_hash(&oid, data.data(), data.size(), static_cast<git_object_t>(type)), 0);
  return FromGit(oid);
}

inline std::string Raw(const ObjectId& id) { return {reinterpret_cast<const char*>(id.bytes.data()), 20}; }

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    git_libgit2_init();  // for the libgit2 calls the tests make themselves.
    std::string tmpl = ::testing::TempDir() + "clive-store-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    root_ = tmpl;
    dir_ = root_ / "store";
  }
  void TearDown() override {
    std::error_code ec;
    fs::permissions(root_, fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(root_, ec);
    git_libgit2_shutdown();
  }

  std::unique_ptr<Store> Open(const StoreOptions& options = {}) {
    auto store = Store::Open(dir_, options);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(store).value() : nullptr;
  }

  // Runs `body` against a libgit2 repository over the store's backends. No
  // Store may be open on dir_ meanwhile (LMDB allows one env per process).
  void WithRepository(const std::function<void(git_repository*)>& body) {
    auto env = lmdb::Env::Open(dir_, {});
    ASSERT_TRUE(env.ok()) << env.status().ToString();
    auto repo = internal::NewRepository(**env);
    ASSERT_TRUE(repo.ok()) << repo.status().ToString();
    body(repo->get());
  }

  fs::path root_;
  fs::path dir_;
};

// An open store holding three blobs ("one", "two", "three"), for the ref and
// reflog tests.
class StoreWithBlobsTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    store_ = Open();
    ASSERT_TRUE(store_);
    for (const char* content : {"one", "two", "three"}) {
      ASSERT_OK_AND_ASSIGN(ObjectId id, store_->WriteObject(ObjectType::kBlob, content));
      ids_.push_back(id);
    }
  }
  void TearDown() override {
    store_.reset();
    StoreTest::TearDown();
  }

  std::unique_ptr<Store> store_;
  std::vector<ObjectId> ids_;
};

}  // namespace
}  // namespace clive::store
