// Step semantics against a scripted fake Driver (the real one is covered by integration tests).
#include "harness/drive/step_runner.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <deque>

#include "harness/scenario/loader.hpp"

namespace harness {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class FakeDriver : public Driver {
 public:
  std::vector<std::string> calls;
  // Selector -> how many more finds return nothing before it appears.
  std::map<std::string, int> appears_after;
  std::set<std::string> hidden;
  std::set<std::string> missing;
  int click_failures = 0;  // the next clicks fail as not interactable
  std::deque<json> script_results;
  std::string fail_everything_with;  // a W3C code every call throws

  void check() {
    if (!fail_everything_with.empty()) throw WebDriverError(fail_everything_with, "boom");
  }
  void navigate(const std::string& url) override {
    check();
    calls.push_back("navigate " + url);
  }
  void reload() override { calls.push_back("reload"); }
  std::optional<ElementRef> find(const std::string& css) override {
    check();
    calls.push_back("find " + css);
    if (missing.count(css)) return std::nullopt;
    auto it = appears_after.find(css);
    if (it != appears_after.end() && it->second > 0) {
      --it->second;
      return std::nullopt;
    }
    return ElementRef{css};
  }
  bool displayed(const ElementRef& e) override { return !hidden.count(e.id); }
  void click(const ElementRef& e) override {
    calls.push_back("click " + e.id);
    if (click_failures > 0) {
      --click_failures;
      throw WebDriverError("element not interactable", "not yet");
    }
  }
  void clear(const ElementRef& e) override { calls.push_back("clear " + e.id); }
  void send_keys(const ElementRef& e, const std::string& text) override {
    calls.push_back("keys " + e.id + " " + text);
  }
  void enter_frame(const ElementRef& e) override { calls.push_back("enter " + e.id); }
  void leave_frame() override { calls.push_back("leave"); }
  void top_frame() override { calls.push_back("top"); }
  json execute(const std::string& script, const json& args) override {
    check();
    calls.push_back("execute " + script.substr(0, 30));
    if (args.is_array() && args.size() == 2 && args[1].is_string()) {
      // select: return an option reference
      return json{{kWebElementKey, "option:" + args[1].get<std::string>()}};
    }
    if (script_results.empty()) return json(true);
    json r = script_results.front();
    script_results.pop_front();
    return r;
  }
  json execute_async(const std::string& script, const json&) override {
    calls.push_back("async " + script);
    return json();
  }
  std::string screenshot_png() override { return "\x89PNG"; }
};

class FakeGc : public GarbageCollector {
 public:
  int collections = 0;
  void collect_garbage() override { ++collections; }
};

std::vector<Step> steps_of(const std::string& yaml_steps) {
  return parse_scenario("name: t\nstart: http://h/\niteration:\n" + yaml_steps, "t.yaml").iteration;
}

struct Fixture {
  FakeDriver driver;
  FakeGc gc;
  std::atomic<bool> stop{false};
  std::vector<StepResult> results;

  void run(const std::string& yaml_steps, std::map<std::string, std::string> vars = {}) {
    StepEnvironment env;
    env.driver = &driver;
    env.gc = &gc;
    env.timeouts.step_ms = 400;
    env.base_url = "http://127.0.0.1:9/app/index.html";
    env.screenshot_dir = std::filesystem::temp_directory_path() / "harness-step-test-shots";
    env.stop = &stop;
    StepRunner runner(env);
    runner.run(steps_of(yaml_steps), vars, [&](const StepResult& r) { results.push_back(r); });
  }
};

TEST(StepRunner, RunsStepsWithVariablesAndRelativeUrls) {
  Fixture f;
  f.run(R"(  - open: "page.html?n=${iteration}"
  - type: {selector: "#note", text: "it ${iteration}", clear: true}
  - execute_async: "arguments[0]();"
  - gc
  - reload
)",
        {{"iteration", "7"}});
  EXPECT_THAT(f.driver.calls,
              ElementsAre("navigate http://127.0.0.1:9/app/page.html?n=7", "find #note",
                          "clear #note", "keys #note it 7", "async arguments[0]();", "reload"));
  EXPECT_EQ(f.gc.collections, 1);
  ASSERT_EQ(f.results.size(), 5u);
  EXPECT_EQ(f.results[1].label, "type #note");
  EXPECT_TRUE(f.results[1].ok);
  EXPECT_EQ(f.results[4].index, 4);
}

