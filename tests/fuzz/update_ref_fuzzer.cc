// Fuzz target: `clivec store update-ref --stdin` input, in both the
// newline and the NUL (-z) formats. Every line is either a command or a
// one-line error; the state machine never crashes.
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

#include "../../cli/update_ref_parser.h"

using namespace clive::cli;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  for (UpdateRefFormat format : {UpdateRefFormat::kLines, UpdateRefFormat::kNul}) {
    std::istringstream in(input);
    std::string record;
    UpdateRefState state = UpdateRefState::kOpen;
    while (ReadUpdateRefRecord(in, format, &record)) {
      auto command = ParseUpdateRefLine(record, format);
      if (!command.ok()) {
        if (command.status().message().find('\n') != std::string::npos) std::abort();
        break;
      }
      auto next = NextUpdateRefState(state, command->kind);
      if (!next.ok()) break;
      state = *next;
    }
  }
  (void)IsValidRefName(input);
  (void)EscapeForMessage(input);
  return 0;
}
