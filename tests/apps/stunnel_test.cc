// Debian's stunnel4 on ShimSSL (LD_PRELOAD): it accepts TLS and forwards
// the plaintext to a backend (python's http.server on the loopback), so
// Debian's curl and gnutls-cli fetch pages from the backend through it.
// The same stunnel on the system OpenSSL is the reference for its log.
#include "server_apps.h"

#include <gtest/gtest.h>

using namespace shimtest;
using namespace shimtest::apps;

namespace
{

const char kPage[] = "backend page through stunnel\n";

// A plain HTTP backend serving dir.
class Backend
{
  public:
    bool start(const std::string &dir)
    {
        RunOptions o;
        o.env.push_back("PYTHONDONTWRITEBYTECODE=1");
        port_ = start_on_free_port(
            proc_,
            [&](int port) {
                return std::vector<std::string>{"/usr/bin/python3",   "-m",     "http.server",
                                                std::to_string(port), "--bind", "127.0.0.1",
                                                "--directory",        dir};
            },
            o);
        if (port_ == 0)
            ADD_FAILURE() << "backend did not start:\n" << proc_.output();
        return port_ != 0;
    }
    int port() const { return port_; }

  private:
    Process proc_;
    int port_ = 0;
};

const char kConfig[] = R"(foreground = yes
pid =
debug = info
[https]
accept = 127.0.0.1:@PORT@
connect = 127.0.0.1:@BACKEND@
cert = @CERTS@/server.pem
key = @CERTS@/server.key
@EXTRA@
)";

class Stunnel
{
  public:
    bool start(int backend_port, bool shim, const std::string &extra = "")
    {
        dir_ = make_temp_dir("stunnel");
        port_ = start_on_free_port(
            proc_,
            [&](int port) {
                std::string conf =
                    write_file(dir_, "stunnel.conf",
                               substitute(kConfig, {{"PORT", std::to_string(port)},
                                                    {"BACKEND", std::to_string(backend_port)},
                                                    {"CERTS", cert_dir()},
                                                    {"EXTRA", extra}}));
                return std::vector<std::string>{"stunnel4", conf};
            },
            server_options(shim));
        if (port_ == 0)
            ADD_FAILURE() << "stunnel did not start:\n" << proc_.output();
        return port_ != 0;
    }
    int port() const { return port_; }
    Process &proc() { return proc_; }

    // stunnel's log lines about the TLS handshakes, without timestamps and
    // thread tags ("TLS accepted: ...", ciphersuite, key).
    std::string tls_log()
    {
        std::string log = proc_.output(), out;
        // (Not the closing lines: their order depends on whether the
        // client or the backend closes first.)
        const char *const keys[] = {"TLS accepted", "ciphersuite", "Peer temporary key"};
        for (size_t p = 0; p < log.size();) {
            size_t eol = log.find('\n', p);
            if (eol == std::string::npos)
                break;
            std::string line = log.substr(p, eol - p);
            p = eol + 1;
            size_t tag = line.find("]: ");
            if (tag == std::string::npos || line.find(" LOG") == std::string::npos)
                continue;
            for (const char *k : keys) {
                if (line.find(k) != std::string::npos) {
                    out += line.substr(tag + 3) + "\n";
                    break;
                }
            }
        }
        return out;
    }

  private:
    Process proc_;
    std::string dir_;
    int port_ = 0;
};

// Deterministic content, large enough for many TLS records.
std::string big_content()
{
    std::string s;
    for (int i = 0; s.size() < (1u << 20); ++i)
        s += "line " + std::to_string(i) + " of the large file through stunnel\n";
    return s;
}

class StunnelOnShim : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        www_ = make_temp_dir("stunnel-www");
        ASSERT_FALSE(www_.empty());
        write_file(www_, "index.html", kPage);
        write_file(www_, "big.txt", big_content());
        ASSERT_TRUE(backend_.start(www_));
    }
    std::string www_;
    Backend backend_;
};

TEST_F(StunnelOnShim, CurlFetchesBackendPagesThroughIt)
{
    std::string logs[2];
    for (int shim = 0; shim < 2; ++shim) {
        Stunnel st;
        ASSERT_TRUE(st.start(backend_.port(), shim == 1));
        std::vector<std::string> cmd;
        RunResult r = curl(st.port(), "/index.html", {}, &cmd);
        EXPECT_EQ(r.exit_code, 0) << describe(cmd, r);
        EXPECT_EQ(r.out, std::string(kPage) + "\nHTTP=200 VERIFY=0\n") << describe(cmd, r);
        ASSERT_TRUE(st.proc().wait_output("Connection closed", 10000)) << st.proc().output();
        logs[shim] = st.tls_log();
        EXPECT_TRUE(has(st.proc().output(), "SSL_shutdown successfully sent close_notify alert"))
            << st.proc().output();
        if (shim) {
            EXPECT_TRUE(ran_on_shim(st.proc().output()));
        }
    }
    EXPECT_TRUE(has(logs[1], "TLS accepted: new session negotiated\n")) << logs[1];
    EXPECT_TRUE(has(logs[1], "TLSv1.3 ciphersuite: TLS_AES_256_GCM_SHA384 (256-bit encryption)\n"))
        << logs[1];
    EXPECT_EQ(logs[1], logs[0]);
}

TEST_F(StunnelOnShim, LargeDownloadArrivesIntact)
{
    Stunnel st;
    ASSERT_TRUE(st.start(backend_.port(), true));
    std::string out = make_temp_dir("stunnel-out") + "/big.txt";
    std::vector<std::string> cmd;
    RunResult r = curl(st.port(), "/big.txt", {"-o", out}, &cmd);
    EXPECT_EQ(r.exit_code, 0) << describe(cmd, r);
    EXPECT_EQ(r.out, "\nHTTP=200 VERIFY=0\n") << describe(cmd, r);
    std::ifstream f(out, std::ios::binary);
    std::string got((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    EXPECT_EQ(got.size(), big_content().size());
    EXPECT_TRUE(got == big_content());
    EXPECT_TRUE(ran_on_shim(st.proc().output()));
}

TEST_F(StunnelOnShim, GnutlsCliFetchesThroughIt)
{
    Stunnel st;
    ASSERT_TRUE(st.start(backend_.port(), true));
    std::vector<std::string> g = {
        "gnutls-cli", "--x509cafile", cert("ca.pem"), "-p", std::to_string(st.port()), "localhost"};
    RunOptions o;
    o.stdin_data = "GET /index.html HTTP/1.0\r\n\r\n";
    o.timeout_ms = 20000;
    RunResult r = run(g, o);
    EXPECT_EQ(r.exit_code, 0) << describe(g, r);
    EXPECT_TRUE(has(r.out + r.err, "Handshake was completed")) << describe(g, r);
    EXPECT_TRUE(has(r.out, "HTTP/1.0 200 OK")) << describe(g, r);
    EXPECT_TRUE(has(r.out, kPage)) << describe(g, r);
    EXPECT_TRUE(ran_on_shim(st.proc().output()));
}

} // namespace
