// Golden-file comparison: the expected text lives in tests/data/<name>. Set
// HARNESS_UPDATE_GOLDEN=1 to rewrite the files after an intended change, then review the diff.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace harness::testing {

inline void expect_golden(const std::string& name, const std::string& actual) {
  const std::string path = std::string(HARNESS_TEST_DATA) + "/" + name;
  if (const char* update = std::getenv("HARNESS_UPDATE_GOLDEN"); update && std::string(update) == "1") {
    std::ofstream(path, std::ios::binary) << actual;
    return;
  }
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in) << "missing golden file " << path << " (run with HARNESS_UPDATE_GOLDEN=1)";
  std::ostringstream expected;
  expected << in.rdbuf();
  EXPECT_EQ(actual, expected.str()) << "golden file " << path;
}

}  // namespace harness::testing
