// `clivec store ...`: git's plumbing commands over a clive store, with git's
// input and output formats so that one script can drive both tools. Only
// parsing and printing live here; docs/cli.md lists every difference from git.
#include <stdlib.h>  // mkdtemp

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <set>

#include "clive/runtime/workspace.h"
#include "clive/store/git_interop.h"
#include "clive/store/store.h"
#include "cli_output.h"
#include "commands.h"
#include "nlohmann/json.hpp"
#include "update_ref_parser.h"

namespace clive::cli {
namespace {

namespace fs = std::filesystem;
using store::ObjectId;
using store::ObjectType;
using store::Store;

// CLI misuse found after CLI11 parsed the flags: one line, exit code 2.
int Misuse(std::string_view command, std::string_view message) {
  std::cerr << "clivec: store " << command << ": " << message << " (see clivec store " << command
            << " --help)\n";
  return 2;
}

}  // namespace

// Every command but `init` needs an existing store: a typo in --store must
// not silently create an empty one.
Expected<std::unique_ptr<Store>> OpenStore(const std::optional<std::string>& flag, bool write) {
  fs::path dir;
  if (flag) {
    dir = *flag;
  } else {
    auto found = runtime::FindStore(fs::current_path());
    if (!found.ok()) return found.status();
    dir = *found;
  }
  store::StoreOptions options;
  options.create_if_missing = false;
  options.read_only = !write;
  auto opened = Store::Open(dir, options);
  if (!opened.ok() && opened.status().IsNotFound()) {
    return Status::NotFound(opened.status().message() + " (create one with `clivec store init`)");
  }
  return opened;
}

namespace {

const char* TypeName(ObjectType type) {
  switch (type) {
    case ObjectType::kCommit: return "commit";
    case ObjectType::kTree: return "tree";
    case ObjectType::kBlob: return "blob";
    case ObjectType::kTag: return "tag";
  }
  return "unknown";
}

std::optional<ObjectType> ParseType(std::string_view name) {
  for (ObjectType t :
       {ObjectType::kCommit, ObjectType::kTree, ObjectType::kBlob, ObjectType::kTag}) {
    if (name == TypeName(t)) return t;
  }
  return std::nullopt;
}

bool IsHex(std::string_view s) {
  return s.find_first_not_of("0123456789abcdefABCDEF") == std::string_view::npos;
}

// git's object names, minus revision syntax: a full id (present or not, as
// in git), then refs in git's ref_rev_parse_rules order, then an abbreviated
// id.
Expected<ObjectId> ResolveObjectName(Store& store, const std::string& name) {
  if (name.size() == 2 * ObjectId::kSize && IsHex(name)) return ObjectId::FromHex(name);
  for (const std::string& candidate :
       {name, "refs/" + name, "refs/tags/" + name, "refs/heads/" + name, "refs/remotes/" + name,
        "refs/remotes/" + name + "/HEAD"}) {
    auto id = store.ReadRef(candidate);
    if (id.ok()) return id;
    // Candidates that are not valid names ("abc12" alone) are just misses.
    const Status::Code code = id.status().code();
    if (code != Status::Code::kNotFound && code != Status::Code::kInvalidArgument) return id;
  }
  if (name.size() >= 4 && name.size() < 2 * ObjectId::kSize && IsHex(name)) {
    std::string lower = name;  // git takes abbreviations in either case
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    auto id = store.ResolvePrefix(lower);
    if (id.ok() || !id.status().IsNotFound()) return id;
  }
  return Status::NotFound("not a valid object name '" + EscapeForMessage(name) + "'");
}

// The shortest unique abbreviation of at least 7 digits, like git's default
// core.abbrev on small repositories.
std::string Abbrev(Store& store, const ObjectId& id) {
  const std::string hex = id.Hex();
  for (size_t len = 7; len < hex.size(); ++len) {
    auto match = store.ResolvePrefix(hex.substr(0, len));
    if (match.ok() && *match == id) return hex.substr(0, len);
    if (!match.ok() && match.status().code() != Status::Code::kInvalidArgument) break;
  }
  return hex.substr(0, 7);
}

// git's quote_c_style with core.quotePath=true, as `git ls-tree` prints names.
std::string QuotePath(std::string_view name) {
  std::string out;
  bool quoted = false;
  for (const char ch : name) {
    const auto c = static_cast<unsigned char>(ch);
    const char* letter = nullptr;
    switch (c) {
      case '\a': letter = "a"; break;
      case '\b': letter = "b"; break;
      case '\t': letter = "t"; break;
      case '\n': letter = "n"; break;
      case '\v': letter = "v"; break;
      case '\f': letter = "f"; break;
      case '\r': letter = "r"; break;
      case '"': letter = "\""; break;
      case '\\': letter = "\\"; break;
      default: break;
    }
    if (letter != nullptr) {
      out += '\\';
      out += letter;
      quoted = true;
    } else if (c < 0x20 || c >= 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\%03o", c);
      out += buf;
      quoted = true;
    } else {
      out += ch;
    }
  }
  return quoted ? "\"" + out + "\"" : out;
}

// --- hash-object ---

// The checks git's hash-object makes by default, so that `-w -t tree` cannot
// plant an object that fsck would later call broken. "" when well-formed.
std::string CheckObjectFormat(ObjectType type, std::string_view data) {
  auto header_line = [&](std::string_view key, std::string_view* rest) {
    if (data.substr(0, key.size()) != key) return false;
    const size_t eol = data.find('\n');
    if (eol == std::string_view::npos) return false;
    *rest = data.substr(key.size(), eol - key.size());
    data.remove_prefix(eol + 1);
    return true;
  };
  auto id_line = [&](std::string_view key) {
    std::string_view value;
    return header_line(key, &value) && value.size() == 40 && IsHex(value);
  };
  std::string_view ignored;
  switch (type) {
    case ObjectType::kBlob: return "";
    case ObjectType::kTree:
      for (size_t at = 0; at < data.size();) {
        const size_t space = data.find(' ', at);
        const size_t nul = space == std::string_view::npos ? space : data.find('\0', space);
        const std::string_view mode = data.substr(at, space - at);
        if (nul == std::string_view::npos || mode.empty() ||
            mode.find_first_not_of("01234567") != std::string_view::npos || nul == space + 1 ||
            data.substr(space + 1, nul - space - 1).find('/') != std::string_view::npos ||
            data.size() - nul - 1 < ObjectId::kSize) {
          return "corrupt tree: malformed entry at byte " + std::to_string(at);
        }
        at = nul + 1 + ObjectId::kSize;
      }
      return "";
    case ObjectType::kCommit:
      if (!id_line("tree ")) return "corrupt commit: no tree line";
      while (id_line("parent ")) {
      }
      if (!header_line("author ", &ignored)) return "corrupt commit: no author line";
      if (!header_line("committer ", &ignored)) return "corrupt commit: no committer line";
      return "";
    case ObjectType::kTag:
      if (!id_line("object ") || !header_line("type ", &ignored) ||
          !header_line("tag ", &ignored)) {
        return "corrupt tag: it needs object, type and tag lines";
      }
      return "";
  }
  return "unknown object type";
}

Expected<std::vector<ObjectId>> HashWithoutWriting(
    const std::vector<std::pair<ObjectType, std::string_view>>& objects) {
  std::vector<ObjectId> ids;
  for (const auto& [type, data] : objects) {
    auto id = store::HashObject(type, data);
    if (!id.ok()) return id.status();
    ids.push_back(*id);
  }
  return ids;
}

}  // namespace

int StoreHashObjectCommand(const HashObjectFlags& flags) {
  if (!flags.read_stdin && flags.files.empty()) {
    return Misuse("hash-object", "give --stdin or at least one FILE");
  }
  const std::optional<ObjectType> type = ParseType(flags.type);
  if (!type) return Misuse("hash-object", "invalid object type \"" + flags.type + "\"");
  // Read everything first: a missing file then leaves nothing half-written.
  std::vector<std::pair<std::string, std::string>> inputs;  // source name, content
  if (flags.read_stdin) {
    inputs.emplace_back("stdin", std::string(std::istreambuf_iterator<char>(std::cin), {}));
  }
  for (const std::string& file : flags.files) {
    std::ifstream in(file, std::ios::binary);
    std::error_code ec;
    if (!in || fs::is_directory(file, ec)) {
      const int err = in ? EISDIR : errno;
      return Fail("hash-object: cannot open '" + file + "' for reading: " + std::strerror(err));
    }
    inputs.emplace_back(file, std::string(std::istreambuf_iterator<char>(in), {}));
  }
  std::vector<std::pair<ObjectType, std::string_view>> objects;
  for (const auto& [source, content] : inputs) {
    if (!flags.literally) {
      if (std::string problem = CheckObjectFormat(*type, content); !problem.empty()) {
        return Fail("hash-object: " + source + ": " + problem + " (--literally skips this check)");
      }
    }
    objects.emplace_back(*type, content);
  }
  Expected<std::vector<ObjectId>> ids = Status::Internal("not hashed");
  if (flags.write) {
    auto store = OpenStore(flags.store, /*write=*/true);
    if (!store.ok()) return Fail(store.status());
    ids = (*store)->WriteObjects(objects);
  } else {
    ids = HashWithoutWriting(objects);
  }
  if (!ids.ok()) return Fail("hash-object: " + ids.status().message());
  for (const ObjectId& id : *ids) std::cout << id.Hex() << "\n";
  return 0;
}

int StoreCatFileCommand(const CatFileFlags& flags) {
  if (flags.type + flags.size + flags.pretty + flags.exists != 1) {
    return Misuse("cat-file", "give exactly one of -t, -s, -p, -e");
  }
  auto store = OpenStore(flags.store, /*write=*/false);
  if (!store.ok()) return Fail(store.status());
  auto id = ResolveObjectName(**store, flags.object);
  if (flags.exists) {
    // -e answers with the exit code alone; only a failing store speaks.
    if (!id.ok()) {
      const Status::Code code = id.status().code();
      const bool no_such_object =
          code == Status::Code::kNotFound || code == Status::Code::kInvalidArgument;
      return no_such_object ? 1 : Fail(id.status());
    }
    auto present = (*store)->HasObject(*id);
    if (!present.ok()) return Fail(present.status());
    return *present ? 0 : 1;
  }
  if (!id.ok()) return Fail("cat-file: " + id.status().message());
  if (flags.type || flags.size) {
    auto header = (*store)->ReadHeader(*id);
    if (!header.ok()) return Fail("cat-file: " + header.status().message());
    if (flags.type) std::cout << TypeName(header->type) << "\n";
    if (flags.size) std::cout << header->size << "\n";
    return 0;
  }
  auto object = (*store)->ReadObject(*id);
  if (!object.ok()) return Fail("cat-file: " + object.status().message());
  if (object->type != ObjectType::kTree) {
    std::cout << object->data;  // commits, tags and blobs raw, as git prints them
    return 0;
  }
  // Trees as `git ls-tree` prints them (which is what `git cat-file -p` runs).
  auto entries = (*store)->ReadTree(*id);
  if (!entries.ok()) return Fail("cat-file: " + entries.status().message());
  for (const store::TreeEntry& entry : *entries) {
    const auto mode = static_cast<uint32_t>(entry.mode);
    const char* type = entry.mode == store::TreeEntry::Mode::kTree        ? "tree"
                       : entry.mode == store::TreeEntry::Mode::kSubmodule ? "commit"
                                                                          : "blob";
    char mode_text[16];
    std::snprintf(mode_text, sizeof mode_text, "%06o", static_cast<unsigned>(mode));
    std::cout << mode_text << " " << type << " " << entry.id.Hex() << "\t" << QuotePath(entry.name)
              << "\n";
  }
  return 0;
}

int StoreInitCommand(const StoreInitFlags& flags) {
  if (flags.dir && flags.store && *flags.dir != *flags.store) {
    return Misuse("init", "give the directory either as DIR or as --store, not both");
  }
  fs::path dir = flags.dir ? *flags.dir : flags.store ? *flags.store : runtime::kStoreDirName;
  std::error_code ec;
  dir = fs::absolute(dir, ec).lexically_normal();
  if (!dir.has_filename()) dir = dir.parent_path();  // "x/" -> "x"
  const bool existed = fs::exists(dir / "data.mdb", ec);
  auto store = Store::Open(dir);
  if (!store.ok()) return Fail(store.status());
  std::cout << (existed ? "Reinitialized existing" : "Initialized empty") << " clive store in "
            << dir.string() << "/\n";
  return 0;
}

int StoreFsckCommand(const StoreFsckFlags& flags) {
  auto store = OpenStore(flags.store, /*write=*/false);
  if (!store.ok()) return Fail(store.status());
  auto report = (*store)->Fsck();
  if (!report.ok()) return Fail("fsck: " + report.status().message());
  for (const store::FsckProblem& problem : report->problems) {
    std::cout << "error: " << problem.message << "\n";
  }
  if (flags.unreachable) {
    for (const ObjectId& id : report->unreachable) {
      auto header = (*store)->ReadHeader(id);
      std::cout << "unreachable " << (header.ok() ? TypeName(header->type) : "object") << " "
                << id.Hex() << "\n";
    }
  }
  std::cout.flush();
  const std::string counts = Plural(report->objects_checked, "object") + " and " +
                             Plural(report->refs_checked, "ref") + " in " +
                             (*store)->path().string();
  if (!report->ok()) {
    return Fail("fsck: " + Plural(report->problems.size(), "problem") + " in " + counts);
  }
  std::cerr << "clivec: fsck: checked " << counts << ": no problems (" << report->reachable
            << " reachable, " << report->unreachable.size() << " unreachable)\n";
  return 0;
}

int StoreStatsCommand(const StoreStatsFlags& flags) {
  auto store = OpenStore(flags.store, /*write=*/false);
  if (!store.ok()) return Fail(store.status());
  auto stats = (*store)->Stats();
  if (!stats.ok()) return Fail("stats: " + stats.status().message());
  const std::vector<std::pair<const char*, uint64_t>> rows = {
      {"objects", stats->objects},
      {"commits", stats->commits},
      {"trees", stats->trees},
      {"blobs", stats->blobs},
      {"tags", stats->tags},
      {"content_bytes", stats->content_bytes},
      {"stored_bytes", stats->stored_bytes},
      {"refs", stats->refs},
      {"reflog_entries", stats->reflog_entries},
      {"file_bytes", stats->file_bytes},
      {"map_bytes", stats->map_bytes},
  };
  if (flags.json) {
    nlohmann::ordered_json out;
    out["store"] = (*store)->path().string();
    for (const auto& [key, value] : rows) out[key] = value;
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  for (const auto& [key, value] : rows) {
    std::string label = key;
    std::replace(label.begin(), label.end(), '_', ' ');
    // The per-type counts are indented under "objects".
    const bool by_type =
        label == "commits" || label == "trees" || label == "blobs" || label == "tags";
    std::printf("%-16s %llu\n", ((by_type ? "  " : "") + label).c_str(),
                static_cast<unsigned long long>(value));
  }
  return 0;
}

int StoreShowRefCommand(const ShowRefFlags& flags) {
  auto store = OpenStore(flags.store, /*write=*/false);
  if (!store.ok()) return Fail(store.status());
  auto refs = (*store)->ListAllRefs();
  if (!refs.ok()) return Fail("show-ref: " + refs.status().message());
  // git's show_ref(): a pattern matches the whole name or a tail of whole
  // components ("main" matches refs/heads/main, not refs/heads/domain).
  auto matches = [&](const std::string& name) {
    if (flags.heads || flags.tags) {
      if (!(flags.heads && name.starts_with("refs/heads/")) &&
          !(flags.tags && name.starts_with("refs/tags/"))) {
        return false;
      }
    }
    if (flags.patterns.empty()) return true;
    for (const std::string& p : flags.patterns) {
      if (p.size() > name.size() || !name.ends_with(p)) continue;
      if (p.size() == name.size() || name[name.size() - p.size() - 1] == '/') return true;
    }
    return false;
  };
  size_t shown = 0;
  for (const store::RefInfo& ref : *refs) {
    if (ref.id.IsZero()) continue;  // a dangling symbolic ref, such as HEAD of a new store
    const bool head = flags.head && ref.name == "HEAD";
    if (!head && !(ref.name.starts_with("refs/") && matches(ref.name))) continue;
    ++shown;
    std::cout << ref.id.Hex();
    if (!flags.hash_only) std::cout << " " << ref.name;
    std::cout << "\n";
  }
  return shown > 0 ? 0 : 1;  // like git: nothing matched is a failure, silently
}

namespace {

// The ref updates of one `update-ref` transaction, applied with one
// Store::UpdateRefs call: all or nothing.
class RefTransaction {
 public:
  RefTransaction(Store& store, std::string message) : store_(store), message_(std::move(message)) {}

  void Add(const UpdateRefCommand& cmd, bool deref) {
    store::RefUpdate u;
    u.name = cmd.ref;
    auto expect = [&](const ObjectId& old) {
      u.expect =
          old.IsZero() ? store::RefUpdate::Expect::kAbsent : store::RefUpdate::Expect::kValue;
      u.old_id = old;
    };
    using Kind = UpdateRefCommand::Kind;
    if (cmd.kind == Kind::kUpdate || cmd.kind == Kind::kCreate) {
      if (!cmd.new_id.IsZero()) u.new_id = cmd.new_id;  // zero: delete, as in git
    }
    if (cmd.kind == Kind::kCreate) expect(ObjectId{});
    if (cmd.old_id) expect(*cmd.old_id);
    // The store has no check-only update, so a verify of a value rewrites
    // the same value (a verify of absence deletes a ref that is not there).
    if (cmd.kind == Kind::kVerify && !cmd.old_id->IsZero()) u.new_id = *cmd.old_id;
    pending_.push_back({std::move(u), deref});
  }
  void Clear() { pending_.clear(); }

  // git's `prepare`: every check now, nothing written. clive takes no locks,
  // so the commit checks again (atomically) and may still find a ref moved.
  Status Prepare() {
    auto updates = Resolve();
    if (!updates.ok()) return updates.status();
    auto refs = store_.ListAllRefs();
    if (!refs.ok()) return refs.status();
    std::map<std::string, const store::RefInfo*> current;
    for (const store::RefInfo& ref : *refs) current[ref.name] = &ref;
    for (const store::RefUpdate& u : *updates) {
      if (u.expect != store::RefUpdate::Expect::kAnything) {
        auto it = current.find(u.name);
        const store::RefInfo* ref = it == current.end() ? nullptr : it->second;
        const bool absent = u.expect == store::RefUpdate::Expect::kAbsent;
        if (absent ? ref != nullptr
                   : ref == nullptr || !ref->symbolic_target.empty() || ref->id != u.old_id) {
          return Status::RefChanged("ref " + u.name + " changed: expected " +
                                    (absent ? std::string("nothing") : u.old_id.Hex()) +
                                    ", found " + Describe(ref));
        }
      }
      if (u.new_id) {
        auto present = store_.HasObject(*u.new_id);
        if (!present.ok()) return present.status();
        if (!*present) {
          return Status::NotFound("cannot update ref " + u.name + ": object " + u.new_id->Hex() +
                                  " not found");
        }
      }
    }
    return Status::Ok();
  }

  Status Commit() {
    auto updates = Resolve();
    if (!updates.ok()) return updates.status();
    return store_.UpdateRefs(*updates, message_);
  }

 private:
  struct Pending {
    store::RefUpdate update;
    bool deref;
  };

  // In the store's words (see Store::UpdateRefs), so that prepare and commit
  // report a moved ref alike.
  static std::string Describe(const store::RefInfo* ref) {
    if (ref == nullptr) return "nothing";
    if (!ref->symbolic_target.empty()) return "symbolic ref to " + ref->symbolic_target;
    return ref->id.Hex();
  }

  // Store updates act on the named ref itself; git follows symbolic refs
  // unless told not to (`HEAD` updates the branch it points at), so do that
  // here. Also rejects two updates of one ref, in git's words.
  Expected<std::vector<store::RefUpdate>> Resolve() {
    std::map<std::string, std::string> symbolic;
    const bool any_deref =
        std::any_of(pending_.begin(), pending_.end(), [](const Pending& p) { return p.deref; });
    if (any_deref) {
      auto refs = store_.ListAllRefs();
      if (!refs.ok()) return refs.status();
      for (const store::RefInfo& ref : *refs) {
        if (!ref.symbolic_target.empty()) symbolic[ref.name] = ref.symbolic_target;
      }
    }
    std::vector<store::RefUpdate> updates;
    std::set<std::string> seen;
    for (const Pending& p : pending_) {
      store::RefUpdate u = p.update;
      for (int depth = 0; p.deref && depth < 5 && symbolic.contains(u.name); ++depth) {
        u.name = symbolic[u.name];
      }
      if (!seen.insert(u.name).second) {
        return Status::InvalidArgument("multiple updates for ref '" + u.name + "' not allowed");
      }
      updates.push_back(std::move(u));
    }
    return updates;
  }

  Store& store_;
  std::string message_;
  std::vector<Pending> pending_;
};

void PrintOk(const char* what) {
  // Flushed at once: a driver may wait for it before writing more input.
  std::cout << what << ": ok" << std::endl;
}

int UpdateRefStdin(Store& store, const UpdateRefFlags& flags) {
  const UpdateRefFormat format = flags.nul ? UpdateRefFormat::kNul : UpdateRefFormat::kLines;
  RefTransaction txn(store, flags.message);
  UpdateRefState state = UpdateRefState::kOpen;
  bool no_deref_next = false;  // `option no-deref` applies to the next command only
  std::string record;
  size_t number = 0;
  auto fail = [&](const std::string& what) {
    return Fail("update-ref: " + std::string(flags.nul ? "command " : "line ") +
                std::to_string(number) + ": " + what);
  };
  while (ReadUpdateRefRecord(std::cin, format, &record)) {
    ++number;
    auto cmd = ParseUpdateRefLine(record, format);
    if (!cmd.ok()) return fail(cmd.status().message());
    auto next = NextUpdateRefState(state, cmd->kind);
    if (!next.ok()) return fail(next.status().message());
    if (state == UpdateRefState::kClosed) txn.Clear();  // `start` after a commit or abort
    state = *next;
    using Kind = UpdateRefCommand::Kind;
    switch (cmd->kind) {
      case Kind::kNoDeref: no_deref_next = true; break;
      case Kind::kStart: PrintOk("start"); break;
      case Kind::kPrepare:
        if (Status s = txn.Prepare(); !s.ok()) return fail("prepare: " + s.message());
        PrintOk("prepare");
        break;
      case Kind::kCommit:
        if (Status s = txn.Commit(); !s.ok()) return fail("commit: " + s.message());
        PrintOk("commit");
        txn.Clear();
        break;
      case Kind::kAbort:
        txn.Clear();
        PrintOk("abort");
        break;
      default:  // update, create, delete, verify
        txn.Add(*cmd, !flags.no_deref && !no_deref_next);
        no_deref_next = false;
    }
  }
  // Without start/commit the whole input is one transaction, committed at
  // the end; a started transaction left open is aborted, as in git.
  if (state == UpdateRefState::kOpen) {
    if (Status s = txn.Commit(); !s.ok()) return Fail("update-ref: " + s.message());
  }
  return 0;
}

int UpdateRefArgs(Store& store, const UpdateRefFlags& flags) {
  const std::vector<std::string>& args = flags.args;
  UpdateRefCommand cmd;
  cmd.kind = flags.remove ? UpdateRefCommand::Kind::kDelete : UpdateRefCommand::Kind::kUpdate;
  cmd.ref = args[0];
  if (!IsValidRefName(cmd.ref)) {
    return Fail("update-ref: invalid ref format: " + EscapeForMessage(cmd.ref));
  }
  // Values on the command line may be any object name, as in git.
  auto value = [&](const std::string& arg, const char* what) -> Expected<ObjectId> {
    if (arg.empty()) return ObjectId{};  // git: an empty <oldvalue> means "must not exist"
    auto id = ResolveObjectName(store, arg);
    if (!id.ok()) return Status::InvalidArgument(std::string(what) + ": " + id.status().message());
    return id;
  };
  const size_t old_index = flags.remove ? 1 : 2;
  if (!flags.remove) {
    auto id = value(args[1], "<newvalue>");
    if (!id.ok()) return Fail("update-ref: " + id.status().message());
    cmd.new_id = *id;
  }
  if (args.size() > old_index) {
    auto id = value(args[old_index], "<oldvalue>");
    if (!id.ok()) return Fail("update-ref: " + id.status().message());
    if (flags.remove && id->IsZero()) {
      return Fail("update-ref: delete " + cmd.ref + ": zero <oldvalue>");
    }
    cmd.old_id = *id;
  }
  RefTransaction txn(store, flags.message);
  txn.Add(cmd, !flags.no_deref);
  if (Status s = txn.Commit(); !s.ok()) return Fail("update-ref: " + s.message());
  return 0;
}

}  // namespace

int StoreUpdateRefCommand(const UpdateRefFlags& flags) {
  const size_t n = flags.args.size();
  if (flags.read_stdin) {
    if (n > 0 || flags.remove) return Misuse("update-ref", "--stdin takes no other arguments");
  } else if (flags.nul) {
    return Misuse("update-ref", "-z needs --stdin");
  } else if (flags.remove ? n < 1 || n > 2 : n < 2 || n > 3) {
    return Misuse("update-ref", flags.remove ? "-d takes <ref> [<oldvalue>]"
                                             : "give <ref> <newvalue> [<oldvalue>], -d or --stdin");
  }
  auto store = OpenStore(flags.store, /*write=*/true);
  if (!store.ok()) return Fail(store.status());
  return flags.read_stdin ? UpdateRefStdin(**store, flags) : UpdateRefArgs(**store, flags);
}

namespace {

// git's DATE_NORMAL, "Tue Nov 14 22:13:20 2023 +0000". Commits carry no
// time zone through the store API, so times print in UTC.
std::string GitDate(int64_t seconds) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const auto t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s %s %d %02d:%02d:%02d %d +0000", kDays[tm.tm_wday],
                kMonths[tm.tm_mon], tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                tm.tm_year + 1900);
  return buf;
}

// The message's lines without trailing whitespace, leading blank lines
// dropped: what git's pretty printer works on.
std::vector<std::string> MessageLines(std::string_view message) {
  std::vector<std::string> lines;
  for (size_t at = 0; at < message.size();) {
    size_t eol = message.find('\n', at);
    if (eol == std::string_view::npos) eol = message.size();
    std::string line(message.substr(at, eol - at));
    line.erase(line.find_last_not_of(" \t\n\v\f\r") + 1);
    if (!line.empty() || !lines.empty()) lines.push_back(std::move(line));
    at = eol + 1;
  }
  return lines;
}

void RightTrim(std::string* s) { s->erase(s->find_last_not_of(" \t\n\v\f\r") + 1); }

}  // namespace

