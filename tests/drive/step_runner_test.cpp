// Step semantics against a scripted fake Driver (the real one is covered by integration tests).
// The fake models a page: which selectors exist (and when they appear), which are hidden; it
// answers both the native W3C calls and the harness's own page scripts.
#include "harness/drive/step_runner.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <deque>

#include "harness/drive/page_scripts.hpp"
#include "harness/scenario/loader.hpp"

namespace harness {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string scripted(const char* body) { return std::string(page_script::k_prelude) + "\n" + body; }

class FakeDriver : public Driver {
 public:
  std::vector<std::string> calls;
  std::map<std::string, int> appears_after;  // selector -> lookups that still miss it
  std::set<std::string> hidden;
  std::set<std::string> missing;
  std::set<std::string> cross_origin_frames;
  int click_failures = 0;  // native: the next clicks fail as not interactable
  std::deque<json> script_results;
  std::string fail_everything_with;  // a W3C code every call throws

  void check() {
    if (!fail_everything_with.empty()) throw WebDriverError(fail_everything_with, "boom");
  }
  // 0 absent, 1 present, 2 visible; counts a lookup.
  int state(const std::string& css) {
    if (missing.count(css)) return 0;
    auto it = appears_after.find(css);
    if (it != appears_after.end() && it->second > 0) {
      --it->second;
      return 0;
    }
    return hidden.count(css) ? 1 : 2;
  }
  static std::string path_of(const json& args) {
    std::string out;
    for (const auto& p : args[0]) out += p.get<std::string>() + ">";
    return out;
  }