TEST(StepRunner, WaitsForAnElementThatAppearsLater) {
  Fixture f;
  f.driver.appears_after["#late"] = 3;
  f.run("  - click: \"#late\"\n");
  EXPECT_EQ(std::count(f.driver.calls.begin(), f.driver.calls.end(), "find #late"), 4);
  EXPECT_EQ(f.driver.calls.back(), "click #late");
}

TEST(StepRunner, RetriesAClickWhileNotInteractable) {
  Fixture f;
  f.driver.click_failures = 2;
  f.run("  - click: \"#button\"\n");
  EXPECT_EQ(std::count(f.driver.calls.begin(), f.driver.calls.end(), "click #button"), 3);
}

TEST(StepRunner, TimeoutNamesTheStepAndItsLocation) {
  Fixture f;
  f.driver.missing.insert("#never");
  try {
    f.run("  - wait_for: {selector: \"#never\", timeout_ms: 120}\n");
    FAIL() << "expected StepFailed";
  } catch (const StepFailed& e) {
    EXPECT_EQ(e.where().line, 4);
    EXPECT_THAT(e.what(), HasSubstr("wait_for #never (t.yaml:4:5)"));
    EXPECT_THAT(e.what(), HasSubstr("'#never' was not present within 120 ms"));
  }
  ASSERT_EQ(f.results.size(), 1u);
  EXPECT_FALSE(f.results[0].ok);
  EXPECT_GE(f.results[0].duration_ms, 100);
}

TEST(StepRunner, WaitForVisibleAndAbsent) {
  Fixture f;
  f.driver.hidden.insert("#banner");
  EXPECT_THROW(f.run("  - wait_for: {selector: \"#banner\", state: visible, timeout_ms: 100}\n"),
               StepFailed);
  f.driver.missing.insert("#gone");
  EXPECT_NO_THROW(f.run("  - wait_for: {selector: \"#gone\", state: absent}\n"));
}

TEST(StepRunner, WaitForScriptPollsUntilTrue) {
  Fixture f;
  f.driver.script_results = {json(false), json(nullptr), json(0), json("yes")};
  f.run("  - wait_for: {script: \"return window.ready;\"}\n");
  EXPECT_EQ(f.driver.script_results.size(), 0u);
}

TEST(StepRunner, SelectClicksTheOption) {
  Fixture f;
  f.run("  - select: {selector: \"#decision\", value: approve}\n"
        "  - select: {selector: \"#decision\", text: Reject}\n");
  EXPECT_THAT(f.driver.calls, ::testing::Contains("click option:option[value=\"approve\"]"));
  EXPECT_THAT(f.driver.calls, ::testing::Contains("click option:Reject"));
}

TEST(StepRunner, FrameEntersRunsAndLeaves) {
  Fixture f;
  f.run(R"(  - frame:
      selector: "iframe#review"
      steps:
        - click: "#approve"
  - click: "#close"
)");
  EXPECT_THAT(f.driver.calls, ElementsAre("find iframe#review", "enter iframe#review",
                                          "find #approve", "click #approve", "leave",
                                          "find #close", "click #close"));
  // The child reports before its frame; the frame's time covers the child.
  ASSERT_EQ(f.results.size(), 3u);
  EXPECT_EQ(f.results[0].label, "click #approve");
  EXPECT_EQ(f.results[1].label, "frame iframe#review");
  EXPECT_GE(f.results[1].duration_ms, f.results[0].duration_ms);
}

TEST(StepRunner, StopFlagInterrupts) {
  Fixture f;
  f.stop = true;
  EXPECT_THROW(f.run("  - click: \"#a\"\n"), Interrupted);
}

TEST(StepRunner, LostSessionIsBrowserLost) {
  Fixture f;
  f.driver.fail_everything_with = "invalid session id";
  EXPECT_THROW(f.run("  - click: \"#a\"\n"), BrowserLost);
}

TEST(StepRunner, ScriptErrorIsAStepFailure) {
  Fixture f;
  f.driver.fail_everything_with = "javascript error";
  EXPECT_THROW(f.run("  - execute: \"nope();\"\n"), StepFailed);
}

TEST(StepRunner, ScreenshotWritesAPng) {
  Fixture f;
  f.run("  - screenshot: review\n");
  const auto file = std::filesystem::temp_directory_path() / "harness-step-test-shots/review.png";
  EXPECT_TRUE(std::filesystem::exists(file));
  std::filesystem::remove_all(file.parent_path());
}

}  // namespace
}  // namespace harness
