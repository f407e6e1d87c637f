/*
 * SSL_CTX_ctrl / SSL_ctrl / *_callback_ctrl, and the settings that ssl.h's
 * macros reach through them (mode, protocol versions, SNI, groups, sigalgs,
 * extra chain certificates, ...), plus ALPN.
 *
 * Unknown commands return 0, which is what OpenSSL returns for a command a
 * method does not handle; programs treat it as "not supported".
 */
#include "compat/compat.h"
#include "compat/chain.h"
#include "compat/sess.h"
#include "compat/ssl_status.h"
#include "compat/init.h"

#include <ctype.h>
#include <string.h>

/* --- code point lists ------------------------------------------------------- */

void shimssl_u16_list_free(shimssl_u16_list *l)
{
    OPENSSL_free(l->v);
    l->v = NULL;
    l->n = 0;
}

static void shimssl_u16_list_set(shimssl_u16_list *l, uint16_t *v, size_t n)
{
    OPENSSL_free(l->v);
    l->v = v;
    l->n = n;
}

const shimssl_u16_list *shimssl_ssl_groups(const SSL *s)
{
    return s->groups.n > 0 ? &s->groups : &s->ctx->groups;
}

const shimssl_u16_list *shimssl_ssl_sigalgs(const SSL *s)
{
    return s->sigalgs.n > 0 ? &s->sigalgs : &s->ctx->sigalgs;
}

/*
 * Split a ':' (or ',') separated list and map each element with fn. Fails
 * on an empty element, an unknown name or a duplicate, leaving *out as it
 * was.
 */
static int shimssl_parse_list(shimssl_u16_list *out, const char *str,
                              uint16_t (*fn)(const char *name))
{
    char name[64];
    size_t cap, n = 0;
    uint16_t *v;
    const char *p = str, *end;

    if (str == NULL || *str == '\0')
        return 0;
    cap = 1;
    for (const char *q = str; *q; q++)
        if (*q == ':' || *q == ',')
            cap++;
    if ((v = OPENSSL_malloc(cap * sizeof(*v))) == NULL)
        return 0;
    for (;;) {
        size_t len;
        uint16_t id;

        end = p + strcspn(p, ":,");
        len = (size_t)(end - p);
        if (len == 0 || len >= sizeof(name))
            goto fail;
        memcpy(name, p, len);
        name[len] = '\0';
        if ((id = fn(name)) == 0)
            goto fail;
        for (size_t i = 0; i < n; i++)
            if (v[i] == id)
                goto fail;
        v[n++] = id;
        if (*end == '\0')
            break;
        p = end + 1;
    }
    shimssl_u16_list_set(out, v, n);
    return 1;

fail:
    OPENSSL_free(v);
    return 0;
}

int shimssl_parse_groups(shimssl_u16_list *out, const char *str)
{
    return shimssl_parse_list(out, str, shimssl_group_by_name);
}

int shimssl_set_groups_nids(shimssl_u16_list *out, const int *nids, size_t n)
{
    uint16_t *v;

    if (nids == NULL || n == 0)
        return 0;
    if ((v = OPENSSL_malloc(n * sizeof(*v))) == NULL)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if ((v[i] = shimssl_group_from_nid(nids[i])) == 0) {
            OPENSSL_free(v);
            return 0;
        }
    }
    shimssl_u16_list_set(out, v, n);
    return 1;
}

/*
 * Signature algorithm lists (SSL_CTX_set1_sigalgs_list and the
 * SignatureAlgorithms / ClientSignatureAlgorithms commands), with OpenSSL
 * 3.0's grammar: elements separated by ':' (blanks around them ignored, an
 * empty one is an error), each either a SignatureScheme name as OpenSSL
 * names it ("rsa_pss_rsae_sha256", "ed25519") or a signature and a hash
 * joined by '+' in either order ("RSA+SHA256", "SHA256+RSA", "RSA-PSS+SHA384",
 * "ECDSA+sha256"): RSA, RSA-PSS or PSS, DSA, ECDSA, and a digest's short or
 * long name. Names and pairs are compat/ssl_names.c's table (a pair names
 * the rsae variant for RSA-PSS). Duplicates fail.
 */

/* One side of "A+B": a signature word, or else a digest name. */
static void shimssl_sig_or_hash(const char *w, int *sig, int *hash)
{
    if (strcmp(w, "RSA") == 0)
        *sig = EVP_PKEY_RSA;
    else if (strcmp(w, "RSA-PSS") == 0 || strcmp(w, "PSS") == 0)
        *sig = EVP_PKEY_RSA_PSS;
    else if (strcmp(w, "DSA") == 0)
        *sig = EVP_PKEY_DSA;
    else if (strcmp(w, "ECDSA") == 0)
        *sig = EVP_PKEY_EC;
    else if ((*hash = OBJ_sn2nid(w)) == NID_undef)
        *hash = OBJ_ln2nid(w);
}

