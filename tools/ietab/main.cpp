// A synthetic iexplore.exe for the Windows tests: like IE11, one binary is both the frame
// (no SCODEF on its command line) and the tabs (SCODEF:<frame pid>), so the harness's IE
// classifier recognises it exactly as it does the real one. frame.cpp and tab.cpp say what each
// half does.
#include <windows.h>

int frame_main(int argc, wchar_t** argv);
int tab_main(int argc, wchar_t** argv);

int wmain(int argc, wchar_t** argv) {
  for (int i = 1; i < argc; ++i) {
    if (_wcsnicmp(argv[i], L"SCODEF:", 7) == 0) return tab_main(argc, argv);
  }
  return frame_main(argc, argv);
}
