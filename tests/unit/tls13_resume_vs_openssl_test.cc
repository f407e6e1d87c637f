// TLS 1.3 resumption and 0-RTT in core/: our client against the system
// OpenSSL server, the OpenSSL client against our server, and core against
// core, all in one process through memory buffers. The ticket hooks are a
// test implementation (the ticket is the state itself, behind a tag), so
// these tests do not depend on compat's session code.
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "tls13_server_harness.h"

extern "C" {
#include "core/extensions.h"
#include "core/tls13_psk.h"
}

namespace
{

const char kTag[] = "TESTTICKET";

// One core endpoint with test ticket hooks.
struct Core : shimtest::CoreEnd {
    bool server;
    std::string &in = pending; // peer bytes not yet fed
    std::vector<std::string> keylog;
    std::vector<std::pair<int, int>> alerts_sent;
    // Hooks.
    int sealed = 0, opened = 0;
    int early_ok = 1, early_ok_calls = 0;
    int open_result = -1;    // -1: decode the ticket; else return this
    uint16_t open_suite = 0; // replace the suite of an opened state
    // Client resumption input.
    tls_session_state resume{};
    std::string resume_ticket;
    std::vector<uint8_t> alpn;

    explicit Core(bool is_server) : server(is_server)
    {
        cfg.cb_arg = this;
        cfg.keylog = [](void *a, const char *line) { ((Core *)a)->keylog.push_back(line); };
        cfg.event = [](void *a, int where, int value) {
            if (where == TLS_EV_ALERT_SENT)
                ((Core *)a)->alerts_sent.push_back({value >> 8, value & 0xff});
        };
        if (server) {
            cfg.cert = tls13srv::load_cert("server-ec.pem");
            cfg.key = tls13srv::load_key("server-ec.key");
            cfg.num_tickets = 2;
            cfg.ticket_seal = [](void *a, tls_conn *, const tls_session_state *st, uint8_t *out,
                                 size_t cap, size_t *len) -> int {
                Core *self = (Core *)a;
                self->sealed++;
                size_t n = sizeof(kTag) + sizeof(*st);
                if (n > cap)
                    return -1;
                memcpy(out, kTag, sizeof(kTag));
                memcpy(out + sizeof(kTag), st, sizeof(*st));
                *len = n;
                return 0;
            };
            cfg.ticket_open = [](void *a, tls_conn *, const uint8_t *t, size_t len,
                                 tls_session_state *st) -> int {
                Core *self = (Core *)a;
                self->opened++;
                if (self->open_result >= 0)
                    return self->open_result;
                if (len != sizeof(kTag) + sizeof(*st) || memcmp(t, kTag, sizeof(kTag)) != 0)
                    return 1;
                memcpy(st, t + sizeof(kTag), sizeof(*st));
                if (self->open_suite)
                    st->suite = self->open_suite;
                // Resume, and send a fresh ticket: what compat answers for a
                // ticket of its own keys (OpenSSL renews every TLS 1.3 one).
                return 2;
            };
            cfg.early_data_ok = [](void *a, tls_conn *, const tls_session_state *) -> int {
                Core *self = (Core *)a;
                self->early_ok_calls++;
                return self->early_ok;
            };
        }
    }

    // Resume from a session another connection handed out.
    void resume_from(const tls_conn *from)
    {
        const uint8_t *t;
        size_t tl;
        ASSERT_EQ(0, tls_conn_session(from, &resume, &t, &tl));
        ASSERT_NE(nullptr, t);
        resume_ticket.assign((const char *)t, tl);
        cfg.resume = &resume;
        cfg.resume_ticket = (const uint8_t *)resume_ticket.data();
        cfg.resume_ticket_len = resume_ticket.size();
    }
    void set_alpn(const std::string &proto)
    {
        alpn.assign(1, (uint8_t)proto.size());
        alpn.insert(alpn.end(), proto.begin(), proto.end());
        cfg.alpn = alpn.data();
        cfg.alpn_len = alpn.size();
    }
    void start()
    {
        if (!c)
            c = tls_conn_new(&cfg, server);
    }
    // Run op, feeding what it asks for, until it stops wanting input or
    // the peer's bytes run out.
    int run(const std::function<int()> &op)
    {
        start();
        return run_fed(op);
    }
    // The handshake, then reading (tickets, data) into `data`.
    std::string data;
    int hs_then_read()
    {
        return run([&] {
            if (!tls_conn_handshake_done(c)) {
                int rc = tls_conn_handshake(c);
                if (rc != TLS_OK)
                    return rc;
            }
            uint8_t buf[4096];
            size_t n;
            int rc = tls_conn_read(c, buf, sizeof(buf), &n, 0);
            if (rc == TLS_OK)
                data.append((const char *)buf, n);
            return rc == TLS_OK ? TLS_WANT_INPUT : rc;
        });
    }
    int write(const std::string &s)
    {
        size_t off = 0;
        while (off < s.size()) {
            size_t n;
            int rc = tls_conn_write(c, (const uint8_t *)s.data() + off, s.size() - off, &n);
            if (rc != TLS_OK)
                return rc;
            off += n;
        }
        return 0;
    }
    // Server: 0-RTT first, then the handshake and reading.
    std::string early;
    bool early_end = false;
    int read_early_then_hs()
    {
        return run([&] {
            while (!early_end) {
                uint8_t buf[4096];
                size_t n;
                int rc = tls_conn_read_early(c, buf, sizeof(buf), &n);
                if (rc == TLS_OK) {
                    early.append((const char *)buf, n);
                    continue;
                }
                if (rc != TLS_EARLY_END)
                    return rc;
                early_end = true;
            }
            uint8_t buf[4096];
            size_t n;
            if (!tls_conn_handshake_done(c)) {
                int rc = tls_conn_handshake(c);
                if (rc != TLS_OK)
                    return rc;
            }
            int rc = tls_conn_read(c, buf, sizeof(buf), &n, 0);
            if (rc == TLS_OK)
                data.append((const char *)buf, n);
            return rc == TLS_OK ? TLS_WANT_INPUT : rc;
        });
    }
};

// The system's OpenSSL on memory BIOs.
struct Ossl {
    SSL_CTX *ctx = nullptr;
    SSL *s = nullptr;
    BIO *rb = nullptr, *wb = nullptr;
    std::vector<std::string> keylog;
    std::string data, early;
    bool early_done = false;
    int allow_early = 1;

