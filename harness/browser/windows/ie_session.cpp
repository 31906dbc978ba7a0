// The IE11 / Edge IE mode session (Windows): the profiles of browser/ie.hpp made to run.
//
//   registry   the profile's values applied through the crash-proof journal before launch and
//              restored after (and by the next harness after a kill: platform/system.hpp)
//   driver     IEDriverServer of the profile's bitness on 127.0.0.1, a W3C session with the
//              profile's se:ieOptions; the browser it launches is its descendant
//   page mode  iexplore.exe <page URL> started directly (EPM, where IEDriverServer cannot
//              attach; the page runs the workflow and posts beacons)
//   processes  the tree of the driver (or the frame), tabs adopted by their SCODEF:<frame>,
//              classified by ie_classifier; sampled at the run's rate like Chromium's
//   crash      a tab process that exits (its exit code in words, e.g. 0xC0000017 no memory)
//   hang       the page no longer answers a trivial script (driver mode); a hung tab is dumped
//              (full memory, like procdump -ma) and ended
//   dumps      full-memory minidumps of the page's tab under the dump rules
//   GC         CollectGarbage() in every same-origin frame; counters from script (documents,
//              frames, document.all.length)
//   end        the WebDriver session deleted, every process ended by its job object and its
//              recorded PID + start time, the registry restored, the temporary folder removed
//
// Over 500 lines because the session is one object from launch to end, like chromium.cpp.
#include <winsock2.h>  // before windows.h
#include <windows.h>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>
#include <winver.h>

#include <algorithm>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "harness/browser/ie_profile.hpp"
#include "harness/drive/webdriver_client.hpp"
#include "harness/error.hpp"
#include "harness/model/run_model.hpp"
#include "harness/platform/cleanup_journal.hpp"
#include "harness/platform/process.hpp"
#include "harness/platform/registry_journal.hpp"
#include "harness/platform/system.hpp"
#include "harness/platform/windows/memory_windows.hpp"
#include "harness/platform/windows/minidump_windows.hpp"
#include "harness/platform/windows/process_exit_windows.hpp"
#include "harness/platform/windows/registry_windows.hpp"
#include "harness/platform/windows/system_windows.hpp"
#include "harness/platform/windows_process_model.hpp"
#include "harness/platform/windows_unicode.hpp"
#include "harness/platform/teardown.hpp"

