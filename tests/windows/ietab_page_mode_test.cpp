// Page mode against the synthetic IE (tools/ietab), under Wine: `iexplore.exe URL` starts a tab
// that reads harness_beacon/harness_warmup from the URL as pages/harness/page-runner.js does,
// runs its iterations and posts a beacon after each; a loopback server in the test plays the
// harness's beacon endpoint (beacon_server.hpp) and holds each reply while the test measures the
// tab with the harness's own readers (process tree with the IE classifier, memory counters,
// exit watcher).
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <thread>

#include "harness/browser/ie.hpp"
#include "harness/platform/windows/memory_windows.hpp"
#include "harness/platform/windows/process_exit_windows.hpp"
#include "harness/platform/windows_process_model.hpp"
#include "tests/windows/beacon_server.hpp"
#include "tests/windows/support.hpp"
#include "tools/ietab/page_query.hpp"

namespace harness {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::BeaconServer;
using testing::kMiB;

// ---- the URL, read as page-runner.js's param() reads it ---------------------------------------

TEST(SyntheticIePageQuery, ReadsTheHarnessParametersAsThePageDoes) {
  const std::string url =
      "http://127.0.0.1:8080/vtm/review.html?retention=ie11&harness_beacon=http%3A%2F%2F127.0.0.1"
      "%3A8080%2F__harness%2Fbeacon%3Ftoken%3Dab12&harness_warmup=3#top";
  std::string error;
  const auto q = ietab::parse_page_query(url, &error);
  ASSERT_TRUE(q) << error;
  EXPECT_EQ(q->beacon_url, "http://127.0.0.1:8080/__harness/beacon?token=ab12");
  EXPECT_EQ(q->warmup, 3);
  EXPECT_FALSE(q->region_mb);  // the knobs the URL leaves out keep the command line's values
  EXPECT_FALSE(q->fragmenting);

  // param(): '+' is a space in values only, a key without '=' is "", the first match wins,
  // the fragment is not part of the query, a missing key is null.
  EXPECT_EQ(ietab::query_param("http://h/p?a=x+y%2Bz", "a"), "x y+z");
  EXPECT_EQ(ietab::query_param("http://h/p?flag&a=1", "flag"), "");
  EXPECT_EQ(ietab::query_param("http://h/p?a=1&a=2", "a"), "1");
  EXPECT_EQ(ietab::query_param("http://h/p?a%5Fb=1", "a_b"), "1");
  EXPECT_EQ(ietab::query_param("http://h/p?a=1#b=2", "b"), std::nullopt);
  EXPECT_EQ(ietab::query_param("http://h/p", "a"), std::nullopt);
  EXPECT_EQ(ietab::query_param("http://h/p?a=100%", "a"), "100%");  // malformed escape kept
  // parseInt(text, 10) || 0
  EXPECT_EQ(ietab::parse_page_query("http://h/?harness_warmup=2x", nullptr)->warmup, 2);
  EXPECT_EQ(ietab::parse_page_query("http://h/?harness_warmup=x", nullptr)->warmup, 0);
  EXPECT_EQ(ietab::parse_page_query("http://h/?harness_warmup=-4", nullptr)->warmup, 0);
  EXPECT_EQ(ietab::parse_page_query("http://h/", nullptr)->beacon_url, "");
}

TEST(SyntheticIePageQuery, ReadsItsOwnKnobsAndRefusesBadValues) {
  std::string error;
  const auto q = ietab::parse_page_query(
      "http://h/x.html?ietab_region_mb=8&ietab_retain=0.5&ietab_layout=compact&"
      "ietab_transient_mb=16&ietab_pace_ms=250&other=1",
      &error);
  ASSERT_TRUE(q) << error;
  EXPECT_EQ(q->region_mb, 8.0);
  EXPECT_EQ(q->retain, 0.5);
  EXPECT_EQ(q->fragmenting, false);
  EXPECT_EQ(q->transient_mb, 16.0);
  EXPECT_EQ(q->pace_ms, 250);
  for (const char* bad : {"ietab_region_mb=0", "ietab_region_mb=8MB", "ietab_retain=1.5",
                          "ietab_layout=tidy", "ietab_pace_ms=-1", "ietab_transient_mb="}) {
    error.clear();
    EXPECT_FALSE(ietab::parse_page_query(std::string("http://h/?") + bad, &error)) << bad;
    EXPECT_NE(error.find(std::string(bad).substr(0, std::string(bad).find('='))), std::string::npos)
        << error;
  }
}

// ---- the browser, started as the harness starts IE11 in page mode ----------------------------

// The frame started with a URL, its tab found by the harness's process tree.
struct PageBrowser {
  std::unique_ptr<ChildProcess> frame;
  std::filesystem::path output_file;
  ProcessIdentity tab;
  ProcessClass frame_class, tab_class;
  std::string tab_cmdline;
  ProcessExitWatcher watcher;
  HANDLE tab_query = nullptr;  // for the memory counters