    explicit Ossl(bool server)
    {
        ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
        SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
        SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION);
        SSL_CTX_set_app_data(ctx, this);
        SSL_CTX_set_keylog_callback(ctx, [](const SSL *ssl, const char *line) {
            ((Ossl *)SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl)))->keylog.push_back(line);
        });
        if (server) {
            SSL_CTX_use_certificate(ctx, tls13srv::load_cert("server-ec.pem"));
            SSL_CTX_use_PrivateKey(ctx, tls13srv::load_key("server-ec.key"));
        }
    }
    ~Ossl()
    {
        SSL_free(s);
        SSL_CTX_free(ctx);
    }
    Ossl(const Ossl &) = delete;
    Ossl &operator=(const Ossl &) = delete;

    void new_conn()
    {
        // A connection freed without a shutdown makes its session
        // unresumable (OpenSSL's rule): end the previous one cleanly.
        if (s)
            SSL_set_shutdown(s, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
        SSL_free(s);
        s = SSL_new(ctx);
        rb = BIO_new(BIO_s_mem());
        wb = BIO_new(BIO_s_mem());
        SSL_set_bio(s, rb, wb);
        data.clear();
        early.clear();
        early_done = false;
        ERR_clear_error();
    }
    void give(const std::string &b)
    {
        if (!b.empty())
            BIO_write(rb, b.data(), (int)b.size());
    }
    std::string take() { return shimtest::bio_take(wb); }
    void hs_then_read()
    {
        if (!SSL_is_init_finished(s)) {
            if (SSL_do_handshake(s) != 1)
                return;
        }
        char buf[4096];
        int n;
        while ((n = SSL_read(s, buf, sizeof(buf))) > 0)
            data.append(buf, n);
    }
    void read_early_then_hs()
    {
        while (!early_done) {
            char buf[4096];
            size_t n = 0;
            int r = SSL_read_early_data(s, buf, sizeof(buf), &n);
            if (r == SSL_READ_EARLY_DATA_SUCCESS) {
                early.append(buf, n);
                continue;
            }
            if (r == SSL_READ_EARLY_DATA_FINISH) {
                early_done = true;
                break;
            }
            return; // error or wants input
        }
        hs_then_read();
    }
};

// Exchange bytes for a fixed number of rounds (cheap, and enough for any
// handshake here): a runs first.
void pump(Core &core, const std::function<int()> &core_op, Ossl &o,
          const std::function<void()> &o_op, bool core_first = true)
{
    for (int i = 0; i < 12; i++) {
        if (core_first || i > 0) {
            (void)core_op();
            o.give(core.drain());
        }
        o_op();
        core.in += o.take();
    }
    (void)core_op();
    o.give(core.drain());
}

void pump2(Core &cl, Core &sv, const std::function<int()> &cl_op, const std::function<int()> &sv_op)
{
    for (int i = 0; i < 12; i++) {
        (void)cl_op();
        sv.in += cl.drain();
        (void)sv_op();
        cl.in += sv.drain();
    }
}

bool has_line(const std::vector<std::string> &log, const std::string &label)
{
    for (auto &l : log)
        if (l.rfind(label + " ", 0) == 0)
            return true;
    return false;
}

std::string line_of(const std::vector<std::string> &log, const std::string &label)
{
    for (auto &l : log)
        if (l.rfind(label + " ", 0) == 0)
            return l;
    return "";
}

// --- core against core ----------------------------------------------------

struct CoreFirst {
    Core cl{false}, sv{true};
    void run()
    {
        pump2(
            cl, sv, [&] { return cl.hs_then_read(); }, [&] { return sv.hs_then_read(); });
    }
};

