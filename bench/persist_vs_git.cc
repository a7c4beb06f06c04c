// Persistence benchmark (issue 6): a generated graph of ~100k clive values
// (cells shaped like bench/gen-model's: ints, strings, sizes, Resources,
// Endpoint and Service records with lists and enums) committed to a clive
// store, beside the same data as one JSON file per cell in a plain git
// repository with `git add` + `git commit`, in one run. Two steps each:
// the first commit, and a one-field change. Prints times, ratios, peak RSS
// (each side in its own processes) and store sizes.
//
//   persist-vs-git [--values N] [--dir DIR] [--clive-only]
#include <spawn.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "clive/runtime/persist.h"

extern char** environ;

namespace {

namespace fs = std::filesystem;
using clive::runtime::CellUpdate;
using clive::runtime::Value;
using Clock = std::chrono::steady_clock;

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "persist-vs-git: %s\n", what.c_str());
  std::exit(1);
}

double Seconds(const std::function<void()>& fn) {
  auto start = Clock::now();
  fn();
  return std::chrono::duration<double>(Clock::now() - start).count();
}

size_t CountValues(const Value& v) {
  size_t n = 1;
  for (const auto& field : v.fields) n += CountValues(field.second);
  return n;
}

// The cells of module k, drawn from an RNG seeded with k (so module k is the
// same for every N), in gen-model's proportions: half scalars, then small
// and larger records.
std::vector<CellUpdate> ModuleCells(int k) {
  std::mt19937_64 rng(static_cast<uint64_t>(k) * 7919 + 1);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<uint64_t>(n)); };
  std::string module = "g" + std::to_string(k / 100) + ".m" + std::to_string(k);
  std::vector<CellUpdate> cells;
  auto add = [&](const std::string& name, Value v) { cells.push_back({module + "." + name, std::move(v), {}}); };
  auto resources = [&] {
    Value r = Value::Record("Resources");
    r.fields.emplace_back("memory", Value::Size((1LL << 20) * (256 << pick(5))));
    r.fields.emplace_back("threads", Value::Int(1 + pick(16)));
    return r;
  };
  auto endpoint = [&](int i) {
    Value e = Value::Record("Endpoint");
    e.fields.emplace_back("host", Value::String("svc-" + std::to_string(k) + "-" + std::to_string(i) + ".internal"));
    e.fields.emplace_back("port", Value::Int(8000 + pick(1000)));
    e.fields.emplace_back("tls", Value::Bool(pick(2) == 1));
    return e;
  };
  static const char* kTiers[] = {"Gold", "Silver", "Bronze"};
  for (int i = 0; i < 6; ++i) add("port" + std::to_string(i), Value::Int(8000 + pick(1000)));
  for (int i = 0; i < 3; ++i) add("name" + std::to_string(i), Value::String("service-" + std::to_string(k * 10 + i)));
  for (int i = 0; i < 3; ++i) add("memory" + std::to_string(i), Value::Size((1LL << 20) * (64 + pick(4096))));
  for (int i = 0; i < 6; ++i) add("resources" + std::to_string(i), resources());
  for (int i = 0; i < 3; ++i) add("endpoint" + std::to_string(i), endpoint(i));
  for (int i = 0; i < 3; ++i) {
    Value s = Value::Record("Service");
    s.fields.emplace_back("name", Value::String("api-" + std::to_string(k) + "-" + std::to_string(i)));
    s.fields.emplace_back("tier", Value::Enum("Service.Tier", kTiers[pick(3)]));
    s.fields.emplace_back("resources", resources());
    s.fields.emplace_back("endpoint", endpoint(i));
    s.fields.emplace_back("tags", Value::List({Value::String("team-" + std::to_string(pick(20))),
                                               Value::String(pick(2) ? "prod" : "staging")}));
    s.fields.emplace_back("debug", Value::Bool(false));
    add("service" + std::to_string(i), std::move(s));
  }
  return cells;
}

// The one-field change: a Service's resources.threads.
void ChangeOneField(std::vector<CellUpdate>& cells, size_t at, int64_t bump) {
  for (size_t i = at; i < cells.size(); ++i) {
    Value& v = cells[i].value;
    if (v.kind == clive::runtime::ValueKind::kRecord && v.text == "Service") {
      v.fields[2].second.fields[1].second.number += bump;
      return;
    }
  }
  Fail("no Service cell to change");
}

std::string JsonPath(const std::string& address) {
  std::string path = address;
  for (char& c : path) c = c == '.' ? '/' : c;
  return path + ".json";
}

void WriteFile(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) Fail("cannot write " + path.string());
}

