/*
 * SSL_CONF: the textual configuration interface that `openssl s_client` /
 * `s_server` (command-line switches such as -cipher, -no_tls1_3) and
 * configuration files ("MinProtocol = TLSv1.2") go through.
 *
 * One table lists every command OpenSSL 3.0 knows, with its file name, its
 * command-line name, who may use it (client, server, only with certificate
 * handling enabled) and the type of its value. Matching follows
 * SSL_CONF_cmd(3): command-line names need the prefix ("-" by default) and
 * match exactly, file names match without regard to case. The settings are
 * applied through the ordinary public setters, so SSL_CONF never bypasses
 * what the SSL_CTX / SSL functions check.
 */
#include "compat/compat.h"
#include "compat/init.h"

#include <openssl/conf.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct ssl_conf_ctx_st {
    unsigned int flags;
    char *prefix; /* NULL: "-" for the command line, none for files */
    SSL_CTX *ctx;
    SSL *ssl;
    int verify_acc;  /* VerifyMode being collected */
    char *cert_file; /* last Certificate, for SSL_CONF_CTX_finish */
    int key_set;
};

/* Who may use a command (beyond the FILE / CMDLINE split). */
enum {
    ONLY_SERVER = 1u << 0,
    ONLY_CLIENT = 1u << 1,
    NEEDS_CERT = 1u << 2, /* SSL_CONF_FLAG_CERTIFICATE must be set */
};

typedef struct conf_cmd {
    const char *file_name; /* NULL: command line only */
    const char *cmd_name;  /* NULL: file only */
    unsigned int who;
    int type; /* SSL_CONF_TYPE_* */
    int (*apply)(SSL_CONF_CTX *c, const char *value);
    /* For switches (type NONE): the option bits to set, or to clear. */
    uint64_t op;
    int clear;
} conf_cmd;

/* --- applying settings to the SSL_CTX or SSL --------------------------------- */

static void set_ops(SSL_CONF_CTX *c, uint64_t op, int clear)
{
    if (c->ssl != NULL) {
        if (clear)
            SSL_clear_options(c->ssl, op);
        else
            SSL_set_options(c->ssl, op);
    } else if (c->ctx != NULL) {
        if (clear)
            SSL_CTX_clear_options(c->ctx, op);
        else
            SSL_CTX_set_options(c->ctx, op);
    }
}

static int is_server(const SSL_CONF_CTX *c)
{
    return (c->flags & SSL_CONF_FLAG_SERVER) != 0;
}

/* No target yet: OpenSSL accepts and forgets such settings. */
static int ctrl(SSL_CONF_CTX *c, int cmd, long larg, void *parg)
{
    if (c->ssl != NULL)
        return (int)SSL_ctrl(c->ssl, cmd, larg, parg);
    if (c->ctx != NULL)
        return (int)SSL_CTX_ctrl(c->ctx, cmd, larg, parg);
    return 1;
}

static int do_sigalgs(SSL_CONF_CTX *c, const char *v)
{
    return ctrl(c, SSL_CTRL_SET_SIGALGS_LIST, 0, (void *)v) > 0;
}

static int do_client_sigalgs(SSL_CONF_CTX *c, const char *v)
{
    return ctrl(c, SSL_CTRL_SET_CLIENT_SIGALGS_LIST, 0, (void *)v) > 0;
}

static int do_groups(SSL_CONF_CTX *c, const char *v)
{
    return ctrl(c, SSL_CTRL_SET_GROUPS_LIST, 0, (void *)v) > 0;
}

/* "automatic" keeps the default groups; otherwise a single curve. */
static int do_ecdh(SSL_CONF_CTX *c, const char *v)
{
    if (strcasecmp(v, "automatic") == 0 || strcasecmp(v, "auto") == 0)
        return 1;
    return do_groups(c, v);
}

static int do_cipher(SSL_CONF_CTX *c, const char *v)
{
    if (c->ssl != NULL)
        return SSL_set_cipher_list(c->ssl, v);
    return c->ctx == NULL || SSL_CTX_set_cipher_list(c->ctx, v);
}

static int do_ciphersuites(SSL_CONF_CTX *c, const char *v)
{
    if (c->ssl != NULL)
        return SSL_set_ciphersuites(c->ssl, v);
    return c->ctx == NULL || SSL_CTX_set_ciphersuites(c->ctx, v);
}