TEST(Tls13Resume, CoreToCoreFullThenResumed)
{
    CoreFirst first;
    first.run();
    ASSERT_TRUE(tls_conn_handshake_done(first.cl.c));
    ASSERT_TRUE(tls_conn_handshake_done(first.sv.c));
    EXPECT_EQ(2, first.sv.sealed);
    EXPECT_EQ(0, tls_conn_session_reused(first.cl.c));
    EXPECT_EQ(0, tls_conn_session_reused(first.sv.c));

    tls_session_state st;
    const uint8_t *t;
    size_t tl;
    ASSERT_EQ(0, tls_conn_session(first.cl.c, &st, &t, &tl));
    EXPECT_EQ(TLS_V13, st.version);
    EXPECT_EQ(tls_conn_cipher_suite(first.cl.c), st.suite);
    EXPECT_EQ(7200u, st.lifetime);
    // The client derived the PSK the server sealed into the newest ticket.
    tls_session_state sealed;
    ASSERT_EQ(sizeof(kTag) + sizeof(sealed), tl);
    memcpy(&sealed, t + sizeof(kTag), sizeof(sealed));
    ASSERT_EQ(sealed.secret_len, st.secret_len);
    EXPECT_EQ(0, memcmp(sealed.secret, st.secret, st.secret_len));
    EXPECT_EQ(sealed.age_add, st.age_add);

    Core cl(false), sv(true);
    cl.resume_from(first.cl.c);
    pump2(
        cl, sv, [&] { return cl.hs_then_read(); }, [&] { return sv.hs_then_read(); });
    ASSERT_TRUE(tls_conn_handshake_done(cl.c));
    ASSERT_TRUE(tls_conn_handshake_done(sv.c));
    EXPECT_EQ(1, tls_conn_session_reused(cl.c));
    EXPECT_EQ(1, tls_conn_session_reused(sv.c));
    EXPECT_EQ(1, sv.opened);
    // No certificate in a resumed handshake; one fresh ticket afterwards.
    EXPECT_EQ(nullptr, tls_conn_peer_chain(cl.c));
    EXPECT_EQ(1, sv.sealed);
    ASSERT_EQ(0, cl.write("ping"));
    pump2(
        cl, sv, [&] { return cl.hs_then_read(); }, [&] { return sv.hs_then_read(); });
    EXPECT_EQ("ping", sv.data);
}

TEST(Tls13Resume, CoreToCoreEarlyDataAccepted)
{
    CoreFirst first;
    first.sv.cfg.max_early_data = 1000;
    first.run();
    tls_session_state st;
    const uint8_t *t;
    size_t tl;
    ASSERT_EQ(0, tls_conn_session(first.cl.c, &st, &t, &tl));
    EXPECT_EQ(1000u, st.max_early_data);

    Core cl(false), sv(true);
    sv.cfg.max_early_data = 1000;
    cl.resume_from(first.cl.c);
    cl.start();
    size_t n = 0;
    ASSERT_EQ(TLS_OK, tls_conn_write_early(cl.c, (const uint8_t *)"early bird", 10, &n));
    EXPECT_EQ(10u, n);
    pump2(
        cl, sv, [&] { return cl.hs_then_read(); }, [&] { return sv.read_early_then_hs(); });
    ASSERT_TRUE(tls_conn_handshake_done(cl.c));
    ASSERT_TRUE(tls_conn_handshake_done(sv.c));
    EXPECT_EQ("early bird", sv.early);
    EXPECT_EQ(TLS_EARLY_ACCEPTED, tls_conn_early_status(cl.c));
    EXPECT_EQ(TLS_EARLY_ACCEPTED, tls_conn_early_status(sv.c));
    EXPECT_EQ(1, sv.early_ok_calls);
    EXPECT_EQ(line_of(cl.keylog, "CLIENT_EARLY_TRAFFIC_SECRET"),
              line_of(sv.keylog, "CLIENT_EARLY_TRAFFIC_SECRET"));
    EXPECT_TRUE(has_line(cl.keylog, "CLIENT_EARLY_TRAFFIC_SECRET"));
    // The limit is the ticket's: 990 bytes more fit, then no more.
    std::string big(2000, 'x');
    Core cl2(false);
    cl2.resume_from(first.cl.c);
    cl2.start();
    ASSERT_EQ(TLS_OK, tls_conn_write_early(cl2.c, (const uint8_t *)big.data(), big.size(), &n));
    EXPECT_EQ(1000u, n);
    int rc = tls_conn_write_early(cl2.c, (const uint8_t *)big.data(), 1, &n);
    EXPECT_EQ(TLS_R_TOO_MUCH_EARLY_DATA, TLS_ERR_REASON(rc));
    EXPECT_EQ(0, tls_conn_error(cl2.c)); // not sticky: compat may go on
}

