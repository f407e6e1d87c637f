// Debian's apache2 with mod_ssl on ShimSSL (LD_PRELOAD), started by the test
// in the foreground (-X) on a loopback port with a configuration of its own,
// serving Debian's curl and openssl s_client on the system OpenSSL: pages
// over TLS 1.3 and 1.2, shmcb session cache resumption in both versions,
// client certificates required server-wide and per <Location> (TLS 1.3
// post-handshake authentication). The same apache2 on the system OpenSSL is
// the reference for every answer and for its error log.
#include "log_text.h"
#include "server_apps.h"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <algorithm>
#include <functional>
#include <fstream>

using namespace shimtest;
using namespace shimtest::apps;

namespace
{

const char kModules[] = "/usr/lib/apache2/modules";

const char kConfig[] = R"(ServerName localhost
LoadModule mpm_event_module @MODS@/mod_mpm_event.so
LoadModule authz_core_module @MODS@/mod_authz_core.so
LoadModule socache_shmcb_module @MODS@/mod_socache_shmcb.so
LoadModule ssl_module @MODS@/mod_ssl.so
Listen 127.0.0.1:@PORT@
PidFile @DIR@/httpd.pid
DefaultRuntimeDir @DIR@
Mutex file:@DIR@ default
ErrorLog @DIR@/error.log
LogLevel info
Timeout 10
User www-data
Group www-data
SSLSessionCache shmcb:@DIR@/scache(512000)
SSLSessionTickets off
<VirtualHost 127.0.0.1:@PORT@>
  SSLEngine on
  SSLCertificateFile @CERTS@/server.pem
  SSLCertificateKeyFile @CERTS@/server.key
  SSLCACertificateFile @CERTS@/ca.pem
  DocumentRoot @DIR@/www
  <Directory @DIR@/www>
    Require all granted
  </Directory>
  <Location /secure/>
    SSLVerifyClient require
    SSLVerifyDepth 2
  </Location>
  @EXTRA@
</VirtualHost>
)";

class Apache
{
  public:
    bool start(bool shim, const std::string &extra = "")
    {
        dir_ = make_temp_dir("apache");
        // The workers run as www-data: everything they read must be theirs to read.
        chmod(dir_.c_str(), 0755);
        mkdir((dir_ + "/www").c_str(), 0755);
        mkdir((dir_ + "/www/secure").c_str(), 0755);
        write_file(dir_ + "/www", "index.html", "public page\n");
        write_file(dir_ + "/www/secure", "index.html", "secure page\n");
        port_ = start_on_free_port(
            proc_,
            [&](int port) {
                std::string conf = write_file(dir_, "httpd.conf",
                                              substitute(kConfig, {{"PORT", std::to_string(port)},
                                                                   {"DIR", dir_},
                                                                   {"MODS", kModules},
                                                                   {"CERTS", cert_dir()},
                                                                   {"EXTRA", extra}}));
                return std::vector<std::string>{"/usr/sbin/apache2", "-X", "-d", dir_, "-f", conf};
            },
            server_options(shim));
        if (port_ == 0) {
            ADD_FAILURE() << "apache2 did not start:\n" << proc_.output();
        } else if (shim) {
            EXPECT_TRUE(ran_on_shim(proc_.output()));
        }
        return port_ != 0;
    }
    int port() const { return port_; }

    // The error log as lines "[module:level] ... AHnnnnn: message", without
    // timestamps, process and thread ids, client ports, the port of this
    // run and which worker ("child N") took a connection; sorted, since
    // worker threads log concurrently.
    std::string log()
    {
        std::ifstream in(dir_ + "/error.log");
        std::string line;
        std::vector<std::string> lines;
        while (std::getline(in, line)) {
            // The loader's trace reaches the error log (it is apache's stderr).
            if (is_loader_trace(line) || line.find("AH00098") != std::string::npos)
                continue;
            line = drop_leading(line, '[', ']'); // [Mon Dec 07 21:57:42.050800 2026]
            size_t pid = line.find("[pid ");
            if (pid != std::string::npos) {
                size_t e = line.find("] ", pid);
                if (e != std::string::npos)
                    line.erase(pid, e + 2 - pid);
            }
            line = replace_all(line, "localhost:" + std::to_string(port_), "localhost:PORT");
            line = mask_number_after(line, "child ", "N");
            line = mask_number_after(line, "[client 127.0.0.1:", "P");
            lines.push_back(line);
        }
        std::sort(lines.begin(), lines.end());
        std::string out;
        for (const std::string &l : lines)
            out += l + "\n";
        return out;
    }

