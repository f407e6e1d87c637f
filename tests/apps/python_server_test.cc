// Debian's /usr/bin/python3 as a TLS server on ShimSSL (its _ssl module
// linked against libssl.so.3, loaded by LD_PRELOAD): SSLContext with
// PROTOCOL_TLS_SERVER, wrap_socket(server_side=True), an SNI callback and
// ALPN, serving Debian's openssl s_client, curl and a python client on the
// system OpenSSL. The same server on the system OpenSSL is the reference.
#include "server_apps.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

using namespace shimtest;
using namespace shimtest::apps;

namespace
{

const char kPython[] = "/usr/bin/python3";

// Serves `count` connections, one line in, one line out, and prints what
// the ssl module tells about each ("CONN<i> key=value ...").
const char kServerScript[] = R"PY(
import socket, ssl, sys
certs, count = sys.argv[1], int(sys.argv[2])
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(certs + "/server.pem", certs + "/server.key")
ctx.set_alpn_protocols(["h2", "http/1.1"])
names = {}
def on_sni(sock, name, context):
    names[id(sock)] = name
ctx.sni_callback = on_sni
ls = socket.socket()
ls.bind(("127.0.0.1", 0))
ls.listen(8)
print("PORT=%d" % ls.getsockname()[1], flush=True)
for i in range(count):
    raw, _ = ls.accept()
    raw.settimeout(10)
    try:
        s = ctx.wrap_socket(raw, server_side=True)
        line = b""
        while not line.endswith(b"\n"):
            d = s.recv(1024)
            if not d:
                break
            line += d
        s.sendall(b"echo " + line)
        print("CONN%d version=%s cipher=%s bits=%d alpn=%s sni=%s reused=%s line=%s" % (
            i, s.version(), s.cipher()[0], s.cipher()[2], s.selected_alpn_protocol(),
            names.get(id(s)), s.session_reused, line.decode().strip()), flush=True)
        try:
            s.unwrap()
        except (ssl.SSLError, OSError):
            pass
        s.close()
    except Exception as e:
        print("CONN%d ERROR %s: %s" % (i, type(e).__name__, e), flush=True)
        raw.close()
print("DONE", flush=True)
)PY";

// A python client (on whatever libssl it is given): `count` connections,
// each sending one line and printing the answer.
const char kClientScript[] = R"PY(
import socket, ssl, sys
ca, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
ctx = ssl.create_default_context(cafile=ca)
ctx.set_alpn_protocols(["http/1.1"])
for i in range(count):
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost") as s:
            s.sendall(b"hello %d\n" % i)
            data = s.recv(1024)
            print("C%d version=%s alpn=%s reply=%s" % (
                i, s.version(), s.selected_alpn_protocol(), data.decode().strip()), flush=True)
)PY";

