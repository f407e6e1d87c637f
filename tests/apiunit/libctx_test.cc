// Library contexts: SSL_CTX_new_ex(libctx, propq, method) takes every
// algorithm from that OSSL_LIB_CTX and property query, as OpenSSL 3.0's own
// test suite and FIPS-only applications need. The default context gets only
// the "null" provider here (as OpenSSL's sslapitest does), so a single
// stray fetch, random draw or key decode in the default context makes a
// handshake fail. A second context whose provider lacks ChaCha20-Poly1305
// and X25519 shows that what is fetched is per context: each negotiates
// what it has.
//
// Public API only: this file is also built against the system OpenSSL
// (libctx_test_openssl, label reference) and passes there, so what it
// expects is OpenSSL's behaviour.
#include <gtest/gtest.h>

#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/provider.h>
#include <openssl/ssl.h>

#include <unistd.h>

#include <cstring>
#include <map>
#include <string>
#include <strings.h>
#include <vector>

#include "testlib/ssl_pair.h"
#include "testlib/testlib.h"

namespace
{

// ---- the default context: null provider only ---------------------------------

OSSL_PROVIDER *null_in_default;

// Installed before any test runs (and so before anything could activate
// the default provider in the default context as a fallback).
class NullDefaultContext : public ::testing::Environment
{
  public:
    void SetUp() override { null_in_default = OSSL_PROVIDER_load(nullptr, "null"); }
    void TearDown() override { OSSL_PROVIDER_unload(null_in_default); }
};
const auto *const null_env = ::testing::AddGlobalTestEnvironment(new NullDefaultContext);

// ---- a provider that hides some of the default provider's algorithms ----------

// It answers every query with the default provider's algorithms (loaded in a
// private context) minus those named in hidden; the implementations run
// with the default provider's own provider context.
struct Filter {
    OSSL_LIB_CTX *inner = nullptr;
    OSSL_PROVIDER *deflt = nullptr;
    std::map<int, std::vector<OSSL_ALGORITHM>> kept;
};
Filter filter;
const char *const hidden[] = {"ChaCha20-Poly1305", "X25519"};

bool is_hidden(const char *names)
{
    // names: "X25519:1.3.101.110", "ChaCha20-Poly1305" ...
    std::string all(names);
    size_t start = 0;
    while (start <= all.size()) {
        size_t end = all.find(':', start);
        std::string one = all.substr(start, end == std::string::npos ? std::string::npos : end - start);
        for (const char *h : hidden)
            if (strcasecmp(one.c_str(), h) == 0)
                return true;
        if (end == std::string::npos)
            break;
        start = end + 1;
    }
    return false;
}

const OSSL_ALGORITHM *filter_query(void *, int op, int *no_cache)
{
    *no_cache = 0;
    auto it = filter.kept.find(op);
    if (it != filter.kept.end())
        return it->second.data();
    int nc = 0;
    const OSSL_ALGORITHM *all = OSSL_PROVIDER_query_operation(filter.deflt, op, &nc);
    std::vector<OSSL_ALGORITHM> v;
    for (const OSSL_ALGORITHM *a = all; a != nullptr && a->algorithm_names != nullptr; a++)
        if (!is_hidden(a->algorithm_names))
            v.push_back(*a);
    v.push_back(OSSL_ALGORITHM{nullptr, nullptr, nullptr, nullptr});
    return (filter.kept[op] = v).data();
}

struct CapArg {
    OSSL_CALLBACK *cb;
    void *arg;
};

int filter_cap_cb(const OSSL_PARAM params[], void *arg)
{
    auto *c = static_cast<CapArg *>(arg);
    for (const char *key : {OSSL_CAPABILITY_TLS_GROUP_NAME, OSSL_CAPABILITY_TLS_GROUP_NAME_INTERNAL}) {
        const OSSL_PARAM *p = OSSL_PARAM_locate_const(params, key);
        const char *name = nullptr;
        if (p != nullptr && OSSL_PARAM_get_utf8_string_ptr(p, &name) && is_hidden(name))
            return 1;
    }
    return c->cb(params, c->arg);
}

int filter_caps(void *, const char *capability, OSSL_CALLBACK *cb, void *arg)
{
    CapArg c{cb, arg};
    return OSSL_PROVIDER_get_capabilities(filter.deflt, capability, filter_cap_cb, &c);
}

void filter_teardown(void *) {}

const OSSL_DISPATCH filter_dispatch[] = {
    {OSSL_FUNC_PROVIDER_QUERY_OPERATION, (void (*)(void))filter_query},
    {OSSL_FUNC_PROVIDER_GET_CAPABILITIES, (void (*)(void))filter_caps},
    {OSSL_FUNC_PROVIDER_TEARDOWN, (void (*)(void))filter_teardown},
    {0, nullptr},
};

int filter_init(const OSSL_CORE_HANDLE *, const OSSL_DISPATCH *, const OSSL_DISPATCH **out,
                void **provctx)
{
    *out = filter_dispatch;
    *provctx = OSSL_PROVIDER_get0_provider_ctx(filter.deflt);
    return 1;
}

// ---- handshakes ------------------------------------------------------------------

struct Pair {
    SSL *c = nullptr, *s = nullptr;
    ~Pair()
    {
        if (c != nullptr)
            (void)SSL_shutdown(c);
        if (s != nullptr)
            (void)SSL_shutdown(s);
        SSL_free(c);
        SSL_free(s);
    }
};

std::string errors()
{
    std::string out;
    unsigned long e;
    char buf[256];
    while ((e = ERR_get_error()) != 0) {
        ERR_error_string_n(e, buf, sizeof(buf));
        out += std::string(buf) + "\n";
    }
    return out;
}

// A handshake over a BIO pair, then data from the server (it carries the
// TLS 1.3 tickets to the client).
bool connect_pair(Pair &p, SSL_CTX *cctx, SSL_CTX *sctx, SSL_SESSION *resume = nullptr)
{
    p.c = SSL_new(cctx);
    p.s = SSL_new(sctx);
    if (!shimtest::connect_pair(p.c, p.s))
        return false;
    if (SSL_set_tlsext_host_name(p.c, "localhost") != 1 || !SSL_set1_host(p.c, "localhost"))
        return false;
    if (resume != nullptr && SSL_set_session(p.c, resume) != 1)
        return false;
    if (!shimtest::handshake_pair(p.c, p.s, 200))
        return false;
    char buf[16];
    if (SSL_write(p.s, "ping", 4) != 4)
        return false;
    for (int i = 0; i < 10; i++) {
        int n = SSL_read(p.c, buf, sizeof(buf));
        if (n == 4)
            return memcmp(buf, "ping", 4) == 0;
        if (SSL_get_error(p.c, n) != SSL_ERROR_WANT_READ)
            return false;
    }
    return false;
}

class LibCtx : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        alarm(120);
        ASSERT_NE(null_in_default, nullptr) << errors();
        lib = OSSL_LIB_CTX_new();
        ASSERT_NE(lib, nullptr);
        deflt = OSSL_PROVIDER_load(lib, "default");
        ASSERT_NE(deflt, nullptr) << errors();
        // What makes the test meaningful: nothing works in the default context.
        EVP_MD *md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
        EXPECT_EQ(md, nullptr) << "the default context still has a usable provider";
        EVP_MD_free(md);
        ERR_clear_error();
    }
    void TearDown() override
    {
        OSSL_PROVIDER_unload(deflt);
        OSSL_LIB_CTX_free(lib);
        ERR_clear_error();
        alarm(0);
    }

    // A server with cert / key (tests/certs), a client trusting ca.pem that
    // verifies the server; both in library context l.
    void make_pair(OSSL_LIB_CTX *l, const char *cert, const char *key, SSL_CTX **cctx,
                   SSL_CTX **sctx, const char *propq = nullptr)
    {
        *sctx = SSL_CTX_new_ex(l, propq, TLS_server_method());
        *cctx = SSL_CTX_new_ex(l, propq, TLS_client_method());
        ASSERT_NE(*sctx, nullptr) << errors();
        ASSERT_NE(*cctx, nullptr) << errors();
        ASSERT_EQ(SSL_CTX_use_certificate_chain_file(*sctx, shimtest::cert(cert).c_str()), 1)
            << errors();
        ASSERT_EQ(SSL_CTX_use_PrivateKey_file(*sctx, shimtest::cert(key).c_str(), SSL_FILETYPE_PEM),
                  1)
            << errors();
        ASSERT_EQ(SSL_CTX_check_private_key(*sctx), 1) << errors();
        ASSERT_EQ(SSL_CTX_set_session_id_context(*sctx, (const unsigned char *)"libctx", 6), 1);
        ASSERT_EQ(SSL_CTX_load_verify_locations(*cctx, shimtest::cert("ca.pem").c_str(), nullptr),
                  1)
            << errors();
        SSL_CTX_set_verify(*cctx, SSL_VERIFY_PEER, nullptr);
    }

    OSSL_LIB_CTX *lib = nullptr;
    OSSL_PROVIDER *deflt = nullptr;
};

