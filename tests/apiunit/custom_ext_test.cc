// Custom extensions and serverinfo through the libssl API, ShimSSL on both
// ends (SSL_CTX_add_custom_ext(3), SSL_extension_supported(3),
// SSL_CTX_use_serverinfo(3)): which registrations are accepted (OpenSSL
// 3.0's answers), what the callbacks get (the SSL, the type, the context,
// the certificate, the bytes), how often, and what a failing callback does
// to the handshake. Also the small functions that came with them:
// OSSL_default_cipher_list / OSSL_default_ciphersuites and
// SSL_add_dir_cert_subjects_to_stack.
#include <gtest/gtest.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "apiunit/divergence.h"
#include "testlib/ssl_pair.h"
#include "testlib/testlib.h"

namespace
{

struct Call {
    char op;
    SSL *s;
    unsigned type;
    unsigned ctx;
    std::string data;
    X509 *x;
    size_t chainidx;
};

struct Side {
    std::vector<Call> calls;
    std::string data = "data";
    int add_rc = 1;
    int parse_rc = 1;
    int alert = SSL_AD_HANDSHAKE_FAILURE;
    std::string buf;

    std::vector<Call> only(char op) const
    {
        std::vector<Call> r;
        for (const Call &c : calls)
            if (c.op == op)
                r.push_back(c);
        return r;
    }
};

int add_cb(SSL *s, unsigned type, unsigned ctx, const unsigned char **out, size_t *outlen, X509 *x,
           size_t chainidx, int *al, void *arg)
{
    Side *e = (Side *)arg;
    e->calls.push_back({'a', s, type, ctx, "", x, chainidx});
    if (e->add_rc != 1) {
        *al = e->alert;
        return e->add_rc;
    }
    e->buf = e->data + "@" + std::to_string(ctx);
    *out = (const unsigned char *)e->buf.data();
    *outlen = e->buf.size();
    return 1;
}
void free_cb(SSL *s, unsigned type, unsigned ctx, const unsigned char *out, void *arg)
{
    Side *e = (Side *)arg;
    EXPECT_EQ((const unsigned char *)e->buf.data(), out);
    e->calls.push_back({'f', s, type, ctx, "", nullptr, 0});
}
int parse_cb(SSL *s, unsigned type, unsigned ctx, const unsigned char *in, size_t inlen, X509 *x,
             size_t chainidx, int *al, void *arg)
{
    Side *e = (Side *)arg;
    e->calls.push_back({'p', s, type, ctx, std::string((const char *)in, inlen), x, chainidx});
    if (e->parse_rc != 1)
        *al = e->alert;
    return e->parse_rc;
}

// The older API: no context, no certificate.
int old_add(SSL *s, unsigned type, const unsigned char **out, size_t *outlen, int *al, void *arg)
{
    return add_cb(s, type, 0, out, outlen, nullptr, 0, al, arg);
}
void old_free(SSL *s, unsigned type, const unsigned char *out, void *arg)
{
    free_cb(s, type, 0, out, arg);
}
int old_parse(SSL *s, unsigned type, const unsigned char *in, size_t inlen, int *al, void *arg)
{
    return parse_cb(s, type, 0, in, inlen, nullptr, 0, al, arg);
}

const unsigned kCtx13 = SSL_EXT_CLIENT_HELLO | SSL_EXT_TLS1_3_ENCRYPTED_EXTENSIONS |
                        SSL_EXT_TLS1_3_CERTIFICATE | SSL_EXT_TLS1_3_ONLY;

std::string tag(const std::string &d, unsigned ctx)
{
    return d + "@" + std::to_string(ctx);
}

int reason_of(unsigned long e)
{
    return e != 0 && ERR_GET_LIB(e) == ERR_LIB_SSL ? ERR_GET_REASON(e) : 0;
}

std::vector<int> all_reasons()
{
    std::vector<int> r;
    unsigned long e;
    while ((e = ERR_get_error()) != 0)
        r.push_back(reason_of(e));
    return r;
}

class CustomExt : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        alarm(60);
        ERR_clear_error();
        sctx = SSL_CTX_new(TLS_server_method());
        cctx = SSL_CTX_new(TLS_client_method());
        ASSERT_EQ(1, SSL_CTX_use_certificate_chain_file(sctx, shimtest::cert("server.pem").c_str()));
        ASSERT_EQ(1, SSL_CTX_use_PrivateKey_file(sctx, shimtest::cert("server.key").c_str(),
                                                 SSL_FILETYPE_PEM));
    }
    void TearDown() override
    {
        SSL_free(c);
        SSL_free(s);
        SSL_CTX_free(sctx);
        SSL_CTX_free(cctx);
        ERR_clear_error();
    }
    // 1 when both sides completed, 0 when either failed (rc/rs kept).
    int handshake()
    {
        c = SSL_new(cctx);
        s = SSL_new(sctx);
        if (!shimtest::connect_pair(c, s))
            return 0;
        rc = rs = 0;
        // SSL_get_error looks at the (shared) error queue first: each side's
        // state is taken right after its own call.
        for (int i = 0; i < 100 && (rc != 1 || rs != 1); i++) {
            if (rc != 1) {
                rc = SSL_do_handshake(c);
                if (rc <= 0 && SSL_get_error(c, rc) != SSL_ERROR_WANT_READ) {
                    c_reasons = all_reasons();
                    if (rs != 1)
                        rs = SSL_do_handshake(s); // reads our alert
                    s_reasons = all_reasons();
                    return 0;
                }
            }
            if (rs != 1) {
                rs = SSL_do_handshake(s);
                if (rs <= 0 && SSL_get_error(s, rs) != SSL_ERROR_WANT_READ) {
                    s_reasons = all_reasons();
                    if (rc != 1)
                        rc = SSL_do_handshake(c);
                    c_reasons = all_reasons();
                    return 0;
                }
            }
        }
        return rc == 1 && rs == 1;
    }
    SSL_CTX *sctx = nullptr, *cctx = nullptr;
    SSL *c = nullptr, *s = nullptr;
    int rc = 0, rs = 0;
    Side cs, ss;
    // The ERR reasons each side left when the handshake failed (the next
    // handshake call on either side clears the queue, as OpenSSL's does).
    std::vector<int> c_reasons, s_reasons;
    static bool has(const std::vector<int> &v, int r)
    {
        return std::find(v.begin(), v.end(), r) != v.end();
    }
};

