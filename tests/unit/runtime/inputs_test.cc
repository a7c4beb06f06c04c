// JSON given to `clivec set`, read as a value of the cell's type, and
// stored values conformed to the current declarations of their types.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "clive/runtime/inputs.h"
#include "input_shapes.h"

namespace clive::runtime {
namespace {

using compiler::RecordField;
using compiler::RecordType;
using compiler::TypeId;
using compiler::TypeTable;
using Kind = ShapeIssue::Kind;

class InputShapesTest : public ::testing::Test {
 protected:
  InputShapesTest() {
    tier_ = types_.AddEnum(compiler::EnumType{"Tier", 0, 0, {"Dev", "Prod"}});
    RecordType endpoint{"Endpoint", 0, 0, {}, -1, {}};
    endpoint.fields.push_back(Field("host", TypeTable::kString, /*has_default=*/false));
    endpoint.fields.push_back(Field("port", TypeTable::kInt, /*has_default=*/true));
    endpoint_ = types_.AddRecord(endpoint);
    RecordType server{"Server", 0, 0, {}, -1, {}};
    server.fields.push_back(Field("name", TypeTable::kString, false));
    server.fields.push_back(Field("tier", tier_, true));
    server.fields.push_back(Field("endpoints", types_.ListOf(endpoint_), true));
    server_ = types_.AddRecord(server);
  }

  static RecordField Field(std::string_view name, TypeId type, bool has_default) {
    // Any expression id marks a default; its value comes from `Defaults`.
    return RecordField{name, {}, type, has_default ? lang::ExprId{0} : lang::kNone, false, {}};
  }

  Value Json(const char* text, TypeId type) {
    issues_.clear();
    return FromJson(nlohmann::json::parse(text), type, types_, issues_);
  }
  std::string Issue(const char* text, TypeId type) {
    Json(text, type);
    EXPECT_EQ(issues_.size(), 1u) << text;
    return issues_.empty() ? "" : Describe(issues_.front(), types_);
  }

