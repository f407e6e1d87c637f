// core/keysched against RFC 8448 section 3 ("Simple 1-RTT Handshake").
//
// The expected values are the RFC's; each was also recomputed with an
// independent HKDF (Python hmac/hashlib following RFC 5869) before being
// written here.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "core/crypto.h"
#include "core/keysched.h"

namespace
{

std::vector<uint8_t> unhex(const std::string &s)
{
    std::vector<uint8_t> out;
    for (size_t i = 0; i + 1 < s.size(); i += 2)
        out.push_back((uint8_t)std::stoul(s.substr(i, 2), nullptr, 16));
    return out;
}

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

// RFC 8448 section 3 values.
const char *kEcdhe = "8bd4054fb55b9d63fdfbacf9f04b9f0d35e6d63f537563efd46272900f89492d";
// Transcript hashes: CH..SH, CH..server Finished, CH..CertificateVerify,
// CH..client Finished.
const char *kThHello = "860c06edc07858ee8e78f0e7428c58edd6b43f2ca3e6e95f02ed063cf0e1cad8";
const char *kThServerFin = "9608102a0f1ccc6db6250b7b7e417b1a000eaada3daae4777a7686c9ff83df13";
const char *kThCertVerify = "edb7725fa7a3473b031ec8ef65a2485493900138a2b91291407d7951a06110ed";
const char *kThClientFin = "209145a96ee8e2a122ff810047cc952684658d6049e86429426db87c54ad143d";

const char *kEarly = "33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a";
const char *kHandshake = "1dc826e93606aa6fdc0aadc12f741b01046aa6b99f691ed221a9f0ca043fbeac";
const char *kClientHs = "b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21";
const char *kServerHs = "b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38";
const char *kMaster = "18df06843d13a08bf2a449844c5f8a478001bc4d4c627984d5a41da8d0402919";
const char *kClientAp = "9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5";
const char *kServerAp = "a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643";
const char *kExporter = "fe22f881176eda18eb8f44529e6792c50c9a3f89452f68d8ae311b4309d3cf50";
const char *kResumption = "7df235f2031d2a051287d02b0241b0bfdaf86cc856231f2d5aba46c434ec196c";
const char *kTicketPsk = "4ecd0eb6ec3b4d87f5d6028f922ca4c5851a277fd41311c9e62d2c9492e1c4f3";
const char *kServerFinished = "9b9b141d906337fbd2cbdce71df4deda4ab42c309572cb7fffee5454b78f0718";
const char *kClientFinished = "a8ec436d677634ae525ac1fcebe11a039ec17694fac6e98527b642f2edd5ce61";

class KeySchedule : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        md = tls_md_by_nid(nullptr, NID_sha256);
        ASSERT_NE(md, nullptr);
        ASSERT_EQ(tls_ks_init(&ks, nullptr, md), 0);
    }
    void TearDown() override { tls_ks_clear(&ks); }

    // Run the schedule of RFC 8448 section 3 up to the master secret.
    void RunToMaster()
    {
        auto ecdhe = unhex(kEcdhe);
        ASSERT_EQ(tls_ks_early(&ks, nullptr, 0), 0);
        ASSERT_EQ(tls_ks_handshake(&ks, ecdhe.data(), ecdhe.size(), unhex(kThHello).data()), 0);
        ASSERT_EQ(tls_ks_master(&ks, unhex(kThServerFin).data()), 0);
    }

    const EVP_MD *md = nullptr;
    tls_ks ks;
};

TEST_F(KeySchedule, EarlySecretWithoutPsk)
{
    ASSERT_EQ(tls_ks_early(&ks, nullptr, 0), 0);
    EXPECT_EQ(ks.stage, TLS_KS_EARLY);
    EXPECT_EQ(hex(ks.secret, ks.hash_len), kEarly);
}

TEST_F(KeySchedule, HandshakeSecrets)
{
    auto ecdhe = unhex(kEcdhe);
    ASSERT_EQ(tls_ks_early(&ks, nullptr, 0), 0);
    ASSERT_EQ(tls_ks_handshake(&ks, ecdhe.data(), ecdhe.size(), unhex(kThHello).data()), 0);
    EXPECT_EQ(ks.stage, TLS_KS_HANDSHAKE);
    EXPECT_EQ(hex(ks.secret, 32), kHandshake);
    EXPECT_EQ(hex(ks.client_hs, 32), kClientHs);
    EXPECT_EQ(hex(ks.server_hs, 32), kServerHs);
}

