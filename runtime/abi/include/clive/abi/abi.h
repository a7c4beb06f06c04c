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
// Compiled code may also point into its module's constant globals (string
// literals, records and lists whose parts are all constants); values are
// copied out of JIT memory before a module is unloaded.
//
// Runtime helpers that take a closure call its code with the same
// convention; they return false, having left the closure's failure in the
// Context, when a call fails. Helpers that order or compare values take an
// `int64_t (*)(uint64_t, uint64_t)` the compiled unit generates for the type:
// -1/0/1 for the order of map keys, 0/1 for equality.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace clive::abi {

enum class RuntimeError : uint32_t {
  kIntegerOverflow = 1,
  kDivisionByZero = 2,
  kIndexOutOfRange = 3,
  kUnresolvedRef = 4,  // a ref's `.value` read where no resolver is installed
  kRequirementFailed = 5,  // `require(condition, message)` with a false condition
};

struct Failure {
  RuntimeError error;
  uint32_t module = 0;  // the module whose source `begin`/`end` point into
  uint32_t begin = 0;   // byte range in that module's source
  uint32_t end = 0;
};
// Compiled code builds Failure constants as four i32s (clive_rt_fail_at).
static_assert(sizeof(Failure) == 16 && alignof(Failure) == 4);

// What clive_rt_to_string formats.
enum class Scalar : uint32_t { kInt = 0, kBool = 1, kSize = 2, kDuration = 3, kFloat = 4 };

// Follows a live reference: the word of the value of the cell at `address`
// ("a.b.name"), in the layout of the ref's target type, or nothing when it
// cannot be followed. The runtime installs one per evaluation (issue 6).
using RefResolver = std::function<std::optional<uint64_t>(std::string_view address)>;

// One evaluation's state: its memory and its first runtime failure.
class Context {
 public:
  Context() = default;
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  void* Allocate(size_t bytes);
  void Fail(Failure failure, std::string_view message = {}) {
    if (failure_) return;
    failure_ = failure;
    failure_message_ = message;
  }
  const std::optional<Failure>& failure() const { return failure_; }
  // What the program said about its failure (a failed `require`'s message).
  const std::string& failure_message() const { return failure_message_; }
  void ClearFailure() {
    failure_.reset();
    failure_message_.clear();
  }
  void SetRefResolver(RefResolver resolver) { ref_resolver_ = std::move(resolver); }
  const RefResolver& ref_resolver() const { return ref_resolver_; }

 private:
  static constexpr size_t kChunkBytes = 64 * 1024;
  std::vector<std::unique_ptr<uint64_t[]>> chunks_;
  size_t used_in_chunk_ = kChunkBytes;  // bytes; forces a first chunk
  size_t chunk_capacity_ = kChunkBytes;
  std::optional<Failure> failure_;
  std::string failure_message_;
  RefResolver ref_resolver_;
};

// Reads a string produced by compiled code.
std::string_view StringView(const void* clive_string);
// A new string in the Context's arena.
const void* NewString(Context* ctx, std::string_view text);
// `text` as a clive string literal: quoted, with `"`, `\`, `$` and control
// characters escaped.
std::string Quote(std::string_view text);
// A Float as interpolation shows it: the shortest text that reads back as
// the same double (`1.5`, `2.0`, `1.0E-7` style exponents as %g prints them).
std::string FormatFloat(double d);

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
// The `count` strings at `parts` joined (string interpolation).
const void* clive_rt_string_concat_n(clive::abi::Context* ctx, const void* const* parts, int64_t count);
int64_t clive_rt_string_equal(const void* a, const void* b);
int64_t clive_rt_string_compare(const void* a, const void* b);
// Records a runtime failure (a constant of the compiled code) in the Context.
void clive_rt_fail_at(clive::abi::Context* ctx, const clive::abi::Failure* failure);
// A failed `require`: fails with `failure` and the clive String `message`.
void clive_rt_require_failed(clive::abi::Context* ctx, const clive::abi::Failure* failure, const void* message);
// The text of a scalar (`Scalar` says which), as interpolation shows it.
const void* clive_rt_to_string(clive::abi::Context* ctx, uint32_t scalar, int64_t value);
// `a + b` for lists.
const void* clive_rt_list_concat(clive::abi::Context* ctx, const void* a, const void* b);

// A closure's code: i1 code(ctx, out, closure, arg) for one-argument closures.
using CliveClosureCode = bool (*)(clive::abi::Context*, uint64_t* out, const void* closure, uint64_t arg);
using CliveCompare = int64_t (*)(uint64_t, uint64_t);

// List.filter, List.map, List.any / List.all (`all` != 0): false when the
// closure failed; the result in `*out`.
bool clive_rt_list_filter(clive::abi::Context* ctx, uint64_t* out, const void* list, const void* closure);
bool clive_rt_list_map(clive::abi::Context* ctx, uint64_t* out, const void* list, const void* closure);
bool clive_rt_list_any(clive::abi::Context* ctx, uint64_t* out, const void* list, const void* closure, int64_t all);
// List.contains with the element type's equality.
int64_t clive_rt_list_contains(const void* list, uint64_t element, CliveCompare equal);

// A map from `entries` = {n, key, value, ...} in any order: sorted by `compare`,
// the last of equal keys winning.
const void* clive_rt_map_build(clive::abi::Context* ctx, const void* entries, CliveCompare compare);
// The slot holding the value of `key`, or null.
const uint64_t* clive_rt_map_find(const void* map, uint64_t key, CliveCompare compare);
// `a + b`: b's entries win on equal keys.
const void* clive_rt_map_plus(clive::abi::Context* ctx, const void* a, const void* b, CliveCompare compare);
// The keys (which == 0) or values (which == 1) as a list.
const void* clive_rt_map_column(clive::abi::Context* ctx, const void* map, int64_t which);

// Strings: the items of a List<String> joined by `separator`; ASCII upper
// (upper != 0) or lower case; startsWith (0), endsWith (1), contains (2);
// split around every `separator` (an empty separator splits into characters).
const void* clive_rt_string_join(clive::abi::Context* ctx, const void* list, const void* separator);
const void* clive_rt_string_case(clive::abi::Context* ctx, const void* s, int64_t upper);
int64_t clive_rt_string_test(const void* s, const void* t, int64_t test);
const void* clive_rt_string_split(clive::abi::Context* ctx, const void* s, const void* separator);
// The string as a clive string literal, quoted and escaped.
const void* clive_rt_quote(clive::abi::Context* ctx, const void* s);

// Reads a `ref<T>` (a String address) through the Context's resolver into
// `*out`; without a resolver, or when it finds nothing, fails the Context
// with kUnresolvedRef at the given source range and returns false.
bool clive_rt_ref_read(clive::abi::Context* ctx, const void* address, uint64_t* out, uint32_t module,
                       uint32_t begin, uint32_t end);
}
