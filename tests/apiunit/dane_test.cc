// DANE through the public API (SSL_CTX_dane_enable, SSL_dane_enable,
// SSL_dane_tlsa_add, SSL_get0_dane_authority, SSL_get0_dane_tlsa, flags,
// matching types): argument checks with their ERR reasons, and what a
// client learns after handshakes in memory against a server with the test
// certificates. dane_test_openssl runs the same file on OpenSSL.
#include <gtest/gtest.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <string>
#include <vector>

#include "testlib/ssl_pair.h"
#include "testlib/testlib.h"

namespace
{

X509 *load(const char *name)
{
    BIO *b = BIO_new_file(shimtest::cert(name).c_str(), "r");
    X509 *x = b != nullptr ? PEM_read_bio_X509(b, nullptr, nullptr, nullptr) : nullptr;
    BIO_free(b);
    return x;
}

std::vector<unsigned char> spki_der(X509 *x)
{
    unsigned char *der = nullptr;
    int n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der);
    std::vector<unsigned char> v(der, der + (n > 0 ? n : 0));
    OPENSSL_free(der);
    return v;
}

std::vector<unsigned char> cert_der(X509 *x)
{
    unsigned char *der = nullptr;
    int n = i2d_X509(x, &der);
    std::vector<unsigned char> v(der, der + (n > 0 ? n : 0));
    OPENSSL_free(der);
    return v;
}

std::vector<unsigned char> digest(const std::vector<unsigned char> &d, const EVP_MD *md)
{
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    EVP_Digest(d.data(), d.size(), out, &n, md, nullptr);
    return std::vector<unsigned char>(out, out + n);
}

int last_reason()
{
    return ERR_GET_REASON(ERR_peek_last_error());
}

class Dane : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        ERR_clear_error();
        sctx = SSL_CTX_new(TLS_server_method());
        ASSERT_EQ(1, SSL_CTX_use_certificate_file(sctx, shimtest::cert("server.pem").c_str(),
                                                  SSL_FILETYPE_PEM));
        ASSERT_EQ(1, SSL_CTX_use_PrivateKey_file(sctx, shimtest::cert("server.key").c_str(),
                                                 SSL_FILETYPE_PEM));
        cctx = SSL_CTX_new(TLS_client_method());
        SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, nullptr);
        leaf = load("server.pem");
        root = load("ca.pem");
    }
    void TearDown() override
    {
        SSL_free(c);
        SSL_CTX_free(sctx);
        SSL_CTX_free(cctx);
        X509_free(leaf);
        X509_free(root);
        ERR_clear_error();
    }

    // A client SSL with DANE enabled for base domain.
    SSL *dane_client(const char *domain = "localhost")
    {
        EXPECT_EQ(1, SSL_CTX_dane_enable(cctx));
        c = SSL_new(cctx);
        EXPECT_EQ(1, SSL_dane_enable(c, domain));
        return c;
    }

    int add(uint8_t u, uint8_t s, uint8_t m, const std::vector<unsigned char> &d)
    {
        return SSL_dane_tlsa_add(c, u, s, m, d.data(), d.size());
    }

    // Handshake c with a fresh server SSL; true if both finished.
    bool handshake()
    {
        SSL *s = SSL_new(sctx);
        shimtest::connect_pair(c, s);
        bool ok = shimtest::handshake_pair(c, s);
        SSL_free(s);
        return ok;
    }

    SSL_CTX *sctx = nullptr, *cctx = nullptr;
    SSL *c = nullptr;
    X509 *leaf = nullptr, *root = nullptr;
};

TEST_F(Dane, ContextMustBeEnabledFirst)
{
    c = SSL_new(cctx);
    EXPECT_EQ(0, SSL_dane_enable(c, "localhost"));
    EXPECT_EQ(SSL_R_CONTEXT_NOT_DANE_ENABLED, last_reason());
    EXPECT_EQ(-1, SSL_dane_tlsa_add(c, 3, 1, 1, (const unsigned char *)"x", 1));
    EXPECT_EQ(SSL_R_DANE_NOT_ENABLED, last_reason());
    EXPECT_EQ(-1, SSL_get0_dane_authority(c, nullptr, nullptr));
    EXPECT_NE(nullptr, SSL_get0_dane(c));
}

