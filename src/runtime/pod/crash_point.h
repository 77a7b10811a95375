// Test-only kill points: the crash-consistency test kills the server at named moments inside
// the CRI calls and checks that a restarted core reports what is really on the node.
//
// `DESHIM_TEST_CRASH_AT=N` in the server's environment makes the N-th `crash_point` reached
// (counted over the whole process, 1-based, every thread) print its name to stderr and raise
// SIGKILL, so the process dies exactly as a node's OOM killer or `kill -9` would kill it: no
// destructor, no flush. `DESHIM_TEST_CRASH_AT=<name>` (not a number) kills at the first point
// of that name, `<name>#K` at its K-th. Without the variable a crash point costs one test of a
// static.
#pragma once

namespace deshim::runtime {

/// Counts this point and kills the process when it is the one `DESHIM_TEST_CRASH_AT` names.
void crash_point(const char* name);

}  // namespace deshim::runtime
