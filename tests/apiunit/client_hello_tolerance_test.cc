// What a server accepts in the client's first flight (issue 11): hand-built
// ClientHello bytes are fed to a server SSL over memory BIOs and the test
// checks whether it answers with a ServerHello or which alert and ERR
// reason it gives. Built against ShimSSL and, as the reference, against the
// system OpenSSL: both must pass, so every expectation here is OpenSSL 3.0's.
#include <gtest/gtest.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cstdint>
#include <vector>

#include "testlib/testlib.h"

namespace
{

using Bytes = std::vector<uint8_t>;

void put16(Bytes &b, size_t v)
{
    b.push_back(uint8_t(v >> 8));
    b.push_back(uint8_t(v));
}

void put24(Bytes &b, size_t v)
{
    b.push_back(uint8_t(v >> 16));
    put16(b, v);
}

void ext(Bytes &b, uint16_t type, const Bytes &body)
{
    put16(b, type);
    put16(b, body.size());
    b.insert(b.end(), body.begin(), body.end());
}

Bytes list16(const std::vector<uint16_t> &v)
{
    Bytes b;
    put16(b, v.size() * 2);
    for (uint16_t x : v)
        put16(b, x);
    return b;
}

struct Hello {
    std::vector<uint16_t> suites{0x1301, 0xc02f, 0xc030};
    std::vector<uint16_t> groups{0x001d};
    std::vector<uint16_t> sigalgs{0x0804, 0x0401};
    uint16_t share_group = 0x001d;
    bool tls13 = true;
    size_t padding = 0;           // body of a padding extension (RFC 7685), if > 0
    bool fill_extensions = false; // pad the extensions block to 65535
    size_t session_id = 0;
    size_t compressions = 1; // the null method, then unassigned ones
};

// The ClientHello handshake message (header included).
Bytes client_hello(const Hello &h)
{
    Bytes body;
    put16(body, 0x0303);
    for (int i = 0; i < 32; i++)
        body.push_back(uint8_t(i + 1));
    body.push_back(uint8_t(h.session_id));
    body.insert(body.end(), h.session_id, 0x5a);
    Bytes s = list16(h.suites);
    body.insert(body.end(), s.begin(), s.end());
    body.push_back(uint8_t(h.compressions));
    for (size_t i = 0; i < h.compressions; i++)
        body.push_back(uint8_t(i == 0 ? 0 : 0x80 + i % 100));
    Bytes exts;
    ext(exts, 0x000a, list16(h.groups));
    if (!h.sigalgs.empty())
        ext(exts, 0x000d, list16(h.sigalgs));
    ext(exts, 0x000b, Bytes{1, 0}); // ec_point_formats: uncompressed
    if (h.tls13) {
        ext(exts, 0x002b, Bytes{4, 0x03, 0x04, 0x03, 0x03});
        Bytes ks, entry;
        put16(entry, h.share_group);
        put16(entry, 32);
        entry.push_back(9); // the X25519 base point u = 9
        entry.insert(entry.end(), 31, 0);
        put16(ks, entry.size());
        ks.insert(ks.end(), entry.begin(), entry.end());
        ext(exts, 0x0033, ks);
    }
    // Padding past one extension's 65535 bytes goes on in unassigned ones;
    // `padding` counts their headers, not the first one's.
    size_t padding = h.padding;
    if (h.fill_extensions)
        padding = 65535 - exts.size() - 4;
    for (size_t left = padding, t = 0x0015; padding > 0;) {
        size_t n = std::min<size_t>(left, 65535);
        if (left > n && left - n < 4)
            n -= 4; // room for the next header
        ext(exts, uint16_t(t), Bytes(n, 0));
        left -= n;
        if (left == 0)
            break;
        left -= 4;
        t = t == 0x0015 ? 0xfa00 : t + 1;
    }
    put16(body, exts.size());
    body.insert(body.end(), exts.begin(), exts.end());
    Bytes msg{1};
    put24(msg, body.size());
    msg.insert(msg.end(), body.begin(), body.end());
    return msg;
}

// `data` cut into records of at most `frag` bytes.
Bytes records(uint8_t type, uint16_t version, const Bytes &data, size_t frag = 16384)
{
    Bytes out;
    for (size_t off = 0; off < data.size(); off += frag) {
        size_t n = std::min(frag, data.size() - off);
        out.push_back(type);
        put16(out, version);
        put16(out, n);
        out.insert(out.end(), data.begin() + off, data.begin() + off + n);
    }
    return out;
}

struct Answer {
    int ssl_error = -1;
    int reason = 0;      // ERR reason of the first queued error
    int first_type = -1; // content type of the server's first record
    int alert = -1;      // its alert description, if an alert
};

class ClientHelloTolerance : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        ctx = SSL_CTX_new(TLS_server_method());
        ASSERT_NE(ctx, nullptr);
        ASSERT_EQ(SSL_CTX_use_certificate_chain_file(ctx, shimtest::cert("server.pem").c_str()), 1);
        ASSERT_EQ(SSL_CTX_use_PrivateKey_file(ctx, shimtest::cert("server.key").c_str(),
                                              SSL_FILETYPE_PEM),
                  1);
    }
    void TearDown() override
    {
        SSL_CTX_free(ctx);
        ERR_clear_error();
    }

    // A fresh server that has `wire` waiting to be read.
    SSL *start(const Bytes &wire)
    {
        ERR_clear_error();
        SSL *s = SSL_new(ctx);
        BIO *rb = BIO_new(BIO_s_mem());
        BIO *wb = BIO_new(BIO_s_mem());
        BIO_write(rb, wire.data(), int(wire.size()));
        SSL_set_bio(s, rb, wb);
        SSL_set_accept_state(s);
        return s;
    }

    // Add `more` to what `s` reads, run the handshake and report what it
    // wrote since the last step.
    static Answer step(SSL *s, const Bytes &more)
    {
        if (!more.empty())
            BIO_write(SSL_get_rbio(s), more.data(), int(more.size()));
        Answer a;
        int rc = SSL_do_handshake(s);
        a.ssl_error = SSL_get_error(s, rc);
        a.reason = ERR_GET_REASON(ERR_peek_error());
        BIO *wb = SSL_get_wbio(s);
        char *p = nullptr;
        long n = BIO_get_mem_data(wb, &p);
        if (n >= 1)
            a.first_type = (unsigned char)p[0];
        if (n >= 7 && p[0] == 21)
            a.alert = (unsigned char)p[6];
        (void)BIO_reset(wb);
        return a;
    }

    // Feed `wire` to a fresh server and report what it does.
    Answer feed(const Bytes &wire)
    {
        SSL *s = start(wire);
        Answer a = step(s, Bytes());
        SSL_free(s);
        ERR_clear_error();
        return a;
    }

    // The server answered with its ServerHello and waits for more.
    static void expect_accepted(const Answer &a)
    {
        EXPECT_EQ(a.ssl_error, SSL_ERROR_WANT_READ);
        EXPECT_EQ(a.first_type, 22);
        EXPECT_EQ(a.reason, 0);
    }

    SSL_CTX *ctx = nullptr;
};

