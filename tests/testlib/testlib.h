// Helpers for tests that run real programs (curl, python3, openssl, socat,
// servers) against ShimSSL: spawning with a controlled environment, bounded
// time for everything, capture of output, loopback ports, and the one check
// that proves a program ran on ShimSSL's libssl and not the system's.
#ifndef SHIMSSL_TESTLIB_H
#define SHIMSSL_TESTLIB_H

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

namespace shimtest
{

// ---- paths -----------------------------------------------------------------

// The libssl.so.3 under test: $SHIMSSL_TEST_LIB if set (e.g. the system
// library, to validate the harness itself), else the CMake option
// SHIMSSL_TEST_LIB, else the library this build produced.
std::string shim_lib();
// True when shim_lib() is the system's libssl (harness validation mode).
bool testing_system_lib();
// Directory with the test PKI (tests/certs).
std::string cert_dir();
std::string cert(const std::string &file); // cert_dir() + "/" + file
// A fresh private directory under $TMPDIR ("" on failure). The harness
// removes it, with everything in it, when the test program exits (ctest runs
// each test in its own process, so when the test ends, failed or not).
std::string make_temp_dir(const std::string &tag);

// Environment entries that load the library under test into an
// uninstrumented program: LD_PRELOAD (with the sanitizer runtime in front in
// a sanitizer build) and ASAN_OPTIONS for such programs.
//
// asan_runtime_first = false is for programs that hang with gcc 12's ASan
// runtime preloaded even without ShimSSL (Debian 12's curl: setlocale's
// lock is left corrupted). The runtime is then loaded as the library's own
// dependency, after libc (verify_asan_link_order=0): instrumented code is
// still checked (stack, globals, UBSan) but heap redzones are lost, since
// malloc stays libc's.
std::vector<std::string> preload_env(bool asan_runtime_first = true);

// ---- running programs --------------------------------------------------------

struct RunResult {
    int exit_code = -1;     // exit status, or -1 if killed by a signal
    int term_signal = 0;    // signal that ended it, if any
    bool timed_out = false; // killed because the time limit passed
    std::string out;
    std::string err;
};

struct RunOptions {
    // KEY=VALUE added to (or replacing in) the inherited environment.
    std::vector<std::string> env;
    // Variable names removed from the inherited environment. LD_PRELOAD,
    // LD_DEBUG and LD_LIBRARY_PATH are always removed unless set in env, so
    // that only what the test asks for reaches the child.
    std::vector<std::string> unset;
    std::string stdin_data;
    int timeout_ms = 30000;
    // Process only: give the program a pipe as stdin (instead of /dev/null)
    // that the test writes with Process::write_stdin.
    bool stdin_pipe = false;
};

// Programs on ShimSSL. A program is started on ShimSSL when its
// environment preloads shim_lib() (shim_env(), preload_env()). For each such
// run() and Process the harness itself turns the loader trace on
// (LD_DEBUG=files) and, once the program is done (run() returns,
// Process::stop() or the destructor), records a gtest failure unless
// ran_on_shim() accepts the trace: a test cannot forget the proof. If the
// library under test cannot be loaded at all (checked once, at the first such
// spawn), run() / Process::start() throw instead: gtest fails the test at
// once and the unwinding stops its other programs. Programs started without
// the preload (the peers, on the system libssl) are not checked.

// Runs argv[0] (searched in PATH if it has no '/'), waits at most
// timeout_ms, then SIGTERM, then SIGKILL to its whole process group.
RunResult run(const std::vector<std::string> &argv, const RunOptions &opt = RunOptions());

// Printable form of a command and its result, for assertion messages.
std::string describe(const std::vector<std::string> &argv, const RunResult &r);

// A background process (a server). Output goes to a file (so a chatty server
// can never block on a full pipe). Destruction stops it.
class Process
{
  public:
    Process() = default;
    ~Process();
    Process(const Process &) = delete;
    Process &operator=(const Process &) = delete;

    // Starts the program; false (with the reason in error()) on failure.
    bool start(const std::vector<std::string> &argv, const RunOptions &opt = RunOptions());
    // Waits until its output contains `needle`, at most timeout_ms.
    bool wait_output(const std::string &needle, int timeout_ms = 10000);
    // Parses the port from openssl s_server's "ACCEPT 127.0.0.1:PORT" line
    // (s_server is started with -accept 127.0.0.1:0 so the kernel picks a
    // free port: no race with tests running in parallel). 0 on failure.
    int wait_openssl_accept(int timeout_ms = 10000);
    bool running();
    // SIGTERM, up to grace_ms, then SIGKILL, to the process group. Returns
    // the exit status as RunResult::exit_code would.
    int stop(int grace_ms = 2000);
    std::string output(); // stdout and stderr, interleaved
    // With RunOptions::stdin_pipe: writes data to the program's stdin
    // (false if it cannot take it within timeout_ms); close_stdin sends EOF.
    bool write_stdin(const std::string &data, int timeout_ms = 5000);
    void close_stdin();
    const std::string &error() const { return error_; }
    int pid() const { return pid_; }

  private:
    int pid_ = -1;
    int status_ = 0;
    int stdin_fd_ = -1;
    bool reaped_ = false;
    bool on_shim_ = false; // started on ShimSSL: stop() checks the proof
    std::vector<std::string> argv_;
    std::string dir_; // holds out_path_; removed by the destructor
    std::string out_path_;
    std::string error_;
};

// ---- network -----------------------------------------------------------------

// A port on 127.0.0.1 that was free a moment ago (bind to port 0, read it,
// close). For programs that cannot report the port they chose.
int free_port();
// Polls until a TCP connect to 127.0.0.1:port succeeds, at most timeout_ms.
bool wait_port(int port, int timeout_ms = 10000);

// Starts a server that must be told its port (nginx, haproxy, stunnel...):
// picks a free loopback port, starts argv_for(port), and waits until the
// port accepts connections. If the program exits first (another process
// took the port in between), tries again with a new port, at most `tries`
// times. Returns the port, 0 on failure (the program's output is in p).
int start_on_free_port(Process &p, const std::function<std::vector<std::string>(int)> &argv_for,
                       const RunOptions &opt = RunOptions(), int tries = 4, int timeout_ms = 10000);

// ---- the proof ---------------------------------------------------------------

// run() and Process make this check for every program on ShimSSL (see
// above); a test may still call it, e.g. on a log the program wrote.
// Given the stderr of a program run with LD_DEBUG=files and preload_env(),
// succeeds iff the dynamic linker ran the constructor of shim_lib() and never
// opened the system's libssl.so.3. (In harness-validation mode, where the
// library under test IS the system one, only the first part applies.)
::testing::AssertionResult ran_on_shim(const std::string &ld_debug_trace);
// The same check for another copy of the library (e.g. an installed one).
::testing::AssertionResult ran_on_lib(const std::string &ld_debug_trace, const std::string &lib);

// preload_env() plus LD_DEBUG=files: the environment for a program under test.
std::vector<std::string> shim_env(std::vector<std::string> extra = {},
                                  bool asan_runtime_first = true);

// Starts `openssl s_server` (system libssl, never preloaded) on
// 127.0.0.1:<kernel-chosen port> with the given extra arguments, using
// server.pem/server.key unless args contain -cert. Returns the port, 0 on
// failure (with a gtest failure recorded).
int start_openssl_server(Process &p, const std::vector<std::string> &args);

} // namespace shimtest

#endif
