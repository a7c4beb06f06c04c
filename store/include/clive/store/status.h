// Status and Expected<T>: LevelDB-style error returns used by every layer.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace clive {

class Status {
 public:
  enum class Code {
    kOk = 0,
    kNotFound,
    kInvalidArgument,
    kCorruption,
    kIOError,
    kRefChanged,  // compare-and-swap on a ref lost: the ref moved.
    kPermissionDenied,
    kEvaluationError,
    kInternal,
  };

  Status() = default;
  static Status Ok() { return Status(); }
  static Status NotFound(std::string msg) { return Status(Code::kNotFound, std::move(msg)); }
  static Status InvalidArgument(std::string msg) {
    return Status(Code::kInvalidArgument, std::move(msg));
  }
  static Status Corruption(std::string msg) { return Status(Code::kCorruption, std::move(msg)); }
  static Status IOError(std::string msg) { return Status(Code::kIOError, std::move(msg)); }
  static Status RefChanged(std::string msg) { return Status(Code::kRefChanged, std::move(msg)); }
  static Status PermissionDenied(std::string msg) {
    return Status(Code::kPermissionDenied, std::move(msg));
  }
  static Status EvaluationError(std::string msg) {
    return Status(Code::kEvaluationError, std::move(msg));
  }
  static Status Internal(std::string msg) { return Status(Code::kInternal, std::move(msg)); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  bool IsNotFound() const { return code_ == Code::kNotFound; }
  bool IsRefChanged() const { return code_ == Code::kRefChanged; }
  const std::string& message() const { return message_; }
  // "ok", or the message alone: callers add their own context prefix.
  std::string ToString() const { return ok() ? "ok" : message_; }

 private:
  Status(Code code, std::string msg) : code_(code), message_(std::move(msg)) {}
  Code code_ = Code::kOk;
  std::string message_;
};

// Expected<T>: a value or a non-ok Status (std::expected is C++23).
template <typename T>
class Expected {
 public:
  Expected(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design.
  Expected(Status status) : status_(std::move(status)) {  // NOLINT
    assert(!status_.ok() && "Expected<T> built from an ok Status has no value");
  }

  bool ok() const { return value_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Status& status() const { return status_; }

  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

// Propagates a non-ok Status from an expression returning Status.
#define CLIVE_RETURN_IF_ERROR(expr)        \
  do {                                     \
    ::clive::Status _clive_st = (expr);    \
    if (!_clive_st.ok()) return _clive_st; \
  } while (0)

}  // namespace clive
