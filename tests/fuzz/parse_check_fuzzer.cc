// Fuzz target: the whole front end (UTF-8 check, lexer, parser, tree
// builder, checker) on arbitrary bytes. It must never crash or hang, and every
// input either checks clean or yields at least one error with a valid range.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "clive/compiler/checker.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  clive::lang::DiagnosticSink sink;
  auto program = clive::compiler::CheckSource(
      "fuzz.cl", std::string(reinterpret_cast<const char*>(data), size), sink);
  const clive::lang::SourceFile& file = *program->module(0).file;
  for (const auto& d : sink.diagnostics()) {
    if (d.code.empty() || d.range.begin > d.range.end || d.range.end > file.text().size() + 1) {
      std::abort();  // a diagnostic without a code or with a range outside the file
    }
    (void)clive::lang::Render(d);
  }
  return 0;
}
