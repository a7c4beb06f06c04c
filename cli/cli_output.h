// What every clivec command prints the same way.
#pragma once

#include <cstdint>
#include <iostream>
#include <string>
#include <string_view>

#include "clive/store/status.h"

namespace clive::cli {

// An error outside the program (I/O, the store, a missing cell): one line on
// stderr, exit code 1.
inline int Fail(std::string_view message) {
  std::cerr << "clivec: error: " << message << "\n";
  return 1;
}
inline int Fail(const Status& status) { return Fail(status.message()); }

// "1 cell", "3 cells".
inline std::string Plural(uint64_t n, const char* noun) {
  return std::to_string(n) + " " + noun + (n == 1 ? "" : "s");
}

}  // namespace clive::cli
