// Session resumption by real programs on ShimSSL (LD_PRELOAD): Debian's
// `openssl s_client -sess_out / -sess_in` (the session file written by one
// library and read by the other, both ways), `openssl s_server` on ShimSSL
// resuming the system's s_client, and python's ssl module reusing a session
// (SSLSocket.session / session_reused).
#include "testlib/testlib.h"

#include <gtest/gtest.h>

using namespace shimtest;

namespace
{

bool has(const std::string &text, const std::string &needle)
{
    return text.find(needle) != std::string::npos;
}

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

// One request with s_client (on the shim or not), saving or loading a session.
RunResult s_client(int port, bool shim, const std::vector<std::string> &extra,
                   std::vector<std::string> *cmd)
{
    std::vector<std::string> argv = {
        "openssl",  "s_client", "-connect",    "127.0.0.1:" + std::to_string(port),
        "-ign_eof", "-CAfile",  cert("ca.pem")};
    argv.insert(argv.end(), extra.begin(), extra.end());
    RunOptions o;
    if (shim)
        o.env = shim_env();
    o.stdin_data = "GET / HTTP/1.0\r\n\r\n";
    o.timeout_ms = 20000;
    *cmd = argv;
    return run(argv, o);
}

class Sessions : public ::testing::Test
{
  protected:
    void SetUp() override { dir_ = make_temp_dir("sessions"); }
    std::string dir_;
};

TEST_F(Sessions, ShimClientSavesAndResumesItsSession)
{
    Process server;
    int port = start_server(server, {"-tls1_3", "-www"}, false);
    ASSERT_NE(port, 0);
    std::string f = dir_ + "/shim.pem";
    std::vector<std::string> cmd;
    RunResult a = s_client(port, true, {"-sess_out", f}, &cmd);
    EXPECT_TRUE(ran_on_shim(a.err));
    EXPECT_TRUE(has(a.out, "New, TLSv1.3")) << describe(cmd, a);
    RunResult b = s_client(port, true, {"-sess_in", f}, &cmd);
    EXPECT_TRUE(ran_on_shim(b.err));
    EXPECT_TRUE(has(b.out, "Reused, TLSv1.3")) << describe(cmd, b);
    EXPECT_TRUE(has(b.out, "Verify return code: 0 (ok)")) << describe(cmd, b);
}

// The session file is OpenSSL's format: each library resumes with the
// other's file.
TEST_F(Sessions, SessionFilesWorkAcrossLibraries)
{
    Process server;
    int port = start_server(server, {"-tls1_3", "-www"}, false);
    ASSERT_NE(port, 0);
    std::string ours = dir_ + "/ours.pem", theirs = dir_ + "/theirs.pem";
    std::vector<std::string> cmd;
    RunResult a = s_client(port, true, {"-sess_out", ours}, &cmd);
    ASSERT_TRUE(has(a.out, "New, TLSv1.3")) << describe(cmd, a);
    RunResult b = s_client(port, false, {"-sess_in", ours}, &cmd);
    EXPECT_TRUE(has(b.out, "Reused, TLSv1.3")) << describe(cmd, b);

    RunResult c = s_client(port, false, {"-sess_out", theirs}, &cmd);
    ASSERT_TRUE(has(c.out, "New, TLSv1.3")) << describe(cmd, c);
    RunResult d = s_client(port, true, {"-sess_in", theirs}, &cmd);
    EXPECT_TRUE(ran_on_shim(d.err));
    EXPECT_TRUE(has(d.out, "Reused, TLSv1.3")) << describe(cmd, d);
}

TEST_F(Sessions, ShimServerResumesOpenSslClient)
{
    Process server;
    int port = start_server(server, {"-tls1_3", "-www"}, true);
    ASSERT_NE(port, 0);
    std::string f = dir_ + "/s.pem";
    std::vector<std::string> cmd;
    RunResult a = s_client(port, false, {"-sess_out", f}, &cmd);
    ASSERT_TRUE(has(a.out, "New, TLSv1.3")) << describe(cmd, a);
    RunResult b = s_client(port, false, {"-sess_in", f}, &cmd);
    EXPECT_TRUE(has(b.out, "Reused, TLSv1.3")) << describe(cmd, b);
    // s_server -www reports its cache counters on the page.
    EXPECT_TRUE(has(b.out, "1 session cache hits")) << describe(cmd, b);
    server.stop();
    EXPECT_TRUE(ran_on_shim(server.output()));
}

const char kPythonScript[] = R"PY(
import socket, ssl, sys
cafile, port = sys.argv[1], int(sys.argv[2])
ctx = ssl.create_default_context(cafile=cafile)
def fetch(session=None):
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost", session=session) as s:
            s.sendall(b"GET / HTTP/1.0\r\n\r\n")
            while s.recv(4096):
                pass
            return s.session, s.session_reused
sess, reused1 = fetch()
print("REUSED1=" + str(reused1))
print("HAS_TICKET=" + str(sess.has_ticket))
print("TIMEOUT=" + str(sess.timeout))
_, reused2 = fetch(sess)
print("REUSED2=" + str(reused2))
)PY";

TEST_F(Sessions, PythonReusesASession)
{
    Process server;
    int port = start_server(server, {"-tls1_3", "-www"}, false);
    ASSERT_NE(port, 0);
    std::vector<std::string> argv = {"/usr/bin/python3", "-c", kPythonScript, cert("ca.pem"),
                                     std::to_string(port)};
    RunOptions o;
    o.env = shim_env();
    o.env.push_back("PYTHONDONTWRITEBYTECODE=1");
    o.timeout_ms = 30000;
    RunResult r = run(argv, o);
    EXPECT_TRUE(ran_on_shim(r.err));
    EXPECT_TRUE(has(r.out, "REUSED1=False")) << describe(argv, r);
    EXPECT_TRUE(has(r.out, "HAS_TICKET=True")) << describe(argv, r);
    EXPECT_TRUE(has(r.out, "TIMEOUT=7200")) << describe(argv, r);
    EXPECT_TRUE(has(r.out, "REUSED2=True")) << describe(argv, r);
}

} // namespace
