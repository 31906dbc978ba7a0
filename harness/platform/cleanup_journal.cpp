#include "harness/platform/cleanup_journal.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "harness/platform/atomic_file.hpp"
#include "harness/platform/teardown.hpp"

namespace harness {

using nlohmann::json;

namespace {

// How long reaping waits for the ended processes to be gone before calling them survivors.
constexpr std::chrono::milliseconds kReapWait{1500};

json identity_json(const ProcessIdentity& id) {
  return {{"pid", id.pid}, {"start_ticks", id.start_ticks}};
}

ProcessIdentity identity_from(const json& j) {
  return {j.at("pid").get<Pid>(), j.at("start_ticks").get<std::uint64_t>()};
}

std::string env_or_empty(const char* name) {
  const char* value = std::getenv(name);
  return value ? std::string(value) : std::string();
}

std::string read_text(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

std::string identity_argument(const ProcessIdentity& id) {
  return fmt::format("{}:{}", id.pid, id.start_ticks);
}

std::optional<ProcessIdentity> parse_identity_argument(const std::string& text) {
  const auto colon = text.find(':');
  if (colon == std::string::npos) return std::nullopt;
  try {
    return ProcessIdentity{std::stoll(text.substr(0, colon)), std::stoull(text.substr(colon + 1))};
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::filesystem::path harness_state_dir() {
  if (auto dir = env_or_empty("HARNESS_STATE_DIR"); !dir.empty()) {
    return std::filesystem::path(dir);
  }
#ifdef _WIN32
  if (auto dir = env_or_empty("LOCALAPPDATA"); !dir.empty()) {
    return std::filesystem::path(dir) / "browser-harness";
  }
#else
  if (auto dir = env_or_empty("XDG_STATE_HOME"); !dir.empty()) {
    return std::filesystem::path(dir) / "browser-harness";
  }
  if (auto home = env_or_empty("HOME"); !home.empty()) {
    return std::filesystem::path(home) / ".local" / "state" / "browser-harness";
  }
#endif
  return std::filesystem::temp_directory_path() / "browser-harness-state";
}

std::filesystem::path cleanup_journal_dir() { return harness_state_dir() / "journal"; }

std::filesystem::path registry_journal_dir() { return harness_state_dir() / "registry"; }

std::string journal_to_json(const JournalContents& c) {
  json j = {{"journal", 1},
            {"owner", identity_json(c.owner)},
            {"run_id", c.run_id},
            {"run_dir", c.run_dir.string()},
            {"database", c.database.string()},
            {"temp_dirs", json::array()},
            {"groups", json::array()},
            {"processes", json::array()}};
  for (const auto& d : c.temp_dirs) j["temp_dirs"].push_back(d.string());
  for (const auto& g : c.groups) j["groups"].push_back(identity_json(g));
  for (const auto& p : c.processes) j["processes"].push_back(identity_json(p));
  return j.dump(1);
}

JournalContents journal_from_json(const std::string& text) {
  JournalContents c;
  try {
    const json j = json::parse(text);
    if (!j.is_object() || j.value("journal", 0) != 1) {
      throw std::runtime_error("not a cleanup journal (no \"journal\": 1)");
    }
    c.owner = identity_from(j.at("owner"));
    c.run_id = j.at("run_id").get<std::string>();
    c.run_dir = j.value("run_dir", "");
    c.database = j.value("database", "");
    for (const auto& d : j.value("temp_dirs", json::array())) c.temp_dirs.emplace_back(d.get<std::string>());
    for (const auto& g : j.value("groups", json::array())) c.groups.push_back(identity_from(g));
    for (const auto& p : j.value("processes", json::array())) c.processes.push_back(identity_from(p));
  } catch (const json::exception& e) {
    throw std::runtime_error(std::string("not a cleanup journal: ") + e.what());
  }
  return c;
}

CleanupJournal::CleanupJournal(std::filesystem::path dir, std::string run_id,
                               std::filesystem::path run_dir, std::filesystem::path database) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  file_ = dir / (run_id + ".json");
  contents_.run_id = std::move(run_id);
  contents_.run_dir = std::move(run_dir);
  contents_.database = std::move(database);
  contents_.owner = identify_process(current_process_id()).value_or(ProcessIdentity{current_process_id(), 0});
  std::lock_guard lock(mutex_);
  write_locked();
}

CleanupJournal::~CleanupJournal() = default;

void CleanupJournal::add_temp_dir(const std::filesystem::path& dir) {
  std::lock_guard lock(mutex_);
  contents_.temp_dirs.push_back(dir);
  write_locked();
}

void CleanupJournal::add_group(const ProcessIdentity& leader) {
  std::lock_guard lock(mutex_);
  contents_.groups.push_back(leader);
  contents_.processes.push_back(leader);
  write_locked();
}

void CleanupJournal::add_processes(const std::vector<ProcessIdentity>& processes) {
  std::lock_guard lock(mutex_);
  bool added = false;
  for (const auto& p : processes) {
    if (std::find(contents_.processes.begin(), contents_.processes.end(), p) ==
        contents_.processes.end()) {
      contents_.processes.push_back(p);
      added = true;
    }
  }
  if (added) write_locked();
}

void CleanupJournal::finish() {
  std::lock_guard lock(mutex_);
  finished_ = true;
  std::error_code ec;
  std::filesystem::remove(file_, ec);
}

void CleanupJournal::write_locked() {
  if (finished_) return;
  if (auto error = write_atomically(file_, journal_to_json(contents_))) {
    spdlog::warn("the cleanup journal is not up to date: {}", *error);
  }
}

namespace {

ReapedRun reap(const JournalContents& journal) {
  ReapedRun out;
  out.journal = journal;
  std::vector<ProcessIdentity> ended;
  for (const auto& p : journal.processes) {
    if (process_alive(p)) ended.push_back(p);
  }
  // Groups first (a driver's group holds the browser it started, including processes born
  // after the last journal write), then every recorded process (crashpad handlers leave the
  // group with setsid).
  for (const auto& g : journal.groups) kill_process_group(g);
  for (const auto& p : journal.processes) kill_process(p);
  out.survivors = wait_until_gone(ended, kReapWait);
  out.processes_ended = ended.size() - out.survivors.size();
  for (const auto& dir : journal.temp_dirs) {
    std::error_code ec;
    if (!std::filesystem::exists(dir, ec)) continue;
    (remove_folder(dir, 1, std::chrono::milliseconds(0)) ? out.temp_dirs_removed : out.temp_dirs_left)
        .push_back(dir);
  }
  return out;
}

}  // namespace

void release_reaped(const ReapedRun& run) {
  std::error_code ec;
  if (!run.claimed_file.empty()) std::filesystem::remove(run.claimed_file, ec);
}

std::vector<ReapedRun> reap_abandoned_journals(const std::filesystem::path& dir,
                                               std::optional<ProcessIdentity> owner) {
  std::vector<ReapedRun> out;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return out;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  const std::string claim_suffix = fmt::format(".reaping-{}", current_process_id());
  for (const auto& file : files) {
    JournalContents journal;
    try {
      journal = journal_from_json(read_text(file));
    } catch (const std::exception& e) {
      // A journal caught half-written cannot be: writes go through a rename. Anything else in
      // the folder is not ours to interpret; set it aside so it is reported once, not forever.
      spdlog::warn("{}: {}; moved aside as .bad", file.string(), e.what());
      std::filesystem::rename(file, file.string() + ".bad", ec);
      continue;
    }
    if (owner ? !(journal.owner == *owner) : process_alive(journal.owner)) continue;
    // Claim it: whoever renames it first reaps it (the watcher and a next harness may race).
    const std::filesystem::path claimed = file.string() + claim_suffix;
    std::filesystem::rename(file, claimed, ec);
    if (ec) continue;
    out.push_back(reap(journal));
    out.back().claimed_file = claimed;
  }
  return out;
}

}  // namespace harness
