// The language front end's error codes (docs/errors.md documents each).
#pragma once

namespace clive::lang::codes {

inline constexpr const char* kSyntax = "E0001";
inline constexpr const char* kBadLiteral = "E0002";  // out of range
inline constexpr const char* kInvalidUtf8 = "E0003";
inline constexpr const char* kTooDeep = "E0004";

}  // namespace clive::lang::codes