static const struct {
    const char *name;
    int version;
    uint64_t no_op;
} versions[] = {
    {"None", 0, 0},
    {"SSLv3", SSL3_VERSION, SSL_OP_NO_SSLv3},
    {"TLSv1", TLS1_VERSION, SSL_OP_NO_TLSv1},
    {"TLSv1.1", TLS1_1_VERSION, SSL_OP_NO_TLSv1_1},
    {"TLSv1.2", TLS1_2_VERSION, SSL_OP_NO_TLSv1_2},
    {"TLSv1.3", TLS1_3_VERSION, SSL_OP_NO_TLSv1_3},
    /* DTLS bounds apply to DTLS contexts only: accepted, no effect here. */
    {"DTLSv1", -1, 0},
    {"DTLSv1.2", -1, 0},
};

static int version_value(const char *v, int *out, uint64_t *no_op)
{
    for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
        if (strcmp(versions[i].name, v) == 0) {
            *out = versions[i].version;
            if (no_op != NULL)
                *no_op = versions[i].no_op;
            return 1;
        }
    }
    return 0;
}

static int do_proto_bound(SSL_CONF_CTX *c, const char *v, int cmd)
{
    int version;

    if (!version_value(v, &version, NULL))
        return 0;
    if (version < 0)
        return 1;
    return ctrl(c, cmd, version, NULL) > 0;
}

static int do_min_protocol(SSL_CONF_CTX *c, const char *v)
{
    return do_proto_bound(c, v, SSL_CTRL_SET_MIN_PROTO_VERSION);
}
static int do_max_protocol(SSL_CONF_CTX *c, const char *v)
{
    return do_proto_bound(c, v, SSL_CTRL_SET_MAX_PROTO_VERSION);
}

/* Apply fn to each element of a comma separated list ("a,-b, c"). */
static int each_item(SSL_CONF_CTX *c, const char *v,
                     int (*fn)(SSL_CONF_CTX *c, const char *item, size_t len))
{
    while (*v != '\0') {
        const char *start, *end;

        while (*v == ' ' || *v == ',')
            v++;
        if (*v == '\0')
            break;
        start = v;
        while (*v != '\0' && *v != ',')
            v++;
        end = v;
        while (end > start && end[-1] == ' ')
            end--;
        if (!fn(c, start, (size_t)(end - start)))
            return 0;
    }
    return 1;
}

static int item_is(const char *item, size_t len, const char *name)
{
    return strlen(name) == len && strncasecmp(item, name, len) == 0;
}

static int protocol_item(SSL_CONF_CTX *c, const char *item, size_t len)
{
    int off = *item == '-';
    uint64_t all = SSL_OP_NO_SSLv3 | SSL_OP_NO_TLSv1 | SSL_OP_NO_TLSv1_1 | SSL_OP_NO_TLSv1_2 |
                   SSL_OP_NO_TLSv1_3;

    if (*item == '-' || *item == '+') {
        item++;
        len--;
    }
    if (item_is(item, len, "ALL")) {
        set_ops(c, all, !off);
        return 1;
    }
    for (size_t i = 1; i < sizeof(versions) / sizeof(versions[0]); i++) {
        if (item_is(item, len, versions[i].name)) {
            if (versions[i].no_op != 0)
                set_ops(c, versions[i].no_op, !off);
            return 1;
        }
    }
    return 0;
}

static int do_protocol(SSL_CONF_CTX *c, const char *v)
{
    return each_item(c, v, protocol_item);
}

/* Options: name, option bits, whether the name means the bits are *cleared*
 * (the "inverse of SSL_OP_NO_x" names), and server-only. */
