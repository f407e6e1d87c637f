// core/tls12_crypto key exchanges (DHE with RFC 7919 groups, RSA key
// transport with implicit rejection) and TLS 1.2 record compression.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <zlib.h>

#include "core/tls12.h"

namespace
{

using Bytes = std::vector<uint8_t>;

const int kBadDh = TLS_ERR(TLS_AD_ILLEGAL_PARAMETER, TLS_R_BAD_DH_VALUE);
const int kDhSmall = TLS_ERR(TLS_AD_HANDSHAKE_FAILURE, TLS_R_DH_KEY_TOO_SMALL);

EVP_PKEY *load_key(const std::string &name)
{
    EVP_PKEY *k = nullptr;
    std::string path = std::string(SHIMSSL_CERT_DIR) + "/" + name;
    if (FILE *f = fopen(path.c_str(), "r")) {
        k = PEM_read_PrivateKey(f, nullptr, nullptr, nullptr);
        fclose(f);
    }
    return k;
}

struct Key {
    EVP_PKEY *k = nullptr;
    Key() = default;
    explicit Key(EVP_PKEY *p) : k(p) {}
    ~Key() { EVP_PKEY_free(k); }
    Key(const Key &) = delete;
    Key &operator=(const Key &) = delete;
};

// Parameters of a libcrypto named DH group ("ffdhe4096", "dh_1024_160").
EVP_PKEY *dh_group(const char *name)
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(nullptr, "DH", nullptr);
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)name, 0),
        OSSL_PARAM_construct_end(),
    };
    EVP_PKEY *pkey = nullptr;
    EXPECT_EQ(EVP_PKEY_paramgen_init(ctx), 1);
    EXPECT_EQ(EVP_PKEY_CTX_set_params(ctx, params), 1);
    EXPECT_EQ(EVP_PKEY_paramgen(ctx, &pkey), 1);
    EVP_PKEY_CTX_free(ctx);
    return pkey;
}

std::string group_name(EVP_PKEY *k)
{
    char name[64] = {0};
    size_t n = 0;
    if (EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof(name), &n) != 1)
        return "";
    return name;
}

struct DhParams {
    Bytes p, g, ys;
};

// Split ServerDHParams as written.
DhParams split(const Bytes &w)
{
    DhParams d;
    size_t off = 0;
    Bytes *parts[] = {&d.p, &d.g, &d.ys};
    for (Bytes *b : parts) {
        size_t n = (size_t)w[off] << 8 | w[off + 1];
        b->assign(w.begin() + off + 2, w.begin() + off + 2 + n);
        off += 2 + n;
    }
    EXPECT_EQ(off, w.size());
    return d;
}

Bytes join(const DhParams &d)
{
    Bytes out;
    for (const Bytes *b : {&d.p, &d.g, &d.ys}) {
        out.push_back((uint8_t)(b->size() >> 8));
        out.push_back((uint8_t)b->size());
        out.insert(out.end(), b->begin(), b->end());
    }
    return out;
}

Bytes bn_bytes(const BIGNUM *bn, size_t pad = 0)
{
    Bytes out(pad ? pad : (size_t)BN_num_bytes(bn));
    BN_bn2binpad(bn, out.data(), (int)out.size());
    return out;
}

// Our server's ServerDHParams for the given inputs.
int server_params(EVP_PKEY *params, EVP_PKEY *cert, int min_bits, Key *priv, Bytes *out)
{
    tls_writer w;
    tls_wr_init(&w);
    int rc = tls_dhe_server_params(nullptr, params, cert, min_bits, &priv->k, &w);
    out->assign(w.buf, w.buf + w.len);
    tls_wr_free(&w);
    return rc;
}

struct ClientResult {
    int rc = 0;
    Bytes yc, secret;
    size_t left = 0;
    Key peer;
};

