// Parsing of `clivec store update-ref --stdin` input: git's `update-ref
// --stdin` command language, so that one script can drive both tools.
//
// Everything here is pure (no store, no I/O besides the record reader), so
// that a fuzz target and unit tests can call it directly. The wording of the
// errors mirrors git 2.39's `fatal:` messages.
#pragma once

#include <cstddef>
#include <istream>
#include <optional>
#include <string>
#include <string_view>

#include "clive/store/object_id.h"
#include "clive/store/status.h"

namespace clive::cli {

// Text input: LF-terminated lines, arguments separated by SP, optionally
// C-quoted. `-z` input: NUL-terminated fields, one command spanning as many
// fields as it has arguments (see git-update-ref(1)).
enum class UpdateRefFormat { kLines, kNul };

struct UpdateRefCommand {
  enum class Kind {
    kUpdate,
    kCreate,
    kDelete,
    kVerify,
    kNoDeref,
    kStart,
    kPrepare,
    kCommit,
    kAbort
  };
  Kind kind = Kind::kStart;
  std::string ref;
  // update/create: the new value (zero for `update` means delete the ref).
  store::ObjectId new_id{};
  // update/delete/verify: the expected old value, when one was given. A zero
  // id means "must not exist". `verify` without a value expects absence, as
  // in git, so its old_id is always set.
  std::optional<store::ObjectId> old_id;
};

// Parses one record: the command and its arguments *including* the record's
// terminator(s) as read from the input (a missing final terminator is how the
// end of input shows, and git reports it as such). InvalidArgument with a
// one-line message on malformed input.
Expected<UpdateRefCommand> ParseUpdateRefLine(std::string_view record, UpdateRefFormat format);

// How many NUL-terminated fields the `-z` record that starts with
// `first_field` spans (1 for an unknown command, which then fails to parse).
size_t UpdateRefFieldCount(std::string_view first_field);

// Reads the next record (with its terminators) from `in`; false at the end of
// input. Streaming, so that a driver can wait for `start: ok` before writing
// the next command.
bool ReadUpdateRefRecord(std::istream& in, UpdateRefFormat format, std::string* record);

// git's transaction states for --stdin and the transition a command causes;
// InvalidArgument with git's wording ("cannot restart ongoing transaction",
// "prepared transactions can only be closed", "transaction is closed").
enum class UpdateRefState { kOpen, kStarted, kPrepared, kClosed };
Expected<UpdateRefState> NextUpdateRefState(UpdateRefState state, UpdateRefCommand::Kind kind);

// `bytes` made printable on one line: C escapes for control characters,
// backslashes and quotes, cut after `max_chars` with "...". Used to echo
// offending input in error messages.
std::string EscapeForMessage(std::string_view bytes, size_t max_chars = 80);

// git's check_refname_format(name, REFNAME_ALLOW_ONELEVEL).
bool IsValidRefName(std::string_view name);

}  // namespace clive::cli