static const struct {
    const char *name;
    uint64_t op;
    int inverse;
    int server;
} option_names[] = {
    {"SessionTicket", SSL_OP_NO_TICKET, 1, 0},
    {"EmptyFragments", SSL_OP_DONT_INSERT_EMPTY_FRAGMENTS, 1, 0},
    {"Bugs", SSL_OP_ALL, 0, 0},
    {"Compression", SSL_OP_NO_COMPRESSION, 1, 0},
    {"ServerPreference", SSL_OP_CIPHER_SERVER_PREFERENCE, 0, 1},
    {"NoResumptionOnRenegotiation", SSL_OP_NO_SESSION_RESUMPTION_ON_RENEGOTIATION, 0, 1},
    {"DHSingle", SSL_OP_SINGLE_DH_USE, 0, 1},
    {"ECDHSingle", SSL_OP_SINGLE_ECDH_USE, 0, 1},
    {"UnsafeLegacyRenegotiation", SSL_OP_ALLOW_UNSAFE_LEGACY_RENEGOTIATION, 0, 0},
    {"UnsafeLegacyServerConnect", SSL_OP_LEGACY_SERVER_CONNECT, 0, 0},
    {"NoRenegotiation", SSL_OP_NO_RENEGOTIATION, 0, 0},
    {"EncryptThenMac", SSL_OP_NO_ENCRYPT_THEN_MAC, 1, 0},
    {"AllowNoDHEKEX", SSL_OP_ALLOW_NO_DHE_KEX, 0, 0},
    {"PrioritizeChaCha", SSL_OP_PRIORITIZE_CHACHA, 0, 1},
    {"MiddleboxCompat", SSL_OP_ENABLE_MIDDLEBOX_COMPAT, 0, 0},
    {"AntiReplay", SSL_OP_NO_ANTI_REPLAY, 1, 1},
    {"ExtendedMasterSecret", SSL_OP_NO_EXTENDED_MASTER_SECRET, 1, 0},
    {"CANames", SSL_OP_DISABLE_TLSEXT_CA_NAMES, 1, 0},
    {"KTLS", SSL_OP_ENABLE_KTLS, 0, 0},
};

static int option_item(SSL_CONF_CTX *c, const char *item, size_t len)
{
    int off = *item == '-';

    if (*item == '-' || *item == '+') {
        item++;
        len--;
    }
    for (size_t i = 0; i < sizeof(option_names) / sizeof(option_names[0]); i++) {
        if (!item_is(item, len, option_names[i].name))
            continue;
        if (option_names[i].server && !is_server(c))
            return 0;
        /* Turning a feature off sets an inverse ("NO_") bit, and so on. */
        set_ops(c, option_names[i].op, off != option_names[i].inverse);
        return 1;
    }
    return 0;
}

static int do_options(SSL_CONF_CTX *c, const char *v)
{
    return each_item(c, v, option_item);
}

static int verify_item(SSL_CONF_CTX *c, const char *item, size_t len)
{
    static const struct {
        const char *name;
        int mode;
        int server;
    } modes[] = {
        {"Peer", SSL_VERIFY_PEER, 0},
        {"Request", SSL_VERIFY_PEER, 1},
        {"Require", SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, 1},
        {"Once", SSL_VERIFY_PEER | SSL_VERIFY_CLIENT_ONCE, 1},
        {"RequestPostHandshake", SSL_VERIFY_PEER | SSL_VERIFY_POST_HANDSHAKE, 1},
        {"RequirePostHandshake",
         SSL_VERIFY_PEER | SSL_VERIFY_POST_HANDSHAKE | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, 1},
    };

    for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
        if (item_is(item, len, modes[i].name)) {
            if (modes[i].server && !is_server(c))
                return 0;
            c->verify_acc |= modes[i].mode;
            return 1;
        }
    }
    return 0;
}

static int do_verify_mode(SSL_CONF_CTX *c, const char *v)
{
    int ok;

    c->verify_acc = 0;
    ok = each_item(c, v, verify_item);
    if (ok && c->ssl != NULL)
        SSL_set_verify(c->ssl, c->verify_acc, SSL_get_verify_callback(c->ssl));
    else if (ok && c->ctx != NULL)
        SSL_CTX_set_verify(c->ctx, c->verify_acc, SSL_CTX_get_verify_callback(c->ctx));
    return ok;
}

static int do_cert(SSL_CONF_CTX *c, const char *v)
{
    char *f = OPENSSL_strdup(v);

    if (f == NULL)
        return 0;
    OPENSSL_free(c->cert_file);
    c->cert_file = f;
    if (c->ssl != NULL)
        return SSL_use_certificate_chain_file(c->ssl, v);
    return c->ctx == NULL || SSL_CTX_use_certificate_chain_file(c->ctx, v);
}

static int do_key(SSL_CONF_CTX *c, const char *v)
{
    c->key_set = 1;
    if (c->ssl != NULL)
        return SSL_use_PrivateKey_file(c->ssl, v, SSL_FILETYPE_PEM);
    return c->ctx == NULL || SSL_CTX_use_PrivateKey_file(c->ctx, v, SSL_FILETYPE_PEM);
}

