// Debian's nginx (nginx-light, /usr/sbin/nginx) serving HTTPS over TLS 1.3
// on ShimSSL (LD_PRELOAD), one process (master_process off), configured by
// the test in a private prefix. Clients are Debian's curl, openssl s_client
// and gnutls-cli on their own TLS libraries. Where nginx on the system
// OpenSSL is the reference, the same configuration runs there too and both
// answers are compared.
#include "nginx_server.h"

#include <gtest/gtest.h>

using namespace shimtest;
using namespace shimtest::apps;

namespace
{

TEST(NginxOnShim, CurlAndGnutlsCliFetchPagesOverTls13)
{
    Nginx ng;
    ASSERT_TRUE(ng.start(""));
    std::vector<std::string> cmd;
    RunResult r = curl(ng.port(), "/", {}, &cmd);
    EXPECT_EQ(r.exit_code, 0) << describe(cmd, r);
    EXPECT_EQ(r.out, std::string(kNginxPage) + "\nHTTP=200 VERIFY=0\n") << describe(cmd, r);

    // gnutls-cli: another TLS implementation as the client.
    std::vector<std::string> g = {
        "gnutls-cli", "--x509cafile", cert("ca.pem"), "-p", std::to_string(ng.port()), "localhost"};
    RunOptions o;
    o.stdin_data = "GET /info HTTP/1.0\r\nHost: localhost\r\n\r\n";
    o.timeout_ms = 20000;
    RunResult gr = run(g, o);
    EXPECT_EQ(gr.exit_code, 0) << describe(g, gr);
    EXPECT_TRUE(has(gr.out + gr.err, "Handshake was completed")) << describe(g, gr);
    EXPECT_TRUE(has(gr.out, "HTTP/1.1 200 OK")) << describe(g, gr);
    std::string info = body_after_headers(gr.out);
    EXPECT_EQ(info.rfind("TLSv1.3 TLS_", 0), 0u) << describe(g, gr);
    EXPECT_TRUE(has(info, " localhost .")) << describe(g, gr);

    EXPECT_TRUE(ng.proc().running()) << ng.proc().output();
    EXPECT_TRUE(ran_on_shim(ng.proc().output()));
}

TEST(NginxOnShim, SslVariablesReadAsOnOpenSsl)
{
    // The same requests to nginx on the system OpenSSL and on ShimSSL.
    const std::vector<std::vector<std::string>> clients = {
        {},
        {"--tls13-ciphers", "TLS_CHACHA20_POLY1305_SHA256"},
        {"--tls13-ciphers", "TLS_AES_128_GCM_SHA256"},
    };
    std::vector<std::string> seen[2];
    for (int shim = 0; shim < 2; ++shim) {
        Nginx ng;
        ASSERT_TRUE(ng.start("", shim == 1));
        for (const auto &extra : clients) {
            std::vector<std::string> cmd;
            RunResult r = curl(ng.port(), "/info", extra, &cmd);
            EXPECT_EQ(r.exit_code, 0) << describe(cmd, r);
            EXPECT_TRUE(has(r.out, "HTTP=200 VERIFY=0")) << describe(cmd, r);
            seen[shim].push_back(first_line(r.out));
        }
        if (shim) {
            EXPECT_TRUE(ran_on_shim(ng.proc().output()));
        }
    }
    ASSERT_EQ(seen[1].size(), 3u);
    EXPECT_EQ(seen[1][0], "TLSv1.3 TLS_AES_256_GCM_SHA384 localhost .");
    EXPECT_EQ(seen[1][1], "TLSv1.3 TLS_CHACHA20_POLY1305_SHA256 localhost .");
    EXPECT_EQ(seen[1][2], "TLSv1.3 TLS_AES_128_GCM_SHA256 localhost .");
    EXPECT_EQ(seen[1], seen[0]);
}

TEST(NginxOnShim, RsaAndEcdsaCertificatesChosenByTheClientsSignatureAlgorithms)
{
    Nginx ng;
    ASSERT_TRUE(ng.start(""));
    std::vector<std::string> cmd;

    RunResult ec = s_client_get(ng.port(), "/", {"-sigalgs", "ecdsa_secp256r1_sha256"}, &cmd);
    EXPECT_EQ(ec.exit_code, 0) << describe(cmd, ec);
    EXPECT_TRUE(has(ec.out, "Server public key is 256 bit")) << describe(cmd, ec);
    EXPECT_TRUE(has(ec.out, "Peer signature type: ECDSA")) << describe(cmd, ec);
    EXPECT_TRUE(has(ec.out, "Verify return code: 0 (ok)")) << describe(cmd, ec);
    EXPECT_TRUE(has(ec.out, kNginxPage)) << describe(cmd, ec);

    RunResult rsa = s_client_get(ng.port(), "/", {"-sigalgs", "rsa_pss_rsae_sha256"}, &cmd);
    EXPECT_EQ(rsa.exit_code, 0) << describe(cmd, rsa);
    EXPECT_TRUE(has(rsa.out, "Server public key is 2048 bit")) << describe(cmd, rsa);
    EXPECT_TRUE(has(rsa.out, "Peer signature type: RSA-PSS")) << describe(cmd, rsa);
    EXPECT_TRUE(has(rsa.out, "Verify return code: 0 (ok)")) << describe(cmd, rsa);
    EXPECT_TRUE(has(rsa.out, kNginxPage)) << describe(cmd, rsa);

    EXPECT_TRUE(ng.proc().running()) << ng.proc().output();
    EXPECT_TRUE(ran_on_shim(ng.proc().output()));
}

TEST(NginxOnShim, KeyShareForAnotherGroupGetsHelloRetryRequest)
{
    // nginx accepts X25519 only; the client's one key share is for P-384
    // (its first group), so the server must ask again for X25519.
    const std::string conf = "    ssl_ecdh_curve X25519;\n";
    int server_hellos[2] = {0, 0};
    for (int shim = 0; shim < 2; ++shim) {
        Nginx ng;
        ASSERT_TRUE(ng.start(conf, shim == 1));
        std::vector<std::string> cmd;
        RunResult r = s_client_get(ng.port(), "/", {"-groups", "P-384:X25519", "-msg"}, &cmd);
        EXPECT_EQ(r.exit_code, 0) << describe(cmd, r);
        EXPECT_TRUE(has(r.out, "Server Temp Key: X25519")) << describe(cmd, r);
        EXPECT_TRUE(has(r.out, "Verify return code: 0 (ok)")) << describe(cmd, r);
        EXPECT_TRUE(has(r.out, kNginxPage)) << describe(cmd, r);
        // The HelloRetryRequest is a ServerHello message in the trace.
        server_hellos[shim] = count(r.out, ", ServerHello");

        // curl offering the same groups gets the page too.
        RunResult c = curl(ng.port(), "/", {"--curves", "P-384:X25519"}, &cmd);
        EXPECT_EQ(c.out, std::string(kNginxPage) + "\nHTTP=200 VERIFY=0\n") << describe(cmd, c);

        // A client without X25519 has no group in common: refused.
        RunResult none = s_client_get(ng.port(), "/", {"-groups", "P-384:P-256"}, &cmd);
        EXPECT_NE(none.exit_code, 0) << describe(cmd, none);
        EXPECT_FALSE(has(none.out, kNginxPage)) << describe(cmd, none);
        EXPECT_TRUE(has(none.out + none.err, "handshake failure")) << describe(cmd, none);
        if (shim) {
            EXPECT_TRUE(ran_on_shim(ng.proc().output()));
        }
    }
    EXPECT_EQ(server_hellos[0], 2);
    EXPECT_EQ(server_hellos[1], server_hellos[0]);
}

} // namespace
