#include "harness/browser/ie.hpp"

#include <fmt/format.h>

#include <charconv>

#include <algorithm>
#include <map>
#include <regex>

#include "harness/platform/windows_process_model.hpp"

namespace harness {

using nlohmann::json;

namespace {

// Key paths (reference §3.1).
constexpr const char* kMain = "Software\\Microsoft\\Internet Explorer\\Main";
constexpr const char* kPolicyMain = "Software\\Policies\\Microsoft\\Internet Explorer\\Main";
constexpr const char* kZones =
    "Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\Zones";
constexpr const char* kPolicyInternetSettings =
    "Software\\Policies\\Microsoft\\Windows\\CurrentVersion\\Internet Settings";
constexpr const char* kFeatureBfcache = "\\FeatureControl\\FEATURE_BFCACHE";

// "Display mixed content" and friends live in the same zone keys; 2500 is Protected Mode:
// 0 = on, 3 = off. Zones 1 Intranet, 2 Trusted, 3 Internet, 4 Restricted; IEDriverServer compares
// every zone but 0 (My Computer) and needs them all equal.
constexpr const char* kProtectedMode = "2500";
constexpr std::uint32_t kProtectedModeOn = 0;
constexpr std::uint32_t kProtectedModeOff = 3;

RegistryKey hkcu(std::string path) {
  return {RegistryHive::kCurrentUser, RegistryView::k64, std::move(path)};
}
RegistryKey hklm(std::string path, RegistryView view = RegistryView::k64) {
  return {RegistryHive::kLocalMachine, view, std::move(path)};
}

IeRegistryRequirement main_value(const std::string& name, std::optional<RegistryValue> desired,
                                 bool absent_ok, const std::string& purpose) {
  IeRegistryRequirement r;
  r.change = {hkcu(kMain), name, std::move(desired), purpose};
  r.absent_ok = absent_ok;
  // HKLM\SOFTWARE\Policies is shared between the registry views.
  r.higher = {hklm(kPolicyMain), hkcu(kPolicyMain)};
  r.lower = {hklm(kMain)};
  return r;
}

IeRegistryRequirement zone_protected_mode(int zone, std::uint32_t value) {
  const std::string zone_path = fmt::format("{}\\{}", kZones, zone);
  const std::string policy_path = fmt::format("{}\\Zones\\{}", kPolicyInternetSettings, zone);
  IeRegistryRequirement r;
  r.change = {hkcu(zone_path), kProtectedMode, RegistryValue::dword(value),
              fmt::format("Protected Mode {} in zone {} (IEDriverServer needs every zone equal)",
                          value == kProtectedModeOn ? "on" : "off", zone)};
  r.higher = {hklm(policy_path), hkcu(policy_path)};
  r.lower = {hklm(zone_path)};
  return r;
}

IeRegistryRequirement bfcache(RegistryView view) {
  const std::string path = std::string(kMain) + kFeatureBfcache;
  const std::string policy = std::string(kPolicyMain) + kFeatureBfcache;
  IeRegistryRequirement r;
  r.change = {hklm(path, view), "iexplore.exe", RegistryValue::dword(0),
              fmt::format("FEATURE_BFCACHE off for {}-bit IE: IEDriverServer loses the browser "
                          "otherwise",
                          view == RegistryView::k32 ? 32 : 64)};
  r.machine_wide = true;
  r.higher = {hklm(policy), hkcu(policy), hkcu(path)};
  return r;
}

std::vector<IeProfileSpec> make_profiles() {
  std::vector<IeProfileSpec> p(4);
  const std::vector<std::string> k32BitMetrics = {"renderer.virtual_bytes",
                                                  "renderer.largest_free_block_bytes",
                                                  "renderer.free_bytes"};

  IeProfileSpec& x86 = p[0];
  x86.name = "ie11-x86";
  x86.mode = "M1";
  x86.description =
      "IE11 as the customer runs it: 64-bit frame, 32-bit tab processes (LCIE), 32-bit "
      "IEDriverServer";
  x86.driver_bits = 32;
  x86.content_bits = 32;
  x86.default_ceiling_bytes = kIe32BitTabCeilingBytes;
  x86.recorded_metrics = k32BitMetrics;
  x86.notes = {"tabs carry SCODEF:<frame pid>; closed tabs linger, so samples are keyed by PID "
               "and creation time",
               "the ceiling case: private bytes near 1.3 GB with the largest free block near 0"};

  IeProfileSpec& x64 = p[1];
  x64.name = "ie11-x64";
  x64.mode = "M2";
  x64.description =
      "IE11 with TabProcGrowth=0: frame and tabs in one 64-bit process, 64-bit IEDriverServer "
      "with ie.forceCreateProcessApi";
  x64.driver_bits = 64;
  x64.content_bits = 64;
  x64.frame_hosts_content = true;
  x64.force_create_process_api = true;
  x64.virtual_byte_rules = false;
  x64.notes = {"32-bit-only ActiveX plugins (the customer's audio plugin) cannot load: record it",
               "no default ceiling: 64-bit address space; the slope still matters"};

  IeProfileSpec& epm = p[2];
  epm.name = "ie11-x64-epm";
  epm.mode = "M3";
  epm.description =
      "IE11 with Enhanced Protected Mode and 64-bit tab processes (Isolation=PMEM, "
      "Isolation64Bit=1), Protected Mode on in every zone; driven by the page";
  epm.driver_bits = 64;
  epm.driver_supported = false;
  epm.default_drive = IeDriveMode::kPage;
  epm.content_bits = 64;
  epm.virtual_byte_rules = false;
  epm.notes = {"IEDriverServer does not support EPM: page mode (the page runs the workflow and "
               "posts a beacon per iteration)",
               "tabs run in an AppContainer: the test server must be reachable (loopback "
               "exemption or the VM's own address)",
               "plugins must be 64-bit and EPM-compatible"};

  IeProfileSpec& edge = p[3];
  edge.name = "edge-iemode";
  edge.mode = "M4";
  edge.description =
      "Microsoft Edge IE mode: Trident inside Edge (iexplore.exe ... APPID:MSEdge), 32-bit "
      "IEDriverServer with ie.edgechromium";
  edge.driver_bits = 32;
  edge.content_bits = 32;
  edge.edge = true;
  edge.default_ceiling_bytes = kIe32BitTabCeilingBytes;
  edge.recorded_metrics = k32BitMetrics;
  edge.notes = {"never share the Edge instance with a CDP run: Edge started with "
                "--remote-debugging-port has no IE mode",
                "content bitness is unverified: log it (IsWow64Process) on the first lab run"};
  return p;
}

std::optional<RegistryValue> read_or_null(Registry& registry, const RegistryKey& key,
                                          const std::string& name) {
  return registry.read(key, name);
}

bool satisfies(const IeRegistryRequirement& r, const std::optional<RegistryValue>& v) {
  if (!v) return r.absent_ok || !r.change.desired;
  if (!r.change.desired) return false;
  return equivalent_values(*v, *r.change.desired);
}

}  // namespace

const std::vector<IeProfileSpec>& ie_profiles() {
  static const std::vector<IeProfileSpec> kProfiles = make_profiles();
  return kProfiles;
}

const IeProfileSpec* find_ie_profile(std::string_view name) {
  for (const auto& p : ie_profiles()) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

std::optional<json> ie_capabilities(const IeProfileSpec& profile,
                                    const IeSessionOptions& options) {
  if (!profile.driver_supported && !options.force_driver) return std::nullopt;
  json ie = {
      {"browserAttachTimeout", options.browser_attach_timeout_ms},
      {"ignoreProtectedModeSettings", false},  // the harness sets the zones instead
      {"ignoreZoomSetting", false},            // zoom 100 % is part of the lab set-up
      {"nativeEvents", options.native_events},
      {"ie.ensureCleanSession", options.ensure_clean_session},
      {"ie.forceCreateProcessApi", profile.force_create_process_api},
  };
  if (!options.initial_url.empty()) ie["initialBrowserUrl"] = options.initial_url;
  if (profile.force_create_process_api && !options.browser_command_line_switches.empty()) {
    ie["ie.browserCommandLineSwitches"] = options.browser_command_line_switches;
  }
  if (profile.edge) {
    ie["ie.edgechromium"] = true;
    ie["ie.edgepath"] = options.edge_path.empty() ? kDefaultEdgePath : options.edge_path;
    if (options.elevated_driver) ie["ie.ignoreprocessmatch"] = true;
  }
  return json{{"browserName", "internet explorer"},
              {"platformName", "windows"},
              {"pageLoadStrategy", "normal"},
              {"unhandledPromptBehavior", "dismiss and notify"},
              {"timeouts",
               {{"pageLoad", options.page_load_timeout_ms},
                {"script", options.script_timeout_ms},
                {"implicit", 0}}},
              {"se:ieOptions", ie}};
}

std::string iedriver_relative_path(const IeProfileSpec& profile) {
  return profile.driver_bits == 64 ? "x64\\IEDriverServer.exe" : "x86\\IEDriverServer.exe";
}

std::vector<std::string> iedriver_arguments(int port, const std::string& log_file,
                                            const std::string& extract_dir,
                                            const std::string& log_level) {
  std::vector<std::string> args = {fmt::format("/port={}", port), "/host=127.0.0.1",
                                   "/log-level=" + log_level};
  if (!log_file.empty()) args.push_back("/log-file=" + log_file);
  if (!extract_dir.empty()) args.push_back("/extract-path=" + extract_dir);
  return args;
}

std::optional<IeDriverBanner> parse_iedriver_banner(std::string_view text) {
  static const std::regex kStarted(R"(Started InternetExplorerDriver server \((32|64)-bit\))");
  static const std::regex kVersion(R"((?:^|\n)\s*([0-9]+(?:\.[0-9]+){1,3})\s*(?:\r?\n|$))");
  static const std::regex kPort(R"(Listening on port ([0-9]+))");
  const std::string s(text);
  std::smatch m;
  if (!std::regex_search(s, m, kPort)) return std::nullopt;
  IeDriverBanner b;
  b.port = std::stoi(m[1]);
  if (std::regex_search(s, m, kStarted)) b.bits = std::stoi(m[1]);
  if (std::regex_search(s, m, kVersion)) b.version = m[1];
  b.local_only = s.find("Only local connections are allowed") != std::string::npos;
  return b;
}

std::string iedriver_exit_reason(int exit_code) {
  switch (exit_code) {
    case 0: return "exited normally";
    case 1: return "could not extract its driver DLL (check /extract-path and %TEMP%)";
    case 2: return "could not load its driver DLL";
    case 3: return "its driver DLL has no StartServer entry point (mismatched build)";
    case 4: return "could not start its HTTP server (port in use?)";
    default: return "exit code " + describe_exit_code(static_cast<std::uint32_t>(exit_code));
  }
}

std::vector<IeRegistryRequirement> ie_registry_requirements(const IeProfileSpec& profile) {
  std::vector<IeRegistryRequirement> out;
  if (!profile.edge) {
    if (profile.frame_hosts_content) {
      out.push_back(main_value("TabProcGrowth", RegistryValue::dword(0), false,
                               "TabProcGrowth=0: tabs inside the 64-bit frame process (needed by "
                               "ie.forceCreateProcessApi)"));
    } else {
      out.push_back(main_value("TabProcGrowth", std::nullopt, true,
                               "TabProcGrowth at its default: LCIE tab processes"));
    }
    const bool epm = profile.mode == "M3";
    out.push_back(main_value("Isolation", RegistryValue::string(epm ? "PMEM" : "PMIL"), !epm,
                             epm ? "Isolation=PMEM: Enhanced Protected Mode on"
                                 : "Isolation=PMIL: Enhanced Protected Mode off"));
    if (epm) {
      out.push_back(main_value("Isolation64Bit", RegistryValue::dword(1), false,
                               "Isolation64Bit=1: 64-bit tab processes under EPM"));
    } else {
      out.push_back(main_value("Isolation64Bit", std::nullopt, true,
                               "Isolation64Bit at its default (off)"));
    }
  }
  // EPM needs Protected Mode on in the Intranet and Trusted zones, the driver needs all zones
  // equal: all on for EPM, all off otherwise (the customer's app zone runs with it off).
  const std::uint32_t pm = profile.mode == "M3" ? kProtectedModeOn : kProtectedModeOff;
  for (int zone = 1; zone <= 4; ++zone) out.push_back(zone_protected_mode(zone, pm));
  out.push_back(bfcache(profile.content_bits == 32 ? RegistryView::k32 : RegistryView::k64));
  return out;
}

std::vector<IeRegistryCheck> check_ie_registry(Registry& registry, const IeProfileSpec& profile,
                                               bool may_write_machine) {
  // Security_HKLM_only=1: only the machine's zone settings apply (KB182569); the Internet Options
  // dialog and IEDriverServer still show HKCU.
  const auto hklm_only = registry.read(hklm(kPolicyInternetSettings), "Security_HKLM_only");
  const bool zones_machine_only = hklm_only && hklm_only->as_number().value_or(0) == 1;

  std::vector<IeRegistryCheck> out;
  for (const auto& r : ie_registry_requirements(profile)) {
    IeRegistryCheck c;
    c.what = fmt::format("{} ({})", describe_value(r.change.key, r.change.value_name),
                         r.change.purpose);
    const bool is_zone = r.change.value_name == kProtectedMode;
    // Precedence order, highest first; the harness can write only change.key. With
    // Security_HKLM_only=1 no HKCU zone key counts, policy or not.
    struct Location {
      RegistryKey key;
      bool policy;
    };
    const bool own_key_counts = !(is_zone && zones_machine_only);
    std::vector<Location> chain;
    for (const auto& k : r.higher) {
      if (own_key_counts || k.hive == RegistryHive::kLocalMachine) chain.push_back({k, true});
    }
    if (own_key_counts) chain.push_back({r.change.key, false});
    for (const auto& k : r.lower) chain.push_back({k, false});

    std::optional<std::size_t> source;
    for (std::size_t i = 0; i < chain.size() && !source; ++i) {
      if (auto v = read_or_null(registry, chain[i].key, r.change.value_name)) {
        c.effective = v;
        source = i;
      }
    }
    if (source) c.effective_source = describe_value(chain[*source].key, r.change.value_name);
    c.satisfied = satisfies(r, c.effective);
    if (c.satisfied) {
      out.push_back(std::move(c));
      continue;
    }
    const std::string now = c.effective ? c.effective->describe() : "absent";
    const bool writable = own_key_counts && (!r.machine_wide || may_write_machine);
    const bool decided_above = source && chain[*source].policy;
    // Deleting our value does not help when a lower location still sets one.
    bool lower_set = false;
    if (!r.change.desired) {
      for (const auto& k : r.lower) lower_set = lower_set || read_or_null(registry, k, r.change.value_name);
    }
    c.fixable = writable && !decided_above && !lower_set;
    if (decided_above) {
      c.problem = fmt::format("mode not applicable: policy {} = {} overrides {}",
                              c.effective_source, now, c.what);
    } else if (!own_key_counts) {
      c.problem = fmt::format("mode not applicable: Security_HKLM_only=1 makes {} decide ({}), "
                              "not {}",
                              c.effective_source.empty() ? "the machine's zone keys"
                                                         : c.effective_source,
                              now, c.what);
    } else if (lower_set) {
      c.problem = fmt::format("mode not applicable: {} = {} (machine-wide) keeps {} from its "
                              "default",
                              c.effective_source, now, c.what);
    } else if (r.machine_wide && !may_write_machine) {
      c.problem = fmt::format("{} is {}: set it once as administrator when provisioning the lab "
                              "machine (docs/windows-lab.md)",
                              c.what, now);
    } else {
      c.problem = fmt::format("{} is {}", c.what, now);
    }
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<RegistryChange> add_on_registry_changes(
    const std::vector<LaunchOptions::AddOn>& add_ons) {
  std::vector<RegistryChange> changes;
  for (const auto& a : add_ons) {
    RegistryChange c;
    c.key = RegistryKey{RegistryHive::kCurrentUser, RegistryView::k64,
                        "Software\\Microsoft\\Windows\\CurrentVersion\\Ext\\Settings\\" + a.clsid};
    c.value_name = "Flags";
    if (!a.enabled) c.desired = RegistryValue::dword(1);
    c.purpose = fmt::format("component {} ({}) {}", a.name, a.clsid,
                            a.enabled ? "on: add-on enabled" : "off: add-on disabled");
    changes.push_back(std::move(c));
  }
  return changes;
}

int apply_ie_registry(Registry& registry, RegistryJournal& journal, const IeProfileSpec& profile,
                      bool may_write_machine) {
  const auto requirements = ie_registry_requirements(profile);
  auto checks = check_ie_registry(registry, profile, may_write_machine);
  std::vector<std::string> problems;
  for (const auto& c : checks) {
    if (!c.satisfied && !c.fixable) problems.push_back(c.problem);
  }
  if (!problems.empty()) {
    std::string text = fmt::format("{}: the registry does not allow this mode:", profile.name);
    for (const auto& p : problems) text += "\n  " + p;
    throw RegistryError(text);
  }
  int changed = 0;
  for (std::size_t i = 0; i < checks.size(); ++i) {
    if (checks[i].satisfied) continue;
    if (journal.apply(requirements[i].change)) ++changed;
  }
  for (const auto& c : check_ie_registry(registry, profile, may_write_machine)) {
    if (!c.satisfied) problems.push_back(c.problem);
  }
  if (!problems.empty()) {
    std::string text = fmt::format("{}: values applied but not effective:", profile.name);
    for (const auto& p : problems) text += "\n  " + p;
    throw RegistryError(text);
  }
  return changed;
}

ProcessClass classify_ie(const IeProfileSpec& profile, std::string_view cmdline) {
  ProcessClass c;
  const std::string program = lower_base_name(cmdline_program(cmdline));
  if (program == "iedriverserver.exe" || program == "iedriverserver64.exe") {
    c.role = ProcessRole::kDriver;
  } else if (program == "iexplore.exe") {
    if (scodef_pid(cmdline)) {
      c.role = ProcessRole::kRenderer;
      c.subtype = has_cmdline_token(cmdline, "APPID:MSEdge") ? "iemode" : "tab";
    } else if (profile.frame_hosts_content) {
      c.role = ProcessRole::kRenderer;
      c.subtype = "frame+tab";
    } else {
      c.role = ProcessRole::kBrowser;
      c.subtype = "frame";
    }
  } else if (program == "msedge.exe") {
    static const std::regex kType(R"((?:^|\s)--type=([^\s]+))");
    std::match_results<std::string_view::const_iterator> m;
    if (std::regex_search(cmdline.begin(), cmdline.end(), m, kType)) {
      c.role = ProcessRole::kOther;
      c.subtype = "msedge-" + m[1].str();
    } else {
      c.role = ProcessRole::kBrowser;
      c.subtype = "msedge";
    }
  }
  return c;
}

std::optional<std::int64_t> scodef_pid(std::string_view cmdline) {
  const auto value = cmdline_token_after(cmdline, "SCODEF:");
  if (!value) return std::nullopt;
  std::int64_t pid = 0;
  auto [end, ec] = std::from_chars(value->data(), value->data() + value->size(), pid);
  if (ec != std::errc() || end != value->data() + value->size() || pid <= 0) return std::nullopt;
  return pid;
}

ProcessTreeOptions ie_process_tree_options(const IeProfileSpec& profile, std::vector<Pid> roots) {
  ProcessTreeOptions options;
  options.roots = std::move(roots);
  options.classify = ie_classifier(profile);
  options.adopted_by = [](std::string_view cmdline) { return scodef_pid(cmdline); };
  return options;
}

ProcessClassifier ie_classifier(const IeProfileSpec& profile) {
  return [profile](std::string_view cmdline) { return classify_ie(profile, cmdline); };
}

IeTopology ie_topology(const std::vector<IeProcessFacts>& processes) {
  IeTopology t;
  std::map<Pid, const IeProcessFacts*> by_pid;
  for (const auto& p : processes) by_pid[p.pid] = &p;
  std::map<Pid, std::size_t> frame_index;
  auto frame_for = [&](const IeProcessFacts& p) -> IeFrame& {
    auto it = frame_index.find(p.pid);
    if (it == frame_index.end()) {
      IeFrame f;
      f.pid = p.pid;
      f.is_32bit = p.is_32bit;
      f.edge = lower_base_name(cmdline_program(p.cmdline)) == "msedge.exe";
      t.frames.push_back(f);
      it = frame_index.emplace(p.pid, t.frames.size() - 1).first;
    }
    return t.frames[it->second];
  };
  for (const auto& p : processes) {
    const std::string program = lower_base_name(cmdline_program(p.cmdline));
    if (program == "iexplore.exe" && !scodef_pid(p.cmdline)) frame_for(p);
  }
  for (const auto& p : processes) {
    const auto frame_pid = scodef_pid(p.cmdline);
    if (!frame_pid) continue;
    auto frame = by_pid.find(*frame_pid);
    // The frame must exist and be older than the tab, or the PID was recycled.
    if (frame == by_pid.end() || frame->second->create_time > p.create_time) {
      t.anomalies.push_back(fmt::format("tab {} names frame {} (SCODEF), which is not running",
                                        p.pid, *frame_pid));
      continue;
    }
    IeTab tab;
    tab.pid = p.pid;
    tab.is_32bit = p.is_32bit;
    tab.parent_is_frame = p.parent_pid == *frame_pid;
    if (!tab.parent_is_frame) {
      t.anomalies.push_back(fmt::format("tab {} names frame {} but its parent is {}", p.pid,
                                        *frame_pid, p.parent_pid));
    }
    frame_for(*frame->second).tabs.push_back(tab);
  }
  return t;
}

}  // namespace harness
