// Debian's `openssl s_server` on ShimSSL serving TLS 1.2 clients (Debian's
// `openssl s_client` on the system libssl): the negotiated parameters as the
// client prints them, session resumption by ticket and by session id
// (-reconnect), client certificates, and the downgrade sentinel seen by a
// TLS 1.3-capable client when the server is limited to TLS 1.2.
#include "testlib/testlib.h"

#include <gtest/gtest.h>

using namespace shimtest;

namespace
{

const char kPageMarker[] = "Ciphers supported in s_server binary";

int start_server(Process &p, const std::vector<std::string> &args)
{
    std::vector<std::string> argv = {"openssl", "s_server",         "-accept", "127.0.0.1:0",
                                     "-cert",   cert("server.pem"), "-key",    cert("server.key"),
                                     "-www"};
    argv.insert(argv.end(), args.begin(), args.end());
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

RunResult s_client(int port, const std::vector<std::string> &extra, std::vector<std::string> *cmd)
{
    std::vector<std::string> argv = {"openssl", "s_client", "-connect",
                                     "127.0.0.1:" + std::to_string(port), "-CAfile",
                                     cert("ca.pem")};
    argv.insert(argv.end(), extra.begin(), extra.end());
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

int count(const std::string &text, const std::string &needle)
{
    int n = 0;
    for (size_t p = text.find(needle); p != std::string::npos; p = text.find(needle, p + 1))
        ++n;
    return n;
}

TEST(Tls12ServerOnShim, WwwPageOverTls12)
{
    Process server;
    int port = start_server(server, {});
    ASSERT_NE(port, 0);
    std::vector<std::string> cmd;
    RunResult r = s_client(port, {"-tls1_2", "-ign_eof"}, &cmd);
    EXPECT_EQ(r.exit_code, 0) << describe(cmd, r);
    EXPECT_TRUE(has(r.out, "New, TLSv1.2, Cipher is ECDHE-RSA-AES256-GCM-SHA384"))
        << describe(cmd, r);
    EXPECT_TRUE(has(r.out, "Verify return code: 0 (ok)")) << describe(cmd, r);
    EXPECT_TRUE(has(r.out, "Extended master secret: yes")) << describe(cmd, r);
    EXPECT_TRUE(has(r.out, "Secure Renegotiation IS supported")) << describe(cmd, r);
    EXPECT_TRUE(has(r.out, kPageMarker)) << describe(cmd, r);
    EXPECT_FALSE(has(r.out + r.err, "unexpected eof")) << describe(cmd, r);
    EXPECT_TRUE(ran_on_shim(server.output()));
}

TEST(Tls12ServerOnShim, TicketResumption)
{
    Process server;
    int port = start_server(server, {});
    ASSERT_NE(port, 0);
    std::vector<std::string> cmd;
    RunResult r = s_client(port, {"-tls1_2", "-reconnect"}, &cmd);
    EXPECT_EQ(1, count(r.out, "New, TLSv1.2")) << describe(cmd, r);
    // -reconnect: five more connections offering the session (and the
    // summary of the last one).
    EXPECT_LE(5, count(r.out, "Reused, TLSv1.2")) << describe(cmd, r);
    EXPECT_TRUE(has(r.out, "TLS session ticket lifetime hint")) << describe(cmd, r);
}

TEST(Tls12ServerOnShim, SessionIdResumption)
{
    Process server;
    int port = start_server(server, {"-no_ticket"});
    ASSERT_NE(port, 0);
    std::vector<std::string> cmd;
    RunResult r = s_client(port, {"-tls1_2", "-reconnect", "-no_ticket"}, &cmd);
    EXPECT_EQ(1, count(r.out, "New, TLSv1.2")) << describe(cmd, r);
    // -reconnect: five more connections offering the session (and the
    // summary of the last one).
    EXPECT_LE(5, count(r.out, "Reused, TLSv1.2")) << describe(cmd, r);
    EXPECT_FALSE(has(r.out, "TLS session ticket lifetime hint")) << describe(cmd, r);
}

TEST(Tls12ServerOnShim, ClientCertificateRequired)
{
    Process server;
    int port = start_server(server, {"-Verify", "2", "-CAfile", cert("ca.pem")});
    ASSERT_NE(port, 0);
    std::vector<std::string> cmd;
    RunResult ok = s_client(
        port, {"-tls1_2", "-ign_eof", "-cert", cert("client.pem"), "-key", cert("client.key")},
        &cmd);
    EXPECT_EQ(ok.exit_code, 0) << describe(cmd, ok);
    EXPECT_TRUE(has(ok.out, kPageMarker)) << describe(cmd, ok);
    RunResult refused = s_client(port, {"-tls1_2", "-ign_eof"}, &cmd);
    EXPECT_FALSE(has(refused.out, kPageMarker)) << describe(cmd, refused);
    EXPECT_TRUE(has(refused.out + refused.err, "alert handshake failure"))
        << describe(cmd, refused);
    EXPECT_TRUE(has(server.output(), "peer did not return a certificate")) << server.output();
}

TEST(Tls12ServerOnShim, Tls13ClientOfATls12ServerFindsNoSentinel)
{
    // s_client (max TLS 1.3) aborts if the server random carries the
    // downgrade sentinel: a server limited to 1.2 must not put it there.
    Process server;
    int port = start_server(server, {"-tls1_2"});
    ASSERT_NE(port, 0);
    std::vector<std::string> cmd;
    RunResult r = s_client(port, {"-ign_eof"}, &cmd);
    EXPECT_EQ(r.exit_code, 0) << describe(cmd, r);
    EXPECT_TRUE(has(r.out, "New, TLSv1.2")) << describe(cmd, r);
    EXPECT_TRUE(has(r.out, kPageMarker)) << describe(cmd, r);
}

TEST(Tls12ServerOnShim, Tls13ClientStillGetsTls13)
{
    Process server;
    int port = start_server(server, {});
    ASSERT_NE(port, 0);
    std::vector<std::string> cmd;
    RunResult r = s_client(port, {"-ign_eof"}, &cmd);
    EXPECT_TRUE(has(r.out, "New, TLSv1.3")) << describe(cmd, r);
    EXPECT_TRUE(has(r.out, kPageMarker)) << describe(cmd, r);
}

} // namespace
