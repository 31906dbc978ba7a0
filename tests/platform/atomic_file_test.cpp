// A real file system.
#include "harness/platform/atomic_file.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

namespace harness {
namespace {

std::string read(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(WriteAtomically, CreatesThenReplacesLeavingNoTemporary) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("harness-atomic-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto file = dir / "summary.json";
  EXPECT_FALSE(write_atomically(file, "first"));
  EXPECT_EQ(read(file), "first");
  EXPECT_FALSE(write_atomically(file, std::string("sec\0nd", 6)));
  EXPECT_EQ(read(file), std::string("sec\0nd", 6));
  EXPECT_FALSE(std::filesystem::exists(dir / "summary.json.tmp"));
  std::filesystem::remove_all(dir);
}

TEST(WriteAtomically, SaysWhatFailed) {
  const auto error = write_atomically("/no/such/folder/summary.json", "x");
  ASSERT_TRUE(error);
  EXPECT_EQ(*error, "cannot write /no/such/folder/summary.json.tmp");
}

}  // namespace
}  // namespace harness
