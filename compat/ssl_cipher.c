/*
 * SSL_CIPHER objects, their getters, and the cipher configuration calls
 * (SSL_CTX_set_cipher_list's rule language, SSL_CTX_set_ciphersuites).
 *
 * The SSL_CIPHER objects are a constant table of OpenSSL 3.0's facts
 * (ssl_cipher_table.h, generated from the system library): names, ids, bit
 * strengths, the description text, NIDs, and, per cipher-string alias, the
 * set of suites it selects. Programs compare these names and texts, so they
 * come from the reference rather than from core's table; core's table says
 * which suites the engine can actually negotiate, and only those are offered
 * on the wire (compat's tls_config building filters the configured list).
 *
 * The rule language (openssl-ciphers(1)) runs over a list holding every
 * TLS <= 1.2 suite in OpenSSL's default order, each active or not:
 *   WORD     append the matching inactive suites at the end, in list order
 *   -WORD    deactivate the matching suites and move them to the front (a later
 *            WORD brings them back first)
 *   !WORD    remove them for good
 *   +WORD    move the matching active suites to the end
 *   A+B      a WORD matching the suites in both A and B
 *   @STRENGTH, @SECLEVEL=n, and DEFAULT as the first word.
 * Unknown words match nothing; a result without any suite is an error.
 */
#include "compat/compat.h"
#include "compat/init.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <openssl/obj_mac.h>

struct ssl_cipher_st {
    const char *name;
    const char *stdname;
    uint16_t id;
    int strength_bits;
    int alg_bits;
    const char *version;
    uint16_t min_version;
    int cipher_nid;
    int digest_nid;
    int kx_nid;
    int auth_nid;
    int aead;
    int handshake_digest_nid;
    const char *description;
};

#define SHIMSSL_SUITE(n, sn, id, sb, ab, v, mv, cn, dn, kn, an, aead, hn, desc)                    \
    {n, sn, id, sb, ab, v, mv, cn, dn, kn, an, aead, hn, desc},
static const SSL_CIPHER cipher_table[] = {
#include "compat/ssl_cipher_table.h"
};
#undef SHIMSSL_SUITE

#define N_CIPHERS (sizeof(cipher_table) / sizeof(cipher_table[0]))

/*
 * The two signalling values that may stand in a cipher suite list (RFC 5746
 * section 3.3, RFC 7507). OpenSSL has SSL_CIPHER objects for them too, which
 * SSL_CIPHER_find and SSL_bytes_to_cipher_list return; nothing selects them.
 */
static const SSL_CIPHER scsv_table[] = {
    {"TLS_EMPTY_RENEGOTIATION_INFO_SCSV", "TLS_EMPTY_RENEGOTIATION_INFO_SCSV",
     TLS_SUITE_EMPTY_RENEGOTIATION_INFO_SCSV, 0, 0, "unknown", 0, NID_undef, NID_md5_sha1,
     NID_kx_any, NID_auth_any, 0, NID_md5_sha1,
     "TLS_EMPTY_RENEGOTIATION_INFO_SCSV unknown Kx=any      Au=any   Enc=unknown               "
     " Mac=unknown\n"},
    {"TLS_FALLBACK_SCSV", "TLS_FALLBACK_SCSV", TLS_SUITE_FALLBACK_SCSV, 0, 0, "unknown", 0,
     NID_undef, NID_md5_sha1, NID_kx_any, NID_auth_any, 0, NID_md5_sha1,
     "TLS_FALLBACK_SCSV              unknown Kx=any      Au=any   Enc=unknown               "
     " Mac=unknown\n"},
};

/* A suite or a signalling value by its two bytes. */
static const SSL_CIPHER *cipher_or_scsv(uint16_t id)
{
    const SSL_CIPHER *c = shimssl_cipher_by_id(id);

    for (size_t i = 0; c == NULL && i < sizeof(scsv_table) / sizeof(scsv_table[0]); i++)
        if (scsv_table[i].id == id)
            c = &scsv_table[i];
    return c;
}

