// ci/nightly end to end on a two-scenario, two-variant Chromium matrix: the first night becomes
// the baseline, an unchanged night passes, a night whose pages now retain memory (same scenarios,
// same variants) fails with a regression; every night writes its report and JUnit.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <pugixml.hpp>

#include "harness/platform/process.hpp"
#include "support.hpp"

namespace harness::testing {
namespace {

using ::testing::HasSubstr;

// Writes the two scenarios; `bad` swaps their pages for retaining ones behind the same names and
// variants, as a regression in the app would.
void write_scenarios(const std::filesystem::path& dir, bool bad) {
  const std::string pages = (source_dir() / "pages").string();
  auto scenario = [&](const std::string& name, const std::string& page) {
    std::ofstream(dir / (name + ".yaml"))
        << "name: " << name << "\nserve: " << pages << "\nstart: fixtures/" << page
        << ".html?v=${v}\nvariants: {v: [\"1\", \"2\"]}\niterations: auto\nwarmup: 2\n"
           "setup:\n  - wait_for: {script: \"return !!(window.fixture && "
           "window.fixture.ready);\"}\niteration:\n  - execute_async: \"window.fixture.run("
           "arguments[arguments.length - 1], ${iteration});\"\n";
  };
  scenario("alpha", bad ? "window" : "clean");
  scenario("beta", bad ? "dom" : "clean");
  std::ofstream(dir / "matrix.yaml")
      << "name: nightly-test\nruns:\n  - scenario: alpha.yaml\n  - scenario: beta.yaml\n";
}

CommandResult nightly(const std::filesystem::path& matrix, const std::filesystem::path& out) {
  const auto stdout_file = out.parent_path() / "nightly.out";
  const auto stderr_file = out.parent_path() / "nightly.err";
  LaunchSpec spec;
  spec.executable = "/bin/sh";
  spec.args = {(source_dir() / "ci" / "nightly").string(), matrix.string()};
  spec.env = {{"HARNESS_OUT", out.string()}, {"HARNESS_BIN", HARNESS_BINARY}};
  spec.stdout_file = stdout_file;
  spec.stderr_file = stderr_file;
  auto child = ChildProcess::launch(spec);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(10);
  while (!child->poll_exit() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  CommandResult result;
  if (auto code = child->poll_exit()) result.exit_code = *code;
  else child->end_group(std::chrono::milliseconds(5000));
  result.out = read_file(stdout_file);
  result.err = read_file(stderr_file);
  return result;
}

std::filesystem::path last_line(const std::string& text) {
  std::string line, last;
  std::istringstream lines(text);
  while (std::getline(lines, line)) {
    if (!line.empty()) last = line;
  }
  return last;
}

int junit_failures(const std::filesystem::path& file) {
  pugi::xml_document doc;
  if (!doc.load_file(file.c_str())) return -1;
  return doc.child("testsuites").child("testsuite").attribute("failures").as_int();
}

TEST(Nightly, BaselineThenUnchangedThenRegression) {
  TempDir tmp("harness-it-nightly");
  const auto scenarios = tmp.path() / "scenarios";
  std::filesystem::create_directories(scenarios);
  const auto out = tmp.path() / "results";

  write_scenarios(scenarios, false);
  auto first = nightly(scenarios / "matrix.yaml", out);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_THAT(first.err, HasSubstr("no baseline yet"));
  EXPECT_THAT(first.err, HasSubstr("marked good"));
  const auto first_dir = last_line(first.out);
  EXPECT_TRUE(std::filesystem::exists(first_dir / "report.html"));
  EXPECT_EQ(junit_failures(first_dir / "junit.xml"), 0);

  auto second = nightly(scenarios / "matrix.yaml", out);
  ASSERT_EQ(second.exit_code, 0) << second.err;
  const auto second_dir = last_line(second.out);
  EXPECT_THAT(read_file(second_dir / "compare.txt"), HasSubstr("4 pair(s): 0 regression(s)"));
  EXPECT_EQ(junit_failures(second_dir / "compare-junit.xml"), 0);

  write_scenarios(scenarios, true);
  auto third = nightly(scenarios / "matrix.yaml", out);
  EXPECT_EQ(third.exit_code, 1) << third.err;
  const auto third_dir = last_line(third.out);
  EXPECT_THAT(read_file(third_dir / "compare.txt"), HasSubstr("4 pair(s): 4 regression(s)"));
  EXPECT_EQ(junit_failures(third_dir / "compare-junit.xml"), 4);
  // The report has the history of the three nights and the comparison.
  const std::string html = read_file(third_dir / "report.html");
  EXPECT_THAT(html, HasSubstr("regression"));
  EXPECT_THAT(html, HasSubstr("alpha chromium v=1"));
  EXPECT_TRUE(std::filesystem::exists(third_dir / "summary.md"));
}

}  // namespace
}  // namespace harness::testing
