// Debian's curl (libcurl built against OpenSSL 3.0) on ShimSSL, fetching from
// `openssl s_server -www` on the system libssl. Failure cases are compared
// with the same command on the system libssl: a user must see the same
// exit code from either library.
#include "testlib/testlib.h"

#include <gtest/gtest.h>

using namespace shimtest;

namespace
{

std::string url(const std::string &host, int port)
{
    return "https://" + host + ":" + std::to_string(port) + "/";
}

// curl with a bounded time; the host name resolves to 127.0.0.1 only.
std::vector<std::string> curl_cmd(const std::string &host, int port, std::vector<std::string> extra)
{
    std::vector<std::string> argv = {"curl",       "-sS",
                                     "--max-time", "15",
                                     "--resolve",  host + ":" + std::to_string(port) + ":127.0.0.1",
                                     "-w",         "\nVERIFY=%{ssl_verify_result}\n"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.push_back(url(host, port));
    return argv;
}

RunResult on_shim(const std::vector<std::string> &argv)
{
    RunOptions o;
    // Debian's curl hangs with the ASan runtime preloaded (see preload_env).
    o.env = shim_env({}, /*asan_runtime_first=*/false);
    o.timeout_ms = 30000;
    return run(argv, o);
}

RunResult on_system(const std::vector<std::string> &argv)
{
    RunOptions o;
    o.timeout_ms = 30000;
    return run(argv, o);
}

class Curl : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        port_ = start_openssl_server(server_, {"-tls1_3", "-www"});
        ASSERT_NE(port_, 0);
    }
    Process server_;
    int port_ = 0;
};

TEST_F(Curl, FetchesPageWithTrustedCa)
{
    auto argv = curl_cmd("localhost", port_, {"--cacert", cert("ca.pem")});
    RunResult r = on_shim(argv);
    EXPECT_TRUE(ran_on_shim(r.err));
    ASSERT_EQ(r.exit_code, 0) << describe(argv, r);
    // s_server -www answers with a page describing the session it saw.
    EXPECT_NE(r.out.find("Ciphers supported in s_server binary"), std::string::npos)
        << describe(argv, r);
    EXPECT_NE(r.out.find("New, TLSv1.3, Cipher is "), std::string::npos) << describe(argv, r);
    EXPECT_NE(r.out.find("\nVERIFY=0\n"), std::string::npos) << describe(argv, r);
}

TEST_F(Curl, VerboseShowsTls13AndVerifiedCertificate)
{
    auto argv = curl_cmd("localhost", port_, {"-v", "-o", "/dev/null", "--cacert", cert("ca.pem")});
    RunResult r = on_shim(argv);
    EXPECT_TRUE(ran_on_shim(r.err));
    ASSERT_EQ(r.exit_code, 0) << describe(argv, r);
    EXPECT_NE(r.err.find("SSL connection using TLSv1.3 / TLS_"), std::string::npos)
        << describe(argv, r);
    EXPECT_NE(r.err.find("SSL certificate verify ok"), std::string::npos) << describe(argv, r);
}

TEST_F(Curl, UntrustedCaFailsLikeOpenSsl)
{
    auto argv = curl_cmd("localhost", port_, {"--cacert", cert("untrusted-ca.pem")});
    RunResult ref = on_system(argv);
    RunResult r = on_shim(argv);
    EXPECT_TRUE(ran_on_shim(r.err));
    EXPECT_EQ(ref.exit_code, 60) << describe(argv, ref);
    EXPECT_EQ(r.exit_code, ref.exit_code) << describe(argv, r);
    EXPECT_EQ(r.out.find("Ciphers supported in s_server binary"), std::string::npos)
        << "page served despite failed verification";
}

TEST_F(Curl, WrongHostNameFailsLikeOpenSsl)
{
    auto argv = curl_cmd("wrong.example", port_, {"--cacert", cert("ca.pem")});
    RunResult ref = on_system(argv);
    RunResult r = on_shim(argv);
    EXPECT_TRUE(ran_on_shim(r.err));
    EXPECT_EQ(ref.exit_code, 60) << describe(argv, ref);
    EXPECT_EQ(r.exit_code, ref.exit_code) << describe(argv, r);
}

