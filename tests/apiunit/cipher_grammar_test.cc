// The cipher-string language as OpenSSL 3.0 tokenises it ("DEFAULT@SECLEVEL=1",
// "ECDHE@SECLEVEL=1", @STRENGTH where it stands, what fails and what a
// failing string leaves behind), empty TLS 1.3 suite lists, signature
// algorithm lists in every form OpenSSL accepts, and SSL_bytes_to_cipher_list.
//
// Public API only: built against ShimSSL and, as cipher_grammar_test_openssl,
// against the system OpenSSL. Expectations are either OpenSSL's documented
// behaviour or the equivalence of two spellings on the same library.
#include <gtest/gtest.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <string>
#include <thread>
#include <vector>

#include "testlib/ssl_pair.h"
#include "testlib/testlib.h"

namespace
{

std::vector<std::string> names(const STACK_OF(SSL_CIPHER) * sk)
{
    std::vector<std::string> v;
    for (int i = 0; i < sk_SSL_CIPHER_num(sk); i++)
        v.push_back(SSL_CIPHER_get_name(sk_SSL_CIPHER_value(sk, i)));
    return v;
}

struct Result {
    int rc;
    std::vector<std::string> list;
    int seclevel;
    unsigned long err;
};

Result set_list(const char *str)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_method());
    ERR_clear_error();
    Result r;
    r.rc = SSL_CTX_set_cipher_list(ctx, str);
    r.err = ERR_GET_REASON(ERR_peek_last_error());
    r.list = names(SSL_CTX_get_ciphers(ctx));
    r.seclevel = SSL_CTX_get_security_level(ctx);
    SSL_CTX_free(ctx);
    ERR_clear_error();
    return r;
}

TEST(CipherGrammar, AtCommandsNeedNoSeparator)
{
    Result a = set_list("DEFAULT@SECLEVEL=1");
    Result b = set_list("DEFAULT:@SECLEVEL=1");
    Result d = set_list("DEFAULT");
    EXPECT_EQ(a.rc, 1);
    EXPECT_EQ(a.seclevel, 1);
    EXPECT_EQ(a.list, b.list);
    EXPECT_EQ(a.list, d.list);

    Result e = set_list("ECDHE@SECLEVEL=1");
    Result f = set_list("ECDHE:@SECLEVEL=1");
    EXPECT_EQ(e.rc, 1);
    EXPECT_EQ(e.seclevel, 1);
    EXPECT_EQ(e.list, f.list);
    EXPECT_LT(e.list.size(), d.list.size());

    // After an @command the rest of the rule is skipped: the second @ too.
    Result g = set_list("ECDHE+AESGCM@STRENGTH@SECLEVEL=0");
    Result h = set_list("ECDHE+AESGCM:@STRENGTH");
    EXPECT_EQ(g.rc, 1);
    EXPECT_EQ(g.seclevel, 2);
    EXPECT_EQ(g.list, h.list);
}

TEST(CipherGrammar, UnknownWordDropsTheRestOfItsRule)
{
    // The @SECLEVEL glued to an unknown word is skipped with it.
    Result a = set_list("NOSUCH@SECLEVEL=1:ECDHE");
    EXPECT_EQ(a.rc, 1);
    EXPECT_EQ(a.seclevel, 2);
    EXPECT_EQ(a.list, set_list("ECDHE").list);
    // "DEFAULTX": DEFAULT's list, then the unknown word X.
    Result b = set_list("DEFAULTX");
    EXPECT_EQ(b.rc, 1);
    EXPECT_EQ(b.list, set_list("DEFAULT").list);
}

