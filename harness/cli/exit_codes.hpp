// Exit codes of every subcommand (README "Exit codes"). Only main.cpp and the subcommands'
// run functions produce them; the library reports typed errors and run statuses.
#pragma once

namespace harness {

inline constexpr int kExitOk = 0;           // every run completed (and met its expectations)
inline constexpr int kExitFailed = 1;       // a run failed: step failed, crashed, error
inline constexpr int kExitBadInput = 2;     // bad scenario, option or results folder
inline constexpr int kExitNoResult = 3;     // browser or driver could not start: no result
inline constexpr int kExitInterrupted = 130;  // Ctrl-C (128 + SIGINT)

}  // namespace harness
