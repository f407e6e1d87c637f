// Debian's `openssl s_server` on ShimSSL (LD_PRELOAD) and Debian's
// `openssl s_client` on the system OpenSSL, both driven line by line on
// their stdin: TLS 1.3 KeyUpdate in both directions, started by either
// side's `k` (update) / `K` (update and ask the peer to update too)
// command, with application data flowing after each. The -msg traces show
// the KeyUpdate messages; the same run with s_server on the system OpenSSL
// is the reference.
#include "server_apps.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

using namespace shimtest;
using namespace shimtest::apps;

namespace
{

const char kKeyUpdateIn[] = "<<< TLS 1.3, Handshake [length 0005], KeyUpdate";
const char kKeyUpdateOut[] = ">>> TLS 1.3, Handshake [length 0005], KeyUpdate";

struct Outcome {
    int client_in = 0, client_out = 0; // KeyUpdate messages in the client's trace
    bool ok = false;
};

// Waits until p's output has `needle` at least n times (bounded).
bool wait_count(Process &p, const std::string &needle, int n, int timeout_ms = 10000)
{
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (count(p.output(), needle) < n) {
        if (!p.running() || std::chrono::steady_clock::now() >= deadline)
            return count(p.output(), needle) >= n;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return true;
}

// Sends a command letter on p's stdin and waits until p acted on it (its
// output has one more `marker`): a line written before that could be read
// in the same read() and the command taken as data or lost.
bool command(Process &p, const std::string &letter, const std::string &marker)
{
    int before = count(p.output(), marker);
    return p.write_stdin(letter + "\n") && wait_count(p, marker, before + 1);
}

Outcome key_updates_both_ways(bool shim)
{
    Outcome o;
    Process server, client;
    RunOptions so = server_options(shim);
    so.stdin_pipe = true;
    if (!server.start({"openssl", "s_server", "-accept", "127.0.0.1:0", "-cert", cert("server.pem"),
                       "-key", cert("server.key"), "-tls1_3", "-msg"},
                      so)) {
        ADD_FAILURE() << server.error();
        return o;
    }
    int port = server.wait_openssl_accept(10000);
    if (port == 0) {
        ADD_FAILURE() << "no port:\n" << server.output();
        return o;
    }
    RunOptions co;
    co.stdin_pipe = true;
    if (!client.start({"openssl", "s_client", "-connect", "127.0.0.1:" + std::to_string(port),
                       "-servername", "localhost", "-CAfile", cert("ca.pem"), "-msg"},
                      co)) {
        ADD_FAILURE() << client.error();
        return o;
    }
    auto fail = [&](const std::string &step) {
        ADD_FAILURE() << step << (shim ? " (server on ShimSSL)" : " (server on OpenSSL)")
                      << "\n--- server ---\n"
                      << server.output() << "\n--- client ---\n"
                      << client.output();
        return o;
    };
    if (!client.wait_output("Verify return code: 0 (ok)") || !server.wait_output("CIPHER is TLS_"))
        return fail("handshake");

    // 1. Data, then the client updates its keys and asks the server to.
    client.write_stdin("line one from the client\n");
    if (!server.wait_output("line one from the client"))
        return fail("first client line");
    if (!command(client, "K", "KEYUPDATE"))
        return fail("client K");
    client.write_stdin("line two after K\n");
    if (!server.wait_output("line two after K"))
        return fail("client line after K");
    // The server's KeyUpdate in answer goes out at the latest with its next
    // write (OpenSSL waits for that; sending it at once is allowed too).
    server.write_stdin("server line after client K\n");
    if (!client.wait_output("server line after client K") || !wait_count(client, kKeyUpdateIn, 1))
        return fail("server line after client K");

    // 2. The server updates and asks the client to.
    if (!command(server, "K", kKeyUpdateOut))
        return fail("server K");
    // (OpenSSL's client answers with its own KeyUpdate when it next writes.)
    if (!wait_count(client, kKeyUpdateIn, 2))
        return fail("server's K");
    server.write_stdin("server line after server K\n");
    if (!client.wait_output("server line after server K"))
        return fail("server line after server K");
    client.write_stdin("line three after server K\n");
    if (!server.wait_output("line three after server K") || !wait_count(client, kKeyUpdateOut, 2))
        return fail("client line after server K");

    // 3. Plain updates (no request) from each side.
    if (!command(server, "k", kKeyUpdateOut))
        return fail("server k");
    if (!wait_count(client, kKeyUpdateIn, 3))
        return fail("server's k");
    server.write_stdin("server line after server k\n");
    if (!client.wait_output("server line after server k"))
        return fail("server line after server k");
    if (!command(client, "k", "KEYUPDATE"))
        return fail("client k");
    client.write_stdin("line four after client k\n");
    if (!server.wait_output("line four after client k"))
        return fail("client line after client k");

    std::string trace = client.output();
    o.client_in = count(trace, kKeyUpdateIn);
    o.client_out = count(trace, kKeyUpdateOut);
    o.ok = true;
    EXPECT_FALSE(has(server.output(), ":error:")) << server.output();
    EXPECT_FALSE(has(trace, ":error:")) << trace;
    if (shim) {
        EXPECT_TRUE(ran_on_shim(server.output()));
    }
    return o;
}

TEST(SServerOnShim, KeyUpdateBothDirectionsKeepsTheConnectionWorking)
{
    Outcome shim = key_updates_both_ways(true);
    ASSERT_TRUE(shim.ok);
    Outcome ref = key_updates_both_ways(false);
    ASSERT_TRUE(ref.ok);
    // Client: sent K, its answer to the server's K, and k (3); received the
    // server's answer to K, the server's K and k (3).
    EXPECT_EQ(shim.client_out, 3);
    EXPECT_EQ(shim.client_in, 3);
    EXPECT_EQ(shim.client_out, ref.client_out);
    EXPECT_EQ(shim.client_in, ref.client_in);
}

} // namespace
