// TLS 1.3 post-handshake client authentication between Debian's `openssl
// s_server` and `openssl s_client`, both driven on their stdin: the server's
// interactive `c` command (SSL_verify_client_post_handshake) asks a client
// that offered post_handshake_auth (-enable_pha) for its certificate. PhaRun
// with ShimSSL on the server (the client on the system libssl) and on the
// client (the server on the system libssl); what each program prints about
// the exchange (the certificate verified after the handshake, "verify
// return", the refusal without the extension or without a certificate) is
// compared with the same run with the system libssl at both ends.
//
// Also TLS 1.2: s_client on ShimSSL prints the CA names of the server's
// CertificateRequest ("Acceptable client certificate CA names").
#include "server_apps.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

using namespace shimtest;
using namespace shimtest::apps;

namespace
{

enum Where { kNone, kServer, kClient }; // which program runs on ShimSSL

const char *where_name(Where w)
{
    return w == kServer ? "s_server on ShimSSL" : w == kClient ? "s_client on ShimSSL" : "OpenSSL";
}

// The lines s_server prints about client authentication after the
// handshake's summary ("CIPHER is ..." and the renegotiation line after
// it): verification of the certificate obtained after the handshake, the
// result of the request, errors, the client's data.
std::string after_handshake(const std::string &out)
{
    size_t at = out.find("CIPHER is ");
    if (at == std::string::npos)
        return "<no handshake>";
    at = out.find('\n', out.find('\n', at) + 1);
    std::string res;
    static const char *const keep[] = {"depth=", "verify ", "SSL_do_handshake", "Failed",
                                       "hello ", "ERROR"};
    size_t pos = at == std::string::npos ? out.size() : at + 1;
    while (pos < out.size()) {
        size_t end = out.find('\n', pos);
        if (end == std::string::npos)
            end = out.size();
        std::string line = out.substr(pos, end - pos);
        for (const char *k : keep)
            if (line.compare(0, strlen(k), k) == 0)
                res += line + "\n";
        // Error lines: the reason text only (pids and paths differ).
        size_t r = line.find(":SSL routines:");
        if (r != std::string::npos) {
            size_t reason = line.find(':', r + 14);
            size_t stop = line.find(':', reason + 1);
            if (reason != std::string::npos)
                res += "error: " + line.substr(reason + 1, stop - reason - 1) + "\n";
        }
        pos = end + 1;
    }
    return res;
}

struct PhaRun {
    std::string server; // after_handshake() of the server's output
    std::string client_out;
    std::string server_out;
    bool ok = false;
};

// s_server with server_args, s_client with client_args; after the
// handshake the server's `c` command, then a line from the client.
PhaRun pha(Where shim, const std::vector<std::string> &server_args,
        const std::vector<std::string> &client_args, bool expect_data = true)
{
    PhaRun r;
    Process server, client;
    RunOptions so = server_options(shim == kServer);
    so.stdin_pipe = true;
    std::vector<std::string> sargv = {"openssl", "s_server", "-accept", "127.0.0.1:0",
                                      "-cert",   cert("server.pem"), "-key", cert("server.key"),
                                      "-CAfile", cert("ca.pem"),     "-tls1_3"};
    sargv.insert(sargv.end(), server_args.begin(), server_args.end());
    if (!server.start(sargv, so)) {
        ADD_FAILURE() << server.error();
        return r;
    }
    int port = server.wait_openssl_accept(10000);
    if (port == 0) {
        ADD_FAILURE() << "no port:\n" << server.output();
        return r;
    }
    RunOptions co;
    if (shim == kClient)
        co.env = shim_env();
    co.stdin_pipe = true;
    std::vector<std::string> cargv = {
        "openssl", "s_client", "-connect", "127.0.0.1:" + std::to_string(port), "-servername",
        "localhost", "-CAfile", cert("ca.pem")};
    cargv.insert(cargv.end(), client_args.begin(), client_args.end());
    if (!client.start(cargv, co)) {
        ADD_FAILURE() << client.error();
        return r;
    }
    auto fail = [&](const std::string &step) {
        ADD_FAILURE() << step << " (" << where_name(shim) << ")\n--- server ---\n"
                      << server.output() << "\n--- client ---\n"
                      << client.output();
        return r;
    };
    if (!client.wait_output("Verify return code: 0 (ok)") || !server.wait_output("CIPHER is TLS_"))
        return fail("handshake");
    // Let the server print its summary (and, with -verify, the renegotiation
    // line) before the command.
    if (!server.wait_output("Secure Renegotiation"))
        return fail("server summary");
    server.write_stdin("c\n");
    // It answers with "SSL_do_handshake -> 1" or an error.
    auto acted = [&] {
        std::string out = server.output();
        size_t at = out.find("CIPHER is TLS_");
        return has(out, "SSL_do_handshake") || has(out.substr(at), ":error:");
    };
    for (int i = 0; i < 500 && !acted() && server.running(); i++)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (!acted())
        return fail("c command");
    // The client reads the request and answers it; its next line reaches
    // the server after the answer (or the server refuses the answer).
    client.write_stdin("hello from the client\n");
    if (expect_data) {
        if (!server.wait_output("hello from the client"))
            return fail("client line");
    } else {
        server.wait_output("ERROR", 5000);
    }
    server.write_stdin("Q\n");
    server.wait_output("CONNECTION CLOSED", 5000);
    client.close_stdin();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    client.stop();
    server.stop();
    r.server_out = server.output();
    r.client_out = client.output();
    r.server = after_handshake(r.server_out);
    r.ok = true;
    if (shim == kServer) {
        EXPECT_TRUE(ran_on_shim(r.server_out));
    }
    if (shim == kClient) {
        EXPECT_TRUE(ran_on_shim(r.client_out));
    }
    return r;
}

const std::vector<std::string> kClientCert = {"-enable_pha", "-cert", cert("client.pem"), "-key",
                                              cert("client.key")};

const char kVerifiedClient[] = "depth=1 O = ShimSSL Test, CN = ShimSSL Test Root CA\n"
                               "verify return:1\n"
                               "depth=0 O = ShimSSL Test, CN = ShimSSL Test Client\n"
                               "verify return:1\n";

class PostHandshakeAuth : public ::testing::TestWithParam<Where>
{
};

TEST_P(PostHandshakeAuth, VerifyOneAsksAgainAfterTheHandshake)
{
    PhaRun ref = pha(kNone, {"-verify", "1"}, kClientCert);
    PhaRun got = pha(GetParam(), {"-verify", "1"}, kClientCert);
    ASSERT_TRUE(ref.ok && got.ok);
    // The certificate is verified in the handshake and again after `c`.
    EXPECT_EQ(std::string(kVerifiedClient) + "SSL_do_handshake -> 1\nhello from the client\n",
              got.server)
        << got.server_out;
    EXPECT_EQ(ref.server, got.server);
    EXPECT_EQ(2, count(got.server_out, "depth=0 O = ShimSSL Test, CN = ShimSSL Test Client\n"));
    EXPECT_TRUE(has(got.server_out, "Client certificate\n")) << got.server_out;
    EXPECT_TRUE(has(got.client_out, "Acceptable client certificate CA names\n"
                                    "O = ShimSSL Test, CN = ShimSSL Test Root CA\n"))
        << got.client_out;
    EXPECT_FALSE(has(got.server_out, ":error:")) << got.server_out;
    // The summary s_server prints before: TLS 1.3 still reports whether the
    // client signalled RFC 5746 support (its SCSV), as OpenSSL does.
    auto reneg = [](const std::string &out) {
        size_t at = out.find("Secure Renegotiation ");
        return at == std::string::npos ? "<none>" : out.substr(at, out.find('\n', at) - at);
    };
    EXPECT_EQ("Secure Renegotiation IS supported", reneg(ref.server_out));
    EXPECT_EQ(reneg(ref.server_out), reneg(got.server_out));
}

TEST_P(PostHandshakeAuth, RequiredCertificateIsVerifiedAfterTheHandshake)
{
    PhaRun ref = pha(kNone, {"-Verify", "1"}, kClientCert);
    PhaRun got = pha(GetParam(), {"-Verify", "1"}, kClientCert);
    ASSERT_TRUE(ref.ok && got.ok);
    EXPECT_EQ(std::string(kVerifiedClient) + "SSL_do_handshake -> 1\nhello from the client\n",
              got.server)
        << got.server_out;
    EXPECT_EQ(ref.server, got.server);
}

TEST_P(PostHandshakeAuth, ClientWithoutTheExtensionIsNotAsked)
{
    // No -enable_pha: the request cannot be made.
    std::vector<std::string> no_pha = {"-cert", cert("client.pem"), "-key", cert("client.key")};
    PhaRun ref = pha(kNone, {"-verify", "1"}, no_pha);
    PhaRun got = pha(GetParam(), {"-verify", "1"}, no_pha);
    ASSERT_TRUE(ref.ok && got.ok);
    EXPECT_TRUE(has(got.server, "error: extension not received\n")) << got.server_out;
    EXPECT_FALSE(has(got.server, "SSL_do_handshake")) << got.server_out;
    EXPECT_TRUE(has(got.server, "hello from the client\n")) << got.server_out;
    EXPECT_EQ(ref.server, got.server);
}

TEST_P(PostHandshakeAuth, ClientWithoutACertificateAnswersEmpty)
{
    // -Verify: the first handshake needs a certificate, so only -verify's
    // optional request lets a client without one in; its empty answer to
    // the later request is then accepted (SSL_VERIFY_FAIL_IF_NO_PEER_CERT
    // unset), as OpenSSL does.
    std::vector<std::string> none = {"-enable_pha"};
    PhaRun ref = pha(kNone, {"-verify", "1"}, none);
    PhaRun got = pha(GetParam(), {"-verify", "1"}, none);
    ASSERT_TRUE(ref.ok && got.ok);
    EXPECT_TRUE(has(got.server, "SSL_do_handshake -> 1\n")) << got.server_out;
    EXPECT_EQ(ref.server, got.server);
}

INSTANTIATE_TEST_SUITE_P(OnShim, PostHandshakeAuth, ::testing::Values(kServer, kClient),
                         [](const ::testing::TestParamInfo<Where> &i) {
                             return std::string(i.param == kServer ? "Server" : "Client");
                         });

// TLS 1.2: the CertificateRequest's CA names reach s_client on ShimSSL.
TEST(ClientAuthCaNames, Tls12ClientPrintsTheAcceptableCaNames)
{
    std::string seen[2];
    for (int shim = 0; shim < 2; shim++) {
        Process server;
        int port = start_openssl_server(
            server, {"-verify", "1", "-CAfile", cert("ca.pem"), "-tls1_2", "-rev"});
        ASSERT_NE(port, 0);
        std::vector<std::string> argv = {
            "openssl", "s_client", "-connect", "127.0.0.1:" + std::to_string(port), "-CAfile",
            cert("ca.pem"), "-cert", cert("client.pem"), "-key", cert("client.key")};
        RunOptions o;
        if (shim)
            o.env = shim_env();
        o.stdin_data = "";
        o.timeout_ms = 20000;
        RunResult r = run(argv, o);
        EXPECT_EQ(0, r.exit_code) << describe(argv, r);
        EXPECT_TRUE(has(r.out, "New, TLSv1.2, Cipher is ")) << describe(argv, r);
        size_t at = r.out.find("Acceptable client certificate CA names\n");
        ASSERT_NE(at, std::string::npos) << describe(argv, r);
        seen[shim] = r.out.substr(at, r.out.find('\n', at + 40) - at);
        if (shim) {
            EXPECT_TRUE(ran_on_shim(r.err));
        }
        EXPECT_TRUE(server.wait_output("CN = ShimSSL Test Client", 5000)) << server.output();
    }
    EXPECT_EQ("Acceptable client certificate CA names\nO = ShimSSL Test, CN = ShimSSL Test Root CA",
              seen[1]);
    EXPECT_EQ(seen[0], seen[1]);
}

} // namespace