TEST(CipherGrammar, Errors)
{
    // An operator without a word: SSL_R_INVALID_COMMAND, list unchanged.
    std::vector<std::string> dflt = set_list("DEFAULT").list;
    for (const char *bad : {"!", "ECDHE:-", "@", "ECDHE:_x", "@:ECDHE"}) {
        Result r = set_list(bad);
        EXPECT_EQ(r.rc, 0) << bad;
        EXPECT_EQ(r.err, (unsigned long)SSL_R_INVALID_COMMAND) << bad;
        EXPECT_EQ(r.list, dflt) << bad;
    }
    // Bad @commands fail the string, the level already set stays set.
    for (const char *bad :
         {"ECDHE:@SECLEVEL=6", "ECDHE:@SECLEVEL=10", "ECDHE:@NOSUCH", "ECDHE:@STRENGTHS"}) {
        Result r = set_list(bad);
        EXPECT_EQ(r.rc, 0) << bad;
        EXPECT_EQ(r.err, (unsigned long)SSL_R_INVALID_COMMAND) << bad;
    }
    Result lvl = set_list("@SECLEVEL=1:@SECLEVEL=9");
    EXPECT_EQ(lvl.rc, 0);
    EXPECT_EQ(lvl.seclevel, 1);
    // Nothing of TLS <= 1.2 selected: SSL_R_NO_CIPHER_MATCH, and the list
    // is replaced all the same (only the TLS 1.3 suites are left).
    Result none = set_list("NOSUCH@SECLEVEL=0");
    EXPECT_EQ(none.rc, 0);
    EXPECT_EQ(none.err, (unsigned long)SSL_R_NO_CIPHER_MATCH);
    EXPECT_EQ(none.list,
              (std::vector<std::string>{"TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
                                        "TLS_AES_128_GCM_SHA256"}));
    Result lvl0 = set_list("@SECLEVEL=0");
    EXPECT_EQ(lvl0.rc, 0);
    EXPECT_EQ(lvl0.seclevel, 0);
}

TEST(CipherGrammar, StrengthSortsWhereItStands)
{
    // Sorted, then extended: the suites added after @STRENGTH stay behind.
    Result a = set_list("AES128-SHA:AES256-SHA:@STRENGTH:AES128-GCM-SHA256");
    EXPECT_EQ(a.list,
              (std::vector<std::string>{"TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
                                        "TLS_AES_128_GCM_SHA256", "AES256-SHA", "AES128-SHA",
                                        "AES128-GCM-SHA256"}));
    // Suites taken out before the sort come back in their original place
    // relative to each other.
    Result b = set_list("AES128-SHA:AES256-SHA:-AES128-SHA:@STRENGTH:ALL+kRSA+SHA1");
    Result c = set_list("AES256-SHA:AES128-SHA:-AES128-SHA:@STRENGTH:ALL+kRSA+SHA1");
    EXPECT_EQ(b.rc, 1);
    EXPECT_EQ(b.list, c.list);
    EXPECT_EQ(b.list[3], "AES256-SHA");
    EXPECT_EQ(b.list[4], "AES128-SHA");
}

// --- TLS 1.3 enabled with no TLS 1.3 suite -----------------------------------

SSL_CTX *server_ctx()
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    EXPECT_EQ(SSL_CTX_use_certificate_chain_file(ctx, shimtest::cert("server.pem").c_str()), 1);
    EXPECT_EQ(
        SSL_CTX_use_PrivateKey_file(ctx, shimtest::cert("server.key").c_str(), SSL_FILETYPE_PEM),
        1);
    return ctx;
}

// Runs a handshake over a BIO pair; returns the negotiated version or 0,
// and the last ERR reason of each side.
int handshake(SSL_CTX *cctx, SSL_CTX *sctx, int *cerr, int *serr)
{
    SSL *c = SSL_new(cctx), *s = SSL_new(sctx);
    BIO *a, *b;
    BIO_new_bio_pair(&a, 0, &b, 0);
    SSL_set_bio(c, a, a);
    SSL_set_bio(s, b, b);
    SSL_set_connect_state(c);
    SSL_set_accept_state(s);
    int rc = 0, rs = 0, version = 0;
    *cerr = *serr = 0;
    for (int i = 0; i < 50 && (rc != 1 || rs != 1); i++) {
        if (rc != 1) {
            ERR_clear_error();
            rc = SSL_do_handshake(c);
            if (rc <= 0 && SSL_get_error(c, rc) == SSL_ERROR_SSL) {
                *cerr = ERR_GET_REASON(ERR_peek_last_error());
                break;
            }
        }
        if (rs != 1) {
            ERR_clear_error();
            rs = SSL_do_handshake(s);
            if (rs <= 0 && SSL_get_error(s, rs) == SSL_ERROR_SSL) {
                *serr = ERR_GET_REASON(ERR_peek_last_error());
                break;
            }
        }
    }
    if (rc == 1 && rs == 1)
        version = SSL_version(c);
    ERR_clear_error();
    SSL_free(c);
    SSL_free(s);
    return version;
}