static uint16_t shimssl_sigalg_by_any_name(char *name)
{
    char *plus = strchr(name, '+');
    int sig = 0, hash = NID_undef;

    if (plus == NULL)
        return shimssl_sigalg_by_name(name);
    *plus = '\0';
    if (plus[1] == '\0')
        return 0;
    shimssl_sig_or_hash(name, &sig, &hash);
    shimssl_sig_or_hash(plus + 1, &sig, &hash);
    if (sig == 0 || hash == NID_undef)
        return 0;
    return shimssl_sigalg_by_pair(sig, hash);
}

int shimssl_parse_sigalgs(shimssl_u16_list *out, const char *str)
{
    uint16_t v[64];
    size_t n = 0;
    uint16_t *copy;

    if (str == NULL)
        return 0;
    for (;;) {
        const char *colon = strchr(str, ':'), *end;
        char elem[40];
        uint16_t id;

        while (isspace((unsigned char)*str))
            str++;
        end = colon != NULL && colon >= str ? colon : str + strlen(str);
        while (end > str && isspace((unsigned char)end[-1]))
            end--;
        if (end == str || (size_t)(end - str) >= sizeof(elem) || n == sizeof(v) / sizeof(v[0]))
            return 0;
        memcpy(elem, str, (size_t)(end - str));
        elem[end - str] = '\0';
        if ((id = shimssl_sigalg_by_any_name(elem)) == 0)
            return 0;
        for (size_t i = 0; i < n; i++)
            if (v[i] == id)
                return 0;
        v[n++] = id;
        if (colon == NULL)
            break;
        str = colon + 1;
    }
    if ((copy = OPENSSL_malloc(n * sizeof(*copy))) == NULL)
        return 0;
    memcpy(copy, v, n * sizeof(*copy));
    shimssl_u16_list_set(out, copy, n);
    return 1;
}

/* SSL_CTX_set1_sigalgs' form: pairs of (hash NID, public key NID). */
static int shimssl_set_sigalgs_nids(shimssl_u16_list *out, const int *pairs, size_t n)
{
    char name[64];
    uint16_t *v;

    if (pairs == NULL || n == 0 || n % 2 != 0)
        return 0;
    if ((v = OPENSSL_malloc(n / 2 * sizeof(*v))) == NULL)
        return 0;
    for (size_t i = 0; i < n; i += 2) {
        const char *alg, *hash = OBJ_nid2sn(pairs[i]);

        switch (pairs[i + 1]) {
        case EVP_PKEY_RSA:
            alg = "RSA";
            break;
        case EVP_PKEY_RSA_PSS:
            alg = "RSA-PSS";
            break;
        case EVP_PKEY_EC:
            alg = "ECDSA";
            break;
        case EVP_PKEY_ED25519:
            alg = "ed25519";
            hash = NULL;
            break;
        case EVP_PKEY_ED448:
            alg = "ed448";
            hash = NULL;
            break;
        default:
            alg = NULL;
        }
        if (alg == NULL)
            goto fail;
        if (hash != NULL)
            BIO_snprintf(name, sizeof(name), "%s+%s", alg, hash);
        else
            BIO_snprintf(name, sizeof(name), "%s", alg);
        if ((v[i / 2] = shimssl_sigalg_by_any_name(name)) == 0)
            goto fail;
    }
    shimssl_u16_list_set(out, v, n / 2);
    return 1;

fail:
    OPENSSL_free(v);
    return 0;
}

/* Digest NID of a SignatureScheme core implements (NID_undef for EdDSA). */
static int shimssl_sigalg_hash_nid(uint16_t scheme)
{
    const tls_sigalg *a = tls_sigalg_get(scheme);

    return a != NULL ? a->hash_nid : NID_undef;
}

/* --- protocol versions -------------------------------------------------------- */

/*
 * SSL_CTX_set_min/max_proto_version: any TLS or DTLS version number is a
 * valid value (0: no bound); a flexible method takes the versions of its
 * own family and quietly ignores the others, a version-specific method
 * ignores bounds altogether (OpenSSL 3.0's rules).
 */