class PythonServer
{
  public:
    // Starts the server for `count` connections; the port it printed.
    int start(int count, bool shim)
    {
        RunOptions o = server_options(shim);
        o.env.push_back("PYTHONDONTWRITEBYTECODE=1");
        if (!proc_.start({kPython, "-c", kServerScript, cert_dir(), std::to_string(count)}, o)) {
            ADD_FAILURE() << "cannot start python3: " << proc_.error();
            return 0;
        }
        if (!proc_.wait_output("\n", 10000) || !wait_line("PORT=")) {
            ADD_FAILURE() << "python3 server did not print its port:\n" << proc_.output();
            return 0;
        }
        return port_ = atoi(line("PORT=").c_str() + 5);
    }
    // Waits for the server's line starting with prefix (bounded).
    bool wait_line(const std::string &prefix, int timeout_ms = 10000)
    {
        auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
        while (line(prefix).empty()) {
            if (!proc_.running() || std::chrono::steady_clock::now() >= deadline)
                return !line(prefix).empty();
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        return true;
    }
    // The server's line starting with prefix (a whole line), or "".
    std::string line(const std::string &prefix)
    {
        std::string out = proc_.output();
        for (size_t p = 0; p < out.size();) {
            size_t eol = out.find('\n', p);
            if (eol == std::string::npos)
                break; // incomplete line
            if (out.compare(p, prefix.size(), prefix) == 0)
                return out.substr(p, eol - p);
            p = eol + 1;
        }
        return "";
    }
    Process &proc() { return proc_; }

  private:
    Process proc_;
    int port_ = 0;
};

RunResult python_client(int port, int count, std::vector<std::string> *cmd)
{
    std::vector<std::string> argv = {
        kPython, "-c", kClientScript, cert("ca.pem"), std::to_string(port), std::to_string(count)};
    RunOptions o;
    o.env.push_back("PYTHONDONTWRITEBYTECODE=1");
    o.timeout_ms = 30000;
    *cmd = argv;
    return run(argv, o);
}

TEST(PythonServerOnShim, ServesOpensslClientAndPythonClient)
{
    // Connection 0: s_client; 1 and 2: the python client.
    std::string seen[2][3];
    for (int shim = 0; shim < 2; ++shim) {
        PythonServer server;
        int port = server.start(3, shim == 1);
        ASSERT_NE(port, 0);
        std::vector<std::string> cmd;
        RunResult r = s_client(port, {"-ign_eof", "-alpn", "http/1.1"}, "from s_client\n", &cmd);
        EXPECT_EQ(r.exit_code, 0) << describe(cmd, r);
        EXPECT_TRUE(has(r.out, "echo from s_client")) << describe(cmd, r);
        EXPECT_TRUE(has(r.out, "Verify return code: 0 (ok)")) << describe(cmd, r);
        EXPECT_TRUE(has(r.out, "ALPN protocol: http/1.1")) << describe(cmd, r);
        // The server closed with close_notify (unwrap), not a bare close.
        EXPECT_FALSE(has(r.out + r.err, "unexpected eof")) << describe(cmd, r);

        RunResult c = python_client(port, 2, &cmd);
        EXPECT_EQ(c.exit_code, 0) << describe(cmd, c);
        EXPECT_EQ(c.out, "C0 version=TLSv1.3 alpn=http/1.1 reply=echo hello 0\n"
                         "C1 version=TLSv1.3 alpn=http/1.1 reply=echo hello 1\n")
            << describe(cmd, c);

        ASSERT_TRUE(server.wait_line("DONE")) << server.proc().output();
        for (int i = 0; i < 3; ++i)
            seen[shim][i] = server.line("CONN" + std::to_string(i) + " ");
        if (shim) {
            EXPECT_TRUE(ran_on_shim(server.proc().output()));
        }
    }
    EXPECT_EQ(seen[1][0], "CONN0 version=TLSv1.3 cipher=TLS_AES_256_GCM_SHA384 bits=256 "
                          "alpn=http/1.1 sni=localhost reused=False line=from s_client");
    EXPECT_EQ(seen[1][1], "CONN1 version=TLSv1.3 cipher=TLS_AES_256_GCM_SHA384 bits=256 "
                          "alpn=http/1.1 sni=localhost reused=False line=hello 0");
    for (int i = 0; i < 3; ++i)
        EXPECT_EQ(seen[1][i], seen[0][i]);
}

TEST(PythonServerOnShim, ClientWithoutCommonCipherGetsAlertAndServerRaises)
{
    // The server's TLS 1.3 suites are the defaults; a client offering only
    // TLS_AES_128_CCM_SHA256 shares none: the server raises SSLError with
    // OpenSSL's reason, the client gets a handshake_failure alert.
    std::string err[2];
    for (int shim = 0; shim < 2; ++shim) {
        PythonServer server;
        int port = server.start(1, shim == 1);
        ASSERT_NE(port, 0);
        std::vector<std::string> cmd;
        RunResult r =
            s_client(port, {"-tls1_3", "-ciphersuites", "TLS_AES_128_CCM_SHA256"}, "x\n", &cmd);
        EXPECT_NE(r.exit_code, 0) << describe(cmd, r);
        EXPECT_TRUE(has(r.out + r.err, "handshake failure")) << describe(cmd, r);
        ASSERT_TRUE(server.wait_line("DONE")) << server.proc().output();
        err[shim] = server.line("CONN0 ");
        if (shim) {
            EXPECT_TRUE(ran_on_shim(server.proc().output()));
        }
    }
    EXPECT_TRUE(has(err[0], "CONN0 ERROR SSLError: [SSL: NO_SHARED_CIPHER]")) << err[0];
    EXPECT_EQ(err[1], err[0]);
}

} // namespace