// --- registration ---------------------------------------------------------------

TEST(CustomExtApi, SupportedTypesAreOpenSSLs)
{
    const unsigned builtin[] = {0,  1,  5,  10, 11, 12, 13, 14, 16, 18,    21,   22,
                                23, 35, 41, 42, 43, 44, 45, 47, 49, 51, 13172, 65281};
    std::vector<unsigned> got;
    for (unsigned t = 0; t < 70000; t++)
        if (SSL_extension_supported(t))
            got.push_back(t);
    EXPECT_EQ(std::vector<unsigned>(std::begin(builtin), std::end(builtin)), got);
}

TEST(CustomExtApi, RegistrationRules)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_method());
    ASSERT_NE(nullptr, ctx);
    // New API: one per type, whatever the side.
    EXPECT_EQ(1, SSL_CTX_add_custom_ext(ctx, 1000, SSL_EXT_CLIENT_HELLO, nullptr, nullptr, nullptr,
                                        nullptr, nullptr));
    EXPECT_EQ(0, SSL_CTX_add_client_custom_ext(ctx, 1000, nullptr, nullptr, nullptr, nullptr,
                                               nullptr));
    EXPECT_EQ(0, SSL_CTX_add_custom_ext(ctx, 1000, SSL_EXT_CLIENT_HELLO, nullptr, nullptr, nullptr,
                                        nullptr, nullptr));
    // Old API: client and server registrations of a type are separate.
    EXPECT_EQ(1, SSL_CTX_add_client_custom_ext(ctx, 1001, nullptr, nullptr, nullptr, nullptr,
                                               nullptr));
    EXPECT_EQ(1, SSL_CTX_add_server_custom_ext(ctx, 1001, nullptr, nullptr, nullptr, nullptr,
                                               nullptr));
    EXPECT_EQ(0, SSL_CTX_add_client_custom_ext(ctx, 1001, nullptr, nullptr, nullptr, nullptr,
                                               nullptr));
    EXPECT_EQ(0, SSL_CTX_add_custom_ext(ctx, 1001, SSL_EXT_CLIENT_HELLO, nullptr, nullptr, nullptr,
                                        nullptr, nullptr));
    // Built-in types are refused (SCT excepted), unknown-to-OpenSSL ones
    // are not, and a type is 16 bits.
    EXPECT_EQ(0, SSL_CTX_add_custom_ext(ctx, 23, SSL_EXT_CLIENT_HELLO, nullptr, nullptr, nullptr,
                                        nullptr, nullptr));
    EXPECT_EQ(1, SSL_CTX_add_custom_ext(ctx, 18, SSL_EXT_CLIENT_HELLO, nullptr, nullptr, nullptr,
                                        nullptr, nullptr));
    EXPECT_EQ(1, SSL_CTX_add_custom_ext(ctx, 28, SSL_EXT_CLIENT_HELLO, nullptr, nullptr, nullptr,
                                        nullptr, nullptr));
    EXPECT_EQ(0, SSL_CTX_add_custom_ext(ctx, 0x10000, SSL_EXT_CLIENT_HELLO, nullptr, nullptr,
                                        nullptr, nullptr, nullptr));
    // A free callback needs an add callback.
    EXPECT_EQ(0, SSL_CTX_add_custom_ext(ctx, 2000, SSL_EXT_CLIENT_HELLO, nullptr, free_cb, nullptr,
                                        nullptr, nullptr));
    EXPECT_EQ(1, SSL_CTX_has_client_custom_ext(ctx, 1000));
    EXPECT_EQ(1, SSL_CTX_has_client_custom_ext(ctx, 1001));
    EXPECT_EQ(0, SSL_CTX_has_client_custom_ext(ctx, 2000));
    SSL_CTX_free(ctx);
}

