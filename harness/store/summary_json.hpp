// summary.json: the canonical per-run artifact that users script against and that `compare`
// and `report` read back. The contract is documented in README.md ("summary.json"); add fields,
// never rename or remove them.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "harness/model/run_summary.hpp"

namespace harness {

inline constexpr int kSummarySchemaVersion = 1;

// Keys keep a fixed, documented order (ordered_json) so the file reads well.
nlohmann::ordered_json summary_to_json(const RunSummary& summary);
std::string render_summary_json(const RunSummary& summary);  // pretty-printed, '\n'-terminated

// Reads back what summary_to_json wrote (for compare/report). Throws InputError naming `source`
// when the text is not a summary.
RunSummary summary_from_json(const nlohmann::json& json, const std::string& source);

// summary.json's `attribution` (only in runs that asked for it), and back.
nlohmann::ordered_json attribution_to_json(const Attribution& attribution);
Attribution attribution_from_json(const nlohmann::json& json);
RunSummary summary_from_json(const nlohmann::ordered_json& json, const std::string& source);

}  // namespace harness
