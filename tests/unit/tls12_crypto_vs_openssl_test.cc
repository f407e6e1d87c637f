// core/tls12_crypto against the system OpenSSL: two system-libssl peers run
// a real TLS 1.2 handshake in memory; we capture every record and check that
// our building blocks derive the same secrets and speak the same records:
//   - master secret from the premaster (RSA key transport, where the test
//     can decrypt the premaster with the server key), with and without EMS;
//   - both Finished.verify_data, read by opening the peers' encrypted
//     Finished records with our record layer (key block, AEAD nonce, AAD);
//   - application data both ways: theirs opened by us, ours read by them;
//   - RFC 5705 exporter values.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/ssl.h>

#include "core/tls12.h"

namespace
{

using Bytes = std::vector<uint8_t>;

std::string cert_path(const std::string &name)
{
    return std::string(SHIMSSL_CERT_DIR) + "/" + name;
}

EVP_PKEY *load_key(const std::string &name)
{
    EVP_PKEY *k = nullptr;
    if (FILE *f = fopen(cert_path(name).c_str(), "r")) {
        k = PEM_read_PrivateKey(f, nullptr, nullptr, nullptr);
        fclose(f);
    }
    return k;
}

struct Record {
    int from_client;
    uint8_t type;
    Bytes bytes; // whole record, header included
};

// Move everything bio holds into the peer's rbio and split it into records.
void pump(BIO *from, BIO *to, int from_client, std::vector<Record> &log)
{
    char buf[32768];
    int n;
    Bytes all;
    while ((n = BIO_read(from, buf, sizeof(buf))) > 0) {
        all.insert(all.end(), buf, buf + n);
        ASSERT_EQ(BIO_write(to, buf, n), n);
    }
    size_t off = 0;
    while (off + 5 <= all.size()) {
        size_t len = (size_t)all[off + 3] << 8 | all[off + 4];
        ASSERT_LE(off + 5 + len, all.size());
        log.push_back(
            {from_client, all[off], Bytes(all.begin() + off, all.begin() + off + 5 + len)});
        off += 5 + len;
    }
    ASSERT_EQ(off, all.size());
}

struct Session {
    SSL_CTX *cctx = nullptr, *sctx = nullptr;
    SSL *cli = nullptr, *srv = nullptr;
    BIO *c_in = nullptr, *c_out = nullptr, *s_in = nullptr, *s_out = nullptr;
    std::vector<Record> log;
    EVP_PKEY *server_key = nullptr;

    ~Session()
    {
        SSL_free(cli);
        SSL_free(srv);
        SSL_CTX_free(cctx);
        SSL_CTX_free(sctx);
        EVP_PKEY_free(server_key);
    }

    // A TLS 1.2 handshake with exactly one suite; EMS and (CBC suites)
    // encrypt-then-MAC on or off.
    void run(const char *suite, bool ecdsa, bool ems, bool etm)
    {
        cctx = SSL_CTX_new(TLS_client_method());
        sctx = SSL_CTX_new(TLS_server_method());
        ASSERT_TRUE(cctx && sctx);
        for (SSL_CTX *c : {cctx, sctx}) {
            SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION);
            SSL_CTX_set_max_proto_version(c, TLS1_2_VERSION);
            ASSERT_EQ(SSL_CTX_set_cipher_list(c, suite), 1) << suite;
            SSL_CTX_set_options(c, SSL_OP_NO_TICKET | (ems ? 0 : SSL_OP_NO_EXTENDED_MASTER_SECRET) |
                                       (etm ? 0 : SSL_OP_NO_ENCRYPT_THEN_MAC));
        }
        SSL_CTX_set_dh_auto(sctx, 1);
        std::string base = ecdsa ? "server-ec" : "server";
        ASSERT_EQ(
            SSL_CTX_use_certificate_file(sctx, cert_path(base + ".pem").c_str(), SSL_FILETYPE_PEM),
            1);
        ASSERT_EQ(
            SSL_CTX_use_PrivateKey_file(sctx, cert_path(base + ".key").c_str(), SSL_FILETYPE_PEM),
            1);
        server_key = load_key(base + ".key");
        ASSERT_NE(server_key, nullptr);
        cli = SSL_new(cctx);
        srv = SSL_new(sctx);
        c_in = BIO_new(BIO_s_mem());
        c_out = BIO_new(BIO_s_mem());
        s_in = BIO_new(BIO_s_mem());
        s_out = BIO_new(BIO_s_mem());
        SSL_set_bio(cli, c_in, c_out);
        SSL_set_bio(srv, s_in, s_out);
        SSL_set_connect_state(cli);
        SSL_set_accept_state(srv);
        for (int i = 0; i < 10 && !(SSL_is_init_finished(cli) && SSL_is_init_finished(srv)); i++) {
            SSL_do_handshake(cli);
            pump(c_out, s_in, 1, log);
            SSL_do_handshake(srv);
            pump(s_out, c_in, 0, log);
        }
        ASSERT_TRUE(SSL_is_init_finished(cli) && SSL_is_init_finished(srv))
            << ERR_error_string(ERR_get_error(), nullptr);
        ASSERT_EQ(SSL_version(cli), TLS1_2_VERSION);
        ASSERT_EQ(SSL_get_extms_support(srv), ems ? 1 : 0);
    }

