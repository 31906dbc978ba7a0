// Sizes with units, as written in scenarios ("1300MiB", "200KiB", "1.3GB").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace harness {

// Parses "<number><unit>": B, KB/MB/GB (powers of 1000), KiB/MiB/GiB (powers of 1024); a bare
// number is bytes. Whitespace between number and unit is allowed. Returns nullopt on anything
// else (negative, empty, unknown unit), so the caller can report where.
std::optional<std::uint64_t> parse_size(std::string_view text);

// Human-readable binary size: "1.27 GiB", "812.0 MiB", "4.0 KiB", "12 B".
std::string format_bytes(double bytes);

}  // namespace harness
