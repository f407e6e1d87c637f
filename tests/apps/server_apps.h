// Shared pieces of the tests that run real TLS servers (nginx, haproxy,
// stunnel, socat, python, s_server) on ShimSSL and talk to them with
// Debian's clients on the system libssl (openssl s_client, curl,
// gnutls-cli).
#ifndef SHIMSSL_TESTS_APPS_SERVER_APPS_H
#define SHIMSSL_TESTS_APPS_SERVER_APPS_H

#include "testlib/testlib.h"

#include <fstream>
#include <string>
#include <utility>
#include <vector>

namespace shimtest
{
namespace apps
{

inline bool has(const std::string &text, const std::string &needle)
{
    return text.find(needle) != std::string::npos;
}

inline int count(const std::string &text, const std::string &needle)
{
    int n = 0;
    for (size_t p = text.find(needle); p != std::string::npos; p = text.find(needle, p + 1))
        ++n;
    return n;
}

inline std::string write_file(const std::string &dir, const std::string &name,
                              const std::string &content)
{
    std::string path = dir + "/" + name;
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f << content;
    return path;
}

// Environment for a server under test: on ShimSSL with the loader trace
// (shim = true), or plain on the system libssl (the reference run).
inline RunOptions server_options(bool shim)
{
    RunOptions o;
    if (shim)
        o.env = shim_env();
    return o;
}

// Debian's `openssl s_client` on the system libssl, to 127.0.0.1:port,
// verifying with the test CA. `input` goes to its stdin; with -ign_eof it
// then reads until the server closes.
inline RunResult s_client(int port, const std::vector<std::string> &extra, const std::string &input,
                          std::vector<std::string> *cmd, int timeout_ms = 20000)
{
    std::vector<std::string> argv = {
        "openssl",     "s_client",  "-connect", "127.0.0.1:" + std::to_string(port),
        "-servername", "localhost", "-CAfile",  cert("ca.pem")};
    argv.insert(argv.end(), extra.begin(), extra.end());
    RunOptions o;
    o.stdin_data = input;
    o.timeout_ms = timeout_ms;
    if (cmd != nullptr)
        *cmd = argv;
    return run(argv, o);
}

// Debian's curl (on the system libssl) fetching https://localhost:port<path>,
// verifying with the test CA. Appends "\nHTTP=<code> VERIFY=<result>\n".
inline RunResult curl(int port, const std::string &path, const std::vector<std::string> &extra,
                      std::vector<std::string> *cmd)
{
    std::vector<std::string> argv = {
        "curl",       "-sS",
        "--max-time", "15",
        "--resolve",  "localhost:" + std::to_string(port) + ":127.0.0.1",
        "--cacert",   cert("ca.pem"),
        "-w",         "\nHTTP=%{http_code} VERIFY=%{ssl_verify_result}\n"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.push_back("https://localhost:" + std::to_string(port) + path);
    RunOptions o;
    o.timeout_ms = 20000;
    if (cmd != nullptr)
        *cmd = argv;
    return run(argv, o);
}

// text with every "@KEY@" replaced by its value.
inline std::string substitute(std::string text,
                              const std::vector<std::pair<std::string, std::string>> &vars)
{
    for (const auto &kv : vars) {
        const std::string key = "@" + kv.first + "@";
        for (size_t p = text.find(key); p != std::string::npos;
             p = text.find(key, p + kv.second.size()))
            text.replace(p, key.size(), kv.second);
    }
    return text;
}

// The first line of text (without its newline).
inline std::string first_line(const std::string &text)
{
    return text.substr(0, text.find('\n'));
}

} // namespace apps
} // namespace shimtest

#endif
