// The "what did we negotiate / what did the peer offer" calls, compared with
// OpenSSL 3.0 itself: the same program (getters_probe, an ordinary OpenSSL
// program linked against the system libssl) runs once on the system libssl
// and once on ShimSSL (LD_PRELOAD), against the same peer (getters_probe on
// the system libssl), and must print the same answers for
// SSL_get_client_ciphers, SSL_get_shared_ciphers (every truncation size),
// SSL_get_sigalgs, SSL_get_shared_sigalgs, SSL_get_signature_type_nid /
// SSL_get_signature_nid and their peer variants, SSL_get1_groups,
// SSL_get_shared_group and SSL_SESSION_get_compress_id, before and after
// the handshake, for TLS 1.3 and TLS 1.2, server and client.
//
// Then the programs users read these through: `openssl s_server` on
// ShimSSL prints the same "Shared ciphers:", "Signature Algorithms:",
// "Shared Signature Algorithms:", "Supported groups:" and "Shared groups:"
// lines as on OpenSSL for the same s_client; `openssl s_client` on ShimSSL
// prints the same "Requested / Shared Requested Signature Algorithms",
// "Peer signature type" and (-brief) "Signature type"; Debian's python3's
// SSLSocket.shared_ciphers() gives the same list, and so does the way later
// CPython releases compute it (from SSL_get_client_ciphers, in the probe).
//
// Where ShimSSL's own list is its default, "shared" lists legitimately
// differ (ShimSSL implements no DSA, SHA-224 or FFDHE-in-1.3, so it shares
// none), so the comparisons configure the local lists explicitly.
#include "server_apps.h"

#include <gtest/gtest.h>

#include <chrono>
#include <sstream>
#include <thread>

using namespace shimtest;
using namespace shimtest::apps;

