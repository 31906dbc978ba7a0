#include "harness/platform/registry_journal.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#ifdef _WIN32
#include <io.h>
#else
#include <unistd.h>
#endif

namespace harness {

using nlohmann::json;

namespace {

constexpr const char* kJournalTag = "browser-harness registry journal";
constexpr int kJournalVersion = 1;

std::string to_hex(const std::vector<std::uint8_t>& data) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(data.size() * 2);
  for (std::uint8_t b : data) {
    hex += kDigits[b >> 4];
    hex += kDigits[b & 0xF];
  }
  return hex;
}

std::vector<std::uint8_t> from_hex(const std::string& hex) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    throw std::invalid_argument("bad hex digit");
  };
  if (hex.size() % 2) throw std::invalid_argument("odd hex length");
  std::vector<std::uint8_t> data;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    data.push_back(static_cast<std::uint8_t>(nibble(hex[i]) << 4 | nibble(hex[i + 1])));
  }
  return data;
}

json value_json(const std::optional<RegistryValue>& v) {
  if (!v) return nullptr;
  return json{{"type", static_cast<std::uint32_t>(v->type)}, {"data_hex", to_hex(v->data)},
              {"text", v->describe()}};
}

std::optional<RegistryValue> value_from_json(const json& j) {
  if (j.is_null()) return std::nullopt;
  RegistryValue v;
  v.type = static_cast<RegistryType>(j.at("type").get<std::uint32_t>());
  v.data = from_hex(j.at("data_hex").get<std::string>());
  return v;
}

json entry_json(const JournalEntry& e) {
  return json{{"seq", e.seq},
              {"state", "pending"},
              {"hive", hive_name(e.key.hive)},
              {"view", e.key.view == RegistryView::k64 ? 64 : 32},
              {"key", e.key.path},
              {"value", e.value_name},
              {"original", value_json(e.original)},
              {"created_keys", e.created_keys},
              {"desired", value_json(e.desired)},
              {"purpose", e.purpose}};
}

JournalEntry entry_from_json(const json& j) {
  JournalEntry e;
  e.seq = j.at("seq").get<int>();
  const auto hive = parse_hive(j.at("hive").get<std::string>());
  if (!hive) throw std::invalid_argument("unknown hive");
  e.key.hive = *hive;
  e.key.view = j.at("view").get<int>() == 32 ? RegistryView::k32 : RegistryView::k64;
  e.key.path = j.at("key").get<std::string>();
  e.value_name = j.at("value").get<std::string>();
  e.original = value_from_json(j.at("original"));
  e.created_keys = j.value("created_keys", std::vector<std::string>{});
  if (j.contains("desired")) e.desired = value_from_json(j.at("desired"));
  e.purpose = j.value("purpose", "");
  return e;
}

// Appends one line and forces it to the disk before returning: the registry is changed only
// after this returns (FlushFileBuffers on Windows through _commit, fsync elsewhere).
void durable_append(const std::filesystem::path& file, const std::string& line) {
  std::FILE* f = std::fopen(file.string().c_str(), "ab");
  if (!f) throw RegistryError(fmt::format("cannot open the registry journal {}", file.string()));
  const std::string text = line + "\n";
  bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size() && std::fflush(f) == 0;
#ifdef _WIN32
  ok = ok && ::_commit(::_fileno(f)) == 0;
#else
  ok = ok && ::fsync(::fileno(f)) == 0;
#endif
  ok = std::fclose(f) == 0 && ok;
  if (!ok) throw RegistryError(fmt::format("cannot write the registry journal {}", file.string()));
}