  ~PageBrowser() {
    if (tab_query) ::CloseHandle(tab_query);
    if (frame) frame->end_group(0ms);
  }
  std::string output() const { return testing::read_text(output_file); }
  std::uint64_t tab_private_bytes() const {
    const auto c = read_memory_counters(tab_query);
    return c ? c->private_bytes : 0;
  }
  // The tab's exit code once it has exited within `limit`.
  std::optional<ProcessExit> tab_exit(std::chrono::milliseconds limit) {
    HANDLE h = watcher.handle_of(tab);
    if (!h || ::WaitForSingleObject(h, static_cast<DWORD>(limit.count())) != WAIT_OBJECT_0) {
      return std::nullopt;
    }
    for (const auto& e : watcher.poll()) {
      if (e.identity == tab) return e;
    }
    return std::nullopt;
  }
};

std::string page_url(const BeaconServer& server, const std::string& token, const std::string& more) {
  return fmt::format("http://127.0.0.1:{}/x.html?retention=ie11&harness_beacon={}{}",
                     server.port(), testing::query_encode(server.beacon_url(token)), more);
}

// Starts `frame_exe [frame_args...] url [-- tab_args...]` and finds its tab; tab.pid is 0 when
// none appeared.
void start_browser(PageBrowser& b, const std::filesystem::path& frame_exe,
                   std::vector<std::string> frame_args, const std::string& url,
                   const std::string& profile_name, const std::vector<std::string>& tab_args = {}) {
  static int counter = 0;
  const auto dir = testing::fresh_dir("page" + std::to_string(counter++));
  LaunchSpec spec;
  spec.executable = frame_exe;
  spec.args = std::move(frame_args);
  spec.args.push_back(url);
  if (!tab_args.empty()) spec.args.push_back("--");
  spec.args.insert(spec.args.end(), tab_args.begin(), tab_args.end());
  spec.stdout_file = b.output_file = dir / "iexplore.txt";
  spec.stderr_file = dir / "iexplore.txt";
  b.frame = ChildProcess::launch(spec);
  ProcessTree tree(ie_process_tree_options(*find_ie_profile(profile_name), {b.frame->pid()}));
  Pid tab_pid = 0;
  testing::eventually([&] {
    tree.refresh(true);
    for (const auto& r : tree.read()) {
      if (r.pid == b.frame->pid()) b.frame_class = {r.role, r.subtype};
      if (r.role == ProcessRole::kRenderer) {
        tab_pid = r.pid;
        b.tab_class = {r.role, r.subtype};
      }
    }
    return tab_pid != 0;
  });
  if (!tab_pid) return;
  b.tab = tree.identity_of(tab_pid).value_or(ProcessIdentity{});
  b.watcher.watch(b.tab, ProcessRole::kRenderer, "tab");
  b.tab_query = ::OpenProcess(kSampleAccess, FALSE, static_cast<DWORD>(tab_pid));
  if (b.tab_query) b.tab_cmdline = read_command_line(b.tab_query);
}

std::string own_profile() { return testing::own_bits() == 64 ? "ie11-x64-epm" : "ie11-x86"; }

// Answers "continue" to every beacon until the tab exits (or `limit` passes): the iterations
// the beacons reported (0 for ready), and the tab's exit.
struct UntilExit {
  std::vector<int> iterations;
  std::optional<ProcessExit> exit;
};
UntilExit continue_until_exit(BeaconServer& server, PageBrowser& b, std::chrono::seconds limit) {
  UntilExit u;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!u.exit && std::chrono::steady_clock::now() < deadline) {
    if (const auto r = server.wait(100ms)) {
      u.iterations.push_back(json::parse(r->body, nullptr, false).value("iteration", 999));
      server.reply(200, BeaconServer::kContinue);
      continue;
    }
    u.exit = b.tab_exit(0ms);
  }
  return u;
}

