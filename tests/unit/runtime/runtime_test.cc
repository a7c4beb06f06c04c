// Unit tests of the runtime: value encoding in a real store (LMDB + libgit2),
// cell commits and their versions, and the whole run pipeline.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "clive/runtime/persist.h"
#include "clive/runtime/workspace.h"

namespace clive::runtime {
namespace {

namespace fs = std::filesystem;

class RuntimeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::path(::testing::TempDir()) / "clive-runtime-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    auto store = store::Store::Open(dir_ / "store");
    ASSERT_TRUE(store.ok()) << store.status().message();
    store_ = std::move(*store);
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }

  static Value Sample() {
    Value inner = Value::Record("Inner");
    inner.fields.emplace_back("memory", Value::Size(16LL << 30));
    inner.fields.emplace_back("timeout", Value::Duration(30000));
    Value v = Value::Record("Outer");
    v.fields.emplace_back("name", Value::String("api \"quoted\""));
    v.fields.emplace_back("port", Value::Int(-8080));
    v.fields.emplace_back("on", Value::Bool(true));
    v.fields.emplace_back("inner", inner);
    return v;
  }

  fs::path dir_;
  std::unique_ptr<store::Store> store_;
};

TEST_F(RuntimeTest, EveryValueKindRoundTripsThroughTheStore) {
  for (const Value& v : {Value::Int(0), Value::Int(INT64_MIN), Value::Bool(false), Value::String(""),
                         Value::String(std::string("nul\0byte", 8)), Value::Size(1), Value::Duration(-5),
                         Value::Record("Empty"), Sample()}) {
    auto id = WriteValue(*store_, v);
    ASSERT_TRUE(id.ok()) << id.status().message();
    auto back = ReadValue(*store_, *id);
    ASSERT_TRUE(back.ok()) << back.status().message();
    EXPECT_EQ(*back, v) << Format(v);
  }
}

TEST_F(RuntimeTest, EqualValuesHaveEqualIdsAndDifferentOnesDiffer) {
  auto a = WriteValue(*store_, Sample());
  auto b = WriteValue(*store_, Sample());
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, *b);
  Value changed = Sample();
  changed.fields[1].second = Value::Int(1);
  auto c = WriteValue(*store_, changed);
  ASSERT_TRUE(c.ok());
  EXPECT_NE(*a, *c);
  // Same number, different kind: different ids.
  EXPECT_NE(*WriteValue(*store_, Value::Int(5)), *WriteValue(*store_, Value::Size(5)));
}

TEST_F(RuntimeTest, RecordsAreGitTreesWithOneEntryPerField) {
  auto id = WriteValue(*store_, Sample());
  ASSERT_TRUE(id.ok());
  auto entries = store_->ReadTree(*id);
  ASSERT_TRUE(entries.ok());
  std::vector<std::string> names;
  for (const auto& e : *entries) names.push_back(e.name);
  EXPECT_EQ(names, (std::vector<std::string>{".clive", "inner", "name", "on", "port"}));
}

TEST_F(RuntimeTest, CorruptObjectsAreReportedNotCrashed) {
  auto blob = store_->WriteObject(store::ObjectType::kBlob, "definitely not capnp");
  ASSERT_TRUE(blob.ok());
  auto v = ReadValue(*store_, *blob);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), Status::Code::kCorruption);
  auto tree = store_->WriteTree({{"x", *blob, store::TreeEntry::Mode::kBlob}});
  ASSERT_TRUE(tree.ok());
  EXPECT_FALSE(ReadValue(*store_, *tree).ok());
}

TEST_F(RuntimeTest, CellRefsMirrorAddresses) {
  EXPECT_EQ(*CellRef("name"), "refs/clive/cells/name");
  EXPECT_EQ(*CellRef("a.b.name"), "refs/clive/cells/a/b/name");
  EXPECT_FALSE(CellRef("").ok());
  EXPECT_FALSE(CellRef("a..b").ok());
  EXPECT_FALSE(CellRef("a/b").ok());
  EXPECT_FALSE(CellRef("1a").ok());
}