TEST(Tls13Resume, CoreToCoreReplayRefusedByHook)
{
    CoreFirst first;
    first.sv.cfg.max_early_data = 1000;
    first.run();
    Core cl(false), sv(true);
    sv.cfg.max_early_data = 1000;
    sv.early_ok = 0; // anti-replay says no
    cl.resume_from(first.cl.c);
    cl.start();
    size_t n = 0;
    ASSERT_EQ(TLS_OK, tls_conn_write_early(cl.c, (const uint8_t *)"replayed", 8, &n));
    pump2(
        cl, sv, [&] { return cl.hs_then_read(); }, [&] { return sv.read_early_then_hs(); });
    ASSERT_TRUE(tls_conn_handshake_done(cl.c));
    ASSERT_TRUE(tls_conn_handshake_done(sv.c));
    EXPECT_EQ("", sv.early);
    EXPECT_EQ(1, tls_conn_session_reused(sv.c)); // resumed all the same
    EXPECT_EQ(TLS_EARLY_REJECTED, tls_conn_early_status(cl.c));
    EXPECT_EQ(TLS_EARLY_REJECTED, tls_conn_early_status(sv.c));
    // What the application resends after the handshake arrives normally.
    ASSERT_EQ(0, cl.write("replayed"));
    pump2(
        cl, sv, [&] { return cl.hs_then_read(); }, [&] { return sv.read_early_then_hs(); });
    EXPECT_EQ("replayed", sv.data);
}

TEST(Tls13Resume, CoreToCoreBadBinder)
{
    CoreFirst first;
    first.run();
    Core cl(false), sv(true);
    cl.resume_from(first.cl.c);
    cl.resume.secret[0] ^= 1; // the client's PSK no longer matches the ticket
    pump2(
        cl, sv, [&] { return cl.hs_then_read(); }, [&] { return sv.hs_then_read(); });
    EXPECT_EQ(TLS_ERR(TLS_AD_DECRYPT_ERROR, TLS_R_BINDER_DOES_NOT_VERIFY), tls_conn_error(sv.c));
    EXPECT_EQ(TLS_AD_DECRYPT_ERROR, tls_conn_alert_received(cl.c));
}

TEST(Tls13Resume, TicketOfAnotherHashIsNotOffered)
{
    CoreFirst first;
    static const uint16_t sha384[] = {0x1302};
    first.cl.cfg.tls13_suites = sha384;
    first.cl.cfg.n_tls13_suites = 1;
    first.run();
    Core cl(false), sv(true);
    static const uint16_t sha256[] = {0x1301, 0x1303};
    cl.cfg.tls13_suites = sha256;
    cl.cfg.n_tls13_suites = 2;
    cl.resume_from(first.cl.c);
    pump2(
        cl, sv, [&] { return cl.hs_then_read(); }, [&] { return sv.hs_then_read(); });
    ASSERT_TRUE(tls_conn_handshake_done(sv.c));
    EXPECT_EQ(0, tls_conn_session_reused(cl.c));
    EXPECT_EQ(0, sv.opened); // nothing was offered
}

TEST(Tls13Resume, ServerSkipsStateOfAnotherHash)
{
    CoreFirst first;
    static const uint16_t sha256[] = {0x1301};
    first.cl.cfg.tls13_suites = sha256;
    first.cl.cfg.n_tls13_suites = 1;
    first.run();
    Core cl(false), sv(true);
    sv.open_suite = 0x1302; // the ticket says SHA-384, the handshake uses SHA-256
    cl.cfg.tls13_suites = sha256;
    cl.cfg.n_tls13_suites = 1;
    cl.resume_from(first.cl.c);
    ASSERT_EQ(0x1301, cl.resume.suite);
    pump2(
        cl, sv, [&] { return cl.hs_then_read(); }, [&] { return sv.hs_then_read(); });
    ASSERT_TRUE(tls_conn_handshake_done(sv.c));
    EXPECT_EQ(1, sv.opened);
    EXPECT_EQ(0, tls_conn_session_reused(sv.c));
    EXPECT_EQ(0, tls_conn_session_reused(cl.c));
}

TEST(Tls13Resume, UnknownTicketMeansFullHandshake)
{
    CoreFirst first;
    first.run();
    Core cl(false), sv(true);
    sv.open_result = 1;
    cl.resume_from(first.cl.c);
    pump2(
        cl, sv, [&] { return cl.hs_then_read(); }, [&] { return sv.hs_then_read(); });
    ASSERT_TRUE(tls_conn_handshake_done(cl.c));
    EXPECT_EQ(0, tls_conn_session_reused(cl.c));
    EXPECT_NE(nullptr, tls_conn_peer_chain(cl.c));
    EXPECT_EQ(2, sv.sealed);
}

