// PostgreSQL 15 with ShimSSL on either end: a throwaway cluster made by the
// test (initdb, ssl = on, client certificates verified, SCRAM with channel
// binding), psql/libpq as the client. Each case runs with the server on
// ShimSSL, the client on ShimSSL, or both, and the same case with both on
// the system OpenSSL is the reference: what psql prints and what the
// server logs about TLS must be the same.
//
// The server refuses to run as root; the test runs it as the `postgres`
// user of Debian's package (setpriv execs it directly, so the process the
// test stops is the postmaster itself).
#include "log_text.h"
#include "server_apps.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include <fstream>
#include <iterator>

using namespace shimtest;
using namespace shimtest::apps;

namespace
{

const char kBin[] = "/usr/lib/postgresql/15/bin";
const char kPassword[] = "shimssl-test-password";

struct Ends {
    bool server_shim;
    bool client_shim;
};

std::string describe_ends(const Ends &e)
{
    return std::string("server on ") + (e.server_shim ? "ShimSSL" : "OpenSSL") + ", client on " +
           (e.client_shim ? "ShimSSL" : "OpenSSL");
}

// Runs as the postgres user: setpriv changes the ids and execs, no fork.
std::vector<std::string> as_postgres(std::vector<std::string> argv)
{
    argv.insert(argv.begin(), {"setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups"});
    return argv;
}

bool give_to_postgres(const std::string &path, mode_t mode)
{
    struct passwd *pw = getpwnam("postgres");
    return pw != nullptr && chown(path.c_str(), pw->pw_uid, pw->pw_gid) == 0 &&
           chmod(path.c_str(), mode) == 0;
}

// One cluster for the whole file (initdb takes seconds); a server per test.
class Cluster
{
  public:
    static Cluster &get()
    {
        static Cluster c;
        return c;
    }
    bool ready() const { return ready_; }
    const std::string &dir() const { return dir_; }
    std::string data() const { return dir_ + "/data"; }
    const std::string &error() const { return error_; }

  private:
    Cluster()
    {
        if (getpwnam("postgres") == nullptr) {
            error_ = "no postgres user (is postgresql installed?)";
            return;
        }
        dir_ = make_temp_dir("pg");
        chmod(dir_.c_str(), 0755);
        for (const char *f : {"server.pem", "server.key", "ca.pem"}) {
            std::string body;
            std::ifstream in(cert(f), std::ios::binary);
            body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
            write_file(dir_, f, body);
            give_to_postgres(dir_ + "/" + f, 0600);
        }
        for (const char *f : {"client.pem", "client.key"}) {
            std::ifstream in(cert(f), std::ios::binary);
            std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
            write_file(dir_, f, body);
            chmod((dir_ + "/" + f).c_str(), 0600);
        }
        write_file(dir_, "pw", std::string(kPassword) + "\n");
        give_to_postgres(dir_ + "/pw", 0600);
        mkdir((dir_ + "/data").c_str(), 0700);
        mkdir((dir_ + "/sock").c_str(), 0700);
        give_to_postgres(dir_ + "/data", 0700);
        give_to_postgres(dir_ + "/sock", 0700);
        RunOptions o;
        o.timeout_ms = 120000;
        std::vector<std::string> argv =
            as_postgres({std::string(kBin) + "/initdb", "-D", data(), "-U", "test", "--pwfile=" + dir_ + "/pw",
                         "--auth=scram-sha-256", "-E", "UTF8", "--no-sync"});
        RunResult r = run(argv, o);
        if (r.exit_code != 0) {
            error_ = describe(argv, r);
            return;
        }
        // TLS only, a client certificate from the test CA, then SCRAM.
        write_file(data(), "pg_hba.conf", "hostssl all all 127.0.0.1/32 scram-sha-256 clientcert=verify-ca\n");
        give_to_postgres(data() + "/pg_hba.conf", 0600);
        ready_ = true;
    }
    bool ready_ = false;
    std::string dir_, error_;
};

class Server
{
  public:
    // max_version: "" (default: up to TLS 1.3) or "TLSv1.2".
    bool start(bool shim, const std::string &max_version = "")
    {
        Cluster &cl = Cluster::get();
        port_ = start_on_free_port(
            proc_,
            [&](int port) {
                std::vector<std::string> argv = as_postgres(
                    {std::string(kBin) + "/postgres", "-D", cl.data(), "-c", "listen_addresses=127.0.0.1",
                     "-c", "port=" + std::to_string(port), "-c", "unix_socket_directories=" + cl.dir() + "/sock",
                     "-c", "ssl=on", "-c", "ssl_cert_file=" + cl.dir() + "/server.pem", "-c",
                     "ssl_key_file=" + cl.dir() + "/server.key", "-c", "ssl_ca_file=" + cl.dir() + "/ca.pem",
                     "-c", "fsync=off", "-c", "log_line_prefix=", "-c", "log_connections=off"});
                if (!max_version.empty())
                    argv.insert(argv.end(), {"-c", "ssl_max_protocol_version=" + max_version});
                return argv;
            },
            server_options(shim), 4, 30000);
        if (port_ == 0) {
            ADD_FAILURE() << "postgres did not start:\n" << proc_.output();
        } else if (shim) {
            EXPECT_TRUE(ran_on_shim(proc_.output()));
        }
        return port_ != 0;
    }
    int port() const { return port_; }
    Process &proc() { return proc_; }

