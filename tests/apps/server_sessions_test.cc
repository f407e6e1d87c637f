// Session resumption and 0-RTT served by real programs on ShimSSL
// (LD_PRELOAD): nginx (tickets with its own keys, with a ticket key file
// across a restart, and stateful tickets from its shared session cache),
// stunnel4, a python3 ssl server, and openssl s_server refusing replayed
// early data. Clients are Debian's openssl s_client and python3 on the
// system OpenSSL.
#include "nginx_server.h"

#include <gtest/gtest.h>

#include <fstream>

using namespace shimtest;
using namespace shimtest::apps;

namespace
{

// s_client GET /info: the first connection saves its session to `sess`,
// the second resumes it. Returns the two /info lines (and checks the
// New/Reused verdicts).
std::vector<std::string> nginx_twice(int port, const std::string &sess)
{
    std::vector<std::string> cmd, info;
    RunResult r1 = s_client_get(port, "/info", {"-sess_out", sess}, &cmd);
    EXPECT_TRUE(has(r1.out, "New, TLSv1.3, Cipher is TLS_AES_256_GCM_SHA384")) << describe(cmd, r1);
    info.push_back(body_after_headers(r1.out));
    RunResult r2 = s_client_get(port, "/info", {"-sess_in", sess}, &cmd);
    EXPECT_EQ(r2.exit_code, 0) << describe(cmd, r2);
    EXPECT_TRUE(has(r2.out, "Verify return code: 0 (ok)")) << describe(cmd, r2);
    info.push_back(body_after_headers(r2.out));
    info.push_back(has(r2.out, "Reused, TLSv1.3") ? "Reused" : "New");
    return info;
}

TEST(NginxSessions, TicketResumptionShowsInSslSessionReused)
{
    // Default: stateless tickets under keys the library makes; then the
    // shared cache with tickets off (the ticket is a session id the cache
    // looks up through nginx's get/new session callbacks).
    const std::vector<std::string> confs = {
        "", "    ssl_session_cache shared:SSL:1m;\n    ssl_session_tickets off;\n"};
    for (const auto &conf : confs) {
        Nginx ng;
        ASSERT_TRUE(ng.start(conf));
        auto info = nginx_twice(ng.port(), ng.dir() + "/sess.pem");
        EXPECT_EQ(info[0], "TLSv1.3 TLS_AES_256_GCM_SHA384 localhost .") << conf;
        EXPECT_EQ(info[1], "TLSv1.3 TLS_AES_256_GCM_SHA384 localhost r") << conf;
        EXPECT_EQ(info[2], "Reused") << conf;
        EXPECT_TRUE(ran_on_shim(ng.proc().output()));
    }
}

TEST(NginxSessions, TicketKeyFileResumesAcrossRestartOwnKeysDoNot)
{
    // ssl_session_ticket_key: nginx seals tickets itself through the ticket
    // key callback, so a new nginx with the same key file opens the old
    // ticket; without it the new process has new keys.
    std::string dir = make_temp_dir("nginx-keys");
    std::string key;
    for (int i = 0; i < 80; ++i)
        key.push_back(static_cast<char>((i * 37 + 11) & 0xff));
    std::string keyfile = write_file(dir, "ticket.key", key);
    const std::string conf = "    ssl_session_ticket_key " + keyfile + ";\n";
    for (int with_key = 0; with_key < 2; ++with_key) {
        std::string sess = dir + "/sess" + std::to_string(with_key) + ".pem";
        {
            Nginx a;
            ASSERT_TRUE(a.start(with_key ? conf : ""));
            std::vector<std::string> cmd;
            RunResult r = s_client_get(a.port(), "/info", {"-sess_out", sess}, &cmd);
            EXPECT_TRUE(has(r.out, "New, TLSv1.3")) << describe(cmd, r);
            EXPECT_TRUE(ran_on_shim(a.proc().output()));
        }
        Nginx b;
        ASSERT_TRUE(b.start(with_key ? conf : ""));
        std::vector<std::string> cmd;
        RunResult r = s_client_get(b.port(), "/info", {"-sess_in", sess}, &cmd);
        EXPECT_EQ(r.exit_code, 0) << describe(cmd, r);
        if (with_key) {
            EXPECT_TRUE(has(r.out, "Reused, TLSv1.3")) << describe(cmd, r);
            EXPECT_EQ(body_after_headers(r.out), "TLSv1.3 TLS_AES_256_GCM_SHA384 localhost r");
        } else {
            EXPECT_TRUE(has(r.out, "New, TLSv1.3")) << describe(cmd, r);
            EXPECT_EQ(body_after_headers(r.out), "TLSv1.3 TLS_AES_256_GCM_SHA384 localhost .");
        }
        EXPECT_TRUE(ran_on_shim(b.proc().output()));
    }
}

// ---- stunnel ----------------------------------------------------------------

const char kStunnelConf[] = R"(foreground = yes
pid =
debug = info
[tls]
accept = 127.0.0.1:@PORT@
connect = 127.0.0.1:@BACKEND@
cert = @CERTS@/server.pem
key = @CERTS@/server.key
)";