TEST(EmptyCiphersuites, SetterAcceptsEmptyAndListHasNoTls13Suite)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_method());
    EXPECT_EQ(SSL_CTX_set_ciphersuites(ctx, ""), 1);
    for (const std::string &n : names(SSL_CTX_get_ciphers(ctx)))
        EXPECT_NE(n.rfind("TLS_", 0), 0u) << n;
    // A list naming no known suite is refused.
    EXPECT_EQ(SSL_CTX_set_ciphersuites(ctx, "TLS_NO_SUCH_SUITE"), 0);
    EXPECT_EQ(SSL_CTX_set_ciphersuites(ctx, "TLS_NO_SUCH:TLS_AES_128_GCM_SHA256"), 1);
    SSL_CTX_free(ctx);
}

// An endpoint whose highest enabled version has no suite fails with
// SSL_R_NO_CIPHERS_AVAILABLE: the client before it sends its ClientHello,
// the server as its handshake starts. Capping the version at TLS 1.2 makes
// the same configuration work.
TEST(EmptyCiphersuites, ClientWithoutTls13SuitesFailsUnlessCapped)
{
    SSL_CTX *cctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX *sctx = server_ctx();
    ASSERT_EQ(SSL_CTX_set_ciphersuites(cctx, ""), 1);
    int ce, se;
    EXPECT_EQ(handshake(cctx, sctx, &ce, &se), 0);
    EXPECT_EQ(ce, SSL_R_NO_CIPHERS_AVAILABLE);
    ASSERT_EQ(SSL_CTX_set_max_proto_version(cctx, TLS1_2_VERSION), 1);
    EXPECT_EQ(handshake(cctx, sctx, &ce, &se), TLS1_2_VERSION) << ce << " " << se;
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
}

TEST(EmptyCiphersuites, ServerWithoutTls13SuitesFailsUnlessCapped)
{
    SSL_CTX *cctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX *sctx = server_ctx();
    ASSERT_EQ(SSL_CTX_set_ciphersuites(sctx, ""), 1);
    int ce, se;
    EXPECT_EQ(handshake(cctx, sctx, &ce, &se), 0);
    EXPECT_EQ(se, SSL_R_NO_CIPHERS_AVAILABLE);
    SSL_CTX_set_options(sctx, SSL_OP_NO_TLSv1_3);
    EXPECT_EQ(handshake(cctx, sctx, &ce, &se), TLS1_2_VERSION) << ce << " " << se;
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
}

// The other way round: TLS 1.2 at most, and a cipher string that left only
// the TLS 1.3 suites.
TEST(EmptyCiphersuites, Tls12MaxWithOnlyTls13SuitesFails)
{
    SSL_CTX *cctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX *sctx = server_ctx();
    EXPECT_EQ(SSL_CTX_set_cipher_list(cctx, "NOSUCH"), 0);
    ASSERT_EQ(SSL_CTX_set_max_proto_version(cctx, TLS1_2_VERSION), 1);
    int ce, se;
    EXPECT_EQ(handshake(cctx, sctx, &ce, &se), 0);
    EXPECT_EQ(ce, SSL_R_NO_CIPHERS_AVAILABLE);
    // Without the cap it is TLS 1.3.
    ASSERT_EQ(SSL_CTX_set_max_proto_version(cctx, 0), 1);
    EXPECT_EQ(handshake(cctx, sctx, &ce, &se), TLS1_3_VERSION) << ce << " " << se;
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
}

// --- PrioritizeChaCha ------------------------------------------------------------