  void navigate(const std::string& url) override {
    check();
    calls.push_back("navigate " + url);
  }
  void reload() override { calls.push_back("reload"); }
  std::optional<ElementRef> find(const std::string& css) override {
    check();
    calls.push_back("find " + css);
    if (state(css) == 0) return std::nullopt;
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
  void enter_frame_index(int index) override { calls.push_back("enter #" + std::to_string(index)); }
  void leave_frame() override { calls.push_back("leave"); }
  void top_frame() override { calls.push_back("top"); }

  json execute(const std::string& script, const json& args) override {
    check();
    if (script == scripted(page_script::k_state)) {
      for (const auto& frame : args[0]) {
        if (cross_origin_frames.count(frame.get<std::string>())) {
          return {{"ok", false},  {"problem", "cross_origin"}, {"detail", frame}};
        }
      }
      const int s = args[1] == "html" ? 2 : state(args[1].get<std::string>());
      return {{"ok", true}, {"value", s}};
    }
    if (script == scripted(page_script::k_click)) {
      const std::string css = args[1];
      const int s = state(css);
      if (s == 0) return {{"ok", false},  {"problem", "no_element"}, {"detail", css}};
      if (s == 1) return {{"ok", false},  {"problem", "not_visible"}, {"detail", css}};
      calls.push_back("click " + path_of(args) + css);
      return {{"ok", true}, {"value", true}};
    }
    if (script == scripted(page_script::k_type)) {
      calls.push_back("type " + path_of(args) + args[1].get<std::string>() + " " +
                      args[2].get<std::string>() + (args[3].get<bool>() ? " (clear)" : ""));
      return {{"ok", true}, {"value", true}};
    }
    if (script == scripted(page_script::k_select)) {
      calls.push_back("select " + args[1].get<std::string>() + " " + args[2].get<std::string>() +
                      "|" + args[3].get<std::string>());
      return {{"ok", true}, {"value", true}};
    }
    if (script == scripted(page_script::k_eval)) {
      calls.push_back("eval " + path_of(args) + args[1].get<std::string>());
      return {{"ok", true}, {"value", next_result()}};
    }
    if (script == page_script::k_frame_index) {
      calls.push_back("frame_index " + args[0].get<std::string>());
      return 0;
    }
    if (args.is_array() && args.size() == 2 && args[1].is_string()) {
      // native select: the option's reference
      return json{{kWebElementKey, "option:" + args[1].get<std::string>()}};
    }
    calls.push_back("execute " + script);
    return next_result();
  }
  json execute_async(const std::string& script, const json& args) override {
    check();
    if (script == scripted(page_script::k_batch)) return play_batch(args[0]);
    if (script == scripted(page_script::k_eval_async)) {
      calls.push_back("async " + path_of(args) + args[1].get<std::string>());
      return {{"ok", true}, {"value", nullptr}};
    }
    calls.push_back("async " + script);
    return json();
  }
  std::string screenshot_png() override { return "\x89PNG"; }
  void allow_async_script(std::chrono::milliseconds budget) override {
    async_budget = std::max(async_budget, budget);
  }

  int batches = 0;                       // batch.js requests
  std::set<std::string> navigating_links;  // clicking one unloads the page (once)
  std::chrono::milliseconds async_budget{0};

  // Plays a batch as scripts/batch.js does against this fake page: every attempt of an op
  // that waits is one lookup, 50 ms of its timeout apart; the same reply shape.
  json play_batch(const json& ops) {
    ++batches;
    json done = json::array();
    double t = 0;
    auto path = [](const json& p) {
      std::string out;
      for (const auto& frame : p) out += frame.get<std::string>() + ">";
      return out;
    };
    for (std::size_t i = 0; i < ops.size(); ++i) {
      const json& op = ops[i];
      const std::string k = op["k"];
      const std::string where = path(op["p"]);
      for (const auto& frame : op["p"]) {
        if (cross_origin_frames.count(frame.get<std::string>())) {
          return {{"done", done},
                  {"failed", {{"op", i}, {"problem", "cross_origin"}, {"detail", frame},
                              {"at", t}, {"waited", 0}, {"timed_out", false}}}};
        }
      }
      const int attempts = std::max(1, op.value("t", 0) / 50);
      std::string problem;
      bool ok = false;
      for (int a = 0; a < attempts && !ok; ++a) {
        if (k == "click") {
          const std::string css = op["s"];
          const int s = state(css);
          if (s == 0) problem = "no_element";
          else if (s == 1) problem = "not_visible";
          else {
            calls.push_back("click " + where + css);
            ok = true;
            if (navigating_links.erase(css)) {
              done.push_back({t, 1.0});
              return {{"done", done}, {"navigated", {{"op", i}, {"acted", true}, {"at", t},
                                                     {"waited", 1.0}}}};
            }
          }
        } else if (k == "type") {
          calls.push_back("type " + where + op["s"].get<std::string>() + " " +
                          op["x"].get<std::string>() + (op["c"].get<bool>() ? " (clear)" : ""));
          ok = true;
        } else if (k == "select") {
          calls.push_back("select " + op["s"].get<std::string>() + " " +
                          op["v"].get<std::string>() + "|" + op["x"].get<std::string>());
          ok = true;
        } else if (k == "state") {
          const int s = state(op["s"].get<std::string>());
          const int w = op["w"];
          ok = w == 0 ? s == 0 : w == 2 ? s == 2 : s >= 1;
        } else if (k == "until" || k == "exec") {
          calls.push_back((where.empty() ? "execute " : "eval " + where) + op["x"].get<std::string>());
          const json v = next_result();
          ok = k == "exec" || !(v.is_null() || v == false || v == 0 || v == "");
        } else if (k == "async") {
          calls.push_back("async " + where + op["x"].get<std::string>());
          ok = true;
        } else if (k == "gc") {
          calls.push_back("gc in the page");
          ok = true;
        } else {
          ok = true;  // frame, sleep
        }
      }
      if (!ok) {
        return {{"done", done},
                {"failed", {{"op", i}, {"problem", problem}, {"detail", op.value("s", "")},
                            {"at", t}, {"waited", op["t"]}, {"timed_out", true}}}};
      }
      done.push_back({t, 1.0});
      t += 1.0;
    }
    return {{"done", done}, {"failed", nullptr}, {"navigated", nullptr}};
  }

 private:
  json next_result() {
    if (script_results.empty()) return json(true);
    json r = script_results.front();
    script_results.pop_front();
    return r;
  }
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
  InputMode input = InputMode::kScripted;

  void run(const std::string& yaml_steps, std::map<std::string, std::string> vars = {}) {
    StepEnvironment env;
    env.driver = &driver;
    env.gc = &gc;
    env.input = input;
    env.timeouts.step_ms = 400;
    env.base_url = "http://127.0.0.1:9/app/index.html";
    env.screenshot_dir = std::filesystem::temp_directory_path() / "harness-step-test-shots";
    env.stop = &stop;
    StepRunner runner(env);
    runner.run(steps_of(yaml_steps), vars, [&](const StepResult& r) { results.push_back(r); });
  }
};

TEST(StepRunner, ScriptedStepsWithVariablesAndRelativeUrls) {
  Fixture f;
  f.run(R"(  - open: "page.html?n=${iteration}"
  - type: {selector: "#note", text: "it ${iteration}", clear: true}
  - select: {selector: "#decision", value: approve}
  - execute: "window.x = ${iteration};"
  - execute_async: "arguments[0]();"
  - gc
  - reload
)",
        {{"iteration", "7"}});
  EXPECT_THAT(f.driver.calls,
              ElementsAre("navigate http://127.0.0.1:9/app/page.html?n=7",
                          "type #note it 7 (clear)", "select #decision approve|",
                          "execute window.x = 7;", "async arguments[0]();", "reload"));
  EXPECT_EQ(f.gc.collections, 1);
  ASSERT_EQ(f.results.size(), 7u);
  EXPECT_EQ(f.results[1].label, "type #note");
  EXPECT_TRUE(f.results[1].ok);
  EXPECT_EQ(f.results[6].index, 6);
}

TEST(StepRunner, ScriptedStepsGoToThePageAsOneBatchSplitByDriverSteps) {
  Fixture f;
  f.driver.missing.insert("#banner");
  f.run(R"(  - click: "#next"
  - wait_for: {script: "return ready;"}
  - frame:
      selector: "#review"
      steps:
        - type: {selector: "#note", text: "x"}
        - click: "#approve"
  - screenshot: shot
  - click: "#close"
  - wait_for: {selector: "#banner", state: absent}
)");
  EXPECT_EQ(f.driver.batches, 2);  // the screenshot splits the two
  EXPECT_THAT(f.driver.calls, ElementsAre("click #next", "execute return ready;",
                                          "type #review>#note x", "click #review>#approve",
                                          "click #close"));
  // Every step is reported, in run_one's order, with pre-order indices.
  ASSERT_EQ(f.results.size(), 8u);
  std::vector<std::string> labels;
  std::vector<int> indices;
  for (const auto& r : f.results) {
    labels.push_back(r.label);
    indices.push_back(r.index);
    EXPECT_TRUE(r.ok);
  }
  EXPECT_THAT(labels, ElementsAre("click #next", "wait_for script", "type #note",
                                  "click #approve", "frame #review", "screenshot shot",
                                  "click #close", "wait_for #banner"));
  EXPECT_THAT(indices, ElementsAre(0, 1, 3, 4, 2, 5, 6, 7));
  // The driver may wait as long as the batch's steps may (400 ms each here) and then some.
  EXPECT_GE(f.driver.async_budget, std::chrono::milliseconds(4 * 400));
  std::filesystem::remove_all(std::filesystem::temp_directory_path() / "harness-step-test-shots");
}

TEST(StepRunner, ABatchGoesOnAfterAClickThatNavigates) {
  Fixture f;
  f.driver.navigating_links.insert("#link");
  f.run(R"(  - click: "#link"
  - wait_for: "#next-page"
  - click: "#next-page"
)");
  EXPECT_EQ(f.driver.batches, 2);
  EXPECT_THAT(f.driver.calls, ElementsAre("click #link", "click #next-page"));
  ASSERT_EQ(f.results.size(), 3u);
  EXPECT_EQ(f.results[2].label, "click #next-page");
}

TEST(StepRunner, AFailureInsideAFrameReportsTheStepThenItsFrame) {
  Fixture f;
  f.driver.missing.insert("#never");
  try {
    f.run(R"(  - frame:
      selector: "#review"
      steps:
        - click: "#ok"
        - click: {selector: "#never", timeout_ms: 100}
  - click: "#after"
)");
    FAIL() << "expected StepFailed";
  } catch (const StepFailed& e) {
    EXPECT_EQ(e.label(), "click #never");
    EXPECT_EQ(e.where().line, 8);
    EXPECT_THAT(e.what(), HasSubstr("no element matches '#never' (after 100 ms)"));
  }
  ASSERT_EQ(f.results.size(), 3u);
  EXPECT_TRUE(f.results[0].ok);
  EXPECT_FALSE(f.results[1].ok);
  EXPECT_EQ(f.results[2].label, "frame #review");
  EXPECT_FALSE(f.results[2].ok);
  EXPECT_EQ(f.results[2].error, f.results[1].error);
  EXPECT_THAT(f.driver.calls, ElementsAre("click #review>#ok"));
}

TEST(StepRunner, ScriptedClickWaitsUntilTheElementAppearsAndIsVisible) {
  Fixture f;
  f.driver.appears_after["#late"] = 3;
  f.run("  - click: \"#late\"\n");
  EXPECT_THAT(f.driver.calls, ElementsAre("click #late"));
}

TEST(StepRunner, ScriptedFrameStepsAddressTheFrameByPath) {
  Fixture f;
  f.run(R"(  - frame:
      selector: "iframe#review"
      steps:
        - click: "#approve"
        - frame:
            selector: "#inner"
            steps:
              - execute: "return 1;"
              - execute_async: "arguments[0]();"
  - click: "#close"
)");
  // No frame switching and no element references: every action carries its frame path.
  EXPECT_THAT(f.driver.calls,
              ElementsAre("click iframe#review>#approve", "eval iframe#review>#inner>return 1;",
                          "async iframe#review>#inner>arguments[0]();", "click #close"));
  // Children report before their frame; the frame's time covers them.
  ASSERT_EQ(f.results.size(), 6u);
  EXPECT_EQ(f.results[0].label, "click #approve");
  EXPECT_EQ(f.results[4].label, "frame iframe#review");
  EXPECT_GE(f.results[4].duration_ms, f.results[0].duration_ms);
}

TEST(StepRunner, CrossOriginFrameFailsAtOnceWithAHint) {
  Fixture f;
  f.driver.cross_origin_frames.insert("#ads");
  try {
    f.run("  - frame: {selector: \"#ads\", steps: [{click: \"#x\"}]}\n");
    FAIL() << "expected StepFailed";
  } catch (const StepFailed& e) {
    EXPECT_THAT(e.what(), HasSubstr("cross-origin"));
    EXPECT_THAT(e.what(), HasSubstr("input: native"));
  }
}

TEST(StepRunner, NativeModeUsesElementReferencesAndEntersFramesByIndex) {
  Fixture f;
  f.input = InputMode::kNative;
  f.driver.click_failures = 2;
  f.run(R"(  - frame:
      selector: "iframe#review"
      steps:
        - click: "#approve"
        - type: {selector: "#note", text: "ok"}
        - select: {selector: "#decision", text: Reject}
)");
  EXPECT_THAT(f.driver.calls,
              ElementsAre("frame_index iframe#review", "enter #0", "find #approve",
                          "click #approve", "find #approve", "click #approve", "find #approve",
                          "click #approve", "find #note", "keys #note ok", "find #decision",
                          "click option:Reject", "leave"));
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

TEST(StepRunner, ScriptedClickOnAHiddenElementTimesOutSayingSo) {
  Fixture f;
  f.driver.hidden.insert("#covered");
  try {
    f.run("  - click: {selector: \"#covered\", timeout_ms: 100}\n");
    FAIL() << "expected StepFailed";
  } catch (const StepFailed& e) {
    EXPECT_THAT(e.what(), HasSubstr("'#covered' is present but not visible"));
  }
}

TEST(StepRunner, WaitForVisibleAndAbsent) {
  Fixture f;
  f.driver.hidden.insert("#banner");
  EXPECT_THROW(f.run("  - wait_for: {selector: \"#banner\", state: visible, timeout_ms: 100}\n"),
               StepFailed);
  f.driver.missing.insert("#gone");
  EXPECT_NO_THROW(f.run("  - wait_for: {selector: \"#gone\", state: absent}\n"));
  EXPECT_NO_THROW(f.run("  - wait_for: \"#banner\"\n"));  // present is enough
}

TEST(StepRunner, WaitForScriptPollsUntilTrue) {
  Fixture f;
  f.driver.script_results = {json(false), json(nullptr), json(0), json("yes")};
  f.run("  - wait_for: {script: \"return window.ready;\"}\n");
  EXPECT_EQ(f.driver.script_results.size(), 0u);
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
