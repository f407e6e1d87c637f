// Debian's postfix smtpd with STARTTLS on ShimSSL, against `openssl
// s_client -starttls smtp` on the system OpenSSL; the same postfix on the
// system libssl is the reference. The test starts a private instance as
// root: `postfix -c <dir> start-fg` with its own main.cf (queue and data
// directories in the test's directory, a log file instead of syslog) and a
// master.cf with only the services smtpd needs for a TLS session (postlogd
// for the log, proxymap for its recipient lookups, tlsmgr). The master
// passes LD_PRELOAD to smtpd through import_environment, with a loader trace
// written per process (LD_DEBUG_OUTPUT): smtpd's trace proves it ran on
// ShimSSL (the master itself does not link libssl). The master detaches
// into a session of its own, so the test stops it by the PID it records,
// then the postfix-script it started.
#include "server_apps.h"

#include <gtest/gtest.h>

#include <dirent.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

using namespace shimtest;
using namespace shimtest::apps;

namespace
{

const char kMain[] = R"(compatibility_level = 3.6
queue_directory = @DIR@/queue
data_directory = @DIR@/data
myhostname = localhost
mydomain = localdomain
inet_interfaces = loopback-only
smtpd_tls_cert_file = @CERTS@/server.pem
smtpd_tls_key_file = @CERTS@/server.key
smtpd_tls_security_level = may
smtpd_tls_loglevel = 1
maillog_file = @DIR@/maillog
maillog_file_prefixes = @DIR@
alias_maps =
alias_database =
import_environment = MAIL_CONFIG MAIL_DEBUG MAIL_LOGTAG TZ LANG=C POSTLOG_SERVICE POSTLOG_HOSTNAME @ENV@
)";

const char kMaster[] = R"(127.0.0.1:@PORT@ inet n - n - - smtpd
postlog unix-dgram n - n - 1 postlogd
proxymap unix - - n - - proxymap
tlsmgr unix - - n 1000? 1 tlsmgr
)";

