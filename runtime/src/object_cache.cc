#include "clive/runtime/object_cache.h"

namespace clive::runtime {

std::optional<std::string> StoreObjectCache::Get(const std::string& key) {
  auto id = store_.ReadRef(kCacheRefPrefix + key);
  if (!id.ok()) return std::nullopt;
  auto object = store_.ReadObject(*id);
  // A missing or damaged entry is a miss: the module is compiled again.
  if (!object.ok() || object->type != store::ObjectType::kBlob) return std::nullopt;
  return std::move(object->data);
}

void StoreObjectCache::Put(const std::string& key, std::string object) {
  pending_.emplace_back(key, std::move(object));
}

Status StoreObjectCache::Flush() {
  if (pending_.empty()) return Status::Ok();
  std::vector<std::pair<store::ObjectType, std::string_view>> objects;
  for (const auto& [key, bytes] : pending_) objects.emplace_back(store::ObjectType::kBlob, bytes);
  auto ids = store_.WriteObjects(objects);
  if (!ids.ok()) return ids.status();
  std::vector<store::RefUpdate> updates;
  for (size_t i = 0; i < pending_.size(); ++i) {
    updates.push_back({kCacheRefPrefix + pending_[i].first, (*ids)[i]});
  }
  pending_.clear();
  return store_.UpdateRefs(updates, "clivec: cache compiled code");
}

Expected<CacheStats> ReadCacheStats(store::Store& store) {
  auto refs = store.ListRefs(kCacheRefPrefix);
  if (!refs.ok()) return refs.status();
  CacheStats stats;
  for (const auto& [name, id] : *refs) {
    auto header = store.ReadHeader(id);
    if (!header.ok()) continue;  // dangling entries count for nothing
    ++stats.entries;
    stats.bytes += header->size;
  }
  return stats;
}

Expected<size_t> ClearCache(store::Store& store) {
  auto refs = store.ListRefs(kCacheRefPrefix);
  if (!refs.ok()) return refs.status();
  std::vector<store::RefUpdate> updates;
  for (const auto& [name, id] : *refs) updates.push_back({name, std::nullopt, store::RefUpdate::Expect::kValue, id});
  if (updates.empty()) return size_t{0};
  CLIVE_RETURN_IF_ERROR(store.UpdateRefs(updates, "clivec cache clear"));
  return updates.size();
}

}  // namespace clive::runtime
