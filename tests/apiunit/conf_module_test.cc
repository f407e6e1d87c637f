// openssl.cnf's ssl_conf module as applications use it: the configuration
// libcrypto loaded (the default file, OPENSSL_init_ssl's settings, or a file
// the application loads with CONF_modules_load_file) is what SSL_CTX_config /
// SSL_config apply, and its "system_default" section is applied to every new
// SSL_CTX. Plus the SSL_CONF command table itself (option names, who may
// use which, the return values and errors of SSL_CONF_cmd).
//
// Public API only: built against ShimSSL and, as conf_module_test_openssl,
// against the system OpenSSL, so every expectation here is OpenSSL 3.0's.
// The module's state is per process, so the file tests run in a child.
#include <gtest/gtest.h>

#include <openssl/conf.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "testlib/testlib.h"

namespace
{

std::string write_conf(const std::string &tag, const std::string &text)
{
    std::string path = shimtest::make_temp_dir(tag) + "/t.cnf";
    FILE *f = fopen(path.c_str(), "w");
    if (f == nullptr)
        return "";
    fputs(text.c_str(), f);
    fclose(f);
    return path;
}

// A configuration without any ssl_conf module: what OPENSSL_CONF points at
// so that the machine's own openssl.cnf does not interfere.
const char kEmptyConf[] = "openssl_conf = openssl_init\n[openssl_init]\n";

std::string last_reason_data()
{
    const char *data = nullptr;
    int flags = 0;
    if (ERR_peek_last_error_data(&data, &flags) == 0 || data == nullptr)
        return "";
    return data;
}

// An application loads its own file after the library has read the default
// one: SSL_CTX_config finds the application's sections.
TEST(ConfModule, ApplicationLoadedFileIsWhatSslCtxConfigUses)
{
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    std::string empty = write_conf("confmod-empty", kEmptyConf);
    std::string path = write_conf("confmod-app", "app_conf = app_init\n"
                                                 "[app_init]\nssl_conf = ssl_sect\n"
                                                 "[ssl_sect]\nserver = server_sect\n"
                                                 "client = client_sect\n"
                                                 "[server_sect]\nMinProtocol = TLSv1.3\n"
                                                 "Options = ServerPreference,-SessionTicket\n"
                                                 "[client_sect]\nMaxProtocol = TLSv1.2\n");
    ASSERT_FALSE(path.empty());
    EXPECT_EXIT(
        {
            setenv("OPENSSL_CONF", empty.c_str(), 1);
            if (OPENSSL_init_ssl(0, nullptr) != 1)
                _exit(10);
            SSL_CTX *ctx = SSL_CTX_new(TLS_method());
            if (ctx == nullptr)
                _exit(11);
            // Nothing loaded yet: no such name.
            if (SSL_CTX_config(ctx, "server") != 0 ||
                ERR_GET_REASON(ERR_peek_last_error()) != SSL_R_INVALID_CONFIGURATION_NAME ||
                last_reason_data() != "name=server")
                _exit(12);
            ERR_clear_error();
            if (CONF_modules_load_file(path.c_str(), "app_conf", 0) <= 0)
                _exit(13);
            if (SSL_CTX_config(ctx, "server") != 1)
                _exit(14);
            if (SSL_CTX_get_min_proto_version(ctx) != TLS1_3_VERSION)
                _exit(15);
            if ((SSL_CTX_get_options(ctx) & (SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_TICKET)) !=
                (SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_TICKET))
                _exit(16);
            // SSL_config acts on the one connection only.
            SSL *s = SSL_new(ctx);
            if (s == nullptr || SSL_config(s, "client") != 1 ||
                SSL_get_max_proto_version(s) != TLS1_2_VERSION ||
                SSL_CTX_get_max_proto_version(ctx) != 0)
                _exit(17);
            if (SSL_config(s, "nothere") != 0 ||
                ERR_GET_REASON(ERR_peek_last_error()) != SSL_R_INVALID_CONFIGURATION_NAME)
                _exit(18);
            SSL_free(s);
            SSL_CTX_free(ctx);
            _exit(0);
        },
        ::testing::ExitedWithCode(0), "");
}

// OPENSSL_init_ssl with LOAD_CONFIG and a file name: its system_default is
// applied to each new SSL_CTX, its other sections through SSL_CTX_config.
TEST(ConfModule, InitSettingsFileSystemDefault)
{
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    std::string path =
        write_conf("confmod-init", "openssl_conf = openssl_init\n"
                                   "[openssl_init]\nssl_conf = ssl_sect\n"
                                   "[ssl_sect]\nsystem_default = sys\nstrict = strict_sect\n"
                                   "[sys]\nMinProtocol = TLSv1.2\nOptions = -SessionTicket\n"
                                   "CipherString = ECDHE@SECLEVEL=1\n"
                                   "[strict_sect]\nMinProtocol = TLSv1.3\n");
    ASSERT_FALSE(path.empty());
    EXPECT_EXIT(
        {
            OPENSSL_INIT_SETTINGS *set = OPENSSL_INIT_new();
            if (set == nullptr || OPENSSL_INIT_set_config_filename(set, path.c_str()) != 1)
                _exit(10);
            if (OPENSSL_init_ssl(OPENSSL_INIT_LOAD_CONFIG, set) != 1)
                _exit(11);
            OPENSSL_INIT_free(set);
            SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
            if (ctx == nullptr || ERR_peek_error() != 0)
                _exit(12);
            if (SSL_CTX_get_min_proto_version(ctx) != TLS1_2_VERSION ||
                !(SSL_CTX_get_options(ctx) & SSL_OP_NO_TICKET) ||
                SSL_CTX_get_security_level(ctx) != 1)
                _exit(13);
            if (SSL_CTX_config(ctx, "strict") != 1 ||
                SSL_CTX_get_min_proto_version(ctx) != TLS1_3_VERSION)
                _exit(14);
            // "system_default" is a name like any other for SSL_CTX_config.
            if (SSL_CTX_config(ctx, "system_default") != 1 ||
                SSL_CTX_get_min_proto_version(ctx) != TLS1_2_VERSION)
                _exit(15);
            SSL_CTX_free(ctx);
            _exit(0);
        },
        ::testing::ExitedWithCode(0), "");
}

// A bad line: SSL_CTX_config fails, the other lines still apply, and the
// queue holds what the setter said (SSL_CONF_cmd adds nothing of its own:
// the module does not ask for SSL_CONF_FLAG_SHOW_ERRORS). Unknown commands
// fail the call too, silently. In system_default the same lines neither
// fail SSL_CTX_new nor are skipped.
TEST(ConfModule, BadLines)
{
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    std::string path =
        write_conf("confmod-bad", "openssl_conf = openssl_init\n"
                                  "[openssl_init]\nssl_conf = ssl_sect\n"
                                  "[ssl_sect]\nsystem_default = sys\nbad = bad_sect\n"
                                  "unknown = unknown_sect\n"
                                  "[sys]\nCipherString = NOSUCHCIPHER\nMaxProtocol = TLSv1.2\n"
                                  "[bad_sect]\nCipherString = NOSUCHCIPHER\nMinProtocol = TLSv1.3\n"
                                  "[unknown_sect]\nNoSuchCommand = 1\nMinProtocol = TLSv1.1\n");
    ASSERT_FALSE(path.empty());
    EXPECT_EXIT(
        {
            setenv("OPENSSL_CONF", path.c_str(), 1);
            SSL_CTX *ctx = SSL_CTX_new(TLS_method());
            if (ctx == nullptr)
                _exit(10);
            if (SSL_CTX_get_max_proto_version(ctx) != TLS1_2_VERSION)
                _exit(11);
            // The cipher string's error is left on the queue.
            if (ERR_GET_REASON(ERR_peek_last_error()) != SSL_R_NO_CIPHER_MATCH)
                _exit(12);
            ERR_clear_error();
            if (SSL_CTX_config(ctx, "bad") != 0 ||
                SSL_CTX_get_min_proto_version(ctx) != TLS1_3_VERSION)
                _exit(13);
            if (ERR_GET_REASON(ERR_peek_last_error()) != SSL_R_NO_CIPHER_MATCH)
                _exit(14);
            ERR_clear_error();
            if (SSL_CTX_config(ctx, "unknown") != 0 ||
                SSL_CTX_get_min_proto_version(ctx) != TLS1_1_VERSION || ERR_peek_error() != 0)
                _exit(15);
            SSL_CTX_free(ctx);
            _exit(0);
        },
        ::testing::ExitedWithCode(0), "");
}

// "ECDSA.Certificate", "RSA.PrivateKey": the module drops everything up to
// the first dot, so several certificates can be named in one section. A
// certificate file holding its key needs no PrivateKey line.
TEST(ConfModule, DottedCommandNamesAndCertificates)
{
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    std::string dir = shimtest::make_temp_dir("confmod-cert");
    std::string both = dir + "/both.pem";
    {
        std::string text;
        for (const char *f : {"server.pem", "server.key"}) {
            FILE *in = fopen(shimtest::cert(f).c_str(), "r");
            ASSERT_NE(in, nullptr);
            char buf[4096];
            size_t n;
            while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
                text.append(buf, n);
            fclose(in);
        }
        FILE *out = fopen(both.c_str(), "w");
        ASSERT_NE(out, nullptr);
        fputs(text.c_str(), out);
        fclose(out);
    }
    std::string path = write_conf(
        "confmod-certconf",
        "openssl_conf = openssl_init\n"
        "[openssl_init]\nssl_conf = ssl_sect\n"
        "[ssl_sect]\nsrv = srv_sect\nkeyless = keyless_sect\nplain = plain_sect\n"
        "dots = dots_sect\n"
        "[srv_sect]\nRSA.Certificate = " +
            shimtest::cert("server.pem") + "\nRSA.PrivateKey = " + shimtest::cert("server.key") +
            "\n[dots_sect]\nx.y.MinProtocol = TLSv1.3\n"
            "[keyless_sect]\nCertificate = " +
            both +
            "\n"
            "[plain_sect]\nRSA.Options = -SessionTicket\n");
    ASSERT_FALSE(path.empty());
    EXPECT_EXIT(
        {
            setenv("OPENSSL_CONF", path.c_str(), 1);
            SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
            if (ctx == nullptr)
                _exit(10);
            if (SSL_CTX_config(ctx, "srv") != 1 || SSL_CTX_get0_certificate(ctx) == nullptr ||
                SSL_CTX_get0_privatekey(ctx) == nullptr || SSL_CTX_check_private_key(ctx) != 1)
                _exit(11);
            // Only up to the first dot: "y.MinProtocol" is no command.
            if (SSL_CTX_config(ctx, "dots") != 0 || SSL_CTX_get_min_proto_version(ctx) != 0)
                _exit(12);
            SSL_CTX *k = SSL_CTX_new(TLS_server_method());
            if (k == nullptr || SSL_CTX_config(k, "keyless") != 1 ||
                SSL_CTX_get0_privatekey(k) == nullptr || SSL_CTX_check_private_key(k) != 1)
                _exit(13);
            SSL_CTX *p = SSL_CTX_new(TLS_server_method());
            if (p == nullptr || SSL_CTX_config(p, "plain") != 1 ||
                !(SSL_CTX_get_options(p) & SSL_OP_NO_TICKET))
                _exit(14);
            SSL_CTX_free(ctx);
            SSL_CTX_free(k);
            SSL_CTX_free(p);
            _exit(0);
        },
        ::testing::ExitedWithCode(0), "");
}

// A client method: server-only names ("ServerPreference", "NumTickets") are
// unknown to it, so the section fails, as OpenSSL decides from the method.
TEST(ConfModule, MethodDecidesClientOrServer)
{
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    std::string path =
        write_conf("confmod-side", "openssl_conf = openssl_init\n"
                                   "[openssl_init]\nssl_conf = ssl_sect\n"
                                   "[ssl_sect]\nsrv = srv_sect\n"
                                   "[srv_sect]\nOptions = ServerPreference\nNumTickets = 5\n");
    ASSERT_FALSE(path.empty());
    EXPECT_EXIT(
        {
            setenv("OPENSSL_CONF", path.c_str(), 1);
            SSL_CTX *cli = SSL_CTX_new(TLS_client_method());
            SSL_CTX *srv = SSL_CTX_new(TLS_server_method());
            SSL_CTX *any = SSL_CTX_new(TLS_method());
            if (cli == nullptr || srv == nullptr || any == nullptr)
                _exit(10);
            if (SSL_CTX_config(cli, "srv") != 0 ||
                (SSL_CTX_get_options(cli) & SSL_OP_CIPHER_SERVER_PREFERENCE) ||
                SSL_CTX_get_num_tickets(cli) != 2)
                _exit(11);
            if (SSL_CTX_config(srv, "srv") != 1 || SSL_CTX_get_num_tickets(srv) != 5 ||
                !(SSL_CTX_get_options(srv) & SSL_OP_CIPHER_SERVER_PREFERENCE))
                _exit(12);
            if (SSL_CTX_config(any, "srv") != 1 || SSL_CTX_get_num_tickets(any) != 5)
                _exit(13);
            SSL_CTX_free(cli);
            SSL_CTX_free(srv);
            SSL_CTX_free(any);
            _exit(0);
        },
        ::testing::ExitedWithCode(0), "");
}

// --- the SSL_CONF command table ----------------------------------------------

struct Conf {
    SSL_CTX *ctx = SSL_CTX_new(TLS_method());
    SSL_CONF_CTX *cc = SSL_CONF_CTX_new();
    explicit Conf(unsigned flags)
    {
        SSL_CONF_CTX_set_flags(cc, flags);
        SSL_CONF_CTX_set_ssl_ctx(cc, ctx);
    }
    ~Conf()
    {
        SSL_CONF_CTX_free(cc);
        SSL_CTX_free(ctx);
    }
    uint64_t opts() const { return SSL_CTX_get_options(ctx); }
};

const unsigned kFileBoth = SSL_CONF_FLAG_FILE | SSL_CONF_FLAG_CLIENT | SSL_CONF_FLAG_SERVER;

// Every name of OpenSSL 3.0's "Options" list, on, and off with "-".
TEST(SslConfOptions, EveryName)
{
    struct {
        const char *name;
        uint64_t op;
        bool inverse;
    } names[] = {
        {"SessionTicket", SSL_OP_NO_TICKET, true},
        {"EmptyFragments", SSL_OP_DONT_INSERT_EMPTY_FRAGMENTS, true},
        {"Bugs", SSL_OP_ALL, false},
        {"Compression", SSL_OP_NO_COMPRESSION, true},
        {"ServerPreference", SSL_OP_CIPHER_SERVER_PREFERENCE, false},
        {"NoResumptionOnRenegotiation", SSL_OP_NO_SESSION_RESUMPTION_ON_RENEGOTIATION, false},
        {"DHSingle", SSL_OP_SINGLE_DH_USE, false},
        {"ECDHSingle", SSL_OP_SINGLE_ECDH_USE, false},
        {"UnsafeLegacyRenegotiation", SSL_OP_ALLOW_UNSAFE_LEGACY_RENEGOTIATION, false},
        {"UnsafeLegacyServerConnect", SSL_OP_LEGACY_SERVER_CONNECT, false},
        {"ClientRenegotiation", SSL_OP_ALLOW_CLIENT_RENEGOTIATION, false},
        {"EncryptThenMac", SSL_OP_NO_ENCRYPT_THEN_MAC, true},
        {"NoRenegotiation", SSL_OP_NO_RENEGOTIATION, false},
        {"AllowNoDHEKEX", SSL_OP_ALLOW_NO_DHE_KEX, false},
        {"PrioritizeChaCha", SSL_OP_PRIORITIZE_CHACHA, false},
        {"MiddleboxCompat", SSL_OP_ENABLE_MIDDLEBOX_COMPAT, false},
        {"AntiReplay", SSL_OP_NO_ANTI_REPLAY, true},
        {"ExtendedMasterSecret", SSL_OP_NO_EXTENDED_MASTER_SECRET, true},
        {"CANames", SSL_OP_DISABLE_TLSEXT_CA_NAMES, true},
        {"KTLS", SSL_OP_ENABLE_KTLS, false},
    };
    for (const auto &n : names) {
        SCOPED_TRACE(n.name);
        for (const char *sign : {"", "+", "-"}) {
            Conf c(kFileBoth);
            ASSERT_NE(c.ctx, nullptr);
            bool off = std::string(sign) == "-";
            uint64_t want = off == n.inverse ? n.op : 0;
            // Start from the opposite state so that the change shows.
            if (want != 0)
                SSL_CTX_clear_options(c.ctx, n.op);
            else
                SSL_CTX_set_options(c.ctx, n.op);
            std::string v = std::string(sign) + n.name;
            EXPECT_EQ(SSL_CONF_cmd(c.cc, "Options", v.c_str()), 2) << v;
            EXPECT_EQ(c.opts() & n.op, want) << v;
        }
        // Names are matched without regard to case.
        Conf lc(kFileBoth);
        std::string lower;
        for (const char *p = n.name; *p; p++)
            lower += (char)tolower((unsigned char)*p);
        EXPECT_EQ(SSL_CONF_cmd(lc.cc, "options", lower.c_str()), 2) << lower;
    }
}

TEST(SslConfOptions, ListSyntaxAndSides)
{
    {
        Conf c(kFileBoth);
        SSL_CTX_clear_options(c.ctx, SSL_OP_NO_TICKET | SSL_OP_ALLOW_CLIENT_RENEGOTIATION);
        EXPECT_EQ(SSL_CONF_cmd(c.cc, "Options", " -SessionTicket , ClientRenegotiation "), 2);
        EXPECT_EQ(c.opts() & (SSL_OP_NO_TICKET | SSL_OP_ALLOW_CLIENT_RENEGOTIATION),
                  SSL_OP_NO_TICKET | SSL_OP_ALLOW_CLIENT_RENEGOTIATION);
        EXPECT_EQ(SSL_CONF_cmd(c.cc, "Options", "-ClientRenegotiation"), 2);
        EXPECT_EQ(c.opts() & SSL_OP_ALLOW_CLIENT_RENEGOTIATION, 0u);
        // Empty elements, unknown names, a bare sign: the value is bad.
        EXPECT_EQ(SSL_CONF_cmd(c.cc, "Options", "Bugs,,KTLS"), 0);
        EXPECT_EQ(SSL_CONF_cmd(c.cc, "Options", ""), 0);
        EXPECT_EQ(SSL_CONF_cmd(c.cc, "Options", "NoSuchOption"), 0);
        EXPECT_EQ(SSL_CONF_cmd(c.cc, "Options", "-"), 0);
        // Options is a file command only.
        EXPECT_EQ(SSL_CONF_cmd(c.cc, "-Options", "Bugs"), -2);
    }
    {
        // Client only: server names are not known.
        Conf c(SSL_CONF_FLAG_FILE | SSL_CONF_FLAG_CLIENT);
        EXPECT_EQ(SSL_CONF_cmd(c.cc, "Options", "ServerPreference"), 0);
        EXPECT_EQ(SSL_CONF_cmd(c.cc, "Options", "PrioritizeChaCha"), 2);
        EXPECT_EQ(SSL_CONF_cmd(c.cc, "VerifyMode", "Peer"), 2);
        EXPECT_EQ(SSL_CONF_cmd(c.cc, "VerifyMode", "Request"), 0);
    }
    {
        // Neither side declared: no option name applies.
        Conf c(SSL_CONF_FLAG_FILE);
        EXPECT_EQ(SSL_CONF_cmd(c.cc, "Options", "Bugs"), 0);
        EXPECT_EQ(SSL_CONF_cmd(c.cc, "Protocol", "-TLSv1"), 0);
        EXPECT_EQ(SSL_CONF_cmd(c.cc, "MinProtocol", "TLSv1.2"), 2);
    }
    {
        // Server only: "Peer" is a client word.
        Conf c(SSL_CONF_FLAG_FILE | SSL_CONF_FLAG_SERVER);
        EXPECT_EQ(SSL_CONF_cmd(c.cc, "VerifyMode", "Peer"), 0);
        EXPECT_EQ(SSL_CONF_cmd(c.cc, "VerifyMode", "Request,Once"), 2);
        EXPECT_EQ(SSL_CTX_get_verify_mode(c.ctx), SSL_VERIFY_PEER | SSL_VERIFY_CLIENT_ONCE);
        // Bits add up over calls; "-" removes.
        EXPECT_EQ(SSL_CONF_cmd(c.cc, "VerifyMode", "RequirePostHandshake"), 2);
        EXPECT_EQ(SSL_CTX_get_verify_mode(c.ctx), SSL_VERIFY_PEER | SSL_VERIFY_CLIENT_ONCE |
                                                      SSL_VERIFY_POST_HANDSHAKE |
                                                      SSL_VERIFY_FAIL_IF_NO_PEER_CERT);
        EXPECT_EQ(SSL_CONF_cmd(c.cc, "VerifyMode", "-Once"), 2);
        EXPECT_EQ(SSL_CTX_get_verify_mode(c.ctx),
                  SSL_VERIFY_POST_HANDSHAKE | SSL_VERIFY_FAIL_IF_NO_PEER_CERT);
    }
}

TEST(SslConfProtocol, ListNames)
{
    Conf c(kFileBoth);
    SSL_CTX_clear_options(c.ctx, SSL_OP_NO_SSL_MASK);
    EXPECT_EQ(SSL_CONF_cmd(c.cc, "Protocol", "-ALL,TLSv1.2"), 2);
    EXPECT_EQ(c.opts() & SSL_OP_NO_SSL_MASK, SSL_OP_NO_SSL_MASK & ~SSL_OP_NO_TLSv1_2);
    // SSLv2 is a known name; the DTLS names share TLS's option bits.
    EXPECT_EQ(SSL_CONF_cmd(c.cc, "Protocol", "SSLv2,DTLSv1.2,DTLSv1"), 2);
    EXPECT_EQ(c.opts() & (SSL_OP_NO_TLSv1 | SSL_OP_NO_TLSv1_2), 0u);
    EXPECT_EQ(SSL_CONF_cmd(c.cc, "Protocol", "-DTLSv1.2"), 2);
    EXPECT_NE(c.opts() & SSL_OP_NO_TLSv1_2, 0u);
    EXPECT_EQ(SSL_CONF_cmd(c.cc, "Protocol", "TLSv9"), 0);
    // MinProtocol names are exact.
    EXPECT_EQ(SSL_CONF_cmd(c.cc, "MinProtocol", "tlsv1.2"), 0);
    // A DTLS bound on a TLS method is accepted and changes nothing.
    EXPECT_EQ(SSL_CONF_cmd(c.cc, "MinProtocol", "TLSv1.1"), 2);
    EXPECT_EQ(SSL_CONF_cmd(c.cc, "MinProtocol", "DTLSv1.2"), 2);
    EXPECT_EQ(SSL_CTX_get_min_proto_version(c.ctx), TLS1_1_VERSION);
    EXPECT_EQ(SSL_CONF_cmd(c.cc, "MaxProtocol", "None"), 2);
}

TEST(SslConfCommands, SwitchesAndValues)
{
    Conf c(SSL_CONF_FLAG_CMDLINE | SSL_CONF_FLAG_CLIENT | SSL_CONF_FLAG_SERVER);
    SSL_CTX_clear_options(c.ctx, SSL_OP_NO_ENCRYPT_THEN_MAC);
    EXPECT_EQ(SSL_CONF_cmd(c.cc, "-no_etm", nullptr), 1);
    EXPECT_NE(c.opts() & SSL_OP_NO_ENCRYPT_THEN_MAC, 0u);
    EXPECT_EQ(SSL_CONF_cmd(c.cc, "-strict", nullptr), 1);
    EXPECT_EQ(SSL_CONF_cmd(c.cc, "-client_renegotiation", nullptr), 1);
    EXPECT_NE(c.opts() & SSL_OP_ALLOW_CLIENT_RENEGOTIATION, 0u);
    EXPECT_EQ(SSL_CONF_cmd(c.cc, "-debug_broken_protocol", nullptr), -2);
    EXPECT_EQ(SSL_CONF_cmd(c.cc, "-", nullptr), -2);
    EXPECT_EQ(SSL_CONF_cmd(c.cc, "no_etm", nullptr), -2);
    // ECDHParameters: "auto" on the command line, "automatic" in files.
    EXPECT_EQ(SSL_CONF_cmd(c.cc, "-named_curve", "auto"), 2);
    EXPECT_EQ(SSL_CONF_cmd(c.cc, "-named_curve", "automatic"), 0);
    EXPECT_EQ(SSL_CONF_cmd(c.cc, "-named_curve", "P-256:P-384"), 0);
    EXPECT_EQ(SSL_CONF_cmd(c.cc, "-named_curve", "P-256"), 2);
    // A missing value: -3, and with SHOW_ERRORS an error naming it.
    ERR_clear_error();
    EXPECT_EQ(SSL_CONF_cmd(c.cc, "-cipher", nullptr), -3);
    EXPECT_EQ(ERR_peek_error(), 0u);
    SSL_CONF_CTX_set_flags(c.cc, SSL_CONF_FLAG_SHOW_ERRORS);
    EXPECT_EQ(SSL_CONF_cmd(c.cc, "-cipher", nullptr), -3);
    EXPECT_EQ(ERR_GET_REASON(ERR_peek_last_error()), SSL_R_BAD_VALUE);
    EXPECT_EQ(last_reason_data(), "cmd=cipher, value=<EMPTY>");
    ERR_clear_error();
    EXPECT_EQ(SSL_CONF_cmd(c.cc, "-cipher", "NOSUCH"), 0);
    EXPECT_EQ(last_reason_data(), "cmd=cipher, value=NOSUCH");
    ERR_clear_error();
    EXPECT_EQ(SSL_CONF_cmd(c.cc, "-nosuch", "x"), -2);
    EXPECT_EQ(ERR_GET_REASON(ERR_peek_last_error()), SSL_R_UNKNOWN_CMD_NAME);
    EXPECT_EQ(last_reason_data(), "cmd=nosuch");
    ERR_clear_error();
}

TEST(SslConfCommands, ValueTypesOfTheWholeTable)
{
    Conf c(kFileBoth | SSL_CONF_FLAG_CERTIFICATE);
    struct {
        const char *name;
        int type;
    } file_cmds[] = {
        {"SignatureAlgorithms", SSL_CONF_TYPE_STRING},
        {"ClientSignatureAlgorithms", SSL_CONF_TYPE_STRING},
        {"Curves", SSL_CONF_TYPE_STRING},
        {"Groups", SSL_CONF_TYPE_STRING},
        {"ECDHParameters", SSL_CONF_TYPE_STRING},
        {"CipherString", SSL_CONF_TYPE_STRING},
        {"Ciphersuites", SSL_CONF_TYPE_STRING},
        {"Protocol", SSL_CONF_TYPE_STRING},
        {"MinProtocol", SSL_CONF_TYPE_STRING},
        {"MaxProtocol", SSL_CONF_TYPE_STRING},
        {"Options", SSL_CONF_TYPE_STRING},
        {"VerifyMode", SSL_CONF_TYPE_STRING},
        {"Certificate", SSL_CONF_TYPE_FILE},
        {"PrivateKey", SSL_CONF_TYPE_FILE},
        {"ServerInfoFile", SSL_CONF_TYPE_FILE},
        {"ChainCAPath", SSL_CONF_TYPE_DIR},
        {"ChainCAFile", SSL_CONF_TYPE_FILE},
        {"ChainCAStore", SSL_CONF_TYPE_STORE},
        {"VerifyCAPath", SSL_CONF_TYPE_DIR},
        {"VerifyCAFile", SSL_CONF_TYPE_FILE},
        {"VerifyCAStore", SSL_CONF_TYPE_STORE},
        {"RequestCAFile", SSL_CONF_TYPE_FILE},
        {"ClientCAFile", SSL_CONF_TYPE_FILE},
        {"RequestCAPath", SSL_CONF_TYPE_DIR},
        {"ClientCAPath", SSL_CONF_TYPE_DIR},
        {"RequestCAStore", SSL_CONF_TYPE_STORE},
        {"ClientCAStore", SSL_CONF_TYPE_STORE},
        {"DHParameters", SSL_CONF_TYPE_FILE},
        {"RecordPadding", SSL_CONF_TYPE_STRING},
        {"NumTickets", SSL_CONF_TYPE_STRING},
    };
    for (const auto &f : file_cmds)
        EXPECT_EQ(SSL_CONF_cmd_value_type(c.cc, f.name), f.type) << f.name;
    EXPECT_EQ(SSL_CONF_cmd_value_type(c.cc, "no_etm"), SSL_CONF_TYPE_UNKNOWN);

    SSL_CONF_CTX_clear_flags(c.cc, SSL_CONF_FLAG_FILE);
    SSL_CONF_CTX_set_flags(c.cc, SSL_CONF_FLAG_CMDLINE);
    const char *switches[] = {
        "no_ssl3",
        "no_tls1",
        "no_tls1_1",
        "no_tls1_2",
        "no_tls1_3",
        "bugs",
        "no_comp",
        "comp",
        "ecdh_single",
        "no_ticket",
        "serverpref",
        "legacy_renegotiation",
        "client_renegotiation",
        "legacy_server_connect",
        "no_renegotiation",
        "no_resumption_on_reneg",
        "no_legacy_server_connect",
        "allow_no_dhe_kex",
        "prioritize_chacha",
        "strict",
        "no_middlebox",
        "anti_replay",
        "no_anti_replay",
        "no_etm",
    };
    for (const char *s : switches)
        EXPECT_EQ(SSL_CONF_cmd_value_type(c.cc, (std::string("-") + s).c_str()), SSL_CONF_TYPE_NONE)
            << s;
    struct {
        const char *name;
        int type;
    } cmdline[] = {
        {"sigalgs", SSL_CONF_TYPE_STRING},
        {"client_sigalgs", SSL_CONF_TYPE_STRING},
        {"curves", SSL_CONF_TYPE_STRING},
        {"groups", SSL_CONF_TYPE_STRING},
        {"named_curve", SSL_CONF_TYPE_STRING},
        {"cipher", SSL_CONF_TYPE_STRING},
        {"ciphersuites", SSL_CONF_TYPE_STRING},
        {"min_protocol", SSL_CONF_TYPE_STRING},
        {"max_protocol", SSL_CONF_TYPE_STRING},
        {"cert", SSL_CONF_TYPE_FILE},
        {"key", SSL_CONF_TYPE_FILE},
        {"chainCApath", SSL_CONF_TYPE_DIR},
        {"chainCAfile", SSL_CONF_TYPE_FILE},
        {"chainCAstore", SSL_CONF_TYPE_STORE},
        {"verifyCApath", SSL_CONF_TYPE_DIR},
        {"verifyCAfile", SSL_CONF_TYPE_FILE},
        {"verifyCAstore", SSL_CONF_TYPE_STORE},
        {"requestCAFile", SSL_CONF_TYPE_FILE},
        {"requestCAStore", SSL_CONF_TYPE_STORE},
        {"dhparam", SSL_CONF_TYPE_FILE},
        {"record_padding", SSL_CONF_TYPE_STRING},
        {"num_tickets", SSL_CONF_TYPE_STRING},
    };
    for (const auto &f : cmdline)
        EXPECT_EQ(SSL_CONF_cmd_value_type(c.cc, (std::string("-") + f.name).c_str()), f.type)
            << f.name;
    EXPECT_EQ(SSL_CONF_cmd_value_type(c.cc, "-Options"), SSL_CONF_TYPE_UNKNOWN);
}

TEST(SslConfCommands, NumbersAsAtoi)
{
    Conf c(kFileBoth);
    EXPECT_EQ(SSL_CONF_cmd(c.cc, "NumTickets", "7"), 2);
    EXPECT_EQ(SSL_CTX_get_num_tickets(c.ctx), 7u);
    EXPECT_EQ(SSL_CONF_cmd(c.cc, "NumTickets", "3x"), 2);
    EXPECT_EQ(SSL_CTX_get_num_tickets(c.ctx), 3u);
    EXPECT_EQ(SSL_CONF_cmd(c.cc, "NumTickets", "none"), 2);
    EXPECT_EQ(SSL_CTX_get_num_tickets(c.ctx), 0u);
    EXPECT_EQ(SSL_CONF_cmd(c.cc, "NumTickets", "-1"), 0);
    EXPECT_EQ(SSL_CONF_cmd(c.cc, "RecordPadding", "512"), 2);
    EXPECT_EQ(SSL_CONF_cmd(c.cc, "RecordPadding", "-4"), 0);
    EXPECT_EQ(SSL_CONF_cmd(c.cc, "RecordPadding", "99999"), 0);
}

TEST(SslConfCommands, ArgvSwitchesToCommandLine)
{
    Conf c(SSL_CONF_FLAG_FILE | SSL_CONF_FLAG_CLIENT);
    const char *args[] = {"-no_ticket", "-cipher", "HIGH", "rest", nullptr};
    char **argv = const_cast<char **>(args);
    int argc = 4;
    SSL_CTX_clear_options(c.ctx, SSL_OP_NO_TICKET);
    EXPECT_EQ(SSL_CONF_cmd_argv(c.cc, &argc, &argv), 1);
    EXPECT_NE(c.opts() & SSL_OP_NO_TICKET, 0u);
    EXPECT_EQ(SSL_CONF_cmd_argv(c.cc, &argc, &argv), 2);
    EXPECT_EQ(argc, 1);
    EXPECT_EQ(SSL_CONF_cmd_argv(c.cc, &argc, &argv), 0);
    // The context now reads command-line names only.
    EXPECT_EQ(SSL_CONF_cmd(c.cc, "CipherString", "HIGH"), -2);
}

TEST(SslConfCommands, CaNamesAndStoresAddUp)
{
    Conf c(kFileBoth | SSL_CONF_FLAG_CERTIFICATE);
    EXPECT_EQ(SSL_CONF_cmd(c.cc, "RequestCAFile", shimtest::cert("ca.pem").c_str()), 2);
    EXPECT_EQ(SSL_CONF_cmd(c.cc, "ClientCAFile", shimtest::cert("untrusted-ca.pem").c_str()), 2);
    EXPECT_EQ(SSL_CONF_cmd(c.cc, "RequestCAPath", shimtest::cert_dir().c_str()), 2);
    // The names are set when the context is finished.
    EXPECT_LE(sk_X509_NAME_num(SSL_CTX_get0_CA_list(c.ctx)), 0);
    EXPECT_EQ(SSL_CONF_CTX_finish(c.cc), 1);
    const STACK_OF(X509_NAME) *names = SSL_CTX_get0_CA_list(c.ctx);
    EXPECT_GE(sk_X509_NAME_num(names), 2);

    EXPECT_EQ(SSL_CONF_cmd(c.cc, "VerifyCAFile", shimtest::cert("ca.pem").c_str()), 2);
    X509_STORE *st = nullptr;
    ASSERT_EQ(SSL_CTX_get0_verify_cert_store(c.ctx, &st), 1);
    ASSERT_NE(st, nullptr);
    EXPECT_EQ(SSL_CONF_cmd(c.cc, "VerifyCAFile", shimtest::cert("untrusted-ca.pem").c_str()), 2);
    X509_STORE *st2 = nullptr;
    ASSERT_EQ(SSL_CTX_get0_verify_cert_store(c.ctx, &st2), 1);
    // The same store, now holding both.
    EXPECT_EQ(st, st2);
    STACK_OF(X509_OBJECT) *objs = X509_STORE_get0_objects(st2);
    EXPECT_EQ(sk_X509_OBJECT_num(objs), 2);
    EXPECT_EQ(SSL_CONF_cmd(c.cc, "VerifyCAFile", "/nonexistent/ca.pem"), 0);
}

} // namespace
