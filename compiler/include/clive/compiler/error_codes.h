// The checker's error codes (docs/errors.md documents each).
#pragma once

namespace clive::compiler::codes {

inline constexpr const char* kUnknownType = "E0100";
inline constexpr const char* kUnknownName = "E0101";
inline constexpr const char* kTypeMismatch = "E0102";
inline constexpr const char* kUnknownField = "E0103";
inline constexpr const char* kMissingField = "E0104";
inline constexpr const char* kDuplicate = "E0105";
inline constexpr const char* kFieldSetTwice = "E0106";
inline constexpr const char* kUnknownUnit = "E0107";
inline constexpr const char* kBadOperands = "E0108";
inline constexpr const char* kCellCycle = "E0109";
inline constexpr const char* kNotAType = "E0110";
inline constexpr const char* kNotARecord = "E0111";
inline constexpr const char* kNotCallable = "E0112";
inline constexpr const char* kUnknownImport = "E0120";
inline constexpr const char* kUnknownExport = "E0121";
inline constexpr const char* kImportCycle = "E0122";
inline constexpr const char* kCannotInfer = "E0123";
inline constexpr const char* kAmbiguousImport = "E0125";
inline constexpr const char* kUnknownCase = "E0124";
inline constexpr const char* kNotExhaustive = "E0126";
inline constexpr const char* kMaybeNull = "E0127";
inline constexpr const char* kNoCollectField = "E0128";
inline constexpr const char* kBadTypeArgs = "E0129";
inline constexpr const char* kMissingArg = "E0130";
inline constexpr const char* kUnknownParam = "E0131";
inline constexpr const char* kTooManyArgs = "E0132";
inline constexpr const char* kInputWithoutType = "E0133";
inline constexpr const char* kUnsupported = "E0199";

}  // namespace clive::compiler::codes
