#include "synthetic.h"

#include <algorithm>
#include <map>

#include "clive/compiler/dependencies.h"
#include "clive/compiler/jit.h"
#include "clive/runtime/evaluate.h"

namespace clive::runtime {
namespace fs = std::filesystem;

namespace {

constexpr const char* kCellPrefix = "__clive_synthetic_";

uint32_t EndOfText(const compiler::Program& program, const std::string& module_path) {
  const compiler::CheckedModule* module = program.Find(module_path);
  return module == nullptr ? 0 : static_cast<uint32_t>(module->file->text().size());
}

}  // namespace

void SyntheticEvaluation::Insert(const std::string& module_path, uint32_t offset, std::string text) {
  insertions_.push_back({module_path, offset, std::move(text)});
}

size_t SyntheticEvaluation::AddCell(const std::string& module_path, std::string type_text, std::string expr_text) {
  std::string name = kCellPrefix + std::to_string(requests_.size());
  std::string text = "\nval " + name + (type_text.empty() ? "" : ": " + type_text) + " = ";
  auto expr_offset = static_cast<uint32_t>(text.size());
  size_t expr_length = expr_text.size();
  text += expr_text + "\n";
  // UINT32_MAX: the end of the module's text, whatever its length.
  insertions_.push_back({module_path, UINT32_MAX, std::move(text)});
  requests_.push_back({module_path, std::move(name), insertions_.size() - 1, expr_offset, expr_length});
  return requests_.size() - 1;
}

Expected<SyntheticEvaluation::Result> SyntheticEvaluation::Evaluate(const Workspace& workspace,
                                                                    const compiler::Program& original) const {
  // The new texts, and where each insertion landed in them.
  compiler::SourceOverlay overlay;
  std::vector<uint32_t> landed(insertions_.size(), 0);
  std::map<std::string, std::vector<size_t>> by_module;
  for (size_t i = 0; i < insertions_.size(); ++i) by_module[insertions_[i].module_path].push_back(i);
  for (auto& [module_path, indices] : by_module) {
    const compiler::CheckedModule* module = original.Find(module_path);
    if (module == nullptr) return Status::NotFound("no module `" + module_path + "` in the program");
    const std::string& text = module->file->text();
    auto offset_of = [&](size_t i) { return std::min<uint32_t>(insertions_[i].offset, EndOfText(original, module_path)); };
    std::stable_sort(indices.begin(), indices.end(), [&](size_t a, size_t b) { return offset_of(a) < offset_of(b); });
    std::string out;
    uint32_t copied = 0;
    for (size_t i : indices) {
      out.append(text, copied, offset_of(i) - copied);
      copied = offset_of(i);
      landed[i] = static_cast<uint32_t>(out.size());
      out += insertions_[i].text;
    }
    out.append(text, copied);
    overlay[fs::path(module->file->path()).lexically_normal().string()] = std::move(out);
  }

  std::vector<compiler::ModuleRequest> modules;
  for (const ModuleFile& module : workspace.modules) modules.push_back({module.module_path, module.file});
  lang::DiagnosticSink sink;
  auto program = compiler::CheckProgram(modules, SearchPathFor(workspace), sink, overlay);
  if (!program.ok()) return program.status();
  Result result;
  result.program = std::move(*program);
  result.diagnostics = sink.diagnostics();
  const compiler::Program& checked = *result.program;
  for (const Request& request : requests_) {
    Result::Cell cell;
    cell.name = request.name;
    const compiler::CheckedModule* module = checked.Find(request.module_path);
    cell.file = module->file.get();
    uint32_t begin = landed[request.insertion] + request.expr_offset;
    cell.expr_range = {begin, begin + static_cast<uint32_t>(request.expr_length)};
    for (const compiler::Cell& c : module->cells) {
      if (c.name != request.name) continue;
      cell.type = c.type;
      cell.reads = c.reads;
    }
    result.cells.push_back(std::move(cell));
  }
  if (sink.has_errors() || requests_.empty()) return result;

  // Load the modules of the requested cells and those whose functions they
  // call, in import order, and run just those cells: they read no other
  // cell, so no other cell runs (and no other module is compiled).
  std::vector<bool> needed(checked.size(), false);
  for (const Request& request : requests_) {
    const compiler::CheckedModule* module = checked.Find(request.module_path);
    needed[module->id] = true;
    std::vector<compiler::CellDependencies> deps = compiler::AnalyzeDependencies(checked, *module);
    for (size_t c = 0; c < module->cells.size(); ++c) {
      if (module->cells[c].name != request.name) continue;
      for (compiler::ModuleId code : deps[c].code) needed[code] = true;
    }
  }
  auto jit = compiler::Jit::Create();
  if (!jit.ok()) return jit.status();
  std::map<compiler::ModuleId, std::unique_ptr<compiler::LoadedModule>> loaded;
  for (compiler::ModuleId id : checked.order()) {
    if (!needed[id] || !compiler::HasCode(checked, checked.module(id))) continue;
    lang::DiagnosticSink lowering;
    auto code = (*jit)->Load(checked, checked.module(id), /*cache_key=*/"", lowering);
    for (const auto& d : lowering.diagnostics()) result.diagnostics.push_back(d);
    if (!code.ok()) {
      if (lowering.has_errors()) return result;
      return code.status();
    }
    loaded[id] = std::move(*code);
  }
  abi::Context context;
  for (size_t r = 0; r < requests_.size(); ++r) {
    const compiler::CheckedModule* module = checked.Find(requests_[r].module_path);
    auto compiled = loaded[module->id]->Cell(requests_[r].name);
    if (!compiled.ok()) return compiled.status();
    context.ClearFailure();
    if (!compiled->evaluate(&context)) {
      result.diagnostics.push_back(RuntimeDiagnostic(checked, *context.failure()));
      continue;
    }
    result.cells[r].value = Extract(checked.types, result.cells[r].type, *compiled->slot);
  }
  return result;
}

}  // namespace clive::runtime
