// Client authentication with Debian's `openssl s_server` running on
// ShimSSL (LD_PRELOAD) and Debian's `openssl s_client` on the system
// libssl: -Verify 1 requires a client certificate, which is verified and
// reported by the server; a client without one is refused with
// certificate_required, as OpenSSL does.
#include "testlib/testlib.h"

#include <gtest/gtest.h>

using namespace shimtest;

namespace
{

int start_server(Process &p, const std::vector<std::string> &args, bool shim = true)
{
    std::vector<std::string> argv = {"openssl", "s_server", "-accept", "127.0.0.1:0",
                                     "-cert",   cert("server.pem"), "-key", cert("server.key"),
                                     "-CAfile", cert("ca.pem"),     "-rev"};
    argv.insert(argv.end(), args.begin(), args.end());
    RunOptions o;
    if (shim)
        o.env = shim_env();
    if (!p.start(argv, o)) {
        ADD_FAILURE() << "cannot start openssl s_server: " << p.error();
        return 0;
    }
    int port = p.wait_openssl_accept(10000);
    if (port == 0)
        ADD_FAILURE() << "openssl s_server did not report its port; output:\n" << p.output();
    return port;
}

RunResult s_client(int port, const std::vector<std::string> &extra, std::vector<std::string> &argv)
{
    argv = {"openssl",  "s_client", "-connect",    "127.0.0.1:" + std::to_string(port),
            "-ign_eof", "-CAfile",  cert("ca.pem")};
    argv.insert(argv.end(), extra.begin(), extra.end());
    RunOptions o;
    o.stdin_data = "hello world\nCLOSE\n";
    o.timeout_ms = 20000;
    return run(argv, o);
}

bool has(const std::string &text, const std::string &needle)
{
    return text.find(needle) != std::string::npos;
}

TEST(ClientAuthAppsOnShim, RequiredCertificateAcceptedAndReported)
{
    Process server;
    int port = start_server(server, {"-Verify", "1"});
    ASSERT_NE(port, 0);
    std::vector<std::string> argv;
    RunResult r = s_client(port, {"-cert", cert("client.pem"), "-key", cert("client.key")}, argv);
    EXPECT_EQ(r.exit_code, 0) << describe(argv, r);
    EXPECT_TRUE(has(r.out, "dlrow olleh")) << describe(argv, r);
    // The server's CertificateRequest named our CA (s_server -CAfile).
    EXPECT_TRUE(has(r.out, "Acceptable client certificate CA names\nO = ShimSSL Test, CN = ShimSSL Test Root CA"))
        << describe(argv, r);
    std::string log = server.output();
    EXPECT_TRUE(has(log, "Peer certificate: O = ShimSSL Test, CN = ShimSSL Test Client")) << log;
    EXPECT_TRUE(has(log, "Verification: OK")) << log;
    EXPECT_TRUE(ran_on_shim(log));
}

TEST(ClientAuthAppsOnShim, MissingCertificateRefusedWithCertificateRequired)
{
    Process server;
    int port = start_server(server, {"-Verify", "1"});
    ASSERT_NE(port, 0);
    std::vector<std::string> argv;
    RunResult r = s_client(port, {}, argv);
    EXPECT_NE(r.exit_code, 0) << describe(argv, r);
    EXPECT_FALSE(has(r.out, "dlrow olleh")) << describe(argv, r);
    EXPECT_TRUE(has(r.err, "alert certificate required")) << describe(argv, r);
    std::string log = server.output();
    EXPECT_TRUE(has(log, "peer did not return a certificate")) << log;
}

TEST(ClientAuthAppsOnShim, UntrustedClientCertificateRefusedWithOpenSslsAlert)
{
    // -verify_return_error: s_server's verify callback keeps the failure.
    // The alert the client gets is compared with OpenSSL's own server.
    std::string alerts[2];
    for (int shim = 0; shim < 2; shim++) {
        Process server;
        int port = start_server(server, {"-Verify", "1", "-verify_return_error"}, shim == 1);
        ASSERT_NE(port, 0);
        std::vector<std::string> argv;
        // Signed by a CA the server does not trust.
        RunResult r = s_client(
            port, {"-cert", cert("untrusted-server.pem"), "-key", cert("untrusted-server.key")},
            argv);
        EXPECT_NE(r.exit_code, 0) << describe(argv, r);
        EXPECT_FALSE(has(r.out, "dlrow olleh")) << describe(argv, r);
        size_t at = r.err.find("alert ");
        ASSERT_NE(at, std::string::npos) << describe(argv, r);
        alerts[shim] = r.err.substr(at, r.err.find(':', at) - at);
        EXPECT_TRUE(has(server.output(), "certificate verify failed")) << server.output();
    }
    EXPECT_EQ(alerts[0], alerts[1]);
}

TEST(ClientAuthAppsOnShim, OptionalRequestWithoutCertificateIsServed)
{
    Process server;
    int port = start_server(server, {"-verify", "1"});
    ASSERT_NE(port, 0);
    std::vector<std::string> argv;
    RunResult r = s_client(port, {}, argv);
    EXPECT_EQ(r.exit_code, 0) << describe(argv, r);
    EXPECT_TRUE(has(r.out, "dlrow olleh")) << describe(argv, r);
}

} // namespace