TEST(CustomExtApi, DefaultCipherStrings)
{
    EXPECT_STREQ("ALL:!COMPLEMENTOFDEFAULT:!eNULL", OSSL_default_cipher_list());
    EXPECT_STREQ("TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256",
                 OSSL_default_ciphersuites());
    // Usable as the strings they are documented to be.
    SSL_CTX *ctx = SSL_CTX_new(TLS_method());
    EXPECT_EQ(1, SSL_CTX_set_cipher_list(ctx, OSSL_default_cipher_list()));
    EXPECT_EQ(1, SSL_CTX_set_ciphersuites(ctx, OSSL_default_ciphersuites()));
    SSL_CTX_free(ctx);
}

// --- handshakes -------------------------------------------------------------------

TEST_F(CustomExt, Tls13BothSides)
{
    ss.data = "from-server";
    cs.data = "from-client";
    ASSERT_EQ(1, SSL_CTX_add_custom_ext(cctx, 1000, kCtx13, add_cb, free_cb, &cs, parse_cb, &cs));
    ASSERT_EQ(1, SSL_CTX_add_custom_ext(sctx, 1000, kCtx13, add_cb, free_cb, &ss, parse_cb, &ss));
    ASSERT_EQ(1, handshake());
    EXPECT_EQ(TLS1_3_VERSION, SSL_version(c));

    // Client: added once to its ClientHello, freed once.
    auto ca = cs.only('a');
    ASSERT_EQ(1u, ca.size());
    EXPECT_EQ(c, ca[0].s);
    EXPECT_EQ(1000u, ca[0].type);
    EXPECT_EQ((unsigned)SSL_EXT_CLIENT_HELLO, ca[0].ctx);
    EXPECT_EQ(nullptr, ca[0].x);
    EXPECT_EQ(1u, cs.only('f').size());
    // Server: parsed it, then answered in EncryptedExtensions and in its
    // leaf certificate's entry.
    auto sp = ss.only('p');
    ASSERT_EQ(1u, sp.size());
    EXPECT_EQ(s, sp[0].s);
    EXPECT_EQ(tag("from-client", SSL_EXT_CLIENT_HELLO), sp[0].data);
    auto sa = ss.only('a');
    ASSERT_EQ(2u, sa.size());
    EXPECT_EQ((unsigned)SSL_EXT_TLS1_3_ENCRYPTED_EXTENSIONS, sa[0].ctx);
    EXPECT_EQ((unsigned)SSL_EXT_TLS1_3_CERTIFICATE, sa[1].ctx);
    EXPECT_EQ(SSL_get_certificate(s), sa[1].x);
    EXPECT_EQ(0u, sa[1].chainidx);
    EXPECT_EQ(2u, ss.only('f').size());
    // Client parsed both, the certificate entry with the server's leaf.
    auto cp = cs.only('p');
    ASSERT_EQ(2u, cp.size());
    EXPECT_EQ(c, cp[0].s);
    EXPECT_EQ((unsigned)SSL_EXT_TLS1_3_ENCRYPTED_EXTENSIONS, cp[0].ctx);
    EXPECT_EQ(tag("from-server", SSL_EXT_TLS1_3_ENCRYPTED_EXTENSIONS), cp[0].data);
    EXPECT_EQ(nullptr, cp[0].x);
    EXPECT_EQ((unsigned)SSL_EXT_TLS1_3_CERTIFICATE, cp[1].ctx);
    ASSERT_NE(nullptr, cp[1].x);
    X509 *peer = SSL_get1_peer_certificate(c);
    EXPECT_EQ(0, X509_cmp(peer, cp[1].x));
    X509_free(peer);
}

