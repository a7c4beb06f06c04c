// Fuzz target: the store's object records as read back from LMDB (raw and
// zstd formats), then the git object parsers libgit2 applies to them (trees
// and commits through the store's ReadTree/ReadCommit). Damaged input must be
// a Status, never a crash or a huge allocation.
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <unistd.h>

#include "../../store/src/object_codec.h"
#include "clive/store/store.h"

namespace {

// One scratch store for the whole run (a fuzz harness may keep state).
clive::store::Store& ScratchStore() {
  static std::unique_ptr<clive::store::Store> store = [] {
    std::string dir = (std::filesystem::temp_directory_path() / "clive-fuzz-XXXXXX").string();
    if (mkdtemp(dir.data()) == nullptr) std::abort();
    clive::store::StoreOptions options;
    options.durable = false;
    auto opened = clive::store::Store::Open(dir, options);
    if (!opened.ok()) std::abort();
    return std::move(*opened);
  }();
  return *store;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  static clive::store::lmdb::ObjectCodec codec;
  auto record = clive::store::lmdb::ParseObjectRecord(bytes);
  if (record.ok()) {
    std::string out(record->size, '\0');
    (void)codec.Decode(*record, out.data());
  }
  // The same bytes as the content of a tree and of a commit: libgit2 parses
  // them when read back.
  if (size < 4096) {
    clive::store::Store& store = ScratchStore();
    for (auto type : {clive::store::ObjectType::kTree, clive::store::ObjectType::kCommit}) {
      auto id = store.WriteObject(type, bytes);
      if (!id.ok()) continue;
      if (type == clive::store::ObjectType::kTree) (void)store.ReadTree(*id);
      if (type == clive::store::ObjectType::kCommit) (void)store.ReadCommit(*id);
    }
  }
  return 0;
}
