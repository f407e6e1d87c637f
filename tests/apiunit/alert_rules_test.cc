// What a client does with an alert that arrives instead of the ServerHello,
// by level and description. Built against ShimSSL and, as the reference,
// against the system OpenSSL: both must pass, so every expectation here is
// OpenSSL 3.0's: until a version is chosen, TLS 1.2's rules apply, whatever
// the client offers (TLS 1.3's own rules are tested over a connection in
// tests/unit).
#include <gtest/gtest.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cstdint>
#include <vector>

namespace
{

struct Outcome {
    int ret;
    int error;           // SSL_get_error
    unsigned long first; // first error on the queue (0 if none)
    int shutdown;        // SSL_get_shutdown
};

// A client that has sent its ClientHello reads `records` (plaintext alert
// records) as the server's reply.
Outcome client_reads(int max_version, const std::vector<std::vector<uint8_t>> &records)
{
    ERR_clear_error();
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    EXPECT_NE(ctx, nullptr);
    SSL_CTX_set_max_proto_version(ctx, max_version);
    SSL *ssl = SSL_new(ctx);
    BIO *in = BIO_new(BIO_s_mem());
    BIO *out = BIO_new(BIO_s_mem());
    SSL_set_bio(ssl, in, out);
    EXPECT_EQ(SSL_connect(ssl), -1);
    EXPECT_EQ(SSL_get_error(ssl, -1), SSL_ERROR_WANT_READ);
    for (const auto &alert : records) {
        std::vector<uint8_t> rec = {0x15, 0x03, 0x03, 0x00, uint8_t(alert.size())};
        rec.insert(rec.end(), alert.begin(), alert.end());
        BIO_write(in, rec.data(), int(rec.size()));
    }
    Outcome o;
    o.ret = SSL_connect(ssl);
    o.error = SSL_get_error(ssl, o.ret);
    o.first = ERR_peek_error();
    o.shutdown = SSL_get_shutdown(ssl);
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    ERR_clear_error();
    return o;
}

const std::vector<uint8_t> kFatalCloseNotify = {2, 0};
const std::vector<uint8_t> kWarningCloseNotify = {1, 0};
const std::vector<uint8_t> kWarningUserCanceled = {1, 90};
const std::vector<uint8_t> kUnknownLevelHandshakeFailure = {3, 40};
const std::vector<uint8_t> kWarningNoRenegotiation = {1, 100};

TEST(AlertRules, FatalCloseNotifyIsAnError)
{
    for (int v : {TLS1_2_VERSION, TLS1_3_VERSION}) {
        Outcome o = client_reads(v, {kFatalCloseNotify});
        EXPECT_EQ(o.error, SSL_ERROR_SSL) << v;
        EXPECT_EQ(ERR_GET_REASON(o.first), SSL_AD_REASON_OFFSET + SSL_AD_CLOSE_NOTIFY) << v;
    }
}

TEST(AlertRules, WarningCloseNotifyIsAClose)
{
    for (int v : {TLS1_2_VERSION, TLS1_3_VERSION}) {
        Outcome o = client_reads(v, {kWarningCloseNotify});
        EXPECT_EQ(o.first, 0UL) << v;
        EXPECT_NE(o.shutdown & SSL_RECEIVED_SHUTDOWN, 0) << v;
    }
}

TEST(AlertRules, WarningUserCanceledIsIgnored)
{
    Outcome o = client_reads(TLS1_3_VERSION, {kWarningUserCanceled});
    EXPECT_EQ(o.error, SSL_ERROR_WANT_READ);
    EXPECT_EQ(o.first, 0UL);
}

TEST(AlertRules, OtherWarningsAreIgnored)
{
    for (int v : {TLS1_2_VERSION, TLS1_3_VERSION}) {
        Outcome o = client_reads(v, {{1, 42}}); // bad_certificate
        EXPECT_EQ(o.error, SSL_ERROR_WANT_READ) << v;
        EXPECT_EQ(o.first, 0UL) << v;
    }
}

TEST(AlertRules, FiveWarningsInARowAbort)
{
    Outcome o = client_reads(TLS1_3_VERSION, std::vector<std::vector<uint8_t>>(5, kWarningUserCanceled));
    EXPECT_EQ(o.error, SSL_ERROR_SSL);
    EXPECT_EQ(ERR_GET_REASON(o.first), SSL_R_TOO_MANY_WARN_ALERTS);
}

TEST(AlertRules, UnknownLevelIsUnknownAlertType)
{
    for (int v : {TLS1_2_VERSION, TLS1_3_VERSION}) {
        Outcome o = client_reads(v, {kUnknownLevelHandshakeFailure});
        EXPECT_EQ(o.error, SSL_ERROR_SSL) << v;
        EXPECT_EQ(ERR_GET_REASON(o.first), SSL_R_UNKNOWN_ALERT_TYPE) << v;
    }
}

TEST(AlertRules, NoRenegotiationWarningIsAHandshakeFailure)
{
    Outcome o = client_reads(TLS1_3_VERSION, {kWarningNoRenegotiation});
    EXPECT_EQ(o.error, SSL_ERROR_SSL);
    EXPECT_EQ(ERR_GET_REASON(o.first), SSL_R_NO_RENEGOTIATION);
}

TEST(AlertRules, ATruncatedAlertIsInvalid)
{
    Outcome o = client_reads(TLS1_2_VERSION, {{2}});
    EXPECT_EQ(o.error, SSL_ERROR_SSL);
    EXPECT_EQ(ERR_GET_REASON(o.first), SSL_R_INVALID_ALERT);
}

} // namespace
