// Shared pieces of the TLS 1.2 app tests (openssl_tls12_test.cc: ShimSSL
// as the server; openssl_tls12_client_test.cc: ShimSSL as the client).
#ifndef SHIMSSL_TESTS_APPS_TLS12_APPS_H
#define SHIMSSL_TESTS_APPS_TLS12_APPS_H

#include "server_apps.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

namespace shimtest
{
namespace tls12
{
using apps::has;

// The s_client summary lines that say what was negotiated, in order.
inline std::string summary(const std::string &out)
{
    static const char *const keys[] = {"New, ",
                                       "Reused, ",
                                       "Secure Renegotiation ",
                                       "Compression: ",
                                       "Expansion: ",
                                       "    Extended master secret: ",
                                       "Verify return code: "};
    std::string s;
    size_t pos = 0;
    while (pos < out.size()) {
        size_t end = out.find('\n', pos);
        if (end == std::string::npos)
            end = out.size();
        std::string line = out.substr(pos, end - pos);
        for (const char *k : keys)
            if (line.compare(0, strlen(k), k) == 0)
                s += line + "\n";
        pos = end + 1;
    }
    return s;
}

// Both certificates, so that either kind of suite can be served.
inline const std::vector<std::string> kBothCerts = {
    "-cert",  cert("server.pem"),    "-key",  cert("server.key"),
    "-dcert", cert("server-ec.pem"), "-dkey", cert("server-ec.key")};

// s_server on 127.0.0.1:<kernel-chosen port> with both certificates, on
// ShimSSL when shim. stdin_open: its stdin is a pipe that stays open (its
// plain mode, which prints the connection's details, stops at the end of
// its input; a background process otherwise reads /dev/null).
inline int start_s_server(Process &p, std::vector<std::string> args, bool shim,
                          bool stdin_open = false)
{
    std::vector<std::string> argv = {"openssl", "s_server", "-accept", "127.0.0.1:0"};
    argv.insert(argv.end(), kBothCerts.begin(), kBothCerts.end());
    argv.insert(argv.end(), args.begin(), args.end());
    if (stdin_open)
        argv.insert(argv.begin(), {"sh", "-c", "sleep 60 | exec \"$0\" \"$@\""});
    if (!p.start(argv, apps::server_options(shim))) {
        ADD_FAILURE() << "cannot start openssl s_server: " << p.error();
        return 0;
    }
    int port = p.wait_openssl_accept(10000);
    if (port == 0)
        ADD_FAILURE() << "openssl s_server did not report its port:\n" << p.output();
    return port;
}

// `openssl s_client` to 127.0.0.1:port, verifying the server as localhost
// with the test CA; -ign_eof reads until the server closes (unless
// ign_eof is false: then the end of input ends it). On ShimSSL (with the
// loader trace on stderr) when shim.
inline RunResult s_client(int port, const std::vector<std::string> &extra, bool shim,
                          const std::string &input, std::vector<std::string> *cmd,
                          bool ign_eof = true)
{
    std::vector<std::string> argv = {
        "openssl",     "s_client",  "-connect",         "127.0.0.1:" + std::to_string(port),
        "-servername", "localhost", "-verify_hostname", "localhost",
        "-ign_eof",    "-CAfile",   cert("ca.pem")};
    if (!ign_eof)
        argv.erase(std::find(argv.begin(), argv.end(), "-ign_eof"));
    argv.insert(argv.end(), extra.begin(), extra.end());
    RunOptions o;
    if (shim)
        o.env = shim_env();
    o.stdin_data = input;
    o.timeout_ms = 30000;
    if (cmd != nullptr)
        *cmd = argv;
    return run(argv, o);
}

// -rev servers answer each line reversed; "CLOSE" makes them close with
// close_notify.
inline const char kRevInput[] = "hello world\nCLOSE\n";

inline void expect_tls12_session(const RunResult &r, const std::vector<std::string> &cmd,
                                 const std::string &suite)
{
    EXPECT_EQ(r.exit_code, 0) << describe(cmd, r);
    // "New, <the suite's own version>, Cipher is": SSLv3 for AES256-SHA.
    EXPECT_TRUE(has(r.out, ", Cipher is " + suite + "\n")) << describe(cmd, r);
    EXPECT_TRUE(has(r.out, "    Protocol  : TLSv1.2\n")) << describe(cmd, r);
    EXPECT_TRUE(has(r.out, "Verify return code: 0 (ok)")) << describe(cmd, r);
    EXPECT_TRUE(has(r.out, "Extended master secret: yes")) << describe(cmd, r);
    EXPECT_TRUE(has(r.out, "Secure Renegotiation IS supported")) << describe(cmd, r);
    EXPECT_TRUE(has(r.out, "Compression: NONE")) << describe(cmd, r);
    // Data both ways: our line went up, the reversed line came back.
    EXPECT_TRUE(has(r.out, "dlrow olleh")) << describe(cmd, r);
    EXPECT_FALSE(has(r.out + r.err, "unexpected eof")) << describe(cmd, r);
}

// The "Keying material: HEX" line s_client / s_server print with
// -keymatexport (RFC 5705 exporter), or "" if none.
inline std::string keying_material(const std::string &out)
{
    static const std::string key = "Keying material: ";
    size_t p = out.find(key);
    if (p == std::string::npos)
        return "";
    p += key.size();
    return out.substr(p, out.find('\n', p) - p);
}

inline const std::vector<std::string> kExportArgs = {"-keymatexport", "EXPERIMENTAL-shimssl",
                                                     "-keymatexportlen", "40"};

inline std::string param_name(const ::testing::TestParamInfo<const char *> &i)
{
    std::string n = i.param;
    for (char &c : n)
        if (c == '-')
            c = '_';
    return n;
}

} // namespace tls12
} // namespace shimtest

#endif
