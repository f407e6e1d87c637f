// The in-memory pair harness of the core tests: our engine (core/tls.h's
// tls_conn, no SSL_* symbol of ours) as one end, driven byte by byte in one
// thread, and as the other end the system's OpenSSL (an SSL over two memory
// BIOs) or hand-made bytes. Header only: the unit tests link libcrypto and
// the system libssl, not shimssl_testlib. The public-API pair (both ends
// SSL objects, ShimSSL's or OpenSSL's) is testlib/ssl_pair.h.
//
//   CoreEnd          a tls_conn, the bytes it sent, the bytes waiting for it
//   DrivenEnd        CoreEnd driven like a program: handshake, then reading
//   CoreServer       CoreEnd as a server with tests/certs identities and
//                    its callbacks recorded (keylog, events, messages)
//   CoreClient       CoreEnd as a client with its callbacks recorded
//   CoreServerPair   CoreServer + an OpenSSL client
//   CoreClientPair   CoreClient + an OpenSSL server
//   wire helpers     u8/u16/u24/ext/hs/record, split into records
#ifndef SHIMSSL_TESTLIB_CORE_PAIR_H
#define SHIMSSL_TESTLIB_CORE_PAIR_H

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

extern "C" {
#include "core/tls.h"
}

namespace shimtest
{

// ---- test identities -----------------------------------------------------------

inline std::string cert_path(const std::string &name)
{
    return std::string(SHIMSSL_CERT_DIR) + "/" + name;
}

// Loaded or made once per process and kept (configurations point at them),
// freed at exit.
template <class T, void (*Free)(T *)> struct PtrCache : std::map<std::string, T *> {
    ~PtrCache()
    {
        for (auto &kv : *this)
            Free(kv.second);
    }
};

// tests/certs/<name> (PEM), nullptr if it does not load.
inline X509 *load_cert(const std::string &name)
{
    static PtrCache<X509, X509_free> cache;
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
    static PtrCache<EVP_PKEY, EVP_PKEY_free> cache;
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

// A fresh key of a kind ("rsa", "rsa-pss", "p256", "p384", "ed25519"), one
// per kind for the process (RSA keys are costly to make).
inline EVP_PKEY *test_key(const std::string &kind)
{
    static PtrCache<EVP_PKEY, EVP_PKEY_free> cache;
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

// A self-signed certificate (CN=localhost) for test_key(kind).
inline X509 *test_cert(const std::string &kind)
{
    static PtrCache<X509, X509_free> cache;
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

// ---- our engine as one end -------------------------------------------------------

struct CoreEnd {
    tls_config cfg{};
    tls_conn *c = nullptr;
    std::string pending;  // peer bytes not yet given to the engine
    std::string wire_out; // everything the engine ever sent

    CoreEnd() = default;
    virtual ~CoreEnd() { free_conn(); }
    CoreEnd(const CoreEnd &) = delete;
    CoreEnd &operator=(const CoreEnd &) = delete;

    void free_conn()
    {
        tls_conn_free(c);
        c = nullptr;
    }

    // Moves what the engine queued into wire_out; returns the new bytes.
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

    // Runs op, feeding the engine what it asks for from `pending`, until it
    // stops wanting input or the peer's bytes run out. after_op runs after
    // each op (a client sends what it queued at once).
    int run_fed(const std::function<int()> &op, const std::function<void()> &after_op = nullptr)
    {
        for (;;) {
            int rc = op();
            if (after_op)
                after_op();
            if (rc != TLS_WANT_INPUT)
                return rc;
            size_t want;
            uint8_t *p = tls_conn_rbuf(c, &want);
            if (pending.empty() || want == 0)
                return rc;
            size_t n = std::min(want, pending.size());
            memcpy(p, pending.data(), n);
            pending.erase(0, n);
            tls_conn_rbuf_commit(c, n);
        }
    }
};

// An end driven as a peer program would drive it: (0-RTT data first when
// read_early,) the handshake, then application data into `got`, fed from
// `pending` until it has nothing left to give or the engine stops.
struct DrivenEnd : CoreEnd {
    std::string &in = pending;
    std::string got;
    int rc = TLS_WANT_INPUT;
    bool read_early = false, early_done = false; // server: read 0-RTT data first
    std::string early;

    void drive()
    {
        for (;;) {
            if (read_early && !early_done) {
                static uint8_t ebuf[4096];
                size_t n = 0;
                rc = tls_conn_read_early(c, ebuf, sizeof(ebuf), &n);
                if (rc == TLS_OK) {
                    early.append((const char *)ebuf, n);
                    continue;
                }
                if (rc == TLS_EARLY_END) {
                    early_done = true;
                    continue;
                }
                if (rc < 0 || rc == TLS_EOF)
                    return;
            } else if (!tls_conn_handshake_done(c)) {
                rc = tls_conn_handshake(c);
                if (rc < 0)
                    return;
            }
            if ((!read_early || early_done) && tls_conn_handshake_done(c)) {
                static uint8_t buf[20000];
                for (;;) {
                    size_t n = 0;
                    rc = tls_conn_read(c, buf, sizeof(buf), &n, 0);
                    if (rc == TLS_OK && n > 0) {
                        got.append((const char *)buf, n);
                        continue;
                    }
                    break;
                }
                if (rc < 0 || rc == TLS_EOF)
                    return;
            }
            size_t want = 0;
            uint8_t *p = tls_conn_rbuf(c, &want);
            if (in.empty() || want == 0)
                return;
            size_t k = std::min(want, in.size());
            memcpy(p, in.data(), k);
            in.erase(0, k);
            tls_conn_rbuf_commit(c, k);
        }
    }
};

// Our server: tests/certs/<cert>.pem and .key, callbacks recorded.
struct CoreServer : CoreEnd {
    std::string &to_server = pending; // peer bytes not yet given to the server
    std::vector<std::string> keylog;
    std::vector<int> events;
    std::vector<std::pair<int, int>> msgs; // (write, content_type)

    explicit CoreServer(const std::string &cert = "server-ec")
    {
        cfg.cert = load_cert(cert + ".pem");
        cfg.key = load_key(cert + ".key");
        cfg.cb_arg = this;
        cfg.keylog = [](void *arg, const char *line) {
            ((CoreServer *)arg)->keylog.push_back(line);
        };
        cfg.event = [](void *arg, int where, int) { ((CoreServer *)arg)->events.push_back(where); };
        cfg.msg = [](void *arg, int write, int, int type, const uint8_t *, size_t) {
            ((CoreServer *)arg)->msgs.push_back({write, type});
        };
    }

    void start()
    {
        if (!c)
            c = tls_conn_new(&cfg, 1);
    }
    int run(const std::function<int()> &op) { return run_fed(op); }
    int handshake_step()
    {
        start();
        return run([&] { return tls_conn_handshake(c); });
    }
};

// Our client, callbacks recorded; to_server (if set) gets what it sends.
struct CoreClient : CoreEnd {
    std::string &to_client = pending; // peer bytes not yet given to the client
    std::function<void(const uint8_t *, size_t)> to_server;
    std::vector<std::string> client_keylog;
    int tickets = 0;
    int handshake_done_events = 0;

    CoreClient()
    {
        cfg.cb_arg = this;
        cfg.keylog = [](void *arg, const char *line) {
            ((CoreClient *)arg)->client_keylog.push_back(line);
        };
        cfg.event = [](void *arg, int where, int) {
            CoreClient *p = (CoreClient *)arg;
            if (where == TLS_EV_SESSION_TICKET)
                p->tickets++;
            if (where == TLS_EV_HANDSHAKE_DONE)
                p->handshake_done_events++;
        };
    }

    virtual void start() { c = tls_conn_new(&cfg, 0); }

    void client_to_server()
    {
        std::string got = drain();
        if (to_server && !got.empty())
            to_server((const uint8_t *)got.data(), got.size());
    }
    int run_client(const std::function<int()> &op)
    {
        return run_fed(op, [this] { client_to_server(); });
    }
};

// ---- the OpenSSL end ---------------------------------------------------------------

// Reads everything an OpenSSL end wrote to its memory BIO.
inline std::string bio_take(BIO *b)
{
    char buf[16384];
    int n;
    std::string got;
    while ((n = BIO_read(b, buf, sizeof(buf))) > 0)
        got.append(buf, (size_t)n);
    return got;
}

// SSL_read until `want` bytes or nothing more comes.
inline std::string ssl_read_upto(SSL *s, size_t want)
{
    std::string out;
    char buf[16384];
    while (out.size() < want) {
        int n = SSL_read(s, buf, sizeof(buf));
        if (n <= 0)
            break;
        out.append(buf, (size_t)n);
    }
    return out;
}

// SSL_write all of data, calling after_each after every write.
inline bool ssl_write_all(SSL *s, const std::string &data,
                          const std::function<void()> &after_each = nullptr)
{
    size_t off = 0;
    while (off < data.size()) {
        int n = SSL_write(s, data.data() + off, (int)(data.size() - off));
        if (n <= 0)
            return false;
        off += (size_t)n;
        if (after_each)
            after_each();
    }
    return true;
}

// Our server and OpenSSL's client (TLS_client_method, no settings: the test
// sets cctx before the first handshake()).
struct CoreServerPair : CoreServer {
    SSL_CTX *cctx = nullptr;
    SSL *s = nullptr;
    BIO *c_in = nullptr;  // client reads from it (we put the server's bytes)
    BIO *c_out = nullptr; // client writes to it
    int ssl_hs = 0;
    std::vector<std::string> client_keylog;
    // Client flight filter: lets a test change what reaches the server.
    std::function<void(std::string &)> mangle;
    // After our server failed, the client reads our alert (one more
    // SSL_do_handshake) before handshake() returns.
    bool client_sees_alert = false;

    explicit CoreServerPair(const std::string &cert = "server-ec") : CoreServer(cert)
    {
        cctx = SSL_CTX_new(TLS_client_method());
        SSL_CTX_set_app_data(cctx, this);
    }
    ~CoreServerPair() override
    {
        free_conn();
        SSL_free(s);
        SSL_CTX_free(cctx);
    }

    // The client's key log lines go to client_keylog.
    void log_client_keys()
    {
        SSL_CTX_set_keylog_callback(cctx, [](const SSL *ssl, const char *line) {
            auto *p = (CoreServerPair *)SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));
            p->client_keylog.push_back(line);
        });
    }
    // The client verifies our certificate against tests/certs/<ca_file>.
    void trust(const std::string &ca_file)
    {
        SSL_CTX_load_verify_locations(cctx, cert_path(ca_file).c_str(), nullptr);
        SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, nullptr);
    }

    void start_both()
    {
        if (s)
            return;
        s = SSL_new(cctx);
        c_in = BIO_new(BIO_s_mem());
        c_out = BIO_new(BIO_s_mem());
        SSL_set_bio(s, c_in, c_out);
        SSL_set_connect_state(s);
        start();
    }

    void client_to_server()
    {
        std::string got = bio_take(c_out);
        if (mangle && !got.empty())
            mangle(got);
        to_server += got;
    }
    void server_to_client()
    {
        std::string got = drain();
        if (!got.empty())
            BIO_write(c_in, got.data(), (int)got.size());
    }

    // Both sides until done or stuck. Returns our server's result.
    int handshake()
    {
        start_both();
        int rc = TLS_WANT_INPUT;
        for (int i = 0; i < 20; i++) {
            if (ssl_hs != 1)
                ssl_hs = SSL_do_handshake(s);
            client_to_server();
            rc = run([&] { return tls_conn_handshake(c); });
            server_to_client();
            if (rc < 0) {
                if (client_sees_alert && ssl_hs != 1)
                    ssl_hs = SSL_do_handshake(s);
                return rc;
            }
            if (rc == TLS_OK && ssl_hs == 1)
                return rc;
        }
        return rc;
    }

    int server_write(const std::string &data)
    {
        size_t off = 0;
        while (off < data.size()) {
            size_t n = 0;
            int rc = tls_conn_write(c, (const uint8_t *)data.data() + off, data.size() - off, &n);
            server_to_client();
            if (rc != TLS_OK)
                return rc;
            off += n;
        }
        return TLS_OK;
    }

    // Our server reads until it has `want` bytes or nothing more comes.
    int server_read(std::string &out, size_t want)
    {
        uint8_t buf[5000];
        int rc = TLS_OK;
        while (out.size() < want) {
            size_t n = 0;
            client_to_server();
            rc = run([&] { return tls_conn_read(c, buf, sizeof(buf), &n, 0); });
            server_to_client();
            if (rc != TLS_OK)
                return rc;
            out.append((const char *)buf, n);
        }
        return rc;
    }

    std::string client_read(size_t want)
    {
        std::string out = ssl_read_upto(s, want);
        client_to_server();
        return out;
    }

    bool client_write(const std::string &data)
    {
        bool ok = ssl_write_all(s, data);
        if (ok)
            client_to_server();
        return ok;
    }
};

// Our client and OpenSSL's server (TLS 1.3 only, test_cert(key)). Bytes from
// the server pass through `tamper` before our client sees them.
struct CoreClientPair : CoreClient {
    SSL_CTX *sctx = nullptr;
    SSL *s = nullptr;
    BIO *s_in = nullptr;  // server reads from it (we write the client's bytes)
    BIO *s_out = nullptr; // server writes to it
    std::function<void(std::string &)> tamper;
    std::vector<std::string> server_keylog;
    int ssl_hs = 0;