    // What the server logged, without the dynamic linker's trace and the
    // LOG lines about starting and stopping.
    std::string log()
    {
        std::string out, all = without_trace(proc_.output());
        for (size_t p = 0; p < all.size();) {
            size_t eol = all.find('\n', p);
            std::string line = all.substr(p, eol - p);
            p = eol + 1;
            static const char *const noise[] = {"starting PostgreSQL", "listening on", "database system",
                                                "shutdown request", "aborting any active",
                                                "background worker", "shutting down", "checkpoint"};
            bool skip = false;
            for (const char *n : noise)
                skip = skip || (line.rfind("LOG:  ", 0) == 0 && line.find(n) != std::string::npos);
            if (!skip)
                out += line + "\n";
        }
        return out;
    }

    // Fast shutdown (SIGINT to the postmaster, by PID), then wait for it:
    // the postmaster stops its children, which run in sessions of their
    // own, before it exits.
    ~Server()
    {
        if (port_ == 0 || !proc_.running())
            return;
        kill(proc_.pid(), SIGINT);
        for (int i = 0; i < 300 && proc_.running(); i++)
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        proc_.stop();
    }

  private:
    Process proc_;
    int port_ = 0;
};

RunResult psql(int port, bool shim, const std::string &sql, const std::string &extra_conninfo = "",
               std::vector<std::string> *cmd = nullptr)
{
    const std::string &d = Cluster::get().dir();
    std::string conninfo = "host=localhost hostaddr=127.0.0.1 port=" + std::to_string(port) +
                           " dbname=postgres user=test sslmode=verify-full sslrootcert=" + d +
                           "/ca.pem sslcert=" + d + "/client.pem sslkey=" + d + "/client.key " + extra_conninfo;
    std::vector<std::string> argv = {"psql", conninfo, "-X", "-Atc", sql};
    RunOptions o;
    o.timeout_ms = 30000;
    o.env = {"PGPASSWORD=" + std::string(kPassword), "PGCONNECT_TIMEOUT=20"};
    if (shim) {
        std::vector<std::string> e = shim_env();
        o.env.insert(o.env.end(), e.begin(), e.end());
    }
    if (cmd != nullptr)
        *cmd = argv;
    RunResult r = run(argv, o);
    if (shim) {
        EXPECT_TRUE(ran_on_shim(r.err)) << describe(argv, r);
    }
    return r;
}

// psql's own messages, without the loader's trace.
std::string messages(const RunResult &r)
{
    return without_trace(r.err);
}

const char kSslQuery[] = "select ssl, version, cipher, bits, client_dn from pg_stat_ssl where pid = pg_backend_pid()";

class PostgresOnShim : public ::testing::TestWithParam<Ends>
{
  protected:
    void SetUp() override
    {
        ASSERT_TRUE(Cluster::get().ready()) << Cluster::get().error();
    }
};

TEST_P(PostgresOnShim, VerifyFullWithClientCertificateAndChannelBinding)
{
    Ends e = GetParam();
    for (const std::string &maxv : {std::string(""), std::string("TLSv1.2")}) {
        std::string got[2];
        for (int ref = 0; ref < 2; ref++) {
            bool server_shim = ref == 0 && e.server_shim, client_shim = ref == 0 && e.client_shim;
            Server srv;
            ASSERT_TRUE(srv.start(server_shim, maxv));
            std::vector<std::string> cmd;
            RunResult r = psql(srv.port(), client_shim, kSslQuery, "channel_binding=require", &cmd);
            EXPECT_EQ(r.exit_code, 0) << describe_ends(e) << "\n" << describe(cmd, r) << srv.proc().output();
            got[ref] = r.out + messages(r) + srv.log();
        }
        std::string want = maxv.empty() ? "t|TLSv1.3|TLS_AES_256_GCM_SHA384|256|/O=ShimSSL Test/CN=ShimSSL Test Client\n"
                                        : "t|TLSv1.2|ECDHE-RSA-AES256-GCM-SHA384|256|/O=ShimSSL Test/CN=ShimSSL Test Client\n";
        EXPECT_EQ(got[1], want) << "reference run, " << (maxv.empty() ? "TLS 1.3" : maxv);
        EXPECT_EQ(got[0], got[1]) << describe_ends(e) << ", " << (maxv.empty() ? "TLS 1.3" : maxv);
    }
}

TEST_P(PostgresOnShim, NoClientCertificateIsRefusedAsOnOpenSsl)
{
    Ends e = GetParam();
    std::string got[2];
    for (int ref = 0; ref < 2; ref++) {
        Server srv;
        ASSERT_TRUE(srv.start(ref == 0 && e.server_shim));
        std::vector<std::string> cmd;
        RunResult r = psql(srv.port(), ref == 0 && e.client_shim, "select 1", "sslcert=/nonexistent sslkey=/nonexistent", &cmd);
        EXPECT_NE(r.exit_code, 0) << describe(cmd, r);
        // Port numbers differ between the runs.
        std::string m = messages(r);
        size_t port = m.find(std::to_string(srv.port()));
        if (port != std::string::npos)
            m.replace(port, std::to_string(srv.port()).size(), "PORT");
        got[ref] = m + srv.log();
    }
    EXPECT_TRUE(has(got[1], "connection requires a valid client certificate")) << got[1];
    EXPECT_EQ(got[0], got[1]) << describe_ends(e);
}

// A peer that ends the connection without close_notify, played by
// python3's ssl module (system OpenSSL) after the SSLRequest exchange and
// the TLS handshake: as server for psql, as client for the server.
const char kVanishingPeer[] = R"(
import os, socket, ssl, struct, sys
role, cert, key, ca, port = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
if role == "server":
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(1)
    print(ls.getsockname()[1], flush=True)
    ls.settimeout(20)
    c, _ = ls.accept()
    c.recv(8)              # SSLRequest
    c.sendall(b"S")
    t = ctx.wrap_socket(c, server_side=True)
    t.recv(4096)           # the startup packet
    os._exit(0)            # the kernel closes the socket: no close_notify
else:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(ca)
    ctx.load_cert_chain(cert, key)
    c = socket.create_connection(("127.0.0.1", port), timeout=20)
    c.sendall(struct.pack("!II", 8, 80877103))
    assert c.recv(1) == b"S"
    t = ctx.wrap_socket(c, server_hostname="localhost")
    t.do_handshake()
    os._exit(0)
)";

