// nginx virtual hosts on ShimSSL: two TLS server blocks on one port, the
// default one with the RSA certificate, `vhost.test` with the ECDSA one.
// nginx creates an SSL_CTX per server block and switches the connection to
// the vhost's in its servername callback (SSL_set_SSL_CTX). Debian's openssl
// s_client asks for each name (TLS 1.3 and TLS 1.2), sees that host's
// certificate and $ssl_server_name, and resumes its session on that host by
// ticket and, with tickets off, through nginx's shared session cache. The
// same configuration on the system OpenSSL is the reference.
#include "nginx_server.h"

#include <gtest/gtest.h>

using namespace shimtest;
using namespace shimtest::apps;

namespace
{

const char kVhostConfig[] = R"(error_log stderr info;
pid @DIR@/nginx.pid;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path @DIR@/body;
  proxy_temp_path @DIR@/proxy;
  fastcgi_temp_path @DIR@/fastcgi;
  uwsgi_temp_path @DIR@/uwsgi;
  scgi_temp_path @DIR@/scgi;
  ssl_protocols TLSv1.2 TLSv1.3;
@EXTRA@
  server {
    listen 127.0.0.1:@PORT@ ssl default_server;
    server_name localhost;
    ssl_certificate @CERTS@/server.pem;
    ssl_certificate_key @CERTS@/server.key;
    location / {
      default_type text/plain;
      return 200 "default $ssl_protocol $ssl_server_name $ssl_session_reused\n";
    }
  }
  server {
    listen 127.0.0.1:@PORT@ ssl;
    server_name vhost.test;
    ssl_certificate @CERTS@/server-ec.pem;
    ssl_certificate_key @CERTS@/server-ec.key;
    location / {
      default_type text/plain;
      return 200 "vhost $ssl_protocol $ssl_server_name $ssl_session_reused\n";
    }
  }
}
)";

// One s_client GET to `name`: the body line, the key type of the server's
// certificate, and New/Reused.
std::string fetch(int port, const std::string &name, const std::string &proto,
                  const std::string &sess_flag, const std::string &sess)
{
    std::vector<std::string> argv = {"openssl", "s_client", "-connect", "127.0.0.1:" + std::to_string(port),
                                     "-servername", name, "-CAfile", cert("ca.pem"), "-ign_eof", proto,
                                     sess_flag, sess};
    RunOptions o;
    o.stdin_data = "GET / HTTP/1.0\r\nHost: " + name + "\r\n\r\n";
    o.timeout_ms = 20000;
    RunResult r = run(argv, o);
    EXPECT_EQ(r.exit_code, 0) << describe(argv, r);
    // From the peer certificate, which a resumed session keeps.
    std::string key = has(r.out, "Server public key is 256 bit") ? "ec"
                      : has(r.out, "Server public key is 2048 bit") ? "rsa"
                                                                    : "?";
    std::string verdict = has(r.out, "\nReused, ") ? "Reused" : has(r.out, "\nNew, ") ? "New" : "?";
    return body_after_headers(r.out) + " | " + key + " " + verdict;
}

TEST(NginxVhosts, EachNameGetsItsCertificateAndResumesOnItsHost)
{
    const std::vector<std::string> extras = {"", "  ssl_session_cache shared:SSL:1m;\n  ssl_session_tickets off;\n"};
    std::vector<std::string> seen[2];
    for (int shim = 0; shim < 2; ++shim) {
        for (const auto &extra : extras) {
            std::string dir = make_temp_dir("nginx-vhost");
            ASSERT_FALSE(dir.empty());
            Process proc;
            int port = start_on_free_port(
                proc,
                [&](int p) {
                    std::string conf = write_file(
                        dir, "nginx.conf",
                        substitute(kVhostConfig, {{"DIR", dir},
                                                  {"PORT", std::to_string(p)},
                                                  {"CERTS", cert_dir()},
                                                  {"EXTRA", extra}}));
                    return std::vector<std::string>{kNginx, "-e", "stderr", "-p", dir, "-c", conf,
                                                    "-g", "daemon off; master_process off;"};
                },
                server_options(shim == 1));
            ASSERT_NE(port, 0) << proc.output();
            for (const std::string proto : {"-tls1_3", "-tls1_2"}) {
                for (const std::string name : {"localhost", "vhost.test"}) {
                    std::string sess = dir + "/" + name + proto + ".pem";
                    seen[shim].push_back(fetch(port, name, proto, "-sess_out", sess));
                    seen[shim].push_back(fetch(port, name, proto, "-sess_in", sess));
                }
            }
            EXPECT_TRUE(proc.running()) << proc.output();
            if (shim) {
                EXPECT_TRUE(ran_on_shim(proc.output()));
            }
        }
    }
    // What a user sees, spelled out for the first configuration (tickets)...
    ASSERT_GE(seen[1].size(), 8u);
    EXPECT_EQ(seen[1][0], "default TLSv1.3 localhost . | rsa New");
    EXPECT_EQ(seen[1][1], "default TLSv1.3 localhost r | rsa Reused");
    EXPECT_EQ(seen[1][2], "vhost TLSv1.3 vhost.test . | ec New");
    EXPECT_EQ(seen[1][3], "vhost TLSv1.3 vhost.test r | ec Reused");
    EXPECT_EQ(seen[1][6], "vhost TLSv1.2 vhost.test . | ec New");
    EXPECT_EQ(seen[1][7], "vhost TLSv1.2 vhost.test r | ec Reused");
    // ...and everything identical to nginx on the system OpenSSL.
    EXPECT_EQ(seen[1], seen[0]);
}

} // namespace
