// socat as a TLS server on ShimSSL (LD_PRELOAD): `OPENSSL-LISTEN:` with a
// certificate, each connection handed to a small shell script, serving
// Debian's openssl s_client and curl on the system OpenSSL. The same socat
// on the system OpenSSL is the reference where both are compared.
#include "server_apps.h"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

using namespace shimtest;
using namespace shimtest::apps;

namespace
{

// Reads one line, answers it reversed, ends the connection.
const char kRevScript[] = "#!/bin/sh\nread -r line\nprintf '%s\\n' \"$line\" | rev\n";
// A minimal HTTP server for curl.
const char kHttpScript[] =
    "#!/bin/sh\nread -r request\n"
    "printf 'HTTP/1.0 200 OK\\r\\nContent-Type: text/plain\\r\\n\\r\\nserved by socat\\n'\n";

class SocatServer
{
  public:
    // socat OPENSSL-LISTEN (fork: one child per connection) running the
    // script; `tls_opts` are extra address options.
    int start(const char *script, bool shim, const std::string &tls_opts = "")
    {
        std::string dir = make_temp_dir("socat-server");
        if (dir.empty())
            return 0;
        std::string exe = write_file(dir, "serve.sh", script);
        chmod(exe.c_str(), 0700);
        int port = start_on_free_port(
            proc_,
            [&](int p) {
                return std::vector<std::string>{
                    "socat", "-d", "-d",
                    "OPENSSL-LISTEN:" + std::to_string(p) +
                        ",bind=127.0.0.1,reuseaddr,fork,verify=0,cert=" + cert("server.pem") +
                        ",key=" + cert("server.key") + tls_opts,
                    "EXEC:" + exe};
            },
            server_options(shim));
        if (port == 0)
            ADD_FAILURE() << "socat did not start:\n" << proc_.output();
        return port;
    }
    Process &proc() { return proc_; }

  private:
    Process proc_;
};

// socat's own error and warning lines (" E " / " W "), in order, without
// the process id, leaving out the child that served start_on_free_port's
// probe (a plain TCP connect and close: its handshake fails by design).
std::string socat_complaints(const std::string &log)
{
    std::string probe;
    const std::string forked = "forked off child process ";
    size_t f = log.find(forked);
    if (f != std::string::npos) {
        size_t e = log.find_first_not_of("0123456789", f + forked.size());
        probe = "socat[" + log.substr(f + forked.size(), e - f - forked.size()) + "]";
    }
    std::string out;
    for (size_t p = 0; p < log.size();) {
        size_t eol = log.find('\n', p);
        if (eol == std::string::npos)
            eol = log.size();
        std::string line = log.substr(p, eol - p);
        p = eol + 1;
        size_t tag = line.find("] ");
        if (line.find(" socat[") == std::string::npos || tag == std::string::npos ||
            (!probe.empty() && line.find(probe) != std::string::npos))
            continue;
        if ((line.compare(tag + 2, 2, "E ") == 0 || line.compare(tag + 2, 2, "W ") == 0) &&
            line.find("exiting on signal") == std::string::npos)
            out += line.substr(tag + 2) + "\n";
    }
    return out;
}

// Waits (bounded) until socat's listening process has reaped n children.
bool wait_children_ended(Process &p, int n)
{
    for (int i = 0; i < 500; ++i) {
        std::string log = p.output();
        size_t l = log.find(" N listening on");
        size_t b = l == std::string::npos ? l : log.rfind("socat[", l);
        if (b != std::string::npos) {
            std::string parent = log.substr(b, log.find(']', b) + 1 - b);
            if (count(log, parent + " N childdied()") >= n)
                return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
}

TEST(SocatServerOnShim, OpensslClientGetsItsLineReversed)
{
    SocatServer server;
    int port = server.start(kRevScript, true);
    ASSERT_NE(port, 0);
    std::vector<std::string> cmd;
    RunResult r = s_client(port, {"-ign_eof"}, "hello from s_client\n", &cmd);
    EXPECT_EQ(r.exit_code, 0) << describe(cmd, r);
    EXPECT_TRUE(has(r.out, "tneilc_s morf olleh\n")) << describe(cmd, r);
    EXPECT_TRUE(has(r.out, "New, TLSv1.3, Cipher is TLS_AES_256_GCM_SHA384")) << describe(cmd, r);
    EXPECT_TRUE(has(r.out, "Verify return code: 0 (ok)")) << describe(cmd, r);
    // socat ended the connection with close_notify.
    EXPECT_FALSE(has(r.out + r.err, "unexpected eof")) << describe(cmd, r);
    // Each connection is served by a forked child; a second one works too.
    RunResult r2 = s_client(port, {"-ign_eof"}, "second\n", &cmd);
    EXPECT_TRUE(has(r2.out, "dnoces\n")) << describe(cmd, r2);
    std::string log = server.proc().output();
    EXPECT_EQ(socat_complaints(log), "") << log;
    EXPECT_TRUE(ran_on_shim(log));
}

TEST(SocatServerOnShim, CurlFetchesAPage)
{
    SocatServer server;
    int port = server.start(kHttpScript, true);
    ASSERT_NE(port, 0);
    std::vector<std::string> cmd;
    RunResult r = curl(port, "/", {}, &cmd);
    EXPECT_EQ(r.exit_code, 0) << describe(cmd, r);
    EXPECT_EQ(r.out, "served by socat\n\nHTTP=200 VERIFY=0\n") << describe(cmd, r);
    EXPECT_TRUE(ran_on_shim(server.proc().output()));
}

TEST(SocatServerOnShim, ClientVanishingMidSessionIsReportedAsOnOpenSsl)
{
    // A client that closes its socket without close_notify after the
    // handshake. socat reports the SSL_read failure with the error queue:
    // it must name the unexpected EOF, nothing left over from loading the
    // certificate and key at startup.
    const char kVanish[] = R"PY(
import socket, ssl, sys, time
ctx = ssl.create_default_context(cafile=sys.argv[1])
raw = socket.create_connection(("127.0.0.1", int(sys.argv[2])), timeout=10)
s = ctx.wrap_socket(raw, server_hostname="localhost")
print("HANDSHAKE=" + s.version(), flush=True)
# Take in whatever the server sent after the handshake (tickets), so that
# the close below is a plain FIN, then vanish without close_notify.
time.sleep(0.5)
s.setblocking(False)
try:
    s.recv(1024)
except ssl.SSLWantReadError:
    pass
raw2 = s.detach()
raw2.close()
)PY";
    std::string complaints[2];
    for (int shim = 0; shim < 2; ++shim) {
        SocatServer server;
        int port = server.start(kRevScript, shim == 1);
        ASSERT_NE(port, 0);
        std::vector<std::string> argv = {"/usr/bin/python3", "-c", kVanish, cert("ca.pem"),
                                         std::to_string(port)};
        RunResult r = run(argv);
        EXPECT_EQ(r.out, "HANDSHAKE=TLSv1.3\n") << describe(argv, r);
        // The listener saw two children end: the probe's and this one's.
        ASSERT_TRUE(wait_children_ended(server.proc(), 2)) << server.proc().output();
        complaints[shim] = socat_complaints(server.proc().output());
        if (shim) {
            EXPECT_TRUE(ran_on_shim(server.proc().output()));
        }
    }
    EXPECT_EQ(complaints[0],
              "E SSL_write(): error:0A000126:SSL routines::unexpected eof while reading\n");
    EXPECT_FALSE(has(complaints[1], "PEM routines")) << complaints[1];
    EXPECT_EQ(complaints[1], complaints[0]);
}

} // namespace