namespace harness {

using nlohmann::json;
using std::chrono::milliseconds;

namespace {

constexpr milliseconds kDriverStartTimeout{30'000};
constexpr milliseconds kNewSessionTimeout{180'000};  // IE starts slowly on a cold VM
constexpr milliseconds kDeleteSessionTimeout{15'000};
constexpr milliseconds kGrace{3'000};
constexpr milliseconds kSurvivorWait{5'000};

// GC in the top document and every same-origin frame below it: each document of IE11 may have
// a script engine of its own (reference ie11-windows.md §5). ES5: it runs in IE11.
constexpr const char* kCollectGarbageEverywhere = R"js(
var done = 0;
function collect(w) {
  try { if (typeof w.CollectGarbage === 'function') { w.CollectGarbage(); done++; } } catch (e) {}
  var frames;
  try { frames = w.frames; } catch (e) { return; }
  for (var i = 0; i < frames.length; i++) { collect(frames[i]); }
}
collect(window);
return done;
)js";

// What IE tells a script about its documents: every same-origin document below the top one,
// their element counts (document.all), and the frames.
constexpr const char* kPageCounters = R"js(
var documents = 0, nodes = 0, frames = 0;
function count(w) {
  var d;
  try { d = w.document; } catch (e) { return; }
  if (!d) { return; }
  documents++;
  try { nodes += d.all ? d.all.length : d.getElementsByTagName('*').length; } catch (e) {}
  var f;
  try { f = w.frames; } catch (e) { return; }
  frames += f.length;
  for (var i = 0; i < f.length; i++) { count(f[i]); }
}
count(window);
return {documents: documents, nodes: nodes, frames: frames};
)js";

std::string read_text(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::filesystem::path harness_folder() {
  wchar_t buffer[MAX_PATH * 4];
  const DWORD n = ::GetModuleFileNameW(nullptr, buffer, MAX_PATH * 4);
  return std::filesystem::path(std::wstring(buffer, n)).parent_path();
}

// A free loopback port for IEDriverServer (which needs one on its command line): bound, read,
// closed. Another program could take it in between; the driver then fails to start and says so.
int free_loopback_port() {
  WSADATA wsa;
  ::WSAStartup(MAKEWORD(2, 2), &wsa);
  SOCKET s = ::socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  if (s == INVALID_SOCKET) return 0;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = ::htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  int port = 0;
  if (::bind(s, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) {
    int length = sizeof address;
    if (::getsockname(s, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
      port = ::ntohs(address.sin_port);
    }
  }
  ::closesocket(s);
  return port;
}

// "11.0.19041.1" from a file's version resource; "" without one.
// A file's version resource; empty when it has none.
std::vector<char> version_info(const std::filesystem::path& file) {
  DWORD handle = 0;
  const DWORD size = ::GetFileVersionInfoSizeW(file.wstring().c_str(), &handle);
  if (size == 0) return {};
  std::vector<char> data(size);
  if (!::GetFileVersionInfoW(file.wstring().c_str(), 0, size, data.data())) return {};
  return data;
}

std::string file_version(const std::filesystem::path& file) {
  std::vector<char> data = version_info(file);
  if (data.empty()) return "";
  VS_FIXEDFILEINFO* info = nullptr;
  UINT length = 0;
  if (!::VerQueryValueW(data.data(), L"\\", reinterpret_cast<void**>(&info), &length) || !info) {
    return "";
  }
  return fmt::format("{}.{}.{}.{}", HIWORD(info->dwFileVersionMS), LOWORD(info->dwFileVersionMS),
                     HIWORD(info->dwFileVersionLS), LOWORD(info->dwFileVersionLS));
}

// The ProductName of a file's version resource ("Internet Explorer"; "synthetic IE" for
// tools/ietab), in its first translation; empty when it has none.
std::string file_product_name(const std::filesystem::path& file) {
  std::vector<char> data = version_info(file);
  if (data.empty()) return "";
  struct Translation {
    WORD language;
    WORD code_page;
  };
  Translation* translation = nullptr;
  UINT length = 0;
  if (!::VerQueryValueW(data.data(), L"\\VarFileInfo\\Translation",
                        reinterpret_cast<void**>(&translation), &length) ||
      length < sizeof(Translation)) {
    return "";
  }
  const std::wstring key = std::wstring(L"\\StringFileInfo\\") +
                           to_wide(fmt::format("{:04x}{:04x}", translation->language,
                                               translation->code_page)) +
                           L"\\ProductName";
  wchar_t* name = nullptr;
  if (!::VerQueryValueW(data.data(), key.c_str(), reinterpret_cast<void**>(&name), &length) ||
      !name || length == 0) {
    return "";
  }
  return from_wide(std::wstring(name, wcsnlen(name, length)));
}

// The browser's version as the run records it: IE's file version, or another program's product
// name with it (the synthetic IE is never reported as IE).
std::string browser_version_of(const std::filesystem::path& binary) {
  const std::string version = file_version(binary);
  const std::string product = file_product_name(binary);
  if (!product.empty() && product.find("Internet Explorer") == std::string::npos) {
    return version.empty() ? product : product + " " + version;
  }
  return version.empty() ? "unknown (" + binary.filename().string() + ")" : version;
}

std::string program_files(bool x86) {
  wchar_t buffer[MAX_PATH];
  const wchar_t* name = x86 ? L"ProgramFiles(x86)" : L"ProgramW6432";
  DWORD n = ::GetEnvironmentVariableW(name, buffer, MAX_PATH);
  if (n == 0 || n >= MAX_PATH) n = ::GetEnvironmentVariableW(L"ProgramFiles", buffer, MAX_PATH);
  return n == 0 || n >= MAX_PATH ? std::string("C:\\Program Files") : from_wide(std::wstring(buffer, n));
}

// The IE11 the profile's content runs in: 32-bit iexplore.exe for 32-bit tabs.
std::filesystem::path system_iexplore(const IeProfileSpec& profile) {
  return std::filesystem::path(program_files(profile.content_bits == 32)) / "Internet Explorer" /
         "iexplore.exe";
}

// The ActiveX plugin under test: where its DLL is registered, in which views, its version.
json activex_facts(Registry& registry, const std::string& clsid, int content_bits,
                   std::string* finding) {
  json out = {{"clsid", clsid}};
  bool in32 = false, in64 = false;
  for (auto [hive, view, path] :
       {std::tuple{RegistryHive::kLocalMachine, RegistryView::k64, std::string("SOFTWARE\\Classes")},
        std::tuple{RegistryHive::kLocalMachine, RegistryView::k32, std::string("SOFTWARE\\Classes")},
        std::tuple{RegistryHive::kCurrentUser, RegistryView::k64, std::string("Software\\Classes")}}) {
    const RegistryKey key{hive, view, path + "\\CLSID\\" + clsid + "\\InprocServer32"};
    std::optional<RegistryValue> dll;
    try {
      dll = registry.read(key, "");
    } catch (const RegistryError&) {
    }
    if (!dll) continue;
    const std::string where = view == RegistryView::k32 ? "dll_32bit_view" : "dll_64bit_view";
    if (!out.contains(where)) out[where] = dll->as_text();
    (view == RegistryView::k32 ? in32 : in64) = true;
    const std::string version = file_version(dll->as_text());
    if (!version.empty() && !out.contains("version")) out["version"] = version;
  }
  out["registered_32bit"] = in32;
  out["registered_64bit"] = in64;
  const bool loads = content_bits == 32 ? in32 : in64;
  out["loads_in_content"] = loads;
  if (!in32 && !in64) {
    *finding = fmt::format("the ActiveX plugin {} is not registered on this machine", clsid);
  } else if (!loads) {
    *finding = fmt::format("the ActiveX plugin {} is registered for {}-bit processes only: IE's "
                           "{}-bit tabs in this profile cannot load it",
                           clsid, in32 ? 32 : 64, content_bits);
  }
  return out;
}

class IeSession final : public BrowserSession, public GarbageCollector {
 public:
  explicit IeSession(const IeProfileSpec& profile) : profile_(profile) {}
  ~IeSession() override { end(); }

  void start(const LaunchOptions& options) {
    options_ = options;
    const bool page_mode = !options.page_url.empty();
    temp_dir_ = make_private_temp_dir(std::filesystem::temp_directory_path(), "harness-ie-");
    if (options.journal) options.journal->add_temp_dir(temp_dir_);
    dumps_dir_ = options.run_dir / "dumps";
    std::filesystem::create_directories(dumps_dir_);
    apply_registry(options);
    if (!options.activex_clsid.empty()) {
      std::string finding;
      plugin_ = activex_facts(registry_, options.activex_clsid, profile_.content_bits, &finding);
      if (!finding.empty()) notices_.push_back({"finding", finding, plugin_});
    }
    for (const auto& add_on : options.add_ons) {
      // Each add-on component's DLL, version and bitness, as for --activex; an add-on switched on
      // that the tabs cannot load is a finding of the run.
      std::string finding;
      json facts = activex_facts(registry_, add_on.clsid, profile_.content_bits, &finding);
      facts["name"] = add_on.name;
      facts["enabled"] = add_on.enabled;
      if (!finding.empty() && add_on.enabled) notices_.push_back({"finding", finding, facts});
      add_ons_.push_back(std::move(facts));
    }
    if (page_mode) start_page_mode(options);
    else start_driver_mode(options);
    tree_->refresh(true);
    watch_tabs();
  }

  // ---- BrowserSession ----

  Driver& driver() override {
    if (!webdriver_) throw std::logic_error("a page-mode session has no driver");
    return *webdriver_;
  }
  GarbageCollector& garbage_collector() override { return *this; }
  ProcessSource& process_tree() override { return *tree_; }
  std::string browser_version() const override { return browser_version_; }
  std::string driver_version() const override { return driver_version_; }

  json environment() const override {
    json env = {{"os", os_description()},
                {"hostname", host_name()},
                {"profile", profile_.name},
                {"mode", profile_.mode},
                {"content_bits_expected", profile_.content_bits},
                {"drive", webdriver_ ? "driver" : "page"},
                {"ie_binary", ie_binary_.string()},
                {"ie_binary_version", file_version(ie_binary_)},
                {"ie_binary_product", file_product_name(ie_binary_)},
                {"root_pid", root_ ? root_->pid() : 0},
                {"temporary_profile", temp_dir_.string()},
                {"dumps_dir", dumps_dir_.string()},
                {"registry_changed", registry_changed_},
                {"registry", registry_state_},
                {"elevated", process_is_elevated()}};
    if (auto header = read_image_header(ie_binary_.string())) {
      env["ie_binary_32bit"] = !header->pe32_plus;
      env["ie_binary_large_address_aware"] = header->large_address_aware;
    }
    if (webdriver_) {
      env["iedriver_binary"] = iedriver_.string();
      env["iedriver_bits"] = driver_bits_;
      env["iedriver_port"] = driver_port_;
      env["capabilities"] = capabilities_;
    }
    if (!plugin_.is_null()) env["activex"] = plugin_;
    if (!add_ons_.empty()) env["add_ons"] = add_ons_;
    if (running_under_wine()) env["wine"] = wine_version();
    return env;
  }

  void collect_garbage() override {
    // Page mode: the page runner calls CollectGarbage() itself before each beacon.
    if (!webdriver_) return;
    webdriver_->execute(kCollectGarbageEverywhere, json::array());
  }

  std::map<std::string, double> read_page_counters() override {
    std::map<std::string, double> out;
    if (!webdriver_) return out;  // page mode: no one to ask but the page itself
    const json c = webdriver_->execute(kPageCounters, json::array());
    out[metric::kDocuments] = c.value("documents", 0.0);
    out[metric::kNodes] = c.value("nodes", 0.0);
    out[metric::kFrames] = c.value("frames", 0.0);
    return out;
  }

  std::optional<double> ping_page_ms(std::chrono::milliseconds timeout) override {
    if (!webdriver_) {
      // Page mode has no channel to the page but its beacons (the runner times those out): a
      // live tab counts as answering.
      return tab_alive() ? std::optional<double>(0.0) : std::nullopt;
    }
    const auto started = std::chrono::steady_clock::now();
    try {
      webdriver_->command("POST", "execute/sync", {{"script", "return 1;"}, {"args", json::array()}},
                          timeout);
    } catch (const WebDriverError& e) {
      if (e.code() == "timeout") return std::nullopt;
      throw;
    }
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
        .count();
  }

  std::string capture_hang_stack(std::chrono::milliseconds) override { return ""; }

  // A hung tab: its full memory first (the evidence), then it is ended so the blocked driver
  // call returns and the run can end as hung.
  void crash_page() override {
    if (auto tab = page_tab()) {
      const auto file = dumps_dir_ / fmt::format("hung-tab-{}.dmp", tab->identity.pid);
      const MinidumpResult dump = write_full_minidump(tab->identity, file);
      if (!dump.ok) spdlog::warn("no minidump of the hung tab {}: {}", tab->identity.pid, dump.message);
      kill_process(tab->identity);
    }
  }

  std::uint64_t write_heap_snapshot(const std::filesystem::path& file) override {
    auto tab = page_tab();
    if (!tab) throw std::runtime_error("no tab process to dump");
    const MinidumpResult dump = write_full_minidump(tab->identity, file);
    if (!dump.ok) {
      throw std::runtime_error(fmt::format("MiniDumpWriteDump of tab {}: {}", tab->identity.pid,
                                           dump.message));
    }
    return dump.bytes;
  }

  std::filesystem::path dumps_dir() const override { return dumps_dir_; }

  std::vector<PageError> take_page_errors() override { return {}; }

  bool alive() override { return root_ && !root_->poll_exit(); }

  // Tab processes that ended since the last look: a crash (with its exit code in words) or, in
  // the middle of a run, a page that went away.
  std::vector<BrowserNotice> take_notices() override {
    std::lock_guard lock(mutex_);
    watch_tabs_locked();
    for (const auto& exit : exits_.poll()) {
      if (exit.role != ProcessRole::kRenderer) continue;
      const std::string what =
          fmt::format("the tab process {} ended with {}", exit.identity.pid, exit.description);
      notices_.push_back({exit.crashed || exit.exit_code != 0 ? "crashed" : "detached", what,
                          {{"pid", exit.identity.pid}, {"exit_code", exit.exit_code}}});
    }
    std::vector<BrowserNotice> out;
    out.swap(notices_);
    return out;
  }

  EndReport end() override {
    if (ended_) return end_report_;
    ended_ = true;
    EndReport report;
    report.temp_dir = temp_dir_.string();
    if (tree_) tree_->refresh(true);
    if (webdriver_ && root_ && !root_->poll_exit()) webdriver_->delete_session(kDeleteSessionTimeout);
    if (root_) root_->end_group(kGrace);  // its job object ends what it started
    if (tree_) {
      const auto seen = tree_->seen();
      report.processes_seen = seen.size();
      for (const auto& id : seen) kill_process(id);
      report.survivors = wait_until_gone(seen, kSurvivorWait);
    }
    if (journal_) {
      const RestoreReport restored = journal_->restore();
      report.details["registry_applied"] = registry_changed_;
      report.details["registry_restored"] = restored.restored;
      report.details["registry_restore_failures"] = restored.failures;
      report.note = fmt::format("registry: {} value(s) applied, {} restored", registry_changed_,
                                restored.restored);
      if (!restored.complete()) {
        spdlog::error("registry values not restored ({}): {}; the next harness retries",
                      journal_->file().string(), fmt::join(restored.failures, "; "));
      }
      journal_.reset();
    }
    // A dying process may hold a file a little longer on Windows.
    if (!temp_dir_.empty()) report.temp_removed = remove_folder(temp_dir_, 10, milliseconds(200));
    end_report_ = report;
    return report;
  }

 private:
  // The profile's registry values, through the journal (restored at end(), or by the next
  // harness when this one is killed).
  void apply_registry(const LaunchOptions& options) {
    for (const auto& check : check_ie_registry(registry_, profile_, process_is_elevated())) {
      json row = {{"what", check.what}, {"satisfied", check.satisfied}};
      if (check.effective) row["effective"] = check.effective->describe();
      if (!check.problem.empty()) row["problem"] = check.problem;
      registry_state_.push_back(row);
    }
    const std::filesystem::path dir = options.registry_journal_dir.empty()
                                          ? temp_dir_ / "registry"
                                          : options.registry_journal_dir;
    JournalHeader header;
    header.run_id = options.run_dir.filename().string();
    header.owner = identify_process(current_process_id()).value_or(ProcessIdentity{});
    header.started_utc = utc_now_iso8601();
    header.mode = profile_.name;
    try {
      journal_ = std::make_unique<RegistryJournal>(registry_, dir / journal_file_name(header.run_id),
                                                   header);
      registry_changed_ = apply_ie_registry(registry_, *journal_, profile_, process_is_elevated());
      for (const auto& change : add_on_registry_changes(options.add_ons)) {
        if (journal_->apply(change)) ++registry_changed_;
      }
    } catch (const RegistryError& e) {
      throw LaunchError(fmt::format("{} is not applicable on this machine as configured: {}",
                                    profile_.name, e.what()));
    }
  }

  std::filesystem::path find_iedriver(const LaunchOptions& options) const {
    if (!options.iedriver_binary.empty()) {
      if (!std::filesystem::exists(options.iedriver_binary)) {
        throw LaunchError(fmt::format("IEDriverServer '{}' does not exist", options.iedriver_binary));
      }
      return options.iedriver_binary;
    }
    const auto beside = harness_folder() / "drivers" / iedriver_relative_path(profile_);
    if (std::filesystem::exists(beside)) return beside;
    wchar_t found[MAX_PATH];
    if (::SearchPathW(nullptr, L"IEDriverServer.exe", nullptr, MAX_PATH, found, nullptr)) {
      return std::filesystem::path(found);
    }
    throw LaunchError(fmt::format(
        "IEDriverServer.exe ({}-bit, for {}) was not found: pass --iedriver PATH, or put it in "
        "{} (docs/windows-lab.md)",
        profile_.driver_bits, profile_.name, beside.string()));
  }

  void start_driver_mode(const LaunchOptions& options) {
    if (!profile_.driver_supported) {
      throw LaunchError(fmt::format("{} cannot be driven by IEDriverServer ({}): use page mode "
                                    "(drive: page)",
                                    profile_.name, profile_.description));
    }
    iedriver_ = find_iedriver(options);
    ie_binary_ = options.ie_binary.empty() ? system_iexplore(profile_)
                                           : std::filesystem::path(options.ie_binary);
    driver_port_ = free_loopback_port();
    if (driver_port_ == 0) throw LaunchError("no free loopback port for IEDriverServer");
    LaunchSpec spec;
    spec.executable = iedriver_;
    spec.args = iedriver_arguments(driver_port_, (options.run_dir / "iedriver.log").string(),
                                   (temp_dir_ / "extract").string());
    spec.stdout_file = options.run_dir / "iedriver.stdout.log";
    spec.stderr_file = options.run_dir / "iedriver.stderr.log";
    root_ = ChildProcess::launch(spec);
    if (options.journal) options.journal->add_group(root_->identity());
    tree_ = std::make_unique<ProcessTree>(ie_process_tree_options(profile_, {root_->pid()}));
    const auto deadline = std::chrono::steady_clock::now() + kDriverStartTimeout;
    std::optional<IeDriverBanner> banner;
    while (!(banner = parse_iedriver_banner(read_text(spec.stdout_file)))) {
      if (auto code = root_->poll_exit()) {
        throw LaunchError(fmt::format("IEDriverServer exited with code {} ({}) before listening",
                                      *code, iedriver_exit_reason(*code)));
      }
      if (std::chrono::steady_clock::now() > deadline) {
        throw LaunchError(fmt::format("IEDriverServer did not start listening within {} ms",
                                      kDriverStartTimeout.count()));
      }
      std::this_thread::sleep_for(milliseconds(50));
    }
    driver_version_ = banner->version;
    driver_bits_ = banner->bits;
    if (banner->bits != 0 && banner->bits != profile_.driver_bits) {
      notices_.push_back({"finding",
                          fmt::format("IEDriverServer is {}-bit; {} wants the {}-bit driver",
                                      banner->bits, profile_.name, profile_.driver_bits),
                          json::object()});
    }
    webdriver_ = std::make_unique<WebDriverClient>("127.0.0.1", driver_port_);
    IeSessionOptions session;
    session.initial_url = options.initial_url;
    session.page_load_timeout_ms = options.timeouts.page_load_ms;
    session.script_timeout_ms = options.timeouts.script_ms;
    session.elevated_driver = process_is_elevated();
    const auto caps = ie_capabilities(profile_, session);
    try {
      capabilities_ = webdriver_->new_session(*caps, kNewSessionTimeout);
    } catch (const WebDriverError& e) {
      throw LaunchError(fmt::format("IEDriverServer could not start {} ({}): {}", profile_.name,
                                    ie_binary_.string(), e.what()));
    }
    browser_version_ = capabilities_.value("browserVersion", "");
    WebDriverTimeouts timeouts;
    timeouts.page_load = milliseconds(options.timeouts.page_load_ms);
    timeouts.script = milliseconds(options.timeouts.script_ms);
    webdriver_->set_timeouts(timeouts);
  }

  // Page mode: iexplore.exe <page URL>, our child, in our job object.
  void start_page_mode(const LaunchOptions& options) {
    ie_binary_ = options.ie_binary.empty() ? system_iexplore(profile_)
                                           : std::filesystem::path(options.ie_binary);
    if (!std::filesystem::exists(ie_binary_)) {
      throw LaunchError(fmt::format("{} does not exist: IE11 is not installed here (or pass "
                                    "--ie-binary PATH)",
                                    ie_binary_.string()));
    }
    LaunchSpec spec;
    spec.executable = ie_binary_;
    spec.args = {options.page_url};
    spec.stdout_file = options.run_dir / "iexplore.log";
    spec.stderr_file = options.run_dir / "iexplore.stderr.log";
    root_ = ChildProcess::launch(spec);
    if (options.journal) options.journal->add_group(root_->identity());
    tree_ = std::make_unique<ProcessTree>(ie_process_tree_options(profile_, {root_->pid()}));
    browser_version_ = browser_version_of(ie_binary_);
  }

  void watch_tabs() {
    std::lock_guard lock(mutex_);
    watch_tabs_locked();
  }

  void watch_tabs_locked() {
    if (!tree_) return;
    tree_->refresh(false);
    for (const auto& p : tree_->read()) {
      if (p.role != ProcessRole::kRenderer) continue;
      if (auto id = tree_->identity_of(p.pid)) exits_.watch(*id, p.role, p.subtype);
    }
  }

  struct Tab {
    ProcessIdentity identity;
    std::uint64_t private_bytes = 0;
  };

  // The tab holding the page: the page renderer with the most private memory.
  std::optional<Tab> page_tab() {
    if (!tree_) return std::nullopt;
    std::optional<Tab> best;
    for (const auto& p : tree_->read()) {
      if (!is_page_renderer(p)) continue;
      auto id = tree_->identity_of(p.pid);
      if (id && (!best || p.private_bytes > best->private_bytes)) best = Tab{*id, p.private_bytes};
    }
    return best;
  }

  bool tab_alive() {
    auto tab = page_tab();
    return tab && process_alive(tab->identity);
  }

  const IeProfileSpec& profile_;
  LaunchOptions options_;
  WindowsRegistry registry_;
  std::unique_ptr<RegistryJournal> journal_;
  int registry_changed_ = 0;
  json add_ons_ = json::array();  // activex_facts of the add-on components
  json registry_state_ = json::array();
  json plugin_;
  std::filesystem::path temp_dir_;
  std::filesystem::path dumps_dir_;
  std::filesystem::path iedriver_;
  std::filesystem::path ie_binary_;
  int driver_port_ = 0;
  int driver_bits_ = 0;
  json capabilities_ = json::object();
  std::unique_ptr<ChildProcess> root_;  // IEDriverServer, or the frame in page mode
  std::unique_ptr<ProcessTree> tree_;
  std::unique_ptr<WebDriverClient> webdriver_;
  std::string browser_version_;
  std::string driver_version_;
  std::mutex mutex_;
  ProcessExitWatcher exits_;
  std::vector<BrowserNotice> notices_;
  bool ended_ = false;
  EndReport end_report_;
};

}  // namespace

std::unique_ptr<BrowserSession> launch_ie_session(const IeProfileSpec& spec,
                                                  const LaunchOptions& options) {
  auto session = std::make_unique<IeSession>(spec);
  try {
    session->start(options);
  } catch (const LaunchError&) {
    session->end();  // nothing it started stays behind, every registry value is restored
    throw;
  } catch (const std::exception& e) {
    session->end();
    throw LaunchError(fmt::format("{} could not be started: {}", spec.name, e.what()));
  }
  return session;
}

bool ie_sessions_available() { return true; }

std::vector<ReadinessRow> ie_readiness(const std::string& iedriver_override) {
  std::vector<ReadinessRow> rows;
  WindowsRegistry registry;
  std::string ie_version;
  try {
    if (auto v = registry.read({RegistryHive::kLocalMachine, RegistryView::k64,
                                "SOFTWARE\\Microsoft\\Internet Explorer"},
                               "svcVersion")) {
      ie_version = v->as_text();
    }
  } catch (const RegistryError&) {
  }
  rows.push_back({"ie11", ie_version.empty() ? "no IE11 registered (svcVersion missing)"
                                             : "IE " + ie_version,
                  !ie_version.empty()});
  const bool elevated = process_is_elevated();
  rows.push_back({"elevated", elevated ? "yes (machine-wide values can be set)"
                                       : "no (machine-wide values are only checked)",
                  true});
  for (const auto& spec : ie_profiles()) {
    std::vector<std::string> lacks;
    const auto iexplore = system_iexplore(spec);
    if (!std::filesystem::exists(iexplore)) lacks.push_back(iexplore.string() + " missing");
    if (spec.driver_supported && spec.default_drive == IeDriveMode::kDriver) {
      std::filesystem::path driver = iedriver_override;
      if (driver.empty()) driver = harness_folder() / "drivers" / iedriver_relative_path(spec);
      wchar_t found[MAX_PATH];
      const bool on_path = iedriver_override.empty() &&
                           ::SearchPathW(nullptr, L"IEDriverServer.exe", nullptr, MAX_PATH, found,
                                         nullptr) != 0;
      if (!std::filesystem::exists(driver) && !on_path) {
        lacks.push_back(fmt::format("IEDriverServer {}-bit (drivers\\{}; or --iedriver)",
                                    spec.driver_bits, spec.driver_bits == 64 ? "x64" : "x86"));
      }
    }
    int to_set = 0;
    for (const auto& check : check_ie_registry(registry, spec, elevated)) {
      if (check.satisfied) continue;
      if (check.fixable) ++to_set;
      else lacks.push_back(check.problem);
    }
    std::string value = lacks.empty() ? "ready" : "missing: " + fmt::format("{}", fmt::join(lacks, "; "));
    if (to_set > 0) value += fmt::format(" ({} registry value(s) set for the run, restored after)", to_set);
    rows.push_back({spec.name, value, lacks.empty()});
  }
  return rows;
}

}  // namespace harness
