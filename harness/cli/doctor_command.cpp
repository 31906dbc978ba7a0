#include "harness/cli/doctor_command.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "harness/browser/ie_profile.hpp"
#include "harness/browser/profile.hpp"
#include "harness/cli/exit_codes.hpp"
#include "harness/platform/cleanup_journal.hpp"
#include "harness/platform/process.hpp"
#include "harness/platform/system.hpp"
#include "harness/run/abandoned_runs.hpp"
#include "harness/model/units.hpp"
#include "harness/store/store.hpp"

namespace harness {

void setup_doctor_command(CLI::App& app, DoctorCommandOptions& o) {
  auto* cmd = app.add_subcommand("doctor", "Check browsers, drivers, the results store and the "
                                           "machine");
  cmd->add_option("--chromium", o.chromium, "Chromium binary");
  cmd->add_option("--chromedriver", o.chromedriver, "chromedriver binary");
  cmd->add_option("--db", o.database, "Results database");
  cmd->add_option("--iedriver", o.iedriver, "IE profiles: the IEDriverServer.exe to check");
}

namespace {

// First line of `program --version`, or what went wrong.
std::string version_of(const std::string& program) {
  if (!is_executable(program)) return "missing (run scripts/setup.sh)";
  std::filesystem::path folder;
  try {
    folder = make_private_temp_dir(std::filesystem::temp_directory_path(), "harness-doctor-");
  } catch (const std::exception&) {
    return "cannot check";
  }
  LaunchSpec spec;
  spec.executable = program;
  spec.args = {"--version"};
  spec.stdout_file = std::filesystem::path(folder) / "out";
  spec.stderr_file = std::filesystem::path(folder) / "err";
  std::string line = "no answer";
  try {
    auto child = ChildProcess::launch(spec);
    for (int i = 0; i < 100 && !child->poll_exit(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    child->end_group(std::chrono::milliseconds(500));
    std::ifstream in(spec.stdout_file);
    std::getline(in, line);
  } catch (const std::exception& e) {
    line = e.what();
  }
  std::filesystem::remove_all(folder);
  return line;
}

}  // namespace

int run_doctor_command(const DoctorCommandOptions& o) {
  bool ok = true;
  auto row = [](const std::string& key, const std::string& value) {
    std::cout << fmt::format("{:<18} {}\n", key, value);
  };
  row("profiles", fmt::format("{}", fmt::join(browser_profile_names(), ", ")));
  // Chromium is the browser of the Linux build; on Windows, harness.exe is for IE (Chromium
  // rows only when --chromium names one: the Linux default path means nothing there).
  const bool ie_here = ie_sessions_available();
  if (!ie_here || o.chromium != DoctorCommandOptions{}.chromium) {
    const std::string chromium = version_of(o.chromium);
    const std::string chromedriver = version_of(o.chromedriver);
    if (!ie_here) {
      ok = ok && chromium.find("Chromium") != std::string::npos &&
           chromedriver.find("ChromeDriver") != std::string::npos;
    }
    row("chromium", fmt::format("{} ({})", chromium, o.chromium));
    row("chromedriver", fmt::format("{} ({})", chromedriver, o.chromedriver));
  }
  bool any_ie_ready = false;
  for (const auto& r : ie_readiness(o.iedriver)) {
    row(r.key, r.value);
    if (r.ready && r.key.rfind("ie11-", 0) == 0) any_ie_ready = true;
    if (r.ready && r.key == "edge-iemode") any_ie_ready = true;
  }
  if (ie_here) ok = ok && any_ie_ready;

  const std::filesystem::path db(o.database);
  std::error_code ec;
  if (std::filesystem::exists(db, ec)) {
    try {
      Store store(db);
      const auto runs = store.runs();
      row("store", fmt::format("{}: {} run(s){}", db.string(), runs.size(),
                               runs.empty() ? "" : ", last " + runs.back().started_at + " " +
                                                       runs.back().id));
    } catch (const std::exception& e) {
      row("store", fmt::format("{}: unreadable: {}", db.string(), e.what()));
      ok = false;
    }
  } else {
    row("store", fmt::format("{}: not created yet", db.string()));
  }
  const auto folder = db.has_parent_path() ? db.parent_path() : std::filesystem::path(".");
  const auto space = std::filesystem::space(std::filesystem::exists(folder) ? folder : ".", ec);
  if (!ec) row("free disk", format_bytes(static_cast<double>(space.available)));

  // Runs whose harness was killed: their processes ended, profiles removed, records closed.
  const auto journal_dir = cleanup_journal_dir();
  for (const auto& text : restore_registry_left_by_dead_harnesses(registry_journal_dir())) {
    std::cerr << "harness: " << text << "\n";
  }
  const std::size_t interrupted = recover_abandoned_runs(journal_dir, std::cerr);
  row("interrupted runs", interrupted == 0
                              ? fmt::format("none left behind (journal {})", journal_dir.string())
                              : fmt::format("{} cleaned up now (see above; journal {})",
                                            interrupted, journal_dir.string()));

  // Temporary profiles no journal accounts for (a harness older than the journal, or one killed
  // before it could write it).
  std::vector<std::string> leftovers;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::filesystem::temp_directory_path(), ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("harness-chromium-", 0) == 0) leftovers.push_back(entry.path().string());
  }
  row("left-over profiles",
      leftovers.empty() ? std::string("none")
                        : fmt::format("{} (from killed runs; safe to delete when no harness runs): "
                                      "{}",
                                      leftovers.size(), fmt::join(leftovers, " ")));
  return ok ? kExitOk : kExitNoResult;
}

}  // namespace harness
