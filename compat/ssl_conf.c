/*
 * SSL_CONF: the textual configuration interface that `openssl s_client` /
 * `s_server` (command-line switches such as -cipher, -no_tls1_3) and
 * configuration files ("MinProtocol = TLSv1.2") go through, and the
 * "ssl_conf" module of openssl.cnf (SSL_CTX_config, SSL_config and the
 * system_default section applied to each new SSL_CTX).
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
#include <openssl/core_dispatch.h>
#include <openssl/decoder.h>

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct ssl_conf_ctx_st {
    unsigned int flags;
    char *prefix; /* NULL: "-" for the command line, none for files */
    SSL_CTX *ctx;
    SSL *ssl;
    char *cert_file;               /* last Certificate, for SSL_CONF_CTX_finish */
    STACK_OF(X509_NAME) * canames; /* Request/ClientCA*, set by finish */
};

/* Who may use a command (beyond the FILE / CMDLINE split). */
enum {
    ONLY_SERVER = 1u << 0,
    ONLY_CLIENT = 1u << 1,
    NEEDS_CERT = 1u << 2, /* SSL_CONF_FLAG_CERTIFICATE must be set */
};

/* What a switch (type NONE) changes. */
enum { SW_OPTION, SW_OPTION_CLEAR, SW_CERT_FLAG };

typedef struct conf_cmd {
    const char *file_name; /* NULL: command line only */
    const char *cmd_name;  /* NULL: file only */
    unsigned int who;
    int type; /* SSL_CONF_TYPE_* */
    int (*apply)(SSL_CONF_CTX *c, const char *value);
    /* For switches (type NONE): the bits and what to do with them. */
    uint64_t op;
    int sw;
} conf_cmd;

/* --- applying settings to the SSL_CTX or SSL --------------------------------- */

static int has_target(const SSL_CONF_CTX *c)
{
    return c->ssl != NULL || c->ctx != NULL;
}

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

static long ctrl(SSL_CONF_CTX *c, int cmd, long larg, void *parg)
{
    if (c->ssl != NULL)
        return SSL_ctrl(c->ssl, cmd, larg, parg);
    return SSL_CTX_ctrl(c->ctx, cmd, larg, parg);
}

static SSL_CTX *owning_ctx(const SSL_CONF_CTX *c)
{
    return c->ssl != NULL ? SSL_get_SSL_CTX(c->ssl) : c->ctx;
}

/* Without a target, list syntax alone is checked (OpenSSL's ctx == NULL). */
static int check_list(const char *v, int (*parse)(shimssl_u16_list *, const char *))
{
    shimssl_u16_list tmp = {0};
    int ok = parse(&tmp, v);

    shimssl_u16_list_free(&tmp);
    return ok;
}

static int do_sigalgs(SSL_CONF_CTX *c, const char *v)
{
    if (!has_target(c))
        return check_list(v, shimssl_parse_sigalgs);
    return ctrl(c, SSL_CTRL_SET_SIGALGS_LIST, 0, (void *)v) > 0;
}

static int do_client_sigalgs(SSL_CONF_CTX *c, const char *v)
{
    if (!has_target(c))
        return check_list(v, shimssl_parse_sigalgs);
    return ctrl(c, SSL_CTRL_SET_CLIENT_SIGALGS_LIST, 0, (void *)v) > 0;
}

static int do_groups(SSL_CONF_CTX *c, const char *v)
{
    if (!has_target(c))
        return check_list(v, shimssl_parse_groups);
    return ctrl(c, SSL_CTRL_SET_GROUPS_LIST, 0, (void *)v) > 0;
}

/*
 * One group, or the automatic choice (the default groups): "automatic" /
 * "+automatic" in files, "auto" on the command line (1.0.2's spellings).
 */
static int do_ecdh(SSL_CONF_CTX *c, const char *v)
{
    if ((c->flags & SSL_CONF_FLAG_FILE) &&
        (strcasecmp(v, "+automatic") == 0 || strcasecmp(v, "automatic") == 0))
        return 1;
    if ((c->flags & SSL_CONF_FLAG_CMDLINE) && strcmp(v, "auto") == 0)
        return 1;
    if (strchr(v, ':') != NULL)
        return 0;
    if (!has_target(c))
        return 1;
    return ctrl(c, SSL_CTRL_SET_GROUPS_LIST, 0, (void *)v) > 0;
}

