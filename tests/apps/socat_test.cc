// socat as a TLS client on ShimSSL, talking to `openssl s_server -rev`
// (which answers every line reversed) on the system libssl.
#include "testlib/testlib.h"

#include <gtest/gtest.h>

using namespace shimtest;

namespace
{

std::vector<std::string> socat_cmd(int port, const std::string &ca)
{
    // -T: give up after 10 s idle; -t: after stdin's EOF, wait up to 3 s for
    // the answer to come back.
    return {"socat",
            "-T",
            "10",
            "-t",
            "3",
            "-",
            "OPENSSL:127.0.0.1:" + std::to_string(port) + ",cafile=" + cert(ca)};
}

TEST(Socat, ExchangesDataWithReversingServer)
{
    Process server;
    int port = start_openssl_server(server, {"-tls1_3", "-rev"});
    ASSERT_NE(port, 0);
    auto argv = socat_cmd(port, "ca.pem");
    RunOptions o;
    o.env = shim_env();
    const std::string line = "hello from shimssl";
    o.stdin_data = line + "\n";
    o.timeout_ms = 30000;
    RunResult r = run(argv, o);
    EXPECT_TRUE(ran_on_shim(r.err));
    EXPECT_EQ(r.exit_code, 0) << describe(argv, r);
    EXPECT_EQ(r.out, std::string(line.rbegin(), line.rend()) + "\n") << describe(argv, r);
}

TEST(Socat, LargerTransferSurvivesManyRecords)
{
    Process server;
    int port = start_openssl_server(server, {"-tls1_3", "-rev"});
    ASSERT_NE(port, 0);
    // Many lines: several TLS records each way.
    std::string input, expected;
    for (int i = 0; i < 400; ++i) {
        std::string line = "line " + std::to_string(i) + " abcdefghijklmnopqrstuvwxyz0123456789";
        input += line + "\n";
        expected += std::string(line.rbegin(), line.rend()) + "\n";
    }
    auto argv = socat_cmd(port, "ca.pem");
    RunOptions o;
    o.env = shim_env();
    o.stdin_data = input;
    o.timeout_ms = 30000;
    RunResult r = run(argv, o);
    EXPECT_TRUE(ran_on_shim(r.err));
    EXPECT_EQ(r.exit_code, 0) << describe(argv, r);
    EXPECT_NE(r.out.find(expected), std::string::npos) << describe(argv, r);
}

TEST(Socat, UntrustedCaRefusesLikeOpenSsl)
{
    Process server;
    int port = start_openssl_server(server, {"-tls1_3", "-rev"});
    ASSERT_NE(port, 0);
    auto argv = socat_cmd(port, "untrusted-ca.pem");
    RunOptions ref_opt;
    ref_opt.stdin_data = "x\n";
    RunResult ref = run(argv, ref_opt);
    RunOptions o;
    o.env = shim_env();
    o.stdin_data = "x\n";
    RunResult r = run(argv, o);
    EXPECT_TRUE(ran_on_shim(r.err));
    EXPECT_NE(ref.exit_code, 0) << describe(argv, ref);
    EXPECT_EQ(r.exit_code, ref.exit_code) << describe(argv, r);
    EXPECT_EQ(r.out.find("x"), std::string::npos) << describe(argv, r);
}

} // namespace
