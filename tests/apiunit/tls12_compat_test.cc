// The TLS 1.2 side of the libssl API: what options, the security level and
// the DH settings turn into for the engine (tls_config), the compression
// method list, the DH setters' checks, and the version errors, as OpenSSL
// 3.0 documents them (SSL_CTX_set_tmp_dh(3), SSL_COMP_add_compression_method(3),
// SSL_CTX_set_security_level(3), SSL_CTX_set_min_proto_version(3)).
#include <gtest/gtest.h>

#include <openssl/comp.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <string>
#include <vector>

extern "C" {
#include "compat/compat.h"
#include "compat/init.h"
}

#include "testlib/testlib.h"

namespace
{

// A DH parameter set by its name ("ffdhe2048", "dh_1024_160"...).
EVP_PKEY *dh_params(const char *group)
{
    EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_name(nullptr, "DH", nullptr);
    EVP_PKEY *pkey = nullptr;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)group, 0),
        OSSL_PARAM_construct_end(),
    };
    if (pctx != nullptr && EVP_PKEY_paramgen_init(pctx) > 0 &&
        EVP_PKEY_CTX_set_params(pctx, params) > 0)
        EVP_PKEY_paramgen(pctx, &pkey);
    EVP_PKEY_CTX_free(pctx);
    return pkey;
}

int last_reason()
{
    unsigned long e = ERR_peek_last_error();
    return e != 0 && ERR_GET_LIB(e) == ERR_LIB_SSL ? ERR_GET_REASON(e) : 0;
}

// The configuration ShimSSL's compat gives the engine for s (as at the
// start of a handshake): run the feature sections of tls_config building.
struct Cfg {
    tls_config cfg{};
    std::vector<std::string> suites;
    bool ok = false;
};

Cfg config_of(SSL *s, uint16_t max_version = TLS_V13)
{
    Cfg r;
    r.cfg.min_version = TLS_V12;
    r.cfg.max_version = max_version;
    r.ok = shimssl_config_features(s, &r.cfg) == 1;
    for (size_t i = 0; r.ok && i < r.cfg.n_tls12_suites; i++)
        r.suites.push_back(SSL_CIPHER_get_name(shimssl_cipher_by_id(r.cfg.tls12_suites[i])));
    return r;
}

bool has(const std::vector<std::string> &v, const char *name)
{
    return std::find(v.begin(), v.end(), name) != v.end();
}

class Tls12Api : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        ERR_clear_error();
        ctx = SSL_CTX_new(TLS_method());
        ASSERT_NE(ctx, nullptr);
    }
    void TearDown() override
    {
        SSL_CTX_free(ctx);
        ERR_clear_error();
    }
    SSL_CTX *ctx = nullptr;
};

TEST_F(Tls12Api, DefaultsAreOpenSSL30s)
{
    // SSL_CTX_new sets SSL_OP_NO_COMPRESSION and leaves
    // SSL_OP_LEGACY_SERVER_CONNECT clear; security level 2.
    EXPECT_TRUE(SSL_CTX_get_options(ctx) & SSL_OP_NO_COMPRESSION);
    EXPECT_FALSE(SSL_CTX_get_options(ctx) & SSL_OP_LEGACY_SERVER_CONNECT);
    EXPECT_EQ(SSL_CTX_get_security_level(ctx), 2);

    SSL *s = SSL_new(ctx);
    Cfg c = config_of(s);
    ASSERT_TRUE(c.ok);
    EXPECT_FALSE(c.cfg.flags & TLS_CFG_COMPRESSION);
    EXPECT_FALSE(c.cfg.flags & TLS_CFG_NO_ETM);
    EXPECT_FALSE(c.cfg.flags & TLS_CFG_NO_EMS);
    EXPECT_FALSE(c.cfg.flags & TLS_CFG_LEGACY_RENEG);
    EXPECT_EQ(c.cfg.security_level, 2);
    EXPECT_TRUE(has(c.suites, "ECDHE-RSA-AES128-GCM-SHA256"));
    EXPECT_TRUE(has(c.suites, "AES128-GCM-SHA256"));
    // Before any handshake: no compression, no RI, EMS unknown (-1).
    EXPECT_EQ(SSL_get_current_compression(s), nullptr);
    EXPECT_EQ(SSL_get_current_expansion(s), nullptr);
    EXPECT_EQ(SSL_get_secure_renegotiation_support(s), 0);
    EXPECT_EQ(SSL_get_extms_support(s), -1);
    SSL_free(s);
}

