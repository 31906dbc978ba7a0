// A test's scratch folder, removed when the test ends: declared before the objects that use it,
// it is destroyed after them (Windows cannot remove a database or file that is still open).
#pragma once

#include <filesystem>
#include <system_error>

namespace harness::testing {

struct RemoveAtEnd {
  std::filesystem::path dir;
  ~RemoveAtEnd() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

}  // namespace harness::testing
