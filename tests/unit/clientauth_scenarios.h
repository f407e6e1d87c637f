// Client authentication scenarios written once against the libssl API and
// compiled twice: tests/unit/clientauth_scenarios_vs_openssl_test.cc links the
// system's OpenSSL 3.0 libssl, tests/apiunit/clientauth_scenarios_test.cc
// links ShimSSL. Each scenario asserts what the application sees (return
// values, SSL_get_error, the ERR library and reason, the peer certificate,
// the CA names) and the alert on the wire, with the same expectations for
// both, so that the OpenSSL build proves every expectation is OpenSSL's.
//
// Both ends run in one process over memory BIOs. Between them sits a man in
// the middle that knows every secret (both ends' key logs): it opens TLS 1.3
// records, lets a test edit, drop or inject handshake messages, and seals
// them again, and it notes every alert and handshake message that passes.
// For TLS 1.2 it edits the plaintext handshake (everything up to the CCS)
// and passes the protected records through.
//
// The includer defines CAH_SUITE (the gtest suite name, distinct per
// binary) before including this file.
#ifndef SHIMSSL_TESTS_CLIENTAUTH_SCENARIOS_H
#define SHIMSSL_TESTS_CLIENTAUTH_SCENARIOS_H

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <string>
#include <vector>

extern "C" {
#include "core/codec.h"
#include "core/crypto.h"
#include "core/record.h"
}

#ifndef CAH_SUITE
#error "define CAH_SUITE before including clientauth_scenarios.h"
#endif


namespace cah
{

inline std::string certfile(const std::string &f)
{
    return std::string(SHIMSSL_CERT_DIR) + "/" + f;
}

inline std::string b8(unsigned v)
{
    return std::string(1, (char)(v & 0xff));
}
inline std::string b16(unsigned v)
{
    return b8(v >> 8) + b8(v);
}
inline std::string b24(unsigned v)
{
    return b8(v >> 16) + b16(v);
}
inline std::string hsmsg(unsigned type, const std::string &body)
{
    return b8(type) + b24((unsigned)body.size()) + body;
}
inline std::string extn(unsigned type, const std::string &body)
{
    return b16(type) + b16((unsigned)body.size()) + body;
}
inline unsigned get16(const std::string &s, size_t off)
{
    return (unsigned)(uint8_t)s[off] << 8 | (uint8_t)s[off + 1];
}
inline unsigned get24(const std::string &s, size_t off)
{
    return (unsigned)(uint8_t)s[off] << 16 | get16(s, off + 1);
}

inline std::string unhex(const std::string &h)
{
    std::string out;
    for (size_t i = 0; i + 1 < h.size(); i += 2)
        out += (char)std::stoi(h.substr(i, 2), nullptr, 16);
    return out;
}

enum { HS_FINISHED = 20, HS_CERT = 11, HS_CR = 13, HS_CV = 15, HS_CKE = 16 };
// TLS alert descriptions used below.
enum {
    AD_UNEXPECTED_MESSAGE = 10,
    AD_HANDSHAKE_FAILURE = 40,
    AD_ILLEGAL_PARAMETER = 47,
    AD_DECODE_ERROR = 50,
    AD_DECRYPT_ERROR = 51,
    AD_MISSING_EXTENSION = 109,
    AD_CERTIFICATE_REQUIRED = 116,
    AD_INTERNAL_ERROR = 80,
};

// One direction of the man in the middle.
struct Dir {
    bool from_server = false;
    std::string pending;    // bytes of an incomplete record
    tls_rec_dir in{}, out{}; // the sender's key, opened; the same key, sealed again
    int stage = 0;          // 0 plaintext, 1 handshake keys, 2 application keys, 3 opaque
    std::vector<int> alerts;       // descriptions of the alerts that passed
    std::vector<unsigned> hs;      // types of the handshake messages that passed
    // Edit a handshake message (header included); return false to drop it.
    std::function<bool(std::string &msg)> edit;
};

struct Mitm {
    Dir c2s, s2c;
    std::vector<std::string> keylog;
    const tls_suite *suite = nullptr;
    int version = 0; // 12 or 13 once the ServerHello passed
    bool failed = false;

    Mitm()
    {
        s2c.from_server = true;
        for (Dir *d : {&c2s, &s2c}) {
            tls_rec_dir_init(&d->in, 0);
            tls_rec_dir_init(&d->out, 1);
        }
    }
    ~Mitm()
    {
        for (Dir *d : {&c2s, &s2c}) {
            tls_rec_dir_clear(&d->in);
            tls_rec_dir_clear(&d->out);
        }
    }
    Mitm(const Mitm &) = delete;
    Mitm &operator=(const Mitm &) = delete;

    std::string secret(const std::string &label) const
    {
        for (const auto &l : keylog)
            if (l.rfind(label + " ", 0) == 0)
                return unhex(l.substr(l.rfind(' ') + 1));
        return "";
    }

    void set_keys(Dir &d, const char *label)
    {
        std::string s = secret(label);
        if (s.empty() || suite == nullptr ||
            tls_rec_set_tls13(&d.in, 0, suite, (const uint8_t *)s.data()) != 0 ||
            tls_rec_set_tls13(&d.out, 1, suite, (const uint8_t *)s.data()) != 0) {
            ADD_FAILURE() << "man in the middle: no key for " << label;
            failed = true;
        }
    }

