// Record size controls, core to core: our client against our server in
// memory, both versions, every RFC 6066 max_fragment_length code. Every
// record on the wire is measured, 100 KB cross both ways intact, the session
// remembers the length (and resumption keeps it), and the hostile cases fail
// with OpenSSL's alert and reason: an invalid code or a malformed body in
// the ClientHello, an answer that differs from the offer or was never asked
// for, a record larger than the negotiated length, another length on
// resumption. Also max_send_fragment and TLS 1.3 record padding.
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "unit/maxfrag_util.h"

extern "C" {
#include "core/maxfrag.h"
}

namespace
{
using namespace tls13srv;
using namespace maxfrag;

const uint16_t kSuite12 = 0xC02B; // ECDHE-ECDSA-AES128-GCM-SHA256

struct Store {
    std::map<std::string, tls_session_state> by_id, by_ticket;
    int n = 0;
};
Store *g_store;

// One end: its connection, bytes waiting for it, application data it read
// (and, for a server told to read it, 0-RTT data).
using End = shimtest::DrivenEnd;

struct Pair {
    Server srv{"server-ec"};
    tls_config ccfg{};
    End cl, sv;
    std::string c2s, s2c; // everything each side sent
    std::function<void(std::string &)> tamper_c2s;
    std::function<void(tls_conn *)> on_client_hello;

    explicit Pair(uint16_t version)
    {
        ccfg.min_version = ccfg.max_version = version;
        srv.cfg.min_version = srv.cfg.max_version = version;
        ccfg.tls12_suites = &kSuite12;
        ccfg.n_tls12_suites = 1;
        srv.cfg.cb_arg = this;
        srv.cfg.client_hello = [](void *arg, tls_conn *c) {
            Pair *p = (Pair *)arg;
            if (p->on_client_hello)
                p->on_client_hello(c);
            return 0;
        };
    }
    ~Pair()
    {
        sv.c = nullptr; // srv owns it; cl frees its own
    }

    void sessions()
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
        srv.cfg.ticket_seal = [](void *, tls_conn *, const tls_session_state *st, uint8_t *out,
                                 size_t cap, size_t *len) {
            std::string t = "ticket-" + std::to_string(++g_store->n);
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
        srv.cfg.num_tickets = 1;
    }

    void start()
    {
        srv.start();
        sv.c = srv.c;
        if (!cl.c)
            cl.c = tls_conn_new(&ccfg, 0);
    }

    static std::string take(tls_conn *c)
    {
        std::string out;
        const uint8_t *d;
        size_t n;
        while ((n = tls_conn_out(c, &d)) > 0) {
            out.append((const char *)d, n);
            tls_conn_out_consume(c, n);
        }
        return out;
    }

    // Move bytes both ways until nothing changes.
    void pump()
    {
        for (int i = 0; i < 200; i++) {
            cl.drive();
            std::string a = take(cl.c);
            if (tamper_c2s)
                tamper_c2s(a);
            c2s += a;
            sv.in += a;
            sv.drive();
            std::string b = take(sv.c);
            s2c += b;
            cl.in += b;
            if (a.empty() && b.empty() && cl.in.empty() && sv.in.empty())
                return;
        }
    }

    bool handshake()
    {
        start();
        pump();
        return tls_conn_handshake_done(cl.c) && tls_conn_handshake_done(sv.c) &&
               tls_conn_error(cl.c) == 0 && tls_conn_error(sv.c) == 0;
    }

