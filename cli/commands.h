// The clivec subcommands. Each returns the process exit code:
// 0 success, 1 errors in the program or the store, 2 misuse of the CLI.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "clive/store/store.h"

namespace clive::cli {

// Opens the store named by --store (`flag`), else the nearest .clive above
// the current directory. It must exist: a typo must not create an empty one.
Expected<std::unique_ptr<store::Store>> OpenStore(const std::optional<std::string>& flag, bool write);

// --- engine_commands.cc: run, watch, cache ---

struct RunFlags {
  std::string target;
  std::optional<std::string> store;
  bool json = false;
  bool explain = false;   // why each module was compiled and each cell evaluated
  bool no_cache = false;  // neither read nor fill the compiled-object cache
};
int RunCommand(const RunFlags& flags);

struct WatchFlags {
  std::string target;
  std::optional<std::string> store;
  bool explain = false;
  int debounce_ms = 50;
  int max_updates = 0;  // stop after this many updates (0: until interrupted)
};
int WatchCommand(const WatchFlags& flags);

struct CacheFlags {
  std::optional<std::string> store;
  bool json = false;
};
int CacheStatsCommand(const CacheFlags& flags);
int CacheClearCommand(const CacheFlags& flags);

struct CheckFlags {
  std::string target;
  bool json = false;
};
int CheckCommand(const CheckFlags& flags);

// Serves the Language Server Protocol on stdin/stdout (docs/lsp.md).
int LspCommand();

// --- Cells and their history (cell_commands.cc, docs/cells.md) ---

struct GetFlags {
  std::string cell;  // address, then an optional field path: a.b.name.field[0]
  std::optional<std::string> store;
  std::optional<std::string> at;  // a revision of the cell (HEAD~1, a commit id)
  bool json = false;
};
int GetCommand(const GetFlags& flags);

struct CellLogFlags {
  std::string cell;
  std::optional<std::string> store;
  bool json = false;
};
int CellLogCommand(const CellLogFlags& flags);

struct DiffFlags {
  std::string cell;
  std::string from, to;  // revisions of the cell
  std::optional<std::string> store;
  bool json = false;
};
int DiffCommand(const DiffFlags& flags);

// `clivec set <cell> <value> [workspace]`: a new version of an input cell.
struct SetFlags {
  std::string cell;
  std::string value;  // JSON, or else a clive expression
  std::string workspace = ".";
  std::optional<std::string> store;
};
int SetCommand(const SetFlags& flags);

// --- `clivec store ...`: git's plumbing over a clive store (docs/cli.md) ---
// `store` is --store: the store directory, by default the nearest .clive
// above the current directory.

struct StoreInitFlags {
  std::optional<std::string> dir;    // default: .clive
  std::optional<std::string> store;  // --store, the same as `dir`
};
int StoreInitCommand(const StoreInitFlags& flags);

struct StoreFsckFlags {
  std::optional<std::string> store;
  bool unreachable = false;
};
int StoreFsckCommand(const StoreFsckFlags& flags);

struct StoreStatsFlags {
  std::optional<std::string> store;
  bool json = false;
};
int StoreStatsCommand(const StoreStatsFlags& flags);

struct HashObjectFlags {
  std::optional<std::string> store;
  bool write = false;
  std::string type = "blob";
  bool read_stdin = false;
  bool literally = false;  // skip the format check of trees, commits and tags
  std::vector<std::string> files;
};
int StoreHashObjectCommand(const HashObjectFlags& flags);

struct CatFileFlags {
  std::optional<std::string> store;
  bool type = false, size = false, pretty = false, exists = false;
  std::string object;
};
int StoreCatFileCommand(const CatFileFlags& flags);

struct ShowRefFlags {
  std::optional<std::string> store;
  bool head = false, heads = false, tags = false, hash_only = false;
  std::vector<std::string> patterns;
};
int StoreShowRefCommand(const ShowRefFlags& flags);

struct UpdateRefFlags {
  std::optional<std::string> store;
  bool read_stdin = false;
  bool nul = false;  // -z
  bool remove = false;  // -d
  bool no_deref = false;
  std::string message;  // -m: the reflog message
  std::vector<std::string> args;  // <ref> <new> [<old>], or <ref> [<old>] with -d
};
int StoreUpdateRefCommand(const UpdateRefFlags& flags);

struct LogFlags {
  std::optional<std::string> store;
  int max_count = -1;
  bool oneline = false;
  std::string ref = "HEAD";
};
int StoreLogCommand(const LogFlags& flags);

struct ImportFlags {
  std::optional<std::string> store;
  std::string repo;
};
int StoreImportCommand(const ImportFlags& flags);

struct ExportFlags {
  std::optional<std::string> store;
  std::string dir;
};
int StoreExportCommand(const ExportFlags& flags);

struct FmtFlags {
  std::vector<std::string> paths;  // files, or directories (every *.cl below them)
  bool check = false;              // rewrite nothing; list what would change
  bool to_stdout = false;          // print the one formatted file instead
};
int FmtCommand(const FmtFlags& flags);

}  // namespace clive::cli
