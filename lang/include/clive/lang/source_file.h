// SourceFile: one clive.cl file's text, and mapping from byte offsets to
// line/column positions.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "clive/store/status.h"

namespace clive::lang {

// A half-open byte range [begin, end) into a SourceFile's text.
struct SourceRange {
  uint32_t begin = 0;
  uint32_t end = 0;
};

struct LineColumn {
  uint32_t line = 1;    // 1-based
  uint32_t column = 1;  // 1-based, in Unicode code points
};

class SourceFile {
 public:
  // `display_path` is how diagnostics name the file (as the user wrote it).
  SourceFile(std::string display_path, std::string text);
  static Expected<SourceFile> Read(const std::filesystem::path& path);

  const std::string& path() const { return path_; }
  const std::string& text() const { return text_; }
  std::string_view Slice(SourceRange r) const {
    return std::string_view(text_).substr(r.begin, r.end - r.begin);
  }

  LineColumn Position(uint32_t offset) const;
  // The text of 1-based line `line`, without its newline.
  std::string_view LineText(uint32_t line) const;
  // ANTLR counts code points; this maps a code point index to a byte offset.
  // Inline: the tree builder asks twice per token.
  uint32_t ByteOffsetOfCodePoint(size_t code_point_index) const {
    if (code_point_offsets_.empty()) {
      return static_cast<uint32_t>(code_point_index < text_.size() ? code_point_index : text_.size());
    }
    if (code_point_index >= code_point_offsets_.size()) return static_cast<uint32_t>(text_.size());
    return code_point_offsets_[code_point_index];
  }

 private:
  std::string path_;
  std::string text_;
  std::vector<uint32_t> line_starts_;
  // Empty when the text is pure ASCII (code point index == byte offset).
  std::vector<uint32_t> code_point_offsets_;
};

}  // namespace clive::lang