TEST_F(CustomExt, OldApiAtTls12)
{
    SSL_CTX_set_max_proto_version(cctx, TLS1_2_VERSION);
    cs.data = "old-client";
    ss.data = "old-server";
    ASSERT_EQ(1, SSL_CTX_add_client_custom_ext(cctx, 1000, old_add, old_free, &cs, old_parse, &cs));
    ASSERT_EQ(1, SSL_CTX_add_server_custom_ext(sctx, 1000, old_add, old_free, &ss, old_parse, &ss));
    ASSERT_EQ(1, handshake());
    EXPECT_EQ(TLS1_2_VERSION, SSL_version(c));
    ASSERT_EQ(1u, ss.only('p').size());
    EXPECT_EQ(tag("old-client", 0), ss.only('p')[0].data);
    ASSERT_EQ(1u, cs.only('p').size());
    EXPECT_EQ(tag("old-server", 0), cs.only('p')[0].data);
    EXPECT_EQ(1u, cs.only('a').size());
    EXPECT_EQ(1u, ss.only('a').size());
    EXPECT_EQ(1u, ss.only('f').size());
}

TEST_F(CustomExt, OldApiClientAndServerRegistrationsOfOneType)
{
    // Both sides' registrations in each SSL_CTX: each side uses its own.
    SSL_CTX_set_max_proto_version(cctx, TLS1_2_VERSION);
    Side cs2, ss2;
    ASSERT_EQ(1, SSL_CTX_add_client_custom_ext(cctx, 1000, old_add, old_free, &cs, old_parse, &cs));
    ASSERT_EQ(1, SSL_CTX_add_server_custom_ext(cctx, 1000, old_add, old_free, &cs2, old_parse,
                                               &cs2));
    ASSERT_EQ(1, SSL_CTX_add_client_custom_ext(sctx, 1000, old_add, old_free, &ss2, old_parse,
                                               &ss2));
    ASSERT_EQ(1, SSL_CTX_add_server_custom_ext(sctx, 1000, old_add, old_free, &ss, old_parse, &ss));
    if (SHIMSSL_ON_OPENSSL(CUSTOM_EXT_ROLES)) {
        // OpenSSL 3.0's client adds the type once per registration, the
        // server one too: the server refuses the duplicate.
        EXPECT_EQ(0, handshake());
        EXPECT_EQ(1u, cs.only('a').size());
        EXPECT_EQ(1u, cs2.only('a').size());
        EXPECT_TRUE(has(s_reasons, SSL_R_BAD_EXTENSION));
        EXPECT_TRUE(has(c_reasons, SSL_R_SSLV3_ALERT_ILLEGAL_PARAMETER));
        return;
    }
    ASSERT_EQ(1, handshake());
    EXPECT_EQ(1u, cs.only('a').size());
    EXPECT_EQ(1u, cs.only('p').size());
    EXPECT_EQ(1u, ss.only('a').size());
    EXPECT_EQ(1u, ss.only('p').size());
    EXPECT_TRUE(cs2.calls.empty());
    EXPECT_TRUE(ss2.calls.empty());
}