static int do_cipher(SSL_CONF_CTX *c, const char *v)
{
    if (c->ssl != NULL)
        return SSL_set_cipher_list(c->ssl, v) > 0;
    return c->ctx == NULL || SSL_CTX_set_cipher_list(c->ctx, v) > 0;
}

static int do_ciphersuites(SSL_CONF_CTX *c, const char *v)
{
    if (c->ssl != NULL)
        return SSL_set_ciphersuites(c->ssl, v) > 0;
    return c->ctx == NULL || SSL_CTX_set_ciphersuites(c->ctx, v) > 0;
}

/* MinProtocol / MaxProtocol names (exact), as OpenSSL 3.0 lists them. */
static const struct {
    const char *name;
    int version;
} versions[] = {
    {"None", 0},
    {"SSLv3", SSL3_VERSION},
    {"TLSv1", TLS1_VERSION},
    {"TLSv1.1", TLS1_1_VERSION},
    {"TLSv1.2", TLS1_2_VERSION},
    {"TLSv1.3", TLS1_3_VERSION},
    {"DTLSv1", DTLS1_VERSION},
    {"DTLSv1.2", DTLS1_2_VERSION},
};

/* The setters ignore a DTLS bound on a TLS method, as OpenSSL's. */
static int do_proto_bound(SSL_CONF_CTX *c, const char *v, int cmd)
{
    if (!has_target(c))
        return 0;
    for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++)
        if (strcmp(versions[i].name, v) == 0)
            return ctrl(c, cmd, versions[i].version, NULL) > 0;
    return 0;
}

static int do_min_protocol(SSL_CONF_CTX *c, const char *v)
{
    return do_proto_bound(c, v, SSL_CTRL_SET_MIN_PROTO_VERSION);
}
static int do_max_protocol(SSL_CONF_CTX *c, const char *v)
{
    return do_proto_bound(c, v, SSL_CTRL_SET_MAX_PROTO_VERSION);
}

/*
 * The lists of Protocol, Options and VerifyMode: comma separated names,
 * blanks around each ignored, an empty element an error (CONF_parse_list's
 * rules). A "+" or "-" in front turns the name on or off. A name is known
 * only to the sides it is marked for, and to none when the SSL_CONF_CTX
 * declares neither SSL_CONF_FLAG_CLIENT nor SSL_CONF_FLAG_SERVER.
 */
enum {
    NAME_CLIENT = SSL_CONF_FLAG_CLIENT,
    NAME_SERVER = SSL_CONF_FLAG_SERVER,
    NAME_BOTH = SSL_CONF_FLAG_CLIENT | SSL_CONF_FLAG_SERVER,
};

typedef struct conf_name {
    const char *name;
    unsigned int sides;
    int inverse; /* the name turns the feature on by clearing the bits */
    uint64_t bits;
} conf_name;

typedef struct name_list {
    const conf_name *names;
    size_t n;
    int verify; /* bits of the verify mode, not of the options */
    int vmode;  /* verify mode being built */
} name_list;

static int name_item(SSL_CONF_CTX *c, name_list *l, const char *item, size_t len)
{
    int on = 1;

    if (len > 0 && (*item == '+' || *item == '-')) {
        on = *item == '+';
        item++;
        len--;
    }
    for (size_t i = 0; i < l->n; i++) {
        const conf_name *e = &l->names[i];

        if (!(c->flags & e->sides) || strlen(e->name) != len ||
            strncasecmp(e->name, item, len) != 0)
            continue;
        if (e->inverse)
            on = !on;
        if (l->verify)
            l->vmode = on ? l->vmode | (int)e->bits : l->vmode & ~(int)e->bits;
        else
            set_ops(c, e->bits, !on);
        return 1;
    }
    return 0;
}

static int name_list_apply(SSL_CONF_CTX *c, name_list *l, const char *v)
{
    for (;;) {
        const char *start, *end, *comma;

        while (isspace((unsigned char)*v))
            v++;
        comma = strchr(v, ',');
        end = comma != NULL ? comma : v + strlen(v);
        start = v;
        while (end > start && isspace((unsigned char)end[-1]))
            end--;
        if (end == start || !name_item(c, l, start, (size_t)(end - start)))
            return 0;
        if (comma == NULL)
            return 1;
        v = comma + 1;
    }
}

