// The language front end's error codes (docs/errors.md documents each).
#pragma once

namespace clive::lang::codes {

inline constexpr const char* kSyntax = "E0001";
inline constexpr const char* kBadLiteral = "E0002";  // out of range, bad escape

}  // namespace clive::lang::codes
