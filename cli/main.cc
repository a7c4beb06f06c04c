// clivec: the clive driver. Thin by design: it parses flags and calls the
// libraries; everything it does is reachable from them.
#include <functional>
#include <iostream>
#include <memory>
#include <utility>
#include <vector>

#include "CLI/CLI.hpp"
#include "commands.h"

namespace {

constexpr const char* kDescription =
    "clivec - compile, evaluate and store clive.cl spreadsheets of code and data";
constexpr const char* kStoreHelp =
    "Store directory (default: the nearest .clive above the current directory)";

// The `clivec store ...` commands: each leaf's flags, and what runs it.
using StoreCommands = std::vector<std::pair<CLI::App*, std::function<int()>>>;

// Registers a store command whose flags live in a `Flags` owned by the
// returned runner; `setup` declares the command's own options.
template <typename Flags>
void AddStoreCommand(CLI::App& group, StoreCommands& commands, const char* name,
                     const char* description, int (*run)(const Flags&),
                     const std::function<void(CLI::App&, Flags&)>& setup) {
  auto flags = std::make_shared<Flags>();
  CLI::App* cmd = group.add_subcommand(name, description);
  if constexpr (requires { flags->store; }) cmd->add_option("--store", flags->store, kStoreHelp);
  setup(*cmd, *flags);
  commands.emplace_back(cmd, [flags, run] { return run(*flags); });
}

StoreCommands AddStoreCommands(CLI::App& group) {
  using namespace clive::cli;
  StoreCommands c;
  AddStoreCommand<StoreInitFlags>(group, c, "init", "Create a store (or reopen an existing one)",
                                  StoreInitCommand, [](CLI::App& cmd, StoreInitFlags& f) {
                                    cmd.add_option("dir", f.dir, "Store directory (default: .clive)");
                                  });
  AddStoreCommand<StoreFsckFlags>(group, c, "fsck", "Check every object and ref of the store",
                                  StoreFsckCommand, [](CLI::App& cmd, StoreFsckFlags& f) {
                                    cmd.add_flag("--unreachable", f.unreachable,
                                                 "List objects no ref reaches");
                                  });
  AddStoreCommand<StoreStatsFlags>(group, c, "stats", "Object, ref and size counts of the store",
                                   StoreStatsCommand, [](CLI::App& cmd, StoreStatsFlags& f) {
                                     cmd.add_flag("--json", f.json, "Print the counts as JSON");
                                   });
  AddStoreCommand<HashObjectFlags>(
      group, c, "hash-object", "Print (and with -w write) the ids of objects, as git hash-object",
      StoreHashObjectCommand, [](CLI::App& cmd, HashObjectFlags& f) {
        cmd.add_flag("-w", f.write, "Write the objects into the store");
        cmd.add_option("-t", f.type, "Object type: blob (default), tree, commit or tag")
            ->check(CLI::IsMember({"blob", "tree", "commit", "tag"}));
        cmd.add_flag("--stdin", f.read_stdin, "Read one object from standard input");
        cmd.add_flag("--literally", f.literally, "Skip the format check of trees, commits and tags");
        cmd.add_option("file", f.files, "Files to hash");
      });
  AddStoreCommand<CatFileFlags>(
      group, c, "cat-file", "Print an object's type, size or content, as git cat-file",
      StoreCatFileCommand, [](CLI::App& cmd, CatFileFlags& f) {
        cmd.add_flag("-t", f.type, "Print the object's type");
        cmd.add_flag("-s", f.size, "Print the object's size");
        cmd.add_flag("-p", f.pretty, "Pretty-print the object's content");
        cmd.add_flag("-e", f.exists, "Exit with 0 if the object exists, 1 if not, silently");
        cmd.add_option("object", f.object, "Object id, abbreviated id or ref name")->required();
      });
  AddStoreCommand<ShowRefFlags>(group, c, "show-ref", "List refs and their ids, as git show-ref",
                                StoreShowRefCommand, [](CLI::App& cmd, ShowRefFlags& f) {
                                  cmd.add_flag("--head", f.head, "Show HEAD too");
                                  cmd.add_flag("--heads", f.heads, "Only refs/heads/");
                                  cmd.add_flag("--tags", f.tags, "Only refs/tags/");
                                  cmd.add_flag("-s,--hash", f.hash_only, "Print the ids only");
                                  cmd.add_option("pattern", f.patterns,
                                                 "Show refs whose names end in these components");
                                });
  AddStoreCommand<UpdateRefFlags>(
      group, c, "update-ref", "Update, create, delete or verify refs atomically, as git update-ref",
      StoreUpdateRefCommand, [](CLI::App& cmd, UpdateRefFlags& f) {
        cmd.add_flag("--stdin", f.read_stdin, "Read git's update-ref --stdin commands");
        cmd.add_flag("-z", f.nul, "--stdin input is NUL-terminated");
        cmd.add_flag("-d", f.remove, "Delete <ref> (if it is at <oldvalue>)");
        cmd.add_flag("--no-deref", f.no_deref, "Update symbolic refs themselves, not their targets");
        cmd.add_option("-m", f.message, "Reflog message");
        cmd.add_option("args", f.args, "<ref> <newvalue> [<oldvalue>], or <ref> [<oldvalue>] with -d");
      });
  AddStoreCommand<LogFlags>(group, c, "log", "Show a ref's commits, first parents only, as git log",
                            StoreLogCommand, [](CLI::App& cmd, LogFlags& f) {
                              cmd.add_option("-n,--max-count", f.max_count, "Show at most N commits");
                              cmd.add_flag("--oneline", f.oneline, "One line per commit");
                              cmd.add_option("ref", f.ref, "Where to start (default: HEAD)");
                            });
  AddStoreCommand<ImportFlags>(group, c, "import", "Copy every object and ref of a git repository in",
                               StoreImportCommand, [](CLI::App& cmd, ImportFlags& f) {
                                 cmd.add_option("repo", f.repo, "Git repository")->required();
                               });
  AddStoreCommand<ExportFlags>(group, c, "export", "Write the store out as a new bare git repository",
                               StoreExportCommand, [](CLI::App& cmd, ExportFlags& f) {
                                 cmd.add_option("dir", f.dir, "Directory of the new repository")
                                     ->required();
                               });
  return c;
}

// Whether `name` is one of `app`'s subcommands.
bool IsCommand(CLI::App& app, const std::string& name) {
  for (const CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
    if (sub->get_name() == name) return true;
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app(kDescription, "clivec");
  app.set_version_flag("--version", std::string("clivec ") + CLIVE_VERSION + " (LLVM " +
                                        CLIVE_LLVM_VERSION + ")");
  app.require_subcommand(1, 1);
  app.fallthrough(false);

  clive::cli::RunFlags run;
  CLI::App* run_cmd = app.add_subcommand(
      "run", "Evaluate a workspace (or one .cl file), print every cell and commit it to the store");
  run_cmd->add_option("path", run.target, "Workspace directory or clive.cl file")->required();
  run_cmd->add_option("--store", run.store, "Store directory (default: <workspace>/.clive)");
  run_cmd->add_flag("--json", run.json, "Print cells and diagnostics as JSON");
  run_cmd->add_flag("--explain", run.explain,
                    "Say why each module was compiled (or taken from the cache) and each cell evaluated");
  run_cmd->add_flag("--no-cache", run.no_cache, "Neither use nor fill the compiled-object cache");

  clive::cli::WatchFlags watch;
  CLI::App* watch_cmd = app.add_subcommand(
      "watch", "Run a workspace, then keep it live: on every change recompile, re-evaluate and commit only "
               "what the change affects");
  watch_cmd->add_option("path", watch.target, "Workspace directory or clive.cl file")->required();
  watch_cmd->add_option("--store", watch.store, "Store directory (default: <workspace>/.clive)");
  watch_cmd->add_flag("--explain", watch.explain, "Say why each module was recompiled and each cell evaluated");
  watch_cmd->add_option("--debounce-ms", watch.debounce_ms,
                        "Wait this long after the last file event before updating (default 50)");
  watch_cmd->add_option("--max-updates", watch.max_updates,
                        "Exit after this many updates, the first run included (default: run until interrupted)");

  clive::cli::CacheFlags cache;
  CLI::App* cache_cmd = app.add_subcommand("cache", "The compiled-object cache in the store: stats, clear");
  cache_cmd->require_subcommand(1, 1);
  CLI::App* cache_stats_cmd = cache_cmd->add_subcommand("stats", "How many compiled modules are cached, and their size");
  CLI::App* cache_clear_cmd = cache_cmd->add_subcommand("clear", "Remove every cached compiled module");
  for (CLI::App* sub : {cache_stats_cmd, cache_clear_cmd}) {
    sub->add_option("--store", cache.store,
                    "Store directory (default: the nearest .clive above the current directory)");
  }
  cache_stats_cmd->add_flag("--json", cache.json, "Print the figures as JSON");

  clive::cli::CheckFlags check;
  CLI::App* check_cmd = app.add_subcommand(
      "check", "Parse and type-check a workspace (or one .cl file) without running it");
  check_cmd->add_option("path", check.target, "Workspace directory or clive.cl file")->required();
  check_cmd->add_flag("--json", check.json, "Print diagnostics as JSON");

  CLI::App* lsp_cmd = app.add_subcommand(
      "lsp", "Serve the Language Server Protocol on stdin/stdout (for editors; see docs/lsp.md)");

  clive::cli::GetFlags get;
  CLI::App* get_cmd = app.add_subcommand("get", "Print a cell's committed value (or one field of it) from the store");
  get_cmd->add_option("cell", get.cell, "Cell address, then a field path: a.b.name.field[0][\"key\"]")->required();
  get_cmd->add_option("--at", get.at, "A version of the cell: HEAD~N, HEAD@{N}, a commit id (prefix)");
  get_cmd->add_option("--store", get.store, kStoreHelp);
  get_cmd->add_flag("--json", get.json, "Print the value as JSON");

  clive::cli::SetFlags set;
  CLI::App* set_cmd = app.add_subcommand(
      "set", "Commit a new value of an @input cell (JSON or a clive expression); see docs/inputs.md");
  set_cmd->add_option("cell", set.cell, "Cell address: name, or a.b.name for module a/b")->required();
  set_cmd->add_option("value", set.value, "The value: JSON, or else a clive expression")->required();
  set_cmd->add_option("workspace", set.workspace, "Workspace directory or clive.cl file (default: .)");
  set_cmd->add_option("--store", set.store, "Store directory (default: <workspace>/.clive)");

  clive::cli::CellLogFlags log;
  CLI::App* log_cmd = app.add_subcommand("log", "List a cell's versions, newest first, with what produced each");
  log_cmd->add_option("cell", log.cell, "Cell address: name, or a.b.name for module a/b")->required();
  log_cmd->add_option("--store", log.store, kStoreHelp);
  log_cmd->add_flag("--json", log.json, "Print the versions as JSON");

  clive::cli::DiffFlags diff;
  CLI::App* diff_cmd = app.add_subcommand("diff", "Show the fields that changed between two versions of a cell");
  diff_cmd->add_option("cell", diff.cell, "Cell address")->required();
  diff_cmd->add_option("from", diff.from, "The older version (HEAD~1, a commit id, ...)")->required();
  diff_cmd->add_option("to", diff.to, "The newer version")->required();
  diff_cmd->add_option("--store", diff.store, kStoreHelp);
  diff_cmd->add_flag("--json", diff.json, "Print the changes as JSON");

  CLI::App* store_cmd = app.add_subcommand(
      "store", "Git-style plumbing on the store: objects, refs, fsck, stats, import/export");
  store_cmd->require_subcommand(1, 1);
  const StoreCommands store_commands = AddStoreCommands(*store_cmd);
  clive::cli::FmtFlags fmt;
  CLI::App* fmt_cmd = app.add_subcommand(
      "fmt", "Format .cl files in place (a directory: every *.cl below it); see docs/language.md");
  fmt_cmd->add_option("paths", fmt.paths, "Files or directories")->required();
  CLI::Option* fmt_check = fmt_cmd->add_flag(
      "--check", fmt.check, "Rewrite nothing; list the files that would change and exit 1 if any");
  fmt_cmd->add_flag("--stdout", fmt.to_stdout, "Print the formatted file instead (one file only)")
      ->excludes(fmt_check);

  // CLI11 words an unknown command as "a subcommand is required"; name it.
  if (argc > 1 && argv[1][0] != '-' && !IsCommand(app, argv[1])) {
    std::cerr << "clivec: unknown command '" << argv[1] << "' (see clivec --help)\n";
    return 2;
  }
  for (CLI::App* group : {store_cmd, cache_cmd}) {
    if (argc > 2 && group->get_name() == argv[1] && argv[2][0] != '-' && !IsCommand(*group, argv[2])) {
      std::cerr << "clivec: unknown command '" << argv[1] << " " << argv[2] << "' (see clivec " << argv[1]
                << " --help)\n";
      return 2;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);  // --help (of the right subcommand) or --version
  } catch (const CLI::ParseError& e) {
    // CLI misuse: one plain line, exit code 2.
    std::string message = e.what();
    if (message.empty()) message = "a command is required";
    std::cerr << "clivec: " << message << " (see clivec --help)\n";
    return 2;
  }

  if (run_cmd->parsed()) return clive::cli::RunCommand(run);
  if (watch_cmd->parsed()) return clive::cli::WatchCommand(watch);
  if (cache_stats_cmd->parsed()) return clive::cli::CacheStatsCommand(cache);
  if (cache_clear_cmd->parsed()) return clive::cli::CacheClearCommand(cache);
  if (get_cmd->parsed()) return clive::cli::GetCommand(get);
  if (set_cmd->parsed()) return clive::cli::SetCommand(set);
  if (log_cmd->parsed()) return clive::cli::CellLogCommand(log);
  if (diff_cmd->parsed()) return clive::cli::DiffCommand(diff);
  if (check_cmd->parsed()) return clive::cli::CheckCommand(check);
  if (lsp_cmd->parsed()) return clive::cli::LspCommand();
  for (const auto& [cmd, run_store_cmd] : store_commands) {
    if (cmd->parsed()) return run_store_cmd();
  }
  if (fmt_cmd->parsed()) return clive::cli::FmtCommand(fmt);
  return 2;
}
