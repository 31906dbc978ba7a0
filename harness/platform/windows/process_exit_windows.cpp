#include "harness/platform/windows/process_exit_windows.hpp"

#include "harness/platform/windows/memory_windows.hpp"
#include "harness/platform/windows_process_model.hpp"

namespace harness {

ProcessExitWatcher::~ProcessExitWatcher() {
  for (auto& [id, w] : watched_) ::CloseHandle(w.handle);
}

bool ProcessExitWatcher::watch(const ProcessIdentity& identity, ProcessRole role,
                               const std::string& subtype) {
  if (watched_.count(identity)) return true;
  HANDLE h = ::OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION | SYNCHRONIZE, FALSE,
                           static_cast<DWORD>(identity.pid));
  if (!h) return false;
  if (process_creation_time(h) != identity.start_ticks) {
    ::CloseHandle(h);
    return false;
  }
  watched_[identity] = Watched{h, role, subtype};
  return true;
}

std::vector<ProcessExit> ProcessExitWatcher::poll() {
  std::vector<ProcessExit> exits;
  for (auto it = watched_.begin(); it != watched_.end();) {
    if (::WaitForSingleObject(it->second.handle, 0) != WAIT_OBJECT_0) {
      ++it;
      continue;
    }
    DWORD code = 0;
    ::GetExitCodeProcess(it->second.handle, &code);
    ProcessExit e;
    e.identity = it->first;
    e.role = it->second.role;
    e.subtype = it->second.subtype;
    e.exit_code = code;
    e.crashed = is_crash_exit_code(code);
    e.description = describe_exit_code(code);
    exits.push_back(std::move(e));
    ::CloseHandle(it->second.handle);
    it = watched_.erase(it);
  }
  return exits;
}

HANDLE ProcessExitWatcher::handle_of(const ProcessIdentity& identity) const {
  auto it = watched_.find(identity);
  return it == watched_.end() ? nullptr : it->second.handle;
}

}  // namespace harness
