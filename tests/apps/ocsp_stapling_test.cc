// OCSP stapling with real programs, TLS 1.3 and TLS 1.2. A real OCSP
// response for server.pem, signed by the test CA, is made at test time with
// `openssl ocsp`; then:
//   - Debian's `openssl s_server -status_file` staples it and
//     `openssl s_client -status` on ShimSSL prints it as on OpenSSL;
//   - `openssl s_server -status_file` on ShimSSL staples it to Debian's
//     `openssl s_client -status`;
//   - curl --cert-status on ShimSSL checks it (and fails without a staple)
//     exactly as on the system libssl.
// Each ShimSSL run is proven by the loader trace.
#include "ocsp_apps.h"
#include "testlib/testlib.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace shimtest;

namespace
{

bool has(const std::string &s, const std::string &needle)
{
    return s.find(needle) != std::string::npos;
}

RunOptions on(bool shim, const std::string &input = "")
{
    RunOptions o;
    if (shim)
        o.env = shim_env();
    o.stdin_data = input;
    o.timeout_ms = 20000;
    return o;
}

// openssl s_server with our certificate (and the CA as its chain, which
// curl needs to check the response) stapling `status_file` if given.
int start_server(Process &p, bool shim, bool www, const std::string &status_file)
{
    std::vector<std::string> argv = {"openssl",     "s_server",          "-accept",
                                     "127.0.0.1:0", "-cert",             cert("server.pem"),
                                     "-key",        cert("server.key"), "-cert_chain",
                                     cert("ca.pem")};
    if (!status_file.empty())
        argv.insert(argv.end(), {"-status_file", status_file});
    // -rev (answer lines reversed) or -www: neither reads s_server's stdin,
    // whose end would stop it.
    argv.push_back(www ? "-www" : "-rev");
    if (!p.start(argv, on(shim))) {
        ADD_FAILURE() << "cannot start s_server: " << p.error();
        return 0;
    }
    return p.wait_openssl_accept(10000);
}

RunResult s_client(int port, const std::string &version, bool shim, std::vector<std::string> *cmd)
{
    std::vector<std::string> argv = {
        "openssl", "s_client", "-connect", "127.0.0.1:" + std::to_string(port), "-servername",
        "localhost", "-status", "-state", "-CAfile", cert("ca.pem"), version};
    *cmd = argv;
    return run(argv, on(shim, "Q\n"));
}

// What s_client -status prints about the staple, without what changes from
// run to run (times).
std::string staple_summary(const std::string &out)
{
    std::string s;
    for (const char *line : {"OCSP response: no response sent", "OCSP Response Status: successful",
                             "Response Type: Basic OCSP Response", "Cert Status: good",
                             "Responder Id: O = ShimSSL Test, CN = ShimSSL Test Root CA"})
        if (has(out, line))
            s += std::string(line) + "\n";
    return s;
}

class Stapling : public ::testing::TestWithParam<const char *>
{
};

TEST_P(Stapling, ShimClientReadsTheStapleOfOpensslServer)
{
    std::string seen[2];
    for (int shim = 1; shim >= 0; shim--) {
        Process server;
        int port = start_server(server, false, false, ocsp_response());
        ASSERT_NE(port, 0);
        std::vector<std::string> cmd;
        RunResult r = s_client(port, GetParam(), shim, &cmd);
        EXPECT_EQ(r.exit_code, 0) << describe(cmd, r);
        EXPECT_TRUE(has(r.out, "OCSP Response Status: successful (0x0)")) << describe(cmd, r);
        EXPECT_TRUE(has(r.out, "Cert Status: good")) << describe(cmd, r);
        EXPECT_TRUE(has(r.out, "Verify return code: 0 (ok)")) << describe(cmd, r);
        // The info callback names the TLS 1.2 CertificateStatus state.
        EXPECT_EQ(std::string(GetParam()) == "-tls1_2",
                  has(r.err, "SSL_connect:SSLv3/TLS read certificate status"))
            << describe(cmd, r);
        if (shim) {
            EXPECT_TRUE(ran_on_shim(r.err));
        }
        seen[shim] = staple_summary(r.out);
    }
    EXPECT_EQ(seen[1], seen[0]);
}

TEST_P(Stapling, ShimClientWhenNothingIsStapled)
{
    std::string seen[2];
    for (int shim = 1; shim >= 0; shim--) {
        Process server;
        int port = start_server(server, false, false, "");
        ASSERT_NE(port, 0);
        std::vector<std::string> cmd;
        RunResult r = s_client(port, GetParam(), shim, &cmd);
        EXPECT_EQ(r.exit_code, 0) << describe(cmd, r);
        EXPECT_TRUE(has(r.out, "OCSP response: no response sent")) << describe(cmd, r);
        seen[shim] = staple_summary(r.out);
    }
    EXPECT_EQ(seen[1], seen[0]);
}

TEST_P(Stapling, ShimServerStaplesToOpensslClient)
{
    std::string seen[2];
    for (int shim = 1; shim >= 0; shim--) {
        Process server;
        int port = start_server(server, shim, false, ocsp_response());
        ASSERT_NE(port, 0);
        std::vector<std::string> cmd;
        RunResult r = s_client(port, GetParam(), false, &cmd);
        EXPECT_EQ(r.exit_code, 0) << describe(cmd, r);
        EXPECT_TRUE(has(r.out, "OCSP Response Status: successful (0x0)")) << describe(cmd, r);
        EXPECT_TRUE(has(r.out, "Cert Status: good")) << describe(cmd, r);
        seen[shim] = staple_summary(r.out);
        if (shim) {
            server.stop();
            EXPECT_TRUE(ran_on_shim(server.output()));
        }
    }
    EXPECT_EQ(seen[1], seen[0]);
}

INSTANTIATE_TEST_SUITE_P(Versions, Stapling, ::testing::Values("-tls1_3", "-tls1_2"),
                         [](const ::testing::TestParamInfo<const char *> &i) {
                             return std::string(i.param[6] == '3' ? "Tls13" : "Tls12");
                         });

// ---- curl --cert-status ----------------------------------------------------------

RunResult curl(int port, const std::string &tls_max, bool shim, std::vector<std::string> *cmd)
{
    std::vector<std::string> argv = {"curl",
                                     "-sS",
                                     "--max-time",
                                     "15",
                                     "--cert-status",
                                     "--cacert",
                                     cert("ca.pem"),
                                     "--tls-max",
                                     tls_max,
                                     "--resolve",
                                     "localhost:" + std::to_string(port) + ":127.0.0.1",
                                     "-o",
                                     "/dev/null",
                                     "-w",
                                     "HTTP=%{http_code}\n",
                                     "https://localhost:" + std::to_string(port) + "/"};
    *cmd = argv;
    RunOptions o;
    // Debian's curl hangs with the ASan runtime preloaded (see preload_env).
    if (shim)
        o.env = shim_env({}, /*asan_runtime_first=*/false);
    o.timeout_ms = 30000;
    return run(argv, o);
}

class CurlCertStatus : public ::testing::TestWithParam<const char *>
{
};

TEST_P(CurlCertStatus, GoodStapleIsAccepted)
{
    Process server;
    int port = start_server(server, false, true, ocsp_response());
    ASSERT_NE(port, 0);
    for (int shim = 1; shim >= 0; shim--) {
        std::vector<std::string> cmd;
        RunResult r = curl(port, GetParam(), shim, &cmd);
        EXPECT_EQ(r.exit_code, 0) << describe(cmd, r);
        EXPECT_TRUE(has(r.out, "HTTP=200")) << describe(cmd, r);
        if (shim) {
            EXPECT_TRUE(ran_on_shim(r.err));
        }
    }
}

TEST_P(CurlCertStatus, MissingStapleFailsAsOnOpenssl)
{
    Process server;
    int port = start_server(server, false, true, "");
    ASSERT_NE(port, 0);
    int code[2];
    for (int shim = 1; shim >= 0; shim--) {
        std::vector<std::string> cmd;
        RunResult r = curl(port, GetParam(), shim, &cmd);
        code[shim] = r.exit_code;
        // CURLE_SSL_INVALIDCERTSTATUS: "No OCSP response received".
        EXPECT_EQ(r.exit_code, 91) << describe(cmd, r);
        EXPECT_TRUE(has(r.err, "No OCSP response received")) << describe(cmd, r);
    }
    EXPECT_EQ(code[1], code[0]);
}

TEST_P(CurlCertStatus, ShimServerStaplesToCurl)
{
    Process server;
    int port = start_server(server, true, true, ocsp_response());
    ASSERT_NE(port, 0);
    std::vector<std::string> cmd;
    RunResult r = curl(port, GetParam(), false, &cmd);
    EXPECT_EQ(r.exit_code, 0) << describe(cmd, r);
    EXPECT_TRUE(has(r.out, "HTTP=200")) << describe(cmd, r);
    server.stop();
    EXPECT_TRUE(ran_on_shim(server.output()));
}

INSTANTIATE_TEST_SUITE_P(Versions, CurlCertStatus, ::testing::Values("1.3", "1.2"),
                         [](const ::testing::TestParamInfo<const char *> &i) {
                             return std::string(i.param[2] == '3' ? "Tls13" : "Tls12");
                         });

} // namespace
