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
      : program_(program), types_(program.types), module_(module), source_(module.file->text()) {}

  bool has_generic_bodies() const { return has_generic_bodies_; }

  std::string Build() {
    for (const auto& [name, type] : SortedTypes()) Type(name, type);
    for (const FunctionInfo& fn : module_.functions) Function(fn);
    for (const Cell& cell : module_.cells) out_ += "val " + std::string(cell.name) + ": " + TypeText(cell.type) + "\n";
    // The layouts of other modules' types this interface mentions: an
    // importer's code depends on them without importing their modules.
    for (size_t i = 0; i < foreign_.size(); ++i) Type(types_.Name(foreign_[i]), foreign_[i]);
    return std::move(out_);
  }

 private:
  std::vector<std::pair<std::string, TypeId>> SortedTypes() const {
    std::vector<std::pair<std::string, TypeId>> types(module_.local_types.begin(), module_.local_types.end());
    std::sort(types.begin(), types.end());
    return types;
  }

  std::string_view Text(lang::ExprId expr, const CheckedModule& in) const {
    if (expr == lang::kNone) return {};
    lang::SourceRange r = in.tree->exprs[expr].range;
    return std::string_view(in.file->text()).substr(r.begin, r.end - r.begin);
  }

  // A type's name; a record or enum of another module is also queued for
  // its layout to be written out.
  std::string TypeText(TypeId type) {
    switch (types_.kind(type)) {
      case TypeKind::kRecord:
      case TypeKind::kEnum: {
        ModuleId owner = types_.Is(type, TypeKind::kRecord) ? types_.record(type).module : types_.enum_type(type).module;
        if (owner != module_.id && std::find(foreign_.begin(), foreign_.end(), type) == foreign_.end()) {
          foreign_.push_back(type);
        }
        return program_.module(owner).path + ":" + types_.Name(type);
      }
      case TypeKind::kList:
      case TypeKind::kOptional:
      case TypeKind::kRef: TypeText(types_.element(type)); break;
      case TypeKind::kMap:
        TypeText(types_.key(type));
        TypeText(types_.value(type));
        break;
      case TypeKind::kFunction:
        for (TypeId p : types_.params(type)) TypeText(p);
        TypeText(types_.result(type));
        break;
      default: break;
    }
    return types_.Name(type);
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
      out_ += "  " + std::string(f.collect ? "@collect " : "") + std::string(f.name) + ": " + TypeText(f.type);
      if (f.default_value != lang::kNone) out_ += " = " + std::string(Text(f.default_value, program_.module(record.module)));
      out_ += "\n";
    }
  }

  void Function(const FunctionInfo& fn) {
    out_ += "fn ";
    if (fn.receiver != TypeTable::kError) out_ += TypeText(fn.receiver) + ".";
    out_ += std::string(fn.name) + "(";
    for (const FunctionParam& p : fn.params) {
      out_ += std::string(p.name) + ": " + TypeText(p.type);
      if (p.default_value != lang::kNone) out_ += " = " + std::string(Text(p.default_value, module_));
      out_ += ", ";
    }
    out_ += "): " + TypeText(fn.result);
    // Generic bodies are instantiated in the callers' units.
    if (!fn.builtin && (!fn.type_params.empty() || types_.IsGeneric(fn.result))) {
      lang::SourceRange r = module_.tree->fn_decls[fn.decl].range;
      out_ += " " + std::string(source_.substr(r.begin, r.end - r.begin));
      has_generic_bodies_ = true;
    }
    out_ += "\n";
  }

  const Program& program_;
  const TypeTable& types_;
  const CheckedModule& module_;
  std::string_view source_;
  std::string out_;
  std::vector<TypeId> foreign_;  // other modules' types mentioned, in first-mention order
  bool has_generic_bodies_ = false;
};

}  // namespace

std::string InterfaceHash(const Program& program, const CheckedModule& module,
                          const std::vector<std::string>& interfaces) {
  InterfaceText builder(program, module);
  std::string text = builder.Build();
  // A generic body is compiled in its callers' units, where it may use
  // anything this module imports: then the imports' interfaces are part of
  // this one. Otherwise importers of this module depend only on what the text
  // above spells out, which is what keeps invalidation to direct importers.
  if (builder.has_generic_bodies()) {
    for (ModuleId import : module.imports) {
      if (import < interfaces.size()) text += "import " + program.module(import).path + " " + interfaces[import] + "\n";
    }
  }
  return Hash(text);
}

std::string HostTarget() { return llvm::sys::getProcessTriple() + " " + llvm::sys::getHostCPUName().str(); }

std::string ObjectCacheKey(const std::string& target, const CheckedModule& module,
                           const std::string& import_interfaces) {
  std::string text = std::string("clive object\ncodegen ") + CLIVE_CODEGEN_ID + "\ntarget " + target +
                     "\nmodule " + module.path + "\n" + import_interfaces + "\nsource\n";
  text += module.file->text();
  return Hash(text);
}

}  // namespace clive::compiler