typedef struct suite_set {
    uint64_t w[SHIMSSL_SUITE_WORDS];
} suite_set;

_Static_assert(N_CIPHERS <= 64 * SHIMSSL_SUITE_WORDS, "alias bit sets too small");

typedef struct cipher_alias {
    const char *word;
    suite_set set;
} cipher_alias;

#define SHIMSSL_ALIAS(word, ...) {word, {__VA_ARGS__}},
static const cipher_alias alias_table[] = {
#include "compat/ssl_cipher_table.h"
};
#undef SHIMSSL_ALIAS

/* OpenSSL 3.0's defaults (documented in SSL_CTX_set_cipher_list(3)). */
static const char default_tls13_suites[] =
    "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256";
static const char default_rule[] = "ALL:!COMPLEMENTOFDEFAULT:!eNULL";

/* --- lookups ---------------------------------------------------------------- */

const SSL_CIPHER *shimssl_cipher_by_id(uint16_t id)
{
    for (size_t i = 0; i < N_CIPHERS; i++)
        if (cipher_table[i].id == id)
            return &cipher_table[i];
    return NULL;
}

static const SSL_CIPHER *cipher_by_stdname(const char *name, size_t len)
{
    for (size_t i = 0; i < N_CIPHERS; i++)
        if (strlen(cipher_table[i].stdname) == len &&
            memcmp(cipher_table[i].stdname, name, len) == 0)
            return &cipher_table[i];
    return NULL;
}

uint16_t shimssl_cipher_id16(const SSL_CIPHER *c)
{
    return c->id;
}

const SSL_CIPHER *SSL_CIPHER_find(SSL *ssl, const unsigned char *ptr)
{
    (void)ssl;
    if (ptr == NULL)
        return NULL;
    return cipher_or_scsv((uint16_t)(ptr[0] << 8 | ptr[1]));
}

/*
 * A ClientHello's cipher_suites bytes (or an SSLv2 CLIENT-HELLO's 3-byte
 * cipher specs, of which only those with a zero first byte are TLS suites)
 * to the known suites and, apart, the signalling values. Unknown values are
 * skipped.
 */
int SSL_bytes_to_cipher_list(SSL *s, const unsigned char *bytes, size_t len, int isv2format,
                             STACK_OF(SSL_CIPHER) * *sk, STACK_OF(SSL_CIPHER) * *scsvs)
{
    size_t step = isv2format ? 3 : 2;
    STACK_OF(SSL_CIPHER) *out = NULL, *sig = NULL;

    (void)s;
    if (bytes == NULL || len == 0) {
        SHIMSSL_ERR(SSL_R_NO_CIPHERS_SPECIFIED);
        return 0;
    }
    if (len % step != 0) {
        SHIMSSL_ERR(SSL_R_ERROR_IN_RECEIVED_CIPHER_LIST);
        return 0;
    }
    if ((out = sk_SSL_CIPHER_new_null()) == NULL || (sig = sk_SSL_CIPHER_new_null()) == NULL)
        goto oom;
    for (size_t i = 0; i < len; i += step) {
        const unsigned char *p = bytes + i + (step - 2);
        const SSL_CIPHER *c;

        if (isv2format && bytes[i] != 0)
            continue;
        if ((c = cipher_or_scsv((uint16_t)(p[0] << 8 | p[1]))) == NULL)
            continue;
        if (!sk_SSL_CIPHER_push(c->min_version == 0 ? sig : out, c))
            goto oom;
    }
    if (sk != NULL)
        *sk = out;
    else
        sk_SSL_CIPHER_free(out);
    if (scsvs != NULL)
        *scsvs = sig;
    else
        sk_SSL_CIPHER_free(sig);
    return 1;
oom:
    ERR_raise(ERR_LIB_SSL, ERR_R_MALLOC_FAILURE);
    sk_SSL_CIPHER_free(out);
    sk_SSL_CIPHER_free(sig);
    return 0;
}

/* --- getters ---------------------------------------------------------------- */

const char *SSL_CIPHER_get_name(const SSL_CIPHER *c)
{
    return c != NULL ? c->name : "(NONE)";
}

