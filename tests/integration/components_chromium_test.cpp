// Third parties as components (issue 14), end to end in real Chromium: `harness bisect` over
// three unpacked extensions of which one leaks per click; an extension the browser refuses is
// the run's error with the browser's reason; a co-running program is started, sampled and ended;
// a matrix switching a component on and off puts both runs in one report.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>
#include <sstream>

#include "harness/platform/process.hpp"
#include "support.hpp"

namespace harness::testing {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

const std::string kFixtures = "tests/fixtures/components/";

TEST(ComponentsChromium, BisectNamesTheLeakingExtension) {
  TempDir tmp("harness-it-bisect");
  const auto result = run_harness(
      {"bisect", kFixtures + "bisect.yaml", "--out", tmp.path().string()}, tmp.path(),
      std::chrono::seconds(1500));
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  const std::string last_line = result.out.substr(0, result.out.find_last_not_of('\n') + 1);
  const std::filesystem::path file = last_line.substr(last_line.find_last_of('\n') + 1);
  ASSERT_TRUE(std::filesystem::exists(file)) << result.out;
  const json b = read_json(file);
  EXPECT_EQ(b["state"], "culprits");
  EXPECT_EQ(b["culprits"], json::array({"audit"})) << b.dump(2);
  // ⌈2·log2 3⌉ + 2 = 6 runs at most, the clean and all-on runs included.
  const auto probes = b["probes"];
  EXPECT_EQ(b["max_probes"], 6);
  EXPECT_LE(probes.size(), 6u);
  ASSERT_GE(probes.size(), 3u);
  EXPECT_EQ(probes[0]["components"], json::array());
  EXPECT_EQ(probes[1]["components"], json::array({"counter", "highlighter", "audit"}));
  for (const auto& p : probes) {
    const bool has_audit = std::find(p["components"].begin(), p["components"].end(), "audit") !=
                           p["components"].end();
    EXPECT_EQ(p["status"], "completed") << p.dump();
    EXPECT_TRUE(std::filesystem::exists(file.parent_path() / p["dir"].get<std::string>()));
    if (p == probes[0]) continue;  // the clean baseline is not judged
    // The leak is 512 KiB per click: every probe with audit regresses, no other does.
    EXPECT_EQ(p["regressed"].get<bool>(), has_audit) << p.dump();
    // Each probe run recorded which components were present, with their versions.
    const json s = read_json(file.parent_path() / p["dir"].get<std::string>() / "summary.json");
    ASSERT_EQ(s["components"].size(), 3u);
    for (const auto& c : s["components"]) {
      const bool listed = std::find(p["components"].begin(), p["components"].end(), c["name"]) !=
                          p["components"].end();
      EXPECT_EQ(c["present"].get<bool>(), listed) << c.dump();
      if (listed) {
        EXPECT_EQ(c["id"].get<std::string>().size(), 32u) << c.dump();
      }
    }
    if (has_audit) {
      const auto& audit = s["components"][2];
      EXPECT_EQ(audit["version"], "2.4.1");
      EXPECT_GT(p["slope_bytes_per_iteration"].get<double>(), 256.0 * 1024) << p.dump();
    }
  }
  EXPECT_TRUE(std::filesystem::exists(file.parent_path() / "report.html"));
  EXPECT_THAT(result.err + result.out, HasSubstr("culprit: audit"));
}

TEST(ComponentsChromium, AnExtensionTheBrowserRefusesIsTheRunsError) {
  TempDir tmp("harness-it-broken-extension");
  const auto result = run_harness(
      {"run", kFixtures + "broken.yaml", "--out", tmp.path().string()}, tmp.path());
  EXPECT_NE(result.exit_code, 0);
  const auto files = summary_files(result);
  ASSERT_EQ(files.size(), 1u) << result.out << result.err;
  const json s = read_json(files[0]);
  EXPECT_EQ(s["status"], "error") << s.dump(2);
  // Chromium's own words for the trailing comma in ext-broken/manifest.json.
  EXPECT_THAT(s["reason"].get<std::string>(), HasSubstr("extension 'broken'"));
  EXPECT_THAT(s["reason"].get<std::string>(), HasSubstr("Manifest is not valid JSON"));
  EXPECT_EQ(s["iterations_completed"], 0);
}

TEST(ComponentsChromium, ACoRunningProgramIsSampledAndEnded) {
  TempDir tmp("harness-it-neighbour");
  const auto result = run_harness(
      {"run", kFixtures + "neighbour.yaml", "--out", tmp.path().string()}, tmp.path());
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto files = summary_files(result);
  ASSERT_EQ(files.size(), 1u);
  const json s = read_json(files[0]);
  ASSERT_EQ(s["components"].size(), 1u);
  const json c = s["components"][0];
  EXPECT_EQ(c["kind"], "program");
  EXPECT_TRUE(c["present"].get<bool>());
  const Pid pid = c["pid"].get<Pid>();
  ASSERT_GT(pid, 0);
  // Ended with its group when the run ended (the harness has exited: nothing may be left).
  EXPECT_FALSE(identify_process(pid).has_value()) << command_line(pid);
  std::vector<std::string> kinds;
  for (const auto& e : s["events"]) kinds.push_back(e["kind"]);
  EXPECT_THAT(kinds, ::testing::Contains("component_started"));
  EXPECT_THAT(kinds, ::testing::Contains("component_ended"));
  // Sampled with the browser: its rows carry role component and its name; the program grows
  // while it runs (16 KiB per 100 ms for 100 s), so its private memory rises between first and last row.
  const std::string csv = read_file(files[0].parent_path() / "samples.csv");
  std::istringstream lines(csv);
  std::string line;
  std::map<long long, double> program_bytes;  // t_ms -> the program tree's private bytes
  while (std::getline(lines, line)) {
    if (line.find(",component,neighbour,") == std::string::npos) continue;
    std::vector<std::string> f;
    std::istringstream fields(line);
    for (std::string x; std::getline(fields, x, ',');) f.push_back(x);
    program_bytes[std::stoll(f.at(0))] += std::stod(f.at(6));  // private_bytes
  }
  ASSERT_GE(program_bytes.size(), 2u) << csv.substr(0, 400);
  double highest = 0;
  for (const auto& [t, bytes] : program_bytes) highest = std::max(highest, bytes);
  EXPECT_GT(highest, program_bytes.begin()->second);
  // ... and drawn as a series of its own in the report's role chart.
  const std::string report = read_file(files[0].parent_path() / "report.html");
  EXPECT_THAT(report, HasSubstr("component neighbour"));
}

TEST(ComponentsChromium, AMatrixSwitchingAComponentShowsBothRunsInOneReport) {
  TempDir tmp("harness-it-switch");
  const auto result = run_harness(
      {"matrix", kFixtures + "switch.yaml", "--out", tmp.path().string()}, tmp.path());
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  const std::string last_line = result.out.substr(0, result.out.find_last_not_of('\n') + 1);
  const std::filesystem::path dir = last_line.substr(last_line.find_last_of('\n') + 1);
  const json m = read_json(dir / "matrix.json");
  ASSERT_EQ(m["runs"].size(), 2u) << m.dump(2);
  std::set<std::string> present;
  for (const auto& run : m["runs"]) {
    const json s = read_json(dir / run["dir"].get<std::string>() / "summary.json");
    EXPECT_EQ(s["variant"].size(), 1u);
    for (const auto& c : s["components"]) {
      if (c["name"] == "audit") present.insert(s["variant"]["audit"].get<std::string>() + "=" +
                                               (c["present"].get<bool>() ? "present" : "absent"));
    }
  }
  EXPECT_EQ(present, (std::set<std::string>{"on=present", "off=absent"}));
  const std::string report = read_file(dir / "report.html");
  EXPECT_THAT(report, HasSubstr("audit=on"));
  EXPECT_THAT(report, HasSubstr("audit=off"));
}

}  // namespace
}  // namespace harness::testing
