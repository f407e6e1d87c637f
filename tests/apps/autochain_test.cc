// Automatic certificate chain with real programs. A server configured with
// its leaf alone (`openssl s_server -cert leaf -CAfile intermediate`, the
// Apache SSLCertificateFile + SSLCACertificateFile setup) must send the
// intermediate it finds in its CA file, so that clients trusting only the
// root (curl, python3, s_client) accept it; a client certificate given
// without its chain is completed the same way (curl --cert leaf --cacert
// bundle). Each scenario runs with the program on ShimSSL and on the system
// libssl: what OpenSSL does is the expectation.
#include "testlib/testlib.h"

#include <gtest/gtest.h>

using namespace shimtest;

namespace
{

const char kPage[] = "Ciphers supported in s_server binary";
const char kPython[] = "/usr/bin/python3";

bool has(const std::string &text, const std::string &needle)
{
    return text.find(needle) != std::string::npos;
}

// s_server with the chain leaf alone and the intermediate in -CAfile, on
// ShimSSL (shim) or on the system libssl. extra: further arguments.
int start_leaf_only_server(Process &p, bool shim, const std::vector<std::string> &extra = {},
                           const char *cafile = "chain-inter.pem")
{
    std::vector<std::string> argv = {"openssl", "s_server",
                                     "-accept", "127.0.0.1:0",
                                     "-cert",   cert("chain-server.pem"),
                                     "-key",    cert("chain-server.key"),
                                     "-CAfile", cert(cafile),
                                     "-www"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    RunOptions o;
    if (shim)
        o.env = shim_env();
    if (!p.start(argv, o)) {
        ADD_FAILURE() << "cannot start openssl s_server: " << p.error();
        return 0;
    }
    int port = p.wait_openssl_accept(10000);
    if (port == 0)
        ADD_FAILURE() << "openssl s_server did not report its port:\n" << p.output();
    return port;
}

// The " N s:subject" lines of s_client -showcerts' "Certificate chain".
std::string chain_subjects(const std::string &out)
{
    std::string r;
    size_t p = out.find("Certificate chain");
    size_t end = out.find("\n---\n", p == std::string::npos ? 0 : p);
    while (p != std::string::npos && (p = out.find(" s:", p)) != std::string::npos && p < end) {
        size_t e = out.find('\n', p);
        r += out.substr(p, e - p) + "\n";
        p = e;
    }
    return r;
}

struct Seen {
    std::string subjects;
    int certs = 0;
    bool verified = false;
    bool curl_ok = false;
    bool python_ok = false;
};

Seen against_server(bool shim_server)
{
    Seen s;
    Process server;
    int port = start_leaf_only_server(server, shim_server);
    if (port == 0)
        return s;
    std::vector<std::string> sc = {
        "openssl",    "s_client", "-connect",    "127.0.0.1:" + std::to_string(port),
        "-showcerts", "-CAfile",  cert("ca.pem")};
    RunOptions o;
    o.stdin_data = "Q\n";
    o.timeout_ms = 20000;
    RunResult r = run(sc, o);
    s.subjects = chain_subjects(r.out);
    for (size_t p = 0; (p = s.subjects.find(" s:", p)) != std::string::npos; p++)
        s.certs++;
    s.verified = has(r.out, "Verify return code: 0 (ok)");

    std::vector<std::string> curl = {
        "curl",     "-sS",          "--max-time",
        "15",       "--resolve",    "localhost:" + std::to_string(port) + ":127.0.0.1",
        "--cacert", cert("ca.pem"), "https://localhost:" + std::to_string(port) + "/"};
    RunOptions co;
    co.timeout_ms = 30000;
    RunResult c = run(curl, co);
    s.curl_ok = c.exit_code == 0 && has(c.out, kPage);
    if (!s.curl_ok)
        std::cerr << describe(curl, c);

    std::string py = "import socket, ssl\n"
                     "ctx = ssl.create_default_context(cafile='" +
                     cert("ca.pem") +
                     "')\n"
                     "with socket.create_connection(('127.0.0.1', " +
                     std::to_string(port) +
                     ")) as raw:\n"
                     "    with ctx.wrap_socket(raw, server_hostname='localhost') as t:\n"
                     "        print('PEER', dict(x[0] for x in t.getpeercert()['subject'])"
                     "['commonName'])\n";
    RunResult pr = run({kPython, "-c", py}, co);
    s.python_ok = pr.exit_code == 0 && has(pr.out, "PEER localhost");
    if (!s.python_ok)
        std::cerr << describe({kPython, "-c", py}, pr);

    server.stop();
    if (shim_server) {
        EXPECT_TRUE(ran_on_shim(server.output()));
    }
    return s;
}

TEST(AutoChainApps, ServerLeafOnlySendsTheIntermediateFromItsCaFile)
{
    Seen sys = against_server(false);
    Seen shim = against_server(true);
    // OpenSSL: the leaf and the intermediate; every client verifies.
    EXPECT_EQ(2, sys.certs) << sys.subjects;
    EXPECT_TRUE(sys.verified && sys.curl_ok && sys.python_ok);
    EXPECT_EQ(sys.subjects, shim.subjects);
    EXPECT_EQ(sys.certs, shim.certs);
    EXPECT_TRUE(shim.verified);
    EXPECT_TRUE(shim.curl_ok);
    EXPECT_TRUE(shim.python_ok);
}

TEST(AutoChainApps, BuildChainSendsTheBuiltChainRootIncluded)
{
    // s_server -build_chain: SSL_CTX_build_cert_chain(ctx, 0) over the
    // -CAfile store (intermediate + root); the built chain is sent as is.
    std::string expect;
    for (bool shim : {false, true}) {
        Process server;
        int port = start_leaf_only_server(server, shim, {"-build_chain"}, "chain-cafile.pem");
        ASSERT_NE(port, 0);
        RunOptions o;
        o.stdin_data = "Q\n";
        o.timeout_ms = 20000;
        RunResult r = run({"openssl", "s_client", "-connect", "127.0.0.1:" + std::to_string(port),
                           "-showcerts", "-CAfile", cert("ca.pem")},
                          o);
        std::string subjects = chain_subjects(r.out);
        EXPECT_TRUE(has(subjects, "Root CA")) << subjects;
        EXPECT_TRUE(has(r.out, "Verify return code: 0 (ok)")) << r.out;
        if (!shim)
            expect = subjects;
        else
            EXPECT_EQ(expect, subjects);
        server.stop();
        if (shim) {
            EXPECT_TRUE(ran_on_shim(server.output()));
        }
    }
}

// curl with a client certificate given without its chain, the intermediate
// in --cacert, against s_server (system libssl) that trusts the root alone.
RunResult curl_client_cert(bool shim, int port)
{
    std::vector<std::string> argv = {"curl",
                                     "-sS",
                                     "--max-time",
                                     "15",
                                     "--resolve",
                                     "localhost:" + std::to_string(port) + ":127.0.0.1",
                                     "--cacert",
                                     cert("chain-cafile.pem"),
                                     "--cert",
                                     cert("chain-client.pem"),
                                     "--key",
                                     cert("chain-client.key"),
                                     "https://localhost:" + std::to_string(port) + "/"};
    RunOptions o;
    o.timeout_ms = 30000;
    if (shim)
        o.env = shim_env({}, /*asan_runtime_first=*/false);
    return run(argv, o);
}

TEST(AutoChainApps, CurlClientCertificateIsSentWithItsIntermediate)
{
    for (bool shim : {false, true}) {
        Process server;
        // -Verify: a client certificate is required and verified against ca.pem.
        int port = start_openssl_server(
            server, {"-www", "-Verify", "2", "-CAfile", cert("ca.pem"), "-verify_return_error"});
        ASSERT_NE(port, 0);
        RunResult r = curl_client_cert(shim, port);
        if (shim) {
            EXPECT_TRUE(ran_on_shim(r.err));
        }
        EXPECT_EQ(0, r.exit_code) << (shim ? "shim: " : "system: ") << r.err << "\n"
                                  << server.output();
        EXPECT_TRUE(has(r.out, kPage)) << r.out;
        server.stop();
        // s_server's verify callback saw the client's intermediate at depth 1.
        EXPECT_TRUE(
            has(server.output(), "depth=1 O = ShimSSL Test, CN = ShimSSL Test Intermediate CA"))
            << server.output();
    }
}

} // namespace
