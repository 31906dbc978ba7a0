#include "support.hpp"

#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include <SQLiteCpp/SQLiteCpp.h>

#include "harness/platform/linux/proc_stat.hpp"

namespace harness::testing {

TempDir::TempDir(const std::string& name) {
  path_ = std::filesystem::temp_directory_path() /
          (name + "-" + std::to_string(::getpid()) + "-" +
           std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  if (!std::getenv("HARNESS_KEEP_TEST_OUTPUT")) std::filesystem::remove_all(path_, ec);
}

HarnessProcess::HarnessProcess(const std::vector<std::string>& args,
                               const std::filesystem::path& work_dir) {
  static int counter = 0;
  const std::string tag = std::to_string(::getpid()) + "-" + std::to_string(counter++);
  out_ = work_dir / ("harness-" + tag + ".out");
  err_ = work_dir / ("harness-" + tag + ".err");
  LaunchSpec spec;
  spec.executable = HARNESS_BINARY;
  spec.args = args;
  spec.stdout_file = out_;
  spec.stderr_file = err_;
  spec.working_dir = source_dir();
  spec.env["HARNESS_STATE_DIR"] = (work_dir / "state").string();
  child_ = ChildProcess::launch(spec);
}

Pid HarnessProcess::pid() const { return child_->pid(); }

void HarnessProcess::signal(int signo) { ::kill(static_cast<pid_t>(child_->pid()), signo); }

CommandResult HarnessProcess::wait(std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  CommandResult result;
  while (!child_->poll_exit() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (auto code = child_->poll_exit()) {
    result.exit_code = *code;
  } else {
    child_->end_group(std::chrono::milliseconds(5000));
  }
  result.out = read_file(out_);
  result.err = read_file(err_);
  return result;
}

CommandResult run_harness(const std::vector<std::string>& args,
                          const std::filesystem::path& work_dir, std::chrono::seconds limit) {
  HarnessProcess process(args, work_dir);
  return process.wait(limit);
}

std::string read_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

nlohmann::json read_json(const std::filesystem::path& file) {
  return nlohmann::json::parse(read_file(file));
}

std::vector<std::filesystem::path> summary_files(const CommandResult& result) {
  std::vector<std::filesystem::path> files;
  std::istringstream lines(result.out);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.size() > 13 && line.substr(line.size() - 12) == "summary.json") files.push_back(line);
  }
  return files;
}

bool wait_for_iteration(const std::filesystem::path& db_file, int n, std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    if (!std::filesystem::exists(db_file)) continue;
    try {
      SQLite::Database db(db_file.string(), SQLite::OPEN_READONLY);
      SQLite::Statement q(db, "SELECT COUNT(*) FROM iterations WHERE n >= ?");
      q.bind(1, n);
      if (q.executeStep() && q.getColumn(0).getInt() > 0) return true;
    } catch (const std::exception&) {
      // the schema may not exist yet
    }
  }
  return false;
}

Pid newest_sampled_pid(const std::filesystem::path& db_file, const std::string& role) {
  SQLite::Database db(db_file.string(), SQLite::OPEN_READONLY);
  SQLite::Statement q(db, "SELECT pid FROM samples WHERE role = ? ORDER BY t_ms DESC LIMIT 1");
  q.bind(1, role);
  return q.executeStep() ? q.getColumn(0).getInt64() : 0;
}

std::set<Pid> sampled_pids(const std::filesystem::path& run_dir) {
  std::set<Pid> pids;
  std::istringstream lines(read_file(run_dir / "samples.csv"));
  std::string line;
  std::getline(lines, line);  // header
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    std::string t, iteration, pid;
    std::getline(fields, t, ',');
    std::getline(fields, iteration, ',');
    std::getline(fields, pid, ',');
    if (!pid.empty()) pids.insert(std::stoll(pid));
  }
  return pids;
}

std::vector<Pid> alive(const std::set<Pid>& pids) {
  std::vector<Pid> out;
  for (Pid pid : pids) {
    auto stat = read_proc_stat(pid);
    if (stat && stat->state != 'Z' && stat->state != 'X') out.push_back(pid);
  }
  return out;
}

std::set<Pid> descendants(Pid root) {
  std::map<Pid, Pid> parent;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const Pid pid = std::stoll(name);
    if (auto stat = read_proc_stat(pid); stat && stat->state != 'Z' && stat->state != 'X') {
      parent[pid] = stat->ppid;
    }
  }
  std::set<Pid> out;
  for (bool grew = true; grew;) {
    grew = false;
    for (const auto& [pid, ppid] : parent) {
      if ((ppid == root || out.count(ppid)) && out.insert(pid).second) grew = true;
    }
  }
  return out;
}

std::string command_line(Pid pid) {
  std::string text = read_file("/proc/" + std::to_string(pid) + "/cmdline");
  for (char& c : text) {
    if (c == '\0') c = ' ';
  }
  return text;
}

std::filesystem::path source_dir() { return HARNESS_SOURCE_DIR; }

}  // namespace harness::testing
