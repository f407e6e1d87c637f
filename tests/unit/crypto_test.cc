// core/crypto: descriptor tables, AEAD, transcript, HMAC, key exchange and
// signature schemes.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "core/crypto.h"

namespace
{

std::string hex(const uint8_t *p, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    std::string s;
    for (size_t i = 0; i < n; i++) {
        s += digits[p[i] >> 4];
        s += digits[p[i] & 15];
    }
    return s;
}

std::vector<uint8_t> sha256(const std::vector<uint8_t> &in)
{
    std::vector<uint8_t> out(32);
    unsigned int n = 0;
    EXPECT_EQ(EVP_Digest(in.data(), in.size(), out.data(), &n, EVP_sha256(), nullptr), 1);
    return out;
}

// ---------------------------------------------------------------- suites

TEST(Suites, TableMatchesOpenSSLDescriptions)
{
    size_t n = 0;
    const tls_suite_info *all = tls_suites(&n);
    // The three TLS 1.3 suites come first (the TLS 1.2 ones follow, see
    // tls12_crypto_test.cc), in OpenSSL 3.0's default TLS 1.3 order.
    ASSERT_GE(n, 3u);
    size_t n13 = 0;
    for (size_t i = 0; i < n; i++)
        n13 += all[i].min_version == TLS_V13 && (all[i].flags & TLS_SUITE_F_DEFAULT);
    EXPECT_EQ(n13, 3u);
    EXPECT_EQ(all[0].id, 0x1302);
    EXPECT_EQ(all[1].id, 0x1303);
    EXPECT_EQ(all[2].id, 0x1301);

    const tls_suite_info *a128 = tls_suite_by_id(0x1301);
    ASSERT_NE(a128, nullptr);
    EXPECT_EQ(a128->strength_bits, 128);
    EXPECT_EQ(a128->aead, 1);
    EXPECT_EQ(a128->kx, TLS_KX_ANY);
    EXPECT_EQ(a128->au, TLS_AU_ANY);
    EXPECT_EQ(a128->mac_nid, NID_undef);
    EXPECT_EQ(a128->digest_nid, NID_sha256);
    EXPECT_EQ(a128->cipher_nid, NID_aes_128_gcm);
    EXPECT_EQ(a128->min_version, TLS_V13);

    const tls_suite_info *a256 = tls_suite_by_id(TLS_SUITE_AES_256_GCM_SHA384);
    ASSERT_NE(a256, nullptr);
    EXPECT_EQ(a256->id, 0x1302);
    EXPECT_EQ(a256->strength_bits, 256);
    EXPECT_EQ(a256->cipher_nid, NID_aes_256_gcm);
    EXPECT_EQ(a256->digest_nid, NID_sha384);

    const tls_suite_info *cc = tls_suite_by_id(0x1303);
    ASSERT_NE(cc, nullptr);
    EXPECT_EQ(cc->strength_bits, 256);
    EXPECT_EQ(cc->cipher_nid, NID_chacha20_poly1305);

    // TLS_AES_128_CCM_SHA256: implemented, not enabled by default (as in
    // OpenSSL 3.0, SSL_CTX_set_ciphersuites(3)).
    ASSERT_NE(tls_suite_by_id(0x1304), nullptr);
    EXPECT_EQ(tls_suite_by_id(0x1304)->flags & TLS_SUITE_F_DEFAULT, 0u);
    EXPECT_EQ(tls_suite_by_id(0x1306), nullptr);
}

TEST(Aead, CcmRoundTripAndTagCheck)
{
    // AES-CCM (RFC 8446 B.4, RFC 6655): 12-byte nonce, 16- or 8-byte tag.
    for (uint16_t id : {TLS_SUITE_AES_128_CCM_SHA256, TLS_SUITE_AES_128_CCM_8_SHA256}) {
        const tls_suite *s = tls_suite_get(nullptr, id);
        ASSERT_NE(s, nullptr) << id;
        EXPECT_EQ(s->tag_len, id == TLS_SUITE_AES_128_CCM_8_SHA256 ? 8u : 16u);
        uint8_t key[16] = {1, 2, 3}, iv[12] = {4, 5, 6}, aad[5] = {23, 3, 3, 0, 0};
        tls_aead seal{}, open{};
        ASSERT_EQ(0, tls_aead_init(&seal, s, 1, key, iv, sizeof(iv)));
        ASSERT_EQ(0, tls_aead_init(&open, s, 0, key, iv, sizeof(iv)));
        for (uint64_t seq = 0; seq < 3; seq++) {
            uint8_t nonce[TLS_AEAD_IV_LEN], buf[64] = "record payload";
            aad[4] = (uint8_t)(14 + s->tag_len);
            tls_aead_nonce(&seal, seq, nonce);
            ASSERT_EQ(0, tls_aead_seal(&seal, nonce, aad, sizeof(aad), buf, 14));
            // Same EVP computation directly: the record is standard CCM.
            EVP_CIPHER_CTX *ref = EVP_CIPHER_CTX_new();
            uint8_t want[64] = "record payload", tag[16];
            int l = 0;
            ASSERT_EQ(1, EVP_EncryptInit_ex(ref, EVP_aes_128_ccm(), nullptr, nullptr, nullptr));
            ASSERT_EQ(1, EVP_CIPHER_CTX_ctrl(ref, EVP_CTRL_AEAD_SET_IVLEN, 12, nullptr));
            ASSERT_EQ(1, EVP_CIPHER_CTX_ctrl(ref, EVP_CTRL_AEAD_SET_TAG, (int)s->tag_len, nullptr));
            ASSERT_EQ(1, EVP_EncryptInit_ex(ref, nullptr, nullptr, key, nonce));
            ASSERT_EQ(1, EVP_EncryptUpdate(ref, nullptr, &l, nullptr, 14));
            ASSERT_EQ(1, EVP_EncryptUpdate(ref, nullptr, &l, aad, sizeof(aad)));
            ASSERT_EQ(1, EVP_EncryptUpdate(ref, want, &l, want, 14));
            ASSERT_EQ(1, EVP_EncryptFinal_ex(ref, want + 14, &l));
            ASSERT_EQ(1, EVP_CIPHER_CTX_ctrl(ref, EVP_CTRL_AEAD_GET_TAG, (int)s->tag_len, tag));
            EVP_CIPHER_CTX_free(ref);
            EXPECT_EQ(0, memcmp(want, buf, 14));
            EXPECT_EQ(0, memcmp(tag, buf + 14, s->tag_len));
            // A flipped tag bit is bad_record_mac, and no plaintext is left.
            uint8_t bad[64];
            memcpy(bad, buf, sizeof(bad));
            bad[14 + s->tag_len - 1] ^= 1;
            size_t pt = 0;
            EXPECT_EQ(TLS_ERR(TLS_AD_BAD_RECORD_MAC, TLS_R_DECRYPTION_FAILED_OR_BAD_RECORD_MAC),
                      tls_aead_open(&open, nonce, aad, sizeof(aad), bad, 14 + s->tag_len, &pt));
            EXPECT_NE(0, memcmp(bad, "record payload", 14));
            ASSERT_EQ(0, tls_aead_open(&open, nonce, aad, sizeof(aad), buf, 14 + s->tag_len, &pt));
            EXPECT_EQ(14u, pt);
            EXPECT_EQ(0, memcmp(buf, "record payload", 14));
        }
        tls_aead_clear(&seal);
        tls_aead_clear(&open);
    }
}

TEST(Suites, InternalDescriptorsHaveFetchedAlgorithms)
{
    struct {
        uint16_t id;
        size_t key, hash;
    } want[] = {{0x1301, 16, 32}, {0x1302, 32, 48}, {0x1303, 32, 32}};
    for (const auto &w : want) {
        const tls_suite *s = tls_suite_get(nullptr, w.id);
        ASSERT_NE(s, nullptr) << w.id;
        EXPECT_EQ(s->key_len, w.key);
        EXPECT_EQ(s->hash_len, w.hash);
        EXPECT_EQ(s->iv_len, 12u);
        EXPECT_EQ(s->tag_len, 16u);
        EXPECT_NE(s->cipher, nullptr);
        EXPECT_NE(s->md, nullptr);
        EXPECT_EQ(s->info, tls_suite_by_id(w.id));
        // Fetched once: asking again gives the same objects.
        EXPECT_EQ(tls_suite_get(nullptr, w.id)->cipher, s->cipher);
    }
    EXPECT_EQ(tls_suite_get(nullptr, 0x00ff), nullptr);
}

TEST(Suites, ConcurrentFirstUseSeesOneSetOfObjects)
{
    // ctest runs each test in its own process, so here the threads race
    // for the very first initialisation.
    const int kThreads = 8;
    const EVP_CIPHER *seen[kThreads] = {};
    const EVP_MD *mds[kThreads] = {};
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; i++)
        threads.emplace_back([&, i] {
            const tls_suite *s = tls_suite_get(nullptr, 0x1302);
            seen[i] = s != nullptr ? s->cipher : nullptr;
            mds[i] = tls_md_by_nid(nullptr, NID_sha384);
        });
    for (auto &t : threads)
        t.join();
    for (int i = 0; i < kThreads; i++) {
        ASSERT_NE(seen[i], nullptr);
        EXPECT_EQ(seen[i], seen[0]);
        EXPECT_EQ(mds[i], mds[0]);
        EXPECT_EQ(mds[i], tls_suite_get(nullptr, 0x1302)->md);
    }
}

