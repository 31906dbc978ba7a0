// Ending what a run started: waiting for processes to be gone, removing a folder.
#include "harness/platform/teardown.hpp"

#include <gtest/gtest.h>

#include <fstream>

namespace harness {
namespace {

using std::chrono::milliseconds;

TEST(Teardown, ALiveProcessIsASurvivorAndAnExitedOneIsNot) {
  const auto self = identify_process(current_process_id());
  ASSERT_TRUE(self);
  ProcessIdentity gone = *self;
  gone.start_ticks += 1;  // the same PID started at another time: not this process
  const auto survivors = wait_until_gone({*self, gone}, milliseconds(60));
  ASSERT_EQ(survivors.size(), 1u);
  EXPECT_EQ(survivors[0], *self);
  EXPECT_TRUE(wait_until_gone({gone}, milliseconds(0)).empty());
}

TEST(Teardown, RemoveFolderRemovesItsTreeAndSaysWhenItIsGone) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("harness-teardown-" + std::to_string(current_process_id()));
  std::filesystem::create_directories(dir / "a" / "b");
  std::ofstream(dir / "a" / "b" / "file") << "x";
  EXPECT_TRUE(remove_folder(dir, 3, milliseconds(10)));
  EXPECT_FALSE(std::filesystem::exists(dir));
  EXPECT_TRUE(remove_folder(dir, 1, milliseconds(0)));  // already gone
}

}  // namespace
}  // namespace harness