    // A ServerHello (not a HelloRetryRequest) tells the version and suite.
    void server_hello(const std::string &m)
    {
        static const std::string hrr = unhex("CF21AD74E59A6111BE1D8C021E65B891"
                                             "C2A211167ABB8C5E079E09E2C8A8339C");
        if (m.size() < 39 || m.substr(6, 32) == hrr)
            return;
        size_t off = 38 + 1 + (uint8_t)m[38];
        if (off + 3 > m.size())
            return;
        unsigned id = get16(m, off);
        off += 3;
        version = 12;
        if (off + 2 <= m.size()) {
            size_t end = off + 2 + get16(m, off);
            for (off += 2; off + 4 <= end && end <= m.size();) {
                unsigned type = get16(m, off), len = get16(m, off + 2);
                if (type == 43 && len == 2 && get16(m, off + 4) == 0x0304)
                    version = 13;
                off += 4 + len;
            }
        }
        suite = tls_suite_get(nullptr, (uint16_t)id);
        if (version == 13) {
            set_keys(s2c, "SERVER_HANDSHAKE_TRAFFIC_SECRET");
            s2c.stage = 1;
            // The client's next protected records are under its handshake key.
            set_keys(c2s, "CLIENT_HANDSHAKE_TRAFFIC_SECRET");
            c2s.stage = 1;
        }
    }

    // Split handshake messages, edit them, and join what is kept.
    std::string handshake(Dir &d, const std::string &body, bool *finished)
    {
        std::string outb;
        size_t off = 0;
        while (off + 4 <= body.size()) {
            size_t len = get24(body, off + 1);
            std::string m = body.substr(off, 4 + len);
            off += 4 + len;
            bool keep = !d.edit || d.edit(m);
            if (!keep || m.empty())
                continue;
            d.hs.push_back((uint8_t)m[0]);
            if (d.from_server && (uint8_t)m[0] == 2)
                server_hello(m);
            if ((uint8_t)m[0] == HS_FINISHED)
                *finished = true;
            outb += m;
        }
        return outb + body.substr(std::min(off, body.size()));
    }

    std::string seal(Dir &d, uint8_t type, const std::string &body)
    {
        tls_writer w;
        tls_wr_init(&w);
        if (tls_rec_seal(&d.out, type, (const uint8_t *)body.data(), body.size(), 0, &w) != 0) {
            ADD_FAILURE() << "man in the middle: cannot seal";
            failed = true;
        }
        std::string r((const char *)w.buf, w.len);
        tls_wr_free(&w);
        return r;
    }

    static std::string plain_record(uint8_t type, const std::string &body)
    {
        return b8(type) + "\x03\x03" + b16((unsigned)body.size()) + body;
    }

    std::string record(Dir &d, const std::string &raw)
    {
        uint8_t type = (uint8_t)raw[0];
        std::string body = raw.substr(5);
        if (d.stage == 3 || (d.stage != 0 && type == TLS_CT_CHANGE_CIPHER_SPEC))
            return raw;
        if (type == TLS_CT_CHANGE_CIPHER_SPEC) {
            if (version == 12)
                d.stage = 3; // TLS 1.2: protected from here on, passed through
            return raw;
        }
        if (d.stage == 0 || type != TLS_CT_APPLICATION_DATA) {
            // Plaintext (TLS 1.3: an alert sent before the sender's keys changed).
            if (type == TLS_CT_ALERT && body.size() >= 2)
                d.alerts.push_back((uint8_t)body[1]);
            if (type != TLS_CT_HANDSHAKE)
                return raw;
            bool fin = false;
            std::string hsb = handshake(d, body, &fin);
            if (hsb.empty())
                return "";
            // The ServerHello may have switched this direction to its keys:
            // the record carrying it stays plaintext.
            return plain_record(type, hsb);
        }
        std::string buf = raw;
        uint8_t inner;
        uint8_t *data;
        size_t len;
        if (tls_rec_open(&d.in, (uint8_t *)&buf[0], buf.size(), &inner, &data, &len) != 0) {
            // Not under the key we expected (e.g. after a failure): untouched.
            return raw;
        }
        std::string plain((const char *)data, len);
        if (inner == TLS_CT_ALERT && plain.size() >= 2)
            d.alerts.push_back((uint8_t)plain[1]);
        bool fin = false;
        if (inner == TLS_CT_HANDSHAKE) {
            plain = handshake(d, plain, &fin);
            if (plain.empty())
                return "";
        }
        std::string res = seal(d, inner, plain);
        if (fin && d.stage == 1) {
            set_keys(d, d.from_server ? "SERVER_TRAFFIC_SECRET_0" : "CLIENT_TRAFFIC_SECRET_0");
            d.stage = 2;
        }
        return res;
    }

    std::string pass(Dir &d, const std::string &bytes)
    {
        d.pending += bytes;
        std::string res;
        while (d.pending.size() >= 5) {
            size_t len = get16(d.pending, 3);
            if (d.pending.size() < 5 + len)
                break;
            res += record(d, d.pending.substr(0, 5 + len));
            d.pending.erase(0, 5 + len);
        }
        return res;
    }