// Apparent bytes of the files below `dir`, and the disk blocks they take
// (a loose git object is a file of its own, so blocks matter).
struct Size {
  uint64_t bytes = 0, on_disk = 0;
};
Size SizeOf(const fs::path& path) {
  Size size;
  auto add = [&](const fs::path& file) {
    struct stat st {};
    if (stat(file.c_str(), &st) != 0) return;
    size.bytes += static_cast<uint64_t>(st.st_size);
    size.on_disk += static_cast<uint64_t>(st.st_blocks) * 512;
  };
  if (!fs::is_directory(path)) add(path);
  else for (const auto& e : fs::recursive_directory_iterator(path)) {
    if (e.is_regular_file()) add(e.path());
  }
  return size;
}

// Runs a command to completion; returns its peak RSS in KiB.
long Run(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid;
  if (posix_spawnp(&pid, argv[0], nullptr, nullptr, argv.data(), environ) != 0) Fail("cannot run " + args[0]);
  int status = 0;
  struct rusage usage {};
  if (wait4(pid, &status, 0, &usage) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    Fail(args[0] + " " + args[1] + " failed");
  }
  return usage.ru_maxrss;
}

struct Measured {
  double first = 0, one_changed = 0, full_recommit = 0;
  long peak_kib = 0;
  Size size;
};

// The clive side, in a child process so that its peak RSS is its own.
Measured MeasureClive(std::vector<CellUpdate>& cells, const fs::path& dir, bool durable) {
  int fds[2];
  if (pipe(fds) != 0) Fail("pipe");
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    clive::store::StoreOptions options;
    options.durable = durable;
    auto store = clive::store::Store::Open(dir, options);
    if (!store.ok()) Fail(store.status().message());
    auto commit = [&](const std::vector<CellUpdate>& batch) {
      auto result = clive::runtime::CommitCells(**store, batch);
      if (!result.ok()) Fail(result.status().message());
    };
    Measured m;
    m.first = Seconds([&] { commit(cells); });
    // The changed cell alone, as `clivec set` and the live engine commit it.
    size_t at = cells.size() / 2;
    ChangeOneField(cells, at, 1);
    while (cells[at].value.text != "Service") ++at;
    m.one_changed = Seconds([&] { commit({cells[at]}); });
    // Every cell handed in again, as `clivec run` does today: the unchanged
    // ones are found unchanged and write nothing.
    ChangeOneField(cells, cells.size() / 3, 1);
    m.full_recommit = Seconds([&] { commit(cells); });
    store->reset();  // closed, so that data.mdb is all on disk
    m.size = SizeOf(dir / "data.mdb");
    if (write(fds[1], &m, sizeof m) != sizeof m) _exit(1);
    _exit(0);
  }
  close(fds[1]);
  Measured m;
  if (read(fds[0], &m, sizeof m) != sizeof m) Fail("the clive side failed");
  close(fds[0]);
  int status = 0;
  struct rusage usage {};
  wait4(pid, &status, 0, &usage);
  m.peak_kib = usage.ru_maxrss;
  return m;
}

Measured MeasureGit(const std::vector<CellUpdate>& original, const fs::path& dir) {
  setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
  setenv("GIT_CONFIG_GLOBAL", "/dev/null", 1);
  setenv("GIT_AUTHOR_NAME", "bench", 1);
  setenv("GIT_AUTHOR_EMAIL", "bench@clive.invalid", 1);
  setenv("GIT_COMMITTER_NAME", "bench", 1);
  setenv("GIT_COMMITTER_EMAIL", "bench@clive.invalid", 1);
  // No automatic gc detached in the background of a timed commit; the size
  // after an explicit `git gc` is reported separately.
  setenv("GIT_CONFIG_COUNT", "1", 1);
  setenv("GIT_CONFIG_KEY_0", "gc.auto", 1);
  setenv("GIT_CONFIG_VALUE_0", "0", 1);
  const std::string d = dir.string();
  Run({"git", "init", "-q", d});
  std::vector<CellUpdate> cells = original;
  Measured m;
  auto write_json = [&](const CellUpdate& c) {
    WriteFile(dir / JsonPath(c.address), clive::runtime::ToJson(c.value).dump(2) + "\n");
  };
  m.first = Seconds([&] {
    for (const auto& c : cells) {
      fs::create_directories((dir / JsonPath(c.address)).parent_path());
      write_json(c);
    }
    m.peak_kib = std::max(m.peak_kib, Run({"git", "-C", d, "add", "-A"}));
    m.peak_kib = std::max(m.peak_kib, Run({"git", "-C", d, "commit", "-q", "-m", "first"}));
  });
  size_t at = cells.size() / 2;
  ChangeOneField(cells, at, 1);
  while (cells[at].value.text != "Service") ++at;
  m.one_changed = Seconds([&] {
    write_json(cells[at]);
    m.peak_kib = std::max(m.peak_kib, Run({"git", "-C", d, "add", JsonPath(cells[at].address)}));
    m.peak_kib = std::max(m.peak_kib, Run({"git", "-C", d, "commit", "-q", "-m", "one field"}));
  });
  at = cells.size() / 3;
  ChangeOneField(cells, at, 1);
  while (cells[at].value.text != "Service") ++at;
  m.full_recommit = Seconds([&] {
    write_json(cells[at]);
    m.peak_kib = std::max(m.peak_kib, Run({"git", "-C", d, "add", "-A"}));
    m.peak_kib = std::max(m.peak_kib, Run({"git", "-C", d, "commit", "-q", "-m", "one field, add -A"}));
  });
  m.size = SizeOf(dir / ".git");
  return m;
}

}  // namespace