void run_client(const Bytes &ske, int min_bits, ClientResult *r)
{
    tls_reader rd;
    tls_rd_init(&rd, ske.data(), ske.size());
    uint8_t yc[1024], secret[1024];
    size_t yc_len = 0, secret_len = 0;
    r->rc = tls_dhe_client(nullptr, &rd, min_bits, &r->peer.k, yc, sizeof(yc), &yc_len, secret,
                           sizeof(secret), &secret_len);
    if (r->rc == 0) {
        r->yc.assign(yc, yc + yc_len);
        r->secret.assign(secret, secret + secret_len);
    }
    r->left = tls_rd_left(&rd);
}

// ------------------------------------------------------------------- DHE

TEST(Dhe, AutomaticGroupMatchesCertificateStrength)
{
    Key rsa2048(load_key("server.key")), p256(load_key("server-ec.key"));
    ASSERT_TRUE(rsa2048.k && p256.k);
    struct {
        EVP_PKEY *cert;
        int min_bits;
        const char *group;
        int bits;
    } cases[] = {
        {rsa2048.k, 0, "ffdhe2048", 2048},    // 112-bit key
        {rsa2048.k, 2048, "ffdhe2048", 2048}, //
        {rsa2048.k, 3000, "ffdhe3072", 3072}, // security level asks more
        {p256.k, 0, "ffdhe3072", 3072},       // 128-bit key
        {nullptr, 0, "ffdhe2048", 2048},      // no certificate key: the smallest
    };
    for (const auto &c : cases) {
        Key priv;
        Bytes w;
        ASSERT_EQ(server_params(nullptr, c.cert, c.min_bits, &priv, &w), 0) << c.group;
        EXPECT_EQ(group_name(priv.k), c.group);
        EXPECT_EQ(EVP_PKEY_get_bits(priv.k), c.bits);
        DhParams d = split(w);
        EXPECT_EQ(d.p.size() * 8, (size_t)c.bits);
        EXPECT_EQ(d.g, Bytes{2}); // RFC 7919: g = 2
        EXPECT_EQ(d.ys.size(), d.p.size()) << "Ys padded to the size of p";
    }
    Key priv;
    Bytes w;
    EXPECT_EQ(server_params(nullptr, rsa2048.k, 8193, &priv, &w), kDhSmall);
    EXPECT_EQ(priv.k, nullptr);
}

TEST(Dhe, ApplicationParametersAndTheirMinimumSize)
{
    Key ff4096(dh_group("ffdhe4096")), small(dh_group("dh_1024_160"));
    ASSERT_TRUE(ff4096.k && small.k);
    Key priv;
    Bytes w;
    ASSERT_EQ(server_params(ff4096.k, nullptr, 2048, &priv, &w), 0);
    EXPECT_EQ(EVP_PKEY_get_bits(priv.k), 4096);
    EXPECT_EQ(split(w).p.size(), 512u);
    Key priv2;
    EXPECT_EQ(server_params(small.k, nullptr, 2048, &priv2, &w), kDhSmall);
    EXPECT_EQ(priv2.k, nullptr);
    Key priv3;
    ASSERT_EQ(server_params(small.k, nullptr, 1024, &priv3, &w), 0);
    EXPECT_EQ(split(w).p.size(), 128u);
}

TEST(Dhe, ClientAndServerAgree)
{
    Key cert(load_key("server.key"));
    Key ff3072(dh_group("ffdhe3072")), small(dh_group("dh_1024_160"));
    for (EVP_PKEY *params : {(EVP_PKEY *)nullptr, ff3072.k, small.k}) {
        for (int i = 0; i < 4; i++) {
            Key priv;
            Bytes w;
            ASSERT_EQ(server_params(params, cert.k, 1024, &priv, &w), 0);
            // The signature follows ServerDHParams in ServerKeyExchange: the
            // client reads exactly the parameters.
            Bytes ske = w;
            ske.insert(ske.end(), {0x08, 0x04, 0x00, 0x01, 0xaa});
            ClientResult c;
            run_client(ske, 1024, &c);
            ASSERT_EQ(c.rc, 0);
            EXPECT_EQ(c.left, 5u);
            ASSERT_NE(c.peer.k, nullptr);
            EXPECT_EQ(EVP_PKEY_get_bits(c.peer.k), EVP_PKEY_get_bits(priv.k));
            EXPECT_EQ(c.yc.size(), split(w).p.size()) << "Yc padded to the size of p";
            uint8_t z[1024];
            size_t zl = 0;
            ASSERT_EQ(
                tls_dhe_server_derive(nullptr, priv.k, c.yc.data(), c.yc.size(), z, sizeof(z), &zl),
                0);
            EXPECT_EQ(Bytes(z, z + zl), c.secret);
            // RFC 5246 8.1.2: no leading zero byte.
            EXPECT_NE(c.secret[0], 0);
            // Yc without its leading zeros is the same value.
            size_t lz = 0;
            while (lz < c.yc.size() && c.yc[lz] == 0)
                lz++;
            ASSERT_EQ(tls_dhe_server_derive(nullptr, priv.k, c.yc.data() + lz, c.yc.size() - lz, z,
                                            sizeof(z), &zl),
                      0);
            EXPECT_EQ(Bytes(z, z + zl), c.secret);
        }
    }
}