TEST_F(Tls12Api, OptionsBecomeEngineFlags)
{
    SSL_CTX_clear_options(ctx, SSL_OP_NO_COMPRESSION);
    SSL_CTX_set_options(ctx, SSL_OP_NO_ENCRYPT_THEN_MAC | SSL_OP_NO_EXTENDED_MASTER_SECRET |
                                 SSL_OP_LEGACY_SERVER_CONNECT);
    SSL *s = SSL_new(ctx);
    Cfg c = config_of(s);
    ASSERT_TRUE(c.ok);
    EXPECT_TRUE(c.cfg.flags & TLS_CFG_COMPRESSION);
    EXPECT_TRUE(c.cfg.flags & TLS_CFG_NO_ETM);
    EXPECT_TRUE(c.cfg.flags & TLS_CFG_NO_EMS);
    EXPECT_TRUE(c.cfg.flags & TLS_CFG_LEGACY_RENEG);

    // Per-SSL options win over the SSL_CTX's.
    SSL_set_options(s, SSL_OP_NO_COMPRESSION);
    SSL_clear_options(s, SSL_OP_NO_EXTENDED_MASTER_SECRET);
    c = config_of(s);
    EXPECT_FALSE(c.cfg.flags & TLS_CFG_COMPRESSION);
    EXPECT_FALSE(c.cfg.flags & TLS_CFG_NO_EMS);
    SSL_free(s);
}

TEST_F(Tls12Api, SecurityLevelNarrowsSuites)
{
    SSL *s = SSL_new(ctx);
    // Level 3: forward secrecy only, so RSA key transport goes.
    ASSERT_EQ(SSL_set_cipher_list(s, "ALL:@SECLEVEL=3"), 1);
    EXPECT_EQ(SSL_get_security_level(s), 3);
    Cfg c = config_of(s);
    ASSERT_TRUE(c.ok);
    EXPECT_FALSE(has(c.suites, "AES128-GCM-SHA256"));
    EXPECT_FALSE(has(c.suites, "AES256-GCM-SHA384"));
    EXPECT_TRUE(has(c.suites, "ECDHE-RSA-AES128-GCM-SHA256"));
    // Level 4 (192 bits): no 128-bit suite is left.
    SSL_set_security_level(s, 4);
    c = config_of(s);
    EXPECT_FALSE(has(c.suites, "ECDHE-RSA-AES128-GCM-SHA256"));
    EXPECT_TRUE(has(c.suites, "ECDHE-RSA-AES256-GCM-SHA384"));
    EXPECT_EQ(c.cfg.security_level, 4);
    // Level 0: everything the list names.
    SSL_set_security_level(s, 0);
    c = config_of(s);
    EXPECT_TRUE(has(c.suites, "AES128-GCM-SHA256"));
    SSL_free(s);
}

int refuse_all_ciphers(const SSL *, const SSL_CTX *, int op, int, int, void *, void *)
{
    return op != SSL_SECOP_CIPHER_SUPPORTED;
}

TEST_F(Tls12Api, SecurityCallbackDecidesSuites)
{
    SSL *s = SSL_new(ctx);
    SSL_set_security_callback(s, refuse_all_ciphers);
    Cfg c = config_of(s, TLS_V12);
    // No TLS 1.2 suite left with TLS 1.2 the highest version: refused.
    EXPECT_FALSE(c.ok);
    EXPECT_EQ(last_reason(), SSL_R_NO_CIPHERS_AVAILABLE);
    SSL_free(s);
}