// The suite a server configured with `opts` picks for a client offering
// `client13` / `client12` (TLS 1.2 only when max12 is set on the server).
std::string picked(const char *server13, const char *server12, uint64_t opts, const char *client13,
                   const char *client12, bool max12)
{
    SSL_CTX *cctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX *sctx = server_ctx();
    EXPECT_EQ(SSL_CTX_set_ciphersuites(sctx, server13), 1);
    EXPECT_EQ(SSL_CTX_set_cipher_list(sctx, server12), 1);
    SSL_CTX_set_options(sctx, opts);
    if (max12) {
        EXPECT_EQ(SSL_CTX_set_max_proto_version(sctx, TLS1_2_VERSION), 1);
    }
    EXPECT_EQ(SSL_CTX_set_ciphersuites(cctx, client13), 1);
    EXPECT_EQ(SSL_CTX_set_cipher_list(cctx, client12), 1);
    SSL *c = SSL_new(cctx), *s = SSL_new(sctx);
    shimtest::connect_pair(c, s);
    std::string name = shimtest::handshake_pair(c, s, 50) ? SSL_get_cipher_name(s) : "(failed)";
    SSL_free(c);
    SSL_free(s);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    return name;
}

const char kServer13[] =
    "TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256";
const char kServer12[] =
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-CHACHA20-POLY1305";
const uint64_t kPref = SSL_OP_CIPHER_SERVER_PREFERENCE;
const uint64_t kPrefChaCha = SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_PRIORITIZE_CHACHA;

TEST(PrioritizeChaCha, Tls13)
{
    const char *chacha_first = "TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256";
    const char *aes_first = "TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256";
    EXPECT_EQ(picked(kServer13, kServer12, kPref, chacha_first, "ALL", false),
              "TLS_AES_128_GCM_SHA256");
    EXPECT_EQ(picked(kServer13, kServer12, kPrefChaCha, chacha_first, "ALL", false),
              "TLS_CHACHA20_POLY1305_SHA256");
    EXPECT_EQ(picked(kServer13, kServer12, kPrefChaCha, aes_first, "ALL", false),
              "TLS_AES_128_GCM_SHA256");
    // Without ServerPreference the client's order decides anyway.
    EXPECT_EQ(picked(kServer13, kServer12, SSL_OP_PRIORITIZE_CHACHA, aes_first, "ALL", false),
              "TLS_AES_128_GCM_SHA256");
}

TEST(PrioritizeChaCha, Tls12)
{
    const char *chacha_first = "ECDHE-RSA-CHACHA20-POLY1305:ECDHE-RSA-AES128-GCM-SHA256";
    const char *aes_first = "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-CHACHA20-POLY1305";
    const char *t13 = "TLS_AES_128_GCM_SHA256";
    EXPECT_EQ(picked(kServer13, kServer12, kPref, t13, chacha_first, true),
              "ECDHE-RSA-AES128-GCM-SHA256");
    // The client's list starts with its TLS 1.3 suites: AES first, no change.
    EXPECT_EQ(picked(kServer13, kServer12, kPrefChaCha, t13, chacha_first, true),
              "ECDHE-RSA-AES128-GCM-SHA256");
    // ... a ChaCha20 TLS 1.3 suite first: the TLS 1.2 ChaCha20 suite wins.
    EXPECT_EQ(
        picked(kServer13, kServer12, kPrefChaCha, "TLS_CHACHA20_POLY1305_SHA256", aes_first, true),
        "ECDHE-RSA-CHACHA20-POLY1305");
    EXPECT_EQ(picked(kServer13, kServer12, kPrefChaCha, "TLS_CHACHA20_POLY1305_SHA256",
                     chacha_first, true),
              "ECDHE-RSA-CHACHA20-POLY1305");
}

// The system's `openssl s_client` leading with ChaCha20 against our server
// (ServerPreference, PrioritizeChaCha set through SSL_CONF) on a loopback
// socket.
void serve_once(SSL_CTX *sctx, int lfd)
{
    int fd = accept(lfd, nullptr, nullptr);
    if (fd < 0)
        return;
    SSL *s = SSL_new(sctx);
    SSL_set_fd(s, fd);
    if (SSL_accept(s) == 1) {
        char buf[64];
        int n = SSL_read(s, buf, sizeof(buf));
        if (n > 0)
            SSL_write(s, buf, n);
        SSL_shutdown(s);
    }
    SSL_free(s);
    close(fd);
}

