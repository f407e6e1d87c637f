// SSL_SESSION as an application uses it: its getters and setters, reference
// counting, the SSL_SESSION_print text `openssl s_client` shows, and the
// SSL_set_session / SSL_get_session round trip before a handshake.
#include <gtest/gtest.h>

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cstdio>
#include <string>

#include "testlib/testlib.h"

namespace
{

const SSL_CIPHER *cipher(SSL *s, uint16_t id)
{
    unsigned char b[2] = {(unsigned char)(id >> 8), (unsigned char)id};
    return SSL_CIPHER_find(s, b);
}

std::string print(const SSL_SESSION *ss)
{
    BIO *b = BIO_new(BIO_s_mem());
    EXPECT_EQ(SSL_SESSION_print(b, ss), 1);
    char *p = nullptr;
    long n = BIO_get_mem_data(b, &p);
    std::string s(p, (size_t)n);
    BIO_free(b);
    return s;
}

class SessionApi : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        ASSERT_EQ(OPENSSL_init_ssl(0, nullptr), 1);
        ctx = SSL_CTX_new(TLS_client_method());
        ssl = SSL_new(ctx);
        ss = SSL_SESSION_new();
        ASSERT_NE(ss, nullptr);
    }
    void TearDown() override
    {
        SSL_SESSION_free(ss);
        SSL_free(ssl);
        SSL_CTX_free(ctx);
        ERR_clear_error();
    }
    SSL_CTX *ctx = nullptr;
    SSL *ssl = nullptr;
    SSL_SESSION *ss = nullptr;
};

TEST_F(SessionApi, Getters)
{
    // A new session's timeout in OpenSSL 3.0 (ssl_sess.c): 304 seconds (its
    // verify result, not X509_V_OK yet, shows in the print test).
    EXPECT_EQ(SSL_SESSION_get_timeout(ss), 304);
    EXPECT_GT(SSL_SESSION_get_time(ss), 0);
    EXPECT_EQ(SSL_SESSION_set_protocol_version(ss, TLS1_3_VERSION), 1);
    EXPECT_EQ(SSL_SESSION_get_protocol_version(ss), TLS1_3_VERSION);
    const SSL_CIPHER *c = cipher(ssl, 0x1301);
    EXPECT_EQ(SSL_SESSION_set_cipher(ss, c), 1);
    EXPECT_EQ(SSL_SESSION_get0_cipher(ss), c);
    EXPECT_EQ(SSL_SESSION_set_time(ss, 1000), 1000);
    EXPECT_EQ(SSL_SESSION_get_time(ss), 1000);
    EXPECT_EQ(SSL_SESSION_set_timeout(ss, 300), 1);
    EXPECT_EQ(SSL_SESSION_get_timeout(ss), 300);
    EXPECT_EQ(SSL_SESSION_get0_peer(ss), nullptr);
    EXPECT_EQ(SSL_SESSION_set1_hostname(ss, "example.org"), 1);
    EXPECT_STREQ(SSL_SESSION_get0_hostname(ss), "example.org");
    const unsigned char h2[] = {'h', '2'};
    EXPECT_EQ(SSL_SESSION_set1_alpn_selected(ss, h2, 2), 1);
    const unsigned char *alpn;
    size_t alpn_len;
    SSL_SESSION_get0_alpn_selected(ss, &alpn, &alpn_len);
    ASSERT_EQ(alpn_len, 2u);
    EXPECT_EQ(std::string((const char *)alpn, 2), "h2");
    EXPECT_EQ(SSL_SESSION_is_resumable(ss), 0);
    EXPECT_EQ(SSL_SESSION_has_ticket(ss), 0);
    EXPECT_EQ(SSL_SESSION_get_master_key(ss, nullptr, 0), 0u);
}