int main(int argc, char** argv) {
  size_t target = 100000;
  fs::path dir;
  bool clive_only = false;  // for profiling the clive side
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--values" && i + 1 < argc) target = std::strtoul(argv[++i], nullptr, 10);
    else if (arg == "--dir" && i + 1 < argc) dir = argv[++i];
    else if (arg == "--clive-only") clive_only = true;
    else Fail("usage: persist-vs-git [--values N] [--dir DIR] [--clive-only]");
  }
  if (dir.empty()) {
    std::string pattern = (fs::temp_directory_path() / "persist-vs-git-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) Fail("mkdtemp");
    dir = pattern;
  }
  std::vector<CellUpdate> cells;
  size_t values = 0;
  int modules = 0;
  for (; values < target; ++modules) {
    for (auto& c : ModuleCells(modules)) {
      values += CountValues(c.value);
      cells.push_back(std::move(c));
    }
  }
  std::printf("model: %d modules, %zu cells, %zu values\n\n", modules, cells.size(), values);
  struct rusage self {};
  getrusage(RUSAGE_SELF, &self);
  const long baseline_kib = self.ru_maxrss;  // the values, before anything is persisted

  Measured durable = MeasureClive(cells, dir / "clive-durable", true);
  if (clive_only) {
    std::printf("clive: first %.3f s, one cell %.3f s, all cells %.3f s\n", durable.first, durable.one_changed,
                durable.full_recommit);
    fs::remove_all(dir);
    return 0;
  }
  Measured bulk = MeasureClive(cells, dir / "clive-bulk", false);
  Measured git = MeasureGit(cells, dir / "git");
  Run({"git", "-C", (dir / "git").string(), "gc", "-q"});
  Size git_gc = SizeOf(dir / "git" / ".git");

  auto row = [&](const char* what, double Measured::*field) {
    std::printf("%-44s %9.3f s %9.3f s %9.3f s %8.1fx %8.1fx\n", what, durable.*field, bulk.*field, git.*field,
                git.*field / durable.*field, git.*field / bulk.*field);
  };
  std::printf("%-44s %11s %11s %11s %9s %9s\n", "", "clive", "clive bulk", "git", "git/clive", "git/bulk");
  row("first commit (git: write JSON, add -A, commit)", &Measured::first);
  row("one field (clive: that cell; git: add file)", &Measured::one_changed);
  row("one field (clive: all cells; git: add -A)", &Measured::full_recommit);
  std::printf("%-44s %9.1f MB %9.1f MB %9.1f MB\n", "peak RSS", durable.peak_kib / 1024.0, bulk.peak_kib / 1024.0,
              git.peak_kib / 1024.0);
  std::printf("%-44s %9.1f MB\n", "  of which the generated values (clive)", baseline_kib / 1024.0);
  std::printf("%-44s %9.1f MB %9.1f MB %9.1f MB\n", "store size (data.mdb / .git files)", durable.size.bytes / 1e6,
              bulk.size.bytes / 1e6, git.size.bytes / 1e6);
  std::printf("%-44s %9.1f MB %9.1f MB %9.1f MB\n", "store size on disk (blocks)", durable.size.on_disk / 1e6,
              bulk.size.on_disk / 1e6, git.size.on_disk / 1e6);
  std::printf("%-44s %35.1f MB (%.1f MB on disk)\n", "git after `git gc`", git_gc.bytes / 1e6, git_gc.on_disk / 1e6);
  fs::remove_all(dir);
  return 0;
}