    uint16_t suite_id() const { return SSL_CIPHER_get_protocol_id(SSL_get_current_cipher(cli)); }

    Bytes master_key() const
    {
        Bytes ms(48);
        EXPECT_EQ(SSL_SESSION_get_master_key(SSL_get_session(srv), ms.data(), ms.size()), 48u);
        return ms;
    }
    Bytes client_random() const
    {
        Bytes r(32);
        EXPECT_EQ(SSL_get_client_random(cli, r.data(), r.size()), 32u);
        return r;
    }
    Bytes server_random() const
    {
        Bytes r(32);
        EXPECT_EQ(SSL_get_server_random(cli, r.data(), r.size()), 32u);
        return r;
    }

    // Plaintext handshake bytes, in order, before either side's CCS; and
    // the protected records after it, per direction.
    Bytes plain_handshake() const
    {
        Bytes t;
        bool ccs[2] = {false, false};
        for (const auto &r : log) {
            if (r.type == 20)
                ccs[r.from_client] = true;
            else if (r.type == 22 && !ccs[r.from_client])
                t.insert(t.end(), r.bytes.begin() + 5, r.bytes.end());
        }
        return t;
    }
    Bytes first_protected(int from_client) const
    {
        bool ccs = false;
        for (const auto &r : log) {
            if (r.from_client != from_client)
                continue;
            if (ccs)
                return r.bytes;
            ccs = r.type == 20;
        }
        return {};
    }
};

Bytes hash(const EVP_MD *md, const Bytes &b)
{
    Bytes out(EVP_MD_get_size(md));
    EXPECT_EQ(EVP_Digest(b.data(), b.size(), out.data(), nullptr, md, nullptr), 1);
    return out;
}

// The body of the first handshake message of the given type in a stream.
Bytes find_message(const Bytes &hs, uint8_t type)
{
    size_t off = 0;
    while (off + 4 <= hs.size()) {
        size_t len = (size_t)hs[off + 1] << 16 | (size_t)hs[off + 2] << 8 | hs[off + 3];
        if (hs[off] == type)
            return Bytes(hs.begin() + off + 4, hs.begin() + off + 4 + len);
        off += 4 + len;
    }
    return {};
}

// Open one record with our record layer; returns type and plaintext.
int open_record(tls_rec_dir *d, Bytes rec, uint8_t *type, Bytes *pt)
{
    uint8_t *data = nullptr;
    size_t len = 0;
    int rc = tls_rec_open(d, rec.data(), rec.size(), type, &data, &len);
    if (rc == 0)
        pt->assign(data, data + len);
    return rc;
}

struct SuiteCase {
    const char *name;
    uint16_t id;
    bool ecdsa;
};

class Tls12Interop : public ::testing::TestWithParam<std::tuple<SuiteCase, bool, bool>>
{
};