// psql, then the server, facing a peer that vanishes: OpenSSL reports EOF
// from a socket BIO that never set the BIO's EOF flag as SSL_ERROR_SYSCALL
// with an empty queue ("SSL SYSCALL error: EOF detected"), not as
// SSL_R_UNEXPECTED_EOF_WHILE_READING.
TEST_P(PostgresOnShim, VanishingPeerIsReportedAsOnOpenSsl)
{
    Ends e = GetParam();
    const std::string d = Cluster::get().dir();
    std::string client_got[2], server_got[2];
    for (int ref = 0; ref < 2; ref++) {
        // psql against a vanishing server.
        Process peer;
        RunOptions po;
        po.stdin_pipe = true;
        ASSERT_TRUE(peer.start({"python3", "-c", kVanishingPeer, "server", cert("server.pem"),
                                cert("server.key"), cert("ca.pem"), "0"},
                               po))
            << peer.error();
        int port = 0;
        for (int i = 0; i < 100 && port == 0; i++) {
            std::string out = peer.output();
            if (!out.empty() && out.back() == '\n')
                port = atoi(out.c_str());
            else
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        ASSERT_NE(port, 0) << peer.output();
        std::vector<std::string> cmd;
        RunResult r = psql(port, ref == 0 && e.client_shim, "select 1", "", &cmd);
        EXPECT_NE(r.exit_code, 0) << describe(cmd, r);
        std::string m = messages(r);
        for (size_t at; (at = m.find(std::to_string(port))) != std::string::npos;)
            m.replace(at, std::to_string(port).size(), "PORT");
        client_got[ref] = m;

        // A client that vanishes after its handshake.
        Server srv;
        ASSERT_TRUE(srv.start(ref == 0 && e.server_shim));
        RunOptions co;
        co.timeout_ms = 20000;
        std::vector<std::string> cl = {"python3", "-c", kVanishingPeer, "client", d + "/client.pem",
                                       d + "/client.key", cert("ca.pem"), std::to_string(srv.port())};
        RunResult c = run(cl, co);
        EXPECT_EQ(c.exit_code, 0) << describe(cl, c);
        // Its backend has logged what it saw once it is gone.
        std::string others;
        for (int i = 0; i < 100 && others != "0\n"; i++) {
            others = psql(srv.port(), false,
                          "select count(*) from pg_stat_activity where backend_type = 'client backend' "
                          "and pid <> pg_backend_pid()")
                         .out;
            if (others != "0\n")
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        EXPECT_EQ(others, "0\n");
        server_got[ref] = srv.log();
    }
    if (e.client_shim) {
        EXPECT_TRUE(has(client_got[1], "SSL SYSCALL error: EOF detected")) << client_got[1];
        EXPECT_EQ(client_got[0], client_got[1]) << describe_ends(e);
    }
    if (e.server_shim) {
        EXPECT_EQ(server_got[0], server_got[1]) << describe_ends(e);
    }
}

INSTANTIATE_TEST_SUITE_P(Ends, PostgresOnShim,
                         ::testing::Values(Ends{true, true}, Ends{true, false}, Ends{false, true}),
                         [](const ::testing::TestParamInfo<Ends> &i) {
                             return std::string(i.param.server_shim ? "ServerShim" : "ServerOpenSsl") +
                                    (i.param.client_shim ? "ClientShim" : "ClientOpenSsl");
                         });

} // namespace