TEST_F(Dane, EnableTwiceAndTheSniName)
{
    EXPECT_EQ(1, SSL_CTX_dane_enable(cctx));
    EXPECT_EQ(1, SSL_CTX_dane_enable(cctx));
    c = SSL_new(cctx);
    EXPECT_EQ(1, SSL_dane_enable(c, "mx.example.org"));
    EXPECT_STREQ("mx.example.org", SSL_get_servername(c, TLSEXT_NAMETYPE_host_name));
    EXPECT_EQ(0, SSL_dane_enable(c, "other.example"));
    EXPECT_EQ(SSL_R_DANE_ALREADY_ENABLED, last_reason());
    // A name set before stays the SNI name.
    SSL *d = SSL_new(cctx);
    ASSERT_EQ(1, SSL_set_tlsext_host_name(d, "sni.example"));
    EXPECT_EQ(1, SSL_dane_enable(d, "base.example"));
    EXPECT_STREQ("sni.example", SSL_get_servername(d, TLSEXT_NAMETYPE_host_name));
    SSL_free(d);
    // An empty base domain is refused (as an SNI name).
    SSL *e = SSL_new(cctx);
    EXPECT_EQ(-1, SSL_dane_enable(e, ""));
    EXPECT_EQ(SSL_R_ERROR_SETTING_TLSA_BASE_DOMAIN, last_reason());
    SSL_free(e);
}

TEST_F(Dane, RecordsAreChecked)
{
    dane_client();
    std::vector<unsigned char> h = digest(spki_der(leaf), EVP_sha256());
    std::vector<unsigned char> junk = {0x30, 0x03, 0x02, 0x01, 0x01};
    EXPECT_EQ(0, add(4, 1, 1, h));
    EXPECT_EQ(SSL_R_DANE_TLSA_BAD_CERTIFICATE_USAGE, last_reason());
    EXPECT_EQ(0, add(3, 2, 1, h));
    EXPECT_EQ(SSL_R_DANE_TLSA_BAD_SELECTOR, last_reason());
    EXPECT_EQ(0, add(3, 1, 3, h));
    EXPECT_EQ(SSL_R_DANE_TLSA_BAD_MATCHING_TYPE, last_reason());
    EXPECT_EQ(0, add(3, 1, 2, h)); // 32 bytes for SHA2-512
    EXPECT_EQ(SSL_R_DANE_TLSA_BAD_DIGEST_LENGTH, last_reason());
    EXPECT_EQ(0, SSL_dane_tlsa_add(c, 3, 1, 1, nullptr, 32));
    EXPECT_EQ(SSL_R_DANE_TLSA_NULL_DATA, last_reason());
    EXPECT_EQ(0, add(2, 0, 0, junk));
    EXPECT_EQ(SSL_R_DANE_TLSA_BAD_CERTIFICATE, last_reason());
    EXPECT_EQ(0, add(2, 1, 0, junk));
    EXPECT_EQ(SSL_R_DANE_TLSA_BAD_PUBLIC_KEY, last_reason());
    // Trailing bytes after a whole certificate are not a certificate.
    std::vector<unsigned char> longer = cert_der(root);
    longer.push_back(0);
    EXPECT_EQ(0, add(2, 0, 0, longer));
    EXPECT_EQ(SSL_R_DANE_TLSA_BAD_CERTIFICATE, last_reason());
    EXPECT_EQ(1, add(3, 1, 1, h));
    EXPECT_EQ(1, add(2, 0, 0, cert_der(root)));
    EXPECT_EQ(1, add(3, 0, 0, cert_der(leaf)));
}