TEST_F(CustomExt, OldApiIsTls12OnlySoTls13IgnoresIt)
{
    ASSERT_EQ(1, SSL_CTX_add_client_custom_ext(cctx, 1000, old_add, old_free, &cs, old_parse, &cs));
    ASSERT_EQ(1, SSL_CTX_add_server_custom_ext(sctx, 1000, old_add, old_free, &ss, old_parse, &ss));
    ASSERT_EQ(1, handshake());
    EXPECT_EQ(TLS1_3_VERSION, SSL_version(c));
    EXPECT_EQ(1u, cs.only('a').size()); // still in the ClientHello
    EXPECT_TRUE(ss.calls.empty());
    EXPECT_TRUE(cs.only('p').empty());
}

TEST_F(CustomExt, RegisteredAfterSSLNewDoesNotApply)
{
    c = SSL_new(cctx);
    ASSERT_EQ(1, SSL_CTX_add_custom_ext(cctx, 1000, kCtx13, add_cb, free_cb, &cs, parse_cb, &cs));
    SSL_free(c);
    c = nullptr;
    // A new SSL made now carries it.
    ASSERT_EQ(1, SSL_CTX_add_custom_ext(sctx, 1000, kCtx13, add_cb, free_cb, &ss, parse_cb, &ss));
    ASSERT_EQ(1, handshake());
    EXPECT_EQ(1u, ss.only('p').size());
}

TEST_F(CustomExt, ServerParseFailureAlertsTheClient)
{
    ss.parse_rc = 0;
    ss.alert = SSL_AD_ILLEGAL_PARAMETER;
    ASSERT_EQ(1, SSL_CTX_add_custom_ext(cctx, 1000, kCtx13, add_cb, free_cb, &cs, parse_cb, &cs));
    ASSERT_EQ(1, SSL_CTX_add_custom_ext(sctx, 1000, kCtx13, add_cb, free_cb, &ss, parse_cb, &ss));
    EXPECT_EQ(0, handshake());
    EXPECT_NE(1, rs);
    EXPECT_NE(1, rc);
    // The server's reason is bad extension; the client read illegal_parameter.
    EXPECT_TRUE(has(s_reasons, SSL_R_BAD_EXTENSION));
    EXPECT_TRUE(has(c_reasons, SSL_R_SSLV3_ALERT_ILLEGAL_PARAMETER));
    EXPECT_TRUE(ss.only('a').empty());
}

TEST_F(CustomExt, ClientAddFailureIsCallbackFailed)
{
    cs.add_rc = -1;
    cs.alert = SSL_AD_INTERNAL_ERROR;
    ASSERT_EQ(1, SSL_CTX_add_custom_ext(cctx, 1000, kCtx13, add_cb, free_cb, &cs, parse_cb, &cs));
    EXPECT_EQ(0, handshake());
    EXPECT_NE(1, rc);
    EXPECT_TRUE(has(c_reasons, SSL_R_CALLBACK_FAILED));
    // The client's alert comes before any ClientHello: OpenSSL 3.0's server
    // takes any record but a ClientHello there as an unexpected message.
    EXPECT_TRUE(has(s_reasons, SSL_R_UNEXPECTED_MESSAGE));
    EXPECT_TRUE(cs.only('f').empty());
}

TEST_F(CustomExt, NoAddCallbackSendsAnEmptyExtensionInTheHelloOnly)
{
    ASSERT_EQ(1, SSL_CTX_add_custom_ext(cctx, 1000, kCtx13, nullptr, nullptr, nullptr, parse_cb,
                                        &cs));
    ASSERT_EQ(1, SSL_CTX_add_custom_ext(sctx, 1000, kCtx13, nullptr, nullptr, nullptr, parse_cb,
                                        &ss));
    ASSERT_EQ(1, handshake());
    auto sp = ss.only('p');
    ASSERT_EQ(1u, sp.size());
    EXPECT_EQ("", sp[0].data);
    EXPECT_TRUE(cs.calls.empty());
}

// --- serverinfo --------------------------------------------------------------------