// As OpenSSL: a context in which no cipher suite can work makes no SSL_CTX.
TEST_F(LibCtx, NoSslCtxWhereNoSuiteWorks)
{
    ERR_clear_error();
    EXPECT_EQ(SSL_CTX_new(TLS_method()), nullptr);
    EXPECT_EQ(ERR_GET_REASON(ERR_peek_last_error()), SSL_R_LIBRARY_HAS_NO_CIPHERS);
    ERR_clear_error();

    // A property query nothing matches is the same.
    EXPECT_EQ(SSL_CTX_new_ex(lib, "provider=nosuchprovider", TLS_method()), nullptr);
    EXPECT_EQ(ERR_GET_REASON(ERR_peek_last_error()), SSL_R_LIBRARY_HAS_NO_CIPHERS);
    ERR_clear_error();

    // A library context without providers.
    OSSL_LIB_CTX *empty = OSSL_LIB_CTX_new();
    ASSERT_NE(empty, nullptr);
    OSSL_PROVIDER *null_p = OSSL_PROVIDER_load(empty, "null");
    EXPECT_EQ(SSL_CTX_new_ex(empty, nullptr, TLS_method()), nullptr);
    EXPECT_EQ(ERR_GET_REASON(ERR_peek_last_error()), SSL_R_LIBRARY_HAS_NO_CIPHERS);
    ERR_clear_error();
    OSSL_PROVIDER_unload(null_p);
    OSSL_LIB_CTX_free(empty);

    // The same property query that names the provider works.
    SSL_CTX *ok = SSL_CTX_new_ex(lib, "provider=default", TLS_method());
    EXPECT_NE(ok, nullptr) << errors();
    SSL_CTX_free(ok);
}