int StoreLogCommand(const LogFlags& flags) {
  auto store = OpenStore(flags.store, /*write=*/false);
  if (!store.ok()) return Fail(store.status());
  auto id = ResolveObjectName(**store, flags.ref);
  if (!id.ok()) return Fail("log: " + id.status().message());
  for (int shown = 0; flags.max_count < 0 || shown < flags.max_count; ++shown) {
    auto commit = (*store)->ReadCommit(*id);
    if (!commit.ok()) return Fail("log: " + commit.status().message());
    const std::vector<std::string> lines = MessageLines(commit->message);
    std::string entry;
    if (flags.oneline) {
      // The subject is the first paragraph on one line.
      entry = Abbrev(**store, *id);
      for (size_t i = 0; i < lines.size() && !lines[i].empty(); ++i) entry += " " + lines[i];
    } else {
      if (shown > 0) std::cout << "\n";
      entry = "commit " + id->Hex() + "\n";
      if (commit->parents.size() > 1) {
        entry += "Merge:";
        for (const ObjectId& parent : commit->parents) entry += " " + Abbrev(**store, parent);
        entry += "\n";
      }
      entry += "Author: " + commit->author.name + " <" + commit->author.email + ">\n";
      entry += "Date:   " + GitDate(commit->author.time) + "\n\n";
      for (const std::string& line : lines) entry += "    " + line + "\n";
    }
    RightTrim(&entry);
    std::cout << entry << "\n";
    if (commit->parents.empty()) break;
    id = commit->parents.front();  // first parents only, as `git log --first-parent`
  }
  return 0;
}

int StoreImportCommand(const ImportFlags& flags) {
  auto store = OpenStore(flags.store, /*write=*/true);
  if (!store.ok()) return Fail(store.status());
  if (Status s = store::ImportRepository(**store, flags.repo); !s.ok()) {
    return Fail("import: " + s.message());
  }
  std::cerr << "clivec: imported " << flags.repo << " into " << (*store)->path().string() << "\n";
  return 0;
}

int StoreExportCommand(const ExportFlags& flags) {
  auto store = OpenStore(flags.store, /*write=*/false);
  if (!store.ok()) return Fail(store.status());
  if (Status s = store::ExportRepository(**store, flags.dir); !s.ok()) {
    return Fail("export: " + s.message());
  }
  std::cerr << "clivec: exported " << (*store)->path().string() << " to " << flags.dir << "\n";
  return 0;
}

}  // namespace clive::cli
