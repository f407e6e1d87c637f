// Serverinfo and custom extensions with Debian's openssl: `s_server
// -serverinfo FILE` (SSL_CTX_use_serverinfo_file, the server answering the
// extensions a client asks for with stored data) and `s_client -serverinfo
// TYPES` (SSL_CTX_add_client_custom_ext, printing each answer as a
// "SERVERINFO FOR EXTENSION n" PEM block), each on ShimSSL against the
// other on the system libssl. What s_client prints is compared with the
// same command when both ends run on the system libssl.
#include "tls12_apps.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

using namespace shimtest;
using namespace shimtest::tls12;

namespace
{

std::string b64_pem(const std::string &name, const std::string &data)
{
    static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string b;
    for (size_t i = 0; i < data.size(); i += 3) {
        unsigned v = (unsigned char)data[i] << 16;
        if (i + 1 < data.size())
            v |= (unsigned char)data[i + 1] << 8;
        if (i + 2 < data.size())
            v |= (unsigned char)data[i + 2];
        b += t[v >> 18 & 63];
        b += t[v >> 12 & 63];
        b += i + 1 < data.size() ? t[v >> 6 & 63] : '=';
        b += i + 2 < data.size() ? t[v & 63] : '=';
    }
    return "-----BEGIN " + name + "-----\n" + b + "\n-----END " + name + "-----\n";
}

// 1000 and 1001: TLS 1.2 ServerHello data (V1); 1002: V2 for the
// ClientHello and TLS 1.3 EncryptedExtensions.
std::string serverinfo_file(const std::string &dir)
{
    std::string v1a = std::string("\x03\xe8\x00\x05", 4) + "hello";
    std::string v1b = std::string("\x03\xe9\x00\x03", 4) + "abc";
    std::string v2 = std::string("\x00\x00\x04\x80\x03\xea\x00\x04", 8) + "tls3";
    std::string path = dir + "/serverinfo.pem";
    std::ofstream(path) << b64_pem("SERVERINFO FOR EXTENSION 1000", v1a)
                        << b64_pem("SERVERINFO FOR EXTENSION 1001", v1b)
                        << b64_pem("SERVERINFOV2 FOR EXTENSION 1002", v2);
    return path;
}

// The SERVERINFO PEM blocks s_client printed, in order.
std::string blocks(const std::string &out)
{
    std::string r;
    size_t p = 0;
    while ((p = out.find("-----BEGIN SERVERINFO", p)) != std::string::npos) {
        size_t e = out.find("-----END SERVERINFO", p);
        if (e == std::string::npos)
            break;
        e = out.find("-----\n", e + 5);
        if (e == std::string::npos)
            break;
        r += out.substr(p, e + 6 - p);
        p = e;
    }
    return r;
}

struct Seen {
    std::string blocks;
    bool bad_extension = false;
    bool connected_13 = false;
    bool connected_12 = false;
};

Seen run_pair(const std::string &file, const std::vector<std::string> &client_args,
              bool shim_server, bool shim_client)
{
    Seen s;
    Process server;
    // One certificate: the serverinfo belongs to the certificate loaded
    // before it (s_server loads -dcert after -serverinfo).
    std::vector<std::string> argv = {"openssl", "s_server",  "-accept",
                                     "127.0.0.1:0", "-cert", cert("server.pem"),
                                     "-key", cert("server.key"), "-serverinfo",
                                     file, "-www"};
    int port = 0;
    if (server.start(argv, apps::server_options(shim_server)))
        port = server.wait_openssl_accept(10000);
    EXPECT_NE(port, 0) << server.output();
    if (port == 0)
        return s;
    std::vector<std::string> cmd;
    RunResult r = s_client(port, client_args, shim_client, "", &cmd, false);
    s.blocks = blocks(r.out);
    std::string all = r.out + r.err;
    s.bad_extension = apps::has(all, ":bad extension:");
    s.connected_13 = apps::has(r.out, "New, TLSv1.3, Cipher is");
    s.connected_12 = apps::has(r.out, "New, TLSv1.2, Cipher is");
    if (shim_client) {
        EXPECT_TRUE(ran_on_shim(r.err)) << describe(cmd, r);
    }
    if (shim_server) {
        server.stop();
        EXPECT_TRUE(ran_on_shim(server.output()));
    }
    return s;
}

const std::vector<std::string> kTls12Ask = {"-tls1_2", "-serverinfo", "1000,1002,1003"};

// s_server -serverinfo on ShimSSL: a TLS 1.2 client asking for 1000, 1002
// and 1003 gets 1000 only (1001 was not asked for, 1002 is not a TLS 1.2
// ServerHello extension, 1003 is not stored).
TEST(Serverinfo, ShimServerAnswersTls12Client)
{
    std::string dir = make_temp_dir("serverinfo");
    std::string file = serverinfo_file(dir);
    Seen shim = run_pair(file, kTls12Ask, true, false);
    Seen sys = run_pair(file, kTls12Ask, false, false);
    EXPECT_TRUE(sys.connected_12);
    EXPECT_EQ(b64_pem("SERVERINFO FOR EXTENSION 1000", std::string("\x03\xe8\x00\x05", 4) + "hello"),
              sys.blocks);
    EXPECT_EQ(sys.blocks, shim.blocks);
    EXPECT_EQ(sys.connected_12, shim.connected_12);
}

// TLS 1.3: the stored 1002 goes into EncryptedExtensions, where s_client's
// TLS 1.2-style registration does not allow it: OpenSSL's client refuses
// the handshake with "bad extension", whichever library serves it.
TEST(Serverinfo, ShimServerTls13AnswerRefusedByOldStyleClient)
{
    std::string dir = make_temp_dir("serverinfo");
    std::string file = serverinfo_file(dir);
    const std::vector<std::string> ask = {"-tls1_3", "-serverinfo", "1000,1002"};
    Seen shim = run_pair(file, ask, true, false);
    Seen sys = run_pair(file, ask, false, false);
    EXPECT_TRUE(sys.bad_extension);
    EXPECT_EQ(sys.bad_extension, shim.bad_extension);
    EXPECT_EQ(sys.blocks, shim.blocks);
    // Asking for 1000 only (TLS 1.2 data): nothing comes back in TLS 1.3.
    const std::vector<std::string> ask1000 = {"-tls1_3", "-serverinfo", "1000"};
    Seen shim2 = run_pair(file, ask1000, true, false);
    Seen sys2 = run_pair(file, ask1000, false, false);
    EXPECT_TRUE(sys2.connected_13);
    EXPECT_EQ(sys2.connected_13, shim2.connected_13);
    EXPECT_EQ("", shim2.blocks);
}

// s_client -serverinfo on ShimSSL against s_server -serverinfo on OpenSSL.
TEST(Serverinfo, ShimClientPrintsWhatTheServerSent)
{
    std::string dir = make_temp_dir("serverinfo");
    std::string file = serverinfo_file(dir);
    Seen shim = run_pair(file, kTls12Ask, false, true);
    Seen sys = run_pair(file, kTls12Ask, false, false);
    EXPECT_NE("", sys.blocks);
    EXPECT_EQ(sys.blocks, shim.blocks);
    EXPECT_TRUE(shim.connected_12);
    // Two types, both answered, printed in the order asked.
    const std::vector<std::string> ask2 = {"-tls1_2", "-serverinfo", "1001,1000"};
    Seen shim2 = run_pair(file, ask2, false, true);
    Seen sys2 = run_pair(file, ask2, false, false);
    EXPECT_EQ(2, apps::count(sys2.blocks, "-----BEGIN SERVERINFO"));
    EXPECT_EQ(sys2.blocks, shim2.blocks);
}

TEST(Serverinfo, ShimClientRefusesTls13AnswerOutsideItsContext)
{
    std::string dir = make_temp_dir("serverinfo");
    std::string file = serverinfo_file(dir);
    const std::vector<std::string> ask = {"-tls1_3", "-serverinfo", "1000,1002"};
    Seen shim = run_pair(file, ask, false, true);
    Seen sys = run_pair(file, ask, false, false);
    EXPECT_TRUE(sys.bad_extension);
    EXPECT_EQ(sys.bad_extension, shim.bad_extension);
    EXPECT_EQ(sys.connected_13, shim.connected_13);
}

// Both ends on ShimSSL.
TEST(Serverinfo, ShimOnBothEnds)
{
    std::string dir = make_temp_dir("serverinfo");
    std::string file = serverinfo_file(dir);
    Seen shim = run_pair(file, kTls12Ask, true, true);
    Seen sys = run_pair(file, kTls12Ask, false, false);
    EXPECT_EQ(sys.blocks, shim.blocks);
    EXPECT_TRUE(shim.connected_12);
}

} // namespace