// ------------------------------------------------------------------ AEAD

class Aead : public ::testing::TestWithParam<uint16_t>
{
};

TEST_P(Aead, SealOpenRoundTripInPlace)
{
    const tls_suite *s = tls_suite_get(nullptr, GetParam());
    ASSERT_NE(s, nullptr);
    uint8_t key[32], iv[12];
    for (size_t i = 0; i < sizeof(key); i++)
        key[i] = (uint8_t)i;
    for (size_t i = 0; i < sizeof(iv); i++)
        iv[i] = (uint8_t)(0xa0 + i);
    tls_aead enc = {}, dec = {};
    ASSERT_EQ(tls_aead_init(&enc, s, 1, key, iv, 12), 0);
    ASSERT_EQ(tls_aead_init(&dec, s, 0, key, iv, 12), 0);

    const uint8_t aad[5] = {23, 3, 3, 0, 0};
    for (uint64_t seq = 0; seq < 3; seq++) {
        std::string msg = "record number " + std::to_string(seq);
        std::vector<uint8_t> buf(msg.begin(), msg.end());
        buf.resize(msg.size() + 16);
        uint8_t nonce[12];
        tls_aead_nonce(&enc, seq, nonce);
        ASSERT_EQ(tls_aead_seal(&enc, nonce, aad, sizeof(aad), buf.data(), msg.size()), 0);
        EXPECT_NE(std::string(buf.begin(), buf.begin() + msg.size()), msg);
        size_t n = 0;
        ASSERT_EQ(tls_aead_open(&dec, nonce, aad, sizeof(aad), buf.data(), buf.size(), &n), 0);
        ASSERT_EQ(n, msg.size());
        EXPECT_EQ(std::string(buf.begin(), buf.begin() + n), msg);
    }
    tls_aead_clear(&enc);
    tls_aead_clear(&dec);
    EXPECT_EQ(enc.ctx, nullptr);
}

