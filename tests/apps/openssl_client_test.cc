// Debian's `openssl s_client` (the openssl binary links libssl.so.3) on
// ShimSSL against `openssl s_server` on the system libssl.
#include "testlib/testlib.h"

#include <gtest/gtest.h>

#include <cstdlib>

using namespace shimtest;

namespace
{

std::vector<std::string> s_client(int port, const std::string &ca)
{
    return {"openssl",
            "s_client",
            "-connect",
            "127.0.0.1:" + std::to_string(port),
            "-servername",
            "localhost",
            "-verify_hostname",
            "localhost",
            "-ign_eof",
            "-CAfile",
            cert(ca)};
}

RunResult run_client(const std::vector<std::string> &argv, bool shim)
{
    RunOptions o;
    if (shim)
        o.env = shim_env();
    // A request, then EOF on stdin; -ign_eof keeps s_client reading until the
    // server (-www answers one request) closes.
    o.stdin_data = "GET / HTTP/1.0\r\n\r\n";
    o.timeout_ms = 30000;
    return run(argv, o);
}

int verify_code(const std::string &out)
{
    static const std::string key = "Verify return code: ";
    size_t p = out.find(key);
    if (p == std::string::npos)
        return -1;
    return atoi(out.c_str() + p + key.size());
}

TEST(OpensslClient, VerifiesAndNegotiatesTls13)
{
    Process server;
    int port = start_openssl_server(server, {"-tls1_3", "-www"});
    ASSERT_NE(port, 0);
    auto argv = s_client(port, "ca.pem");
    RunResult r = run_client(argv, true);
    EXPECT_TRUE(ran_on_shim(r.err));
    EXPECT_EQ(r.exit_code, 0) << describe(argv, r);
    EXPECT_NE(r.out.find("Verify return code: 0 (ok)"), std::string::npos) << describe(argv, r);
    EXPECT_NE(r.out.find("New, TLSv1.3, Cipher is TLS_"), std::string::npos) << describe(argv, r);
    // The page came through the encrypted channel.
    EXPECT_NE(r.out.find("Ciphers supported in s_server binary"), std::string::npos)
        << describe(argv, r);
}

TEST(OpensslClient, WrongCaGivesNonZeroVerifyCodeLikeOpenSsl)
{
    Process server;
    int port = start_openssl_server(server, {"-tls1_3", "-www"});
    ASSERT_NE(port, 0);
    auto argv = s_client(port, "untrusted-ca.pem");
    RunResult ref = run_client(argv, false);
    RunResult r = run_client(argv, true);
    EXPECT_TRUE(ran_on_shim(r.err));
    int ref_code = verify_code(ref.out);
    EXPECT_GT(ref_code, 0) << describe(argv, ref);
    EXPECT_EQ(verify_code(r.out), ref_code) << describe(argv, r);
}

TEST(OpensslClient, ExpiredCertificateReportsCode10)
{
    Process server;
    int port = start_openssl_server(
        server, {"-tls1_3", "-www", "-cert", cert("expired.pem"), "-key", cert("expired.key")});
    ASSERT_NE(port, 0);
    auto argv = s_client(port, "ca.pem");
    RunResult ref = run_client(argv, false);
    RunResult r = run_client(argv, true);
    EXPECT_TRUE(ran_on_shim(r.err));
    EXPECT_EQ(verify_code(ref.out), 10) << describe(argv, ref); // X509_V_ERR_CERT_HAS_EXPIRED
    EXPECT_EQ(verify_code(r.out), verify_code(ref.out)) << describe(argv, r);
}

} // namespace
