// Run by testlib_selftest with --gtest_filter: one test of each outcome.
#include <gtest/gtest.h>

#include <cstdio>

TEST(Probe, Passes)
{
    SUCCEED();
}

TEST(Probe, Skips)
{
    GTEST_SKIP() << "skipped on purpose";
}

// Fails, and its output contains gtest's skip marker all the same.
TEST(Probe, FailsSayingSkipped)
{
    printf("[  SKIPPED ] not really\n");
    ADD_FAILURE() << "failed on purpose";
}

TEST(Probe, FailsThenSkips)
{
    ADD_FAILURE() << "failed on purpose";
    GTEST_SKIP() << "a skip after a failure is still a failure";
}