// ---- 1. record-layer version of the first records (RFC 5246 E.1) ----------

TEST_F(ClientHelloTolerance, AnyMajor3RecordVersionIsAccepted)
{
    Bytes ch = client_hello(Hello());
    for (uint16_t v : {0x0300, 0x0301, 0x0302, 0x0303, 0x0304, 0x03ff}) {
        SCOPED_TRACE(v);
        expect_accepted(feed(records(22, v, ch)));
    }
}

TEST_F(ClientHelloTolerance, NonTlsRecordVersionIsRefusedWithoutAlert)
{
    Answer a = feed(records(22, 0x0203, client_hello(Hello())));
    EXPECT_EQ(a.ssl_error, SSL_ERROR_SSL);
    EXPECT_EQ(a.reason, SSL_R_WRONG_VERSION_NUMBER);
    EXPECT_EQ(a.first_type, -1);
}

// ---- 2. large ClientHellos over several records ---------------------------

TEST_F(ClientHelloTolerance, SixtyKiBPaddingOverSeveralRecords)
{
    Hello h;
    h.padding = 65000;
    expect_accepted(feed(records(22, 0x0301, client_hello(h))));
}

TEST_F(ClientHelloTolerance, LargestPossibleClientHello)
{
    // Every vector at its maximum: 131396 bytes of body, which is OpenSSL's
    // CLIENT_HELLO_MAX_LENGTH.
    Hello h;
    h.tls13 = false; // TLS 1.3 wants the single null compression method
    h.session_id = 32;
    h.compressions = 255;
    h.suites.assign(32766, 0x7a7a);
    h.suites.push_back(0xc02f);
    h.fill_extensions = true;
    Bytes ch = client_hello(h);
    ASSERT_EQ(ch.size() - 4, 131396u);
    expect_accepted(feed(records(22, 0x0301, ch)));
}

TEST_F(ClientHelloTolerance, ClientHelloOverTheLimitIsRefusedAtItsHeader)
{
    Bytes msg{1, 0x02, 0x01, 0x45}; // 131397
    msg.insert(msg.end(), 1000, 0);
    Answer a = feed(records(22, 0x0301, msg));
    EXPECT_EQ(a.ssl_error, SSL_ERROR_SSL);
    EXPECT_EQ(a.reason, SSL_R_EXCESSIVE_MESSAGE_SIZE);
    EXPECT_EQ(a.alert, SSL_AD_ILLEGAL_PARAMETER);
}

