// The frame half of the synthetic iexplore.exe (main.cpp): a synthetic IE11 frame process.
// Starts tab processes the way IE's frame does,
// with "SCODEF:<frame pid> CREDAT:<n>" on their command line, as its children, sharing its
// standard output; reports each tab's exit code and outlives its tabs (IE's frame shows "this
// tab has been recovered" and keeps running) unless --exit-with-tabs.
//
//   iexplore.exe [--tab PATH] [--tabs N] [--exit-with-tabs] [URL] [-- TAB ARGS...]
//
// URL (http:// or https://): page mode, as the harness starts IE11 with its start page; each tab
// gets it right after SCODEF and CREDAT ("SCODEF:<pid> CREDAT:<n> URL TAB ARGS...") and runs the
// page (tab.cpp). The frame still outlives its tabs: a page told to stop leaves the browser
// open, and the harness ends it as it ends IE.
//
// --tab: the tab program, by default this very program (IE's frame and tabs are one binary; on
// 64-bit Windows the 64-bit frame starts the 32-bit iexplore.exe from Program Files (x86)).
#include <windows.h>

#include <cstdio>
#include <string>
#include <vector>

namespace {

std::wstring quote(const std::wstring& a) {
  if (!a.empty() && a.find_first_of(L" \t\"") == std::wstring::npos) return a;
  std::wstring out = L"\"";
  std::size_t backslashes = 0;
  for (wchar_t c : a) {
    if (c == L'\\') {
      ++backslashes;
      continue;
    }
    out.append(c == L'"' ? backslashes * 2 + 1 : backslashes, L'\\');
    backslashes = 0;
    out += c;
  }
  out.append(backslashes * 2, L'\\');
  return out + L"\"";
}

}  // namespace

int frame_main(int argc, wchar_t** argv) {
  std::wstring tab;
  int tabs = 1;
  bool exit_with_tabs = false;
  std::wstring url;
  std::vector<std::wstring> tab_args;
  for (int i = 1; i < argc; ++i) {
    const std::wstring a = argv[i];
    const bool is_url =
        _wcsnicmp(a.c_str(), L"http://", 7) == 0 || _wcsnicmp(a.c_str(), L"https://", 8) == 0;
    if (a == L"--tab" && i + 1 < argc) tab = argv[++i];
    else if (is_url && url.empty()) url = a;
    else if (a == L"--tabs" && i + 1 < argc) tabs = _wtoi(argv[++i]);
    else if (a == L"--exit-with-tabs") exit_with_tabs = true;
    else if (a == L"--") {
      for (++i; i < argc; ++i) tab_args.push_back(argv[i]);
    } else {
      std::fwprintf(stderr, L"iexplore (frame): unknown argument %ls\n", a.c_str());
      return 2;
    }
  }
  if (tab.empty()) {
    wchar_t self[MAX_PATH * 4];
    tab.assign(self, ::GetModuleFileNameW(nullptr, self, MAX_PATH * 4));
  }
  const DWORD self = ::GetCurrentProcessId();
  std::printf("frame %lu bits=%d\n", self, static_cast<int>(sizeof(void*) * 8));
  if (!url.empty()) std::printf("frame %lu opens %ls\n", self, url.c_str());
  std::fflush(stdout);
  // The tabs write to the frame's own output.
  HANDLE std_handles[3] = {::GetStdHandle(STD_INPUT_HANDLE), ::GetStdHandle(STD_OUTPUT_HANDLE),
                           ::GetStdHandle(STD_ERROR_HANDLE)};
  for (HANDLE h : std_handles) {
    if (h && h != INVALID_HANDLE_VALUE) ::SetHandleInformation(h, HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT);
  }
  std::vector<HANDLE> running;
  std::vector<DWORD> pids;
  for (int n = 1; n <= tabs; ++n) {
    std::wstring cmd = quote(tab) + L" SCODEF:" + std::to_wstring(self) + L" CREDAT:" +
                       std::to_wstring(::GetTickCount() + n);
    if (!url.empty()) cmd += L" " + quote(url);
    for (const auto& a : tab_args) cmd += L" " + quote(a);
    STARTUPINFOW si{};
    si.cb = sizeof si;
    si.dwFlags = STARTF_USESTDHANDLES;
    si.hStdInput = std_handles[0];
    si.hStdOutput = std_handles[1];
    si.hStdError = std_handles[2];
    PROCESS_INFORMATION pi{};
    if (!::CreateProcessW(tab.c_str(), cmd.data(), nullptr, nullptr, TRUE, 0, nullptr, nullptr,
                          &si, &pi)) {
      std::printf("frame %lu: cannot start tab (error %lu)\n", self, ::GetLastError());
      std::fflush(stdout);
      return 3;
    }
    ::CloseHandle(pi.hThread);
    running.push_back(pi.hProcess);
    pids.push_back(pi.dwProcessId);
    std::printf("frame %lu started tab %lu\n", self, pi.dwProcessId);
    std::fflush(stdout);
  }
  while (!running.empty()) {
    const DWORD w = ::WaitForMultipleObjects(static_cast<DWORD>(running.size()), running.data(),
                                             FALSE, INFINITE);
    if (w >= WAIT_OBJECT_0 + running.size()) break;
    const std::size_t k = w - WAIT_OBJECT_0;
    DWORD code = 0;
    ::GetExitCodeProcess(running[k], &code);
    std::printf("frame %lu: tab %lu exited 0x%08lX\n", self, pids[k], code);
    std::fflush(stdout);
    ::CloseHandle(running[k]);
    running.erase(running.begin() + static_cast<long>(k));
    pids.erase(pids.begin() + static_cast<long>(k));
  }
  if (exit_with_tabs) return 0;
  ::Sleep(INFINITE);
  return 0;
}