std::string read_text(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw RegistryError(fmt::format("cannot read the registry journal {}", file.string()));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

bool same_as_desired(const std::optional<RegistryValue>& now,
                     const std::optional<RegistryValue>& desired) {
  if (!now || !desired) return !now && !desired;
  return equivalent_values(*now, *desired);
}

// Puts one value back and removes the keys the change created. Appends a failure sentence
// instead of throwing.
bool restore_entry(Registry& registry, const JournalEntry& e, std::vector<std::string>& failures) {
  const std::string where = describe_value(e.key, e.value_name);
  try {
    // Already as it was (the change never reached the registry, or an earlier restore did
    // this one): nothing to write.
    const auto before = registry.read(e.key, e.value_name);
    const bool as_original = e.original ? (before && *before == *e.original) : !before;
    if (!as_original) {
      if (e.original) registry.write(e.key, e.value_name, *e.original);
      else registry.remove_value(e.key, e.value_name);
    }
    for (const auto& path : e.created_keys) {
      RegistryKey k = e.key;
      k.path = path;
      registry.remove_key_if_empty(k);
    }
    const auto now = registry.read(e.key, e.value_name);
    const bool ok = e.original ? (now && *now == *e.original) : !now;
    if (!ok) {
      failures.push_back(fmt::format("{}: reads {} after restoring {}", where,
                                     now ? now->describe() : "absent",
                                     e.original ? e.original->describe() : "absence"));
    }
    return ok;
  } catch (const std::exception& ex) {
    failures.push_back(fmt::format("{}: {}", where, ex.what()));
    return false;
  }
}

RestoreReport restore_entries(Registry& registry, const std::filesystem::path& file,
                              const std::string& run_id, std::vector<JournalEntry>& entries) {
  RestoreReport report;
  report.journal = file;
  report.run_id = run_id;
  for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
    if (it->restored) {
      ++report.skipped;
      continue;
    }
    if (restore_entry(registry, *it, report.failures)) {
      it->restored = true;
      ++report.restored;
      durable_append(file, json{{"seq", it->seq}, {"state", "restored"}}.dump());
    }
  }
  if (report.complete()) {
    durable_append(file, json{{"state", "done"}}.dump());
    std::error_code ec;
    std::filesystem::rename(file, done_journal_path(file), ec);
    if (ec) {
      report.failures.push_back(fmt::format("restored, but {} could not be renamed: {}",
                                            file.string(), ec.message()));
    }
  }
  return report;
}

}  // namespace

ParsedJournal parse_journal(const std::string& text) {
  ParsedJournal out;
  std::vector<std::string> lines;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    const bool terminated = end != std::string::npos;
    if (!terminated) end = text.size();
    std::string line = text.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    // A line without its newline was being written when the writer died.
    if (terminated) lines.push_back(std::move(line));
    else if (!line.empty()) lines.push_back("\x01torn:" + line);
    pos = end + 1;
  }
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const bool last = i + 1 == lines.size();
    const std::string& line = lines[i];
    if (line.empty()) continue;
    json j;
    try {
      if (line.rfind("\x01torn:", 0) == 0) throw std::invalid_argument("torn");
      j = json::parse(line);
    } catch (const std::exception&) {
      if (!last) out.problems.push_back(fmt::format("line {} is not JSON", i + 1));
      continue;
    }
    try {
      if (j.contains("journal")) {
        JournalHeader h;
        h.run_id = j.value("run_id", "");
        h.owner.pid = j.at("owner").value("pid", Pid{0});
        h.owner.start_ticks = j.at("owner").value("start_ticks", std::uint64_t{0});
        h.started_utc = j.value("started_utc", "");
        h.mode = j.value("mode", "");
        out.header = h;
        continue;
      }
      const std::string state = j.value("state", "");
      if (state == "done") {
        out.done = true;
      } else if (state == "pending") {
        out.entries.push_back(entry_from_json(j));
      } else if (state == "applied" || state == "restored") {
        const int seq = j.at("seq").get<int>();
        auto it = std::find_if(out.entries.begin(), out.entries.end(),
                               [&](const JournalEntry& e) { return e.seq == seq; });
        if (it == out.entries.end()) {
          out.problems.push_back(fmt::format("line {}: {} for unknown change {}", i + 1, state, seq));
        } else if (state == "applied") {
          it->applied = true;
        } else {
          it->restored = true;
        }
      } else {
        out.problems.push_back(fmt::format("line {}: unknown state '{}'", i + 1, state));
      }
    } catch (const std::exception& e) {
      out.problems.push_back(fmt::format("line {}: {}", i + 1, e.what()));
    }
  }
  return out;
}

RegistryJournal::RegistryJournal(Registry& registry, std::filesystem::path file,
                                 JournalHeader header)
    : registry_(registry), file_(std::move(file)) {
  std::error_code ec;
  if (!file_.parent_path().empty()) std::filesystem::create_directories(file_.parent_path(), ec);
  if (std::filesystem::exists(file_, ec)) {
    throw RegistryError(fmt::format("the registry journal {} already exists", file_.string()));
  }
  durable_append(file_, json{{"journal", kJournalTag},
                             {"version", kJournalVersion},
                             {"run_id", header.run_id},
                             {"owner", {{"pid", header.owner.pid},
                                        {"start_ticks", header.owner.start_ticks}}},
                             {"started_utc", header.started_utc},
                             {"mode", header.mode}}
                            .dump());
}

RegistryJournal::~RegistryJournal() {
  if (closed_) return;
  try {
    restore();
  } catch (...) {
  }
}

void RegistryJournal::append(const std::string& line) { durable_append(file_, line); }

