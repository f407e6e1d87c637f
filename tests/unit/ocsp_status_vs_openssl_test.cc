// OCSP stapling (RFC 6066 8, RFC 8446 4.4.2.1) in the engine, TLS 1.3 and
// TLS 1.2, against the system's OpenSSL 3.0 in one process (memory BIOs) in
// both directions, and core to core:
//   - our client asks (status_request), gets the response the OpenSSL
//     server's status callback stapled, byte for byte, and its hook runs
//     once the server's flight is in, stapled or not; a hook failure is the
//     alert the OpenSSL server reports;
//   - our server staples what its hook provides, and the OpenSSL client's
//     SSL_get_tlsext_status_ocsp_resp returns exactly that; no staple when
//     the hook declines or nobody asked; the responder ids and extensions
//     the OpenSSL client sends reach our hook;
//   - a malformed status_request in a ClientHello is decode_error.
#include <gtest/gtest.h>

#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <string>
#include <vector>

#include "unit/tls13_client_harness.h"
#include "unit/tls13_server_harness.h"

namespace
{

const std::string kStaple = std::string("\x30\x03\x0a\x01\x00", 5) + "an OCSP response";

// What the OpenSSL server's status callback does.
struct ServerStaple {
    int calls = 0;
    int verdict = SSL_TLSEXT_ERR_OK;
    std::string resp = kStaple;
};

int openssl_server_cb(SSL *s, void *arg)
{
    ServerStaple *st = static_cast<ServerStaple *>(arg);
    st->calls++;
    if (!st->resp.empty()) {
        unsigned char *copy = (unsigned char *)OPENSSL_memdup(st->resp.data(), st->resp.size());
        SSL_set_tlsext_status_ocsp_resp(s, copy, (long)st->resp.size());
    }
    return st->verdict;
}

// Our client (core) and the OpenSSL server.
struct ClientSide : tls13test::Peer {
    ServerStaple staple;
    int hook_calls = 0;
    int hook_rc = 0;
    bool hook_saw_chain = false;
    std::string hook_resp;

    explicit ClientSide(int version) : tls13test::Peer("p256")
    {
        SSL_CTX_set_min_proto_version(sctx, version);
        SSL_CTX_set_max_proto_version(sctx, version);
        SSL_CTX_set_tlsext_status_cb(sctx, openssl_server_cb);
        SSL_CTX_set_tlsext_status_arg(sctx, &staple);
        cfg.ocsp_status = [](void *arg, tls_conn *c) {
            ClientSide *p = (ClientSide *)(tls13test::Client *)arg;
            p->hook_calls++;
            p->hook_saw_chain = tls_conn_peer_chain(c) != nullptr;
            const uint8_t *r;
            size_t n;
            tls_conn_ocsp_response(c, &r, &n);
            p->hook_resp.assign((const char *)r, n);
            return p->hook_rc;
        };
    }
    void ask() { cfg.flags |= TLS_CFG_STATUS_REQUEST; }
    std::string response()
    {
        const uint8_t *r;
        size_t n;
        tls_conn_ocsp_response(c, &r, &n);
        return std::string((const char *)r, n);
    }
};

class OcspClient : public ::testing::TestWithParam<int>
{
};

TEST_P(OcspClient, StapleArrives)
{
    ClientSide p(GetParam());
    p.ask();
    ASSERT_EQ(TLS_OK, p.handshake());
    EXPECT_EQ(GetParam(), tls_conn_version(p.c));
    EXPECT_EQ(1, p.staple.calls);
    EXPECT_EQ(1, p.hook_calls);
    EXPECT_TRUE(p.hook_saw_chain);
    EXPECT_EQ(kStaple, p.hook_resp);
    EXPECT_EQ(kStaple, p.response());
}

TEST_P(OcspClient, LargeStaple)
{
    ClientSide p(GetParam());
    p.ask();
    p.staple.resp = std::string(12000, 'r');
    ASSERT_EQ(TLS_OK, p.handshake());
    EXPECT_EQ(p.staple.resp, p.response());
}

TEST_P(OcspClient, ServerDeclinesAndTheHookStillRuns)
{
    ClientSide p(GetParam());
    p.ask();
    p.staple.verdict = SSL_TLSEXT_ERR_NOACK;
    ASSERT_EQ(TLS_OK, p.handshake());
    EXPECT_EQ(1, p.staple.calls);
    EXPECT_EQ(1, p.hook_calls);
    EXPECT_EQ("", p.hook_resp);
    EXPECT_EQ("", p.response());
}

TEST_P(OcspClient, NotAskedNothingHappens)
{
    ClientSide p(GetParam());
    ASSERT_EQ(TLS_OK, p.handshake());
    EXPECT_EQ(0, p.staple.calls);
    EXPECT_EQ(0, p.hook_calls);
    EXPECT_EQ("", p.response());
    // The ClientHello carried no status_request.
    EXPECT_EQ(std::string::npos, p.wire_out.find(std::string("\x00\x05\x00\x05\x01", 5)));
}

TEST_P(OcspClient, HookRejectsTheResponse)
{
    ClientSide p(GetParam());
    p.ask();
    p.hook_rc = TLS_ERR(TLS_AD_BAD_CERTIFICATE_STATUS_RESPONSE, TLS_R_INVALID_STATUS_RESPONSE);
    int rc = p.handshake();
    EXPECT_EQ(p.hook_rc, rc);
    tls13test::expect_sticky(p, rc);
    // The OpenSSL server reads our alert.
    ERR_clear_error();
    EXPECT_LE(SSL_do_handshake(p.s), 0);
    EXPECT_EQ(SSL_R_TLSV1_BAD_CERTIFICATE_STATUS_RESPONSE, ERR_GET_REASON(ERR_peek_last_error()));
}

INSTANTIATE_TEST_SUITE_P(Versions, OcspClient, ::testing::Values(TLS1_3_VERSION, TLS1_2_VERSION),
                         [](const ::testing::TestParamInfo<int> &i) {
                             return std::string(i.param == TLS1_3_VERSION ? "Tls13" : "Tls12");
                         });

// --- our server, the OpenSSL client -------------------------------------------

struct ClientSeen {
    int calls = 0;
    long len = -2;
    std::string resp;
};

int openssl_client_cb(SSL *s, void *arg)
{
    ClientSeen *seen = static_cast<ClientSeen *>(arg);
    const unsigned char *p = nullptr;
    seen->calls++;
    seen->len = SSL_get_tlsext_status_ocsp_resp(s, &p);
    if (p && seen->len > 0)
        seen->resp.assign((const char *)p, (size_t)seen->len);
    return 1;
}

struct ServerSide : shimtest::CoreServerPair {
    ClientSeen seen;
    int hook_calls = 0;
    int hook_rc = 0; // 0 staple, 1 decline, < 0 fail
    std::string staple = kStaple;
    std::string ids, exts; // what the client's request named

