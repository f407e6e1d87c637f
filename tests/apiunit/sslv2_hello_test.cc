// The SSLv2-compatible ClientHello (RFC 5246 Appendix E.2) as a server's
// first record (issue 11). Built against ShimSSL and, as the reference,
// against the system OpenSSL: both must pass, so every expectation here is
// OpenSSL 3.0's.
//
// Besides which hellos are accepted and which reasons the refused ones get,
// one test completes a whole TLS 1.2 handshake after such a hello with a
// client written here (RSA key transport, AES-128-GCM, every step with
// libcrypto): its Finished covers the SSLv2 message as it was sent, so the
// server accepts it only if its transcript hashed those bytes, and the
// server's Finished is checked the same way.
#include <gtest/gtest.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
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

struct V2Hello {
    uint16_t version = 0x0303;
    Bytes specs{0x00, 0x00, 0x9c, 0x00, 0x00, 0xff}; // AES128-GCM-SHA256, the SCSV
    Bytes session_id;
    Bytes challenge = Bytes(32, 0x11);
};

// The message (from msg_type on), as the transcript takes it.
Bytes v2_message(const V2Hello &h)
{
    Bytes m{1};
    put16(m, h.version);
    put16(m, h.specs.size());
    put16(m, h.session_id.size());
    put16(m, h.challenge.size());
    m.insert(m.end(), h.specs.begin(), h.specs.end());
    m.insert(m.end(), h.session_id.begin(), h.session_id.end());
    m.insert(m.end(), h.challenge.begin(), h.challenge.end());
    return m;
}

Bytes v2_record(const Bytes &msg, size_t claimed)
{
    Bytes r(2 + msg.size());
    r[0] = uint8_t(0x80 | (claimed >> 8));
    r[1] = uint8_t(claimed);
    std::copy(msg.begin(), msg.end(), r.begin() + 2);
    return r;
}

Bytes v2_record(const V2Hello &h)
{
    Bytes m = v2_message(h);
    return v2_record(m, m.size());
}

struct Answer {
    int ssl_error = -1;
    int reason = 0;
    int first_type = -1;
    int alert = -1;
    Bytes out;
};

class Sslv2Hello : public ::testing::Test
{
  public:
    void SetUp() override
    {
        ctx = SSL_CTX_new(TLS_server_method());
        ASSERT_NE(ctx, nullptr);
        ASSERT_EQ(SSL_CTX_use_certificate_chain_file(ctx, shimtest::cert("server.pem").c_str()), 1);
        ASSERT_EQ(SSL_CTX_use_PrivateKey_file(ctx, shimtest::cert("server.key").c_str(),
                                              SSL_FILETYPE_PEM),
                  1);
        // Without signature_algorithms (an SSLv2 hello has no extensions)
        // TLS 1.2 implies {sha1, rsa}, which OpenSSL 3.0 signs with only at
        // security level 0: below that no suite is eligible (see
        // AtTheDefaultSecurityLevelNoSuiteIsEligible).
        SSL_CTX_set_security_level(ctx, 0);
    }
    void TearDown() override
    {
        SSL_free(ssl);
        SSL_CTX_free(ctx);
        ERR_clear_error();
    }

    Answer step(const Bytes &in)
    {
        if (ssl == nullptr) {
            ssl = SSL_new(ctx);
            SSL_set_bio(ssl, BIO_new(BIO_s_mem()), BIO_new(BIO_s_mem()));
            SSL_set_accept_state(ssl);
        }
        ERR_clear_error();
        if (!in.empty())
            BIO_write(SSL_get_rbio(ssl), in.data(), int(in.size()));
        Answer a;
        int rc = SSL_do_handshake(ssl);
        a.ssl_error = SSL_get_error(ssl, rc);
        a.reason = ERR_GET_REASON(ERR_peek_error());
        char *p = nullptr;
        long n = BIO_get_mem_data(SSL_get_wbio(ssl), &p);
        a.out.assign(p, p + n);
        if (n >= 1)
            a.first_type = (unsigned char)p[0];
        if (n >= 7 && p[0] == 21)
            a.alert = (unsigned char)p[6];
        (void)BIO_reset(SSL_get_wbio(ssl));
        return a;
    }

