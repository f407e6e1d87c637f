// The in-process harness shared by the core TLS 1.3 server tests: test
// certificates and keys, a server tls_conn configured from them, and pumping
// bytes between it and a peer.
#ifndef SHIMSSL_TESTS_TLS13_SERVER_HARNESS_H
#define SHIMSSL_TESTS_TLS13_SERVER_HARNESS_H

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <map>
#include <string>
#include <vector>

extern "C" {
#include "core/tls.h"
#include "core/conn.h"
#include "core/handshake.h"
}

namespace tls13srv
{

inline std::string cert_path(const std::string &name)
{
    return std::string(SHIMSSL_CERT_DIR) + "/" + name;
}

// Loaded once per process and kept (the config points at them), freed at exit.
struct CertCache : std::map<std::string, X509 *> {
    ~CertCache()
    {
        for (auto &kv : *this)
            X509_free(kv.second);
    }
};
struct KeyCache : std::map<std::string, EVP_PKEY *> {
    ~KeyCache()
    {
        for (auto &kv : *this)
            EVP_PKEY_free(kv.second);
    }
};

inline X509 *load_cert(const std::string &name)
{
    static CertCache cache;
    auto it = cache.find(name);
    if (it != cache.end())
        return it->second;
    X509 *x = nullptr;
    if (FILE *f = fopen(cert_path(name).c_str(), "r")) {
        x = PEM_read_X509(f, nullptr, nullptr, nullptr);
        fclose(f);
    }
    cache[name] = x;
    return x;
}

inline EVP_PKEY *load_key(const std::string &name)
{
    static KeyCache cache;
    auto it = cache.find(name);
    if (it != cache.end())
        return it->second;
    EVP_PKEY *k = nullptr;
    if (FILE *f = fopen(cert_path(name).c_str(), "r")) {
        k = PEM_read_PrivateKey(f, nullptr, nullptr, nullptr);
        fclose(f);
    }
    cache[name] = k;
    return k;
}

// Our server alone: configuration, bytes it sent, bytes waiting for it, and
// what its callbacks reported.
struct Server {
    tls_config cfg{};
    tls_conn *c = nullptr;
    std::string to_server; // peer bytes not yet given to the server
    std::string wire_out;  // everything the server ever sent
    std::vector<std::string> keylog;
    std::vector<int> events;
    std::vector<std::pair<int, int>> msgs; // (write, content_type)

    explicit Server(const std::string &cert = "server-ec")
    {
        cfg.cert = load_cert(cert + ".pem");
        cfg.key = load_key(cert + ".key");
        cfg.cb_arg = this;
        cfg.keylog = [](void *arg, const char *line) { ((Server *)arg)->keylog.push_back(line); };
        cfg.event = [](void *arg, int where, int) { ((Server *)arg)->events.push_back(where); };
        cfg.msg = [](void *arg, int write, int, int type, const uint8_t *, size_t) {
            ((Server *)arg)->msgs.push_back({write, type});
        };
    }
    virtual ~Server() { tls_conn_free(c); }
    Server(const Server &) = delete;
    Server &operator=(const Server &) = delete;

    void start()
    {
        if (!c)
            c = tls_conn_new(&cfg, 1);
    }

    // Move what the server queued into wire_out; returns the new bytes.
    std::string drain()
    {
        std::string got;
        const uint8_t *d;
        size_t n;
        while ((n = tls_conn_out(c, &d)) > 0) {
            got.append((const char *)d, n);
            tls_conn_out_consume(c, n);
        }
        wire_out += got;
        return got;
    }

    // Run op, feeding what the server asks for, until it stops wanting
    // input or the peer's bytes run out.
    int run(const std::function<int()> &op)
    {
        for (;;) {
            int rc = op();
            if (rc != TLS_WANT_INPUT)
                return rc;
            size_t want;
            uint8_t *p = tls_conn_rbuf(c, &want);
            if (to_server.empty() || want == 0)
                return rc;
            size_t n = std::min(want, to_server.size());
            memcpy(p, to_server.data(), n);
            to_server.erase(0, n);
            tls_conn_rbuf_commit(c, n);
        }
    }

    int handshake_step()
    {
        start();
        return run([&] { return tls_conn_handshake(c); });
    }
};

// --- wire helpers ------------------------------------------------------------
inline std::string u8(unsigned v)
{
    return std::string(1, (char)v);
}
inline std::string u16(unsigned v)
{
    return u8(v >> 8) + u8(v & 0xff);
}
inline std::string u24(unsigned v)
{
    return u8(v >> 16) + u16(v & 0xffff);
}
inline std::string ext(unsigned type, const std::string &body)
{
    return u16(type) + u16(body.size()) + body;
}
inline std::string hs(unsigned type, const std::string &body)
{
    return u8(type) + u24(body.size()) + body;
}
inline std::string record(unsigned type, const std::string &body, unsigned version = 0x0303)
{
    return u8(type) + u16(version) + u16(body.size()) + body;
}

struct Rec {
    uint8_t type;
    std::string body;
};

inline std::vector<Rec> split(const std::string &s)
{
    std::vector<Rec> out;
    size_t off = 0;
    while (off + 5 <= s.size()) {
        size_t len = (uint8_t)s[off + 3] << 8 | (uint8_t)s[off + 4];
        out.push_back({(uint8_t)s[off], s.substr(off + 5, len)});
        off += 5 + len;
    }
    return out;
}

} // namespace tls13srv

#endif