    explicit ServerSide(int version) : CoreServerPair("server-ec")
    {
        SSL_CTX_set_min_proto_version(cctx, version);
        SSL_CTX_set_max_proto_version(cctx, version);
        SSL_CTX_set_tlsext_status_cb(cctx, openssl_client_cb);
        SSL_CTX_set_tlsext_status_arg(cctx, &seen);
        cfg.ocsp_status = [](void *arg, tls_conn *c) {
            ServerSide *p = (ServerSide *)(tls13srv::Server *)arg;
            p->hook_calls++;
            const uint8_t *i, *e;
            size_t il, el;
            EXPECT_EQ(1, tls_conn_ocsp_request(c, &i, &il, &e, &el));
            p->ids.assign((const char *)i, il);
            p->exts.assign((const char *)e, el);
            if (p->hook_rc == 0 && !p->staple.empty()) {
                EXPECT_EQ(0, tls_conn_set_ocsp_response(c, (const uint8_t *)p->staple.data(),
                                                        p->staple.size()));
            }
            return p->hook_rc;
        };
    }
    void ask() { SSL_CTX_set_tlsext_status_type(cctx, TLSEXT_STATUSTYPE_ocsp); }
};

class OcspServer : public ::testing::TestWithParam<int>
{
};

TEST_P(OcspServer, StapleReachesTheOpenSslClient)
{
    ServerSide p(GetParam());
    p.ask();
    ASSERT_EQ(TLS_OK, p.handshake());
    EXPECT_EQ(1, p.ssl_hs);
    EXPECT_EQ(GetParam(), SSL_version(p.s));
    EXPECT_EQ(1, p.hook_calls);
    EXPECT_EQ(1, p.seen.calls);
    EXPECT_EQ((long)kStaple.size(), p.seen.len);
    EXPECT_EQ(kStaple, p.seen.resp);
    EXPECT_EQ("", p.ids);
    EXPECT_EQ("", p.exts);
    // TLS 1.2: a CertificateStatus message went out (in 1.3 it is inside
    // the encrypted Certificate).
    bool cs = false;
    for (const auto &r : tls13srv::split(p.wire_out))
        if (r.type == TLS_CT_HANDSHAKE && r.body.find(kStaple) != std::string::npos)
            cs = true;
    EXPECT_EQ(GetParam() == TLS1_2_VERSION, cs);
}

TEST_P(OcspServer, LargeStaple)
{
    ServerSide p(GetParam());
    p.ask();
    // TLS 1.3 carries it in a 2^16-byte extension; OpenSSL's TLS 1.2
    // client takes a CertificateStatus of up to 2^14 bytes.
    p.staple = std::string(GetParam() == TLS1_3_VERSION ? 60000 : 16000, 's');
    ASSERT_EQ(TLS_OK, p.handshake());
    EXPECT_EQ(p.staple, p.seen.resp);
}

TEST_P(OcspServer, HookDeclines)
{
    ServerSide p(GetParam());
    p.ask();
    p.hook_rc = 1;
    ASSERT_EQ(TLS_OK, p.handshake());
    EXPECT_EQ(1, p.hook_calls);
    EXPECT_EQ(1, p.seen.calls);
    EXPECT_EQ(-1, p.seen.len);
}

TEST_P(OcspServer, NotAskedNoHook)
{
    ServerSide p(GetParam());
    ASSERT_EQ(TLS_OK, p.handshake());
    EXPECT_EQ(0, p.hook_calls);
    EXPECT_EQ(0, p.seen.calls);
}

TEST_P(OcspServer, NoHookNoStaple)
{
    ServerSide p(GetParam());
    p.ask();
    p.cfg.ocsp_status = nullptr;
    ASSERT_EQ(TLS_OK, p.handshake());
    EXPECT_EQ(1, p.seen.calls);
    EXPECT_EQ(-1, p.seen.len);
}

TEST_P(OcspServer, HookFailureIsTheAlert)
{
    ServerSide p(GetParam());
    p.ask();
    p.hook_rc = TLS_ERR(TLS_AD_INTERNAL_ERROR, TLS_R_CLIENTHELLO_TLSEXT);
    EXPECT_EQ(p.hook_rc, p.handshake());
    ERR_clear_error();
    EXPECT_LE(SSL_do_handshake(p.s), 0);
    EXPECT_EQ(SSL_R_TLSV1_ALERT_INTERNAL_ERROR, ERR_GET_REASON(ERR_peek_last_error()));
}

TEST_P(OcspServer, ResponderIdsAndExtensionsArrive)
{
    ServerSide p(GetParam());
    p.ask();
    p.start_both();
    // By key hash: a 20-byte SHA-1 of a key, as RFC 6960 4.2.1 says.
    STACK_OF(OCSP_RESPID) *ids = sk_OCSP_RESPID_new_null();
    OCSP_RESPID *id = OCSP_RESPID_new();
    ASSERT_EQ(1, OCSP_RESPID_set_by_key(id, tls13srv::load_cert("server-ec.pem")));
    sk_OCSP_RESPID_push(ids, id);
    SSL_set_tlsext_status_ids(p.s, ids);
    STACK_OF(X509_EXTENSION) *exts = sk_X509_EXTENSION_new_null();
    ASN1_OCTET_STRING *v = ASN1_OCTET_STRING_new();
    ASN1_OCTET_STRING_set(v, (const unsigned char *)"\x04\x01z", 3);
    sk_X509_EXTENSION_push(exts, X509_EXTENSION_create_by_NID(nullptr, NID_id_pkix_OCSP_Nonce, 0, v));
    ASN1_OCTET_STRING_free(v);
    SSL_set_tlsext_status_exts(p.s, exts);
    ASSERT_EQ(TLS_OK, p.handshake());
    // responder_id_list body: one ResponderID<1..2^16-1> whose DER names
    // our certificate's key.
    ASSERT_GT(p.ids.size(), 2u);
    size_t n = (uint8_t)p.ids[0] << 8 | (uint8_t)p.ids[1];
    ASSERT_EQ(p.ids.size(), n + 2);
    const unsigned char *q = (const unsigned char *)p.ids.data() + 2;
    OCSP_RESPID *back = d2i_OCSP_RESPID(nullptr, &q, (long)n);
    ASSERT_NE(nullptr, back);
    EXPECT_EQ(1, OCSP_RESPID_match(back, tls13srv::load_cert("server-ec.pem")));
    OCSP_RESPID_free(back);
    q = (const unsigned char *)p.exts.data();
    STACK_OF(X509_EXTENSION) *eb = d2i_X509_EXTENSIONS(nullptr, &q, (long)p.exts.size());
    ASSERT_NE(nullptr, eb);
    EXPECT_EQ(1, sk_X509_EXTENSION_num(eb));
    EXPECT_EQ(NID_id_pkix_OCSP_Nonce,
              OBJ_obj2nid(X509_EXTENSION_get_object(sk_X509_EXTENSION_value(eb, 0))));
    sk_X509_EXTENSION_pop_free(eb, X509_EXTENSION_free);
    EXPECT_EQ(kStaple, p.seen.resp);
}

INSTANTIATE_TEST_SUITE_P(Versions, OcspServer, ::testing::Values(TLS1_3_VERSION, TLS1_2_VERSION),
                         [](const ::testing::TestParamInfo<int> &i) {
                             return std::string(i.param == TLS1_3_VERSION ? "Tls13" : "Tls12");
                         });

// --- core to core ---------------------------------------------------------------

struct CoreServer : tls13srv::Server {
    std::string staple = kStaple;
    CoreServer() : tls13srv::Server("server-ec")
    {
        cfg.ocsp_status = [](void *arg, tls_conn *c) {
            CoreServer *p = (CoreServer *)(tls13srv::Server *)arg;
            return tls_conn_set_ocsp_response(c, (const uint8_t *)p->staple.data(),
                                              p->staple.size());
        };
    }
};

// Pump bytes between our client and our server until both are done.
int core_handshake(tls_conn *cl, CoreServer &srv, std::string *client_hello = nullptr,
                   const std::function<void(std::string &)> &edit_ch = nullptr)
{
    srv.start();
    int crc = TLS_WANT_INPUT, src = TLS_WANT_INPUT;
    bool first = true;
    for (int i = 0; i < 30; i++) {
        crc = tls_conn_handshake(cl);
        const uint8_t *d;
        size_t n;
        std::string up;
        while ((n = tls_conn_out(cl, &d)) > 0) {
            up.append((const char *)d, n);
            tls_conn_out_consume(cl, n);
        }
        if (first && !up.empty()) {
            first = false;
            if (client_hello)
                *client_hello = up;
            if (edit_ch)
                edit_ch(up);
        }
        srv.to_server += up;
        src = srv.handshake_step();
        std::string down = srv.drain();
        size_t off = 0;
        while (off < down.size()) {
            size_t want = 0;
            uint8_t *p = tls_conn_rbuf(cl, &want);
            if (want == 0)
                break;
            size_t k = std::min(want, down.size() - off);
            memcpy(p, down.data() + off, k);
            tls_conn_rbuf_commit(cl, k);
            off += k;
            crc = tls_conn_handshake(cl);
            if (crc < 0)
                break;
        }
        if (crc < 0 || src < 0)
            return crc < 0 ? crc : src;
        if (crc == TLS_OK && src == TLS_OK)
            return TLS_OK;
    }
    return crc != TLS_OK ? crc : src;
}

class OcspCore : public ::testing::TestWithParam<uint16_t>
{
};

TEST_P(OcspCore, StapleArrives)
{
    CoreServer srv;
    tls_config ccfg{};
    ccfg.max_version = GetParam();
    ccfg.flags = TLS_CFG_STATUS_REQUEST;
    tls_conn *cl = tls_conn_new(&ccfg, 0);
    ASSERT_EQ(TLS_OK, core_handshake(cl, srv));
    EXPECT_EQ(GetParam(), tls_conn_version(cl));
    const uint8_t *r;
    size_t n;
    tls_conn_ocsp_response(cl, &r, &n);
    EXPECT_EQ(kStaple, std::string((const char *)r, n));
    tls_conn_free(cl);
}

// The client's status_request, rewritten in its ClientHello.
void replace_status_request(std::string &wire, const std::string &body)
{
    const std::string want = std::string("\x00\x05\x00\x05\x01\x00\x00\x00\x00", 9);
    size_t at = wire.find(want);
    ASSERT_NE(std::string::npos, at);
    std::string ext = std::string("\x00\x05", 2) + tls13srv::u16(body.size()) + body;
    wire.replace(at, want.size(), ext);
    long delta = (long)ext.size() - (long)want.size();
    // Fix the record, handshake and extensions lengths.
    auto add = [&](size_t pos, int bytes) {
        size_t v = 0;
        for (int i = 0; i < bytes; i++)
            v = v << 8 | (uint8_t)wire[pos + i];
        v = (size_t)((long)v + delta);
        for (int i = bytes - 1; i >= 0; i--, v >>= 8)
            wire[pos + i] = (char)(v & 0xff);
    };
    add(3, 2);
    add(6, 3);
    // Extensions block length: after version(2) random(32) sid suites comp.
    size_t o = 9 + 2 + 32;
    o += 1 + (uint8_t)wire[o];
    o += 2 + ((uint8_t)wire[o] << 8 | (uint8_t)wire[o + 1]);
    o += 1 + (uint8_t)wire[o];
    add(o, 2);
}

struct BadRequest {
    const char *name;
    std::string body;
    int rc; // expected server failure, 0 = accepted without a staple
};

class HostileRequest : public ::testing::TestWithParam<BadRequest>
{
};

TEST_P(HostileRequest, ServerAnswers)
{
    for (uint16_t v : {TLS_V13, TLS_V12}) {
        SCOPED_TRACE(v);
        CoreServer srv;
        int calls = 0;
        srv.cfg.cb_arg = &srv;
        static int *g_calls;
        g_calls = &calls;
        srv.cfg.ocsp_status = [](void *, tls_conn *c) {
            (*g_calls)++;
            return tls_conn_set_ocsp_response(c, (const uint8_t *)"x", 1);
        };
        tls_config ccfg{};
        ccfg.max_version = v;
        ccfg.flags = TLS_CFG_STATUS_REQUEST;
        tls_conn *cl = tls_conn_new(&ccfg, 0);
        const BadRequest &b = GetParam();
        int rc = core_handshake(cl, srv, nullptr,
                                [&](std::string &w) { replace_status_request(w, b.body); });
        if (b.rc) {
            EXPECT_EQ(b.rc, tls_conn_error(srv.c))
                << TLS_ERR_REASON(tls_conn_error(srv.c)) << " " << TLS_ERR_ALERT(tls_conn_error(srv.c));
            std::vector<tls13srv::Rec> recs = tls13srv::split(srv.wire_out);
            ASSERT_FALSE(recs.empty());
            EXPECT_EQ(TLS_CT_ALERT, recs.back().type);
            EXPECT_EQ(std::string(1, '\x02') + (char)TLS_ERR_ALERT(b.rc), recs.back().body);
            EXPECT_NE(TLS_OK, rc);
        } else {
            // The client's transcript no longer matches (we edited its
            // ClientHello), so it fails at Finished; the server ignored the
            // request and never asked its hook.
            EXPECT_EQ(0, calls);
            const uint8_t *i, *e;
            size_t il, el;
            EXPECT_EQ(0, tls_conn_ocsp_request(srv.c, &i, &il, &e, &el));
        }
        tls_conn_free(cl);
    }
}

const int kBadExt = TLS_ERR(TLS_AD_DECODE_ERROR, TLS_R_BAD_EXTENSION);

INSTANTIATE_TEST_SUITE_P(
    Ocsp, HostileRequest,
    ::testing::Values(
        BadRequest{"Empty", "", kBadExt},
        BadRequest{"TypeOnly", std::string("\x01", 1), kBadExt},
        BadRequest{"NoExtensions", std::string("\x01\x00\x00", 3), kBadExt},
        BadRequest{"TrailingByte", std::string("\x01\x00\x00\x00\x00\x00", 6), kBadExt},
        BadRequest{"IdsOverrun", std::string("\x01\x00\x05\x00\x01\x30\x00\x00", 8), kBadExt},
        BadRequest{"EmptyResponderId", std::string("\x01\x00\x02\x00\x00\x00\x00", 7), kBadExt},
        BadRequest{"ResponderIdNotDer", std::string("\x01\x00\x03\x00\x01\x41\x00\x00", 8),
                   kBadExt},
        BadRequest{"ExtensionsNotDer", std::string("\x01\x00\x00\x00\x02\x30\x05", 7), kBadExt},
        BadRequest{"ExtensionsWithTrailingGarbage",
                   std::string("\x01\x00\x00\x00\x04\x30\x00\x00\x00", 9), kBadExt},
        // RFC 6066 8: a type the server does not know is ignored, whatever follows.
        BadRequest{"UnknownType", std::string("\x02\xff\xff", 3), 0}),
    [](const ::testing::TestParamInfo<BadRequest> &i) { return std::string(i.param.name); });

INSTANTIATE_TEST_SUITE_P(Versions, OcspCore, ::testing::Values(TLS_V13, TLS_V12));

} // namespace
