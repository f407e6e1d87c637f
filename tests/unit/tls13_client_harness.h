// Shared harness for the TLS 1.3 client tests: our core client (tls_conn)
// talking to the system's OpenSSL server in one process through memory BIOs.
// Bytes from the server pass through `tamper` before the client sees them, so
// hostile tests can rewrite the server's flight.
#ifndef SHIMSSL_TESTS_TLS13_CLIENT_HARNESS_H
#define SHIMSSL_TESTS_TLS13_CLIENT_HARNESS_H

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <map>
#include <string>
#include <vector>

extern "C" {
#include "core/record.h"
#include "core/tls.h"
}

namespace tls13test
{

// Keys are costly to generate (RSA); keep one per kind for the process.
struct KeyCache : std::map<std::string, EVP_PKEY *> {
    ~KeyCache()
    {
        for (auto &kv : *this)
            EVP_PKEY_free(kv.second);
    }
};
struct CertCache : std::map<std::string, X509 *> {
    ~CertCache()
    {
        for (auto &kv : *this)
            X509_free(kv.second);
    }
};

inline EVP_PKEY *test_key(const std::string &kind)
{
    static KeyCache cache;
    auto it = cache.find(kind);
    if (it != cache.end())
        return it->second;
    EVP_PKEY *k = nullptr;
    if (kind == "rsa")
        k = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", (size_t)2048);
    else if (kind == "rsa-pss")
        k = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA-PSS", (size_t)2048);
    else if (kind == "p256")
        k = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
    else if (kind == "p384")
        k = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384");
    else if (kind == "ed25519")
        k = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
    cache[kind] = k;
    return k;
}

inline X509 *test_cert(const std::string &kind)
{
    static CertCache cache;
    auto it = cache.find(kind);
    if (it != cache.end())
        return it->second;
    EVP_PKEY *k = test_key(kind);
    X509 *x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400);
    X509_NAME *n = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)"localhost", -1, -1,
                               0);
    X509_set_issuer_name(x, n);
    X509_set_pubkey(x, k);
    X509_sign(x, k, kind == "ed25519" ? nullptr : EVP_sha256());
    cache[kind] = x;
    return x;
}

// Our client alone: its configuration, the bytes it sent, the bytes waiting
// for it, and what its callbacks reported. Needs libcrypto only.
struct Client {
    tls_config cfg{};
    tls_conn *c = nullptr;
    std::string to_client; // peer bytes not yet given to the client
    std::string wire_out;  // everything the client ever sent, for inspection
    std::function<void(const uint8_t *, size_t)> to_server;
    std::vector<std::string> client_keylog;
    int tickets = 0;
    int handshake_done_events = 0;

    Client()
    {
        cfg.cb_arg = this;
        cfg.keylog = [](void *arg, const char *line) {
            ((Client *)arg)->client_keylog.push_back(line);
        };
        cfg.event = [](void *arg, int where, int) {
            Client *p = (Client *)arg;
            if (where == TLS_EV_SESSION_TICKET)
                p->tickets++;
            if (where == TLS_EV_HANDSHAKE_DONE)
                p->handshake_done_events++;
        };
    }
    virtual ~Client() { tls_conn_free(c); }
    Client(const Client &) = delete;
    Client &operator=(const Client &) = delete;

    virtual void start() { c = tls_conn_new(&cfg, 0); }

    void client_to_server()
    {
        const uint8_t *d;
        size_t n;
        while ((n = tls_conn_out(c, &d)) > 0) {
            wire_out.append((const char *)d, n);
            if (to_server)
                to_server(d, n);
            tls_conn_out_consume(c, n);
        }
    }

    // Run op, feeding the client what it asks for, until it stops wanting
    // input or the server's bytes run out.
    int run_client(const std::function<int()> &op)
    {
        for (;;) {
            int rc = op();
            client_to_server();
            if (rc != TLS_WANT_INPUT)
                return rc;
            size_t want;
            uint8_t *p = tls_conn_rbuf(c, &want);
            if (to_client.empty() || want == 0)
                return rc;
            size_t n = std::min(want, to_client.size());
            memcpy(p, to_client.data(), n);
            to_client.erase(0, n);
            tls_conn_rbuf_commit(c, n);
        }
    }
};

// Our client and the system's OpenSSL server (needs libssl).
struct Peer : Client {
    SSL_CTX *sctx = nullptr;
    SSL *s = nullptr;
    BIO *s_in = nullptr;  // server reads from it (we write the client's bytes)
    BIO *s_out = nullptr; // server writes to it
    std::function<void(std::string &)> tamper;
    std::vector<std::string> server_keylog;
    int ssl_hs = 0;

