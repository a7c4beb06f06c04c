// Lazy reading (counted object reads), cell logs with their provenance
// trailers, revisions relative to a cell's ref, and field-level diffs.
#include <gtest/gtest.h>

#include "clive/runtime/history.h"
#include "clive/runtime/persist.h"
#include "value_generator.h"

namespace clive::runtime {
namespace {

using testing::StoreFixture;

// Forwards to a real store and counts the object reads.
class CountingStore final : public store::Store {
 public:
  explicit CountingStore(store::Store& inner) : inner_(inner) {}
  int reads = 0;

  const std::filesystem::path& path() const override { return inner_.path(); }
  Expected<store::ObjectId> WriteObject(store::ObjectType t, std::string_view d) override { return inner_.WriteObject(t, d); }
  Expected<store::Object> ReadObject(const store::ObjectId& id) override {
    ++reads;
    return inner_.ReadObject(id);
  }
  Expected<bool> HasObject(const store::ObjectId& id) override { return inner_.HasObject(id); }
  Expected<store::ObjectHeader> ReadHeader(const store::ObjectId& id) override {
    ++reads;
    return inner_.ReadHeader(id);
  }
  Expected<std::vector<store::ObjectId>> WriteObjects(
      const std::vector<std::pair<store::ObjectType, std::string_view>>& objects) override {
    return inner_.WriteObjects(objects);
  }
  Expected<store::ObjectId> ResolvePrefix(std::string_view p) override { return inner_.ResolvePrefix(p); }
  Status ForEachObject(const std::function<bool(const store::ObjectId&)>& v) override { return inner_.ForEachObject(v); }
  Expected<store::ObjectId> WriteTree(const std::vector<store::TreeEntry>& e) override { return inner_.WriteTree(e); }
  Expected<std::vector<store::TreeEntry>> ReadTree(const store::ObjectId& id) override {
    ++reads;
    return inner_.ReadTree(id);
  }
  Expected<store::ObjectId> WriteCommit(const store::Commit& c) override { return inner_.WriteCommit(c); }
  Expected<store::Commit> ReadCommit(const store::ObjectId& id) override {
    ++reads;
    return inner_.ReadCommit(id);
  }
  Expected<store::ObjectId> ReadRef(std::string_view n) override { return inner_.ReadRef(n); }
  Expected<std::vector<std::pair<std::string, store::ObjectId>>> ListRefs(std::string_view p) override {
    return inner_.ListRefs(p);
  }
  Expected<std::vector<store::RefInfo>> ListAllRefs() override { return inner_.ListAllRefs(); }
  Status UpdateRefs(const std::vector<store::RefUpdate>& u, std::string_view m) override { return inner_.UpdateRefs(u, m); }
  Status SetSymbolicRef(std::string_view n, std::string_view t) override { return inner_.SetSymbolicRef(n, t); }
  Expected<std::vector<store::ReflogEntry>> ReadReflog(std::string_view n) override { return inner_.ReadReflog(n); }
  Expected<store::StoreStats> Stats() override { return inner_.Stats(); }
  uint64_t LastTransaction() override { return inner_.LastTransaction(); }
  Expected<store::FsckReport> Fsck() override { return inner_.Fsck(); }

