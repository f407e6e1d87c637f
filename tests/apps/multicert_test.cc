// Debian's `openssl s_server` on ShimSSL (LD_PRELOAD) with two certificates
// in one SSL_CTX (-cert/-key RSA, -dcert/-dkey ECDSA P-256: two
// SSL_CTX_use_certificate + use_PrivateKey rounds, as nginx does with two
// ssl_certificate lines). Debian's s_client on the system libssl offers one
// signature scheme and must get the certificate that can make it.
#include "testlib/testlib.h"

#include <gtest/gtest.h>

using namespace shimtest;

namespace
{

int start_server(Process &p)
{
    std::vector<std::string> argv = {"openssl", "s_server",
                                     "-accept", "127.0.0.1:0",
                                     "-cert",   cert("server.pem"),
                                     "-key",    cert("server.key"),
                                     "-dcert",  cert("server-ec.pem"),
                                     "-dkey",   cert("server-ec.key"),
                                     "-www"};
    RunOptions o;
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

RunResult s_client(int port, const std::string &sigalgs, std::vector<std::string> *cmd)
{
    std::vector<std::string> argv = {
        "openssl",  "s_client", "-connect",     "127.0.0.1:" + std::to_string(port),
        "-ign_eof", "-CAfile",  cert("ca.pem"), "-tls1_3",
        "-sigalgs", sigalgs};
    RunOptions o;
    o.stdin_data = "GET / HTTP/1.0\r\n\r\n";
    o.timeout_ms = 20000;
    *cmd = argv;
    return run(argv, o);
}

bool has(const std::string &text, const std::string &needle)
{
    return text.find(needle) != std::string::npos;
}

TEST(MultiCertOnShim, EachClientGetsTheCertificateItsSchemesAllow)
{
    Process server;
    int port = start_server(server);
    ASSERT_NE(port, 0);
    std::vector<std::string> cmd;

    RunResult ec = s_client(port, "ecdsa_secp256r1_sha256", &cmd);
    EXPECT_EQ(ec.exit_code, 0) << describe(cmd, ec);
    EXPECT_TRUE(has(ec.out, "Peer signature type: ECDSA")) << describe(cmd, ec);
    EXPECT_TRUE(has(ec.out, "Verify return code: 0 (ok)")) << describe(cmd, ec);

    RunResult rsa = s_client(port, "rsa_pss_rsae_sha256", &cmd);
    EXPECT_EQ(rsa.exit_code, 0) << describe(cmd, rsa);
    EXPECT_TRUE(has(rsa.out, "Peer signature type: RSA-PSS")) << describe(cmd, rsa);
    EXPECT_TRUE(has(rsa.out, "Verify return code: 0 (ok)")) << describe(cmd, rsa);

    // Neither certificate can sign with Ed25519: the handshake fails.
    RunResult none = s_client(port, "ed25519", &cmd);
    EXPECT_NE(none.exit_code, 0) << describe(cmd, none);
    EXPECT_TRUE(has(none.out + none.err, "handshake failure")) << describe(cmd, none);

    EXPECT_TRUE(server.running()) << server.output();
    EXPECT_TRUE(ran_on_shim(server.output()));
}

} // namespace
