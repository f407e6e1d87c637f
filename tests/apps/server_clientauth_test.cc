// Client certificates required by real servers on ShimSSL (LD_PRELOAD):
// nginx (ssl_verify_client on), stunnel4 (verifyChain + requireCert), a
// python3 ssl server (CERT_REQUIRED) and socat (OPENSSL-LISTEN verify=1).
// Debian's curl and openssl s_client on the system OpenSSL connect with
// and without the test client certificate; the same servers on the system
// OpenSSL are the reference for what a refused client sees.
#include "nginx_server.h"

#include <sys/stat.h>

#include <gtest/gtest.h>

using namespace shimtest;
using namespace shimtest::apps;

namespace
{

const std::vector<std::string> kClientCert = {"--cert", cert("client.pem"), "--key",
                                              cert("client.key")};

TEST(NginxClientAuth, VerifiedCertificateAcceptedMissingOneAnswered400)
{
    const std::string conf = "    ssl_verify_client on;\n"
                             "    ssl_client_certificate " +
                             cert("ca.pem") + ";\n";
    std::string refused[2];
    for (int shim = 0; shim < 2; ++shim) {
        Nginx ng;
        ASSERT_TRUE(ng.start(conf, shim == 1));
        std::vector<std::string> cmd;
        RunResult ok = curl(ng.port(), "/client", kClientCert, &cmd);
        EXPECT_EQ(ok.exit_code, 0) << describe(cmd, ok);
        EXPECT_EQ(ok.out, "SUCCESS CN=ShimSSL Test Client,O=ShimSSL Test\n\nHTTP=200 VERIFY=0\n")
            << describe(cmd, ok);

        RunResult none = curl(ng.port(), "/client", {}, &cmd);
        EXPECT_EQ(none.exit_code, 0) << describe(cmd, none);
        EXPECT_TRUE(has(none.out, "HTTP=400")) << describe(cmd, none);
        EXPECT_TRUE(has(none.out, "No required SSL certificate was sent")) << describe(cmd, none);
        refused[shim] = none.out;

        // A certificate from another CA: 400 as well, with nginx's text.
        RunResult other = curl(
            ng.port(), "/client",
            {"--cert", cert("untrusted-server.pem"), "--key", cert("untrusted-server.key")}, &cmd);
        EXPECT_TRUE(has(other.out, "HTTP=400")) << describe(cmd, other);
        EXPECT_TRUE(has(other.out, "The SSL certificate error")) << describe(cmd, other);
        if (shim) {
            EXPECT_TRUE(ran_on_shim(ng.proc().output()));
        }
    }
    EXPECT_EQ(refused[1], refused[0]);
}

const char kStunnelConf[] = R"(foreground = yes
pid =
debug = info
[tls]
accept = 127.0.0.1:@PORT@
connect = 127.0.0.1:@BACKEND@
cert = @CERTS@/server.pem
key = @CERTS@/server.key
CAfile = @CERTS@/ca.pem
verifyChain = yes
requireCert = yes
)";

TEST(StunnelClientAuth, RequiresAVerifiedClientCertificate)
{
    Process backend;
    int bport = start_on_free_port(backend, [](int p) {
        return std::vector<std::string>{
            "socat", "TCP-LISTEN:" + std::to_string(p) + ",bind=127.0.0.1,reuseaddr,fork",
            "SYSTEM:echo from-backend"};
    });
    ASSERT_NE(bport, 0) << backend.output();
    std::string dir = make_temp_dir("stunnel-auth");
    Process st;
    int port = start_on_free_port(
        st,
        [&](int p) {
            return std::vector<std::string>{
                "stunnel4", write_file(dir, "stunnel.conf",
                                       substitute(kStunnelConf, {{"PORT", std::to_string(p)},
                                                                 {"BACKEND", std::to_string(bport)},
                                                                 {"CERTS", cert_dir()}}))};
        },
        server_options(true));
    ASSERT_NE(port, 0) << st.output();
    std::vector<std::string> cmd;
    RunResult ok = s_client(
        port, {"-ign_eof", "-cert", cert("client.pem"), "-key", cert("client.key")}, "", &cmd);
    EXPECT_TRUE(has(ok.out, "from-backend")) << describe(cmd, ok);
    RunResult none = s_client(port, {"-ign_eof"}, "", &cmd);
    EXPECT_FALSE(has(none.out, "from-backend")) << describe(cmd, none);
    EXPECT_TRUE(has(none.out + none.err, "certificate required")) << describe(cmd, none);
    std::string log = st.output();
    EXPECT_TRUE(has(log, "Certificate accepted at depth=0: O=ShimSSL Test, CN=ShimSSL Test Client"))
        << log;
    EXPECT_TRUE(ran_on_shim(log));
}

