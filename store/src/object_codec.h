// Private to store/: the encoding of an object record (the value stored under
// an object id in the "objects" database).
//
//   raw:  kObjectFormatRaw  | type | content
//   zstd: kObjectFormatZstd | type | LEB128 content size | one zstd frame
//
// Objects of at least kCompressMinSize bytes are compressed with zstd level
// kZstdLevel, and kept compressed only when that saves at least 1/8 of their
// size (already-compressed content such as JARs or images stays raw, so
// reading it costs no decompression). docs/store.md has the measurements
// behind these numbers. Raw records from older stores stay readable.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "clive/store/status.h"
#include "clive/store/store.h"

namespace clive::store::lmdb {

inline constexpr uint8_t kObjectFormatRaw = 1;
inline constexpr uint8_t kObjectFormatZstd = 2;
inline constexpr size_t kCompressMinSize = 512;
inline constexpr int kZstdLevel = 1;

// A record's header, parsed without decompressing anything.
struct ObjectRecord {
  ObjectType type;
  uint8_t format;
  uint64_t size;             // content size, uncompressed
  std::string_view payload;  // raw content or zstd frame; points into the record
};

// Parses `value`; on failure returns a one-line reason (no object id or
// path: the caller knows those).
Expected<ObjectRecord> ParseObjectRecord(std::string_view value);

bool ValidObjectType(uint8_t type);

// Encodes and decodes object records. zstd contexts are expensive to create
// (about 13 us, several times the cost of compressing a small object), so the
// codec keeps the ones it made for reuse. Safe to use from several threads.
class ObjectCodec {
 public:
  ObjectCodec();
  ~ObjectCodec();
  ObjectCodec(const ObjectCodec&) = delete;
  ObjectCodec& operator=(const ObjectCodec&) = delete;

  std::string Encode(ObjectType type, std::string_view content);
  // Writes the record's `size` content bytes to `out`. The error is a
  // one-line reason, as for ParseObjectRecord.
  Status Decode(const ObjectRecord& record, char* out);

 private:
  struct Pools;
  std::unique_ptr<Pools> pools_;
};

}  // namespace clive::store::lmdb