/* A TLS bound with a DTLS one (either way round) is refused. */
static int shimssl_versions_mix(long min, long max)
{
    int min_dtls = min == DTLS1_BAD_VER || (min >> 8) == DTLS1_VERSION_MAJOR;
    int max_dtls = max == DTLS1_BAD_VER || (max >> 8) == DTLS1_VERSION_MAJOR;

    return !((min_dtls && !max_dtls && max != 0) || (max_dtls && !min_dtls && min != 0));
}

static int shimssl_version_bound(const SSL_METHOD *m, long v, int *bound)
{
    int tls = v >= SSL3_VERSION && v <= TLS1_3_VERSION;
    int dtls = v == 0x0100 /* DTLS1_BAD_VER */ || (v >= DTLS1_2_VERSION && v <= DTLS1_VERSION);

    if (v == 0) {
        *bound = 0;
        return 1;
    }
    if (!tls && !dtls)
        return 0;
    if (m->version == 0 && (m->dtls ? dtls : tls))
        *bound = (int)v;
    return 1;
}

/* --- extra chain certificates ------------------------------------------------ */

static int shimssl_set_chain(STACK_OF(X509) * *chain, STACK_OF(X509) * sk, int up_ref)
{
    STACK_OF(X509) *copy = NULL;

    if (sk != NULL) {
        copy = up_ref ? X509_chain_up_ref(sk) : sk;
        if (copy == NULL)
            return 0;
    }
    sk_X509_pop_free(*chain, X509_free);
    *chain = copy;
    return 1;
}

static int shimssl_add_chain_cert(STACK_OF(X509) * *chain, X509 *x, int up_ref)
{
    if (x == NULL)
        return 0;
    if (*chain == NULL && (*chain = sk_X509_new_null()) == NULL)
        return 0;
    if (!sk_X509_push(*chain, x))
        return 0;
    if (up_ref)
        X509_up_ref(x);
    return 1;
}

/* Commands with the same meaning for an SSL_CTX and an SSL, on the fields
 * both have. handled is cleared for a command this does not know. */
struct shimssl_common {
    uint32_t *mode;
    int *min_proto, *max_proto;
    int *read_ahead;
    unsigned int *max_send_fragment;
    shimssl_u16_list *groups, *sigalgs, *client_sigalgs;
    void **msg_callback_arg;
    STACK_OF(X509) * *chain;
    X509 *cert;
    X509_STORE **verify_store, **chain_store;
    long *max_cert_list;
    const SSL_METHOD *method;
};