    SSL_CTX *ctx = nullptr;
    SSL *ssl = nullptr;
};

void expect_refused(const Answer &a, int alert, int reason)
{
    EXPECT_EQ(a.ssl_error, SSL_ERROR_SSL);
    EXPECT_EQ(a.alert, alert);
    EXPECT_EQ(a.reason, reason);
}

// The ServerHello's version and suite, from the server's first record.
void expect_server_hello(const Answer &a, uint16_t version, uint16_t suite)
{
    ASSERT_EQ(a.ssl_error, SSL_ERROR_WANT_READ);
    ASSERT_GE(a.out.size(), size_t(5 + 4 + 2 + 32 + 1));
    ASSERT_EQ(a.out[0], 22);
    ASSERT_EQ(a.out[5], 2);
    EXPECT_EQ(a.out[9] << 8 | a.out[10], version);
    size_t at = 5 + 4 + 2 + 32;
    size_t sid = a.out[at];
    ASSERT_GE(a.out.size(), at + 1 + sid + 2);
    EXPECT_EQ(a.out[at + 1 + sid] << 8 | a.out[at + 2 + sid], suite);
}

TEST_F(Sslv2Hello, AcceptedAndAnsweredWithTls12)
{
    expect_server_hello(step(v2_record(V2Hello())), 0x0303, 0x009c);
}

TEST_F(Sslv2Hello, SslV2CipherSpecsAreSkipped)
{
    V2Hello h;
    h.specs = {0x07, 0x00, 0xc0, 0x00, 0x00, 0x9c, 0x01, 0x00, 0x80};
    expect_server_hello(step(v2_record(h)), 0x0303, 0x009c);
}

TEST_F(Sslv2Hello, NoSupportedGroupsMeansNoEcdhe)
{
    V2Hello h;
    h.specs = {0x00, 0xc0, 0x2f};
    expect_refused(step(v2_record(h)), 40, SSL_R_NO_SHARED_CIPHER);
}

struct HelloSeen {
    int isv2 = -1;
    unsigned legacy_version = 0;
    Bytes random;
};

int on_client_hello(SSL *s, int *, void *arg)
{
    auto *seen = static_cast<HelloSeen *>(arg);
    seen->isv2 = SSL_client_hello_isv2(s);
    seen->legacy_version = SSL_client_hello_get0_legacy_version(s);
    const unsigned char *r = nullptr;
    size_t n = SSL_client_hello_get0_random(s, &r);
    seen->random.assign(r, r + n);
    return SSL_CLIENT_HELLO_SUCCESS;
}

TEST_F(Sslv2Hello, TheClientHelloCallbackSeesIt)
{
    HelloSeen seen;
    SSL_CTX_set_client_hello_cb(ctx, on_client_hello, &seen);
    V2Hello h;
    h.challenge = Bytes(16, 0x22);
    expect_server_hello(step(v2_record(h)), 0x0303, 0x009c);
    EXPECT_EQ(seen.isv2, 1);
    EXPECT_EQ(seen.legacy_version, 0x0303u);
    Bytes want(16, 0);
    want.insert(want.end(), 16, 0x22);
    EXPECT_EQ(seen.random, want);
}

TEST_F(Sslv2Hello, OnlySslV2CipherSpecsShareNothing)
{
    V2Hello h;
    h.specs = {0x07, 0x00, 0xc0, 0x01, 0x00, 0x80};
    expect_refused(step(v2_record(h)), 40, SSL_R_NO_SHARED_CIPHER);
}

TEST_F(Sslv2Hello, ShortChallengeAndSessionIdAreAccepted)
{
    V2Hello h;
    h.challenge = Bytes(16, 0x22);
    h.session_id = Bytes(16, 0x33);
    expect_server_hello(step(v2_record(h)), 0x0303, 0x009c);
}

TEST_F(Sslv2Hello, AtTheDefaultSecurityLevelNoSuiteIsEligible)
{
    SSL_CTX_set_security_level(ctx, 2);
    expect_refused(step(v2_record(V2Hello())), 40, SSL_R_NO_SUITABLE_SIGNATURE_ALGORITHM);
}

