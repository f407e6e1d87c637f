// Debian's dovecot (imap) on ShimSSL (LD_PRELOAD, passed on to its login
// processes with import_environment), started by the test in the foreground
// with a configuration of its own: IMAPS for curl and STARTTLS for
// openssl s_client, both on the system OpenSSL (the loader trace proves the
// master ran on ShimSSL; its children inherit only LD_PRELOAD, not the
// trace, which they would log as errors). With verbose_ssl dovecot
// logs every info-callback call with SSL_state_string_long(): the sequence
// of states a server passes through, as OpenSSL names them. The same
// dovecot on the system OpenSSL is the reference for all of it.
#include "server_apps.h"

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <functional>

using namespace shimtest;
using namespace shimtest::apps;

namespace
{

const char kConfig[] = R"(protocols = imap
listen = 127.0.0.1
base_dir = @DIR@/run
state_dir = @DIR@/state
log_path = @DIR@/dovecot.log
ssl = yes
ssl_cert = <@CERTS@/server.pem
ssl_key = <@CERTS@/server.key
verbose_ssl = yes
# No address-space limit for the login processes: an ASan build of the
# library reserves terabytes of shadow memory.
default_vsz_limit = 0
auth_mechanisms = plain
disable_plaintext_auth = no
import_environment = TZ LD_PRELOAD ASAN_OPTIONS UBSAN_OPTIONS
passdb {
  driver = static
  args = password=pw
}
userdb {
  driver = static
  args = uid=65534 gid=65534 home=@DIR@/mail/%u
}
mail_location = maildir:@DIR@/mail/%u
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = @PORT@
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = @SPORT@
    ssl = yes
  }
  chroot =
}
service anvil {
  chroot =
}
)";

class Dovecot
{
  public:
    bool start(bool shim)
    {
        dir_ = make_temp_dir("dovecot");
        chmod(dir_.c_str(), 0755);
        for (const char *d : {"/run", "/state", "/mail"})
            mkdir((dir_ + d).c_str(), 0755);
        chmod((dir_ + "/mail").c_str(), 0777);
        port_ = start_on_free_port(
            proc_,
            [&](int port) {
                sport_ = free_port();
                std::string conf = write_file(dir_, "dovecot.conf",
                                              substitute(kConfig, {{"PORT", std::to_string(port)},
                                                                   {"SPORT", std::to_string(sport_)},
                                                                   {"DIR", dir_},
                                                                   {"CERTS", cert_dir()}}));
                return std::vector<std::string>{"/usr/sbin/dovecot", "-F", "-c", conf};
            },
            server_options(shim));
        if (port_ == 0) {
            ADD_FAILURE() << "dovecot did not start:\n" << proc_.output();
        } else {
            EXPECT_TRUE(wait_port(sport_, 10000));
            if (shim) {
                EXPECT_TRUE(ran_on_shim(proc_.output()));
            }
        }
        return port_ != 0;
    }
    int port() const { return port_; }
    int imaps_port() const { return sport_; }

    // The log without timestamps ("Dec 07 22:04:06 ") and the master's
    // lines; lines for calls that returned -1 (SSL_ERROR_WANT_READ: how
    // many there are depends on how the client's bytes arrive) left out.
    std::string log()
    {
        std::ifstream in(dir_ + "/dovecot.log");
        std::string line, out;
        while (std::getline(in, line)) {
            if (line.size() > 16 && line[3] == ' ' && line[6] == ' ' && line[15] == ' ')
                line = line.substr(16);
            if (line.find("ret=-1") != std::string::npos || line.find("master: ") == 0)
                continue;
            out += line + "\n";
        }
        return out;
    }

  private:
    Process proc_;
    std::string dir_;
    int port_ = 0, sport_ = 0;
};

std::string imaps_list(int port, const std::vector<std::string> &extra)
{
    std::vector<std::string> argv = {"curl",     "-sS", "--max-time", "15", "--cacert", cert("ca.pem"),
                                     "--resolve", "localhost:" + std::to_string(port) + ":127.0.0.1",
                                     "-u",       "test:pw"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.push_back("imaps://localhost:" + std::to_string(port) + "/");
    RunOptions o;
    o.timeout_ms = 20000;
    RunResult r = run(argv, o);
    EXPECT_EQ(r.exit_code, 0) << describe(argv, r);
    return r.out;
}

std::string starttls(int port)
{
    std::vector<std::string> argv = {"openssl", "s_client", "-starttls", "imap", "-connect",
                                     "127.0.0.1:" + std::to_string(port), "-CAfile", cert("ca.pem"),
                                     "-servername", "localhost", "-brief", "-ign_eof"};
    RunOptions o;
    // -ign_eof: read until dovecot closes after LOGOUT, not until stdin ends
    // (which races with the answer).
    o.stdin_data = "a1 LOGOUT\r\n";
    o.timeout_ms = 20000;
    RunResult r = run(argv, o);
    EXPECT_EQ(r.exit_code, 0) << describe(argv, r);
    EXPECT_TRUE(has(r.err, "Verification: OK")) << describe(argv, r);
    return r.out;
}

// Runs the clients against dovecot on ShimSSL and on OpenSSL; returns the
// two logs (ShimSSL first) after checking the clients' answers are equal.
std::pair<std::string, std::string> both(const std::function<std::string(Dovecot &)> &body)
{
    std::string got[2], logs[2];
    for (int shim = 1; shim >= 0; --shim) {
        Dovecot d;
        if (!d.start(shim == 1))
            return {};
        got[shim] = body(d);
        logs[shim] = d.log();
    }
    EXPECT_EQ(got[1], got[0]) << "answers: ShimSSL (first) vs OpenSSL";
    return {logs[1], logs[0]};
}

TEST(DovecotOnShim, ImapsAndStarttlsWithoutErrors)
{
    auto logs = both([](Dovecot &d) {
        std::string out = imaps_list(d.imaps_port(), {});
        out += imaps_list(d.imaps_port(), {"--tls-max", "1.2"});
        out += starttls(d.port());
        EXPECT_TRUE(has(out, "* LIST (\\HasNoChildren) \".\" INBOX")) << out;
        return out;
    });
    EXPECT_FALSE(has(logs.first, "Error:")) << logs.first;
    EXPECT_FALSE(has(logs.second, "Error:")) << logs.second;
}

// Every state the server passes through, named as OpenSSL names it, in
// OpenSSL's order: TLS 1.3 and TLS 1.2 handshakes.
// Only the info-callback lines: the rest is logged by several processes
// whose order varies.
std::string states(const std::string &log)
{
    std::string out;
    for (size_t p = 0; p < log.size();) {
        size_t eol = log.find('\n', p);
        std::string line = log.substr(p, eol - p);
        p = eol + 1;
        if (line.find("SSL: where=") != std::string::npos)
            out += line + "\n";
    }
    return out;
}

TEST(DovecotOnShim, VerboseSslStatesAsOnOpenSsl)
{
    for (const char *max : {"1.3", "1.2"}) {
        auto all = both([&](Dovecot &d) { return imaps_list(d.imaps_port(), {"--tls-max", max}); });
        std::pair<std::string, std::string> logs = {states(all.first), states(all.second)};
        EXPECT_FALSE(has(logs.first, "unknown state")) << logs.first;
        EXPECT_TRUE(has(logs.second, "SSL negotiation finished successfully")) << logs.second;
        EXPECT_EQ(logs.first, logs.second) << "TLS " << max << ": dovecot's log, ShimSSL (first) vs OpenSSL";
    }
}

} // namespace