static long shimssl_common_ctrl(const struct shimssl_common *c, int cmd, long larg, void *parg,
                                int *handled)
{
    long old;

    *handled = 1;
    switch (cmd) {
    case SSL_CTRL_MODE:
        return *c->mode |= (uint32_t)larg;
    case SSL_CTRL_CLEAR_MODE:
        return *c->mode &= ~(uint32_t)larg;
    case SSL_CTRL_GET_READ_AHEAD:
        return *c->read_ahead;
    case SSL_CTRL_SET_READ_AHEAD:
        old = *c->read_ahead;
        *c->read_ahead = (int)larg;
        return old;
    case SSL_CTRL_SET_MIN_PROTO_VERSION:
        return shimssl_versions_mix(larg, *c->max_proto) &&
               shimssl_version_bound(c->method, larg, c->min_proto);
    case SSL_CTRL_SET_MAX_PROTO_VERSION:
        return shimssl_versions_mix(*c->min_proto, larg) &&
               shimssl_version_bound(c->method, larg, c->max_proto);
    case SSL_CTRL_GET_MIN_PROTO_VERSION:
        return *c->min_proto;
    case SSL_CTRL_GET_MAX_PROTO_VERSION:
        return *c->max_proto;
    case SSL_CTRL_SET_MAX_SEND_FRAGMENT:
        if (larg < 512 || larg > SSL3_RT_MAX_PLAIN_LENGTH)
            return 0;
        *c->max_send_fragment = (unsigned int)larg;
        return 1;
    case SSL_CTRL_SET_SPLIT_SEND_FRAGMENT:
        /* No pipelining: checked as OpenSSL does (1..max_send_fragment),
         * records are never split further. */
        return larg > 0 && larg <= (long)*c->max_send_fragment;
    case SSL_CTRL_SET_MAX_PIPELINES:
        return larg >= 1 && larg <= SSL_MAX_PIPELINES;
    case SSL_CTRL_SET_MSG_CALLBACK_ARG:
        *c->msg_callback_arg = parg;
        return 1;
    case SSL_CTRL_SET_GROUPS:
        return shimssl_set_groups_nids(c->groups, parg, (size_t)larg);
    case SSL_CTRL_SET_GROUPS_LIST:
        return shimssl_parse_groups(c->groups, parg);
    case SSL_CTRL_SET_SIGALGS:
        return shimssl_set_sigalgs_nids(c->sigalgs, parg, (size_t)larg);
    case SSL_CTRL_SET_SIGALGS_LIST:
        return shimssl_parse_sigalgs(c->sigalgs, parg);
    case SSL_CTRL_SET_CLIENT_SIGALGS:
        return shimssl_set_sigalgs_nids(c->client_sigalgs, parg, (size_t)larg);
    case SSL_CTRL_SET_CLIENT_SIGALGS_LIST:
        return shimssl_parse_sigalgs(c->client_sigalgs, parg);
    case SSL_CTRL_CHAIN:
        return shimssl_set_chain(c->chain, parg, larg != 0);
    case SSL_CTRL_CHAIN_CERT:
        return shimssl_add_chain_cert(c->chain, parg, larg != 0);
    case SSL_CTRL_GET_CHAIN_CERTS:
        *(STACK_OF(X509) **)parg = *c->chain;
        return 1;
    case SSL_CTRL_SELECT_CURRENT_CERT:
        return parg != NULL && parg == c->cert;
    case SSL_CTRL_SET_CURRENT_CERT:
        /* One certificate slot: SSL_CERT_SET_FIRST finds it, NEXT ends. */
        return larg == SSL_CERT_SET_FIRST && c->cert != NULL;
    case SSL_CTRL_SET_VERIFY_CERT_STORE:
    case SSL_CTRL_SET_CHAIN_CERT_STORE: {
        X509_STORE **slot =
            cmd == SSL_CTRL_SET_VERIFY_CERT_STORE ? c->verify_store : c->chain_store;

        if (parg != NULL && larg != 0 && !X509_STORE_up_ref(parg))
            return 0;
        X509_STORE_free(*slot);
        *slot = parg;
        return 1;
    }
    case SSL_CTRL_GET_VERIFY_CERT_STORE:
        *(X509_STORE **)parg = *c->verify_store;
        return 1;
    case SSL_CTRL_GET_CHAIN_CERT_STORE:
        *(X509_STORE **)parg = *c->chain_store;
        return 1;
    case SSL_CTRL_SET_MAX_CERT_LIST:
        if (larg < 0)
            return 0;
        old = *c->max_cert_list;
        *c->max_cert_list = larg;
        return old;
    case SSL_CTRL_GET_MAX_CERT_LIST:
        return *c->max_cert_list;
    case SSL_CTRL_SET_TMP_ECDH:
        /* Key exchange groups come from the groups list; this older knob
         * is accepted so that servers configuring it keep working. */
        return parg != NULL;
    case SSL_CTRL_SET_TLSEXT_DEBUG_ARG:
        return 1;
    default:
        *handled = 0;
        return 0;
    }
}

static long shimssl_ctx_ctrl(SSL_CTX *ctx, int cmd, long larg, void *parg);

long SSL_CTX_ctrl(SSL_CTX *ctx, int cmd, long larg, void *parg)
{
    return ctx != NULL ? shimssl_ctx_ctrl(ctx, cmd, larg, parg) : 0;
}

