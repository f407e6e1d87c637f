// SSL_CONF as `openssl s_client`/`s_server` and configuration files use it:
// return values (2 value used, 1 switch, 0 bad value, -2 unknown, -3 value
// missing), value types, who may use which command, and the settings that
// land in the SSL_CTX.
#include <gtest/gtest.h>

#include <openssl/err.h>
#include <openssl/obj_mac.h>
#include <openssl/ssl.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "apiunit/divergence.h"
#include "testlib/testlib.h"

namespace
{

std::string first_cipher(SSL_CTX *ctx)
{
    return SSL_CIPHER_get_name(sk_SSL_CIPHER_value(SSL_CTX_get_ciphers(ctx), 0));
}

class ConfApi : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        ASSERT_EQ(OPENSSL_init_ssl(0, nullptr), 1);
        ctx = SSL_CTX_new(TLS_method());
        cc = SSL_CONF_CTX_new();
        ASSERT_NE(cc, nullptr);
        SSL_CONF_CTX_set_ssl_ctx(cc, ctx);
    }
    void TearDown() override
    {
        SSL_CONF_CTX_free(cc);
        SSL_CTX_free(ctx);
        ERR_clear_error();
    }
    SSL_CTX *ctx = nullptr;
    SSL_CONF_CTX *cc = nullptr;
};

TEST_F(ConfApi, CommandLineClient)
{
    SSL_CONF_CTX_set_flags(cc, SSL_CONF_FLAG_CMDLINE | SSL_CONF_FLAG_CLIENT);
    EXPECT_EQ(SSL_CONF_cmd(cc, "-no_tls1_2", nullptr), 1);
    EXPECT_NE(SSL_CTX_get_options(ctx) & SSL_OP_NO_TLSv1_2, 0u);
    EXPECT_EQ(SSL_CONF_cmd(cc, "-no_middlebox", nullptr), 1);
    EXPECT_EQ(SSL_CTX_get_options(ctx) & SSL_OP_ENABLE_MIDDLEBOX_COMPAT, 0u);
    EXPECT_EQ(SSL_CONF_cmd(cc, "-no_ticket", nullptr), 1);
    EXPECT_NE(SSL_CTX_get_options(ctx) & SSL_OP_NO_TICKET, 0u);
    EXPECT_EQ(SSL_CONF_cmd(cc, "-cipher", "AES128-SHA"), 2);
    EXPECT_EQ(SSL_CONF_cmd(cc, "-ciphersuites", "TLS_AES_128_GCM_SHA256"), 2);
    EXPECT_EQ(first_cipher(ctx), "TLS_AES_128_GCM_SHA256");
    EXPECT_EQ(sk_SSL_CIPHER_num(SSL_CTX_get_ciphers(ctx)), 2);
    EXPECT_EQ(SSL_CONF_cmd(cc, "-cipher", "NOPE"), 0);
    EXPECT_EQ(ERR_GET_REASON(ERR_peek_error()), SSL_R_NO_CIPHER_MATCH);
    ERR_clear_error();
    // Server-only and unknown commands are not found for a client.
    EXPECT_EQ(SSL_CONF_cmd(cc, "-serverpref", nullptr), -2);
    EXPECT_EQ(SSL_CONF_cmd(cc, "-num_tickets", "3"), -2);
    EXPECT_EQ(SSL_CONF_cmd(cc, "-bogus", nullptr), -2);
    EXPECT_EQ(SSL_CONF_cmd(cc, "-tls1_3", nullptr), -2);
    // Without the prefix, a command-line name is not a command.
    EXPECT_EQ(SSL_CONF_cmd(cc, "no_tls1_3", nullptr), -2);
    EXPECT_EQ(SSL_CONF_cmd(cc, "-cipher", nullptr), -3);
    EXPECT_EQ(SSL_CONF_cmd_value_type(cc, "-no_tls1_2"), SSL_CONF_TYPE_NONE);
    EXPECT_EQ(SSL_CONF_cmd_value_type(cc, "-cipher"), SSL_CONF_TYPE_STRING);
    EXPECT_EQ(SSL_CONF_cmd_value_type(cc, "-serverpref"), SSL_CONF_TYPE_UNKNOWN);
    EXPECT_EQ(SSL_CONF_cmd_value_type(cc, "-cert"), SSL_CONF_TYPE_UNKNOWN);
    EXPECT_EQ(SSL_CONF_CTX_finish(cc), 1);
}

