// Our include/openssl headers must be what a program compiled against
// OpenSSL 3.0 sees: abi_compare.py has gcc compute every function type,
// typedef, constant value (with its C type) and macro name on both sides and
// reports each difference. Each configuration below selects a different set
// of #if branches in the headers (deprecated API on/off, pre-3.0 API levels).
#include <gtest/gtest.h>

#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <fstream>
#include <string>
#include <vector>

namespace {

// SHIMSSL_ABI_OURS lets a header author point the test at a staging copy.
const std::string kOurs = getenv("SHIMSSL_ABI_OURS") != nullptr
                              ? getenv("SHIMSSL_ABI_OURS")
                              : std::string(SHIMSSL_SOURCE_DIR) + "/include";

struct RunResult {
    int status = -1;
    std::string output;
};

RunResult RunCompare(const std::string &ours, const std::vector<std::string> &defines)
{
    std::string cmd = std::string(SHIMSSL_PYTHON) + " " + SHIMSSL_ABI_COMPARE + " --ours " + ours;
    for (const auto &d : defines)
        cmd += " -D " + d;
    cmd += " 2>&1";
    RunResult r;
    FILE *p = popen(cmd.c_str(), "r");
    if (p == nullptr)
        return r;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
        r.output.append(buf, n);
    int st = pclose(p);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return r;
}

bool OursPresent()
{
    std::ifstream f(kOurs + "/openssl/ssl.h");
    return f.good();
}

void ExpectIdentical(const std::vector<std::string> &defines)
{
    ASSERT_TRUE(OursPresent()) << kOurs << "/openssl/ssl.h is missing";
    RunResult r = RunCompare(kOurs, defines);
    EXPECT_EQ(r.status, 0) << r.output;
    EXPECT_NE(r.output.find("\n0 mismatches"), std::string::npos) << r.output;
    // the comparison must actually have looked at the API, not at nothing
    EXPECT_NE(r.output.find("compared "), std::string::npos) << r.output;
}

} // namespace

TEST(HeadersAbi, IdenticalToSystemDefaultApi)
{
    ExpectIdentical({});
}

TEST(HeadersAbi, IdenticalToSystemWithoutDeprecated)
{
    ExpectIdentical({"OPENSSL_NO_DEPRECATED"});
}

TEST(HeadersAbi, IdenticalToSystemAtApi111WithoutOlderDeprecated)
{
    ExpectIdentical({"OPENSSL_API_COMPAT=10101", "OPENSSL_NO_DEPRECATED"});
}

TEST(HeadersAbi, IdenticalToSystemAtApi10)
{
    ExpectIdentical({"OPENSSL_API_COMPAT=10000"});
}

// Every optional feature a program or distribution may switch off, plus the
// two tunables programs may predefine: both headers must react alike.
TEST(HeadersAbi, IdenticalToSystemWithFeaturesDisabled)
{
    ExpectIdentical({"OPENSSL_NO_PSK", "OPENSSL_NO_SRP", "OPENSSL_NO_NEXTPROTONEG", "OPENSSL_NO_CT",
                     "OPENSSL_NO_SRTP", "OPENSSL_NO_COMP", "OPENSSL_NO_DTLS1_METHOD",
                     "OPENSSL_NO_DTLS1_2_METHOD", "OPENSSL_NO_SSL3_METHOD", "OPENSSL_NO_TLS1_METHOD",
                     "OPENSSL_NO_TLS1_1_METHOD", "OPENSSL_NO_TLS1_2_METHOD", "OPENSSL_NO_ENGINE",
                     "OPENSSL_NO_STDIO", "OPENSSL_NO_UNIT_TEST", "OPENSSL_NO_SSL_TRACE", "OPENSSL_NO_DH",
                     "OPENSSL_NO_SOCK", "OPENSSL_TLS_SECURITY_LEVEL=2", "SSL3_ALIGN_PAYLOAD=16"});
}

// The comparator itself must see a one-constant difference and an extra
// name; otherwise the tests above would prove nothing.
TEST(HeadersAbi, ComparatorDetectsPlantedDifferences)
{
    ASSERT_TRUE(OursPresent());
    char dir[] = "/tmp/shimssl_abi_XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    std::string tmp = dir;
    std::string cmd = "mkdir -p " + tmp + "/openssl && cp " + kOurs + "/openssl/*.h " + tmp + "/openssl/";
    ASSERT_EQ(system(cmd.c_str()), 0);
    // drop one deprecation attribute: programs would lose a warning
    std::string sed = "sed -i 's/^OSSL_DEPRECATEDIN_1_1_0 \\(.*TLSv1_2_method(\\)/\\1/' " + tmp +
                      "/openssl/ssl.h";
    ASSERT_EQ(system(sed.c_str()), 0);
    {
        std::ofstream f(tmp + "/openssl/ssl.h", std::ios::app);
        f << "\n#undef SSL_ERROR_WANT_READ\n#define SSL_ERROR_WANT_READ 99\n"
             "#define SSL_SHIMSSL_NOT_IN_OPENSSL 1\n"
             "#undef SSL_CTX_set_mode\n"
             "#define SSL_CTX_set_mode(c, o) SSL_CTX_ctrl((c), SSL_CTRL_CLEAR_MODE, (o), NULL)\n"
             "int SSL_shimssl_not_in_openssl(SSL *s);\n";
    }
    RunResult r = RunCompare(tmp, {});
    std::string rm = "rm -rf " + tmp;
    EXPECT_EQ(system(rm.c_str()), 0);
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_NE(r.output.find("MISMATCH SSL_ERROR_WANT_READ: ours int 99, reference int 2"),
              std::string::npos)
        << r.output;
    EXPECT_NE(r.output.find("SSL_SHIMSSL_NOT_IN_OPENSSL: declared by ours only"), std::string::npos)
        << r.output;
    EXPECT_NE(r.output.find("function-like macro SSL_CTX_set_mode: expands to "
                            "'SSL_CTX_ctrl((__a0),78,(__a1),((void*)0))'"),
              std::string::npos)
        << r.output;
    EXPECT_NE(r.output.find("function TLSv1_2_method: deprecated in reference, not in ours"),
              std::string::npos)
        << r.output;
    EXPECT_NE(r.output.find("function SSL_shimssl_not_in_openssl: declared by ours only"),
              std::string::npos)
        << r.output;
}