/* Verify/chain stores: a new store loaded from the location. */
static int store_cmd(SSL_CONF_CTX *c, const char *v, int kind, int verify)
{
    X509_STORE *st = X509_STORE_new();
    int ok;

    if (st == NULL)
        return 0;
    ok = kind == 0   ? X509_STORE_load_file(st, v)
         : kind == 1 ? X509_STORE_load_path(st, v)
                     : X509_STORE_load_store(st, v);
    if (!ok) {
        X509_STORE_free(st);
        return 0;
    }
    /* set0: the SSL_CTX / SSL takes our reference. */
    if (ctrl(c, verify ? SSL_CTRL_SET_VERIFY_CERT_STORE : SSL_CTRL_SET_CHAIN_CERT_STORE, 0, st) <=
            0 ||
        (c->ssl == NULL && c->ctx == NULL)) {
        X509_STORE_free(st);
        return c->ssl == NULL && c->ctx == NULL;
    }
    return 1;
}

static int do_verify_file(SSL_CONF_CTX *c, const char *v)
{
    return store_cmd(c, v, 0, 1);
}
static int do_verify_path(SSL_CONF_CTX *c, const char *v)
{
    return store_cmd(c, v, 1, 1);
}
static int do_verify_store(SSL_CONF_CTX *c, const char *v)
{
    return store_cmd(c, v, 2, 1);
}
static int do_chain_file(SSL_CONF_CTX *c, const char *v)
{
    return store_cmd(c, v, 0, 0);
}
static int do_chain_path(SSL_CONF_CTX *c, const char *v)
{
    return store_cmd(c, v, 1, 0);
}
static int do_chain_store(SSL_CONF_CTX *c, const char *v)
{
    return store_cmd(c, v, 2, 0);
}

static int do_ca_names_file(SSL_CONF_CTX *c, const char *v)
{
    STACK_OF(X509_NAME) *names = sk_X509_NAME_new_null();

    if (names == NULL || !SSL_add_file_cert_subjects_to_stack(names, v) ||
        sk_X509_NAME_num(names) == 0) {
        sk_X509_NAME_pop_free(names, X509_NAME_free);
        return 0;
    }
    if (c->ssl != NULL)
        SSL_set_client_CA_list(c->ssl, names);
    else if (c->ctx != NULL)
        SSL_CTX_set_client_CA_list(c->ctx, names);
    else
        sk_X509_NAME_pop_free(names, X509_NAME_free);
    return 1;
}

/* Accepted for compatibility; the engine has no counterpart yet (DH
 * parameters are for TLS 1.2 DHE suites, server info for extensions). */
static int do_accept_file(SSL_CONF_CTX *c, const char *v)
{
    BIO *b = BIO_new_file(v, "r");

    (void)c;
    if (b == NULL)
        return 0;
    BIO_free(b);
    return 1;
}

static int parse_count(const char *v, long max, long *out)
{
    char *end;
    long n = strtol(v, &end, 10);

    if (*v == '\0' || *end != '\0' || n < 0 || n > max)
        return 0;
    *out = n;
    return 1;
}

/* TLS 1.3 block padding (SSL_CTX_set_block_padding checks the range). */
static int do_record_padding(SSL_CONF_CTX *c, const char *v)
{
    long n;

    if (!parse_count(v, SSL3_RT_MAX_PLAIN_LENGTH, &n))
        return 0;
    if (c->ssl != NULL)
        return SSL_set_block_padding(c->ssl, (size_t)n);
    if (c->ctx != NULL)
        return SSL_CTX_set_block_padding(c->ctx, (size_t)n);
    return 1;
}

static int do_num_tickets(SSL_CONF_CTX *c, const char *v)
{
    long n;

    if (!parse_count(v, 0x7fffffffL, &n))
        return 0;
    if (c->ssl != NULL)
        return SSL_set_num_tickets(c->ssl, (size_t)n);
    return c->ctx == NULL || SSL_CTX_set_num_tickets(c->ctx, (size_t)n);
}

#define STR SSL_CONF_TYPE_STRING
#define FIL SSL_CONF_TYPE_FILE
#define DIR SSL_CONF_TYPE_DIR
#define STO SSL_CONF_TYPE_STORE
#define NON SSL_CONF_TYPE_NONE
#define SWITCH(cmd, who, op, clear)                                                                \
    {                                                                                              \
        NULL, cmd, who, NON, NULL, op, clear                                                       \
    }

