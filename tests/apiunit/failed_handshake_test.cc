// What a failed TLS 1.2 handshake leaves for the application to read: the
// session, the current and pending cipher, the peer's certificate and chain,
// the peer's signature type after a bad signature. s_client prints these after
// a failure (its "SSL-Session" block, "Cipher is (NONE)"). Built against
// ShimSSL and, as the reference, against the system OpenSSL: every
// expectation is OpenSSL 3.0's.
#include <gtest/gtest.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>

#include <cstdint>
#include <string>
#include <vector>

#include "testlib/testlib.h"

namespace
{

std::string drain(BIO *b)
{
    std::string out;
    char buf[4096];
    int n;
    while ((n = BIO_read(b, buf, sizeof(buf))) > 0)
        out.append(buf, (size_t)n);
    return out;
}

// A client and a server over memory BIOs; the test carries the bytes and
// may change the server's first flight on the way.
struct Wire {
    SSL_CTX *cctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX *sctx = SSL_CTX_new(TLS_server_method());
    SSL *client = nullptr, *server = nullptr;
    BIO *c_in = nullptr, *c_out = nullptr, *s_in = nullptr, *s_out = nullptr;
    int client_rc = 0, server_rc = 0;
    // The last (outermost) entry each end left on the queue.
    unsigned long client_err = 0, server_err = 0;