// A client that records what arrives for type (old API, as s_client -serverinfo).
void want_serverinfo(SSL_CTX *cctx, unsigned type, Side *side)
{
    ASSERT_EQ(1, SSL_CTX_add_client_custom_ext(cctx, type, nullptr, nullptr, nullptr, old_parse,
                                               side));
}

TEST_F(CustomExt, ServerinfoV1AnswersATls12Client)
{
    const unsigned char si[] = {0x03, 0xe8, 0, 5, 'h', 'e', 'l', 'l', 'o',
                                0x03, 0xe9, 0, 2, 'n', 'o'};
    // OpenSSL 3.0 converts a V1 buffer to V2 with one context for the whole
    // buffer, so only a single extension loads; ShimSSL takes every one.
    SSL_CTX *other = SSL_CTX_new(TLS_server_method());
    ERR_clear_error();
    EXPECT_EQ(SSL_CTX_use_serverinfo(other, si, sizeof(si)),
              SHIMSSL_DIVERGENCE(SERVERINFO_V1_BUFFER, 0, 1));
    ERR_clear_error();
    SSL_CTX_free(other);
    ASSERT_EQ(1, SSL_CTX_use_serverinfo(sctx, si, 9)); // the first extension alone
    SSL_CTX_set_max_proto_version(cctx, TLS1_2_VERSION);
    want_serverinfo(cctx, 1000, &cs);
    ASSERT_EQ(1, handshake());
    auto cp = cs.only('p');
    ASSERT_EQ(1u, cp.size());
    EXPECT_EQ(1000u, cp[0].type);
    EXPECT_EQ("hello", cp[0].data);
}

TEST_F(CustomExt, ServerinfoV1ExtensionsNotAskedForAreNotSent)
{
    // Two extensions in V1 form, loaded one by one: 1001 was not asked for.
    const unsigned char si2[] = {0, 0, 1, 0xd0, 0x03, 0xe8, 0, 5, 'h', 'e', 'l', 'l', 'o',
                                 0, 0, 1, 0xd0, 0x03, 0xe9, 0, 2, 'n', 'o'};
    ASSERT_EQ(1, SSL_CTX_use_serverinfo_ex(sctx, SSL_SERVERINFOV2, si2, sizeof(si2)));
    SSL_CTX_set_max_proto_version(cctx, TLS1_2_VERSION);
    want_serverinfo(cctx, 1000, &cs);
    ASSERT_EQ(1, handshake());
    auto cp = cs.only('p');
    ASSERT_EQ(1u, cp.size()); // 1001 was not asked for
    EXPECT_EQ(1000u, cp[0].type);
    EXPECT_EQ("hello", cp[0].data);
}

TEST_F(CustomExt, ServerinfoV1IsNotSentInTls13)
{
    const unsigned char si[] = {0x03, 0xe8, 0, 5, 'h', 'e', 'l', 'l', 'o'};
    ASSERT_EQ(1, SSL_CTX_use_serverinfo(sctx, si, sizeof(si)));
    want_serverinfo(cctx, 1000, &cs);
    ASSERT_EQ(1, handshake());
    EXPECT_TRUE(cs.only('p').empty());
}

TEST_F(CustomExt, ServerinfoV2InEncryptedExtensions)
{
    const unsigned ctx = SSL_EXT_CLIENT_HELLO | SSL_EXT_TLS1_3_ENCRYPTED_EXTENSIONS;
    const unsigned char si[] = {0, 0, (unsigned char)(ctx >> 8), (unsigned char)ctx, 0x03, 0xe8,
                                0, 3, 'v', '2', '!'};
    ASSERT_EQ(1, SSL_CTX_use_serverinfo_ex(sctx, SSL_SERVERINFOV2, si, sizeof(si)));
    ASSERT_EQ(1, SSL_CTX_add_custom_ext(cctx, 1000, ctx, nullptr, nullptr, nullptr, parse_cb, &cs));
    ASSERT_EQ(1, handshake());
    auto cp = cs.only('p');
    ASSERT_EQ(1u, cp.size());
    EXPECT_EQ((unsigned)SSL_EXT_TLS1_3_ENCRYPTED_EXTENSIONS, cp[0].ctx);
    EXPECT_EQ("v2!", cp[0].data);
}

