// Debian's nginx (nginx-light, /usr/sbin/nginx) as a test server: one
// process (master_process off) in a private prefix, TLS 1.3 with an RSA and
// an ECDSA certificate, on ShimSSL (LD_PRELOAD) or on the system OpenSSL.
// Paths: /info answers the $ssl_* variables of the connection, /client the
// client certificate check, anything else a fixed page.
#ifndef SHIMSSL_TESTS_APPS_NGINX_SERVER_H
#define SHIMSSL_TESTS_APPS_NGINX_SERVER_H

#include "server_apps.h"

namespace shimtest
{
namespace apps
{

const char kNginx[] = "/usr/sbin/nginx";
const char kNginxPage[] = "served by nginx\n";

// What nginx tells about the connection, one line.
const char kInfoVars[] = "$ssl_protocol $ssl_cipher $ssl_server_name $ssl_session_reused";

// Two certificates side by side: nginx calls SSL_CTX_use_certificate and
// SSL_CTX_use_PrivateKey once for each.
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
    ssl_protocols TLSv1.3;
    ssl_certificate @CERTS@/server.pem;
    ssl_certificate_key @CERTS@/server.key;
    ssl_certificate @CERTS@/server-ec.pem;
    ssl_certificate_key @CERTS@/server-ec.key;
@EXTRA@
    location = /info {
      default_type text/plain;
      return 200 "@INFO@\n";
    }
    location = /client {
      default_type text/plain;
      return 200 "$ssl_client_verify $ssl_client_s_dn\n";
    }
    location / {
      default_type text/plain;
      return 200 "served by nginx\n";
    }
  }
}
)";

class Nginx
{
  public:
    // Starts nginx with `server_extra` added to the TLS server block (on
    // ShimSSL when shim is true). Returns false with a gtest failure.
    bool start(const std::string &server_extra, bool shim = true)
    {
        dir_ = make_temp_dir("nginx");
        if (dir_.empty()) {
            ADD_FAILURE() << "mkdtemp failed";
            return false;
        }
        port_ = start_on_free_port(
            proc_,
            [&](int port) {
                std::string conf = write_file(dir_, "nginx.conf", config(port, server_extra));
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
    const std::string &dir() const { return dir_; }

  private:
    std::string config(int port, const std::string &server_extra)
    {
        return substitute(kConfig, {{"DIR", dir_},
                                    {"PORT", std::to_string(port)},
                                    {"CERTS", cert_dir()},
                                    {"EXTRA", server_extra},
                                    {"INFO", kInfoVars}});
    }

    Process proc_;
    std::string dir_;
    int port_ = 0;
};

// GET path over s_client (HTTP/1.0, so nginx closes after the answer).
inline RunResult s_client_get(int port, const std::string &path,
                              const std::vector<std::string> &extra, std::vector<std::string> *cmd)
{
    std::vector<std::string> args = {"-ign_eof"};
    args.insert(args.end(), extra.begin(), extra.end());
    return s_client(port, args, "GET " + path + " HTTP/1.0\r\nHost: localhost\r\n\r\n", cmd);
}

// The body line after the HTTP header in s_client / gnutls-cli output.
inline std::string body_after_headers(const std::string &out)
{
    size_t p = out.find("\r\n\r\n");
    if (p == std::string::npos)
        return "";
    return first_line(out.substr(p + 4));
}

} // namespace apps
} // namespace shimtest

#endif