const char *SSL_CIPHER_standard_name(const SSL_CIPHER *c)
{
    return c != NULL ? c->stdname : "(NONE)";
}

const char *OPENSSL_cipher_name(const char *stdname)
{
    const SSL_CIPHER *c;

    if (stdname == NULL)
        return "(NONE)";
    c = cipher_by_stdname(stdname, strlen(stdname));
    return c != NULL ? c->name : "(NONE)";
}

int SSL_CIPHER_get_bits(const SSL_CIPHER *c, int *alg_bits)
{
    if (c == NULL)
        return 0;
    if (alg_bits != NULL)
        *alg_bits = c->alg_bits;
    return c->strength_bits;
}

const char *SSL_CIPHER_get_version(const SSL_CIPHER *c)
{
    return c != NULL ? c->version : "(NONE)";
}

/* OpenSSL's id: the two IANA bytes under the SSL3 marker byte 0x03. */
uint32_t SSL_CIPHER_get_id(const SSL_CIPHER *c)
{
    return 0x03000000u | c->id;
}

uint16_t SSL_CIPHER_get_protocol_id(const SSL_CIPHER *c)
{
    return c->id;
}

int SSL_CIPHER_get_cipher_nid(const SSL_CIPHER *c)
{
    return c != NULL ? c->cipher_nid : NID_undef;
}
int SSL_CIPHER_get_digest_nid(const SSL_CIPHER *c)
{
    return c != NULL ? c->digest_nid : NID_undef;
}
int SSL_CIPHER_get_kx_nid(const SSL_CIPHER *c)
{
    return c != NULL ? c->kx_nid : NID_undef;
}
int SSL_CIPHER_get_auth_nid(const SSL_CIPHER *c)
{
    return c != NULL ? c->auth_nid : NID_undef;
}
int SSL_CIPHER_is_aead(const SSL_CIPHER *c)
{
    return c != NULL && c->aead;
}

const EVP_MD *SSL_CIPHER_get_handshake_digest(const SSL_CIPHER *c)
{
    if (c == NULL || c->handshake_digest_nid == NID_undef)
        return NULL;
    /* libcrypto keeps the legacy EVP_MD objects for the life of the process. */
    return EVP_get_digestbynid(c->handshake_digest_nid);
}

char *SSL_CIPHER_description(const SSL_CIPHER *c, char *buf, int size)
{
    size_t len = strlen(c->description);

    if (buf == NULL) {
        /* OpenSSL allocates 128 bytes in this case; the caller frees. */
        if ((buf = OPENSSL_malloc(128)) == NULL)
            return NULL;
        size = 128;
    } else if (size < 128) {
        return NULL;
    }
    if (len >= (size_t)size)
        len = (size_t)size - 1;
    memcpy(buf, c->description, len);
    buf[len] = '\0';
    return buf;
}

/* --- the rule language ------------------------------------------------------ */

typedef struct rule_state {
    uint16_t order[N_CIPHERS]; /* table indices, killed suites removed */
    size_t n;
    uint8_t active[N_CIPHERS];
    int *seclevel; /* where @SECLEVEL=n goes (may be NULL) */
} rule_state;

static int in_set(const suite_set *s, size_t i)
{
    return (s->w[i / 64] >> (i % 64)) & 1;
}

static void set_add(suite_set *s, size_t i)
{
    s->w[i / 64] |= (uint64_t)1 << (i % 64);
}

static int is_sep(char c)
{
    return c == ':' || c == ' ' || c == ',' || c == ';';
}

/* The characters a word is made of ("ECDHE-RSA-AES128-SHA", "SECLEVEL=1"). */
static int is_word_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '=';
}

/* One word of a combination: an alias or a suite's OpenSSL name. */
static int word_set(const char *w, size_t len, suite_set *out)
{
    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < sizeof(alias_table) / sizeof(alias_table[0]); i++) {
        if (strlen(alias_table[i].word) == len && memcmp(alias_table[i].word, w, len) == 0) {
            *out = alias_table[i].set;
            return 1;
        }
    }
    for (size_t i = 0; i < N_CIPHERS; i++) {
        if (cipher_table[i].min_version < TLS_V13 && strlen(cipher_table[i].name) == len &&
            memcmp(cipher_table[i].name, w, len) == 0) {
            set_add(out, i);
            return 1;
        }
    }
    return 0;
}

