#include "transport.h"

#include <charconv>

namespace clive::lsp {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace

Frame Transport::Read() {
  // The header block: lines up to an empty one. Lines that are not
  // "Name: value" are skipped (noise before a frame, such as a stray
  // newline, must not lose the frame that follows).
  bool any_header = false;
  bool have_length = false;
  bool bad_length = false;
  size_t length = 0;
  std::string line;
  while (true) {
    if (!std::getline(in_, line)) return {Frame::Kind::kEof, {}, {}};
    std::string_view header = Trim(line);
    if (header.empty()) {
      if (!any_header) continue;  // blank lines between frames
      break;
    }
    any_header = true;
    size_t colon = header.find(':');
    if (colon == std::string_view::npos) continue;
    if (!EqualsIgnoreCase(Trim(header.substr(0, colon)), "Content-Length")) continue;
    std::string_view value = Trim(header.substr(colon + 1));
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), length);
    have_length = ec == std::errc() && end == value.data() + value.size();
    bad_length = !have_length;
  }
  if (!have_length) {
    return {Frame::Kind::kBadFrame, {},
            bad_length ? "invalid Content-Length header" : "header block without Content-Length"};
  }
  if (length > kMaxBody) {
    // Skip what the header announces, so that the next frame is read whole.
    in_.ignore(static_cast<std::streamsize>(length));
    if (!in_) return {Frame::Kind::kEof, {}, {}};
    return {Frame::Kind::kBadFrame, {}, "message of " + std::to_string(length) + " bytes is too large"};
  }
  std::string body(length, '\0');
  in_.read(body.data(), static_cast<std::streamsize>(length));
  if (static_cast<size_t>(in_.gcount()) != length) return {Frame::Kind::kEof, {}, {}};
  return {Frame::Kind::kMessage, std::move(body), {}};
}

void Transport::Write(const std::string& body) {
  out_ << "Content-Length: " << body.size() << "\r\n\r\n" << body;
  out_.flush();
}

}  // namespace clive::lsp