static int do_protocol(SSL_CONF_CTX *c, const char *v)
{
    static const conf_name protocols[] = {
        {"ALL", NAME_BOTH, 1, SSL_OP_NO_SSL_MASK},
        {"SSLv2", NAME_BOTH, 1, SSL_OP_NO_SSLv2},
        {"SSLv3", NAME_BOTH, 1, SSL_OP_NO_SSLv3},
        {"TLSv1", NAME_BOTH, 1, SSL_OP_NO_TLSv1},
        {"TLSv1.1", NAME_BOTH, 1, SSL_OP_NO_TLSv1_1},
        {"TLSv1.2", NAME_BOTH, 1, SSL_OP_NO_TLSv1_2},
        {"TLSv1.3", NAME_BOTH, 1, SSL_OP_NO_TLSv1_3},
        /* Same bits as TLSv1 / TLSv1.2 in 3.0's option word. */
        {"DTLSv1", NAME_BOTH, 1, SSL_OP_NO_DTLSv1},
        {"DTLSv1.2", NAME_BOTH, 1, SSL_OP_NO_DTLSv1_2},
    };
    name_list l = {protocols, sizeof(protocols) / sizeof(protocols[0]), 0, 0};

    return name_list_apply(c, &l, v);
}

static int do_options(SSL_CONF_CTX *c, const char *v)
{
    static const conf_name options[] = {
        {"SessionTicket", NAME_BOTH, 1, SSL_OP_NO_TICKET},
        {"EmptyFragments", NAME_BOTH, 1, SSL_OP_DONT_INSERT_EMPTY_FRAGMENTS},
        {"Bugs", NAME_BOTH, 0, SSL_OP_ALL},
        {"Compression", NAME_BOTH, 1, SSL_OP_NO_COMPRESSION},
        {"ServerPreference", NAME_SERVER, 0, SSL_OP_CIPHER_SERVER_PREFERENCE},
        {"NoResumptionOnRenegotiation", NAME_SERVER, 0,
         SSL_OP_NO_SESSION_RESUMPTION_ON_RENEGOTIATION},
        {"DHSingle", NAME_SERVER, 0, SSL_OP_SINGLE_DH_USE},
        {"ECDHSingle", NAME_SERVER, 0, SSL_OP_SINGLE_ECDH_USE},
        {"UnsafeLegacyRenegotiation", NAME_BOTH, 0, SSL_OP_ALLOW_UNSAFE_LEGACY_RENEGOTIATION},
        {"UnsafeLegacyServerConnect", NAME_BOTH, 0, SSL_OP_LEGACY_SERVER_CONNECT},
        {"ClientRenegotiation", NAME_BOTH, 0, SSL_OP_ALLOW_CLIENT_RENEGOTIATION},
        {"EncryptThenMac", NAME_BOTH, 1, SSL_OP_NO_ENCRYPT_THEN_MAC},
        {"NoRenegotiation", NAME_BOTH, 0, SSL_OP_NO_RENEGOTIATION},
        {"AllowNoDHEKEX", NAME_BOTH, 0, SSL_OP_ALLOW_NO_DHE_KEX},
        {"PrioritizeChaCha", NAME_BOTH, 0, SSL_OP_PRIORITIZE_CHACHA},
        {"MiddleboxCompat", NAME_BOTH, 0, SSL_OP_ENABLE_MIDDLEBOX_COMPAT},
        {"AntiReplay", NAME_BOTH, 1, SSL_OP_NO_ANTI_REPLAY},
        {"ExtendedMasterSecret", NAME_BOTH, 1, SSL_OP_NO_EXTENDED_MASTER_SECRET},
        {"CANames", NAME_BOTH, 1, SSL_OP_DISABLE_TLSEXT_CA_NAMES},
        {"KTLS", NAME_BOTH, 0, SSL_OP_ENABLE_KTLS},
    };
    name_list l = {options, sizeof(options) / sizeof(options[0]), 0, 0};

    return name_list_apply(c, &l, v);
}

