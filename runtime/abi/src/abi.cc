#include "clive/abi/abi.h"

#include <string>

#include "clive/lang/units.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace clive::abi {

void* Context::Allocate(size_t bytes) {
  bytes = (bytes + 7) & ~size_t{7};
  if (used_in_chunk_ + bytes > chunk_capacity_) {
    size_t capacity = std::max(kChunkBytes, bytes);
    chunks_.push_back(std::make_unique<uint64_t[]>(capacity / 8));
    chunk_capacity_ = capacity;
    used_in_chunk_ = 0;
  }
  auto* base = reinterpret_cast<std::byte*>(chunks_.back().get());
  void* result = base + used_in_chunk_;
  used_in_chunk_ += bytes;
  return result;
}

std::string_view StringView(const void* clive_string) {
  int64_t length;
  std::memcpy(&length, clive_string, sizeof length);
  return {static_cast<const char*>(clive_string) + sizeof(int64_t), static_cast<size_t>(length)};
}

const void* NewString(Context* ctx, std::string_view text) {
  int64_t length = static_cast<int64_t>(text.size());
  auto* out = static_cast<char*>(ctx->Allocate(sizeof(int64_t) + text.size()));
  std::memcpy(out, &length, sizeof length);
  std::memcpy(out + sizeof length, text.data(), text.size());
  return out;
}

std::string FormatFloat(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  // The shortest text that reads back as the same double, with a `.` or an
  // exponent so that it reads as a Float.
  char buffer[32];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buffer, sizeof buffer, "%.*g", precision, d);
    if (std::strtod(buffer, nullptr) == d) break;
  }
  std::string text = buffer;
  if (text.find_first_of(".eE") == std::string::npos) text += ".0";
  return text;
}

std::string Quote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '$': out += "\\$"; break;  // keeps interpolation literal
      case '\0': out += "\\0"; break;
      default: out += c;
    }
  }
  return out + "\"";
}

std::span<const Symbol> Symbols() {
  static const Symbol kSymbols[] = {
      {"clive_rt_alloc", reinterpret_cast<void*>(&clive_rt_alloc)},
      {"clive_rt_string_concat", reinterpret_cast<void*>(&clive_rt_string_concat)},
      {"clive_rt_string_concat_n", reinterpret_cast<void*>(&clive_rt_string_concat_n)},
      {"clive_rt_string_equal", reinterpret_cast<void*>(&clive_rt_string_equal)},
      {"clive_rt_string_compare", reinterpret_cast<void*>(&clive_rt_string_compare)},
      {"clive_rt_fail_at", reinterpret_cast<void*>(&clive_rt_fail_at)},
      {"clive_rt_require_failed", reinterpret_cast<void*>(&clive_rt_require_failed)},
      {"clive_rt_to_string", reinterpret_cast<void*>(&clive_rt_to_string)},
      {"clive_rt_list_concat", reinterpret_cast<void*>(&clive_rt_list_concat)},
      {"clive_rt_list_filter", reinterpret_cast<void*>(&clive_rt_list_filter)},
      {"clive_rt_list_map", reinterpret_cast<void*>(&clive_rt_list_map)},
      {"clive_rt_list_any", reinterpret_cast<void*>(&clive_rt_list_any)},
      {"clive_rt_list_contains", reinterpret_cast<void*>(&clive_rt_list_contains)},
      {"clive_rt_map_build", reinterpret_cast<void*>(&clive_rt_map_build)},
      {"clive_rt_map_find", reinterpret_cast<void*>(&clive_rt_map_find)},
      {"clive_rt_map_plus", reinterpret_cast<void*>(&clive_rt_map_plus)},
      {"clive_rt_map_column", reinterpret_cast<void*>(&clive_rt_map_column)},
      {"clive_rt_string_join", reinterpret_cast<void*>(&clive_rt_string_join)},
      {"clive_rt_string_case", reinterpret_cast<void*>(&clive_rt_string_case)},
      {"clive_rt_string_test", reinterpret_cast<void*>(&clive_rt_string_test)},
      {"clive_rt_string_split", reinterpret_cast<void*>(&clive_rt_string_split)},
      {"clive_rt_quote", reinterpret_cast<void*>(&clive_rt_quote)},
      {"clive_rt_ref_read", reinterpret_cast<void*>(&clive_rt_ref_read)},
  };
  return kSymbols;
}

}  // namespace clive::abi

using clive::abi::StringView;

using clive::abi::NewString;

extern "C" {

void* clive_rt_alloc(clive::abi::Context* ctx, uint64_t bytes) { return ctx->Allocate(bytes); }

const void* clive_rt_string_concat(clive::abi::Context* ctx, const void* a, const void* b) {
  std::string_view left = StringView(a), right = StringView(b);
  std::string joined;
  joined.reserve(left.size() + right.size());
  joined.append(left).append(right);
  return NewString(ctx, joined);
}

const void* clive_rt_string_concat_n(clive::abi::Context* ctx, const void* const* parts, int64_t count) {
  std::string joined;
  for (int64_t i = 0; i < count; ++i) joined.append(StringView(parts[i]));
  return NewString(ctx, joined);
}

int64_t clive_rt_string_equal(const void* a, const void* b) { return StringView(a) == StringView(b); }

int64_t clive_rt_string_compare(const void* a, const void* b) {
  int c = StringView(a).compare(StringView(b));
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

void clive_rt_fail_at(clive::abi::Context* ctx, const clive::abi::Failure* failure) { ctx->Fail(*failure); }

void clive_rt_require_failed(clive::abi::Context* ctx, const clive::abi::Failure* failure, const void* message) {
  ctx->Fail(*failure, StringView(message));
}

const void* clive_rt_to_string(clive::abi::Context* ctx, uint32_t scalar, int64_t value) {
  using clive::abi::Scalar;
  switch (static_cast<Scalar>(scalar)) {
    case Scalar::kBool: return NewString(ctx, value ? "true" : "false");
    case Scalar::kSize: return NewString(ctx, clive::lang::FormatQuantity(clive::lang::Quantity::kSize, value));
    case Scalar::kDuration:
      return NewString(ctx, clive::lang::FormatQuantity(clive::lang::Quantity::kDuration, value));
    case Scalar::kFloat: return NewString(ctx, clive::abi::FormatFloat(std::bit_cast<double>(value)));
    case Scalar::kInt: break;
  }
  return NewString(ctx, std::to_string(value));
}

const void* clive_rt_list_concat(clive::abi::Context* ctx, const void* a, const void* b) {
  int64_t na, nb;
  std::memcpy(&na, a, sizeof na);
  std::memcpy(&nb, b, sizeof nb);
  int64_t n = na + nb;
  auto* out = static_cast<char*>(ctx->Allocate(sizeof(int64_t) * static_cast<size_t>(1 + n)));
  std::memcpy(out, &n, sizeof n);
  std::memcpy(out + 8, static_cast<const char*>(a) + 8, static_cast<size_t>(na) * 8);
  std::memcpy(out + 8 + static_cast<size_t>(na) * 8, static_cast<const char*>(b) + 8, static_cast<size_t>(nb) * 8);
  return out;
}

}  // extern "C"