TEST_F(Tls12Api, ServerOffersDheOnlyWithParameters)
{
    SSL *s = SSL_new(ctx);
    SSL_set_accept_state(s);
    Cfg c = config_of(s);
    ASSERT_TRUE(c.ok);
    EXPECT_FALSE(has(c.suites, "DHE-RSA-AES256-GCM-SHA384"));
    EXPECT_TRUE(has(c.suites, "ECDHE-RSA-AES256-GCM-SHA384"));
    EXPECT_EQ(c.cfg.dh_params, nullptr);

    // Automatic: DHE on, parameters chosen by core (NULL).
    ASSERT_EQ(SSL_set_dh_auto(s, 1), 1);
    c = config_of(s);
    EXPECT_TRUE(has(c.suites, "DHE-RSA-AES256-GCM-SHA384"));
    EXPECT_EQ(c.cfg.dh_params, nullptr);
    SSL_set_dh_auto(s, 0);

    // Explicit parameters are handed to the engine.
    EVP_PKEY *p = dh_params("ffdhe3072");
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(SSL_set0_tmp_dh_pkey(s, p), 1);
    c = config_of(s);
    EXPECT_TRUE(has(c.suites, "DHE-RSA-AES256-GCM-SHA384"));
    EXPECT_EQ(c.cfg.dh_params, p);
    SSL_free(s);

    // A client never filters DHE (it has no parameters to set).
    s = SSL_new(ctx);
    SSL_set_connect_state(s);
    c = config_of(s);
    EXPECT_TRUE(has(c.suites, "DHE-RSA-AES256-GCM-SHA384"));
    SSL_free(s);
}