TEST_F(Sslv2Hello, RealSslV2IsUnknownProtocol)
{
    V2Hello h;
    h.version = 0x0002;
    expect_refused(step(v2_record(h)), 70, SSL_R_UNKNOWN_PROTOCOL);
}

TEST_F(Sslv2Hello, Tls13OnlyServerRefusesIt)
{
    SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
    expect_refused(step(v2_record(V2Hello())), 70, SSL_R_UNSUPPORTED_PROTOCOL);
}

TEST_F(Sslv2Hello, CipherSpecsNotAMultipleOfThree)
{
    V2Hello h;
    h.specs = {0x00, 0x00, 0x9c, 0x00};
    expect_refused(step(v2_record(h)), 50, SSL_R_ERROR_IN_RECEIVED_CIPHER_LIST);
}

TEST_F(Sslv2Hello, NoCipherSpecs)
{
    V2Hello h;
    h.specs.clear();
    expect_refused(step(v2_record(h)), 47, SSL_R_NO_CIPHERS_SPECIFIED);
}

TEST_F(Sslv2Hello, SessionIdOver32)
{
    V2Hello h;
    h.session_id = Bytes(33, 0x44);
    expect_refused(step(v2_record(h)), 47, SSL_R_LENGTH_MISMATCH);
}

TEST_F(Sslv2Hello, LengthsThatDoNotAddUp)
{
    Bytes m = v2_message(V2Hello());
    m.push_back(0); // a byte after the challenge
    expect_refused(step(v2_record(m, m.size())), 50, SSL_R_RECORD_LENGTH_MISMATCH);
}

TEST_F(Sslv2Hello, RecordShorterThanNine)
{
    Bytes m{1, 3, 3, 0, 0, 0};
    expect_refused(step(v2_record(m, m.size())), 50, SSL_R_LENGTH_TOO_SHORT);
}

TEST_F(Sslv2Hello, RecordLongerThanTheReadBuffer)
{
    Bytes m{1, 3, 3, 0, 0, 0, 0, 0, 0};
    expect_refused(step(v2_record(m, 0x7fff)), 22, SSL_R_PACKET_LENGTH_TOO_LONG);
}

TEST_F(Sslv2Hello, OnlyTheFirstRecordMayBeOne)
{
    // A ClientHello split over two records: the second starts like an
    // SSLv2 header but is not read as one.
    Bytes hello = v2_message(V2Hello());
    Bytes rec{22, 3, 1, 0, 4, 1, 0, 0, 0x40};
    EXPECT_EQ(step(rec).ssl_error, SSL_ERROR_WANT_READ);
    Answer a = step(v2_record(V2Hello()));
    EXPECT_EQ(a.ssl_error, SSL_ERROR_SSL);
    EXPECT_NE(a.reason, 0);
}

// ---- a whole handshake ------------------------------------------------------

Bytes prf(const Bytes &secret, const std::string &label, const Bytes &seed, size_t n)
{
    Bytes out(n);
    EVP_KDF *kdf = EVP_KDF_fetch(nullptr, "TLS1-PRF", nullptr);
    EVP_KDF_CTX *kctx = EVP_KDF_CTX_new(kdf);
    Bytes s(label.begin(), label.end());
    s.insert(s.end(), seed.begin(), seed.end());
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, (void *)secret.data(),
                                          secret.size()),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, s.data(), s.size()),
        OSSL_PARAM_construct_end()};
    EXPECT_EQ(EVP_KDF_derive(kctx, out.data(), n, params), 1);
    EVP_KDF_CTX_free(kctx);
    EVP_KDF_free(kdf);
    return out;
}

Bytes sha256(const Bytes &b)
{
    Bytes out(32);
    unsigned int n = 0;
    EVP_Digest(b.data(), b.size(), out.data(), &n, EVP_sha256(), nullptr);
    return out;
}

