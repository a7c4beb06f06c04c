// Interface hashes and object-cache keys (clive/compiler/jit.h).
//
// An importer's compiled code depends on more than the signatures of what it
// uses: field defaults of imported record types and the bodies of generic
// functions are lowered into the importer's own unit. So all of those are
// part of the interface, which is hashed from its canonical text.
#include <algorithm>
#include <string>

#include "clive/compiler/jit.h"
#include "clive/store/store.h"
#include "codegen_id.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/TargetParser/Host.h"

namespace clive::compiler {
namespace {

std::string Hash(const std::string& text) {
  auto id = store::HashObject(store::ObjectType::kBlob, text);
  return id.ok() ? id->Hex() : std::string();
}

class InterfaceText {
 public:
  InterfaceText(const Program& program, const CheckedModule& module)
      : types_(program.types), module_(module), source_(module.file->text()) {}

  std::string Build() {
    for (const auto& [name, type] : SortedTypes()) Type(name, type);
    for (const FunctionInfo& fn : module_.functions) Function(fn);
    for (const Cell& cell : module_.cells) out_ += "val " + std::string(cell.name) + ": " + types_.Name(cell.type) + "\n";
    return std::move(out_);
  }

 private:
  std::vector<std::pair<std::string, TypeId>> SortedTypes() const {
    std::vector<std::pair<std::string, TypeId>> types(module_.local_types.begin(), module_.local_types.end());
    std::sort(types.begin(), types.end());
    return types;
  }

  std::string_view Text(lang::ExprId expr) const {
    if (expr == lang::kNone) return {};
    lang::SourceRange r = module_.tree->exprs[expr].range;
    return source_.substr(r.begin, r.end - r.begin);
  }

  void Type(const std::string& name, TypeId type) {
    if (types_.Is(type, TypeKind::kEnum)) {
      out_ += "enum " + name;
      for (std::string_view c : types_.enum_type(type).cases) out_ += " " + std::string(c);
      out_ += "\n";
      return;
    }
    if (!types_.Is(type, TypeKind::kRecord)) return;
    const RecordType& record = types_.record(type);
    out_ += "type " + name + "\n";
    for (const RecordField& f : record.fields) {
      out_ += "  " + std::string(f.collect ? "@collect " : "") + std::string(f.name) + ": " + types_.Name(f.type);
      if (f.default_value != lang::kNone) out_ += " = " + std::string(Text(f.default_value));
      out_ += "\n";
    }
  }

  void Function(const FunctionInfo& fn) {
    out_ += "fn ";
    if (fn.receiver != TypeTable::kError) out_ += types_.Name(fn.receiver) + ".";
    out_ += std::string(fn.name) + "(";
    for (const FunctionParam& p : fn.params) {
      out_ += std::string(p.name) + ": " + types_.Name(p.type);
      if (p.default_value != lang::kNone) out_ += " = " + std::string(Text(p.default_value));
      out_ += ", ";
    }
    out_ += "): " + types_.Name(fn.result);
    // Generic bodies are instantiated in the callers' units.
    if (!fn.type_params.empty() || types_.IsGeneric(fn.result)) {
      lang::SourceRange r = module_.tree->fn_decls[fn.decl].range;
      out_ += " " + std::string(source_.substr(r.begin, r.end - r.begin));
    }
    out_ += "\n";
  }

  const TypeTable& types_;
  const CheckedModule& module_;
  std::string_view source_;
  std::string out_;
};

}  // namespace

std::string InterfaceHash(const Program& program, const CheckedModule& module,
                          const std::vector<std::string>& interfaces) {
  std::string text = InterfaceText(program, module).Build();
  // What this module's interface mentions may be defined by its imports.
  for (ModuleId import : module.imports) {
    if (import < interfaces.size()) text += "import " + program.module(import).path + " " + interfaces[import] + "\n";
  }
  return Hash(text);
}

std::string ObjectCacheKey(const CheckedModule& module, const std::string& import_interfaces) {
  std::string text = std::string("clive object\ncodegen ") + CLIVE_CODEGEN_ID + "\ntarget " +
                     llvm::sys::getProcessTriple() + " " + llvm::sys::getHostCPUName().str() + "\nmodule " +
                     module.path + "\n" + import_interfaces + "\nsource\n";
  text += module.file->text();
  return Hash(text);
}

}  // namespace clive::compiler
