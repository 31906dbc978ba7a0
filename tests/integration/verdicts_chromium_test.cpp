// The retention analysis end to end: every fixture page (pages/fixtures/, one behaviour each
// with a known cost) in real Chromium with `--iterations auto`, asserting the verdict, the
// metric that decided it, and that the adaptive run stopped in a reasonable number of
// iterations. Then expectations, JUnit and `harness compare` on real runs.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <pugixml.hpp>

#include "support.hpp"

namespace harness::testing {
namespace {

using nlohmann::json;
using ::testing::Contains;
using ::testing::HasSubstr;

std::vector<std::filesystem::path> run_dirs(const CommandResult& result) {
  std::vector<std::filesystem::path> dirs;
  for (const auto& file : summary_files(result)) dirs.push_back(file.parent_path());
  return dirs;
}

struct Expected {
  const char* verdict;
  const char* metric;  // one metric that must be among the deciding ones ("" for any)
  int max_iterations;  // the adaptive run must have stopped by then
};

TEST(VerdictsChromium, EveryFixtureGetsItsVerdict) {
  const std::map<std::string, Expected> expected = {
      {"clean", {"stable", "", 60}},
      {"window", {"retains", "page.documents", 20}},
      {"listener", {"retains", "page.listeners", 20}},
      {"dom", {"retains", "page.nodes", 20}},
      {"slow", {"retains", "page.js_heap_used_bytes", 60}},
      {"cache", {"plateau", "page.js_heap_used_bytes", 80}},
      {"noise", {"stable", "", 60}},
      {"every10", {"retains", "page.js_heap_used_bytes", 60}},
      {"big", {"retains", "page.js_heap_used_bytes", 60}},
      // One element per transaction, exactly (fuite's domNodes pages): a leak.
      {"node", {"retains", "page.nodes", 20}},
      {"nodedetached", {"retains", "page.nodes", 20}},
      // What the page keeps in the browser process (object URLs never revoked).
      {"blob", {"retains", "browser.private_bytes", 60}},
      // What a worker or a cross-site frame keeps: the page counters summed over the targets.
      {"worker", {"retains", "page.js_heap_used_bytes", 60}},
      {"crossframe", {"retains", "page.nodes", 20}},
  };
  // Which process kind and which target grew, in summary.json and report.html.
  const std::map<std::string, std::pair<std::string, std::string>> grew = {
      {"blob", {"the browser process", ""}},
      {"node", {"the page's DOM", ""}},
      {"worker", {"the page's JavaScript heaps", "worker:127.0.0.1/fixtures/keeper.js"}},
      {"crossframe", {"the page's DOM", "frame:localhost"}},
  };
  TempDir tmp("harness-it-verdicts");
  const auto result = run_harness({"run", "scenarios/fixtures.yaml", "--iterations", "auto",
                                   "--max-iterations", "120", "--out", tmp.path().string()},
                                  tmp.path());
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto dirs = run_dirs(result);
  ASSERT_EQ(dirs.size(), expected.size());
  for (const auto& dir : dirs) {
    const json s = read_json(dir / "summary.json");
    const std::string page = s["variant"]["page"];
    SCOPED_TRACE(page + ": " + s["verdict"].value("reason", ""));
    const Expected& want = expected.at(page);
    EXPECT_EQ(s["status"], "completed");
    EXPECT_EQ(s["verdict"]["kind"], want.verdict);
    if (*want.metric) {
      EXPECT_THAT(s["verdict"]["metrics"].get<std::vector<std::string>>(), Contains(want.metric));
    }
    ASSERT_TRUE(s["adaptive"].is_object());
    EXPECT_LE(s["adaptive"]["iterations_used"].get<int>(), want.max_iterations);
    EXPECT_GT(s["adaptive"]["seconds_used"].get<double>(), 0);
    // Projections only for retaining runs (fixtures.yaml has no ceiling: never).
    EXPECT_TRUE(s["projection"].is_null());
    if (auto it = grew.find(page); it != grew.end()) {
      const auto subjects = s["verdict"]["subjects"].get<std::vector<std::string>>();
      EXPECT_THAT(subjects, Contains(it->second.first));
      std::ifstream in(dir / "report.html");
      const std::string html((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      EXPECT_THAT(html, HasSubstr("What grew:"));
      if (!it->second.second.empty()) {
        const auto targets = s["verdict"]["targets"].get<std::vector<std::string>>();
        ASSERT_FALSE(targets.empty());
        EXPECT_THAT(targets.front(), HasSubstr(it->second.second));
        EXPECT_THAT(html, HasSubstr(it->second.second));
        EXPECT_TRUE(s["targets"].contains(it->second.second)) << s["targets"].dump();
      }
    }
  }
}

TEST(VerdictsChromium, ExpectationsDecideTheExitCodeAndJUnit) {
  TempDir tmp("harness-it-expect");
  const auto junit = tmp.path() / "junit.xml";
  const auto result = run_harness({"run", "tests/integration/scenarios/expect-stable.yaml",
                                   "--out", tmp.path().string(), "--junit", junit.string()},
                                  tmp.path());
  EXPECT_EQ(result.exit_code, 1) << result.err;  // window does not meet `expect: stable`
  const auto dirs = run_dirs(result);
  ASSERT_EQ(dirs.size(), 2u);
  for (const auto& dir : dirs) {
    const json s = read_json(dir / "summary.json");
    const bool clean = s["variant"]["page"] == "clean";
    EXPECT_EQ(s["expectations"]["declared"], true);
    EXPECT_EQ(s["expectations"]["met"], clean) << s["expectations"].dump();
    if (!clean) {
      EXPECT_THAT(s["expectations"]["failures"][0].get<std::string>(),
                  HasSubstr("expected stable, the verdict is retains"));
    }
  }
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_file(junit.c_str()));
  auto suite = doc.child("testsuites").child("testsuite");
  EXPECT_EQ(suite.attribute("tests").as_int(), 2);
  EXPECT_EQ(suite.attribute("failures").as_int(), 1);
  int failures = 0;
  for (auto tc : suite.children("testcase")) {
    if (auto failure = tc.child("failure")) {
      ++failures;
      EXPECT_STREQ(tc.attribute("name").value(), "page=window");
      EXPECT_THAT(std::string(failure.attribute("message").value()), HasSubstr("expected stable"));
    }
  }
  EXPECT_EQ(failures, 1);
}

TEST(VerdictsChromium, CompareFindsARegressionBetweenRealRuns) {
  TempDir tmp("harness-it-compare");
  // The same scenario and variant, once clean and once retaining: the page is chosen through
  // the start URL so that both runs share their variant label.
  const auto scenario = tmp.path() / "compare.yaml";
  {
    std::ofstream out(scenario);
    out << "name: compare\nserve: " << (source_dir() / "pages").string()
        << "\nstart: fixtures/${page}.html\nvariants: {page: [clean]}\niterations: 25\n"
           "warmup: 2\nsetup:\n  - wait_for: {script: \"return !!(window.fixture && "
           "window.fixture.ready);\"}\niteration:\n  - execute_async: \"window.fixture.run("
           "arguments[arguments.length - 1], ${iteration});\"\n";
  }
  const auto baseline = tmp.path() / "baseline";
  const auto candidate = tmp.path() / "candidate";
  auto result = run_harness({"run", scenario.string(), "--out", baseline.string()}, tmp.path());
  ASSERT_EQ(result.exit_code, 0) << result.err;
  // The candidate: same key (page=clean) but the page it opens is window.html.
  {
    std::ofstream out(scenario);
    out << "name: compare\nserve: " << (source_dir() / "pages").string()
        << "\nstart: fixtures/window.html?as=${page}\nvariants: {page: [clean]}\niterations: 25\n"
           "warmup: 2\nsetup:\n  - wait_for: {script: \"return !!(window.fixture && "
           "window.fixture.ready);\"}\niteration:\n  - execute_async: \"window.fixture.run("
           "arguments[arguments.length - 1], ${iteration});\"\n";
  }
  result = run_harness({"run", scenario.string(), "--out", candidate.string()}, tmp.path());
  ASSERT_EQ(result.exit_code, 0) << result.err;

  const auto junit = tmp.path() / "compare.xml";
  const auto json_file = tmp.path() / "compare.json";
  result = run_harness({"compare", baseline.string(), candidate.string(), "--junit",
                        junit.string(), "--json", json_file.string()},
                       tmp.path(), std::chrono::seconds(60));
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  EXPECT_THAT(result.out, HasSubstr("regression"));
  const json comparison = read_json(json_file);
  EXPECT_EQ(comparison["regression"], true);
  ASSERT_EQ(comparison["pairs"].size(), 1u);
  EXPECT_EQ(comparison["pairs"][0]["baseline_verdict"], "stable");
  EXPECT_EQ(comparison["pairs"][0]["candidate_verdict"], "retains");
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_file(junit.c_str()));
  EXPECT_EQ(doc.child("testsuites").child("testsuite").attribute("failures").as_int(), 1);

  // A run compared with itself is unchanged: exit 0.
  result = run_harness({"compare", baseline.string(), baseline.string()}, tmp.path(),
                       std::chrono::seconds(60));
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_THAT(result.out, HasSubstr("unchanged"));
  // Nothing to compare is bad input.
  result = run_harness({"compare", baseline.string(), (tmp.path() / "nope").string()}, tmp.path(),
                       std::chrono::seconds(60));
  EXPECT_EQ(result.exit_code, 2);
}

}  // namespace
}  // namespace harness::testing
