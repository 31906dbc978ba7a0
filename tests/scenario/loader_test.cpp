#include "harness/scenario/loader.hpp"
#include "harness/browser/profile.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "harness/scenario/variables.hpp"
#include "harness/scenario/yaml_reader.hpp"

namespace harness {
namespace {

using ::testing::HasSubstr;

// Parses `text` as if it were scenarios/test.yaml in the source tree (so `serve: ../pages`
// resolves to the real pages folder).
Scenario parse(const std::string& text) {
  return parse_scenario(text, std::filesystem::path(HARNESS_SOURCE_DIR) / "scenarios/test.yaml");
}

std::vector<Diagnostic> errors_of(const std::string& text) {
  try {
    parse(text);
  } catch (const ScenarioError& e) {
    return e.diagnostics();
  }
  ADD_FAILURE() << "expected a ScenarioError for:\n" << text;
  return {};
}

const char* kValid = R"yaml(
name: demo
description: a demo
serve: ../pages
start: vtm-review/index.html?retention=${retention}
variants:
  retention: [none, window]
  plugin: "2.1"
iterations: 12
warmup: 2
checkpoint: {every: 3, gc: false, settle_ms: 150}
timeouts: {step_ms: 5000}
ceiling: 1300MiB
setup:
  - wait_for: {script: "return window.ready;", timeout_ms: 2000}
iteration:
  - click: "#next"
  - type: {selector: "#note", text: "it ${iteration}", clear: true}
  - select: {selector: "#decision", text: "Approve"}
  - frame:
      selector: "iframe#review"
      steps:
        - wait_for: {selector: "#approve", state: visible}
        - click: {selector: "#approve", name: approve the case}
  - execute: "window.x = 1;"
  - execute_async: "arguments[arguments.length - 1](true);"
  - sleep: 10
  - gc
  - reload
  - screenshot: shot.png
  - open: other.html
)yaml";

TEST(ScenarioLoader, ParsesEveryField) {
  const Scenario s = parse(kValid);
  EXPECT_EQ(s.name, "demo");
  EXPECT_EQ(s.description, "a demo");
  ASSERT_TRUE(s.serve_dir.has_value());
  EXPECT_EQ(s.serve_dir->filename(), "pages");
  EXPECT_EQ(s.iterations, 12);
  EXPECT_EQ(s.warmup, 2);
  EXPECT_EQ(s.checkpoint.every, 3);
  EXPECT_FALSE(s.checkpoint.gc);
  EXPECT_EQ(s.checkpoint.settle_ms, 150);
  EXPECT_EQ(s.timeouts.step_ms, 5000);
  EXPECT_EQ(s.timeouts.page_load_ms, 30000);  // default kept
  ASSERT_TRUE(s.ceiling.has_value());
  EXPECT_EQ(s.ceiling->bytes, 1300ull * 1024 * 1024);
  ASSERT_EQ(s.variants.size(), 2u);
  EXPECT_EQ(s.variants[0].name, "retention");
  EXPECT_EQ(s.variants[0].values, (std::vector<std::string>{"none", "window"}));
  EXPECT_EQ(s.variants[1].values, (std::vector<std::string>{"2.1"}));
  // `plugin` is referenced nowhere, so it travels as a query parameter.
  EXPECT_EQ(s.unreferenced_variants, (std::set<std::string>{"plugin"}));

  ASSERT_EQ(s.setup.size(), 1u);
  EXPECT_EQ(s.setup[0].kind, StepKind::kWaitFor);
  EXPECT_EQ(s.setup[0].timeout_ms, 2000);
  ASSERT_EQ(s.iteration.size(), 11u);
  EXPECT_EQ(s.iteration[0].kind, StepKind::kClick);
  EXPECT_EQ(s.iteration[0].selector, "#next");
  EXPECT_EQ(s.iteration[0].label, "click #next");
  EXPECT_EQ(s.iteration[0].where.line, 17);
  EXPECT_EQ(s.iteration[0].where.column, 5);
  EXPECT_TRUE(s.iteration[1].clear);
  EXPECT_EQ(s.iteration[2].text, "Approve");
  const Step& frame = s.iteration[3];
  EXPECT_EQ(frame.kind, StepKind::kFrame);
  ASSERT_EQ(frame.steps.size(), 2u);
  EXPECT_EQ(frame.steps[0].state, WaitState::kVisible);
  EXPECT_EQ(frame.steps[1].label, "approve the case");
  EXPECT_EQ(s.iteration[6].sleep_ms, 10);
  EXPECT_EQ(s.iteration[7].kind, StepKind::kGc);
  EXPECT_EQ(s.iteration[8].kind, StepKind::kReload);
  EXPECT_EQ(s.iteration[9].file_name, "shot.png");
  EXPECT_EQ(s.iteration[10].url, "other.html");
  EXPECT_FALSE(s.defaulted.count("iterations"));
  EXPECT_TRUE(s.defaulted.count("browsers"));
}

TEST(ScenarioLoader, CeilingDumpsAndMitigations) {
  const Scenario s = parse(R"yaml(name: c
start: http://127.0.0.1:1/
ceiling: {size: 1300MiB, enforce: limit}
dumps:
  on_hang: false
  hang_stack: true
  rules:
    - {metric: private, start: 300MiB, step: 100MiB, max: 10}
    - {metric: virtual, start: 500MiB, step: 200MiB}
reload_every: 40
restart_every: 100
timeouts: {hang_ms: 5000}
iteration:
  - gc
)yaml");
  ASSERT_TRUE(s.ceiling);
  EXPECT_EQ(s.ceiling->enforce, CeilingEnforcement::kLimit);
  EXPECT_FALSE(s.dumps.on_hang);
  EXPECT_TRUE(s.dumps.hang_stack);
  ASSERT_EQ(s.dumps.rules.size(), 2u);
  EXPECT_EQ(s.dumps.rules[0].start_bytes, 300ull << 20);
  EXPECT_EQ(s.dumps.rules[0].step_bytes, 100ull << 20);
  EXPECT_EQ(s.dumps.rules[1].metric, "virtual");
  EXPECT_EQ(s.dumps.rules[1].max, 10);  // default
  EXPECT_EQ(s.reload_every, 40);
  EXPECT_EQ(s.restart_every, 100);
  EXPECT_EQ(s.timeouts.hang_ms, 5000);
  EXPECT_FALSE(s.attribution);  // off unless asked for
  EXPECT_TRUE(parse("name: a\nstart: http://h/\nattribution: true\niteration:\n  - gc\n").attribution);
  const auto bad = errors_of("name: a\nstart: http://h/\nattribution: lots\niteration:\n  - gc\n");
  ASSERT_EQ(bad.size(), 1u);
  EXPECT_EQ(bad[0].where.line, 3);
  // A plain list of rules is accepted too.
  const Scenario list = parse("name: l\nstart: http://h/\ndumps: [{start: 1MiB}]\niteration:\n  - gc\n");
  ASSERT_EQ(list.dumps.rules.size(), 1u);
  EXPECT_TRUE(list.dumps.on_hang);
}

TEST(ScenarioLoader, BadCeilingModeAndDumpRule) {
  const auto errors = errors_of(R"yaml(name: c
start: http://127.0.0.1:1/
ceiling: {size: 1300MiB, enforce: explode}
dumps: [{metric: handles, start: lots}]
iteration:
  - gc
)yaml");
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_THAT(errors[0].message, HasSubstr("enforce must be observe, kill or limit"));
  EXPECT_THAT(errors[1].message, HasSubstr("metric must be private or virtual"));
  EXPECT_THAT(errors[2].message, HasSubstr("start 'lots' is not a size"));
}

TEST(ScenarioLoader, MisspeltStepKindNamesLineColumnAndSuggests) {
  const auto errors = errors_of(R"yaml(name: x
start: http://127.0.0.1:1/
iteration:
  - click: "#a"
  - clik: "#b"
)yaml");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].where.line, 5);
  EXPECT_EQ(errors[0].where.column, 5);
  EXPECT_THAT(errors[0].message, HasSubstr("unknown step kind 'clik'"));
  EXPECT_THAT(errors[0].message, HasSubstr("did you mean 'click'?"));
  EXPECT_THAT(errors[0].message, HasSubstr("open, click, type"));  // the expected form
}

TEST(ScenarioLoader, CollectsEveryProblemWithItsPosition) {
  const auto errors = errors_of(R"yaml(name: x
start: relative.html
itrations: 5
warmup: many
checkpoint: {every: 0}
iteration:
  - type: {selector: "#a"}
  - wait_for: {selector: "#b", script: "return 1;"}
  - sleep: -4
  - open: "${nope}"
)yaml");
  std::vector<std::string> messages;
  for (const auto& e : errors) messages.push_back(std::to_string(e.where.line) + ": " + e.message);
  ASSERT_EQ(errors.size(), 8u) << ::testing::PrintToString(messages);
  // In file order.
  for (std::size_t i = 1; i < errors.size(); ++i) {
    EXPECT_LE(errors[i - 1].where.line, errors[i].where.line);
  }
  EXPECT_THAT(messages, ::testing::Contains(HasSubstr("3: unknown key 'itrations'")));
  EXPECT_THAT(messages, ::testing::Contains(HasSubstr("did you mean 'iterations'?")));
  EXPECT_THAT(messages, ::testing::Contains(HasSubstr("start must be an absolute http://")));
  EXPECT_THAT(messages, ::testing::Contains(HasSubstr("4: 'warmup' in the scenario must be a whole "
                                                      "number")));
  EXPECT_THAT(messages, ::testing::Contains(HasSubstr("5: 'every' in checkpoint must be")));
  EXPECT_THAT(messages, ::testing::Contains(HasSubstr("step 'type' is missing 'text'")));
  EXPECT_THAT(messages, ::testing::Contains(HasSubstr("wait_for needs exactly one of")));
  EXPECT_THAT(messages, ::testing::Contains(HasSubstr("9: sleep takes milliseconds")));
  EXPECT_THAT(messages, ::testing::Contains(HasSubstr("${nope} is not a variant")));
}

TEST(ScenarioLoader, SleepOutOfRangeIsAnError) {
  const auto errors = errors_of("name: x\nstart: http://h/\niteration:\n  - sleep: -4\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].where.line, 4);
  EXPECT_THAT(errors[0].message, HasSubstr("sleep takes milliseconds"));
}

TEST(ScenarioLoader, MissingRequiredFieldsAreReportedAtTheMapping) {
  const auto errors = errors_of("description: nothing else\n");
  ASSERT_EQ(errors.size(), 3u);
  for (const auto& e : errors) EXPECT_EQ(e.where.line, 1);
  EXPECT_THAT(errors[0].message, HasSubstr("missing 'name'"));
  EXPECT_THAT(errors[1].message, HasSubstr("missing 'start'"));
  EXPECT_THAT(errors[2].message, HasSubstr("missing 'iteration'"));
}

TEST(ScenarioLoader, YamlSyntaxErrorHasItsPosition) {
  const auto errors = errors_of("name: x\niteration:\n  - click: [unclosed\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_THAT(errors[0].message, HasSubstr("YAML syntax"));
  EXPECT_GE(errors[0].where.line, 3);
}

TEST(ScenarioLoader, WrongTypesSayWhatIsExpected) {
  const auto errors = errors_of(R"yaml(name: [a, b]
start: http://h/
iterations: 2.5
browsers: [chromium, firefox]
ceiling: lots
iteration: {click: "#a"}
)yaml");
  std::vector<std::string> messages;
  for (const auto& e : errors) messages.push_back(to_string(e.where) + ": " + e.message);
  EXPECT_THAT(messages, ::testing::Contains(HasSubstr("1:7: 'name' in the scenario must be a short "
                                                      "name, not a list")));
  EXPECT_THAT(messages, ::testing::Contains(HasSubstr("3:13: 'iterations'")));
  EXPECT_THAT(messages, ::testing::Contains(HasSubstr("4:22: unknown browser profile 'firefox'")));
  EXPECT_THAT(messages, ::testing::Contains(HasSubstr("5:10: ceiling 'lots' is not a size")));
  EXPECT_THAT(messages, ::testing::Contains(HasSubstr("6:12: iteration must be a list of steps")));
}

TEST(ScenarioLoader, ServeFolderMustExist) {
  const auto errors =
      errors_of("name: x\nserve: ./no-such-folder\nstart: a.html\niteration:\n  - gc\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].where.line, 2);
  EXPECT_THAT(errors[0].message, HasSubstr("does not exist"));
}

TEST(ScenarioLoader, UnreadableFileIsAnInputError) {
  EXPECT_THROW(load_scenario("/no/such/scenario.yaml"), InputError);
}

TEST(ScenarioLoader, ShippedScenariosAreValid) {
  LoadOptions options;
  options.known_browsers = browser_profile_names();  // as `harness run` loads them
  for (const auto& entry :
       std::filesystem::directory_iterator(std::filesystem::path(HARNESS_SOURCE_DIR) / "scenarios")) {
    if (entry.path().extension() != ".yaml") continue;
    SCOPED_TRACE(entry.path().string());
    EXPECT_NO_THROW(load_scenario(entry.path(), options));
  }
}

TEST(ClosestMatch, SuggestsOnlyLikelyTypos) {
  EXPECT_EQ(closest_match("clik", step_kind_names()), "click");
  EXPECT_EQ(closest_match("waitfor", step_kind_names()), "wait_for");
  EXPECT_EQ(closest_match("xyzzy", step_kind_names()), "");
}

TEST(ReferencedVariables, FindsEveryName) {
  EXPECT_EQ(referenced_variables("a=${x}&b=${y}${x}"), (std::vector<std::string>{"x", "y", "x"}));
  EXPECT_TRUE(referenced_variables("no vars ${ unclosed").size() == 0);
}

}  // namespace
}  // namespace harness