static long shimssl_ctx_ctrl(SSL_CTX *ctx, int cmd, long larg, void *parg)
{
    struct shimssl_common c = {
        &ctx->mode,
        &ctx->min_proto_version,
        &ctx->max_proto_version,
        &ctx->read_ahead,
        &ctx->max_send_fragment,
        &ctx->groups,
        &ctx->sigalgs,
        &ctx->client_sigalgs,
        &ctx->msg_callback_arg,
        &ctx->chain,
        ctx->cert,
        &ctx->verify_store,
        &ctx->chain_store,
        &ctx->max_cert_list,
        ctx->method,
    };
    int handled;
    long ret, old;

    if (cmd == SSL_CTRL_SET_MAX_PIPELINES && larg >= 1 && larg <= SSL_MAX_PIPELINES)
        ctx->several_pipelines = larg > 1;
    ret = shimssl_common_ctrl(&c, cmd, larg, parg, &handled);
    if (handled)
        return ret;
    switch (cmd) {
    case SSL_CTRL_SET_TMP_DH:
        return shimssl_tls12_set_tmp_dh(ctx, NULL, parg);
    case SSL_CTRL_SET_DH_AUTO:
        return shimssl_tls12_set_dh_auto(ctx, NULL, larg);
    case SSL_CTRL_SET_SESS_CACHE_SIZE:
        if (larg < 0)
            return 0;
        old = ctx->session_cache_size;
        ctx->session_cache_size = larg;
        return old;
    case SSL_CTRL_GET_SESS_CACHE_SIZE:
        return ctx->session_cache_size;
    case SSL_CTRL_SET_SESS_CACHE_MODE:
        old = ctx->session_cache_mode;
        ctx->session_cache_mode = larg;
        return old;
    case SSL_CTRL_GET_SESS_CACHE_MODE:
        return ctx->session_cache_mode;
    case SSL_CTRL_EXTRA_CHAIN_CERT:
        return shimssl_add_chain_cert(&ctx->extra_certs, parg, 0);
    case SSL_CTRL_BUILD_CERT_CHAIN:
        return shimssl_ctx_build_cert_chain(ctx, larg);
    case SSL_CTRL_GET_EXTRA_CHAIN_CERTS:
        /* larg == 0: if there are no extra certificates, the chain of the
         * current certificate is returned instead (documented). */
        if (sk_X509_num(ctx->extra_certs) == 0 && larg == 0)
            *(STACK_OF(X509) **)parg = ctx->chain;
        else
            *(STACK_OF(X509) **)parg = ctx->extra_certs;
        return 1;
    /* OpenSSL answers with the flags now set. */
    case SSL_CTRL_CERT_FLAGS:
        return (long)(ctx->cert_flags |= (unsigned long)larg);
    case SSL_CTRL_CLEAR_CERT_FLAGS:
        return (long)(ctx->cert_flags &= ~(unsigned long)larg);
    case SSL_CTRL_CLEAR_EXTRA_CHAIN_CERTS:
        sk_X509_pop_free(ctx->extra_certs, X509_free);
        ctx->extra_certs = sk_X509_new_null();
        return 1;
    case SSL_CTRL_SET_TLSEXT_SERVERNAME_ARG:
        ctx->servername_arg = parg;
        return 1;
    case SSL_CTRL_SET_TLSEXT_STATUS_REQ_CB_ARG:
        ctx->status_arg = parg;
        return 1;
    case SSL_CTRL_GET_TLSEXT_STATUS_REQ_CB_ARG:
        *(void **)parg = ctx->status_arg;
        return 1;
    case SSL_CTRL_GET_TLSEXT_STATUS_REQ_CB:
        *(int (**)(SSL *, void *))parg = ctx->status_cb;
        return 1;
    case SSL_CTRL_SET_TLSEXT_STATUS_REQ_TYPE:
        ctx->status_type = (int)larg;
        return 1;
    case SSL_CTRL_GET_TLSEXT_STATUS_REQ_TYPE:
        return ctx->status_type;
    case SSL_CTRL_SESS_NUMBER:
    case SSL_CTRL_SESS_CONNECT:
    case SSL_CTRL_SESS_CONNECT_GOOD:
    case SSL_CTRL_SESS_CONNECT_RENEGOTIATE:
    case SSL_CTRL_SESS_ACCEPT:
    case SSL_CTRL_SESS_ACCEPT_GOOD:
    case SSL_CTRL_SESS_ACCEPT_RENEGOTIATE:
    case SSL_CTRL_SESS_HIT:
    case SSL_CTRL_SESS_CB_HIT:
    case SSL_CTRL_SESS_MISSES:
    case SSL_CTRL_SESS_TIMEOUTS:
    case SSL_CTRL_SESS_CACHE_FULL:
        return shimssl_sess_stat(ctx, cmd); /* compat/ssl_sess_cache.c */
    case SSL_CTRL_GET_TLSEXT_TICKET_KEYS:
    case SSL_CTRL_SET_TLSEXT_TICKET_KEYS:
        return shimssl_ticket_keys_ctrl(ctx, cmd == SSL_CTRL_SET_TLSEXT_TICKET_KEYS, parg, larg);
    default:
        return 0;
    }
}

static long shimssl_ssl_ctrl(SSL *s, int cmd, long larg, void *parg);

long SSL_ctrl(SSL *s, int cmd, long larg, void *parg)
{
    return s != NULL ? shimssl_ssl_ctrl(s, cmd, larg, parg) : 0;
}