/* Move the listed suites (those with pick[i]) to the end, keeping order. */
static void move_to_end(rule_state *st, const uint8_t *pick)
{
    uint16_t tmp[N_CIPHERS];
    size_t k = 0;

    for (size_t i = 0; i < st->n; i++)
        if (!pick[st->order[i]])
            tmp[k++] = st->order[i];
    for (size_t i = 0; i < st->n; i++)
        if (pick[st->order[i]])
            tmp[k++] = st->order[i];
    memcpy(st->order, tmp, st->n * sizeof(tmp[0]));
}

static void move_to_front(rule_state *st, const uint8_t *pick)
{
    uint16_t tmp[N_CIPHERS];
    size_t k = 0;

    for (size_t i = 0; i < st->n; i++)
        if (pick[st->order[i]])
            tmp[k++] = st->order[i];
    for (size_t i = 0; i < st->n; i++)
        if (!pick[st->order[i]])
            tmp[k++] = st->order[i];
    memcpy(st->order, tmp, st->n * sizeof(tmp[0]));
}

static void apply(rule_state *st, char op, const suite_set *set)
{
    uint8_t pick[N_CIPHERS] = {0};
    size_t k = 0;

    for (size_t i = 0; i < st->n; i++) {
        size_t c = st->order[i];

        if (!in_set(set, c))
            continue;
        switch (op) {
        case 0: /* add */
            if (!st->active[c]) {
                pick[c] = 1;
                st->active[c] = 1;
            }
            break;
        case '+':
            if (st->active[c])
                pick[c] = 1;
            break;
        case '-':
            if (st->active[c]) {
                pick[c] = 1;
                st->active[c] = 0;
            }
            break;
        case '!':
            st->active[c] = 0;
            pick[c] = 1;
            break;
        }
    }
    if (op == '!') {
        for (size_t i = 0; i < st->n; i++)
            if (!pick[st->order[i]])
                st->order[k++] = st->order[i];
        st->n = k;
    } else if (op == 0 || op == '+') {
        move_to_end(st, pick);
    } else if (op == '-') {
        /* The suites just deactivated go to the front, in their order:
         * a later rule that adds them back finds them first. */
        move_to_front(st, pick);
    }
}

/*
 * @STRENGTH, where it stands: the active suites move to the end, strongest
 * first (stable); the inactive ones keep their places in front of them.
 */
static void strength_sort(rule_state *st)
{
    uint16_t tmp[N_CIPHERS];
    size_t k = 0;

    for (size_t i = 0; i < st->n; i++)
        if (!st->active[st->order[i]])
            tmp[k++] = st->order[i];
    for (int bits = 256; bits >= 0; bits--)
        for (size_t i = 0; i < st->n; i++)
            if (st->active[st->order[i]] && cipher_table[st->order[i]].strength_bits == bits)
                tmp[k++] = st->order[i];
    if (k == st->n)
        memcpy(st->order, tmp, st->n * sizeof(tmp[0]));
}

/* "@STRENGTH" / "@SECLEVEL=n": 1 done, 0 not a valid command. */
static int special(rule_state *st, const char *w, size_t len)
{
    if (len == 8 && memcmp(w, "STRENGTH", 8) == 0) {
        strength_sort(st);
        return 1;
    }
    if (len == 10 && memcmp(w, "SECLEVEL=", 9) == 0 && w[9] >= '0' && w[9] <= '5') {
        if (st->seclevel != NULL)
            *st->seclevel = w[9] - '0';
        return 1;
    }
    return 0;
}

/*
 * One pass over a rule string, with OpenSSL's tokenising: a rule is an
 * optional operator ('-', '+', '!', '@') and words of [A-Za-z0-9.=-]
 * joined by '+'. A rule ends where its words end, so "ECDHE@SECLEVEL=1"
 * is two rules; a word that matches nothing drops the rest of its rule up
 * to the next separator. An operator without a word is an error that ends
 * the string; a bad @command fails the string but parsing goes on.
 */