    // A handshake message injected into a direction, protected as the
    // receiver expects at this point.
    std::string inject(Dir &d, const std::string &msg)
    {
        if (d.stage == 1 || d.stage == 2)
            return seal(d, TLS_CT_HANDSHAKE, msg);
        return plain_record(TLS_CT_HANDSHAKE, msg);
    }
};

// The ERR entry a failed call left (library, reason), cleared afterwards.
struct Err {
    int lib = 0, reason = 0;
};
inline Err take_error()
{
    Err e;
    unsigned long code = ERR_peek_last_error();
    e.lib = ERR_GET_LIB(code);
    e.reason = ERR_GET_REASON(code);
    ERR_clear_error();
    return e;
}

// A client and a server SSL with the man in the middle between them.
struct Pair {
    SSL_CTX *cctx = nullptr, *sctx = nullptr;
    SSL *c = nullptr, *s = nullptr;
    BIO *c_rd = nullptr, *c_wr = nullptr, *s_rd = nullptr, *s_wr = nullptr;
    Mitm m;
    int c_done = 0, s_done = 0; // last SSL_do_handshake results
    int c_err = 0, s_err = 0;   // SSL_get_error after a failure
    Err c_e, s_e;               // the ERR entry of that failure
    int client_cert_cb_calls = 0;
    std::vector<std::string> ca_names_in_cb; // what client_cert_cb saw
    bool cb_gives_cert = false;

    explicit Pair(int version)
    {
        cctx = SSL_CTX_new(TLS_client_method());
        sctx = SSL_CTX_new(TLS_server_method());
        for (SSL_CTX *x : {cctx, sctx}) {
            SSL_CTX_set_min_proto_version(x, version);
            SSL_CTX_set_max_proto_version(x, version);
            SSL_CTX_set_app_data(x, this);
            SSL_CTX_set_keylog_callback(x, [](const SSL *ssl, const char *line) {
                Pair *p = (Pair *)SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));
                p->m.keylog.push_back(line);
            });
        }
        EXPECT_EQ(1, SSL_CTX_use_certificate_chain_file(sctx, certfile("server.pem").c_str()));
        EXPECT_EQ(1, SSL_CTX_use_PrivateKey_file(sctx, certfile("server.key").c_str(),
                                                 SSL_FILETYPE_PEM));
        EXPECT_EQ(1, SSL_CTX_load_verify_locations(sctx, certfile("ca.pem").c_str(), nullptr));
        EXPECT_EQ(1, SSL_CTX_load_verify_locations(cctx, certfile("ca.pem").c_str(), nullptr));
        SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, nullptr);
        // Sessions would only add tickets to the flights.
        SSL_CTX_set_num_tickets(sctx, 0);
    }
    ~Pair()
    {
        SSL_free(c);
        SSL_free(s);
        SSL_CTX_free(cctx);
        SSL_CTX_free(sctx);
        ERR_clear_error();
    }
    Pair(const Pair &) = delete;
    Pair &operator=(const Pair &) = delete;

    void client_cert()
    {
        EXPECT_EQ(1, SSL_CTX_use_certificate_file(cctx, certfile("client.pem").c_str(),
                                                  SSL_FILETYPE_PEM));
        EXPECT_EQ(1, SSL_CTX_use_PrivateKey_file(cctx, certfile("client.key").c_str(),
                                                 SSL_FILETYPE_PEM));
    }
    // The server names its CA in the CertificateRequest.
    void server_ca_names()
    {
        STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(certfile("ca.pem").c_str());
        ASSERT_NE(nullptr, names);
        SSL_CTX_set_client_CA_list(sctx, names);
    }
    // A client_cert_cb that records the CA names it sees and gives the
    // client certificate if cb_gives_cert.
    void use_client_cert_cb()
    {
        SSL_CTX_set_client_cert_cb(cctx, [](SSL *ssl, X509 **x, EVP_PKEY **k) {
            Pair *p = (Pair *)SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));
            p->client_cert_cb_calls++;
            STACK_OF(X509_NAME) *names = SSL_get_client_CA_list(ssl);
            for (int i = 0; i < sk_X509_NAME_num(names); i++) {
                char buf[256];
                X509_NAME_oneline(sk_X509_NAME_value(names, i), buf, sizeof(buf));
                p->ca_names_in_cb.push_back(buf);
            }
            if (!p->cb_gives_cert)
                return 0;
            FILE *f = fopen(certfile("client.pem").c_str(), "r");
            *x = PEM_read_X509(f, nullptr, nullptr, nullptr);
            fclose(f);
            f = fopen(certfile("client.key").c_str(), "r");
            *k = PEM_read_PrivateKey(f, nullptr, nullptr, nullptr);
            fclose(f);
            return 1;
        });
    }

    void start()
    {
        if (c)
            return;
        c = SSL_new(cctx);
        s = SSL_new(sctx);
        c_rd = BIO_new(BIO_s_mem());
        c_wr = BIO_new(BIO_s_mem());
        s_rd = BIO_new(BIO_s_mem());
        s_wr = BIO_new(BIO_s_mem());
        BIO_set_mem_eof_return(c_rd, -1);
        BIO_set_mem_eof_return(s_rd, -1);
        SSL_set_bio(c, c_rd, c_wr);
        SSL_set_bio(s, s_rd, s_wr);
        SSL_set_connect_state(c);
        SSL_set_accept_state(s);
    }

    static std::string drain(BIO *b)
    {
        std::string out;
        char buf[16384];
        int n;
        while ((n = BIO_read(b, buf, sizeof(buf))) > 0)
            out.append(buf, (size_t)n);
        return out;
    }
    static void feed(BIO *b, const std::string &bytes)
    {
        if (!bytes.empty())
            BIO_write(b, bytes.data(), (int)bytes.size());
    }
    // Move what each side wrote to the other, through the man in the middle.
    bool pump()
    {
        std::string a = drain(c_wr), b = drain(s_wr);
        feed(s_rd, m.pass(m.c2s, a));
        feed(c_rd, m.pass(m.s2c, b));
        return !a.empty() || !b.empty();
    }
    // Inject a handshake message toward the client / the server.
    void inject_to_client(const std::string &msg) { feed(c_rd, m.inject(m.s2c, msg)); }
    void inject_to_server(const std::string &msg) { feed(s_rd, m.inject(m.c2s, msg)); }

    // Both handshakes until both finish or one fails. True if both finished.
    bool handshake()
    {
        start();
        for (int i = 0; i < 30; i++) {
            if (c_done != 1 && c_err == 0) {
                c_done = SSL_do_handshake(c);
                if (c_done <= 0) {
                    int e = SSL_get_error(c, c_done);
                    if (e != SSL_ERROR_WANT_READ) {
                        c_err = e;
                        c_e = take_error();
                    }
                }
            }
            if (s_done != 1 && s_err == 0) {
                s_done = SSL_do_handshake(s);
                if (s_done <= 0) {
                    int e = SSL_get_error(s, s_done);
                    if (e != SSL_ERROR_WANT_READ) {
                        s_err = e;
                        s_e = take_error();
                    }
                }
            }
            bool moved = pump();
            if (c_done == 1 && s_done == 1 && !moved)
                return true;
            if ((c_err || s_err) && !moved && i > 2)
                break;
        }
        return c_done == 1 && s_done == 1;
    }

    // One SSL_read / SSL_write step on a side: returns the call's result
    // and, on failure, records SSL_get_error and the ERR entry.
    int read(SSL *x, std::string &out)
    {
        char buf[4096];
        int n = SSL_read(x, buf, sizeof(buf));
        if (n > 0)
            out.append(buf, (size_t)n);
        else
            note_failure(x, n);
        pump();
        return n;
    }
    int write(SSL *x, const std::string &data)
    {
        int n = SSL_write(x, data.data(), (int)data.size());
        if (n <= 0)
            note_failure(x, n);
        pump();
        return n;
    }
    void note_failure(SSL *x, int n)
    {
        int e = SSL_get_error(x, n);
        if (e == SSL_ERROR_WANT_READ)
            return;
        if (x == c) {
            c_err = e;
            c_e = take_error();
        } else {
            s_err = e;
            s_e = take_error();
        }
    }
    // Data from the client reaches the server (which processes any
    // handshake messages first); the client reads whatever is pending.
    std::string client_to_server(const std::string &data)
    {
        std::string got;
        if (write(c, data) <= 0)
            return got;
        for (int i = 0; i < 10 && got.size() < data.size() && s_err == 0; i++)
            if (read(s, got) <= 0 && s_err == 0)
                pump();
        return got;
    }
    std::string server_to_client(const std::string &data)
    {
        std::string got;
        if (write(s, data) <= 0)
            return got;
        for (int i = 0; i < 10 && got.size() < data.size() && c_err == 0; i++)
            if (read(c, got) <= 0 && c_err == 0)
                pump();
        return got;
    }

    std::string peer_subject(SSL *x)
    {
        X509 *p = SSL_get1_peer_certificate(x);
        if (!p)
            return "";
        char buf[256];
        X509_NAME_oneline(X509_get_subject_name(p), buf, sizeof(buf));
        X509_free(p);
        return buf;
    }
    int count(const std::vector<unsigned> &v, unsigned type)
    {
        int n = 0;
        for (unsigned t : v)
            n += t == type;
        return n;
    }
};

