// Text positions as LSP counts them (0-based lines, UTF-16 code units within
// a line), document URIs, and incremental edits of a document's text.
// Kept apart from the server so that the encoding rules are unit-tested.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "nlohmann/json.hpp"

namespace clive::lsp {

struct Position {
  uint32_t line = 0;
  uint32_t character = 0;  // UTF-16 code units
};

// The byte offset of `pos` in `text`. A character past the end of its line
// clamps to the line's end, a line past the last to the end of the text (as
// LSP asks); a position inside a surrogate pair rounds up past the pair.
uint32_t OffsetOf(std::string_view text, Position pos);
// The LSP position of byte `offset` in `text`.
Position PositionOf(std::string_view text, uint32_t offset);

nlohmann::json ToJson(Position pos);
// {"line", "character"}; nullopt when either is missing or not a number.
std::optional<Position> PositionFromJson(const nlohmann::json& j);
// An LSP range for the bytes [begin, end) of `text`.
nlohmann::json RangeJson(std::string_view text, uint32_t begin, uint32_t end);

// Applies one `TextDocumentContentChangeEvent`: with a "range", replaces that
// range with "text" (incremental sync); without one, replaces everything.
// Returns false (text unchanged) when the event is malformed.
bool ApplyChange(std::string& text, const nlohmann::json& change);

// file:///a%20b/c.cl <-> /a b/c.cl. Only file URIs name paths.
std::optional<std::filesystem::path> UriToPath(std::string_view uri);
std::string PathToUri(const std::filesystem::path& path);

}  // namespace clive::lsp