    Wire()
    {
        SSL_CTX_use_certificate_file(sctx, shimtest::cert("server.pem").c_str(), SSL_FILETYPE_PEM);
        SSL_CTX_use_PrivateKey_file(sctx, shimtest::cert("server.key").c_str(), SSL_FILETYPE_PEM);
        SSL_CTX_set_max_proto_version(cctx, TLS1_2_VERSION);
    }
    ~Wire()
    {
        SSL_free(client);
        SSL_free(server);
        SSL_CTX_free(cctx);
        SSL_CTX_free(sctx);
    }
    void start()
    {
        client = SSL_new(cctx);
        server = SSL_new(sctx);
        c_in = BIO_new(BIO_s_mem());
        c_out = BIO_new(BIO_s_mem());
        s_in = BIO_new(BIO_s_mem());
        s_out = BIO_new(BIO_s_mem());
        SSL_set_bio(client, c_in, c_out);
        SSL_set_bio(server, s_in, s_out);
        SSL_set_connect_state(client);
        SSL_set_accept_state(server);
    }
    // Runs both ends until one fails or both finish. `tamper` sees each
    // batch the server sends before the client reads it.
    bool run(void (*tamper)(std::string &) = nullptr)
    {
        bool client_done = false, server_done = false;
        for (int round = 0; round < 32; round++) {
            if (!client_done) {
                client_rc = SSL_do_handshake(client);
                if (client_rc == 1)
                    client_done = true;
                else if (SSL_get_error(client, client_rc) != SSL_ERROR_WANT_READ) {
                    client_err = ERR_peek_last_error();
                    ERR_clear_error();
                    deliver(c_out, s_in, nullptr);
                    server_rc = SSL_do_handshake(server);
                    server_err = ERR_peek_last_error();
                    ERR_clear_error();
                    return false;
                }
            }
            deliver(c_out, s_in, nullptr);
            if (!server_done) {
                server_rc = SSL_do_handshake(server);
                if (server_rc == 1)
                    server_done = true;
                else if (SSL_get_error(server, server_rc) != SSL_ERROR_WANT_READ) {
                    server_err = ERR_peek_last_error();
                    ERR_clear_error();
                    return false;
                }
            }
            deliver(s_out, c_in, tamper);
            if (client_done && server_done)
                return true;
        }
        return false;
    }
    static void deliver(BIO *from, BIO *to, void (*tamper)(std::string &))
    {
        std::string bytes = drain(from);
        if (bytes.empty())
            return;
        if (tamper != nullptr)
            tamper(bytes);
        BIO_write(to, bytes.data(), (int)bytes.size());
    }
};

// Flips the last byte of the ServerKeyExchange (inside its signature), in
// plaintext handshake records however the messages are split into records.
void break_ske_signature(std::string &wire)
{
    std::vector<size_t> where; // offset in `wire` of each handshake byte
    std::string hs;
    for (size_t at = 0; at + 5 <= wire.size();) {
        size_t len = (uint8_t)wire[at + 3] << 8 | (uint8_t)wire[at + 4];
        if (wire[at] == 22)
            for (size_t i = 0; i < len && at + 5 + i < wire.size(); i++) {
                where.push_back(at + 5 + i);
                hs.push_back(wire[at + 5 + i]);
            }
        at += 5 + len;
    }
    for (size_t m = 0; m + 4 <= hs.size();) {
        size_t len = (uint8_t)hs[m + 1] << 16 | (uint8_t)hs[m + 2] << 8 | (uint8_t)hs[m + 3];
        if (hs[m] == 12 && m + 4 + len <= hs.size()) {
            wire[where[m + 3 + len]] ^= 0x01;
            return;
        }
        m += 4 + len;
    }
}

std::string session_text(SSL_SESSION *ss)
{
    BIO *b = BIO_new(BIO_s_mem());
    SSL_SESSION_print(b, ss);
    std::string text = drain(b);
    BIO_free(b);
    return text;
}

std::string cipher_name(const SSL_CIPHER *c)
{
    return c != nullptr ? SSL_CIPHER_get_name(c) : "(none)";
}

TEST(FailedTls12Handshake, RejectedCertificateLeavesASessionWithoutCipher)
{
    Wire w;
    SSL_CTX_set_verify(w.cctx, SSL_VERIFY_PEER, nullptr); // no trust anchors
    w.start();
    ASSERT_FALSE(w.run());
    EXPECT_EQ(ERR_GET_REASON(w.client_err), SSL_R_CERTIFICATE_VERIFY_FAILED);

    // The client: a session (as s_client prints after a failure), for
    // TLS 1.2, not resumable, with no cipher, master key or peer yet.
    SSL_SESSION *ss = SSL_get_session(w.client);
    ASSERT_NE(ss, nullptr);
    EXPECT_EQ(SSL_SESSION_get_protocol_version(ss), TLS1_2_VERSION);
    EXPECT_EQ(SSL_SESSION_get0_cipher(ss), nullptr);
    EXPECT_EQ(SSL_SESSION_is_resumable(ss), 0);
    EXPECT_EQ(SSL_SESSION_get_master_key(ss, nullptr, 0), 0u);
    EXPECT_EQ(SSL_SESSION_get0_peer(ss), nullptr);
    EXPECT_EQ(SSL_get_current_cipher(w.client), nullptr);
    EXPECT_EQ(cipher_name(SSL_get_pending_cipher(w.client)), "ECDHE-RSA-AES256-GCM-SHA384");
    EXPECT_STREQ(SSL_get_version(w.client), "TLSv1.2");
    // The rejected certificate is not the peer's; the chain it came in is kept.
    EXPECT_EQ(SSL_get0_peer_certificate(w.client), nullptr);
    ASSERT_NE(SSL_get_peer_cert_chain(w.client), nullptr);
    EXPECT_EQ(sk_X509_num(SSL_get_peer_cert_chain(w.client)), 1);
    EXPECT_EQ(SSL_get_verify_result(w.client), X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
    // What s_client prints of it.
    std::string printed = session_text(SSL_get_session(w.client));
    EXPECT_NE(printed.find("    Protocol  : TLSv1.2\n    Cipher    : 0000\n    Session-ID: \n"),
              std::string::npos)
        << printed;
    EXPECT_NE(printed.find("    Master-Key: \n"), std::string::npos) << printed;
    EXPECT_NE(printed.find("    Verify return code: 0 (ok)\n"), std::string::npos) << printed;

    // The server, told by the alert.
    EXPECT_EQ(ERR_GET_REASON(w.server_err), SSL_R_TLSV1_ALERT_UNKNOWN_CA);
    ss = SSL_get_session(w.server);
    ASSERT_NE(ss, nullptr);
    EXPECT_EQ(SSL_SESSION_get_protocol_version(ss), TLS1_2_VERSION);
    EXPECT_EQ(SSL_SESSION_get0_cipher(ss), nullptr);
    EXPECT_EQ(SSL_SESSION_is_resumable(ss), 0);
    EXPECT_EQ(SSL_get_current_cipher(w.server), nullptr);
    EXPECT_EQ(cipher_name(SSL_get_pending_cipher(w.server)), "ECDHE-RSA-AES256-GCM-SHA384");
}

TEST(FailedTls12Handshake, BadServerKeyExchangeSignatureKeepsItsType)
{
    Wire w;
    SSL_CTX_set_cipher_list(w.sctx, "ECDHE-RSA-AES128-GCM-SHA256");
    SSL_CTX_set1_sigalgs_list(w.sctx, "RSA-PSS+SHA256");
    w.start();
    ASSERT_FALSE(w.run(break_ske_signature));
    EXPECT_EQ(ERR_GET_REASON(w.client_err), SSL_R_BAD_SIGNATURE);
    EXPECT_EQ(ERR_GET_REASON(w.server_err), SSL_R_TLSV1_ALERT_DECRYPT_ERROR);

    // What the server signed with is known though the signature is bad.
    int nid = NID_undef;
    EXPECT_EQ(SSL_get_peer_signature_type_nid(w.client, &nid), 1);
    EXPECT_EQ(nid, EVP_PKEY_RSA_PSS);
    nid = NID_undef;
    EXPECT_EQ(SSL_get_peer_signature_nid(w.client, &nid), 1);
    EXPECT_EQ(nid, NID_sha256);
    // The certificate was accepted (no verification asked), so it is the peer's.
    EXPECT_NE(SSL_get0_peer_certificate(w.client), nullptr);
    SSL_SESSION *ss = SSL_get_session(w.client);
    ASSERT_NE(ss, nullptr);
    EXPECT_EQ(SSL_SESSION_get0_cipher(ss), nullptr);
    EXPECT_EQ(SSL_get_current_cipher(w.client), nullptr);
    EXPECT_EQ(cipher_name(SSL_get_pending_cipher(w.client)), "ECDHE-RSA-AES128-GCM-SHA256");
}

TEST(FailedTls12Handshake, FinishedHandshakeKeepsThePendingCipher)
{
    Wire w;
    w.start();
    ASSERT_TRUE(w.run());
    EXPECT_EQ(cipher_name(SSL_get_current_cipher(w.client)), "ECDHE-RSA-AES256-GCM-SHA384");
    EXPECT_EQ(cipher_name(SSL_get_pending_cipher(w.client)), "ECDHE-RSA-AES256-GCM-SHA384");
    EXPECT_EQ(cipher_name(SSL_get_current_cipher(w.server)), "ECDHE-RSA-AES256-GCM-SHA384");
    EXPECT_EQ(cipher_name(SSL_get_pending_cipher(w.server)), "ECDHE-RSA-AES256-GCM-SHA384");
}

} // namespace
