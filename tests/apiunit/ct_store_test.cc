// The SSL_CTX's store of Certificate Transparency logs: loading a log list
// file (SSL_CTX_set_ctlog_list_file, SSL_CTX_set_default_ctlog_list_file
// with $CTLOG_FILE), replacing the store. OpenSSL's ssl_test loads the
// default list for every SSL_CTX it makes. Built against ShimSSL and, as
// the reference, against the system OpenSSL: both must pass.
#include <gtest/gtest.h>

#include <openssl/ct.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <stdlib.h>

#include <fstream>
#include <string>

#include "testlib/testlib.h"

namespace
{

// A log list naming one log whose key is the test server's public key.
std::string write_log_list(const std::string &dir, std::string *key_der_b64)
{
    FILE *f = fopen(shimtest::cert("server.key").c_str(), "r");
    EVP_PKEY *k = f ? PEM_read_PrivateKey(f, nullptr, nullptr, nullptr) : nullptr;
    if (f)
        fclose(f);
    unsigned char *der = nullptr;
    int n = k ? i2d_PUBKEY(k, &der) : -1;
    EVP_PKEY_free(k);
    if (n <= 0)
        return "";
    std::string b64(4 * ((n + 2) / 3) + 1, '\0');
    int m = EVP_EncodeBlock(reinterpret_cast<unsigned char *>(&b64[0]), der, n);
    b64.resize(m);
    OPENSSL_free(der);
    *key_der_b64 = b64;
    std::string path = dir + "/ct_log_list.cnf";
    std::ofstream(path) << "enabled_logs = test_log\n\n[test_log]\ndescription = ShimSSL test log\nkey = " << b64
                        << "\n";
    return path;
}

TEST(CtLogStore, ListFileLoadsIntoTheContextsStore)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    ASSERT_NE(ctx, nullptr);
    ASSERT_NE(SSL_CTX_get0_ctlog_store(ctx), nullptr);
    std::string b64, path = write_log_list(shimtest::make_temp_dir("ct"), &b64);
    ASSERT_FALSE(path.empty());
    EXPECT_EQ(SSL_CTX_set_ctlog_list_file(ctx, path.c_str()), 1);
    ERR_clear_error();
    EXPECT_EQ(SSL_CTX_set_ctlog_list_file(ctx, "/nonexistent/ct_log_list.cnf"), 0);
    EXPECT_NE(ERR_peek_error(), 0u);
    ERR_clear_error();
    SSL_CTX_free(ctx);
}

TEST(CtLogStore, DefaultFileComesFromTheEnvironment)
{
    std::string b64, path = write_log_list(shimtest::make_temp_dir("ct"), &b64);
    ASSERT_FALSE(path.empty());
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    ASSERT_NE(ctx, nullptr);
    setenv("CTLOG_FILE", path.c_str(), 1);
    EXPECT_EQ(SSL_CTX_set_default_ctlog_list_file(ctx), 1);
    setenv("CTLOG_FILE", "/nonexistent/ct_log_list.cnf", 1);
    EXPECT_EQ(SSL_CTX_set_default_ctlog_list_file(ctx), 0);
    unsetenv("CTLOG_FILE");
    ERR_clear_error();
    SSL_CTX_free(ctx);
}

TEST(CtLogStore, Set0ReplacesTheStore)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    ASSERT_NE(ctx, nullptr);
    CTLOG_STORE *mine = CTLOG_STORE_new();
    ASSERT_NE(mine, nullptr);
    SSL_CTX_set0_ctlog_store(ctx, mine);
    EXPECT_EQ(SSL_CTX_get0_ctlog_store(ctx), mine);
    SSL_CTX_free(ctx); // frees `mine` too (valgrind / LeakSanitizer would say otherwise)
}

} // namespace
