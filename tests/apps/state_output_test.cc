// `openssl s_client -state` and `openssl s_server -state` on ShimSSL print
// the same handshake states as on the system OpenSSL, for TLS 1.3 and TLS
// 1.2: every info-callback line ("SSL_connect:<state>", "SSL_accept:<state>",
// "SSL3 alert ..."), in order. The peer always runs on the system libssl;
// the same program on the system libssl is the reference.
#include "server_apps.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

using namespace shimtest;
using namespace shimtest::apps;

namespace
{

// The info-callback lines of a program's output.
std::string state_lines(const std::string &out)
{
    std::string s;
    for (size_t p = 0; p < out.size();) {
        size_t eol = out.find('\n', p);
        if (eol == std::string::npos)
            eol = out.size();
        std::string line = out.substr(p, eol - p);
        p = eol + 1;
        if (line.rfind("SSL_connect:", 0) == 0 || line.rfind("SSL_accept:", 0) == 0 ||
            line.rfind("SSL3 alert", 0) == 0)
            s += line + "\n";
    }
    return s;
}

class StateOutput : public ::testing::TestWithParam<const char *>
{
};

// s_client -state against Debian's s_server. The server sends no TLS 1.3
// tickets: when they arrive after the handshake, their lines may come
// before or after s_client reads its "Q".
TEST_P(StateOutput, SClient)
{
    Process server;
    int port = start_openssl_server(server, {"-num_tickets", "0", "-rev"});
    ASSERT_NE(port, 0);
    std::string lines[2];
    for (int shim = 1; shim >= 0; shim--) {
        RunOptions o;
        if (shim)
            o.env = shim_env();
        o.stdin_data = "Q\n";
        o.timeout_ms = 20000;
        std::vector<std::string> argv = {"openssl", "s_client", "-connect",
                                         "127.0.0.1:" + std::to_string(port), "-servername",
                                         "localhost", "-CAfile", cert("ca.pem"), "-state",
                                         GetParam()};
        RunResult r = run(argv, o);
        EXPECT_EQ(r.exit_code, 0) << describe(argv, r);
        if (shim) {
            EXPECT_TRUE(ran_on_shim(r.err));
        }
        lines[shim] = state_lines(r.out + r.err);
    }
    EXPECT_FALSE(has(lines[1], "unknown state")) << lines[1];
    EXPECT_TRUE(has(lines[0], "SSL_connect:SSLv3/TLS read finished")) << lines[0];
    EXPECT_EQ(lines[1], lines[0]) << GetParam() << ": ShimSSL (first) vs OpenSSL";
}

// s_server -state, Debian's s_client connecting and closing.
TEST_P(StateOutput, SServer)
{
    std::string lines[2];
    for (int shim = 1; shim >= 0; shim--) {
        Process server;
        if (!server.start({"openssl", "s_server", "-accept", "127.0.0.1:0", "-cert",
                           cert("server.pem"), "-key", cert("server.key"), "-state", "-rev",
                           GetParam()},
                          server_options(shim))) {
            FAIL() << server.error();
        }
        int port = server.wait_openssl_accept(10000);
        ASSERT_NE(port, 0) << server.output();
        RunResult r = s_client(port, {GetParam()}, "Q\n", nullptr);
        EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
        // The server reports the client's close_notify last.
        EXPECT_TRUE(server.wait_output("SSL3 alert read:warning:close notify", 10000))
            << server.output();
        server.stop();
        lines[shim] = state_lines(server.output());
    }
    EXPECT_FALSE(has(lines[1], "unknown state")) << lines[1];
    EXPECT_TRUE(has(lines[0], "SSL_accept:SSLv3/TLS write finished")) << lines[0];
    EXPECT_EQ(lines[1], lines[0]) << GetParam() << ": ShimSSL (first) vs OpenSSL";
}

INSTANTIATE_TEST_SUITE_P(Versions, StateOutput, ::testing::Values("-tls1_3", "-tls1_2"),
                         [](const ::testing::TestParamInfo<const char *> &i) {
                             return std::string(i.param) == "-tls1_3" ? "Tls13" : "Tls12";
                         });

} // namespace