// AES-128-GCM record protection of TLS 1.2 (RFC 5288), sequence number 0.
Bytes gcm(bool enc, const Bytes &key, const Bytes &salt, uint8_t type, const Bytes &in)
{
    Bytes explicit_nonce(8, 0), nonce = salt;
    Bytes body = in;
    if (!enc) {
        explicit_nonce.assign(in.begin(), in.begin() + 8);
        body.assign(in.begin() + 8, in.end() - 16);
    }
    nonce.insert(nonce.end(), explicit_nonce.begin(), explicit_nonce.end());
    Bytes aad(8, 0);
    aad.push_back(type);
    put16(aad, 0x0303);
    put16(aad, body.size());
    EVP_CIPHER_CTX *cc = EVP_CIPHER_CTX_new();
    EVP_CipherInit_ex(cc, EVP_aes_128_gcm(), nullptr, key.data(), nonce.data(), enc ? 1 : 0);
    int n = 0;
    EVP_CipherUpdate(cc, nullptr, &n, aad.data(), int(aad.size()));
    Bytes out(body.size());
    EVP_CipherUpdate(cc, out.data(), &n, body.data(), int(body.size()));
    Bytes tag(16);
    if (enc) {
        EVP_CipherFinal_ex(cc, nullptr, &n);
        EVP_CIPHER_CTX_ctrl(cc, EVP_CTRL_GCM_GET_TAG, 16, tag.data());
        Bytes rec = explicit_nonce;
        rec.insert(rec.end(), out.begin(), out.end());
        rec.insert(rec.end(), tag.begin(), tag.end());
        out = rec;
    } else {
        tag.assign(in.end() - 16, in.end());
        EVP_CIPHER_CTX_ctrl(cc, EVP_CTRL_GCM_SET_TAG, 16, tag.data());
        if (EVP_CipherFinal_ex(cc, nullptr, &n) != 1)
            out.clear();
    }
    EVP_CIPHER_CTX_free(cc);
    return out;
}

Bytes record(uint8_t type, const Bytes &body)
{
    Bytes r{type, 3, 3};
    put16(r, body.size());
    r.insert(r.end(), body.begin(), body.end());
    return r;
}

// Plaintext handshake messages from the server's first flight.
std::vector<Bytes> split_messages(const Bytes &wire)
{
    Bytes hs;
    for (size_t at = 0; at + 5 <= wire.size();) {
        size_t n = size_t(wire[at + 3]) << 8 | wire[at + 4];
        if (wire[at] == 22)
            hs.insert(hs.end(), wire.begin() + at + 5, wire.begin() + at + 5 + n);
        at += 5 + n;
    }
    std::vector<Bytes> msgs;
    for (size_t at = 0; at + 4 <= hs.size();) {
        size_t n = size_t(hs[at + 1]) << 16 | size_t(hs[at + 2]) << 8 | hs[at + 3];
        msgs.emplace_back(hs.begin() + at, hs.begin() + at + 4 + n);
        at += 4 + n;
    }
    return msgs;
}