static int run_rules(rule_state *st, const char *p)
{
    int ok = 1;

    while (*p != '\0') {
        char op = 0;
        suite_set acc;
        int found = 0, have = 0;

        if (is_sep(*p)) {
            p++;
            continue;
        }
        if (*p == '-' || *p == '+' || *p == '!' || *p == '@')
            op = *p++;
        for (;;) {
            const char *w = p;
            suite_set one;

            while (is_word_char(*p))
                p++;
            if (p == w) {
                SHIMSSL_ERR(SSL_R_INVALID_COMMAND);
                return 0;
            }
            if (op == '@') {
                if (!special(st, w, (size_t)(p - w))) {
                    SHIMSSL_ERR(SSL_R_INVALID_COMMAND);
                    ok = 0;
                }
                found = 0;
                break;
            }
            int multi = *p == '+';

            if (multi)
                p++;
            if (!word_set(w, (size_t)(p - w - multi), &one)) {
                found = 0;
                break;
            }
            if (!have) {
                acc = one;
                have = 1;
            } else {
                for (size_t i = 0; i < SHIMSSL_SUITE_WORDS; i++)
                    acc.w[i] &= one.w[i];
            }
            found = 1;
            if (!multi)
                break;
        }
        if (found)
            apply(st, op, &acc);
        else
            while (*p != '\0' && !is_sep(*p))
                p++;
    }
    return ok;
}

/*
 * Parse a TLS <= 1.2 cipher string into a new stack, which may be empty
 * (the callers decide what an empty list means). A @SECLEVEL=n met on the
 * way is stored in *seclevel even when the string fails later on, as in
 * OpenSSL. NULL with an ERR entry on failure.
 */
STACK_OF(SSL_CIPHER) * shimssl_cipher_rules(const char *str, int *seclevel)
{
    rule_state st;
    STACK_OF(SSL_CIPHER) * sk;
    int ok = 1;

    if (str == NULL)
        return NULL;
    memset(&st, 0, sizeof(st));
    st.seclevel = seclevel;
    for (size_t i = 0; i < N_CIPHERS; i++)
        if (cipher_table[i].min_version < TLS_V13)
            st.order[st.n++] = (uint16_t)i;
    /* A string starting with DEFAULT starts from the default list. */
    if (strncmp(str, "DEFAULT", 7) == 0) {
        ok = run_rules(&st, default_rule);
        str += 7;
        if (*str == ':')
            str++;
    }
    if (ok && *str != '\0')
        ok = run_rules(&st, str);
    if (!ok)
        return NULL;
    if ((sk = sk_SSL_CIPHER_new_null()) == NULL) {
        ERR_raise(ERR_LIB_SSL, ERR_R_MALLOC_FAILURE);
        return NULL;
    }
    for (size_t i = 0; i < st.n; i++) {
        if (st.active[st.order[i]] && !sk_SSL_CIPHER_push(sk, &cipher_table[st.order[i]])) {
            sk_SSL_CIPHER_free(sk);
            ERR_raise(ERR_LIB_SSL, ERR_R_MALLOC_FAILURE);
            return NULL;
        }
    }
    return sk;
}

/*
 * "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384" into IANA values. Unknown
 * names are skipped; a non-empty string naming no known suite fails (as
 * OpenSSL 3.0), an empty one yields an empty list (TLS 1.3 suites off).
 * *out is OPENSSL_malloc'd and never NULL on success.
 */
