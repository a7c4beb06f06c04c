// The ABI's list, map, string and ref helpers (abi.h).
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "clive/abi/abi.h"

using clive::abi::Context;
using clive::abi::NewString;
using clive::abi::StringView;

namespace {

// Lists and maps start with their length; items are 64-bit words.
int64_t Length(const void* object) {
  int64_t n;
  std::memcpy(&n, object, sizeof n);
  return n;
}
const uint64_t* Items(const void* object) { return static_cast<const uint64_t*>(object) + 1; }

uint64_t* NewWords(Context* ctx, int64_t length, size_t words_per_item = 1) {
  auto* out = static_cast<uint64_t*>(ctx->Allocate(8 * (1 + static_cast<size_t>(length) * words_per_item)));
  out[0] = static_cast<uint64_t>(length);
  return out;
}

bool Call(Context* ctx, const void* closure, uint64_t arg, uint64_t& result) {
  auto code = *static_cast<const CliveClosureCode*>(closure);
  return code(ctx, &result, closure, arg);
}

// Sorted, keys unique: the last of equal keys wins (stable sort, then keep
// the last of each run).
const void* SortedMap(Context* ctx, std::vector<std::pair<uint64_t, uint64_t>>& entries, CliveCompare compare) {
  std::stable_sort(entries.begin(), entries.end(),
                   [&](const auto& a, const auto& b) { return compare(a.first, b.first) < 0; });
  std::vector<std::pair<uint64_t, uint64_t>> unique;
  for (size_t i = 0; i < entries.size(); ++i) {
    if (i + 1 < entries.size() && compare(entries[i].first, entries[i + 1].first) == 0) continue;
    unique.push_back(entries[i]);
  }
  uint64_t* out = NewWords(ctx, static_cast<int64_t>(unique.size()), 2);
  for (size_t i = 0; i < unique.size(); ++i) {
    out[1 + 2 * i] = unique[i].first;
    out[2 + 2 * i] = unique[i].second;
  }
  return out;
}

void AppendEntries(const void* map, std::vector<std::pair<uint64_t, uint64_t>>& entries) {
  const uint64_t* kv = Items(map);
  for (int64_t i = 0; i < Length(map); ++i) entries.emplace_back(kv[2 * i], kv[2 * i + 1]);
}

}  // namespace