TEST_F(ConfApi, CommandLineServer)
{
    SSL_CONF_CTX_set_flags(cc, SSL_CONF_FLAG_CMDLINE | SSL_CONF_FLAG_SERVER);
    EXPECT_EQ(SSL_CONF_cmd(cc, "-serverpref", nullptr), 1);
    EXPECT_NE(SSL_CTX_get_options(ctx) & SSL_OP_CIPHER_SERVER_PREFERENCE, 0u);
    EXPECT_EQ(SSL_CONF_cmd(cc, "-num_tickets", "3"), 2);
    EXPECT_EQ(SSL_CTX_get_num_tickets(ctx), 3u);
    // OpenSSL 3.0 reads the number with atoi(): "x" is 0 tickets, accepted.
    EXPECT_EQ(SSL_CONF_cmd(cc, "-num_tickets", "x"), 2);
    EXPECT_EQ(SSL_CTX_get_num_tickets(ctx), 0u);
    EXPECT_EQ(SSL_CONF_cmd(cc, "-num_tickets", "3"), 2);
    EXPECT_EQ(SSL_CONF_cmd(cc, "-legacy_server_connect", nullptr), -2);
    // Certificates only with SSL_CONF_FLAG_CERTIFICATE.
    EXPECT_EQ(SSL_CONF_cmd(cc, "-cert", "/x.pem"), -2);
    SSL_CONF_CTX_set_flags(cc, SSL_CONF_FLAG_CERTIFICATE);
    EXPECT_EQ(SSL_CONF_cmd_value_type(cc, "-cert"), SSL_CONF_TYPE_FILE);
    std::string dir = SHIMSSL_CERT_DIR;
    EXPECT_EQ(SSL_CONF_cmd(cc, "-cert", (dir + "/server-ec.pem").c_str()), 2);
    EXPECT_EQ(SSL_CONF_cmd(cc, "-key", (dir + "/server-ec.key").c_str()), 2);
    EXPECT_EQ(SSL_CONF_CTX_finish(cc), 1);
    EXPECT_EQ(SSL_CTX_check_private_key(ctx), 1);
}

TEST_F(ConfApi, ArgvConsumesWhatItUses)
{
    SSL_CONF_CTX_set_flags(cc, SSL_CONF_FLAG_CMDLINE | SSL_CONF_FLAG_CLIENT);
    char a0[] = "-cipher", a1[] = "HIGH", a2[] = "-no_tls1_3", a3[] = "-verbose";
    char *argv[] = {a0, a1, a2, a3, nullptr};
    char **p = argv;
    int argc = 4;
    EXPECT_EQ(SSL_CONF_cmd_argv(cc, &argc, &p), 2);
    EXPECT_EQ(argc, 2);
    EXPECT_EQ(p, argv + 2);
    EXPECT_EQ(SSL_CONF_cmd_argv(cc, &argc, &p), 1);
    EXPECT_EQ(argc, 1);
    EXPECT_NE(SSL_CTX_get_options(ctx) & SSL_OP_NO_TLSv1_3, 0u);
    EXPECT_EQ(SSL_CONF_cmd_argv(cc, &argc, &p), 0); // not an SSL option: left alone
    EXPECT_EQ(argc, 1);
}

