// Edits the server proposes: formatting (clivec fmt's formatter) and the
// quick fixes of did-you-mean diagnostics.
#include "clive/lang/formatter.h"
#include "clive/lsp/diagnostic_json.h"
#include "language_features.h"
#include "request_errors.h"
#include "text.h"

namespace clive::lsp {

using json = nlohmann::json;

json FormattingEdits(const std::string& path, const std::string& text) {
  lang::SourceFile file(path, text);
  lang::DiagnosticSink sink;
  Expected<std::string> formatted = lang::FormatSource(file, sink);
  if (!formatted.ok()) {
    std::string why = sink.diagnostics().empty() ? formatted.status().message()
                                                 : lang::Render(sink.diagnostics().front());
    throw RequestFailed("cannot format " + path + ": " + why);
  }
  if (*formatted == text) return json::array();
  // One edit over the whole text: the formatter rebuilds the layout, so
  // smaller edits would not be smaller in any useful way.
  return json::array({{{"range", RangeJson(text, 0, static_cast<uint32_t>(text.size()))}, {"newText", *formatted}}});
}

json CodeActions(const std::string& uri, std::string_view text, const json& diagnostics) {
  json actions = json::array();
  if (!diagnostics.is_array()) return actions;
  for (const json& d : diagnostics) {
    if (!d.is_object() || !d.contains("message") || !d["message"].is_string()) continue;
    json range;
    std::string replacement;
    if (d.contains("data") && d["data"].is_object() && d["data"].contains("replace") && d["data"].contains("with") &&
        d["data"]["with"].is_string()) {
      range = d["data"]["replace"];
      replacement = d["data"]["with"].get<std::string>();
    } else if (d.contains("range") && d["range"].is_object()) {
      // The client did not keep `data`: work it out again from the text.
      std::optional<Position> start = PositionFromJson(d["range"].value("start", json()));
      std::optional<Position> end = PositionFromJson(d["range"].value("end", json()));
      if (!start || !end) continue;
      uint32_t begin = OffsetOf(text, *start);
      std::optional<SuggestedFix> fix =
          SuggestedReplacement(text, {begin, std::max(begin, OffsetOf(text, *end))}, d["message"].get<std::string>());
      if (!fix) continue;
      range = RangeJson(text, fix->begin, fix->end);
      replacement = fix->replacement;
    } else {
      continue;
    }
    actions.push_back({{"title", "Replace with `" + replacement + "`"},
                       {"kind", "quickfix"},
                       {"diagnostics", json::array({d})},
                       {"isPreferred", true},
                       {"edit", {{"changes", {{uri, json::array({{{"range", range}, {"newText", replacement}}})}}}}}});
  }
  return actions;
}

}  // namespace clive::lsp