TEST_P(Tls12Interop, SecretsFinishedRecordsAndExporterMatchOpenSSL)
{
    const SuiteCase &sc = std::get<0>(GetParam());
    const bool ems = std::get<1>(GetParam());
    const int etm = std::get<2>(GetParam()) ? 1 : 0;
    Session s;
    ASSERT_NO_FATAL_FAILURE(s.run(sc.name, sc.ecdsa, ems, etm));
    ASSERT_EQ(s.suite_id(), sc.id);
    const tls12_suite *suite = tls12_suite_get(nullptr, sc.id);
    ASSERT_NE(suite, nullptr);
    const Bytes ms = s.master_key(), cr = s.client_random(), sr = s.server_random();
    const Bytes hs = s.plain_handshake();

    // The premaster is only visible with RSA key transport: decrypt it with
    // the server's key, as the server did, and derive the master secret.
    if (suite->kx == TLS12_KX_RSA) {
        Bytes cke = find_message(hs, 16);
        ASSERT_GE(cke.size(), 2u);
        ASSERT_EQ(((size_t)cke[0] << 8 | cke[1]) + 2, cke.size());
        EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new(s.server_key, nullptr);
        ASSERT_EQ(EVP_PKEY_decrypt_init(pctx), 1);
        ASSERT_EQ(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING), 1);
        Bytes pms(512);
        size_t pms_len = pms.size();
        ASSERT_EQ(EVP_PKEY_decrypt(pctx, pms.data(), &pms_len, cke.data() + 2, cke.size() - 2), 1);
        EVP_PKEY_CTX_free(pctx);
        ASSERT_EQ(pms_len, 48u);
        // Our server's decryption of their client's premaster.
        uint8_t dec[48];
        ASSERT_EQ(tls_rsa_kx_decrypt(nullptr, s.server_key, TLS1_2_VERSION, cke.data() + 2,
                                     cke.size() - 2, dec),
                  0);
        EXPECT_EQ(Bytes(dec, dec + 48), Bytes(pms.begin(), pms.begin() + 48));
        uint8_t ours[48];
        Bytes sh = hash(suite->prf_md, hs); // session hash: everything through CKE
        ASSERT_EQ(tls12_master_secret(suite, pms.data(), 48, ems, sh.data(), sh.size(), cr.data(),
                                      sr.data(), ours),
                  0);
        EXPECT_EQ(Bytes(ours, ours + 48), ms);
        // And the other derivation gives something else.
        ASSERT_EQ(tls12_master_secret(suite, pms.data(), 48, !ems, sh.data(), sh.size(), cr.data(),
                                      sr.data(), ours),
                  0);
        EXPECT_NE(Bytes(ours, ours + 48), ms);
    }

    // Their server's ServerDHParams, read by our client code: the
    // signature is all that is left of ServerKeyExchange.
    if (suite->kx == TLS12_KX_DHE) {
        Bytes ske = find_message(hs, 12);
        ASSERT_FALSE(ske.empty());
        tls_reader r;
        tls_rd_init(&r, ske.data(), ske.size());
        uint8_t yc[1024], z[1024];
        size_t yc_len = 0, z_len = 0;
        EVP_PKEY *peer = nullptr;
        ASSERT_EQ(
            tls_dhe_client(nullptr, &r, 2048, &peer, yc, sizeof(yc), &yc_len, z, sizeof(z), &z_len),
            0);
        ASSERT_NE(peer, nullptr);
        EXPECT_EQ(EVP_PKEY_get_bits(peer), 2048); // automatic DH for an RSA-2048 certificate
        EXPECT_EQ(yc_len, 256u);
        EVP_PKEY_free(peer);
        ASSERT_GE(tls_rd_left(&r), 4u);
        size_t sig_len = (size_t)ske[r.off + 2] << 8 | ske[r.off + 3];
        EXPECT_EQ(tls_rd_left(&r), 4 + sig_len);
    }

    // Client Finished: open the client's first protected record as the
    // server's receiving side.
    tls_rec_dir srv_rd, cli_rd;
    tls_rec_dir_init(&srv_rd, 0);
    tls_rec_dir_init(&cli_rd, 0);
    ASSERT_EQ(tls_rec_set_tls12(&srv_rd, 0, 1, suite, ms.data(), cr.data(), sr.data(), etm), 0);
    ASSERT_EQ(tls_rec_set_tls12(&cli_rd, 0, 0, suite, ms.data(), cr.data(), sr.data(), etm), 0);
    uint8_t type = 0;
    Bytes cfin, sfin;
    ASSERT_EQ(open_record(&srv_rd, s.first_protected(1), &type, &cfin), 0);
    EXPECT_EQ(type, 22);
    ASSERT_EQ(cfin.size(), 16u);
    EXPECT_EQ(cfin[0], 20); // Finished
    uint8_t vd[12];
    Bytes th = hash(suite->prf_md, hs);
    ASSERT_EQ(tls12_finished(suite, ms.data(), 0, th.data(), th.size(), vd), 0);
    EXPECT_EQ(Bytes(vd, vd + 12), Bytes(cfin.begin() + 4, cfin.end()));

    // Server Finished covers the client Finished too.
    ASSERT_EQ(open_record(&cli_rd, s.first_protected(0), &type, &sfin), 0);
    ASSERT_EQ(sfin.size(), 16u);
    Bytes hs2 = hs;
    hs2.insert(hs2.end(), cfin.begin(), cfin.end());
    th = hash(suite->prf_md, hs2);
    ASSERT_EQ(tls12_finished(suite, ms.data(), 1, th.data(), th.size(), vd), 0);
    EXPECT_EQ(Bytes(vd, vd + 12), Bytes(sfin.begin() + 4, sfin.end()));

    // Application data from their client, opened by us (sequence 1).
    const char msg[] = "GET / HTTP/1.0\r\n\r\n";
    ASSERT_EQ(SSL_write(s.cli, msg, sizeof(msg) - 1), (int)sizeof(msg) - 1);
    size_t before = s.log.size();
    ASSERT_NO_FATAL_FAILURE(pump(s.c_out, s.s_in, 1, s.log));
    ASSERT_EQ(s.log.size(), before + 1);
    Bytes pt;
    ASSERT_EQ(open_record(&srv_rd, s.log.back().bytes, &type, &pt), 0);
    EXPECT_EQ(type, 23);
    EXPECT_EQ(std::string(pt.begin(), pt.end()), msg);
    // A replay under the next sequence number fails.
    EXPECT_EQ(open_record(&srv_rd, s.log.back().bytes, &type, &pt),
              TLS_ERR(TLS_AD_BAD_RECORD_MAC, TLS_R_DECRYPTION_FAILED_OR_BAD_RECORD_MAC));

    // Our server's records, read by their client.
    tls_rec_dir srv_wr;
    tls_rec_dir_init(&srv_wr, 1);
    ASSERT_EQ(tls_rec_set_tls12(&srv_wr, 1, 1, suite, ms.data(), cr.data(), sr.data(), etm), 0);
    srv_wr.seq = 1; // the server Finished was record 0
    tls_writer w;
    tls_wr_init(&w);
    const std::string reply(3000, 'r');
    ASSERT_EQ(tls_rec_seal(&srv_wr, 23, (const uint8_t *)reply.data(), reply.size(), 0, &w), 0);
    ASSERT_EQ(tls_rec_seal(&srv_wr, 23, (const uint8_t *)"tail", 4, 0, &w), 0);
    EXPECT_EQ(w.len,
              tls_rec_sealed_len(&srv_wr, reply.size(), 0) + tls_rec_sealed_len(&srv_wr, 4, 0));
    ASSERT_EQ(BIO_write(s.c_in, w.buf, (int)w.len), (int)w.len);
    tls_wr_free(&w);
    std::string got(reply.size() + 4, 0);
    size_t have = 0;
    while (have < got.size()) {
        int n = SSL_read(s.cli, &got[have], (int)(got.size() - have));
        ASSERT_GT(n, 0) << ERR_error_string(ERR_get_error(), nullptr);
        have += (size_t)n;
    }
    EXPECT_EQ(got, reply + "tail");

    // RFC 5705 exporter, with and without a context (an empty context is
    // not the same as none in TLS 1.2).
    const char label[] = "EXPERIMENTAL shimssl";
    const uint8_t ctx[] = {1, 2, 3};
    struct {
        const uint8_t *ctx;
        size_t len;
        int use;
    } variants[] = {{ctx, 3, 1}, {nullptr, 0, 1}, {nullptr, 0, 0}};
    Bytes seen[3];
    for (int i = 0; i < 3; i++) {
        Bytes theirs(42), ours(42);
        ASSERT_EQ(SSL_export_keying_material(s.cli, theirs.data(), theirs.size(), label,
                                             sizeof(label) - 1, variants[i].ctx, variants[i].len,
                                             variants[i].use),
                  1);
        ASSERT_EQ(tls12_export(suite, ms.data(), cr.data(), sr.data(), label, sizeof(label) - 1,
                               variants[i].ctx, variants[i].len, variants[i].use, ours.data(),
                               ours.size()),
                  0);
        EXPECT_EQ(ours, theirs) << i;
        seen[i] = ours;
    }
    EXPECT_NE(seen[1], seen[2]);

    tls_rec_dir_clear(&srv_rd);
    tls_rec_dir_clear(&cli_rd);
    tls_rec_dir_clear(&srv_wr);
}