extern "C" {

bool clive_rt_list_filter(Context* ctx, uint64_t* out, const void* list, const void* closure) {
  std::vector<uint64_t> kept;
  for (int64_t i = 0; i < Length(list); ++i) {
    uint64_t keep = 0;
    if (!Call(ctx, closure, Items(list)[i], keep)) return false;
    if (keep) kept.push_back(Items(list)[i]);
  }
  uint64_t* result = NewWords(ctx, static_cast<int64_t>(kept.size()));
  std::copy(kept.begin(), kept.end(), result + 1);
  *out = reinterpret_cast<uint64_t>(result);
  return true;
}

bool clive_rt_list_map(Context* ctx, uint64_t* out, const void* list, const void* closure) {
  int64_t n = Length(list);
  uint64_t* result = NewWords(ctx, n);
  for (int64_t i = 0; i < n; ++i) {
    if (!Call(ctx, closure, Items(list)[i], result[1 + i])) return false;
  }
  *out = reinterpret_cast<uint64_t>(result);
  return true;
}

bool clive_rt_list_any(Context* ctx, uint64_t* out, const void* list, const void* closure, int64_t all) {
  // any: the first true decides; all: the first false decides.
  for (int64_t i = 0; i < Length(list); ++i) {
    uint64_t test = 0;
    if (!Call(ctx, closure, Items(list)[i], test)) return false;
    if ((test != 0) != (all != 0)) {
      *out = all ? 0 : 1;
      return true;
    }
  }
  *out = all ? 1 : 0;
  return true;
}

int64_t clive_rt_list_contains(const void* list, uint64_t element, CliveCompare equal) {
  for (int64_t i = 0; i < Length(list); ++i) {
    if (equal(Items(list)[i], element)) return 1;
  }
  return 0;
}

const void* clive_rt_map_build(Context* ctx, const void* entries, CliveCompare compare) {
  std::vector<std::pair<uint64_t, uint64_t>> pairs;
  AppendEntries(entries, pairs);
  return SortedMap(ctx, pairs, compare);
}

const uint64_t* clive_rt_map_find(const void* map, uint64_t key, CliveCompare compare) {
  const uint64_t* kv = Items(map);
  int64_t low = 0, high = Length(map);
  while (low < high) {
    int64_t mid = low + (high - low) / 2;
    int64_t c = compare(kv[2 * mid], key);
    if (c == 0) return &kv[2 * mid + 1];
    if (c < 0) {
      low = mid + 1;
    } else {
      high = mid;
    }
  }
  return nullptr;
}

const void* clive_rt_map_plus(Context* ctx, const void* a, const void* b, CliveCompare compare) {
  if (Length(b) == 0) return a;
  if (Length(a) == 0) return b;
  std::vector<std::pair<uint64_t, uint64_t>> pairs;
  AppendEntries(a, pairs);
  AppendEntries(b, pairs);
  return SortedMap(ctx, pairs, compare);
}

const void* clive_rt_map_column(Context* ctx, const void* map, int64_t which) {
  int64_t n = Length(map);
  uint64_t* out = NewWords(ctx, n);
  for (int64_t i = 0; i < n; ++i) out[1 + i] = Items(map)[2 * i + (which ? 1 : 0)];
  return out;
}

const void* clive_rt_string_join(Context* ctx, const void* list, const void* separator) {
  std::string text;
  for (int64_t i = 0; i < Length(list); ++i) {
    if (i) text += StringView(separator);
    text += StringView(reinterpret_cast<const void*>(Items(list)[i]));
  }
  return NewString(ctx, text);
}

const void* clive_rt_string_case(Context* ctx, const void* s, int64_t upper) {
  std::string text(StringView(s));
  for (char& c : text) {
    if (upper && c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (!upper && c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return NewString(ctx, text);
}

int64_t clive_rt_string_test(const void* s, const void* t, int64_t test) {
  std::string_view text = StringView(s), part = StringView(t);
  switch (test) {
    case 0: return text.starts_with(part);
    case 1: return text.ends_with(part);
    default: return text.find(part) != std::string_view::npos;
  }
}

const void* clive_rt_string_split(Context* ctx, const void* s, const void* separator) {
  std::string_view text = StringView(s), sep = StringView(separator);
  std::vector<const void*> parts;
  if (sep.empty()) {
    // Characters: UTF-8 sequences stay whole.
    for (size_t i = 0; i < text.size();) {
      size_t n = 1;
      while (i + n < text.size() && (static_cast<unsigned char>(text[i + n]) & 0xC0) == 0x80) ++n;
      parts.push_back(NewString(ctx, text.substr(i, n)));
      i += n;
    }
  } else {
    size_t start = 0;
    for (size_t at; (at = text.find(sep, start)) != std::string_view::npos; start = at + sep.size()) {
      parts.push_back(NewString(ctx, text.substr(start, at - start)));
    }
    parts.push_back(NewString(ctx, text.substr(start)));
  }
  uint64_t* out = NewWords(ctx, static_cast<int64_t>(parts.size()));
  for (size_t i = 0; i < parts.size(); ++i) out[1 + i] = reinterpret_cast<uint64_t>(parts[i]);
  return out;
}

const void* clive_rt_quote(Context* ctx, const void* s) { return NewString(ctx, clive::abi::Quote(StringView(s))); }

bool clive_rt_ref_read(Context* ctx, const void* address, uint64_t* out, uint32_t module, uint32_t begin,
                       uint32_t end) {
  if (ctx->ref_resolver()) {
    if (std::optional<uint64_t> word = ctx->ref_resolver()(StringView(address))) {
      *out = *word;
      return true;
    }
  }
  ctx->Fail({clive::abi::RuntimeError::kUnresolvedRef, module, begin, end});
  return false;
}

}  // extern "C"
