#include "clive/abi/abi.h"

#include <algorithm>
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

std::span<const Symbol> Symbols() {
  static const Symbol kSymbols[] = {
      {"clive_rt_alloc", reinterpret_cast<void*>(&clive_rt_alloc)},
      {"clive_rt_string_concat", reinterpret_cast<void*>(&clive_rt_string_concat)},
      {"clive_rt_string_equal", reinterpret_cast<void*>(&clive_rt_string_equal)},
      {"clive_rt_string_compare", reinterpret_cast<void*>(&clive_rt_string_compare)},
      {"clive_rt_fail", reinterpret_cast<void*>(&clive_rt_fail)},
  };
  return kSymbols;
}

}  // namespace clive::abi

using clive::abi::StringView;

extern "C" {

void* clive_rt_alloc(clive::abi::Context* ctx, uint64_t bytes) { return ctx->Allocate(bytes); }

const void* clive_rt_string_concat(clive::abi::Context* ctx, const void* a, const void* b) {
  std::string_view left = StringView(a), right = StringView(b);
  int64_t length = static_cast<int64_t>(left.size() + right.size());
  auto* out = static_cast<char*>(ctx->Allocate(sizeof(int64_t) + static_cast<size_t>(length)));
  std::memcpy(out, &length, sizeof length);
  std::memcpy(out + sizeof length, left.data(), left.size());
  std::memcpy(out + sizeof length + left.size(), right.data(), right.size());
  return out;
}

int64_t clive_rt_string_equal(const void* a, const void* b) { return StringView(a) == StringView(b); }

int64_t clive_rt_string_compare(const void* a, const void* b) {
  int c = StringView(a).compare(StringView(b));
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

void clive_rt_fail(clive::abi::Context* ctx, uint32_t error, uint32_t begin, uint32_t end) {
  ctx->Fail({static_cast<clive::abi::RuntimeError>(error), begin, end});
}

}  // extern "C"
