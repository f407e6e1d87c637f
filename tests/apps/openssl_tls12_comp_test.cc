// TLS 1.2 record compression (DEFLATE) with both ends on ShimSSL (Debian's
// libssl is built without zlib, so it cannot be the other end):
// `openssl s_server -comp` and `openssl s_client -comp` negotiate it and
// carry data intact; without -comp on either side it stays off.
#include "tls12_apps.h"

#include <gtest/gtest.h>

using namespace shimtest;
using namespace shimtest::tls12;

namespace
{

TEST(Tls12ClientOnShim, CompressionNegotiatedOnlyWhenBothAsk)
{
    // A long, compressible line, reversed by the server, intact.
    std::string line(3000, 'a');
    line += "0123456789";
    std::string reversed(line.rbegin(), line.rend());
    for (int comp = 1; comp >= 0; comp--) {
        Process server;
        std::vector<std::string> sargs = {"-rev", "-tls1_2"};
        std::vector<std::string> cargs = {"-tls1_2"};
        if (comp) {
            sargs.push_back("-comp");
            cargs.push_back("-comp");
        }
        int port = start_s_server(server, sargs, true);
        ASSERT_NE(port, 0);
        std::vector<std::string> cmd;
        RunResult r = s_client(port, cargs, true, line + "\nCLOSE\n", &cmd);
        EXPECT_TRUE(ran_on_shim(r.err));
        EXPECT_TRUE(ran_on_shim(server.output()));
        EXPECT_EQ(r.exit_code, 0) << describe(cmd, r);
        EXPECT_TRUE(has(r.out, reversed)) << describe(cmd, r);
        const char *want = comp ? "zlib compression" : "NONE";
        EXPECT_TRUE(has(r.out, std::string("Compression: ") + want + "\n")) << describe(cmd, r);
        EXPECT_TRUE(has(r.out, std::string("Expansion: ") + want + "\n")) << describe(cmd, r);
    }
    // One side only: no compression.
    Process server;
    int port = start_s_server(server, {"-rev", "-tls1_2", "-comp"}, true);
    ASSERT_NE(port, 0);
    std::vector<std::string> cmd;
    RunResult r = s_client(port, {"-tls1_2"}, true, kRevInput, &cmd);
    EXPECT_TRUE(has(r.out, "Compression: NONE\n")) << describe(cmd, r);
    EXPECT_TRUE(has(r.out, "dlrow olleh")) << describe(cmd, r);
}

} // namespace
