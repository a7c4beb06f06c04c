// JSON-RPC message framing over byte streams, as LSP does it: a header block
// ("Content-Length: N\r\n", other headers ignored, then "\r\n") and N bytes of
// JSON. Reading never throws: damaged input yields a kBadFrame and the reader
// carries on with what follows.
#pragma once

#include <cstddef>
#include <istream>
#include <ostream>
#include <string>

namespace clive::lsp {

struct Frame {
  enum class Kind { kMessage, kBadFrame, kEof };
  Kind kind = Kind::kEof;
  std::string body;   // kMessage: the JSON text (not yet parsed)
  std::string error;  // kBadFrame: what was wrong
};

class Transport {
 public:
  // Bodies larger than this are refused (and skipped) rather than allocated:
  // a damaged Content-Length must not exhaust memory.
  static constexpr size_t kMaxBody = size_t{64} << 20;

  Transport(std::istream& in, std::ostream& out) : in_(in), out_(out) {}

  Frame Read();
  // Frames and writes one message body, and flushes.
  void Write(const std::string& body);

 private:
  std::istream& in_;
  std::ostream& out_;
};

}  // namespace clive::lsp
