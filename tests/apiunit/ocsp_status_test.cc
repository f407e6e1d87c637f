// OCSP stapling through the libssl API, ShimSSL on both ends (memory BIO
// pair), TLS 1.3 and TLS 1.2, as SSL_CTX_set_tlsext_status_cb(3) documents
// it: the client asks with SSL_set_tlsext_status_type, the server's status
// callback provides the response with SSL_set_tlsext_status_ocsp_resp, the
// client reads it with SSL_get_tlsext_status_ocsp_resp in its own status
// callback, and each callback's verdict decides the handshake with OpenSSL's
// alerts and reasons.
#include <gtest/gtest.h>

#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <unistd.h>

#include <cstring>
#include <string>

#include "testlib/testlib.h"

namespace
{

const std::string kResp = std::string("\x30\x03\x0a\x01\x00", 5) + "staple-bytes";

struct Seen {
    // server
    int server_calls = 0;
    int server_verdict = SSL_TLSEXT_ERR_OK;
    bool server_sets = true;
    int server_n_ids = -1;
    int server_n_exts = -1;
    X509 *responder = nullptr; // the first id must name it
    int server_id_match = -1;
    // client
    int client_calls = 0;
    int client_verdict = 1;
    long client_len = -2;
    std::string client_resp;
    bool client_resp_null = false;
};

int server_cb(SSL *s, void *arg)
{
    Seen *seen = static_cast<Seen *>(arg);
    seen->server_calls++;
    STACK_OF(OCSP_RESPID) *ids = nullptr;
    SSL_get_tlsext_status_ids(s, &ids);
    seen->server_n_ids = ids ? sk_OCSP_RESPID_num(ids) : 0;
    if (seen->server_n_ids > 0 && seen->responder)
        seen->server_id_match = OCSP_RESPID_match(sk_OCSP_RESPID_value(ids, 0), seen->responder);
    STACK_OF(X509_EXTENSION) *exts = nullptr;
    SSL_get_tlsext_status_exts(s, &exts);
    seen->server_n_exts = exts ? sk_X509_EXTENSION_num(exts) : 0;
    if (seen->server_sets) {
        unsigned char *copy = (unsigned char *)OPENSSL_memdup(kResp.data(), kResp.size());
        if (SSL_set_tlsext_status_ocsp_resp(s, copy, (long)kResp.size()) != 1)
            return SSL_TLSEXT_ERR_ALERT_FATAL;
    }
    return seen->server_verdict;
}

int client_cb(SSL *s, void *arg)
{
    Seen *seen = static_cast<Seen *>(arg);
    seen->client_calls++;
    const unsigned char *p = nullptr;
    seen->client_len = SSL_get_tlsext_status_ocsp_resp(s, &p);
    seen->client_resp_null = p == nullptr;
    if (p && seen->client_len > 0)
        seen->client_resp.assign((const char *)p, (size_t)seen->client_len);
    return seen->client_verdict;
}

int last_reason()
{
    unsigned long e = ERR_peek_last_error();
    return e != 0 && ERR_GET_LIB(e) == ERR_LIB_SSL ? ERR_GET_REASON(e) : 0;
}

class OcspStatus : public ::testing::TestWithParam<int>
{
  protected:
    void SetUp() override
    {
        alarm(60);
        ERR_clear_error();
        sctx = SSL_CTX_new(TLS_server_method());
        cctx = SSL_CTX_new(TLS_client_method());
        ASSERT_EQ(SSL_CTX_use_certificate_chain_file(sctx, shimtest::cert("server.pem").c_str()), 1);
        ASSERT_EQ(SSL_CTX_use_PrivateKey_file(sctx, shimtest::cert("server.key").c_str(),
                                              SSL_FILETYPE_PEM),
                  1);
        SSL_CTX_set_max_proto_version(cctx, GetParam());
        SSL_CTX_set_tlsext_status_cb(sctx, server_cb);
        SSL_CTX_set_tlsext_status_arg(sctx, &seen);
        SSL_CTX_set_tlsext_status_cb(cctx, client_cb);
        SSL_CTX_set_tlsext_status_arg(cctx, &seen);
    }
    void TearDown() override
    {
        SSL_free(c);
        SSL_free(s);
        SSL_CTX_free(sctx);
        SSL_CTX_free(cctx);
    }
    void make()
    {
        c = SSL_new(cctx);
        s = SSL_new(sctx);
        BIO *a, *b;
        ASSERT_EQ(BIO_new_bio_pair(&a, 0, &b, 0), 1);
        SSL_set_bio(c, a, a);
        SSL_set_bio(s, b, b);
        SSL_set_connect_state(c);
        SSL_set_accept_state(s);
    }
    // 1 when both sides completed, 0 when either failed; the failing side's
    // reason in reason_c / reason_s (the peer reads the alert too).
    int handshake()
    {
        if (!c)
            make();
        int rc = 0, rs = 0;
        for (int i = 0; i < 100 && (rc != 1 || rs != 1); i++) {
            if (rc != 1) {
                ERR_clear_error();
                rc = SSL_do_handshake(c);
                if (rc <= 0 && SSL_get_error(c, rc) != SSL_ERROR_WANT_READ) {
                    reason_c = last_reason();
                    ERR_clear_error();
                    rs = SSL_do_handshake(s);
                    reason_s = last_reason();
                    return 0;
                }
            }
            if (rs != 1) {
                ERR_clear_error();
                rs = SSL_do_handshake(s);
                if (rs <= 0 && SSL_get_error(s, rs) != SSL_ERROR_WANT_READ) {
                    reason_s = last_reason();
                    ERR_clear_error();
                    rc = SSL_do_handshake(c);
                    reason_c = last_reason();
                    return 0;
                }
            }
        }
        return rc == 1 && rs == 1;
    }
    SSL_CTX *sctx = nullptr, *cctx = nullptr;
    SSL *c = nullptr, *s = nullptr;
    Seen seen;
    int reason_c = 0, reason_s = 0;
};

TEST_P(OcspStatus, StapledResponseReachesTheClient)
{
    SSL_CTX_set_tlsext_status_type(cctx, TLSEXT_STATUSTYPE_ocsp);
    make();
    EXPECT_EQ(SSL_get_tlsext_status_type(c), TLSEXT_STATUSTYPE_ocsp);
    ASSERT_EQ(handshake(), 1);
    EXPECT_EQ(SSL_version(c), GetParam());
    EXPECT_EQ(seen.server_calls, 1);
    EXPECT_EQ(seen.server_n_ids, 0);
    EXPECT_EQ(seen.server_n_exts, 0);
    EXPECT_EQ(seen.client_calls, 1);
    EXPECT_EQ(seen.client_len, (long)kResp.size());
    EXPECT_EQ(seen.client_resp, kResp);
    // Still there after the handshake, as OpenSSL keeps it.
    const unsigned char *p = nullptr;
    ASSERT_EQ(SSL_get_tlsext_status_ocsp_resp(c, &p), (long)kResp.size());
    EXPECT_EQ(std::string((const char *)p, kResp.size()), kResp);
    // The server's own copy is what it set.
    ASSERT_EQ(SSL_get_tlsext_status_ocsp_resp(s, &p), (long)kResp.size());
    EXPECT_EQ(std::string((const char *)p, kResp.size()), kResp);
}

TEST_P(OcspStatus, PerConnectionStatusType)
{
    make();
    EXPECT_EQ(SSL_get_tlsext_status_type(c), -1);
    ASSERT_EQ(SSL_set_tlsext_status_type(c, TLSEXT_STATUSTYPE_ocsp), 1);
    ASSERT_EQ(handshake(), 1);
    EXPECT_EQ(seen.client_resp, kResp);
}

TEST_P(OcspStatus, NoRequestNoCallbacks)
{
    ASSERT_EQ(handshake(), 1);
    EXPECT_EQ(seen.server_calls, 0);
    EXPECT_EQ(seen.client_calls, 0);
    const unsigned char *p = (const unsigned char *)"x";
    EXPECT_EQ(SSL_get_tlsext_status_ocsp_resp(c, &p), -1);
    EXPECT_EQ(p, nullptr);
}

TEST_P(OcspStatus, NoAckMeansNoStapleButTheClientIsAsked)
{
    SSL_CTX_set_tlsext_status_type(cctx, TLSEXT_STATUSTYPE_ocsp);
    seen.server_verdict = SSL_TLSEXT_ERR_NOACK;
    ASSERT_EQ(handshake(), 1);
    EXPECT_EQ(seen.server_calls, 1);
    EXPECT_EQ(seen.client_calls, 1);
    EXPECT_EQ(seen.client_len, -1);
    EXPECT_TRUE(seen.client_resp_null);
}

TEST_P(OcspStatus, OkWithoutAResponseStaplesNothing)
{
    SSL_CTX_set_tlsext_status_type(cctx, TLSEXT_STATUSTYPE_ocsp);
    seen.server_sets = false;
    ASSERT_EQ(handshake(), 1);
    EXPECT_EQ(seen.client_calls, 1);
    EXPECT_EQ(seen.client_len, -1);
}

TEST_P(OcspStatus, ServerWithoutCallbackStaplesNothing)
{
    SSL_CTX_set_tlsext_status_type(cctx, TLSEXT_STATUSTYPE_ocsp);
    SSL_CTX_set_tlsext_status_cb(sctx, nullptr);
    ASSERT_EQ(handshake(), 1);
    EXPECT_EQ(seen.client_calls, 1);
    EXPECT_EQ(seen.client_len, -1);
}

TEST_P(OcspStatus, ClientRejectsTheResponse)
{
    SSL_CTX_set_tlsext_status_type(cctx, TLSEXT_STATUSTYPE_ocsp);
    seen.client_verdict = 0;
    ASSERT_EQ(handshake(), 0);
    EXPECT_EQ(seen.client_calls, 1);
    EXPECT_EQ(reason_c, SSL_R_INVALID_STATUS_RESPONSE);
    EXPECT_EQ(reason_s, SSL_R_TLSV1_BAD_CERTIFICATE_STATUS_RESPONSE);
}

TEST_P(OcspStatus, ClientCallbackFailure)
{
    SSL_CTX_set_tlsext_status_type(cctx, TLSEXT_STATUSTYPE_ocsp);
    seen.client_verdict = -1;
    ASSERT_EQ(handshake(), 0);
    EXPECT_EQ(reason_c, SSL_R_OCSP_CALLBACK_FAILURE);
    EXPECT_EQ(reason_s, SSL_R_TLSV1_ALERT_INTERNAL_ERROR);
}

TEST_P(OcspStatus, ServerCallbackFatal)
{
    SSL_CTX_set_tlsext_status_type(cctx, TLSEXT_STATUSTYPE_ocsp);
    seen.server_verdict = SSL_TLSEXT_ERR_ALERT_FATAL;
    ASSERT_EQ(handshake(), 0);
    EXPECT_EQ(reason_s, SSL_R_CLIENTHELLO_TLSEXT);
    EXPECT_EQ(reason_c, SSL_R_TLSV1_ALERT_INTERNAL_ERROR);
    EXPECT_EQ(seen.client_calls, 0);
}

TEST_P(OcspStatus, ResponderIdsAndExtensionsReachTheServer)
{
    SSL_CTX_set_tlsext_status_type(cctx, TLSEXT_STATUSTYPE_ocsp);
    make();
    // One responder (the test CA, by name), and a nonce extension, as a
    // request carries them.
    BIO *in = BIO_new_file(shimtest::cert("ca.pem").c_str(), "r");
    ASSERT_NE(in, nullptr);
    seen.responder = PEM_read_bio_X509(in, nullptr, nullptr, nullptr);
    BIO_free(in);
    ASSERT_NE(seen.responder, nullptr);
    STACK_OF(OCSP_RESPID) *ids = sk_OCSP_RESPID_new_null();
    OCSP_RESPID *id = OCSP_RESPID_new();
    ASSERT_EQ(OCSP_RESPID_set_by_name(id, seen.responder), 1);
    sk_OCSP_RESPID_push(ids, id);
    ASSERT_EQ(SSL_set_tlsext_status_ids(c, ids), 1);
    STACK_OF(X509_EXTENSION) *exts = sk_X509_EXTENSION_new_null();
    ASN1_OCTET_STRING *nonce = ASN1_OCTET_STRING_new();
    ASN1_OCTET_STRING_set(nonce, (const unsigned char *)"\x04\x02"
                                                        "ab",
                          4);
    X509_EXTENSION *ext = X509_EXTENSION_create_by_NID(nullptr, NID_id_pkix_OCSP_Nonce, 0, nonce);
    ASN1_OCTET_STRING_free(nonce);
    sk_X509_EXTENSION_push(exts, ext);
    ASSERT_EQ(SSL_set_tlsext_status_exts(c, exts), 1);
    STACK_OF(OCSP_RESPID) *back = nullptr;
    SSL_get_tlsext_status_ids(c, &back);
    EXPECT_EQ(back, ids);
    ASSERT_EQ(handshake(), 1);
    EXPECT_EQ(seen.server_calls, 1);
    EXPECT_EQ(seen.server_n_ids, 1);
    EXPECT_EQ(seen.server_id_match, 1);
    EXPECT_EQ(seen.server_n_exts, 1);
    EXPECT_EQ(seen.client_resp, kResp);
    X509_free(seen.responder);
}

TEST_P(OcspStatus, ResumptionDoesNotAskAgain)
{
    SSL_CTX_set_tlsext_status_type(cctx, TLSEXT_STATUSTYPE_ocsp);
    SSL_CTX_set_session_cache_mode(cctx, SSL_SESS_CACHE_CLIENT);
    ASSERT_EQ(handshake(), 1);
    // Read the tickets (TLS 1.3 sends them after the handshake).
    char buf[1];
    SSL_write(s, "x", 1);
    SSL_read(c, buf, 1);
    SSL_SESSION *sess = SSL_get1_session(c);
    ASSERT_NE(sess, nullptr);
    // Closed properly: a connection freed without close_notify leaves a
    // bad session (SSL_free(3)).
    (void)SSL_shutdown(c);
    (void)SSL_shutdown(s);
    SSL_free(c);
    SSL_free(s);
    c = s = nullptr;
    make();
    SSL_set_session(c, sess);
    SSL_SESSION_free(sess);
    int server_calls = seen.server_calls;
    ASSERT_EQ(handshake(), 1);
    EXPECT_EQ(SSL_session_reused(c), 1);
    // No certificate in a resumption: nothing to staple.
    EXPECT_EQ(seen.server_calls, server_calls);
    const unsigned char *p = nullptr;
    EXPECT_EQ(SSL_get_tlsext_status_ocsp_resp(c, &p), -1);
}

INSTANTIATE_TEST_SUITE_P(Versions, OcspStatus, ::testing::Values(TLS1_3_VERSION, TLS1_2_VERSION),
                         [](const ::testing::TestParamInfo<int> &i) {
                             return std::string(i.param == TLS1_3_VERSION ? "Tls13" : "Tls12");
                         });

} // namespace