TEST_F(SessionApi, IdsAndKeys)
{
    unsigned char id[40] = {1, 2, 3};
    EXPECT_EQ(SSL_SESSION_set1_id(ss, id, 33), 0); // longer than 32
    EXPECT_EQ(ERR_GET_REASON(ERR_peek_last_error()), SSL_R_SSL_SESSION_ID_TOO_LONG);
    ERR_clear_error();
    ASSERT_EQ(SSL_SESSION_set1_id(ss, id, 3), 1);
    unsigned int len = 0;
    const unsigned char *got = SSL_SESSION_get_id(ss, &len);
    ASSERT_EQ(len, 3u);
    EXPECT_EQ(got[2], 3);
    EXPECT_EQ(SSL_SESSION_set1_id_context(ss, id, 33), 0);
    ERR_clear_error();
    ASSERT_EQ(SSL_SESSION_set1_id_context(ss, id, 2), 1);
    SSL_SESSION_get0_id_context(ss, &len);
    EXPECT_EQ(len, 2u);
    unsigned char key[48];
    for (int i = 0; i < 48; i++)
        key[i] = (unsigned char)i;
    ASSERT_EQ(SSL_SESSION_set1_master_key(ss, key, 48), 1);
    EXPECT_EQ(SSL_SESSION_get_master_key(ss, nullptr, 0), 48u);
    unsigned char out[16];
    EXPECT_EQ(SSL_SESSION_get_master_key(ss, out, sizeof(out)), 16u);
    EXPECT_EQ(out[15], 15);
    EXPECT_EQ(SSL_SESSION_is_resumable(ss), 1);
    // The NSS key log line for a TLS 1.2 style session.
    BIO *b = BIO_new(BIO_s_mem());
    ASSERT_EQ(SSL_SESSION_print_keylog(b, ss), 1);
    char *p;
    long n = BIO_get_mem_data(b, &p);
    EXPECT_EQ(std::string(p, (size_t)n).substr(0, 27), "RSA Session-ID:010203 Maste");
    BIO_free(b);
}

TEST_F(SessionApi, RefcountAndDup)
{
    ASSERT_EQ(SSL_SESSION_set1_hostname(ss, "a.example"), 1);
    SSL_SESSION *d = SSL_SESSION_dup(ss);
    ASSERT_NE(d, nullptr);
    EXPECT_NE(d, ss);
    EXPECT_STREQ(SSL_SESSION_get0_hostname(d), "a.example");
    ASSERT_EQ(SSL_SESSION_set1_hostname(ss, "b.example"), 1);
    EXPECT_STREQ(SSL_SESSION_get0_hostname(d), "a.example");
    SSL_SESSION_free(d);
    EXPECT_EQ(SSL_SESSION_up_ref(ss), 1);
    SSL_SESSION_free(ss); // still one reference left for TearDown
    EXPECT_STREQ(SSL_SESSION_get0_hostname(ss), "b.example");
}

TEST_F(SessionApi, PrintMatchesOpenSslLayout)
{
    SSL_SESSION_set_protocol_version(ss, TLS1_3_VERSION);
    SSL_SESSION_set_cipher(ss, cipher(ssl, 0x1302));
    SSL_SESSION_set_time(ss, 1700000000);
    std::string s = print(ss);
    const std::string head = "SSL-Session:\n"
                             "    Protocol  : TLSv1.3\n"
                             "    Cipher    : TLS_AES_256_GCM_SHA384\n"
                             "    Session-ID: \n";
    EXPECT_EQ(s.substr(0, head.size()), head);
    EXPECT_NE(s.find("\n    Resumption PSK: \n"), std::string::npos) << s;
    EXPECT_NE(s.find("\n    Start Time: 1700000000\n    Timeout   : 304 (sec)\n"),
              std::string::npos)
        << s;
    EXPECT_NE(s.find("    Verify return code: 1 (unspecified certificate verification error)\n"),
              std::string::npos)
        << s;
    SSL_SESSION_set_protocol_version(ss, TLS1_2_VERSION);
    EXPECT_NE(print(ss).find("    Protocol  : TLSv1.2\n"), std::string::npos);
    EXPECT_NE(print(ss).find("\n    Master-Key: \n"), std::string::npos);
}

TEST_F(SessionApi, SetSessionIsKeptUntilAHandshake)
{
    EXPECT_EQ(SSL_get_session(ssl), nullptr);
    ASSERT_EQ(SSL_set_session(ssl, ss), 1);
    EXPECT_EQ(SSL_get_session(ssl), ss);
    SSL_SESSION *one = SSL_get1_session(ssl);
    EXPECT_EQ(one, ss);
    SSL_SESSION_free(one);
    EXPECT_EQ(SSL_session_reused(ssl), 0);
    ASSERT_EQ(SSL_set_session(ssl, nullptr), 1);
    EXPECT_EQ(SSL_get_session(ssl), nullptr);
}

