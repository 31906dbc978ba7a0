#include "harness/scenario/matrix.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

namespace harness {
namespace {

using ::testing::HasSubstr;

// Parses `text` as if it were ci/test-matrix.yaml in the source tree, so that
// `../scenarios/vtm-review.yaml` names a real scenario.
Matrix parse(const std::string& text) {
  return parse_matrix(text, std::filesystem::path(HARNESS_SOURCE_DIR) / "ci/test-matrix.yaml");
}

// "line:col: message" of every diagnostic, in the order thrown.
std::vector<std::string> errors_of(const std::string& text) {
  try {
    parse(text);
  } catch (const ScenarioError& e) {
    std::vector<std::string> out;
    for (const auto& d : e.diagnostics()) {
      out.push_back(std::to_string(d.where.line) + ":" + std::to_string(d.where.column) + ": " +
                    d.message);
    }
    return out;
  }
  ADD_FAILURE() << "expected a ScenarioError for:\n" << text;
  return {};
}

TEST(MatrixLoader, ParsesEntries) {
  const Matrix m = parse(R"yaml(name: nightly
description: two runs
runs:
  - scenario: ../scenarios/vtm-review.yaml
    browsers: [chromium]
    variants: {retention: [none, ie11], frames: iframe}
    iterations: auto
  - scenario: ../scenarios/fixtures.yaml
    iterations: 12
)yaml");
  EXPECT_EQ(m.name, "nightly");
  EXPECT_EQ(m.description, "two runs");
  ASSERT_EQ(m.entries.size(), 2u);
  EXPECT_EQ(m.entries[0].scenario.filename(), "vtm-review.yaml");
  EXPECT_EQ(m.entries[0].where.line, 4);
  EXPECT_EQ(m.entries[0].browsers, (std::vector<std::string>{"chromium"}));
  EXPECT_EQ(m.entries[0].variants,
            (std::vector<std::string>{"retention=none,ie11", "frames=iframe"}));
  EXPECT_EQ(m.entries[0].iterations, "auto");
  EXPECT_TRUE(m.entries[1].browsers.empty());
  EXPECT_EQ(m.entries[1].iterations, "12");
}

TEST(MatrixLoader, GridBlock) {
  const Matrix m = parse(R"yaml(name: nightly
grid:
  url: http://hub:4444
  parallel: 3
  token_file: agent.token
  agents: {"http://node1:5555/": "http://node1:4451"}
  serve_bind: 0.0.0.0
  serve_host: controller.lab
runs:
  - scenario: ../scenarios/vtm-review.yaml
)yaml");
  ASSERT_TRUE(m.grid.has_value());
  EXPECT_EQ(m.grid->url, "http://hub:4444");
  EXPECT_EQ(m.grid->parallel, 3);
  EXPECT_EQ(m.grid->token_file.filename(), "agent.token");
  EXPECT_EQ(m.grid->agents.at("http://node1:5555"), "http://node1:4451");
  EXPECT_EQ(m.grid->serve_host, "controller.lab");
  EXPECT_FALSE(parse("name: n\nruns:\n  - scenario: ../scenarios/vtm-review.yaml\n").grid);

  const auto errors = errors_of(R"yaml(name: nightly
grid: {url: hub:4444, parallel: 0, slots: 2}
runs:
  - scenario: ../scenarios/vtm-review.yaml
)yaml");
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_THAT(errors[0], HasSubstr("must start with http://"));  // in file order
  EXPECT_THAT(errors[1], HasSubstr("parallel"));
  EXPECT_THAT(errors[2], HasSubstr("slots"));
}

TEST(MatrixLoader, ShippedMatrixIsValid) {
  const Matrix m = load_matrix(std::filesystem::path(HARNESS_SOURCE_DIR) / "ci/nightly.yaml");
  EXPECT_EQ(m.name, "nightly");
  EXPECT_EQ(m.entries.size(), 2u);
}

// What the matrix file's own copy of the checks let through (the run failed later, or ran
// something else, without a file:line:col).
TEST(MatrixLoader, IterationsAreCheckedLikeTheScenarios) {
  const auto errors = errors_of(R"yaml(name: n
runs:
  - scenario: ../scenarios/vtm-review.yaml
    iterations: lots
  - scenario: ../scenarios/vtm-review.yaml
    iterations: 0
)yaml");
  ASSERT_EQ(errors.size(), 2u) << ::testing::PrintToString(errors);
  EXPECT_THAT(errors[0], HasSubstr("4:17: 'iterations' in a matrix run must be a whole number"));
  EXPECT_THAT(errors[0], HasSubstr("not 'lots'"));
  EXPECT_THAT(errors[1], HasSubstr("6:17: 'iterations' in a matrix run must be"));
}

TEST(MatrixLoader, BrowsersSuggestAndMustNameOne) {
  const auto errors = errors_of(R"yaml(name: n
runs:
  - scenario: ../scenarios/vtm-review.yaml
    browsers: [chromum]
  - scenario: ../scenarios/vtm-review.yaml
    browsers: []
  - scenario: ../scenarios/vtm-review.yaml
    browsers: {chromium: yes}
)yaml");
  ASSERT_EQ(errors.size(), 3u) << ::testing::PrintToString(errors);
  EXPECT_THAT(errors[0], HasSubstr("4:16: unknown browser profile 'chromum'"));
  EXPECT_THAT(errors[0], HasSubstr("did you mean 'chromium'?"));
  EXPECT_THAT(errors[1], HasSubstr("6:15: browsers must name at least one profile"));
  EXPECT_THAT(errors[2], HasSubstr("8:15: browsers must be a list of profile names"));
}

TEST(MatrixLoader, VariantsAreCheckedLikeTheScenarios) {
  const auto errors = errors_of(R"yaml(name: n
runs:
  - scenario: ../scenarios/vtm-review.yaml
    variants:
      retention: [none, {x: 1}]
      bad-name: a
      iteration: [1, 2]
      empty: []
      commas: "a,b"
)yaml");
  ASSERT_EQ(errors.size(), 5u) << ::testing::PrintToString(errors);
  EXPECT_THAT(errors[0], HasSubstr("5:25: values of variant 'retention' must be plain words"));
  EXPECT_THAT(errors[1], HasSubstr("6:7: variant name 'bad-name' must be letters"));
  EXPECT_THAT(errors[2], HasSubstr("7:7: 'iteration' is a built-in variable"));
  EXPECT_THAT(errors[3], HasSubstr("8:14: variant 'empty' needs a value"));
  EXPECT_THAT(errors[4], HasSubstr("9:7: variant 'commas': value 'a,b' cannot be pinned"));
}

TEST(MatrixLoader, EveryProblemInFileOrderWithHints) {
  const auto errors = errors_of(R"yaml(runs:
  - scenario: ../scenarios/no-such.yaml
    iterashuns: 5
  - scenario: ../scenarios
  - just a string
nmae: typo
)yaml");
  ASSERT_EQ(errors.size(), 6u) << ::testing::PrintToString(errors);
  EXPECT_THAT(errors[0], HasSubstr("1:1: the matrix is missing 'name'"));
  EXPECT_THAT(errors[1], HasSubstr("2:15: scenario '"));
  EXPECT_THAT(errors[1], HasSubstr("does not exist"));
  EXPECT_THAT(errors[2], HasSubstr("3:5: unknown key 'iterashuns' in a matrix run"));
  EXPECT_THAT(errors[2], HasSubstr("did you mean 'iterations'?"));
  EXPECT_THAT(errors[3], HasSubstr("4:15: scenario '"));
  EXPECT_THAT(errors[3], HasSubstr("is not a file"));
  EXPECT_THAT(errors[4], HasSubstr("5:5: each run of a matrix is a mapping"));
  EXPECT_THAT(errors[5], HasSubstr("6:1: unknown key 'nmae' in the matrix"));
}

TEST(MatrixLoader, EmptyFileAndSyntaxErrorHaveTheirPositions) {
  EXPECT_THAT(errors_of(""), ::testing::ElementsAre(HasSubstr("1:1: the matrix file is empty")));
  const auto syntax = errors_of("name: n\nruns: [unclosed\n");
  ASSERT_EQ(syntax.size(), 1u);
  EXPECT_THAT(syntax[0], HasSubstr("YAML syntax"));
  EXPECT_THAT(errors_of("name: n\nruns:\n"),
              ::testing::ElementsAre(HasSubstr("2:1: runs must be a non-empty list")));
  EXPECT_THAT(errors_of("- a\n- b\n"), ::testing::ElementsAre(HasSubstr("a matrix is a mapping")));
}

TEST(MatrixLoader, UnreadableFileIsAnInputError) {
  EXPECT_THROW(load_matrix("/no/such/matrix.yaml"), InputError);
}

}  // namespace
}  // namespace harness
