// Scripted steps as batches (drive/step_batch.cpp, scripts/batch.js) in real Chromium through
// real chromedriver: waits that end when the page changes, frames, a failure inside a frame
// named like run_one names it, a click that navigates, script errors and timeouts.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/browser/chromium.hpp"
#include "harness/drive/step_runner.hpp"
#include "harness/scenario/loader.hpp"
#include "harness/serve/page_server.hpp"
#include "support.hpp"

namespace harness {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using nlohmann::json;

class StepsChromium : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir("harness-steps-chromium");
    server_ = new PageServer(testing::source_dir() / "tests/integration/pages");
    LaunchOptions options;
    options.run_dir = dir_->path();
    session_ = ChromiumProfile().launch(options).release();
  }
  static void TearDownTestSuite() {
    session_->end();
    delete session_;
    delete server_;
    delete dir_;
  }

  // Opens the test page, then runs `yaml_steps` as the iteration of a scenario.
  std::vector<StepResult> run(const std::string& yaml_steps, int script_ms = 30'000,
                              const std::string& page = "steps/index.html") {
    Driver& driver = session_->driver();
    driver.navigate(server_->base_url() + page);
    const Scenario scenario =
        parse_scenario("name: t\nstart: http://h/\niteration:\n" + yaml_steps, "t.yaml");
    StepEnvironment env;
    env.driver = &driver;
    env.gc = &session_->garbage_collector();
    env.timeouts.step_ms = 5'000;
    env.timeouts.script_ms = script_ms;
    env.base_url = server_->base_url();
    env.screenshot_dir = dir_->path() / "shots";
    std::vector<StepResult> results;
    StepRunner runner(env);
    try {
      runner.run(scenario.iteration, {{"iteration", "3"}},
                 [&](const StepResult& r) { results.push_back(r); });
    } catch (...) {
      last_results_ = results;
      throw;
    }
    return results;
  }

  static testing::TempDir* dir_;
  static PageServer* server_;
  static BrowserSession* session_;
  std::vector<StepResult> last_results_;
};

testing::TempDir* StepsChromium::dir_ = nullptr;
PageServer* StepsChromium::server_ = nullptr;
BrowserSession* StepsChromium::session_ = nullptr;

TEST_F(StepsChromium, AWorkflowWithWaitsAndAFrameRunsAsOneBatch) {
  const auto results = run(R"(  - wait_for: {selector: "#child"}
  - click: "#show"
  - wait_for: {selector: "#late", state: visible}
  - wait_for: {script: "return window.state === 'shown';"}
  - frame:
      selector: "#child"
      steps:
        - type: {selector: "#field", text: "note ${iteration}", clear: true}
        - select: {selector: "#choice", text: Bee}
        - click: "#go"
        - wait_for: {selector: "#done", state: visible}
  - wait_for: {selector: "#hidden", state: present}
  - execute: "window.seen = document.querySelector('#child').contentWindow.document.querySelector('#field').value;"
)");
  std::vector<std::string> labels;
  for (const auto& r : results) {
    labels.push_back(r.label);
    EXPECT_TRUE(r.ok) << r.label << ": " << r.error;
    EXPECT_GE(r.duration_ms, 0);
  }
  EXPECT_THAT(labels, ElementsAre("wait_for #child", "click #show", "wait_for #late",
                                  "wait_for script", "type #field", "select #choice",
                                  "click #go", "wait_for #done", "frame #child",
                                  "wait_for #hidden", "execute"));
  // The page's own delays show in the waits that cover them: #late appears 120 ms after the
  // click, `state` 80 ms later, #done 60 ms after #go.
  EXPECT_GE(results[2].duration_ms, 100);
  EXPECT_GE(results[3].duration_ms, 60);
  EXPECT_GE(results[7].duration_ms, 40);
  // The frame's time covers its children's.
  EXPECT_GE(results[8].duration_ms + 1, results[7].started_ms + results[7].duration_ms -
                                             results[8].started_ms);
  Driver& driver = session_->driver();
  EXPECT_EQ(driver.execute("return window.seen;", json::array()), "note 3");
  EXPECT_EQ(driver.execute("return document.querySelector('#child').contentWindow.document"
                           ".querySelector('#choice').value;",
                           json::array()),
            "b");
}

TEST_F(StepsChromium, AFailureInsideTheFrameNamesTheStepAndItsLine) {
  try {
    run(R"(  - frame:
      selector: "#child"
      steps:
        - click: "#go"
        - click: {selector: "#missing", timeout_ms: 300}
  - click: "#show"
)");
    FAIL() << "expected StepFailed";
  } catch (const StepFailed& e) {
    EXPECT_EQ(e.label(), "click #missing");
    EXPECT_EQ(e.where().line, 8);
    EXPECT_THAT(e.what(), HasSubstr("click #missing (t.yaml:8:11): no element matches '#missing' "
                                    "(after 300 ms)"));
  }
  ASSERT_EQ(last_results_.size(), 3u);
  EXPECT_TRUE(last_results_[0].ok);
  EXPECT_FALSE(last_results_[1].ok);
  EXPECT_GE(last_results_[1].duration_ms, 250);
  EXPECT_EQ(last_results_[2].label, "frame #child");
  EXPECT_FALSE(last_results_[2].ok);
}

TEST_F(StepsChromium, AClickThatNavigatesEndsTheBatchAndTheRestRunsOnTheNextPage) {
  const auto results = run(R"(  - click: "#away"
  - wait_for: "#arrived"
  - execute: "window.onNext = location.pathname;"
)");
  ASSERT_EQ(results.size(), 3u);
  for (const auto& r : results) EXPECT_TRUE(r.ok) << r.label << ": " << r.error;
  EXPECT_EQ(session_->driver().execute("return window.onNext;", json::array()), "/steps/next.html");
}

TEST_F(StepsChromium, APageThatForbidsEvalGetsItsStepsOneByOne) {
  const auto results = run(R"(  - click: "#go"
  - wait_for: {script: "return window.state === 'done';"}
  - execute: "window.checked = true;"
)",
                           30'000, "steps/csp.html");
  ASSERT_EQ(results.size(), 3u);
  for (const auto& r : results) EXPECT_TRUE(r.ok) << r.label << ": " << r.error;
  EXPECT_EQ(session_->driver().execute("return window.checked === true;", json::array()), true);
}

TEST_F(StepsChromium, ScriptErrorsAndTimeoutsAreTheStepsFailures) {
  try {
    run("  - wait_for: {script: \"return window.nothing.here;\"}\n");
    FAIL() << "expected StepFailed";
  } catch (const StepFailed& e) {
    EXPECT_THAT(e.what(), HasSubstr("javascript error: "));
    EXPECT_THAT(e.what(), HasSubstr("here"));
  }
  try {
    run("  - execute_async: \"var never = arguments[0];\"\n", 400);
    FAIL() << "expected StepFailed";
  } catch (const StepFailed& e) {
    EXPECT_THAT(e.what(), HasSubstr("script timeout"));
  }
  try {
    run("  - wait_for: {selector: \"#hidden\", state: visible, timeout_ms: 200}\n");
    FAIL() << "expected StepFailed";
  } catch (const StepFailed& e) {
    EXPECT_THAT(e.what(), HasSubstr("'#hidden' was not visible within 200 ms"));
  }
}

}  // namespace
}  // namespace harness