TEST_F(Tls12Api, DhParametersCheckedAgainstSecurityLevel)
{
    EVP_PKEY *small = dh_params("dh_1024_160"), *big = dh_params("ffdhe2048");
    ASSERT_NE(small, nullptr);
    ASSERT_NE(big, nullptr);

    // Level 2 wants 112 bits: 1024-bit DH (80 bits) is refused when set,
    // and the key stays the caller's.
    EXPECT_EQ(SSL_CTX_set0_tmp_dh_pkey(ctx, small), 0);
    EXPECT_EQ(last_reason(), SSL_R_DH_KEY_TOO_SMALL);
    ERR_clear_error();
    EXPECT_EQ(SSL_CTX_set0_tmp_dh_pkey(ctx, big), 1);

    // The SSL_CTX's parameters go to each SSL (server).
    SSL *s = SSL_new(ctx);
    SSL_set_accept_state(s);
    Cfg c = config_of(s);
    EXPECT_EQ(c.cfg.dh_params, big);
    EXPECT_TRUE(has(c.suites, "DHE-RSA-AES128-GCM-SHA256"));
    // Level 3 (128 bits) on the SSL refuses 2048-bit DH (112 bits).
    SSL_set_security_level(s, 3);
    EVP_PKEY *big2 = dh_params("ffdhe2048");
    EXPECT_EQ(SSL_set0_tmp_dh_pkey(s, big2), 0);
    EXPECT_EQ(last_reason(), SSL_R_DH_KEY_TOO_SMALL);
    EVP_PKEY_free(big2);
    SSL_free(s);

    // Level 1 accepts 1024 bits.
    ERR_clear_error();
    SSL_CTX_set_security_level(ctx, 1);
    EXPECT_EQ(SSL_CTX_set0_tmp_dh_pkey(ctx, small), 1);
    EXPECT_EQ(SSL_CTX_set0_tmp_dh_pkey(ctx, nullptr), 0);
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
DH *dh_cb_value;
int dh_cb_calls;
DH *tmp_dh_cb(SSL *, int is_export, int keylength)
{
    dh_cb_calls++;
    EXPECT_EQ(is_export, 0);
    EXPECT_EQ(keylength, 1024);
    return dh_cb_value;
}

TEST_F(Tls12Api, DeprecatedDhSettersAndCallback)
{
    EVP_PKEY *small = dh_params("dh_1024_160"), *big = dh_params("ffdhe2048");
    DH *dsmall = EVP_PKEY_get1_DH(small), *dbig = EVP_PKEY_get1_DH(big);
    ASSERT_NE(dsmall, nullptr);
    ASSERT_NE(dbig, nullptr);

    EXPECT_EQ(SSL_CTX_set_tmp_dh(ctx, nullptr), 0);
    EXPECT_EQ(SSL_CTX_set_tmp_dh(ctx, dsmall), 0);
    EXPECT_EQ(last_reason(), SSL_R_DH_KEY_TOO_SMALL);
    EXPECT_EQ(SSL_CTX_set_tmp_dh(ctx, dbig), 1);
    SSL *s = SSL_new(ctx);
    SSL_set_accept_state(s);
    Cfg c = config_of(s);
    ASSERT_NE(c.cfg.dh_params, nullptr);
    EXPECT_EQ(EVP_PKEY_get_bits(c.cfg.dh_params), 2048);
    SSL_free(s);

    // Only a callback: DHE is offered, and the callback is not asked while
    // the configuration is built (OpenSSL asks it when it writes a DHE
    // ServerKeyExchange: tmp_dh_callback_test), whatever it would return.
    SSL_CTX *ctx2 = SSL_CTX_new(TLS_method());
    SSL_CTX_set_tmp_dh_callback(ctx2, tmp_dh_cb);
    dh_cb_value = nullptr;
    dh_cb_calls = 0;
    s = SSL_new(ctx2);
    SSL_set_accept_state(s);
    c = config_of(s);
    EXPECT_EQ(dh_cb_calls, 0);
    EXPECT_EQ(c.cfg.dh_params, nullptr);
    EXPECT_NE(c.cfg.dh_params_hook, nullptr);
    EXPECT_TRUE(has(c.suites, "DHE-RSA-AES256-GCM-SHA384"));
    SSL_free(s);
    SSL_CTX_free(ctx2);

    DH_free(dsmall);
    DH_free(dbig);
    EVP_PKEY_free(small);
    EVP_PKEY_free(big);
}
#pragma GCC diagnostic pop

TEST(Tls12Comp, MethodListAndNames)
{
    STACK_OF(SSL_COMP) *sk = SSL_COMP_get_compression_methods();
    ASSERT_NE(sk, nullptr);
    ASSERT_GE(sk_SSL_COMP_num(sk), 1);
    SSL_COMP *zlib = sk_SSL_COMP_value(sk, 0);
    EXPECT_EQ(SSL_COMP_get_id(zlib), 1);
    EXPECT_STREQ(SSL_COMP_get0_name(zlib), "zlib");
    EXPECT_EQ(SSL_COMP_get_id(nullptr), -1);
    EXPECT_EQ(SSL_COMP_get0_name(nullptr), nullptr);
    EXPECT_EQ(SSL_COMP_get_name(nullptr), nullptr);

    // libcrypto's own accessors understand the method object.
    COMP_METHOD *m = (COMP_METHOD *)shimssl_comp_zlib_method();
    EXPECT_STREQ(SSL_COMP_get_name(m), "zlib compression");
    EXPECT_STREQ(COMP_get_name(m), "zlib compression");
    EXPECT_EQ(COMP_get_type(m), NID_zlib_compression);

    // 0 is success. Debian's COMP_zlib() is a placeholder (NID_undef):
    // refused without an error entry.
    ERR_clear_error();
    EXPECT_EQ(SSL_COMP_add_compression_method(200, COMP_zlib()), 1);
    EXPECT_EQ(ERR_peek_error(), 0u);
    EXPECT_EQ(SSL_COMP_add_compression_method(200, nullptr), 1);
    EXPECT_EQ(SSL_COMP_add_compression_method(5, m), 1);
    EXPECT_EQ(last_reason(), SSL_R_COMPRESSION_ID_NOT_WITHIN_PRIVATE_RANGE);
    int before = sk_SSL_COMP_num(sk);
    EXPECT_EQ(SSL_COMP_add_compression_method(200, m), 0);
    EXPECT_EQ(sk_SSL_COMP_num(SSL_COMP_get_compression_methods()), before + 1);
    EXPECT_EQ(SSL_COMP_add_compression_method(200, m), 1);
    EXPECT_EQ(last_reason(), SSL_R_DUPLICATE_COMPRESSION_ID);

    // An empty list switches compression off even with the option clear.
    STACK_OF(SSL_COMP) *empty = sk_SSL_COMP_new_null();
    STACK_OF(SSL_COMP) *old = SSL_COMP_set0_compression_methods(empty);
    EXPECT_EQ(old, sk);
    EXPECT_EQ(SSL_COMP_get_compression_methods(), empty);
    SSL_CTX *ctx = SSL_CTX_new(TLS_method());
    SSL_CTX_clear_options(ctx, SSL_OP_NO_COMPRESSION);
    SSL *s = SSL_new(ctx);
    Cfg c = config_of(s);
    EXPECT_FALSE(c.cfg.flags & TLS_CFG_COMPRESSION);
    // NULL keeps the current list.
    EXPECT_EQ(SSL_COMP_set0_compression_methods(nullptr), empty);
    EXPECT_EQ(SSL_COMP_set0_compression_methods(old), empty);
    c = config_of(s);
    EXPECT_TRUE(c.cfg.flags & TLS_CFG_COMPRESSION);
    sk_SSL_COMP_free(empty);
    SSL_free(s);
    SSL_CTX_free(ctx);
}

// Versions below TLS 1.2 are never negotiated: asking only for them fails
// the handshake with OpenSSL's "no protocols available".
int handshake_reason(SSL_CTX *ctx)
{
    SSL *s = SSL_new(ctx);
    BIO *a, *b;
    BIO_new_bio_pair(&a, 0, &b, 0);
    SSL_set_bio(s, a, a);
    ERR_clear_error();
    int rc = SSL_connect(s);
    int reason = rc <= 0 ? last_reason() : 0;
    SSL_free(s);
    BIO_free(b);
    return reason;
}

TEST(Tls12Versions, OldVersionsOnlyGiveNoProtocolsAvailable)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_method());
    ASSERT_EQ(SSL_CTX_set_max_proto_version(ctx, TLS1_1_VERSION), 1);
    EXPECT_EQ(handshake_reason(ctx), SSL_R_NO_PROTOCOLS_AVAILABLE);
    SSL_CTX_set_max_proto_version(ctx, 0);
    SSL_CTX_set_options(ctx, SSL_OP_NO_TLSv1_2 | SSL_OP_NO_TLSv1_3);
    EXPECT_EQ(handshake_reason(ctx), SSL_R_NO_PROTOCOLS_AVAILABLE);
    SSL_CTX_free(ctx);

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    ctx = SSL_CTX_new(TLSv1_1_client_method());
    ASSERT_NE(ctx, nullptr);
    EXPECT_EQ(handshake_reason(ctx), SSL_R_NO_PROTOCOLS_AVAILABLE);
    SSL_CTX_free(ctx);

    // A TLS 1.2 method is pinned to TLS 1.2.
    ctx = SSL_CTX_new(TLSv1_2_method());
    SSL *s = SSL_new(ctx);
    EXPECT_EQ(SSL_version(s), TLS1_2_VERSION);
    EXPECT_STREQ(SSL_get_version(s), "TLSv1.2");
    SSL_free(s);
    SSL_CTX_free(ctx);
