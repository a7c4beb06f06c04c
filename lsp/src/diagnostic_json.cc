#include "clive/lsp/diagnostic_json.h"

#include <cctype>

namespace clive::lsp {
namespace {

const char* SeverityName(lang::Severity s) {
  switch (s) {
    case lang::Severity::kError: return "error";
    case lang::Severity::kWarning: return "warning";
    case lang::Severity::kNote: return "note";
  }
  return "error";
}

void AddPlace(nlohmann::ordered_json& out, const lang::SourceFile* file, lang::SourceRange range) {
  if (file == nullptr) return;
  lang::LineColumn start = file->Position(range.begin);
  lang::LineColumn end = file->Position(range.end);
  out["file"] = file->path();
  out["line"] = start.line;
  out["column"] = start.column;
  out["end_line"] = end.line;
  out["end_column"] = end.column;
}

// LSP counts UTF-16 code units from the start of the line.
nlohmann::json LspPosition(const lang::SourceFile& file, uint32_t offset) {
  lang::LineColumn pos = file.Position(offset);
  std::string_view line = file.LineText(pos.line);
  uint32_t units = 0;
  uint32_t column = 1;
  for (size_t i = 0; i < line.size() && column < pos.column; ++i) {
    auto c = static_cast<unsigned char>(line[i]);
    if ((c & 0xC0) == 0x80) continue;
    units += (c >= 0xF0) ? 2 : 1;  // 4-byte sequences are surrogate pairs
    ++column;
  }
  return {{"line", pos.line - 1}, {"character", units}};
}

bool IsNameChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.'; }

}  // namespace

std::optional<SuggestedFix> SuggestedReplacement(std::string_view text, lang::SourceRange range,
                                                 std::string_view message) {
  constexpr std::string_view kMarker = "; did you mean `";
  size_t at = message.rfind(kMarker);
  if (at == std::string_view::npos || range.end > text.size() || range.begin >= range.end) return std::nullopt;
  size_t start = at + kMarker.size();
  size_t close = message.find('`', start);
  if (close == std::string_view::npos) return std::nullopt;
  std::string replacement(message.substr(start, close - start));
  // The misspelt name is the last quoted one before the suggestion.
  std::string_view before = message.substr(0, at);
  size_t wrong_end = before.rfind('`');
  size_t wrong_begin = wrong_end == std::string_view::npos || wrong_end == 0 ? std::string_view::npos
                                                                             : before.rfind('`', wrong_end - 1);
  std::string_view span = text.substr(range.begin, range.end - range.begin);
  if (wrong_begin != std::string_view::npos) {
    std::string_view wrong = before.substr(wrong_begin + 1, wrong_end - wrong_begin - 1);
    size_t found = wrong.empty() ? std::string_view::npos : span.rfind(wrong);
    if (found != std::string_view::npos) {
      uint32_t begin = range.begin + static_cast<uint32_t>(found);
      return SuggestedFix{begin, begin + static_cast<uint32_t>(wrong.size()), std::move(replacement)};
    }
  }
  for (char c : span) {
    if (!IsNameChar(c)) return std::nullopt;
  }
  return SuggestedFix{range.begin, range.end, std::move(replacement)};
}

nlohmann::ordered_json ToCliJson(const lang::Diagnostic& d) {
  nlohmann::ordered_json out;
  out["severity"] = SeverityName(d.severity);
  out["code"] = d.code;
  out["message"] = d.message;
  AddPlace(out, d.file, d.range);
  nlohmann::ordered_json notes = nlohmann::ordered_json::array();
  for (const auto& note : d.notes) {
    nlohmann::ordered_json n;
    n["message"] = note.message;
    AddPlace(n, note.file, note.range);
    notes.push_back(std::move(n));
  }
  out["notes"] = std::move(notes);
  return out;
}

nlohmann::json ToLspDiagnostic(const lang::Diagnostic& d) {
  nlohmann::json out;
  if (d.file != nullptr) {
    out["range"] = {{"start", LspPosition(*d.file, d.range.begin)}, {"end", LspPosition(*d.file, d.range.end)}};
  }
  out["severity"] = d.severity == lang::Severity::kError ? 1 : (d.severity == lang::Severity::kWarning ? 2 : 3);
  out["code"] = d.code;
  out["source"] = "clive";
  out["message"] = d.message;
  nlohmann::json related = nlohmann::json::array();
  for (const auto& note : d.notes) {
    if (note.file == nullptr) continue;
    related.push_back({{"location",
                        {{"uri", "file://" + note.file->path()},
                         {"range", {{"start", LspPosition(*note.file, note.range.begin)},
                                    {"end", LspPosition(*note.file, note.range.end)}}}}},
                       {"message", note.message}});
  }
  if (!related.empty()) out["relatedInformation"] = std::move(related);
  if (d.file != nullptr) {
    if (auto fix = SuggestedReplacement(d.file->text(), d.range, d.message)) {
      out["data"] = {{"replace", {{"start", LspPosition(*d.file, fix->begin)}, {"end", LspPosition(*d.file, fix->end)}}},
                     {"with", fix->replacement}};
    }
  }
  return out;
}

}  // namespace clive::lsp
