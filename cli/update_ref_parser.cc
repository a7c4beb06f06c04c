// The parser follows git 2.39's builtin/update-ref.c step by step (including
// what a missing terminator or an embedded NUL does), so that inputs git
// accepts are accepted here and inputs git rejects are rejected with the
// same words. The one deliberate difference: values must be full 40-digit ids
// (git accepts any revision expression, which needs a repository to parse).
#include "update_ref_parser.h"

#include <array>
#include <cstdio>

namespace clive::cli {
namespace {

using Kind = UpdateRefCommand::Kind;

struct CommandSpec {
  std::string_view prefix;
  Kind kind;
  size_t args;  // arguments after the command word, as git counts them
};

constexpr std::array<CommandSpec, 9> kCommands = {{
    {"update", Kind::kUpdate, 3},
    {"create", Kind::kCreate, 2},
    {"delete", Kind::kDelete, 2},
    {"verify", Kind::kVerify, 2},
    {"option", Kind::kNoDeref, 1},
    {"start", Kind::kStart, 0},
    {"prepare", Kind::kPrepare, 0},
    {"abort", Kind::kAbort, 0},
    {"commit", Kind::kCommit, 0},
}};

// C's isspace() in the "C" locale, which is what git's parse_arg uses.
bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

// git reads each record into a NUL-terminated buffer; `At` reproduces what
// git's pointer sees, '\0' past the end included.
struct Cursor {
  Cursor(std::string_view r, UpdateRefFormat format)
      : record(r), term(format == UpdateRefFormat::kLines ? '\n' : '\0') {}
  char At(size_t i) const { return i < record.size() ? record[i] : '\0'; }
  char Here() const { return At(pos); }
  bool AtEnd() const { return pos >= record.size(); }
  bool AtTerminator() const { return Here() == term; }
  bool lines() const { return term == '\n'; }
  // The rest of the record from the cursor, without the trailing terminator,
  // for messages.
  std::string Rest() const {
    std::string_view rest = pos < record.size() ? record.substr(pos) : std::string_view();
    if (!rest.empty() && rest.back() == term) rest.remove_suffix(1);
    return EscapeForMessage(rest);
  }
  std::string_view record;
  char term;
  size_t pos = 0;
};

Status Fail(std::string message) { return Status::InvalidArgument(std::move(message)); }

// git's unquote_c_style: `"..."` with \a \b \f \n \r \t \v \\ \" and \ooo.
bool Unquote(Cursor& c, std::string* out) {
  ++c.pos;  // the opening quote
  for (;;) {
    const char ch = c.Here();
    ++c.pos;
    if (ch == '"') return true;
    if (ch == '\0') return false;  // the end of input, or a NUL, before the closing quote
    if (ch != '\\') {
      out->push_back(ch);
      continue;
    }
    char e = c.Here();
    ++c.pos;
    switch (e) {
      case 'a': out->push_back('\a'); break;
      case 'b': out->push_back('\b'); break;
      case 'f': out->push_back('\f'); break;
      case 'n': out->push_back('\n'); break;
      case 'r': out->push_back('\r'); break;
      case 't': out->push_back('\t'); break;
      case 'v': out->push_back('\v'); break;
      case '\\':
      case '"': out->push_back(e); break;
      case '0':
      case '1':
      case '2':
      case '3': {
        int value = e - '0';
        for (int i = 0; i < 2; ++i) {
          const char d = c.Here();
          ++c.pos;
          if (d < '0' || d > '7') return false;
          value = value << 3 | (d - '0');
        }
        out->push_back(static_cast<char>(value));
        break;
      }
      default: return false;
    }
  }
}

// git's parse_arg (text format only): a C-quoted or a whitespace-delimited
// argument.
Status ParseArg(Cursor& c, std::string* arg) {
  if (c.Here() == '"') {
    const std::string orig = c.Rest();
    if (!Unquote(c, arg)) return Fail("badly quoted argument: " + orig);
    if (c.Here() != '\0' && !IsSpace(c.Here())) {
      return Fail("unexpected character after quoted argument: " + orig);
    }
    return Status::Ok();
  }
  while (c.Here() != '\0' && !IsSpace(c.Here())) arg->push_back(c.record[c.pos++]);
  return Status::Ok();
}

// git's parse_refname; an empty name yields "" for the caller to report.
Expected<std::string> ParseRefName(Cursor& c) {
  std::string ref;
  if (c.lines()) {
    CLIVE_RETURN_IF_ERROR(ParseArg(c, &ref));
  } else {
    while (c.Here() != '\0') ref.push_back(c.record[c.pos++]);
  }
  if (ref.empty()) return ref;
  if (!IsValidRefName(ref)) return Fail("invalid ref format: " + EscapeForMessage(ref));
  return ref;
}

enum ValueFlags { kNewValue = 0, kOldValue = 1, kAllowEmpty = 2 };

// git's parse_next_oid: true when a value was read into *id, false when the
// argument is absent (not even an empty string).
Expected<bool> ParseNextId(Cursor& c, store::ObjectId* id, std::string_view command,
                           const std::string& ref, int flags) {
  const std::string what = (flags & kOldValue) ? "<oldvalue>" : "<newvalue>";
  const std::string context = std::string(command) + " " + EscapeForMessage(ref) + ": ";
  const Status eof = Fail(context + "unexpected end of input when reading " + what);
  if (c.AtEnd()) return eof;
  std::string arg;
  if (c.lines()) {
    if (c.Here() == '\0' || c.AtTerminator()) return false;
    if (c.Here() != ' ') return Fail(context + "expected SP but got: " + c.Rest());
    ++c.pos;
    CLIVE_RETURN_IF_ERROR(ParseArg(c, &arg));
    if (arg.empty()) {  // without -z, an empty value means all zeros
      *id = store::ObjectId{};
      return true;
    }
  } else {
    if (c.Here() != '\0') return Fail(context + "expected NUL but got: " + c.Rest());
    ++c.pos;
    if (c.AtEnd()) return eof;
    while (c.Here() != '\0') arg.push_back(c.record[c.pos++]);
    if (arg.empty()) {
      // With -z an empty optional value means "unspecified"; git accepts an
      // empty <newvalue> for `update` as zeros (with a warning).
      if (!(flags & kAllowEmpty)) return false;
      *id = store::ObjectId{};
      return true;
    }
  }
  auto parsed = store::ObjectId::FromHex(arg);
  if (!parsed.ok()) return Fail(context + "invalid " + what + ": " + EscapeForMessage(arg));
  *id = *parsed;
  return true;
}

Status ExpectEnd(Cursor& c, std::string_view command, const std::string& ref) {
  if (c.AtTerminator()) return Status::Ok();
  return Fail(std::string(command) + " " + EscapeForMessage(ref) + ": extra input: " + c.Rest());
}

Expected<UpdateRefCommand> ParseArgs(Cursor& c, const CommandSpec& spec) {
  UpdateRefCommand cmd;
  cmd.kind = spec.kind;
  const std::string name(spec.prefix);
  if (spec.kind == Kind::kNoDeref) {
    std::string_view rest = c.record.substr(std::min(c.pos, c.record.size()));
    if (rest.substr(0, 8) == "no-deref" && c.At(c.pos + 8) == c.term) return cmd;
    return Fail("option unknown: " + c.Rest());
  }
  if (spec.args == 0) {
    if (!c.AtTerminator()) return Fail(name + ": extra input: " + c.Rest());
    return cmd;
  }
  auto ref = ParseRefName(c);
  if (!ref.ok()) return ref.status();
  if (ref->empty()) return Fail(name + ": missing <ref>");
  cmd.ref = *ref;
  const std::string quoted_ref = EscapeForMessage(cmd.ref);

  switch (spec.kind) {
    case Kind::kUpdate: {
      auto have_new = ParseNextId(c, &cmd.new_id, name, cmd.ref, kNewValue | kAllowEmpty);
      if (!have_new.ok()) return have_new.status();
      if (!*have_new) return Fail("update " + quoted_ref + ": missing <newvalue>");
      store::ObjectId old;
      auto have_old = ParseNextId(c, &old, name, cmd.ref, kOldValue);
      if (!have_old.ok()) return have_old.status();
      if (*have_old) cmd.old_id = old;
      break;
    }
    case Kind::kCreate: {
      auto have_new = ParseNextId(c, &cmd.new_id, name, cmd.ref, kNewValue);
      if (!have_new.ok()) return have_new.status();
      if (!*have_new) return Fail("create " + quoted_ref + ": missing <newvalue>");
      if (cmd.new_id.IsZero()) return Fail("create " + quoted_ref + ": zero <newvalue>");
      break;
    }
    case Kind::kDelete: {
      store::ObjectId old;
      auto have_old = ParseNextId(c, &old, name, cmd.ref, kOldValue);
      if (!have_old.ok()) return have_old.status();
      if (*have_old) {
        if (old.IsZero()) return Fail("delete " + quoted_ref + ": zero <oldvalue>");
        cmd.old_id = old;
      }
      break;
    }
    case Kind::kVerify: {
      store::ObjectId old;  // absent means zero: the ref must not exist
      auto have_old = ParseNextId(c, &old, name, cmd.ref, kOldValue);
      if (!have_old.ok()) return have_old.status();
      cmd.old_id = old;
      break;
    }
    default: break;
  }
  CLIVE_RETURN_IF_ERROR(ExpectEnd(c, name, cmd.ref));
  return cmd;
}

const CommandSpec* MatchCommand(std::string_view record, char term) {
  for (const CommandSpec& spec : kCommands) {
    if (record.substr(0, spec.prefix.size()) != spec.prefix) continue;
    // A command with arguments is followed by SP, one without by the
    // terminator ('\0' past the end, as in git's buffer).
    const size_t i = spec.prefix.size();
    const char next = i < record.size() ? record[i] : '\0';
    if (next == (spec.args > 0 ? ' ' : term)) return &spec;
  }
  return nullptr;
}

}  // namespace

Expected<UpdateRefCommand> ParseUpdateRefLine(std::string_view record, UpdateRefFormat format) {
  Cursor c(record, format);
  const char term = c.term;
  if (c.lines() && (record.empty() || record.back() != '\n')) {
    // git reports a missing final LF in a different way per command ("extra
    // input", "unexpected end of input", "unknown command"); one clear
    // message is kinder and rejects exactly the same inputs.
    if (!record.empty()) {
      return Fail("unexpected end of input: the last line must end with LF: " +
                  EscapeForMessage(record));
    }
  }
  if (c.Here() == term && !c.AtEnd()) return Fail("empty command in input");
  if (c.AtEnd()) return Fail("empty command in input");
  if (IsSpace(c.Here())) return Fail("whitespace before command: " + c.Rest());
  const CommandSpec* spec = MatchCommand(record, term);
  if (spec == nullptr) return Fail("unknown command: " + c.Rest());
  c.pos = spec->prefix.size() + (spec->args > 0 ? 1 : 0);
  return ParseArgs(c, *spec);
}

size_t UpdateRefFieldCount(std::string_view first_field) {
  const CommandSpec* spec = MatchCommand(first_field, '\0');
  return spec == nullptr || spec->args == 0 ? 1 : spec->args;
}

bool ReadUpdateRefRecord(std::istream& in, UpdateRefFormat format, std::string* record) {
  record->clear();
  const char term = format == UpdateRefFormat::kLines ? '\n' : '\0';
  // One terminated field; false when nothing at all was left.
  auto read_field = [&]() {
    std::string field;
    if (!std::getline(in, field, term)) return false;
    record->append(field);
    if (!in.eof()) record->push_back(term);
    return true;
  };
  if (!read_field()) return false;
  if (format == UpdateRefFormat::kNul) {
    const size_t first_end = record->find('\0');
    const size_t fields = UpdateRefFieldCount(std::string_view(*record).substr(0, first_end));
    for (size_t i = 1; i < fields && !in.eof(); ++i) {
      if (!read_field()) break;
    }
  }
  return true;
}

Expected<UpdateRefState> NextUpdateRefState(UpdateRefState state, UpdateRefCommand::Kind kind) {
  UpdateRefState wanted = UpdateRefState::kOpen;
  switch (kind) {
    case Kind::kStart: wanted = UpdateRefState::kStarted; break;
    case Kind::kPrepare: wanted = UpdateRefState::kPrepared; break;
    case Kind::kCommit:
    case Kind::kAbort: wanted = UpdateRefState::kClosed; break;
    default: break;
  }
  switch (state) {
    case UpdateRefState::kOpen:
    case UpdateRefState::kStarted:
      if (state == UpdateRefState::kStarted && wanted == UpdateRefState::kStarted) {
        return Fail("cannot restart ongoing transaction");
      }
      // Never downgrade a transaction to a non-transaction.
      return wanted >= state ? wanted : state;
    case UpdateRefState::kPrepared:
      if (wanted != UpdateRefState::kClosed)
        return Fail("prepared transactions can only be closed");
      return wanted;
    case UpdateRefState::kClosed:
      if (wanted != UpdateRefState::kStarted) return Fail("transaction is closed");
      return wanted;
  }
  return Fail("invalid state");
}

std::string EscapeForMessage(std::string_view bytes, size_t max_chars) {
  std::string out;
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (out.size() >= max_chars) {
      out += "...";
      break;
    }
    const auto c = static_cast<unsigned char>(bytes[i]);
    switch (c) {
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      case '\\': out += "\\\\"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\%03o", c);
          out += buf;
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  return out;
}

bool IsValidRefName(std::string_view name) {
  if (name.empty() || name == "@") return false;
  size_t start = 0;
  for (;;) {
    const size_t slash = name.find('/', start);
    const std::string_view component = name.substr(
        start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (component.empty() || component.front() == '.') return false;
    if (component.size() >= 5 && component.substr(component.size() - 5) == ".lock") return false;
    char last = '\0';
    for (const char ch : component) {
      const auto c = static_cast<unsigned char>(ch);
      if (c < 0x20 || c == 0x7f) return false;
      switch (ch) {
        case ' ':
        case ':':
        case '?':
        case '[':
        case '\\':
        case '^':
        case '~':
        case '*': return false;
        case '.':
          if (last == '.') return false;  // ".."
          break;
        case '{':
          if (last == '@') return false;  // "@{"
          break;
        default: break;
      }
      last = ch;
    }
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return name.back() != '.';
}

}  // namespace clive::cli
