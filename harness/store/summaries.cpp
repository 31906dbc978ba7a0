#include "harness/store/summaries.hpp"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "harness/error.hpp"
#include "harness/report/summary_json.hpp"
#include "harness/store/store.hpp"

namespace harness {

RunSummary read_summary_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw InputError(fmt::format("cannot read {}", file.string()));
  std::ostringstream text;
  text << in.rdbuf();
  const auto json = nlohmann::json::parse(text.str(), nullptr, false);
  if (json.is_discarded()) throw InputError(fmt::format("{} is not valid JSON", file.string()));
  return summary_from_json(json, file.string());
}

std::vector<RunSummary> load_summaries(const std::string& what,
                                       const std::filesystem::path& database) {
  const std::filesystem::path path(what);
  std::error_code ec;
  std::vector<RunSummary> out;
  if (std::filesystem::is_regular_file(path, ec)) {
    out.push_back(read_summary_file(path));
    return out;
  }
  if (std::filesystem::is_directory(path, ec)) {
    if (std::filesystem::exists(path / "summary.json")) {
      out.push_back(read_summary_file(path / "summary.json"));
      return out;
    }
    for (const auto& entry : std::filesystem::directory_iterator(path, ec)) {
      const auto file = entry.path() / "summary.json";
      if (entry.is_directory() && std::filesystem::exists(file)) {
        out.push_back(read_summary_file(file));
      }
    }
    if (out.empty()) {
      throw InputError(fmt::format("{} holds no run folders with a summary.json", what));
    }
    return out;
  }
  // A run id in the store.
  if (!std::filesystem::exists(database)) {
    throw InputError(fmt::format("'{}' is neither a summary.json, a run folder, a results folder, "
                                 "nor a run id (no database at {})",
                                 what, database.string()));
  }
  Store store(database);
  auto info = store.run(what);
  if (!info) {
    throw InputError(fmt::format("'{}' is neither a summary.json, a run folder, a results folder, "
                                 "nor a run id in {}",
                                 what, database.string()));
  }
  const std::string json_text = store.run_summary_json(what);
  if (json_text.empty()) {
    throw InputError(fmt::format("run {} has no summary in {} (it did not finish)", what,
                                 database.string()));
  }
  out.push_back(summary_from_json(nlohmann::json::parse(json_text), what));
  return out;
}

}  // namespace harness
