// Our core TLS 1.2 client against our core TLS 1.2 server, in memory: the
// two state machines agree on the suite, the key exchange and the master
// secret (exporters equal), on data both ways, and on resumption by ticket
// and by session id through the engine's session calls.
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <string>

#include "unit/tls13_server_harness.h"

extern "C" {
#include "core/tls12.h"
}

namespace
{
using namespace tls13srv;

// Server-side session store for the callbacks.
struct Store {
    std::map<std::string, tls_session_state> by_id, by_ticket;
    int tickets = 0;
};
Store *g_store;

struct CorePair {
    Server srv{"server"};
    tls_config ccfg{};
    tls_conn *cl = nullptr;

    CorePair()
    {
        ccfg.max_version = TLS_V12;
        srv.cfg.ids[0].cert = load_cert("server-ec.pem");
        srv.cfg.ids[0].key = load_key("server-ec.key");
        srv.cfg.n_ids = 1;
    }
    ~CorePair() { tls_conn_free(cl); }

    void sessions(bool tickets)
    {
        srv.cfg.session_new = [](void *, tls_conn *, const tls_session_state *st) {
            g_store->by_id[std::string((const char *)st->session_id, st->session_id_len)] = *st;
        };
        srv.cfg.session_get = [](void *, tls_conn *, const uint8_t *id, size_t n,
                                 tls_session_state *st) {
            auto it = g_store->by_id.find(std::string((const char *)id, n));
            if (it == g_store->by_id.end())
                return 1;
            *st = it->second;
            return 0;
        };
        if (!tickets)
            return;
        srv.cfg.ticket_seal = [](void *, tls_conn *, const tls_session_state *st, uint8_t *out,
                                 size_t cap, size_t *len) {
            std::string t = "t" + std::to_string(++g_store->tickets);
            if (t.size() > cap)
                return -1;
            memcpy(out, t.data(), t.size());
            *len = t.size();
            g_store->by_ticket[t] = *st;
            return 0;
        };
        srv.cfg.ticket_open = [](void *, tls_conn *, const uint8_t *t, size_t n,
                                 tls_session_state *st) {
            auto it = g_store->by_ticket.find(std::string((const char *)t, n));
            if (it == g_store->by_ticket.end())
                return 1;
            *st = it->second;
            return 0;
        };
    }

    static void move(tls_conn *from, tls_conn *to)
    {
        const uint8_t *d;
        size_t n;
        while ((n = tls_conn_out(from, &d)) > 0) {
            size_t off = 0;
            while (off < n) {
                size_t want = 0;
                uint8_t *p = tls_conn_rbuf(to, &want);
                if (want == 0) {
                    // The receiver must process what it has first.
                    tls_conn_out_consume(from, off);
                    return;
                }
                size_t k = std::min(want, n - off);
                memcpy(p, d + off, k);
                tls_conn_rbuf_commit(to, k);
                off += k;
                // Errors surface in the callers' checks (sticky).
                int rc;
                if (tls_conn_handshake_done(to)) {
                    uint8_t buf[1];
                    size_t got = 0;
                    rc = tls_conn_read(to, buf, 0, &got, 1);
                } else {
                    rc = tls_conn_handshake(to);
                }
                (void)rc;
            }
            tls_conn_out_consume(from, n);
        }
    }

    int handshake()
    {
        srv.start();
        if (!cl)
            cl = tls_conn_new(&ccfg, 0);
        int crc = TLS_WANT_INPUT, src = TLS_WANT_INPUT;
        for (int i = 0; i < 30; i++) {
            crc = tls_conn_handshake(cl);
            move(cl, srv.c);
            src = tls_conn_handshake(srv.c);
            move(srv.c, cl);
            if (crc < 0 || src < 0)
                return crc < 0 ? crc : src;
            if (crc == TLS_OK && src == TLS_OK)
                return TLS_OK;
        }
        return crc != TLS_OK ? crc : src;
    }

