// Windows launcher: CreateProcessW into a Job object of its own, so that the whole tree a
// driver starts (IEDriverServer -> iexplore frame -> tabs) ends with the job, the Windows
// counterpart of the Linux process group. Processes are identified by PID + creation time and
// ended by handle, never by name.
#include <windows.h>

#include <fmt/format.h>

#include <array>
#include <atomic>
#include <map>
#include <thread>

#include "harness/error.hpp"
#include "harness/platform/windows/memory_windows.hpp"
#include "harness/platform/process.hpp"
#include "harness/platform/windows/system_windows.hpp"
#include "harness/platform/windows_process_model.hpp"
#include "harness/platform/windows_unicode.hpp"

namespace harness {

namespace {

class Handle {
 public:
  Handle() = default;
  explicit Handle(HANDLE h) : h_(h == INVALID_HANDLE_VALUE ? nullptr : h) {}
  ~Handle() { reset(); }
  Handle(Handle&& o) noexcept : h_(o.h_) { o.h_ = nullptr; }
  Handle& operator=(Handle&& o) noexcept {
    if (this != &o) {
      reset();
      h_ = o.h_;
      o.h_ = nullptr;
    }
    return *this;
  }
  void reset() {
    if (h_) ::CloseHandle(h_);
    h_ = nullptr;
  }
  HANDLE get() const { return h_; }
  explicit operator bool() const { return h_ != nullptr; }

 private:
  HANDLE h_ = nullptr;
};

bool still_active(HANDLE process) {
  return ::WaitForSingleObject(process, 0) == WAIT_TIMEOUT;
}

// An open handle to the exact process, or none.
Handle open_identity(const ProcessIdentity& identity, DWORD access) {
  Handle h(::OpenProcess(access | PROCESS_QUERY_LIMITED_INFORMATION | SYNCHRONIZE, FALSE,
                         static_cast<DWORD>(identity.pid)));
  if (!h) return {};
  const auto created = process_creation_time(h.get());
  if (!created || *created != identity.start_ticks || !still_active(h.get())) return {};
  return h;
}

// Launched jobs for the emergency path (a second Ctrl-C): the console control handler runs on
// its own thread and may call TerminateJobObject.
constexpr std::size_t kMaxJobs = 64;
struct JobSlot {
  std::atomic<Pid> pid{0};
  std::atomic<HANDLE> job{nullptr};
};
std::array<JobSlot, kMaxJobs> g_jobs;

void remember_job(Pid pid, HANDLE job) {
  for (auto& slot : g_jobs) {
    Pid expected = 0;
    if (slot.pid.compare_exchange_strong(expected, pid)) {
      slot.job.store(job);
      return;
    }
  }
}

void forget_job(Pid pid) {
  for (auto& slot : g_jobs) {
    if (slot.pid.load() == pid) {
      slot.job.store(nullptr);
      slot.pid.store(0);
      return;
    }
  }
}

// The environment block: the harness's own, with spec.env added or replacing (names compare
// case-insensitively on Windows), sorted as CreateProcess expects.
std::wstring environment_block(const std::map<std::string, std::string>& extra) {
  struct Less {
    bool operator()(const std::wstring& a, const std::wstring& b) const {
      return ::CompareStringOrdinal(a.c_str(), -1, b.c_str(), -1, TRUE) == CSTR_LESS_THAN;
    }
  };
  std::map<std::wstring, std::wstring, Less> vars;
  if (wchar_t* block = ::GetEnvironmentStringsW()) {
    for (const wchar_t* p = block; *p; p += wcslen(p) + 1) {
      std::wstring entry(p);
      // "=C:=C:\dir" entries (per-drive current directories) start with '='.
      const auto eq = entry.find(L'=', 1);
      if (eq == std::wstring::npos) continue;
      vars[entry.substr(0, eq)] = entry.substr(eq + 1);
    }
    ::FreeEnvironmentStringsW(block);
  }
  for (const auto& [k, v] : extra) vars[to_wide(k)] = to_wide(v);
  std::wstring out;
  for (const auto& [k, v] : vars) {
    out += k;
    out += L'=';
    out += v;
    out += L'\0';
  }
  out += L'\0';
  return out;
}

Handle open_output(const std::filesystem::path& file) {
  SECURITY_ATTRIBUTES sa{sizeof sa, nullptr, TRUE};
  const std::wstring name = file.empty() ? L"NUL" : file.wstring();
  Handle h(::CreateFileW(name.c_str(), FILE_APPEND_DATA | SYNCHRONIZE,
                         FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, &sa,
                         file.empty() ? OPEN_EXISTING : CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL,
                         nullptr));
  if (!h) {
    throw LaunchError(fmt::format("cannot open '{}' for the child's output: {}", file.string(),
                                  windows_error_text(::GetLastError())));
  }
  return h;
}

class WindowsChildProcess final : public ChildProcess {
 public:
  WindowsChildProcess(Handle process, Handle job, ProcessIdentity identity)
      : process_(std::move(process)), job_(std::move(job)), identity_(identity) {
    remember_job(identity_.pid, job_.get());
  }