#pragma GCC diagnostic pop
}

TEST(Tls12Reneg, RefusedCleanly)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_method());
    SSL *s = SSL_new(ctx);
    ERR_clear_error();
    EXPECT_EQ(SSL_renegotiate(s), 0);
    EXPECT_EQ(last_reason(), SSL_R_NO_RENEGOTIATION);
    EXPECT_EQ(SSL_renegotiate_abbreviated(s), 0);
    EXPECT_EQ(SSL_renegotiate_pending(s), 0);
    SSL_free(s);
    SSL_CTX_free(ctx);
}

// A TLS 1.2 connection between ShimSSL's client and server in memory: what
// the getters report once it is up.
struct Conn {
    SSL *c = nullptr, *s = nullptr;
    ~Conn()
    {
        SSL_free(c);
        SSL_free(s);
    }
};

bool connect12(Conn &p, SSL_CTX *cctx, SSL_CTX *sctx)
{
    BIO *cb, *sb;
    if (!BIO_new_bio_pair(&cb, 0, &sb, 0))
        return false;
    p.c = SSL_new(cctx);
    p.s = SSL_new(sctx);
    SSL_set_bio(p.c, cb, cb);
    SSL_set_bio(p.s, sb, sb);
    SSL_set_connect_state(p.c);
    SSL_set_accept_state(p.s);
    for (int i = 0; i < 50; i++) {
        int rc = SSL_do_handshake(p.c), rs = SSL_do_handshake(p.s);
        if (rc == 1 && rs == 1)
            return true;
        if ((rc != 1 && SSL_get_error(p.c, rc) != SSL_ERROR_WANT_READ) ||
            (rs != 1 && SSL_get_error(p.s, rs) != SSL_ERROR_WANT_READ))
            return false;
    }
    return false;
}