TEST(StunnelSessions, SecondConnectionReusesTheSession)
{
    // Backend: socat answering every connection with a fixed line.
    Process backend;
    int bport = start_on_free_port(backend, [](int p) {
        return std::vector<std::string>{
            "socat", "TCP-LISTEN:" + std::to_string(p) + ",bind=127.0.0.1,reuseaddr,fork",
            "SYSTEM:echo from-backend"};
    });
    ASSERT_NE(bport, 0) << backend.output();
    std::string dir = make_temp_dir("stunnel-sess");
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
    std::string sess = dir + "/sess.pem";
    std::vector<std::string> cmd;
    RunResult r1 = s_client(port, {"-ign_eof", "-sess_out", sess}, "", &cmd);
    EXPECT_TRUE(has(r1.out, "from-backend")) << describe(cmd, r1);
    EXPECT_TRUE(has(r1.out, "New, TLSv1.3")) << describe(cmd, r1);
    RunResult r2 = s_client(port, {"-ign_eof", "-sess_in", sess}, "", &cmd);
    EXPECT_TRUE(has(r2.out, "from-backend")) << describe(cmd, r2);
    EXPECT_TRUE(has(r2.out, "Reused, TLSv1.3")) << describe(cmd, r2);
    std::string log = st.output();
    EXPECT_TRUE(has(log, "TLS accepted: new session negotiated")) << log;
    EXPECT_TRUE(has(log, "TLS accepted: previous session reused")) << log;
    EXPECT_TRUE(ran_on_shim(log));
}

// ---- python3 ----------------------------------------------------------------

const char kPyServer[] = R"PY(
import socket, ssl, sys
certs, count = sys.argv[1], int(sys.argv[2])
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(certs + "/server.pem", certs + "/server.key")
ls = socket.socket()
ls.bind(("127.0.0.1", 0))
ls.listen(8)
print("PORT=%d" % ls.getsockname()[1], flush=True)
for i in range(count):
    raw, _ = ls.accept()
    raw.settimeout(10)
    try:
        with ctx.wrap_socket(raw, server_side=True) as s:
            line = s.recv(1024)
            s.sendall(b"echo " + line)
            print("S%d reused=%s" % (i, s.session_reused), flush=True)
            s.unwrap()
    except Exception as e:
        print("S%d ERROR %s: %s" % (i, type(e).__name__, e), flush=True)
print("DONE", flush=True)
)PY";

const char kPyClient[] = R"PY(
import socket, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[1])
sess = None
for i in range(2):
    with socket.create_connection(("127.0.0.1", int(sys.argv[2])), timeout=10) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost", session=sess) as s:
            s.sendall(b"hi\n")
            reply = s.recv(1024)
            print("C%d reused=%s reply=%s" % (i, s.session_reused, reply.decode().strip()),
                  flush=True)
            sess = s.session
            s.unwrap()
)PY";

TEST(PythonServerSessions, PythonClientReusesTheSessionOfAPythonServer)
{
    std::string server_lines[2], client_out[2];
    for (int shim = 0; shim < 2; ++shim) {
        Process server;
        RunOptions o = server_options(shim == 1);
        o.env.push_back("PYTHONDONTWRITEBYTECODE=1");
        ASSERT_TRUE(server.start({"/usr/bin/python3", "-c", kPyServer, cert_dir(), "2"}, o));
        ASSERT_TRUE(server.wait_output("PORT=")) << server.output();
        ASSERT_TRUE(server.wait_output("\n")) << server.output();
        std::string out = server.output();
        int port = atoi(out.c_str() + out.find("PORT=") + 5);
        ASSERT_NE(port, 0) << out;
        std::vector<std::string> argv = {"/usr/bin/python3", "-c", kPyClient, cert("ca.pem"),
                                         std::to_string(port)};
        RunResult r = run(argv);
        EXPECT_EQ(r.exit_code, 0) << describe(argv, r);
        client_out[shim] = r.out;
        ASSERT_TRUE(server.wait_output("DONE")) << server.output();
        out = server.output();
        for (const char *k : {"S0 ", "S1 "}) {
            size_t p = out.find(std::string("\n") + k);
            server_lines[shim] += p == std::string::npos
                                      ? std::string("<no ") + k + ">\n"
                                      : out.substr(p + 1, out.find('\n', p + 1) - p);
        }
        if (shim) {
            EXPECT_TRUE(ran_on_shim(out));
        }
    }
    EXPECT_EQ(client_out[1], "C0 reused=False reply=echo hi\nC1 reused=True reply=echo hi\n");
    EXPECT_EQ(server_lines[1], "S0 reused=False\nS1 reused=True\n");
    EXPECT_EQ(client_out[1], client_out[0]);
    EXPECT_EQ(server_lines[1], server_lines[0]);
}

