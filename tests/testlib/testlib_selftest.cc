// The harness checks itself (label "harness"):
//   - every program started on ShimSSL (its environment preloads the library
//     under test) is held to the loader-trace proof by run() and Process,
//     without the test asking: a program that ends up on the system libssl
//     is a recorded failure; programs on the system libssl (the peers) are
//     not checked;
//   - a missing or unloadable library fails the test at the first spawn
//     on ShimSSL, at once (an exception gtest reports), instead of letting
//     the program fall back to the system libssl;
//   - skips are honest: a skipped test exits 77 (ctest's SKIP_RETURN_CODE),
//     a failed one exits 1 even if its output contains "[  SKIPPED ]";
//   - hygiene: make_temp_dir() directories are gone once the test program
//     has exited, also after a failure; a program the harness started dies
//     with the test program.
#include "testlib/testlib.h"

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <thread>

using namespace shimtest;

namespace
{

// Points SHIMSSL_TEST_LIB at `lib` for one scope (the library under test is
// read from it at every spawn), then restores what was there.
class LibUnderTest
{
  public:
    explicit LibUnderTest(const std::string &lib)
    {
        const char *old = getenv("SHIMSSL_TEST_LIB");
        had_ = old != nullptr;
        if (had_)
            old_ = old;
        setenv("SHIMSSL_TEST_LIB", lib.c_str(), 1);
    }
    ~LibUnderTest()
    {
        if (had_)
            setenv("SHIMSSL_TEST_LIB", old_.c_str(), 1);
        else
            unsetenv("SHIMSSL_TEST_LIB");
    }

  private:
    bool had_ = false;
    std::string old_;
};

// The library this build made, whatever the environment says.
const std::string kBuiltLib = SHIMSSL_LIB_PATH;

// `env -u LD_PRELOAD openssl version`: env itself starts on the library under
// test, then execs openssl without the preload, which loads the system libssl:
// exactly a program that silently fell back.
const std::vector<std::string> kFallsBack = {"env", "-u", "LD_PRELOAD", "openssl", "version"};

RunOptions on_shim()
{
    RunOptions o;
    o.env = shim_env();
    return o;
}

TEST(Proof, ProgramOnShimProvesItWithoutTheTestAsking)
{
    LibUnderTest lib(kBuiltLib);
    RunResult r = run({"openssl", "version"}, on_shim());
    EXPECT_EQ(0, r.exit_code) << describe({"openssl", "version"}, r);
    EXPECT_TRUE(ran_on_shim(r.err));
}

TEST(Proof, PreloadWithoutTraceGetsTheTraceAndTheCheck)
{
    LibUnderTest lib(kBuiltLib);
    RunOptions o;
    o.env = preload_env(); // no LD_DEBUG: the harness adds it
    RunResult r = run({"openssl", "version"}, o);
    EXPECT_TRUE(ran_on_shim(r.err)) << r.err.substr(0, 2000);
    EXPECT_NONFATAL_FAILURE(run(kFallsBack, o), "did not prove it ran on");
}

TEST(Proof, RunThatFallsBackToTheSystemLibsslIsAFailure)
{
    LibUnderTest lib(kBuiltLib);
    EXPECT_NONFATAL_FAILURE(run(kFallsBack, on_shim()), "the system libssl was loaded besides");
}

TEST(Proof, ProcessThatFallsBackToTheSystemLibsslIsAFailure)
{
    LibUnderTest lib(kBuiltLib);
    // Checked when the test stops it...
    EXPECT_NONFATAL_FAILURE(
        {
            Process p;
            EXPECT_TRUE(p.start(kFallsBack, on_shim()));
            p.wait_output("OpenSSL 3", 10000);
            p.stop();
        },
        "did not prove it ran on");
    // ...or when it goes out of scope without that.
    EXPECT_NONFATAL_FAILURE(
        {
            Process p;
            EXPECT_TRUE(p.start(kFallsBack, on_shim()));
            p.wait_output("OpenSSL 3", 10000);
        },
        "did not prove it ran on");
    // A proven one is quiet, and restarting checks the previous program.
    Process p;
    ASSERT_TRUE(p.start({"openssl", "version"}, on_shim()));
    p.wait_output("OpenSSL 3", 10000);
    EXPECT_NONFATAL_FAILURE(
        {
            p.stop();
            EXPECT_TRUE(p.start(kFallsBack, on_shim()));
            p.wait_output("OpenSSL 3", 10000);
            p.start({"openssl", "version"}, on_shim());
        },
        "did not prove it ran on");
    p.wait_output("OpenSSL 3", 10000);
    p.stop();
    EXPECT_TRUE(ran_on_shim(p.output()));
}

TEST(Proof, PeersOnTheSystemLibsslAreNotChecked)
{
    LibUnderTest lib(kBuiltLib);
    RunResult r = run({"openssl", "version"});
    EXPECT_EQ(0, r.exit_code);
    EXPECT_EQ(std::string::npos, r.err.find("calling init")) << "no trace asked, none made";
    Process p;
    ASSERT_TRUE(p.start({"openssl", "version"}));
    p.wait_output("OpenSSL 3", 10000);
    p.stop();
}

TEST(Proof, MissingLibraryFailsAtTheFirstSpawnAtOnce)
{
    LibUnderTest lib("/nonexistent/shimssl-selftest/libssl.so.3");
    auto t0 = std::chrono::steady_clock::now();
    EXPECT_THROW(run({"openssl", "version"}, on_shim()), std::runtime_error);
    Process p;
    EXPECT_THROW(p.start({"openssl", "version"}, on_shim()), std::runtime_error);
    EXPECT_FALSE(p.running());
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::steady_clock::now() - t0)
                  .count();
    EXPECT_LT(ms, 1000);
    // The peers still run.
    EXPECT_EQ(0, run({"openssl", "version"}).exit_code);
}

