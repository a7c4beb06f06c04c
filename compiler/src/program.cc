// Loading a program: finding modules on the search path, resolving imports,
// ordering modules so that each comes after its imports (cycles are errors),
// then checking them in that order.
#include <algorithm>
#include <functional>
#include <unordered_map>

#include "clive/compiler/checker.h"
#include "clive/lang/parser.h"
#include "module_checker.h"
#include "suggest.h"

namespace clive::compiler {
namespace fs = std::filesystem;

const CheckedModule* Program::Find(std::string_view path) const {
  for (const auto& m : modules_) {
    if (m->path == path) return m.get();
  }
  return nullptr;
}

class ProgramLoader {
 public:
  ProgramLoader(Program& program, const SearchPath& search, lang::DiagnosticSink& sink,
                const SourceOverlay* overlay = nullptr, ParseCache* cache = nullptr)
      : program_(program), search_(search), sink_(sink), overlay_(overlay), cache_(cache) {}

  // The text of `file`: its overlay entry, else its content on disk.
  Expected<lang::SourceFile> Read(const fs::path& file) const {
    if (const std::string* text = Overlaid(file)) return lang::SourceFile(file.string(), *text);
    return lang::SourceFile::Read(file);
  }

  ModuleId Add(std::string path, std::unique_ptr<lang::SourceFile> file) {
    auto module = std::make_unique<CheckedModule>();
    module->id = static_cast<ModuleId>(program_.modules_.size());
    module->path = std::move(path);
    std::optional<ParseCache::Parsed> parsed;
    if (cache_ != nullptr) parsed = cache_->Take(file->path(), file->text());
    if (parsed) {
      module->file = std::move(parsed->file);
      module->tree = std::move(parsed->tree);
      module->parsed_cleanly = true;
    } else {
      module->file = std::move(file);
      size_t errors = sink_.error_count();
      module->tree = lang::Parse(*module->file, sink_);
      module->parsed_cleanly = sink_.error_count() == errors;
    }
    by_path_[module->path] = module->id;
    program_.modules_.push_back(std::move(module));
    resolved_.emplace_back();
    state_.push_back(State::kNew);
    return program_.modules_.back()->id;
  }

  // Replaces module `id` with `text` and checks it again, with every other
  // module as it is (see RecheckModule in checker.h).
  void Recheck(ModuleId id, std::string text) {
    for (const auto& m : program_.modules_) by_path_.emplace(m->path, m->id);
    resolved_.resize(program_.modules_.size());
    state_.assign(program_.modules_.size(), State::kDone);
    if (auto it = by_path_.find(kPrelude); it != by_path_.end()) prelude_ = it->second;
    auto module = std::make_unique<CheckedModule>();
    module->id = id;
    module->path = program_.modules_[id]->path;
    module->file = std::make_unique<lang::SourceFile>(program_.modules_[id]->file->path(), std::move(text));
    size_t errors = sink_.error_count();
    module->tree = lang::Parse(*module->file, sink_);
    module->parsed_cleanly = sink_.error_count() == errors;
    program_.modules_[id] = std::move(module);
    std::vector<ModuleId>& order = program_.order_;
    order.erase(std::remove(order.begin(), order.end(), id), order.end());
    size_t first_unchecked = order.size();
    state_[id] = State::kNew;
    Visit(id);  // loads what the new text imports for the first time
    ModuleChecker::ModuleIndex modules;
    for (const auto& m : program_.modules_) modules.emplace(m->path, m->id);
    for (size_t i = first_unchecked; i < order.size(); ++i) {
      ModuleChecker(program_, *program_.modules_[order[i]], sink_, &modules).Run(resolved_[order[i]], prelude_);
    }
  }

  // Orders every loaded module (loading what they import), then checks them.
  void CheckAll() {
    // The prelude comes first: every module sees its names.
    prelude_ = Module(kPrelude);
    if (prelude_) Visit(*prelude_);
    for (ModuleId id = 0; id < program_.modules_.size(); ++id) Visit(id);
    // Every module is loaded by now. First of each path wins, as in
    // Program::Find.
    ModuleChecker::ModuleIndex modules;
    for (const auto& m : program_.modules_) modules.emplace(m->path, m->id);
    for (ModuleId id : program_.order_) {
      ModuleChecker(program_, *program_.modules_[id], sink_, &modules).Run(resolved_[id], prelude_);
    }
  }

 private:
  enum class State : uint8_t { kNew, kVisiting, kDone };
  static constexpr const char* kPrelude = "clive.prelude";
  std::optional<ModuleId> prelude_;

