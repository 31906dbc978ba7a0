#include "harness/platform/atomic_file.hpp"

#include <fmt/format.h>

#include <fstream>

namespace harness {

std::optional<std::string> write_atomically(const std::filesystem::path& file,
                                            std::string_view text) {
  const std::filesystem::path temporary = file.string() + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    out.flush();
    if (!out) return fmt::format("cannot write {}", temporary.string());
  }
  std::error_code ec;
  std::filesystem::rename(temporary, file, ec);
  if (ec) return fmt::format("cannot replace {}: {}", file.string(), ec.message());
  return std::nullopt;
}

}  // namespace harness