static const conf_cmd commands[] = {
    SWITCH("no_ssl3", 0, SSL_OP_NO_SSLv3, 0),
    SWITCH("no_tls1", 0, SSL_OP_NO_TLSv1, 0),
    SWITCH("no_tls1_1", 0, SSL_OP_NO_TLSv1_1, 0),
    SWITCH("no_tls1_2", 0, SSL_OP_NO_TLSv1_2, 0),
    SWITCH("no_tls1_3", 0, SSL_OP_NO_TLSv1_3, 0),
    SWITCH("bugs", 0, SSL_OP_ALL, 0),
    SWITCH("no_comp", 0, SSL_OP_NO_COMPRESSION, 0),
    SWITCH("comp", 0, SSL_OP_NO_COMPRESSION, 1),
    SWITCH("ecdh_single", ONLY_SERVER, SSL_OP_SINGLE_ECDH_USE, 0),
    SWITCH("no_ticket", 0, SSL_OP_NO_TICKET, 0),
    SWITCH("serverpref", ONLY_SERVER, SSL_OP_CIPHER_SERVER_PREFERENCE, 0),
    SWITCH("legacy_renegotiation", 0, SSL_OP_ALLOW_UNSAFE_LEGACY_RENEGOTIATION, 0),
    SWITCH("client_renegotiation", ONLY_SERVER, SSL_OP_ALLOW_CLIENT_RENEGOTIATION, 0),
    SWITCH("legacy_server_connect", ONLY_CLIENT, SSL_OP_LEGACY_SERVER_CONNECT, 0),
    SWITCH("no_renegotiation", 0, SSL_OP_NO_RENEGOTIATION, 0),
    SWITCH("no_resumption_on_reneg", ONLY_SERVER, SSL_OP_NO_SESSION_RESUMPTION_ON_RENEGOTIATION, 0),
    SWITCH("no_legacy_server_connect", ONLY_CLIENT, SSL_OP_LEGACY_SERVER_CONNECT, 1),
    SWITCH("allow_no_dhe_kex", 0, SSL_OP_ALLOW_NO_DHE_KEX, 0),
    SWITCH("prioritize_chacha", ONLY_SERVER, SSL_OP_PRIORITIZE_CHACHA, 0),
    SWITCH("strict", 0, 0, 0),
    SWITCH("no_middlebox", 0, SSL_OP_ENABLE_MIDDLEBOX_COMPAT, 1),
    SWITCH("anti_replay", ONLY_SERVER, SSL_OP_NO_ANTI_REPLAY, 1),
    SWITCH("no_anti_replay", ONLY_SERVER, SSL_OP_NO_ANTI_REPLAY, 0),
    SWITCH("debug_broken_protocol", 0, 0, 0),
    {"SignatureAlgorithms", "sigalgs", 0, STR, do_sigalgs, 0, 0},
    {"ClientSignatureAlgorithms", "client_sigalgs", 0, STR, do_client_sigalgs, 0, 0},
    {"Curves", "curves", 0, STR, do_groups, 0, 0},
    {"Groups", "groups", 0, STR, do_groups, 0, 0},
    {"ECDHParameters", "named_curve", ONLY_SERVER, STR, do_ecdh, 0, 0},
    {"CipherString", "cipher", 0, STR, do_cipher, 0, 0},
    {"Ciphersuites", "ciphersuites", 0, STR, do_ciphersuites, 0, 0},
    {"Protocol", NULL, 0, STR, do_protocol, 0, 0},
    {"MinProtocol", "min_protocol", 0, STR, do_min_protocol, 0, 0},
    {"MaxProtocol", "max_protocol", 0, STR, do_max_protocol, 0, 0},
    {"Options", NULL, 0, STR, do_options, 0, 0},
    {"VerifyMode", NULL, 0, STR, do_verify_mode, 0, 0},
    {"Certificate", "cert", NEEDS_CERT, FIL, do_cert, 0, 0},
    {"PrivateKey", "key", NEEDS_CERT, FIL, do_key, 0, 0},
    {"ServerInfoFile", NULL, ONLY_SERVER | NEEDS_CERT, FIL, do_accept_file, 0, 0},
    {"ChainCAPath", "chainCApath", NEEDS_CERT, DIR, do_chain_path, 0, 0},
    {"ChainCAFile", "chainCAfile", NEEDS_CERT, FIL, do_chain_file, 0, 0},
    {"ChainCAStore", "chainCAstore", NEEDS_CERT, STO, do_chain_store, 0, 0},
    {"VerifyCAPath", "verifyCApath", NEEDS_CERT, DIR, do_verify_path, 0, 0},
    {"VerifyCAFile", "verifyCAfile", NEEDS_CERT, FIL, do_verify_file, 0, 0},
    {"VerifyCAStore", "verifyCAstore", NEEDS_CERT, STO, do_verify_store, 0, 0},
    {"RequestCAFile", "requestCAFile", NEEDS_CERT, FIL, do_ca_names_file, 0, 0},
    {"ClientCAFile", NULL, ONLY_SERVER | NEEDS_CERT, FIL, do_ca_names_file, 0, 0},
    {"DHParameters", "dhparam", ONLY_SERVER | NEEDS_CERT, FIL, do_accept_file, 0, 0},
    {"RecordPadding", "record_padding", 0, STR, do_record_padding, 0, 0},
    {"NumTickets", "num_tickets", ONLY_SERVER, STR, do_num_tickets, 0, 0},
};