    explicit Peer(const std::string &key = "p256")
    {
        sctx = SSL_CTX_new(TLS_server_method());
        SSL_CTX_set_min_proto_version(sctx, TLS1_3_VERSION);
        SSL_CTX_set_max_proto_version(sctx, TLS1_3_VERSION);
        SSL_CTX_use_certificate(sctx, test_cert(key));
        SSL_CTX_use_PrivateKey(sctx, test_key(key));
        SSL_CTX_set_app_data(sctx, this);
        SSL_CTX_set_keylog_callback(sctx, [](const SSL *ssl, const char *line) {
            Peer *p = (Peer *)SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));
            p->server_keylog.push_back(line);
        });
    }
    ~Peer() override
    {
        tls_conn_free(c);
        c = nullptr;
        SSL_free(s);
        SSL_CTX_free(sctx);
    }

    // Create both ends once the configuration is final.
    void start() override
    {
        s = SSL_new(sctx);
        s_in = BIO_new(BIO_s_mem());
        s_out = BIO_new(BIO_s_mem());
        SSL_set_bio(s, s_in, s_out);
        SSL_set_accept_state(s);
        to_server = [this](const uint8_t *d, size_t n) { BIO_write(s_in, d, (int)n); };
        Client::start();
    }

    void server_to_client()
    {
        char buf[16384];
        int n;
        std::string got;
        while ((n = BIO_read(s_out, buf, sizeof(buf))) > 0)
            got.append(buf, (size_t)n);
        if (tamper && !got.empty())
            tamper(got);
        to_client += got;
    }

    // Both sides until done or failure. Returns the client's result.
    int handshake()
    {
        if (!c)
            start();
        int rc = TLS_WANT_INPUT;
        for (int i = 0; i < 20; i++) {
            rc = run_client([&] { return tls_conn_handshake(c); });
            if (rc < 0)
                return rc;
            if (ssl_hs != 1)
                ssl_hs = SSL_do_handshake(s);
            server_to_client();
            if (rc == TLS_OK && ssl_hs == 1)
                return rc;
        }
        return rc;
    }

    // Client reads until it has `want` bytes or nothing more comes.
    int client_read(std::string &out, size_t want)
    {
        uint8_t buf[5000];
        int rc = TLS_OK;
        while (out.size() < want) {
            size_t n = 0;
            server_to_client();
            rc = run_client([&] { return tls_conn_read(c, buf, sizeof(buf), &n, 0); });
            if (rc == TLS_OK)
                out.append((const char *)buf, n);
            else
                return rc;
        }
        return rc;
    }

    int client_write(const std::string &data)
    {
        size_t off = 0;
        while (off < data.size()) {
            size_t n = 0;
            int rc = tls_conn_write(c, (const uint8_t *)data.data() + off, data.size() - off, &n);
            client_to_server();
            if (rc != TLS_OK)
                return rc;
            off += n;
        }
        return TLS_OK;
    }

    std::string server_read(size_t want)
    {
        std::string out;
        char buf[16384];
        while (out.size() < want) {
            int n = SSL_read(s, buf, sizeof(buf));
            if (n <= 0)
                break;
            out.append(buf, (size_t)n);
        }
        server_to_client();
        return out;
    }

    bool server_write(const std::string &data)
    {
        size_t off = 0;
        while (off < data.size()) {
            int n = SSL_write(s, data.data() + off, (int)(data.size() - off));
            if (n <= 0)
                return false;
            off += (size_t)n;
            server_to_client();
        }
        server_to_client();
        return true;
    }
};

// --- wire helpers for hostile tests -----------------------------------------

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
inline std::string record(unsigned type, const std::string &body)
{
    return u8(type) + "\x03\x03" + u16(body.size()) + body;
}

static const std::string
    kHrrRandom("\xCF\x21\xAD\x74\xE5\x9A\x61\x11\xBE\x1D\x8C\x02\x1E\x65\xB8\x91"
               "\xC2\xA2\x11\x16\x7A\xBB\x8C\x5E\x07\x9E\x09\xE2\xC8\xA8\x33\x9C",
               32);

inline std::string x25519_share()
{
    EVP_PKEY *k = EVP_PKEY_Q_keygen(nullptr, nullptr, "X25519");
    uint8_t pub[32];
    size_t n = sizeof(pub);
    EVP_PKEY_get_raw_public_key(k, pub, &n);
    EVP_PKEY_free(k);
    return std::string((const char *)pub, n);
}