  private:
    Process proc_;
    std::string dir_;
    int port_ = 0;
};

std::vector<std::string> client_cert()
{
    return {"--cert", cert("client.pem"), "--key", cert("client.key")};
}

// Runs `body` against apache2 on ShimSSL and on the system OpenSSL; what it
// returns (answers to the clients) and the error logs must be equal.
void compare(const std::function<std::string(int port)> &body, const std::string &extra = "")
{
    std::string got[2], logs[2];
    for (int shim = 1; shim >= 0; --shim) {
        Apache ap;
        ASSERT_TRUE(ap.start(shim == 1, extra));
        got[shim] = body(ap.port());
        logs[shim] = ap.log();
    }
    EXPECT_EQ(got[1], got[0]) << "answers: ShimSSL (first) vs OpenSSL";
    EXPECT_EQ(logs[1], logs[0]) << "error log: ShimSSL (first) vs OpenSSL";
}

std::string fetch(int port, const std::string &path, std::vector<std::string> extra)
{
    std::vector<std::string> cmd;
    RunResult r = curl(port, path, extra, &cmd);
    return "exit=" + std::to_string(r.exit_code) + " " + r.out;
}

TEST(ApacheOnShim, PagesOverTls13AndTls12)
{
    compare([](int port) {
        std::string out = fetch(port, "/index.html", {});
        out += fetch(port, "/index.html", {"--tls-max", "1.2"});
        out += fetch(port, "/index.html", {"--tlsv1.3"});
        EXPECT_TRUE(has(out, "public page")) << out;
        return out;
    });
}

// s_client saves the session of a first connection and offers it again.
std::string resumed(int port, const std::string &version)
{
    std::string sess = make_temp_dir("apache-sess") + "/sess.pem";
    std::vector<std::string> cmd;
    const std::string req = "GET /index.html HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    RunResult a = s_client(port, {version, "-sess_out", sess, "-ign_eof"}, req, &cmd);
    RunResult b = s_client(port, {version, "-sess_in", sess, "-ign_eof"}, req, &cmd);
    std::string out = version + ": first " + (has(a.out, "\nNew, ") ? "new" : "?") + ", second " +
                      (has(b.out, "\nReused, ") ? "reused" : "new") + "\n";
    EXPECT_TRUE(has(b.out, "public page")) << describe(cmd, b);
    return out;
}

TEST(ApacheOnShim, ShmcbCacheResumesBothVersions)
{
    compare([](int port) {
        std::string out = resumed(port, "-tls1_3") + resumed(port, "-tls1_2");
        EXPECT_EQ(out, "-tls1_3: first new, second reused\n-tls1_2: first new, second reused\n");
        return out;
    });
}

TEST(ApacheOnShim, ClientCertificateRequiredServerWide)
{
    compare(
        [](int port) {
            std::string out = fetch(port, "/index.html", client_cert());
            out += fetch(port, "/index.html", {"--tls-max", "1.2", "--cert", cert("client.pem"), "--key",
                                               cert("client.key")});
            // Without a certificate: refused in the handshake.
            out += fetch(port, "/index.html", {"--tls-max", "1.2"});
            EXPECT_TRUE(has(out, "exit=0 public page\n\nHTTP=200")) << out;
            return out;
        },
        "SSLVerifyClient require\n  SSLVerifyDepth 2");
}

// Per-directory client authentication over TLS 1.3: mod_ssl asks for the
// certificate after the handshake (SSL_verify_client_post_handshake);
// curl allows post-handshake authentication when it has a certificate.
TEST(ApacheOnShim, PerLocationClientAuthOverTls13)
{
    compare([](int port) {
        std::string out = fetch(port, "/secure/index.html", client_cert());
        out += fetch(port, "/index.html", client_cert());
        EXPECT_TRUE(has(out, "exit=0 secure page\n\nHTTP=200")) << out;
        return out;
    });
}

// The same over TLS 1.2 needs renegotiation (RFC 5746), which ShimSSL does
// not do yet (issue 11): mod_ssl's request fails and the client gets 403
// after the Timeout, where OpenSSL renegotiates and serves the page.
TEST(ApacheOnShim, PerLocationClientAuthOverTls12)
{
    GTEST_SKIP() << "renegotiation is issue 11; tests/skip-allowlist";
    compare([](int port) {
        std::string out = fetch(port, "/secure/index.html",
                                {"--tls-max", "1.2", "--cert", cert("client.pem"), "--key", cert("client.key")});
        EXPECT_TRUE(has(out, "exit=0 secure page\n\nHTTP=200")) << out;
        return out;
    });
}

} // namespace
