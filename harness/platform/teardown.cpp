#include "harness/platform/teardown.hpp"

#include <string>
#include <thread>

namespace harness {

std::vector<ProcessIdentity> wait_until_gone(const std::vector<ProcessIdentity>& processes,
                                             std::chrono::milliseconds wait) {
  const auto deadline = std::chrono::steady_clock::now() + wait;
  std::vector<ProcessIdentity> alive;
  for (;;) {
    alive.clear();
    for (const auto& p : processes) {
      if (process_alive(p)) alive.push_back(p);
    }
    if (alive.empty() || std::chrono::steady_clock::now() > deadline) return alive;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

bool remove_folder(const std::filesystem::path& dir, int attempts, std::chrono::milliseconds pause,
                   std::string* error) {
  std::error_code ec;
  for (int attempt = 0; attempt < attempts; ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(pause);
    std::filesystem::remove_all(dir, ec);
    if (!std::filesystem::exists(dir)) return true;
  }
  if (error) *error = ec.message();
  return false;
}

}  // namespace harness