TEST_F(Dane, MatchingTypes)
{
    EXPECT_EQ(0, SSL_CTX_dane_mtype_set(cctx, EVP_sha256(), 0, 1));
    EXPECT_EQ(SSL_R_DANE_CANNOT_OVERRIDE_MTYPE_FULL, last_reason());
    dane_client();
    // SHA2-512 switched off: its records are refused.
    EXPECT_EQ(1, SSL_CTX_dane_mtype_set(cctx, nullptr, 2, 0));
    EXPECT_EQ(0, add(3, 1, 2, digest(spki_der(leaf), EVP_sha512())));
    EXPECT_EQ(SSL_R_DANE_TLSA_BAD_MATCHING_TYPE, last_reason());
    // A private matching type (RFC 6698 allows 255) with a digest of our choice.
    EXPECT_EQ(1, SSL_CTX_dane_mtype_set(cctx, EVP_sha384(), 255, 3));
    EXPECT_EQ(1, add(3, 1, 255, digest(spki_der(leaf), EVP_sha384())));
    EXPECT_TRUE(handshake());
    uint8_t u = 9, s = 9, m = 9;
    EXPECT_EQ(0, SSL_get0_dane_tlsa(c, &u, &s, &m, nullptr, nullptr));
    EXPECT_EQ(255, m);
}

TEST_F(Dane, Flags)
{
    EXPECT_EQ(0UL, SSL_CTX_dane_set_flags(cctx, DANE_FLAG_NO_DANE_EE_NAMECHECKS));
    EXPECT_EQ((unsigned long)DANE_FLAG_NO_DANE_EE_NAMECHECKS, SSL_CTX_dane_clear_flags(cctx, 0));
    c = SSL_new(cctx);
    // A new SSL starts with the context's flags.
    EXPECT_EQ((unsigned long)DANE_FLAG_NO_DANE_EE_NAMECHECKS,
              SSL_dane_clear_flags(c, DANE_FLAG_NO_DANE_EE_NAMECHECKS));
    EXPECT_EQ(0UL, SSL_dane_set_flags(c, 0x10));
    EXPECT_EQ(0x10UL, SSL_dane_set_flags(c, 0));
    EXPECT_EQ((unsigned long)DANE_FLAG_NO_DANE_EE_NAMECHECKS,
              SSL_CTX_dane_clear_flags(cctx, DANE_FLAG_NO_DANE_EE_NAMECHECKS));
}

TEST_F(Dane, DaneEeMatchAtDepthZero)
{
    dane_client();
    std::vector<unsigned char> h = digest(spki_der(leaf), EVP_sha256());
    ASSERT_EQ(1, add(3, 1, 1, h));
    // Before any verification: enabled, nothing matched yet.
    EXPECT_EQ(-1, SSL_get0_dane_authority(c, nullptr, nullptr));
    EXPECT_TRUE(handshake());
    EXPECT_EQ(X509_V_OK, SSL_get_verify_result(c));
    X509 *mcert = nullptr;
    EVP_PKEY *mspki = nullptr;
    EXPECT_EQ(0, SSL_get0_dane_authority(c, &mcert, &mspki));
    ASSERT_NE(nullptr, mcert);
    EXPECT_EQ(0, X509_cmp(mcert, leaf));
    EXPECT_EQ(nullptr, mspki);
    uint8_t u = 9, s = 9, m = 9;
    const unsigned char *data = nullptr;
    size_t dlen = 0;
    EXPECT_EQ(0, SSL_get0_dane_tlsa(c, &u, &s, &m, &data, &dlen));
    EXPECT_EQ(3, u);
    EXPECT_EQ(1, s);
    EXPECT_EQ(1, m);
    ASSERT_EQ(h.size(), dlen);
    EXPECT_EQ(h, std::vector<unsigned char>(data, data + dlen));
    EXPECT_STREQ("localhost", SSL_get0_peername(c));
}

