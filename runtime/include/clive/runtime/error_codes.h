// Runtime error codes (docs/errors.md documents each).
#pragma once

namespace clive::runtime::codes {

inline constexpr const char* kIntegerOverflow = "E0300";
inline constexpr const char* kDivisionByZero = "E0301";
inline constexpr const char* kIndexOutOfRange = "E0302";
inline constexpr const char* kUnresolvedRef = "E0303";

}  // namespace clive::runtime::codes