TEST_F(ConfApi, FileCommandsIgnoreCase)
{
    SSL_CONF_CTX_set_flags(cc, SSL_CONF_FLAG_FILE | SSL_CONF_FLAG_CLIENT);
    EXPECT_EQ(SSL_CONF_cmd(cc, "CipherString", "AES256-SHA"), 2);
    EXPECT_EQ(SSL_CONF_cmd(cc, "ciphersuites", ""), 2);
    EXPECT_EQ(first_cipher(ctx), "AES256-SHA");
    EXPECT_EQ(SSL_CONF_cmd(cc, "Options", "-SessionTicket,-MiddleboxCompat"), 2);
    EXPECT_NE(SSL_CTX_get_options(ctx) & SSL_OP_NO_TICKET, 0u);
    EXPECT_EQ(SSL_CTX_get_options(ctx) & SSL_OP_ENABLE_MIDDLEBOX_COMPAT, 0u);
    EXPECT_EQ(SSL_CONF_cmd(cc, "Options", "ServerPreference"), 0); // server only
    ERR_clear_error();
    EXPECT_EQ(SSL_CONF_cmd(cc, "Protocol", "-ALL,TLSv1.3"), 2);
    EXPECT_NE(SSL_CTX_get_options(ctx) & SSL_OP_NO_TLSv1_2, 0u);
    EXPECT_EQ(SSL_CTX_get_options(ctx) & SSL_OP_NO_TLSv1_3, 0u);
    EXPECT_EQ(SSL_CONF_cmd(cc, "VerifyMode", "Peer"), 2);
    EXPECT_EQ(SSL_CTX_get_verify_mode(ctx), SSL_VERIFY_PEER);
    EXPECT_EQ(SSL_CONF_cmd(cc, "VerifyMode", "Require"), 0); // server only
    EXPECT_EQ(SSL_CONF_cmd(cc, "Bogus", "x"), -2);
    EXPECT_EQ(SSL_CONF_cmd(cc, "-cipher", "HIGH"), -2); // command-line names are not file names
    EXPECT_EQ(SSL_CONF_cmd(cc, "MinProtocol", "TLSv1.9"), 0);
    ERR_clear_error();
}

TEST_F(ConfApi, PrefixAndErrorReporting)
{
    SSL_CONF_CTX_set_flags(cc,
                           SSL_CONF_FLAG_FILE | SSL_CONF_FLAG_CLIENT | SSL_CONF_FLAG_SHOW_ERRORS);
    ASSERT_EQ(SSL_CONF_CTX_set1_prefix(cc, "SSL"), 1);
    EXPECT_EQ(SSL_CONF_cmd(cc, "SSLCipherString", "AES128-SHA"), 2);
    EXPECT_EQ(SSL_CONF_cmd(cc, "CipherString", "AES128-SHA"), -2);
    EXPECT_EQ(ERR_GET_REASON(ERR_peek_last_error()), SSL_R_UNKNOWN_CMD_NAME);
    ERR_clear_error();
    EXPECT_EQ(SSL_CONF_cmd(cc, "SSLCipherString", "NOPE"), 0);
    EXPECT_EQ(ERR_GET_REASON(ERR_peek_last_error()), SSL_R_BAD_VALUE);
    ERR_clear_error();
    EXPECT_EQ(SSL_CONF_CTX_clear_flags(cc, SSL_CONF_FLAG_SHOW_ERRORS) & SSL_CONF_FLAG_SHOW_ERRORS,
              0u);
}

TEST_F(ConfApi, NamedConfigSectionsAreNotFound)
{
    EXPECT_EQ(SSL_CTX_config(ctx, "no_such_section"), 0);
    EXPECT_EQ(ERR_GET_REASON(ERR_peek_last_error()), SSL_R_INVALID_CONFIGURATION_NAME);
}

// Start-up setters of client programs (python, curl, s_client): they must
// succeed and read back what was set; defaults are OpenSSL's.
void keylog(const SSL *, const char *) {}

