#include "clive/runtime/evaluate.h"

#include <bit>
#include <cstring>

#include "clive/abi/abi.h"
#include "clive/runtime/error_codes.h"
#include "clive/runtime/materialize.h"

namespace clive::runtime {

using compiler::TypeKind;
using compiler::TypeTable;

Value Extract(const TypeTable& types, compiler::TypeId type, uint64_t slot) {
  switch (types.kind(type)) {
    case TypeKind::kInt: return Value::Int(static_cast<int64_t>(slot));
    case TypeKind::kBool: return Value::Bool(slot != 0);
    case TypeKind::kSize: return Value::Size(static_cast<int64_t>(slot));
    case TypeKind::kDuration: return Value::Duration(static_cast<int64_t>(slot));
    case TypeKind::kFloat: return Value::Float(std::bit_cast<double>(slot));
    case TypeKind::kString:
      return Value::String(std::string(abi::StringView(reinterpret_cast<const void*>(slot))));
    case TypeKind::kPath: return Value::Path(std::string(abi::StringView(reinterpret_cast<const void*>(slot))));
    case TypeKind::kRef: return Value::Ref(std::string(abi::StringView(reinterpret_cast<const void*>(slot))));
    case TypeKind::kRecord: {
      const compiler::RecordType& record = types.record(type);
      Value v = Value::Record(record.name);
      const auto* fields = reinterpret_cast<const uint64_t*>(slot);
      for (size_t f = 0; f < record.fields.size(); ++f) {
        v.fields.emplace_back(std::string(record.fields[f].name),
                              Extract(types, record.fields[f].type, fields[f]));
      }
      return v;
    }
    case TypeKind::kList: {
      const auto* list = reinterpret_cast<const uint64_t*>(slot);
      std::vector<Value> items;
      for (uint64_t i = 0; i < list[0]; ++i) items.push_back(Extract(types, types.element(type), list[i + 1]));
      return Value::List(std::move(items));
    }
    case TypeKind::kMap: {
      const auto* map = reinterpret_cast<const uint64_t*>(slot);
      std::vector<std::pair<Value, Value>> entries;
      for (uint64_t i = 0; i < map[0]; ++i) {
        entries.emplace_back(Extract(types, types.key(type), map[1 + 2 * i]),
                             Extract(types, types.value(type), map[2 + 2 * i]));
      }
      return Value::Map(std::move(entries));
    }
    case TypeKind::kOptional: {
      if (slot == 0) return Value::Null();
      compiler::TypeId inner = types.element(type);
      // A word-sized value sits in a box; a pointer is its own optional.
      return Extract(types, inner, IsBoxedWhenOptional(types, inner) ? *reinterpret_cast<const uint64_t*>(slot) : slot);
    }
    case TypeKind::kNull: return Value::Null();
    case TypeKind::kEnum: {
      const compiler::EnumType& type_info = types.enum_type(type);
      return Value::Enum(type_info.name, std::string(type_info.cases[slot]));
    }
    case TypeKind::kFunction:  // cells of function type are not values of the store
    case TypeKind::kError:
    case TypeKind::kTypeParam: break;
  }
  return Value::Null();
}

lang::Diagnostic RuntimeDiagnostic(const compiler::Program& program, const compiler::CheckedModule& module,
                                   const compiler::Cell& cell, const abi::Failure& failure,
                                   std::string_view detail) {
  lang::Diagnostic d = RuntimeDiagnostic(program, failure, detail);
  d.notes.push_back({module.file.get(), cell.name_range, "while evaluating `" + std::string(cell.name) + "`"});
  return d;
}

lang::Diagnostic RuntimeDiagnostic(const compiler::Program& program, const abi::Failure& failure,
                                   std::string_view detail) {
  // The failing expression may sit in a function of another module.
  const lang::SourceFile* file = program.module(failure.module).file.get();
  std::string message;
  const char* code = codes::kIntegerOverflow;
  switch (failure.error) {
    case abi::RuntimeError::kIntegerOverflow:
      message = "integer overflow: the result does not fit in 64 bits";
      break;
    case abi::RuntimeError::kDivisionByZero:
      code = codes::kDivisionByZero;
      message = "division by zero";
      break;
    case abi::RuntimeError::kIndexOutOfRange:
      code = codes::kIndexOutOfRange;
      message = "list index out of range";
      break;
    case abi::RuntimeError::kUnresolvedRef:
      code = codes::kUnresolvedRef;
      message = "cannot follow this live reference";
      break;
    case abi::RuntimeError::kRequirementFailed:
      code = codes::kRequirementFailed;
      message = "requirement failed: " + std::string(detail);
      break;
  }
  return {lang::Severity::kError, code, file, {failure.begin, failure.end}, message, {}};
}

}  // namespace clive::runtime
