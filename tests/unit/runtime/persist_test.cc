// Property tests of the value encoding: seeded random values of every kind
// (nested records, lists and maps, awkward strings and keys) round-trip
// through a real store, equal values get equal ids and different values
// different ids; maps' key names escape and unescape; foreign and damaged
// objects are Corruption.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <random>

#include "clive/runtime/persist.h"
#include "value_generator.h"

namespace clive::runtime {
namespace {

namespace fs = std::filesystem;
using testing::StoreFixture;
using testing::ValueGenerator;

class PersistTest : public StoreFixture {};

TEST_F(PersistTest, GeneratedValuesOfEveryKindRoundTrip) {
  ValueGenerator gen(/*seed=*/6);
  std::map<ValueKind, int> kinds;
  for (int i = 0; i < 400; ++i) {
    Value v = gen.Any(4);
    kinds[v.kind]++;
    auto id = WriteValue(*store_, v);
    ASSERT_TRUE(id.ok()) << id.status().message() << "\n" << Format(v);
    auto back = ReadValue(*store_, *id);
    ASSERT_TRUE(back.ok()) << back.status().message() << "\n" << Format(v);
    EXPECT_EQ(*back, v) << Format(v);
  }
  // Every kind was generated at the top level at least once.
  EXPECT_EQ(kinds.size(), 13u);
}

TEST_F(PersistTest, EqualValuesHaveEqualIdsAndDifferentValuesDifferentIds) {
  ValueGenerator gen(/*seed=*/42);
  std::map<store::ObjectId, Value> seen;
  for (int i = 0; i < 400; ++i) {
    Value v = gen.Any(3);
    auto id = WriteValue(*store_, v);
    ASSERT_TRUE(id.ok()) << id.status().message();
    auto [it, inserted] = seen.emplace(*id, v);
    if (!inserted) {
      EXPECT_EQ(it->second, v) << "one id for two values";
    }
    // The same value built again (maps from their entries reversed) has
    // the same id.
    auto again = WriteValue(*store_, ValueGenerator::Rebuilt(v));
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(*again, *id) << Format(v);
    // A value changed at one leaf has another id.
    Value changed = v;
    if (gen.ChangeOneLeaf(changed)) {
      ASSERT_NE(changed, v);
      auto other = WriteValue(*store_, changed);
      ASSERT_TRUE(other.ok());
      EXPECT_NE(*other, *id) << Format(v) << "\nvs\n" << Format(changed);
    }
  }
}

TEST_F(PersistTest, PersistingWritesOnlyNewObjects) {
  ValueGenerator gen(/*seed=*/7);
  Value big = Value::Record("Model");
  for (int i = 0; i < 40; ++i) big.fields.emplace_back("m" + std::to_string(i), gen.RecordOf(3));
  ASSERT_TRUE(WriteValue(*store_, big).ok());
  uint64_t before = store_->Stats()->objects;
  ASSERT_TRUE(WriteValue(*store_, big).ok());
  EXPECT_EQ(store_->Stats()->objects, before) << "an unchanged value wrote objects";
  // One field deep down: one new blob, and one new tree per level above it
  // (the headers are unchanged).
  Value changed = big;
  Value* leaf = &changed.fields[17].second;
  int trees = 1;
  while (leaf->kind == ValueKind::kRecord && !leaf->fields.empty()) {
    leaf = &leaf->fields.front().second;
    ++trees;
  }
  *leaf = Value::String("changed, surely");
  ASSERT_TRUE(WriteValue(*store_, changed).ok());
  EXPECT_EQ(store_->Stats()->objects, before + trees + 1);
}

TEST_F(PersistTest, MapsAreTreesWithOneEscapedEntryPerKey) {
  Value map = Value::Map({{Value::String("b/c"), Value::Int(1)},
                          {Value::String(".clive"), Value::Int(2)},
                          {Value::String(""), Value::Int(3)},
                          {Value::String("100%"), Value::Int(4)},
                          {Value::String("git~1"), Value::Int(5)},
                          {Value::String("plain key"), Value::Int(6)}});
  auto id = WriteValue(*store_, map);
  ASSERT_TRUE(id.ok()) << id.status().message();
  std::vector<std::string> names;
  auto tree = store_->ReadTree(*id);
  ASSERT_TRUE(tree.ok());
  for (const auto& e : *tree) names.push_back(e.name);
  EXPECT_EQ(names, (std::vector<std::string>{"%", "%2Eclive", ".clive", "100%25", "b%2Fc", "git%7E1", "plain key"}));
  EXPECT_EQ(*ReadValue(*store_, *id), map);

  // Keys of every scalar kind come back as the same keys.
  for (const Value& key : {Value::Int(-3), Value::Bool(true), Value::Size(1LL << 40), Value::Duration(1500),
                           Value::Enum("Region", "EU"), Value::Float(-2.5), Value::Float(1e300),
                           Value::Float(std::numeric_limits<double>::infinity()), Value::Path("/etc/x"),
                           Value::Ref("a.b.c")}) {
    Value m = Value::Map({{key, Value::String("v")}});
    auto mid = WriteValue(*store_, m);
    ASSERT_TRUE(mid.ok()) << Format(key);
    EXPECT_EQ(*ReadValue(*store_, *mid), m) << Format(key);
  }
  // Keys must be scalars of one kind.
  EXPECT_FALSE(WriteValue(*store_, Value::Map({{Value::Int(1), Value::Int(1)}, {Value::String("1"), Value::Int(2)}})).ok());
  EXPECT_FALSE(WriteValue(*store_, Value::Map({{Value::List({}), Value::Int(1)}})).ok());
  // An empty map has no key kind, and is one value whatever its type.
  EXPECT_EQ(*ReadValue(*store_, *WriteValue(*store_, Value::Map({}))), Value::Map({}));
}

TEST(EntryNames, EscapingIsInjectiveAndCanonical) {
  for (std::string text : std::vector<std::string>{"", ".", "..", ".clive", ".git", "a/b", std::string("n\0l", 3), "%41", "~", "a.b",
                           "ünï", "x y"}) {
    std::string name = EscapeEntryName(text);
    EXPECT_FALSE(name.empty());
    EXPECT_EQ(name.find('/'), std::string::npos);
    EXPECT_EQ(name.find('\0'), std::string::npos);
    EXPECT_NE(name[0], '.') << name;
    auto back = UnescapeEntryName(name);
    ASSERT_TRUE(back.ok()) << name;
    EXPECT_EQ(*back, text);
  }
  for (const char* name : {"%2e", "%2", "%zz", "%41", ".x", "a%"}) {
    auto back = UnescapeEntryName(name);
    ASSERT_FALSE(back.ok()) << name;
    EXPECT_EQ(back.status().code(), Status::Code::kCorruption);
  }
  EXPECT_FALSE(MapKeyFromText(ValueKind::kInt, "", "007").ok());
  EXPECT_FALSE(MapKeyFromText(ValueKind::kFloat, "", "1.50").ok());
  EXPECT_FALSE(MapKeyFromText(ValueKind::kEnum, "", "EU").ok());
  EXPECT_TRUE(std::isnan(MapKeyFromText(ValueKind::kFloat, "", "Float.NaN")->real));
}

TEST(Floats, EqualFloatsHaveOneEncoding) {
  EXPECT_EQ(EncodeScalar(Value::Float(-0.0)), EncodeScalar(Value::Float(0.0)));
  EXPECT_EQ(EncodeScalar(Value::Float(std::nan("1"))), EncodeScalar(Value::Float(-std::nan("2"))));
  EXPECT_TRUE(std::isnan(DecodeScalar(EncodeScalar(Value::Float(NAN)))->real));
}

class ForeignObjectTest : public StoreFixture {
 protected:
  store::ObjectId Blob(std::string_view data) { return *store_->WriteObject(store::ObjectType::kBlob, data); }
  // Written as raw bytes: libgit2's tree builder would refuse entries whose
  // object is missing or of another type than their mode says.
  store::ObjectId Tree(std::vector<store::TreeEntry> entries) {
    auto id = store_->WriteObject(store::ObjectType::kTree, *store::EncodeTree(std::move(entries)));
    EXPECT_TRUE(id.ok()) << id.status().message();
    return id.ok() ? *id : store::ObjectId{};
  }
  void ExpectCorruption(const store::ObjectId& id, std::string_view words) {
    auto v = ReadValue(*store_, id);
    ASSERT_FALSE(v.ok()) << Format(*v);
    EXPECT_EQ(v.status().code(), Status::Code::kCorruption) << v.status().message();
    EXPECT_NE(v.status().message().find(words), std::string::npos) << v.status().message();
  }
};

TEST_F(ForeignObjectTest, GitTreesBlobsAndCommitsAreCorruptionNotValues) {
  using Mode = store::TreeEntry::Mode;
  auto readme = Blob("# a project\n");
  auto src = Tree({{"main.c", Blob("int main(){}\n"), Mode::kBlob}});
  auto project = Tree({{"README.md", readme, Mode::kBlob}, {"src", src, Mode::kTree}});
  ExpectCorruption(readme, "not a clive value");
  ExpectCorruption(project, "no .clive entry");
  store::Commit commit;
  commit.tree = project;
  commit.message = "initial\n";
  ExpectCorruption(*store_->WriteCommit(commit), "not a clive value");

  // Clive trees with something wrong in them.
  Value record = Value::Record("R");
  record.fields.emplace_back("a", Value::Int(1));
  auto good = *WriteValue(*store_, record);
  std::vector<store::TreeEntry> entries = *store_->ReadTree(good);
  auto extra = entries;
  extra.push_back({"b", Blob(EncodeScalar(Value::Int(2))), Mode::kBlob});
  ExpectCorruption(Tree(extra), "entries for 1 fields");
  auto wrong_mode = entries;
  wrong_mode[1].mode = Mode::kExecutable;
  ExpectCorruption(Tree(wrong_mode), "mode 100755");
  auto as_tree = entries;
  as_tree[1] = {"a", src, Mode::kBlob};
  ExpectCorruption(Tree(as_tree), "not a clive scalar");
  auto missing = entries;
  missing[1].id = *store::HashObject(store::ObjectType::kBlob, "never written");
  ExpectCorruption(Tree(missing), "missing");

  // A map whose entry name is not a canonical key name.
  auto map = *WriteValue(*store_, Value::Map({{Value::Int(7), Value::Bool(true)}}));
  auto map_entries = *store_->ReadTree(map);
  map_entries[1].name = "07";
  ExpectCorruption(Tree(map_entries), "not the canonical text");
  map_entries[1].name = "x";
  ExpectCorruption(Tree(map_entries), "not a map key");
  // A record header under a list's name.
  auto list = *WriteValue(*store_, Value::List({Value::Int(1)}));
  auto list_entries = *store_->ReadTree(list);
  list_entries[0].id = Blob(EncodeRecordHeader({"List", {"x"}, ValueKind::kNull, ""}));
  list_entries[1].name = "x";
  ExpectCorruption(Tree(list_entries), "is a list whose entry 0");
}

}  // namespace
}  // namespace clive::runtime
