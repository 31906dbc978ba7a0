// The IE profiles' pure parts: capabilities checked against the keys IEDriverServer documents
// (reference ie11-windows.md §1.3, from WebDriverConstants.h / NewSessionCommandHandler.cpp),
// registry requirements with policy precedence over an in-memory registry, classification of
// recorded command lines.
#include "harness/browser/ie.hpp"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "tests/windows/fake_registry.hpp"

namespace harness {
namespace {

using nlohmann::json;
using testing::FakeRegistry;

// se:ieOptions keys and their JSON types as IEDriverServer reads them.
const std::map<std::string, json::value_t> kDocumentedIeOptions = {
    {"ignoreProtectedModeSettings", json::value_t::boolean},
    {"ignoreZoomSetting", json::value_t::boolean},
    {"initialBrowserUrl", json::value_t::string},
    {"browserAttachTimeout", json::value_t::number_integer},
    {"ie.forceCreateProcessApi", json::value_t::boolean},
    {"ie.browserCommandLineSwitches", json::value_t::string},
    {"ie.forceShellWindowsApi", json::value_t::boolean},
    {"ie.ensureCleanSession", json::value_t::boolean},
    {"ie.usePerProcessProxy", json::value_t::boolean},
    {"nativeEvents", json::value_t::boolean},
    {"requireWindowFocus", json::value_t::boolean},
    {"enablePersistentHover", json::value_t::boolean},
    {"elementScrollBehavior", json::value_t::number_integer},
    {"ie.fileUploadDialogTimeout", json::value_t::number_integer},
    {"ie.useLegacyFileUploadDialogHandling", json::value_t::boolean},
    {"ie.enableFullPageScreenshot", json::value_t::boolean},
    {"ie.edgechromium", json::value_t::boolean},
    {"ie.edgepath", json::value_t::string},
    {"ie.ignoreprocessmatch", json::value_t::boolean},
};
// W3C standard capabilities the driver accepts besides the two required ones.
const std::set<std::string> kStandardCapabilities = {
    "browserName", "platformName", "browserVersion", "pageLoadStrategy", "unhandledPromptBehavior",
    "timeouts", "proxy", "acceptInsecureCerts", "setWindowRect", "strictFileInteractability",
    "se:ieOptions"};

IeSessionOptions options() {
  IeSessionOptions o;
  o.initial_url = "http://127.0.0.1:8123/start.html";
  return o;
}

json caps_of(const std::string& name, IeSessionOptions o = options()) {
  const auto* p = find_ie_profile(name);
  EXPECT_NE(p, nullptr) << name;
  return ie_capabilities(*p, o).value_or(json());
}

void expect_documented(const json& caps) {
  EXPECT_EQ(caps.at("browserName"), "internet explorer");
  EXPECT_EQ(caps.at("platformName"), "windows");
  // The driver rejects acceptInsecureCerts=true and any extension key but se:ieOptions.
  EXPECT_FALSE(caps.value("acceptInsecureCerts", false));
  for (const auto& [key, value] : caps.items()) {
    EXPECT_TRUE(kStandardCapabilities.count(key)) << "not a capability IEDriverServer accepts: " << key;
  }
  const json& ie = caps.at("se:ieOptions");
  for (const auto& [key, value] : ie.items()) {
    auto it = kDocumentedIeOptions.find(key);
    ASSERT_NE(it, kDocumentedIeOptions.end()) << "undocumented se:ieOptions key " << key;
    const auto type = value.type() == json::value_t::number_unsigned ? json::value_t::number_integer
                                                                    : value.type();
    EXPECT_EQ(type, it->second) << key << " has the wrong type: " << value.dump();
  }
  // 0 = wait forever for the browser window: a hung attach must end.
  EXPECT_GT(ie.at("browserAttachTimeout").get<int>(), 0);
  EXPECT_EQ(ie.at("initialBrowserUrl"), "http://127.0.0.1:8123/start.html");
  EXPECT_FALSE(ie.at("ignoreProtectedModeSettings").get<bool>());
  EXPECT_FALSE(ie.at("ignoreZoomSetting").get<bool>());
}

TEST(IeProfiles, FourProfilesWithTheirDriversAndCeilings) {
  ASSERT_EQ(ie_profiles().size(), 4u);
  const auto* x86 = find_ie_profile("ie11-x86");
  const auto* x64 = find_ie_profile("ie11-x64");
  const auto* epm = find_ie_profile("ie11-x64-epm");
  const auto* edge = find_ie_profile("edge-iemode");
  ASSERT_TRUE(x86 && x64 && epm && edge);
  EXPECT_EQ(find_ie_profile("ie11"), nullptr);
  // 32-bit content: 32-bit driver (64-bit driver on 32-bit content types very slowly).
  EXPECT_EQ(x86->driver_bits, 32);
  EXPECT_EQ(edge->driver_bits, 32);
  EXPECT_EQ(x64->driver_bits, 64);
  EXPECT_EQ(iedriver_relative_path(*x86), "x86\\IEDriverServer.exe");
  EXPECT_EQ(iedriver_relative_path(*x64), "x64\\IEDriverServer.exe");
  // Ceiling: 1.3 GB private bytes for 32-bit tabs, none for 64-bit.
  EXPECT_EQ(x86->ceiling_metric, "renderer.private_bytes");
  EXPECT_EQ(x86->default_ceiling_bytes, 1300ull << 20);
  EXPECT_EQ(edge->default_ceiling_bytes, 1300ull << 20);
  EXPECT_FALSE(x64->default_ceiling_bytes);
  EXPECT_FALSE(epm->default_ceiling_bytes);
  EXPECT_NE(std::find(x86->recorded_metrics.begin(), x86->recorded_metrics.end(),
                      "renderer.largest_free_block_bytes"),
            x86->recorded_metrics.end());
  EXPECT_TRUE(x86->virtual_byte_rules);
  EXPECT_FALSE(x64->virtual_byte_rules);
  // EPM: IEDriverServer cannot attach; page mode.
  EXPECT_FALSE(epm->driver_supported);
  EXPECT_EQ(epm->default_drive, IeDriveMode::kPage);
}

TEST(IeCapabilities, Ie11X86IsTheDocumentedM1Body) {
  const json caps = caps_of("ie11-x86");
  expect_documented(caps);
  const json& ie = caps["se:ieOptions"];
  EXPECT_FALSE(ie["ie.forceCreateProcessApi"].get<bool>());
  EXPECT_FALSE(ie.contains("ie.edgechromium"));
  EXPECT_FALSE(ie.contains("ie.browserCommandLineSwitches"));
  EXPECT_FALSE(ie["ie.ensureCleanSession"].get<bool>());  // would clear every IE's cache
  EXPECT_FALSE(ie["nativeEvents"].get<bool>());
  EXPECT_EQ(caps["pageLoadStrategy"], "normal");
  EXPECT_EQ(caps["unhandledPromptBehavior"], "dismiss and notify");
  EXPECT_EQ(caps["timeouts"]["implicit"], 0);
}

TEST(IeCapabilities, Ie11X64UsesCreateProcessWithSwitches) {
  IeSessionOptions o = options();
  o.browser_command_line_switches = "-nomerge";
  const json caps = caps_of("ie11-x64", o);
  expect_documented(caps);
  EXPECT_TRUE(caps["se:ieOptions"]["ie.forceCreateProcessApi"].get<bool>());
  EXPECT_EQ(caps["se:ieOptions"]["ie.browserCommandLineSwitches"], "-nomerge");
  // Switches only mean something with CreateProcess: never sent for the other profiles.
  EXPECT_FALSE(caps_of("ie11-x86", o)["se:ieOptions"].contains("ie.browserCommandLineSwitches"));
}

TEST(IeCapabilities, EdgeIeModeNamesEdgeAndSkipsTheProcessMatchOnlyWhenElevated) {
  json caps = caps_of("edge-iemode");
  expect_documented(caps);
  EXPECT_TRUE(caps["se:ieOptions"]["ie.edgechromium"].get<bool>());
  EXPECT_EQ(caps["se:ieOptions"]["ie.edgepath"],
            "C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe");
  EXPECT_FALSE(caps["se:ieOptions"].contains("ie.ignoreprocessmatch"));
  IeSessionOptions o = options();
  o.elevated_driver = true;
  o.edge_path = "D:\\Edge\\msedge.exe";
  caps = caps_of("edge-iemode", o);
  EXPECT_TRUE(caps["se:ieOptions"]["ie.ignoreprocessmatch"].get<bool>());
  EXPECT_EQ(caps["se:ieOptions"]["ie.edgepath"], "D:\\Edge\\msedge.exe");
}

TEST(IeCapabilities, EpmHasNoDriverSessionUnlessForcedForTheLabExperiment) {
  const auto* epm = find_ie_profile("ie11-x64-epm");
  EXPECT_FALSE(ie_capabilities(*epm, options()));
  IeSessionOptions o = options();
  o.force_driver = true;
  const auto caps = ie_capabilities(*epm, o);
  ASSERT_TRUE(caps);
  expect_documented(*caps);
}

TEST(IeDriver, ArgumentsAndBanner) {
  EXPECT_EQ(iedriver_arguments(5555, "C:\\r\\iedriver.log", ""),
            (std::vector<std::string>{"/port=5555", "/host=127.0.0.1", "/log-level=INFO",
                                      "/log-file=C:\\r\\iedriver.log"}));
  const auto banner = parse_iedriver_banner(
      "Started InternetExplorerDriver server (32-bit)\r\n4.14.0.0\r\nListening on port 5555\r\n"
      "Bound to network adapter with IP address 127.0.0.1\r\n"
      "Only local connections are allowed\r\n");
  ASSERT_TRUE(banner);
  EXPECT_EQ(banner->bits, 32);
  EXPECT_EQ(banner->version, "4.14.0.0");
  EXPECT_EQ(banner->port, 5555);
  EXPECT_TRUE(banner->local_only);
  EXPECT_EQ(parse_iedriver_banner("Started InternetExplorerDriver server (64-bit)\n3.150.1.1\n")
                .has_value(),
            false);  // no port yet: still starting
  EXPECT_EQ(parse_iedriver_banner("Started InternetExplorerDriver server (64-bit)\n3.150.1.1\n"
                                  "Listening on port 40123\n")
                ->bits,
            64);
  EXPECT_NE(iedriver_exit_reason(4).find("HTTP server"), std::string::npos);
}

// ---- registry -------------------------------------------------------------------------------

const RegistryKey kMain{RegistryHive::kCurrentUser, RegistryView::k64,
                        "Software\\Microsoft\\Internet Explorer\\Main"};
const RegistryKey kPolicyMainHklm{RegistryHive::kLocalMachine, RegistryView::k64,
                                  "Software\\Policies\\Microsoft\\Internet Explorer\\Main"};
RegistryKey zone(int n) {
  return {RegistryHive::kCurrentUser, RegistryView::k64,
          "Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\Zones\\" +
              std::to_string(n)};
}
const RegistryKey kBfcache32{
    RegistryHive::kLocalMachine, RegistryView::k32,
    "Software\\Microsoft\\Internet Explorer\\Main\\FeatureControl\\FEATURE_BFCACHE"};

// A default Windows 10 user: zones with Protected Mode on in Internet/Restricted (0) and off in
// Intranet/Trusted (3); the lab provisioned BFCache for 32-bit IE.
FakeRegistry lab_machine() {
  FakeRegistry r;
  r.create_key(kMain);
  r.write(zone(1), "2500", RegistryValue::dword(3));
  r.write(zone(2), "2500", RegistryValue::dword(3));
  r.write(zone(3), "2500", RegistryValue::dword(0));
  r.write(zone(4), "2500", RegistryValue::dword(0));
  r.write(kBfcache32, "iexplore.exe", RegistryValue::dword(0));
  return r;
}

std::vector<std::string> unsatisfied(FakeRegistry& r, const std::string& profile) {
  std::vector<std::string> out;
  for (const auto& c : check_ie_registry(r, *find_ie_profile(profile))) {
    if (!c.satisfied) out.push_back(c.what);
  }
  return out;
}

TEST(IeRegistry, RequirementsPerMode) {
  auto names = [](const std::string& profile) {
    std::map<std::string, std::string> m;
    for (const auto& r : ie_registry_requirements(*find_ie_profile(profile))) {
      m[describe_value(r.change.key, r.change.value_name)] =
          r.change.desired ? r.change.desired->describe() : "absent";
    }
    return m;
  };
  const std::string main = "HKCU\\Software\\Microsoft\\Internet Explorer\\Main!";
  const std::string zones = "HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\Zones\\";
  auto m1 = names("ie11-x86");
  EXPECT_EQ(m1[main + "TabProcGrowth"], "absent");
  EXPECT_EQ(m1[main + "Isolation"], "REG_SZ \"PMIL\"");
  EXPECT_EQ(m1[zones + "3!2500"], "REG_DWORD 0x00000003 (3)");
  EXPECT_EQ(m1["HKLM\\Software\\Microsoft\\Internet Explorer\\Main\\FeatureControl\\FEATURE_BFCACHE "
               "[32-bit view]!iexplore.exe"],
            "REG_DWORD 0x00000000 (0)");
  auto m2 = names("ie11-x64");
  EXPECT_EQ(m2[main + "TabProcGrowth"], "REG_DWORD 0x00000000 (0)");
  EXPECT_EQ(m2.count("HKLM\\Software\\Microsoft\\Internet Explorer\\Main\\FeatureControl\\"
                     "FEATURE_BFCACHE!iexplore.exe"),
            1u);  // 64-bit content: the 64-bit view
  auto m3 = names("ie11-x64-epm");
  EXPECT_EQ(m3[main + "Isolation"], "REG_SZ \"PMEM\"");
  EXPECT_EQ(m3[main + "Isolation64Bit"], "REG_DWORD 0x00000001 (1)");
  for (int z = 1; z <= 4; ++z) {
    EXPECT_EQ(m3[zones + std::to_string(z) + "!2500"], "REG_DWORD 0x00000000 (0)") << z;
  }
  auto m4 = names("edge-iemode");
  EXPECT_EQ(m4.count(main + "TabProcGrowth"), 0u);
  EXPECT_EQ(m4[zones + "1!2500"], "REG_DWORD 0x00000003 (3)");
}

TEST(IeRegistry, AppliesThroughTheJournalAndRestores) {
  auto dir = std::filesystem::temp_directory_path() /
             ("harness-ie-registry-test-" + std::to_string(std::random_device{}()));
  std::filesystem::remove_all(dir);
  FakeRegistry r = lab_machine();
  const std::string before = r.dump();
  EXPECT_EQ(unsatisfied(r, "ie11-x64").size(), 4u);  // TabProcGrowth, zones 3 and 4, BFCache x64
  {
    RegistryJournal j(r, dir / journal_file_name("ie"), {"ie", {1, 1}, utc_now_iso8601(), "ie11-x64"});
    // The 64-bit view of BFCache is machine-wide and not provisioned: refused unless elevated.
    EXPECT_THROW(apply_ie_registry(r, j, *find_ie_profile("ie11-x64")), RegistryError);
    EXPECT_EQ(r.dump(), before);  // nothing applied before the refusal
    EXPECT_EQ(apply_ie_registry(r, j, *find_ie_profile("ie11-x64"), true), 4);
    EXPECT_TRUE(unsatisfied(r, "ie11-x64").empty());
    EXPECT_TRUE(j.restore().complete());
  }
  EXPECT_EQ(r.dump(), before);
}

TEST(IeRegistry, PolicyOverridesTheUserValueAndMakesTheModeNotApplicable) {
  FakeRegistry r = lab_machine();
  r.write(kPolicyMainHklm, "TabProcGrowth", RegistryValue::string("1"));
  const auto checks = check_ie_registry(r, *find_ie_profile("ie11-x64"));
  const auto tpg = std::find_if(checks.begin(), checks.end(), [](const IeRegistryCheck& c) {
    return c.what.find("TabProcGrowth") != std::string::npos;
  });
  ASSERT_NE(tpg, checks.end());
  EXPECT_FALSE(tpg->satisfied);
  EXPECT_FALSE(tpg->fixable);
  EXPECT_NE(tpg->problem.find("mode not applicable: policy HKLM\\Software\\Policies"),
            std::string::npos)
      << tpg->problem;
  // A policy that agrees is fine, even though HKCU says otherwise.
  r.write(kPolicyMainHklm, "TabProcGrowth", RegistryValue::dword(0));
  r.write(kMain, "TabProcGrowth", RegistryValue::dword(5));
  for (const auto& c : check_ie_registry(r, *find_ie_profile("ie11-x64"))) {
    if (c.what.find("TabProcGrowth") != std::string::npos) {
      EXPECT_TRUE(c.satisfied);
      EXPECT_NE(c.effective_source.find("Policies"), std::string::npos);
    }
  }
}

TEST(IeRegistry, SecurityHklmOnlyMakesTheMachineZonesDecide) {
  FakeRegistry r = lab_machine();
  r.write({RegistryHive::kLocalMachine, RegistryView::k64,
           "Software\\Policies\\Microsoft\\Windows\\CurrentVersion\\Internet Settings"},
          "Security_HKLM_only", RegistryValue::dword(1));
  r.write({RegistryHive::kLocalMachine, RegistryView::k64,
           "Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\Zones\\3"},
          "2500", RegistryValue::dword(0));
  for (int z = 1; z <= 4; ++z) r.write(zone(z), "2500", RegistryValue::dword(3));
  bool found = false;
  for (const auto& c : check_ie_registry(r, *find_ie_profile("ie11-x86"))) {
    if (c.what.find("Zones\\3!2500") == std::string::npos) continue;
    found = true;
    EXPECT_FALSE(c.satisfied);  // HKCU says 3, the machine key (which decides) says 0
    EXPECT_FALSE(c.fixable);
    EXPECT_NE(c.problem.find("Security_HKLM_only"), std::string::npos) << c.problem;
  }
  EXPECT_TRUE(found);
}

TEST(IeRegistry, DefaultRequirementFailsWhenAMachinePreferenceSetsIt) {
  FakeRegistry r = lab_machine();
  for (int z = 1; z <= 4; ++z) r.write(zone(z), "2500", RegistryValue::dword(3));
  r.write({RegistryHive::kLocalMachine, RegistryView::k64, kMain.path}, "TabProcGrowth",
          RegistryValue::dword(0));
  const auto checks = check_ie_registry(r, *find_ie_profile("ie11-x86"));
  for (const auto& c : checks) {
    if (c.what.find("TabProcGrowth") == std::string::npos) continue;
    EXPECT_FALSE(c.satisfied);
    EXPECT_FALSE(c.fixable);
  }
}

// ---- processes ------------------------------------------------------------------------------

TEST(IeClassify, FrameTabDriverAndEdge) {
  const auto& x86 = *find_ie_profile("ie11-x86");
  const auto& x64 = *find_ie_profile("ie11-x64");
  const auto& edge = *find_ie_profile("edge-iemode");
  auto frame = classify_ie(x86, "\"C:\\Program Files\\Internet Explorer\\iexplore.exe\" "
                                "http://127.0.0.1:8123/");
  EXPECT_EQ(frame.role, ProcessRole::kBrowser);
  EXPECT_EQ(frame.subtype, "frame");
  auto tab = classify_ie(x86, "\"C:\\Program Files (x86)\\Internet Explorer\\IEXPLORE.EXE\" "
                              "SCODEF:4242 CREDAT:9730 /prefetch:2");
  EXPECT_EQ(tab.role, ProcessRole::kRenderer);
  EXPECT_EQ(tab.subtype, "tab");
  EXPECT_EQ(classify_ie(x86, "C:\\lab\\drivers\\x86\\IEDriverServer.exe /port=5555").role,
            ProcessRole::kDriver);
  // TabProcGrowth=0: the frame holds the page, so it is what the ceiling metric sums.
  auto merged = classify_ie(x64, "\"C:\\Program Files\\Internet Explorer\\iexplore.exe\" -nomerge");
  EXPECT_EQ(merged.role, ProcessRole::kRenderer);
  EXPECT_EQ(merged.subtype, "frame+tab");
  auto iemode = classify_ie(edge, "\"C:\\Program Files (x86)\\Internet Explorer\\iexplore.exe\" "
                                  "SCODEF:777 CREDAT:1 APPID:MSEdge");
  EXPECT_EQ(iemode.role, ProcessRole::kRenderer);
  EXPECT_EQ(iemode.subtype, "iemode");
  EXPECT_EQ(classify_ie(edge, "\"C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe\" "
                              "--ie-mode-force --internet-explorer-integration=iemode")
                .role,
            ProcessRole::kBrowser);
  auto edge_renderer = classify_ie(edge, "\"C:\\...\\msedge.exe\" --type=renderer --lang=en");
  EXPECT_EQ(edge_renderer.role, ProcessRole::kOther);
  EXPECT_EQ(edge_renderer.subtype, "msedge-renderer");
  EXPECT_EQ(classify_ie(x86, "C:\\Windows\\system32\\conhost.exe 0x4").role, ProcessRole::kOther);
  // SCODEF must be a whole token with a number.
  EXPECT_EQ(classify_ie(x86, "iexplore.exe XSCODEF:12").role, ProcessRole::kBrowser);
  EXPECT_EQ(classify_ie(x86, "iexplore.exe SCODEF:").role, ProcessRole::kBrowser);
}

TEST(IeTopologyTest, TabsUnderTheirFramesWithPidReuseAndWrongParentsReported) {
  const std::vector<IeProcessFacts> snapshot = {
      {100, 50, 1000, "\"C:\\Program Files\\Internet Explorer\\iexplore.exe\" http://x/", false},
      {200, 100, 1100, "\"C:\\Program Files (x86)\\Internet Explorer\\IEXPLORE.EXE\" SCODEF:100 CREDAT:1", true},
      {201, 100, 1200, "\"C:\\Program Files (x86)\\Internet Explorer\\IEXPLORE.EXE\" SCODEF:100 CREDAT:2", true},
      // Its frame 300 exited and PID 300 now belongs to a younger process.
      {300, 1, 5000, "C:\\Windows\\notepad.exe", false},
      {301, 300, 1300, "\"C:\\Program Files (x86)\\Internet Explorer\\IEXPLORE.EXE\" SCODEF:300 CREDAT:3", true},
      // Re-parented (tab recovery): SCODEF names the frame, the parent is someone else.
      {202, 999, 1400, "\"C:\\Program Files (x86)\\Internet Explorer\\IEXPLORE.EXE\" SCODEF:100 CREDAT:4", true},
  };
  const auto t = ie_topology(snapshot);
  ASSERT_EQ(t.frames.size(), 1u);
  EXPECT_EQ(t.frames[0].pid, 100);
  EXPECT_FALSE(t.frames[0].is_32bit);
  ASSERT_EQ(t.frames[0].tabs.size(), 3u);
  EXPECT_TRUE(t.frames[0].tabs[0].is_32bit);
  EXPECT_TRUE(t.frames[0].tabs[0].parent_is_frame);
  EXPECT_FALSE(t.frames[0].tabs[2].parent_is_frame);
  ASSERT_EQ(t.anomalies.size(), 2u);
  EXPECT_NE(t.anomalies[0].find("tab 301 names frame 300"), std::string::npos);
  EXPECT_NE(t.anomalies[1].find("tab 202"), std::string::npos);
}

TEST(IeTopologyTest, EdgeHostsIeModeTabs) {
  const std::vector<IeProcessFacts> snapshot = {
      {10, 1, 100, "\"C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe\" --ie-mode-force", false},
      {11, 10, 110, "\"C:\\...\\msedge.exe\" --type=renderer", false},
      {12, 10, 120, "\"C:\\Program Files (x86)\\Internet Explorer\\iexplore.exe\" SCODEF:10 CREDAT:1 APPID:MSEdge", true},
  };
  const auto t = ie_topology(snapshot);
  ASSERT_EQ(t.frames.size(), 1u);
  EXPECT_TRUE(t.frames[0].edge);
  ASSERT_EQ(t.frames[0].tabs.size(), 1u);
  EXPECT_EQ(t.frames[0].tabs[0].pid, 12);
  EXPECT_TRUE(t.anomalies.empty());
}

}  // namespace
}  // namespace harness