namespace
{

// A server with an RSA and an ECDSA certificate: its status callback sees
// the one chosen for this client as SSL_get_certificate (nginx looks its
// staple up by it), as OpenSSL makes it current before the call.
int seen_key_type;
int type_cb(SSL *s, void *)
{
    X509 *x = SSL_get_certificate(s);
    seen_key_type = x ? EVP_PKEY_get_base_id(X509_get0_pubkey(x)) : 0;
    EVP_PKEY *k = SSL_get_privatekey(s);
    if (!k || EVP_PKEY_get_base_id(k) != seen_key_type)
        seen_key_type = -1;
    return SSL_TLSEXT_ERR_NOACK;
}

int handshake_pair(SSL *c, SSL *s)
{
    int rc = 0, rs = 0;
    for (int i = 0; i < 100 && (rc != 1 || rs != 1); i++) {
        if (rc != 1)
            rc = SSL_do_handshake(c);
        if (rs != 1)
            rs = SSL_do_handshake(s);
        if ((rc <= 0 && SSL_get_error(c, rc) != SSL_ERROR_WANT_READ) ||
            (rs <= 0 && SSL_get_error(s, rs) != SSL_ERROR_WANT_READ))
            return 0;
    }
    return rc == 1 && rs == 1;
}

TEST(OcspStatusCert, CallbackSeesTheCertificateChosenForTheClient)
{
    for (int version : {TLS1_3_VERSION, TLS1_2_VERSION}) {
        for (const char *sigalgs : {"RSA-PSS+SHA256", "ECDSA+SHA256"}) {
            SCOPED_TRACE(std::string(sigalgs) + " " + std::to_string(version));
            SSL_CTX *sctx = SSL_CTX_new(TLS_server_method());
            SSL_CTX *cctx = SSL_CTX_new(TLS_client_method());
            // RSA first, ECDSA last: the ECDSA one is "current".
            ASSERT_EQ(SSL_CTX_use_certificate_file(sctx, shimtest::cert("server.pem").c_str(),
                                                   SSL_FILETYPE_PEM),
                      1);
            ASSERT_EQ(SSL_CTX_use_PrivateKey_file(sctx, shimtest::cert("server.key").c_str(),
                                                  SSL_FILETYPE_PEM),
                      1);
            ASSERT_EQ(SSL_CTX_use_certificate_file(sctx, shimtest::cert("server-ec.pem").c_str(),
                                                   SSL_FILETYPE_PEM),
                      1);
            ASSERT_EQ(SSL_CTX_use_PrivateKey_file(sctx, shimtest::cert("server-ec.key").c_str(),
                                                  SSL_FILETYPE_PEM),
                      1);
            SSL_CTX_set_tlsext_status_cb(sctx, type_cb);
            SSL_CTX_set_max_proto_version(cctx, version);
            SSL_CTX_set_tlsext_status_type(cctx, TLSEXT_STATUSTYPE_ocsp);
            ASSERT_EQ(SSL_CTX_set1_sigalgs_list(cctx, sigalgs), 1);
            SSL *c = SSL_new(cctx), *s = SSL_new(sctx);
            BIO *a, *b;
            ASSERT_EQ(BIO_new_bio_pair(&a, 0, &b, 0), 1);
            SSL_set_bio(c, a, a);
            SSL_set_bio(s, b, b);
            SSL_set_connect_state(c);
            SSL_set_accept_state(s);
            seen_key_type = 0;
            EXPECT_EQ(handshake_pair(c, s), 1);
            int want = sigalgs[0] == 'R' ? EVP_PKEY_RSA : EVP_PKEY_EC;
            EXPECT_EQ(seen_key_type, want);
            EXPECT_EQ(EVP_PKEY_get_base_id(X509_get0_pubkey(SSL_get0_peer_certificate(c))), want);
            SSL_free(c);
            SSL_free(s);
            SSL_CTX_free(sctx);
            SSL_CTX_free(cctx);
        }
    }
}

} // namespace
