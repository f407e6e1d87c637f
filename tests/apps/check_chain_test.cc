// SSL_check_chain as `openssl s_server -xcert` uses it: in its certificate
// callback, s_server asks SSL_check_chain about each -xcert/-xkey/-xchain
// set, prints the CERT_PKEY_* flags ("Checking cert chain N: ... EE
// signature: OK ..."), and serves the first valid one. s_server on ShimSSL
// must print what it prints on OpenSSL for the same client, and serve (or
// refuse) the same way.
#include "tls12_apps.h"

#include <gtest/gtest.h>

using namespace shimtest;
using namespace shimtest::tls12;

namespace
{

// The "Checking cert chain" reports in the server's output.
std::string reports(const std::string &log)
{
    std::string r;
    size_t p = 0;
    while ((p = log.find("Checking cert chain", p)) != std::string::npos) {
        size_t e = log.find("Suite B:", p);
        if (e == std::string::npos)
            break;
        e = log.find('\n', e);
        r += log.substr(p, e + 1 - p);
        p = e;
    }
    return r;
}

struct Seen {
    std::string reports;
    bool connected = false;
};

Seen run_xcert(const std::vector<std::string> &client_args, bool shim)
{
    Seen s;
    Process server;
    std::vector<std::string> argv = {
        "openssl", "s_server",          "-accept", "127.0.0.1:0",  "-cert",
        cert("server.pem"), "-key",     cert("server.key"),        "-xcert",
        cert("server.pem"), "-xkey",    cert("server.key"),        "-xcert",
        cert("server-ec.pem"), "-xkey", cert("server-ec.key"),     "-xchain",
        cert("ca.pem"),     "-www"};
    int port = 0;
    if (server.start(argv, apps::server_options(shim)))
        port = server.wait_openssl_accept(10000);
    EXPECT_NE(port, 0) << server.output();
    if (port == 0)
        return s;
    std::vector<std::string> cmd;
    RunResult r = s_client(port, client_args, false, "", &cmd, false);
    s.connected = apps::has(r.out, "New, TLSv1.");
    server.stop();
    s.reports = reports(server.output());
    if (shim) {
        EXPECT_TRUE(ran_on_shim(server.output()));
    }
    return s;
}

void compare(const std::vector<std::string> &client_args)
{
    Seen sys = run_xcert(client_args, false);
    Seen shim = run_xcert(client_args, true);
    EXPECT_EQ(2, apps::count(sys.reports, "Checking cert chain"));
    EXPECT_EQ(sys.reports, shim.reports);
    EXPECT_EQ(sys.connected, shim.connected);
}

TEST(CheckChain, Tls13DefaultClient)
{
    compare({});
}

TEST(CheckChain, Tls12EcdsaOnlyClientHasNoValidChain)
{
    compare({"-tls1_2", "-sigalgs", "ECDSA+SHA256"});
}

TEST(CheckChain, Tls12RsaOnlyClient)
{
    compare({"-tls1_2", "-sigalgs", "RSA+SHA256:RSA-PSS+SHA256"});
}

TEST(CheckChain, Tls13ClientWithoutTheEcCurve)
{
    compare({"-groups", "P-384:X25519"});
}

TEST(CheckChain, Tls13EcdsaOnlyClientWithoutTheEcCurve)
{
    compare({"-groups", "P-384:X25519", "-sigalgs", "ECDSA+SHA256:ecdsa_secp384r1_sha384"});
}

TEST(CheckChain, Tls13EcdsaAndPssClient)
{
    compare({"-sigalgs", "ECDSA+SHA256:RSA-PSS+SHA256"});
}

TEST(CheckChain, Tls12EcdsaClientAcceptingRsaSignedCertificates)
{
    compare({"-tls1_2", "-sigalgs", "ECDSA+SHA256:RSA+SHA256"});
}

} // namespace
