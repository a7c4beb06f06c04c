#include "clive/lang/source_file.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace clive::lang {

SourceFile::SourceFile(std::string display_path, std::string text)
    : path_(std::move(display_path)), text_(std::move(text)) {
  // memchr and an OR over all bytes (which vectorizes) instead of one
  // pass testing every byte twice: every file read goes through here.
  line_starts_.push_back(0);
  for (size_t i = 0; i < text_.size();) {
    const void* newline = std::memchr(text_.data() + i, '\n', text_.size() - i);
    if (newline == nullptr) break;
    i = static_cast<size_t>(static_cast<const char*>(newline) - text_.data()) + 1;
    line_starts_.push_back(static_cast<uint32_t>(i));
  }
  unsigned char bits = 0;
  for (char c : text_) bits |= static_cast<unsigned char>(c);
  bool ascii = (bits & 0x80) == 0;
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
  // Read straight into a string of the file's size, where an ifstream
  // copied it through its own buffer into a growing stringstream and then
  // out again.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return Status::NotFound(path.string() + ": " + std::strerror(errno));
  }
  // One byte of room beyond the size, so that the read that finds the end
  // needs no growth; more if the file grows meanwhile or has no size.
  struct stat info;
  size_t expected = ::fstat(fd, &info) == 0 && info.st_size > 0 ? static_cast<size_t>(info.st_size) : 0;
  std::string text(expected + 1, '\0');
  size_t filled = 0;
  for (;;) {
    if (filled == text.size()) text.resize(text.size() * 2);
    ssize_t n = ::read(fd, text.data() + filled, text.size() - filled);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // the end, or an error: what was read so far, as the stream did
    filled += static_cast<size_t>(n);
  }
  text.resize(filled);
  ::close(fd);
  return SourceFile(path.string(), std::move(text));
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

}  // namespace clive::lang
