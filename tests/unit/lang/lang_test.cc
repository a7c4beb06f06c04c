// Unit tests of the front end: source positions, the parser's syntax tree,
// error recovery, diagnostics rendering and units.
#include <gtest/gtest.h>

#include "clive/lang/diagnostics.h"
#include "clive/lang/parser.h"
#include "clive/lang/units.h"

namespace clive::lang {
namespace {

struct Parsed {
  std::unique_ptr<SourceFile> file;
  DiagnosticSink sink;
  std::unique_ptr<SyntaxTree> tree;
};

std::unique_ptr<Parsed> ParseText(std::string text) {
  auto p = std::make_unique<Parsed>();
  p->file = std::make_unique<SourceFile>("test.cl", std::move(text));
  p->tree = Parse(*p->file, p->sink);
  return p;
}

TEST(SourceFile, PositionsAreOneBasedAndCountCodePoints) {
  SourceFile f("f.cl", "ab\nçd\n");
  EXPECT_EQ(f.Position(0).line, 1u);
  EXPECT_EQ(f.Position(1).column, 2u);
  EXPECT_EQ(f.Position(3).line, 2u);
  EXPECT_EQ(f.Position(3).column, 1u);
  // 'ç' is two bytes but one column.
  EXPECT_EQ(f.Position(5).column, 2u);
  EXPECT_EQ(f.LineText(2), "çd");
  EXPECT_EQ(f.ByteOffsetOfCodePoint(4), 5u);
}

TEST(Parser, BuildsTypesFieldsAndCellsWithRanges) {
  auto p = ParseText(
      "/// A server.\n"
      "type Server { name: String; port: Int = 80 }\n"
      "val s = Server { name = \"x\" }\n");
  ASSERT_FALSE(p->sink.has_errors());
  const SyntaxTree& t = *p->tree;
  ASSERT_EQ(t.top_types.size(), 1u);
  const TypeDecl& server = t.type_decls[t.top_types[0]];
  EXPECT_EQ(server.name, "Server");
  EXPECT_EQ(server.doc, "A server.");
  ASSERT_EQ(server.fields.count, 2u);
  EXPECT_EQ(t.field_decls[server.fields.first + 1].name, "port");
  EXPECT_NE(t.field_decls[server.fields.first + 1].default_value, kNone);

  ASSERT_EQ(t.vals.size(), 1u);
  const ValDecl& s = t.vals[0];
  EXPECT_EQ(p->file->Slice(s.name_range), "s");
  const Expr& builder = t.expr(s.value);
  ASSERT_EQ(builder.kind, ExprKind::kBuilder);
  EXPECT_EQ(p->file->Slice(builder.range), "Server { name = \"x\" }");
  ASSERT_EQ(builder.list.count, 1u);
  const FieldInit& init = t.field_inits[builder.list.first];
  EXPECT_EQ(init.name, "name");
  EXPECT_EQ(t.strings[t.expr(init.value).string_index], "x");
}

TEST(Parser, QuantitiesMembersAndPrecedence) {
  auto p = ParseText("val a = 16.GB + b.c.d * 2\n");
  ASSERT_FALSE(p->sink.has_errors());
  const SyntaxTree& t = *p->tree;
  const Expr& add = t.expr(t.vals[0].value);
  ASSERT_EQ(add.kind, ExprKind::kBinary);
  EXPECT_EQ(static_cast<BinaryOp>(add.op), BinaryOp::kAdd);
  const Expr& quantity = t.expr(add.lhs);
  EXPECT_EQ(quantity.kind, ExprKind::kQuantity);
  EXPECT_EQ(quantity.int_value, 16);
  EXPECT_EQ(quantity.name, "GB");
  const Expr& mul = t.expr(add.rhs);
  EXPECT_EQ(static_cast<BinaryOp>(mul.op), BinaryOp::kMul);
  const Expr& member = t.expr(mul.lhs);
  ASSERT_EQ(member.kind, ExprKind::kMember);
  EXPECT_EQ(member.name, "d");
  EXPECT_EQ(p->file->Slice(member.range), "b.c.d");
}

TEST(Parser, StringEscapes) {
  auto p = ParseText(R"(val s = "a\"b\\c\nd\$")" "\n");
  ASSERT_FALSE(p->sink.has_errors());
  EXPECT_EQ(p->tree->strings[0], "a\"b\\c\nd$");
}

TEST(Parser, RecoversAndKeepsLaterDeclarations) {
  auto p = ParseText("val a = 1 +\nval b = 2\ntype T { x: Int }\n");
  ASSERT_TRUE(p->sink.has_errors());
  EXPECT_EQ(p->sink.diagnostics()[0].code, "E0001");
  // The declarations after the error are still in the tree.
  bool has_b = false;
  for (const auto& v : p->tree->vals) has_b = has_b || v.name == "b";
  EXPECT_TRUE(has_b);
  ASSERT_EQ(p->tree->top_types.size(), 1u);
}

TEST(Parser, RecoveryReportsOneErrorForAStrayOperator) {
  // Recovery skips `*` and keeps `2`; the skipped token must not make the
  // literal look malformed (no E0002 on top of the E0001).
  auto p = ParseText("val b = 1 + * 2\n");
  ASSERT_EQ(p->sink.error_count(), 1u);
  EXPECT_EQ(p->sink.diagnostics()[0].code, "E0001");
}

TEST(Parser, IntegerLiteralOutOfRangeIsAnError) {
  auto p = ParseText("val a = 99999999999999999999\n");
  ASSERT_EQ(p->sink.error_count(), 1u);
  EXPECT_EQ(p->sink.diagnostics()[0].code, "E0002");
}

TEST(Parser, EmptyAndGarbageInputDoNotCrash) {
  EXPECT_FALSE(ParseText("")->sink.has_errors());
  EXPECT_TRUE(ParseText("\xff\xfe}}}{{{")->sink.has_errors());
  EXPECT_TRUE(ParseText("val = = =")->sink.has_errors());
  // Overlong forms, surrogates and code points past U+10FFFF are not UTF-8.
  for (const char* bad : {"val s = \"\xC0\xAF\"", "val s = \"\xED\xA0\x80\"", "val s = \"\xF4\x90\x80\x80\""}) {
    auto p = ParseText(bad);
    ASSERT_EQ(p->sink.error_count(), 1u) << bad;
    EXPECT_EQ(p->sink.diagnostics()[0].code, "E0003");
  }
  EXPECT_FALSE(ParseText("val s = \"\xF0\x9F\x98\x80 \xE2\x82\xAC\"")->sink.has_errors());
}

// The design notes' headline model parses as written.
TEST(Parser, ParsesTheServerModelFromTheDesign) {
  auto p = ParseText(R"(
import clive.model.jvm.artifacts.{docker, macosApp, windowsSelfExtract}
import clive.model.jvm.{Dependencies, JVM, JVMArgs, Artifacts}
import clive.model.kotlin.backendModule
import thirdParty.{ratpack, hadoop}

val server = backendModule {
  dependencies = Dependencies {
    compile = [ratpack.transitive.exclude(hadoop)]
  }
  jvm = JVM { args = JVMArgs { memory = 16.GB } }
  artifacts = Artifacts {
    macosApp(jvm = jvm.copy(provider = JVM.Provider.Oracle))
    docker(base = "eclipse-temurin:17-jre")
  }
}
)");
  ASSERT_FALSE(p->sink.has_errors()) << Render(p->sink.diagnostics()[0]);
  const SyntaxTree& t = *p->tree;
  ASSERT_EQ(t.imports.size(), 4u);
  EXPECT_EQ(t.imports[0].names.size(), 3u);
  EXPECT_EQ(t.imports[2].path.back(), "backendModule");
  ASSERT_EQ(t.vals.size(), 1u);
  const Expr& server = t.expr(t.vals[0].value);
  ASSERT_EQ(server.kind, ExprKind::kBuilder);
  EXPECT_EQ(t.expr(server.lhs).name, "backendModule");
  ASSERT_EQ(server.list.count, 3u);
  const FieldInit& artifacts = t.field_inits[server.list.first + 2];
  EXPECT_EQ(artifacts.name, "artifacts");
  const Expr& block = t.expr(artifacts.value);
  ASSERT_EQ(block.list.count, 2u);
  // Bare calls in a builder block are collect items (no field name), and a
  // newline separates them: the second is not applied to the first.
  const FieldInit& mac = t.field_inits[block.list.first];
  EXPECT_TRUE(mac.name.empty());
  EXPECT_EQ(t.expr(mac.value).kind, ExprKind::kCall);
  const FieldInit& docker = t.field_inits[block.list.first + 1];
  EXPECT_EQ(p->file->Slice(t.expr(docker.value).range), R"(docker(base = "eclipse-temurin:17-jre"))");
}

TEST(Parser, DeclarationsOfTheFullLanguage) {
  auto p = ParseText(R"(
/// JVM settings.
type JVM {
  enum Provider { OpenJDK, Oracle }
  provider: Provider = Provider.OpenJDK
  version: Int = 17
  @collect flags: List<String> = []
  env: Map<String, String> = [:]
  home: Path? = null
  fn describe(): String = "${provider}-${version}"
}
enum Color { Red, Green }
fn <T> List<T>.second(): T? = if (size > 1) this[1] else null
fn scale(s: Size, by: Int = 2): Size = s * by
val f: (Int) -> Int = { x -> x + 1 }
)");
  ASSERT_FALSE(p->sink.has_errors()) << Render(p->sink.diagnostics()[0]);
  const SyntaxTree& t = *p->tree;
  ASSERT_EQ(t.top_types.size(), 1u);
  const TypeDecl& jvm = t.type_decls[t.top_types[0]];
  EXPECT_EQ(jvm.doc, "JVM settings.");
  EXPECT_EQ(jvm.enums.size(), 1u);
  EXPECT_EQ(jvm.fns.size(), 1u);
  ASSERT_EQ(jvm.fields.count, 5u);
  const FieldDecl& flags = t.field_decls[jvm.fields.first + 2];
  ASSERT_EQ(flags.annotations.size(), 1u);
  EXPECT_EQ(flags.annotations[0], "collect");
  EXPECT_EQ(t.type_refs[flags.type].args.count, 1u);
  EXPECT_TRUE(t.type_refs[t.field_decls[jvm.fields.first + 4].type].optional);
  ASSERT_EQ(t.top_enums.size(), 1u);
  EXPECT_EQ(t.enum_decls[t.top_enums[0]].cases.size(), 2u);
  ASSERT_EQ(t.top_fns.size(), 2u);
  const FnDecl& second = t.fn_decls[t.top_fns[0]];
  EXPECT_EQ(second.name, "second");
  EXPECT_NE(second.receiver, kNone);
  EXPECT_EQ(second.type_params.count, 1u);
  EXPECT_EQ(t.expr(second.body).kind, ExprKind::kIf);
  const FnDecl& scale = t.fn_decls[t.top_fns[1]];
  ASSERT_EQ(scale.params.count, 2u);
  EXPECT_NE(t.params[scale.params.first + 1].default_value, kNone);
  EXPECT_TRUE(t.type_refs[t.vals[0].type].function);
  EXPECT_EQ(t.expr(t.vals[0].value).kind, ExprKind::kLambda);
}

TEST(Parser, ExpressionsOfTheFullLanguage) {
  auto p = ParseText(R"(
val a = [1, 2, 3]
val m = ["a": 1, "b": 2]
val e = [:]
val c = [x * 2 for x in a if x > 1]
val w = when (a.size) { 0 -> "none"; 1, 2 -> "few"; else -> "many" }
val o = m["a"]?.plus(1) ?: 0
val s = "n=${a.size}, first=${a[0]}, nested=${"x${1}"}"
val l = a.map { x -> x + 1 }.filter { x -> x > 2 }
)");
  ASSERT_FALSE(p->sink.has_errors()) << Render(p->sink.diagnostics()[0]);
  const SyntaxTree& t = *p->tree;
  ASSERT_EQ(t.vals.size(), 8u);
  EXPECT_EQ(t.expr(t.vals[0].value).kind, ExprKind::kList);
  EXPECT_EQ(t.expr(t.vals[1].value).kind, ExprKind::kMap);
  EXPECT_EQ(t.expr(t.vals[1].value).list.count, 2u);
  EXPECT_EQ(t.expr(t.vals[2].value).kind, ExprKind::kMap);
  EXPECT_EQ(t.expr(t.vals[3].value).kind, ExprKind::kComprehension);
  EXPECT_EQ(t.expr(t.vals[3].value).name, "x");
  const Expr& when = t.expr(t.vals[4].value);
  ASSERT_EQ(when.kind, ExprKind::kWhen);
  ASSERT_EQ(when.list.count, 3u);
  EXPECT_EQ(t.when_branches[when.list.first + 1].conditions.count, 2u);
  EXPECT_EQ(t.when_branches[when.list.first + 2].conditions.count, 0u);  // else
  const Expr& elvis = t.expr(t.vals[5].value);
  ASSERT_EQ(elvis.kind, ExprKind::kBinary);
  EXPECT_EQ(static_cast<BinaryOp>(elvis.op), BinaryOp::kElvis);
  const Expr& interp = t.expr(t.vals[6].value);
  ASSERT_EQ(interp.kind, ExprKind::kInterpolation);
  ASSERT_EQ(interp.list.count, 6u);
  const Expr& size = t.expr(t.expr_lists[interp.list.first + 1]);
  EXPECT_EQ(size.kind, ExprKind::kMember);
  EXPECT_EQ(p->file->Slice(size.range), "a.size");  // ranges point into the file
  EXPECT_EQ(t.expr(t.expr_lists[interp.list.first + 5]).kind, ExprKind::kInterpolation);
  const Expr& filter = t.expr(t.vals[7].value);
  ASSERT_EQ(filter.kind, ExprKind::kCall);
  EXPECT_EQ(t.expr(t.args[filter.list.first].value).kind, ExprKind::kLambda);
}

TEST(Parser, NewlinesEndExpressionsBeforeCallsAndSigns) {
  // `b` then `(1)`: two items, not a call; `c` then `-1`: not a subtraction.
  auto p = ParseText(
      "type T { @collect xs: List<Int> = [] }\n"
      "val t = T {\n  b\n  (1)\n  c\n  -1\n}\n"
      "val u = 1 +\n  2\n");
  ASSERT_FALSE(p->sink.has_errors()) << Render(p->sink.diagnostics()[0]);
  const SyntaxTree& t = *p->tree;
  EXPECT_EQ(t.expr(t.vals[0].value).list.count, 4u);
  EXPECT_EQ(t.expr(t.vals[1].value).kind, ExprKind::kBinary);  // operator at line end continues
}

TEST(Parser, BadInterpolationIsASyntaxError) {
  auto p = ParseText("val s = \"a${1 +}b\"\nval t = 2\n");
  ASSERT_TRUE(p->sink.has_errors());
  EXPECT_EQ(p->sink.diagnostics()[0].code, "E0001");
  EXPECT_EQ(p->tree->vals.size(), 2u);
}

TEST(Diagnostics, RenderShowsPositionCodeLineAndCaret) {
  SourceFile f("dir/f.cl", "val a = 1\nval b = oops\n");
  Diagnostic d{Severity::kError, "E0101", &f, {18, 22}, "unknown name `oops`", {}};
  d.notes.push_back({&f, {4, 5}, "a note"});
  EXPECT_EQ(Render(d),
            "dir/f.cl:2:9: error[E0101]: unknown name `oops`\n"
            "  |\n"
            "2 | val b = oops\n"
            "  |         ^~~~\n"
            "dir/f.cl:1:5: note: a note\n"
            "  |\n"
            "1 | val a = 1\n"
            "  |     ^\n");
}

TEST(Units, FactorsAndFormatting) {
  EXPECT_EQ(UnitFactor("GB"), 1000LL * 1000 * 1000);
  EXPECT_EQ(UnitFactor("GiB"), 1LL << 30);
  EXPECT_EQ(UnitFactor("min"), 60000);
  EXPECT_EQ(QuantityOfUnit("s"), Quantity::kDuration);
  EXPECT_FALSE(UnitFactor("parsecs").has_value());
  EXPECT_EQ(FormatQuantity(Quantity::kSize, 16LL * 1000 * 1000 * 1000), "16.GB");
  EXPECT_EQ(FormatQuantity(Quantity::kSize, 512LL << 20), "512.MiB");
  EXPECT_EQ(FormatQuantity(Quantity::kSize, 1), "1.B");
  EXPECT_EQ(FormatQuantity(Quantity::kSize, 0), "0.B");
  EXPECT_EQ(FormatQuantity(Quantity::kDuration, 90000), "90.s");
  EXPECT_EQ(FormatQuantity(Quantity::kDuration, 120000), "2.min");
}

}  // namespace
}  // namespace clive::lang