TEST(Tls13Resume, SendTicketsOnDemand)
{
    CoreFirst first;
    first.sv.cfg.num_tickets = 0;
    first.run();
    EXPECT_EQ(0, first.sv.sealed);
    tls_session_state st;
    const uint8_t *t;
    size_t tl;
    EXPECT_LT(tls_conn_session(first.cl.c, &st, &t, &tl), 0);
    ASSERT_EQ(0, tls_conn_send_tickets(first.sv.c, 3));
    first.run();
    EXPECT_EQ(3, first.sv.sealed);
    EXPECT_EQ(0, tls_conn_session(first.cl.c, &st, &t, &tl));
    // Not on a client.
    EXPECT_LT(tls_conn_send_tickets(first.cl.c, 1), 0);
}

// --- our client, OpenSSL server ----------------------------------------------

struct OsslServerFirst {
    Ossl sv{true};
    Core cl{false};
    void run()
    {
        sv.new_conn();
        SSL_set_accept_state(sv.s);
        pump(
            cl, [&] { return cl.hs_then_read(); }, sv, [&] { sv.hs_then_read(); });
    }
};

TEST(Tls13ResumeInterop, CoreClientResumesWithOpenSslServer)
{
    OsslServerFirst first;
    first.run();
    ASSERT_TRUE(tls_conn_handshake_done(first.cl.c));
    tls_session_state st;
    const uint8_t *t;
    size_t tl;
    ASSERT_EQ(0, tls_conn_session(first.cl.c, &st, &t, &tl));

    Core cl(false);
    cl.resume_from(first.cl.c);
    first.sv.new_conn();
    SSL_set_accept_state(first.sv.s);
    pump(
        cl, [&] { return cl.hs_then_read(); }, first.sv, [&] { first.sv.hs_then_read(); });
    ASSERT_TRUE(tls_conn_handshake_done(cl.c)) << tls_conn_error(cl.c);
    EXPECT_EQ(1, SSL_session_reused(first.sv.s));
    EXPECT_EQ(1, tls_conn_session_reused(cl.c));
    ASSERT_EQ(0, cl.write("hello"));
    pump(
        cl, [&] { return cl.hs_then_read(); }, first.sv, [&] { first.sv.hs_then_read(); });
    EXPECT_EQ("hello", first.sv.data);
}

TEST(Tls13ResumeInterop, CoreClientHrrWithPsk)
{
    OsslServerFirst first;
    first.run();
    Core cl(false);
    cl.resume_from(first.cl.c);
    // The server wants P-256; our first share is X25519: HelloRetryRequest.
    SSL_CTX_set1_groups_list(first.sv.ctx, "P-256");
    first.sv.new_conn();
    SSL_set_accept_state(first.sv.s);
    pump(
        cl, [&] { return cl.hs_then_read(); }, first.sv, [&] { first.sv.hs_then_read(); });
    ASSERT_TRUE(tls_conn_handshake_done(cl.c)) << tls_conn_error(cl.c);
    EXPECT_EQ(1, tls_conn_did_hrr(cl.c));
    EXPECT_EQ(1, SSL_session_reused(first.sv.s));
    EXPECT_EQ(1, tls_conn_session_reused(cl.c));
}

TEST(Tls13ResumeInterop, CoreClientEarlyDataAcceptedByOpenSsl)
{
    OsslServerFirst first;
    SSL_CTX_set_max_early_data(first.sv.ctx, 16384);
    first.run();
    Core cl(false);
    cl.resume_from(first.cl.c);
    ASSERT_EQ(16384u, cl.resume.max_early_data);
    cl.cfg.flags |= TLS_CFG_EARLY_DATA;
    cl.start();
    size_t n;
    ASSERT_EQ(TLS_OK, tls_conn_write_early(cl.c, (const uint8_t *)"GET / 0rtt", 10, &n));
    first.sv.new_conn();
    SSL_set_accept_state(first.sv.s);
    pump(
        cl, [&] { return cl.hs_then_read(); }, first.sv, [&] { first.sv.read_early_then_hs(); });
    ASSERT_TRUE(tls_conn_handshake_done(cl.c)) << tls_conn_error(cl.c);
    EXPECT_EQ("GET / 0rtt", first.sv.early);
    EXPECT_EQ(SSL_EARLY_DATA_ACCEPTED, SSL_get_early_data_status(first.sv.s));
    EXPECT_EQ(TLS_EARLY_ACCEPTED, tls_conn_early_status(cl.c));
    EXPECT_EQ(line_of(cl.keylog, "CLIENT_EARLY_TRAFFIC_SECRET"),
              line_of(first.sv.keylog, "CLIENT_EARLY_TRAFFIC_SECRET"));
    EXPECT_FALSE(line_of(cl.keylog, "CLIENT_EARLY_TRAFFIC_SECRET").empty());
    ASSERT_EQ(0, cl.write("after"));
    pump(
        cl, [&] { return cl.hs_then_read(); }, first.sv, [&] { first.sv.read_early_then_hs(); });
    EXPECT_EQ("after", first.sv.data);
}

