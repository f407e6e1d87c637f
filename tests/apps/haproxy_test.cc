// Debian's haproxy on ShimSSL (LD_PRELOAD) terminating TLS 1.3 in front of
// a plain HTTP backend (python's http.server on the loopback). haproxy picks
// its certificate in a client-hello callback (SSL_CTX_set_client_hello_cb,
// SSL_client_hello_get0_ext / get0_ciphers, SSL_set_SSL_CTX), and answers
// one path itself with what its ssl_fc_* fetches read from the connection.
// The same haproxy on the system OpenSSL is the reference.
#include "server_apps.h"

#include <gtest/gtest.h>

using namespace shimtest;
using namespace shimtest::apps;

namespace
{

const char kPage[] = "backend page through haproxy\n";

const char kConfig[] = R"(global
  log stderr format raw local0 info
defaults
  mode http
  log global
  timeout connect 5s
  timeout client 10s
  timeout server 10s
frontend fe
  bind 127.0.0.1:@PORT@ ssl @CRT@
  http-request return status 200 content-type text/plain lf-string "%[ssl_fc_protocol] %[ssl_fc_cipher] %[ssl_fc_sni] %[ssl_fc_is_resumed]\n" if { path /info }
  default_backend be
backend be
  server s1 127.0.0.1:@BACKEND@
)";

class Haproxy
{
  public:
    // crt: the bind line's certificate keywords ("crt <pem>" ...).
    bool start(int backend_port, bool shim, const std::string &crt)
    {
        dir_ = make_temp_dir("haproxy");
        port_ = start_on_free_port(
            proc_,
            [&](int port) {
                std::string conf =
                    write_file(dir_, "haproxy.cfg",
                               substitute(kConfig, {{"PORT", std::to_string(port)},
                                                    {"BACKEND", std::to_string(backend_port)},
                                                    {"CRT", crt}}));
                return std::vector<std::string>{"haproxy", "-db", "-f", conf};
            },
            server_options(shim));
        if (port_ == 0)
            ADD_FAILURE() << "haproxy did not start:\n" << proc_.output();
        return port_ != 0;
    }
    int port() const { return port_; }
    Process &proc() { return proc_; }
    const std::string &dir() const { return dir_; }

  private:
    Process proc_;
    std::string dir_;
    int port_ = 0;
};

// haproxy wants the certificate and its key in one PEM file.
std::string combined_pem(const std::string &dir, const std::string &name)
{
    auto slurp = [](const std::string &path) {
        std::ifstream f(path, std::ios::binary);
        return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    };
    return write_file(dir, name + ".pem", slurp(cert(name + ".pem")) + slurp(cert(name + ".key")));
}

class HaproxyOnShim : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        www_ = make_temp_dir("haproxy-www");
        ASSERT_FALSE(www_.empty());
        write_file(www_, "index.html", kPage);
        RunOptions o;
        o.env.push_back("PYTHONDONTWRITEBYTECODE=1");
        backend_port_ = start_on_free_port(
            backend_,
            [&](int port) {
                return std::vector<std::string>{"/usr/bin/python3",   "-m",     "http.server",
                                                std::to_string(port), "--bind", "127.0.0.1",
                                                "--directory",        www_};
            },
            o);
        ASSERT_NE(backend_port_, 0) << backend_.output();
        rsa_ = combined_pem(www_, "server");
        ec_ = combined_pem(www_, "server-ec");
    }
    std::string www_, rsa_, ec_;
    Process backend_;
    int backend_port_ = 0;
};

TEST_F(HaproxyOnShim, CurlFetchesBackendPageAndSslFetchesReadAsOnOpenSsl)
{
    std::string info[2];
    for (int shim = 0; shim < 2; ++shim) {
        Haproxy hp;
        ASSERT_TRUE(hp.start(backend_port_, shim == 1, "crt " + rsa_));
        std::vector<std::string> cmd;
        RunResult r = curl(hp.port(), "/index.html", {}, &cmd);
        EXPECT_EQ(r.exit_code, 0) << describe(cmd, r);
        EXPECT_EQ(r.out, std::string(kPage) + "\nHTTP=200 VERIFY=0\n") << describe(cmd, r);
        RunResult i = curl(hp.port(), "/info", {}, &cmd);
        EXPECT_EQ(i.exit_code, 0) << describe(cmd, i);
        info[shim] = first_line(i.out);
        if (shim) {
            EXPECT_TRUE(ran_on_shim(hp.proc().output()));
        }
    }
    EXPECT_EQ(info[1], "TLSv1.3 TLS_AES_256_GCM_SHA384 localhost 0");
    EXPECT_EQ(info[1], info[0]);
}

TEST_F(HaproxyOnShim, RsaAndEcdsaCertificatesChosenByTheClientsSignatureAlgorithms)
{
    Haproxy hp;
    ASSERT_TRUE(hp.start(backend_port_, true, "crt " + rsa_ + " crt " + ec_));
    std::vector<std::string> cmd;
    const std::string get = "GET /index.html HTTP/1.0\r\n\r\n";

    RunResult ec =
        s_client(hp.port(), {"-ign_eof", "-sigalgs", "ecdsa_secp256r1_sha256"}, get, &cmd);
    EXPECT_EQ(ec.exit_code, 0) << describe(cmd, ec);
    EXPECT_TRUE(has(ec.out, "Server public key is 256 bit")) << describe(cmd, ec);
    EXPECT_TRUE(has(ec.out, "Peer signature type: ECDSA")) << describe(cmd, ec);
    EXPECT_TRUE(has(ec.out, "Verify return code: 0 (ok)")) << describe(cmd, ec);
    EXPECT_TRUE(has(ec.out, kPage)) << describe(cmd, ec);

    // haproxy looks for an RSA scheme by its low byte (rsa_pkcs1_*): a
    // client offering PSS only gets no certificate from it, on OpenSSL too.
    RunResult rsa = s_client(
        hp.port(), {"-ign_eof", "-sigalgs", "rsa_pss_rsae_sha256:rsa_pkcs1_sha256"}, get, &cmd);
    EXPECT_EQ(rsa.exit_code, 0) << describe(cmd, rsa);
    EXPECT_TRUE(has(rsa.out, "Server public key is 2048 bit")) << describe(cmd, rsa);
    EXPECT_TRUE(has(rsa.out, "Peer signature type: RSA-PSS")) << describe(cmd, rsa);
    EXPECT_TRUE(has(rsa.out, kPage)) << describe(cmd, rsa);

    EXPECT_TRUE(hp.proc().running()) << hp.proc().output();
    EXPECT_TRUE(ran_on_shim(hp.proc().output()));
}

TEST_F(HaproxyOnShim, GnutlsCliFetchesThroughIt)
{
    Haproxy hp;
    ASSERT_TRUE(hp.start(backend_port_, true, "crt " + rsa_));
    std::vector<std::string> g = {
        "gnutls-cli", "--x509cafile", cert("ca.pem"), "-p", std::to_string(hp.port()), "localhost"};
    RunOptions o;
    o.stdin_data = "GET /index.html HTTP/1.0\r\n\r\n";
    o.timeout_ms = 20000;
    RunResult r = run(g, o);
    EXPECT_EQ(r.exit_code, 0) << describe(g, r);
    EXPECT_TRUE(has(r.out + r.err, "Handshake was completed")) << describe(g, r);
    EXPECT_TRUE(has(r.out, kPage)) << describe(g, r);
    EXPECT_TRUE(ran_on_shim(hp.proc().output()));
}

} // namespace