const SuiteCase kAeadSuites[] = {
    {"ECDHE-ECDSA-AES256-GCM-SHA384", 0xC02C, true},
    {"ECDHE-RSA-AES256-GCM-SHA384", 0xC030, false},
    {"DHE-RSA-AES256-GCM-SHA384", 0x009F, false},
    {"ECDHE-ECDSA-CHACHA20-POLY1305", 0xCCA9, true},
    {"ECDHE-RSA-CHACHA20-POLY1305", 0xCCA8, false},
    {"DHE-RSA-CHACHA20-POLY1305", 0xCCAA, false},
    {"ECDHE-ECDSA-AES128-GCM-SHA256", 0xC02B, true},
    {"ECDHE-RSA-AES128-GCM-SHA256", 0xC02F, false},
    {"DHE-RSA-AES128-GCM-SHA256", 0x009E, false},
    {"AES256-GCM-SHA384", 0x009D, false},
    {"AES128-GCM-SHA256", 0x009C, false},
};

const SuiteCase kCbcSuites[] = {
    {"ECDHE-ECDSA-AES256-SHA384", 0xC024, true},
    {"ECDHE-RSA-AES256-SHA384", 0xC028, false},
    {"DHE-RSA-AES256-SHA256", 0x006B, false},
    {"ECDHE-ECDSA-AES128-SHA256", 0xC023, true},
    {"ECDHE-RSA-AES128-SHA256", 0xC027, false},
    {"DHE-RSA-AES128-SHA256", 0x0067, false},
    {"ECDHE-ECDSA-AES256-SHA", 0xC00A, true},
    {"ECDHE-RSA-AES256-SHA", 0xC014, false},
    {"DHE-RSA-AES256-SHA", 0x0039, false},
    {"ECDHE-ECDSA-AES128-SHA", 0xC009, true},
    {"ECDHE-RSA-AES128-SHA", 0xC013, false},
    {"DHE-RSA-AES128-SHA", 0x0033, false},
    {"AES256-SHA256", 0x003D, false},
    {"AES128-SHA256", 0x003C, false},
    {"AES256-SHA", 0x0035, false},
    {"AES128-SHA", 0x002F, false},
};

std::string case_name(const ::testing::TestParamInfo<std::tuple<SuiteCase, bool, bool>> &info)
{
    std::string n = std::get<0>(info.param).name;
    for (auto &ch : n)
        if (ch == '-')
            ch = '_';
    const SuiteCase &sc = std::get<0>(info.param);
    n += std::get<1>(info.param) ? "_EMS" : "_noEMS";
    if (tls_suite_by_id(sc.id) != nullptr && !tls_suite_by_id(sc.id)->aead)
        n += std::get<2>(info.param) ? "_EtM" : "_MtE";
    return n;
}

INSTANTIATE_TEST_SUITE_P(Aead, Tls12Interop,
                         ::testing::Combine(::testing::ValuesIn(kAeadSuites), ::testing::Bool(),
                                            ::testing::Values(false)),
                         case_name);
// CBC: encrypt-then-MAC (OpenSSL's default) and MAC-then-encrypt.
INSTANTIATE_TEST_SUITE_P(Cbc, Tls12Interop,
                         ::testing::Combine(::testing::ValuesIn(kCbcSuites),
                                            ::testing::Values(true), ::testing::Bool()),
                         case_name);

} // namespace