  // The file of module `path` in the first search root that has it.
  std::optional<fs::path> FindFile(std::string_view path) const {
    fs::path relative;
    size_t start = 0;
    while (start <= path.size()) {
      size_t dot = path.find('.', start);
      relative /= std::string(path.substr(start, dot == std::string_view::npos ? dot : dot - start));
      if (dot == std::string_view::npos) break;
      start = dot + 1;
    }
    for (const fs::path& root : search_.roots) {
      std::error_code ec;
      fs::path candidate = root / relative / "clive.cl";
      if (Overlaid(candidate) != nullptr || fs::is_regular_file(candidate, ec)) return candidate;
    }
    return std::nullopt;
  }

  // The module `path`, loading it from the search path if needed.
  std::optional<ModuleId> Module(const std::string& path) {
    if (auto it = by_path_.find(path); it != by_path_.end()) return it->second;
    if (path.empty()) return std::nullopt;
    std::optional<fs::path> file = FindFile(path);
    if (!file) return std::nullopt;
    auto source = Read(*file);
    if (!source.ok()) return std::nullopt;
    return Add(path, std::make_unique<lang::SourceFile>(std::move(*source)));
  }

  static std::string Join(const std::vector<std::string_view>& parts, size_t count) {
    std::string out;
    for (size_t i = 0; i < count; ++i) out += (i ? "." : "") + std::string(parts[i]);
    return out;
  }

  void Visit(ModuleId id) {
    if (state_[id] != State::kNew) return;
    state_[id] = State::kVisiting;
    stack_.push_back(id);
    const lang::SyntaxTree& tree = *program_.modules_[id]->tree;
    const lang::SourceFile& file = *program_.modules_[id]->file;
    resolved_[id].resize(tree.imports.size());
    for (size_t i = 0; i < tree.imports.size(); ++i) {
      const lang::ImportDecl& decl = tree.imports[i];
      if (decl.path.empty()) continue;  // a syntax error, already reported
      ModuleChecker::ResolvedImport result;
      std::string full = Join(decl.path, decl.path.size());
      std::optional<ModuleId> parent;
      if (decl.path.size() > 1 && decl.names.empty()) parent = Module(Join(decl.path, decl.path.size() - 1));
      if (auto m = Module(full)) {
        result = {*m, true, {}};
        // `a.b.c` must not mean both the module a/b/c and the name c of a/b.
        if (parent && ExportsName(*parent, decl.path.back())) {
          ReportAmbiguous(file, decl, full, *parent);
          continue;
        }
      } else if (parent) {
        result = {*parent, true, decl.path.back()};
      }
      if (!result.resolved) {
        ReportUnknownImport(file, decl, full);
        continue;
      }
      if (result.module == id || state_[result.module] == State::kVisiting) {
        ReportCycle(file, decl, result.module);
        continue;
      }
      Visit(result.module);
      resolved_[id][i] = result;
    }
    stack_.pop_back();
    state_[id] = State::kDone;
    program_.order_.push_back(id);
  }

  void ReportUnknownImport(const lang::SourceFile& file, const lang::ImportDecl& decl, const std::string& full) {
    lang::Diagnostic d{lang::Severity::kError, codes::kUnknownImport, &file, decl.range,
                       "cannot find module " + ("`" + full + "`"), {}};
    std::vector<std::string_view> known;
    for (const auto& [path, id] : by_path_) {
      if (!path.empty()) known.push_back(path);
    }
    if (auto match = ClosestMatch(full, known); !match.empty()) {
      d.message += "; did you mean `" + std::string(match) + "`?";
    }
    std::string searched;
    for (const fs::path& root : search_.roots) searched += (searched.empty() ? "" : ", ") + root.string();
    d.notes.push_back({nullptr, {}, "looked for " + full + " as a module (a/b/c/clive.cl) and as a name exported by its parent, in: " +
                                        (searched.empty() ? std::string("(no search roots)") : searched)});
    sink_.Report(std::move(d));
  }

  // Whether module `id` declares a top-level `name` (from its syntax tree: it
  // is not checked yet).
  bool ExportsName(ModuleId id, std::string_view name) const {
    const lang::SyntaxTree& tree = *program_.modules_[id]->tree;
    for (const auto& v : tree.vals) {
      if (v.name == name) return true;
    }
    for (lang::TypeDeclId t : tree.top_types) {
      if (tree.type_decls[t].name == name) return true;
    }
    for (uint32_t e : tree.top_enums) {
      if (tree.enum_decls[e].name == name) return true;
    }
    for (uint32_t f : tree.top_fns) {
      if (tree.fn_decls[f].name == name) return true;
    }
    return false;
  }