TEST_F(Curl, ConnectsByIpAddressMatchingSan)
{
    std::vector<std::string> argv = {"curl",
                                     "-sS",
                                     "--max-time",
                                     "15",
                                     "--cacert",
                                     cert("ca.pem"),
                                     "-w",
                                     "\nVERIFY=%{ssl_verify_result}\n",
                                     "https://127.0.0.1:" + std::to_string(port_) + "/"};
    RunResult r = on_shim(argv);
    EXPECT_TRUE(ran_on_shim(r.err));
    ASSERT_EQ(r.exit_code, 0) << describe(argv, r);
    EXPECT_NE(r.out.find("\nVERIFY=0\n"), std::string::npos) << describe(argv, r);
}

TEST_F(Curl, MaxTls12AgainstTls13OnlyServerFailsLikeOpenSsl)
{
    auto argv = curl_cmd("localhost", port_, {"--cacert", cert("ca.pem"), "--tls-max", "1.2"});
    RunResult ref = on_system(argv);
    RunResult r = on_shim(argv);
    EXPECT_TRUE(ran_on_shim(r.err));
    EXPECT_NE(ref.exit_code, 0) << describe(argv, ref);
    EXPECT_EQ(r.exit_code, ref.exit_code) << describe(argv, r);
}

TEST(CurlAlpn, Http11IsNegotiated)
{
    Process server;
    int port = start_openssl_server(server, {"-tls1_3", "-www", "-alpn", "http/1.1"});
    ASSERT_NE(port, 0);
    auto argv = curl_cmd("localhost", port, {"-v", "--http1.1", "--cacert", cert("ca.pem")});
    RunResult r = on_shim(argv);
    EXPECT_TRUE(ran_on_shim(r.err));
    ASSERT_EQ(r.exit_code, 0) << describe(argv, r);
    EXPECT_NE(r.err.find("ALPN: server accepted http/1.1"), std::string::npos) << describe(argv, r);
}

TEST(CurlAlpn, NoOverlapMeansNoProtocolLikeOpenSsl)
{
    // The server only knows a protocol curl does not offer: OpenSSL's server
    // then continues without ALPN; curl says so and still fetches.
    Process server;
    int port = start_openssl_server(server, {"-tls1_3", "-www", "-alpn", "shim-test/9"});
    ASSERT_NE(port, 0);
    auto argv = curl_cmd("localhost", port, {"-v", "--http1.1", "--cacert", cert("ca.pem")});
    RunResult ref = on_system(argv);
    RunResult r = on_shim(argv);
    EXPECT_TRUE(ran_on_shim(r.err));
    EXPECT_EQ(r.exit_code, ref.exit_code) << describe(argv, r);
    bool ref_agreed = ref.err.find("ALPN: server accepted") != std::string::npos;
    bool shim_agreed = r.err.find("ALPN: server accepted") != std::string::npos;
    EXPECT_EQ(shim_agreed, ref_agreed) << describe(argv, r);
}

TEST(CurlSni, ServerSeesLocalhost)
{
    // -servername_fatal: the server aborts with unrecognized_name unless the
    // SNI it receives is exactly "localhost".
    Process server;
    int port = start_openssl_server(server, {"-tls1_3", "-www", "-servername", "localhost",
                                             "-cert2", cert("server-ec.pem"), "-key2",
                                             cert("server-ec.key"), "-servername_fatal"});
    ASSERT_NE(port, 0);
    auto argv = curl_cmd("localhost", port, {"--cacert", cert("ca.pem")});
    RunResult r = on_shim(argv);
    EXPECT_TRUE(ran_on_shim(r.err));
    ASSERT_EQ(r.exit_code, 0) << describe(argv, r);
    EXPECT_NE(r.out.find("Ciphers supported in s_server binary"), std::string::npos)
        << describe(argv, r);
}

TEST(CurlSni, ServerRejectsOtherNameLikeOpenSsl)
{
    Process server;
    int port = start_openssl_server(server, {"-tls1_3", "-www", "-servername", "localhost",
                                             "-cert2", cert("server-ec.pem"), "-key2",
                                             cert("server-ec.key"), "-servername_fatal"});
    ASSERT_NE(port, 0);
    auto argv = curl_cmd("other.example", port, {"--cacert", cert("ca.pem")});
    RunResult ref = on_system(argv);
    RunResult r = on_shim(argv);
    EXPECT_TRUE(ran_on_shim(r.err));
    // 35 (handshake failed: the server's alert), not 60 (our own host check):
    // proves the name reached the server.
    EXPECT_EQ(ref.exit_code, 35) << describe(argv, ref);
    EXPECT_EQ(r.exit_code, ref.exit_code) << describe(argv, r);
}

} // namespace
