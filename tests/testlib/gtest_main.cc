// main() of every test program (instead of gtest_main). A skip must be
// honest: a run in which a test called GTEST_SKIP and none failed exits 77,
// which tests/CMakeLists.txt declares as ctest's SKIP_RETURN_CODE, so ctest
// reports exactly those tests as skipped and tests/run-all.sh can hold them
// against tests/skip-allowlist.txt. A test that failed exits 1 and is a
// failure whatever its output says (ctest no longer looks for gtest's
// "[  SKIPPED ]" text, which a failing test's output can contain too).
#include <gtest/gtest.h>

namespace
{
constexpr int kSkipExitCode = 77;
}

int main(int argc, char **argv)
{
    ::testing::InitGoogleTest(&argc, argv);
    int rc = RUN_ALL_TESTS();
    const ::testing::UnitTest *u = ::testing::UnitTest::GetInstance();
    if (rc == 0 && u->failed_test_count() == 0 && u->skipped_test_count() > 0)
        return kSkipExitCode;
    return rc;
}
