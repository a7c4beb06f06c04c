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
  ASSERT_EQ(builder.inits.count, 1u);
  const FieldInit& init = t.field_inits[builder.inits.first];
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

TEST(Parser, IntegerLiteralOutOfRangeIsAnError) {
  auto p = ParseText("val a = 99999999999999999999\n");
  ASSERT_EQ(p->sink.error_count(), 1u);
  EXPECT_EQ(p->sink.diagnostics()[0].code, "E0002");
}

TEST(Parser, EmptyAndGarbageInputDoNotCrash) {
  EXPECT_FALSE(ParseText("")->sink.has_errors());
  EXPECT_TRUE(ParseText("\xff\xfe}}}{{{")->sink.has_errors());
  EXPECT_TRUE(ParseText("val = = =")->sink.has_errors());
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