TEST(Dhe, SharedSecretIsTheUnpaddedDhValue)
{
    // Against libcrypto's padded output, stripped by hand.
    Key ff(dh_group("ffdhe2048"));
    for (int i = 0; i < 16; i++) {
        Key priv;
        Bytes w;
        ASSERT_EQ(server_params(ff.k, nullptr, 2048, &priv, &w), 0);
        ClientResult c;
        run_client(w, 2048, &c);
        ASSERT_EQ(c.rc, 0);
        // Rebuild the client's public key and derive with padding.
        Key peer(EVP_PKEY_new());
        ASSERT_EQ(EVP_PKEY_copy_parameters(peer.k, priv.k), 1);
        ASSERT_EQ(EVP_PKEY_set1_encoded_public_key(peer.k, c.yc.data(), c.yc.size()), 1);
        EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(nullptr, priv.k, nullptr);
        ASSERT_EQ(EVP_PKEY_derive_init(ctx), 1);
        ASSERT_EQ(EVP_PKEY_CTX_set_dh_pad(ctx, 1), 1);
        ASSERT_EQ(EVP_PKEY_derive_set_peer(ctx, peer.k), 1);
        Bytes z(256);
        size_t zl = z.size();
        ASSERT_EQ(EVP_PKEY_derive(ctx, z.data(), &zl), 1);
        EVP_PKEY_CTX_free(ctx);
        ASSERT_EQ(zl, 256u);
        size_t lz = 0;
        while (z[lz] == 0)
            lz++;
        EXPECT_EQ(Bytes(z.begin() + lz, z.end()), c.secret);
    }
}

