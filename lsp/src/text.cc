#include "text.h"

#include <algorithm>
#include <cctype>

namespace clive::lsp {
namespace {

// Bytes of the UTF-8 sequence led by `c` (1 for stray continuation bytes, so
// that invalid text still advances).
uint32_t SequenceLength(unsigned char c) {
  if (c >= 0xF0) return 4;
  if (c >= 0xE0) return 3;
  if (c >= 0xC0) return 2;
  return 1;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

uint32_t OffsetOf(std::string_view text, Position pos) {
  uint32_t offset = 0;
  for (uint32_t line = 0; line < pos.line; ++line) {
    size_t newline = text.find('\n', offset);
    if (newline == std::string_view::npos) return static_cast<uint32_t>(text.size());
    offset = static_cast<uint32_t>(newline + 1);
  }
  uint32_t units = 0;
  while (offset < text.size() && text[offset] != '\n' && units < pos.character) {
    // A "\r\n" line ends before its '\r'.
    if (text[offset] == '\r' && offset + 1 < text.size() && text[offset + 1] == '\n') break;
    uint32_t length = SequenceLength(static_cast<unsigned char>(text[offset]));
    units += length == 4 ? 2 : 1;  // 4-byte sequences are surrogate pairs in UTF-16
    offset = std::min<uint32_t>(offset + length, static_cast<uint32_t>(text.size()));
  }
  return offset;
}

Position PositionOf(std::string_view text, uint32_t offset) {
  offset = std::min<uint32_t>(offset, static_cast<uint32_t>(text.size()));
  Position pos;
  size_t line_start = 0;
  for (size_t newline = text.find('\n'); newline != std::string_view::npos && newline < offset;
       newline = text.find('\n', newline + 1)) {
    ++pos.line;
    line_start = newline + 1;
  }
  for (size_t i = line_start; i < offset;) {
    uint32_t length = SequenceLength(static_cast<unsigned char>(text[i]));
    pos.character += length == 4 ? 2 : 1;
    i += length;
  }
  return pos;
}

nlohmann::json ToJson(Position pos) { return {{"line", pos.line}, {"character", pos.character}}; }

std::optional<Position> PositionFromJson(const nlohmann::json& j) {
  if (!j.is_object()) return std::nullopt;
  auto line = j.find("line");
  auto character = j.find("character");
  if (line == j.end() || character == j.end() || !line->is_number_unsigned() || !character->is_number_unsigned()) {
    return std::nullopt;
  }
  return Position{line->get<uint32_t>(), character->get<uint32_t>()};
}

nlohmann::json RangeJson(std::string_view text, uint32_t begin, uint32_t end) {
  return {{"start", ToJson(PositionOf(text, begin))}, {"end", ToJson(PositionOf(text, end))}};
}

bool ApplyChange(std::string& text, const nlohmann::json& change) {
  if (!change.is_object()) return false;
  auto new_text = change.find("text");
  if (new_text == change.end() || !new_text->is_string()) return false;
  auto range = change.find("range");
  if (range == change.end()) {
    text = new_text->get<std::string>();
    return true;
  }
  if (!range->is_object() || !range->contains("start") || !range->contains("end")) return false;
  std::optional<Position> start = PositionFromJson((*range)["start"]);
  std::optional<Position> end = PositionFromJson((*range)["end"]);
  if (!start || !end) return false;
  uint32_t begin = OffsetOf(text, *start);
  uint32_t finish = OffsetOf(text, *end);
  if (finish < begin) return false;
  text.replace(begin, finish - begin, new_text->get_ref<const std::string&>());
  return true;
}

std::optional<std::filesystem::path> UriToPath(std::string_view uri) {
  constexpr std::string_view kScheme = "file://";
  if (uri.substr(0, kScheme.size()) != kScheme) return std::nullopt;
  uri.remove_prefix(kScheme.size());
  // file://host/path: only the local host (empty or "localhost") is ours.
  size_t slash = uri.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  std::string_view host = uri.substr(0, slash);
  if (!host.empty() && host != "localhost") return std::nullopt;
  uri.remove_prefix(slash);
  std::string path;
  for (size_t i = 0; i < uri.size(); ++i) {
    if (uri[i] == '%' && i + 2 < uri.size() && HexValue(uri[i + 1]) >= 0 && HexValue(uri[i + 2]) >= 0) {
      path += static_cast<char>(HexValue(uri[i + 1]) * 16 + HexValue(uri[i + 2]));
      i += 2;
    } else {
      path += uri[i];
    }
  }
  return std::filesystem::path(path).lexically_normal();
}

std::string PathToUri(const std::filesystem::path& path) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out = "file://";
  for (unsigned char c : path.generic_string()) {
    bool plain = std::isalnum(c) || c == '/' || c == '-' || c == '_' || c == '.' || c == '~';
    if (plain) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace clive::lsp
