#include "clive/lang/source_file.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace clive::lang {

SourceFile::SourceFile(std::string display_path, std::string text)
    : path_(std::move(display_path)), text_(std::move(text)) {
  line_starts_.push_back(0);
  bool ascii = true;
  for (uint32_t i = 0; i < text_.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text_[i]);
    if (c == '\n') line_starts_.push_back(i + 1);
    if (c >= 0x80) ascii = false;
  }
  if (!ascii) {
    // Offsets of the first byte of every UTF-8 sequence, i.e. every code point
    // (ANTLR decodes invalid bytes as one code point each, as we do here).
    for (uint32_t i = 0; i < text_.size(); ++i) {
      unsigned char c = static_cast<unsigned char>(text_[i]);
      if ((c & 0xC0) != 0x80) code_point_offsets_.push_back(i);
    }
  }
}

Expected<SourceFile> SourceFile::Read(const std::filesystem::path& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return Status::InvalidArgument(path.string() + ": is a directory");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status::NotFound(path.string() + ": " + std::strerror(errno));
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return SourceFile(path.string(), std::move(buffer).str());
}

LineColumn SourceFile::Position(uint32_t offset) const {
  offset = std::min<uint32_t>(offset, static_cast<uint32_t>(text_.size()));
  auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
  uint32_t line_index = static_cast<uint32_t>(it - line_starts_.begin()) - 1;
  uint32_t line_start = line_starts_[line_index];
  uint32_t column = 1;
  for (uint32_t i = line_start; i < offset; ++i) {
    if ((static_cast<unsigned char>(text_[i]) & 0xC0) != 0x80) ++column;
  }
  return {line_index + 1, column};
}

std::string_view SourceFile::LineText(uint32_t line) const {
  if (line == 0 || line > line_starts_.size()) return {};
  uint32_t begin = line_starts_[line - 1];
  uint32_t end = line < line_starts_.size() ? line_starts_[line] : text_.size();
  std::string_view s(text_.data() + begin, end - begin);
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

uint32_t SourceFile::ByteOffsetOfCodePoint(size_t index) const {
  if (code_point_offsets_.empty()) {
    return static_cast<uint32_t>(std::min(index, text_.size()));
  }
  if (index >= code_point_offsets_.size()) return static_cast<uint32_t>(text_.size());
  return code_point_offsets_[index];
}

}  // namespace clive::lang