namespace
{

// Lines of a probe's output without the loader trace (LD_DEBUG lines start
// with the pid and a colon) and without the port announcement.
std::string report_of(const std::string &out)
{
    std::istringstream in(out);
    std::string line, r;
    while (std::getline(in, line)) {
        size_t i = line.find_first_not_of(' ');
        if (i != std::string::npos && isdigit((unsigned char)line[i])) {
            size_t colon = line.find(':', i);
            if (colon != std::string::npos &&
                line.find_first_not_of("0123456789", i) == colon)
                continue;
        }
        if (line.rfind("PORT ", 0) == 0)
            continue;
        r += line + "\n";
    }
    return r;
}

struct ProbeRun {
    std::string server, client; // reports
    std::string server_raw, client_err;
    bool ok = false;
};

// One connection: probe server (on ShimSSL if shim_server) and probe client
// (on ShimSSL if shim_client).
ProbeRun probe(const std::vector<std::string> &server_args,
               const std::vector<std::string> &client_args, bool shim_server, bool shim_client)
{
    ProbeRun pr;
    std::vector<std::string> sargv = {GETTERS_PROBE_PATH, "server"};
    sargv.insert(sargv.end(), server_args.begin(), server_args.end());
    Process srv;
    RunOptions so;
    if (shim_server)
        so.env = shim_env();
    if (!srv.start(sargv, so)) {
        ADD_FAILURE() << "cannot start the probe server: " << srv.error();
        return pr;
    }
    if (!srv.wait_output("PORT ")) {
        ADD_FAILURE() << "probe server gave no port:\n" << srv.output();
        return pr;
    }
    std::string out = srv.output();
    size_t at = out.find("PORT ");
    int port = std::stoi(out.substr(at + 5));

    std::vector<std::string> cargv = {GETTERS_PROBE_PATH, "client", std::to_string(port)};
    cargv.insert(cargv.end(), client_args.begin(), client_args.end());
    RunOptions co;
    co.timeout_ms = 15000;
    if (shim_client)
        co.env = shim_env();
    RunResult r = run(cargv, co);
    for (int i = 0; i < 100 && srv.running(); i++)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    int status = srv.stop();
    pr.server_raw = srv.output();
    pr.server = report_of(pr.server_raw);
    pr.client = report_of(r.out);
    pr.client_err = r.err;
    pr.ok = r.exit_code == 0 && status == 0;
    if (!pr.ok)
        ADD_FAILURE() << describe(cargv, r) << "\nserver (status " << status << "):\n"
                      << pr.server_raw;
    if (shim_server) {
        EXPECT_TRUE(ran_on_shim(pr.server_raw));
    }
    if (shim_client) {
        EXPECT_TRUE(ran_on_shim(r.err));
    }
    return pr;
}

// The reference must say something, so that equality is not two empty
// answers agreeing.
void expect_server_report_is_rich(const std::string &ref)
{
    EXPECT_TRUE(has(ref, "== after\nclient_ciphers: (")) << ref;
    EXPECT_FALSE(has(ref, "== after\nclient_ciphers: NULL")) << ref;
    EXPECT_TRUE(has(ref, "shared_ciphers[8192]: TLS_") || has(ref, "shared_ciphers[8192]: ECDHE") ||
                has(ref, "shared_ciphers[8192]: AES"))
        << ref;
    EXPECT_FALSE(has(ref, "\nsigalgs: 0\nsigalgs[-1]: 0\nsigalgs[0]: ret 0 sign -7 hash -7 "
                          "signhash -7 rsig 0xee rhash 0xee\nshared_sigalgs: 0\nshared_sigalgs[-1]"
                          ": 0\nshared_sigalgs[0]: ret 0 sign -7 hash -7 signhash -7 rsig 0xee rhash"
                          " 0xee\nsignature_type_nid: 1"))
        << ref;
}

const std::string kCert = cert("server.pem"), kKey = cert("server.key");

std::vector<std::string> server_base()
{
    return {"-cert", cert("server.pem"), "-key", cert("server.key"), "-verify", "-CAfile",
            cert("ca.pem")};
}

std::vector<std::string> client_base()
{
    return {"-CAfile", cert("ca.pem"), "-cert", cert("client.pem"), "-key", cert("client.key")};
}

std::vector<std::string> plus(std::vector<std::string> a, const std::vector<std::string> &b)
{
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

void compare_server_side(const std::vector<std::string> &s, const std::vector<std::string> &c)
{
    ProbeRun ref = probe(s, c, false, false);
    ProbeRun shim = probe(s, c, true, false);
    ASSERT_TRUE(ref.ok && shim.ok);
    expect_server_report_is_rich(ref.server);
    EXPECT_EQ(shim.server, ref.server);
}

void compare_client_side(const std::vector<std::string> &s, const std::vector<std::string> &c)
{
    ProbeRun ref = probe(s, c, false, false);
    ProbeRun shim = probe(s, c, false, true);
    ASSERT_TRUE(ref.ok && shim.ok);
    // The server asked for a certificate: the client has its list.
    EXPECT_FALSE(has(ref.client, "== after\nclient_ciphers: NULL\n") &&
                 has(ref.client, "\nsigalgs: 0\n== after"))
        << ref.client;
    EXPECT_TRUE(has(ref.client, "signature_type_nid: 1 ")) << ref.client;
    EXPECT_EQ(shim.client, ref.client);
}

const std::vector<std::string> kServerLists13 = {
    "-sigalgs", "rsa_pss_rsae_sha256:ECDSA+SHA256:RSA+SHA256:rsa_pss_rsae_sha384:ed25519",
    "-groups", "P-384:X25519:P-256", "-client_sigalgs", "RSA+SHA256:rsa_pss_rsae_sha256"};

TEST(NegotiatedGetters, Tls13ServerAnswersAsOpenSsl)
{
    compare_server_side(plus(server_base(), kServerLists13), client_base());
}

TEST(NegotiatedGetters, Tls13ServerPreferenceAndChosenClientLists)
{
    compare_server_side(
        plus(server_base(), plus(kServerLists13, {"-serverpref"})),
        plus(client_base(),
             {"-groups", "X25519:P-256:P-384", "-sigalgs",
              "ECDSA+SHA256:rsa_pss_rsae_sha256:rsa_pss_rsae_sha384:RSA+SHA256", "-ciphersuites",
              "TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256"}));
}

// Under server preference the scheme signed with follows the server's
// order (SSL_get_signature_nid / the client's peer_signature_nid show it).
TEST(NegotiatedGetters, ServerPreferenceChoosesTheSchemeByTheServersOrder)
{
    const std::vector<std::string> s = {"-sigalgs", "rsa_pss_rsae_sha384:ECDSA+SHA256:rsa_pss_rsae_sha256",
                                        "-serverpref", "-groups", "X25519:P-256"};
    const std::vector<std::string> c = {"-sigalgs", "ECDSA+SHA256:rsa_pss_rsae_sha256:rsa_pss_rsae_sha384"};
    for (const char *v : {"-tls13", "-tls12"}) {
        ProbeRun ref = probe(plus(plus(server_base(), s), {v}), plus(client_base(), c), false, false);
        ProbeRun shim = probe(plus(plus(server_base(), s), {v}), plus(client_base(), c), true, false);
        ASSERT_TRUE(ref.ok && shim.ok);
        EXPECT_TRUE(has(ref.server, "== after")) << ref.server;
        std::string after = ref.server.substr(ref.server.find("== after"));
        EXPECT_TRUE(has(after, "signature_nid: 1 673\n")) << after; // SHA-384
        EXPECT_TRUE(has(ref.client, "peer_signature_nid: 1 673\n")) << ref.client;
        EXPECT_EQ(shim.server, ref.server) << v;
        EXPECT_EQ(shim.client, ref.client) << v;
    }
}

TEST(NegotiatedGetters, Tls13ServerAfterHelloRetryRequest)
{
    // The client's key share (P-384) is not in the server's groups.
    compare_server_side(plus(server_base(), {"-sigalgs", "rsa_pss_rsae_sha256:RSA+SHA256",
                                             "-groups", "P-256:X25519"}),
                        plus(client_base(), {"-groups", "P-384:P-256"}));
}

TEST(NegotiatedGetters, Tls12ServerAnswersAsOpenSsl)
{
    compare_server_side(plus(server_base(), {"-tls12", "-sigalgs",
                                             "RSA+SHA256:rsa_pss_rsae_sha256:ECDSA+SHA384",
                                             "-groups", "P-256:P-384:X25519"}),
                        client_base());
}

TEST(NegotiatedGetters, Tls12ServerSha1AtLevelZeroAndRsaKeyTransport)
{
    compare_server_side(
        plus(server_base(), {"-tls12", "-cipher", "DEFAULT:@SECLEVEL=0", "-sigalgs",
                             "RSA+SHA1:RSA+SHA256:ECDSA+SHA1", "-groups", "P-256:P-384",
                             "-serverpref"}),
        plus(client_base(),
             {"-cipher", "AES128-SHA:ECDHE-RSA-AES128-GCM-SHA256:AES256-GCM-SHA384:@SECLEVEL=0",
              "-sigalgs", "RSA+SHA1:ECDSA+SHA1:RSA+SHA256:ed25519", "-client_sigalgs",
              "RSA+SHA256:RSA+SHA1"}));
}

TEST(NegotiatedGetters, Tls13ClientAnswersAsOpenSsl)
{
    compare_client_side(
        plus(server_base(), {"-client_sigalgs", "rsa_pss_rsae_sha384:RSA+SHA256:ed25519"}),
        plus(client_base(),
             {"-client_sigalgs", "rsa_pss_rsae_sha256:rsa_pss_rsae_sha384:RSA+SHA256"}));
}

// SSL_CTX_set1_client_sigalgs: a server lists them in its
// CertificateRequest, a client signs its certificate with one of them
// (its signature_algorithms may say something else).
TEST(NegotiatedGetters, ClientSigalgsDecideTheCertificateRequestAndTheClientsScheme)
{
    const std::vector<std::string> s = {"-client_sigalgs", "rsa_pss_rsae_sha384:RSA+SHA256:ed25519",
                                        "-groups", "X25519:P-256"};
    const std::vector<std::string> c = {"-client_sigalgs", "RSA+SHA256:rsa_pss_rsae_sha384",
                                        "-sigalgs", "rsa_pss_rsae_sha256:ECDSA+SHA256",
                                        "-groups", "X25519:P-256:P-384"};
    for (const char *v : {"-tls13", "-tls12"}) {
        std::vector<std::string> sv = plus(plus(server_base(), s), {v});
        ProbeRun ref = probe(sv, plus(client_base(), c), false, false);
        ProbeRun shim_s = probe(sv, plus(client_base(), c), true, false);
        ProbeRun shim_c = probe(sv, plus(client_base(), c), false, true);
        ASSERT_TRUE(ref.ok && shim_s.ok && shim_c.ok);
        std::string after = ref.client.substr(ref.client.find("== after"));
        EXPECT_TRUE(has(after, "\nsigalgs: 3\n")) << after;
        EXPECT_TRUE(has(after, "signature_type_nid: 1 ")) << after;
        EXPECT_EQ(shim_s.server, ref.server) << v;
        EXPECT_EQ(shim_s.client, ref.client) << v;
        EXPECT_EQ(shim_c.server, ref.server) << v;
        EXPECT_EQ(shim_c.client, ref.client) << v;
    }
}

// SSLSocket.shared_ciphers() of later CPython releases (Debian 12's python3
// predates it; getters_probe computes it the same way, the python_shared
// lines): the server's list, kept where the client offered that very
// SSL_CIPHER. On ShimSSL as on OpenSSL only the suites the client offered,
// which needs both lists to hold the same SSL_CIPHER objects.
TEST(NegotiatedGetters, SharedCiphersAsLaterPythonsComputeThem)
{
    // (Only these lines are compared: the signature algorithms and groups
    // are left at each library's default here.)
    auto python_lines = [](const ProbeRun &r) {
        std::istringstream in(r.server);
        std::string line, out;
        while (std::getline(in, line))
            if (line.rfind("python_shared", 0) == 0 || line.rfind("== ", 0) == 0)
                out += line + "\n";
        return out;
    };
    const std::vector<std::string> s = plus(server_base(), {"-cipher", "ECDHE+AESGCM:AES256-SHA"});
    // TLS 1.2, a client offering two of the server's suites.
    const std::vector<std::string> c =
        plus(client_base(),
             {"-tls12", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384"});
    ProbeRun ref = probe(s, c, false, false);
    ProbeRun shim = probe(s, c, true, false);
    ASSERT_TRUE(ref.ok && shim.ok);
    // In the server's order, only what the client offered.
    EXPECT_EQ("== before\npython_shared: None\n== after\n"
              "python_shared: ECDHE-RSA-AES256-GCM-SHA384 TLSv1.2 256\n"
              "python_shared: ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 128\n"
              "python_shared_count: 2\n",
              python_lines(ref));
    EXPECT_EQ(python_lines(shim), python_lines(ref));

    // TLS 1.3 with the default lists: the 1.3 suites and the 1.2 ones the
    // client offered.
    ref = probe(server_base(), client_base(), false, false);
    shim = probe(server_base(), client_base(), true, false);
    ASSERT_TRUE(ref.ok && shim.ok);
    EXPECT_TRUE(has(python_lines(ref), "== after\npython_shared: TLS_AES_256_GCM_SHA384 TLSv1.3 256\n"))
        << ref.server;
    EXPECT_EQ(python_lines(shim), python_lines(ref));
}

TEST(NegotiatedGetters, Tls12ClientAnswersAsOpenSsl)
{
    compare_client_side(
        plus(server_base(), {"-tls12"}),
        plus(client_base(), {"-client_sigalgs", "RSA+SHA256:rsa_pss_rsae_sha256:RSA+SHA384"}));
}

// ---- openssl s_server / s_client -----------------------------------------------

const char *const kServerLines[] = {"Shared ciphers:", "Signature Algorithms:",
                                    "Shared Signature Algorithms:", "Supported groups:",
                                    "Shared groups:", "CIPHER is", "Secure Renegotiation"};

std::string lines_with(const std::string &out, const std::string &prefix)
{
    std::istringstream in(out);
    std::string line, r;
    while (std::getline(in, line))
        if (line.rfind(prefix, 0) == 0)
            r += line + "\n";
    return r;
}

// s_server (shim or not) serving one s_client with the given options;
// returns the server's and the client's output.
std::pair<std::string, std::string> s_server_pair(bool shim, const std::vector<std::string> &sargs,
                                                  const std::vector<std::string> &cargs)
{
    Process p;
    std::vector<std::string> argv = {"openssl", "s_server", "-accept", "127.0.0.1:0",
                                     "-cert",   kCert,      "-key",    kKey,
                                     "-naccept", "1"};
    argv.insert(argv.end(), sargs.begin(), sargs.end());
    RunOptions o = server_options(shim);
    o.stdin_pipe = true; // s_server quits at EOF on stdin
    if (!p.start(argv, o)) {
        ADD_FAILURE() << "cannot start s_server: " << p.error();
        return {};
    }
    int port = p.wait_openssl_accept();
    if (port == 0) {
        ADD_FAILURE() << "no port:\n" << p.output();
        return {};
    }
    std::vector<std::string> cmd;
    RunResult r = s_client(port, cargs, "", &cmd);
    // s_server prints its summary once the handshake is done.
    p.wait_output("CIPHER is", 10000);
    p.close_stdin();
    p.stop();
    EXPECT_TRUE(has(r.out, "Verification: OK")) << describe(cmd, r);
    if (shim) {
        EXPECT_TRUE(ran_on_shim(p.output()));
    }
    return {p.output(), r.out + r.err};
}

void compare_s_server(const std::vector<std::string> &sargs, const std::vector<std::string> &cargs)
{
    auto ref = s_server_pair(false, sargs, cargs);
    auto shim = s_server_pair(true, sargs, cargs);
    for (const char *l : kServerLines) {
        std::string want = lines_with(ref.first, l);
        EXPECT_NE(want, "") << "reference s_server printed no '" << l << "':\n" << ref.first;
        EXPECT_EQ(lines_with(shim.first, l), want) << "s_server on ShimSSL:\n" << shim.first;
    }
}

const std::vector<std::string> kSServerLists = {"-sigalgs",
                                                "ECDSA+SHA256:rsa_pss_rsae_sha256:RSA+SHA256:"
                                                "rsa_pss_rsae_sha384:ed25519:RSA+SHA512",
                                                "-groups", "X25519:P-256:P-384:P-521"};

TEST(NegotiatedGettersApps, SServerSummaryLinesTls13)
{
    compare_s_server(kSServerLists, {});
}

TEST(NegotiatedGettersApps, SServerSummaryLinesTls12)
{
    compare_s_server(kSServerLists, {"-tls1_2"});
}

TEST(NegotiatedGettersApps, SServerSummaryLinesWithChosenClientLists)
{
    compare_s_server(plus(kSServerLists, {"-serverpref"}),
                     {"-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256:AES256-SHA:ECDHE-RSA-CHACHA20-POLY1305",
                      "-groups", "P-384:X25519", "-sigalgs", "RSA+SHA256:rsa_pss_rsae_sha256"});
}

// s_client (shim or not) against an s_server on the system libssl that
// requests a client certificate.
std::string s_client_out(bool shim, const std::vector<std::string> &sargs,
                         const std::vector<std::string> &cargs)
{
    Process p;
    // -www: the server does not read its stdin (EOF there would end it).
    std::vector<std::string> args = {"-verify", "1", "-CAfile", cert("ca.pem"), "-www"};
    args.insert(args.end(), sargs.begin(), sargs.end());
    int port = start_openssl_server(p, args);
    if (port == 0)
        return "";
    std::vector<std::string> argv = {"openssl", "s_client", "-connect",
                                     "127.0.0.1:" + std::to_string(port), "-CAfile",
                                     cert("ca.pem"), "-cert", cert("client.pem"), "-key",
                                     cert("client.key")};
    argv.insert(argv.end(), cargs.begin(), cargs.end());
    RunOptions o;
    if (shim)
        o.env = shim_env();
    o.timeout_ms = 20000;
    RunResult r = run(argv, o);
    p.stop();
    if (shim) {
        EXPECT_TRUE(ran_on_shim(r.err));
    }
    EXPECT_TRUE(has(r.out + r.err, "Verification: OK")) << describe(argv, r);
    return r.out + r.err;
}

void compare_s_client(const std::vector<std::string> &sargs, const std::vector<std::string> &cargs,
                      const std::vector<std::string> &lines)
{
    std::string ref = s_client_out(false, sargs, cargs);
    std::string shim = s_client_out(true, sargs, cargs);
    for (const std::string &l : lines) {
        std::string want = lines_with(ref, l);
        EXPECT_NE(want, "") << "reference s_client printed no '" << l << "':\n" << ref;
        EXPECT_EQ(lines_with(shim, l), want) << "s_client on ShimSSL:\n" << shim;
    }
}

TEST(NegotiatedGettersApps, SClientRequestedSignatureAlgorithmsTls13)
{
    compare_s_client({"-client_sigalgs", "rsa_pss_rsae_sha256:RSA+SHA256:ECDSA+SHA256:ed25519"},
                     {"-client_sigalgs", "rsa_pss_rsae_sha384:rsa_pss_rsae_sha256:RSA+SHA256"},
                     {"Requested Signature Algorithms:", "Shared Requested Signature Algorithms:",
                      "Peer signature type:", "Peer signing digest:"});
}

TEST(NegotiatedGettersApps, SClientRequestedSignatureAlgorithmsTls12)
{
    compare_s_client({"-client_sigalgs", "RSA+SHA256:rsa_pss_rsae_sha256:RSA+SHA384"},
                     {"-tls1_2", "-client_sigalgs", "RSA+SHA384:RSA+SHA256"},
                     {"Requested Signature Algorithms:", "Shared Requested Signature Algorithms:",
                      "Peer signature type:", "Peer signing digest:"});
}

TEST(NegotiatedGettersApps, SClientBriefSignatureType)
{
    compare_s_client({}, {"-brief"}, {"Signature type:", "Hash used:"});
}

// ---- python3 SSLSocket.shared_ciphers() ----------------------------------------

const char kPyServer[] = R"PY(
import socket, ssl, sys
certs = sys.argv[1]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(certs + "/server.pem", certs + "/server.key")
if len(sys.argv) > 2:
    ctx.set_ciphers(sys.argv[2])
ls = socket.socket()
ls.bind(("127.0.0.1", 0))
ls.listen(1)
print("PORT=%d" % ls.getsockname()[1], flush=True)
raw, _ = ls.accept()
raw.settimeout(10)
s = ctx.wrap_socket(raw, server_side=True)
s.recv(16)
for c in s.shared_ciphers():
    print("SHARED %s %s %d" % c, flush=True)
print("COUNT %d" % len(s.shared_ciphers()), flush=True)
s.sendall(b"bye\n")
s.close()
)PY";

std::string python_shared(const std::string &python, bool shim,
                          const std::vector<std::string> &py_args,
                          const std::vector<std::string> &cargs)
{
    std::string dir = make_temp_dir("pyshared");
    std::string script = write_file(dir, "server.py", kPyServer);
    Process p;
    std::vector<std::string> argv = {python, script, cert_dir()};
    argv.insert(argv.end(), py_args.begin(), py_args.end());
    if (!p.start(argv, server_options(shim))) {
        ADD_FAILURE() << p.error();
        return "";
    }
    if (!p.wait_output("PORT=")) {
        ADD_FAILURE() << p.output();
        return "";
    }
    int port = std::stoi(p.output().substr(p.output().find("PORT=") + 5));
    std::vector<std::string> cmd;
    RunResult r = s_client(port, cargs, "hello\n", &cmd);
    p.wait_output("COUNT", 10000);
    p.stop();
    if (shim) {
        EXPECT_TRUE(ran_on_shim(p.output()));
    }
    std::string out = lines_with(p.output(), "SHARED ") + lines_with(p.output(), "COUNT ");
    EXPECT_TRUE(has(out, "COUNT ")) << p.output() << describe(cmd, r);
    return out;
}

void compare_python(const std::string &python)
{
    {
        std::string ref = python_shared(python, false, {}, {});
        EXPECT_TRUE(has(ref, "SHARED TLS_AES_256_GCM_SHA384 TLSv1.3 256")) << ref;
        EXPECT_EQ(python_shared(python, true, {}, {}), ref);
    }
    // TLS 1.2, a server cipher list and a client offering a subset in
    // another order.
    std::vector<std::string> c = {
        "-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256:AES256-SHA:ECDHE-RSA-CHACHA20-POLY1305"};
    std::vector<std::string> s = {"ECDHE+AESGCM:AES256-SHA"};
    std::string ref = python_shared(python, false, s, c);
    EXPECT_TRUE(has(ref, "SHARED ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 128")) << ref;
    EXPECT_EQ(python_shared(python, true, s, c), ref);
}

TEST(NegotiatedGettersApps, DebianPythonSharedCiphers)
{
    compare_python("/usr/bin/python3");
}

} // namespace