TEST_F(CustomExt, ServerinfoClientSendingDataIsDecodeError)
{
    const unsigned char si[] = {0x03, 0xe8, 0, 1, 'x'};
    ASSERT_EQ(1, SSL_CTX_use_serverinfo(sctx, si, sizeof(si)));
    SSL_CTX_set_max_proto_version(cctx, TLS1_2_VERSION);
    cs.data = "not-empty";
    ASSERT_EQ(1, SSL_CTX_add_client_custom_ext(cctx, 1000, old_add, old_free, &cs, old_parse, &cs));
    EXPECT_EQ(0, handshake());
    // The server refused with bad extension and sent decode_error, which
    // the client reports.
    EXPECT_TRUE(has(s_reasons, SSL_R_BAD_EXTENSION));
    EXPECT_TRUE(has(c_reasons, SSL_R_TLSV1_ALERT_DECODE_ERROR));
}

TEST(CustomExtApi, ServerinfoValidation)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    const unsigned char bad[] = {0x03, 0xe8, 0, 3, 'h', 'i'};
    EXPECT_EQ(0, SSL_CTX_use_serverinfo(ctx, bad, sizeof(bad)));
    EXPECT_EQ(SSL_R_INVALID_SERVERINFO_DATA, reason_of(ERR_get_error()));
    const unsigned char ok[] = {0, 0, 0, 0x80, 0x03, 0xe8, 0, 2, 'h', 'i'};
    EXPECT_EQ(0, SSL_CTX_use_serverinfo_ex(ctx, 3, ok, sizeof(ok)));
    EXPECT_EQ(SSL_R_INVALID_SERVERINFO_DATA, reason_of(ERR_get_error()));
    EXPECT_EQ(0, SSL_CTX_use_serverinfo_ex(ctx, SSL_SERVERINFOV2, ok, 0));
    ERR_clear_error();
    EXPECT_EQ(1, SSL_CTX_use_serverinfo_ex(ctx, SSL_SERVERINFOV2, ok, sizeof(ok)));
    // The type is registered now: loading it again fails as on OpenSSL 3.0.
    EXPECT_EQ(0, SSL_CTX_use_serverinfo_ex(ctx, SSL_SERVERINFOV2, ok, sizeof(ok)));
    EXPECT_EQ(SSL_R_INVALID_SERVERINFO_DATA, reason_of(ERR_get_error()));
    SSL_CTX_free(ctx);
}

std::string write_temp(const std::string &content)
{
    char path[] = "/tmp/shimssl-serverinfo-XXXXXX";
    int fd = mkstemp(path);
    EXPECT_GE(fd, 0);
    EXPECT_EQ((ssize_t)content.size(), write(fd, content.data(), content.size()));
    close(fd);
    return path;
}

std::string pem(const std::string &name, const std::string &data)
{
    BIO *b = BIO_new(BIO_s_mem());
    PEM_write_bio(b, name.c_str(), "", (const unsigned char *)data.data(), (long)data.size());
    char *p;
    long n = BIO_get_mem_data(b, &p);
    std::string r(p, (size_t)n);
    BIO_free(b);
    return r;
}

TEST_F(CustomExt, ServerinfoFile)
{
    std::string v1 = std::string("\x03\xe8\x00\x04", 4) + "abcd";
    std::string v2 = std::string("\x00\x00\x04\x80\x03\xe9\x00\x02", 8) + "ee";
    std::string path = write_temp(pem("SERVERINFO FOR EXTENSION 1000", v1) +
                                  pem("SERVERINFOV2 FOR EXTENSION 1001", v2));
    ASSERT_EQ(1, SSL_CTX_use_serverinfo_file(sctx, path.c_str()));
    unlink(path.c_str());
    Side cs2;
    ASSERT_EQ(1, SSL_CTX_add_custom_ext(cctx, 1001,
                                        SSL_EXT_CLIENT_HELLO | SSL_EXT_TLS1_3_ENCRYPTED_EXTENSIONS,
                                        nullptr, nullptr, nullptr, parse_cb, &cs2));
    ASSERT_EQ(1, handshake());
    ASSERT_EQ(1u, cs2.only('p').size());
    EXPECT_EQ("ee", cs2.only('p')[0].data);
}

