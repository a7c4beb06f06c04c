// Unit tests of diagnostics as JSON, in the CLI's and in LSP's shape.
#include <gtest/gtest.h>

#include "clive/lsp/diagnostic_json.h"

namespace clive::lsp {
namespace {

TEST(DiagnosticJson, CliShapeIsOneBased) {
  lang::SourceFile f("f.cl", "val a = 1\nval b = x\n");
  lang::Diagnostic d{lang::Severity::kError, "E0101", &f, {18, 19}, "unknown name `x`", {}};
  d.notes.push_back({&f, {4, 5}, "see here"});
  auto j = ToCliJson(d);
  EXPECT_EQ(j["code"], "E0101");
  EXPECT_EQ(j["severity"], "error");
  EXPECT_EQ(j["file"], "f.cl");
  EXPECT_EQ(j["line"], 2);
  EXPECT_EQ(j["column"], 9);
  EXPECT_EQ(j["end_column"], 10);
  ASSERT_EQ(j["notes"].size(), 1u);
  EXPECT_EQ(j["notes"][0]["line"], 1);
}

TEST(DiagnosticJson, LspShapeIsZeroBasedUtf16) {
  // "é" is one UTF-16 unit, "😀" (4 UTF-8 bytes) is two.
  lang::SourceFile f("/w/f.cl", "val s = \"é😀\" + x\n");
  uint32_t x = static_cast<uint32_t>(f.text().find('x'));
  lang::Diagnostic d{lang::Severity::kError, "E0101", &f, {x, x + 1}, "unknown name `x`", {}};
  auto j = ToLspDiagnostic(d);
  EXPECT_EQ(j["range"]["start"]["line"], 0);
  EXPECT_EQ(j["range"]["start"]["character"], 16);
  EXPECT_EQ(j["range"]["end"]["character"], 17);
  EXPECT_EQ(j["severity"], 1);
  EXPECT_EQ(j["source"], "clive");
}

}  // namespace
}  // namespace clive::lsp
