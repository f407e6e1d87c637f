// Custom extensions in the engine (tls_config.custom_exts, core/custom_ext.h)
// against the system's OpenSSL 3.0 with the same extension registered
// through SSL_CTX_add_custom_ext, in one process over memory BIOs, both
// directions, TLS 1.3 and 1.2. What is asserted is what each side's
// callbacks saw: which message context, which bytes, which certificate,
// how many times; and for refused handshakes the alert and the reason.
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <gtest/gtest.h>

#include <string>
#include <vector>

extern "C" {
#include "core/conn.h"
#include "core/extensions.h"
#include "core/handshake.h"
#include "core/tls.h"
}

#include "unit/tls13_client_harness.h"
#include "unit/tls13_server_harness.h"

namespace
{

const unsigned kType = 1000;
const unsigned kType2 = 1001;

// One callback invocation, on either side.
struct Call {
    char op; // 'a' add, 'f' free, 'p' parse
    unsigned type;
    unsigned ctx;
    std::string data;
    bool has_x;
    size_t chainidx;
};

std::vector<Call> only(const std::vector<Call> &v, char op)
{
    std::vector<Call> r;
    for (const Call &c : v)
        if (c.op == op)
            r.push_back(c);
    return r;
}

// --- the engine's side ---------------------------------------------------------
// The registrations and what each add returns; a global because the hooks
// get the harness object as their argument, and tests run one at a time.
struct CoreExts {
    std::vector<tls_custom_ext> regs;
    std::vector<std::string> data; // what add sends, per registration
    int add_rc = 1;                // 1 send, 0 skip, or a TLS_ERR
    int parse_rc = 0;              // 0, or a TLS_ERR
    std::vector<Call> calls;
    std::string buf;

