// Debian's `openssl s_server` running on ShimSSL (LD_PRELOAD) and serving
// clients on the system libssl: Debian's `openssl s_client` and curl. The
// server side exercises BIO_f_ssl (-www), the servername callback with an
// SSL_CTX switch (-servername / -cert2) and the ALPN select callback (-alpn).
// Where OpenSSL's own answer is the reference, the same server is also run
// without the shim and both outcomes are compared.
#include "testlib/testlib.h"

#include <gtest/gtest.h>

using namespace shimtest;

namespace
{

const char kPageMarker[] = "Ciphers supported in s_server binary";

// s_server on 127.0.0.1:<kernel-chosen port>, on ShimSSL when shim is true
// (with the LD_DEBUG=files trace that proves it), else on the system libssl.
int start_server(Process &p, const std::vector<std::string> &args, bool shim)
{
    std::vector<std::string> argv = {"openssl", "s_server",         "-accept", "127.0.0.1:0",
                                     "-cert",   cert("server.pem"), "-key",    cert("server.key")};
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

// Debian's s_client on the system libssl: one request, then (-ign_eof) it
// reads until the server closes.
RunResult s_client(int port, const std::vector<std::string> &extra, std::vector<std::string> *cmd)
{
    std::vector<std::string> argv = {
        "openssl",  "s_client", "-connect",    "127.0.0.1:" + std::to_string(port),
        "-ign_eof", "-CAfile",  cert("ca.pem")};
    argv.insert(argv.end(), extra.begin(), extra.end());
    RunOptions o;
    o.stdin_data = "GET / HTTP/1.0\r\n\r\n";
    o.timeout_ms = 20000;
    if (cmd != nullptr)
        *cmd = argv;
    return run(argv, o);
}

bool has(const std::string &text, const std::string &needle)
{
    return text.find(needle) != std::string::npos;
}

TEST(OpensslServerOnShim, WwwPageVerifiedOverTls13AndClosedCleanly)
{
    Process server;
    int port = start_server(server, {"-www"}, true);
    ASSERT_NE(port, 0);
    std::vector<std::string> cmd;
    RunResult r = s_client(port, {"-servername", "localhost"}, &cmd);
    std::string all = r.out + r.err;
    EXPECT_EQ(r.exit_code, 0) << describe(cmd, r);
    EXPECT_TRUE(has(r.out, "Verify return code: 0 (ok)")) << describe(cmd, r);
    EXPECT_TRUE(has(r.out, "New, TLSv1.3, Cipher is TLS_")) << describe(cmd, r);
    EXPECT_TRUE(has(r.out, kPageMarker)) << describe(cmd, r);
    EXPECT_TRUE(has(r.out, "</pre></BODY></HTML>")) << describe(cmd, r);
    // The server ended with close_notify, not by just dropping the socket.
    EXPECT_FALSE(has(all, "unexpected eof")) << describe(cmd, r);
    // A second connection proves the server survived the first one's end.
    RunResult r2 = s_client(port, {"-servername", "localhost"}, &cmd);
    EXPECT_TRUE(has(r2.out, kPageMarker)) << describe(cmd, r2);
    EXPECT_FALSE(has(r2.out + r2.err, "unexpected eof")) << describe(cmd, r2);
    EXPECT_TRUE(server.running()) << server.output();
    EXPECT_TRUE(ran_on_shim(server.output()));
}

TEST(OpensslServerOnShim, NonBlockingWwwServerServesThePage)
{
    // -nbio: every SSL call may report WANT_READ, which s_server reads
    // through SSL_get_error; a stray ERR entry would turn it into a failure.
    Process server;
    int port = start_server(server, {"-www", "-nbio"}, true);
    ASSERT_NE(port, 0);
    std::vector<std::string> cmd;
    RunResult r = s_client(port, {}, &cmd);
    EXPECT_EQ(r.exit_code, 0) << describe(cmd, r);
    EXPECT_TRUE(has(r.out, "Verify return code: 0 (ok)")) << describe(cmd, r);
    EXPECT_TRUE(has(r.out, kPageMarker)) << describe(cmd, r);
    EXPECT_FALSE(has(r.out + r.err, "unexpected eof")) << describe(cmd, r);
    EXPECT_TRUE(ran_on_shim(server.output()));
}

TEST(OpensslServerOnShim, RevServerEchoesReversedLinesAndListsClientCiphers)
{
    Process server;
    int port = start_server(server, {"-rev"}, true);
    ASSERT_NE(port, 0);
    std::vector<std::string> argv = {
        "openssl",  "s_client", "-connect",    "127.0.0.1:" + std::to_string(port),
        "-ign_eof", "-CAfile",  cert("ca.pem")};
    RunOptions o;
    // "CLOSE" makes the -rev server end the connection (with close_notify).
    o.stdin_data = "hello world\nCLOSE\n";
    o.timeout_ms = 20000;
    RunResult r = run(argv, o);
    EXPECT_EQ(r.exit_code, 0) << describe(argv, r);
    EXPECT_TRUE(has(r.out, "dlrow olleh")) << describe(argv, r);
    EXPECT_FALSE(has(r.out + r.err, "unexpected eof")) << describe(argv, r);
    // The summary s_server prints reads SSL_get0_raw_cipherlist.
    std::string log = server.output();
    EXPECT_TRUE(has(log, "Client cipher list: TLS_AES_256_GCM_SHA384")) << log;
    EXPECT_FALSE(has(log, "assertion failed")) << log;
    EXPECT_TRUE(ran_on_shim(log));
}

TEST(OpensslServerOnShim, AlpnSelectCallbackPicksTheClientsProtocol)
{
    Process server;
    int port = start_server(server, {"-www", "-alpn", "h2,http/1.1"}, true);
    ASSERT_NE(port, 0);
    std::vector<std::string> cmd;
    RunResult r = s_client(port, {"-alpn", "http/1.1"}, &cmd);
    EXPECT_EQ(r.exit_code, 0) << describe(cmd, r);
    EXPECT_TRUE(has(r.out, "ALPN protocol: http/1.1")) << describe(cmd, r);
    EXPECT_TRUE(has(r.out, kPageMarker)) << describe(cmd, r);
    EXPECT_TRUE(ran_on_shim(server.output()));
}

TEST(OpensslServerOnShim, AlpnWithoutCommonProtocolIsRefusedLikeOpenSsl)
{
    std::string outcome[2];
    for (int shim = 0; shim < 2; shim++) {
        Process server;
        int port = start_server(server, {"-www", "-alpn", "h2,http/1.1"}, shim == 1);
        ASSERT_NE(port, 0);
        std::vector<std::string> cmd;
        RunResult r = s_client(port, {"-alpn", "foo"}, &cmd);
        std::string all = r.out + r.err;
        EXPECT_TRUE(has(all, "alert number 120"))
            << (shim ? "shim: " : "system: ") << describe(cmd, r);
        EXPECT_FALSE(has(r.out, kPageMarker)) << describe(cmd, r);
        outcome[shim] = has(all, "no application protocol") ? "no_application_protocol" : all;
        if (shim) {
            EXPECT_TRUE(ran_on_shim(server.output()));
        }
    }
    EXPECT_EQ(outcome[1], outcome[0]);
}

TEST(OpensslServerOnShim, ServernameFatalRefusesOtherNamesLikeOpenSsl)
{
    // -servername makes s_server install a servername callback that switches
    // to the second context (-cert2, here the ECDSA certificate) for
    // "localhost"; -servername_fatal makes it refuse any other name with
    // unrecognized_name.
    const std::vector<std::string> args = {
        "-www",   "-servername",         "localhost", "-servername_fatal",
        "-cert2", cert("server-ec.pem"), "-key2",     cert("server-ec.key")};
    std::string refused[2];
    for (int shim = 0; shim < 2; shim++) {
        Process server;
        int port = start_server(server, args, shim == 1);
        ASSERT_NE(port, 0);
        std::vector<std::string> cmd;
        RunResult bad = s_client(port, {"-servername", "other.example"}, &cmd);
        std::string all = bad.out + bad.err;
        EXPECT_NE(bad.exit_code, 0) << describe(cmd, bad);
        EXPECT_FALSE(has(bad.out, kPageMarker)) << describe(cmd, bad);
        refused[shim] = has(all, "unrecognized name") && has(all, "alert number 112")
                            ? "unrecognized_name"
                            : all;
        // The name the callback accepts still gets the page, verified.
        RunResult good = s_client(port, {"-servername", "localhost"}, &cmd);
        EXPECT_TRUE(has(good.out, "Verify return code: 0 (ok)")) << describe(cmd, good);
        EXPECT_TRUE(has(good.out, kPageMarker)) << describe(cmd, good);
        // SSL_set_SSL_CTX in the callback switched the certificate.
        EXPECT_TRUE(has(good.out, "Peer signature type: ECDSA")) << describe(cmd, good);
        if (shim) {
            EXPECT_TRUE(ran_on_shim(server.output()));
        }
    }
    EXPECT_EQ(refused[0], "unrecognized_name");
    EXPECT_EQ(refused[1], refused[0]);
}

TEST(OpensslServerOnShim, CurlFetchesTheWwwPage)
{
    Process server;
    int port = start_server(server, {"-www"}, true);
    ASSERT_NE(port, 0);
    std::vector<std::string> argv = {"curl",
                                     "-sS",
                                     "--max-time",
                                     "15",
                                     "--resolve",
                                     "localhost:" + std::to_string(port) + ":127.0.0.1",
                                     "--cacert",
                                     cert("ca.pem"),
                                     "-w",
                                     "\nVERIFY=%{ssl_verify_result}\n",
                                     "https://localhost:" + std::to_string(port) + "/"};
    RunOptions o;
    o.timeout_ms = 20000;
    RunResult r = run(argv, o);
    EXPECT_EQ(r.exit_code, 0) << describe(argv, r);
    EXPECT_TRUE(has(r.out, kPageMarker)) << describe(argv, r);
    EXPECT_TRUE(has(r.out, "VERIFY=0")) << describe(argv, r);
    EXPECT_TRUE(ran_on_shim(server.output()));
}

} // namespace