TEST(Proof, UnloadableLibraryFailsAtTheFirstSpawn)
{
    // A file that exists but is no shared object: the loader ignores the
    // preload and the program would run on the system libssl.
    LibUnderTest lib(cert("ca.pem"));
    try {
        run({"openssl", "version"}, on_shim());
        ADD_FAILURE() << "run() on an unloadable library did not throw";
    } catch (const std::runtime_error &e) {
        EXPECT_NE(std::string::npos, std::string(e.what()).find("gave no proof")) << e.what();
    }
}

// ---- honest skips -------------------------------------------------------------

RunResult probe(const std::string &test)
{
    return run({SKIP_PROBE_PATH, "--gtest_filter=Probe." + test});
}

TEST(Skips, PassingTestExitsZero)
{
    RunResult r = probe("Passes");
    EXPECT_EQ(0, r.exit_code) << r.out;
}

TEST(Skips, SkippedTestExitsWithCtestsSkipCode)
{
    RunResult r = probe("Skips");
    EXPECT_EQ(SKIP_CODE, r.exit_code) << r.out;
}

TEST(Skips, FailingTestIsAFailureEvenIfItPrintsTheSkipMarker)
{
    RunResult r = probe("FailsSayingSkipped");
    EXPECT_NE(std::string::npos, r.out.find("[  SKIPPED ]")) << r.out;
    EXPECT_EQ(1, r.exit_code) << r.out;
    r = probe("FailsThenSkips");
    EXPECT_EQ(1, r.exit_code) << r.out;
}

TEST(Skips, PassAndSkipTogetherReportTheSkip)
{
    // One program run with both: the skip is not hidden behind the pass.
    RunResult r = probe("Passes:Probe.Skips");
    EXPECT_EQ(SKIP_CODE, r.exit_code) << r.out;
}

} // namespace

// ---- hygiene -------------------------------------------------------------------

namespace
{

const char kChildVar[] = "SHIMSSL_SELFTEST_CHILD";

std::string self_exe()
{
    char buf[4096];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
    return n > 0 ? std::string(buf, (size_t)n) : std::string();
}

// This test program again, running one HygieneChild test.
std::vector<std::string> child_argv(const std::string &test)
{
    return {self_exe(), "--gtest_filter=HygieneChild." + test};
}

// The value after "KEY=" on a line of out, "" if none.
std::string field(const std::string &out, const std::string &key)
{
    size_t p = out.find(key + "=");
    if (p == std::string::npos)
        return "";
    p += key.size() + 1;
    return out.substr(p, out.find('\n', p) - p);
}

bool gone_or_zombie(int pid)
{
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(stat, line))
        return true;
    size_t close = line.rfind(')');
    return close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'Z';
}

} // namespace

// The children of the Hygiene tests: they act only when the parent test
// starts them (kChildVar set); in a normal run there is nothing to do.
TEST(HygieneChild, MakesATempDirThenFails)
{
    if (getenv(kChildVar) == nullptr)
        return;
    std::string d = make_temp_dir("selftest");
    ASSERT_FALSE(d.empty());
    std::ofstream(d + "/file") << "content";
    printf("TEMPDIR=%s\n", d.c_str());
    fflush(stdout);
    ADD_FAILURE() << "failing on purpose: the directory must still go";
}

TEST(HygieneChild, StartsAProgramThenHangs)
{
    if (getenv(kChildVar) == nullptr)
        return;
    Process p;
    ASSERT_TRUE(p.start({"sleep", "120"})) << p.error();
    printf("PID=%d\n", p.pid());
    fflush(stdout);
    std::this_thread::sleep_for(std::chrono::seconds(120));
}

TEST(Hygiene, TempDirIsRemovedWhenTheTestEndsEvenAfterAFailure)
{
    RunOptions opt;
    opt.env = {std::string(kChildVar) + "=1"};
    opt.unset = {"SHIMSSL_TEST_TMPROOT"}; // its own, not inside ours
    RunResult r = run(child_argv("MakesATempDirThenFails"), opt);
    ASSERT_EQ(1, r.exit_code) << describe(child_argv("MakesATempDirThenFails"), r);
    std::string dir = field(r.out, "TEMPDIR");
    ASSERT_FALSE(dir.empty()) << r.out;
    struct stat st;
    EXPECT_NE(0, stat(dir.c_str(), &st)) << dir << " is still there";
}

TEST(Hygiene, ProgramsDieWithTheTestProgram)
{
    // The killed child cannot clean up its own temporary files: they go in
    // a directory of ours.
    std::string tmp = make_temp_dir("selftest-child");
    ASSERT_FALSE(tmp.empty());
    RunOptions opt;
    opt.env = {std::string(kChildVar) + "=1", "TMPDIR=" + tmp};
    Process child;
    ASSERT_TRUE(child.start(child_argv("StartsAProgramThenHangs"), opt)) << child.error();
    ASSERT_TRUE(child.wait_output("PID=", 20000)) << child.output();
    std::string out = child.output();
    size_t p = out.find("PID=");
    ASSERT_NE(std::string::npos, p);
    int pid = atoi(out.c_str() + p + 4);
    ASSERT_GT(pid, 1) << out;
    // The test program is killed outright: no destructor stops its program,
    // only the kernel (PR_SET_PDEATHSIG) can.
    ASSERT_EQ(0, kill(child.pid(), SIGKILL));
    child.stop();
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!gone_or_zombie(pid) && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_TRUE(gone_or_zombie(pid)) << "sleep (pid " << pid << ") outlived its test program";
    if (!gone_or_zombie(pid))
        kill(pid, SIGKILL);
}
