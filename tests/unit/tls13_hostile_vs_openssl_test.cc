// Hostile servers, part 2: the real OpenSSL server's flight, decrypted with
// the secrets its key log reveals, edited, and re-encrypted, so that the
// protected messages (EncryptedExtensions, Certificate, CertificateVerify,
// Finished, post-handshake messages) can be forged. Each test checks the
// failure value, the alert we queued (decrypted), and stickiness.
#include <gtest/gtest.h>

#include "unit/tls13_client_harness.h"

extern "C" {
#include "core/keysched.h"
}

using namespace tls13test;

namespace
{

// A man in the middle on the server-to-client direction: decrypts what the
// server sends (it knows the server's secrets from the server's key log),
// lets a test edit the plaintext records, and re-encrypts them.
struct Mitm {
    Peer &p;
    tls_rec_dir in{}, out{};
    int in_stage = 0, out_stage = 0; // 0 plaintext, 1 handshake keys, 2 application keys
    const tls_suite *suite = nullptr;
    std::function<void(std::vector<Rec> &)> edit;
    std::string out_secret; // current application secret of the re-encrypting side

    explicit Mitm(Peer &peer) : p(peer)
    {
        tls_rec_dir_init(&in, 0);
        tls_rec_dir_init(&out, 1);
        p.tamper = [this](std::string &bytes) { bytes = rewrite(bytes); };
    }
    ~Mitm()
    {
        tls_rec_dir_clear(&in);
        tls_rec_dir_clear(&out);
    }

    static bool has_msg(const Rec &r, uint8_t type)
    {
        size_t off = 0;
        bool last = false;
        while (off + 4 <= r.body.size()) {
            size_t len = (uint8_t)r.body[off + 1] << 16 | (uint8_t)r.body[off + 2] << 8 |
                         (uint8_t)r.body[off + 3];
            last = (uint8_t)r.body[off] == type;
            off += 4 + len;
        }
        return last;
    }
    bool is_real_sh(const Rec &r)
    {
        if (r.type != TLS_CT_HANDSHAKE || r.body.size() < 40 || (uint8_t)r.body[0] != 2)
            return false;
        if (r.body.substr(6, 32) == kHrrRandom)
            return false;
        size_t sid = (uint8_t)r.body[38];
        uint16_t id = (uint16_t)((uint8_t)r.body[39 + sid] << 8 | (uint8_t)r.body[40 + sid]);
        suite = tls_suite_get(nullptr, id);
        return suite != nullptr;
    }
    void set_keys(tls_rec_dir *d, int sending, const char *label)
    {
        std::string s = secret_from(p.server_keylog, label);
        ASSERT_FALSE(s.empty()) << label;
        ASSERT_EQ(0, tls_rec_set_tls13(d, sending, suite, (const uint8_t *)s.data()));
    }