TEST_F(KeySchedule, HandshakeFromNoneRunsEarlyStageFirst)
{
    auto ecdhe = unhex(kEcdhe);
    ASSERT_EQ(tls_ks_handshake(&ks, ecdhe.data(), ecdhe.size(), unhex(kThHello).data()), 0);
    EXPECT_EQ(hex(ks.client_hs, 32), kClientHs);
}

TEST_F(KeySchedule, MasterAndApplicationSecrets)
{
    RunToMaster();
    EXPECT_EQ(ks.stage, TLS_KS_MASTER);
    EXPECT_EQ(hex(ks.secret, 32), kMaster);
    EXPECT_EQ(hex(ks.client_ap, 32), kClientAp);
    EXPECT_EQ(hex(ks.server_ap, 32), kServerAp);
    EXPECT_EQ(hex(ks.exporter, 32), kExporter);
    // The client Finished still needs client_hs after the master step.
    EXPECT_EQ(hex(ks.client_hs, 32), kClientHs);
    tls_ks_drop_handshake(&ks);
    EXPECT_EQ(hex(ks.client_hs, 32), std::string(64, '0'));
    EXPECT_EQ(hex(ks.server_hs, 32), std::string(64, '0'));
}

TEST_F(KeySchedule, ResumptionSecretAndTicketPsk)
{
    RunToMaster();
    ASSERT_EQ(tls_ks_resumption(&ks, unhex(kThClientFin).data()), 0);
    EXPECT_TRUE(ks.have_resumption);
    EXPECT_EQ(hex(ks.resumption, 32), kResumption);
    // RFC 8448 3: the NewSessionTicket nonce is 00 00.
    const uint8_t nonce[2] = {0, 0};
    uint8_t psk[32];
    ASSERT_EQ(tls_ks_ticket_psk(nullptr, md, ks.resumption, nonce, sizeof(nonce), psk), 0);
    EXPECT_EQ(hex(psk, 32), kTicketPsk);
}

TEST_F(KeySchedule, ResumptionPskEarlySecretAndBinderKey)
{
    // RFC 8448 section 4 resumes with the PSK derived above. Its early
    // secret is the RFC's value; the binder key and binder finished key were
    // computed with an independent HKDF implementation (Python hmac).
    auto psk = unhex(kTicketPsk);
    ASSERT_EQ(tls_ks_early(&ks, psk.data(), psk.size()), 0);
    EXPECT_EQ(hex(ks.secret, 32),
              "9b2188e9b2fc6d64d71dc329900e20bb41915000f678aa839cbb797cb7d8332c");
    uint8_t binder[32], fk[32];
    ASSERT_EQ(tls_ks_binder_key(&ks, 0, binder), 0);
    EXPECT_EQ(hex(binder, 32), "69fe131a3bbad5d63c64eebcc30e395b9d8107726a13d074e389dbc8a4e47256");
    ASSERT_EQ(tls_ks_finished_key(nullptr, md, binder, fk), 0);
    EXPECT_EQ(hex(fk, 32), "5588673e72cb59c87d220caffe94f2dea9a3b1609f7d50e90a48227db9ed7eaa");
    // External PSKs use a different label, hence a different key.
    uint8_t ext[32];
    ASSERT_EQ(tls_ks_binder_key(&ks, 1, ext), 0);
    EXPECT_NE(hex(ext, 32), hex(binder, 32));
}