TEST(Dhe, ClientRefusesBadOrSmallParameters)
{
    Key priv;
    Bytes w;
    ASSERT_EQ(server_params(nullptr, nullptr, 2048, &priv, &w), 0);
    const DhParams good = split(w);
    BIGNUM *p = BN_bin2bn(good.p.data(), (int)good.p.size(), nullptr);
    BIGNUM *pm1 = BN_dup(p);
    BN_sub_word(pm1, 1);
    const size_t pl = good.p.size();

    struct Case {
        const char *what;
        DhParams d;
        int want;
    };
    std::vector<Case> cases;
    auto with = [&](const char *what, auto edit, int want) {
        DhParams d = good;
        edit(d);
        cases.push_back({what, d, want});
    };
    with(
        "Ys = 0", [&](DhParams &d) { d.ys.assign(pl, 0); }, kBadDh);
    with(
        "Ys = 1", [&](DhParams &d) { d.ys = Bytes{1}; }, kBadDh);
    with(
        "Ys = p - 1", [&](DhParams &d) { d.ys = bn_bytes(pm1); }, kBadDh);
    with(
        "Ys = p", [&](DhParams &d) { d.ys = d.p; }, kBadDh);
    with(
        "Ys > p", [&](DhParams &d) { d.ys.assign(pl, 0xff); }, kBadDh);
    with(
        "g = 1", [&](DhParams &d) { d.g = Bytes{1}; }, kBadDh);
    with(
        "g = 0", [&](DhParams &d) { d.g = Bytes{0}; }, kBadDh);
    with(
        "g = p - 1", [&](DhParams &d) { d.g = bn_bytes(pm1); }, kBadDh);
    with(
        "even p", [&](DhParams &d) { d.p.back() &= 0xfe; }, kBadDh);
    with(
        "p = 1", [&](DhParams &d) { d.p = Bytes{1}; }, kBadDh);
    with(
        "p over 8192 bits", [&](DhParams &d) { d.p.assign(1025, 0xff); }, kBadDh);
    for (const auto &c : cases) {
        ClientResult r;
        run_client(join(c.d), 1024, &r);
        EXPECT_EQ(r.rc, c.want) << c.what;
        EXPECT_EQ(r.peer.k, nullptr) << c.what;
    }

    // A genuine but small group: handshake_failure.
    Key small(dh_group("dh_1024_160"));
    Key sp;
    ASSERT_EQ(server_params(small.k, nullptr, 0, &sp, &w), 0);
    ClientResult r;
    run_client(w, 2048, &r);
    EXPECT_EQ(r.rc, kDhSmall);
    run_client(w, 1024, &r);
    EXPECT_EQ(r.rc, 0);

    // Truncated or empty vectors are decode errors.
    Bytes enc = join(good);
    for (size_t cut : {(size_t)0, (size_t)1, (size_t)2, pl + 2, enc.size() - 1}) {
        ClientResult t;
        run_client(Bytes(enc.begin(), enc.begin() + cut), 1024, &t);
        EXPECT_EQ(TLS_ERR_ALERT(t.rc), TLS_AD_DECODE_ERROR) << cut;
    }
    DhParams empty_g = good;
    empty_g.g.clear();
    ClientResult e;
    run_client(join(empty_g), 1024, &e);
    EXPECT_EQ(TLS_ERR_ALERT(e.rc), TLS_AD_DECODE_ERROR);
    BN_free(p);
    BN_free(pm1);
}

TEST(Dhe, ServerRefusesBadClientValues)
{
    Key priv;
    Bytes w;
    ASSERT_EQ(server_params(nullptr, nullptr, 2048, &priv, &w), 0);
    const DhParams d = split(w);
    BIGNUM *p = BN_bin2bn(d.p.data(), (int)d.p.size(), nullptr);
    BIGNUM *pm1 = BN_dup(p);
    BN_sub_word(pm1, 1);
    uint8_t z[1024];
    size_t zl;
    std::vector<Bytes> bad = {Bytes{},       Bytes{0}, Bytes{1},        Bytes(256, 0),
                              bn_bytes(pm1), d.p,      Bytes(256, 0xff)};
    Bytes longer = d.ys; // a valid value with one zero byte too many
    longer.insert(longer.begin(), 0);
    bad.push_back(longer);
    for (size_t i = 0; i < bad.size(); i++)
        EXPECT_EQ(
            tls_dhe_server_derive(nullptr, priv.k, bad[i].data(), bad[i].size(), z, sizeof(z), &zl),
            kBadDh)
            << i;
    BN_free(p);
    BN_free(pm1);
}

// ----------------------------------------------------- RSA key transport

TEST(RsaKx, RoundTripWithClientVersion)
{
    Key key(load_key("server.key"));
    ASSERT_NE(key.k, nullptr);
    uint8_t pms[48], got[48], enc[512];
    size_t n = 0;
    ASSERT_EQ(tls_rsa_kx_encrypt(nullptr, key.k, 0x0303, pms, enc, sizeof(enc), &n), 0);
    EXPECT_EQ(n, 256u);
    EXPECT_EQ(pms[0], 3);
    EXPECT_EQ(pms[1], 3);
    ASSERT_EQ(tls_rsa_kx_decrypt(nullptr, key.k, 0x0303, enc, n, got), 0);
    EXPECT_EQ(memcmp(pms, got, 48), 0);
    // Independently: plain PKCS#1 decryption gives the same premaster.
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(nullptr, key.k, nullptr);
    ASSERT_EQ(EVP_PKEY_decrypt_init(ctx), 1);
    ASSERT_EQ(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING), 1);
    uint8_t plain[256];
    size_t pl = sizeof(plain);
    ASSERT_EQ(EVP_PKEY_decrypt(ctx, plain, &pl, enc, n), 1);
    EVP_PKEY_CTX_free(ctx);
    ASSERT_EQ(pl, 48u);
    EXPECT_EQ(memcmp(plain, pms, 48), 0);
    // The output buffer must hold the ciphertext.
    EXPECT_EQ(tls_rsa_kx_encrypt(nullptr, key.k, 0x0303, pms, enc, 255, &n), TLS_ERR_INTERNAL);
    // Not an RSA key.
    Key ec(load_key("server-ec.key"));
    EXPECT_EQ(tls_rsa_kx_encrypt(nullptr, ec.k, 0x0303, pms, enc, sizeof(enc), &n),
              TLS_ERR_INTERNAL);
}