int shimssl_parse_ciphersuites(const char *str, uint16_t **out, size_t *n)
{
    size_t cap = 1, k = 0;
    uint16_t *v;
    const char *p;

    for (p = str; *p != '\0'; p++)
        cap += *p == ':';
    if ((v = OPENSSL_malloc(cap * sizeof(*v))) == NULL) {
        ERR_raise(ERR_LIB_SSL, ERR_R_MALLOC_FAILURE);
        return 0;
    }
    for (p = str; *p != '\0';) {
        const char *w = p;
        const SSL_CIPHER *c;

        while (*p != '\0' && *p != ':')
            p++;
        c = cipher_by_stdname(w, (size_t)(p - w));
        if (c != NULL && c->min_version == TLS_V13) {
            size_t j;

            for (j = 0; j < k && v[j] != c->id; j++)
                ;
            if (j == k)
                v[k++] = c->id;
        }
        if (*p == ':')
            p++;
    }
    if (k == 0 && *str != '\0') {
        OPENSSL_free(v);
        SHIMSSL_ERR(SSL_R_NO_CIPHER_MATCH);
        return 0;
    }
    *out = v;
    *n = k;
    return 1;
}

/* TLS 1.3 suites first (as configured, or OpenSSL's defaults), then TLS 1.2. */
static STACK_OF(SSL_CIPHER) *
    combine(const uint16_t *v13, size_t n13, int v13_set, STACK_OF(SSL_CIPHER) * tls12)
{
    STACK_OF(SSL_CIPHER) *sk = sk_SSL_CIPHER_new_null();
    uint16_t dv[8];
    size_t dn = 0;

    if (sk == NULL)
        return NULL;
    if (!v13_set) {
        for (size_t i = 0; i < N_CIPHERS && dn < 8; i++)
            if (cipher_table[i].min_version == TLS_V13 &&
                strstr(default_tls13_suites, cipher_table[i].stdname) != NULL)
                dv[dn++] = cipher_table[i].id;
        v13 = dv;
        n13 = dn;
    }
    for (size_t i = 0; i < n13; i++) {
        const SSL_CIPHER *c = shimssl_cipher_by_id(v13[i]);

        if (c != NULL && !sk_SSL_CIPHER_push(sk, c))
            goto fail;
    }
    for (int i = 0; tls12 != NULL && i < sk_SSL_CIPHER_num(tls12); i++)
        if (!sk_SSL_CIPHER_push(sk, sk_SSL_CIPHER_value(tls12, i)))
            goto fail;
    return sk;
fail:
    sk_SSL_CIPHER_free(sk);
    return NULL;
}

static int ctx_rebuild(SSL_CTX *ctx)
{
    STACK_OF(SSL_CIPHER) *sk = combine(ctx->tls13_suites, ctx->n_tls13_suites,
                                       ctx->tls13_suites != NULL, ctx->api_tls12_ciphers);

    if (sk == NULL) {
        ERR_raise(ERR_LIB_SSL, ERR_R_MALLOC_FAILURE);
        return 0;
    }
    sk_SSL_CIPHER_free(ctx->api_ciphers);
    ctx->api_ciphers = sk;
    return 1;
}

static int ssl_rebuild(SSL *s)
{
    STACK_OF(SSL_CIPHER) * sk;
    const uint16_t *v13 = s->tls13_suites != NULL ? s->tls13_suites : s->ctx->tls13_suites;
    size_t n13 = s->tls13_suites != NULL ? s->n_tls13_suites : s->ctx->n_tls13_suites;
    STACK_OF(SSL_CIPHER) *t12 =
        s->api_tls12_ciphers != NULL ? s->api_tls12_ciphers : s->ctx->api_tls12_ciphers;

    if ((sk = combine(v13, n13, v13 != NULL, t12)) == NULL) {
        ERR_raise(ERR_LIB_SSL, ERR_R_MALLOC_FAILURE);
        return 0;
    }
    sk_SSL_CIPHER_free(s->api_ciphers);
    s->api_ciphers = sk;
    return 1;
}

int shimssl_cipher_ctx_init(SSL_CTX *ctx)
{
    if ((ctx->api_tls12_ciphers = shimssl_cipher_rules("DEFAULT", NULL)) == NULL)
        return 0;
    return ctx_rebuild(ctx);
}

void shimssl_cipher_ctx_free(SSL_CTX *ctx)
{
    sk_SSL_CIPHER_free(ctx->api_tls12_ciphers);
    sk_SSL_CIPHER_free(ctx->api_ciphers);
    ctx->api_tls12_ciphers = ctx->api_ciphers = NULL;
}

