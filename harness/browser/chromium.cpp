// The Chromium profile: one session class from launch to end — chromedriver or page mode,
// the DevTools connection (GC, counters, crash events, heap snapshots, hang stacks) and ending
// every process it started. Over 500 lines because those share one connection and one set of
// locks; process classification is in chromium_processes.cpp.
#include "harness/browser/chromium.hpp"

#include "harness/browser/chromium_processes.hpp"
#include "harness/browser/target_counters.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <condition_variable>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "harness/drive/cdp_client.hpp"
#include "harness/drive/page_scripts.hpp"
#include "harness/drive/webdriver_client.hpp"
#include "harness/error.hpp"
#include "harness/model/run_model.hpp"
#include "harness/platform/cleanup_journal.hpp"
#include "harness/platform/process.hpp"
#include "harness/platform/system.hpp"
#include "harness/platform/teardown.hpp"

namespace harness {

using nlohmann::json;
using std::chrono::milliseconds;

namespace {

constexpr milliseconds kDriverStartTimeout{15'000};
constexpr milliseconds kNewSessionTimeout{60'000};
constexpr milliseconds kCdpTimeout{10'000};
constexpr milliseconds kDeleteSessionTimeout{10'000};
// After DELETE /session the browser exits within ~1–2 s (measured); the group gets this long
// before SIGKILL.
constexpr milliseconds kDriverGrace{3'000};
constexpr milliseconds kSurvivorWait{5'000};

std::string read_text(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string tail(const std::string& text, std::size_t max_chars) {
  return text.size() <= max_chars ? text : "..." + text.substr(text.size() - max_chars);
}

}  // namespace

std::vector<std::string> chromium_flags(bool headless) {
  std::vector<std::string> flags;
  if (headless) flags.push_back("--headless");
  for (const char* flag :
       {"--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-features=WebUIOmniboxAimPopup,WebUIOmniboxPopup,WebUIOmniboxFullPopup,"
        "SpareRendererForSitePerProcess",
        "--window-size=1280,900"}) {
    flags.emplace_back(flag);
  }
  return flags;
}

json chromium_capabilities(const std::string& binary, const std::string& user_data_dir,
                           bool headless, const std::vector<std::string>& extra_args) {
  std::vector<std::string> args = chromium_flags(headless);
  args.push_back("--user-data-dir=" + user_data_dir);
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  return json{{"browserName", "chrome"},
              {"pageLoadStrategy", "normal"},
              {"unhandledPromptBehavior", "accept"},
              {"goog:chromeOptions", {{"binary", binary}, {"args", args}}}};
}

int parse_chromedriver_port(const std::string& log_text) {
  static const std::regex kLine("started successfully on port ([0-9]+)");
  std::smatch match;
  if (std::regex_search(log_text, match, kLine)) return std::stoi(match[1]);
  return 0;
}

namespace {

class CdpGarbageCollector;

class ChromiumSession final : public BrowserSession, public GarbageCollector {
 public:
  ~ChromiumSession() override { end(); }

  void start(const LaunchOptions& options) {
    options_ = options;
    const std::filesystem::path parent =
        options.temp_parent.empty() ? std::filesystem::temp_directory_path() : options.temp_parent;
    try {
      temp_dir_ = make_private_temp_dir(parent, "harness-chromium-");
    } catch (const std::exception& e) {
      throw LaunchError(fmt::format("cannot create a temporary profile: {}", e.what()));
    }
    if (options.journal) options.journal->add_temp_dir(temp_dir_);
    const auto profile_dir = temp_dir_ / "profile";
    const auto tmp_dir = temp_dir_ / "tmp";
    dumps_dir_ = options.run_dir / "dumps";
    std::filesystem::create_directories(profile_dir);
    std::filesystem::create_directories(tmp_dir);
    std::filesystem::create_directories(dumps_dir_);
    if (!options.page_url.empty()) {
      start_page_mode(options, profile_dir, tmp_dir);
      return;
    }

    const auto stdout_log = options.run_dir / "chromedriver.log";
    const auto stderr_log = options.run_dir / "chromedriver.stderr.log";
    LaunchSpec spec;
    spec.executable = options.chromedriver_binary;
    spec.args = {"--port=0"};
    // Everything the browser writes outside its profile stays in the run's own places: its
    // temporary files, and its crash minidumps, which otherwise land in the user's home
    // whatever --user-data-dir says (reference chromium-linux.md §8.1).
    spec.env = browser_environment(tmp_dir);
    spec.stdout_file = stdout_log;
    spec.stderr_file = stderr_log;
    driver_process_ = ChildProcess::launch(spec);
    if (options.journal) options.journal->add_group(driver_process_->identity());
    tree_ = std::make_unique<ProcessTree>(ProcessTreeOptions{
        {driver_process_->pid()}, classify_chromium, dumps_dir_.string()});

    // chromedriver --port=0 picks a free port and prints it.
    int port = 0;
    const auto deadline = std::chrono::steady_clock::now() + kDriverStartTimeout;
    while (port == 0) {
      port = parse_chromedriver_port(read_text(stdout_log));
      if (port) break;
      if (auto code = driver_process_->poll_exit()) {
        throw LaunchError(fmt::format("chromedriver exited with code {} before listening: {}",
                                      *code, tail(read_text(stderr_log), 600)));
      }
      if (std::chrono::steady_clock::now() > deadline) {
        throw LaunchError(fmt::format("chromedriver did not report a port within {} ms",
                                      kDriverStartTimeout.count()));
      }
      std::this_thread::sleep_for(milliseconds(20));
    }
    driver_port_ = port;
    webdriver_ = std::make_unique<WebDriverClient>("127.0.0.1", port);

    json caps;
    try {
      caps = webdriver_->new_session(
          chromium_capabilities(options.chromium_binary, profile_dir.string(), options.headless,
                                browser_args(options)),
          kNewSessionTimeout);
    } catch (const WebDriverError& e) {
      throw LaunchError(fmt::format("chromedriver could not start Chromium ({}): {}",
                                    options.chromium_binary, e.what()));
    }
    browser_version_ = caps.value("browserVersion", "");
    driver_version_ = caps.contains("chrome") ? caps["chrome"].value("chromedriverVersion", "") : "";
    driver_version_ = driver_version_.substr(0, driver_version_.find(' '));
    const std::string debugger_address =
        caps.contains("goog:chromeOptions")
            ? caps["goog:chromeOptions"].value("debuggerAddress", "")
            : "";
    browser_pid_ = caps.value("goog:processID", Pid{0});
    if (debugger_address.empty()) {
      throw LaunchError("chromedriver returned no goog:chromeOptions.debuggerAddress");
    }

    WebDriverTimeouts timeouts;
    timeouts.page_load = milliseconds(options.timeouts.page_load_ms);
    timeouts.script = milliseconds(options.timeouts.script_ms);
    try {
      webdriver_->set_timeouts(timeouts);
      page_target_ = webdriver_->window_handle();  // chromedriver's handle is the CDP target id
    } catch (const WebDriverError& e) {
      throw LaunchError(fmt::format("the new Chromium session does not answer: {}", e.what()));
    }

    try {
      cdp_ = CdpClient::connect_to_debugger_address(debugger_address, kCdpTimeout);
      attach_to_page(options);
    } catch (const CdpError& e) {
      throw LaunchError(fmt::format("cannot use Chromium's DevTools endpoint {}: {}",
                                    debugger_address, e.what()));
    }
    debugger_address_ = debugger_address;
    tree_->refresh(true);
  }

  // A browser launched by a Grid node (attach_chromium).
  void start_attached(const ChromiumAttachSpec& spec) {
    attached_ = true;
    options_.hang_stacks = spec.hang_stacks;
    dumps_dir_ = spec.dumps_dir;
    std::error_code ec;
    std::filesystem::create_directories(dumps_dir_, ec);
    browser_pid_ = spec.browser_pid;
    page_target_ = spec.page_target;
    try {
      cdp_ = CdpClient::connect_to_debugger_address(spec.debugger_address, kCdpTimeout);
      const json version = cdp_->call("Browser.getVersion", json::object(), {}, kCdpTimeout);
      const std::string product = version.value("product", "");
      browser_version_ = product.substr(product.find('/') + 1);
      attach_to_page(options_);
    } catch (const CdpError& e) {
      throw LaunchError(fmt::format("cannot use Chromium's DevTools endpoint {}: {}",
                                    spec.debugger_address, e.what()));
    }
    debugger_address_ = spec.debugger_address;
    // Only now: a browser that could not be attached is left alone by end().
    tree_ = std::make_unique<ProcessTree>(
        ProcessTreeOptions{{spec.browser_pid}, classify_chromium, std::string()});
    tree_->refresh(true);
  }

  // Everything the browser writes outside its profile stays in the run's own places: its
  // temporary files, and its crash minidumps, which otherwise land in the user's home whatever
  // --user-data-dir says (reference chromium-linux.md §8.1).
  std::map<std::string, std::string> browser_environment(const std::filesystem::path& tmp_dir) {
    return {{"TMPDIR", tmp_dir.string()},
            {"BREAKPAD_DUMP_LOCATION", dumps_dir_.string()},
            {"XDG_CACHE_HOME", (temp_dir_ / "cache").string()},
            {"XDG_CONFIG_HOME", (temp_dir_ / "config").string()}};
  }

  // Page mode: Chromium alone, opened at the page, no driver; DevTools for GC and counters.
  void start_page_mode(const LaunchOptions& options, const std::filesystem::path& profile_dir,
                       const std::filesystem::path& tmp_dir) {
    LaunchSpec spec;
    spec.executable = options.chromium_binary;
    spec.args = chromium_flags(options.headless);
    spec.args.push_back("--user-data-dir=" + profile_dir.string());
    spec.args.push_back("--remote-debugging-port=0");  // the port is written to DevToolsActivePort
    const std::vector<std::string> extra = browser_args(options);
    spec.args.insert(spec.args.end(), extra.begin(), extra.end());
    spec.args.push_back(options.page_url);
    spec.env = browser_environment(tmp_dir);
    spec.stdout_file = options.run_dir / "chromium.log";
    spec.stderr_file = options.run_dir / "chromium.stderr.log";
    driver_process_ = ChildProcess::launch(spec);  // the browser itself is the group's leader
    if (options.journal) options.journal->add_group(driver_process_->identity());
    tree_ = std::make_unique<ProcessTree>(ProcessTreeOptions{
        {driver_process_->pid()}, classify_chromium, dumps_dir_.string()});
    const auto active_port = profile_dir / "DevToolsActivePort";
    std::string endpoint;
    const auto deadline = std::chrono::steady_clock::now() + kDriverStartTimeout;
    while (endpoint.empty()) {
      std::istringstream lines(read_text(active_port));
      std::string port, path;
      if (std::getline(lines, port) && std::getline(lines, path) && !port.empty()) {
        endpoint = "ws://127.0.0.1:" + port + path;
        break;
      }
      if (auto code = driver_process_->poll_exit()) {
        throw LaunchError(fmt::format("Chromium exited with code {} at start: {}", *code,
                                      tail(read_text(spec.stderr_file), 600)));
      }
      if (std::chrono::steady_clock::now() > deadline) {
        throw LaunchError(fmt::format("Chromium wrote no DevToolsActivePort within {} ms",
                                      kDriverStartTimeout.count()));
      }
      std::this_thread::sleep_for(milliseconds(20));
    }
    try {
      cdp_ = CdpClient::connect(endpoint, kCdpTimeout);
      const json version = cdp_->call("Browser.getVersion", json::object(), {}, kCdpTimeout);
      const std::string product = version.value("product", "");  // "Chrome/156.0.8078.79"
      browser_version_ = product.substr(product.find('/') + 1);
      browser_pid_ = driver_process_->pid();
      // The tab Chromium opened at the page.
      for (int attempt = 0; attempt < 50 && page_target_.empty(); ++attempt) {
        const json targets = cdp_->call("Target.getTargets", json::object(), {}, kCdpTimeout);
        for (const auto& t : targets.value("targetInfos", json::array())) {
          if (t.value("type", "") == "page") page_target_ = t.value("targetId", "");
        }
        if (page_target_.empty()) std::this_thread::sleep_for(milliseconds(100));
      }
      if (page_target_.empty()) throw CdpError("Chromium opened no page");
      attach_to_page(options);
    } catch (const CdpError& e) {
      throw LaunchError(fmt::format("cannot use Chromium's DevTools endpoint {}: {}", endpoint,
                                    e.what()));
    }
    debugger_address_ = endpoint;
    tree_->refresh(true);
  }

  // The caller's extra arguments and the extensions, all in ONE --load-extension=A,B: Debian's
  // wrapper puts an empty --load-extension= before ours and the last one wins
  // (docs/extensions-research.md §1).
  static std::vector<std::string> browser_args(const LaunchOptions& options) {
    std::vector<std::string> args = options.extra_args;
    if (!options.extensions.empty()) {
      std::string folders;
      for (const auto& e : options.extensions) {
        folders += (folders.empty() ? "" : ",") + e.folder.string();
      }
      args.push_back("--load-extension=" + folders);
    }
    return args;
  }

  // A folder the browser refuses is silent: the session starts and the page runs without it
  // (docs/extensions-research.md §2). So every requested folder must be in the browser's list
  // (Extensions.getExtensions on the browser endpoint); for one that is not, loading it again
  // with Extensions.loadUnpacked returns the browser's reason, which fails the launch.
  void check_extensions(const LaunchOptions& options) {
    if (options.extensions.empty()) return;
    json listed;
    try {
      listed = cdp_->call("Extensions.getExtensions", json::object(), {}, kCdpTimeout);
    } catch (const CdpError& e) {
      notices_.push_back({"finding",
                          fmt::format("cannot check that the extensions loaded (this Chromium "
                                      "does not tell: {})",
                                      e.what()),
                          json::object()});
      return;
    }
    std::map<std::string, json> by_path;
    for (const auto& x : listed.value("extensions", json::array())) {
      std::error_code ec;
      const auto path = std::filesystem::weakly_canonical(x.value("path", ""), ec);
      by_path[path.string()] = x;
    }
    for (const auto& e : options.extensions) {
      std::error_code ec;
      const auto folder = std::filesystem::weakly_canonical(e.folder, ec).string();
      if (auto it = by_path.find(folder); it != by_path.end()) {
        loaded_extensions_.push_back({{"name", e.name},
                                      {"id", it->second.value("id", "")},
                                      {"manifest_name", it->second.value("name", "")},
                                      {"version", it->second.value("version", "")},
                                      {"path", folder}});
        continue;
      }
      std::string reason;
      try {
        cdp_->call("Extensions.loadUnpacked", {{"path", folder}}, {}, kCdpTimeout);
        reason = "the browser did not load it at its start (a second attempt worked, but the "
                 "page had already opened without it)";
      } catch (const CdpError& error) {
        // "DevTools error -32600: Manifest is not valid JSON. ..." -> the browser's own words.
        static const std::regex kPrefix("^DevTools error -?[0-9]+: ");
        reason = std::regex_replace(std::string(error.what()), kPrefix, "");
      }
      throw LaunchError(fmt::format("extension '{}' ({}) did not load: {}", e.name, folder,
                                    reason));
    }
  }

  void attach_to_page(const LaunchOptions& options) {
    check_extensions(options);
    {
      cdp_->set_event_listener([this](const CdpEvent& event) { on_event(event); });
      cdp_->call("Target.setDiscoverTargets", {{"discover", true}}, {}, kCdpTimeout);
      page_session_ = cdp_->attach(page_target_, kCdpTimeout);
      // Performance.getMetrics returns an empty list without Performance.enable (reference §5).
      cdp_->call("Performance.enable", json::object(), page_session_, kCdpTimeout);
      cdp_->call("Inspector.enable", json::object(), page_session_, kCdpTimeout);
      // The error recorder runs in every new document of the page, iframes included.
      cdp_->call("Page.addScriptToEvaluateOnNewDocument",
                 {{"source", page_script::k_error_recorder}}, page_session_, kCdpTimeout);
      if (options.hang_stacks) {
        cdp_->call("Debugger.enable", json::object(), page_session_, kCdpTimeout);
        // `debugger;` statements in the page must not stop the run; Debugger.pause still works.
        cdp_->call("Debugger.setBreakpointsActive", {{"active", false}}, page_session_,
                   kCdpTimeout);
      }
      // Out-of-process iframes (cross-site) get sessions of their own, so a GC reaches them.
      cdp_->call("Target.setAutoAttach",
                 {{"autoAttach", true}, {"waitForDebuggerOnStart", false}, {"flatten", true}},
                 page_session_, kCdpTimeout);
    }
  }

  Driver& driver() override {
    if (!webdriver_) throw std::logic_error("a page-mode session has no driver");
    return *webdriver_;
  }
  GarbageCollector& garbage_collector() override { return *this; }
  ProcessSource& process_tree() override { return *tree_; }
  std::string browser_version() const override { return browser_version_; }
  std::string driver_version() const override { return driver_version_; }

  json environment() const override {
    if (attached_) {
      return json{{"browser_pid", browser_pid_},
                  {"debugger_address", debugger_address_},
                  {"dumps_dir", dumps_dir_.string()}};
    }
    return json{{"os", os_description()},
                {"hostname", host_name()},
                {"chromium_binary", options_.chromium_binary},
                {"chromedriver_binary", options_.chromedriver_binary},
                {"flags", chromium_flags(options_.headless)},
                {"extra_args", options_.extra_args},
                {"extensions", loaded_extensions_},
                {"driver_pid", driver_process_ ? driver_process_->pid() : 0},
                {"driver_port", driver_port_},
                {"browser_pid", browser_pid_},
                {"debugger_address", debugger_address_},
                {"temporary_profile", temp_dir_.string()},
                {"dumps_dir", dumps_dir_.string()}};
  }

  void collect_garbage() override {
    attach_related();
    // HeapProfiler.collectGarbage is a full major GC of the target's isolate (no enable needed).
    cdp_->call("HeapProfiler.collectGarbage", json::object(), page_session_, kCdpTimeout);
    for (const auto& [session, target] : attached_targets()) {
      try {
        cdp_->call("HeapProfiler.collectGarbage", json::object(), session, kCdpTimeout);
      } catch (const CdpError&) {
        // The frame or worker went away between listing and collecting: nothing to collect.
      }
    }
  }

  // Targets of the tab other than the top page: cross-site frames and dedicated workers come
  // attached by the page session's auto-attach; a frame's own workers need auto-attach on the
  // frame's session, and shared workers (not the tab's children) an attach of their own. Called
  // before each GC and reading, so what started since the last checkpoint is included.
  void attach_related() {
    std::vector<std::string> frames, shared;
    {
      std::lock_guard lock(mutex_);
      for (auto& [session, target] : targets_) {
        if (target.type == "iframe" && !target.auto_attach) {
          target.auto_attach = true;
          frames.push_back(session);
        }
      }
      for (auto& [id, attached] : shared_workers_) {
        if (!attached) {
          attached = true;
          shared.push_back(id);
        }
      }
    }
    for (const auto& session : frames) {
      try {
        cdp_->call("Target.setAutoAttach",
                   {{"autoAttach", true}, {"waitForDebuggerOnStart", false}, {"flatten", true}},
                   session, kCdpTimeout);
      } catch (const CdpError&) {
        // The frame went away: its workers went with it.
      }
    }
    for (const auto& id : shared) {
      try {
        cdp_->attach(id, kCdpTimeout);
      } catch (const CdpError&) {
        // The shared worker ended before the attach: nothing of it to read.
      }
    }
  }

  struct AttachedTarget {
    std::string type, url, target_id;
    bool auto_attach = false;  // Target.setAutoAttach sent on this (frame) session
    bool performance = false;  // Performance.enable sent
  };

  std::map<std::string, AttachedTarget> attached_targets() {
    std::lock_guard lock(mutex_);
    return targets_;
  }

  // The page.* metrics summed over every target of the tab, each target's own as
  // target[<label>].<field> (browser/target_counters.hpp says how they add up).
  std::map<std::string, double> read_page_counters() override {
    attach_related();
    std::vector<TargetReading> readings;
    readings.push_back({"page", "", read_target_counters(page_session_, "page")});
    for (const auto& [session, target] : attached_targets()) {
      if (target.type != "iframe" && target.type != "worker" && target.type != "shared_worker") {
        continue;
      }
      try {
        if (target.type == "iframe" && !target.performance) {
          cdp_->call("Performance.enable", json::object(), session, kCdpTimeout);
          std::lock_guard lock(mutex_);
          if (auto it = targets_.find(session); it != targets_.end()) it->second.performance = true;
        }
        readings.push_back({target.type, target.url, read_target_counters(session, target.type)});
      } catch (const CdpError&) {
        // Gone between listing and reading (a frame removed, a worker ended): not in the tab.
      }
    }
    return combine_targets(readings);
  }

  std::map<std::string, double> read_target_counters(const std::string& session,
                                                     const std::string& type) {
    std::map<std::string, double> out;
    static const std::map<std::string, std::string> kPerformanceNames = {
        {"JSHeapUsedSize", metric::kJsHeapUsed}, {"JSHeapTotalSize", metric::kJsHeapTotal},
        {"Documents", metric::kDocuments},       {"Frames", metric::kFrames},
        {"Nodes", metric::kNodes},               {"JSEventListeners", metric::kListeners},
        {"LayoutObjects", metric::kLayoutObjects}};
    json heap = cdp_->call("Runtime.getHeapUsage", json::object(), session, kCdpTimeout);
    if (type == "worker" || type == "shared_worker") {
      // A worker has no Performance or DOM domain: its isolate's heap only.
      out[metric::kJsHeapUsed] = heap.value("usedSize", 0.0);
      out[metric::kJsHeapTotal] = heap.value("totalSize", 0.0);
      out[metric::kEmbedderHeap] = heap.value("embedderHeapUsedSize", 0.0);
      out[metric::kBackingStorage] = heap.value("backingStorageSize", 0.0);
      return out;
    }
    json result = cdp_->call("Performance.getMetrics", json::object(), session, kCdpTimeout);
    for (const auto& m : result.value("metrics", json::array())) {
      auto it = kPerformanceNames.find(m.value("name", ""));
      if (it != kPerformanceNames.end()) out[it->second] = m.value("value", 0.0);
    }
    // Oilpan (DOM) and ArrayBuffer memory, which the V8 heap figures leave out.
    out[metric::kEmbedderHeap] = heap.value("embedderHeapUsedSize", 0.0);
    out[metric::kBackingStorage] = heap.value("backingStorageSize", 0.0);
    if (type == "page") {
      json dom = cdp_->call("Memory.getDOMCounters", json::object(), session, kCdpTimeout);
      out[metric::kDomDocuments] = dom.value("documents", 0.0);
      out[metric::kDomNodes] = dom.value("nodes", 0.0);
      out[metric::kDomListeners] = dom.value("jsEventListeners", 0.0);
    }
    return out;
  }

  std::optional<double> ping_page_ms(std::chrono::milliseconds timeout) override {
    const auto started = std::chrono::steady_clock::now();
    try {
      cdp_->call("Runtime.evaluate", {{"expression", "1"}, {"returnByValue", true}},
                 page_session_, timeout);
    } catch (const CdpTimeout&) {
      return std::nullopt;
    }
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
        .count();
  }

  std::string capture_hang_stack(std::chrono::milliseconds timeout) override {
    if (!options_.hang_stacks) return "";
    {
      std::lock_guard lock(mutex_);
      paused_.reset();
    }
    // Debugger.pause interrupts running JavaScript (reference §8.2: Debugger.paused arrives
    // within milliseconds when the debugger was enabled before the hang).
    cdp_->call("Debugger.pause", json::object(), page_session_, timeout);
    std::unique_lock lock(mutex_);
    paused_cv_.wait_for(lock, timeout, [&] { return paused_.has_value(); });
    if (!paused_) return "";
    json frames = json::array();
    for (const auto& f : paused_->value("callFrames", json::array())) {
      frames.push_back({{"function", f.value("functionName", "")},
                        {"url", f.value("url", "")},
                        {"line", f["location"].value("lineNumber", 0) + 1},
                        {"column", f["location"].value("columnNumber", 0) + 1}});
    }
    return json{{"reason", paused_->value("reason", "")}, {"frames", frames}}.dump(2);
  }

  void crash_page() override {
    // Page.crash never answers (the renderer is gone): a short timeout is the normal path.
    try {
      cdp_->call("Page.crash", json::object(), page_session_, milliseconds(2'000));
    } catch (const CdpError&) {
    }
  }

  std::uint64_t write_heap_snapshot(const std::filesystem::path& file) override {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error("cannot write " + file.string());
    {
      std::lock_guard lock(mutex_);
      snapshot_out_ = &out;
    }
    try {
      // The chunks arrive as HeapProfiler.addHeapSnapshotChunk events before the reply.
      cdp_->call("HeapProfiler.takeHeapSnapshot", {{"reportProgress", false}}, page_session_,
                 milliseconds(300'000));
    } catch (...) {
      std::lock_guard lock(mutex_);
      snapshot_out_ = nullptr;
      throw;
    }
    std::lock_guard lock(mutex_);
    snapshot_out_ = nullptr;
    out.flush();
    return static_cast<std::uint64_t>(out.tellp());
  }

  std::filesystem::path dumps_dir() const override { return dumps_dir_; }

  std::vector<PageError> take_page_errors() override {
    const json result = cdp_->call(
        "Runtime.evaluate",
        {{"expression", "(function(){var e=window.__harnessErrors;return e?e.splice(0,e.length):[];})()"},
         {"returnByValue", true}},
        page_session_, kCdpTimeout);
    std::vector<PageError> errors;
    for (const auto& e : result["result"].value("value", json::array())) {
      errors.push_back({e.value("message", ""), e.value("source", "")});
    }
    return errors;
  }

  bool alive() override {
    if (attached_) return cdp_ && cdp_->connected() && read_process_status(browser_pid_).has_value();
    return driver_process_ && !driver_process_->poll_exit() && cdp_ && cdp_->connected();
  }

  std::vector<BrowserNotice> take_notices() override {
    std::lock_guard lock(mutex_);
    std::vector<BrowserNotice> out;
    out.swap(notices_);
    return out;
  }

  EndReport end() override {
    if (ended_) return end_report_;
    ended_ = true;
    EndReport report;
    report.temp_dir = temp_dir_.string();
    if (tree_) tree_->refresh(true);  // know every member before anything exits
    if (cdp_) cdp_->set_event_listener(nullptr);
    if (webdriver_ && driver_process_ && !driver_process_->poll_exit()) {
      webdriver_->delete_session(kDeleteSessionTimeout);
    } else if (!webdriver_ && cdp_ && driver_process_ && !driver_process_->poll_exit()) {
      try {
        cdp_->call("Browser.close", json::object(), {}, kDeleteSessionTimeout);  // page mode
      } catch (const CdpError&) {
      }
    }
    cdp_.reset();
    if (driver_process_) driver_process_->end_group(kDriverGrace);
    if (tree_) {
      const auto seen = tree_->seen();
      report.processes_seen = seen.size();
      // Attached: the node's chromedriver closes the browser after the Grid session's DELETE;
      // what has not exited within the grace is ended here.
      if (attached_) wait_until_gone(seen, kDriverGrace);
      // Anything that left the driver's process group (crashpad handlers detach with setsid)
      // is ended by its recorded PID and start time.
      for (const auto& id : seen) kill_process(id);
      report.survivors = wait_until_gone(seen, kSurvivorWait);
    }
    if (!temp_dir_.empty()) {
      std::string error;
      report.temp_removed = remove_folder(temp_dir_, 5, milliseconds(100), &error);
      if (!report.temp_removed) {
        spdlog::warn("could not remove the temporary profile {}: {}", temp_dir_.string(), error);
      }
    }
    end_report_ = report;
    return report;
  }

 private:
  void on_event(const CdpEvent& event) {
    std::lock_guard lock(mutex_);
    if (event.method == "HeapProfiler.addHeapSnapshotChunk") {
      if (snapshot_out_) *snapshot_out_ << event.params.value("chunk", "");
      return;
    }
    if (event.method == "Debugger.paused" && event.session_id == page_session_) {
      paused_ = event.params;
      paused_cv_.notify_all();
      return;
    }
    if (event.method == "Target.attachedToTarget") {
      const json& info = event.params.value("targetInfo", json::object());
      const std::string session = event.params.value("sessionId", "");
      if (session != page_session_) {
        targets_[session] = AttachedTarget{info.value("type", ""), info.value("url", ""),
                                           info.value("targetId", "")};
      }
    } else if (event.method == "Target.targetInfoChanged") {
      const json& info = event.params.value("targetInfo", json::object());
      for (auto& [session, target] : targets_) {
        if (target.target_id == info.value("targetId", "")) target.url = info.value("url", "");
      }
    } else if (event.method == "Target.targetCreated") {
      const json& info = event.params.value("targetInfo", json::object());
      if (info.value("type", "") == "shared_worker") {
        shared_workers_.emplace(info.value("targetId", ""), false);
      }
    } else if (event.method == "Target.targetDestroyed") {
      shared_workers_.erase(event.params.value("targetId", ""));
    } else if (event.method == "Target.detachedFromTarget") {
      targets_.erase(event.params.value("sessionId", ""));
      if (event.params.value("sessionId", "") == page_session_) {
        notices_.push_back({"detached", "the page's DevTools session detached", event.params});
      }
    } else if (event.method == "Inspector.targetCrashed" && event.session_id == page_session_) {
      notices_.push_back({"crashed", "the page's renderer crashed (Inspector.targetCrashed)",
                          json::object()});
    } else if (event.method == "Target.targetCrashed") {
      if (event.params.value("targetId", "") == page_target_) {
        notices_.push_back({"crashed",
                            fmt::format("the page's renderer crashed: status {}, error code {}",
                                        event.params.value("status", "?"),
                                        event.params.value("errorCode", 0)),
                            event.params});
      }
    }
  }

  LaunchOptions options_;
  std::filesystem::path temp_dir_;
  std::filesystem::path dumps_dir_;
  std::unique_ptr<ChildProcess> driver_process_;
  std::unique_ptr<ProcessTree> tree_;
  std::unique_ptr<WebDriverClient> webdriver_;
  std::unique_ptr<CdpClient> cdp_;
  int driver_port_ = 0;
  Pid browser_pid_ = 0;
  std::string debugger_address_;
  std::string browser_version_;
  std::string driver_version_;
  std::string page_target_;
  std::string page_session_;
  std::mutex mutex_;
  std::map<std::string, AttachedTarget> targets_;  // by session: frames, workers (not the page)
  std::map<std::string, bool> shared_workers_;     // discovered shared workers: attached yet
  std::ofstream* snapshot_out_ = nullptr;
  std::optional<json> paused_;
  std::condition_variable paused_cv_;
  std::vector<BrowserNotice> notices_;
  json loaded_extensions_ = json::array();  // what Extensions.getExtensions listed of ours
  bool ended_ = false;
  bool attached_ = false;  // attach_chromium: a browser the harness did not launch
  EndReport end_report_;
};

}  // namespace

std::unique_ptr<BrowserSession> attach_chromium(const ChromiumAttachSpec& spec) {
  auto session = std::make_unique<ChromiumSession>();
  try {
    session->start_attached(spec);
  } catch (...) {
    session->end();
    throw;
  }
  return session;
}

std::unique_ptr<BrowserSession> ChromiumProfile::launch(const LaunchOptions& options) const {
  auto session = std::make_unique<ChromiumSession>();
  try {
    session->start(options);
  } catch (...) {
    session->end();  // nothing it started stays behind
    throw;
  }
  return session;
}

}  // namespace harness