    std::string rewrite(const std::string &bytes)
    {
        std::vector<Rec> recs;
        for (Rec r : split(bytes)) {
            if (r.type == TLS_CT_APPLICATION_DATA && in_stage > 0) {
                std::string raw = record(r.type, r.body);
                uint8_t type, *data;
                size_t len;
                EXPECT_EQ(0, tls_rec_open(&in, (uint8_t *)&raw[0], raw.size(), &type, &data, &len));
                r = {type, std::string((const char *)data, len), true};
                if (in_stage == 1 && type == TLS_CT_HANDSHAKE && has_msg(r, 20)) {
                    set_keys(&in, 0, "SERVER_TRAFFIC_SECRET_0");
                    in_stage = 2;
                }
            } else if (in_stage == 0 && is_real_sh(r)) {
                set_keys(&in, 0, "SERVER_HANDSHAKE_TRAFFIC_SECRET");
                in_stage = 1;
            }
            recs.push_back(r);
        }
        if (edit)
            edit(recs);
        std::string res;
        for (const Rec &r : recs) {
            if (!r.prot) {
                res += record(r.type, r.body);
                if (out_stage == 0 && is_real_sh(r)) {
                    set_keys(&out, 1, "SERVER_HANDSHAKE_TRAFFIC_SECRET");
                    out_stage = 1;
                }
                continue;
            }
            if (r.pad) {
                // Sealed by hand: tls_rec_seal refuses to build oversized records.
                std::string inner = r.body + u8(r.type) + std::string(r.pad, '\0');
                std::string hdr = u8(23) + "\x03\x03" + u16(inner.size() + TLS_AEAD_TAG_LEN);
                inner.resize(inner.size() + TLS_AEAD_TAG_LEN);
                uint8_t nonce[TLS_AEAD_IV_LEN];
                tls_aead_nonce(&out.aead, out.seq++, nonce);
                EXPECT_EQ(0, tls_aead_seal(&out.aead, nonce, (const uint8_t *)hdr.data(), 5,
                                           (uint8_t *)&inner[0], inner.size() - TLS_AEAD_TAG_LEN));
                res += hdr + inner;
                continue;
            }
            tls_writer w;
            tls_wr_init(&w);
            EXPECT_EQ(0, tls_rec_seal(&out, r.type, (const uint8_t *)r.body.data(), r.body.size(),
                                      r.pad, &w));
            res += std::string((const char *)w.buf, w.len);
            tls_wr_free(&w);
            if (out_stage == 1 && r.type == TLS_CT_HANDSHAKE && has_msg(r, 20)) {
                set_keys(&out, 1, "SERVER_TRAFFIC_SECRET_0");
                out_secret = secret_from(p.server_keylog, "SERVER_TRAFFIC_SECRET_0");
                out_stage = 2;
            } else if (out_stage == 2 && r.type == TLS_CT_HANDSHAKE && has_msg(r, 24)) {
                // An injected KeyUpdate: the client now expects the next key.
                EXPECT_EQ(0, tls_ks_update_secret(nullptr, suite->md, (uint8_t *)&out_secret[0]));
                EXPECT_EQ(0, tls_rec_set_tls13(&out, 1, suite, (const uint8_t *)out_secret.data()));
            }
        }
        return res;
    }
};

TEST(HostileServerHello, SuiteNotOffered)
{
    Peer p;
    uint16_t only = 0x1301;
    p.cfg.tls13_suites = &only;
    p.cfg.n_tls13_suites = 1;
    p.tamper = [](std::string &s) {
        // The server picked 0x1301; claim 0x1302 instead (ServerHello is
        // plaintext: header 5 + 4 + 2 + 32 + sid).
        size_t sid = (uint8_t)s[43];
        s[44 + sid + 1] = 0x02;
    };
    int rc = p.handshake();
    EXPECT_EQ(TLS_ERR(TLS_AD_ILLEGAL_PARAMETER, TLS_R_WRONG_CIPHER_RETURNED), rc);
    expect_sticky(p, rc);
}

// --- the real server's flight, edited -------------------------------------

struct FlightTest : ::testing::Test {
    Peer p;
    Mitm m{p};
    void expect_fail(int rc, int alert, int reason)
    {
        EXPECT_EQ(TLS_ERR(alert, reason), rc);
        EXPECT_EQ(alert, sent_alert(p, 0, "CLIENT_HANDSHAKE_TRAFFIC_SECRET"));
        expect_sticky(p, rc);
    }
};

TEST_F(FlightTest, UneditedFlightSucceeds)
{
    // Control: the decrypt/re-encrypt path alone changes nothing.
    ASSERT_EQ(TLS_OK, p.handshake());
    ASSERT_TRUE(p.server_write("hi"));
    std::string got;
    ASSERT_EQ(TLS_OK, p.client_read(got, 2));
    EXPECT_EQ("hi", got);
}

TEST_F(FlightTest, EncryptedExtensionsWithForbiddenExtension)
{
    // key_share was offered but may not appear in EncryptedExtensions.
    m.edit = [](std::vector<Rec> &r) {
        size_t ri, off;
        if (find_msg(r, 8, &ri, &off))
            replace_msg(r, 8, u16(6) + ext(51, u16(0x1d)));
    };
    expect_fail(p.handshake(), TLS_AD_ILLEGAL_PARAMETER, TLS_R_BAD_EXTENSION);
}

TEST_F(FlightTest, EncryptedExtensionsWithUnsolicitedExtension)
{
    m.edit = [](std::vector<Rec> &r) {
        size_t ri, off;
        if (find_msg(r, 8, &ri, &off))
            replace_msg(r, 8, u16(5) + ext(1, u8(2)));
    };
    expect_fail(p.handshake(), TLS_AD_UNSUPPORTED_EXTENSION, TLS_R_UNSOLICITED_EXTENSION);
}

TEST_F(FlightTest, EncryptedExtensionsWithDuplicateExtension)
{
    m.edit = [](std::vector<Rec> &r) {
        size_t ri, off;
        std::string sg = ext(10, u16(2) + u16(0x1d));
        if (find_msg(r, 8, &ri, &off))
            replace_msg(r, 8, u16(2 * sg.size()) + sg + sg);
    };
    expect_fail(p.handshake(), TLS_AD_ILLEGAL_PARAMETER, TLS_R_BAD_EXTENSION);
}

TEST_F(FlightTest, AlpnNotOffered)
{
    static const uint8_t alpn[] = "\x02h2";
    p.cfg.alpn = alpn;
    p.cfg.alpn_len = 3;
    m.edit = [](std::vector<Rec> &r) {
        size_t ri, off;
        std::string a = ext(16, u16(4) + u8(3) + "h3x");
        if (find_msg(r, 8, &ri, &off))
            replace_msg(r, 8, u16(a.size()) + a);
    };
    // OpenSSL's client: decode_error + SSL_R_BAD_EXTENSION (tls_parse_stoc_alpn).
    expect_fail(p.handshake(), TLS_AD_DECODE_ERROR, TLS_R_BAD_EXTENSION);
}

TEST_F(FlightTest, CertificateBeforeEncryptedExtensions)
{
    m.edit = [](std::vector<Rec> &r) {
        size_t ri, off;
        if (find_msg(r, 8, &ri, &off))
            r[ri].body = r[ri].body.substr(0, off) + hs(11, u8(0) + u24(0));
    };
    expect_fail(p.handshake(), TLS_AD_UNEXPECTED_MESSAGE, TLS_R_UNEXPECTED_MESSAGE);
}

TEST_F(FlightTest, EmptyServerCertificate)
{
    m.edit = [](std::vector<Rec> &r) {
        size_t ri, off;
        if (find_msg(r, 11, &ri, &off))
            replace_msg(r, 11, u8(0) + u24(0));
    };
    expect_fail(p.handshake(), TLS_AD_DECODE_ERROR, 176);
}

TEST_F(FlightTest, GarbageCertificate)
{
    m.edit = [](std::vector<Rec> &r) {
        size_t ri, off;
        std::string entry = u24(5) + "hello" + u16(0);
        if (find_msg(r, 11, &ri, &off))
            replace_msg(r, 11, u8(0) + u24(entry.size()) + entry);
    };
    expect_fail(p.handshake(), TLS_AD_BAD_CERTIFICATE, TLS_R_BAD_PACKET);
}

TEST_F(FlightTest, BadCertificateVerifySignature)
{
    m.edit = [](std::vector<Rec> &r) {
        size_t ri, off;
        if (find_msg(r, 15, &ri, &off))
            r[ri].body[r[ri].body.size() > off + 20 ? off + 20 : off + 8] ^= 0x01;
    };
    expect_fail(p.handshake(), TLS_AD_DECRYPT_ERROR, TLS_R_BAD_SIGNATURE);
}

TEST_F(FlightTest, CertificateVerifySchemeNotOffered)
{
    uint16_t only = 0x0403;
    p.cfg.sigalgs = &only;
    p.cfg.n_sigalgs = 1;
    m.edit = [](std::vector<Rec> &r) {
        size_t ri, off;
        if (find_msg(r, 15, &ri, &off)) {
            r[ri].body[off + 4] = 0x05; // claim ecdsa_secp384r1_sha384
            r[ri].body[off + 5] = 0x03;
        }
    };
    expect_fail(p.handshake(), TLS_AD_ILLEGAL_PARAMETER, TLS_R_WRONG_SIGNATURE_TYPE);
}

TEST_F(FlightTest, CertificateVerifySchemeDoesNotFitKey)
{
    // The server's key is P-256; rsa_pss_rsae_sha256 was offered but cannot fit.
    m.edit = [](std::vector<Rec> &r) {
        size_t ri, off;
        if (find_msg(r, 15, &ri, &off)) {
            r[ri].body[off + 4] = 0x08;
            r[ri].body[off + 5] = 0x04;
        }
    };
    expect_fail(p.handshake(), TLS_AD_ILLEGAL_PARAMETER, TLS_R_WRONG_SIGNATURE_TYPE);
}

TEST_F(FlightTest, EcdsaSchemeForOtherCurve)
{
    // RFC 8446 4.2.3: in TLS 1.3 an ECDSA scheme names its curve.
    m.edit = [](std::vector<Rec> &r) {
        size_t ri, off;
        if (find_msg(r, 15, &ri, &off))
            r[ri].body[off + 4] = 0x05; // ecdsa_secp384r1_sha384 with a P-256 key
    };
    expect_fail(p.handshake(), TLS_AD_ILLEGAL_PARAMETER, TLS_R_WRONG_CURVE);
}

TEST_F(FlightTest, BadFinished)
{
    m.edit = [](std::vector<Rec> &r) {
        size_t ri, off;
        if (find_msg(r, 20, &ri, &off))
            r[ri].body[off + 4] ^= 0x80;
    };
    expect_fail(p.handshake(), TLS_AD_DECRYPT_ERROR, TLS_R_DIGEST_CHECK_FAILED);
}

TEST_F(FlightTest, FinishedOfWrongLength)
{
    m.edit = [](std::vector<Rec> &r) {
        size_t ri, off;
        if (find_msg(r, 20, &ri, &off))
            replace_msg(r, 20, std::string(20, '\0'));
    };
    expect_fail(p.handshake(), TLS_AD_DECODE_ERROR, 111);
}

TEST_F(FlightTest, FlippedCiphertextByte)
{
    p.tamper = [this](std::string &bytes) {
        bytes = m.rewrite(bytes);
        std::vector<Rec> recs = split(bytes);
        // Flip a byte inside the last protected record's ciphertext.
        if (!recs.empty() && recs.back().type == TLS_CT_APPLICATION_DATA)
            bytes[bytes.size() - 20] ^= 1;
    };
    expect_fail(p.handshake(), TLS_AD_BAD_RECORD_MAC, TLS_R_DECRYPTION_FAILED_OR_BAD_RECORD_MAC);
}

TEST_F(FlightTest, CcsWithBadContent)
{
    m.edit = [](std::vector<Rec> &r) {
        for (Rec &x : r)
            if (x.type == TLS_CT_CHANGE_CIPHER_SPEC)
                x.body = "\x02";
    };
    int rc = p.handshake();
    EXPECT_EQ(TLS_ERR(TLS_AD_UNEXPECTED_MESSAGE, TLS_R_BAD_CHANGE_CIPHER_SPEC), rc);
    // The CCS follows the ServerHello, so the alert is protected.
    EXPECT_EQ(TLS_AD_UNEXPECTED_MESSAGE, sent_alert(p, 0, "CLIENT_HANDSHAKE_TRAFFIC_SECRET"));
    expect_sticky(p, rc);
}

TEST_F(FlightTest, SecondCcs)
{
    m.edit = [](std::vector<Rec> &r) {
        for (size_t i = 0; i < r.size(); i++)
            if (r[i].type == TLS_CT_CHANGE_CIPHER_SPEC) {
                r.insert(r.begin() + (long)i, r[i]);
                break;
            }
    };
    expect_fail(p.handshake(), TLS_AD_UNEXPECTED_MESSAGE, TLS_R_UNEXPECTED_MESSAGE);
}

TEST_F(FlightTest, ProtectedCcs)
{
    m.edit = [](std::vector<Rec> &r) {
        size_t ri, off;
        if (find_msg(r, 8, &ri, &off))
            r.insert(r.begin() + (long)ri, Rec{TLS_CT_CHANGE_CIPHER_SPEC, "\x01", true});
    };
    expect_fail(p.handshake(), TLS_AD_UNEXPECTED_MESSAGE, TLS_R_BAD_RECORD_TYPE);
}

TEST_F(FlightTest, FinishedMustEndItsRecord)
{
    m.edit = [](std::vector<Rec> &r) {
        size_t ri, off;
        if (find_msg(r, 20, &ri, &off))
            r[ri].body += hs(4, std::string(20, '\0'));
    };
    expect_fail(p.handshake(), TLS_AD_UNEXPECTED_MESSAGE, TLS_R_NOT_ON_RECORD_BOUNDARY);
}

// --- after the handshake --------------------------------------------------

struct PostTest : FlightTest {
    std::function<void(std::vector<Rec> &)> later;
    int run()
    {
        EXPECT_EQ(TLS_OK, p.handshake());
        m.edit = later;
        EXPECT_TRUE(p.server_write("data"));
        std::string got;
        return p.client_read(got, 100);
    }
    void expect_fail(int rc, int alert, int reason)
    {
        EXPECT_EQ(TLS_ERR(alert, reason), rc);
        EXPECT_EQ(alert, sent_alert(p, 0, "CLIENT_TRAFFIC_SECRET_0"));
        expect_sticky(p, rc);
    }
};

TEST_F(PostTest, CcsAfterFinished)
{
    later = [](std::vector<Rec> &r) {
        r.insert(r.begin(), Rec{TLS_CT_CHANGE_CIPHER_SPEC, "\x01", false});
    };
    expect_fail(run(), TLS_AD_UNEXPECTED_MESSAGE, TLS_R_UNEXPECTED_MESSAGE);
}

TEST_F(PostTest, BadKeyUpdateValue)
{
    later = [](std::vector<Rec> &r) {
        r.insert(r.begin(), Rec{TLS_CT_HANDSHAKE, hs(24, u8(2)), true});
    };
    expect_fail(run(), TLS_AD_ILLEGAL_PARAMETER, TLS_R_BAD_KEY_UPDATE);
}

TEST_F(PostTest, KeyUpdatesAreFollowed)
{
    // Control for the next test: a few updates, each in its own record.
    ASSERT_EQ(TLS_OK, p.handshake());
    m.edit = [](std::vector<Rec> &r) {
        for (int i = 0; i < 5; i++)
            r.insert(r.begin(), Rec{TLS_CT_HANDSHAKE, hs(24, u8(0)), true});
    };
    ASSERT_TRUE(p.server_write("data"));
    std::string got;
    EXPECT_EQ(TLS_OK, p.client_read(got, 4));
    EXPECT_EQ("data", got);
}

TEST_F(PostTest, KeyUpdateFlood)
{
    later = [](std::vector<Rec> &r) {
        for (int i = 0; i < 100; i++)
            r.insert(r.begin(), Rec{TLS_CT_HANDSHAKE, hs(24, u8(0)), true});
    };
    expect_fail(run(), TLS_AD_UNEXPECTED_MESSAGE, TLS_R_TOO_MANY_KEY_UPDATES);
}

TEST_F(PostTest, KeyUpdateMustEndItsRecord)
{
    later = [](std::vector<Rec> &r) {
        r.insert(r.begin(), Rec{TLS_CT_HANDSHAKE, hs(24, u8(0)) + hs(24, u8(0)), true});
    };
    expect_fail(run(), TLS_AD_UNEXPECTED_MESSAGE, TLS_R_NOT_ON_RECORD_BOUNDARY);
}

TEST_F(PostTest, CertificateRequestWithoutPostHandshakeAuth)
{
    later = [](std::vector<Rec> &r) {
        std::string sa = ext(13, u16(2) + u16(0x0403));
        r.insert(r.begin(), Rec{TLS_CT_HANDSHAKE, hs(13, u8(1) + "c" + u16(sa.size()) + sa), true});
    };
    expect_fail(run(), TLS_AD_UNEXPECTED_MESSAGE, TLS_R_UNEXPECTED_MESSAGE);
}

TEST_F(PostTest, MalformedNewSessionTicket)
{
    later = [](std::vector<Rec> &r) {
        // ticket<1..2^16-1> may not be empty.
        r.insert(r.begin(),
                 Rec{TLS_CT_HANDSHAKE,
                     hs(4, u16(0) + u16(100) + std::string(4, '\x01') + u8(0) + u16(0) + u16(0)),
                     true});
    };
    expect_fail(run(), TLS_AD_DECODE_ERROR, TLS_R_BAD_PACKET);
}

TEST_F(PostTest, ServerHelloAfterHandshake)
{
    later = [](std::vector<Rec> &r) {
        r.insert(r.begin(), Rec{TLS_CT_HANDSHAKE, hs(2, std::string(40, '\0')), true});
    };
    expect_fail(run(), TLS_AD_UNEXPECTED_MESSAGE, TLS_R_UNEXPECTED_MESSAGE);
}

TEST_F(PostTest, ProtectedRecordOverflow)
{
    EXPECT_EQ(TLS_OK, p.handshake());
    p.tamper = [](std::string &bytes) { bytes = u8(23) + "\x03\x03" + u16(16384 + 257); };
    EXPECT_TRUE(p.server_write("data"));
    std::string got;
    expect_fail(p.client_read(got, 100), TLS_AD_RECORD_OVERFLOW, TLS_R_ENCRYPTED_LENGTH_TOO_LONG);
}

TEST_F(PostTest, UnknownRecordTypeUnderKeys)
{
    later = [](std::vector<Rec> &r) { r.insert(r.begin(), Rec{24, "\x01\x02", false}); };
    expect_fail(run(), TLS_AD_UNEXPECTED_MESSAGE, TLS_R_BAD_RECORD_TYPE);
}

TEST_F(PostTest, InnerPlaintextTooLong)
{
    later = [](std::vector<Rec> &r) {
        // 2^14 + 1 bytes of content (plus padding) while the ciphertext
        // stays within 2^14 + 256. OpenSSL 3.0 bounds the content once the
        // padding is stripped (ssl3_get_record), so 2^14 bytes with padding
        // pass there; one byte more does not.
        r.insert(r.begin(), Rec{TLS_CT_APPLICATION_DATA, std::string(16385, 'a'), true, 10});
    };
    expect_fail(run(), TLS_AD_RECORD_OVERFLOW, TLS_R_DATA_LENGTH_TOO_LONG);
}

TEST_F(PostTest, ZeroLengthHandshakeRecord)
{
    later = [](std::vector<Rec> &r) { r.insert(r.begin(), Rec{TLS_CT_HANDSHAKE, "", true}); };
    expect_fail(run(), TLS_AD_UNEXPECTED_MESSAGE, TLS_R_BAD_LENGTH);
}

} // namespace

