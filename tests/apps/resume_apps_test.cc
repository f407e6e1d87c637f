// TLS 1.3 resumption and 0-RTT with Debian's `openssl` programs: s_server on
// ShimSSL against s_client on the system libssl, and s_client on ShimSSL
// against s_server on the system libssl. The first connection saves the
// session (-sess_out), the second resumes it (-sess_in) and sends early data
// (-early_data); a server restarted in between has new ticket keys, so the
// ticket no longer opens: a full handshake, and the 0-RTT data is refused.
#include "testlib/testlib.h"

#include <gtest/gtest.h>

#include <fstream>

using namespace shimtest;

namespace
{

bool has(const std::string &text, const std::string &needle)
{
    return text.find(needle) != std::string::npos;
}

// s_server with -early_data reads its stdin: keep it open (a pipe from
// sleep) so that the server stays up for more than one connection.
int start_server(Process &p, bool shim)
{
    std::string cmd = "sleep 60 | exec openssl s_server -accept 127.0.0.1:0 -early_data "
                      "-cert " +
                      cert("server.pem") + " -key " + cert("server.key");
    RunOptions o;
    if (shim)
        o.env = shim_env();
    if (!p.start({"sh", "-c", cmd}, o)) {
        ADD_FAILURE() << "cannot start openssl s_server: " << p.error();
        return 0;
    }
    int port = p.wait_openssl_accept(10000);
    if (port == 0)
        ADD_FAILURE() << "openssl s_server did not report its port; output:\n" << p.output();
    return port;
}

struct Client {
    std::string dir = make_temp_dir("resume");
    std::string sess = dir + "/sess.pem";
    std::string early = dir + "/early.txt";
    bool shim;
    explicit Client(bool on_shim) : shim(on_shim) { std::ofstream(early) << "early bytes 0rtt\n"; }
    ~Client() { (void)run({"rm", "-rf", dir}); }

    RunResult connect(int port, const std::vector<std::string> &extra,
                      std::vector<std::string> *cmd)
    {
        std::vector<std::string> argv = {
            "openssl", "s_client", "-connect",    "127.0.0.1:" + std::to_string(port),
            "-tls1_3", "-CAfile",  cert("ca.pem")};
        argv.insert(argv.end(), extra.begin(), extra.end());
        RunOptions o;
        if (shim)
            o.env = shim_env();
        o.timeout_ms = 20000;
        // stdin stays open a second (then EOF ends s_client), so that the
        // server's tickets arrive and the session saved is resumable.
        *cmd = {"sh", "-c", "sleep 1 | exec " + join(argv)};
        return run(*cmd, o);
    }
    static std::string join(const std::vector<std::string> &v)
    {
        std::string s;
        for (auto &a : v)
            s += (s.empty() ? "" : " ") + a;
        return s;
    }
};

void resume_with_early_data(bool shim_server)
{
    Process server;
    int port = start_server(server, shim_server);
    ASSERT_NE(port, 0);
    Client cl(!shim_server);
    std::vector<std::string> cmd;
    RunResult r1 = cl.connect(port, {"-sess_out", cl.sess}, &cmd);
    EXPECT_TRUE(has(r1.out, "New, TLSv1.3")) << describe(cmd, r1);
    EXPECT_TRUE(has(r1.out, "Max Early Data: 16384")) << describe(cmd, r1);

    RunResult r2 = cl.connect(port, {"-sess_in", cl.sess, "-early_data", cl.early}, &cmd);
    EXPECT_TRUE(has(r2.out, "Reused, TLSv1.3")) << describe(cmd, r2);
    EXPECT_TRUE(has(r2.out, "Early data was accepted")) << describe(cmd, r2);
    EXPECT_TRUE(server.wait_output("early bytes 0rtt", 5000)) << server.output();
    EXPECT_TRUE(ran_on_shim(shim_server ? server.output() : r2.err));

    // A new server: new ticket keys, the ticket is not recognised.
    server.stop();
    Process server2;
    port = start_server(server2, shim_server);
    ASSERT_NE(port, 0);
    RunResult r3 = cl.connect(port, {"-sess_in", cl.sess, "-early_data", cl.early}, &cmd);
    EXPECT_TRUE(has(r3.out, "New, TLSv1.3")) << describe(cmd, r3);
    EXPECT_TRUE(has(r3.out, "Early data was rejected")) << describe(cmd, r3);
    EXPECT_FALSE(has(server2.output(), "early bytes 0rtt")) << server2.output();
}

TEST(ResumeApps, ShimServerResumesAndTakesEarlyData)
{
    resume_with_early_data(true);
}

TEST(ResumeApps, ShimClientResumesAndSendsEarlyData)
{
    resume_with_early_data(false);
}

} // namespace