class Tls12Conn : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        sctx = SSL_CTX_new(TLS_server_method());
        cctx = SSL_CTX_new(TLS_client_method());
        ASSERT_EQ(SSL_CTX_use_certificate_chain_file(sctx, shimtest::cert("server.pem").c_str()),
                  1);
        ASSERT_EQ(SSL_CTX_use_PrivateKey_file(sctx, shimtest::cert("server.key").c_str(),
                                              SSL_FILETYPE_PEM),
                  1);
        ASSERT_EQ(SSL_CTX_set_max_proto_version(cctx, TLS1_2_VERSION), 1);
    }
    void TearDown() override
    {
        SSL_CTX_free(sctx);
        SSL_CTX_free(cctx);
        ERR_clear_error();
    }
    SSL_CTX *sctx = nullptr, *cctx = nullptr;
};

TEST_F(Tls12Conn, GettersAfterTheHandshake)
{
    Conn p;
    ASSERT_TRUE(connect12(p, cctx, sctx)) << ERR_error_string(ERR_peek_error(), nullptr);
    for (SSL *x : {p.c, p.s}) {
        EXPECT_EQ(SSL_version(x), TLS1_2_VERSION);
        EXPECT_STREQ(SSL_get_version(x), "TLSv1.2");
        EXPECT_STREQ(SSL_get_cipher_name(x), "ECDHE-RSA-AES256-GCM-SHA384");
        EXPECT_STREQ(SSL_CIPHER_get_version(SSL_get_current_cipher(x)), "TLSv1.2");
        EXPECT_EQ(SSL_get_secure_renegotiation_support(x), 1);
        EXPECT_EQ(SSL_get_extms_support(x), 1);
        EXPECT_EQ(SSL_get_current_compression(x), nullptr);
        EXPECT_EQ(SSL_get_current_expansion(x), nullptr);
        ASSERT_NE(SSL_get_session(x), nullptr);
        EXPECT_EQ(SSL_SESSION_get_compress_id(SSL_get_session(x)), 0u);
        EXPECT_EQ(SSL_renegotiate(x), 0);
        EXPECT_EQ(last_reason(), SSL_R_NO_RENEGOTIATION);
    }
    // RFC 5705 over the TLS 1.2 PRF: both ends agree.
    unsigned char a[32], b[32];
    ASSERT_EQ(SSL_export_keying_material(p.c, a, sizeof(a), "EXPERIMENTAL-x", 14, nullptr, 0, 0),
              1);
    ASSERT_EQ(SSL_export_keying_material(p.s, b, sizeof(b), "EXPERIMENTAL-x", 14, nullptr, 0, 0),
              1);
    EXPECT_EQ(memcmp(a, b, sizeof(a)), 0);
}