TEST_P(Aead, TamperingIsBadRecordMac)
{
    const tls_suite *s = tls_suite_get(nullptr, GetParam());
    ASSERT_NE(s, nullptr);
    uint8_t key[32] = {7}, iv[12] = {9};
    tls_aead enc = {}, dec = {};
    ASSERT_EQ(tls_aead_init(&enc, s, 1, key, iv, 12), 0);
    ASSERT_EQ(tls_aead_init(&dec, s, 0, key, iv, 12), 0);
    uint8_t nonce[12], aad[5] = {23, 3, 3, 0, 21};
    tls_aead_nonce(&enc, 0, nonce);
    const int bad = TLS_ERR(TLS_AD_BAD_RECORD_MAC, TLS_R_DECRYPTION_FAILED_OR_BAD_RECORD_MAC);

    for (int what = 0; what < 4; what++) {
        uint8_t buf[5 + 16] = {'h', 'e', 'l', 'l', 'o'};
        ASSERT_EQ(tls_aead_seal(&enc, nonce, aad, sizeof(aad), buf, 5), 0);
        uint8_t n2[12], a2[5];
        memcpy(n2, nonce, 12);
        memcpy(a2, aad, 5);
        if (what == 0)
            buf[20] ^= 1; // tag
        else if (what == 1)
            buf[0] ^= 0x80; // ciphertext
        else if (what == 2)
            a2[4] ^= 1; // additional data
        else
            n2[11] ^= 1; // wrong sequence number
        size_t n = 0;
        int rc = tls_aead_open(&dec, n2, a2, 5, buf, sizeof(buf), &n);
        EXPECT_EQ(rc, bad) << "case " << what;
        EXPECT_EQ(TLS_ERR_ALERT(rc), TLS_AD_BAD_RECORD_MAC);
        EXPECT_EQ(TLS_ERR_REASON(rc), TLS_R_DECRYPTION_FAILED_OR_BAD_RECORD_MAC);
    }
    // Shorter than a tag.
    uint8_t tiny[15] = {0};
    size_t n;
    EXPECT_EQ(tls_aead_open(&dec, nonce, aad, 5, tiny, sizeof(tiny), &n), bad);
    tls_aead_clear(&enc);
    tls_aead_clear(&dec);
}

INSTANTIATE_TEST_SUITE_P(AllSuites, Aead, ::testing::Values(0x1301, 0x1302, 0x1303));