bool RegistryJournal::apply(const RegistryChange& change) {
  if (closed_) throw RegistryError("the registry journal is closed");
  const auto original = registry_.read(change.key, change.value_name);
  if (same_as_desired(original, change.desired)) return false;

  JournalEntry e;
  e.seq = static_cast<int>(entries_.size()) + 1;
  e.key = change.key;
  e.value_name = change.value_name;
  e.original = original;
  e.desired = change.desired;
  e.purpose = change.purpose;
  if (change.desired) {
    for (RegistryKey k = change.key; !k.path.empty() && !registry_.key_exists(k);
         k.path = parent_key_path(k.path)) {
      e.created_keys.push_back(k.path);
    }
  }
  append(entry_json(e).dump());  // on disk before the registry changes
  entries_.push_back(e);

  std::string error;
  try {
    if (change.desired) registry_.write(change.key, change.value_name, *change.desired);
    else registry_.remove_value(change.key, change.value_name);
    const auto now = registry_.read(change.key, change.value_name);
    if (!same_as_desired(now, change.desired)) {
      error = fmt::format("{} reads {} after writing {}",
                          describe_value(change.key, change.value_name),
                          now ? now->describe() : "absent",
                          change.desired ? change.desired->describe() : "its deletion");
    }
  } catch (const std::exception& ex) {
    error = ex.what();
  }
  if (!error.empty()) {
    std::vector<std::string> failures;
    if (restore_entry(registry_, e, failures)) {
      entries_.back().restored = true;
      append(json{{"seq", e.seq}, {"state", "restored"}}.dump());
    }
    throw RegistryError(fmt::format("cannot set {} ({}): {}{}",
                                    describe_value(change.key, change.value_name), change.purpose,
                                    error, failures.empty() ? "" : "; " + failures.front()));
  }
  entries_.back().applied = true;
  append(json{{"seq", e.seq}, {"state", "applied"}}.dump());
  return true;
}

RestoreReport RegistryJournal::restore() {
  closed_ = true;
  const auto parsed = parse_journal(read_text(file_));
  return restore_entries(registry_, file_, parsed.header ? parsed.header->run_id : "", entries_);
}

std::string journal_file_name(const std::string& run_id) {
  return fmt::format("regjournal.{}.jsonl", run_id);
}

std::filesystem::path done_journal_path(const std::filesystem::path& journal) {
  std::filesystem::path done = journal;
  done.replace_extension(".done");
  return done;
}

RestoreReport restore_pending_journal(const std::filesystem::path& file, Registry& registry) {
  ParsedJournal parsed = parse_journal(read_text(file));
  RestoreReport report =
      restore_entries(registry, file, parsed.header ? parsed.header->run_id : "", parsed.entries);
  for (const auto& p : parsed.problems) report.failures.push_back(file.string() + ": " + p);
  return report;
}

std::vector<PendingJournal> find_pending_journals(const std::filesystem::path& dir,
                                                  const ProcessAliveFn& is_alive) {
  std::vector<PendingJournal> out;
  std::error_code ec;
  for (const auto& item : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = item.path().filename().string();
    if (name.rfind("regjournal.", 0) != 0 || item.path().extension() != ".jsonl") continue;
    PendingJournal p;
    p.file = item.path();
    try {
      const auto parsed = parse_journal(read_text(p.file));
      if (parsed.done) continue;
      p.header = parsed.header;
    } catch (const RegistryError&) {
      continue;  // vanished meanwhile (restored by another harness)
    }
    p.owner_alive = p.header && p.header->owner.pid != 0 && is_alive(p.header->owner);
    out.push_back(std::move(p));
  }
  std::sort(out.begin(), out.end(),
            [](const PendingJournal& a, const PendingJournal& b) { return a.file < b.file; });
  return out;
}

std::vector<RestoreReport> restore_stale_journals(const std::filesystem::path& dir,
                                                  Registry& registry,
                                                  const ProcessAliveFn& is_alive) {
  std::vector<RestoreReport> reports;
  for (const auto& p : find_pending_journals(dir, is_alive)) {
    if (p.owner_alive) continue;
    reports.push_back(restore_pending_journal(p.file, registry));
  }
  return reports;
}

RegistryChange restore_at_logon_change(const std::string& command_line) {
  RegistryChange c;
  c.key = {RegistryHive::kCurrentUser, RegistryView::k64,
           "Software\\Microsoft\\Windows\\CurrentVersion\\RunOnce"};
  c.value_name = "BrowserHarnessRestore";
  c.desired = RegistryValue::string(command_line);
  c.purpose = "restore the registry at the next logon if the machine restarts mid-run";
  return c;
}

std::string utc_now_iso8601() {
  const auto now = std::chrono::system_clock::now();
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(std::chrono::system_clock::to_time_t(now)));
}

}  // namespace harness
