#include "object_codec.h"

#include <zstd.h>

#include <cstring>

namespace clive::store::lmdb {
namespace {

struct CCtxFree {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};
struct DCtxFree {
  void operator()(ZSTD_DCtx* d) const { ZSTD_freeDCtx(d); }
};
using CCtxPtr = std::unique_ptr<ZSTD_CCtx, CCtxFree>;
using DCtxPtr = std::unique_ptr<ZSTD_DCtx, DCtxFree>;

// More idle contexts than this are freed rather than kept: a burst of
// threads should not pin their memory forever.
constexpr size_t kMaxIdleContexts = 8;

void PutVarint(std::string& out, uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

// Reads a LEB128 number from the front of `in`, consuming it.
bool GetVarint(std::string_view& in, uint64_t* value) {
  uint64_t result = 0;
  for (unsigned shift = 0; shift < 64 && !in.empty(); shift += 7) {
    const auto byte = static_cast<uint8_t>(in.front());
    in.remove_prefix(1);
    result |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      *value = result;
      return true;
    }
  }
  return false;
}

std::string EncodeRaw(ObjectType type, std::string_view content) {
  std::string out;
  out.reserve(2 + content.size());
  out.push_back(static_cast<char>(kObjectFormatRaw));
  out.push_back(static_cast<char>(type));
  out.append(content);
  return out;
}

}  // namespace

bool ValidObjectType(uint8_t type) {
  return type >= static_cast<uint8_t>(ObjectType::kCommit) &&
         type <= static_cast<uint8_t>(ObjectType::kTag);
}

Expected<ObjectRecord> ParseObjectRecord(std::string_view value) {
  if (value.size() < 2) return Status::Corruption("truncated record");
  const auto format = static_cast<uint8_t>(value[0]);
  const auto type = static_cast<uint8_t>(value[1]);
  if (!ValidObjectType(type)) {
    return Status::Corruption("unknown object type " + std::to_string(type));
  }
  std::string_view rest = value.substr(2);
  if (format == kObjectFormatRaw) {
    return ObjectRecord{static_cast<ObjectType>(type), format, rest.size(), rest};
  }
  if (format == kObjectFormatZstd) {
    uint64_t size = 0;
    if (!GetVarint(rest, &size)) return Status::Corruption("bad content size");
    // Readers allocate `size` bytes up front, so a damaged size must not ask
    // for gigabytes: zstd cannot expand data by more than an RLE block does
    // (3 bytes for 128 KiB), and the frame states its own size too.
    if (size > (rest.size() + 1) * 44000) return Status::Corruption("content size does not match the data");
    unsigned long long frame_size = ZSTD_getFrameContentSize(rest.data(), rest.size());
    if (frame_size != ZSTD_CONTENTSIZE_UNKNOWN && frame_size != size) {
      return Status::Corruption("content size does not match the data");
    }
    return ObjectRecord{static_cast<ObjectType>(type), format, size, rest};
  }
  return Status::Corruption("unknown record format " + std::to_string(format));
}

struct ObjectCodec::Pools {
  std::mutex mu;
  std::vector<CCtxPtr> compressors;
  std::vector<DCtxPtr> decompressors;

  template <typename Ptr>
  static Ptr Take(std::mutex& m, std::vector<Ptr>& pool) {
    std::lock_guard lock(m);
    if (pool.empty()) return nullptr;
    Ptr p = std::move(pool.back());
    pool.pop_back();
    return p;
  }
  template <typename Ptr>
  static void Give(std::mutex& m, std::vector<Ptr>& pool, Ptr p) {
    std::lock_guard lock(m);
    if (pool.size() < kMaxIdleContexts) pool.push_back(std::move(p));
  }
};

ObjectCodec::ObjectCodec() : pools_(std::make_unique<Pools>()) {}
ObjectCodec::~ObjectCodec() = default;

std::string ObjectCodec::Encode(ObjectType type, std::string_view content) {
  if (content.size() < kCompressMinSize) return EncodeRaw(type, content);

  CCtxPtr cctx = Pools::Take(pools_->mu, pools_->compressors);
  if (!cctx) cctx.reset(ZSTD_createCCtx());
  if (!cctx) return EncodeRaw(type, content);  // out of memory: raw is always a valid choice.

  std::string out;
  out.push_back(static_cast<char>(kObjectFormatZstd));
  out.push_back(static_cast<char>(type));
  PutVarint(out, content.size());
  const size_t header = out.size();
  // Only worth it when it saves at least 1/8: compressing into a buffer of
  // that size makes zstd give up early on incompressible data.
  const size_t budget = content.size() - content.size() / 8;
  out.resize(header + budget);
  const size_t n = ZSTD_compressCCtx(cctx.get(), out.data() + header, budget, content.data(),
                                     content.size(), kZstdLevel);
  Pools::Give(pools_->mu, pools_->compressors, std::move(cctx));
  if (ZSTD_isError(n) || header + n > 2 + budget) return EncodeRaw(type, content);
  out.resize(header + n);
  return out;
}

Status ObjectCodec::Decode(const ObjectRecord& record, char* out) {
  if (record.format == kObjectFormatRaw) {
    if (record.size > 0) std::memcpy(out, record.payload.data(), record.size);
    return Status::Ok();
  }
  DCtxPtr dctx = Pools::Take(pools_->mu, pools_->decompressors);
  if (!dctx) dctx.reset(ZSTD_createDCtx());
  if (!dctx) return Status::Internal("out of memory creating a zstd decompressor");
  const size_t n = ZSTD_decompressDCtx(dctx.get(), out, record.size, record.payload.data(),
                                       record.payload.size());
  Pools::Give(pools_->mu, pools_->decompressors, std::move(dctx));
  if (ZSTD_isError(n)) {
    return Status::Corruption(std::string("cannot decompress: ") + ZSTD_getErrorName(n));
  }
  if (n != record.size) {
    return Status::Corruption("decompressed to " + std::to_string(n) + " bytes, expected " +
                              std::to_string(record.size));
  }
  return Status::Ok();
}

}  // namespace clive::store::lmdb