// ---- 3. long lists are read to the end ------------------------------------

std::vector<uint16_t> filler(size_t n, uint16_t base)
{
    std::vector<uint16_t> v;
    for (size_t i = 0; i < n; i++)
        v.push_back(uint16_t(base + i));
    return v;
}

TEST_F(ClientHelloTolerance, UsableSuiteAfterManyUnknown)
{
    Hello h;
    h.suites = filler(300, 0x7a00); // unassigned code points
    h.suites.push_back(0x1301);
    expect_accepted(feed(records(22, 0x0301, client_hello(h))));
    h.tls13 = false;
    h.suites.back() = 0xc02f;
    expect_accepted(feed(records(22, 0x0301, client_hello(h))));
}

TEST_F(ClientHelloTolerance, UsableSigalgAfterManyUnknown)
{
    Hello h;
    h.sigalgs = filler(300, 0x7a00);
    h.sigalgs.push_back(0x0804);
    expect_accepted(feed(records(22, 0x0301, client_hello(h))));
    h.tls13 = false;
    expect_accepted(feed(records(22, 0x0301, client_hello(h))));
}

TEST_F(ClientHelloTolerance, KeyShareForGroupAfterManyUnknown)
{
    Hello h;
    h.groups = filler(300, 0x7a00);
    h.groups.push_back(0x001d);
    expect_accepted(feed(records(22, 0x0301, client_hello(h))));
    h.tls13 = false;
    expect_accepted(feed(records(22, 0x0301, client_hello(h))));
}

// ---- 4. consecutive warning alerts ------------------------------------------

TEST_F(ClientHelloTolerance, FourWarningsAreIgnoredTheFifthAborts)
{
    // A TLS 1.2 server waiting for ClientKeyExchange gets warning alerts.
    Hello h;
    h.tls13 = false;
    Bytes ch = records(22, 0x0303, client_hello(h));
    Bytes warn = records(21, 0x0303, Bytes{1, 90}); // warning user_canceled
    for (int count : {4, 5}) {
        SCOPED_TRACE(count);
        SSL *s = start(ch);
        Answer a = step(s, Bytes());
        expect_accepted(a);
        for (int i = 0; i < count; i++)
            a = step(s, warn);
        if (count == 4) {
            EXPECT_EQ(a.ssl_error, SSL_ERROR_WANT_READ);
            EXPECT_EQ(a.reason, 0);
        } else {
            EXPECT_EQ(a.ssl_error, SSL_ERROR_SSL);
            EXPECT_EQ(a.reason, SSL_R_TOO_MANY_WARN_ALERTS);
            EXPECT_EQ(a.alert, SSL_AD_UNEXPECTED_MESSAGE);
        }
        SSL_free(s);
        ERR_clear_error();
    }
}

TEST_F(ClientHelloTolerance, AWarningBeforeTheClientHelloIsUnexpected)
{
    Bytes wire = records(21, 0x0301, Bytes{1, 90});
    Bytes ch = records(22, 0x0301, client_hello(Hello()));
    wire.insert(wire.end(), ch.begin(), ch.end());
    Answer a = feed(wire);
    EXPECT_EQ(a.ssl_error, SSL_ERROR_SSL);
    EXPECT_EQ(a.reason, SSL_R_UNEXPECTED_MESSAGE);
    EXPECT_EQ(a.alert, SSL_AD_UNEXPECTED_MESSAGE);
}

// ---- 5. over-long first records -------------------------------------------

Bytes raw_record(uint8_t type, uint16_t version, size_t len)
{
    Bytes out{type};
    put16(out, version);
    put16(out, len);
    out.insert(out.end(), len, 0);
    return out;
}

TEST_F(ClientHelloTolerance, OverlongPlaintextRecordReasons)
{
    struct Case {
        size_t len;
        int reason;
    };
    const Case cases[] = {
        {16385, SSL_R_DATA_LENGTH_TOO_LONG},      {16704, SSL_R_DATA_LENGTH_TOO_LONG},
        {16705, SSL_R_ENCRYPTED_LENGTH_TOO_LONG}, {16707, SSL_R_ENCRYPTED_LENGTH_TOO_LONG},
        {16708, SSL_R_PACKET_LENGTH_TOO_LONG},    {65535, SSL_R_PACKET_LENGTH_TOO_LONG},
    };
    for (const Case &c : cases) {
        SCOPED_TRACE(c.len);
        Answer a = feed(raw_record(22, 0x0301, c.len));
        EXPECT_EQ(a.ssl_error, SSL_ERROR_SSL);
        EXPECT_EQ(a.reason, c.reason);
        EXPECT_EQ(a.alert, SSL_AD_RECORD_OVERFLOW);
    }
}