  ~WindowsChildProcess() override {
    try {
      end_group(std::chrono::milliseconds(0));
    } catch (...) {
    }
    forget_job(identity_.pid);
    // KILL_ON_JOB_CLOSE: closing the last job handle ends whatever is left.
  }

  Pid pid() const override { return identity_.pid; }
  ProcessIdentity identity() const override { return identity_; }

  // The exit code as Windows reports it; an NTSTATUS crash code (0xC0000005) is negative here.
  std::optional<int> poll_exit() override {
    if (exit_code_) return exit_code_;
    if (still_active(process_.get())) return std::nullopt;
    DWORD code = 0;
    ::GetExitCodeProcess(process_.get(), &code);
    exit_code_ = static_cast<int>(code);
    return exit_code_;
  }

  // Windows has no SIGTERM for arbitrary processes: the root gets `grace` to exit on its own
  // (a driver after DELETE /session), then the job ends every process in it at once.
  void end_group(std::chrono::milliseconds grace) override {
    if (ended_) return;
    if (!poll_exit() && grace.count() > 0) {
      ::WaitForSingleObject(process_.get(), static_cast<DWORD>(grace.count()));
    }
    ::TerminateJobObject(job_.get(), kEndedExitCode);
    // Wait until the job is empty (TerminateJobObject returns before the processes are gone).
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    for (;;) {
      JOBOBJECT_BASIC_ACCOUNTING_INFORMATION info{};
      if (!::QueryInformationJobObject(job_.get(), JobObjectBasicAccountingInformation, &info,
                                       sizeof info, nullptr) ||
          info.ActiveProcesses == 0 || std::chrono::steady_clock::now() > deadline) {
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ::WaitForSingleObject(process_.get(), 5000);
    poll_exit();
    ended_ = true;
  }

 private:
  // The exit code TerminateJobObject gives: 1, an ordinary failure, so an ended process is never
  // taken for a crash (is_crash_exit_code).
  static constexpr UINT kEndedExitCode = 1;

  Handle process_;
  Handle job_;
  ProcessIdentity identity_;
  std::optional<int> exit_code_;
  bool ended_ = false;
};

}  // namespace

std::optional<ProcessIdentity> identify_process(Pid pid) {
  Handle h(::OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION | SYNCHRONIZE, FALSE,
                         static_cast<DWORD>(pid)));
  if (!h || !still_active(h.get())) return std::nullopt;
  const auto created = process_creation_time(h.get());
  if (!created) return std::nullopt;
  return ProcessIdentity{pid, *created};
}

bool process_alive(const ProcessIdentity& identity) {
  return static_cast<bool>(open_identity(identity, 0));
}

Pid current_process_id() { return static_cast<Pid>(::GetCurrentProcessId()); }

// The leader's job object (kill-on-close) ends the rest of its tree.
void kill_process_group(const ProcessIdentity& leader) { kill_process(leader); }

void kill_process(const ProcessIdentity& identity) {
  if (Handle h = open_identity(identity, PROCESS_TERMINATE)) {
    ::TerminateProcess(h.get(), 1);
    ::WaitForSingleObject(h.get(), 5000);
  }
}

bool set_data_limit(const ProcessIdentity& identity, std::uint64_t bytes, std::string* error) {
  // The Windows counterpart of RLIMIT_DATA is a job's per-process commit limit
  // (JOB_OBJECT_LIMIT_PROCESS_MEMORY): allocations beyond it fail inside the process. The
  // process gets a job of its own, nested in the launcher's (Windows 8+). The job handle is
  // deliberately kept open for the life of the harness: closing it would drop the limit.
  Handle h = open_identity(identity, PROCESS_SET_QUOTA | PROCESS_TERMINATE);
  if (!h) {
    if (error) *error = "the process is gone or cannot be opened";
    return false;
  }
  HANDLE job = ::CreateJobObjectW(nullptr, nullptr);
  JOBOBJECT_EXTENDED_LIMIT_INFORMATION limit{};
  limit.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_PROCESS_MEMORY;
  limit.ProcessMemoryLimit = static_cast<SIZE_T>(bytes);
  if (!job || !::SetInformationJobObject(job, JobObjectExtendedLimitInformation, &limit,
                                         sizeof limit) ||
      !::AssignProcessToJobObject(job, h.get())) {
    if (error) *error = "cannot set a job memory limit: " + windows_error_text(::GetLastError());
    if (job) ::CloseHandle(job);
    return false;
  }
  return true;
}

std::optional<ProcessStatus> read_process_status(Pid pid) {
  Handle h(::OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION | SYNCHRONIZE, FALSE,
                         static_cast<DWORD>(pid)));
  if (!h || !still_active(h.get())) return std::nullopt;
  const auto c = read_memory_counters(h.get());
  if (!c) return std::nullopt;
  ProcessStatus s;
  s.data_bytes = c->private_bytes;  // commit charge: the closest to VmData
  s.peak_rss_bytes = c->peak_working_set_bytes;
  s.rss_bytes = c->working_set_bytes;
  return s;
}

std::unique_ptr<ChildProcess> ChildProcess::launch(const LaunchSpec& spec) {
  std::error_code ec;
  if (!std::filesystem::exists(spec.executable, ec)) {
    throw LaunchError(fmt::format("'{}' does not exist; install it (docs/windows-lab.md) or "
                                  "pass its path",
                                  spec.executable.string()));
  }
  Handle out = open_output(spec.stdout_file);
  Handle err = spec.stderr_file == spec.stdout_file && !spec.stdout_file.empty()
                   ? Handle()
                   : open_output(spec.stderr_file);
  SECURITY_ATTRIBUTES sa{sizeof sa, nullptr, TRUE};
  Handle in(::CreateFileW(L"NUL", GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, &sa,
                          OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, nullptr));
  HANDLE err_handle = err ? err.get() : out.get();

  // Only these three handles are inherited, not whatever else the harness has open.
  HANDLE inherit[3] = {in.get(), out.get(), err_handle};
  const DWORD inherit_count = err ? 3 : 2;
  SIZE_T attr_size = 0;
  ::InitializeProcThreadAttributeList(nullptr, 1, 0, &attr_size);
  std::vector<std::uint8_t> attr_buffer(attr_size);
  auto* attrs = reinterpret_cast<LPPROC_THREAD_ATTRIBUTE_LIST>(attr_buffer.data());
  if (!::InitializeProcThreadAttributeList(attrs, 1, 0, &attr_size) ||
      !::UpdateProcThreadAttribute(attrs, 0, PROC_THREAD_ATTRIBUTE_HANDLE_LIST, inherit,
                                   inherit_count * sizeof(HANDLE), nullptr, nullptr)) {
    throw LaunchError("cannot prepare the child's handles: " +
                      windows_error_text(::GetLastError()));
  }
  STARTUPINFOEXW si{};
  si.StartupInfo.cb = sizeof si;
  si.StartupInfo.dwFlags = STARTF_USESTDHANDLES;
  si.StartupInfo.hStdInput = in.get();
  si.StartupInfo.hStdOutput = out.get();
  si.StartupInfo.hStdError = err_handle;
  si.lpAttributeList = attrs;

  std::wstring command =
      to_wide(build_windows_command_line(spec.executable.string(), spec.args));
  std::wstring env = environment_block(spec.env);
  const std::wstring cwd = spec.working_dir.empty() ? std::wstring() : spec.working_dir.wstring();

  Handle job(::CreateJobObjectW(nullptr, nullptr));
  JOBOBJECT_EXTENDED_LIMIT_INFORMATION limits{};
  limits.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
  if (!job || !::SetInformationJobObject(job.get(), JobObjectExtendedLimitInformation, &limits,
                                         sizeof limits)) {
    throw LaunchError("cannot create a job object: " + windows_error_text(::GetLastError()));
  }

  // Suspended until it is in the job, so that nothing it starts escapes the job.
  PROCESS_INFORMATION pi{};
  const DWORD flags = CREATE_SUSPENDED | CREATE_UNICODE_ENVIRONMENT | EXTENDED_STARTUPINFO_PRESENT |
                      CREATE_NEW_PROCESS_GROUP | CREATE_NO_WINDOW;
  const BOOL created = ::CreateProcessW(spec.executable.wstring().c_str(), command.data(), nullptr,
                                        nullptr, TRUE, flags, env.data(),
                                        cwd.empty() ? nullptr : cwd.c_str(), &si.StartupInfo, &pi);
  const DWORD create_error = ::GetLastError();
  ::DeleteProcThreadAttributeList(attrs);
  if (!created) {
    throw LaunchError(fmt::format("cannot start '{}': {}", spec.executable.string(),
                                  windows_error_text(create_error)));
  }
  Handle process(pi.hProcess);
  Handle thread(pi.hThread);
  if (!::AssignProcessToJobObject(job.get(), process.get())) {
    const DWORD e = ::GetLastError();
    ::TerminateProcess(process.get(), 1);
    throw LaunchError(fmt::format("cannot put '{}' into a job object (nested jobs need Windows "
                                  "8+): {}",
                                  spec.executable.string(), windows_error_text(e)));
  }
  ::ResumeThread(thread.get());
  // Under Wine the creation time is unknown until the new process has initialised itself
  // [measured under Wine]; the identity needs it.
  auto created_at = process_creation_time(process.get());
  for (int i = 0; !created_at && i < 5000; ++i) {
    ::Sleep(1);
    created_at = process_creation_time(process.get());
  }
  const ProcessIdentity identity{static_cast<Pid>(pi.dwProcessId), created_at.value_or(0)};
  return std::make_unique<WindowsChildProcess>(std::move(process), std::move(job), identity);
}

// The Linux API speaks of process groups; on Windows the launcher registers its jobs itself
// (remember_job) and a foreign PID has no job to end.
void register_process_group(Pid) {}
void unregister_process_group(Pid pgid) { forget_job(pgid); }

void kill_registered_process_groups() noexcept {
  for (auto& slot : g_jobs) {
    if (HANDLE job = slot.job.load()) ::TerminateJobObject(job, 1);
  }
}

}  // namespace harness
