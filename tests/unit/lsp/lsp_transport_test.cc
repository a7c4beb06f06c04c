// Unit tests of Content-Length framing: well-formed frames, and damaged input
// that must be skipped without losing the frames after it.
#include <gtest/gtest.h>

#include <sstream>

#include "transport.h"

namespace clive::lsp {
namespace {

std::vector<Frame> ReadAll(const std::string& input) {
  std::istringstream in(input);
  std::ostringstream out;
  Transport t(in, out);
  std::vector<Frame> frames;
  for (Frame f = t.Read(); f.kind != Frame::Kind::kEof; f = t.Read()) frames.push_back(f);
  return frames;
}

TEST(Transport, ReadsConsecutiveFrames) {
  auto frames = ReadAll("Content-Length: 2\r\n\r\n{}Content-Length: 4\r\n\r\nnull");
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[0].body, "{}");
  EXPECT_EQ(frames[1].body, "null");
}

TEST(Transport, AcceptsOtherHeadersAnyCaseAndBareNewlines) {
  auto frames = ReadAll(
      "content-length:3\n"
      "Content-Type: application/vscode-jsonrpc; charset=utf-8\n\n[1]");
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].kind, Frame::Kind::kMessage);
  EXPECT_EQ(frames[0].body, "[1]");
}

TEST(Transport, BodyLengthCountsBytesNotCharacters) {
  std::string body = "\"\xC3\xA9\xF0\x9F\x98\x80\"";  // "é😀": 8 bytes
  auto frames = ReadAll("Content-Length: 8\r\n\r\n" + body);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].body, body);
}

TEST(Transport, MissingOrInvalidLengthIsABadFrameAndReadingGoesOn) {
  auto frames = ReadAll(
      "X-Garbage: 1\r\n\r\n"
      "Content-Length: twelve\r\n\r\n"
      "Content-Length: -5\r\n\r\n"
      "Content-Length: 2\r\n\r\n{}");
  ASSERT_EQ(frames.size(), 4u);
  EXPECT_EQ(frames[0].kind, Frame::Kind::kBadFrame);
  EXPECT_EQ(frames[1].kind, Frame::Kind::kBadFrame);
  EXPECT_EQ(frames[2].kind, Frame::Kind::kBadFrame);
  EXPECT_EQ(frames[3].kind, Frame::Kind::kMessage);
  EXPECT_EQ(frames[3].body, "{}");
}

TEST(Transport, NoiseLinesBeforeAHeaderAreSkipped) {
  auto frames = ReadAll("\r\n\r\nnot a header\r\nContent-Length: 2\r\n\r\n{}");
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].body, "{}");
}

TEST(Transport, TruncatedBodyIsEndOfInput) {
  EXPECT_TRUE(ReadAll("Content-Length: 100\r\n\r\n{\"a\":").empty());
  EXPECT_TRUE(ReadAll("Content-Length: 5\r\n").empty());
  EXPECT_TRUE(ReadAll("").empty());
}

TEST(Transport, HugeLengthIsRefusedNotAllocated) {
  auto frames = ReadAll("Content-Length: 99999999999999999999\r\n\r\n{}");
  ASSERT_FALSE(frames.empty());
  EXPECT_EQ(frames[0].kind, Frame::Kind::kBadFrame);
  frames = ReadAll("Content-Length: 1000000000\r\n\r\n{}");
  ASSERT_TRUE(frames.empty() || frames[0].kind == Frame::Kind::kBadFrame);
}

TEST(Transport, WriteFramesTheBody) {
  std::istringstream in;
  std::ostringstream out;
  Transport(in, out).Write("{\"x\":\"\xC3\xA9\"}");
  EXPECT_EQ(out.str(), "Content-Length: 10\r\n\r\n{\"x\":\"\xC3\xA9\"}");
}

}  // namespace
}  // namespace clive::lsp