TEST_F(Dane, DaneTaKeyNotInTheChainIsReportedAtTheDepthItSigned)
{
    // "2 1 0": the root's full SPKI; the server sends its leaf alone.
    dane_client();
    ASSERT_EQ(1, add(2, 1, 0, spki_der(root)));
    EXPECT_TRUE(handshake());
    X509 *mcert = reinterpret_cast<X509 *>(1);
    EVP_PKEY *mspki = nullptr;
    // OpenSSL reports the depth of the certificate the bare key signed
    // (the leaf), not a depth of the absent anchor.
    EXPECT_EQ(0, SSL_get0_dane_authority(c, &mcert, &mspki));
    EXPECT_EQ(nullptr, mcert);
    ASSERT_NE(nullptr, mspki);
    EXPECT_EQ(1, EVP_PKEY_eq(mspki, X509_get0_pubkey(root)));
}

TEST_F(Dane, DaneTaFullCertificateNotSentByThePeer)
{
    // "2 0 0": the root's whole certificate, which the server does not send:
    // the record itself supplies the anchor.
    dane_client();
    ASSERT_EQ(1, add(2, 0, 0, cert_der(root)));
    EXPECT_TRUE(handshake());
    X509 *mcert = nullptr;
    EVP_PKEY *mspki = reinterpret_cast<EVP_PKEY *>(1);
    EXPECT_EQ(1, SSL_get0_dane_authority(c, &mcert, &mspki));
    ASSERT_NE(nullptr, mcert);
    EXPECT_EQ(0, X509_cmp(mcert, root));
    EXPECT_EQ(nullptr, mspki);
}

TEST_F(Dane, RecordOrderPrefersDaneEeAndStrongerDigests)
{
    // A wrong DANE-TA record and a right DANE-EE one added after it: the
    // DANE-EE record is tried first and is the one reported.
    dane_client();
    std::vector<unsigned char> bad(32, 0xab);
    ASSERT_EQ(1, add(2, 0, 1, bad));
    ASSERT_EQ(1, add(3, 1, 1, digest(spki_der(leaf), EVP_sha256())));
    ASSERT_EQ(1, add(3, 1, 2, digest(spki_der(leaf), EVP_sha512())));
    EXPECT_TRUE(handshake());
    uint8_t u = 9, s = 9, m = 9;
    EXPECT_EQ(0, SSL_get0_dane_tlsa(c, &u, &s, &m, nullptr, nullptr));
    EXPECT_EQ(3, u);
    EXPECT_EQ(2, m);
}

TEST_F(Dane, NoMatchFailsTheHandshake)
{
    dane_client();
    ASSERT_EQ(1, add(3, 1, 1, std::vector<unsigned char>(32, 0x5a)));
    EXPECT_FALSE(handshake());
    EXPECT_EQ(X509_V_ERR_DANE_NO_MATCH, SSL_get_verify_result(c));
    EXPECT_EQ(-1, SSL_get0_dane_authority(c, nullptr, nullptr));
    EXPECT_EQ(-1, SSL_get0_dane_tlsa(c, nullptr, nullptr, nullptr, nullptr, nullptr));
}

TEST_F(Dane, DaneEeNameCheckUsesTheBaseDomain)
{
    dane_client("mx.example.org");
    ASSERT_EQ(1, add(3, 1, 1, digest(spki_der(leaf), EVP_sha256())));
    EXPECT_FALSE(handshake());
    EXPECT_EQ(X509_V_ERR_HOSTNAME_MISMATCH, SSL_get_verify_result(c));
}

TEST_F(Dane, DaneEeNameCheckCanBeTurnedOff)
{
    dane_client("mx.example.org");
    SSL_dane_set_flags(c, DANE_FLAG_NO_DANE_EE_NAMECHECKS);
    ASSERT_EQ(1, add(3, 1, 1, digest(spki_der(leaf), EVP_sha256())));
    EXPECT_TRUE(handshake());
    EXPECT_EQ(0, SSL_get0_dane_authority(c, nullptr, nullptr));
}

} // namespace