    void add(unsigned type, unsigned ctx, const std::string &d, int role = TLS_CEXT_BOTH)
    {
        regs.push_back({(uint16_t)type, ctx, role});
        data.push_back(d);
    }
    void attach(tls_config &cfg);
};
CoreExts *g_core = nullptr;

int core_add(void *, tls_conn *, size_t i, unsigned ctx, X509 *x, size_t chainidx,
             const uint8_t **out, size_t *len)
{
    CoreExts *e = g_core;
    e->calls.push_back({'a', e->regs[i].type, ctx, "", x != nullptr, chainidx});
    if (e->add_rc != 1)
        return e->add_rc;
    // A fresh buffer each time: free must get exactly this pointer.
    e->buf = e->data[i] + "/" + std::to_string(ctx);
    *out = (const uint8_t *)e->buf.data();
    *len = e->buf.size();
    return 1;
}
void core_free(void *, tls_conn *, size_t i, unsigned ctx, const uint8_t *out)
{
    CoreExts *e = g_core;
    EXPECT_EQ((const uint8_t *)e->buf.data(), out);
    e->calls.push_back({'f', e->regs[i].type, ctx, "", false, 0});
}
int core_parse(void *, tls_conn *, size_t i, unsigned ctx, const uint8_t *in, size_t len, X509 *x,
               size_t chainidx)
{
    CoreExts *e = g_core;
    e->calls.push_back({'p', e->regs[i].type, ctx, std::string((const char *)in, len),
                        x != nullptr, chainidx});
    return e->parse_rc;
}

void CoreExts::attach(tls_config &cfg)
{
    g_core = this;
    cfg.custom_exts = regs.data();
    cfg.n_custom_exts = regs.size();
    cfg.ext_add = core_add;
    cfg.ext_free = core_free;
    cfg.ext_parse = core_parse;
}

// --- OpenSSL's side --------------------------------------------------------------
struct OsslExts {
    std::vector<Call> calls;
    std::string data = "ossl";
    int add_rc = 1;
    int parse_rc = 1;
    int alert = SSL_AD_HANDSHAKE_FAILURE;
    std::string buf;
};

int ossl_add(SSL *, unsigned type, unsigned ctx, const unsigned char **out, size_t *outlen,
             X509 *x, size_t chainidx, int *al, void *arg)
{
    OsslExts *e = (OsslExts *)arg;
    e->calls.push_back({'a', type, ctx, "", x != nullptr, chainidx});
    if (e->add_rc != 1) {
        *al = e->alert;
        return e->add_rc;
    }
    e->buf = e->data + "/" + std::to_string(ctx);
    *out = (const unsigned char *)e->buf.data();
    *outlen = e->buf.size();
    return 1;
}
void ossl_free(SSL *, unsigned type, unsigned ctx, const unsigned char *, void *arg)
{
    ((OsslExts *)arg)->calls.push_back({'f', type, ctx, "", false, 0});
}
int ossl_parse(SSL *, unsigned type, unsigned ctx, const unsigned char *in, size_t inlen, X509 *x,
               size_t chainidx, int *al, void *arg)
{
    OsslExts *e = (OsslExts *)arg;
    e->calls.push_back({'p', type, ctx, std::string((const char *)in, inlen), x != nullptr,
                        chainidx});
    if (e->parse_rc != 1)
        *al = e->alert;
    return e->parse_rc;
}

bool ossl_register(SSL_CTX *ctx, unsigned type, unsigned context, OsslExts *e)
{
    return SSL_CTX_add_custom_ext(ctx, type, context, ossl_add, ossl_free, e, ossl_parse, e) == 1;
}

const unsigned kCtx13 = SSL_EXT_CLIENT_HELLO | SSL_EXT_TLS1_3_ENCRYPTED_EXTENSIONS |
                        SSL_EXT_TLS1_3_CERTIFICATE | SSL_EXT_TLS1_3_ONLY;
const unsigned kCtx12 =
    SSL_EXT_CLIENT_HELLO | SSL_EXT_TLS1_2_SERVER_HELLO | SSL_EXT_TLS1_2_AND_BELOW_ONLY;

std::string tagged(const std::string &d, unsigned ctx)
{
    return d + "/" + std::to_string(ctx);
}

// ==========================================================================
// Our client, OpenSSL's server.
// ==========================================================================
using ClientPeer = tls13test::Peer;

void limit_server12(ClientPeer &p)
{
    SSL_CTX_set_min_proto_version(p.sctx, TLS1_2_VERSION);
    SSL_CTX_set_max_proto_version(p.sctx, TLS1_2_VERSION);
}

TEST(CustomExtClient, Tls13ExtensionInHelloAnsweredInEncryptedExtensionsAndCertificate)
{
    ClientPeer p;
    CoreExts ce;
    OsslExts oe;
    ce.add(kType, kCtx13, "client-data");
    ce.attach(p.cfg);
    oe.data = "server-data";
    ASSERT_TRUE(ossl_register(p.sctx, kType, kCtx13, &oe));
    ASSERT_EQ(TLS_OK, p.handshake());

    // We sent it once, in the ClientHello, and freed what we sent.
    auto adds = only(ce.calls, 'a');
    ASSERT_EQ(1u, adds.size());
    EXPECT_EQ((unsigned)SSL_EXT_CLIENT_HELLO, adds[0].ctx);
    EXPECT_EQ(1u, only(ce.calls, 'f').size());
    // OpenSSL's server parsed exactly our bytes in its ClientHello.
    auto sp = only(oe.calls, 'p');
    ASSERT_EQ(1u, sp.size());
    EXPECT_EQ((unsigned)SSL_EXT_CLIENT_HELLO, sp[0].ctx);
    EXPECT_EQ(tagged("client-data", SSL_EXT_CLIENT_HELLO), sp[0].data);
    // Its answers reached our parse callback: EncryptedExtensions (no
    // certificate) and the leaf's CertificateEntry (certificate, index 0).
    auto cp = only(ce.calls, 'p');
    ASSERT_EQ(2u, cp.size());
    EXPECT_EQ((unsigned)SSL_EXT_TLS1_3_ENCRYPTED_EXTENSIONS, cp[0].ctx);
    EXPECT_EQ(tagged("server-data", SSL_EXT_TLS1_3_ENCRYPTED_EXTENSIONS), cp[0].data);
    EXPECT_FALSE(cp[0].has_x);
    EXPECT_EQ((unsigned)SSL_EXT_TLS1_3_CERTIFICATE, cp[1].ctx);
    EXPECT_EQ(tagged("server-data", SSL_EXT_TLS1_3_CERTIFICATE), cp[1].data);
    EXPECT_TRUE(cp[1].has_x);
    EXPECT_EQ(0u, cp[1].chainidx);
    // Data still flows.
    ASSERT_EQ(TLS_OK, p.client_write("ping"));
    EXPECT_EQ("ping", p.server_read(4));
}

TEST(CustomExtClient, Tls12ExtensionAnsweredInServerHello)
{
    ClientPeer p;
    limit_server12(p);
    CoreExts ce;
    OsslExts oe;
    ce.add(kType, kCtx12, "c12");
    ce.attach(p.cfg);
    oe.data = "s12";
    ASSERT_TRUE(ossl_register(p.sctx, kType, kCtx12, &oe));
    ASSERT_EQ(TLS_OK, p.handshake());
    EXPECT_EQ(TLS_V12, tls_conn_version(p.c));
    auto sp = only(oe.calls, 'p');
    ASSERT_EQ(1u, sp.size());
    EXPECT_EQ(tagged("c12", SSL_EXT_CLIENT_HELLO), sp[0].data);
    auto cp = only(ce.calls, 'p');
    ASSERT_EQ(1u, cp.size());
    EXPECT_EQ((unsigned)SSL_EXT_TLS1_2_SERVER_HELLO, cp[0].ctx);
    EXPECT_EQ(tagged("s12", SSL_EXT_TLS1_2_SERVER_HELLO), cp[0].data);
}

TEST(CustomExtClient, Tls13OnlyExtensionLeftOutOfATls12OnlyHello)
{
    ClientPeer p;
    limit_server12(p);
    p.cfg.max_version = TLS_V12;
    CoreExts ce;
    OsslExts oe;
    ce.add(kType, kCtx13, "x");
    ce.attach(p.cfg);
    ASSERT_TRUE(ossl_register(p.sctx, kType, kCtx13, &oe));
    ASSERT_EQ(TLS_OK, p.handshake());
    EXPECT_TRUE(ce.calls.empty());
    EXPECT_TRUE(oe.calls.empty());
}

TEST(CustomExtClient, Tls12OnlyExtensionIgnoredInTls13)
{
    // Sent in the ClientHello (the version is not known yet), but a TLS 1.3
    // server does not look at it and answers nothing.
    ClientPeer p;
    CoreExts ce;
    OsslExts oe;
    ce.add(kType, kCtx12, "x");
    ce.attach(p.cfg);
    ASSERT_TRUE(ossl_register(p.sctx, kType, kCtx12, &oe));
    ASSERT_EQ(TLS_OK, p.handshake());
    EXPECT_EQ(1u, only(ce.calls, 'a').size());
    EXPECT_TRUE(only(ce.calls, 'p').empty());
    EXPECT_TRUE(oe.calls.empty());
}

TEST(CustomExtClient, NewSessionTicketsParsed)
{
    ClientPeer p;
    CoreExts ce;
    OsslExts oe;
    ce.add(kType, SSL_EXT_TLS1_3_NEW_SESSION_TICKET, "x");
    ce.attach(p.cfg);
    oe.data = "ticket-ext";
    ASSERT_TRUE(ossl_register(p.sctx, kType, SSL_EXT_TLS1_3_NEW_SESSION_TICKET, &oe));
    ASSERT_EQ(TLS_OK, p.handshake());
    p.server_to_client();
    uint8_t b[16];
    size_t n = 0;
    EXPECT_EQ(TLS_WANT_INPUT, p.run_client([&] { return tls_conn_read(p.c, b, sizeof(b), &n, 0); }));
    // OpenSSL sends two tickets; each carries the extension.
    auto cp = only(ce.calls, 'p');
    ASSERT_EQ(2u, cp.size());
    for (const Call &c : cp) {
        EXPECT_EQ((unsigned)SSL_EXT_TLS1_3_NEW_SESSION_TICKET, c.ctx);
        EXPECT_EQ(tagged("ticket-ext", SSL_EXT_TLS1_3_NEW_SESSION_TICKET), c.data);
    }
    EXPECT_EQ(2, p.tickets);
    EXPECT_TRUE(only(ce.calls, 'a').empty());
}

// OpenSSL's server asks for a client certificate with the extension in its
// CertificateRequest; we parse it there and answer in our certificate's
// entry.
TEST(CustomExtClient, CertificateRequestAnsweredInOurCertificate)
{
    ClientPeer p;
    const unsigned ctx = SSL_EXT_TLS1_3_CERTIFICATE_REQUEST | SSL_EXT_TLS1_3_CERTIFICATE;
    p.cfg.cert = tls13test::test_cert("p256");
    p.cfg.key = tls13test::test_key("p256");
    SSL_CTX_set_verify(p.sctx, SSL_VERIFY_PEER, [](int, X509_STORE_CTX *) { return 1; });
    CoreExts ce;
    OsslExts oe;
    ce.add(kType, ctx, "mine");
    ce.attach(p.cfg);
    oe.data = "theirs";
    ASSERT_TRUE(ossl_register(p.sctx, kType, ctx, &oe));
    ASSERT_EQ(TLS_OK, p.handshake());
    auto cp = only(ce.calls, 'p');
    ASSERT_EQ(1u, cp.size());
    EXPECT_EQ((unsigned)SSL_EXT_TLS1_3_CERTIFICATE_REQUEST, cp[0].ctx);
    EXPECT_EQ(tagged("theirs", SSL_EXT_TLS1_3_CERTIFICATE_REQUEST), cp[0].data);
    auto adds = only(ce.calls, 'a');
    ASSERT_EQ(1u, adds.size());
    EXPECT_EQ((unsigned)SSL_EXT_TLS1_3_CERTIFICATE, adds[0].ctx);
    EXPECT_TRUE(adds[0].has_x);
    auto sp = only(oe.calls, 'p');
    ASSERT_EQ(1u, sp.size());
    EXPECT_EQ((unsigned)SSL_EXT_TLS1_3_CERTIFICATE, sp[0].ctx);
    EXPECT_EQ(tagged("mine", SSL_EXT_TLS1_3_CERTIFICATE), sp[0].data);
    EXPECT_TRUE(sp[0].has_x);
}

TEST(CustomExtClient, AddReturningZeroSendsNothing)
{
    ClientPeer p;
    CoreExts ce;
    OsslExts oe;
    ce.add(kType, kCtx13, "x");
    ce.add_rc = 0;
    ce.attach(p.cfg);
    ASSERT_TRUE(ossl_register(p.sctx, kType, kCtx13, &oe));
    ASSERT_EQ(TLS_OK, p.handshake());
    EXPECT_EQ(1u, only(ce.calls, 'a').size());
    EXPECT_TRUE(only(ce.calls, 'f').empty());
    // Not offered, so OpenSSL's server neither parses nor answers it.
    EXPECT_TRUE(oe.calls.empty());
    EXPECT_TRUE(only(ce.calls, 'p').empty());
}

TEST(CustomExtClient, AddFailureAbortsWithItsAlert)
{
    ClientPeer p;
    CoreExts ce;
    ce.add(kType, kCtx13, "x");
    ce.add_rc = TLS_ERR(TLS_AD_INTERNAL_ERROR, TLS_R_CALLBACK_FAILED);
    ce.attach(p.cfg);
    int rc = p.handshake();
    EXPECT_EQ(TLS_ERR(TLS_AD_INTERNAL_ERROR, TLS_R_CALLBACK_FAILED), rc);
}

TEST(CustomExtClient, ParseFailureSendsTheCallbacksAlert)
{
    ClientPeer p;
    CoreExts ce;
    OsslExts oe;
    ce.add(kType, kCtx13, "x");
    ce.parse_rc = TLS_ERR(TLS_AD_ILLEGAL_PARAMETER, TLS_R_BAD_EXTENSION);
    ce.attach(p.cfg);
    ASSERT_TRUE(ossl_register(p.sctx, kType, kCtx13, &oe));
    int rc = p.handshake();
    EXPECT_EQ(TLS_ERR(TLS_AD_ILLEGAL_PARAMETER, TLS_R_BAD_EXTENSION), rc);
    // The server receives our (encrypted) alert and fails with it.
    int s = SSL_do_handshake(p.s);
    EXPECT_LE(s, 0);
    unsigned long e = ERR_peek_last_error();
    EXPECT_EQ(SSL_AD_REASON_OFFSET + SSL_AD_ILLEGAL_PARAMETER, ERR_GET_REASON(e));
    ERR_clear_error();
    tls13test::expect_sticky(p, rc);
}

// The TLS 1.2 ServerHello is plaintext: a hostile server can add to it.
std::string add_sh12_ext(const std::string &flight, const std::string &extra)
{
    using namespace tls13test;
    std::vector<Rec> recs = split(flight);
    size_t ri, off;
    if (!find_msg(recs, TLS_HS_SERVER_HELLO, &ri, &off))
        return flight;
    std::string &b = recs[ri].body;
    size_t len = (uint8_t)b[off + 1] << 16 | (uint8_t)b[off + 2] << 8 | (uint8_t)b[off + 3];
    std::string body = b.substr(off + 4, len);
    // version(2) random(32) sid(1+n) suite(2) comp(1) exts(2+m)
    size_t p = 2 + 32;
    p += 1 + (uint8_t)body[p];
    p += 3;
    std::string exts = p < body.size() ? body.substr(p + 2) : "";
    exts = extra + exts;
    body = body.substr(0, p) + u16(exts.size()) + exts;
    b = b.substr(0, off) + hs(TLS_HS_SERVER_HELLO, body) + b.substr(off + 4 + len);
    std::string out;
    for (const Rec &r : recs)
        out += record(r.type, r.body);
    return out;
}

TEST(CustomExtClientHostile, UnsolicitedInTls12ServerHello)
{
    using namespace tls13test;
    ClientPeer p;
    limit_server12(p);
    CoreExts ce;
    ce.add(kType, kCtx12, "x");
    ce.add_rc = 0; // registered, but not sent
    ce.attach(p.cfg);
    p.tamper = [](std::string &f) { f = add_sh12_ext(f, ext(kType, "evil")); };
    size_t mark = 0;
    int rc = p.handshake();
    EXPECT_EQ(TLS_ERR(TLS_AD_UNSUPPORTED_EXTENSION, TLS_R_BAD_EXTENSION), rc);
    EXPECT_EQ(TLS_AD_UNSUPPORTED_EXTENSION, sent_alert(p, mark, ""));
    EXPECT_TRUE(only(ce.calls, 'p').empty());
}

TEST(CustomExtClientHostile, DuplicateInTls12ServerHello)
{
    using namespace tls13test;
    ClientPeer p;
    limit_server12(p);
    CoreExts ce;
    OsslExts oe;
    ce.add(kType, kCtx12, "x");
    ce.attach(p.cfg);
    ASSERT_TRUE(ossl_register(p.sctx, kType, kCtx12, &oe));
    p.tamper = [](std::string &f) { f = add_sh12_ext(f, ext(kType, "dup")); };
    int rc = p.handshake();
    EXPECT_EQ(TLS_ERR(TLS_AD_ILLEGAL_PARAMETER, TLS_R_BAD_EXTENSION), rc);
    EXPECT_EQ(TLS_AD_ILLEGAL_PARAMETER, sent_alert(p, 0, ""));
    EXPECT_TRUE(only(ce.calls, 'p').empty());
}

TEST(CustomExtClientHostile, RegisteredTypeOutsideItsContext)
{
    // Registered for ClientHello / EncryptedExtensions only: in a TLS 1.2
    // ServerHello it is illegal_parameter (OpenSSL's rule), not ignored.
    using namespace tls13test;
    ClientPeer p;
    limit_server12(p);
    CoreExts ce;
    ce.add(kType, SSL_EXT_CLIENT_HELLO | SSL_EXT_TLS1_3_ENCRYPTED_EXTENSIONS, "x");
    ce.attach(p.cfg);
    p.tamper = [](std::string &f) { f = add_sh12_ext(f, ext(kType, "")); };
    int rc = p.handshake();
    EXPECT_EQ(TLS_ERR(TLS_AD_ILLEGAL_PARAMETER, TLS_R_BAD_EXTENSION), rc) << TLS_ERR_REASON(rc);
}

TEST(CustomExtClientHostile, UnknownUnregisteredExtensionStillRefused)
{
    // Nothing registered: a TLS 1.2 ServerHello extension we did not send
    // is refused as before (no change without registrations).
    using namespace tls13test;
    ClientPeer p;
    limit_server12(p);
    p.tamper = [](std::string &f) { f = add_sh12_ext(f, ext(kType, "")); };
    int rc = p.handshake();
    EXPECT_EQ(TLS_ERR(TLS_AD_UNSUPPORTED_EXTENSION, TLS_R_UNSOLICITED_EXTENSION), rc);
}

// ==========================================================================
// Our server, OpenSSL's client.
// ==========================================================================
// Our server and OpenSSL's client (no settings); our alerts reach the client.
struct ServerPeer : shimtest::CoreServerPair {
    ServerPeer() : CoreServerPair("server-ec") { client_sees_alert = true; }
};

TEST(CustomExtServer, Tls13AnswersInEncryptedExtensionsAndCertificate)
{
    ServerPeer p;
    CoreExts ce;
    OsslExts oe;
    ce.add(kType, kCtx13, "srv");
    ce.attach(p.cfg);
    oe.data = "cli";
    ASSERT_TRUE(ossl_register(p.cctx, kType, kCtx13, &oe));
    ASSERT_EQ(TLS_OK, p.handshake());
    ASSERT_EQ(1, p.ssl_hs);
    // We parsed the client's ClientHello extension, once.
    auto sp = only(ce.calls, 'p');
    ASSERT_EQ(1u, sp.size());
    EXPECT_EQ((unsigned)SSL_EXT_CLIENT_HELLO, sp[0].ctx);
    EXPECT_EQ(tagged("cli", SSL_EXT_CLIENT_HELLO), sp[0].data);
    // We answered in EncryptedExtensions and in the leaf's entry (our
    // certificate and its index given to add).
    auto adds = only(ce.calls, 'a');
    ASSERT_EQ(2u, adds.size());
    EXPECT_EQ((unsigned)SSL_EXT_TLS1_3_ENCRYPTED_EXTENSIONS, adds[0].ctx);
    EXPECT_FALSE(adds[0].has_x);
    EXPECT_EQ((unsigned)SSL_EXT_TLS1_3_CERTIFICATE, adds[1].ctx);
    EXPECT_TRUE(adds[1].has_x);
    EXPECT_EQ(0u, adds[1].chainidx);
    EXPECT_EQ(2u, only(ce.calls, 'f').size());
    // OpenSSL's client got both.
    auto cp = only(oe.calls, 'p');
    ASSERT_EQ(2u, cp.size());
    EXPECT_EQ((unsigned)SSL_EXT_TLS1_3_ENCRYPTED_EXTENSIONS, cp[0].ctx);
    EXPECT_EQ(tagged("srv", SSL_EXT_TLS1_3_ENCRYPTED_EXTENSIONS), cp[0].data);
    EXPECT_EQ((unsigned)SSL_EXT_TLS1_3_CERTIFICATE, cp[1].ctx);
    EXPECT_EQ(tagged("srv", SSL_EXT_TLS1_3_CERTIFICATE), cp[1].data);
    EXPECT_TRUE(cp[1].has_x);
}

TEST(CustomExtServer, Tls12AnswersInServerHello)
{
    ServerPeer p;
    SSL_CTX_set_max_proto_version(p.cctx, TLS1_2_VERSION);
    CoreExts ce;
    OsslExts oe;
    ce.add(kType, kCtx12, "srv12");
    ce.attach(p.cfg);
    oe.data = "cli12";
    ASSERT_TRUE(ossl_register(p.cctx, kType, kCtx12, &oe));
    ASSERT_EQ(TLS_OK, p.handshake());
    EXPECT_EQ(TLS_V12, tls_conn_version(p.c));
    auto sp = only(ce.calls, 'p');
    ASSERT_EQ(1u, sp.size());
    EXPECT_EQ(tagged("cli12", SSL_EXT_CLIENT_HELLO), sp[0].data);
    auto cp = only(oe.calls, 'p');
    ASSERT_EQ(1u, cp.size());
    EXPECT_EQ((unsigned)SSL_EXT_TLS1_2_SERVER_HELLO, cp[0].ctx);
    EXPECT_EQ(tagged("srv12", SSL_EXT_TLS1_2_SERVER_HELLO), cp[0].data);
}

TEST(CustomExtServer, NothingAnsweredWhenTheClientDidNotAsk)
{
    ServerPeer p;
    CoreExts ce;
    ce.add(kType, kCtx13, "srv");
    ce.add(kType2, kCtx12, "srv");
    ce.attach(p.cfg);
    ASSERT_EQ(TLS_OK, p.handshake());
    EXPECT_TRUE(ce.calls.empty());
}

TEST(CustomExtServer, ParseFailureSendsTheCallbacksAlert)
{
    ServerPeer p;
    CoreExts ce;
    OsslExts oe;
    ce.add(kType, kCtx13, "srv");
    ce.parse_rc = TLS_ERR(TLS_AD_DECODE_ERROR, TLS_R_BAD_EXTENSION);
    ce.attach(p.cfg);
    ASSERT_TRUE(ossl_register(p.cctx, kType, kCtx13, &oe));
    int rc = p.handshake();
    EXPECT_EQ(TLS_ERR(TLS_AD_DECODE_ERROR, TLS_R_BAD_EXTENSION), rc);
    EXPECT_NE(1, p.ssl_hs);
    unsigned long e = ERR_peek_last_error();
    EXPECT_EQ(SSL_AD_REASON_OFFSET + SSL_AD_DECODE_ERROR, ERR_GET_REASON(e));
    ERR_clear_error();
    EXPECT_TRUE(only(ce.calls, 'a').empty());
}

TEST(CustomExtServer, AddFailureInEncryptedExtensions)
{
    ServerPeer p;
    CoreExts ce;
    OsslExts oe;
    ce.add(kType, kCtx13, "srv");
    ce.add_rc = TLS_ERR(TLS_AD_ACCESS_DENIED, TLS_R_CALLBACK_FAILED);
    ce.attach(p.cfg);
    ASSERT_TRUE(ossl_register(p.cctx, kType, kCtx13, &oe));
    int rc = p.handshake();
    EXPECT_EQ(TLS_ERR(TLS_AD_ACCESS_DENIED, TLS_R_CALLBACK_FAILED), rc);
    unsigned long e = ERR_peek_last_error();
    EXPECT_EQ(SSL_AD_REASON_OFFSET + SSL_AD_ACCESS_DENIED, ERR_GET_REASON(e));
    ERR_clear_error();
}

TEST(CustomExtServer, AfterHelloRetryRequestTheSecondHelloIsParsedAgain)
{
    ServerPeer p;
    static const uint16_t groups[] = {0x0017}; // P-256 only: X25519 share gets an HRR
    p.cfg.groups = groups;
    p.cfg.n_groups = 1;
    CoreExts ce;
    OsslExts oe;
    ce.add(kType, kCtx13 | SSL_EXT_TLS1_3_HELLO_RETRY_REQUEST, "srv");
    ce.attach(p.cfg);
    ASSERT_TRUE(ossl_register(p.cctx, kType, kCtx13 | SSL_EXT_TLS1_3_HELLO_RETRY_REQUEST, &oe));
    ASSERT_EQ(1, SSL_CTX_set1_groups_list(p.cctx, "X25519:P-256"));
    ASSERT_EQ(TLS_OK, p.handshake());
    EXPECT_TRUE(tls_conn_did_hrr(p.c));
    auto sp = only(ce.calls, 'p');
    ASSERT_EQ(2u, sp.size());
    EXPECT_EQ((unsigned)SSL_EXT_CLIENT_HELLO, sp[1].ctx);
    auto adds = only(ce.calls, 'a');
    ASSERT_EQ(3u, adds.size());
    EXPECT_EQ((unsigned)SSL_EXT_TLS1_3_HELLO_RETRY_REQUEST, adds[0].ctx);
    // OpenSSL's client saw it in the HRR as well.
    auto cp = only(oe.calls, 'p');
    ASSERT_EQ(3u, cp.size());
    EXPECT_EQ((unsigned)SSL_EXT_TLS1_3_HELLO_RETRY_REQUEST, cp[0].ctx);
}

// With an OCSP staple in the same leaf entry: both reach OpenSSL's client.
TEST(CustomExtServer, CertificateEntryWithStapleAndCustomExtension)
{
    ServerPeer p;
    p.cfg.ocsp_status = [](void *, tls_conn *c) {
        static const uint8_t resp[] = {0x30, 0x03, 0x0a, 0x01, 0x00};
        return tls_conn_set_ocsp_response(c, resp, sizeof(resp));
    };
    CoreExts ce;
    OsslExts oe;
    ce.add(kType, kCtx13, "srv");
    ce.attach(p.cfg);
    ASSERT_TRUE(ossl_register(p.cctx, kType, kCtx13, &oe));
    static long staple_len;
    staple_len = -1;
    SSL_CTX_set_tlsext_status_type(p.cctx, TLSEXT_STATUSTYPE_ocsp);
    int (*status_cb)(SSL *, void *) = [](SSL *s, void *) {
        const unsigned char *r = nullptr;
        staple_len = SSL_get_tlsext_status_ocsp_resp(s, &r);
        return 1;
    };
    SSL_CTX_set_tlsext_status_cb(p.cctx, status_cb);
    ASSERT_EQ(TLS_OK, p.handshake());
    EXPECT_EQ(5, staple_len);
    auto cp = only(oe.calls, 'p');
    ASSERT_EQ(2u, cp.size());
    EXPECT_EQ((unsigned)SSL_EXT_TLS1_3_CERTIFICATE, cp[1].ctx);
    EXPECT_EQ(tagged("srv", SSL_EXT_TLS1_3_CERTIFICATE), cp[1].data);
}

const unsigned kCtxAuth = SSL_EXT_TLS1_3_CERTIFICATE_REQUEST | SSL_EXT_TLS1_3_CERTIFICATE;

// Our CertificateRequest carries the extension; OpenSSL's client, having
// received it, answers in its own certificate's entry, which we parse with
// that certificate.
TEST(CustomExtServer, CertificateRequestAndTheClientsCertificate)
{
    ServerPeer p;
    p.cfg.flags |= TLS_CFG_REQUEST_CERT;
    CoreExts ce;
    OsslExts oe;
    ce.add(kType, kCtxAuth, "cr");
    ce.attach(p.cfg);
    oe.data = "client-cert";
    ASSERT_TRUE(ossl_register(p.cctx, kType, kCtxAuth, &oe));
    ASSERT_EQ(1, SSL_CTX_use_certificate_file(p.cctx, tls13srv::cert_path("client.pem").c_str(),
                                              SSL_FILETYPE_PEM));
    ASSERT_EQ(1, SSL_CTX_use_PrivateKey_file(p.cctx, tls13srv::cert_path("client.key").c_str(),
                                             SSL_FILETYPE_PEM));
    ASSERT_EQ(TLS_OK, p.handshake());
    ASSERT_NE(nullptr, tls_conn_peer_chain(p.c));
    // Ours: added to the CertificateRequest (not to our own Certificate:
    // the client's ClientHello did not carry it), then parsed the client's.
    auto adds = only(ce.calls, 'a');
    ASSERT_EQ(1u, adds.size());
    EXPECT_EQ((unsigned)SSL_EXT_TLS1_3_CERTIFICATE_REQUEST, adds[0].ctx);
    auto sp = only(ce.calls, 'p');
    ASSERT_EQ(1u, sp.size());
    EXPECT_EQ((unsigned)SSL_EXT_TLS1_3_CERTIFICATE, sp[0].ctx);
    EXPECT_EQ(tagged("client-cert", SSL_EXT_TLS1_3_CERTIFICATE), sp[0].data);
    EXPECT_TRUE(sp[0].has_x);
    EXPECT_EQ(0u, sp[0].chainidx);
    // OpenSSL's client: parsed our request, added to its certificate.
    auto cp = only(oe.calls, 'p');
    ASSERT_EQ(1u, cp.size());
    EXPECT_EQ((unsigned)SSL_EXT_TLS1_3_CERTIFICATE_REQUEST, cp[0].ctx);
    EXPECT_EQ(tagged("cr", SSL_EXT_TLS1_3_CERTIFICATE_REQUEST), cp[0].data);
    auto ca = only(oe.calls, 'a');
    ASSERT_EQ(1u, ca.size());
    EXPECT_EQ((unsigned)SSL_EXT_TLS1_3_CERTIFICATE, ca[0].ctx);
    EXPECT_TRUE(ca[0].has_x);
}

TEST(CustomExtServer, NewSessionTicketCarriesIt)
{
    ServerPeer p;
    p.cfg.num_tickets = 1;
    p.cfg.ticket_seal = [](void *, tls_conn *, const tls_session_state *, uint8_t *out, size_t,
                           size_t *len) {
        memcpy(out, "opaque-ticket", 13);
        *len = 13;
        return 0;
    };
    CoreExts ce;
    OsslExts oe;
    ce.add(kType, SSL_EXT_TLS1_3_NEW_SESSION_TICKET, "nst");
    ce.attach(p.cfg);
    ASSERT_TRUE(ossl_register(p.cctx, kType, SSL_EXT_TLS1_3_NEW_SESSION_TICKET, &oe));
    ASSERT_EQ(TLS_OK, p.handshake());
    p.server_to_client();
    char b[16];
    EXPECT_LE(SSL_read(p.s, b, sizeof(b)), 0);
    auto cp = only(oe.calls, 'p');
    ASSERT_EQ(1u, cp.size());
    EXPECT_EQ((unsigned)SSL_EXT_TLS1_3_NEW_SESSION_TICKET, cp[0].ctx);
    EXPECT_EQ(tagged("nst", SSL_EXT_TLS1_3_NEW_SESSION_TICKET), cp[0].data);
    EXPECT_EQ(1u, only(ce.calls, 'a').size());
}

TEST(CustomExtServerHostile, ClientsCertificateEntryOutsideTheContext)
{
    // Registered by us for the CertificateRequest only: OpenSSL's client,
    // having received it there, answers in its certificate's entry, where
    // our registration does not allow it (illegal_parameter).
    ServerPeer p;
    p.cfg.flags |= TLS_CFG_REQUEST_CERT;
    CoreExts ce;
    OsslExts oe;
    ce.add(kType, kCtxAuth, "cr");
    ce.attach(p.cfg);
    ce.add(kType2, SSL_EXT_TLS1_3_CERTIFICATE_REQUEST, "cr2");
    ce.attach(p.cfg);
    ASSERT_TRUE(ossl_register(p.cctx, kType, kCtxAuth, &oe));
    ASSERT_TRUE(ossl_register(p.cctx, kType2, kCtxAuth, &oe));
    ASSERT_EQ(1, SSL_CTX_use_certificate_file(p.cctx, tls13srv::cert_path("client.pem").c_str(),
                                              SSL_FILETYPE_PEM));
    ASSERT_EQ(1, SSL_CTX_use_PrivateKey_file(p.cctx, tls13srv::cert_path("client.key").c_str(),
                                             SSL_FILETYPE_PEM));
    int rc = p.handshake();
    EXPECT_EQ(TLS_ERR(TLS_AD_ILLEGAL_PARAMETER, TLS_R_BAD_EXTENSION), rc);
    EXPECT_TRUE(only(ce.calls, 'p').empty());
}

// --- hostile ClientHellos to our server ---------------------------------------
std::string hello_with(const std::vector<std::pair<unsigned, std::string>> &extra)
{
    using namespace tls13srv;
    EVP_PKEY *k = EVP_PKEY_Q_keygen(nullptr, nullptr, "X25519");
    uint8_t pub[32];
    size_t pl = sizeof(pub);
    EVP_PKEY_get_raw_public_key(k, pub, &pl);
    EVP_PKEY_free(k);
    std::string share = u16(0x001d) + u16(32) + std::string((const char *)pub, 32);
    std::string e = ext(TLS_EXT_SUPPORTED_VERSIONS, u8(2) + u16(0x0304)) +
                    ext(TLS_EXT_SUPPORTED_GROUPS, u16(2) + u16(0x001d)) +
                    ext(TLS_EXT_KEY_SHARE, u16(share.size()) + share) +
                    ext(TLS_EXT_SIGNATURE_ALGORITHMS, u16(2) + u16(0x0403));
    for (auto &x : extra)
        e += ext(x.first, x.second);
    std::string body = u16(0x0303) + std::string(32, 'r') + u8(0) + u16(2) + u16(0x1301) + u8(1) +
                       u8(0) + u16(e.size()) + e;
    return record(TLS_CT_HANDSHAKE, hs(TLS_HS_CLIENT_HELLO, body), 0x0301);
}

int feed(tls13srv::Server &s, const std::string &bytes)
{
    s.to_server += bytes;
    int rc = s.handshake_step();
    s.drain();
    return rc;
}

int last_plain_alert(const tls13srv::Server &s)
{
    auto recs = tls13srv::split(s.wire_out);
    if (recs.empty() || recs.back().type != TLS_CT_ALERT || recs.back().body.size() != 2)
        return -1;
    return (uint8_t)recs.back().body[1];
}

TEST(CustomExtServerHostile, DuplicateRegisteredExtension)
{
    tls13srv::Server s;
    CoreExts ce;
    ce.add(kType, kCtx13, "x");
    ce.attach(s.cfg);
    int rc = feed(s, hello_with({{kType, "a"}, {kType, "b"}}));
    EXPECT_EQ(TLS_ERR(TLS_AD_ILLEGAL_PARAMETER, TLS_R_BAD_EXTENSION), rc);
    EXPECT_EQ(TLS_AD_ILLEGAL_PARAMETER, last_plain_alert(s));
    EXPECT_TRUE(ce.calls.empty());
}

TEST(CustomExtServerHostile, RegisteredExtensionNotAllowedInClientHello)
{
    tls13srv::Server s;
    CoreExts ce;
    ce.add(kType, SSL_EXT_TLS1_3_CERTIFICATE, "x");
    ce.attach(s.cfg);
    int rc = feed(s, hello_with({{kType, "a"}}));
    EXPECT_EQ(TLS_ERR(TLS_AD_ILLEGAL_PARAMETER, TLS_R_BAD_EXTENSION), rc);
    EXPECT_EQ(TLS_AD_ILLEGAL_PARAMETER, last_plain_alert(s));
}

TEST(CustomExtServerHostile, ParseFailureAlertBeforeServerHello)
{
    tls13srv::Server s;
    CoreExts ce;
    ce.add(kType, kCtx13, "x");
    ce.parse_rc = TLS_ERR(TLS_AD_UNRECOGNIZED_NAME, TLS_R_BAD_EXTENSION);
    ce.attach(s.cfg);
    int rc = feed(s, hello_with({{kType, std::string(300, 'z')}}));
    EXPECT_EQ(TLS_ERR(TLS_AD_UNRECOGNIZED_NAME, TLS_R_BAD_EXTENSION), rc);
    EXPECT_EQ(TLS_AD_UNRECOGNIZED_NAME, last_plain_alert(s));
    auto sp = only(ce.calls, 'p');
    ASSERT_EQ(1u, sp.size());
    EXPECT_EQ(std::string(300, 'z'), sp[0].data);
}

TEST(CustomExtServerHostile, ClientOnlyRegistrationIgnoresTheHello)
{
    // A client-side registration is not looked up in a ClientHello: the
    // type is an unknown extension there, and unknown ones are ignored.
    tls13srv::Server s;
    CoreExts ce;
    ce.add(kType, kCtx12, "x", TLS_CEXT_CLIENT);
    ce.attach(s.cfg);
    int rc = feed(s, hello_with({{kType, "a"}, {kType2, "b"}}));
    EXPECT_EQ(TLS_WANT_INPUT, rc);
    EXPECT_EQ(0, tls_conn_error(s.c));
    EXPECT_TRUE(ce.calls.empty());
}

} // namespace