TEST(StartupSetters, StoreAndReadBack)
{
    ASSERT_EQ(OPENSSL_init_ssl(0, nullptr), 1);
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    std::string dir = SHIMSSL_CERT_DIR;
    ASSERT_EQ(SSL_CTX_use_certificate_file(ctx, (dir + "/client.pem").c_str(), SSL_FILETYPE_PEM),
              1);
    EXPECT_EQ(SSL_CTX_get_keylog_callback(ctx), nullptr);
    SSL_CTX_set_keylog_callback(ctx, keylog);
    EXPECT_EQ(SSL_CTX_get_keylog_callback(ctx), &keylog);
    EXPECT_EQ(SSL_CTX_get_max_early_data(ctx), 0u);
    EXPECT_EQ(SSL_CTX_get_recv_max_early_data(ctx), 16384u);
    EXPECT_EQ(SSL_CTX_set_max_early_data(ctx, 1000), 1);
    SSL_CTX_set_post_handshake_auth(ctx, 1);
    EXPECT_EQ(SSL_CTX_use_psk_identity_hint(ctx, "hint"), 1);
    SSL *s = SSL_new(ctx);
    EXPECT_EQ(SSL_get_max_early_data(s), 1000u);
    EXPECT_EQ(SSL_get_early_data_status(s), SSL_EARLY_DATA_NOT_SENT);
    // The getter reports the hint a server sent (kept in the session), not
    // the one set here: nothing before a handshake (OpenSSL 3.0).
    EXPECT_EQ(SSL_get_psk_identity_hint(s), nullptr);
    EXPECT_EQ(SSL_get_psk_identity(s), nullptr);
    SSL_set_post_handshake_auth(s, 0);
    std::string longhint(PSK_MAX_IDENTITY_LEN + 1, 'x');
    EXPECT_EQ(SSL_use_psk_identity_hint(s, longhint.c_str()), 0);
    ERR_clear_error();
    EXPECT_STREQ(SSL_rstate_string_long(s), "read header");
    EXPECT_STREQ(SSL_group_to_name(s, NID_X25519), "x25519");
    EXPECT_STREQ(SSL_group_to_name(s, NID_X9_62_prime256v1), "secp256r1");
    EXPECT_STREQ(SSL_group_to_name(s, TLSEXT_nid_unknown | 0x001D), "x25519");
    EXPECT_STREQ(SSL_group_to_name(s, NID_ffdhe2048), "ffdhe2048");
    EXPECT_EQ(SSL_group_to_name(s, NID_sha256), nullptr);
    unsigned char id[4] = {1, 2, 3, 4};
    EXPECT_EQ(SSL_has_matching_session_id(s, id, 4), 0);
    EXPECT_NE(SSL_get_certificate(s), nullptr);
    SSL_certs_clear(s);
    EXPECT_EQ(SSL_get_certificate(s), nullptr);
    EXPECT_EQ(SSL_get_privatekey(s), nullptr);
    SSL_free(s);
    SSL_CTX_free(ctx);
}

// openssl.cnf's ssl_conf module: "system_default" applies to every new
// SSL_CTX, other sections through SSL_CTX_config. Run in a fresh process
// (the file is read once per process) with OPENSSL_CONF pointing at ours.
TEST(ConfFile, SystemDefaultAndNamedSections)
{
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    std::string path = shimtest::make_temp_dir("conf") + "/t.cnf";
    FILE *f = fopen(path.c_str(), "w");
    ASSERT_NE(f, nullptr);
    fputs("openssl_conf = openssl_init\n"
          "[openssl_init]\nssl_conf = ssl_sect\n"
          "[ssl_sect]\nsystem_default = sys\nstrict = strict_sect\n"
          "[sys]\nCipherString = ECDHE+AESGCM:!ECDSA\nCiphersuites = TLS_AES_128_GCM_SHA256\n"
          "Options = -SessionTicket\nBogusCommand = 1\n"
          "[strict_sect]\nMinProtocol = TLSv1.3\nCipherString = AES256-SHA\n",
          f);
    fclose(f);
    EXPECT_EXIT(
        {
            setenv("OPENSSL_CONF", path.c_str(), 1);
            SSL_CTX *ctx = SSL_CTX_new(TLS_method());
            if (ctx == nullptr || ERR_peek_error() != 0)
                _exit(1); // a bad line must neither fail nor leave an error
            STACK_OF(SSL_CIPHER) *sk = SSL_CTX_get_ciphers(ctx);
            // As the system OpenSSL lists it for this file.
            if (sk_SSL_CIPHER_num(sk) != 3 ||
                std::string(SSL_CIPHER_get_name(sk_SSL_CIPHER_value(sk, 0))) !=
                    "TLS_AES_128_GCM_SHA256" ||
                std::string(SSL_CIPHER_get_name(sk_SSL_CIPHER_value(sk, 1))) !=
                    "ECDHE-RSA-AES256-GCM-SHA384")
                _exit(2);
            if (!(SSL_CTX_get_options(ctx) & SSL_OP_NO_TICKET))
                _exit(3);
            if (SSL_CTX_config(ctx, "strict") != 1 ||
                SSL_CTX_get_min_proto_version(ctx) != TLS1_3_VERSION)
                _exit(4);
            if (SSL_CTX_config(ctx, "absent") != 0 ||
                ERR_GET_REASON(ERR_peek_last_error()) != SSL_R_INVALID_CONFIGURATION_NAME)
                _exit(5);
            _exit(0);
        },
        ::testing::ExitedWithCode(0), "");
    std::remove(path.c_str());
}

} // namespace