TEST(AeadNonce, XorsPaddedSequenceIntoIv)
{
    const tls_suite *s = tls_suite_get(nullptr, 0x1301);
    ASSERT_NE(s, nullptr);
    uint8_t key[16] = {0}, iv[12];
    for (int i = 0; i < 12; i++)
        iv[i] = (uint8_t)(0x10 * (i + 1));
    tls_aead a = {};
    ASSERT_EQ(tls_aead_init(&a, s, 1, key, iv, 12), 0);
    uint8_t nonce[12];
    tls_aead_nonce(&a, 0, nonce);
    EXPECT_EQ(hex(nonce, 12), hex(iv, 12));
    tls_aead_nonce(&a, 0x0102030405060708ull, nonce);
    // First 4 bytes untouched, last 8 XORed with the big-endian sequence.
    uint8_t expect[8];
    for (int i = 0; i < 8; i++)
        expect[i] = (uint8_t)(iv[4 + i] ^ (i + 1));
    EXPECT_EQ(hex(nonce, 4), "10203040");
    EXPECT_EQ(hex(nonce + 4, 8), hex(expect, 8));
    tls_aead_clear(&a);
}

// ------------------------------------------------------------------ hash

TEST(Hmac, Rfc4231TestCase2)
{
    const EVP_MD *md = tls_md_by_nid(nullptr, NID_sha256);
    ASSERT_NE(md, nullptr);
    const char *key = "Jefe";
    const char *data = "what do ya want for nothing?";
    uint8_t out[32];
    ASSERT_EQ(
        tls_hmac(nullptr, md, (const uint8_t *)key, 4, (const uint8_t *)data, strlen(data), out),
        0);
    EXPECT_EQ(hex(out, 32), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(CtEqual, ComparesAllBytes)
{
    const uint8_t a[4] = {1, 2, 3, 4}, b[4] = {1, 2, 3, 5};
    EXPECT_TRUE(tls_ct_equal(a, a, 4));
    EXPECT_FALSE(tls_ct_equal(a, b, 4));
    EXPECT_TRUE(tls_ct_equal(a, b, 3));
}

TEST(Transcript, BuffersUntilHashIsKnownThenRuns)
{
    tls_transcript t;
    tls_transcript_init(&t);
    std::vector<uint8_t> ch = {1, 0, 0, 2, 0xaa, 0xbb}, sh = {2, 0, 0, 1, 0xcc}, ee = {8, 0, 0, 0};
    uint8_t h[TLS_MAX_HASH];
    // No hash before the suite is known.
    EXPECT_EQ(tls_transcript_hash(&t, h), TLS_ERR_INTERNAL);
    ASSERT_EQ(tls_transcript_update(&t, ch.data(), ch.size()), 0);
    ASSERT_EQ(tls_transcript_update(&t, sh.data(), sh.size()), 0);
    ASSERT_EQ(tls_transcript_set_md(&t, tls_md_by_nid(nullptr, NID_sha256)), 0);
    EXPECT_EQ(t.hash_len, 32u);
    std::vector<uint8_t> all = ch;
    all.insert(all.end(), sh.begin(), sh.end());
    ASSERT_EQ(tls_transcript_hash(&t, h), 0);
    EXPECT_EQ(hex(h, 32), hex(sha256(all).data(), 32));
    // Taking the current hash does not disturb the running one.
    ASSERT_EQ(tls_transcript_update(&t, ee.data(), ee.size()), 0);
    all.insert(all.end(), ee.begin(), ee.end());
    ASSERT_EQ(tls_transcript_hash(&t, h), 0);
    EXPECT_EQ(hex(h, 32), hex(sha256(all).data(), 32));
    // Setting the hash twice is a bug.
    EXPECT_EQ(tls_transcript_set_md(&t, tls_md_by_nid(nullptr, NID_sha256)), TLS_ERR_INTERNAL);
    tls_transcript_free(&t);
}

TEST(Transcript, HelloRetryRequestReplacesClientHello1)
{
    tls_transcript t;
    tls_transcript_init(&t);
    std::vector<uint8_t> ch1 = {1, 0, 0, 3, 1, 2, 3}, hrr = {2, 0, 0, 2, 9, 9},
                         ch2 = {1, 0, 0, 1, 4};
    ASSERT_EQ(tls_transcript_update(&t, ch1.data(), ch1.size()), 0);
    ASSERT_EQ(tls_transcript_set_md(&t, tls_md_by_nid(nullptr, NID_sha256)), 0);
    ASSERT_EQ(tls_transcript_hrr(&t), 0);
    ASSERT_EQ(tls_transcript_update(&t, hrr.data(), hrr.size()), 0);
    ASSERT_EQ(tls_transcript_update(&t, ch2.data(), ch2.size()), 0);

    // RFC 8446 4.4.1: message_hash || 00 00 Hash.length || Hash(ClientHello1)
    std::vector<uint8_t> expect = {0xfe, 0, 0, 32};
    auto h1 = sha256(ch1);
    expect.insert(expect.end(), h1.begin(), h1.end());
    expect.insert(expect.end(), hrr.begin(), hrr.end());
    expect.insert(expect.end(), ch2.begin(), ch2.end());
    uint8_t h[TLS_MAX_HASH];
    ASSERT_EQ(tls_transcript_hash(&t, h), 0);
    EXPECT_EQ(hex(h, 32), hex(sha256(expect).data(), 32));
    tls_transcript_free(&t);
}

TEST(Random, FillsBuffer)
{
    uint8_t a[32] = {0}, b[32] = {0};
    ASSERT_EQ(tls_random(nullptr, a, sizeof(a)), 0);
    ASSERT_EQ(tls_random(nullptr, b, sizeof(b)), 0);
    EXPECT_NE(hex(a, 32), hex(b, 32));
}

// ---------------------------------------------------------------- groups

TEST(Groups, NamesAndDefaults)
{
    EXPECT_EQ(tls_group_get(0x1234), nullptr);
    EXPECT_EQ(tls_group_nid(0x001d), NID_X25519);
    EXPECT_EQ(tls_group_nid(0x0017), NID_X9_62_prime256v1);
    EXPECT_EQ(tls_group_nid(0x0018), NID_secp384r1);
    EXPECT_EQ(tls_group_nid(0x0019), NID_secp521r1);
    EXPECT_EQ(tls_group_nid(0x001e), NID_X448);

    size_t n = 0;
    const uint16_t *d = tls_default_groups(&n);
    ASSERT_EQ(n, 5u);
    const uint16_t want[] = {0x001d, 0x0017, 0x001e, 0x0019, 0x0018};
    for (size_t i = 0; i < n; i++)
        EXPECT_EQ(d[i], want[i]) << i;
}

class Kex : public ::testing::TestWithParam<uint16_t>
{
};

TEST_P(Kex, BothSidesAgree)
{
    uint16_t g = GetParam();
    EVP_PKEY *a = nullptr, *b = nullptr;
    uint8_t sa[TLS_MAX_SHARE], sb[TLS_MAX_SHARE];
    size_t la = 0, lb = 0;
    ASSERT_EQ(tls_kex_keygen(nullptr, g, &a, sa, sizeof(sa), &la), 0);
    ASSERT_EQ(tls_kex_keygen(nullptr, g, &b, sb, sizeof(sb), &lb), 0);
    const tls_group *desc = tls_group_get(g);
    ASSERT_NE(desc, nullptr);
    EXPECT_EQ(la, desc->share_len);
    // Two fresh keys, not one shared key.
    EXPECT_NE(hex(sa, la), hex(sb, lb));
    if (desc->curve != nullptr) {
        EXPECT_EQ(sa[0], 0x04); // uncompressed point
        char name[64] = {0};
        size_t nl = 0;
        ASSERT_EQ(EVP_PKEY_get_group_name(a, name, sizeof(name), &nl), 1);
        EXPECT_STREQ(name, desc->curve);
    } else {
        EXPECT_TRUE(EVP_PKEY_is_a(a, desc->alg));
    }
    uint8_t ka[TLS_MAX_SHARED_SECRET], kb[TLS_MAX_SHARED_SECRET];
    size_t na = 0, nb = 0;
    ASSERT_EQ(tls_kex_derive(nullptr, g, a, sb, lb, ka, &na), 0);
    ASSERT_EQ(tls_kex_derive(nullptr, g, b, sa, la, kb, &nb), 0);
    EXPECT_EQ(na, desc->secret_len);
    EXPECT_EQ(hex(ka, na), hex(kb, nb));
    EVP_PKEY_free(a);
    EVP_PKEY_free(b);
}

TEST_P(Kex, WrongLengthIsBadEcpoint)
{
    uint16_t g = GetParam();
    EVP_PKEY *a = nullptr;
    uint8_t s[TLS_MAX_SHARE];
    size_t l = 0;
    ASSERT_EQ(tls_kex_keygen(nullptr, g, &a, s, sizeof(s), &l), 0);
    uint8_t k[TLS_MAX_SHARED_SECRET];
    size_t n;
    const int bad = TLS_ERR(TLS_AD_ILLEGAL_PARAMETER, TLS_R_BAD_ECPOINT);
    EXPECT_EQ(tls_kex_derive(nullptr, g, a, s, l - 1, k, &n), bad);
    EXPECT_EQ(tls_kex_derive(nullptr, g, a, s, 0, k, &n), bad);
    EVP_PKEY_free(a);
}

INSTANTIATE_TEST_SUITE_P(AllGroups, Kex, ::testing::Values(0x001d, 0x0017, 0x0018, 0x0019, 0x001e));

TEST(KexPoints, CompressedAndOffCurvePointsAreRejected)
{
    EVP_PKEY *a = nullptr;
    uint8_t s[TLS_MAX_SHARE];
    size_t l = 0;
    ASSERT_EQ(tls_kex_keygen(nullptr, 0x0017, &a, s, sizeof(s), &l), 0);
    const int bad = TLS_ERR(TLS_AD_ILLEGAL_PARAMETER, TLS_R_BAD_ECPOINT);
    uint8_t k[TLS_MAX_SHARED_SECRET];
    size_t n;
    // Compressed form of our own (valid) point: 02/03 || X.
    uint8_t comp[33];
    comp[0] = (uint8_t)(0x02 | (s[64] & 1));
    memcpy(comp + 1, s + 1, 32);
    EXPECT_EQ(tls_kex_derive(nullptr, 0x0017, a, comp, sizeof(comp), k, &n), bad);
    // Right length, wrong form byte.
    uint8_t hybrid[65];
    memcpy(hybrid, s, 65);
    hybrid[0] = 0x06;
    EXPECT_EQ(tls_kex_derive(nullptr, 0x0017, a, hybrid, sizeof(hybrid), k, &n), bad);
    // Not on the curve: (1, 1).
    uint8_t off[65] = {0x04};
    off[32] = 1;
    off[64] = 1;
    EXPECT_EQ(tls_kex_derive(nullptr, 0x0017, a, off, sizeof(off), k, &n), bad);
    // Our valid point is accepted (sanity of the same path).
    EXPECT_EQ(tls_kex_derive(nullptr, 0x0017, a, s, l, k, &n), 0);
    EVP_PKEY_free(a);
}

TEST(KexPoints, X25519AllZeroResultIsRejected)
{
    EVP_PKEY *a = nullptr;
    uint8_t s[TLS_MAX_SHARE];
    size_t l = 0;
    ASSERT_EQ(tls_kex_keygen(nullptr, 0x001d, &a, s, sizeof(s), &l), 0);
    // u = 0 and u = 1 are small-order points: the shared secret is all zeros.
    uint8_t zero[32] = {0}, one[32] = {1};
    uint8_t k[TLS_MAX_SHARED_SECRET];
    size_t n;
    const int bad = TLS_ERR(TLS_AD_ILLEGAL_PARAMETER, TLS_R_BAD_ECPOINT);
    EXPECT_EQ(tls_kex_derive(nullptr, 0x001d, a, zero, 32, k, &n), bad);
    EXPECT_EQ(tls_kex_derive(nullptr, 0x001d, a, one, 32, k, &n), bad);
    EVP_PKEY_free(a);
}

// --------------------------------------------------------------- sigalgs

TEST(Sigalgs, NamesAndDefaults)
{
    EXPECT_EQ(tls_sigalg_get(0xfefe), nullptr);
    ASSERT_NE(tls_sigalg_get(0x0804), nullptr);
    EXPECT_EQ(tls_sigalg_get(0x0804)->pkey_type, EVP_PKEY_RSA);
    EXPECT_EQ(tls_sigalg_get(0x0804)->sig_nid, EVP_PKEY_RSA_PSS);
    EXPECT_EQ(tls_sigalg_get(0x0809)->pkey_type, EVP_PKEY_RSA_PSS);
    EXPECT_EQ(tls_sigalg_get(0x0403)->curve_nid, NID_X9_62_prime256v1);
    EXPECT_EQ(tls_sigalg_get(0x0807)->hash_nid, NID_undef);
    EXPECT_EQ(tls_sigalg_get(0x0201)->tls13, 0);

    size_t n = 0;
    const uint16_t *d = tls_default_sigalgs(&n);
    const uint16_t want[] = {0x0403, 0x0503, 0x0603, 0x0807, 0x0808, 0x0809, 0x080a,
                             0x080b, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601};
    ASSERT_EQ(n, sizeof(want) / sizeof(want[0]));
    for (size_t i = 0; i < n; i++)
        EXPECT_EQ(d[i], want[i]) << i;
    // What SSL_get_peer_signature_type_nid reports.
    EXPECT_EQ(tls_sigalg_get(0x0804)->sig_nid, EVP_PKEY_RSA_PSS);
    EXPECT_EQ(tls_sigalg_get(0x0401)->sig_nid, EVP_PKEY_RSA);
    EXPECT_EQ(tls_sigalg_get(0x0403)->sig_nid, EVP_PKEY_EC);
    EXPECT_EQ(tls_sigalg_get(0x0807)->sig_nid, EVP_PKEY_ED25519);
}

// An RSASSA-PSS key (id-RSASSA-PSS, no parameter restrictions).
EVP_PKEY *RsaPssKey()
{
    EVP_PKEY *k = nullptr;
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_name(nullptr, "RSA-PSS", nullptr);
    if (c != nullptr && EVP_PKEY_keygen_init(c) == 1 &&
        EVP_PKEY_CTX_set_rsa_keygen_bits(c, 2048) == 1)
        EVP_PKEY_keygen(c, &k);
    EVP_PKEY_CTX_free(c);
    return k;
}

class SigKeys : public ::testing::Test
{
  protected:
    static void SetUpTestSuite()
    {
        rsa = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", (size_t)2048);
        pss = RsaPssKey();
        p256 = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
        p384 = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384");
        ed = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
    }
    static void TearDownTestSuite()
    {
        EVP_PKEY_free(rsa);
        EVP_PKEY_free(pss);
        EVP_PKEY_free(p256);
        EVP_PKEY_free(p384);
        EVP_PKEY_free(ed);
    }
    static EVP_PKEY *rsa, *pss, *p256, *p384, *ed;

    std::vector<uint8_t> Sign(uint16_t scheme, EVP_PKEY *key, int tls13, const std::string &tbs)
    {
        std::vector<uint8_t> sig(TLS_MAX_SIG);
        size_t n = 0;
        EXPECT_EQ(tls_sig_sign(nullptr, scheme, key, tls13, (const uint8_t *)tbs.data(), tbs.size(),
                               sig.data(), sig.size(), &n),
                  0);
        sig.resize(n);
        return sig;
    }
};
EVP_PKEY *SigKeys::rsa, *SigKeys::pss, *SigKeys::p256, *SigKeys::p384, *SigKeys::ed;

// Verify independently of core/crypto, with explicit PSS parameters.
bool IndependentVerify(EVP_PKEY *key, const char *md, bool pss, const std::string &tbs,
                       const std::vector<uint8_t> &sig)
{
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = nullptr;
    bool ok = EVP_DigestVerifyInit_ex(m, &pctx, md, nullptr, nullptr, key, nullptr) == 1;
    if (ok && pss)
        ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
             EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) == 1;
    ok = ok &&
         EVP_DigestVerify(m, sig.data(), sig.size(), (const uint8_t *)tbs.data(), tbs.size()) == 1;
    EVP_MD_CTX_free(m);
    return ok;
}

TEST_F(SigKeys, SignVerifyEachKeyType)
{
    ASSERT_NE(rsa, nullptr);
    ASSERT_NE(pss, nullptr);
    ASSERT_NE(p256, nullptr);
    ASSERT_NE(ed, nullptr);
    const std::string tbs = "content to be signed";
    struct {
        uint16_t scheme;
        EVP_PKEY *key;
        const char *md;
        bool pss;
    } cases[] = {
        {0x0804, rsa, "SHA256", true},   {0x0805, rsa, "SHA384", true},
        {0x0806, rsa, "SHA512", true},   {0x0809, pss, "SHA256", true},
        {0x0403, p256, "SHA256", false}, {0x0503, p384, "SHA384", false},
        {0x0807, ed, nullptr, false},
    };
    for (const auto &c : cases) {
        auto sig = Sign(c.scheme, c.key, 1, tbs);
        ASSERT_FALSE(sig.empty()) << c.scheme;
        EXPECT_EQ(tls_sig_verify(nullptr, c.scheme, c.key, 1, (const uint8_t *)tbs.data(),
                                 tbs.size(), sig.data(), sig.size()),
                  0)
            << c.scheme;
        EXPECT_TRUE(IndependentVerify(c.key, c.md, c.pss, tbs, sig)) << c.scheme;
        // A changed message fails with decrypt_error.
        std::string other = tbs;
        other[0] ^= 1;
        int rc = tls_sig_verify(nullptr, c.scheme, c.key, 1, (const uint8_t *)other.data(),
                                other.size(), sig.data(), sig.size());
        EXPECT_EQ(rc, TLS_ERR(TLS_AD_DECRYPT_ERROR, TLS_R_BAD_SIGNATURE)) << c.scheme;
    }
}

TEST_F(SigKeys, Pkcs1OnlyOutsideTls13)
{
    const std::string tbs = "tls 1.2 server key exchange";
    auto sig = Sign(0x0401, rsa, 0, tbs);
    ASSERT_FALSE(sig.empty());
    EXPECT_EQ(tls_sig_verify(nullptr, 0x0401, rsa, 0, (const uint8_t *)tbs.data(), tbs.size(),
                             sig.data(), sig.size()),
              0);
    EXPECT_TRUE(IndependentVerify(rsa, "SHA256", false, tbs, sig));
    // RFC 8446 4.4.3: not allowed in a TLS 1.3 CertificateVerify.
    EXPECT_EQ(tls_sig_verify(nullptr, 0x0401, rsa, 1, (const uint8_t *)tbs.data(), tbs.size(),
                             sig.data(), sig.size()),
              TLS_ERR(TLS_AD_ILLEGAL_PARAMETER, TLS_R_WRONG_SIGNATURE_TYPE));
    // A PKCS#1 signature is not a valid PSS signature.
    EXPECT_EQ(tls_sig_verify(nullptr, 0x0804, rsa, 1, (const uint8_t *)tbs.data(), tbs.size(),
                             sig.data(), sig.size()),
              TLS_ERR(TLS_AD_DECRYPT_ERROR, TLS_R_BAD_SIGNATURE));
}

TEST_F(SigKeys, KeyMustMatchScheme)
{
    const std::string tbs = "x";
    auto sig = Sign(0x0403, p256, 1, tbs);
    const int wrong = TLS_ERR(TLS_AD_ILLEGAL_PARAMETER, TLS_R_WRONG_SIGNATURE_TYPE);
    // EC signature claimed as RSA-PSS, RSA key claimed as ECDSA, ...
    EXPECT_EQ(tls_sig_verify(nullptr, 0x0804, p256, 1, (const uint8_t *)tbs.data(), 1, sig.data(),
                             sig.size()),
              wrong);
    EXPECT_EQ(tls_sig_verify(nullptr, 0x0403, rsa, 1, (const uint8_t *)tbs.data(), 1, sig.data(),
                             sig.size()),
              wrong);
    EXPECT_EQ(tls_sig_verify(nullptr, 0x0807, p256, 1, (const uint8_t *)tbs.data(), 1, sig.data(),
                             sig.size()),
              wrong);
    // rsa_pss_pss needs an RSA-PSS key; rsa_pss_rsae an rsaEncryption key.
    EXPECT_EQ(tls_sig_verify(nullptr, 0x0809, rsa, 1, (const uint8_t *)tbs.data(), 1, sig.data(),
                             sig.size()),
              wrong);
    EXPECT_EQ(tls_sig_verify(nullptr, 0x0804, pss, 1, (const uint8_t *)tbs.data(), 1, sig.data(),
                             sig.size()),
              wrong);
    // TLS 1.3 binds the curve: a P-256 key with the P-384 scheme.
    EXPECT_EQ(tls_sig_verify(nullptr, 0x0503, p256, 1, (const uint8_t *)tbs.data(), 1, sig.data(),
                             sig.size()),
              TLS_ERR(TLS_AD_ILLEGAL_PARAMETER, TLS_R_WRONG_CURVE));
    EXPECT_FALSE(tls_sigalg_key_ok(0x0503, p256, 1));
    EXPECT_TRUE(tls_sigalg_key_ok(0x0403, p256, 1));
    EXPECT_TRUE(tls_sigalg_key_ok(0x0804, rsa, 1));
    EXPECT_FALSE(tls_sigalg_key_ok(0x0401, rsa, 1));
    EXPECT_TRUE(tls_sigalg_key_ok(0x0401, rsa, 0));
    EXPECT_FALSE(tls_sigalg_key_ok(0xfefe, rsa, 0));
}

TEST(CertVerifyContent, Rfc8446Layout)
{
    uint8_t hash[32];
    for (int i = 0; i < 32; i++)
        hash[i] = (uint8_t)i;
    uint8_t out[TLS13_CV_CONTENT_MAX];
    size_t n = 0;
    tls13_cv_content(1, hash, 32, out, &n);
    const std::string ctx = "TLS 1.3, server CertificateVerify";
    ASSERT_EQ(n, 64 + ctx.size() + 1 + 32);
    EXPECT_EQ(std::string((char *)out, 64), std::string(64, ' '));
    EXPECT_EQ(std::string((char *)out + 64, ctx.size()), ctx);
    EXPECT_EQ(out[64 + ctx.size()], 0);
    EXPECT_EQ(hex(out + 64 + ctx.size() + 1, 32), hex(hash, 32));
    tls13_cv_content(0, hash, 32, out, &n);
    EXPECT_EQ(std::string((char *)out + 64, ctx.size()), "TLS 1.3, client CertificateVerify");
}

} // namespace