namespace
{

// Every single-bit change anywhere in the server's first flight (plaintext
// of the protected records included) must make the handshake fail with a
// protocol alert, or leave the client waiting for bytes a grown length
// announced: never succeed, never crash, never an internal error.
TEST(HostileFlight, EveryByteFlipFails)
{
    uint32_t seed = 12345;
    auto next = [&seed] {
        seed = seed * 1103515245u + 12345u;
        return seed >> 8;
    };
    for (int i = 0; i < 150; i++) {
        Peer p;
        Mitm m{p};
        uint32_t pick = next(), bitpos = next() % 8;
        bool done = false;
        std::string where;
        m.edit = [&](std::vector<Rec> &recs) {
            if (done)
                return;
            done = true;
            size_t total = 0;
            for (const Rec &r : recs)
                total += r.body.size();
            size_t at = pick % total;
            for (Rec &r : recs) {
                if (at < r.body.size()) {
                    r.body[at] ^= (char)(1u << bitpos);
                    where = "record type " + std::to_string(r.type) + " offset " +
                            std::to_string(at) + " of " + std::to_string(r.body.size()) +
                            " first byte " + std::to_string((uint8_t)r.body[0]);
                    return;
                }
                at -= r.body.size();
            }
        };
        p.start();
        // First flight only: the ClientHello goes out, the server answers.
        ASSERT_EQ(TLS_WANT_INPUT, p.run_client([&] { return tls_conn_handshake(p.c); }));
        int rc = p.handshake();
        ASSERT_NE(TLS_OK, rc) << "flip " << i << " accepted: " << where;
        if (rc == TLS_WANT_INPUT) {
            // A length grew: the client rightly waits for bytes that never come.
            tls_conn_transport_eof(p.c);
            rc = tls_conn_handshake(p.c);
            EXPECT_EQ(TLS_ERR(TLS_AD_NONE, TLS_R_UNEXPECTED_EOF_WHILE_READING), rc) << where;
            continue;
        }
        ASSERT_LT(rc, 0) << where;
        EXPECT_NE(TLS_AD_INTERNAL_ERROR, TLS_ERR_ALERT(rc)) << "flip " << i << ": " << where;
        EXPECT_EQ(rc, tls_conn_error(p.c));
        EXPECT_EQ(rc, tls_conn_handshake(p.c));
        ERR_clear_error();
    }
}

// --- OCSP stapling: the leaf's status_request (RFC 8446 4.4.2.1) --------------

const std::string kOcsp13("\x30\x03\x0a\x01\x00", 5);

int staple13_cb(SSL *s, void *)
{
    unsigned char *copy = (unsigned char *)OPENSSL_memdup(kOcsp13.data(), kOcsp13.size());
    SSL_set_tlsext_status_ocsp_resp(s, copy, (long)kOcsp13.size());
    return SSL_TLSEXT_ERR_OK;
}

// The server's Certificate with the leaf's extension block replaced.
void set_leaf_exts(std::vector<Rec> &recs, const std::string &exts)
{
    size_t ri, off;
    if (!find_msg(recs, 11, &ri, &off))
        return;
    const std::string &b = recs[ri].body;
    // context<0..255> = empty, certificate_list<3>, first entry: cert_data<3>, extensions<2>.
    size_t at = off + 4 + 1 + 3;
    size_t cert_len = (uint8_t)b[at] << 16 | (uint8_t)b[at + 1] << 8 | (uint8_t)b[at + 2];
    std::string cert = b.substr(at + 3, cert_len);
    std::string entry = u24(cert.size()) + cert + u16(exts.size()) + exts;
    replace_msg(recs, 11, u8(0) + u24(entry.size()) + entry);
}

struct StapleTest : FlightTest {
    void SetUp() override
    {
        SSL_CTX_set_tlsext_status_cb(p.sctx, staple13_cb);
        p.cfg.flags |= TLS_CFG_STATUS_REQUEST;
    }
    void leaf_status(const std::string &body)
    {
        m.edit = [body](std::vector<Rec> &r) { set_leaf_exts(r, ext(5, body)); };
    }
};

TEST_F(StapleTest, UneditedStapleArrives)
{
    ASSERT_EQ(TLS_OK, p.handshake());
    const uint8_t *r;
    size_t n;
    tls_conn_ocsp_response(p.c, &r, &n);
    EXPECT_EQ(kOcsp13, std::string((const char *)r, n));
}

TEST_F(StapleTest, UnknownStatusType)
{
    leaf_status(u8(2) + u24(kOcsp13.size()) + kOcsp13);
    expect_fail(p.handshake(), TLS_AD_DECODE_ERROR, TLS_R_UNSUPPORTED_STATUS_TYPE);
}

TEST_F(StapleTest, ResponseLengthMismatch)
{
    leaf_status(u8(1) + u24(kOcsp13.size() + 2) + kOcsp13);
    expect_fail(p.handshake(), TLS_AD_DECODE_ERROR, TLS_R_LENGTH_MISMATCH);
}

TEST_F(StapleTest, EmptyResponse)
{
    leaf_status(u8(1) + u24(0));
    expect_fail(p.handshake(), TLS_AD_DECODE_ERROR, TLS_R_LENGTH_MISMATCH);
}

TEST_F(StapleTest, EmptyStatusExtension)
{
    leaf_status("");
    expect_fail(p.handshake(), TLS_AD_DECODE_ERROR, TLS_R_UNSUPPORTED_STATUS_TYPE);
}

TEST_F(StapleTest, TwoStatusExtensionsInTheLeaf)
{
    std::string one = ext(5, u8(1) + u24(kOcsp13.size()) + kOcsp13);
    m.edit = [one](std::vector<Rec> &r) { set_leaf_exts(r, one + one); };
    expect_fail(p.handshake(), TLS_AD_ILLEGAL_PARAMETER, TLS_R_BAD_EXTENSION);
}

TEST_F(StapleTest, StatusInEncryptedExtensions)
{
    // RFC 8446 4.4.2.1: in TLS 1.3 the response is in the Certificate only.
    m.edit = [](std::vector<Rec> &r) {
        size_t ri, off;
        std::string e = ext(5, "");
        if (find_msg(r, 8, &ri, &off))
            replace_msg(r, 8, u16(e.size()) + e);
    };
    expect_fail(p.handshake(), TLS_AD_ILLEGAL_PARAMETER, TLS_R_BAD_EXTENSION);
}

TEST_F(FlightTest, StapleNobodyAskedFor)
{
    m.edit = [](std::vector<Rec> &r) {
        set_leaf_exts(r, ext(5, u8(1) + u24(kOcsp13.size()) + kOcsp13));
    };
    expect_fail(p.handshake(), TLS_AD_UNSUPPORTED_EXTENSION, TLS_R_UNSOLICITED_EXTENSION);
}

} // namespace
