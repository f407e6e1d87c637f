// TLS 1.2 with ShimSSL as the server: Debian's `openssl s_server` on
// ShimSSL (LD_PRELOAD) against Debian's `openssl s_client -tls1_2` on the
// system libssl, with an RSA and an ECDSA certificate, per cipher suite;
// client authentication; resumption by ticket and by session id. Each run
// proves the server ran on ShimSSL (loader trace), and what s_client prints
// is compared with the same command against s_server on OpenSSL.
#include "tls12_apps.h"

#include <gtest/gtest.h>

using namespace shimtest;
using namespace shimtest::tls12;
using shimtest::apps::count;

namespace
{

// ---- per suite ------------------------------------------------------------------

// The suites proven on each side (ShimSSL as the server / as the client):
// a suite is listed once core supports it on that side (the report of
// issue 4 names the others).
const char *const kServerSuites[] = {
    "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-RSA-AES256-GCM-SHA384",
    "ECDHE-RSA-CHACHA20-POLY1305",
    "ECDHE-ECDSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-CHACHA20-POLY1305",
    "ECDHE-RSA-AES128-SHA256",
    "DHE-RSA-AES256-GCM-SHA384",
    "AES128-GCM-SHA256",
    "AES256-SHA",
};

class Tls12ServerSuite : public ::testing::TestWithParam<const char *>
{
};

// s_server on ShimSSL, Debian's s_client asking for one suite over TLS 1.2.
TEST_P(Tls12ServerSuite, ShimServerWithOpensslClient)
{
    const std::string suite = GetParam();
    std::string seen[2];
    for (int shim = 1; shim >= 0; shim--) {
        Process server;
        int port = start_s_server(server, {"-rev"}, shim == 1);
        ASSERT_NE(port, 0);
        std::vector<std::string> cmd;
        RunResult r = s_client(port, {"-tls1_2", "-cipher", suite}, false, kRevInput, &cmd);
        expect_tls12_session(r, cmd, suite);
        seen[shim] = summary(r.out);
        if (shim) {
            // The server's own view (SSL_get_version, SSL_get_current_cipher).
            std::string log = server.output();
            EXPECT_TRUE(has(log, "Protocol version: TLSv1.2\n")) << log;
            EXPECT_TRUE(has(log, "Ciphersuite: " + suite + "\n")) << log;
            EXPECT_TRUE(ran_on_shim(log));
        }
    }
    EXPECT_EQ(seen[1], seen[0]);
}

INSTANTIATE_TEST_SUITE_P(Suites, Tls12ServerSuite, ::testing::ValuesIn(kServerSuites), param_name);

// SSL_export_keying_material on ShimSSL's server gives what the OpenSSL
// client computes (RFC 5705 over the TLS 1.2 PRF).
TEST(Tls12OnShim, ServerExporterMatchesTheClient)
{
    {
        Process server;
        // s_server's plain mode prints the keying material and what it
        // received; the client ends at the end of its input.
        std::vector<std::string> sargs = {"-tls1_2"};
        sargs.insert(sargs.end(), kExportArgs.begin(), kExportArgs.end());
        int port = start_s_server(server, sargs, true, true);
        ASSERT_NE(port, 0);
        std::vector<std::string> cargs = {"-tls1_2"};
        cargs.insert(cargs.end(), kExportArgs.begin(), kExportArgs.end());
        std::vector<std::string> cmd;
        RunResult r = s_client(port, cargs, false, "hello exporter\n", &cmd, false);
        EXPECT_EQ(r.exit_code, 0) << describe(cmd, r);
        EXPECT_TRUE(has(r.out, "Extended master secret: yes")) << describe(cmd, r);
        std::string theirs = keying_material(r.out), log = server.output();
        EXPECT_EQ(theirs.size(), 80u) << describe(cmd, r);
        ASSERT_TRUE(server.wait_output("hello exporter", 5000)) << server.output();
        log = server.output();
        EXPECT_EQ(keying_material(log), theirs) << log;
        EXPECT_TRUE(ran_on_shim(log));
    }
}

// ---- DH parameters --------------------------------------------------------------

// A DH parameter file made by Debian's openssl (RFC 7919 / RFC 5114 groups:
// no prime search, instant).
std::string dh_file(const std::string &dir, const std::string &pkeyopt)
{
    std::string path = dir + "/" + pkeyopt.substr(pkeyopt.find(':') + 1) + ".pem";
    std::vector<std::string> argv = {"openssl",  "genpkey", "-genparam", "-algorithm", "DH",
                                     "-pkeyopt", pkeyopt,   "-out",      path};
    RunResult r = run(argv);
    EXPECT_EQ(r.exit_code, 0) << describe(argv, r);
    return path;
}

// s_server -dhparam with 1024-bit parameters: refused when set
// (SSL_CTX_set_tmp_dh at security level 2), as on OpenSSL.
TEST(Tls12OnShim, SmallDhParametersRefusedWhenSet)
{
    std::string dir = make_temp_dir("tls12dh");
    std::string small = dh_file(dir, "dh_param:dh_1024_160");
    std::string seen[2];
    for (int shim = 1; shim >= 0; shim--) {
        std::vector<std::string> argv = {
            "openssl", "s_server",         "-accept",  "127.0.0.1:0", "-cert", cert("server.pem"),
            "-key",    cert("server.key"), "-dhparam", small,         "-www"};
        RunOptions o = apps::server_options(shim == 1);
        o.timeout_ms = 10000;
        RunResult r = run(argv, o);
        EXPECT_NE(r.exit_code, 0) << describe(argv, r);
        std::string all = r.out + r.err;
        EXPECT_TRUE(has(all, "Error setting temp DH parameters")) << describe(argv, r);
        seen[shim] = has(all, ":SSL routines:SSL_CTX_set0_tmp_dh_pkey:dh key too small:")
                         ? "dh key too small"
                         : all;
        if (shim) {
            EXPECT_TRUE(ran_on_shim(r.err));
        }
    }
    EXPECT_EQ(seen[0], "dh key too small");
    EXPECT_EQ(seen[1], seen[0]);
}

// s_server -dhparam with 2048-bit parameters serves DHE with them; without
// -dhparam it uses automatic parameters (SSL_CTX_set_dh_auto) matched to the
// 2048-bit RSA key; as on OpenSSL.
TEST(Tls12OnShim, DhParametersServeDhe)
{
    std::string dir = make_temp_dir("tls12dh");
    std::string ffdhe3072 = dh_file(dir, "group:ffdhe3072");
    for (bool file : {true, false}) {
        std::string key[2];
        for (int shim = 1; shim >= 0; shim--) {
            Process server;
            std::vector<std::string> args = {"-rev", "-tls1_2"};
            if (file)
                args.insert(args.end(), {"-dhparam", ffdhe3072});
            int port = start_s_server(server, args, shim == 1);
            ASSERT_NE(port, 0);
            std::vector<std::string> cmd;
            RunResult r = s_client(port, {"-tls1_2", "-cipher", "DHE-RSA-AES256-GCM-SHA384"}, false,
                                   kRevInput, &cmd);
            expect_tls12_session(r, cmd, "DHE-RSA-AES256-GCM-SHA384");
            size_t p = r.out.find("Server Temp Key: ");
            key[shim] = p == std::string::npos ? "" : r.out.substr(p, r.out.find('\n', p) - p);
            if (shim) {
                EXPECT_TRUE(ran_on_shim(server.output()));
            }
        }
        EXPECT_EQ(key[0],
                  file ? "Server Temp Key: DH, 3072 bits" : "Server Temp Key: DH, 2048 bits");
        EXPECT_EQ(key[1], key[0]);
    }
}

// ---- resumption --------------------------------------------------------------------

class Tls12Reconnect : public ::testing::TestWithParam<bool>
{
};

// Debian's s_client -reconnect: one full handshake, then five resumptions,
// by ticket or (-no_ticket) by session id from ShimSSL's server cache.
TEST_P(Tls12Reconnect, OpensslClientResumesEveryTime)
{
    bool no_ticket = GetParam();
    Process server;
    int port = start_s_server(server, {"-www", "-tls1_2"}, true);
    ASSERT_NE(port, 0);
    std::vector<std::string> args = {"-tls1_2", "-reconnect"};
    if (no_ticket)
        args.push_back("-no_ticket");
    std::vector<std::string> cmd;
    // One request: the -www server answers it on the last connection and
    // closes, which ends s_client.
    RunResult r = s_client(port, args, false, "GET / HTTP/1.0\r\n\r\n", &cmd);
    EXPECT_EQ(r.exit_code, 0) << describe(cmd, r);
    EXPECT_TRUE(has(r.out, "Ciphers supported in s_server binary")) << describe(cmd, r);
    EXPECT_EQ(count(r.out, "New, TLSv1.2, Cipher is "), 1) << describe(cmd, r);
    // Five reconnections, and the summary at the end repeats the last one.
    EXPECT_EQ(count(r.out, "Reused, TLSv1.2, Cipher is "), 6) << describe(cmd, r);
    EXPECT_TRUE(ran_on_shim(server.output()));
}

INSTANTIATE_TEST_SUITE_P(Tickets, Tls12Reconnect, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool> &i) {
                             return std::string(i.param ? "NoTicket" : "Ticket");
                         });

} // namespace
