// core/tls12_crypto and the TLS 1.2 record modes: suite table, PRF known
// answers, master secret, key block, record round trips and tampering.
// (tls12_crypto_vs_openssl_test.cc checks the same against the system OpenSSL.)
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "core/keysched.h"
#include "core/tls12.h"

namespace
{

using Bytes = std::vector<uint8_t>;

Bytes unhex(const std::string &h)
{
    Bytes out;
    for (size_t i = 0; i + 1 < h.size(); i += 2)
        out.push_back((uint8_t)std::stoi(h.substr(i, 2), nullptr, 16));
    return out;
}

const int kBadMac = TLS_ERR(TLS_AD_BAD_RECORD_MAC, TLS_R_DECRYPTION_FAILED_OR_BAD_RECORD_MAC);

// ---------------------------------------------------------------- suites

TEST(Tls12Suites, ListedAfterTls13InOpenSSLDefaultOrder)
{
    size_t n = 0;
    const tls_suite_info *all = tls_suites(&n);
    std::vector<uint16_t> ids;
    for (size_t i = 0; i < n; i++)
        if (all[i].flags & TLS_SUITE_F_DEFAULT)
            ids.push_back(all[i].id);
    // `openssl ciphers -s -tls1_2 DEFAULT` restricted to what core does,
    // after the three TLS 1.3 suites.
    std::vector<uint16_t> want = {0x1302, 0x1303, 0x1301, 0xC02C, 0xC030, 0x009F, 0xCCA9, 0xCCA8,
                                  0xCCAA, 0xC02B, 0xC02F, 0x009E, 0xC024, 0xC028, 0x006B, 0xC023,
                                  0xC027, 0x0067, 0xC00A, 0xC014, 0x0039, 0xC009, 0xC013, 0x0033,
                                  0x009D, 0x009C, 0x003D, 0x003C, 0x0035, 0x002F};
    EXPECT_EQ(ids, want);
    for (size_t i = 3; i < n; i++) {
        if (all[i].flags & TLS_SUITE_F_DEFAULT) {
            EXPECT_EQ(all[i].min_version, TLS_V12) << all[i].id;
        }
    }
}

TEST(Tls12Suites, DescriptionsMatchOpenSSL)
{
    const tls_suite_info *a = tls_suite_by_id(0xC02F);
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(a->kx, TLS_KX_ECDHE);
    EXPECT_EQ(a->au, TLS_AU_RSA);
    EXPECT_EQ(a->mac_nid, NID_undef);
    EXPECT_EQ(a->aead, 1);
    EXPECT_EQ(a->strength_bits, 128);
    EXPECT_EQ(a->cipher_nid, NID_aes_128_gcm);
    EXPECT_EQ(tls_suite_by_id(0x009D)->kx, TLS_KX_RSA);
    EXPECT_EQ(tls_suite_by_id(0xCCA9)->au, TLS_AU_ECDSA);
    EXPECT_EQ(tls_suite_by_id(0x009E)->kx, TLS_KX_DHE);
}

TEST(Tls12Suites, Tls12FactsOfAeadSuites)
{
    struct {
        uint16_t id;
        int kx, au;
        int prf;
        size_t key, fixed_iv, record_iv;
    } want[] = {
        {0xC02C, TLS12_KX_ECDHE, TLS12_AU_ECDSA, NID_sha384, 32, 4, 8},
        {0xC030, TLS12_KX_ECDHE, TLS12_AU_RSA, NID_sha384, 32, 4, 8},
        {0x009F, TLS12_KX_DHE, TLS12_AU_RSA, NID_sha384, 32, 4, 8},
        {0xCCA9, TLS12_KX_ECDHE, TLS12_AU_ECDSA, NID_sha256, 32, 12, 0},
        {0xCCA8, TLS12_KX_ECDHE, TLS12_AU_RSA, NID_sha256, 32, 12, 0},
        {0xCCAA, TLS12_KX_DHE, TLS12_AU_RSA, NID_sha256, 32, 12, 0},
        {0xC02B, TLS12_KX_ECDHE, TLS12_AU_ECDSA, NID_sha256, 16, 4, 8},
        {0xC02F, TLS12_KX_ECDHE, TLS12_AU_RSA, NID_sha256, 16, 4, 8},
        {0x009E, TLS12_KX_DHE, TLS12_AU_RSA, NID_sha256, 16, 4, 8},
        {0x009D, TLS12_KX_RSA, TLS12_AU_RSA, NID_sha384, 32, 4, 8},
        {0x009C, TLS12_KX_RSA, TLS12_AU_RSA, NID_sha256, 16, 4, 8},
        // RFC 6655 3 / RFC 7251: AES-CCM nonces are built like AES-GCM's.
        {0xC0AC, TLS12_KX_ECDHE, TLS12_AU_ECDSA, NID_sha256, 16, 4, 8},
        {0xC0AE, TLS12_KX_ECDHE, TLS12_AU_ECDSA, NID_sha256, 16, 4, 8},
        {0xC09E, TLS12_KX_DHE, TLS12_AU_RSA, NID_sha256, 16, 4, 8},
        {0xC0A2, TLS12_KX_DHE, TLS12_AU_RSA, NID_sha256, 16, 4, 8},
    };
    for (const auto &w : want) {
        const tls12_suite *s = tls12_suite_get(nullptr, w.id);
        ASSERT_NE(s, nullptr) << w.id;
        EXPECT_EQ(s->suite, tls_suite_get(nullptr, w.id));
        EXPECT_EQ(s->kx, w.kx) << w.id;
        EXPECT_EQ(s->au, w.au) << w.id;
        EXPECT_EQ(EVP_MD_get_type(s->prf_md), w.prf) << w.id;
        EXPECT_EQ(s->cbc, 0);
        EXPECT_EQ(s->mac_md, nullptr);
        EXPECT_EQ(s->mac_key_len, 0u);
        EXPECT_EQ(s->enc_key_len, w.key) << w.id;
        EXPECT_EQ(s->fixed_iv_len, w.fixed_iv) << w.id;
        EXPECT_EQ(s->record_iv_len, w.record_iv) << w.id;
        // Fetched once.
        EXPECT_EQ(tls12_suite_get(nullptr, w.id), s);
    }
    // TLS 1.3 suites and unknown values have no TLS 1.2 facts.
    EXPECT_EQ(tls12_suite_get(nullptr, 0x1301), nullptr);
    EXPECT_EQ(tls12_suite_get(nullptr, 0x0000), nullptr);
    EXPECT_EQ(tls12_suite_get(nullptr, 0xC0AD), nullptr); // ECDHE-ECDSA-AES256-CCM
}

TEST(Tls12Suites, Tls12FactsOfCbcSuites)
{
    struct {
        uint16_t id;
        int kx, au;
        int prf, mac;
        size_t key;
        const char *name, *macname;
    } want[] = {
        {0xC024, TLS12_KX_ECDHE, TLS12_AU_ECDSA, NID_sha384, NID_sha384, 32,
         "ECDHE-ECDSA-AES256-SHA384", "SHA384"},
        {0xC028, TLS12_KX_ECDHE, TLS12_AU_RSA, NID_sha384, NID_sha384, 32,
         "ECDHE-RSA-AES256-SHA384", "SHA384"},
        {0x006B, TLS12_KX_DHE, TLS12_AU_RSA, NID_sha256, NID_sha256, 32, "DHE-RSA-AES256-SHA256",
         "SHA256"},
        {0xC023, TLS12_KX_ECDHE, TLS12_AU_ECDSA, NID_sha256, NID_sha256, 16,
         "ECDHE-ECDSA-AES128-SHA256", "SHA256"},
        {0xC027, TLS12_KX_ECDHE, TLS12_AU_RSA, NID_sha256, NID_sha256, 16,
         "ECDHE-RSA-AES128-SHA256", "SHA256"},
        {0x0067, TLS12_KX_DHE, TLS12_AU_RSA, NID_sha256, NID_sha256, 16, "DHE-RSA-AES128-SHA256",
         "SHA256"},
        {0xC00A, TLS12_KX_ECDHE, TLS12_AU_ECDSA, NID_sha256, NID_sha1, 32, "ECDHE-ECDSA-AES256-SHA",
         "SHA1"},
        {0xC014, TLS12_KX_ECDHE, TLS12_AU_RSA, NID_sha256, NID_sha1, 32, "ECDHE-RSA-AES256-SHA",
         "SHA1"},
        {0x0039, TLS12_KX_DHE, TLS12_AU_RSA, NID_sha256, NID_sha1, 32, "DHE-RSA-AES256-SHA",
         "SHA1"},
        {0xC009, TLS12_KX_ECDHE, TLS12_AU_ECDSA, NID_sha256, NID_sha1, 16, "ECDHE-ECDSA-AES128-SHA",
         "SHA1"},
        {0xC013, TLS12_KX_ECDHE, TLS12_AU_RSA, NID_sha256, NID_sha1, 16, "ECDHE-RSA-AES128-SHA",
         "SHA1"},
        {0x0033, TLS12_KX_DHE, TLS12_AU_RSA, NID_sha256, NID_sha1, 16, "DHE-RSA-AES128-SHA",
         "SHA1"},
        {0x003D, TLS12_KX_RSA, TLS12_AU_RSA, NID_sha256, NID_sha256, 32, "AES256-SHA256", "SHA256"},
        {0x003C, TLS12_KX_RSA, TLS12_AU_RSA, NID_sha256, NID_sha256, 16, "AES128-SHA256", "SHA256"},
        {0x0035, TLS12_KX_RSA, TLS12_AU_RSA, NID_sha256, NID_sha1, 32, "AES256-SHA", "SHA1"},
        {0x002F, TLS12_KX_RSA, TLS12_AU_RSA, NID_sha256, NID_sha1, 16, "AES128-SHA", "SHA1"},
    };
    for (const auto &w : want) {
        const tls12_suite *s = tls12_suite_get(nullptr, w.id);
        ASSERT_NE(s, nullptr) << w.id;
        EXPECT_EQ(s->kx, w.kx) << w.id;
        EXPECT_EQ(s->au, w.au) << w.id;
        EXPECT_EQ(EVP_MD_get_type(s->prf_md), w.prf) << w.id;
        EXPECT_EQ(s->cbc, 1);
        ASSERT_NE(s->mac_md, nullptr);
        EXPECT_EQ(EVP_MD_get_type(s->mac_md), w.mac) << w.id;
        EXPECT_EQ(s->mac_key_len, (size_t)EVP_MD_get_size(s->mac_md));
        EXPECT_EQ(s->enc_key_len, w.key) << w.id;
        EXPECT_EQ(s->fixed_iv_len, 0u);
        EXPECT_EQ(s->record_iv_len, 16u);
        const tls_suite_info *i = tls_suite_by_id(w.id);
        ASSERT_NE(i, nullptr);
        EXPECT_EQ(i->mac_nid, w.mac) << w.name;
        EXPECT_EQ(i->aead, 0);
        EXPECT_EQ(i->min_version, TLS_V12);
        EXPECT_EQ(i->cipher_nid, w.key == 16 ? NID_aes_128_cbc : NID_aes_256_cbc);
        EXPECT_EQ(i->strength_bits, (int)w.key * 8);
    }
}

// ------------------------------------------------------------------ PRF

// The TLS 1.2 PRF vectors published on the IETF TLS list (msg03416), also
// used by the PKCS#11 TC: "test label", P_SHA256 and P_SHA384.
TEST(Tls12Prf, KnownAnswersSha256AndSha384)
{
    Bytes out(100);
    Bytes secret = unhex("9bbe436ba940f017b17652849a71db35");
    Bytes seed = unhex("a0ba9f936cda311827a6f796ffd5198c");
    ASSERT_EQ(tls12_prf(nullptr, EVP_sha256(), secret.data(), secret.size(), "test label",
                        seed.data(), seed.size(), nullptr, 0, out.data(), out.size()),
              0);
    EXPECT_EQ(out, unhex("e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b3017"
                         "91e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab4fbc91666e9d"
                         "ef9b97fce34f796789baa48082d122ee42c5a72e5a5110fff70187347b66"));

    // The same through the multi-part form, the label split in two.
    tls_prf_part parts[] = {{(const uint8_t *)"test ", 5},
                            {(const uint8_t *)"label", 5},
                            {seed.data(), 8},
                            {seed.data() + 8, 8}};
    Bytes out2(100);
    ASSERT_EQ(tls12_prf_parts(nullptr, EVP_sha256(), secret.data(), secret.size(), parts, 4,
                              out2.data(), out2.size()),
              0);
    EXPECT_EQ(out2, out);

    Bytes out384(148);
    secret = unhex("b80b733d6ceefcdc71566ea48e5567df");
    seed = unhex("cd665cf6a8447dd6ff8b27555edb7465");
    ASSERT_EQ(tls12_prf(nullptr, EVP_sha384(), secret.data(), secret.size(), "test label",
                        seed.data(), 8, seed.data() + 8, 8, out384.data(), out384.size()),
              0);
    EXPECT_EQ(out384,
              unhex("7b0c18e9ced410ed1804f2cfa34a336a1c14dffb4900bb5fd7942107e81c83cde9ca0faa60"
                    "be9fe34f82b1233c9146a0e534cb400fed2700884f9dc236f80edd8bfa961144c9e8d792ec"
                    "a722a7b32fc3d416d473ebc2c5fd4abfdad05d9184259b5bf8cd4d90fa0d31e2dec479e4f1"
                    "a26066f2eea9a69236a3e52655c9e9aee691c8f3a26854308d5eaa3be85e0990703d73e56f"));
}

TEST(Tls12Secrets, MasterSecretUsesLabelAndSeedOfRfc5246AndRfc7627)
{
    const tls12_suite *s = tls12_suite_get(nullptr, 0xC02F);
    ASSERT_NE(s, nullptr);
    uint8_t pms[32], cr[32], sr[32], sh[32];
    for (int i = 0; i < 32; i++) {
        pms[i] = (uint8_t)i;
        cr[i] = (uint8_t)(0x40 + i);
        sr[i] = (uint8_t)(0x80 + i);
        sh[i] = (uint8_t)(0xc0 + i);
    }
    uint8_t ms[48], want[48];
    ASSERT_EQ(tls12_master_secret(s, pms, 32, 0, nullptr, 0, cr, sr, ms), 0);
    ASSERT_EQ(tls12_prf(nullptr, EVP_sha256(), pms, 32, "master secret", cr, 32, sr, 32, want, 48),
              0);
    EXPECT_EQ(memcmp(ms, want, 48), 0);
    ASSERT_EQ(tls12_master_secret(s, pms, 32, 1, sh, 32, cr, sr, ms), 0);
    ASSERT_EQ(tls12_prf(nullptr, EVP_sha256(), pms, 32, "extended master secret", sh, 32, nullptr,
                        0, want, 48),
              0);
    EXPECT_EQ(memcmp(ms, want, 48), 0);
    // EMS without a session hash is a caller bug, not a silent fallback.
    EXPECT_EQ(tls12_master_secret(s, pms, 32, 1, nullptr, 0, cr, sr, ms), TLS_ERR_INTERNAL);
    EXPECT_EQ(tls12_master_secret(s, pms, 0, 0, nullptr, 0, cr, sr, ms), TLS_ERR_INTERNAL);

    // SHA-384 suites use the SHA-384 PRF.
    const tls12_suite *s384 = tls12_suite_get(nullptr, 0xC030);
    ASSERT_EQ(tls12_master_secret(s384, pms, 32, 0, nullptr, 0, cr, sr, ms), 0);
    ASSERT_EQ(tls12_prf(nullptr, EVP_sha384(), pms, 32, "master secret", cr, 32, sr, 32, want, 48),
              0);
    EXPECT_EQ(memcmp(ms, want, 48), 0);
}

TEST(Tls12Secrets, FinishedAndExporter)
{
    const tls12_suite *s = tls12_suite_get(nullptr, 0x009C);
    ASSERT_NE(s, nullptr);
    uint8_t ms[48], cr[32], sr[32], h[32];
    memset(ms, 0x11, 48);
    memset(cr, 0x22, 32);
    memset(sr, 0x33, 32);
    memset(h, 0x44, 32);
    uint8_t c[12], sv[12], want[12];
    ASSERT_EQ(tls12_finished(s, ms, 0, h, 32, c), 0);
    ASSERT_EQ(tls12_finished(s, ms, 1, h, 32, sv), 0);
    ASSERT_EQ(
        tls12_prf(nullptr, EVP_sha256(), ms, 48, "client finished", h, 32, nullptr, 0, want, 12),
        0);
    EXPECT_EQ(memcmp(c, want, 12), 0);
    ASSERT_EQ(
        tls12_prf(nullptr, EVP_sha256(), ms, 48, "server finished", h, 32, nullptr, 0, want, 12),
        0);
    EXPECT_EQ(memcmp(sv, want, 12), 0);

    // RFC 5705: labels the TLS PRF itself uses are refused.
    uint8_t out[16];
    for (const char *l : {"client finished", "server finished", "master secret",
                          "extended master secret", "key expansion"})
        EXPECT_EQ(tls12_export(s, ms, cr, sr, l, strlen(l), nullptr, 0, 0, out, sizeof(out)),
                  TLS_ERR(TLS_AD_NONE, TLS_R_TLS_ILLEGAL_EXPORTER_LABEL))
            << l;
    // A label is compared by its length, not as a C string.
    EXPECT_EQ(tls12_export(s, ms, cr, sr, "key expansionX", 13, nullptr, 0, 0, out, sizeof(out)),
              TLS_ERR(TLS_AD_NONE, TLS_R_TLS_ILLEGAL_EXPORTER_LABEL));
    EXPECT_EQ(tls12_export(s, ms, cr, sr, "key expansionX", 14, nullptr, 0, 0, out, sizeof(out)),
              0);
}

// ---------------------------------------------------------- AEAD records

struct Pair {
    tls_rec_dir wr, rd;
    Pair(const tls12_suite *s, int etm = 0, bool server_sends = false)
    {
        uint8_t ms[48], cr[32], sr[32];
        for (int i = 0; i < 48; i++)
            ms[i] = (uint8_t)(i * 7);
        memset(cr, 0xc1, 32);
        memset(sr, 0x5e, 32);
        tls_rec_dir_init(&wr, 1);
        tls_rec_dir_init(&rd, 0);
        int is_server = server_sends ? 1 : 0;
        EXPECT_EQ(tls_rec_set_tls12(&wr, 1, is_server, s, ms, cr, sr, etm), 0);
        EXPECT_EQ(tls_rec_set_tls12(&rd, 0, !is_server, s, ms, cr, sr, etm), 0);
    }
    ~Pair()
    {
        tls_rec_dir_clear(&wr);
        tls_rec_dir_clear(&rd);
    }
    Bytes seal(uint8_t type, const Bytes &pt)
    {
        tls_writer w;
        tls_wr_init(&w);
        EXPECT_EQ(tls_rec_seal(&wr, type, pt.data(), pt.size(), 0, &w), 0);
        Bytes out(w.buf, w.buf + w.len);
        tls_wr_free(&w);
        return out;
    }
    int open(Bytes rec, uint8_t *type, Bytes *pt)
    {
        uint8_t *data = nullptr;
        size_t len = 0;
        int rc = tls_rec_open(&rd, rec.data(), rec.size(), type, &data, &len);
        if (rc == 0)
            pt->assign(data, data + len);
        return rc;
    }
};

class Tls12Aead : public ::testing::TestWithParam<uint16_t>
{
};

TEST_P(Tls12Aead, RoundTripBothDirectionsAndWireLayout)
{
    const tls12_suite *s = tls12_suite_get(nullptr, GetParam());
    ASSERT_NE(s, nullptr);
    for (bool server_sends : {false, true}) {
        Pair p(s, 0, server_sends);
        for (size_t len : {(size_t)0, (size_t)1, (size_t)100, (size_t)TLS_REC_MAX_PLAIN}) {
            Bytes pt(len);
            for (size_t i = 0; i < len; i++)
                pt[i] = (uint8_t)(i * 31 + len);
            Bytes rec = p.seal(23, pt);
            // header, explicit nonce (GCM), ciphertext, 16-byte tag
            ASSERT_EQ(rec.size(), 5 + s->record_iv_len + len + 16);
            EXPECT_EQ(rec.size(), tls_rec_sealed_len(&p.wr, len, 0));
            EXPECT_EQ(rec[0], 23);
            EXPECT_EQ(rec[1], 3);
            EXPECT_EQ(rec[2], 3);
            EXPECT_EQ((size_t)(rec[3] << 8 | rec[4]), rec.size() - 5);
            if (len >= 16) {
                EXPECT_NE(Bytes(rec.end() - 16 - 16, rec.end() - 16),
                          Bytes(pt.end() - 16, pt.end()));
            }
            uint8_t type = 0;
            Bytes got;
            ASSERT_EQ(p.open(rec, &type, &got), 0);
            EXPECT_EQ(type, 23);
            EXPECT_EQ(got, pt);
        }
    }
}

TEST_P(Tls12Aead, TamperingAnyByteIsBadRecordMac)
{
    const tls12_suite *s = tls12_suite_get(nullptr, GetParam());
    Bytes pt = {'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd'};
    Pair ref(s);
    Bytes rec = ref.seal(22, pt);
    // Every byte after the length field (type and version are in the AAD:
    // changing them changes the MAC input too, but they are checked first).
    for (size_t i = 5; i < rec.size(); i++) {
        Pair p(s);
        Bytes bad = p.seal(22, pt);
        ASSERT_EQ(bad, rec);
        bad[i] ^= 0x01;
        uint8_t type;
        Bytes got;
        EXPECT_EQ(p.open(bad, &type, &got), kBadMac) << i;
    }
    // The type is authenticated: a handshake record relabelled as
    // application data fails.
    Pair p(s);
    Bytes relabel = p.seal(22, pt);
    relabel[0] = 23;
    uint8_t type;
    Bytes got;
    EXPECT_EQ(p.open(relabel, &type, &got), kBadMac);
}

TEST_P(Tls12Aead, SequenceNumbersAndKeysAreBound)
{
    const tls12_suite *s = tls12_suite_get(nullptr, GetParam());
    Pair p(s);
    Bytes r0 = p.seal(23, {1, 2, 3});
    Bytes r1 = p.seal(23, {1, 2, 3});
    EXPECT_NE(r0, r1);
    uint8_t type;
    Bytes got;
    // Out of order (seq 0 expected, record 1 given) fails.
    EXPECT_EQ(p.open(r1, &type, &got), kBadMac);

    Pair q(s);
    Bytes a = q.seal(23, {9});
    ASSERT_EQ(q.open(a, &type, &got), 0);
    // Replay fails.
    EXPECT_EQ(q.open(a, &type, &got), kBadMac);

    // The other direction's keys do not open it: a server receiving what a
    // server sent (reflection).
    Pair c2s(s, 0, false), s2c(s, 0, true);
    Bytes from_client = c2s.seal(23, {7, 7});
    EXPECT_EQ(s2c.open(from_client, &type, &got), kBadMac);
}

TEST_P(Tls12Aead, TooShortAndTooLongRecords)
{
    const tls12_suite *s = tls12_suite_get(nullptr, GetParam());
    size_t min = s->record_iv_len + 16;
    for (size_t body = 0; body < min; body++) {
        Pair p(s);
        Bytes rec = {23, 3, 3, (uint8_t)(body >> 8), (uint8_t)body};
        rec.resize(5 + body, 0xaa);
        uint8_t type;
        Bytes got;
        EXPECT_EQ(p.open(rec, &type, &got), kBadMac) << body;
    }
    // RFC 5246 6.2.3 allows 2^14 + 2048 bytes of ciphertext; OpenSSL 3.0
    // reads 2^14 + 320 without compression (the most a CBC record with a
    // SHA-384 MAC and 256 bytes of padding takes) and reports a length field
    // past its read buffer as packet_length_too_long (measured in
    // tests/apiunit/client_hello_tolerance_test.cc).
    Pair p(s);
    uint8_t hdr[5] = {23, 3, 3, (16384 + 321) >> 8, (16384 + 321) & 0xff};
    tls_rec_header h;
    EXPECT_EQ(tls_rec_parse_header(&p.rd, hdr, &h),
              TLS_ERR(TLS_AD_RECORD_OVERFLOW, TLS_R_ENCRYPTED_LENGTH_TOO_LONG));
    hdr[3] = (16384 + 2048) >> 8;
    hdr[4] = (16384 + 2048) & 0xff;
    EXPECT_EQ(tls_rec_parse_header(&p.rd, hdr, &h),
              TLS_ERR(TLS_AD_RECORD_OVERFLOW, TLS_R_PACKET_LENGTH_TOO_LONG));
    hdr[3] = (16384 + 320) >> 8;
    hdr[4] = (16384 + 320) & 0xff;
    EXPECT_EQ(tls_rec_parse_header(&p.rd, hdr, &h), 0);
}

TEST_P(Tls12Aead, ProtectedRecordVersionMustBeTls12)
{
    const tls12_suite *s = tls12_suite_get(nullptr, GetParam());
    Pair p(s);
    Bytes rec = p.seal(23, {1});
    rec[2] = 1; // 0x0301
    uint8_t type;
    Bytes got;
    EXPECT_EQ(p.open(rec, &type, &got),
              TLS_ERR(TLS_AD_PROTOCOL_VERSION, TLS_R_WRONG_VERSION_NUMBER));
}

INSTANTIATE_TEST_SUITE_P(All, Tls12Aead,
                         ::testing::Values(0xC02C, 0xC030, 0x009F, 0xCCA9, 0xCCA8, 0xCCAA, 0xC02B,
                                           0xC02F, 0x009E, 0x009D, 0x009C),
                         [](const ::testing::TestParamInfo<uint16_t> &i) {
                             char b[8];
                             snprintf(b, sizeof(b), "%04X", i.param);
                             return std::string(b);
                         });

// ----------------------------------------------------------- CBC records

const uint16_t kCbcSuites[] = {0xC024, 0xC028, 0x006B, 0xC023, 0xC027, 0x0067, 0xC00A, 0xC014,
                               0x0039, 0xC009, 0xC013, 0x0033, 0x003D, 0x003C, 0x0035, 0x002F};

class Tls12Cbc : public ::testing::TestWithParam<std::tuple<uint16_t, bool>>
{
  protected:
    const tls12_suite *s = tls12_suite_get(nullptr, std::get<0>(GetParam()));
    int etm = std::get<1>(GetParam()) ? 1 : 0;
    size_t m = s != nullptr ? s->mac_key_len : 0;
};

TEST_P(Tls12Cbc, RoundTripWithFreshIvAndMinimalPadding)
{
    ASSERT_NE(s, nullptr);
    for (bool server_sends : {false, true}) {
        Pair p(s, etm, server_sends);
        for (size_t len : {0, 1, 15, 16, 17, 31, 100, 1000, TLS_REC_MAX_PLAIN}) {
            Bytes pt(len);
            for (size_t i = 0; i < len; i++)
                pt[i] = (uint8_t)(i * 13 + len);
            Bytes a = p.seal(23, pt);
            size_t covered = etm ? len : len + m;
            size_t body = 16 + covered + (16 - covered % 16) + (etm ? m : 0);
            ASSERT_EQ(a.size(), 5 + body) << len;
            EXPECT_EQ(a.size(), tls_rec_sealed_len(&p.wr, len, 0));
            EXPECT_LE(body, (size_t)TLS_REC_MAX_CIPHER12);
            EXPECT_EQ((size_t)(a[3] << 8 | a[4]), body);
            uint8_t type = 0;
            Bytes got;
            ASSERT_EQ(p.open(a, &type, &got), 0) << len;
            EXPECT_EQ(type, 23);
            EXPECT_EQ(got, pt);
            // The same plaintext again: another IV, another ciphertext.
            Bytes b = p.seal(23, pt);
            EXPECT_NE(Bytes(a.begin() + 5, a.begin() + 21), Bytes(b.begin() + 5, b.begin() + 21));
            ASSERT_EQ(p.open(b, &type, &got), 0);
            EXPECT_EQ(got, pt);
        }
    }
}

TEST_P(Tls12Cbc, TamperingAnyByteIsBadRecordMac)
{
    ASSERT_NE(s, nullptr);
    Pair p(s, etm);
    Bytes pt(40, 'x');
    Bytes rec = p.seal(23, pt);
    uint8_t type;
    Bytes got;
    for (size_t i = 5; i < rec.size(); i++) {
        for (uint8_t flip : {0x01, 0x80}) {
            Bytes bad = rec;
            bad[i] ^= flip;
            EXPECT_EQ(p.open(bad, &type, &got), kBadMac) << i;
        }
    }
    // A failed record does not consume a sequence number: the genuine one
    // still opens.
    ASSERT_EQ(p.open(rec, &type, &got), 0);
    EXPECT_EQ(got, pt);
    // Type and sequence number are under the MAC.
    Bytes r2 = p.seal(22, pt);
    r2[0] = 23;
    EXPECT_EQ(p.open(r2, &type, &got), kBadMac);
    Bytes r3 = p.seal(22, pt);
    EXPECT_EQ(p.open(r3, &type, &got), kBadMac); // r2 (seq 1) never opened
}

TEST_P(Tls12Cbc, EtmAndMteDoNotOpenEachOther)
{
    ASSERT_NE(s, nullptr);
    Pair p(s, etm), q(s, !etm);
    Bytes rec = p.seal(23, Bytes(64, 'y'));
    uint8_t type;
    Bytes got;
    EXPECT_EQ(q.open(rec, &type, &got), kBadMac);
}

TEST_P(Tls12Cbc, TooShortRecords)
{
    ASSERT_NE(s, nullptr);
    // Every body length below one valid record, random content.
    size_t min_valid = etm ? 16 + 16 + m : 16 + ((m + 1 + 15) / 16) * 16;
    for (size_t body = 0; body < min_valid + 20; body++) {
        Pair p(s, etm);
        Bytes rec = {23, 3, 3, (uint8_t)(body >> 8), (uint8_t)body};
        for (size_t i = 0; i < body; i++)
            rec.push_back((uint8_t)(i * 37 + 11));
        uint8_t type;
        Bytes got;
        int want = etm && body < m ? TLS_ERR(TLS_AD_DECODE_ERROR, TLS_R_LENGTH_TOO_SHORT) : kBadMac;
        EXPECT_EQ(p.open(rec, &type, &got), want) << body;
    }
}

// A record built by hand (independently of record.c) with the client's
// write keys of Pair's key block, so that its padding can be anything.
struct Crafter {
    const tls12_suite *s;
    int etm;
    Bytes mac_key, enc_key;
    explicit Crafter(const tls12_suite *suite, int e) : s(suite), etm(e)
    {
        uint8_t ms[48], cr[32], sr[32];
        for (int i = 0; i < 48; i++)
            ms[i] = (uint8_t)(i * 7);
        memset(cr, 0xc1, 32);
        memset(sr, 0x5e, 32);
        size_t mk = s->mac_key_len, ek = s->enc_key_len;
        Bytes kb(2 * (mk + ek));
        EXPECT_EQ(tls12_prf(nullptr, s->prf_md, ms, 48, "key expansion", sr, 32, cr, 32, kb.data(),
                            kb.size()),
                  0);
        mac_key.assign(kb.begin(), kb.begin() + mk);
        enc_key.assign(kb.begin() + 2 * mk, kb.begin() + 2 * mk + ek);
    }
    Bytes hmac(const Bytes &in) const
    {
        Bytes out(EVP_MAX_MD_SIZE);
        unsigned n = 0;
        HMAC(s->mac_md, mac_key.data(), (int)mac_key.size(), in.data(), in.size(), out.data(), &n);
        out.resize(n);
        return out;
    }
    static Bytes hdr13(uint64_t seq, uint8_t type, size_t len)
    {
        Bytes h;
        for (int i = 7; i >= 0; i--)
            h.push_back((uint8_t)(seq >> (8 * i)));
        h.insert(h.end(), {type, 3, 3, (uint8_t)(len >> 8), (uint8_t)len});
        return h;
    }
    // padding: the padding_length value; the padding is padding+1 bytes.
    // corrupt: index into the padding bytes to flip, or -1.
    Bytes make(uint64_t seq, uint8_t type, const Bytes &content, size_t padding, long corrupt = -1,
               bool bad_mac = false) const
    {
        Bytes pt = content;
        if (!etm) {
            Bytes in = hdr13(seq, type, content.size());
            in.insert(in.end(), content.begin(), content.end());
            Bytes mac = hmac(in);
            if (bad_mac)
                mac[0] ^= 1;
            pt.insert(pt.end(), mac.begin(), mac.end());
        }
        size_t pad_at = pt.size();
        pt.insert(pt.end(), padding + 1, (uint8_t)padding);
        if (corrupt >= 0)
            pt[pad_at + (size_t)corrupt] ^= 0x01;
        EXPECT_EQ(pt.size() % 16, 0u);
        Bytes iv(16, 0x42), ct(pt.size());
        EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
        const EVP_CIPHER *cipher = enc_key.size() == 16 ? EVP_aes_128_cbc() : EVP_aes_256_cbc();
        EXPECT_EQ(EVP_EncryptInit_ex(c, cipher, nullptr, enc_key.data(), iv.data()), 1);
        EVP_CIPHER_CTX_set_padding(c, 0);
        int outl = 0;
        EXPECT_EQ(EVP_EncryptUpdate(c, ct.data(), &outl, pt.data(), (int)pt.size()), 1);
        EVP_CIPHER_CTX_free(c);
        Bytes body = iv;
        body.insert(body.end(), ct.begin(), ct.end());
        if (etm) {
            Bytes in = hdr13(seq, type, body.size());
            in.insert(in.end(), body.begin(), body.end());
            Bytes mac = hmac(in);
            if (bad_mac)
                mac[0] ^= 1;
            body.insert(body.end(), mac.begin(), mac.end());
        }
        Bytes rec(5 + body.size());
        rec[0] = type;
        rec[1] = 3;
        rec[2] = 3;
        rec[3] = (uint8_t)(body.size() >> 8);
        rec[4] = (uint8_t)body.size();
        std::copy(body.begin(), body.end(), rec.begin() + 5);
        return rec;
    }
    // A padding value >= min that aligns content (+ MAC) to the block.
    size_t padding_for(size_t content_len, size_t min) const
    {
        size_t covered = content_len + (etm ? 0 : s->mac_key_len);
        size_t p = (16 - (covered + 1) % 16) % 16;
        while (p < min)
            p += 16;
        return p;
    }
};

TEST_P(Tls12Cbc, EveryPaddingLengthAcceptedEveryBadPaddingByteRejected)
{
    ASSERT_NE(s, nullptr);
    Crafter cr(s, etm);
    Pair p(s, etm);
    uint8_t type;
    Bytes got;
    const Bytes content = {'p', 'a', 'd', 'd', 'i', 'n', 'g'};
    // RFC 5246 6.2.3.2: any padding up to 255 bytes is legal.
    for (size_t pad = cr.padding_for(content.size(), 0); pad <= 255; pad += 16) {
        // Each byte of the padding, the length byte included, matters.
        for (long bad = 0; bad <= (long)pad; bad++)
            EXPECT_EQ(p.open(cr.make(p.rd.seq, 23, content, pad, bad), &type, &got), kBadMac)
                << "padding " << pad << " corrupt " << bad;
        ASSERT_EQ(p.open(cr.make(p.rd.seq, 23, content, pad), &type, &got), 0) << pad;
        EXPECT_EQ(got, content);
    }
    // A good padding under a bad MAC: the same error as a bad padding.
    EXPECT_EQ(p.open(cr.make(p.rd.seq, 23, content, cr.padding_for(content.size(), 0), -1, true),
                     &type, &got),
              kBadMac);
}

TEST_P(Tls12Cbc, PaddingLongerThanTheRecordIsBadRecordMac)
{
    ASSERT_NE(s, nullptr);
    Crafter cr(s, etm);
    Pair p(s, etm);
    uint8_t type;
    Bytes got;
    // Build a record whose last byte claims 255 bytes of padding in a
    // record far shorter than that: take a valid minimal record and
    // rewrite its padding value byte-for-byte would break the MAC, so make
    // the claim with a record whose padding is all 0xff but truncated.
    Bytes content(1, 'z');
    size_t pad = cr.padding_for(content.size(), 0);
    Bytes rec = cr.make(p.rd.seq, 23, content, pad);
    // Corrupting the length byte to a large value: bad_record_mac.
    EXPECT_EQ(p.open(cr.make(p.rd.seq, 23, content, pad, (long)pad), &type, &got), kBadMac);
    ASSERT_EQ(p.open(rec, &type, &got), 0);
}

TEST_P(Tls12Cbc, AuthenticPlaintextOver2To14IsRecordOverflow)
{
    ASSERT_NE(s, nullptr);
    Crafter cr(s, etm);
    Pair p(s, etm);
    uint8_t type;
    Bytes got;
    Bytes content(TLS_REC_MAX_PLAIN + 1, 'o');
    Bytes rec = cr.make(p.rd.seq, 23, content, cr.padding_for(content.size(), 0));
    EXPECT_EQ(p.open(rec, &type, &got),
              TLS_ERR(TLS_AD_RECORD_OVERFLOW, TLS_R_DATA_LENGTH_TOO_LONG));
}

INSTANTIATE_TEST_SUITE_P(All, Tls12Cbc,
                         ::testing::Combine(::testing::ValuesIn(kCbcSuites), ::testing::Bool()),
                         [](const ::testing::TestParamInfo<std::tuple<uint16_t, bool>> &i) {
                             char b[16];
                             snprintf(b, sizeof(b), "%04X_%s", std::get<0>(i.param),
                                      std::get<1>(i.param) ? "EtM" : "MtE");
                             return std::string(b);
                         });

TEST(Tls12Keys, KeyBlockHalvesFollowRfc5246)
{
    // AES-128-GCM: key block = client key(16) server key(16) client iv(4)
    // server iv(4). Seal with the key block's client half by hand and check
    // that the record layer's client-sending direction wrote the same.
    const tls12_suite *s = tls12_suite_get(nullptr, 0xC02F);
    uint8_t ms[48], cr[32], sr[32], kb[40];
    memset(ms, 0xab, 48);
    for (int i = 0; i < 32; i++) {
        cr[i] = (uint8_t)i;
        sr[i] = (uint8_t)(255 - i);
    }
    ASSERT_EQ(tls12_prf(nullptr, EVP_sha256(), ms, 48, "key expansion", sr, 32, cr, 32, kb, 40), 0);
    for (int server : {0, 1}) {
        tls_rec_dir wr;
        tls_rec_dir_init(&wr, 1);
        ASSERT_EQ(tls_rec_set_tls12(&wr, 1, server, s, ms, cr, sr, 0), 0);
        tls_writer w;
        tls_wr_init(&w);
        const uint8_t msg[5] = {'h', 'e', 'l', 'l', 'o'};
        ASSERT_EQ(tls_rec_seal(&wr, 23, msg, 5, 0, &w), 0);
        ASSERT_EQ(w.len, 5u + 8 + 5 + 16);

        const uint8_t *key = kb + (server ? 16 : 0);
        const uint8_t *salt = kb + 32 + (server ? 4 : 0);
        uint8_t nonce[12];
        memcpy(nonce, salt, 4);
        memcpy(nonce + 4, w.buf + 5, 8); // explicit part, as sent
        uint8_t aad[13] = {0, 0, 0, 0, 0, 0, 0, 0, 23, 3, 3, 0, 5};
        EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
        ASSERT_EQ(EVP_EncryptInit_ex(ctx, EVP_aes_128_gcm(), nullptr, key, nonce), 1);
        int outl = 0;
        uint8_t ct[5], tag[16];
        ASSERT_EQ(EVP_EncryptUpdate(ctx, nullptr, &outl, aad, 13), 1);
        ASSERT_EQ(EVP_EncryptUpdate(ctx, ct, &outl, msg, 5), 1);
        ASSERT_EQ(EVP_EncryptFinal_ex(ctx, ct + outl, &outl), 1);
        ASSERT_EQ(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16, tag), 1);
        EVP_CIPHER_CTX_free(ctx);
        EXPECT_EQ(Bytes(w.buf + 13, w.buf + 18), Bytes(ct, ct + 5)) << server;
        EXPECT_EQ(Bytes(w.buf + 18, w.buf + 34), Bytes(tag, tag + 16)) << server;
        tls_wr_free(&w);
        tls_rec_dir_clear(&wr);
    }
}

} // namespace