 private:
  store::Store& inner_;
};

// A record `width` fields wide and `depth` records deep: f0 .. f<width-1>,
// each a record of the same shape, down to Int leaves.
Value Wide(int width, int depth, int64_t seed) {
  if (depth == 0) return Value::Int(seed);
  Value record = Value::Record("Level" + std::to_string(depth));
  for (int i = 0; i < width; ++i) record.fields.emplace_back("f" + std::to_string(i), Wide(width, depth - 1, seed * 10 + i));
  return record;
}

class HistoryTest : public StoreFixture {
 protected:
  store::ObjectId source_{};
  // An update of the cell at `address` that read `inputs`.
  CellUpdate Reading(std::string address, Value value, std::vector<std::string> inputs) {
    CellUpdate update{std::move(address), std::move(value), source_};
    update.inputs = std::move(inputs);
    return update;
  }
  std::vector<CommittedCell> Commit(std::vector<CellUpdate> cells) {
    auto committed = CommitCells(*store_, cells);
    EXPECT_TRUE(committed.ok()) << committed.status().message();
    return committed.ok() ? *committed : std::vector<CommittedCell>{};
  }
};

TEST_F(HistoryTest, ReadingAFieldPathDecodesOnlyTheTreesOnThePath) {
  Value big = Wide(/*width=*/10, /*depth=*/4, 1);  // 10,000 leaves
  auto id = WriteValue(*store_, big);
  ASSERT_TRUE(id.ok());
  CountingStore counting(*store_);
  ValueReader reader(counting);
  auto quoted = ParseFieldPath("f3.f1[\"f4\"]");
  ASSERT_TRUE(quoted.ok());
  EXPECT_TRUE(reader.Find({*id, true}, *quoted).status().IsNotFound()) << "a quoted step names map keys only";
  counting.reads = 0;
  auto path = ParseFieldPath(".f3.f1.f4.f9");
  ASSERT_TRUE(path.ok());
  auto node = reader.Find({*id, true}, *path);
  ASSERT_TRUE(node.ok()) << node.status().message();
  EXPECT_EQ(counting.reads, 4 * 2) << "a tree and its header per level";
  auto leaf = reader.Load(*node);
  ASSERT_TRUE(leaf.ok());
  EXPECT_EQ(*leaf, Value::Int(13149));
  EXPECT_EQ(counting.reads, 4 * 2 + 1);

  counting.reads = 0;
  ASSERT_TRUE(reader.Load({*id, true}).ok());
  EXPECT_GT(counting.reads, 10000) << "loading everything reads every leaf";
}

TEST_F(HistoryTest, FieldPathsReachListElementsAndMapKeys) {
  Value v = Value::Record("Deploy");
  v.fields.emplace_back("hosts", Value::List({Value::String("a"), Value::String("b")}));
  v.fields.emplace_back("env", Value::Map({{Value::String("PATH"), Value::String("/bin")},
                                           {Value::String("a.b/c"), Value::Int(1)}}));
  v.fields.emplace_back("quota", Value::Map({{Value::Size(1LL << 30), Value::Int(2)}}));
  v.fields.emplace_back("regions", Value::Map({{Value::Enum("Region", "EU"), Value::Bool(true)}}));
  auto id = *WriteValue(*store_, v);
  ValueReader reader(*store_);
  auto get = [&](std::string_view text) -> Expected<Value> {
    auto path = ParseFieldPath(text);
    if (!path.ok()) return path.status();
    auto node = reader.Find({id, true}, *path);
    if (!node.ok()) return node.status();
    return reader.Load(*node);
  };
  EXPECT_EQ(*get("hosts[1]"), Value::String("b"));
  EXPECT_EQ(*get("hosts.0"), Value::String("a"));
  EXPECT_EQ(*get("env.PATH"), Value::String("/bin"));
  EXPECT_EQ(*get("env[\"a.b/c\"]"), Value::Int(1));
  EXPECT_EQ(*get(".env.\"a.b/c\""), Value::Int(1));
  EXPECT_EQ(*get("quota[1073741824]"), Value::Int(2));
  EXPECT_EQ(*get("quota[1.GiB]"), Value::Int(2));
  EXPECT_EQ(*get("regions[EU]"), Value::Bool(true));
  EXPECT_EQ(*get("regions[Region.EU]"), Value::Bool(true));
  EXPECT_EQ(get("hosts[2]").status().code(), Status::Code::kNotFound);
  EXPECT_EQ(get("hosts[01]").status().code(), Status::Code::kNotFound);
  EXPECT_EQ(get("env.HOME").status().message(), "no key 'HOME' at .env (a Map (2 entries))");
  EXPECT_EQ(get("hosts[0].x").status().message(),
            "no field 'x' at .hosts[0]: the value there is a String, which has no fields");
  EXPECT_EQ(get("env[\"x").status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(get("a..b").status().code(), Status::Code::kInvalidArgument);
}

TEST_F(HistoryTest, LogListsVersionsNewestFirstWithTheirInputs) {
  Commit({Reading("base", Value::Int(1), {}), Reading("m.derived", Value::Int(2), {"base", "base"})});
  auto second = Commit({Reading("base", Value::Int(5), {}), Reading("m.derived", Value::Int(10), {"base"})});
  auto log = CellLog(*store_, "m.derived");
  ASSERT_TRUE(log.ok()) << log.status().message();
  ASSERT_EQ(log->size(), 2u);
  EXPECT_EQ((*log)[0].summary, "m.derived = 10");
  EXPECT_EQ((*log)[1].summary, "m.derived = 2");
  ASSERT_EQ((*log)[0].inputs.size(), 1u) << "one input, though it was read twice";
  EXPECT_EQ((*log)[0].inputs[0].address, "base");
  EXPECT_EQ((*log)[0].inputs[0].commit, second[0].commit_id) << "the input's commit from the same batch";
  EXPECT_EQ((*log)[0].source, source_);
  EXPECT_GT((*log)[0].time, 0);
  EXPECT_TRUE(CellLog(*store_, "nope").status().IsNotFound());

  // An unchanged input is recorded at its stored head.
  auto third = Commit({Reading("m.derived", Value::Int(11), {"base"})});
  auto version = ReadCellVersion(*store_, third[0].commit_id);
  ASSERT_TRUE(version.ok());
  EXPECT_EQ(version->inputs[0].commit, second[0].commit_id);
}

TEST_F(HistoryTest, RevisionsAreRelativeToTheCellsHistory) {
  std::vector<store::ObjectId> commits;
  for (int i = 1; i <= 3; ++i) commits.push_back(Commit({{"c", Value::Int(i), source_}})[0].commit_id);
  Commit({{"other", Value::Int(0), source_}});
  auto rev = [&](std::string_view r) { return ResolveCellRevision(*store_, "c", r); };
  EXPECT_EQ(*rev("HEAD"), commits[2]);
  EXPECT_EQ(*rev("@"), commits[2]);
  EXPECT_EQ(*rev("HEAD~1"), commits[1]);
  EXPECT_EQ(*rev("HEAD^"), commits[1]);
  EXPECT_EQ(*rev("HEAD^^"), commits[0]);
  EXPECT_EQ(*rev("HEAD~2"), commits[0]);
  EXPECT_EQ(*rev("HEAD~~^0"), commits[0]);
  EXPECT_EQ(*rev("HEAD@{1}"), commits[1]);
  EXPECT_EQ(*rev(commits[0].Hex().substr(0, 7)), commits[0]);
  EXPECT_EQ(*rev(commits[1].Hex() + "~1"), commits[0]);
  EXPECT_TRUE(rev("HEAD~3").status().IsNotFound());
  EXPECT_TRUE(rev("HEAD@{3}").status().IsNotFound());
  EXPECT_TRUE(rev("HEAD^2").status().IsNotFound());
  EXPECT_EQ(rev("main").status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(rev("HEAD~x").status().code(), Status::Code::kInvalidArgument);
  // Another cell's commit is not in this one's history.
  auto other = store_->ReadRef("refs/clive/cells/other");
  EXPECT_TRUE(rev(other->Hex()).status().IsNotFound());
}

TEST_F(HistoryTest, DiffReportsFieldChangesAndSkipsEqualSubtrees) {
  Value before = Wide(10, 4, 1);
  Value after = before;
  after.fields[3].second.fields[1].second.fields[4].second.fields[9].second = Value::Int(-1);
  after.fields[0].second.fields[0].second.fields[0].second.fields.pop_back();  // .f0.f0.f0.f9 removed
  Value extra = Value::List({Value::Int(1)});
  after.fields[5].second.fields.emplace_back("new", extra);
  StoredNode a{*WriteValue(*store_, before), true}, b{*WriteValue(*store_, after), true};
  CountingStore counting(*store_);
  auto changes = DiffValues(counting, a, b);
  ASSERT_TRUE(changes.ok()) << changes.status().message();
  ASSERT_EQ(changes->size(), 3u);
  EXPECT_EQ((*changes)[0].path, ".f0.f0.f0.f9");
  EXPECT_EQ((*changes)[0].kind, ValueChange::Kind::kRemoved);
  EXPECT_EQ((*changes)[1].path, ".f3.f1.f4.f9");
  EXPECT_EQ((*changes)[1].kind, ValueChange::Kind::kChanged);
  EXPECT_EQ(*(*changes)[1].before, Value::Int(13149));
  EXPECT_EQ(*(*changes)[1].after, Value::Int(-1));
  EXPECT_EQ((*changes)[2].path, ".f5.new");
  EXPECT_EQ(*(*changes)[2].after, extra);
  // Trees opened on the changed paths only, nowhere near the 11,111 objects
  // of each side.
  EXPECT_LT(counting.reads, 60);

  // Lists and maps compare entry by entry; a kind change is one change.
  auto node = [&](const Value& v) { return StoredNode{*WriteValue(*store_, v), v.kind == ValueKind::kList || v.kind == ValueKind::kMap}; };
  auto list_changes = DiffValues(*store_, node(Value::List({Value::Int(1), Value::Int(2)})),
                                 node(Value::List({Value::Int(1), Value::Int(3), Value::Int(4)})));
  ASSERT_EQ(list_changes->size(), 2u);
  EXPECT_EQ((*list_changes)[0].path, "[1]");
  EXPECT_EQ((*list_changes)[1].path, "[2]");
  EXPECT_EQ((*list_changes)[1].kind, ValueChange::Kind::kAdded);
  auto map_changes = DiffValues(*store_, node(Value::Map({{Value::String("k"), Value::Int(1)}})),
                                node(Value::Map({{Value::String("k"), Value::Int(2)}})));
  ASSERT_EQ(map_changes->size(), 1u);
  EXPECT_EQ((*map_changes)[0].path, "[\"k\"]");
  auto kind_change = DiffValues(*store_, node(Value::Int(1)), node(Value::List({})));
  ASSERT_EQ(kind_change->size(), 1u);
  EXPECT_EQ((*kind_change)[0].path, "");
  EXPECT_TRUE(DiffValues(*store_, a, a)->empty());
}

TEST_F(HistoryTest, ADiffOfOneChangedLeafIsOneChangeWhosePathGetReaches) {
  testing::ValueGenerator gen(/*seed=*/11);
  ValueReader reader(*store_);
  int checked = 0;
  for (int i = 0; i < 800; ++i) {
    Value before = gen.Any(4);
    bool tree = before.kind == ValueKind::kRecord || before.kind == ValueKind::kList || before.kind == ValueKind::kMap;
    if (!tree) continue;
    Value after = before;
    if (!gen.ChangeOneLeaf(after)) continue;
    StoredNode a{*WriteValue(*store_, before), true}, b{*WriteValue(*store_, after), true};
    auto changes = DiffValues(*store_, a, b);
    ASSERT_TRUE(changes.ok()) << changes.status().message();
    ASSERT_EQ(changes->size(), 1u) << Format(before) << "\nvs\n" << Format(after);
    const ValueChange& change = (*changes)[0];
    EXPECT_EQ(change.kind, ValueChange::Kind::kChanged);
    // The printed path parses back and reaches the leaf on both sides.
    auto path = ParseFieldPath(change.path);
    ASSERT_TRUE(path.ok()) << change.path << ": " << path.status().message();
    auto old_node = reader.Find(a, *path), new_node = reader.Find(b, *path);
    ASSERT_TRUE(old_node.ok() && new_node.ok()) << change.path;
    EXPECT_EQ(*reader.Load(*old_node), *change.before) << change.path;
    EXPECT_EQ(*reader.Load(*new_node), *change.after) << change.path;
    ++checked;
  }
  EXPECT_GT(checked, 100);
}

}  // namespace
}  // namespace clive::runtime