struct Case {
    const char *name;
    int version;
    const char *cert, *key;
    const char *cipher_list; // TLS 1.2 list, or nullptr
    const char *expect_cipher;
};

const Case cases[] = {
    {"Tls13Rsa", TLS1_3_VERSION, "server.pem", "server.key", nullptr, "TLS_AES_256_GCM_SHA384"},
    {"Tls13Ecdsa", TLS1_3_VERSION, "server-ec.pem", "server-ec.key", nullptr,
     "TLS_AES_256_GCM_SHA384"},
    {"Tls12EcdheRsa", TLS1_2_VERSION, "server.pem", "server.key", nullptr,
     "ECDHE-RSA-AES256-GCM-SHA384"},
    {"Tls12EcdheEcdsa", TLS1_2_VERSION, "server-ec.pem", "server-ec.key", nullptr,
     "ECDHE-ECDSA-AES256-GCM-SHA384"},
    {"Tls12EcdheRsaCbc", TLS1_2_VERSION, "server.pem", "server.key", "ECDHE-RSA-AES128-SHA256",
     "ECDHE-RSA-AES128-SHA256"},
    {"Tls12Dhe", TLS1_2_VERSION, "server.pem", "server.key", "DHE-RSA-AES128-GCM-SHA256",
     "DHE-RSA-AES128-GCM-SHA256"},
    {"Tls12RsaKeyTransport", TLS1_2_VERSION, "server.pem", "server.key", "AES128-GCM-SHA256",
     "AES128-GCM-SHA256"},
};

// Full handshake with certificate verification, then resumption with the
// ticket it gave, every piece in the library context.
TEST_F(LibCtx, HandshakeAndTicketResumptionInTheLibraryContext)
{
    for (const Case &k : cases) {
        SCOPED_TRACE(k.name);
        SSL_CTX *cctx = nullptr, *sctx = nullptr;
        make_pair(lib, k.cert, k.key, &cctx, &sctx);
        if (HasFatalFailure())
            return;
        ASSERT_EQ(SSL_CTX_set_max_proto_version(cctx, k.version), 1);
        if (k.cipher_list != nullptr) {
            ASSERT_EQ(SSL_CTX_set_cipher_list(cctx, k.cipher_list), 1) << errors();
            ASSERT_EQ(SSL_CTX_set_cipher_list(sctx, k.cipher_list), 1) << errors();
        }
        ASSERT_EQ(SSL_CTX_set_dh_auto(sctx, 1), 1);
        SSL_SESSION *ss = nullptr;
        {
            Pair p;
            ASSERT_TRUE(connect_pair(p, cctx, sctx)) << errors();
            EXPECT_EQ(SSL_version(p.c), k.version);
            EXPECT_STREQ(SSL_CIPHER_get_name(SSL_get_current_cipher(p.c)), k.expect_cipher);
            EXPECT_EQ(SSL_get_verify_result(p.c), X509_V_OK);
            EXPECT_NE(SSL_get0_peer_certificate(p.c), nullptr);
            EXPECT_EQ(SSL_session_reused(p.c), 0);
            ss = SSL_get1_session(p.c);
        }
        ASSERT_NE(ss, nullptr);
        EXPECT_EQ(SSL_SESSION_has_ticket(ss), 1);
        {
            Pair p;
            ASSERT_TRUE(connect_pair(p, cctx, sctx, ss)) << errors();
            EXPECT_EQ(SSL_session_reused(p.c), 1);
            EXPECT_EQ(SSL_session_reused(p.s), 1);
            EXPECT_STREQ(SSL_CIPHER_get_name(SSL_get_current_cipher(p.c)), k.expect_cipher);
        }
        SSL_SESSION_free(ss);
        SSL_CTX_free(cctx);
        SSL_CTX_free(sctx);
        EXPECT_EQ(ERR_peek_error(), 0u) << errors();
    }
}