  TypeTable types_;
  TypeId tier_ = 0, endpoint_ = 0, server_ = 0;
  std::vector<ShapeIssue> issues_;
};

TEST_F(InputShapesTest, ScalarsFromJson) {
  EXPECT_EQ(Json("-42", TypeTable::kInt), Value::Int(-42));
  EXPECT_EQ(Json("9223372036854775807", TypeTable::kInt), Value::Int(INT64_MAX));
  EXPECT_EQ(Issue("9223372036854775808", TypeTable::kInt), "expected `Int`, found a number (9223372036854775808)");
  EXPECT_EQ(Issue("1.5", TypeTable::kInt), "expected `Int`, found a number with a fraction (1.5)");
  EXPECT_EQ(Json("2", TypeTable::kFloat), Value::Float(2));
  EXPECT_EQ(Json("true", TypeTable::kBool), Value::Bool(true));
  EXPECT_EQ(Json("\"dist/a.jar\"", TypeTable::kPath), Value::Path("dist/a.jar"));
  EXPECT_EQ(Json("\"a.b.server\"", types_.RefOf(server_)), Value::Ref("a.b.server"));
  EXPECT_EQ(Json("null", types_.OptionalOf(TypeTable::kInt)), Value::Null());
  EXPECT_EQ(Json("3", types_.OptionalOf(TypeTable::kInt)), Value::Int(3));
  EXPECT_EQ(Issue("null", TypeTable::kString), "expected `String`, found null");
}

TEST_F(InputShapesTest, QuantitiesFromNumbersAndUnits) {
  EXPECT_EQ(Json("1024", TypeTable::kSize), Value::Size(1024));
  EXPECT_EQ(Json("\"512MB\"", TypeTable::kSize), Value::Size(512'000'000));
  EXPECT_EQ(Json("\"512.MB\"", TypeTable::kSize), Value::Size(512'000'000));
  EXPECT_EQ(Json("\"2KiB\"", TypeTable::kSize), Value::Size(2048));
  EXPECT_EQ(Json("\"1.5.GB\"", TypeTable::kSize), Value::Size(1'500'000'000));
  EXPECT_EQ(Json("\"30s\"", TypeTable::kDuration), Value::Duration(30'000));
  EXPECT_EQ(Json("\"5min\"", TypeTable::kDuration), Value::Duration(300'000));
  EXPECT_EQ(Issue("\"0.5B\"", TypeTable::kSize), "expected `Size`, found a string (\"0.5B\")");  // not whole bytes
  EXPECT_EQ(Issue("\"1GB\"", TypeTable::kDuration), "expected `Duration`, found a string (\"1GB\")");
  EXPECT_EQ(Issue("\"GB\"", TypeTable::kSize), "expected `Size`, found a string (\"GB\")");
}

TEST_F(InputShapesTest, EnumsListsAndMapsFromJson) {
  EXPECT_EQ(Json("\"Prod\"", tier_), Value::Enum("Tier", "Prod"));
  EXPECT_EQ(Json("\"Tier.Prod\"", tier_), Value::Enum("Tier", "Prod"));
  EXPECT_EQ(Issue("\"Staging\"", tier_), "enum `Tier` has no case `Staging`");
  EXPECT_EQ(Json("[1, 2]", types_.ListOf(TypeTable::kInt)), Value::List({Value::Int(1), Value::Int(2)}));
  EXPECT_EQ(Issue("[1, \"x\"]", types_.ListOf(TypeTable::kInt)), "at `[1]`: expected `Int`, found a string (\"x\")");

  TypeId by_port = types_.MapOf(TypeTable::kInt, TypeTable::kString);
  EXPECT_EQ(Json(R"({"443": "https", "80": "http"})", by_port),
            Value::Map({{Value::Int(80), Value::String("http")}, {Value::Int(443), Value::String("https")}}));
  EXPECT_EQ(Issue(R"({"x": "y"})", by_port), "at `[x]`: expected `Int`, found the key \"x\"");
  TypeId by_tier = types_.MapOf(tier_, TypeTable::kSize);
  EXPECT_EQ(Json(R"({"Dev": "1GB"})", by_tier), Value::Map({{Value::Enum("Tier", "Dev"), Value::Size(1'000'000'000)}}));
}

TEST_F(InputShapesTest, RecordsFromJsonLeaveDefaultsToConform) {
  Value read = Json(R"({"endpoints": [{"host": "a"}], "name": "api"})", server_);
  EXPECT_TRUE(issues_.empty());
  std::set<DefaultKey> needed;
  Value partial = Conform(read, server_, types_, {}, needed, issues_);
  EXPECT_TRUE(issues_.empty());
  EXPECT_EQ(needed, (std::set<DefaultKey>{{server_, 1}, {endpoint_, 1}}));

  Defaults defaults{{{server_, 1}, Value::Enum("Tier", "Dev")}, {{endpoint_, 1}, Value::Int(443)}};
  Value full = Conform(read, server_, types_, defaults, needed, issues_);
  Value endpoint = Value::Record("Endpoint");
  endpoint.fields = {{"host", Value::String("a")}, {"port", Value::Int(443)}};
  Value expected = Value::Record("Server");
  expected.fields = {{"name", Value::String("api")},
                     {"tier", Value::Enum("Tier", "Dev")},
                     {"endpoints", Value::List({endpoint})}};
  EXPECT_EQ(full, expected);  // fields in declaration order, defaults filled in

  EXPECT_EQ(Issue(R"({"name": "a", "nme": 1})", server_), "type `Server` has no field `nme`");
}

TEST_F(InputShapesTest, StoredValuesThatNoLongerFitAreNamedPrecisely) {
  // A value stored under an older Server: `owner` was removed since, and
  // the endpoint's port was a string.
  Value endpoint = Value::Record("Endpoint");
  endpoint.fields = {{"host", Value::String("a")}, {"port", Value::String("443")}};
  Value stored = Value::Record("OldServer");
  stored.fields = {{"owner", Value::String("me")},
                   {"name", Value::String("api")},
                   {"tier", Value::Enum("Tier", "Staging")},
                   {"endpoints", Value::List({endpoint, Value::Record("Endpoint")})}};
  std::set<DefaultKey> needed;
  std::vector<ShapeIssue> issues;
  Conform(stored, server_, types_, {}, needed, issues);
  ASSERT_EQ(issues.size(), 4u);
  EXPECT_EQ(issues[0].kind, Kind::kUnknownField);
  EXPECT_EQ(issues[0].name, "owner");
  EXPECT_EQ(issues[1].kind, Kind::kUnknownCase);
  EXPECT_EQ(Describe(issues[1], types_), "at `.tier`: enum `Tier` has no case `Staging`");
  EXPECT_EQ(issues[2].kind, Kind::kMismatch);
  EXPECT_EQ(Describe(issues[2], types_), "at `.endpoints[0].port`: expected `Int`, found `String`");
  EXPECT_EQ(issues[2].owner, endpoint_);  // the field that was retyped
  EXPECT_EQ(issues[2].owner_field, "port");
  EXPECT_EQ(issues[3].kind, Kind::kMissingField);
  EXPECT_EQ(Describe(issues[3], types_), "at `.endpoints[1]`: field `host` of `Endpoint` is required (it has no default)");
}

// BringUpToDate on a real workspace: defaults are evaluated by checking and
// JIT-compiling the workspace with their declarations copied; computed
// cells are named as such.
TEST(BringUpToDateTest, FillsDefaultsWhereTheTypeIsDeclaredAndNamesIncompatibleChanges) {
  namespace fs = std::filesystem;
  std::string pattern = (fs::path(::testing::TempDir()) / "clive-inputs-XXXXXX").string();
  ASSERT_NE(mkdtemp(pattern.data()), nullptr);
  fs::path dir = pattern;
  fs::create_directories(dir / "lib");
  std::ofstream(dir / "lib" / "clive.cl") << "type Limits {\n"
                                            "  enum Unit { Soft, Hard }\n"
                                            "  max: Int\n"
                                            "  unit: Unit = Unit.Hard\n"
                                            "  burst: Int = double(10)\n"
                                            "}\n"
                                            "fn double(x: Int): Int = x * 2\n";
  std::ofstream(dir / "clive.cl") << "import lib.{Limits}\n"
                                     "@input val limits: Limits = Limits { max = 1 }\n"
                                     "val computed: Limits = Limits { max = 2 }\n";
  auto ws = DiscoverWorkspace(dir);
  ASSERT_TRUE(ws.ok()) << ws.status().message();
  auto checked = CheckWorkspace(*ws);
  ASSERT_TRUE(checked.ok()) << checked.status().message();
  ASSERT_EQ(checked->error_count, 0u);
  const compiler::Program& program = *checked->program;
  const compiler::CheckedModule* root = program.Find("");
  ASSERT_NE(root, nullptr);

  Value old = Value::Record("Limits");
  old.fields.emplace_back("max", Value::Int(7));
  auto upgraded = BringUpToDate(*ws, program, {{{root->id, 0}, old}, {{root->id, 1}, old}});
  ASSERT_TRUE(upgraded.ok()) << upgraded.status().message();
  EXPECT_TRUE(upgraded->diagnostics.empty());
  ASSERT_EQ(upgraded->values.size(), 2u);
  Value expected = Value::Record("Limits");
  expected.fields = {{"max", Value::Int(7)}, {"unit", Value::Enum("Limits.Unit", "Hard")}, {"burst", Value::Int(20)}};
  EXPECT_EQ(upgraded->values[0], expected);
  EXPECT_EQ(upgraded->values[1], expected);

  Value removed = old;
  removed.fields.emplace_back("gone", Value::Bool(true));
  auto incompatible = BringUpToDate(*ws, program, {{{root->id, 0}, removed}, {{root->id, 1}, removed}});
  ASSERT_TRUE(incompatible.ok()) << incompatible.status().message();
  EXPECT_TRUE(incompatible->values.empty());
  ASSERT_EQ(incompatible->diagnostics.size(), 1u);
  const lang::Diagnostic& d = incompatible->diagnostics.front();
  EXPECT_EQ(d.code, "E0402");
  EXPECT_EQ(d.message,
            "incompatible change to type `Limits`: field `gone` was removed, but the stored values of cells "
            "`limits`, `computed` have it");
  ASSERT_GE(d.notes.size(), 2u);
  EXPECT_EQ(d.notes[0].message, "input cell `limits` was set with `clivec set`");
  EXPECT_EQ(d.notes[1].message, "cell `computed` holds a value stored before the change");
  fs::remove_all(dir);
}

}  // namespace
}  // namespace clive::runtime
