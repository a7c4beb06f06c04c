// git-remote-clive: the gitremote-helpers(7) protocol over a clive store, so
// that real git can clone, fetch from and push to one:
//
//   git clone clive::/path/to/store work
//   git push clive::/path/to/store main
//
// git runs `git-remote-clive <remote> <store-path>` with GIT_DIR set to the
// local repository and talks to it over stdin/stdout. Capabilities: fetch,
// push, option. Objects move with clive::store::CopyToGit (one pack into
// the local repository) and CopyFromGit (batched writes into the store); ref
// updates are compare-and-swap against the store's current value.
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "clive/store/git_interop.h"
#include "clive/store/store.h"

namespace {

using clive::Expected;
using clive::Status;
using clive::store::ObjectId;
using clive::store::RefUpdate;
using clive::store::Store;
using clive::store::StoreOptions;

constexpr std::string_view kTagPrefix = "refs/tags/";

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// git quotes option values C-style when they contain special characters
// (quote_c_style); plain values come through as they are.
std::optional<std::string> UnquoteC(std::string_view value) {
  if (value.empty() || value.front() != '"') return std::string(value);
  std::string out;
  for (size_t i = 1; i < value.size(); ++i) {
    const char c = value[i];
    if (c == '"') return i + 1 == value.size() ? std::optional(out) : std::nullopt;
    if (c != '\\') {
      out += c;
      continue;
    }
    if (++i == value.size()) return std::nullopt;
    switch (const char e = value[i]) {
      case 'a': out += '\a'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'v': out += '\v'; break;
      case '\\': case '"': out += e; break;
      default: {
        // Three octal digits: one byte.
        if (i + 2 >= value.size()) return std::nullopt;
        int byte = 0;
        for (size_t k = i; k < i + 3; ++k) {
          if (value[k] < '0' || value[k] > '7') return std::nullopt;
          byte = byte * 8 + (value[k] - '0');
        }
        out += static_cast<char>(byte);
        i += 2;
      }
    }
  }
  return std::nullopt;
}

std::optional<bool> ParseBool(std::string_view value) {
  if (value == "true") return true;
  if (value == "false") return false;
  return std::nullopt;
}

// A status report's <why> must stay on one line.
std::string OneLine(std::string text) {
  for (char& c : text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return text;
}

struct PushCommand {
  bool force = false;
  std::string src;  // empty: delete dst
  std::string dst;
};

struct PushResult {
  std::optional<std::string> error;  // nullopt: ok
};

// The outcome of git's rules for one ref: the update to apply, or why not.
struct Verdict {
  std::optional<RefUpdate> update;
  std::string rejection;  // git's wording, when `update` is empty
};

// One helper session: the state git's options set, and the store, opened
// lazily because whether it may be created depends on the first command.
class Session {
 public:
  Session(std::filesystem::path store_dir, std::istream& in, std::ostream& out)
      : store_dir_(std::move(store_dir)), in_(in), out_(out) {}

  // Serves commands until git closes stdin or sends a blank line.
  Status Run() {
    std::string line;
    while (std::getline(in_, line)) {
      if (line.empty()) return Status::Ok();
      CLIVE_RETURN_IF_ERROR(Dispatch(line));
      out_.flush();
      if (!out_) return Status::IOError("cannot write to git (stdout closed)");
    }
    return Status::Ok();
  }

 private:
  Status Dispatch(const std::string& line) {
    if (line == "capabilities") {
      out_ << "fetch\npush\noption\n\n";
      return Status::Ok();
    }
    if (line == "list") return List(/*for_push=*/false);
    if (line == "list for-push") return List(/*for_push=*/true);
    if (StartsWith(line, "option ")) return Option(line.substr(7));
    if (StartsWith(line, "fetch ")) return Fetch(line);
    if (StartsWith(line, "push ")) return Push(line);
    return Status::InvalidArgument("unknown command '" + line + "'");
  }

  // `git fetch -v` / `git push -v` (verbosity 2 and up): what took how long.
  void Note(std::string_view what, std::chrono::steady_clock::time_point start) const {
    if (verbosity_ < 2) return;
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start);
    std::cerr << "git-remote-clive: " << what << " in " << ms.count() << " ms\n";
  }

  // --- the store ---

  bool StoreExists() const {
    std::error_code ec;
    return std::filesystem::exists(store_dir_ / "data.mdb", ec);
  }

  // Opens the store for reading (fetch) or writing (push). Only a push may
  // create it: fetching from a path that holds no store is an error.
  Expected<Store*> OpenStore(bool for_write) {
    if (store_ && (writable_ || !for_write)) return store_.get();
    store_.reset();  // LMDB allows one open per environment and process.
    StoreOptions options;
    options.create_if_missing = for_write;
    options.read_only = !for_write;
    auto store = Store::Open(store_dir_, options);
    if (!store) {
      if (!for_write && !StoreExists()) {
        return Status::NotFound("no clive store at " + store_dir_.string());
      }
      return store.status();
    }
    store_ = std::move(*store);
    writable_ = for_write;
    return store_.get();
  }

  Expected<std::filesystem::path> GitDir() const {
    const char* dir = std::getenv("GIT_DIR");
    if (dir == nullptr || *dir == '\0') {
      return Status::InvalidArgument(
          "GIT_DIR is not set (git runs this helper with it; see docs/git-interop.md)");
    }
    return std::filesystem::path(dir);
  }

  // --- list ---

  Status List(bool for_push) {
    // A push may create the store; until then it simply has no refs.
    if (for_push && !StoreExists()) {
      out_ << "\n";
      return Status::Ok();
    }
    auto store = OpenStore(for_push);
    if (!store) return store.status();
    auto refs = (*store)->ListAllRefs();
    if (!refs) return refs.status();
    for (const auto& ref : *refs) {
      if (!ref.symbolic_target.empty()) {
        // git resolves "@<target>" against the other listed refs; a symref
        // to a ref that does not exist (HEAD of a store with no branches)
        // would only confuse it.
        if (!ref.id.IsZero()) out_ << "@" << ref.symbolic_target << " " << ref.name << "\n";
        continue;
      }
      out_ << ref.id.Hex() << " " << ref.name << "\n";
    }
    out_ << "\n";
    return Status::Ok();
  }

  // --- option ---

  Status Option(std::string_view args) {
    const size_t space = args.find(' ');
    const std::string_view name = args.substr(0, space);
    const std::string_view raw = space == std::string_view::npos ? "" : args.substr(space + 1);
    const std::optional<std::string> value = UnquoteC(raw);
    if (!value) {
      out_ << "error invalid quoting in value of option " << name << "\n";
      return Status::Ok();
    }
    auto set_bool = [&](bool& flag) {
      if (auto parsed = ParseBool(*value)) {
        flag = *parsed;
        out_ << "ok\n";
      } else {
        out_ << "error " << name << " expects true or false\n";
      }
    };
    if (name == "verbosity") {
      char* end = nullptr;
      const long level = std::strtol(value->c_str(), &end, 10);
      if (value->empty() || *end != '\0') {
        out_ << "error verbosity expects a number\n";
      } else {
        verbosity_ = static_cast<int>(level);
        out_ << "ok\n";
      }
    } else if (name == "progress" || name == "cloning") {
      // Accepted for git's sake: there is no progress meter to show, and a
      // clone needs nothing different.
      bool ignored = false;
      set_bool(ignored);
    } else if (name == "dry-run") {
      set_bool(dry_run_);
    } else if (name == "force") {
      set_bool(force_);
    } else if (name == "atomic") {
      set_bool(atomic_);
    } else if (name == "cas") {
      // --force-with-lease: "<ref>:<expected id>" (40 zeros: must not exist).
      const size_t colon = value->rfind(':');
      auto id = colon == std::string::npos ? Expected<ObjectId>(Status::InvalidArgument(""))
                                           : ObjectId::FromHex(value->substr(colon + 1));
      if (!id) {
        out_ << "error cas expects <ref>:<40 hex digits>\n";
      } else {
        leases_[value->substr(0, colon)] = *id;
        out_ << "ok\n";
      }
    } else {
      out_ << "unsupported\n";
    }
    return Status::Ok();
  }

  // --- fetch ---

  // "fetch <id> <name>" lines up to a blank line: one pack for all of them.
  Status Fetch(const std::string& first) {
    std::vector<ObjectId> wanted;
    std::set<ObjectId> seen;
    std::string line = first;
    for (;;) {
      if (line.empty()) break;
      if (!StartsWith(line, "fetch ")) {
        return Status::InvalidArgument("expected 'fetch' in a fetch batch, got '" + line + "'");
      }
      const std::string_view rest = std::string_view(line).substr(6);
      auto id = ObjectId::FromHex(rest.substr(0, rest.find(' ')));
      if (!id) return Status::InvalidArgument("malformed fetch command '" + line + "'");
      if (seen.insert(*id).second) wanted.push_back(*id);
      if (!std::getline(in_, line)) return Status::InvalidArgument("unterminated fetch batch");
    }
    auto git_dir = GitDir();
    if (!git_dir) return git_dir.status();
    auto store = OpenStore(/*for_write=*/false);
    if (!store) return store.status();
    const auto start = std::chrono::steady_clock::now();
    CLIVE_RETURN_IF_ERROR(clive::store::CopyToGit(**store, *git_dir, wanted));
    Note("copied objects for " + std::to_string(wanted.size()) + " ref(s) from the store", start);
    out_ << "\n";
    return Status::Ok();
  }

  // --- push ---

  // "push [+]<src>:<dst>" lines (and options) up to a blank line.
  Status Push(const std::string& first) {
    std::vector<PushCommand> commands;
    std::string line = first;
    for (;;) {
      if (line.empty()) break;
      if (StartsWith(line, "option ")) {
        CLIVE_RETURN_IF_ERROR(Option(std::string_view(line).substr(7)));
        out_.flush();
      } else if (StartsWith(line, "push ")) {
        std::string_view spec = std::string_view(line).substr(5);
        PushCommand command;
        if (StartsWith(spec, "+")) {
          command.force = true;
          spec.remove_prefix(1);
        }
        const size_t colon = spec.rfind(':');
        if (colon == std::string_view::npos || colon + 1 == spec.size()) {
          return Status::InvalidArgument("malformed push command '" + line + "'");
        }
        command.src = spec.substr(0, colon);
        command.dst = spec.substr(colon + 1);
        commands.push_back(std::move(command));
      } else {
        return Status::InvalidArgument("expected 'push' in a push batch, got '" + line + "'");
      }
      if (!std::getline(in_, line)) return Status::InvalidArgument("unterminated push batch");
    }
    auto results = ApplyPush(commands);
    if (!results) return results.status();
    for (size_t i = 0; i < commands.size(); ++i) {
      const auto& error = (*results)[i].error;
      if (error) {
        out_ << "error " << commands[i].dst << " " << OneLine(*error) << "\n";
      } else {
        out_ << "ok " << commands[i].dst << "\n";
      }
    }
    out_ << "\n";
    return Status::Ok();
  }

  Expected<std::vector<PushResult>> ApplyPush(const std::vector<PushCommand>& commands) {
    std::vector<PushResult> results(commands.size());
    auto git_dir = GitDir();
    if (!git_dir) return git_dir.status();

    // 1. What each command wants the ref to become.
    std::vector<std::optional<ObjectId>> targets(commands.size());
    std::vector<ObjectId> tips;
    for (size_t i = 0; i < commands.size(); ++i) {
      if (commands[i].src.empty()) continue;
      auto id = clive::store::ResolveGitRevision(*git_dir, commands[i].src);
      if (!id) {
        results[i].error = id.status().message();
        continue;
      }
      targets[i] = *id;
      tips.push_back(*id);
    }
    if (dry_run_) {
      // Nothing may change: report what git's own checks already decided.
      return results;
    }

    auto store_or = OpenStore(/*for_write=*/true);
    if (!store_or) return store_or.status();
    Store& store = **store_or;
    // 2. Objects first, all commands at once: few large transactions. A
    //    rejected update leaves its objects unreferenced, which is harmless.
    const auto start = std::chrono::steady_clock::now();
    if (Status copied = clive::store::CopyFromGit(store, *git_dir, tips); !copied.ok()) {
      for (size_t i = 0; i < commands.size(); ++i) {
        if (!results[i].error) results[i].error = "cannot copy objects: " + copied.message();
      }
      return results;
    }
    Note("copied objects for " + std::to_string(tips.size()) + " ref(s) into the store", start);

    // 3. Per-ref checks against the store's current value, which also
    //    becomes the compare-and-swap expectation.
    std::vector<RefUpdate> updates(commands.size());
    for (size_t i = 0; i < commands.size(); ++i) {
      if (results[i].error) continue;
      auto verdict = Check(store, commands[i], targets[i]);
      if (!verdict) {
        results[i].error = verdict.status().message();
      } else if (!verdict->update) {
        results[i].error = verdict->rejection;
      } else {
        updates[i] = std::move(*verdict->update);
      }
    }

    // 4. Apply: all or nothing with --atomic, else ref by ref as git does.
    if (atomic_) {
      bool all_ok = true;
      std::vector<RefUpdate> batch;
      for (size_t i = 0; i < commands.size(); ++i) {
        if (results[i].error) all_ok = false;
        else batch.push_back(updates[i]);
      }
      if (!all_ok) {
        for (auto& result : results) {
          if (!result.error) result.error = "atomic push failed";
        }
        return results;
      }
      if (Status applied = store.UpdateRefs(batch, "push"); !applied.ok()) {
        const std::string why = applied.IsRefChanged() ? "fetch first" : applied.message();
        for (auto& result : results) result.error = why;
        return results;
      }
    } else {
      for (size_t i = 0; i < commands.size(); ++i) {
        if (results[i].error) continue;
        if (Status applied = store.UpdateRefs({updates[i]}, "push"); !applied.ok()) {
          // Someone else moved the ref since we checked it.
          results[i].error = applied.IsRefChanged() ? "fetch first" : applied.message();
        }
      }
    }
    return results;
  }

  // Applies git's rules for updating ref `command.dst` to `target` (nullopt
  // deletes it). The store's current value becomes the compare-and-swap
  // expectation, so a concurrent push cannot be overwritten unseen.
  Expected<Verdict> Check(Store& store, const PushCommand& command,
                          const std::optional<ObjectId>& target) {
    std::optional<ObjectId> current;
    if (auto id = store.ReadRef(command.dst); id.ok()) {
      current = *id;
    } else if (!id.status().IsNotFound()) {
      return id.status();
    }
    RefUpdate update;
    update.name = command.dst;
    update.new_id = target;
    update.expect = current ? RefUpdate::Expect::kValue : RefUpdate::Expect::kAbsent;
    if (current) update.old_id = *current;
    const Verdict accept{std::move(update), {}};
    auto reject = [](std::string why) { return Verdict{std::nullopt, std::move(why)}; };

    // --force-with-lease: the ref must still be what the user last saw.
    if (auto lease = leases_.find(command.dst); lease != leases_.end()) {
      const bool matches = lease->second.IsZero() ? !current : current == lease->second;
      return matches ? accept : reject("stale info");
    }
    if (!target) return current ? accept : reject("no such ref");
    if (!current || *current == *target || command.force || force_) return accept;
    // Like git: an existing tag is never moved without force.
    if (StartsWith(command.dst, kTagPrefix)) return reject("already exists");
    if (!store.ReadCommit(*current).ok() || !store.ReadCommit(*target).ok()) {
      return reject("needs force");
    }
    auto ancestor = IsAncestor(store, *current, *target);
    if (!ancestor) return ancestor.status();
    // git maps exactly "non-fast forward" to its own rejection message.
    return *ancestor ? accept : reject("non-fast forward");
  }

  // Whether commit `ancestor` is reachable from commit `descendant`.
  static Expected<bool> IsAncestor(Store& store, const ObjectId& ancestor,
                                   const ObjectId& descendant) {
    std::set<ObjectId> seen{descendant};
    std::vector<ObjectId> queue{descendant};
    while (!queue.empty()) {
      const ObjectId id = queue.back();
      queue.pop_back();
      if (id == ancestor) return true;
      auto commit = store.ReadCommit(id);
      if (!commit) return commit.status();
      for (const ObjectId& parent : commit->parents) {
        if (seen.insert(parent).second) queue.push_back(parent);
      }
    }
    return false;
  }

  std::filesystem::path store_dir_;
  std::istream& in_;
  std::ostream& out_;
  std::unique_ptr<Store> store_;
  bool writable_ = false;
  std::map<std::string, ObjectId> leases_;  // from "option cas"
  int verbosity_ = 1;
  bool dry_run_ = false;
  bool force_ = false;
  bool atomic_ = false;
};

// The store path from git's URL argument: "clive::<path>" reaches us as
// <path>; "clive://<path>" as the whole URL.
std::string StorePath(std::string_view url) {
  for (std::string_view prefix : {"clive::", "clive://"}) {
    if (StartsWith(url, prefix)) return std::string(url.substr(prefix.size()));
  }
  return std::string(url);
}

}  // namespace

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  if (argc < 2 || argc > 3) {
    std::cerr << "git-remote-clive: usage: git-remote-clive <remote> [<store-path>]\n"
                 "  (git runs this for URLs like clive::/path/to/store)\n";
    return 2;
  }
  const std::string path = StorePath(argv[argc - 1]);
  if (path.empty()) {
    std::cerr << "git-remote-clive: empty store path in URL '" << argv[argc - 1] << "'\n";
    return 2;
  }
  Session session(path, std::cin, std::cout);
  if (Status status = session.Run(); !status.ok()) {
    std::cout.flush();
    std::cerr << "git-remote-clive: " << status.message() << "\n";
    return 1;
  }
  return 0;
}