inline std::string unhex(const std::string &h)
{
    std::string out;
    for (size_t i = 0; i + 1 < h.size(); i += 2)
        out += (char)std::stoi(h.substr(i, 2), nullptr, 16);
    return out;
}

// The secret for `label` from NSS key log lines.
inline std::string secret_from(const std::vector<std::string> &log, const std::string &label)
{
    for (const auto &l : log)
        if (l.rfind(label + " ", 0) == 0)
            return unhex(l.substr(l.rfind(' ') + 1));
    return "";
}

struct Rec {
    uint8_t type;
    std::string body;
    bool prot; // protected on the wire
    size_t pad = 0;
};

// Split a byte string into records.
inline std::vector<Rec> split(const std::string &s)
{
    std::vector<Rec> out;
    size_t off = 0;
    while (off + 5 <= s.size()) {
        size_t len = (uint8_t)s[off + 3] << 8 | (uint8_t)s[off + 4];
        out.push_back({(uint8_t)s[off], s.substr(off + 5, len), false});
        off += 5 + len;
    }
    return out;
}

// Find the handshake message of `type` among protected records: (record, offset).
inline bool find_msg(std::vector<Rec> &recs, uint8_t type, size_t *ri, size_t *off)
{
    for (size_t i = 0; i < recs.size(); i++) {
        if (recs[i].type != TLS_CT_HANDSHAKE)
            continue;
        size_t o = 0;
        const std::string &b = recs[i].body;
        while (o + 4 <= b.size()) {
            if ((uint8_t)b[o] == type) {
                *ri = i;
                *off = o;
                return true;
            }
            o += 4 + ((uint8_t)b[o + 1] << 16 | (uint8_t)b[o + 2] << 8 | (uint8_t)b[o + 3]);
        }
    }
    return false;
}

// Replace the body of the first handshake message of `type`.
inline void replace_msg(std::vector<Rec> &recs, uint8_t type, const std::string &body)
{
    size_t ri, off;
    ASSERT_TRUE(find_msg(recs, type, &ri, &off));
    std::string &b = recs[ri].body;
    size_t len = (uint8_t)b[off + 1] << 16 | (uint8_t)b[off + 2] << 8 | (uint8_t)b[off + 3];
    b.replace(off, 4 + len, hs(type, body));
}

// The alert in the last record the client sent since `mark`, decrypting it
// with the client's secret `label` if it is protected. -1 if none.
inline int sent_alert(Client &p, size_t mark, const char *label)
{
    std::vector<Rec> recs = split(p.wire_out.substr(mark));
    if (recs.empty())
        return -1;
    Rec r = recs.back();
    if (r.type == TLS_CT_ALERT && r.body.size() == 2)
        return (uint8_t)r.body[1];
    if (r.type != TLS_CT_APPLICATION_DATA)
        return -1;
    std::string s = secret_from(p.client_keylog, label);
    const tls_suite *suite = tls_suite_get(nullptr, tls_conn_cipher_suite(p.c));
    if (s.empty() || !suite)
        return -1;
    // Our sequence number under that key is small; try the first few.
    for (uint64_t seq = 0; seq < 8; seq++) {
        tls_rec_dir d;
        tls_rec_dir_init(&d, 0);
        if (tls_rec_set_tls13(&d, 0, suite, (const uint8_t *)s.data()) != 0)
            return -1;
        d.seq = seq;
        std::string raw = record(r.type, r.body);
        uint8_t type, *data;
        size_t len;
        int rc = tls_rec_open(&d, (uint8_t *)&raw[0], raw.size(), &type, &data, &len);
        tls_rec_dir_clear(&d);
        if (rc == 0 && type == TLS_CT_ALERT && len == 2)
            return data[1];
    }
    return -1;
}

// The failure is sticky: every later call reports it and queues nothing new.
inline void expect_sticky(Client &p, int rc)
{
    EXPECT_EQ(rc, tls_conn_error(p.c));
    size_t before = p.wire_out.size();
    EXPECT_EQ(rc, tls_conn_handshake(p.c));
    uint8_t b[8];
    size_t n;
    EXPECT_EQ(rc, tls_conn_read(p.c, b, sizeof(b), &n, 0));
    EXPECT_EQ(rc, tls_conn_write(p.c, (const uint8_t *)"x", 1, &n));
    p.client_to_server();
    EXPECT_EQ(before, p.wire_out.size());
    size_t want = 99;
    (void)tls_conn_rbuf(p.c, &want);
    EXPECT_EQ(0u, want);
}

} // namespace tls13test

#endif