void shimssl_cipher_ssl_free(SSL *s)
{
    sk_SSL_CIPHER_free(s->api_tls12_ciphers);
    sk_SSL_CIPHER_free(s->api_ciphers);
    OPENSSL_free(s->api_tls12_ids);
    s->api_tls12_ciphers = s->api_ciphers = NULL;
    s->api_tls12_ids = NULL;
}

/*
 * A string that selects no TLS <= 1.2 suite still replaces the list (only
 * the TLS 1.3 suites remain) and then fails with SSL_R_NO_CIPHER_MATCH, as
 * OpenSSL 3.0 does; a @SECLEVEL in it has taken effect either way.
 */
int SSL_CTX_set_cipher_list(SSL_CTX *ctx, const char *str)
{
    STACK_OF(SSL_CIPHER) *sk = shimssl_cipher_rules(str, &ctx->security_level);

    if (sk == NULL)
        return 0;
    sk_SSL_CIPHER_free(ctx->api_tls12_ciphers);
    ctx->api_tls12_ciphers = sk;
    if (!ctx_rebuild(ctx))
        return 0;
    if (sk_SSL_CIPHER_num(sk) == 0) {
        SHIMSSL_ERR(SSL_R_NO_CIPHER_MATCH);
        return 0;
    }
    return 1;
}

int SSL_set_cipher_list(SSL *s, const char *str)
{
    STACK_OF(SSL_CIPHER) *sk = shimssl_cipher_rules(str, &s->security_level);

    if (sk == NULL)
        return 0;
    sk_SSL_CIPHER_free(s->api_tls12_ciphers);
    s->api_tls12_ciphers = sk;
    if (!ssl_rebuild(s))
        return 0;
    if (sk_SSL_CIPHER_num(sk) == 0) {
        SHIMSSL_ERR(SSL_R_NO_CIPHER_MATCH);
        return 0;
    }
    return 1;
}

int SSL_CTX_set_ciphersuites(SSL_CTX *ctx, const char *str)
{
    uint16_t *v;
    size_t n;

    if (str == NULL || !shimssl_parse_ciphersuites(str, &v, &n))
        return 0;
    OPENSSL_free(ctx->tls13_suites);
    ctx->tls13_suites = v;
    ctx->n_tls13_suites = n;
    return ctx_rebuild(ctx);
}

int SSL_set_ciphersuites(SSL *s, const char *str)
{
    uint16_t *v;
    size_t n;

    if (str == NULL || !shimssl_parse_ciphersuites(str, &v, &n))
        return 0;
    OPENSSL_free(s->tls13_suites);
    s->tls13_suites = v;
    s->n_tls13_suites = n;
    return ssl_rebuild(s);
}

STACK_OF(SSL_CIPHER) * SSL_CTX_get_ciphers(const SSL_CTX *ctx)
{
    return ctx != NULL ? ctx->api_ciphers : NULL;
}

STACK_OF(SSL_CIPHER) * SSL_get_ciphers(const SSL *s)
{
    if (s == NULL)
        return NULL;
    if (s->api_ciphers != NULL)
        return s->api_ciphers;
    if (s->tls13_suites != NULL && !ssl_rebuild((SSL *)s))
        return NULL;
    return s->api_ciphers != NULL ? s->api_ciphers : s->ctx->api_ciphers;
}

const char *SSL_get_cipher_list(const SSL *s, int n)
{
    STACK_OF(SSL_CIPHER) *sk = SSL_get_ciphers(s);

    if (sk == NULL || n < 0 || n >= sk_SSL_CIPHER_num(sk))
        return NULL;
    return sk_SSL_CIPHER_value(sk, n)->name;
}

