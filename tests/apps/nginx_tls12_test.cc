// Debian's nginx (nginx-light) serving HTTPS over TLS 1.2 on ShimSSL
// (LD_PRELOAD), one process, configured by the test in a private prefix
// with an RSA and an ECDSA certificate. Clients: Debian's curl
// (--tls-max 1.2) and gnutls-cli (TLS 1.3 removed from its priorities) on
// their own TLS libraries. nginx's $ssl_* variables are compared with the
// same configuration on the system OpenSSL.
#include "server_apps.h"

#include <gtest/gtest.h>

using namespace shimtest;
using namespace shimtest::apps;

namespace
{

const char kNginx[] = "/usr/sbin/nginx";

const char kConfig[] = R"(error_log stderr info;
pid @DIR@/nginx.pid;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path @DIR@/body;
  proxy_temp_path @DIR@/proxy;
  fastcgi_temp_path @DIR@/fastcgi;
  uwsgi_temp_path @DIR@/uwsgi;
  scgi_temp_path @DIR@/scgi;
  server {
    listen 127.0.0.1:@PORT@ ssl;
    server_name localhost;
    ssl_protocols TLSv1.2;
    ssl_certificate @CERTS@/server.pem;
    ssl_certificate_key @CERTS@/server.key;
    ssl_certificate @CERTS@/server-ec.pem;
    ssl_certificate_key @CERTS@/server-ec.key;
    location = /info {
      default_type text/plain;
      return 200 "$ssl_protocol $ssl_cipher $ssl_server_name $ssl_session_reused\n";
    }
    location / {
      default_type text/plain;
      return 200 "served by nginx\n";
    }
  }
}
)";

// nginx in its own prefix, on ShimSSL when shim; stopped when destroyed.
class Nginx12
{
  public:
    bool start(bool shim)
    {
        dir_ = make_temp_dir("nginx12");
        if (dir_.empty()) {
            ADD_FAILURE() << "mkdtemp failed";
            return false;
        }
        port_ = start_on_free_port(
            proc_,
            [&](int port) {
                std::string conf = write_file(dir_, "nginx.conf",
                                              substitute(kConfig, {{"DIR", dir_},
                                                                   {"PORT", std::to_string(port)},
                                                                   {"CERTS", cert_dir()}}));
                return std::vector<std::string>{kNginx, "-e", "stderr",
                                                "-p",   dir_, "-c",
                                                conf,   "-g", "daemon off; master_process off;"};
            },
            server_options(shim));
        if (port_ == 0) {
            ADD_FAILURE() << "nginx did not start; output:\n" << proc_.output();
            return false;
        }
        return true;
    }
    int port() const { return port_; }
    Process &proc() { return proc_; }

  private:
    Process proc_;
    std::string dir_;
    int port_ = 0;
};

// The /info line as curl (--tls-max 1.2, extra options) gets it.
std::string curl_info(int port, const std::vector<std::string> &extra)
{
    std::vector<std::string> args = {"--tls-max", "1.2"};
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<std::string> cmd;
    RunResult r = curl(port, "/info", args, &cmd);
    EXPECT_EQ(r.exit_code, 0) << describe(cmd, r);
    EXPECT_TRUE(has(r.out, "HTTP=200 VERIFY=0")) << describe(cmd, r);
    return first_line(r.out);
}

TEST(NginxTls12OnShim, CurlSeesTheSameSuitesAsOnOpenSsl)
{
    const std::vector<std::vector<std::string>> clients = {
        {},
        {"--ciphers", "ECDHE-ECDSA-AES128-GCM-SHA256"},
        {"--ciphers", "ECDHE-RSA-CHACHA20-POLY1305"},
        {"--ciphers", "ECDHE-RSA-AES256-GCM-SHA384"},
    };
    std::vector<std::string> seen[2];
    for (int shim = 1; shim >= 0; --shim) {
        Nginx12 ng;
        ASSERT_TRUE(ng.start(shim == 1));
        for (const auto &extra : clients)
            seen[shim].push_back(curl_info(ng.port(), extra));
        // A plain page too.
        std::vector<std::string> cmd;
        RunResult r = curl(ng.port(), "/", {"--tls-max", "1.2"}, &cmd);
        EXPECT_EQ(r.out, "served by nginx\n\nHTTP=200 VERIFY=0\n") << describe(cmd, r);
        if (shim) {
            EXPECT_TRUE(ng.proc().running()) << ng.proc().output();
            EXPECT_TRUE(ran_on_shim(ng.proc().output()));
        }
    }
    ASSERT_EQ(seen[1].size(), 4u);
    EXPECT_EQ(seen[1][1], "TLSv1.2 ECDHE-ECDSA-AES128-GCM-SHA256 localhost .");
    EXPECT_EQ(seen[1][2], "TLSv1.2 ECDHE-RSA-CHACHA20-POLY1305 localhost .");
    EXPECT_EQ(seen[1][3], "TLSv1.2 ECDHE-RSA-AES256-GCM-SHA384 localhost .");
    EXPECT_EQ(seen[1], seen[0]);
}

TEST(NginxTls12OnShim, GnutlsCliWithoutTls13)
{
    std::string seen[2];
    for (int shim = 1; shim >= 0; --shim) {
        Nginx12 ng;
        ASSERT_TRUE(ng.start(shim == 1));
        std::vector<std::string> g = {
            "gnutls-cli",   "--priority", "NORMAL:-VERS-TLS1.3",     "--x509cafile",
            cert("ca.pem"), "-p",         std::to_string(ng.port()), "localhost"};
        RunOptions o;
        o.stdin_data = "GET /info HTTP/1.0\r\nHost: localhost\r\n\r\n";
        o.timeout_ms = 20000;
        RunResult gr = run(g, o);
        EXPECT_EQ(gr.exit_code, 0) << describe(g, gr);
        EXPECT_TRUE(has(gr.out + gr.err, "Handshake was completed")) << describe(g, gr);
        EXPECT_TRUE(has(gr.out + gr.err, "- Description: (TLS1.2-")) << describe(g, gr);
        EXPECT_TRUE(has(gr.out, "HTTP/1.1 200 OK")) << describe(g, gr);
        size_t p = gr.out.find("\r\n\r\n");
        seen[shim] = p == std::string::npos ? "" : first_line(gr.out.substr(p + 4));
        EXPECT_EQ(seen[shim].rfind("TLSv1.2 ", 0), 0u) << describe(g, gr);
        if (shim) {
            EXPECT_TRUE(ran_on_shim(ng.proc().output()));
        }
    }
    EXPECT_EQ(seen[1], seen[0]);
}

} // namespace
