// Runtime error codes (docs/errors.md documents each).
#pragma once

namespace clive::runtime::codes {

inline constexpr const char* kIntegerOverflow = "E0300";
inline constexpr const char* kDivisionByZero = "E0301";
inline constexpr const char* kIndexOutOfRange = "E0302";
inline constexpr const char* kUnresolvedRef = "E0303";
inline constexpr const char* kReferenceCycle = "E0304";
inline constexpr const char* kRequirementFailed = "E0305";

// Input cells and stored values.
inline constexpr const char* kSetValueMismatch = "E0400";   // `clivec set` value of the wrong type
inline constexpr const char* kNotAnInput = "E0401";         // `clivec set` on a computed cell
inline constexpr const char* kIncompatibleChange = "E0402"; // a stored value no longer fits its type

}  // namespace clive::runtime::codes