static int version_enabled(const SSL *s, uint16_t min_version)
{
    int max = s->max_proto_version;

    /* A suite is usable when the connection may negotiate a version at
     * or above its minimum; TLS 1.3 suites are usable only at TLS 1.3. */
    if (max == 0)
        max = TLS1_3_VERSION;
    if (s->options & SSL_OP_NO_TLSv1_3 && max == TLS1_3_VERSION)
        max = TLS1_2_VERSION;
    if (min_version == TLS_V13)
        return max >= TLS1_3_VERSION &&
               (s->min_proto_version == 0 || s->min_proto_version <= TLS1_3_VERSION);
    return s->min_proto_version < TLS1_3_VERSION &&
           !(s->options & SSL_OP_NO_TLSv1_2 && s->min_proto_version >= TLS1_2_VERSION);
}

STACK_OF(SSL_CIPHER) * SSL_get1_supported_ciphers(SSL *s)
{
    STACK_OF(SSL_CIPHER) *all = SSL_get_ciphers(s), *sk;

    if (all == NULL || (sk = sk_SSL_CIPHER_new_null()) == NULL)
        return NULL;
    for (int i = 0; i < sk_SSL_CIPHER_num(all); i++) {
        const SSL_CIPHER *c = sk_SSL_CIPHER_value(all, i);

        if (version_enabled(s, c->min_version) && tls_suite_by_id(c->id) != NULL &&
            !sk_SSL_CIPHER_push(sk, c)) {
            sk_SSL_CIPHER_free(sk);
            return NULL;
        }
    }
    if (sk_SSL_CIPHER_num(sk) == 0) {
        sk_SSL_CIPHER_free(sk);
        return NULL;
    }
    return sk;
}

/*
 * The TLS 1.2 suites for tls_config: the configured list restricted to what
 * core implements. Returns the count; *out stays valid until the SSL is freed
 * or this is called again.
 */
size_t shimssl_cipher_tls12_ids(SSL *s, const uint16_t **out)
{
    STACK_OF(SSL_CIPHER) *t12 =
        s->api_tls12_ciphers != NULL ? s->api_tls12_ciphers : s->ctx->api_tls12_ciphers;
    int n = t12 != NULL ? sk_SSL_CIPHER_num(t12) : 0;
    size_t k = 0;

    OPENSSL_free(s->api_tls12_ids);
    s->api_tls12_ids = NULL;
    *out = NULL;
    if (n <= 0 || (s->api_tls12_ids = OPENSSL_malloc((size_t)n * sizeof(uint16_t))) == NULL)
        return 0;
    for (int i = 0; i < n; i++) {
        const SSL_CIPHER *c = sk_SSL_CIPHER_value(t12, i);

        if (tls_suite_by_id(c->id) != NULL)
            s->api_tls12_ids[k++] = c->id;
    }
    *out = s->api_tls12_ids;
    return k;
}

/* --- what the engine negotiated ---------------------------------------------- */

const SSL_CIPHER *SSL_get_current_cipher(const SSL *s)
{
    tls_conn *c = s != NULL ? shimssl_conn(s) : NULL;

    if (c == NULL || tls_conn_cipher_suite(c) == 0)
        return NULL;
    /* OpenSSL's session cipher: TLS 1.3's from the ServerHello on, a
     * resumed session's at once, a new TLS 1.2 session's from the first
     * ChangeCipherSpec written or read (none after an earlier failure). */
    if (tls_conn_version(c) == TLS1_2_VERSION && !s->ccs_seen && !tls_conn_handshake_done(c) &&
        !tls_conn_session_reused(c))
        return NULL;
    return shimssl_cipher_by_id(tls_conn_cipher_suite(c));
}

/* The suite chosen by this handshake, kept after it (OpenSSL 3.0). */
const SSL_CIPHER *SSL_get_pending_cipher(const SSL *s)
{
    tls_conn *c = s != NULL ? shimssl_conn(s) : NULL;

    if (c == NULL || tls_conn_cipher_suite(c) == 0)
        return NULL;
    return shimssl_cipher_by_id(tls_conn_cipher_suite(c));
}

/* SSL_get_client_ciphers, SSL_get_shared_ciphers: ssl_negotiated.c. */

/* Compression (SSL_COMP_*, SSL_get_current_compression): ssl_comp.c. */
