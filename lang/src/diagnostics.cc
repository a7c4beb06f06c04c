#include "clive/lang/diagnostics.h"

#include <algorithm>

namespace clive::lang {

void DiagnosticSink::Report(Diagnostic d) {
  if (d.severity == Severity::kError) ++error_count_;
  diagnostics_.push_back(std::move(d));
}

void DiagnosticSink::Error(std::string code, const SourceFile& file, SourceRange range,
                           std::string message) {
  Report(Diagnostic{Severity::kError, std::move(code), &file, range, std::move(message), {}});
}

namespace {

const char* SeverityName(Severity s) {
  switch (s) {
    case Severity::kError: return "error";
    case Severity::kWarning: return "warning";
    case Severity::kNote: return "note";
  }
  return "error";
}

// `  3 | val x = 1 +`
// `    |           ^~`
void RenderSnippet(const SourceFile& file, SourceRange range, std::string& out) {
  LineColumn start = file.Position(range.begin);
  std::string_view line = file.LineText(start.line);
  std::string number = std::to_string(start.line);
  std::string gutter(number.size(), ' ');
  out += gutter + " |\n";
  out += number + " | " + std::string(line) + "\n";
  // Underline up to the end of the range or of the line, whichever is first.
  LineColumn stop = file.Position(std::max(range.end, range.begin + 1) - 1);
  uint32_t last_column = stop.line == start.line ? stop.column : start.column;
  std::string marker;
  for (uint32_t c = 1; c < start.column; ++c) {
    // Keep tabs so the caret lines up under tab-indented code.
    size_t byte = c - 1;
    marker += (byte < line.size() && line[byte] == '\t') ? '\t' : ' ';
  }
  marker += '^';
  for (uint32_t c = start.column; c < last_column; ++c) marker += '~';
  out += gutter + " | " + marker + "\n";
}

void RenderHeader(const SourceFile* file, SourceRange range, Severity severity,
                  const std::string& code, const std::string& message, std::string& out) {
  if (file != nullptr) {
    LineColumn pos = file->Position(range.begin);
    out += file->path() + ":" + std::to_string(pos.line) + ":" + std::to_string(pos.column) + ": ";
  }
  out += SeverityName(severity);
  if (!code.empty()) out += "[" + code + "]";
  out += ": " + message + "\n";
}

}  // namespace

std::string Render(const Diagnostic& d) {
  std::string out;
  RenderHeader(d.file, d.range, d.severity, d.code, d.message, out);
  if (d.file != nullptr) RenderSnippet(*d.file, d.range, out);
  for (const DiagnosticNote& note : d.notes) {
    RenderHeader(note.file, note.range, Severity::kNote, "", note.message, out);
    if (note.file != nullptr) RenderSnippet(*note.file, note.range, out);
  }
  return out;
}

}  // namespace clive::lang