// Two library contexts side by side, one of which lacks ChaCha20-Poly1305
// and X25519: each side offers and accepts only what its own context has,
// so the fetched algorithms are per context, not per process.
TEST_F(LibCtx, EachContextNegotiatesWhatItHas)
{
    filter.inner = OSSL_LIB_CTX_new();
    ASSERT_NE(filter.inner, nullptr);
    filter.deflt = OSSL_PROVIDER_load(filter.inner, "default");
    ASSERT_NE(filter.deflt, nullptr);
    OSSL_LIB_CTX *thin = OSSL_LIB_CTX_new();
    ASSERT_NE(thin, nullptr);
    ASSERT_EQ(OSSL_PROVIDER_add_builtin(thin, "filter", filter_init), 1);
    OSSL_PROVIDER *fp = OSSL_PROVIDER_load(thin, "filter");
    ASSERT_NE(fp, nullptr) << errors();
    EVP_CIPHER *chacha = EVP_CIPHER_fetch(thin, "ChaCha20-Poly1305", nullptr);
    EXPECT_EQ(chacha, nullptr);
    EVP_CIPHER_free(chacha);
    ERR_clear_error();

    SSL_CTX *full_c = nullptr, *full_s = nullptr, *thin_c = nullptr, *thin_s = nullptr;
    make_pair(lib, "server.pem", "server.key", &full_c, &full_s);
    make_pair(thin, "server.pem", "server.key", &thin_c, &thin_s);
    if (!HasFatalFailure()) {
        const char *suites = "TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256";
        for (SSL_CTX *c : {full_c, full_s, thin_c, thin_s})
            ASSERT_EQ(SSL_CTX_set_ciphersuites(c, suites), 1);
        struct {
            SSL_CTX *c, *s;
            const char *cipher;
            int group;
        } runs[] = {
            {full_c, full_s, "TLS_CHACHA20_POLY1305_SHA256", NID_X25519},
            {full_c, thin_s, "TLS_AES_128_GCM_SHA256", NID_X9_62_prime256v1},
            {thin_c, full_s, "TLS_AES_128_GCM_SHA256", NID_X9_62_prime256v1},
            {thin_c, thin_s, "TLS_AES_128_GCM_SHA256", NID_X9_62_prime256v1},
        };
        for (auto &r : runs) {
            SCOPED_TRACE(std::string(r.c == full_c ? "full" : "thin") + " client, " +
                         (r.s == full_s ? "full" : "thin") + " server");
            Pair p;
            ASSERT_TRUE(connect_pair(p, r.c, r.s)) << errors();
            EXPECT_STREQ(SSL_CIPHER_get_name(SSL_get_current_cipher(p.c)), r.cipher);
            EXPECT_EQ(SSL_get_negotiated_group(p.c), r.group);
            EXPECT_EQ(SSL_get_negotiated_group(p.s), r.group);
        }
        // TLS 1.2: the thin server cannot pick ChaCha20 either.
        for (SSL_CTX *c : {full_c, thin_s})
            ASSERT_EQ(SSL_CTX_set_cipher_list(
                          c, "ECDHE-RSA-CHACHA20-POLY1305:ECDHE-RSA-AES128-GCM-SHA256"),
                      1);
        ASSERT_EQ(SSL_CTX_set_max_proto_version(full_c, TLS1_2_VERSION), 1);
        {
            Pair p;
            ASSERT_TRUE(connect_pair(p, full_c, full_s)) << errors();
            EXPECT_STREQ(SSL_CIPHER_get_name(SSL_get_current_cipher(p.c)),
                         "ECDHE-RSA-CHACHA20-POLY1305");
        }
        {
            Pair p;
            ASSERT_TRUE(connect_pair(p, full_c, thin_s)) << errors();
            EXPECT_STREQ(SSL_CIPHER_get_name(SSL_get_current_cipher(p.c)),
                         "ECDHE-RSA-AES128-GCM-SHA256");
            EXPECT_EQ(SSL_get_negotiated_group(p.s), NID_X9_62_prime256v1);
        }
    }
    for (SSL_CTX *c : {full_c, full_s, thin_c, thin_s})
        SSL_CTX_free(c);
    OSSL_PROVIDER_unload(fp);
    OSSL_LIB_CTX_free(thin);
    filter.kept.clear();
    OSSL_PROVIDER_unload(filter.deflt);
    OSSL_LIB_CTX_free(filter.inner);
    filter = Filter();
}

} // namespace