/* The verify mode bits change in place: earlier bits stay unless "-"ed. */
static int do_verify_mode(SSL_CONF_CTX *c, const char *v)
{
    static const conf_name modes[] = {
        {"Peer", NAME_CLIENT, 0, SSL_VERIFY_PEER},
        {"Request", NAME_SERVER, 0, SSL_VERIFY_PEER},
        {"Require", NAME_SERVER, 0, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT},
        {"Once", NAME_SERVER, 0, SSL_VERIFY_PEER | SSL_VERIFY_CLIENT_ONCE},
        {"RequestPostHandshake", NAME_SERVER, 0, SSL_VERIFY_PEER | SSL_VERIFY_POST_HANDSHAKE},
        {"RequirePostHandshake", NAME_SERVER, 0,
         SSL_VERIFY_PEER | SSL_VERIFY_POST_HANDSHAKE | SSL_VERIFY_FAIL_IF_NO_PEER_CERT},
    };
    name_list l = {modes, sizeof(modes) / sizeof(modes[0]), 1, 0};
    int ok;

    if (c->ssl != NULL)
        l.vmode = SSL_get_verify_mode(c->ssl);
    else if (c->ctx != NULL)
        l.vmode = SSL_CTX_get_verify_mode(c->ctx);
    ok = name_list_apply(c, &l, v);
    /* The names before a bad one have taken effect, as in OpenSSL. */
    if (c->ssl != NULL)
        SSL_set_verify(c->ssl, l.vmode, SSL_get_verify_callback(c->ssl));
    else if (c->ctx != NULL)
        SSL_CTX_set_verify(c->ctx, l.vmode, SSL_CTX_get_verify_callback(c->ctx));
    return ok;
}

/* With SSL_CONF_FLAG_REQUIRE_PRIVATE the file is remembered: finish loads
 * the key from it when no PrivateKey line gave one. */
static int do_cert(SSL_CONF_CTX *c, const char *v)
{
    int rv = 1;

    if (c->ssl != NULL)
        rv = SSL_use_certificate_chain_file(c->ssl, v);
    else if (c->ctx != NULL)
        rv = SSL_CTX_use_certificate_chain_file(c->ctx, v);
    if (rv > 0 && has_target(c) && (c->flags & SSL_CONF_FLAG_REQUIRE_PRIVATE)) {
        char *f = OPENSSL_strdup(v);

        if (f == NULL)
            return 0;
        OPENSSL_free(c->cert_file);
        c->cert_file = f;
    }
    return rv > 0;
}

static int do_key(SSL_CONF_CTX *c, const char *v)
{
    if (c->ssl != NULL)
        return SSL_use_PrivateKey_file(c->ssl, v, SSL_FILETYPE_PEM) > 0;
    return c->ctx == NULL || SSL_CTX_use_PrivateKey_file(c->ctx, v, SSL_FILETYPE_PEM) > 0;
}

static int do_serverinfo(SSL_CONF_CTX *c, const char *v)
{
    return c->ctx == NULL || SSL_CTX_use_serverinfo_file(c->ctx, v) > 0;
}

/*
 * Verify / chain stores: the locations are added to the store the SSL_CTX
 * or SSL already has (a new one when it has none yet).
 */
