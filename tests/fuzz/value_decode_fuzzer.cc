// Fuzz target: decoding stored values (canonical Cap'n Proto Scalar blobs and
// record headers) from arbitrary bytes. Corrupt input must give a Corruption
// status, never a crash; anything that decodes must re-encode to the same
// canonical bytes.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "clive/runtime/persist.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string bytes(reinterpret_cast<const char*>(data), size);
  auto scalar = clive::runtime::DecodeScalar(bytes);
  if (scalar.ok()) {
    // Canonical means one encoding per value: decoding accepted these
    // bytes, so encoding the value must give them back.
    if (clive::runtime::EncodeScalar(*scalar) != bytes) std::abort();
  }
  auto header = clive::runtime::DecodeRecordHeader(bytes);
  (void)header;
  return 0;
}
