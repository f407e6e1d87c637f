// Real programs on ShimSSL under valgrind's memcheck: no invalid read or
// write, no use of uninitialised memory, no definite leak, in a whole TLS 1.3
// session on each side (Debian's `openssl` binary as the program, the system
// OpenSSL as the peer). Registered only in non-sanitizer builds: valgrind and
// ASan cannot share a process.
#include "testlib/testlib.h"

#include <gtest/gtest.h>

#include <unistd.h>

using namespace shimtest;

namespace
{

// memcheck's verdict: exit 99 on any error (definite leaks included).
std::vector<std::string> memcheck(std::vector<std::string> argv)
{
    std::vector<std::string> v = {"valgrind",
                                  "--error-exitcode=99",
                                  "--leak-check=full",
                                  "--errors-for-leak-kinds=definite",
                                  "--show-leak-kinds=definite",
                                  "--track-origins=yes"};
    v.insert(v.end(), argv.begin(), argv.end());
    return v;
}

TEST(Valgrind, OpensslClientSessionIsClean)
{
    Process server;
    int port = start_openssl_server(server, {"-tls1_3", "-www"});
    ASSERT_NE(port, 0);
    auto argv = memcheck({"openssl", "s_client", "-connect", "127.0.0.1:" + std::to_string(port),
                          "-servername", "localhost", "-verify_hostname", "localhost", "-ign_eof",
                          "-CAfile", cert("ca.pem")});
    RunOptions o;
    o.env = shim_env();
    o.stdin_data = "GET / HTTP/1.0\r\n\r\n";
    o.timeout_ms = 120000;
    RunResult r = run(argv, o);
    EXPECT_TRUE(ran_on_shim(r.err));
    EXPECT_EQ(r.exit_code, 0) << describe(argv, r);
    EXPECT_NE(r.err.find("ERROR SUMMARY: 0 errors"), std::string::npos) << describe(argv, r);
    EXPECT_NE(r.out.find("Verify return code: 0 (ok)"), std::string::npos) << describe(argv, r);
    EXPECT_NE(r.out.find("Ciphers supported in s_server binary"), std::string::npos)
        << describe(argv, r);
}

TEST(Valgrind, OpensslServerSessionIsClean)
{
    // s_server on ShimSSL under memcheck, serving one connection (-naccept 1)
    // so that it exits by itself and memcheck's leak check runs.
    Process server;
    RunOptions so;
    so.env = shim_env();
    ASSERT_TRUE(server.start(memcheck({"openssl", "s_server", "-accept", "127.0.0.1:0", "-cert",
                                       cert("server.pem"), "-key", cert("server.key"), "-tls1_3",
                                       "-www", "-naccept", "1"}),
                             so))
        << server.error();
    int port = server.wait_openssl_accept(60000);
    ASSERT_NE(port, 0) << server.output();

    std::vector<std::string> client = {"openssl",  "s_client", "-connect",
                                       "127.0.0.1:" + std::to_string(port),
                                       "-CAfile",  cert("ca.pem"), "-ign_eof"};
    RunOptions co;
    co.stdin_data = "GET / HTTP/1.0\r\n\r\n";
    co.timeout_ms = 60000;
    RunResult c = run(client, co); // the system's OpenSSL as the client
    EXPECT_NE(c.out.find("Verify return code: 0 (ok)"), std::string::npos) << describe(client, c);
    EXPECT_NE(c.out.find("Ciphers supported in s_server binary"), std::string::npos)
        << describe(client, c);

    for (int i = 0; i < 600 && server.running(); i++)
        usleep(100 * 1000);
    std::string log = server.output();
    int status = server.stop();
    EXPECT_TRUE(ran_on_shim(log));
    EXPECT_EQ(status, 0) << log;
    EXPECT_NE(log.find("ERROR SUMMARY: 0 errors"), std::string::npos) << log;
}

} // namespace