inline const char kClientSubject[] = "/O=ShimSSL Test/CN=ShimSSL Test Client";
inline const char kCaSubject[] = "/O=ShimSSL Test/CN=ShimSSL Test Root CA";

// Expect that x failed with SSL_ERROR_SSL and this SSL library reason.
#define CAH_EXPECT_SSL_FAILURE(err, e, want_reason)                                         \
    do {                                                                                     \
        EXPECT_EQ(SSL_ERROR_SSL, (err));                                                    \
        EXPECT_EQ(ERR_LIB_SSL, (e).lib);                                                    \
        EXPECT_EQ((want_reason), (e).reason)                                                \
            << "got " << ERR_reason_error_string(ERR_PACK(ERR_LIB_SSL, 0, (e).reason));     \
    } while (0)

} // namespace cah


// ============================================================================
// The scenarios.
// ============================================================================

namespace cah
{

// The CertificateRequest as the test edits it: context, extensions.
inline std::string cr_body(const std::string &ctx, const std::string &exts)
{
    return b8((unsigned)ctx.size()) + ctx + b16((unsigned)exts.size()) + exts;
}
inline std::string sigalgs_ext()
{
    // rsa_pss_rsae_sha256, ecdsa_secp256r1_sha256
    return extn(13, b16(4) + b16(0x0804) + b16(0x0403));
}

// A server that asks for a certificate during the handshake (TLS 1.3) and
// a client whose CertificateRequest is replaced by `body`; the client fails.
struct CrEdit {
    Pair p{TLS1_3_VERSION};
    explicit CrEdit(const std::string &body)
    {
        SSL_CTX_set_verify(p.sctx, SSL_VERIFY_PEER, nullptr);
        p.client_cert();
        p.m.s2c.edit = [body](std::string &m) {
            if ((uint8_t)m[0] == HS_CR)
                m = hsmsg(HS_CR, body);
            return true;
        };
        EXPECT_FALSE(p.handshake());
    }
    void expect(int alert, int reason)
    {
        CAH_EXPECT_SSL_FAILURE(p.c_err, p.c_e, reason);
        ASSERT_FALSE(p.m.c2s.alerts.empty());
        EXPECT_EQ(alert, p.m.c2s.alerts.back());
        // The server hears it as the alert's own reason.
        CAH_EXPECT_SSL_FAILURE(p.s_err, p.s_e, SSL_AD_REASON_OFFSET + alert);
    }
};

} // namespace cah