static long shimssl_ssl_ctrl(SSL *s, int cmd, long larg, void *parg)
{
    struct shimssl_common c = {
        &s->mode,
        &s->min_proto_version,
        &s->max_proto_version,
        &s->read_ahead,
        &s->max_send_fragment,
        &s->groups,
        &s->sigalgs,
        &s->client_sigalgs,
        &s->msg_callback_arg,
        &s->chain,
        s->cert,
        &s->verify_store,
        &s->chain_store,
        &s->max_cert_list,
        s->method,
    };
    int handled;
    long ret;

    /* OpenSSL turns read_ahead on for an SSL given several pipelines. */
    if (cmd == SSL_CTRL_SET_MAX_PIPELINES && larg > 1 && larg <= SSL_MAX_PIPELINES)
        s->read_ahead = 1;
    ret = shimssl_common_ctrl(&c, cmd, larg, parg, &handled);
    if (handled)
        return ret;
    switch (cmd) {
    case SSL_CTRL_SET_RETRY_VERIFY:
        /* SSL_set_retry_verify, from a verify callback: the handshake is
         * suspended once verification returns (ssl_verify.c). */
        s->rwstate = SSL_RETRY_VERIFY;
        return 1;
    case SSL_CTRL_SET_TLSEXT_HOSTNAME: {
        if (larg != TLSEXT_NAMETYPE_host_name) {
            SHIMSSL_ERR(SSL_R_SSL3_EXT_INVALID_SERVERNAME_TYPE);
            return 0;
        }
        /* As OpenSSL 3.0: the old name goes first, so a refused name leaves
         * none set. */
        OPENSSL_free(s->hostname);
        s->hostname = NULL;
        if (parg != NULL) {
            size_t len = strlen(parg);

            /* RFC 6066 3: HostName is 1..2^16-1 bytes; OpenSSL caps at 255. */
            if (len == 0 || len > TLSEXT_MAXLEN_host_name) {
                SHIMSSL_ERR(SSL_R_SSL3_EXT_INVALID_SERVERNAME);
                return 0;
            }
            if ((s->hostname = OPENSSL_strdup(parg)) == NULL)
                return 0;
        }
        return 1;
    }
    case SSL_CTRL_GET_PEER_SIGNATURE_NID: {
        int nid;

        if (s->conn == NULL || tls_conn_peer_sigalg(s->conn) == 0)
            return 0;
        nid = shimssl_sigalg_hash_nid(tls_conn_peer_sigalg(s->conn));
        *(int *)parg = nid;
        return 1;
    }
    case SSL_CTRL_GET_RAW_CIPHERLIST:
        /* SSL_get0_raw_cipherlist: the client's cipher list as it came
         * (server only); the size of one entry when parg is NULL. */
        if (!s->server || s->peer_ciphers == NULL) {
            if (parg != NULL)
                *(const unsigned char **)parg = NULL;
            return 0;
        }
        if (parg == NULL)
            return 2;
        *(const unsigned char **)parg = s->peer_ciphers;
        return (long)s->peer_ciphers_len;
    case SSL_CTRL_GET_PEER_TMP_KEY: {
        /* The peer's real key share (core keeps it as a public key). */
        EVP_PKEY *pkey = s->conn != NULL ? tls_conn_peer_tmp_key(s->conn) : NULL;

        if (pkey == NULL || parg == NULL || !EVP_PKEY_up_ref(pkey))
            return 0;
        *(EVP_PKEY **)parg = pkey;
        return 1;
    }
    case SSL_CTRL_CERT_FLAGS:
        return (long)(s->cert_flags |= (unsigned long)larg);
    case SSL_CTRL_CLEAR_CERT_FLAGS:
        return (long)(s->cert_flags &= ~(unsigned long)larg);
    case SSL_CTRL_GET_TMP_KEY:
        /* Our ephemeral private key is wiped as soon as the shared secret is
         * derived, so there is none to hand out. */
        return 0;
    case SSL_CTRL_GET_NEGOTIATED_GROUP:
        if (s->conn == NULL || tls_conn_group(s->conn) == 0)
            return 0;
        return tls_group_nid(tls_conn_group(s->conn));
    case SSL_CTRL_GET_GROUPS:
        /* The peer's supported_groups (OpenSSL's answer; not our own list). */
        return shimssl_ctrl_get_groups(s, parg);
    case SSL_CTRL_GET_SHARED_GROUP:
        return shimssl_ctrl_shared_group(s, larg);
    case SSL_CTRL_GET_SIGNATURE_NID:
        return shimssl_ctrl_signature_nid(s, parg);
    case SSL_CTRL_BUILD_CERT_CHAIN:
        return shimssl_ssl_build_cert_chain(s, larg);
    case SSL_CTRL_GET_EXTRA_CHAIN_CERTS:
        *(STACK_OF(X509) **)parg = s->ctx->extra_certs;
        return 1;
    case SSL_CTRL_SET_TLSEXT_STATUS_REQ_TYPE:
        s->status_type = (int)larg;
        return 1;
    case SSL_CTRL_GET_TLSEXT_STATUS_REQ_TYPE:
        return s->status_type;
    case SSL_CTRL_GET_TLSEXT_STATUS_REQ_OCSP_RESP:
    case SSL_CTRL_SET_TLSEXT_STATUS_REQ_OCSP_RESP:
    case SSL_CTRL_GET_TLSEXT_STATUS_REQ_IDS:
    case SSL_CTRL_SET_TLSEXT_STATUS_REQ_IDS:
    case SSL_CTRL_GET_TLSEXT_STATUS_REQ_EXTS:
    case SSL_CTRL_SET_TLSEXT_STATUS_REQ_EXTS:
        return shimssl_status_ctrl(s, cmd, larg, parg); /* compat/ssl_status.c */
    case SSL_CTRL_GET_RI_SUPPORT:
        return shimssl_tls12_ri_support(s);
    case SSL_CTRL_GET_EXTMS_SUPPORT:
        return shimssl_tls12_extms_support(s);
    case SSL_CTRL_SET_TMP_DH:
        return shimssl_tls12_set_tmp_dh(NULL, s, parg);
    case SSL_CTRL_SET_DH_AUTO:
        return shimssl_tls12_set_dh_auto(NULL, s, larg);
    case SSL_CTRL_GET_NUM_RENEGOTIATIONS:
    case SSL_CTRL_CLEAR_NUM_RENEGOTIATIONS:
    case SSL_CTRL_GET_TOTAL_RENEGOTIATIONS:
        return 0;
    default:
        return 0;
    }
}