TEST(Tls13ResumeInterop, CoreClientEarlyDataRejectedByOpenSsl)
{
    OsslServerFirst first;
    SSL_CTX_set_max_early_data(first.sv.ctx, 16384);
    first.run();
    SSL_CTX_set_allow_early_data_cb(
        first.sv.ctx, [](SSL *, void *) { return 0; }, nullptr);
    Core cl(false);
    cl.resume_from(first.cl.c);
    cl.cfg.flags |= TLS_CFG_EARLY_DATA;
    cl.start();
    size_t n;
    std::string big(5000, 'e');
    ASSERT_EQ(TLS_OK, tls_conn_write_early(cl.c, (const uint8_t *)big.data(), big.size(), &n));
    first.sv.new_conn();
    SSL_set_accept_state(first.sv.s);
    pump(
        cl, [&] { return cl.hs_then_read(); }, first.sv, [&] { first.sv.read_early_then_hs(); });
    ASSERT_TRUE(tls_conn_handshake_done(cl.c)) << tls_conn_error(cl.c);
    EXPECT_EQ("", first.sv.early);
    EXPECT_EQ(SSL_EARLY_DATA_REJECTED, SSL_get_early_data_status(first.sv.s));
    EXPECT_EQ(TLS_EARLY_REJECTED, tls_conn_early_status(cl.c));
    EXPECT_EQ(1, tls_conn_session_reused(cl.c));
    // Early data can no longer be written.
    EXPECT_LT(tls_conn_write_early(cl.c, (const uint8_t *)"x", 1, &n), 0);
}

TEST(Tls13ResumeInterop, CoreClientEarlyDataThenHrr)
{
    OsslServerFirst first;
    SSL_CTX_set_max_early_data(first.sv.ctx, 16384);
    // Stateless tickets: with anti-replay OpenSSL's cache forgets the
    // ticket when the first ClientHello shows it, and the second one (after
    // the HRR) would not resume.
    SSL_CTX_set_options(first.sv.ctx, SSL_OP_NO_ANTI_REPLAY);
    first.run();
    // The server now wants P-256; our first share is X25519.
    SSL_CTX_set1_groups_list(first.sv.ctx, "P-256");
    Core cl(false);
    cl.resume_from(first.cl.c);
    cl.start();
    size_t n;
    ASSERT_EQ(TLS_OK, tls_conn_write_early(cl.c, (const uint8_t *)"too early", 9, &n));
    first.sv.new_conn();
    SSL_set_accept_state(first.sv.s);
    pump(
        cl, [&] { return cl.hs_then_read(); }, first.sv, [&] { first.sv.read_early_then_hs(); });
    ASSERT_TRUE(tls_conn_handshake_done(cl.c)) << tls_conn_error(cl.c);
    EXPECT_EQ(1, tls_conn_did_hrr(cl.c));
    EXPECT_EQ("", first.sv.early);
    EXPECT_EQ(TLS_EARLY_REJECTED, tls_conn_early_status(cl.c));
    EXPECT_EQ(SSL_EARLY_DATA_REJECTED, SSL_get_early_data_status(first.sv.s));
    EXPECT_EQ(1, SSL_session_reused(first.sv.s));
    ASSERT_EQ(0, cl.write("resent"));
    pump(
        cl, [&] { return cl.hs_then_read(); }, first.sv, [&] { first.sv.read_early_then_hs(); });
    EXPECT_EQ("resent", first.sv.data);
}

TEST(Tls13Resume, NoEarlyDataWhenAlpnDiffers)
{
    CoreFirst first;
    first.sv.cfg.max_early_data = 1000;
    first.cl.set_alpn("h2");
    first.sv.set_alpn("h2");
    first.run();
    const uint8_t *proto;
    size_t plen;
    tls_conn_alpn(first.cl.c, &proto, &plen);
    ASSERT_EQ(2u, plen);
    Core cl(false), sv(true);
    sv.cfg.max_early_data = 1000;
    cl.set_alpn("http/1.1");
    sv.set_alpn("http/1.1");
    cl.resume_from(first.cl.c);
    cl.cfg.flags |= TLS_CFG_EARLY_DATA;
    cl.start();
    size_t n;
    // RFC 8446 4.2.10: 0-RTT needs the session's protocol.
    EXPECT_EQ(TLS_R_BAD_EARLY_DATA,
              TLS_ERR_REASON(tls_conn_write_early(cl.c, (const uint8_t *)"x", 1, &n)));
    pump2(
        cl, sv, [&] { return cl.hs_then_read(); }, [&] { return sv.read_early_then_hs(); });
    ASSERT_TRUE(tls_conn_handshake_done(sv.c));
    EXPECT_EQ(1, tls_conn_session_reused(sv.c));
    EXPECT_EQ(TLS_EARLY_NOT_SENT, tls_conn_early_status(cl.c));
    EXPECT_EQ(TLS_EARLY_NOT_SENT, tls_conn_early_status(sv.c));
    EXPECT_EQ(0, sv.early_ok_calls);
}

