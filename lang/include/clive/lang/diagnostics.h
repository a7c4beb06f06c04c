// Diagnostics: errors with a code, a source range, notes, and rustc-style
// rendering (`file:line:col: error[E0001]: message`, the line, a caret).
#pragma once

#include <string>
#include <vector>

#include "clive/lang/source_file.h"

namespace clive::lang {

enum class Severity { kError, kWarning, kNote };

struct DiagnosticNote {
  const SourceFile* file = nullptr;  // may be null: a note without a place.
  SourceRange range;
  std::string message;
};

struct Diagnostic {
  Severity severity = Severity::kError;
  std::string code;  // "E0001"; see docs/errors.md
  const SourceFile* file = nullptr;
  SourceRange range;
  std::string message;
  std::vector<DiagnosticNote> notes;
};

// Collects diagnostics from every phase; phases keep going after errors.
class DiagnosticSink {
 public:
  void Report(Diagnostic d);
  void Error(std::string code, const SourceFile& file, SourceRange range, std::string message);

  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }
  size_t error_count() const { return error_count_; }
  bool has_errors() const { return error_count_ > 0; }

 private:
  std::vector<Diagnostic> diagnostics_;
  size_t error_count_ = 0;
};

// Renders one diagnostic with its source snippet, ending in a newline.
std::string Render(const Diagnostic& d);

}  // namespace clive::lang