    explicit CoreClientPair(const std::string &key = "p256")
    {
        sctx = SSL_CTX_new(TLS_server_method());
        SSL_CTX_set_min_proto_version(sctx, TLS1_3_VERSION);
        SSL_CTX_set_max_proto_version(sctx, TLS1_3_VERSION);
        SSL_CTX_use_certificate(sctx, test_cert(key));
        SSL_CTX_use_PrivateKey(sctx, test_key(key));
        SSL_CTX_set_app_data(sctx, this);
        SSL_CTX_set_keylog_callback(sctx, [](const SSL *ssl, const char *line) {
            auto *p = (CoreClientPair *)SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));
            p->server_keylog.push_back(line);
        });
    }
    ~CoreClientPair() override
    {
        free_conn();
        SSL_free(s);
        SSL_CTX_free(sctx);
    }

    // Creates both ends once the configuration is final.
    void start() override
    {
        s = SSL_new(sctx);
        s_in = BIO_new(BIO_s_mem());
        s_out = BIO_new(BIO_s_mem());
        SSL_set_bio(s, s_in, s_out);
        SSL_set_accept_state(s);
        to_server = [this](const uint8_t *d, size_t n) { BIO_write(s_in, d, (int)n); };
        CoreClient::start();
    }

    void server_to_client()
    {
        std::string got = bio_take(s_out);
        if (tamper && !got.empty())
            tamper(got);
        to_client += got;
    }

    // Both sides until done or failure. Returns our client's result.
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

    // Our client reads until it has `want` bytes or nothing more comes.
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
        std::string out = ssl_read_upto(s, want);
        server_to_client();
        return out;
    }

    bool server_write(const std::string &data)
    {
        bool ok = ssl_write_all(s, data, [this] { server_to_client(); });
        if (ok)
            server_to_client();
        return ok;
    }
};

// n bytes of a pattern that differs with seed.
inline std::string pattern(size_t n, unsigned seed)
{
    std::string s(n, '\0');
    for (size_t i = 0; i < n; i++)
        s[i] = (char)((i * 131 + seed) & 0xff);
    return s;
}

// n bytes from the client to our server and n others back, each intact.
inline void expect_data_both_ways(CoreServerPair &p, size_t n)
{
    std::string up = pattern(n, 7), down = pattern(n, 11);
    ASSERT_TRUE(p.client_write(up));
    std::string got;
    ASSERT_EQ(TLS_OK, p.server_read(got, up.size()));
    EXPECT_EQ(up, got);
    ASSERT_EQ(TLS_OK, p.server_write(down));
    EXPECT_EQ(down, p.client_read(down.size()));
}

// ---- wire helpers --------------------------------------------------------------

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
    bool prot = false; // protected on the wire
    size_t pad = 0;
};

// A byte string cut into records (a partial last one is left out).
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

} // namespace shimtest

#endif
