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
//     a failed one exits 1 even if its output contains "[  SKIPPED ]".
#include "testlib/testlib.h"

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <stdexcept>

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