std::string s_client_output(SSL_CTX *sctx, const std::vector<std::string> &args)
{
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(bind(lfd, (sockaddr *)&a, sizeof(a)), 0);
    EXPECT_EQ(listen(lfd, 4), 0);
    timeval tv{20, 0};
    setsockopt(lfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)); // accept gives up
    socklen_t al = sizeof(a);
    getsockname(lfd, (sockaddr *)&a, &al);
    std::thread t(serve_once, sctx, lfd);
    std::vector<std::string> argv = {"openssl", "s_client", "-connect",
                                     "127.0.0.1:" + std::to_string(ntohs(a.sin_port)), "-ign_eof"};
    argv.insert(argv.end(), args.begin(), args.end());
    shimtest::RunOptions opt;
    opt.stdin_data = "hello\n";
    opt.timeout_ms = 20000;
    shimtest::RunResult r = shimtest::run(argv, opt);
    t.join();
    close(lfd);
    return r.out + r.err;
}

TEST(PrioritizeChaCha, SystemOpenSslClient)
{
    SSL_CTX *sctx = server_ctx();
    SSL_CONF_CTX *cc = SSL_CONF_CTX_new();
    SSL_CONF_CTX_set_flags(cc, SSL_CONF_FLAG_FILE | SSL_CONF_FLAG_SERVER);
    SSL_CONF_CTX_set_ssl_ctx(cc, sctx);
    ASSERT_EQ(SSL_CONF_cmd(cc, "Ciphersuites", kServer13), 2);
    ASSERT_EQ(SSL_CONF_cmd(cc, "CipherString", kServer12), 2);
    ASSERT_EQ(SSL_CONF_cmd(cc, "Options", "ServerPreference,PrioritizeChaCha"), 2);
    SSL_CONF_CTX_free(cc);
    std::string out = s_client_output(
        sctx, {"-ciphersuites", "TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256"});
    EXPECT_NE(out.find("Cipher is TLS_CHACHA20_POLY1305_SHA256"), std::string::npos) << out;
    out = s_client_output(
        sctx, {"-tls1_2", "-cipher", "ECDHE-RSA-CHACHA20-POLY1305:ECDHE-RSA-AES128-GCM-SHA256"});
    EXPECT_NE(out.find("Cipher is ECDHE-RSA-CHACHA20-POLY1305"), std::string::npos) << out;
    // Leading with AES: the server's order.
    out = s_client_output(
        sctx, {"-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-CHACHA20-POLY1305"});
    EXPECT_NE(out.find("Cipher is ECDHE-RSA-AES128-GCM-SHA256"), std::string::npos) << out;
    SSL_CTX_free(sctx);
}

// --- signature algorithm lists -------------------------------------------------

TEST(SigalgsList, EveryFormOpenSslAccepts)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_method());
    for (const char *ok :
         {"RSA+SHA256", "SHA256+RSA", "ECDSA+SHA256", "SHA384+ECDSA", "RSA-PSS+SHA256",
          "PSS+SHA384", "SHA512+RSA-PSS", "rsa_pss_rsae_sha256", "rsa_pss_pss_sha256",
          "ecdsa_secp256r1_sha256", "ed25519", "ed448", "rsa_pkcs1_sha1", "RSA+SHA1", "ECDSA+SHA1",
          "RSA+sha256", "rsa_pkcs1_sha256:ECDSA+SHA256:ed25519", " RSA+SHA256 : ECDSA+SHA256 "}) {
        EXPECT_EQ(SSL_CTX_set1_sigalgs_list(ctx, ok), 1) << ok;
        EXPECT_EQ(SSL_CTX_set1_client_sigalgs_list(ctx, ok), 1) << ok;
    }
    for (const char *bad :
         {"rsa+sha256", "RSA+", "+SHA256", "RSA+RSA", "SHA256+SHA384", "RSA_PSS+SHA256",
          "RSA+SHA256,ECDSA+SHA256", "RSA+SHA256:RSA+SHA256", "rsa_pkcs1_sha256:RSA+SHA256",
          "ecdsa_sha1", "ED25519", "ed25519+SHA256", "", "RSA+SHA256::ed25519", "no_such_scheme"}) {
        EXPECT_EQ(SSL_CTX_set1_sigalgs_list(ctx, bad), 0) << bad;
    }
    SSL_CTX_free(ctx);
}