TEST_F(KeySchedule, StagesOnlyMoveForward)
{
    RunToMaster();
    auto ecdhe = unhex(kEcdhe);
    uint8_t th[32] = {0};
    EXPECT_EQ(tls_ks_early(&ks, nullptr, 0), TLS_ERR_INTERNAL);
    EXPECT_EQ(tls_ks_handshake(&ks, ecdhe.data(), ecdhe.size(), th), TLS_ERR_INTERNAL);
    EXPECT_EQ(tls_ks_master(&ks, th), TLS_ERR_INTERNAL);
    // Nothing was re-derived by the refused calls.
    EXPECT_EQ(hex(ks.secret, 32), kMaster);

    tls_ks fresh;
    ASSERT_EQ(tls_ks_init(&fresh, nullptr, md), 0);
    EXPECT_EQ(tls_ks_master(&fresh, th), TLS_ERR_INTERNAL);
    EXPECT_EQ(tls_ks_resumption(&fresh, th), TLS_ERR_INTERNAL);
    uint8_t out[32];
    EXPECT_EQ(tls_ks_binder_key(&fresh, 0, out), TLS_ERR_INTERNAL);
    tls_ks_clear(&fresh);
}

TEST(KeyScheduleKeys, TrafficKeysAndIvs)
{
    const EVP_MD *md = tls_md_by_nid(nullptr, NID_sha256);
    ASSERT_NE(md, nullptr);
    struct {
        const char *secret, *key, *iv;
    } cases[] = {
        {kServerHs, "3fce516009c21727d0f2e4e86ee403bc", "5d313eb2671276ee13000b30"},
        {kClientHs, "dbfaa693d1762c5b666af5d950258d01", "5bd3c71b836e0b76bb73265f"},
        {kServerAp, "9f02283b6c9c07efc26bb9f2ac92e356", "cf782b88dd83549aadf1e984"},
        {kClientAp, "17422dda596ed5d9acd890e3c63f5051", "5b78923dee08579033e523d9"},
    };
    for (const auto &c : cases) {
        uint8_t key[16], iv[12];
        ASSERT_EQ(tls_ks_traffic_keys(nullptr, md, unhex(c.secret).data(), 16, 12, key, iv), 0);
        EXPECT_EQ(hex(key, 16), c.key) << c.secret;
        EXPECT_EQ(hex(iv, 12), c.iv) << c.secret;
    }
}

TEST(KeyScheduleFinished, VerifyDataOfBothSides)
{
    const EVP_MD *md = tls_md_by_nid(nullptr, NID_sha256);
    uint8_t out[32];
    ASSERT_EQ(
        tls_ks_finished(nullptr, md, unhex(kServerHs).data(), unhex(kThCertVerify).data(), out), 0);
    EXPECT_EQ(hex(out, 32), kServerFinished);
    ASSERT_EQ(
        tls_ks_finished(nullptr, md, unhex(kClientHs).data(), unhex(kThServerFin).data(), out), 0);
    EXPECT_EQ(hex(out, 32), kClientFinished);
}

TEST(KeyScheduleUpdate, KeyUpdateAdvancesSecret)
{
    // RFC 8446 7.2: application_traffic_secret_N+1 =
    //   HKDF-Expand-Label(application_traffic_secret_N, "traffic upd", "", Hash.length)
    const EVP_MD *md = tls_md_by_nid(nullptr, NID_sha256);
    auto s = unhex(kClientAp);
    uint8_t expect[32];
    ASSERT_EQ(tls_hkdf_expand_label(nullptr, md, s.data(), "traffic upd", nullptr, 0, expect, 32),
              0);
    ASSERT_EQ(tls_ks_update_secret(nullptr, md, s.data()), 0);
    EXPECT_EQ(hex(s.data(), 32), hex(expect, 32));
    EXPECT_NE(hex(s.data(), 32), kClientAp);
}

TEST(KeyScheduleExport, MatchesRfc8446Definition)
{
    // TLS-Exporter(label, ctx, L) =
    //   HKDF-Expand-Label(Derive-Secret(exporter, label, ""), "exporter", Hash(ctx), L)
    const EVP_MD *md = tls_md_by_nid(nullptr, NID_sha256);
    auto exp = unhex(kExporter);
    const char *label = "EXPORTER-Test";
    const uint8_t ctx[] = {1, 2, 3};
    uint8_t empty_hash[32], ctx_hash[32], secret[32], expect[20];
    ASSERT_EQ(tls_hash(md, nullptr, 0, empty_hash), 0);
    ASSERT_EQ(tls_hash(md, ctx, sizeof(ctx), ctx_hash), 0);
    ASSERT_EQ(tls_derive_secret(nullptr, md, exp.data(), label, empty_hash, secret), 0);
    ASSERT_EQ(tls_hkdf_expand_label(nullptr, md, secret, "exporter", ctx_hash, 32, expect, 20), 0);

    uint8_t out[20];
    ASSERT_EQ(
        tls_ks_export(nullptr, md, exp.data(), label, strlen(label), ctx, sizeof(ctx), out, 20), 0);
    EXPECT_EQ(hex(out, 20), hex(expect, 20));
    // No context and an empty context are the same thing in TLS 1.3.
    uint8_t a[20], b[20];
    ASSERT_EQ(tls_ks_export(nullptr, md, exp.data(), label, strlen(label), nullptr, 0, a, 20), 0);
    ASSERT_EQ(tls_ks_export(nullptr, md, exp.data(), label, strlen(label), ctx, 0, b, 20), 0);
    EXPECT_EQ(hex(a, 20), hex(b, 20));
    EXPECT_NE(hex(a, 20), hex(out, 20));
}