TEST(SyntheticIePageMode, BeaconsInOrderWhileTheTabGrowsAndStopEndsItWithZero) {
  BeaconServer server;
  const std::string token = "0123456789abcdef";
  const std::string url = page_url(server, token, "&harness_warmup=2&ietab_region_mb=8");
  PageBrowser b;
  start_browser(b, testing::own_dir() / "iexplore.exe", {}, url, own_profile());
  ASSERT_NE(b.tab.pid, 0) << b.output();
  // The harness's classifier sees IE's shape: a frame, and a tab naming it (SCODEF) with the URL.
  EXPECT_EQ(b.frame_class.role, ProcessRole::kBrowser);
  EXPECT_EQ(b.tab_class.subtype, "tab");
  EXPECT_NE(b.tab_cmdline.find(fmt::format("SCODEF:{} CREDAT:", b.frame->pid())), std::string::npos)
      << b.tab_cmdline;
  EXPECT_NE(b.tab_cmdline.find(url), std::string::npos) << b.tab_cmdline;

  // ready, warm-up -2 and -1, then 1..4; "stop" after 4. Each reply is held while the tab is
  // measured, as the harness holds it for a checkpoint.
  const std::vector<int> expected = {0, -2, -1, 1, 2, 3, 4};
  std::vector<int> iterations;
  std::vector<std::uint64_t> private_bytes;  // at each iteration beacon
  for (std::size_t k = 0; k < expected.size(); ++k) {
    const auto r = server.wait(60s);
    ASSERT_TRUE(r) << "no beacon after " << iterations.size() << "\n" << b.output();
    EXPECT_EQ(r->method, "POST");
    EXPECT_EQ(r->target, "/__harness/beacon?token=" + token);
    EXPECT_EQ(r->content_type, "application/json");
    const json j = json::parse(r->body, nullptr, false);
    ASSERT_TRUE(j.is_object()) << r->body;
    EXPECT_EQ(j.value("phase", ""), k == 0 ? "ready" : "iteration") << r->body;
    EXPECT_EQ(j.value("ok", false), true) << r->body;
    iterations.push_back(j.value("iteration", 999));
    if (k > 0) {
      ASSERT_TRUE(j.contains("page_ms") && j["page_ms"].is_number()) << r->body;
      EXPECT_GE(j["page_ms"].get<double>(), 0.0);
      EXPECT_LT(j["page_ms"].get<double>(), 10'000.0);
      private_bytes.push_back(b.tab_private_bytes());
    }
    server.reply(200, k + 1 < expected.size() ? BeaconServer::kContinue : BeaconServer::kStop);
  }
  EXPECT_EQ(iterations, expected);

  // 8 MB regions, 25 % kept: 2 MiB more private bytes per iteration, held while waiting.
  std::string trend;
  for (std::size_t i = 0; i < private_bytes.size(); ++i) {
    trend += fmt::format(" {}:{:.1f}", expected[i + 1], double(private_bytes[i]) / kMiB);
    if (i == 0) continue;
    const double grew = double(private_bytes[i]) - double(private_bytes[i - 1]);
    EXPECT_GE(grew, 1.0 * kMiB) << "iteration " << expected[i + 1] << ", MB:" << trend;
    EXPECT_LE(grew, 4.0 * kMiB) << "iteration " << expected[i + 1] << ", MB:" << trend;
  }
  std::printf("[ figures  ] page mode, %d-bit tab: private MB at each beacon:%s\n",
              testing::own_bits(), trend.c_str());

  const auto exit = b.tab_exit(20s);
  ASSERT_TRUE(exit) << "the tab did not exit after stop\n" << b.output();
  EXPECT_EQ(exit->exit_code, 0u) << describe_exit_code(exit->exit_code);
  EXPECT_FALSE(exit->crashed);
  EXPECT_FALSE(server.wait(500ms)) << "a beacon after stop";
  const std::string out = b.output();
  EXPECT_NE(out.find("beacon iteration 4 page_ms="), std::string::npos) << out;
  EXPECT_NE(out.find("-> stop; tab"), std::string::npos) << out;
  EXPECT_NE(out.find(fmt::format("tab {} exited 0x00000000", b.tab.pid)), std::string::npos) << out;
  // The frame stays, as IE's does when a page stops: the harness ends it.
  EXPECT_TRUE(process_alive(b.frame->identity()));
}

TEST(SyntheticIePageMode, AReplyHeldLongerThanWinHttpsDefaultTimeoutsIsWaitedFor) {
  // The harness may hold a beacon for minutes (a full-memory dump); WinHTTP's defaults give up
  // on a reply after 30 s on Windows. Under Wine 8.0 a 40 s hold passed without the tab's
  // settings too [measured], so this guards them on a Windows VM only.
  BeaconServer server;
  PageBrowser b;
  start_browser(b, testing::own_dir() / "iexplore.exe", {},
                page_url(server, "held", "&ietab_region_mb=1"), own_profile());
  ASSERT_NE(b.tab.pid, 0) << b.output();
  ASSERT_TRUE(server.wait(60s)) << b.output();  // ready
  std::this_thread::sleep_for(35s);
  server.reply(200, BeaconServer::kContinue);
  const auto r = server.wait(60s);
  ASSERT_TRUE(r) << b.output();
  EXPECT_EQ(json::parse(r->body).value("iteration", 0), 1) << r->body;
  server.reply(200, BeaconServer::kStop);
  const auto exit = b.tab_exit(20s);
  ASSERT_TRUE(exit) << b.output();
  EXPECT_EQ(exit->exit_code, 0u) << b.output();
}

TEST(SyntheticIePageMode, AHarnessThatCannotBeReachedEndsTheTabWithAReason) {
  const int port = testing::unused_loopback_port();
  const std::string beacon = fmt::format("http://127.0.0.1:{}/__harness/beacon?token=gone", port);
  const std::string url = fmt::format("http://127.0.0.1:{}/x.html?harness_beacon={}", port,
                                      testing::query_encode(beacon));
  const auto dir = testing::fresh_dir("page-unreachable");
  LaunchSpec spec;
  spec.executable = testing::own_dir() / "iexplore.exe";
  spec.args = {"--exit-with-tabs", url};
  spec.stdout_file = dir / "iexplore.txt";
  spec.stderr_file = dir / "iexplore.txt";
  auto frame = ChildProcess::launch(spec);
  ASSERT_TRUE(testing::eventually([&] { return frame->poll_exit().has_value(); }, 60s));
  const std::string out = testing::read_text(dir / "iexplore.txt");
  EXPECT_NE(out.find("cannot deliver beacon ready to " + beacon + ": "), std::string::npos) << out;
  EXPECT_NE(out.find("cannot connect"), std::string::npos) << out;
  EXPECT_NE(out.find("exited 0x00000004"), std::string::npos) << out;
}

TEST(SyntheticIePageMode, AReplyThatIsNeitherContinueNorStopEndsTheTabWithAReason) {
  BeaconServer server;
  PageBrowser b;
  start_browser(b, testing::own_dir() / "iexplore.exe", {}, page_url(server, "old", ""),
                own_profile());
  ASSERT_NE(b.tab.pid, 0) << b.output();
  ASSERT_TRUE(server.wait(60s)) << b.output();
  server.reply(403, R"({"error":"not this run's beacon"})");  // a beacon of an earlier run
  const auto exit = b.tab_exit(20s);
  ASSERT_TRUE(exit) << b.output();
  EXPECT_EQ(exit->exit_code, 5u);
  EXPECT_NE(b.output().find("the harness rejected beacon ready: HTTP 403"), std::string::npos)
      << b.output();
}

TEST(SyntheticIePageMode, APageOpenedByHandDoesNothing) {
  // No harness_beacon: page-runner.js does nothing, and neither does the tab; it stays open.
  PageBrowser b;
  start_browser(b, testing::own_dir() / "iexplore.exe", {}, "http://127.0.0.1:9/x.html?a=1",
                own_profile());
  ASSERT_NE(b.tab.pid, 0) << b.output();
  ASSERT_TRUE(testing::eventually(
      [&] { return b.output().find("nothing to run") != std::string::npos; }, 20s))
      << b.output();
  EXPECT_FALSE(b.tab_exit(500ms));
  EXPECT_EQ(b.output().find("iteration 1"), std::string::npos) << b.output();
}

TEST(SyntheticIePageMode, ATabThatCrashesMidIterationSendsNoBeaconForIt) {
  // The same ending as running out of memory, on purpose (--crash-at: an access violation in
  // iteration 3), so that it is checked where no 32-bit tab can run.
  BeaconServer server;
  PageBrowser b;
  start_browser(b, testing::own_dir() / "iexplore.exe", {},
                page_url(server, "crash", "&harness_warmup=1&ietab_region_mb=4"), own_profile(),
                {"--crash-at", "3"});
  ASSERT_NE(b.tab.pid, 0) << b.output();
  const UntilExit u = continue_until_exit(server, b, 60s);
  ASSERT_TRUE(u.exit) << b.output();
  EXPECT_EQ(u.exit->exit_code, 0xC0000005u) << describe_exit_code(u.exit->exit_code);
  EXPECT_TRUE(u.exit->crashed);
  EXPECT_EQ(u.iterations, (std::vector<int>{0, -1, 1, 2})) << b.output();
  EXPECT_NE(b.output().find("crashing iteration 3"), std::string::npos) << b.output();
}

TEST(SyntheticIePageMode, A32BitTabOutOfAddressSpaceDiesWithoutABeaconForThatIteration) {
  const auto dir32 = testing::tools_dir(32);
  if (dir32.empty()) {
    GTEST_SKIP() << "needs the 32-bit iexplore.exe (HARNESS_IETAB_X86_DIR): only a 32-bit tab "
                    "runs out of address space quickly, and scripts/test-windows.sh provides it "
                    "only where 32-bit programs can run (IA-32 emulation on in the kernel)";
  }
  BeaconServer server;
  PageBrowser b;
  // 32 MB regions, 75 % kept: ~24 MB per iteration, dead below 2 GiB after ~60 iterations.
  start_browser(b, testing::own_dir() / "iexplore.exe", {"--tab", (dir32 / "iexplore.exe").string()},
                page_url(server, "oom", "&harness_warmup=1&ietab_region_mb=32&ietab_retain=0.75"),
                "ie11-x86");
  const UntilExit u = b.tab.pid ? continue_until_exit(server, b, 300s) : UntilExit{};
  const std::string out = b.output();
  if (out.find("started SCODEF:") == std::string::npos && u.iterations.empty()) {
    // A 32-bit program Wine cannot start exits 0 and prints nothing (reference ie11-windows.md
    // §6.5).
    GTEST_SKIP() << "the 32-bit tab could not start: this machine cannot run 32-bit programs "
                    "(IA-32 emulation off in the kernel?)\n"
                 << out;
  }
  ASSERT_NE(b.tab.pid, 0) << out;
  ASSERT_TRUE(u.exit) << "the 32-bit tab did not die\n" << out;
  EXPECT_EQ(u.exit->exit_code, 0xC0000017u) << describe_exit_code(u.exit->exit_code);
  EXPECT_TRUE(u.exit->crashed);
  const auto died = testing::reported_death_iteration(out);
  ASSERT_TRUE(died) << out;
  ASSERT_GE(u.iterations.size(), 10u) << out;
  EXPECT_EQ(u.iterations[0], 0);   // ready
  EXPECT_EQ(u.iterations[1], -1);  // warm-up
  // Every iteration before the one that failed was reported, that one was not.
  EXPECT_EQ(u.iterations.back(), *died - 1) << out;
  EXPECT_EQ(std::count(u.iterations.begin(), u.iterations.end(), *died), 0);
  std::printf("[ figures  ] page mode, 32-bit tab: %zu beacons, died in iteration %d with %s\n",
              u.iterations.size(), *died, describe_exit_code(u.exit->exit_code).c_str());
}

}  // namespace
}  // namespace harness