namespace harness {
namespace {

// ActiveX add-on components: off writes Flags=1 under Ext\Settings\{CLSID} (what Manage Add-ons
// writes), on removes it; both through the journal, and the machine is as before afterwards.
TEST(IeAddOns, OffDisablesOnEnablesAndTheJournalRestoresBoth) {
  const std::string audio = "{11111111-2222-3333-4444-555555555555}";
  const std::string scanner = "{AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE}";
  const RegistryKey scanner_key{RegistryHive::kCurrentUser, RegistryView::k64,
                                "Software\\Microsoft\\Windows\\CurrentVersion\\Ext\\Settings\\" +
                                    scanner};
  FakeRegistry r;
  r.write(scanner_key, "Flags", RegistryValue::dword(1));  // the user had disabled the scanner
  const std::string before = r.dump();
  const auto changes = add_on_registry_changes({{"audio", audio, false}, {"scanner", scanner, true}});
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0].key.path, "Software\\Microsoft\\Windows\\CurrentVersion\\Ext\\Settings\\" + audio);
  EXPECT_EQ(changes[0].value_name, "Flags");
  ASSERT_TRUE(changes[0].desired.has_value());
  EXPECT_EQ(changes[0].desired->as_number(), 1u);
  EXPECT_FALSE(changes[1].desired.has_value());
  auto dir = std::filesystem::temp_directory_path() /
             ("harness-ie-addon-test-" + std::to_string(std::random_device{}()));
  {
    RegistryJournal j(r, dir / journal_file_name("addons"),
                      {"addons", {1, 1}, utc_now_iso8601(), "ie11-x86"});
    for (const auto& c : changes) EXPECT_TRUE(j.apply(c));
    EXPECT_EQ(r.read(changes[0].key, "Flags")->as_number(), 1u);
    EXPECT_FALSE(r.read(scanner_key, "Flags").has_value());
    EXPECT_TRUE(j.restore().complete());
  }
  EXPECT_EQ(r.dump(), before);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace harness
