// The compiled-object cache kept in the store: each compiled module is a
// blob, found through the ref `refs/clive/cache/<key>` (key: see
// compiler::ObjectCacheKey). Refs rather than a side table keep the cache
// inside the store's own transactions, fsck and git interop.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "clive/compiler/jit.h"
#include "clive/store/store.h"

namespace clive::runtime {

inline constexpr const char* kCacheRefPrefix = "refs/clive/cache/";

class StoreObjectCache : public compiler::ObjectCache {
 public:
  explicit StoreObjectCache(store::Store& store) : store_(store) {}

  std::optional<std::string> Get(const std::string& key) override;
  // Objects are kept in memory until Flush, which writes them all in one
  // transaction (a cold run of a large workspace compiles many modules).
  void Put(const std::string& key, std::string object) override;
  Status Flush();

 private:
  store::Store& store_;
  std::vector<std::pair<std::string, std::string>> pending_;
};

struct CacheStats {
  size_t entries = 0;
  uint64_t bytes = 0;  // uncompressed object sizes
};
Expected<CacheStats> ReadCacheStats(store::Store& store);
// Deletes every cache ref (in one transaction); returns how many.
Expected<size_t> ClearCache(store::Store& store);

}  // namespace clive::runtime