TEST_F(Tls12Conn, NoExtendedMasterSecretWhenRefused)
{
    SSL_CTX_set_options(cctx, SSL_OP_NO_EXTENDED_MASTER_SECRET);
    Conn p;
    ASSERT_TRUE(connect12(p, cctx, sctx)) << ERR_error_string(ERR_peek_error(), nullptr);
    EXPECT_EQ(SSL_get_extms_support(p.c), 0);
    EXPECT_EQ(SSL_get_extms_support(p.s), 0);
    EXPECT_EQ(SSL_get_secure_renegotiation_support(p.c), 1);
}

TEST_F(Tls12Conn, DheOnlyWithServerParameters)
{
    ASSERT_EQ(SSL_CTX_set_cipher_list(cctx, "DHE-RSA-AES128-GCM-SHA256"), 1);
    {
        // No parameters on the server: no shared suite.
        Conn p;
        EXPECT_FALSE(connect12(p, cctx, sctx));
    }
    ERR_clear_error();
    SSL_CTX_set_dh_auto(sctx, 1);
    Conn p;
    ASSERT_TRUE(connect12(p, cctx, sctx)) << ERR_error_string(ERR_peek_error(), nullptr);
    EXPECT_STREQ(SSL_get_cipher_name(p.c), "DHE-RSA-AES128-GCM-SHA256");
    EVP_PKEY *k = nullptr;
    ASSERT_EQ(SSL_get_peer_tmp_key(p.c, &k), 1);
    EXPECT_EQ(EVP_PKEY_get_bits(k), 2048);
    EVP_PKEY_free(k);
}

TEST_F(Tls12Conn, CompressionWhenBothClearTheOption)
{
    SSL_CTX_clear_options(cctx, SSL_OP_NO_COMPRESSION);
    {
        // One side only: none.
        Conn p;
        ASSERT_TRUE(connect12(p, cctx, sctx)) << ERR_error_string(ERR_peek_error(), nullptr);
        EXPECT_EQ(SSL_get_current_compression(p.c), nullptr);
    }
    SSL_CTX_clear_options(sctx, SSL_OP_NO_COMPRESSION);
    Conn p;
    ASSERT_TRUE(connect12(p, cctx, sctx)) << ERR_error_string(ERR_peek_error(), nullptr);
    for (SSL *x : {p.c, p.s}) {
        const COMP_METHOD *m = SSL_get_current_compression(x);
        ASSERT_NE(m, nullptr);
        EXPECT_STREQ(SSL_COMP_get_name(m), "zlib compression");
        EXPECT_EQ(SSL_get_current_expansion(x), m);
        // The session records the method: DEFLATE's id (RFC 3749), 1.
        ASSERT_NE(SSL_get_session(x), nullptr);
        EXPECT_EQ(SSL_SESSION_get_compress_id(SSL_get_session(x)), 1u);
    }
    // Data goes through intact.
    std::string msg(5000, 'z');
    size_t n = 0;
    ASSERT_EQ(SSL_write_ex(p.c, msg.data(), msg.size(), &n), 1);
    std::string got(msg.size(), '\0');
    size_t total = 0;
    while (total < msg.size() && SSL_read_ex(p.s, &got[total], msg.size() - total, &n) == 1)
        total += n;
    EXPECT_EQ(got, msg);
}

} // namespace
