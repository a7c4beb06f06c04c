// Unit tests of LSP positions (UTF-16 code units) and incremental edits.
#include <gtest/gtest.h>

#include "text.h"

namespace clive::lsp {
namespace {

using json = nlohmann::json;

json Edit(uint32_t l1, uint32_t c1, uint32_t l2, uint32_t c2, std::string text) {
  return {{"range", {{"start", {{"line", l1}, {"character", c1}}}, {"end", {{"line", l2}, {"character", c2}}}}},
          {"text", std::move(text)}};
}

// "é" is 2 UTF-8 bytes and 1 UTF-16 unit; "😀" is 4 bytes and 2 units.
const std::string kText = "val s = \"\xC3\xA9\xF0\x9F\x98\x80\" + x\nval y = 1\n";

TEST(Text, OffsetsCountUtf16Units) {
  EXPECT_EQ(OffsetOf(kText, {0, 9}), 9u);    // before é
  EXPECT_EQ(OffsetOf(kText, {0, 10}), 11u);  // after é
  EXPECT_EQ(OffsetOf(kText, {0, 12}), 15u);  // after 😀 (two units)
  EXPECT_EQ(OffsetOf(kText, {0, 16}), kText.find('x'));
  EXPECT_EQ(OffsetOf(kText, {1, 4}), kText.find('y'));
}

TEST(Text, OutOfRangePositionsClamp) {
  EXPECT_EQ(OffsetOf(kText, {0, 1000}), kText.find('\n'));  // to the end of the line
  EXPECT_EQ(OffsetOf(kText, {7, 0}), kText.size());         // to the end of the text
  EXPECT_EQ(OffsetOf("a\r\nb", {0, 5}), 1u);                // a CRLF line ends before \r
}

TEST(Text, PositionsRoundTrip) {
  for (uint32_t offset : {0u, 9u, 11u, 15u, static_cast<uint32_t>(kText.find('y'))}) {
    EXPECT_EQ(OffsetOf(kText, PositionOf(kText, offset)), offset) << offset;
  }
  Position p = PositionOf(kText, static_cast<uint32_t>(kText.find('x')));
  EXPECT_EQ(p.line, 0u);
  EXPECT_EQ(p.character, 16u);
}

TEST(Text, IncrementalEditsReplaceUtf16Ranges) {
  std::string text = kText;
  // Replace the emoji (units 10..12) with "!".
  ASSERT_TRUE(ApplyChange(text, Edit(0, 10, 0, 12, "!")));
  EXPECT_EQ(text, "val s = \"\xC3\xA9!\" + x\nval y = 1\n");
  // Insert across lines, then delete a line break.
  ASSERT_TRUE(ApplyChange(text, Edit(1, 9, 1, 9, "0\nval z = 2")));
  EXPECT_EQ(text, "val s = \"\xC3\xA9!\" + x\nval y = 10\nval z = 2\n");
  ASSERT_TRUE(ApplyChange(text, Edit(0, 16, 1, 0, " ; ")));
  EXPECT_EQ(text, "val s = \"\xC3\xA9!\" + x ; val y = 10\nval z = 2\n");
}

TEST(Text, FullReplacementAndMalformedEdits) {
  std::string text = "abc";
  ASSERT_TRUE(ApplyChange(text, {{"text", "xyz"}}));
  EXPECT_EQ(text, "xyz");
  EXPECT_FALSE(ApplyChange(text, {{"range", "oops"}, {"text", "q"}}));
  EXPECT_FALSE(ApplyChange(text, Edit(0, 2, 0, 1, "q")));  // end before start
  EXPECT_FALSE(ApplyChange(text, json::array()));
  EXPECT_FALSE(ApplyChange(text, {{"range", Edit(0, 0, 0, 1, "")["range"]}}));  // no text
  EXPECT_EQ(text, "xyz");
}

TEST(Text, FileUris) {
  EXPECT_EQ(UriToPath("file:///a%20b/c.cl")->string(), "/a b/c.cl");
  EXPECT_EQ(UriToPath("file://localhost/x/./y/clive.cl")->string(), "/x/y/clive.cl");
  EXPECT_FALSE(UriToPath("untitled:Untitled-1").has_value());
  EXPECT_FALSE(UriToPath("file://server/share").has_value());
  EXPECT_EQ(PathToUri("/a b/c+d.cl"), "file:///a%20b/c%2Bd.cl");
  EXPECT_EQ(UriToPath(PathToUri("/w/\xC3\xA9/clive.cl"))->string(), "/w/\xC3\xA9/clive.cl");
}

}  // namespace
}  // namespace clive::lsp