  void ReportAmbiguous(const lang::SourceFile& file, const lang::ImportDecl& decl, const std::string& full,
                       ModuleId parent) {
    const CheckedModule& p = *program_.modules_[parent];
    lang::Diagnostic d{lang::Severity::kError, codes::kAmbiguousImport, &file, decl.range,
                       "ambiguous import `" + full + "`: it names both module `" + full + "` and `" +
                           std::string(decl.path.back()) + "` declared in module `" + p.path + "`",
                       {}};
    d.notes.push_back({nullptr, {}, "import one of them explicitly: `import " + p.path + ".{" +
                                        std::string(decl.path.back()) + "}` names the declaration"});
    sink_.Report(std::move(d));
  }

  void ReportCycle(const lang::SourceFile& file, const lang::ImportDecl& decl, ModuleId target) {
    std::string chain;
    auto start = std::find(stack_.begin(), stack_.end(), target);
    for (auto it = start; it != stack_.end(); ++it) chain += Name(*it) + " -> ";
    chain += Name(target);
    sink_.Error(codes::kImportCycle, file, decl.range, "import cycle: " + chain);
  }

  const std::string* Overlaid(const fs::path& file) const {
    if (overlay_ == nullptr || overlay_->empty()) return nullptr;
    auto it = overlay_->find(file.lexically_normal().string());
    return it == overlay_->end() ? nullptr : &it->second;
  }

  std::string Name(ModuleId id) const {
    const std::string& path = program_.modules_[id]->path;
    return path.empty() ? "(root)" : path;
  }

  Program& program_;
  const SearchPath& search_;
  lang::DiagnosticSink& sink_;
  const SourceOverlay* overlay_;
  std::unordered_map<std::string, ModuleId> by_path_;
  std::vector<std::vector<ModuleChecker::ResolvedImport>> resolved_;
  std::vector<State> state_;
  std::vector<ModuleId> stack_;
  ParseCache* cache_;
};

void ParseCache::Keep(Program& program) {
  for (ModuleId id = 0; id < program.size(); ++id) {
    CheckedModule& m = program.module(id);
    if (!m.parsed_cleanly || m.file == nullptr || m.tree == nullptr) continue;
    std::string path = m.file->path();
    parsed_[path] = Parsed{std::move(m.file), std::move(m.tree)};
  }
}

std::optional<ParseCache::Parsed> ParseCache::Take(const std::string& file_path, std::string_view text) {
  auto it = parsed_.find(file_path);
  if (it == parsed_.end()) return std::nullopt;
  std::optional<Parsed> result;
  if (it->second.file->text() == text) result = std::move(it->second);
  parsed_.erase(it);
  return result;
}

Expected<std::unique_ptr<Program>> CheckProgram(const std::vector<ModuleRequest>& requests,
                                                const SearchPath& search, lang::DiagnosticSink& sink) {
  return CheckProgram(requests, search, sink, SourceOverlay{});
}

Expected<std::unique_ptr<Program>> CheckProgram(const std::vector<ModuleRequest>& requests,
                                                const SearchPath& search, lang::DiagnosticSink& sink,
                                                const SourceOverlay& overlay) {
  return CheckProgram(requests, search, sink, overlay, nullptr);
}

Expected<std::unique_ptr<Program>> CheckProgram(const std::vector<ModuleRequest>& requests,
                                                const SearchPath& search, lang::DiagnosticSink& sink,
                                                const SourceOverlay& overlay, ParseCache* cache) {
  auto program = std::make_unique<Program>();
  ProgramLoader loader(*program, search, sink, &overlay, cache);
  for (const ModuleRequest& request : requests) {
    auto source = loader.Read(request.file);
    if (!source.ok()) return source.status();
    loader.Add(request.path, std::make_unique<lang::SourceFile>(std::move(*source)));
  }
  loader.CheckAll();
  return program;
}

void RecheckModule(Program& program, ModuleId id, std::string text, const SearchPath& search,
                   lang::DiagnosticSink& sink, const SourceOverlay& overlay) {
  ProgramLoader loader(program, search, sink, &overlay);
  loader.Recheck(id, std::move(text));
}

std::unique_ptr<Program> CheckSource(std::string display_path, std::string text, lang::DiagnosticSink& sink,
                                     const SearchPath& search) {
  auto program = std::make_unique<Program>();
  ProgramLoader loader(*program, search, sink);
  loader.Add("", std::make_unique<lang::SourceFile>(std::move(display_path), std::move(text)));
  loader.CheckAll();
  return program;
}

}  // namespace clive::compiler
