// Materialize builds a value's ABI representation (clive/abi/abi.h) in an
// arena; Extract copies it back out. Every kind must survive the round trip.
#include <gtest/gtest.h>

#include <cstring>
#include <limits>

#include "clive/runtime/evaluate.h"
#include "clive/runtime/materialize.h"

namespace clive::runtime {
namespace {

using compiler::RecordField;
using compiler::RecordType;
using compiler::TypeId;
using compiler::TypeTable;

class MaterializeTest : public ::testing::Test {
 protected:
  MaterializeTest() {
    compiler::EnumType color{"Color", 0, 0, {"Red", "Green", "Blue"}};
    color_ = types_.AddEnum(color);
    RecordType inner{"JVM.Args", 0, 0, {}, -1, {}};
    inner.fields.push_back(RecordField{"memory", {}, TypeTable::kSize, lang::kNone, false, {}});
    inner.fields.push_back(RecordField{"flags", {}, types_.ListOf(TypeTable::kString), lang::kNone, false, {}});
    args_ = types_.AddRecord(inner);
    RecordType outer{"Server", 0, 0, {}, -1, {}};
    outer.fields.push_back(RecordField{"name", {}, TypeTable::kString, lang::kNone, false, {}});
    outer.fields.push_back(RecordField{"port", {}, types_.OptionalOf(TypeTable::kInt), lang::kNone, false, {}});
    outer.fields.push_back(RecordField{"args", {}, types_.OptionalOf(args_), lang::kNone, false, {}});
    outer.fields.push_back(RecordField{"color", {}, color_, lang::kNone, false, {}});
    server_ = types_.AddRecord(outer);
  }

  // Materializes `v` as `type` and extracts it again.
  Value RoundTrip(const Value& v, TypeId type) {
    auto word = Materialize(v, type, types_, context_);
    EXPECT_TRUE(word.ok()) << word.status().message();
    return word.ok() ? Extract(types_, type, *word) : Value::Null();
  }

  std::string Error(const Value& v, TypeId type) {
    auto word = Materialize(v, type, types_, context_);
    EXPECT_FALSE(word.ok());
    return word.ok() ? "" : word.status().message();
  }

  Value Args() {
    Value v = Value::Record("JVM.Args");
    v.fields.emplace_back("memory", Value::Size(16LL << 30));
    v.fields.emplace_back("flags", Value::List({Value::String("-ea"), Value::String("")}));
    return v;
  }
  Value Server(Value port, Value args) {
    Value v = Value::Record("Server");
    v.fields.emplace_back("name", Value::String("api \"quoted\" ünï"));
    v.fields.emplace_back("port", std::move(port));
    v.fields.emplace_back("args", std::move(args));
    v.fields.emplace_back("color", Value::Enum("Color", "Blue"));
    return v;
  }