long SSL_CTX_callback_ctrl(SSL_CTX *ctx, int cmd, void (*fp)(void))
{
    switch (cmd) {
    case SSL_CTRL_SET_MSG_CALLBACK:
        ctx->msg_callback = (void (*)(int, int, int, const void *, size_t, SSL *, void *))fp;
        return 1;
    case SSL_CTRL_SET_TLSEXT_SERVERNAME_CB:
        ctx->servername_cb = (int (*)(SSL *, int *, void *))fp;
        return 1;
    case SSL_CTRL_SET_TLSEXT_STATUS_REQ_CB:
        ctx->status_cb = (int (*)(SSL *, void *))fp;
        return 1;
    case SSL_CTRL_SET_TLSEXT_TICKET_KEY_CB:
        return shimssl_ticket_set_hmac_cb(ctx, fp);
    case SSL_CTRL_SET_TMP_DH_CB:
        ctx->api_dh_tmp_cb = (DH * (*)(SSL *, int, int)) fp;
        return 1;
    case SSL_CTRL_SET_TLSEXT_DEBUG_CB:
    case SSL_CTRL_SET_NOT_RESUMABLE_SESS_CB:
        return 1;
    default:
        return 0;
    }
}

long SSL_callback_ctrl(SSL *s, int cmd, void (*fp)(void))
{
    switch (cmd) {
    case SSL_CTRL_SET_MSG_CALLBACK:
        s->msg_callback = (void (*)(int, int, int, const void *, size_t, SSL *, void *))fp;
        return 1;
    case SSL_CTRL_SET_TMP_DH_CB:
        s->api_dh_tmp_cb = (DH * (*)(SSL *, int, int)) fp;
        return 1;
    case SSL_CTRL_SET_TLSEXT_DEBUG_CB:
    case SSL_CTRL_SET_NOT_RESUMABLE_SESS_CB:
        return 1;
    default:
        return 0;
    }
}

/* --- ALPN -------------------------------------------------------------------- */

/* A ProtocolNameList body (RFC 7301 3.1): non-empty names, each with a
 * one-byte length, exactly filling len. */
static int shimssl_alpn_ok(const unsigned char *p, size_t len)
{
    tls_reader r;
    const uint8_t *name;
    size_t n;
    int rc;

    if (len < 2)
        return 0;
    tls_rd_init(&r, p, len);
    while ((rc = tls_protocol_name_next(&r, &name, &n)) == 1)
        continue;
    return rc == 0;
}

/* Note the inverted convention of these two: 0 is success. */
static int shimssl_set_alpn(unsigned char **dst, size_t *dst_len, const unsigned char *protos,
                            unsigned int len)
{
    unsigned char *copy = NULL;

    if (protos == NULL || len == 0) {
        OPENSSL_free(*dst);
        *dst = NULL;
        *dst_len = 0;
        return 0;
    }
    if (!shimssl_alpn_ok(protos, len))
        return 1;
    if ((copy = OPENSSL_memdup(protos, len)) == NULL)
        return 1;
    OPENSSL_free(*dst);
    *dst = copy;
    *dst_len = len;
    return 0;
}