    void data_both_ways()
    {
        std::string up(3000, 'u'), down(5000, 'd');
        size_t n = 0;
        ASSERT_EQ(TLS_OK, tls_conn_write(cl, (const uint8_t *)up.data(), up.size(), &n));
        ASSERT_EQ(up.size(), n);
        move(cl, srv.c);
        uint8_t buf[8000];
        size_t got = 0;
        ASSERT_EQ(TLS_OK, tls_conn_read(srv.c, buf, sizeof(buf), &got, 0));
        EXPECT_EQ(up, std::string((const char *)buf, got));
        ASSERT_EQ(TLS_OK, tls_conn_write(srv.c, (const uint8_t *)down.data(), down.size(), &n));
        move(srv.c, cl);
        ASSERT_EQ(TLS_OK, tls_conn_read(cl, buf, sizeof(buf), &got, 0));
        EXPECT_EQ(down, std::string((const char *)buf, got));
    }

    void exporters_agree()
    {
        uint8_t a[40], b[40];
        ASSERT_EQ(0, tls_conn_export(cl, a, sizeof(a), "EXPERIMENTAL x", 14, nullptr, 0, 0));
        ASSERT_EQ(0, tls_conn_export(srv.c, b, sizeof(b), "EXPERIMENTAL x", 14, nullptr, 0, 0));
        EXPECT_EQ(0, memcmp(a, b, sizeof(a)));
    }
};

class CoreSuites : public ::testing::TestWithParam<uint16_t>
{
};

TEST_P(CoreSuites, HandshakeDataExporter)
{
    uint16_t id = GetParam();
    ASSERT_NE(nullptr, tls12_suite_get(nullptr, id));
    CorePair p;
    p.ccfg.tls12_suites = &id;
    p.ccfg.n_tls12_suites = 1;
    ASSERT_EQ(TLS_OK, p.handshake()) << TLS_ERR_REASON(tls_conn_error(p.srv.c)) << " "
                                     << TLS_ERR_REASON(tls_conn_error(p.cl));
    EXPECT_EQ(TLS_V12, tls_conn_version(p.cl));
    EXPECT_EQ(TLS_V12, tls_conn_version(p.srv.c));
    EXPECT_EQ(id, tls_conn_cipher_suite(p.cl));
    EXPECT_EQ(id, tls_conn_cipher_suite(p.srv.c));
    EXPECT_EQ(1, tls_conn_ems(p.cl));
    EXPECT_EQ(1, tls_conn_ems(p.srv.c));
    EXPECT_EQ(tls_conn_etm(p.cl), tls_conn_etm(p.srv.c));
    p.data_both_ways();
    p.exporters_agree();
}

INSTANTIATE_TEST_SUITE_P(Tls12Core, CoreSuites,
                         ::testing::Values(0xC02F, 0xC02C, 0xCCA8, 0xC027, 0xC00A));

void resume(bool tickets)
{
    Store store;
    g_store = &store;
    tls_session_state st;
    std::string ticket;
    {
        CorePair p;
        p.sessions(tickets);
        ASSERT_EQ(TLS_OK, p.handshake());
        const uint8_t *t = nullptr;
        size_t tl = 0;
        ASSERT_EQ(0, tls_conn_session(p.cl, &st, &t, &tl));
        ticket.assign((const char *)t, t ? tl : 0);
        EXPECT_EQ(tickets, !ticket.empty());
        EXPECT_EQ(0, tls_conn_session_reused(p.srv.c));
    }
    CorePair p;
    p.sessions(tickets);
    p.ccfg.resume = &st;
    if (!ticket.empty()) {
        p.ccfg.resume_ticket = (const uint8_t *)ticket.data();
        p.ccfg.resume_ticket_len = ticket.size();
    }
    ASSERT_EQ(TLS_OK, p.handshake()) << TLS_ERR_REASON(tls_conn_error(p.srv.c)) << " "
                                     << TLS_ERR_REASON(tls_conn_error(p.cl));
    EXPECT_EQ(1, tls_conn_session_reused(p.cl));
    EXPECT_EQ(1, tls_conn_session_reused(p.srv.c));
    p.data_both_ways();
    p.exporters_agree();
    g_store = nullptr;
}

TEST(Tls12Core, ResumptionBySessionId)
{
    resume(false);
}

TEST(Tls12Core, ResumptionByTicket)
{
    resume(true);
}

} // namespace