/* --- matching --------------------------------------------------------------- */

static int allowed(const SSL_CONF_CTX *c, const conf_cmd *t)
{
    if ((t->who & ONLY_SERVER) && !(c->flags & SSL_CONF_FLAG_SERVER))
        return 0;
    if ((t->who & ONLY_CLIENT) && !(c->flags & SSL_CONF_FLAG_CLIENT))
        return 0;
    if ((t->who & NEEDS_CERT) && !(c->flags & SSL_CONF_FLAG_CERTIFICATE))
        return 0;
    return 1;
}

/* Strip the prefix; NULL when the name does not carry it. */
static const char *strip_prefix(const SSL_CONF_CTX *c, const char *cmd)
{
    int cmdline = (c->flags & SSL_CONF_FLAG_CMDLINE) != 0;
    const char *prefix = c->prefix != NULL ? c->prefix : cmdline ? "-" : "";
    size_t n = strlen(prefix);

    if (cmdline ? strncmp(cmd, prefix, n) != 0 : strncasecmp(cmd, prefix, n) != 0)
        return NULL;
    return cmd + n;
}

static const conf_cmd *find_cmd(const SSL_CONF_CTX *c, const char *cmd)
{
    const char *name;

    if (cmd == NULL || (name = strip_prefix(c, cmd)) == NULL)
        return NULL;
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        const conf_cmd *t = &commands[i];
        int hit = 0;

        if ((c->flags & SSL_CONF_FLAG_CMDLINE) && t->cmd_name != NULL &&
            strcmp(t->cmd_name, name) == 0)
            hit = 1;
        if ((c->flags & SSL_CONF_FLAG_FILE) && t->file_name != NULL &&
            strcasecmp(t->file_name, name) == 0)
            hit = 1;
        if (hit && allowed(c, t))
            return t;
    }
    return NULL;
}

int SSL_CONF_cmd(SSL_CONF_CTX *c, const char *cmd, const char *value)
{
    const conf_cmd *t;

    if (cmd == NULL) {
        SHIMSSL_ERR(SSL_R_INVALID_NULL_CMD_NAME);
        return 0;
    }
    if ((t = find_cmd(c, cmd)) == NULL) {
        if (c->flags & SSL_CONF_FLAG_SHOW_ERRORS)
            ERR_raise_data(ERR_LIB_SSL, SSL_R_UNKNOWN_CMD_NAME, "cmd=%s", cmd);
        return -2;
    }
    if (t->type == SSL_CONF_TYPE_NONE) {
        if (t->op != 0)
            set_ops(c, t->op, t->clear);
        return 1;
    }
    if (value == NULL)
        return -3;
    if (t->apply(c, value) > 0)
        return 2;
    if (c->flags & SSL_CONF_FLAG_SHOW_ERRORS)
        ERR_raise_data(ERR_LIB_SSL, SSL_R_BAD_VALUE, "cmd=%s, value=%s", cmd, value);
    return 0;
}

