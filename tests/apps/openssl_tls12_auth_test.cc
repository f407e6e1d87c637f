// TLS 1.2 client authentication with ShimSSL as the server: Debian's
// `openssl s_server -Verify 1` on ShimSSL accepts Debian's s_client with a
// certificate and refuses it without one, as on OpenSSL.
#include "tls12_apps.h"

#include <gtest/gtest.h>

using namespace shimtest;
using namespace shimtest::tls12;

namespace
{

TEST(Tls12OnShim, ServerRequiresClientCertificate)
{
    std::string refused[2];
    for (int shim = 1; shim >= 0; shim--) {
        Process server;
        int port = start_s_server(
            server, {"-rev", "-tls1_2", "-Verify", "1", "-CAfile", cert("ca.pem")}, shim == 1);
        ASSERT_NE(port, 0);
        std::vector<std::string> cmd;
        RunResult ok =
            s_client(port, {"-tls1_2", "-cert", cert("client.pem"), "-key", cert("client.key")},
                     false, kRevInput, &cmd);
        EXPECT_EQ(ok.exit_code, 0) << describe(cmd, ok);
        EXPECT_TRUE(has(ok.out, "New, TLSv1.2, Cipher is ")) << describe(cmd, ok);
        EXPECT_TRUE(has(ok.out, "dlrow olleh")) << describe(cmd, ok);
        RunResult no = s_client(port, {"-tls1_2"}, false, kRevInput, &cmd);
        EXPECT_FALSE(has(no.out, "dlrow olleh")) << describe(cmd, no);
        refused[shim] =
            has(no.out + no.err, "alert handshake failure") ? "handshake_failure" : no.out + no.err;
        std::string log = server.output();
        // The server saw and verified the client's certificate.
        EXPECT_TRUE(has(log, "Peer certificate: ")) << log;
        EXPECT_TRUE(has(log, "peer did not return a certificate")) << log;
        if (shim) {
            EXPECT_TRUE(ran_on_shim(log));
        }
    }
    EXPECT_EQ(refused[0], "handshake_failure");
    EXPECT_EQ(refused[1], refused[0]);
}

} // namespace