// ---- s_server: early data accepted once, a replay refused -------------------

TEST(SServerEarlyData, ReplayedEarlyDataIsRejected)
{
    std::string dir = make_temp_dir("early");
    std::string sess = dir + "/sess.pem", early = dir + "/early.txt";
    std::ofstream(early) << "early bytes 0rtt\n";
    Process server;
    RunOptions so = server_options(true);
    so.stdin_pipe = true; // s_server -early_data quits on EOF of its stdin
    ASSERT_TRUE(server.start({"openssl", "s_server", "-accept", "127.0.0.1:0", "-early_data",
                              "-cert", cert("server.pem"), "-key", cert("server.key")},
                             so));
    int port = server.wait_openssl_accept();
    ASSERT_NE(port, 0) << server.output();
    // Each s_client keeps its stdin open until it has saved a session from
    // the server's NewSessionTicket (-sess_out; s_server sends tickets after
    // every handshake, resumed or not), i.e. until the handshake is over and
    // the tickets arrived: an event, not a duration (at most 15 s). `first`
    // is written to its stdin at once and goes out as ordinary application
    // data after the handshake.
    int nclient = 0;
    auto client = [&](const std::string &args, std::vector<std::string> *cmd,
                      const std::string &first = "", const std::string &sess_out = "") {
        std::string out =
            sess_out.empty() ? dir + "/ticket" + std::to_string(nclient++) + ".pem" : sess_out;
        std::string feed = "{ " + (first.empty() ? std::string() : "echo " + first + "; ") +
                           "i=0; while [ ! -s " + out +
                           " ] && [ $i -lt 150 ]; do sleep 0.1; i=$((i+1)); done; }";
        *cmd = {"sh", "-c",
                feed + " | exec openssl s_client -connect 127.0.0.1:" + std::to_string(port) +
                    " -CAfile " + cert("ca.pem") + " -sess_out " + out + " " + args};
        RunOptions o;
        o.timeout_ms = 20000;
        return run(*cmd, o);
    };
    std::vector<std::string> cmd;
    RunResult r1 = client("", &cmd, "", sess);
    EXPECT_TRUE(has(r1.out, "New, TLSv1.3")) << describe(cmd, r1);
    EXPECT_TRUE(has(r1.out, "Max Early Data: 16384")) << describe(cmd, r1);

    RunResult r2 = client("-sess_in " + sess + " -early_data " + early, &cmd);
    EXPECT_TRUE(has(r2.out, "Reused, TLSv1.3")) << describe(cmd, r2);
    EXPECT_TRUE(has(r2.out, "Early data was accepted")) << describe(cmd, r2);
    EXPECT_TRUE(server.wait_output("early bytes 0rtt")) << server.output();

    // The same ticket and the same early data again: a replay. The server
    // must not take the data a second time. (OpenSSL also refuses the
    // ticket itself - single use - and makes a full handshake; ShimSSL
    // resumes but refuses the 0-RTT data. Both are safe; this checks what
    // the user of the server sees: the early data is not delivered.)
    // No fixed wait: after its handshake this client sends a marker as
    // ordinary data. The server reads a connection in order (early data,
    // if it took any, comes before it), so once the marker is in its
    // output, so is any replayed early data.
    RunResult r3 =
        client("-sess_in " + sess + " -early_data " + early, &cmd, "after-replay-marker");
    EXPECT_EQ(r3.exit_code, 0) << describe(cmd, r3);
    EXPECT_TRUE(has(r3.out, "Early data was rejected")) << describe(cmd, r3);
    EXPECT_TRUE(has(r3.out, "Verify return code: 0 (ok)")) << describe(cmd, r3);
    ASSERT_TRUE(server.wait_output("after-replay-marker")) << server.output();
    EXPECT_EQ(count(server.output(), "early bytes 0rtt"), 1) << server.output();
    EXPECT_TRUE(ran_on_shim(server.output()));
}

} // namespace