static int store_cmd(SSL_CONF_CTX *c, const char *v, int kind, int verify)
{
    SSL_CTX *owner = owning_ctx(c);
    X509_STORE *st = NULL;

    if (!has_target(c))
        return 1;
    ctrl(c, verify ? SSL_CTRL_GET_VERIFY_CERT_STORE : SSL_CTRL_GET_CHAIN_CERT_STORE, 0, &st);
    if (st == NULL) {
        if ((st = X509_STORE_new()) == NULL)
            return 0;
        /* set0: the SSL_CTX / SSL takes our reference. */
        if (ctrl(c, verify ? SSL_CTRL_SET_VERIFY_CERT_STORE : SSL_CTRL_SET_CHAIN_CERT_STORE, 0,
                 st) <= 0) {
            X509_STORE_free(st);
            return 0;
        }
    }
    switch (kind) {
    case 0:
        return X509_STORE_load_file_ex(st, v, owner->libctx, owner->propq);
    case 1:
        return X509_STORE_load_path(st, v);
    default:
        return X509_STORE_load_store_ex(st, v, owner->libctx, owner->propq);
    }
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

/* CA names collect over the lines and become the CA list at finish. */
static STACK_OF(X509_NAME) * canames(SSL_CONF_CTX *c)
{
    if (c->canames == NULL)
        c->canames = sk_X509_NAME_new_null();
    return c->canames;
}

static int do_ca_names_file(SSL_CONF_CTX *c, const char *v)
{
    return canames(c) != NULL && SSL_add_file_cert_subjects_to_stack(c->canames, v) > 0;
}

static int do_ca_names_path(SSL_CONF_CTX *c, const char *v)
{
    return canames(c) != NULL && SSL_add_dir_cert_subjects_to_stack(c->canames, v) > 0;
}

static int do_ca_names_store(SSL_CONF_CTX *c, const char *v)
{
    return canames(c) != NULL && SSL_add_store_cert_subjects_to_stack(c->canames, v) > 0;
}

/* PEM DH parameters for the TLS 1.2 DHE suites. */
static int do_dhparams(SSL_CONF_CTX *c, const char *v)
{
    SSL_CTX *owner = owning_ctx(c);
    OSSL_DECODER_CTX *dctx;
    EVP_PKEY *dh = NULL;
    BIO *in;
    int rv = 0;

    if (!has_target(c))
        return 1;
    if ((in = BIO_new_file(v, "r")) == NULL)
        return 0;
    dctx = OSSL_DECODER_CTX_new_for_pkey(
        &dh, "PEM", NULL, "DH", OSSL_KEYMGMT_SELECT_DOMAIN_PARAMETERS, owner->libctx, owner->propq);
    if (dctx != NULL) {
        ERR_set_mark();
        while (!OSSL_DECODER_from_bio(dctx, in) && dh == NULL && !BIO_eof(in))
            ;
        if (dh == NULL)
            ERR_clear_last_mark();
        else
            ERR_pop_to_mark();
        OSSL_DECODER_CTX_free(dctx);
    }
    if (dh != NULL) {
        rv = c->ssl != NULL ? SSL_set0_tmp_dh_pkey(c->ssl, dh)
                            : SSL_CTX_set0_tmp_dh_pkey(c->ctx, dh);
        if (rv > 0)
            dh = NULL;
    }
    EVP_PKEY_free(dh);
    BIO_free(in);
    return rv > 0;
}

/* Numbers read as atoi() does ("3x" is 3, "none" is 0); negative is bad. */
static int atoi_value(const char *v)
{
    return (int)strtol(v, NULL, 10);
}

static int do_record_padding(SSL_CONF_CTX *c, const char *v)
{
    int n = atoi_value(v);

    if (n < 0)
        return 0;
    if (c->ssl != NULL)
        return SSL_set_block_padding(c->ssl, (size_t)n);
    if (c->ctx != NULL)
        return SSL_CTX_set_block_padding(c->ctx, (size_t)n);
    return 0;
}

static int do_num_tickets(SSL_CONF_CTX *c, const char *v)
{
    int n = atoi_value(v);

    if (n < 0)
        return 0;
    if (c->ssl != NULL)
        return SSL_set_num_tickets(c->ssl, (size_t)n);
    if (c->ctx != NULL)
        return SSL_CTX_set_num_tickets(c->ctx, (size_t)n);
    return 0;
}

#define STR SSL_CONF_TYPE_STRING
#define FIL SSL_CONF_TYPE_FILE
#define DIR SSL_CONF_TYPE_DIR
#define STO SSL_CONF_TYPE_STORE
#define NON SSL_CONF_TYPE_NONE
#define SWITCH(cmd, who, op, sw)                                                                   \
    {                                                                                              \
        NULL, cmd, who, NON, NULL, op, sw                                                          \
    }

/* OpenSSL 3.0's table, in its order (the first match wins). */
static const conf_cmd commands[] = {
    SWITCH("no_ssl3", 0, SSL_OP_NO_SSLv3, SW_OPTION),
    SWITCH("no_tls1", 0, SSL_OP_NO_TLSv1, SW_OPTION),
    SWITCH("no_tls1_1", 0, SSL_OP_NO_TLSv1_1, SW_OPTION),
    SWITCH("no_tls1_2", 0, SSL_OP_NO_TLSv1_2, SW_OPTION),
    SWITCH("no_tls1_3", 0, SSL_OP_NO_TLSv1_3, SW_OPTION),
    SWITCH("bugs", 0, SSL_OP_ALL, SW_OPTION),
    SWITCH("no_comp", 0, SSL_OP_NO_COMPRESSION, SW_OPTION),
    SWITCH("comp", 0, SSL_OP_NO_COMPRESSION, SW_OPTION_CLEAR),
    SWITCH("ecdh_single", ONLY_SERVER, SSL_OP_SINGLE_ECDH_USE, SW_OPTION),
    SWITCH("no_ticket", 0, SSL_OP_NO_TICKET, SW_OPTION),
    SWITCH("serverpref", ONLY_SERVER, SSL_OP_CIPHER_SERVER_PREFERENCE, SW_OPTION),
    SWITCH("legacy_renegotiation", 0, SSL_OP_ALLOW_UNSAFE_LEGACY_RENEGOTIATION, SW_OPTION),
    SWITCH("client_renegotiation", ONLY_SERVER, SSL_OP_ALLOW_CLIENT_RENEGOTIATION, SW_OPTION),
    SWITCH("legacy_server_connect", ONLY_CLIENT, SSL_OP_LEGACY_SERVER_CONNECT, SW_OPTION),
    SWITCH("no_renegotiation", 0, SSL_OP_NO_RENEGOTIATION, SW_OPTION),
    SWITCH("no_resumption_on_reneg", ONLY_SERVER, SSL_OP_NO_SESSION_RESUMPTION_ON_RENEGOTIATION,
           SW_OPTION),
    SWITCH("no_legacy_server_connect", ONLY_CLIENT, SSL_OP_LEGACY_SERVER_CONNECT, SW_OPTION_CLEAR),
    SWITCH("allow_no_dhe_kex", 0, SSL_OP_ALLOW_NO_DHE_KEX, SW_OPTION),
    SWITCH("prioritize_chacha", ONLY_SERVER, SSL_OP_PRIORITIZE_CHACHA, SW_OPTION),
    SWITCH("strict", 0, SSL_CERT_FLAG_TLS_STRICT, SW_CERT_FLAG),
    SWITCH("no_middlebox", 0, SSL_OP_ENABLE_MIDDLEBOX_COMPAT, SW_OPTION_CLEAR),
    SWITCH("anti_replay", ONLY_SERVER, SSL_OP_NO_ANTI_REPLAY, SW_OPTION_CLEAR),
    SWITCH("no_anti_replay", ONLY_SERVER, SSL_OP_NO_ANTI_REPLAY, SW_OPTION),
    SWITCH("no_etm", 0, SSL_OP_NO_ENCRYPT_THEN_MAC, SW_OPTION),
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
    {"ServerInfoFile", NULL, ONLY_SERVER | NEEDS_CERT, FIL, do_serverinfo, 0, 0},
    {"ChainCAPath", "chainCApath", NEEDS_CERT, DIR, do_chain_path, 0, 0},
    {"ChainCAFile", "chainCAfile", NEEDS_CERT, FIL, do_chain_file, 0, 0},
    {"ChainCAStore", "chainCAstore", NEEDS_CERT, STO, do_chain_store, 0, 0},
    {"VerifyCAPath", "verifyCApath", NEEDS_CERT, DIR, do_verify_path, 0, 0},
    {"VerifyCAFile", "verifyCAfile", NEEDS_CERT, FIL, do_verify_file, 0, 0},
    {"VerifyCAStore", "verifyCAstore", NEEDS_CERT, STO, do_verify_store, 0, 0},
    {"RequestCAFile", "requestCAFile", NEEDS_CERT, FIL, do_ca_names_file, 0, 0},
    {"ClientCAFile", NULL, ONLY_SERVER | NEEDS_CERT, FIL, do_ca_names_file, 0, 0},
    {"RequestCAPath", NULL, NEEDS_CERT, DIR, do_ca_names_path, 0, 0},
    {"ClientCAPath", NULL, ONLY_SERVER | NEEDS_CERT, DIR, do_ca_names_path, 0, 0},
    {"RequestCAStore", "requestCAStore", NEEDS_CERT, STO, do_ca_names_store, 0, 0},
    {"ClientCAStore", NULL, ONLY_SERVER | NEEDS_CERT, STO, do_ca_names_store, 0, 0},
    {"DHParameters", "dhparam", ONLY_SERVER | NEEDS_CERT, FIL, do_dhparams, 0, 0},
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

/*
 * Skip the prefix: a set prefix must be followed by something and is
 * compared exactly for the command line, without case for files; without
 * one, command-line names need "-" and at least one more character.
 */
static int skip_prefix(const SSL_CONF_CTX *c, const char **cmd)
{
    if (c->prefix != NULL) {
        size_t n = strlen(c->prefix);

        if (strlen(*cmd) <= n)
            return 0;
        if ((c->flags & SSL_CONF_FLAG_CMDLINE) && strncmp(*cmd, c->prefix, n) != 0)
            return 0;
        if ((c->flags & SSL_CONF_FLAG_FILE) && strncasecmp(*cmd, c->prefix, n) != 0)
            return 0;
        *cmd += n;
    } else if (c->flags & SSL_CONF_FLAG_CMDLINE) {
        if ((*cmd)[0] != '-' || (*cmd)[1] == '\0')
            return 0;
        *cmd += 1;
    }
    return 1;
}

static const conf_cmd *find_cmd(const SSL_CONF_CTX *c, const char *name)
{
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        const conf_cmd *t = &commands[i];

        if (!allowed(c, t))
            continue;
        if ((c->flags & SSL_CONF_FLAG_CMDLINE) && t->cmd_name != NULL &&
            strcmp(t->cmd_name, name) == 0)
            return t;
        if ((c->flags & SSL_CONF_FLAG_FILE) && t->file_name != NULL &&
            strcasecmp(t->file_name, name) == 0)
            return t;
    }
    return NULL;
}

static void apply_switch(SSL_CONF_CTX *c, const conf_cmd *t)
{
    switch (t->sw) {
    case SW_OPTION:
    case SW_OPTION_CLEAR:
        set_ops(c, t->op, t->sw == SW_OPTION_CLEAR);
        break;
    case SW_CERT_FLAG:
        if (has_target(c))
            (void)ctrl(c, SSL_CTRL_CERT_FLAGS, (long)t->op, NULL);
        break;
    }
}

int SSL_CONF_cmd(SSL_CONF_CTX *c, const char *cmd, const char *value)
{
    const conf_cmd *t;
    int rv;

    if (cmd == NULL) {
        SHIMSSL_ERR(SSL_R_INVALID_NULL_CMD_NAME);
        return 0;
    }
    if (!skip_prefix(c, &cmd) || (t = find_cmd(c, cmd)) == NULL) {
        if (c->flags & SSL_CONF_FLAG_SHOW_ERRORS)
            ERR_raise_data(ERR_LIB_SSL, SSL_R_UNKNOWN_CMD_NAME, "cmd=%s", cmd);
        return -2;
    }
    if (t->type == SSL_CONF_TYPE_NONE) {
        apply_switch(c, t);
        return 1;
    }
    if (value == NULL)
        rv = -3;
    else if ((rv = t->apply(c, value)) > 0)
        return 2;
    else
        rv = 0;
    if (c->flags & SSL_CONF_FLAG_SHOW_ERRORS)
        ERR_raise_data(ERR_LIB_SSL, SSL_R_BAD_VALUE, "cmd=%s, value=%s", cmd,
                       value != NULL ? value : "<EMPTY>");
    return rv;
}

int SSL_CONF_cmd_argv(SSL_CONF_CTX *c, int *pargc, char ***pargv)
{
    const char *arg = NULL, *next = NULL;
    int rv;

    if (pargc != NULL && *pargc == 0)
        return 0;
    if (pargc == NULL || *pargc > 0)
        arg = **pargv;
    if (arg == NULL)
        return 0;
    if (pargc == NULL || *pargc > 1)
        next = (*pargv)[1];
    /* argv holds command-line switches, whatever the flags said before. */
    c->flags &= ~SSL_CONF_FLAG_FILE;
    c->flags |= SSL_CONF_FLAG_CMDLINE;
    rv = SSL_CONF_cmd(c, arg, next);
    if (rv > 0) {
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
    const conf_cmd *t;

    if (cmd == NULL || !skip_prefix(c, &cmd) || (t = find_cmd(c, cmd)) == NULL)
        return SSL_CONF_TYPE_UNKNOWN;
    return t->type;
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
    sk_X509_NAME_pop_free(c->canames, X509_NAME_free);
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

/*
 * A certificate loaded without a key (with SSL_CONF_FLAG_REQUIRE_PRIVATE):
 * the key is expected in the certificate's file. Then the collected CA
 * names become the CA list.
 */
int SSL_CONF_CTX_finish(SSL_CONF_CTX *c)
{
    if (c->cert_file != NULL && (c->flags & SSL_CONF_FLAG_REQUIRE_PRIVATE)) {
        int have_key = c->ssl != NULL   ? SSL_get_privatekey(c->ssl) != NULL
                       : c->ctx != NULL ? SSL_CTX_get0_privatekey(c->ctx) != NULL
                                        : 1;

        if (!have_key && (c->flags & SSL_CONF_FLAG_CERTIFICATE) && !do_key(c, c->cert_file))
            return 0;
    }
    if (c->canames != NULL) {
        if (c->ssl != NULL)
            SSL_set0_CA_list(c->ssl, c->canames);
        else if (c->ctx != NULL)
            SSL_CTX_set0_CA_list(c->ctx, c->canames);
        else
            sk_X509_NAME_pop_free(c->canames, X509_NAME_free);
        c->canames = NULL;
    }
    return 1;
}

/* --- the "ssl_conf" module of openssl.cnf ------------------------------------- */

/*
 * libcrypto's configuration code owns the "ssl_conf" module: whichever file
 * was loaded last (openssl.cnf through OPENSSL_init_ssl, the file named in
 * OPENSSL_init_ssl's settings, or one the application passed to
 * CONF_modules_load_file), its
 *
 *   [init_section]   ssl_conf = ssl_section
 *   [ssl_section]    system_default = sys_section   (and any other names)
 *   [sys_section]    MinProtocol = TLSv1.2 ...
 *
 * is kept inside libcrypto, with "xxx." prefixes of the command names
 * already dropped. libcrypto exports three functions for libssl to read it
 * (declared in OpenSSL's internal sslconf.h, not in any public header);
 * their prototypes are repeated here with an opaque type of our own.
 */
struct shimssl_conf_cmds;
const struct shimssl_conf_cmds *conf_ssl_get(size_t idx, const char **name, size_t *cnt);
int conf_ssl_name_find(const char *name, size_t *idx);
void conf_ssl_get_cmd(const struct shimssl_conf_cmds *cmd, size_t idx, char **cmdstr, char **arg);

/*
 * Apply the named section as OpenSSL's SSL_CTX_config does: as a file, for
 * the sides the method allows, with certificates (and their keys) unless it
 * is the system default. Every line is tried; any failure fails the call.
 * Errors are those of the setters: SSL_CONF_FLAG_SHOW_ERRORS is not set.
 */
static int apply_section(SSL_CTX *ctx, SSL *ssl, const char *name, int system)
{
    const struct shimssl_conf_cmds *cmds;
    SSL_CONF_CTX *c;
    const SSL_METHOD *meth;
    OSSL_LIB_CTX *prev;
    unsigned int flags = SSL_CONF_FLAG_FILE;
    size_t idx, n;
    int failed = 0;

    if (ctx == NULL && ssl == NULL) {
        ERR_raise(ERR_LIB_SSL, ERR_R_PASSED_NULL_PARAMETER);
        return 0;
    }
    if (!conf_ssl_name_find(name, &idx)) {
        if (!system)
            ERR_raise_data(ERR_LIB_SSL, SSL_R_INVALID_CONFIGURATION_NAME, "name=%s",
                           name != NULL ? name : "");
        return 0;
    }
    cmds = conf_ssl_get(idx, &name, &n);
    if ((c = SSL_CONF_CTX_new()) == NULL)
        return 0;
    if (!system)
        flags |= SSL_CONF_FLAG_CERTIFICATE | SSL_CONF_FLAG_REQUIRE_PRIVATE;
    meth = ssl != NULL ? ssl->method : ctx->method;
    if (meth->side != SHIMSSL_SIDE_CLIENT)
        flags |= SSL_CONF_FLAG_SERVER;
    if (meth->side != SHIMSSL_SIDE_SERVER)
        flags |= SSL_CONF_FLAG_CLIENT;
    SSL_CONF_CTX_set_flags(c, flags);
    if (ssl != NULL)
        SSL_CONF_CTX_set_ssl(c, ssl);
    else
        SSL_CONF_CTX_set_ssl_ctx(c, ctx);
    /* Files named in the section are read in the SSL_CTX's library context. */
    prev = OSSL_LIB_CTX_set0_default(ssl != NULL ? ssl->ctx->libctx : ctx->libctx);
    for (size_t i = 0; i < n; i++) {
        char *cmd, *arg;

        conf_ssl_get_cmd(cmds, i, &cmd, &arg);
        if (SSL_CONF_cmd(c, cmd, arg) <= 0)
            failed = 1;
    }
    if (!SSL_CONF_CTX_finish(c))
        failed = 1;
    OSSL_LIB_CTX_set0_default(prev);
    SSL_CONF_CTX_free(c);
    return !failed;
}

/*
 * Called for every new SSL_CTX (compat-api's ctx_init hook), last, as
 * OpenSSL does: a bad line fails neither SSL_CTX_new nor the other lines,
 * and what the setters put on the error queue stays there.
 */
void shimssl_conf_apply_system(SSL_CTX *ctx)
{
    (void)apply_section(ctx, NULL, "system_default", 1);
}

int SSL_CTX_config(SSL_CTX *ctx, const char *name)
{
    return apply_section(ctx, NULL, name, 0);
}

int SSL_config(SSL *s, const char *name)
{
    return apply_section(NULL, s, name, 0);
}