TEST(RsaKx, ImplicitRejection)
{
    Key key(load_key("server.key"));
    uint8_t pms[48], got[48], got2[48], enc[256];
    size_t n = 0;
    ASSERT_EQ(tls_rsa_kx_encrypt(nullptr, key.k, 0x0303, pms, enc, sizeof(enc), &n), 0);
    // A corrupted ciphertext, anywhere: success with a random premaster.
    for (size_t pos : {(size_t)0, (size_t)1, (size_t)100, n - 1}) {
        uint8_t bad[256];
        memcpy(bad, enc, n);
        bad[pos] ^= 0x01;
        if (pos == 0) // changed, and below the modulus (its top byte is >= 0x80)
            bad[0] = enc[0] == 0x00 ? 0x01 : 0x00;
        ASSERT_EQ(tls_rsa_kx_decrypt(nullptr, key.k, 0x0303, bad, n, got), 0) << pos;
        ASSERT_EQ(tls_rsa_kx_decrypt(nullptr, key.k, 0x0303, bad, n, got2), 0) << pos;
        EXPECT_NE(memcmp(got, pms, 48), 0) << pos;
        EXPECT_NE(memcmp(got, got2, 48), 0) << pos << ": not a fixed value";
    }
    // The version inside must be the ClientHello's (RFC 5246 7.4.7.1):
    // a premaster claiming 0x0303 from a client that offered 0x0302 (or the
    // reverse) is replaced too.
    ASSERT_EQ(tls_rsa_kx_decrypt(nullptr, key.k, 0x0302, enc, n, got), 0);
    EXPECT_NE(memcmp(got, pms, 48), 0);
    ASSERT_EQ(tls_rsa_kx_encrypt(nullptr, key.k, 0x0301, pms, enc, sizeof(enc), &n), 0);
    ASSERT_EQ(tls_rsa_kx_decrypt(nullptr, key.k, 0x0303, enc, n, got), 0);
    EXPECT_NE(memcmp(got, pms, 48), 0);
    ASSERT_EQ(tls_rsa_kx_decrypt(nullptr, key.k, 0x0301, enc, n, got), 0);
    EXPECT_EQ(memcmp(got, pms, 48), 0);
    // A correctly padded message of the wrong length (not 48 bytes).
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(nullptr, key.k, nullptr);
    ASSERT_EQ(EVP_PKEY_encrypt_init(ctx), 1);
    ASSERT_EQ(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING), 1);
    uint8_t msg47[47];
    memcpy(msg47, pms, 47);
    size_t el = sizeof(enc);
    ASSERT_EQ(EVP_PKEY_encrypt(ctx, enc, &el, msg47, sizeof(msg47)), 1);
    EVP_PKEY_CTX_free(ctx);
    ASSERT_EQ(tls_rsa_kx_decrypt(nullptr, key.k, 0x0301, enc, el, got), 0);
    EXPECT_NE(memcmp(got, pms, 47), 0);
}