const char kPyServer[] = R"PY(
import socket, ssl, sys
certs = sys.argv[1]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(certs + "/server.pem", certs + "/server.key")
ctx.load_verify_locations(certs + "/ca.pem")
ctx.verify_mode = ssl.CERT_REQUIRED
ls = socket.socket()
ls.bind(("127.0.0.1", 0))
ls.listen(8)
print("PORT=%d" % ls.getsockname()[1], flush=True)
for i in range(2):
    raw, _ = ls.accept()
    raw.settimeout(10)
    try:
        with ctx.wrap_socket(raw, server_side=True) as s:
            subject = dict(x[0] for x in s.getpeercert()["subject"])
            s.sendall(b"hello " + subject["commonName"].encode() + b"\n")
            print("S%d peer=%s" % (i, subject["commonName"]), flush=True)
            s.unwrap()
    except Exception as e:
        print("S%d ERROR %s: %s" % (i, type(e).__name__, e), flush=True)
print("DONE", flush=True)
)PY";

TEST(PythonServerClientAuth, CertRequiredSeesTheClientAndRefusesOneWithout)
{
    std::string lines[2];
    for (int shim = 0; shim < 2; ++shim) {
        Process server;
        RunOptions o = server_options(shim == 1);
        o.env.push_back("PYTHONDONTWRITEBYTECODE=1");
        ASSERT_TRUE(server.start({"/usr/bin/python3", "-c", kPyServer, cert_dir()}, o));
        ASSERT_TRUE(server.wait_output("PORT=")) << server.output();
        ASSERT_TRUE(server.wait_output("\n")) << server.output();
        std::string out = server.output();
        int port = atoi(out.c_str() + out.find("PORT=") + 5);
        std::vector<std::string> cmd;
        RunResult ok = s_client(
            port, {"-ign_eof", "-cert", cert("client.pem"), "-key", cert("client.key")}, "", &cmd);
        EXPECT_TRUE(has(ok.out, "hello ShimSSL Test Client")) << describe(cmd, ok);
        RunResult none = s_client(port, {"-ign_eof"}, "", &cmd);
        EXPECT_FALSE(has(none.out, "hello")) << describe(cmd, none);
        EXPECT_TRUE(has(none.out + none.err, "certificate required")) << describe(cmd, none);
        ASSERT_TRUE(server.wait_output("DONE")) << server.output();
        out = server.output();
        for (const char *k : {"\nS0 ", "\nS1 "}) {
            size_t p = out.find(k);
            lines[shim] +=
                p == std::string::npos ? "<none>\n" : out.substr(p + 1, out.find('\n', p + 1) - p);
        }
        if (shim) {
            EXPECT_TRUE(ran_on_shim(out));
        }
    }
    EXPECT_TRUE(has(lines[1], "S0 peer=ShimSSL Test Client\n")) << lines[1];
    EXPECT_TRUE(has(lines[1], "S1 ERROR SSLError: [SSL: PEER_DID_NOT_RETURN_A_CERTIFICATE]"))
        << lines[1];
    EXPECT_EQ(lines[1], lines[0]);
}

TEST(SocatServerClientAuth, VerifyRequiresTheClientCertificate)
{
    std::string dir = make_temp_dir("socat-auth");
    // The script lingers after its answer: when an EXEC child exits at once,
    // socat may end the connection before relaying its output, and on a
    // loaded machine the client then sees a reset instead of the line (the
    // same with the system libssl, so it is the harness, not the library).
    std::string exe =
        write_file(dir, "serve.sh", "#!/bin/sh\necho served-by-socat\nsleep 0.5\n");
    chmod(exe.c_str(), 0700);
    Process server;
    int port = start_on_free_port(
        server,
        [&](int p) {
            return std::vector<std::string>{
                "socat", "-d", "-d",
                "OPENSSL-LISTEN:" + std::to_string(p) +
                    ",bind=127.0.0.1,reuseaddr,fork,verify=1,cafile=" + cert("ca.pem") +
                    ",cert=" + cert("server.pem") + ",key=" + cert("server.key"),
                "EXEC:" + exe};
        },
        server_options(true));
    ASSERT_NE(port, 0) << server.output();
    std::vector<std::string> cmd;
    RunResult ok = s_client(
        port, {"-ign_eof", "-cert", cert("client.pem"), "-key", cert("client.key")}, "", &cmd);
    EXPECT_TRUE(has(ok.out, "served-by-socat")) << describe(cmd, ok);
    RunResult none = s_client(port, {"-ign_eof"}, "", &cmd);
    EXPECT_FALSE(has(none.out, "served-by-socat")) << describe(cmd, none);
    EXPECT_TRUE(has(none.out + none.err, "certificate required")) << describe(cmd, none);
    EXPECT_TRUE(ran_on_shim(server.output()));
}

} // namespace