TEST(Tls13ResumeInterop, CoreClientEarlyDataThenTls12IsFatal)
{
    OsslServerFirst first;
    SSL_CTX_set_max_early_data(first.sv.ctx, 16384);
    first.run();
    Core cl(false);
    cl.resume_from(first.cl.c);
    cl.start();
    size_t n;
    ASSERT_EQ(TLS_OK, tls_conn_write_early(cl.c, (const uint8_t *)"0rtt", 4, &n));
    // The server now speaks TLS 1.2 only.
    Ossl sv12(true);
    SSL_CTX_set_min_proto_version(sv12.ctx, TLS1_2_VERSION);
    SSL_CTX_set_max_proto_version(sv12.ctx, TLS1_2_VERSION);
    sv12.new_conn();
    SSL_set_accept_state(sv12.s);
    pump(
        cl, [&] { return cl.hs_then_read(); }, sv12, [&] { sv12.hs_then_read(); });
    EXPECT_EQ(TLS_ERR(TLS_AD_PROTOCOL_VERSION, TLS_R_WRONG_SSL_VERSION), tls_conn_error(cl.c));
    EXPECT_FALSE(tls_conn_handshake_done(cl.c));
}

// --- OpenSSL client, our server ----------------------------------------------

struct OsslClientFirst {
    Ossl cl{false};
    Core sv{true};
    SSL_SESSION *sess = nullptr;
    ~OsslClientFirst() { SSL_SESSION_free(sess); }
    void run()
    {
        cl.new_conn();
        SSL_set_connect_state(cl.s);
        pump(
            sv, [&] { return sv.hs_then_read(); }, cl, [&] { cl.hs_then_read(); }, false);
        sess = SSL_get1_session(cl.s);
    }
};

TEST(Tls13ResumeInterop, OpenSslClientResumesWithCoreServer)
{
    OsslClientFirst first;
    first.run();
    ASSERT_TRUE(tls_conn_handshake_done(first.sv.c));
    ASSERT_NE(nullptr, first.sess);
    EXPECT_EQ(1, SSL_SESSION_is_resumable(first.sess));
    EXPECT_EQ(7200u, (unsigned)SSL_SESSION_get_ticket_lifetime_hint(first.sess));

    Core sv(true);
    first.cl.new_conn();
    SSL_set_connect_state(first.cl.s);
    ASSERT_EQ(1, SSL_set_session(first.cl.s, first.sess));
    pump(
        sv, [&] { return sv.hs_then_read(); }, first.cl, [&] { first.cl.hs_then_read(); }, false);
    ASSERT_TRUE(tls_conn_handshake_done(sv.c)) << tls_conn_error(sv.c);
    EXPECT_EQ(1, sv.opened);
    EXPECT_EQ(1, SSL_session_reused(first.cl.s));
    EXPECT_EQ(1, tls_conn_session_reused(sv.c));
    // After a resumption OpenSSL's rule: one ticket.
    EXPECT_EQ(1, sv.sealed);
    SSL_write(first.cl.s, "resumed", 7);
    pump(
        sv, [&] { return sv.hs_then_read(); }, first.cl, [&] { first.cl.hs_then_read(); }, false);
    EXPECT_EQ("resumed", sv.data);
}

TEST(Tls13ResumeInterop, TicketLifetimeFromConfigCappedAtSevenDays)
{
    OsslClientFirst first;
    first.sv.cfg.ticket_lifetime = 300;
    first.run();
    ASSERT_NE(nullptr, first.sess);
    EXPECT_EQ(300u, (unsigned)SSL_SESSION_get_ticket_lifetime_hint(first.sess));

    OsslClientFirst week;
    week.sv.cfg.ticket_lifetime = 30 * 86400;
    week.run();
    ASSERT_NE(nullptr, week.sess);
    EXPECT_EQ(604800u, (unsigned)SSL_SESSION_get_ticket_lifetime_hint(week.sess));
}

TEST(Tls13ResumeInterop, OpenSslClientHrrWithPsk)
{
    OsslClientFirst first;
    first.run();
    Core sv(true);
    static const uint16_t p256[] = {0x0017};
    sv.cfg.groups = p256;
    sv.cfg.n_groups = 1;
    first.cl.new_conn();
    SSL_set_connect_state(first.cl.s);
    ASSERT_EQ(1, SSL_set_session(first.cl.s, first.sess));
    pump(
        sv, [&] { return sv.hs_then_read(); }, first.cl, [&] { first.cl.hs_then_read(); }, false);
    ASSERT_TRUE(tls_conn_handshake_done(sv.c)) << tls_conn_error(sv.c);
    EXPECT_EQ(1, tls_conn_did_hrr(sv.c));
    EXPECT_EQ(1, SSL_session_reused(first.cl.s));
    EXPECT_EQ(1, tls_conn_session_reused(sv.c));
}