// The configured list is what the server signs with: a client limited to
// "SHA384+RSA-PSS" gets an RSA-PSS SHA-384 signature.
TEST(SigalgsList, HashFirstFormIsHonoured)
{
    SSL_CTX *cctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX *sctx = server_ctx();
    ASSERT_EQ(SSL_CTX_set1_sigalgs_list(cctx, "SHA384+RSA-PSS"), 1);
    SSL *c = SSL_new(cctx), *s = SSL_new(sctx);
    shimtest::connect_pair(c, s);
    int rc = 0;
    shimtest::handshake_pair(c, s, 50, &rc);
    ASSERT_EQ(rc, 1);
    int nid = 0;
    EXPECT_EQ(SSL_get_peer_signature_nid(c, &nid), 1);
    EXPECT_EQ(nid, NID_sha384);
    int type = 0;
    EXPECT_EQ(SSL_get_peer_signature_type_nid(c, &type), 1);
    EXPECT_EQ(type, EVP_PKEY_RSA_PSS);
    SSL_free(c);
    SSL_free(s);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
}

// --- SSL_bytes_to_cipher_list --------------------------------------------------

TEST(BytesToCipherList, SuitesAndScsvs)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_method());
    SSL *s = SSL_new(ctx);
    const unsigned char bytes[] = {0x13, 0x01, 0xc0, 0x2f, 0x0a, 0x0a, 0x00,
                                   0xff, 0x56, 0x00, 0x00, 0x9c, 0xcc, 0xa8};
    STACK_OF(SSL_CIPHER) *sk = nullptr, *scsvs = nullptr;
    ASSERT_EQ(SSL_bytes_to_cipher_list(s, bytes, sizeof(bytes), 0, &sk, &scsvs), 1);
    EXPECT_EQ(names(sk),
              (std::vector<std::string>{"TLS_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
                                        "AES128-GCM-SHA256", "ECDHE-RSA-CHACHA20-POLY1305"}));
    EXPECT_EQ(names(scsvs),
              (std::vector<std::string>{"TLS_EMPTY_RENEGOTIATION_INFO_SCSV", "TLS_FALLBACK_SCSV"}));
    const SSL_CIPHER *scsv = sk_SSL_CIPHER_value(scsvs, 0);
    EXPECT_EQ(SSL_CIPHER_get_protocol_id(scsv), 0x00ff);
    EXPECT_EQ(SSL_CIPHER_get_id(scsv), 0x030000ffu);
    EXPECT_EQ(SSL_CIPHER_find(s, bytes + 6), scsv);
    // What OpenSSL's SCSV objects report.
    char buf[128];
    EXPECT_STREQ(SSL_CIPHER_description(scsv, buf, sizeof(buf)),
                 "TLS_EMPTY_RENEGOTIATION_INFO_SCSV unknown Kx=any      Au=any   Enc=unknown      "
                 "          Mac=unknown\n");
    EXPECT_STREQ(SSL_CIPHER_get_version(scsv), "unknown");
    EXPECT_EQ(SSL_CIPHER_get_bits(scsv, nullptr), 0);
    EXPECT_EQ(SSL_CIPHER_get_kx_nid(scsv), NID_kx_any);
    EXPECT_EQ(SSL_CIPHER_get_auth_nid(scsv), NID_auth_any);
    EXPECT_EQ(SSL_CIPHER_get_cipher_nid(scsv), NID_undef);
    EXPECT_EQ(SSL_CIPHER_get_digest_nid(scsv), NID_md5_sha1);
    EXPECT_EQ(SSL_CIPHER_is_aead(scsv), 0);
    EXPECT_STREQ(SSL_CIPHER_get_name(sk_SSL_CIPHER_value(scsvs, 1)), "TLS_FALLBACK_SCSV");
    sk_SSL_CIPHER_free(sk);
    sk_SSL_CIPHER_free(scsvs);

    // Either output may be NULL.
    ASSERT_EQ(SSL_bytes_to_cipher_list(s, bytes, sizeof(bytes), 0, nullptr, nullptr), 1);

    // SSLv2 format: 3 bytes each, only those with a zero first byte count.
    const unsigned char v2[] = {0x00, 0x13, 0x02, 0x01, 0x00, 0x80, 0x00, 0x00, 0xff};
    ASSERT_EQ(SSL_bytes_to_cipher_list(s, v2, sizeof(v2), 1, &sk, &scsvs), 1);
    EXPECT_EQ(names(sk), (std::vector<std::string>{"TLS_AES_256_GCM_SHA384"}));
    EXPECT_EQ(names(scsvs), (std::vector<std::string>{"TLS_EMPTY_RENEGOTIATION_INFO_SCSV"}));
    sk_SSL_CIPHER_free(sk);
    sk_SSL_CIPHER_free(scsvs);

    // Errors: empty, a length that is not a multiple of the entry size.
    ERR_clear_error();
    EXPECT_EQ(SSL_bytes_to_cipher_list(s, bytes, 0, 0, &sk, &scsvs), 0);
    EXPECT_EQ(ERR_GET_REASON(ERR_peek_last_error()), SSL_R_NO_CIPHERS_SPECIFIED);
    EXPECT_EQ(SSL_bytes_to_cipher_list(s, bytes, 3, 0, &sk, &scsvs), 0);
    EXPECT_EQ(ERR_GET_REASON(ERR_peek_last_error()), SSL_R_ERROR_IN_RECEIVED_CIPHER_LIST);
    EXPECT_EQ(SSL_bytes_to_cipher_list(s, v2, 4, 1, &sk, &scsvs), 0);
    EXPECT_EQ(ERR_GET_REASON(ERR_peek_last_error()), SSL_R_ERROR_IN_RECEIVED_CIPHER_LIST);
    ERR_clear_error();
    SSL_free(s);
    SSL_CTX_free(ctx);
}

