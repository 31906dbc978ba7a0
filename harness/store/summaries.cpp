#include "harness/store/summaries.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "harness/error.hpp"
#include "harness/store/summary_json.hpp"
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

namespace {

std::vector<LoadedRun> runs_of_matrix(const std::filesystem::path& matrix_json) {
  std::ifstream in(matrix_json);
  const auto j = nlohmann::json::parse(in, nullptr, false);
  if (!j.is_object() || !j.contains("runs")) {
    throw InputError(fmt::format("{} is not a harness matrix.json", matrix_json.string()));
  }
  std::vector<LoadedRun> out;
  for (const auto& run : j["runs"]) {
    std::filesystem::path dir = run.value("dir", "");
    if (dir.is_relative()) dir = matrix_json.parent_path() / dir;
    const auto file = dir / "summary.json";
    if (std::filesystem::exists(file)) out.push_back({read_summary_file(file), dir});
  }
  if (out.empty()) {
    throw InputError(fmt::format("{} lists no run with a summary.json", matrix_json.string()));
  }
  return out;
}

}  // namespace

std::vector<LoadedRun> load_runs(const std::string& what, const std::filesystem::path& database) {
  const std::filesystem::path path(what);
  std::error_code ec;
  std::vector<LoadedRun> out;
  const std::string last_good = "last-good:";
  if (what.rfind(last_good, 0) == 0) {
    const std::string name = what.substr(last_good.size());
    if (!std::filesystem::exists(database)) {
      throw InputError(fmt::format("{}: no database at {}", what, database.string()));
    }
    Store store(database);
    auto matrix = store.last_good_matrix(name);
    if (!matrix) {
      throw InputError(fmt::format("{}: no matrix '{}' is marked good in {} yet", what, name,
                                   database.string()));
    }
    return runs_of_matrix(std::filesystem::path(matrix->results_dir) / "matrix.json");
  }
  if (std::filesystem::is_regular_file(path, ec)) {
    if (path.filename() == "matrix.json") return runs_of_matrix(path);
    out.push_back({read_summary_file(path), path.parent_path()});
    return out;
  }
  if (std::filesystem::is_directory(path, ec)) {
    if (std::filesystem::exists(path / "summary.json")) {
      out.push_back({read_summary_file(path / "summary.json"), path});
      return out;
    }
    if (std::filesystem::exists(path / "matrix.json")) return runs_of_matrix(path / "matrix.json");
    for (const auto& entry : std::filesystem::directory_iterator(path, ec)) {
      const auto file = entry.path() / "summary.json";
      if (entry.is_directory() && std::filesystem::exists(file)) {
        out.push_back({read_summary_file(file), entry.path()});
      }
    }
    if (out.empty()) {
      throw InputError(fmt::format("{} holds no run folders with a summary.json", what));
    }
    std::sort(out.begin(), out.end(), [](const LoadedRun& a, const LoadedRun& b) {
      return a.summary.info.started_at < b.summary.info.started_at;
    });
    return out;
  }
  // A run id in the store.
  if (!std::filesystem::exists(database)) {
    throw InputError(fmt::format("'{}' is neither a summary.json, a run or results folder, nor a "
                                 "run id (no database at {})",
                                 what, database.string()));
  }
  Store store(database);
  auto info = store.run(what);
  if (!info) {
    throw InputError(fmt::format("'{}' is neither a summary.json, a run or results folder, nor a "
                                 "run id in {}",
                                 what, database.string()));
  }
  const std::string json_text = store.run_summary_json(what);
  if (json_text.empty()) {
    throw InputError(fmt::format("run {} has no summary in {} (it did not finish)", what,
                                 database.string()));
  }
  out.push_back({summary_from_json(nlohmann::json::parse(json_text), what), info->results_dir});
  return out;
}

std::vector<RunSummary> load_summaries(const std::string& what,
                                       const std::filesystem::path& database) {
  std::vector<RunSummary> out;
  for (auto& run : load_runs(what, database)) out.push_back(std::move(run.summary));
  return out;
}

}  // namespace harness
