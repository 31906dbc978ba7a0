// Replacing a file so that a reader, or a harness killed midway, finds either the old contents
// or the new, never half of them: the text goes to "<file>.tmp", which is then renamed over the
// file (rename is atomic within a file system, POSIX and Windows alike).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace harness {

// nullopt when `file` now holds `text`; otherwise what failed, to be logged or thrown by the
// caller ("cannot write x.tmp", "cannot replace x: <reason>").
[[nodiscard]] std::optional<std::string> write_atomically(const std::filesystem::path& file,
                                                          std::string_view text);

}  // namespace harness