TEST(Tls13ResumeInterop, OpenSslClientBadBinder)
{
    OsslClientFirst first;
    first.run();
    ASSERT_NE(nullptr, first.sess);
    unsigned char mk[64];
    size_t mkl = SSL_SESSION_get_master_key(first.sess, mk, sizeof(mk));
    ASSERT_GT(mkl, 0u);
    mk[0] ^= 0x80;
    SSL_SESSION *bad = SSL_SESSION_dup(first.sess);
    ASSERT_EQ(1, SSL_SESSION_set1_master_key(bad, mk, mkl));
    Core sv(true);
    first.cl.new_conn();
    SSL_set_connect_state(first.cl.s);
    ASSERT_EQ(1, SSL_set_session(first.cl.s, bad));
    SSL_SESSION_free(bad);
    pump(
        sv, [&] { return sv.hs_then_read(); }, first.cl, [&] { first.cl.hs_then_read(); }, false);
    EXPECT_EQ(TLS_ERR(TLS_AD_DECRYPT_ERROR, TLS_R_BINDER_DOES_NOT_VERIFY), tls_conn_error(sv.c));
    unsigned long e = ERR_peek_last_error();
    EXPECT_EQ(SSL_R_TLSV1_ALERT_DECRYPT_ERROR, ERR_GET_REASON(e));
}

struct EarlyFixture {
    OsslClientFirst first;
    Core sv{true};
    size_t written = 0;
    void run(uint32_t first_max, uint32_t second_max, const std::string &payload)
    {
        first.sv.cfg.max_early_data = first_max;
        first.run();
        ASSERT_NE(nullptr, first.sess);
        ASSERT_EQ(first_max, SSL_SESSION_get_max_early_data(first.sess));
        sv.cfg.max_early_data = second_max;
        first.cl.new_conn();
        SSL_set_connect_state(first.cl.s);
        ASSERT_EQ(1, SSL_set_session(first.cl.s, first.sess));
        ASSERT_EQ(1, SSL_write_early_data(first.cl.s, payload.data(), payload.size(), &written));
        pump(
            sv, [&] { return sv.read_early_then_hs(); }, first.cl, [&] { first.cl.hs_then_read(); },
            false);
    }
};

TEST(Tls13ResumeInterop, OpenSslClientEarlyDataAccepted)
{
    EarlyFixture f;
    f.run(4096, 4096, "early request");
    ASSERT_TRUE(tls_conn_handshake_done(f.sv.c)) << tls_conn_error(f.sv.c);
    EXPECT_EQ("early request", f.sv.early);
    EXPECT_EQ(TLS_EARLY_ACCEPTED, tls_conn_early_status(f.sv.c));
    EXPECT_EQ(SSL_EARLY_DATA_ACCEPTED, SSL_get_early_data_status(f.first.cl.s));
    EXPECT_EQ(line_of(f.sv.keylog, "CLIENT_EARLY_TRAFFIC_SECRET"),
              line_of(f.first.cl.keylog, "CLIENT_EARLY_TRAFFIC_SECRET"));
}

TEST(Tls13ResumeInterop, OpenSslClientEarlyDataRejectedAndSkipped)
{
    EarlyFixture f;
    f.sv.early_ok = 0;
    f.run(4096, 4096, std::string(3000, 'r'));
    ASSERT_TRUE(tls_conn_handshake_done(f.sv.c)) << tls_conn_error(f.sv.c);
    EXPECT_EQ("", f.sv.early);
    EXPECT_EQ(TLS_EARLY_REJECTED, tls_conn_early_status(f.sv.c));
    EXPECT_EQ(SSL_EARLY_DATA_REJECTED, SSL_get_early_data_status(f.first.cl.s));
    EXPECT_EQ(1, SSL_session_reused(f.first.cl.s));
}

TEST(Tls13ResumeInterop, OpenSslClientEarlyDataAfterHrrIsSkipped)
{
    EarlyFixture f;
    static const uint16_t p256[] = {0x0017};
    f.sv.cfg.groups = p256;
    f.sv.cfg.n_groups = 1;
    f.run(20000, 20000, std::string(16384 + 100, 'h'));
    ASSERT_TRUE(tls_conn_handshake_done(f.sv.c)) << tls_conn_error(f.sv.c);
    EXPECT_EQ(1, tls_conn_did_hrr(f.sv.c));
    EXPECT_EQ("", f.sv.early);
    EXPECT_EQ(TLS_EARLY_REJECTED, tls_conn_early_status(f.sv.c));
    EXPECT_EQ(SSL_EARLY_DATA_REJECTED, SSL_get_early_data_status(f.first.cl.s));
    EXPECT_EQ(1, SSL_session_reused(f.first.cl.s));
}

TEST(Tls13ResumeInterop, OpenSslClientTooMuchEarlyData)
{
    // The ticket promised 4096 bytes; this server now accepts 100.
    EarlyFixture f;
    f.run(4096, 100, std::string(1000, 'm'));
    EXPECT_EQ(TLS_ERR(TLS_AD_UNEXPECTED_MESSAGE, TLS_R_TOO_MUCH_EARLY_DATA),
              tls_conn_error(f.sv.c));
    unsigned long e = ERR_peek_last_error();
    EXPECT_EQ(SSL_AD_REASON_OFFSET + SSL_AD_UNEXPECTED_MESSAGE, ERR_GET_REASON(e));
}

} // namespace