TEST(RsaKx, PubliclyInvalidCiphertexts)
{
    Key key(load_key("server.key"));
    uint8_t got[48];
    Bytes too_long(257, 0x01), above(256, 0xff);
    const int want = TLS_ERR(TLS_AD_DECRYPT_ERROR, TLS_R_DECRYPTION_FAILED);
    EXPECT_EQ(tls_rsa_kx_decrypt(nullptr, key.k, 0x0303, too_long.data(), too_long.size(), got),
              want);
    EXPECT_EQ(tls_rsa_kx_decrypt(nullptr, key.k, 0x0303, above.data(), above.size(), got), want);
    EXPECT_EQ(tls_rsa_kx_decrypt(nullptr, key.k, 0x0303, nullptr, 0, got), want);
}

// ----------------------------------------------------------- compression

struct CompPair {
    tls_rec_dir wr, rd;
    CompPair(uint16_t suite, bool comp_wr, bool comp_rd, int etm = 0)
    {
        const tls12_suite *s = tls12_suite_get(nullptr, suite);
        uint8_t ms[48], cr[32], sr[32];
        memset(ms, 0x3c, 48);
        memset(cr, 1, 32);
        memset(sr, 2, 32);
        tls_rec_dir_init(&wr, 1);
        tls_rec_dir_init(&rd, 0);
        EXPECT_EQ(tls_rec_set_compression(&wr, comp_wr ? TLS_COMP_DEFLATE : TLS_COMP_NULL), 0);
        EXPECT_EQ(tls_rec_set_compression(&rd, comp_rd ? TLS_COMP_DEFLATE : TLS_COMP_NULL), 0);
        EXPECT_EQ(tls_rec_set_tls12(&wr, 1, 0, s, ms, cr, sr, etm), 0);
        EXPECT_EQ(tls_rec_set_tls12(&rd, 0, 1, s, ms, cr, sr, etm), 0);
    }
    ~CompPair()
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
    int open(Bytes &rec, Bytes *pt, uint8_t *type = nullptr)
    {
        uint8_t t;
        uint8_t *data;
        size_t len;
        int rc = tls_rec_open(&rd, rec.data(), rec.size(), type ? type : &t, &data, &len);
        if (rc == 0)
            pt->assign(data, data + len);
        return rc;
    }
};

class Compression : public ::testing::TestWithParam<uint16_t>
{
};

TEST_P(Compression, DeflateRoundTripAcrossRecords)
{
    CompPair p(GetParam(), true, true);
    EXPECT_EQ(p.wr.comp, TLS_COMP_DEFLATE);
    EXPECT_EQ(p.rd.comp, TLS_COMP_DEFLATE);
    Bytes text;
    for (int i = 0; i < 2000; i++) {
        std::string line = "line " + std::to_string(i % 37) + " of some rather repetitive text\n";
        text.insert(text.end(), line.begin(), line.end());
    }
    // Records in sequence share one stream: later ones compress better.
    size_t prev = SIZE_MAX;
    for (size_t len : {(size_t)16384, (size_t)16384, (size_t)0, (size_t)1, (size_t)5000}) {
        Bytes pt(text.begin(), text.begin() + len);
        Bytes rec = p.seal(23, pt);
        if (len == 16384) {
            EXPECT_LT(rec.size(), len / 4);
            EXPECT_LE(rec.size(), prev);
            prev = rec.size();
        }
        Bytes got;
        uint8_t type = 0;
        ASSERT_EQ(p.open(rec, &got, &type), 0) << len;
        EXPECT_EQ(type, 23);
        EXPECT_EQ(got, pt);
    }
    // Incompressible data still fits a record.
    Bytes noise(16384);
    for (size_t i = 0; i < noise.size(); i++)
        noise[i] = (uint8_t)((i * 2654435761u) >> 13);
    Bytes rec = p.seal(23, noise);
    EXPECT_LE(rec.size() - 5, (size_t)TLS_REC_MAX_CIPHER12);
    Bytes got;
    ASSERT_EQ(p.open(rec, &got), 0);
    EXPECT_EQ(got, noise);
}