int SSL_CONF_cmd_argv(SSL_CONF_CTX *c, int *pargc, char ***pargv)
{
    char **argv = *pargv;
    const char *arg;
    int rv;

    if (argv == NULL || argv[0] == NULL || (pargc != NULL && *pargc <= 0))
        return 0;
    arg = pargc == NULL || *pargc > 1 ? argv[1] : NULL;
    rv = SSL_CONF_cmd(c, argv[0], arg);
    if (rv == 2 || rv == 1) {
        *pargv += rv;
        if (pargc != NULL)
            *pargc -= rv;
        return rv;
    }
    if (rv == -2)
        return 0;
    return rv == 0 ? -1 : rv;
}

int SSL_CONF_cmd_value_type(SSL_CONF_CTX *c, const char *cmd)
{
    const conf_cmd *t = find_cmd(c, cmd);

    return t != NULL ? t->type : SSL_CONF_TYPE_UNKNOWN;
}

/* --- the context object ----------------------------------------------------- */

SSL_CONF_CTX *SSL_CONF_CTX_new(void)
{
    SSL_CONF_CTX *c = OPENSSL_zalloc(sizeof(*c));

    if (c == NULL)
        ERR_raise(ERR_LIB_SSL, ERR_R_MALLOC_FAILURE);
    return c;
}

void SSL_CONF_CTX_free(SSL_CONF_CTX *c)
{
    if (c == NULL)
        return;
    OPENSSL_free(c->prefix);
    OPENSSL_free(c->cert_file);
    OPENSSL_free(c);
}

unsigned int SSL_CONF_CTX_set_flags(SSL_CONF_CTX *c, unsigned int flags)
{
    return c->flags |= flags;
}

unsigned int SSL_CONF_CTX_clear_flags(SSL_CONF_CTX *c, unsigned int flags)
{
    return c->flags &= ~flags;
}

int SSL_CONF_CTX_set1_prefix(SSL_CONF_CTX *c, const char *pre)
{
    char *p = NULL;

    if (pre != NULL && (p = OPENSSL_strdup(pre)) == NULL)
        return 0;
    OPENSSL_free(c->prefix);
    c->prefix = p;
    return 1;
}

void SSL_CONF_CTX_set_ssl(SSL_CONF_CTX *c, SSL *ssl)
{
    c->ssl = ssl;
    c->ctx = NULL;
}

void SSL_CONF_CTX_set_ssl_ctx(SSL_CONF_CTX *c, SSL_CTX *ctx)
{
    c->ctx = ctx;
    c->ssl = NULL;
}

/* A certificate loaded without a key: the key is expected in the same file. */
int SSL_CONF_CTX_finish(SSL_CONF_CTX *c)
{
    if (!(c->flags & SSL_CONF_FLAG_CERTIFICATE) || c->cert_file == NULL || c->key_set)
        return 1;
    c->key_set = 1;
    if (c->ssl != NULL)
        return SSL_use_PrivateKey_file(c->ssl, c->cert_file, SSL_FILETYPE_PEM) > 0;
    if (c->ctx != NULL)
        return SSL_CTX_use_PrivateKey_file(c->ctx, c->cert_file, SSL_FILETYPE_PEM) > 0;
    return 1;
}

/* --- the "ssl_conf" module of openssl.cnf ------------------------------------- */

/*
 * libcrypto reads openssl.cnf but keeps what its "ssl_conf" module found to
 * itself, so we read the same file (OPENSSL_CONF, else the default path)
 * with the public NCONF API:
 *
 *   openssl_conf = init_section          (default section)
 *   [init_section]   ssl_conf = ssl_section
 *   [ssl_section]    system_default = sys_section   (and any other names)
 *   [sys_section]    MinProtocol = TLSv1.2 ...       (SSL_CONF file commands)
 *
 * "system_default" applies to every new SSL_CTX (as OpenSSL does, quietly:
 * a bad line neither fails SSL_CTX_new nor leaves an error); other names
 * are for SSL_CTX_config / SSL_config.
 */
typedef struct conf_line {
    char *name;
    char *value;
} conf_line;