int SSL_CTX_set_alpn_protos(SSL_CTX *ctx, const unsigned char *protos, unsigned int protos_len)
{
    return shimssl_set_alpn(&ctx->alpn, &ctx->alpn_len, protos, protos_len);
}

int SSL_set_alpn_protos(SSL *s, const unsigned char *protos, unsigned int protos_len)
{
    return shimssl_set_alpn(&s->alpn, &s->alpn_len, protos, protos_len);
}

void SSL_CTX_set_alpn_select_cb(SSL_CTX *ctx, SSL_CTX_alpn_select_cb_func cb, void *arg)
{
    ctx->alpn_select_cb = cb;
    ctx->alpn_select_cb_arg = arg;
}

void SSL_CTX_set_cookie_generate_cb(SSL_CTX *ctx, int (*cb)(SSL *ssl, unsigned char *cookie,
                                                            unsigned int *cookie_len))
{
    ctx->cookie_gen_cb = cb;
}

void SSL_CTX_set_cookie_verify_cb(SSL_CTX *ctx, int (*cb)(SSL *ssl, const unsigned char *cookie,
                                                          unsigned int cookie_len))
{
    ctx->cookie_verify_cb = cb;
}

void SSL_CTX_set_stateless_cookie_generate_cb(SSL_CTX *ctx,
                                              int (*cb)(SSL *ssl, unsigned char *cookie,
                                                        size_t *cookie_len))
{
    ctx->stateless_cookie_gen_cb = cb;
}

void SSL_CTX_set_stateless_cookie_verify_cb(SSL_CTX *ctx,
                                            int (*cb)(SSL *ssl, const unsigned char *cookie,
                                                      size_t cookie_len))
{
    ctx->stateless_cookie_verify_cb = cb;
}

void SSL_get0_alpn_selected(const SSL *s, const unsigned char **data, unsigned int *len)
{
    const uint8_t *p = NULL;
    size_t n = 0;

    if (s->conn != NULL)
        tls_conn_alpn(s->conn, &p, &n);
    *data = n > 0 ? p : NULL;
    *len = (unsigned int)n;
}

/*
 * The protocol choice helper ALPN and NPN callbacks use: the first protocol
 * of `server` (in its order) that `client` also lists. Without overlap, the
 * first client protocol is offered as the fallback. Both lists are
 * application-supplied wire-format name lists; malformed ones never match.
 */
static int shimssl_proto_in(const unsigned char *list, unsigned int len, const unsigned char *p,
                            unsigned int plen)
{
    tls_reader r;
    const uint8_t *name;
    size_t n;

    tls_rd_init(&r, list, len);
    while (tls_protocol_name_next(&r, &name, &n) == 1)
        if (n == plen && memcmp(name, p, n) == 0)
            return 1;
    return 0;
}

int SSL_select_next_proto(unsigned char **out, unsigned char *outlen, const unsigned char *server,
                          unsigned int server_len, const unsigned char *client,
                          unsigned int client_len)
{
    tls_reader r;
    const uint8_t *name;
    size_t n;

    tls_rd_init(&r, server, server != NULL ? server_len : 0);
    while (tls_protocol_name_next(&r, &name, &n) == 1) {
        if (client != NULL && shimssl_proto_in(client, client_len, name, (unsigned int)n)) {
            *out = (unsigned char *)name;
            *outlen = (unsigned char)n;
            return OPENSSL_NPN_NEGOTIATED;
        }
    }
    tls_rd_init(&r, client, client != NULL ? client_len : 0);
    if (tls_protocol_name_next(&r, &name, &n) == 1) {
        *out = (unsigned char *)name;
        *outlen = (unsigned char)n;
    } else {
        *out = NULL;
        *outlen = 0;
    }
    return OPENSSL_NPN_NO_OVERLAP;
}

/* NPN (the pre-ALPN extension) is not implemented: nothing is ever
 * advertised or selected, so the callbacks are accepted and never run. */
void SSL_get0_next_proto_negotiated(const SSL *s, const unsigned char **data, unsigned *len)
{
    (void)s;
    *data = NULL;
    *len = 0;
}

void SSL_CTX_set_next_proto_select_cb(SSL_CTX *ctx, SSL_CTX_npn_select_cb_func cb, void *arg)
{
    (void)ctx, (void)cb, (void)arg;
}

void SSL_CTX_set_next_protos_advertised_cb(SSL_CTX *ctx, SSL_CTX_npn_advertised_cb_func cb,
                                           void *arg)
{
    (void)ctx, (void)cb, (void)arg;
}