TEST_P(Compression, OnlyFromTheNextKeyChangeAndOnlyWhenAsked)
{
    {
        CompPair p(GetParam(), false, false);
        EXPECT_EQ(p.wr.comp, TLS_COMP_NULL);
        Bytes pt(1000, 'a');
        Bytes rec = p.seal(23, pt);
        EXPECT_GT(rec.size(), 1000u); // not compressed
        // Asked now: nothing changes until the next tls_rec_set_tls12.
        ASSERT_EQ(tls_rec_set_compression(&p.wr, TLS_COMP_DEFLATE), 0);
        Bytes rec2 = p.seal(23, pt);
        EXPECT_GT(rec2.size(), 1000u);
        Bytes got;
        ASSERT_EQ(p.open(rec, &got), 0);
        ASSERT_EQ(p.open(rec2, &got), 0);
        EXPECT_EQ(got, pt);
    }
    // A compressing sender and a receiver that does not decompress: the
    // receiver sees the DEFLATE bytes (the handshake agreed on nothing).
    CompPair q(GetParam(), true, false);
    Bytes pt(1000, 'b');
    Bytes rec = q.seal(23, pt);
    Bytes got;
    ASSERT_EQ(q.open(rec, &got), 0);
    EXPECT_NE(got, pt);
    EXPECT_LT(got.size(), 100u);
    EXPECT_EQ(tls_rec_set_compression(&q.wr, 7), TLS_ERR_INTERNAL);
}

// DEFLATE bytes made by zlib directly (a peer's compressor).
Bytes deflate_sync(const Bytes &in)
{
    z_stream zs;
    memset(&zs, 0, sizeof(zs));
    EXPECT_EQ(deflateInit(&zs, 9), Z_OK);
    Bytes out(in.size() + 1024);
    zs.next_in = (Bytef *)in.data();
    zs.avail_in = (uInt)in.size();
    zs.next_out = out.data();
    zs.avail_out = (uInt)out.size();
    EXPECT_EQ(deflate(&zs, Z_SYNC_FLUSH), Z_OK);
    out.resize(out.size() - zs.avail_out);
    deflateEnd(&zs);
    return out;
}

TEST_P(Compression, HostileCompressedRecords)
{
    // The sender here does not compress: it carries bytes we made.
    {
        CompPair p(GetParam(), false, true);
        Bytes ok = deflate_sync(Bytes(TLS_REC_MAX_PLAIN, 'z'));
        Bytes rec = p.seal(23, ok);
        Bytes got;
        ASSERT_EQ(p.open(rec, &got), 0);
        EXPECT_EQ(got, Bytes(TLS_REC_MAX_PLAIN, 'z'));
    }
    {
        // One byte more than 2^14 once inflated: record_overflow.
        CompPair p(GetParam(), false, true);
        Bytes bomb = deflate_sync(Bytes(TLS_REC_MAX_PLAIN + 1, 'z'));
        ASSERT_LT(bomb.size(), 200u);
        Bytes rec = p.seal(23, bomb);
        Bytes got;
        EXPECT_EQ(p.open(rec, &got), TLS_ERR(TLS_AD_RECORD_OVERFLOW, TLS_R_DATA_LENGTH_TOO_LONG));
    }
    {
        CompPair p(GetParam(), false, true);
        Bytes bomb = deflate_sync(Bytes(1 << 20, 0));
        Bytes rec = p.seal(23, bomb);
        Bytes got;
        EXPECT_EQ(p.open(rec, &got), TLS_ERR(TLS_AD_RECORD_OVERFLOW, TLS_R_DATA_LENGTH_TOO_LONG));
    }
    {
        CompPair p(GetParam(), false, true);
        Bytes junk = {0xff, 0xfe, 0xfd, 0x00, 0x13, 0x37};
        Bytes rec = p.seal(23, junk);
        Bytes got;
        EXPECT_EQ(p.open(rec, &got),
                  TLS_ERR(TLS_AD_DECOMPRESSION_FAILURE, TLS_R_BAD_DECOMPRESSION));
    }
}

INSTANTIATE_TEST_SUITE_P(Suites, Compression, ::testing::Values(0xC02F, 0xCCA8, 0xC013, 0x003D),
                         [](const ::testing::TestParamInfo<uint16_t> &i) {
                             char b[8];
                             snprintf(b, sizeof(b), "%04X", i.param);
                             return std::string(b);
                         });

} // namespace
