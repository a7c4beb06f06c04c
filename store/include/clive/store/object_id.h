// ObjectId: a Git object id (SHA-1, 20 bytes).
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "clive/store/status.h"

namespace clive::store {

struct ObjectId {
  static constexpr size_t kSize = 20;
  std::array<uint8_t, kSize> bytes{};

  // Parses exactly 40 hex digits.
  static Expected<ObjectId> FromHex(std::string_view hex);
  std::string Hex() const;
  bool IsZero() const;

  auto operator<=>(const ObjectId&) const = default;
};

}  // namespace clive::store