/* The lines of section `name` of the ssl_conf module; *n = -1 if absent. */
static conf_line *read_ssl_section(const char *name, int *n)
{
    char *file = CONF_get1_default_config_file();
    CONF *conf = NCONF_new(NULL);
    conf_line *lines = NULL;
    const char *init, *ssl_sect, *cmds;
    STACK_OF(CONF_VALUE) * sk;

    *n = -1;
    ERR_set_mark();
    if (file == NULL || conf == NULL || NCONF_load(conf, file, NULL) <= 0 ||
        (init = NCONF_get_string(conf, NULL, "openssl_conf")) == NULL ||
        (ssl_sect = NCONF_get_string(conf, init, "ssl_conf")) == NULL ||
        (cmds = NCONF_get_string(conf, ssl_sect, name)) == NULL ||
        (sk = NCONF_get_section(conf, cmds)) == NULL)
        goto done;
    if ((lines = OPENSSL_zalloc(sizeof(*lines) * ((size_t)sk_CONF_VALUE_num(sk) + 1))) == NULL)
        goto done;
    for (int i = 0; i < sk_CONF_VALUE_num(sk); i++) {
        CONF_VALUE *v = sk_CONF_VALUE_value(sk, i);

        lines[i].name = OPENSSL_strdup(v->name);
        lines[i].value = OPENSSL_strdup(v->value);
    }
    *n = sk_CONF_VALUE_num(sk);
done:
    ERR_pop_to_mark();
    NCONF_free(conf);
    OPENSSL_free(file);
    return lines;
}

static void free_lines(conf_line *lines, int n)
{
    for (int i = 0; i < n; i++) {
        OPENSSL_free(lines[i].name);
        OPENSSL_free(lines[i].value);
    }
    OPENSSL_free(lines);
}

static int apply_lines(SSL_CTX *ctx, SSL *ssl, const conf_line *lines, int n, int system)
{
    SSL_CONF_CTX *c = SSL_CONF_CTX_new();
    const SSL_METHOD *meth = ssl != NULL ? ssl->method : ctx->method;
    unsigned int flags = SSL_CONF_FLAG_FILE;
    int ok = 1;

    if (c == NULL)
        return 0;
    if (!system)
        flags |= SSL_CONF_FLAG_CERTIFICATE | SSL_CONF_FLAG_REQUIRE_PRIVATE;
    if (meth->side != SHIMSSL_SIDE_SERVER)
        flags |= SSL_CONF_FLAG_CLIENT;
    if (meth->side != SHIMSSL_SIDE_CLIENT)
        flags |= SSL_CONF_FLAG_SERVER;
    SSL_CONF_CTX_set_flags(c, flags);
    if (ssl != NULL)
        SSL_CONF_CTX_set_ssl(c, ssl);
    else
        SSL_CONF_CTX_set_ssl_ctx(c, ctx);
    for (int i = 0; i < n; i++) {
        if (lines[i].name == NULL || lines[i].value == NULL ||
            SSL_CONF_cmd(c, lines[i].name, lines[i].value) <= 0) {
            if (!system)
                ERR_raise_data(ERR_LIB_SSL, SSL_R_BAD_VALUE, "cmd=%s, arg=%s",
                               lines[i].name != NULL ? lines[i].name : "",
                               lines[i].value != NULL ? lines[i].value : "");
            ok = 0;
        }
    }
    if (!SSL_CONF_CTX_finish(c))
        ok = 0;
    SSL_CONF_CTX_free(c);
    return ok;
}

static conf_line *system_lines;
static int n_system_lines;
static pthread_once_t system_once = PTHREAD_ONCE_INIT;

static void load_system_default(void)
{
    system_lines = read_ssl_section("system_default", &n_system_lines);
}

/* Called for every new SSL_CTX (compat-api's ctx_init hook). */
void shimssl_conf_apply_system(SSL_CTX *ctx)
{
    pthread_once(&system_once, load_system_default);
    if (n_system_lines <= 0)
        return;
    ERR_set_mark();
    (void)apply_lines(ctx, NULL, system_lines, n_system_lines, 1);
    ERR_pop_to_mark();
}

static int apply_named(SSL_CTX *ctx, SSL *ssl, const char *name)
{
    int n, ok;
    conf_line *lines;

    if (name == NULL) {
        ERR_raise(ERR_LIB_SSL, ERR_R_PASSED_NULL_PARAMETER);
        return 0;
    }
    lines = read_ssl_section(name, &n);
    if (n < 0) {
        ERR_raise_data(ERR_LIB_SSL, SSL_R_INVALID_CONFIGURATION_NAME, "name=%s", name);
        return 0;
    }
    ok = apply_lines(ctx, ssl, lines, n, 0);
    free_lines(lines, n);
    return ok;
}

int SSL_CTX_config(SSL_CTX *ctx, const char *name)
{
    return apply_named(ctx, NULL, name);
}

int SSL_config(SSL *s, const char *name)
{
    return apply_named(NULL, s, name);
}
