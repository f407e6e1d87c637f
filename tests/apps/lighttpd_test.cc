// Debian's lighttpd (mod_openssl) serving HTTPS on ShimSSL (LD_PRELOAD),
// fetched by Debian's curl (HTTP/2 and HTTP/1.1, TLS 1.3 and TLS 1.2) and
// gnutls-cli. lighttpd logs every TLS error it sees; the same clients
// against lighttpd on the system OpenSSL are the reference, and both logs
// must show the same thing: nothing (a client closing without close_notify
// is a fatal error after which OpenSSL reports the connection back "in
// init", and lighttpd then skips SSL_shutdown).
#include "server_apps.h"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <fstream>
#include <sstream>

using namespace shimtest;
using namespace shimtest::apps;

namespace
{

const char kConf[] = R"(server.document-root = "@DIR@/www"
server.port = @PORT@
server.bind = "127.0.0.1"
server.modules += ("mod_openssl")
ssl.engine = "enable"
ssl.pemfile = "@CERTS@/server.pem"
ssl.privkey = "@CERTS@/server.key"
server.errorlog = "@DIR@/error.log"
mimetype.assign = (".html" => "text/html")
)";

std::string read_all(const std::string &path)
{
    std::ifstream f(path);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

// lighttpd's error log without its start/stop lines and timestamps.
std::string complaints(const std::string &log)
{
    std::istringstream in(log);
    std::string line, out;
    while (std::getline(in, line)) {
        if (line.find("server started") != std::string::npos ||
            line.find("server stopped") != std::string::npos)
            continue;
        size_t p = line.find(": (");
        out += (p == std::string::npos ? line : line.substr(p + 2)) + "\n";
    }
    return out;
}

TEST(LighttpdOnShim, CurlAndGnutlsCliFetchPagesAndNothingIsLogged)
{
    const std::vector<std::vector<std::string>> clients = {
        {}, {"--http1.1"}, {"--tls-max", "1.2"}, {"--http1.1", "--tls-max", "1.2"}};
    std::string logs[2];
    for (int shim = 0; shim < 2; ++shim) {
        std::string dir = make_temp_dir("lighttpd");
        ASSERT_FALSE(dir.empty());
        ASSERT_EQ(mkdir((dir + "/www").c_str(), 0700), 0);
        write_file(dir + "/www", "index.html", "served by lighttpd\n");
        Process proc;
        int port = start_on_free_port(
            proc,
            [&](int p) {
                std::string conf = write_file(
                    dir, "lighttpd.conf",
                    substitute(kConf, {{"DIR", dir}, {"PORT", std::to_string(p)}, {"CERTS", cert_dir()}}));
                return std::vector<std::string>{"lighttpd", "-D", "-f", conf};
            },
            server_options(shim == 1));
        ASSERT_NE(port, 0) << proc.output();
        for (const auto &extra : clients) {
            std::vector<std::string> cmd;
            RunResult r = curl(port, "/index.html", extra, &cmd);
            EXPECT_EQ(r.exit_code, 0) << describe(cmd, r);
            EXPECT_EQ(r.out, "served by lighttpd\n\nHTTP=200 VERIFY=0\n") << describe(cmd, r);
        }
        std::vector<std::string> g = {"gnutls-cli", "--x509cafile", cert("ca.pem"), "-p",
                                      std::to_string(port), "localhost"};
        RunOptions o;
        o.stdin_data = "GET /index.html HTTP/1.0\r\nHost: localhost\r\n\r\n";
        o.timeout_ms = 20000;
        RunResult gr = run(g, o);
        EXPECT_TRUE(has(gr.out, "served by lighttpd")) << describe(g, gr);
        EXPECT_TRUE(proc.running()) << proc.output();
        if (shim) {
            EXPECT_TRUE(ran_on_shim(proc.output()));
        }
        proc.stop();
        logs[shim] = complaints(read_all(dir + "/error.log"));
    }
    EXPECT_EQ(logs[1], logs[0]);
    EXPECT_EQ(logs[1], "") << "lighttpd logged TLS errors on ShimSSL";
}

} // namespace