// --- certificate_authorities seen by the client ------------------------------

TEST(CAH_SUITE, ClientSeesTheServersCaNames)
{
    for (int version : {TLS1_2_VERSION, TLS1_3_VERSION}) {
        SCOPED_TRACE(version == TLS1_2_VERSION ? "TLS 1.2" : "TLS 1.3");
        cah::Pair p(version);
        p.server_ca_names();
        SSL_CTX_set_verify(p.sctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
        p.use_client_cert_cb();
        p.cb_gives_cert = true;
        ASSERT_TRUE(p.handshake());
        EXPECT_EQ(1, p.client_cert_cb_calls);
        // client_cert_cb saw the names during the handshake ...
        ASSERT_EQ(1u, p.ca_names_in_cb.size());
        EXPECT_EQ(cah::kCaSubject, p.ca_names_in_cb[0]);
        // ... and the application still sees them afterwards.
        STACK_OF(X509_NAME) *names = SSL_get_client_CA_list(p.c);
        ASSERT_EQ(1, sk_X509_NAME_num(names));
        char buf[256];
        X509_NAME_oneline(sk_X509_NAME_value(names, 0), buf, sizeof(buf));
        EXPECT_STREQ(cah::kCaSubject, buf);
        // The certificate the callback gave is the one the server got.
        EXPECT_EQ(cah::kClientSubject, p.peer_subject(p.s));
        EXPECT_EQ(X509_V_OK, SSL_get_verify_result(p.s));
        EXPECT_EQ("ping", p.client_to_server("ping"));
    }
}

TEST(CAH_SUITE, NoCaNamesWhenTheServerSendsNone)
{
    for (int version : {TLS1_2_VERSION, TLS1_3_VERSION}) {
        SCOPED_TRACE(version == TLS1_2_VERSION ? "TLS 1.2" : "TLS 1.3");
        cah::Pair p(version);
        SSL_CTX_set_verify(p.sctx, SSL_VERIFY_PEER, nullptr);
        p.use_client_cert_cb();
        ASSERT_TRUE(p.handshake());
        EXPECT_EQ(1, p.client_cert_cb_calls);
        EXPECT_TRUE(p.ca_names_in_cb.empty());
        // OpenSSL: TLS 1.2's CertificateRequest always has the list (an
        // empty stack), TLS 1.3's lacks the extension (NULL).
        STACK_OF(X509_NAME) *names = SSL_get_client_CA_list(p.c);
        if (version == TLS1_2_VERSION) {
            ASSERT_NE(nullptr, names);
            EXPECT_EQ(0, sk_X509_NAME_num(names));
        } else {
            EXPECT_EQ(nullptr, names);
        }
        // The callback gave nothing: an empty Certificate, accepted.
        EXPECT_EQ("", p.peer_subject(p.s));
        EXPECT_EQ("ping", p.client_to_server("ping"));
    }
}

TEST(CAH_SUITE, SecureRenegotiationSupportAsReported)
{
    // Not client authentication, but what s_server prints next to it:
    // RFC 5746 support is reported on both versions (a TLS 1.3 server saw
    // the client's SCSV; a TLS 1.3 client never hears the server's).
    for (int version : {TLS1_2_VERSION, TLS1_3_VERSION}) {
        SCOPED_TRACE(version == TLS1_2_VERSION ? "TLS 1.2" : "TLS 1.3");
        cah::Pair p(version);
        ASSERT_TRUE(p.handshake());
        EXPECT_EQ(1, SSL_get_secure_renegotiation_support(p.s));
        EXPECT_EQ(version == TLS1_2_VERSION ? 1 : 0, SSL_get_secure_renegotiation_support(p.c));
    }
}

// --- SSL_VERIFY_CLIENT_ONCE ----------------------------------------------------
// OpenSSL 3.0: SSL_verify_client_post_handshake refuses (SSL_R_INVALID_CONFIG,
// nothing sent) once a CertificateRequest went out on the connection, in
// the handshake or after it, when the server's mode has SSL_VERIFY_CLIENT_ONCE.

namespace cah
{
struct Pha {
    Pair p{TLS1_3_VERSION};
    explicit Pha(int mode)
    {
        p.client_cert();
        SSL_CTX_set_verify(p.sctx, mode, nullptr);
        p.start();
        SSL_set_post_handshake_auth(p.c, 1);
        EXPECT_TRUE(p.handshake());
    }
    // Ask, then let data go both ways so that the request and the answer
    // are processed. Returns SSL_verify_client_post_handshake's result.
    int request(Err *e)
    {
        int r = SSL_verify_client_post_handshake(p.s);
        *e = take_error();
        EXPECT_EQ("x", p.client_to_server("x"));
        EXPECT_EQ("y", p.server_to_client("y"));
        EXPECT_EQ("z", p.client_to_server("z"));
        return r;
    }
};
} // namespace cah

TEST(CAH_SUITE, ClientOnceRefusesPostHandshakeRequestAfterTheHandshakeOne)
{
    cah::Pha t(SSL_VERIFY_PEER | SSL_VERIFY_CLIENT_ONCE);
    EXPECT_EQ(1, t.p.count(t.p.m.s2c.hs, cah::HS_CR));
    EXPECT_EQ(cah::kClientSubject, t.p.peer_subject(t.p.s));
    cah::Err e;
    EXPECT_EQ(0, t.request(&e));
    EXPECT_EQ(ERR_LIB_SSL, e.lib);
    EXPECT_EQ(SSL_R_INVALID_CONFIG, e.reason);
    EXPECT_EQ(1, t.p.count(t.p.m.s2c.hs, cah::HS_CR));
    EXPECT_EQ(1, t.p.count(t.p.m.c2s.hs, cah::HS_CERT));
}

TEST(CAH_SUITE, WithoutClientOnceThePostHandshakeRequestIsSent)
{
    cah::Pha t(SSL_VERIFY_PEER);
    EXPECT_EQ(1, t.p.count(t.p.m.s2c.hs, cah::HS_CR));
    cah::Err e;
    EXPECT_EQ(1, t.request(&e));
    EXPECT_EQ(0, e.reason);
    EXPECT_EQ(2, t.p.count(t.p.m.s2c.hs, cah::HS_CR));
    EXPECT_EQ(2, t.p.count(t.p.m.c2s.hs, cah::HS_CERT));
    EXPECT_EQ(cah::kClientSubject, t.p.peer_subject(t.p.s));
}

TEST(CAH_SUITE, ClientOnceWithPostHandshakeAsksOnlyOnce)
{
    cah::Pha t(SSL_VERIFY_PEER | SSL_VERIFY_CLIENT_ONCE | SSL_VERIFY_POST_HANDSHAKE);
    EXPECT_EQ(0, t.p.count(t.p.m.s2c.hs, cah::HS_CR));
    EXPECT_EQ("", t.p.peer_subject(t.p.s));
    cah::Err e;
    EXPECT_EQ(1, t.request(&e));
    EXPECT_EQ(0, e.reason);
    EXPECT_EQ(1, t.p.count(t.p.m.s2c.hs, cah::HS_CR));
    EXPECT_EQ(cah::kClientSubject, t.p.peer_subject(t.p.s));
    EXPECT_EQ(0, t.request(&e));
    EXPECT_EQ(SSL_R_INVALID_CONFIG, e.reason);
    EXPECT_EQ(1, t.p.count(t.p.m.s2c.hs, cah::HS_CR));
    // Without CLIENT_ONCE the second request goes out.
    cah::Pha u(SSL_VERIFY_PEER | SSL_VERIFY_POST_HANDSHAKE);
    EXPECT_EQ(1, u.request(&e));
    EXPECT_EQ(1, u.request(&e));
    EXPECT_EQ(2, u.p.count(u.p.m.s2c.hs, cah::HS_CR));
    EXPECT_EQ(2, u.p.count(u.p.m.c2s.hs, cah::HS_CERT));
}

TEST(CAH_SUITE, VerifyModeIsReadWhenThePostHandshakeRequestIsMade)
{
    // s_server's `c` command sets the mode just before asking: the mode at
    // that moment decides, not the one the handshake started with.
    cah::Pha t(SSL_VERIFY_PEER | SSL_VERIFY_CLIENT_ONCE);
    SSL_set_verify(t.p.s, SSL_VERIFY_PEER, nullptr);
    cah::Err e;
    EXPECT_EQ(1, t.request(&e));
    EXPECT_EQ(2, t.p.count(t.p.m.s2c.hs, cah::HS_CR));
    SSL_set_verify(t.p.s, SSL_VERIFY_PEER | SSL_VERIFY_CLIENT_ONCE, nullptr);
    EXPECT_EQ(0, t.request(&e));
    EXPECT_EQ(SSL_R_INVALID_CONFIG, e.reason);
    EXPECT_EQ(2, t.p.count(t.p.m.s2c.hs, cah::HS_CR));
}

TEST(CAH_SUITE, PostHandshakeEmptyAnswerRefusedWhenRequired)
{
    cah::Pair p(TLS1_3_VERSION);
    SSL_CTX_set_verify(p.sctx, SSL_VERIFY_PEER | SSL_VERIFY_POST_HANDSHAKE, nullptr);
    p.start();
    SSL_set_post_handshake_auth(p.c, 1);
    ASSERT_TRUE(p.handshake());
    // FAIL_IF_NO_PEER_CERT set after the handshake applies to the request.
    SSL_set_verify(p.s, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
    ASSERT_EQ(1, SSL_verify_client_post_handshake(p.s));
    EXPECT_EQ("x", p.client_to_server("x"));
    p.server_to_client("y");
    p.client_to_server("z");
    EXPECT_EQ(1, p.count(p.m.c2s.hs, cah::HS_CERT));
    CAH_EXPECT_SSL_FAILURE(p.s_err, p.s_e, SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE);
    ASSERT_FALSE(p.m.s2c.alerts.empty());
    EXPECT_EQ(cah::AD_CERTIFICATE_REQUIRED, p.m.s2c.alerts.back());
}

// --- hostile CertificateRequests (TLS 1.3 client) -----------------------------

TEST(CAH_SUITE, CertificateRequestContextOverrunsTheMessage)
{
    cah::CrEdit t(cah::b8(200) + cah::b16(0));
    t.expect(cah::AD_DECODE_ERROR, SSL_R_LENGTH_MISMATCH);
}

TEST(CAH_SUITE, CertificateRequestExtensionsOverrunTheMessage)
{
    cah::CrEdit t(cah::b8(0) + cah::b16(200) + cah::sigalgs_ext());
    t.expect(cah::AD_DECODE_ERROR, SSL_R_BAD_LENGTH);
}

TEST(CAH_SUITE, CertificateRequestWithoutSignatureAlgorithms)
{
    // Only signature_algorithms_cert.
    cah::CrEdit t(cah::cr_body("", cah::extn(50, cah::b16(2) + cah::b16(0x0804))));
    t.expect(cah::AD_MISSING_EXTENSION, SSL_R_MISSING_SIGALGS_EXTENSION);
}

TEST(CAH_SUITE, CertificateRequestWithDuplicateExtension)
{
    cah::CrEdit t(cah::cr_body("", cah::sigalgs_ext() + cah::sigalgs_ext()));
    t.expect(cah::AD_ILLEGAL_PARAMETER, SSL_R_BAD_EXTENSION);
}

TEST(CAH_SUITE, CertificateRequestWithTrailingBytes)
{
    cah::CrEdit t(cah::cr_body("", cah::sigalgs_ext()) + std::string(1, '\0'));
    t.expect(cah::AD_DECODE_ERROR, SSL_R_LENGTH_MISMATCH);
}

TEST(CAH_SUITE, PostHandshakeRequestNotOfferedIsUnexpected)
{
    cah::Pair p(TLS1_3_VERSION);
    p.client_cert();
    ASSERT_TRUE(p.handshake());
    p.inject_to_client(cah::hsmsg(cah::HS_CR, cah::cr_body("\x07", cah::sigalgs_ext())));
    std::string got;
    EXPECT_GT(0, p.read(p.c, got));
    CAH_EXPECT_SSL_FAILURE(p.c_err, p.c_e, SSL_R_UNEXPECTED_MESSAGE);
    ASSERT_FALSE(p.m.c2s.alerts.empty());
    EXPECT_EQ(cah::AD_UNEXPECTED_MESSAGE, p.m.c2s.alerts.back());
    EXPECT_EQ(0, p.count(p.m.c2s.hs, cah::HS_CERT));
}

// --- hostile client answers (TLS 1.3 and 1.2 servers) -------------------------

namespace cah
{
// The server's failure: SSL_ERROR_SSL with reason, and alert on the wire.
inline void expect_server_failure(Pair &p, int alert, int reason)
{
    CAH_EXPECT_SSL_FAILURE(p.s_err, p.s_e, reason);
    ASSERT_FALSE(p.m.s2c.alerts.empty());
    EXPECT_EQ(alert, p.m.s2c.alerts.back());
}
} // namespace cah

TEST(CAH_SUITE, PostHandshakeCertificateWithWrongContext)
{
    cah::Pha t(SSL_VERIFY_PEER | SSL_VERIFY_POST_HANDSHAKE);
    t.p.m.c2s.edit = [](std::string &m) {
        if ((uint8_t)m[0] == cah::HS_CERT && m.size() > 5 && m[4] != 0)
            m[5] ^= 0x5a;
        return true;
    };
    ASSERT_EQ(1, SSL_verify_client_post_handshake(t.p.s));
    EXPECT_EQ("x", t.p.client_to_server("x")); // sent before the request arrived
    t.p.server_to_client("y");                 // the client answers the request
    t.p.client_to_server("z");                 // the server reads the answer
    cah::expect_server_failure(t.p, cah::AD_DECODE_ERROR, SSL_R_INVALID_CONTEXT);
}

TEST(CAH_SUITE, HandshakeCertificateWithNonEmptyContext)
{
    cah::Pair p(TLS1_3_VERSION);
    p.client_cert();
    SSL_CTX_set_verify(p.sctx, SSL_VERIFY_PEER, nullptr);
    p.m.c2s.edit = [](std::string &m) {
        if ((uint8_t)m[0] == cah::HS_CERT)
            m = cah::hsmsg(cah::HS_CERT, "\x01\x01" + m.substr(5));
        return true;
    };
    EXPECT_FALSE(p.handshake());
    cah::expect_server_failure(p, cah::AD_DECODE_ERROR, SSL_R_INVALID_CONTEXT);
}

TEST(CAH_SUITE, CertificateVerifyWithBadSignature)
{
    for (int version : {TLS1_2_VERSION, TLS1_3_VERSION}) {
        SCOPED_TRACE(version == TLS1_2_VERSION ? "TLS 1.2" : "TLS 1.3");
        cah::Pair p(version);
        p.client_cert();
        SSL_CTX_set_verify(p.sctx, SSL_VERIFY_PEER, nullptr);
        p.m.c2s.edit = [](std::string &m) {
            if ((uint8_t)m[0] == cah::HS_CV)
                m.back() ^= 1;
            return true;
        };
        EXPECT_FALSE(p.handshake());
        cah::expect_server_failure(p, cah::AD_DECRYPT_ERROR, SSL_R_BAD_SIGNATURE);
    }
}

TEST(CAH_SUITE, CertificateVerifyWithSchemeNotOffered)
{
    for (int version : {TLS1_2_VERSION, TLS1_3_VERSION}) {
        SCOPED_TRACE(version == TLS1_2_VERSION ? "TLS 1.2" : "TLS 1.3");
        cah::Pair p(version);
        p.client_cert();
        SSL_CTX_set_verify(p.sctx, SSL_VERIFY_PEER, nullptr);
        p.m.c2s.edit = [](std::string &m) {
            if ((uint8_t)m[0] == cah::HS_CV) {
                m[4] = 0x02; // rsa_pkcs1_sha224 (0x0202): offered by no one
                m[5] = 0x02;
            }
            return true;
        };
        EXPECT_FALSE(p.handshake());
        cah::expect_server_failure(p, cah::AD_ILLEGAL_PARAMETER, SSL_R_WRONG_SIGNATURE_TYPE);
    }
}

TEST(CAH_SUITE, EmptyCertificateWhenRequired)
{
    for (int version : {TLS1_2_VERSION, TLS1_3_VERSION}) {
        SCOPED_TRACE(version == TLS1_2_VERSION ? "TLS 1.2" : "TLS 1.3");
        cah::Pair p(version);
        SSL_CTX_set_verify(p.sctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
        EXPECT_FALSE(p.handshake());
        int alert = version == TLS1_2_VERSION ? cah::AD_HANDSHAKE_FAILURE
                                              : cah::AD_CERTIFICATE_REQUIRED;
        cah::expect_server_failure(p, alert, SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE);
        // A TLS 1.3 client has finished its handshake: it hears the alert
        // on its next read.
        std::string got;
        if (version == TLS1_3_VERSION) {
            EXPECT_GE(0, p.read(p.c, got));
        }
        CAH_EXPECT_SSL_FAILURE(p.c_err, p.c_e, SSL_AD_REASON_OFFSET + alert);
    }
}

TEST(CAH_SUITE, Tls12CertificateVerifyMissing)
{
    cah::Pair p(TLS1_2_VERSION);
    p.client_cert();
    SSL_CTX_set_verify(p.sctx, SSL_VERIFY_PEER, nullptr);
    p.m.c2s.edit = [](std::string &m) { return (uint8_t)m[0] != cah::HS_CV; };
    EXPECT_FALSE(p.handshake());
    EXPECT_EQ(1, p.count(p.m.c2s.hs, cah::HS_CERT));
    EXPECT_EQ(0, p.count(p.m.c2s.hs, cah::HS_CV));
    cah::expect_server_failure(p, cah::AD_UNEXPECTED_MESSAGE, SSL_R_UNEXPECTED_MESSAGE);
    CAH_EXPECT_SSL_FAILURE(p.c_err, p.c_e, SSL_AD_REASON_OFFSET + cah::AD_UNEXPECTED_MESSAGE);
}


TEST(CAH_SUITE, Tls12CcsBeforeClientKeyExchange)
{
    // Not client authentication, but the same state machine rule the
    // missing CertificateVerify hits: a CCS where a handshake message is due.
    cah::Pair p(TLS1_2_VERSION);
    p.m.c2s.edit = [](std::string &m) { return (uint8_t)m[0] != cah::HS_CKE; };
    EXPECT_FALSE(p.handshake());
    cah::expect_server_failure(p, cah::AD_UNEXPECTED_MESSAGE, SSL_R_UNEXPECTED_MESSAGE);
}

// --- hostile CertificateRequests (TLS 1.2 client) -----------------------------

namespace cah
{
struct Cr12Edit {
    Pair p{TLS1_2_VERSION};
    explicit Cr12Edit(const std::string &body)
    {
        SSL_CTX_set_verify(p.sctx, SSL_VERIFY_PEER, nullptr);
        p.client_cert();
        p.m.s2c.edit = [body](std::string &m) {
            if ((uint8_t)m[0] == HS_CR)
                m = hsmsg(HS_CR, body);
            return true;
        };
        EXPECT_FALSE(p.handshake());
    }
};
inline std::string cr12(const std::string &types, const std::string &algs, const std::string &cas)
{
    return b8((unsigned)types.size()) + types + b16((unsigned)algs.size()) + algs +
           b16((unsigned)cas.size()) + cas;
}
} // namespace cah

TEST(CAH_SUITE, Tls12CertificateRequestFraming)
{
    std::string algs = cah::b16(0x0804) + cah::b16(0x0403);
    struct {
        const char *name;
        std::string body;
        int alert, reason;
    } cases[] = {
        {"trailing byte", cah::cr12("\x01", algs, "") + std::string(1, '\0'), cah::AD_DECODE_ERROR,
         SSL_R_LENGTH_MISMATCH},
        {"name overruns the list", cah::cr12("\x01", algs, cah::b16(30) + "abc"),
         cah::AD_DECODE_ERROR, SSL_R_LENGTH_MISMATCH},
        {"list overruns the message",
         std::string("\x01\x01", 2) + cah::b16(4) + algs + cah::b16(100), cah::AD_DECODE_ERROR,
         SSL_R_LENGTH_MISMATCH},
        {"types overrun the message", std::string("\x40\x01", 2), cah::AD_DECODE_ERROR,
         SSL_R_LENGTH_MISMATCH},
        {"odd signature list", cah::cr12("\x01", algs + "\x01", ""), cah::AD_INTERNAL_ERROR,
         SSL_R_SIGNATURE_ALGORITHMS_ERROR},
        {"empty signature list", cah::cr12("\x01", "", ""), cah::AD_INTERNAL_ERROR,
         SSL_R_SIGNATURE_ALGORITHMS_ERROR},
    };
    for (auto &k : cases) {
        SCOPED_TRACE(k.name);
        cah::Cr12Edit t(k.body);
        CAH_EXPECT_SSL_FAILURE(t.p.c_err, t.p.c_e, k.reason);
        ASSERT_FALSE(t.p.m.c2s.alerts.empty());
        EXPECT_EQ(k.alert, t.p.m.c2s.alerts.back());
        CAH_EXPECT_SSL_FAILURE(t.p.s_err, t.p.s_e, SSL_AD_REASON_OFFSET + k.alert);
    }
}

#endif