TEST(CustomExtApi, ServerinfoFileErrors)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    std::string p1 = write_temp("no pem here\n");
    EXPECT_EQ(0, SSL_CTX_use_serverinfo_file(ctx, p1.c_str()));
    EXPECT_EQ(SSL_R_NO_PEM_EXTENSIONS, reason_of(ERR_peek_last_error()));
    ERR_clear_error();
    std::string p2 = write_temp(pem("CERTIFICATE FOR X", std::string("\x03\xe8\x00\x00", 4)));
    EXPECT_EQ(0, SSL_CTX_use_serverinfo_file(ctx, p2.c_str()));
    EXPECT_EQ(SSL_R_PEM_NAME_BAD_PREFIX, reason_of(ERR_peek_last_error()));
    ERR_clear_error();
    std::string p3 = write_temp(pem("SERVERINFO FOR X", std::string("\x03\xe8\x00\x09", 4) + "ab"));
    EXPECT_EQ(0, SSL_CTX_use_serverinfo_file(ctx, p3.c_str()));
    EXPECT_EQ(SSL_R_BAD_DATA, reason_of(ERR_peek_last_error()));
    ERR_clear_error();
    std::string p4 = write_temp(pem("SHORT", "x"));
    EXPECT_EQ(0, SSL_CTX_use_serverinfo_file(ctx, p4.c_str()));
    EXPECT_EQ(SSL_R_PEM_NAME_TOO_SHORT, reason_of(ERR_peek_last_error()));
    ERR_clear_error();
    EXPECT_EQ(0, SSL_CTX_use_serverinfo_file(ctx, "/nonexistent/serverinfo.pem"));
    ERR_clear_error();
    for (auto &p : {p1, p2, p3, p4})
        unlink(p.c_str());
    SSL_CTX_free(ctx);
}

// --- SSL_add_dir_cert_subjects_to_stack ---------------------------------------------
int name_cmp(const X509_NAME *const *a, const X509_NAME *const *b)
{
    return X509_NAME_cmp(*a, *b);
}

TEST(CustomExtApi, DirCertSubjectsAreThoseOfEveryFile)
{
    char dir[] = "/tmp/shimssl-cadir-XXXXXX";
    ASSERT_NE(nullptr, mkdtemp(dir));
    std::vector<std::string> names = {"ca.pem", "server.pem", "client.pem", "server.key"};
    for (auto &n : names) {
        std::string cmd = "cp " + shimtest::cert(n) + " " + dir + "/";
        ASSERT_EQ(0, system(cmd.c_str()));
    }
    ASSERT_EQ(0, system((std::string("mkdir ") + dir + "/sub").c_str()));
    STACK_OF(X509_NAME) *from_dir = sk_X509_NAME_new(name_cmp);
    STACK_OF(X509_NAME) *from_files = sk_X509_NAME_new(name_cmp);
    EXPECT_EQ(1, SSL_add_dir_cert_subjects_to_stack(from_dir, dir));
    for (auto &n : names)
        EXPECT_EQ(1, SSL_add_file_cert_subjects_to_stack(from_files, shimtest::cert(n).c_str()));
    EXPECT_GE(sk_X509_NAME_num(from_files), 3);
    ASSERT_EQ(sk_X509_NAME_num(from_files), sk_X509_NAME_num(from_dir));
    for (int i = 0; i < sk_X509_NAME_num(from_files); i++)
        EXPECT_GE(sk_X509_NAME_find(from_dir, sk_X509_NAME_value(from_files, i)), 0);
    // A missing directory fails with a system error.
    ERR_clear_error();
    EXPECT_EQ(0, SSL_add_dir_cert_subjects_to_stack(from_dir, "/nonexistent/cadir"));
    EXPECT_EQ(ERR_R_SYS_LIB, reason_of(ERR_peek_last_error()));
    ERR_clear_error();
    sk_X509_NAME_pop_free(from_dir, X509_NAME_free);
    sk_X509_NAME_pop_free(from_files, X509_NAME_free);
    ASSERT_EQ(0, system((std::string("rm -rf ") + dir).c_str()));
}

} // namespace
