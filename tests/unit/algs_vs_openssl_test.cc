// core/algs.c's descriptors checked against what the system's OpenSSL 3.0
// says about the same code points (its SSL_CIPHER objects, its default
// cipher order, its object names): every typed fact core keeps must be
// OpenSSL's, so that a suite, group or scheme added to the table with a
// wrong field fails here.
#include <openssl/ec.h>
#include <openssl/obj_mac.h>
#include <openssl/objects.h>
#include <openssl/ssl.h>

#include <gtest/gtest.h>

#include <vector>

extern "C" {
#include "core/algs.h"
#include "core/tls.h"
}

namespace
{

struct Ssl {
    SSL_CTX *ctx = SSL_CTX_new(TLS_method());
    SSL *ssl = ctx != nullptr ? SSL_new(ctx) : nullptr;
    ~Ssl()
    {
        SSL_free(ssl);
        SSL_CTX_free(ctx);
    }
};

int kx_nid(int kx)
{
    switch (kx) {
    case TLS_KX_ECDHE:
        return NID_kx_ecdhe;
    case TLS_KX_DHE:
        return NID_kx_dhe;
    case TLS_KX_RSA:
        return NID_kx_rsa;
    }
    return NID_kx_any;
}

int au_nid(int au)
{
    switch (au) {
    case TLS_AU_RSA:
        return NID_auth_rsa;
    case TLS_AU_ECDSA:
        return NID_auth_ecdsa;
    case TLS_AU_NONE:
        return NID_auth_null;
    }
    return NID_auth_any;
}

} // namespace

TEST(AlgsDescriptors, SuitesAreOpenSslsFacts)
{
    Ssl s;
    ASSERT_NE(s.ssl, nullptr);
    size_t n = 0;
    const tls_suite_info *all = tls_suites(&n);
    ASSERT_GT(n, 0u);
    for (size_t i = 0; i < n; i++) {
        const tls_suite_info *d = &all[i];
        const unsigned char b[2] = {(unsigned char)(d->id >> 8), (unsigned char)d->id};
        const SSL_CIPHER *c = SSL_CIPHER_find(s.ssl, b);
        ASSERT_NE(c, nullptr) << std::hex << d->id;
        EXPECT_EQ(SSL_CIPHER_get_protocol_id(c), d->id);
        int alg_bits = 0;
        EXPECT_EQ(SSL_CIPHER_get_bits(c, &alg_bits), d->strength_bits) << SSL_CIPHER_get_name(c);
        EXPECT_EQ(alg_bits, d->alg_bits) << SSL_CIPHER_get_name(c);
        EXPECT_EQ(SSL_CIPHER_get_cipher_nid(c), d->cipher_nid) << SSL_CIPHER_get_name(c);
        EXPECT_EQ(SSL_CIPHER_is_aead(c), (int)d->aead) << SSL_CIPHER_get_name(c);
        EXPECT_EQ(SSL_CIPHER_get_digest_nid(c), d->mac_nid) << SSL_CIPHER_get_name(c);
        EXPECT_EQ(SSL_CIPHER_get_kx_nid(c), kx_nid(d->kx)) << SSL_CIPHER_get_name(c);
        EXPECT_EQ(SSL_CIPHER_get_auth_nid(c), au_nid(d->au)) << SSL_CIPHER_get_name(c);
        // OpenSSL reports MD5+SHA1 for suites that predate TLS 1.2 (their
        // PRF there is SHA-256); otherwise the handshake hash is the PRF's.
        const EVP_MD *hs = SSL_CIPHER_get_handshake_digest(c);
        ASSERT_NE(hs, nullptr);
        int hs_nid = EVP_MD_get_type(hs);
        EXPECT_EQ(hs_nid == NID_md5_sha1 ? NID_sha256 : hs_nid, d->digest_nid)
            << SSL_CIPHER_get_name(c);
        EXPECT_EQ(d->min_version == TLS_V13, std::string(SSL_CIPHER_get_version(c)) == "TLSv1.3");
        EXPECT_LE(d->min_version, d->max_version);
        // The EVP name core fetches is the cipher OpenSSL names.
        EVP_CIPHER *fetched = EVP_CIPHER_fetch(nullptr, d->cipher_fetch, nullptr);
        ASSERT_NE(fetched, nullptr) << d->cipher_fetch;
        EXPECT_EQ(EVP_CIPHER_get_nid(fetched), d->cipher_nid) << d->cipher_fetch;
        EVP_CIPHER_free(fetched);
    }
}

TEST(AlgsDescriptors, DefaultSuitesAreOpenSslsInItsOrder)
{
    // The rows flagged TLS_SUITE_F_DEFAULT are exactly the suites of
    // OpenSSL 3.0's default list that core implements, in the same order.
    Ssl s;
    ASSERT_NE(s.ssl, nullptr);
    STACK_OF(SSL_CIPHER) *sk = SSL_get_ciphers(s.ssl);
    std::vector<uint16_t> want, got;
    for (int i = 0; i < sk_SSL_CIPHER_num(sk); i++) {
        uint16_t id = SSL_CIPHER_get_protocol_id(sk_SSL_CIPHER_value(sk, i));
        if (tls_suite_by_id(id) != nullptr)
            want.push_back(id);
    }
    size_t n = 0;
    const tls_suite_info *all = tls_suites(&n);
    for (size_t i = 0; i < n; i++)
        if (all[i].flags & TLS_SUITE_F_DEFAULT)
            got.push_back(all[i].id);
    EXPECT_EQ(got, want);
}

TEST(AlgsDescriptors, GroupsAreOpenSslsCurves)
{
    size_t n = 0;
    const tls_group *all = tls_groups(&n);
    ASSERT_GT(n, 0u);
    for (size_t i = 0; i < n; i++) {
        const tls_group *g = &all[i];
        EXPECT_EQ(tls_group_get(g->id), g);
        EXPECT_EQ(tls_group_nid(g->id), g->nid);
        // The EVP names core makes keys with are the group's NID.
        EXPECT_EQ(OBJ_sn2nid(g->curve != nullptr ? g->curve : g->alg), g->nid) << g->id;
    }
    size_t nd = 0;
    const uint16_t *d = tls_default_groups(&nd);
    for (size_t i = 0; i < nd; i++)
        EXPECT_NE(tls_group_get(d[i]), nullptr) << d[i];
}

TEST(AlgsDescriptors, DefaultSigalgsAreDescribed)
{
    size_t n = 0;
    const uint16_t *d = tls_default_sigalgs(&n);
    ASSERT_GT(n, 0u);
    for (size_t i = 0; i < n; i++)
        EXPECT_NE(tls_sigalg_get(d[i]), nullptr) << d[i];
    const tls_sigalg *all = tls_sigalgs(&n);
    for (size_t i = 0; i < n; i++) {
        EXPECT_EQ(tls_sigalg_get(all[i].id), &all[i]);
        // RFC 8446 4.2.3: only the TLS 1.3 ECDSA schemes name a curve.
        if (all[i].curve_nid != NID_undef) {
            EXPECT_TRUE(all[i].tls13 && all[i].pkey_type == EVP_PKEY_EC) << all[i].id;
        }
    }
}