TEST_F(SessionApi, IdContextLimits)
{
    unsigned char sid[33] = {0};
    EXPECT_EQ(SSL_CTX_set_session_id_context(ctx, sid, 33), 0);
    EXPECT_EQ(ERR_GET_REASON(ERR_peek_last_error()), SSL_R_SSL_SESSION_ID_CONTEXT_TOO_LONG);
    EXPECT_EQ(SSL_CTX_set_session_id_context(ctx, sid, 32), 1);
    EXPECT_EQ(SSL_set_session_id_context(ssl, sid, 4), 1);
}

int new_cb(SSL *, SSL_SESSION *)
{
    return 0;
}

TEST_F(SessionApi, CacheCallbacksAreStored)
{
    SSL_CTX_sess_set_new_cb(ctx, new_cb);
    EXPECT_EQ(SSL_CTX_sess_get_new_cb(ctx), &new_cb);
    EXPECT_EQ(SSL_CTX_sess_get_remove_cb(ctx), nullptr);
}

// The DER/PEM form is OpenSSL's: the system `openssl sess_id` (on the system
// libssl) reads what we write, and we read back what we wrote.
TEST_F(SessionApi, PemFormIsReadableByTheSystemOpenSsl)
{
    unsigned char id[32], key[48];
    for (int i = 0; i < 32; i++)
        id[i] = (unsigned char)(0xA0 + i);
    for (int i = 0; i < 48; i++)
        key[i] = (unsigned char)i;
    SSL_SESSION_set_protocol_version(ss, TLS1_2_VERSION);
    SSL_SESSION_set_cipher(ss, cipher(ssl, 0xC02F));
    SSL_SESSION_set1_id(ss, id, 32);
    SSL_SESSION_set1_master_key(ss, key, 48);
    SSL_SESSION_set1_hostname(ss, "example.org");
    SSL_SESSION_set_time(ss, 1700000000);

    std::string dir = shimtest::make_temp_dir("sess");
    std::string path = dir + "/s.pem";
    FILE *f = fopen(path.c_str(), "w");
    ASSERT_NE(f, nullptr);
    ASSERT_EQ(PEM_write_SSL_SESSION(f, ss), 1);
    fclose(f);

    shimtest::RunResult r = shimtest::run({"openssl", "sess_id", "-in", path, "-noout", "-text"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("Protocol  : TLSv1.2"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("Cipher    : ECDHE-RSA-AES128-GCM-SHA256"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("Session-ID: A0A1A2A3"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("Master-Key: 000102030405"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("Start Time: 1700000000"), std::string::npos) << r.out;

    f = fopen(path.c_str(), "r");
    ASSERT_NE(f, nullptr);
    SSL_SESSION *back = PEM_read_SSL_SESSION(f, nullptr, nullptr, nullptr);
    fclose(f);
    ASSERT_NE(back, nullptr);
    EXPECT_EQ(SSL_SESSION_get_protocol_version(back), TLS1_2_VERSION);
    EXPECT_STREQ(SSL_CIPHER_get_name(SSL_SESSION_get0_cipher(back)), "ECDHE-RSA-AES128-GCM-SHA256");
    EXPECT_STREQ(SSL_SESSION_get0_hostname(back), "example.org");
    EXPECT_EQ(SSL_SESSION_get_time(back), 1700000000);
    EXPECT_EQ(SSL_SESSION_get_master_key(back, nullptr, 0), 48u);
    EXPECT_EQ(print(back), print(ss));
    SSL_SESSION_free(back);
    std::remove(path.c_str());

    const unsigned char junk[] = {0x30, 0x03, 0x02, 0x01, 0x07};
    const unsigned char *p = junk;
    EXPECT_EQ(d2i_SSL_SESSION(nullptr, &p, sizeof(junk)), nullptr);
    ERR_clear_error();
}

} // namespace