// Runs the handshake after an SSLv2-compatible hello. With `tamper` the
// client's Finished covers a transcript whose SSLv2 message differs by one
// byte from what was sent. Returns the server's answer to the client's
// last flight; *server_finished_ok tells whether the server's Finished
// verified.
Answer handshake_after_v2(Sslv2Hello &t, Answer (Sslv2Hello::*step)(const Bytes &), bool tamper,
                          bool *server_finished_ok)
{
    *server_finished_ok = false;
    V2Hello h;
    RAND_bytes(h.challenge.data(), int(h.challenge.size()));
    Bytes v2 = v2_message(h);
    Answer first = (t.*step)(v2_record(v2, v2.size()));
    std::vector<Bytes> msgs = split_messages(first.out);
    EXPECT_EQ(msgs.size(), 3u); // ServerHello, Certificate, ServerHelloDone
    if (msgs.size() != 3)
        return first;
    Bytes server_random(msgs[0].begin() + 6, msgs[0].begin() + 38);
    // The first certificate of the list: 3-byte list length, 3-byte length.
    const Bytes &cm = msgs[1];
    size_t clen = size_t(cm[7]) << 16 | size_t(cm[8]) << 8 | cm[9];
    const unsigned char *der = cm.data() + 10;
    X509 *cert = d2i_X509(nullptr, &der, long(clen));
    EVP_PKEY *pub = X509_get0_pubkey(cert);

    Bytes pre(48);
    pre[0] = 3;
    pre[1] = 3;
    RAND_bytes(pre.data() + 2, 46);
    EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new(pub, nullptr);
    EVP_PKEY_encrypt_init(pc);
    EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING);
    size_t elen = 0;
    EVP_PKEY_encrypt(pc, nullptr, &elen, pre.data(), pre.size());
    Bytes enc(elen);
    EVP_PKEY_encrypt(pc, enc.data(), &elen, pre.data(), pre.size());
    enc.resize(elen);
    EVP_PKEY_CTX_free(pc);
    X509_free(cert);
    Bytes cke{16, 0};
    put16(cke, enc.size() + 2);
    put16(cke, enc.size());
    cke.insert(cke.end(), enc.begin(), enc.end());

    Bytes client_random = h.challenge;
    Bytes seed = client_random;
    seed.insert(seed.end(), server_random.begin(), server_random.end());
    Bytes ms = prf(pre, "master secret", seed, 48);
    Bytes kseed = server_random;
    kseed.insert(kseed.end(), client_random.begin(), client_random.end());
    Bytes kb = prf(ms, "key expansion", kseed, 40);
    Bytes ckey(kb.begin(), kb.begin() + 16), skey(kb.begin() + 16, kb.begin() + 32);
    Bytes civ(kb.begin() + 32, kb.begin() + 36), siv(kb.begin() + 36, kb.begin() + 40);

    Bytes transcript = v2;
    if (tamper)
        transcript[transcript.size() - 1] ^= 1;
    for (const Bytes &m : msgs)
        transcript.insert(transcript.end(), m.begin(), m.end());
    transcript.insert(transcript.end(), cke.begin(), cke.end());
    Bytes fin{20, 0, 0, 12};
    Bytes vd = prf(ms, "client finished", sha256(transcript), 12);
    fin.insert(fin.end(), vd.begin(), vd.end());

    Bytes flight = record(22, cke);
    Bytes ccs = record(20, Bytes{1});
    flight.insert(flight.end(), ccs.begin(), ccs.end());
    Bytes efin = record(22, gcm(true, ckey, civ, 22, fin));
    flight.insert(flight.end(), efin.begin(), efin.end());
    Answer last = (t.*step)(flight);

    // The server's CCS and Finished.
    transcript.insert(transcript.end(), fin.begin(), fin.end());
    const Bytes &w = last.out;
    if (w.size() >= 6 + 5 + 40 && w[0] == 20 && w[6] == 22) {
        Bytes body(w.begin() + 11, w.begin() + 11 + 40);
        Bytes sfin = gcm(false, skey, siv, 22, body);
        Bytes expect{20, 0, 0, 12};
        Bytes svd = prf(ms, "server finished", sha256(transcript), 12);
        expect.insert(expect.end(), svd.begin(), svd.end());
        *server_finished_ok = !tamper && sfin == expect;
    }
    return last;
}

TEST_F(Sslv2Hello, HandshakeCompletesWithTheSslV2MessageInTheTranscript)
{
    ASSERT_EQ(SSL_CTX_set_cipher_list(ctx, "AES128-GCM-SHA256"), 1);
    bool server_ok = false;
    Answer a = handshake_after_v2(*this, &Sslv2Hello::step, false, &server_ok);
    EXPECT_EQ(a.ssl_error, SSL_ERROR_NONE);
    EXPECT_TRUE(server_ok);
    EXPECT_EQ(SSL_version(ssl), TLS1_2_VERSION);
    EXPECT_EQ(SSL_session_reused(ssl), 0);
    EXPECT_EQ(SSL_get_secure_renegotiation_support(ssl), 1); // the SCSV
}

TEST_F(Sslv2Hello, FinishedOverADifferentHelloIsRefused)
{
    ASSERT_EQ(SSL_CTX_set_cipher_list(ctx, "AES128-GCM-SHA256"), 1);
    bool server_ok = false;
    Answer a = handshake_after_v2(*this, &Sslv2Hello::step, true, &server_ok);
    expect_refused(a, 51, SSL_R_DIGEST_CHECK_FAILED);
}

} // namespace