    // Write all of data from one end (one record per call at most).
    void send(End &e, const std::string &data)
    {
        size_t off = 0;
        while (off < data.size()) {
            size_t n = 0;
            ASSERT_EQ(TLS_OK,
                      tls_conn_write(e.c, (const uint8_t *)data.data() + off, data.size() - off, &n));
            ASSERT_GT(n, 0u);
            off += n;
            pump();
        }
    }
};

struct Case {
    uint16_t version;
    int code;
};

class MaxFrag : public ::testing::TestWithParam<Case>
{
};

TEST_P(MaxFrag, NegotiatedBothDirectionsEveryRecordWithinLimit)
{
    Case k = GetParam();
    Pair p(k.version);
    p.ccfg.max_fragment_code = (uint8_t)k.code;
    ASSERT_TRUE(p.handshake()) << TLS_ERR_REASON(tls_conn_error(p.cl.c)) << " "
                               << TLS_ERR_REASON(tls_conn_error(p.sv.c));
    EXPECT_EQ(k.code, tls_conn_max_fragment_code(p.cl.c));
    EXPECT_EQ(k.code, tls_conn_max_fragment_code(p.sv.c));
    size_t limit = code_bytes(k.code);
    EXPECT_EQ(limit, tls_conn_send_limit(p.cl.c));
    EXPECT_EQ(limit, tls_conn_recv_limit(p.sv.c));

    std::string up = pattern(100000, 1), down = pattern(100000, 2);
    p.send(p.cl, up);
    p.send(p.sv, down);
    EXPECT_EQ(up, p.sv.got);
    EXPECT_EQ(down, p.cl.got);
    // 100 000 bytes in records of exactly the limit, but the last one.
    EXPECT_GE(check_records(p.c2s, limit, k.version), 100000 / limit - 1);
    EXPECT_GE(check_records(p.s2c, limit, k.version), 100000 / limit - 1);

    // The TLS 1.2 server's flight (ServerHello to ServerHelloDone, one
    // write) was fragmented too: unlimited it is one record, then Finished.
    if (k.code == 1 && k.version == TLS_V12) {
        size_t hs_records = 0;
        for (const Rec &r : split(p.s2c))
            hs_records += r.type == 0x16;
        EXPECT_GE(hs_records, 3u);
    }

    tls_session_state st;
    const uint8_t *t = nullptr;
    size_t tl = 0;
    ASSERT_EQ(0, tls_conn_session(p.sv.c, &st, &t, &tl));
    EXPECT_EQ(k.code, st.max_fragment_code);
}

INSTANTIATE_TEST_SUITE_P(Codes, MaxFrag,
                         ::testing::Values(Case{TLS_V13, 1}, Case{TLS_V13, 2}, Case{TLS_V13, 3},
                                           Case{TLS_V13, 4}, Case{TLS_V12, 1}, Case{TLS_V12, 2},
                                           Case{TLS_V12, 3}, Case{TLS_V12, 4}),
                         [](const ::testing::TestParamInfo<Case> &i) {
                             return std::string(i.param.version == TLS_V13 ? "Tls13" : "Tls12") +
                                    "_" + std::to_string(code_bytes(i.param.code));
                         });

// After a HelloRetryRequest the second ClientHello offers the length again
// and the handshake goes on under it.
TEST(MaxFragHrr, LengthSurvivesHelloRetryRequest)
{
    static const uint16_t p256 = 0x0017;
    Pair p(TLS_V13);
    p.srv.cfg.groups = &p256; // the client's first key share is X25519
    p.srv.cfg.n_groups = 1;
    p.ccfg.max_fragment_code = 2;
    ASSERT_TRUE(p.handshake()) << TLS_ERR_REASON(tls_conn_error(p.cl.c)) << " "
                               << TLS_ERR_REASON(tls_conn_error(p.sv.c));
    EXPECT_EQ(1, tls_conn_did_hrr(p.cl.c));
    EXPECT_EQ(2, tls_conn_max_fragment_code(p.cl.c));
    EXPECT_EQ(2, tls_conn_max_fragment_code(p.sv.c));
    std::string d = pattern(10000, 31);
    p.send(p.sv, d);
    EXPECT_EQ(d, p.cl.got);
    EXPECT_EQ(9u, check_records(p.s2c, 1024, TLS_V13));
}

class MaxFragVersions : public ::testing::TestWithParam<uint16_t>
{
};

TEST_P(MaxFragVersions, NoOfferNoExtensionFullRecords)
{
    Pair p(GetParam());
    ASSERT_TRUE(p.handshake());
    EXPECT_EQ(0, tls_conn_max_fragment_code(p.cl.c));
    EXPECT_EQ(0, tls_conn_max_fragment_code(p.sv.c));
    std::string up = pattern(40000, 3);
    p.send(p.cl, up);
    EXPECT_EQ(up, p.sv.got);
    EXPECT_EQ(2u, check_records(p.c2s, 16384, GetParam()));
}

TEST_P(MaxFragVersions, MaxSendFragmentLimitsEveryRecordOfThatSide)
{
    Pair p(GetParam());
    p.ccfg.max_send_fragment = 1000;
    p.srv.cfg.max_send_fragment = 700;
    ASSERT_TRUE(p.handshake());
    std::string up = pattern(30000, 4), down = pattern(30000, 5);
    p.send(p.cl, up);
    p.send(p.sv, down);
    EXPECT_EQ(up, p.sv.got);
    EXPECT_EQ(down, p.cl.got);
    EXPECT_EQ(30u, check_records(p.c2s, 1000, GetParam()));
    // (TLS 1.3: the server's encrypted flight may add full records.)
    EXPECT_GE(check_records(p.s2c, 700, GetParam()), 42u);
}

// The echo must be the code offered; a TLS 1.3 server's answer arrives in
// EncryptedExtensions, a TLS 1.2 one in the ServerHello.
TEST_P(MaxFragVersions, EchoDifferentFromOfferIsIllegalParameter)
{
    Pair p(GetParam());
    p.ccfg.max_fragment_code = 1;
    p.on_client_hello = [](tls_conn *c) { c->mfl_code = 3; };
    EXPECT_FALSE(p.handshake());
    EXPECT_EQ(TLS_ERR(TLS_AD_ILLEGAL_PARAMETER, TLS_R_SSL3_EXT_INVALID_MAX_FRAGMENT_LENGTH),
              tls_conn_error(p.cl.c));
    EXPECT_EQ(TLS_AD_ILLEGAL_PARAMETER, tls_conn_alert_received(p.sv.c));
}

TEST_P(MaxFragVersions, EchoNeverOfferedIsUnsupportedExtension)
{
    Pair p(GetParam());
    p.on_client_hello = [](tls_conn *c) { c->mfl_code = 2; };
    EXPECT_FALSE(p.handshake());
    EXPECT_EQ(TLS_ERR(TLS_AD_UNSUPPORTED_EXTENSION, TLS_R_UNSOLICITED_EXTENSION),
              tls_conn_error(p.cl.c));
    EXPECT_EQ(TLS_AD_UNSUPPORTED_EXTENSION, tls_conn_alert_received(p.sv.c));
}

// A peer that ignores the negotiated length: record_overflow, as OpenSSL
// (SSL_R_DATA_LENGTH_TOO_LONG).
TEST_P(MaxFragVersions, RecordLargerThanNegotiatedIsRecordOverflow)
{
    Pair p(GetParam());
    p.ccfg.max_fragment_code = 2;
    ASSERT_TRUE(p.handshake());
    std::string ok = pattern(1024, 6);
    p.send(p.cl, ok);
    EXPECT_EQ(ok, p.sv.got);
    p.cl.c->mfl_code = 0; // the client "forgets" the limit
    std::string big = pattern(1025, 7);
    size_t n = 0;
    ASSERT_EQ(TLS_OK, tls_conn_write(p.cl.c, (const uint8_t *)big.data(), big.size(), &n));
    ASSERT_EQ(1025u, n);
    p.pump();
    EXPECT_EQ(TLS_ERR(TLS_AD_RECORD_OVERFLOW, TLS_R_DATA_LENGTH_TOO_LONG), tls_conn_error(p.sv.c));
    EXPECT_EQ(TLS_AD_RECORD_OVERFLOW, tls_conn_alert_received(p.cl.c));
    EXPECT_EQ(ok, p.sv.got); // nothing of the oversized record was delivered
}

INSTANTIATE_TEST_SUITE_P(Both, MaxFragVersions, ::testing::Values(TLS_V13, TLS_V12),
                         [](const ::testing::TestParamInfo<uint16_t> &i) {
                             return std::string(i.param == TLS_V13 ? "Tls13" : "Tls12");
                         });

// --- the ClientHello as a hostile client writes it ------------------------------

struct BadOffer {
    uint16_t version;
    std::string body;
    int err;
};

class BadClientHello : public ::testing::TestWithParam<BadOffer>
{
};

TEST_P(BadClientHello, ServerRefusesWithOpenSSLsAlertAndReason)
{
    BadOffer b = GetParam();
    Pair p(b.version);
    p.ccfg.max_fragment_code = 1;
    bool first = true;
    p.tamper_c2s = [&](std::string &bytes) {
        if (first && !bytes.empty()) {
            first = false;
            bytes = replace_ext(bytes, kExtMfl, b.body);
        }
    };
    EXPECT_FALSE(p.handshake());
    EXPECT_EQ(b.err, tls_conn_error(p.sv.c));
    // The alert goes out in plaintext: the server never got to its keys.
    std::string alert = record(0x15, u8(2) + u8(TLS_ERR_ALERT(b.err)));
    EXPECT_NE(std::string::npos, p.s2c.find(alert));
    EXPECT_EQ(TLS_ERR_ALERT(b.err), tls_conn_alert_received(p.cl.c));
}

const int kBadCode = TLS_ERR(TLS_AD_ILLEGAL_PARAMETER, TLS_R_SSL3_EXT_INVALID_MAX_FRAGMENT_LENGTH);
const int kBadBody = TLS_ERR(TLS_AD_DECODE_ERROR, TLS_R_BAD_EXTENSION);

INSTANTIATE_TEST_SUITE_P(
    Hostile, BadClientHello,
    ::testing::Values(BadOffer{TLS_V13, u8(0), kBadCode}, BadOffer{TLS_V13, u8(5), kBadCode},
                      BadOffer{TLS_V13, u8(255), kBadCode}, BadOffer{TLS_V12, u8(0), kBadCode},
                      BadOffer{TLS_V12, u8(5), kBadCode}, BadOffer{TLS_V13, "", kBadBody},
                      BadOffer{TLS_V13, u8(1) + u8(1), kBadBody}, BadOffer{TLS_V12, "", kBadBody},
                      BadOffer{TLS_V12, u8(2) + u8(0), kBadBody}),
    [](const ::testing::TestParamInfo<BadOffer> &i) {
        std::string n = i.param.version == TLS_V13 ? "Tls13_" : "Tls12_";
        if (i.param.body.empty())
            return n + "empty";
        for (unsigned char ch : i.param.body) {
            char h[3];
            snprintf(h, sizeof(h), "%02X", ch);
            n += h;
        }
        return n;
    });

// --- sessions -------------------------------------------------------------------

// TLS 1.3: the ticket's session carries the length; the resumed handshake
// negotiates it again and its next session has it too.
TEST(MaxFragSessions, Tls13ResumptionKeepsLength)
{
    Store store;
    g_store = &store;
    tls_session_state st;
    std::string ticket;
    {
        Pair p(TLS_V13);
        p.sessions();
        p.ccfg.max_fragment_code = 3;
        ASSERT_TRUE(p.handshake());
        p.send(p.sv, "hello"); // the NewSessionTicket arrives with it
        const uint8_t *t = nullptr;
        size_t tl = 0;
        ASSERT_EQ(0, tls_conn_session(p.cl.c, &st, &t, &tl));
        ASSERT_NE(nullptr, t);
        ticket.assign((const char *)t, tl);
        EXPECT_EQ(3, st.max_fragment_code);
        ASSERT_EQ(1u, store.by_ticket.size());
        EXPECT_EQ(3, store.by_ticket.begin()->second.max_fragment_code);
    }
    Pair p(TLS_V13);
    p.sessions();
    p.ccfg.max_fragment_code = 3;
    p.ccfg.resume = &st;
    p.ccfg.resume_ticket = (const uint8_t *)ticket.data();
    p.ccfg.resume_ticket_len = ticket.size();
    ASSERT_TRUE(p.handshake());
    EXPECT_EQ(1, tls_conn_session_reused(p.sv.c));
    EXPECT_EQ(3, tls_conn_max_fragment_code(p.cl.c));
    EXPECT_EQ(3, tls_conn_max_fragment_code(p.sv.c));
    std::string up = pattern(9000, 8);
    p.send(p.cl, up);
    EXPECT_EQ(up, p.sv.got);
    EXPECT_EQ(4u, check_records(p.c2s, 2048, TLS_V13));
    g_store = nullptr;
}

// 0-RTT under a length: the client's early data goes out before the server
// answered, in records within the offered and the resumed length (our
// server holds it to the offer, OpenSSL's to the session), and is accepted.
TEST(MaxFragSessions, Tls13EarlyDataWithinLength)
{
    Store store;
    g_store = &store;
    tls_session_state st;
    std::string ticket;
    {
        Pair p(TLS_V13);
        p.sessions();
        p.srv.cfg.max_early_data = 5000;
        p.ccfg.max_fragment_code = 1;
        ASSERT_TRUE(p.handshake());
        p.send(p.sv, "hello");
        const uint8_t *t = nullptr;
        size_t tl = 0;
        ASSERT_EQ(0, tls_conn_session(p.cl.c, &st, &t, &tl));
        ASSERT_NE(nullptr, t);
        ticket.assign((const char *)t, tl);
        EXPECT_EQ(5000u, st.max_early_data);
        EXPECT_EQ(1, st.max_fragment_code);
    }
    Pair p(TLS_V13);
    p.sessions();
    p.srv.cfg.max_early_data = 5000;
    p.srv.cfg.early_data_ok = [](void *, tls_conn *, const tls_session_state *) { return 1; };
    p.sv.read_early = true;
    p.ccfg.max_fragment_code = 1;
    p.ccfg.resume = &st;
    p.ccfg.resume_ticket = (const uint8_t *)ticket.data();
    p.ccfg.resume_ticket_len = ticket.size();
    p.start();
    std::string early = pattern(3000, 21);
    size_t n = 0;
    ASSERT_EQ(TLS_OK, tls_conn_write_early(p.cl.c, (const uint8_t *)early.data(), early.size(), &n));
    ASSERT_EQ(early.size(), n);
    p.pump();
    ASSERT_TRUE(tls_conn_handshake_done(p.cl.c)) << TLS_ERR_REASON(tls_conn_error(p.sv.c));
    ASSERT_TRUE(tls_conn_handshake_done(p.sv.c));
    EXPECT_EQ(TLS_EARLY_ACCEPTED, tls_conn_early_status(p.sv.c));
    EXPECT_EQ(early, p.sv.early);
    EXPECT_EQ(1, tls_conn_max_fragment_code(p.sv.c));
    EXPECT_EQ(1, tls_conn_max_fragment_code(p.cl.c));
    // Five full 512-byte early records, then 440 bytes.
    EXPECT_GE(check_records(p.c2s, 512, TLS_V13), 5u);
    g_store = nullptr;
}

// TLS 1.2: resumption (by session id and by ticket) keeps the length; a
// client asking for another length on resumption is refused as OpenSSL does.
void resume12(bool tickets, int second_code, int expect_err)
{
    Store store;
    g_store = &store;
    tls_session_state st;
    std::string ticket;
    {
        Pair p(TLS_V12);
        p.sessions();
        if (!tickets)
            p.srv.cfg.flags |= TLS_CFG_NO_TICKET;
        p.ccfg.max_fragment_code = 2;
        ASSERT_TRUE(p.handshake());
        const uint8_t *t = nullptr;
        size_t tl = 0;
        ASSERT_EQ(0, tls_conn_session(p.cl.c, &st, &t, &tl));
        EXPECT_EQ(2, st.max_fragment_code);
        ticket.assign((const char *)t, t ? tl : 0);
        EXPECT_EQ(tickets, !ticket.empty());
    }
    Pair p(TLS_V12);
    p.sessions();
    if (!tickets)
        p.srv.cfg.flags |= TLS_CFG_NO_TICKET;
    p.ccfg.max_fragment_code = (uint8_t)second_code;
    p.ccfg.resume = &st;
    if (!ticket.empty()) {
        p.ccfg.resume_ticket = (const uint8_t *)ticket.data();
        p.ccfg.resume_ticket_len = ticket.size();
    }
    if (expect_err != 0) {
        EXPECT_FALSE(p.handshake());
        EXPECT_EQ(expect_err, tls_conn_error(p.sv.c));
        EXPECT_EQ(TLS_ERR_ALERT(expect_err), tls_conn_alert_received(p.cl.c));
        g_store = nullptr;
        return;
    }
    ASSERT_TRUE(p.handshake()) << TLS_ERR_REASON(tls_conn_error(p.sv.c));
    EXPECT_EQ(1, tls_conn_session_reused(p.cl.c));
    EXPECT_EQ(1, tls_conn_session_reused(p.sv.c));
    EXPECT_EQ(2, tls_conn_max_fragment_code(p.cl.c));
    EXPECT_EQ(2, tls_conn_max_fragment_code(p.sv.c));
    tls_session_state st2;
    const uint8_t *t = nullptr;
    size_t tl = 0;
    ASSERT_EQ(0, tls_conn_session(p.cl.c, &st2, &t, &tl));
    EXPECT_EQ(2, st2.max_fragment_code);
    std::string down = pattern(5000, 9);
    p.send(p.sv, down);
    EXPECT_EQ(down, p.cl.got);
    EXPECT_EQ(4u, check_records(p.s2c, 1024, TLS_V12));
    g_store = nullptr;
}

TEST(MaxFragSessions, Tls12ResumptionBySessionIdKeepsLength)
{
    resume12(false, 2, 0);
}

TEST(MaxFragSessions, Tls12ResumptionByTicketKeepsLength)
{
    resume12(true, 2, 0);
}

TEST(MaxFragSessions, Tls12ResumptionWithAnotherLengthIsIllegalParameter)
{
    resume12(false, 4, kBadCode);
}

// --- TLS 1.3 record padding ----------------------------------------------------

TEST(RecordPadding, Tls13RecordsPaddedToTheBlockWithinTheLimit)
{
    Pair p(TLS_V13);
    static size_t block = 64;
    std::vector<std::pair<int, size_t>> asked;
    p.ccfg.cb_arg = &asked;
    p.ccfg.record_padding = [](void *arg, int type, size_t len) -> size_t {
        ((std::vector<std::pair<int, size_t>> *)arg)->push_back({type, len});
        return len % block ? block - len % block : 0;
    };
    p.ccfg.max_fragment_code = 1;
    ASSERT_TRUE(p.handshake());
    // The client's Finished was padded: asked with type handshake.
    bool hs_asked = false;
    for (auto &a : asked)
        hs_asked |= a.first == 22;
    EXPECT_TRUE(hs_asked);
    for (size_t n : {1, 63, 64, 100, 447, 448, 511, 600}) {
        p.c2s.clear();
        std::string d = pattern(n, (unsigned)n);
        p.sv.got.clear();
        p.send(p.cl, d);
        EXPECT_EQ(d, p.sv.got);
        for (const Rec &r : split(p.c2s)) {
            ASSERT_EQ(0x17, r.type);
            size_t inner = r.body.size() - 16;
            // Rounded up to 64 but never padded beyond the 512-byte limit;
            // a full 512-byte fragment (inner 513) is not padded at all.
            EXPECT_TRUE(inner % 64 == 0 || inner == 513) << n << ": inner " << inner;
            EXPECT_LE(inner, 513u);
        }
    }
    p.ccfg.cb_arg = nullptr;
}

// A callback asking for absurd padding gets a record filled to the limit,
// never beyond it (RFC 8446 5.4: at most 2^14 + 1 inner bytes; here the
// negotiated 1024).
TEST(RecordPadding, HugeAnswerIsCappedAtTheLimit)
{
    Pair p(TLS_V13);
    p.ccfg.record_padding = [](void *, int, size_t) -> size_t { return (size_t)-1; };
    p.ccfg.max_fragment_code = 2;
    ASSERT_TRUE(p.handshake());
    p.c2s.clear();
    std::string d = pattern(3000, 41);
    p.send(p.cl, d);
    EXPECT_EQ(d, p.sv.got);
    size_t n = 0;
    for (const Rec &r : split(p.c2s)) {
        n++;
        size_t inner = r.body.size() - 16;
        EXPECT_TRUE(inner == 1024 || inner == 1025) << inner;
    }
    EXPECT_EQ(3u, n);
}

} // namespace
