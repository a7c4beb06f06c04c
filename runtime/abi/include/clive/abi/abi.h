// The runtime ABI shared by JIT-compiled code and the C++ runtime.
//
// Value representation in compiled code (every value fits one 64-bit slot):
//   Int, Size (bytes), Bool (0/1)  -> i64
//   String                          -> pointer to {i64 length; char bytes[length]}
//   record                          -> pointer to an array of 8-byte slots, one
//                                      per field in declaration order
//   List<T>                         -> pointer to {i64 length; i64 items[length]}
//   enum                            -> i64 case index
//   T? with T a pointer above       -> the pointer, or null
//   T? with T an i64 above          -> pointer to an 8-byte box, or null
//   Float                           -> i64 holding the IEEE double's bits
//   Path                            -> as String (the path's text)
//   Map<K, V>                       -> pointer to {i64 length; i64 kv[2*length]}:
//                                      key, value, key, value..., sorted by key
//                                      (Int/Size/Duration/enum numerically,
//                                      Float numerically, String/Path bytewise,
//                                      Bool false<true), keys unique
//   function value (lambda)         -> pointer to a closure {ptr code; i64
//                                      captures[]}; code has the signature
//                                      i1(ptr ctx, ptr out, ptr closure, args...)
//   ref<T>                          -> pointer to a String holding the address
//                                      of the referenced cell ("a.b.name")
// Everything a cell allocates lives in the evaluation's Context arena.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace clive::abi {

enum class RuntimeError : uint32_t {
  kIntegerOverflow = 1,
  kDivisionByZero = 2,
  kIndexOutOfRange = 3,
};

struct Failure {
  RuntimeError error;
  uint32_t module = 0;  // the module whose source `begin`/`end` point into
  uint32_t begin = 0;   // byte range in that module's source
  uint32_t end = 0;
};

// What clive_rt_to_string formats.
enum class Scalar : uint32_t { kInt = 0, kBool = 1, kSize = 2, kDuration = 3 };

// One evaluation's state: its memory and its first runtime failure.
class Context {
 public:
  Context() = default;
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  void* Allocate(size_t bytes);
  void Fail(Failure failure) {
    if (!failure_) failure_ = failure;
  }
  const std::optional<Failure>& failure() const { return failure_; }
  void ClearFailure() { failure_.reset(); }

 private:
  static constexpr size_t kChunkBytes = 64 * 1024;
  std::vector<std::unique_ptr<uint64_t[]>> chunks_;
  size_t used_in_chunk_ = kChunkBytes;  // bytes; forces a first chunk
  size_t chunk_capacity_ = kChunkBytes;
  std::optional<Failure> failure_;
};

// Reads a string produced by compiled code.
std::string_view StringView(const void* clive_string);

struct Symbol {
  const char* name;
  void* address;
};
// Every ABI entry point, for the JIT to define as absolute symbols (no
// dependence on the executable exporting its symbols).
std::span<const Symbol> Symbols();

}  // namespace clive::abi

// The entry points, with C linkage so lowering can declare them by name.
extern "C" {
void* clive_rt_alloc(clive::abi::Context* ctx, uint64_t bytes);
const void* clive_rt_string_concat(clive::abi::Context* ctx, const void* a, const void* b);
int64_t clive_rt_string_equal(const void* a, const void* b);
int64_t clive_rt_string_compare(const void* a, const void* b);
void clive_rt_fail(clive::abi::Context* ctx, uint32_t error, uint32_t module, uint32_t begin,
                   uint32_t end);
// The text of a scalar (`Scalar` says which), as interpolation shows it.
const void* clive_rt_to_string(clive::abi::Context* ctx, uint32_t scalar, int64_t value);
// `a + b` for lists.
const void* clive_rt_list_concat(clive::abi::Context* ctx, const void* a, const void* b);
}