  TypeTable types_;
  abi::Context context_;
  TypeId color_ = 0, args_ = 0, server_ = 0;
};

TEST_F(MaterializeTest, ScalarsRoundTrip) {
  for (int64_t n : {int64_t{0}, int64_t{-1}, std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()}) {
    EXPECT_EQ(RoundTrip(Value::Int(n), TypeTable::kInt), Value::Int(n));
    EXPECT_EQ(RoundTrip(Value::Size(n), TypeTable::kSize), Value::Size(n));
    EXPECT_EQ(RoundTrip(Value::Duration(n), TypeTable::kDuration), Value::Duration(n));
  }
  EXPECT_EQ(RoundTrip(Value::Bool(true), TypeTable::kBool), Value::Bool(true));
  EXPECT_EQ(RoundTrip(Value::Bool(false), TypeTable::kBool), Value::Bool(false));
  for (double d : {0.0, -0.0, 1.5, 2.0e-300, std::numeric_limits<double>::infinity()}) {
    Value back = RoundTrip(Value::Float(d), TypeTable::kFloat);
    ASSERT_EQ(back.kind, ValueKind::kFloat);
    EXPECT_EQ(std::memcmp(&back.real, &d, sizeof d), 0) << d;  // bit for bit, -0.0 included
  }
  EXPECT_EQ(RoundTrip(Value::String(""), TypeTable::kString), Value::String(""));
  EXPECT_EQ(RoundTrip(Value::String(std::string("a\0b", 3)), TypeTable::kString),
            Value::String(std::string("a\0b", 3)));
  EXPECT_EQ(RoundTrip(Value::Path("dist/app.jar"), TypeTable::kPath), Value::Path("dist/app.jar"));
  TypeId ref = types_.RefOf(server_);
  EXPECT_EQ(RoundTrip(Value::Ref("a.b.server"), ref), Value::Ref("a.b.server"));
  EXPECT_EQ(RoundTrip(Value::Enum("Color", "Green"), color_), Value::Enum("Color", "Green"));
}

TEST_F(MaterializeTest, RecordsListsAndOptionalsRoundTrip) {
  Value full = Server(Value::Int(8080), Args());
  EXPECT_EQ(RoundTrip(full, server_), full);
  Value nulls = Server(Value::Null(), Value::Null());
  EXPECT_EQ(RoundTrip(nulls, server_), nulls);

  TypeId list = types_.ListOf(types_.OptionalOf(server_));
  Value items = Value::List({full, Value::Null(), nulls});
  EXPECT_EQ(RoundTrip(items, list), items);
  EXPECT_EQ(RoundTrip(Value::List({}), list), Value::List({}));
  TypeId nested = types_.ListOf(types_.ListOf(types_.OptionalOf(TypeTable::kFloat)));
  Value grid = Value::List({Value::List({Value::Float(1.5), Value::Null()}), Value::List({})});
  EXPECT_EQ(RoundTrip(grid, nested), grid);
}

TEST_F(MaterializeTest, MapsRoundTripAndAreSortedAsCompiledCodeExpects) {
  TypeId by_name = types_.MapOf(TypeTable::kString, TypeTable::kInt);
  Value ports = Value::Map({{Value::String("https"), Value::Int(443)}, {Value::String("http"), Value::Int(80)}});
  EXPECT_EQ(RoundTrip(ports, by_name), ports);
  EXPECT_EQ(RoundTrip(Value::Map({}), by_name), Value::Map({}));

  // Enum keys are ordered by case index in compiled code (Blue is last),
  // though Value orders them by label (Blue first).
  TypeId by_color = types_.MapOf(color_, types_.ListOf(TypeTable::kInt));
  Value colors = Value::Map({{Value::Enum("Color", "Blue"), Value::List({Value::Int(3)})},
                             {Value::Enum("Color", "Red"), Value::List({})}});
  auto word = Materialize(colors, by_color, types_, context_);
  ASSERT_TRUE(word.ok()) << word.status().message();
  const auto* map = reinterpret_cast<const uint64_t*>(*word);
  ASSERT_EQ(map[0], 2u);
  EXPECT_EQ(map[1], 0u);  // Red
  EXPECT_EQ(map[3], 2u);  // Blue
  EXPECT_EQ(Extract(types_, by_color, *word), colors);

  TypeId by_number = types_.MapOf(TypeTable::kInt, args_);
  Value numbered = Value::Map({{Value::Int(10), Args()}, {Value::Int(-2), Args()}});
  EXPECT_EQ(RoundTrip(numbered, by_number), numbered);
}

TEST_F(MaterializeTest, FieldsAreMatchedByNameNotPosition) {
  Value shuffled = Value::Record("Server");
  Value full = Server(Value::Int(1), Value::Null());
  for (auto it = full.fields.rbegin(); it != full.fields.rend(); ++it) shuffled.fields.push_back(*it);
  EXPECT_EQ(RoundTrip(shuffled, server_), full);
}

TEST_F(MaterializeTest, ValuesOfTheWrongShapeAreErrorsNamingWhere) {
  EXPECT_EQ(Error(Value::String("x"), TypeTable::kInt), "value: expected a value of type `Int`, found `String`");
  EXPECT_EQ(Error(Value::Null(), TypeTable::kString), "value: expected a value of type `String`, found `Null`");
  EXPECT_EQ(Error(Value::Enum("Color", "Purple"), color_), "value: `Color` has no case `Purple`");
  Value missing = Server(Value::Int(1), Value::Null());
  missing.fields.pop_back();
  EXPECT_EQ(Error(missing, server_), "value.color: missing");
  Value bad_flag = Server(Value::Int(1), Args());
  bad_flag.fields[2].second.fields[1].second.fields[1].second = Value::Int(3);
  EXPECT_EQ(Error(bad_flag, server_), "value.args.flags[1]: expected a value of type `String`, found `Int`");
  TypeId function = types_.FunctionOf({TypeTable::kInt}, TypeTable::kInt);
  EXPECT_EQ(Error(Value::Int(1), function), "value: expected a value of type `(Int) -> Int`, found `Int`");
}

}  // namespace
}  // namespace clive::runtime
