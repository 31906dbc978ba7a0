#include "harness/run/evidence.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <thread>

namespace harness {

bool wait_for_minidump(const std::filesystem::path& folder, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    std::error_code ec;
    for (auto it = std::filesystem::recursive_directory_iterator(folder, ec);
         it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
      if (it->path().extension() == ".dmp") return true;
    }
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

std::vector<FoundFile> find_minidumps(const std::filesystem::path& run_dir) {
  std::vector<FoundFile> out;
  std::error_code ec;
  const auto folder = run_dir / "dumps";
  if (!std::filesystem::exists(folder, ec)) return out;
  for (auto it = std::filesystem::recursive_directory_iterator(folder, ec);
       it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->path().extension() != ".dmp") continue;
    out.push_back({std::filesystem::relative(it->path(), run_dir).string(),
                   static_cast<std::uint64_t>(std::filesystem::file_size(it->path(), ec))});
  }
  std::sort(out.begin(), out.end(),
            [](const FoundFile& a, const FoundFile& b) { return a.relative < b.relative; });
  return out;
}

FoundFile write_hang_stack(const std::filesystem::path& run_dir, int iteration,
                           const std::string& stack_json) {
  std::filesystem::create_directories(run_dir / "dumps");
  const std::string name = fmt::format("hang-stack-iteration-{}.json", iteration);
  std::ofstream(run_dir / "dumps" / name) << stack_json << "\n";
  return {"dumps/" + name, stack_json.size()};
}

}  // namespace harness