TEST_F(RuntimeTest, CommitsOnlyChangedCellsOnTopOfTheirHistory) {
  store::ObjectId source{};
  auto first = CommitCells(*store_, {{"a", Value::Int(1), source}, {"m.b", Value::String("x"), source}});
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_TRUE((*first)[0].changed && (*first)[1].changed);
  EXPECT_EQ((*first)[1].ref, "refs/clive/cells/m/b");

  auto second = CommitCells(*store_, {{"a", Value::Int(2), source}, {"m.b", Value::String("x"), source}});
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE((*second)[0].changed);
  EXPECT_FALSE((*second)[1].changed);
  EXPECT_EQ((*second)[1].commit_id, (*first)[1].commit_id);

  auto commit = store_->ReadCommit((*second)[0].commit_id);
  ASSERT_TRUE(commit.ok());
  ASSERT_EQ(commit->parents.size(), 1u);
  EXPECT_EQ(commit->parents[0], (*first)[0].commit_id);
  EXPECT_NE(commit->message.find("a = 2"), std::string::npos);
  EXPECT_NE(commit->message.find("Clive-Cell: a"), std::string::npos);

  auto cell = ReadCell(*store_, "a");
  ASSERT_TRUE(cell.ok());
  EXPECT_EQ(cell->value, Value::Int(2));
  EXPECT_TRUE(ReadCell(*store_, "missing").status().IsNotFound());
}

TEST_F(RuntimeTest, RunEvaluatesAWorkspaceAndCommitsAtomically) {
  fs::create_directories(dir_ / "ws" / "sub");
  std::ofstream(dir_ / "ws" / "clive.cl") << "type T { n: Int = 2 }\nval t = T {}\nval x = t.n * 21\n";
  std::ofstream(dir_ / "ws" / "sub" / "clive.cl") << "val y = \"sub\"\n";
  RunOptions options;
  options.target = dir_ / "ws";
  auto report = runtime::Run(options);
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_TRUE(report->diagnostics.empty());
  ASSERT_TRUE(report->committed);
  ASSERT_EQ(report->cells.size(), 3u);
  EXPECT_EQ(report->cells[1].address, "x");
  EXPECT_EQ(report->cells[1].value, Value::Int(42));
  EXPECT_EQ(report->cells[2].address, "sub.y");
  EXPECT_EQ(report->store_dir, dir_ / "ws" / ".clive");

  // A runtime error anywhere commits nothing, not even the good cells.
  std::ofstream(dir_ / "ws" / "sub" / "clive.cl") << "val y = \"changed\"\nval z = 1 / 0\n";
  auto failed = runtime::Run(options);
  ASSERT_TRUE(failed.ok());
  EXPECT_FALSE(failed->committed);
  ASSERT_EQ(failed->diagnostics.size(), 1u);
  EXPECT_EQ(failed->diagnostics[0].code, "E0301");
  auto store = store::Store::Open(dir_ / "ws" / ".clive");
  ASSERT_TRUE(store.ok());
  EXPECT_EQ(ReadCell(**store, "sub.y")->value, Value::String("sub"));
}

TEST(Value, FormatIsCliveSyntax) {
  Value v = Value::Record("R");
  v.fields.emplace_back("s", Value::String("a\"b$"));
  v.fields.emplace_back("m", Value::Size(512LL << 20));
  EXPECT_EQ(Format(v), "R {\n  s = \"a\\\"b\\$\"\n  m = 512.MiB\n}");
  EXPECT_EQ(Format(Value::Record("E")), "E {}");
  EXPECT_EQ(ToJson(v).dump(), R"({"s":"a\"b$","m":536870912})");
}

}  // namespace
}  // namespace clive::runtime