std::string slurp(const std::string &path)
{
    std::ifstream f(path);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

class Postfix
{
  public:
    ~Postfix()
    {
        stop();
        if (!dir_.empty()) {
            std::error_code ec;
            std::filesystem::remove_all(dir_, ec);
        }
    }

    bool start(bool shim)
    {
        shim_ = shim;
        prctl(PR_SET_CHILD_SUBREAPER, 1);
        dir_ = make_temp_dir("postfix");
        chmod(dir_.c_str(), 0755); // the postfix user reaches its directories
        for (const char *d : {"/conf", "/queue", "/data"})
            mkdir((dir_ + d).c_str(), 0755);
        if (struct passwd *pw = getpwnam("postfix")) {
            EXPECT_EQ(chown((dir_ + "/data").c_str(), pw->pw_uid, pw->pw_gid), 0);
        }
        std::string env;
        RunOptions opt = server_options(shim);
        if (shim) {
            for (const std::string &e : preload_env())
                env += e + " ";
            env += "LD_DEBUG=files LD_DEBUG_OUTPUT=" + dir_ + "/ld";
        }
        write_file(dir_ + "/conf", "main.cf",
                   substitute(kMain, {{"DIR", dir_}, {"CERTS", cert_dir()}, {"ENV", env}}));
        port_ = start_on_free_port(
            proc_,
            [&](int port) {
                write_file(dir_ + "/conf", "master.cf",
                           substitute(kMaster, {{"PORT", std::to_string(port)}}));
                return std::vector<std::string>{"/usr/sbin/postfix", "-c", dir_ + "/conf",
                                                "start-fg"};
            },
            opt);
        if (port_ == 0)
            ADD_FAILURE() << "postfix did not start:\n" << proc_.output() << log();
        return port_ != 0;
    }

    int port() const { return port_; }

    std::string log() { return slurp(dir_ + "/maillog"); }
    std::string listing()
    {
        std::string out;
        for (const auto &e : std::filesystem::directory_iterator(dir_))
            out += e.path().string() + "\n";
        return out;
    }

    // The loader traces of the smtpd processes (ShimSSL run only).
    std::string smtpd_traces()
    {
        std::string all;
        DIR *d = opendir(dir_.c_str());
        if (d == nullptr)
            return all;
        while (struct dirent *e = readdir(d)) {
            std::string name = e->d_name;
            if (name.rfind("ld.", 0) != 0)
                continue;
            std::string t = slurp(dir_ + "/" + name);
            if (t.find("needed by smtpd ") != std::string::npos)
                all += t;
        }
        closedir(d);
        return all;
    }

    // The master by its recorded PID (it and its services share its process
    // group), then the postfix-script the test started.
    void stop()
    {
        if (port_ == 0)
            return;
        port_ = 0;
        std::string pid_text = slurp(dir_ + "/queue/pid/master.pid");
        pid_t master = (pid_t)atol(pid_text.c_str());
        if (master > 1) {
            // Its services, orphaned when it ends, become ours to reap (as
            // subreaper) instead of lingering as zombies.
            std::vector<pid_t> group = group_members(master);
            kill(master, SIGTERM);
            for (int i = 0; i < 100 && kill(master, 0) == 0 && !reaped(master); i++)
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
            kill(-master, SIGKILL); // whatever of its group is left
            for (pid_t pid : group)
                for (int i = 0; i < 100 && !reaped(pid); i++)
                    std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        proc_.stop();
    }

  private:
    // The processes of a process group, from /proc.
    static std::vector<pid_t> group_members(pid_t pgid)
    {
        std::vector<pid_t> out;
        DIR *d = opendir("/proc");
        if (d == nullptr)
            return out;
        while (struct dirent *e = readdir(d)) {
            pid_t pid = (pid_t)atol(e->d_name);
            if (pid > 0 && pid != pgid && getpgid(pid) == pgid)
                out.push_back(pid);
        }
        closedir(d);
        return out;
    }
    // Gone: reaped now, or not ours and no longer there.
    static bool reaped(pid_t pid)
    {
        int status;
        pid_t r = waitpid(pid, &status, WNOHANG);
        return r == pid || (r < 0 && kill(pid, 0) != 0);
    }

    Process proc_;
    std::string dir_;
    int port_ = 0;
    bool shim_ = false;
};

// EHLO, STARTTLS, EHLO again and QUIT with s_client on the system libssl.
RunResult starttls(int port, const std::vector<std::string> &extra)
{
    std::vector<std::string> argv = {"openssl",    "s_client",  "-starttls", "smtp",
                                     "-connect",   "127.0.0.1:" + std::to_string(port),
                                     "-CAfile",    cert("ca.pem"),
                                     "-servername", "localhost", "-brief", "-ign_eof"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    RunOptions o;
    o.stdin_data = "EHLO client.example\r\nQUIT\r\n";
    o.timeout_ms = 20000;
    RunResult r = run(argv, o);
    EXPECT_EQ(r.exit_code, 0) << describe(argv, r);
    EXPECT_TRUE(has(r.err, "Verification: OK")) << describe(argv, r);
    return r;
}

// s_client's summary and smtpd's answers, without what differs per run.
std::string summary(const RunResult &r)
{
    std::string out;
    for (const std::string *text : {&r.err, &r.out}) {
        std::istringstream in(*text);
        std::string line;
        while (std::getline(in, line)) {
            if (line.rfind("Protocol version:", 0) == 0 || line.rfind("Ciphersuite:", 0) == 0 ||
                line.rfind("Peer certificate:", 0) == 0 || line.rfind("Signature type:", 0) == 0 ||
                line.rfind("Verification:", 0) == 0 || line.rfind("250", 0) == 0 ||
                line.rfind("221", 0) == 0)
                out += line + "\n";
        }
    }
    return out;
}

// smtpd's TLS lines ("Anonymous TLS connection established ...") without
// the timestamp and process id.
std::string tls_lines(const std::string &log)
{
    std::string out;
    std::istringstream in(log);
    std::string line;
    while (std::getline(in, line)) {
        size_t at = line.find("TLS connection established");
        if (at == std::string::npos)
            at = line.find("warning:");
        if (at == std::string::npos)
            at = line.find("error:");
        if (at != std::string::npos)
            out += line.substr(at) + "\n";
    }
    return out;
}

TEST(PostfixOnShim, SmtpdStarttlsAsOnOpenSsl)
{
    ASSERT_EQ(geteuid(), 0u) << "postfix's master runs as root";
    std::string got[2], logs[2];
    for (int shim = 1; shim >= 0; --shim) {
        Postfix p;
        ASSERT_TRUE(p.start(shim == 1));
        for (const char *max : {"-tls1_3", "-tls1_2"})
            got[shim] += summary(starttls(p.port(), {max}));
        logs[shim] = tls_lines(p.log());
        if (shim == 1) {
            std::string traces = p.smtpd_traces();
            EXPECT_FALSE(traces.empty()) << "no loader trace of smtpd\n" << p.log() << p.listing();
            EXPECT_TRUE(ran_on_shim(traces));
        }
        p.stop();
    }
    EXPECT_TRUE(has(got[0], "Protocol version: TLSv1.3")) << got[0];
    EXPECT_TRUE(has(got[0], "Protocol version: TLSv1.2")) << got[0];
    EXPECT_TRUE(has(got[0], "250 ")) << got[0];
    EXPECT_EQ(got[1], got[0]) << "s_client: ShimSSL (first) vs OpenSSL";
    EXPECT_TRUE(has(logs[0], "TLS connection established")) << logs[0];
    EXPECT_EQ(logs[1], logs[0]) << "smtpd's log: ShimSSL (first) vs OpenSSL";
}

} // namespace