// ---- 6. TLS 1.2 without usable signature_algorithms -----------------------

// Without the extension RFC 5246 7.4.1.4.1 implies {sha1, rsa}, which
// OpenSSL 3.0 signs with only at security level 0; a list sharing nothing
// with the server's is refused before the suite is chosen; a shared list
// the RSA certificate cannot sign with fails choosing the scheme.
TEST_F(ClientHelloTolerance, Tls12SignatureAlgorithmsAtSecurityLevels)
{
    struct Case {
        std::vector<uint16_t> sigalgs;
        int level;
        int reason; // 0: ServerHello
    };
    const Case cases[] = {
        {{}, 0, 0},
        {{}, 1, SSL_R_NO_SUITABLE_SIGNATURE_ALGORITHM},
        {{}, 2, SSL_R_NO_SUITABLE_SIGNATURE_ALGORITHM},
        {{0x0201}, 1, SSL_R_NO_SHARED_SIGNATURE_ALGORITHMS},
        {{0x0201}, 2, SSL_R_NO_SHARED_SIGNATURE_ALGORITHMS},
        {{0x0403}, 1, SSL_R_NO_SUITABLE_SIGNATURE_ALGORITHM},
        {{0x0403}, 2, SSL_R_NO_SUITABLE_SIGNATURE_ALGORITHM},
        {{0x7a7a, 0x0403}, 2, SSL_R_NO_SUITABLE_SIGNATURE_ALGORITHM},
    };
    for (const Case &c : cases) {
        SCOPED_TRACE(testing::Message() << "sigalgs " << c.sigalgs.size() << " level " << c.level);
        Hello h;
        h.tls13 = false;
        h.sigalgs = c.sigalgs;
        SSL_CTX_set_security_level(ctx, c.level);
        Answer a = feed(records(22, 0x0301, client_hello(h)));
        if (c.reason == 0) {
            expect_accepted(a);
            continue;
        }
        EXPECT_EQ(a.ssl_error, SSL_ERROR_SSL);
        EXPECT_EQ(a.reason, c.reason);
        EXPECT_EQ(a.alert, SSL_AD_HANDSHAKE_FAILURE);
    }
}

TEST_F(ClientHelloTolerance, Tls12RsaKeyTransportStillNeedsASignatureAlgorithm)
{
    // OpenSSL chooses a scheme for key transport suites too: the implied
    // {sha1, rsa} fails that from security level 1 on.
    Hello h;
    h.tls13 = false;
    h.sigalgs.clear();
    h.suites = {0x009c};
    SSL_CTX_set_security_level(ctx, 1);
    Answer a = feed(records(22, 0x0301, client_hello(h)));
    EXPECT_EQ(a.ssl_error, SSL_ERROR_SSL);
    EXPECT_EQ(a.reason, SSL_R_NO_SUITABLE_SIGNATURE_ALGORITHM);
    EXPECT_EQ(a.alert, SSL_AD_HANDSHAKE_FAILURE);
    SSL_CTX_set_security_level(ctx, 0);
    expect_accepted(feed(records(22, 0x0301, client_hello(h))));
}

TEST_F(ClientHelloTolerance, Tls12EcdsaServerWithoutSignatureAlgorithms)
{
    // The implied {sha1, ecdsa} is refused from security level 1 on; unlike
    // an RSA one, the ECDSA certificate then makes no suite eligible.
    ASSERT_EQ(SSL_CTX_use_certificate_chain_file(ctx, shimtest::cert("server-ec.pem").c_str()), 1);
    ASSERT_EQ(
        SSL_CTX_use_PrivateKey_file(ctx, shimtest::cert("server-ec.key").c_str(), SSL_FILETYPE_PEM),
        1);
    Hello h;
    h.tls13 = false;
    h.sigalgs.clear();
    h.suites = {0xc02b};
    h.groups = {0x001d, 0x0017}; // P-256 for the certificate's key
    SSL_CTX_set_security_level(ctx, 1);
    Answer a = feed(records(22, 0x0301, client_hello(h)));
    EXPECT_EQ(a.ssl_error, SSL_ERROR_SSL);
    EXPECT_EQ(a.reason, SSL_R_NO_SHARED_CIPHER);
    EXPECT_EQ(a.alert, SSL_AD_HANDSHAKE_FAILURE);
    SSL_CTX_set_security_level(ctx, 0);
    expect_accepted(feed(records(22, 0x0301, client_hello(h))));
}

} // namespace