TEST(KeyScheduleHkdf, Rfc5869TestCase1)
{
    // RFC 5869 A.1 (SHA-256): checks the raw HKDF under the TLS framing.
    const EVP_MD *md = tls_md_by_nid(nullptr, NID_sha256);
    auto ikm = unhex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b");
    auto salt = unhex("000102030405060708090a0b0c");
    uint8_t prk[32];
    ASSERT_EQ(tls_hkdf_extract(nullptr, md, salt.data(), salt.size(), ikm.data(), ikm.size(), prk),
              0);
    EXPECT_EQ(hex(prk, 32), "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5");
}

TEST(KeyScheduleSha384, ScheduleRunsWithSha384)
{
    const EVP_MD *md = tls_md_by_nid(nullptr, NID_sha384);
    ASSERT_NE(md, nullptr);
    tls_ks ks;
    ASSERT_EQ(tls_ks_init(&ks, nullptr, md), 0);
    EXPECT_EQ(ks.hash_len, 48u);
    uint8_t ecdhe[48] = {1}, th[48] = {2};
    ASSERT_EQ(tls_ks_handshake(&ks, ecdhe, sizeof(ecdhe), th), 0);
    ASSERT_EQ(tls_ks_master(&ks, th), 0);
    // Independent: the 48-byte early secret is HKDF-Extract(0^48, 0^48).
    tls_ks early;
    ASSERT_EQ(tls_ks_init(&early, nullptr, md), 0);
    ASSERT_EQ(tls_ks_early(&early, nullptr, 0), 0);
    uint8_t zeros[48] = {0}, expect[48];
    ASSERT_EQ(tls_hkdf_extract(nullptr, md, zeros, 48, zeros, 48, expect), 0);
    EXPECT_EQ(hex(early.secret, 48), hex(expect, 48));
    EXPECT_NE(hex(ks.client_ap, 48), hex(ks.server_ap, 48));
    tls_ks_clear(&ks);
    tls_ks_clear(&early);
}

TEST(Tls12Prf, KnownVector)
{
    // The widely used TLS 1.2 PRF (SHA-256) test vector published with the
    // IETF TLS WG mailing list (secret/seed/label "test label").
    const EVP_MD *md = tls_md_by_nid(nullptr, NID_sha256);
    auto secret = unhex("9bbe436ba940f017b17652849a71db35");
    auto seed = unhex("a0ba9f936cda311827a6f796ffd5198c");
    uint8_t out[100];
    ASSERT_EQ(tls12_prf(nullptr, md, secret.data(), secret.size(), "test label", seed.data(),
                        seed.size(), nullptr, 0, out, sizeof(out)),
              0);
    EXPECT_EQ(hex(out, 100),
              "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9c9"
              "a46b4e14baf9af0fa022f7077def17abfd3797c0564bab4fbc91666e9def9b97fce34f796789baa480"
              "82d122ee42c5a72e5a5110fff70187347b66");
    // Seed split in two parts is the same as the concatenation.
    uint8_t split[100];
    ASSERT_EQ(tls12_prf(nullptr, md, secret.data(), secret.size(), "test label", seed.data(), 7,
                        seed.data() + 7, seed.size() - 7, split, sizeof(split)),
              0);
    EXPECT_EQ(hex(split, 100), hex(out, 100));
}

} // namespace
