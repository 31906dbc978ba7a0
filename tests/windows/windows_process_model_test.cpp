// Pure Windows process-model helpers (portable: run on Linux and, cross-built, under Wine).
#include "harness/browser/ie.hpp"
#include "harness/platform/windows_process_model.hpp"

#include <gtest/gtest.h>

#include "harness/platform/windows_unicode.hpp"

namespace harness {
namespace {

// A minimal PE image header: DOS stub with e_lfanew, "PE\0\0", IMAGE_FILE_HEADER, magic.
std::string pe_header(std::uint16_t machine, std::uint16_t characteristics, std::uint16_t magic) {
  std::string b(0x200, '\0');
  b[0] = 'M';
  b[1] = 'Z';
  const std::uint32_t pe = 0x80;
  b[0x3c] = static_cast<char>(pe);
  b.replace(pe, 4, std::string("PE\0\0", 4));
  auto put16 = [&](std::size_t at, std::uint16_t v) {
    b[at] = static_cast<char>(v & 0xFF);
    b[at + 1] = static_cast<char>(v >> 8);
  };
  put16(pe + 4, machine);
  put16(pe + 22, characteristics);
  put16(pe + 24, magic);
  return b;
}

TEST(PeHeader, BitnessAndLargeAddressAware) {
  auto x86 = parse_pe_header(pe_header(0x14c, 0x0102, 0x10b));
  ASSERT_TRUE(x86);
  EXPECT_EQ(x86->machine, 0x14c);
  EXPECT_FALSE(x86->pe32_plus);
  EXPECT_FALSE(x86->large_address_aware);
  auto laa = parse_pe_header(pe_header(0x14c, 0x0122, 0x10b));
  EXPECT_TRUE(laa->large_address_aware);
  auto x64 = parse_pe_header(pe_header(0x8664, 0x0022, 0x20b));
  EXPECT_TRUE(x64->pe32_plus);
  EXPECT_FALSE(parse_pe_header("MZ"));
  EXPECT_FALSE(parse_pe_header(std::string(0x200, 'x')));
  std::string bad = pe_header(0x14c, 0, 0x10b);
  bad[0x3c] = static_cast<char>(0xF0);
  bad[0x3d] = static_cast<char>(0x7F);  // e_lfanew beyond the bytes
  EXPECT_FALSE(parse_pe_header(bad));
}

TEST(AddressSpace, LimitsPerBitness) {
  EXPECT_EQ(user_address_limit(true, false), 2ull << 30);
  EXPECT_EQ(user_address_limit(true, true), 4ull << 30);
  EXPECT_EQ(user_address_limit(false, false), 128ull << 40);
}

TEST(AddressSpace, LargestFreeBlockAtAllocationGranularityAndClippedAtTheLimit) {
  const std::uint64_t MiB = 1 << 20;
  std::vector<MemoryRegion> regions = {
      {0, 64 * 1024, RegionState::kFree, RegionType::kNone},  // the NULL page area
      {64 * 1024, 4 * MiB, RegionState::kCommit, RegionType::kImage},
      // A free hole that starts 4 KiB past a 64 KiB boundary: only whole units count.
      {64 * 1024 + 4 * MiB, 30 * MiB, RegionState::kFree, RegionType::kNone},
      {64 * 1024 + 34 * MiB, 16 * MiB, RegionState::kReserve, RegionType::kPrivate},
      {64 * 1024 + 50 * MiB, 10 * MiB, RegionState::kCommit, RegionType::kPrivate},
      {64 * 1024 + 60 * MiB, 2 * MiB, RegionState::kCommit, RegionType::kMapped},
      // Free up to and past the limit (2 GiB): clipped.
      {64 * 1024 + 62 * MiB, 4096 * MiB, RegionState::kFree, RegionType::kNone},
      // Above the limit (a WOW64 process's 64-bit ntdll): ignored.
      {8192 * MiB, 2 * MiB, RegionState::kCommit, RegionType::kImage},
  };
  regions[2].base += 4096;
  regions[2].size -= 4096;
  const auto s = summarize_address_space(regions, 2048 * MiB);
  EXPECT_EQ(s.limit_bytes, 2048 * MiB);
  const std::uint64_t top_free = 2048 * MiB - (64 * 1024 + 62 * MiB);
  EXPECT_EQ(s.largest_free_bytes, top_free);
  EXPECT_EQ(s.free_bytes, 64 * 1024 + (30 * MiB - 64 * 1024) + top_free);
  EXPECT_EQ(s.image_bytes, 4 * MiB);
  EXPECT_EQ(s.private_bytes, 26 * MiB);
  EXPECT_EQ(s.mapped_bytes, 2 * MiB);
  EXPECT_EQ(s.reserved_bytes, 16 * MiB);
  EXPECT_EQ(s.committed_bytes, 16 * MiB);
  EXPECT_EQ(s.used_bytes, 32 * MiB);
  EXPECT_EQ(s.regions, 7u);
}

TEST(CommandLine, ScodefAndTokens) {
  EXPECT_EQ(scodef_pid("\"C:\\Program Files (x86)\\Internet Explorer\\IEXPLORE.EXE\" SCODEF:4242 "
                       "CREDAT:9730 /prefetch:2"),
            4242);
  EXPECT_EQ(scodef_pid("iexplore.exe scodef:17"), 17);
  EXPECT_FALSE(scodef_pid("iexplore.exe SCODEF:12x"));
  EXPECT_FALSE(scodef_pid("iexplore.exe SCODEF:-3"));
  EXPECT_FALSE(scodef_pid("iexplore.exe http://x/?SCODEF:1"));
  // A path with spaces in quotes is the program, not tokens.
  EXPECT_FALSE(scodef_pid("\"C:\\dir SCODEF:5\\ie.exe\""));
  EXPECT_TRUE(has_cmdline_token("x.exe SCODEF:1 APPID:MSEdge", "appid:msedge"));
  EXPECT_FALSE(has_cmdline_token("x.exe APPID:MSEdgeX", "APPID:MSEdge"));
  EXPECT_EQ(cmdline_program("\"C:\\Program Files\\a b\\x.exe\" -y"), "C:\\Program Files\\a b\\x.exe");
  EXPECT_EQ(cmdline_program("C:\\x.exe -y"), "C:\\x.exe");
  EXPECT_EQ(lower_base_name("C:\\Program Files\\Internet Explorer\\IEXPLORE.EXE"), "iexplore.exe");
  EXPECT_EQ(lower_base_name("/usr/bin/wine"), "wine");
}

TEST(CommandLine, QuotingFollowsCommandLineToArgvW) {
  EXPECT_EQ(quote_windows_argument("plain"), "plain");
  EXPECT_EQ(quote_windows_argument(""), "\"\"");
  EXPECT_EQ(quote_windows_argument("two words"), "\"two words\"");
  EXPECT_EQ(quote_windows_argument("C:\\dir\\"), "C:\\dir\\");  // no quotes needed: kept
  EXPECT_EQ(quote_windows_argument("C:\\my dir\\"), "\"C:\\my dir\\\\\"");
  EXPECT_EQ(quote_windows_argument("say \"hi\""), "\"say \\\"hi\\\"\"");
  EXPECT_EQ(quote_windows_argument("a\\\"b"), "\"a\\\\\\\"b\"");
  EXPECT_EQ(build_windows_command_line("C:\\Program Files\\x.exe", {"SCODEF:1", "a b"}),
            "\"C:\\Program Files\\x.exe\" SCODEF:1 \"a b\"");
}

TEST(ExitCodes, CrashesAreNtstatusErrors) {
  EXPECT_TRUE(is_crash_exit_code(0xC0000005u));
  EXPECT_TRUE(is_crash_exit_code(0xC0000017u));
  EXPECT_TRUE(is_crash_exit_code(0xC0000409u));
  EXPECT_TRUE(is_crash_exit_code(0xE06D7363u));
  EXPECT_FALSE(is_crash_exit_code(0));
  EXPECT_FALSE(is_crash_exit_code(1));
  EXPECT_FALSE(is_crash_exit_code(0xC000013Au));  // Ctrl-C
  EXPECT_FALSE(is_crash_exit_code(0xFFFFFFFFu));  // exit(-1)
  EXPECT_EQ(describe_exit_code(0xC0000005u), "0xC0000005 (access violation)");
  EXPECT_EQ(describe_exit_code(3), "3");
  EXPECT_EQ(filetime_to_unix_ms(kFiletimeUnixEpoch + 10'000 * 1500), 1500);
}

TEST(Unicode, RoundTripsAndReplacesInvalidInput) {
  const std::string text = "Zürich \xE2\x82\xAC \xF0\x9F\x98\x80";  // ü, €, an emoji (surrogates)
  const auto u16 = utf8_to_utf16(text);
  EXPECT_EQ(u16.size(), 11u);
  EXPECT_EQ(utf16_to_utf8(u16), text);
  EXPECT_EQ(utf8_to_utf16("\xC3"), u"\uFFFD");          // truncated sequence
  EXPECT_EQ(utf8_to_utf16("\xC0\x80"), u"\uFFFD\uFFFD");  // overlong NUL
  EXPECT_EQ(utf16_to_utf8(std::u16string(1, char16_t(0xD800))), "\xEF\xBF\xBD");
}

}  // namespace
}  // namespace harness
