// Record size controls with Debian's openssl programs, ShimSSL on one side
// and the system libssl on the other:
//   - `s_client -maxfraglen` (system) against `s_server` on ShimSSL, and
//     `s_client -maxfraglen` on ShimSSL against `s_server` (system), TLS 1.3
//     and 1.2: 100 KB move through `-rev` intact, every record the other side
//     printed with -msg is within the negotiated length, and -tlsextdebug
//     shows the extension exchanged as against OpenSSL itself;
//   - `-max_send_frag` on ShimSSL's s_server and s_client;
//   - `-record_padding` (TLS 1.3 block padding) on ShimSSL's s_server;
//   - `-split_send_frag` / `-max_pipelines` accepted (no pipelining).
// Each ShimSSL run proves it ran on ShimSSL; each check is also made on the
// reference run with OpenSSL in ShimSSL's place.
#include "tls12_apps.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>

using namespace shimtest;
using namespace shimtest::tls12;

namespace
{

struct Hdr {
    bool sent; // ">>>" (sent by the printing program) or "<<<"
    int type;
    size_t len;
};

// The record headers a program printed with -msg.
std::vector<Hdr> headers(const std::string &out)
{
    static const std::string key = "RecordHeader [length 0005]\n";
    std::vector<Hdr> v;
    for (size_t p = out.find(key); p != std::string::npos; p = out.find(key, p + 1)) {
        size_t line = out.rfind('\n', p);
        line = line == std::string::npos ? 0 : line + 1;
        unsigned b[5];
        if (sscanf(out.c_str() + p + key.size(), " %x %x %x %x %x", &b[0], &b[1], &b[2], &b[3],
                   &b[4]) != 5)
            continue;
        v.push_back({out.compare(line, 3, ">>>") == 0, (int)b[0], (size_t)(b[3] << 8 | b[4])});
    }
    return v;
}

// s_client's -msg output in a file of its own: on stdout it would cut into
// the lines of received data, which s_client writes unbuffered.
struct MsgFile {
    std::string dir = make_temp_dir("maxfrag");
    std::string path = dir + "/msg.txt";
    ~MsgFile()
    {
        std::remove(path.c_str());
        std::remove(dir.c_str());
    }
    std::vector<std::string> args() const { return {"-msg", "-msgfile", path}; }
    std::string read() const
    {
        std::ifstream f(path);
        std::stringstream ss;
        ss << f.rdbuf();
        return ss.str();
    }
};

// AEAD expansion: TLS 1.3 type byte + tag; TLS 1.2 GCM nonce + tag.
size_t overhead(const std::string &version_flag)
{
    return version_flag == "-tls1_3" ? 17 : 24;
}

// 25 lines of 4000 bytes (100 KB) for s_server -rev, and what comes back.
std::string rev_input()
{
    std::string in;
    for (int i = 0; i < 25; i++) {
        std::string line(4000, 'a');
        for (size_t j = 0; j < line.size(); j++)
            line[j] = (char)('a' + (i * 7 + j * 3 + j / 26) % 26);
        in += line + "\n";
    }
    return in + "CLOSE\n";
}

void expect_reversed(const std::string &out, const std::string &in, const std::string &what)
{
    size_t pos = 0;
    int lines = 0;
    while (true) {
        size_t end = in.find('\n', pos);
        if (end == std::string::npos)
            break;
        std::string line = in.substr(pos, end - pos);
        pos = end + 1;
        if (line == "CLOSE")
            break;
        std::string rev(line.rbegin(), line.rend());
        EXPECT_TRUE(apps::has(out, rev + "\n")) << what << ": line " << lines << " missing";
        lines++;
    }
    EXPECT_EQ(25, lines);
}

// Records of one direction: every one within limit + overhead; returns how
// many application records had exactly that size.
size_t check_sizes(const std::vector<Hdr> &hs, bool sent, size_t limit, size_t ovh,
                   const std::string &what)
{
    size_t full = 0, n = 0;
    for (const Hdr &h : hs) {
        if (h.sent != sent)
            continue;
        n++;
        EXPECT_LE(h.len, limit + ovh) << what << ": record type " << h.type;
        full += h.type == 23 && h.len == limit + ovh;
    }
    EXPECT_GT(n, 0u) << what << ": no record headers printed";
    return full;
}

const std::vector<std::string> kGcm12 = {"-cipher", "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-GCM-SHA256"};

struct Case {
    const char *version; // "-tls1_3" / "-tls1_2"
    int len;             // 512 .. 4096
};

std::string case_name(const ::testing::TestParamInfo<Case> &i)
{
    return std::string(i.param.version + 1) + "_" + std::to_string(i.param.len);
}

std::vector<std::string> version_args(const std::string &v)
{
    std::vector<std::string> a = {v};
    if (v == "-tls1_2")
        a.insert(a.end(), kGcm12.begin(), kGcm12.end());
    return a;
}

class MaxFragLen : public ::testing::TestWithParam<Case>
{
};

// Debian's s_client -maxfraglen against s_server on ShimSSL (shim = 1) and
// on OpenSSL (shim = 0): the records s_client received are all within the
// length, 100 KB come back reversed intact, and the server's extension as
// -tlsextdebug prints it is the same.
TEST_P(MaxFragLen, ShimServerOpensslClient)
{
    Case k = GetParam();
    const std::string in = rev_input();
    std::string ext_seen[2];
    for (int shim = 1; shim >= 0; shim--) {
        SCOPED_TRACE(shim ? "s_server on ShimSSL" : "s_server on OpenSSL");
        Process server;
        int port = start_s_server(server, {"-rev"}, shim == 1);
        ASSERT_NE(port, 0);
        std::vector<std::string> args = version_args(k.version);
        MsgFile msg;
        args.insert(args.end(), {"-maxfraglen", std::to_string(k.len), "-tlsextdebug"});
        for (const std::string &a : msg.args())
            args.push_back(a);
        std::vector<std::string> cmd;
        RunResult r = s_client(port, args, false, in, &cmd);
        EXPECT_EQ(0, r.exit_code) << describe(cmd, r);
        expect_reversed(r.out, in, "s_client");
        std::vector<Hdr> hs = headers(msg.read());
        size_t full = check_sizes(hs, false, (size_t)k.len, overhead(k.version), "received");
        EXPECT_GE(full, 25u * (4001 / (size_t)k.len)) << describe(cmd, r).substr(0, 4000);
        check_sizes(hs, true, (size_t)k.len, overhead(k.version), "sent");
        size_t p = r.out.find("TLS server extension \"max fragment length\" (id=1), len=1\n");
        ASSERT_NE(std::string::npos, p) << describe(cmd, r).substr(0, 4000);
        ext_seen[shim] = r.out.substr(p, r.out.find('\n', r.out.find('\n', p) + 1) - p);
        if (shim) {
            EXPECT_TRUE(ran_on_shim(server.output()));
        }
    }
    EXPECT_EQ(ext_seen[0], ext_seen[1]);
}

// s_client -maxfraglen on ShimSSL (shim = 1; the reference: on OpenSSL)
// against Debian's s_server: what s_server received is within the length,
// its -tlsextdebug shows the client's extension, and the data came back.
TEST_P(MaxFragLen, ShimClientOpensslServer)
{
    Case k = GetParam();
    const std::string in = rev_input();
    std::string ext_seen[2];
    for (int shim = 1; shim >= 0; shim--) {
        SCOPED_TRACE(shim ? "s_client on ShimSSL" : "s_client on OpenSSL");
        Process server;
        int port = start_s_server(server, {"-rev", "-msg", "-tlsextdebug"}, false);
        ASSERT_NE(port, 0);
        std::vector<std::string> args = version_args(k.version);
        args.insert(args.end(), {"-maxfraglen", std::to_string(k.len)});
        std::vector<std::string> cmd;
        RunResult r = s_client(port, args, shim == 1, in, &cmd);
        EXPECT_EQ(0, r.exit_code) << describe(cmd, r);
        expect_reversed(r.out, in, "s_client");
        if (shim) {
            EXPECT_TRUE(ran_on_shim(r.err));
        }
        std::string log = server.output();
        std::vector<Hdr> hs = headers(log);
        size_t full = check_sizes(hs, false, (size_t)k.len, overhead(k.version), "s_server received");
        // s_client writes what it read from stdin, in chunks of its own:
        // at least half of the 100 KB goes in full-sized records.
        EXPECT_GE(full, 100000 / (size_t)k.len / 2);
        check_sizes(hs, true, (size_t)k.len, overhead(k.version), "s_server sent");
        size_t p = log.find("TLS client extension \"max fragment length\" (id=1), len=1\n");
        ASSERT_NE(std::string::npos, p) << log.substr(0, 4000);
        ext_seen[shim] = log.substr(p, log.find('\n', log.find('\n', p) + 1) - p);
        EXPECT_FALSE(apps::has(log, "ERROR")) << log.substr(0, 4000);
    }
    EXPECT_EQ(ext_seen[0], ext_seen[1]);
}

INSTANTIATE_TEST_SUITE_P(Lengths, MaxFragLen,
                         ::testing::Values(Case{"-tls1_3", 512}, Case{"-tls1_3", 2048},
                                           Case{"-tls1_2", 512}, Case{"-tls1_2", 4096}),
                         case_name);

class SendFrag : public ::testing::TestWithParam<const char *>
{
};

// -max_send_frag on ShimSSL's s_server: no record s_client received is
// larger; on ShimSSL's s_client: none that s_server received is.
TEST_P(SendFrag, MaxSendFragOnBothSides)
{
    const std::string v = GetParam();
    const std::string in = rev_input();
    for (int shim = 1; shim >= 0; shim--) {
        SCOPED_TRACE(shim ? "on ShimSSL" : "on OpenSSL");
        {
            Process server;
            int port = start_s_server(server, {"-rev", "-max_send_frag", "1000"}, shim == 1);
            ASSERT_NE(port, 0);
            std::vector<std::string> args = version_args(v);
            MsgFile msg;
            for (const std::string &a : msg.args())
                args.push_back(a);
            std::vector<std::string> cmd;
            RunResult r = s_client(port, args, false, in, &cmd);
            EXPECT_EQ(0, r.exit_code) << describe(cmd, r);
            expect_reversed(r.out, in, "s_client");
            EXPECT_GE(check_sizes(headers(msg.read()), false, 1000, overhead(v), "received"),
                      100u);
        }
        {
            Process server;
            int port = start_s_server(server, {"-rev", "-msg"}, false);
            ASSERT_NE(port, 0);
            std::vector<std::string> args = version_args(v);
            args.insert(args.end(), {"-max_send_frag", "700"});
            std::vector<std::string> cmd;
            RunResult r = s_client(port, args, shim == 1, in, &cmd);
            EXPECT_EQ(0, r.exit_code) << describe(cmd, r);
            expect_reversed(r.out, in, "s_client");
            EXPECT_GE(check_sizes(headers(server.output()), false, 700, overhead(v),
                                  "s_server received"),
                      100000u / 700 / 2);
        }
    }
}

// -split_send_frag and -max_pipelines are accepted; without a pipelining
// engine the records are the ordinary ones and the data arrives.
TEST_P(SendFrag, SplitSendFragAndPipelinesAccepted)
{
    const std::string v = GetParam();
    const std::string in = rev_input();
    for (int shim = 1; shim >= 0; shim--) {
        SCOPED_TRACE(shim ? "on ShimSSL" : "on OpenSSL");
        Process server;
        int port = start_s_server(
            server, {"-rev", "-split_send_frag", "1000", "-max_pipelines", "4"}, shim == 1);
        ASSERT_NE(port, 0);
        std::vector<std::string> args = version_args(v);
        MsgFile msg;
        for (const std::string &a : msg.args())
            args.push_back(a);
        std::vector<std::string> cmd;
        RunResult r = s_client(port, args, false, in, &cmd);
        EXPECT_EQ(0, r.exit_code) << describe(cmd, r);
        expect_reversed(r.out, in, "s_client");
        check_sizes(headers(msg.read()), false, 16384, overhead(v), "received");
    }
}

INSTANTIATE_TEST_SUITE_P(Versions, SendFrag, ::testing::Values("-tls1_3", "-tls1_2"),
                         [](const ::testing::TestParamInfo<const char *> &i) {
                             return std::string(i.param + 1);
                         });

// -record_padding 512 on s_server (TLS 1.3): every protected record
// s_client received carries an inner plaintext that is a multiple of 512
// (or a full 16385-byte one), on ShimSSL as on OpenSSL.
TEST(RecordPaddingOnShim, ShimServerPadsTls13Records)
{
    const std::string in = rev_input();
    for (int shim = 1; shim >= 0; shim--) {
        SCOPED_TRACE(shim ? "s_server on ShimSSL" : "s_server on OpenSSL");
        Process server;
        int port = start_s_server(server, {"-rev", "-record_padding", "512"}, shim == 1);
        ASSERT_NE(port, 0);
        std::vector<std::string> cmd;
        MsgFile msg;
        std::vector<std::string> args = {"-tls1_3"};
        for (const std::string &a : msg.args())
            args.push_back(a);
        RunResult r = s_client(port, args, false, in, &cmd);
        EXPECT_EQ(0, r.exit_code) << describe(cmd, r);
        expect_reversed(r.out, in, "s_client");
        size_t n = 0;
        for (const Hdr &h : headers(msg.read())) {
            if (h.sent || h.type != 23)
                continue;
            n++;
            size_t inner = h.len - 16;
            EXPECT_TRUE(inner % 512 == 0 || inner == 16385) << "inner plaintext " << inner;
        }
        EXPECT_GE(n, 25u);
    }
}

} // namespace