// Every two-byte value: what SSL_bytes_to_cipher_list knows is what
// SSL_CIPHER_find knows, and every suite the cipher-string language can
// select ("ALL:COMPLEMENTOFALL") is among them.
TEST(BytesToCipherList, AgreesWithCipherFindOverAllIds)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_method());
    SSL *s = SSL_new(ctx);
    int known = 0;
    for (unsigned id = 0; id <= 0xffff; id++) {
        unsigned char b[2] = {(unsigned char)(id >> 8), (unsigned char)id};
        STACK_OF(SSL_CIPHER) *sk = nullptr, *scsvs = nullptr;
        ASSERT_EQ(SSL_bytes_to_cipher_list(s, b, 2, 0, &sk, &scsvs), 1);
        const SSL_CIPHER *found = SSL_CIPHER_find(s, b);
        int n = sk_SSL_CIPHER_num(sk) + sk_SSL_CIPHER_num(scsvs);
        EXPECT_EQ(n, found != nullptr ? 1 : 0) << std::hex << id;
        if (n == 1) {
            const SSL_CIPHER *c = sk_SSL_CIPHER_num(sk) == 1 ? sk_SSL_CIPHER_value(sk, 0)
                                                             : sk_SSL_CIPHER_value(scsvs, 0);
            EXPECT_EQ(c, found);
            EXPECT_EQ(SSL_CIPHER_get_protocol_id(c), id);
            known++;
        }
        sk_SSL_CIPHER_free(sk);
        sk_SSL_CIPHER_free(scsvs);
    }
    ASSERT_EQ(SSL_set_cipher_list(s, "ALL:COMPLEMENTOFALL:@SECLEVEL=0"), 1);
    STACK_OF(SSL_CIPHER) *all = SSL_get_ciphers(s);
    for (int i = 0; i < sk_SSL_CIPHER_num(all); i++) {
        uint16_t id = SSL_CIPHER_get_protocol_id(sk_SSL_CIPHER_value(all, i));
        unsigned char b[2] = {(unsigned char)(id >> 8), (unsigned char)id};
        EXPECT_NE(SSL_CIPHER_find(s, b), nullptr) << std::hex << id;
    }
    EXPECT_GE(known, sk_SSL_CIPHER_num(all) + 2);
    SSL_free(s);
    SSL_CTX_free(ctx);
}

} // namespace
