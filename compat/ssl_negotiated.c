/*
 * "What did the peer offer, what do we share": SSL_get_client_ciphers,
 * SSL_get_shared_ciphers, SSL_get_sigalgs, SSL_get_shared_sigalgs,
 * SSL_get_signature_type_nid, and the SSL_ctrl answers behind
 * SSL_get1_groups and SSL_get_shared_group.
 *
 * The engine hands over the peer's lists decoded (core/peer_view.h: a
 * server's from the ClientHello; a client's from the server's
 * CertificateRequest). Everything here is computed from them on demand,
 * so a connection pays nothing unless the application asks; the one object
 * OpenSSL hands out by pointer, the client's cipher stack, is built on the
 * first call and cached in the SSL until the connection is reset.
 *
 * The rules are OpenSSL 3.0's documented and observable behaviour:
 *   - the peer's lists are reported raw, in its order, code points OpenSSL
 *     does not know included (their NIDs NID_undef / TLSEXT_nid_unknown|id);
 *   - "shared" walks the preference list (the peer's, or ours under
 *     SSL_OP_CIPHER_SERVER_PREFERENCE) and keeps what the other list has,
 *     dropping what the security level forbids (SHA-1 counts 64 bits),
 *     DSA in TLS 1.3 and, for a TLS 1.3 client, SHA-1 and SHA-224;
 *   - "ours" is what this library would actually use: the configured list
 *     or core's defaults, which is why a ShimSSL server shares no DSA or
 *     SHA-224 scheme (it cannot sign with them) where OpenSSL would.
 */
#include "compat/compat.h"

#include <string.h>

#include <openssl/obj_mac.h>

/* --- cipher suites ------------------------------------------------------------ */

const SSL_CIPHER *shimssl_cipher_by_id(uint16_t id);

typedef size_t peer_ids_fn(const tls_conn *c, uint16_t *out, size_t cap);

/* One of the peer's code-point lists (core/peer_view.h), in an array the
 * caller frees; NULL when the list is absent or empty (or on malloc
 * failure). */
static uint16_t *peer_list(const SSL *s, peer_ids_fn *get, size_t *n)
{
    uint16_t *v;

    if ((*n = get(s->conn, NULL, 0)) == 0 || (v = OPENSSL_malloc(*n * sizeof(*v))) == NULL)
        return NULL;
    get(s->conn, v, *n);
    return v;
}

/* The client's suites this library knows (OpenSSL's cipher table, so the
 * signalling values TLS_EMPTY_RENEGOTIATION_INFO_SCSV and TLS_FALLBACK_SCSV
 * are left out), from the ClientHello the engine kept. */
STACK_OF(SSL_CIPHER) * SSL_get_client_ciphers(const SSL *s)
{
    SSL *ms = (SSL *)s; /* the cache is logically const */
    tls_client_hello_view v;
    uint16_t *ids;
    size_t n;

    if (s == NULL || !s->server || s->conn == NULL || tls_conn_client_hello_view(s->conn, &v) < 0)
        return NULL;
    /* After a HelloRetryRequest the kept ClientHello is a new copy. */
    if (s->client_ciphers != NULL && s->client_ciphers_src == v.suites)
        return s->client_ciphers;
    sk_SSL_CIPHER_free(ms->client_ciphers);
    ms->client_ciphers = NULL;
    ms->client_ciphers_src = NULL;
    /* No comparison function: sk_SSL_CIPHER_find (Python's shared_ciphers)
     * then compares pointers and never re-sorts the client's order. */
    if ((ids = peer_list(s, tls_conn_offered_suite_ids, &n)) == NULL)
        return NULL;
    STACK_OF(SSL_CIPHER) *sk = sk_SSL_CIPHER_new_null();
    for (size_t i = 0; sk != NULL && i < n; i++) {
        const SSL_CIPHER *c = shimssl_cipher_by_id(ids[i]);

        if (c != NULL && !sk_SSL_CIPHER_push(sk, c)) {
            sk_SSL_CIPHER_free(sk);
            sk = NULL;
        }
    }
    OPENSSL_free(ids);
    if (sk == NULL)
        return NULL;
    ms->client_ciphers = sk;
    ms->client_ciphers_src = v.suites;
    return sk;
}

/*
 * The client's suites that are also in SSL_get_ciphers, in the client's
 * order, ':'-separated. As OpenSSL: the list stops before the first name
 * that does not fit (the separator before it is dropped); NULL on a client,
 * before a ClientHello, for size < 2, or when not even one name fits.
 */
char *SSL_get_shared_ciphers(const SSL *s, char *buf, int size)
{
    STACK_OF(SSL_CIPHER) * theirs, *ours;
    size_t used = 0;

    if (s == NULL || buf == NULL || size < 2 || !s->server)
        return NULL;
    theirs = SSL_get_client_ciphers(s);
    ours = SSL_get_ciphers(s);
    if (theirs == NULL || ours == NULL)
        return NULL;
    for (int i = 0; i < sk_SSL_CIPHER_num(theirs); i++) {
        const SSL_CIPHER *c = sk_SSL_CIPHER_value(theirs, i);
        const char *name = SSL_CIPHER_get_name(c);
        size_t n = strlen(name);

        if (sk_SSL_CIPHER_find(ours, c) < 0)
            continue;
        /* Room for the name and its ':' (or the final NUL). */
        if (n + 1 > (size_t)size - used)
            break;
        memcpy(buf + used, name, n);
        used += n;
        buf[used++] = ':';
    }
    if (used == 0)
        return NULL;
    buf[used - 1] = '\0';
    return buf;
}

/* --- signature algorithms -------------------------------------------------------- */

/* OpenSSL 3.0's view of each SignatureScheme it knows (compat/ssl_names.c). */
typedef shimssl_sigalg_info sigalg_fact;

static const sigalg_fact *sigalg_fact_get(uint16_t id)
{
    return shimssl_sigalg_info_get(id);
}

/* Bits of security: RFC 8032 8.5 for EdDSA, half the digest size else,
 * with SHA-1 put below security level 1 (chosen-prefix collisions). */
static int sigalg_bits(const sigalg_fact *f)
{
    switch (f->hash) {
    case NID_undef:
        return f->sig == EVP_PKEY_ED448 ? 224 : 128;
    case NID_sha1:
        return 64;
    case NID_sha224:
        return 112;
    case NID_sha256:
        return 128;
    case NID_sha384:
        return 192;
    default:
        return 256;
    }
}

/* The minimum bits of security level l (SSL_CTX_set_security_level(3)). */
static int level_bits(int level)
{
    static const int bits[] = {0, 80, 112, 128, 192, 256};

    if (level <= 0)
        return 0;
    return bits[level > 5 ? 5 : level];
}

static int in_u16s(const uint16_t *v, size_t n, uint16_t x)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] == x)
            return 1;
    return 0;
}

static void fill_sigalg(uint16_t id, const sigalg_fact *f, int *psign, int *phash, int *psignhash,
                        unsigned char *rsig, unsigned char *rhash)
{
    if (rhash != NULL)
        *rhash = (unsigned char)(id >> 8);
    if (rsig != NULL)
        *rsig = (unsigned char)(id & 0xff);
    if (psign != NULL)
        *psign = f != NULL ? f->sig : NID_undef;
    if (phash != NULL)
        *phash = f != NULL ? f->hash : NID_undef;
    if (psignhash != NULL)
        *psignhash = f != NULL ? f->sighash : NID_undef;
}

/* The peer's signature_algorithms, as it sent them; idx < 0 only counts. */
int SSL_get_sigalgs(SSL *s, int idx, int *psign, int *phash, int *psignhash, unsigned char *rsig,
                    unsigned char *rhash)
{
    uint16_t *ids;
    size_t n;

    if (s == NULL || s->conn == NULL)
        return 0;
    if ((ids = peer_list(s, tls_conn_peer_sigalg_ids, &n)) == NULL)
        return 0;
    if (idx >= 0 && (size_t)idx < n)
        fill_sigalg(ids[idx], sigalg_fact_get(ids[idx]), psign, phash, psignhash, rsig, rhash);
    OPENSSL_free(ids);
    return idx >= 0 && (size_t)idx >= n ? 0 : (int)n;
}

/* Our list for the shared computation: a client's client_sigalgs, else the
 * configured signature algorithms, else core's defaults. */
static const uint16_t *own_sigalgs(const SSL *s, size_t *n)
{
    const shimssl_u16_list *l = NULL;

    if (!s->server)
        l = s->client_sigalgs.n > 0 ? &s->client_sigalgs : &s->ctx->client_sigalgs;
    if (l == NULL || l->n == 0)
        l = shimssl_ssl_sigalgs(s);
    if (l->n > 0) {
        *n = l->n;
        return l->v;
    }
    return tls_default_sigalgs(n);
}

static int sigalg_shareable(const SSL *s, uint16_t id, const sigalg_fact *f)
{
    int tls13 = tls_conn_version(s->conn) == TLS_V13;

    /* As OpenSSL: a scheme whose hash or key type the library context
     * lacks is never shared (core neither offers nor accepts it). */
    if (tls_sigalg_get(id) != NULL && !tls_crypto_sigalg_available(s->crypto, id))
        return 0;

    /* RFC 8446 4.2.3: DSA is not used in TLS 1.3. */
    if (tls13 && f->sig == EVP_PKEY_DSA)
        return 0;
    if (tls13 && !s->server && (f->hash == NID_sha1 || f->hash == NID_sha224))
        return 0;
    return sigalg_bits(f) >= level_bits(SSL_get_security_level(s));
}

/* The idx-th shared scheme (idx < 0: none); returns the count, 0 if none. */
static int shared_sigalg(const SSL *s, int idx, uint16_t *out)
{
    size_t n_own, n_peer, n_pref, n_allow;
    const uint16_t *own, *pref, *allow;
    uint16_t *peer;
    int k = 0;

    if (s->conn == NULL || (peer = peer_list(s, tls_conn_peer_sigalg_ids, &n_peer)) == NULL)
        return 0;
    own = own_sigalgs(s, &n_own);
    if (SSL_get_options(s) & SSL_OP_CIPHER_SERVER_PREFERENCE) {
        pref = own, n_pref = n_own;
        allow = peer, n_allow = n_peer;
    } else {
        pref = peer, n_pref = n_peer;
        allow = own, n_allow = n_own;
    }
    for (size_t i = 0; i < n_pref; i++) {
        const sigalg_fact *f = sigalg_fact_get(pref[i]);

        if (f == NULL || !sigalg_shareable(s, pref[i], f) || !in_u16s(allow, n_allow, pref[i]))
            continue;
        if (k == idx)
            *out = pref[i];
        k++;
    }
    OPENSSL_free(peer);
    return k;
}

/* As OpenSSL, idx < 0 is no way to count: call with idx 0. */
int SSL_get_shared_sigalgs(SSL *s, int idx, int *psign, int *phash, int *psignhash,
                           unsigned char *rsig, unsigned char *rhash)
{
    uint16_t id = 0;
    int n;

    if (s == NULL || idx < 0)
        return 0;
    n = shared_sigalg(s, idx, &id);
    if (idx >= n)
        return 0;
    fill_sigalg(id, sigalg_fact_get(id), psign, phash, psignhash, rsig, rhash);
    return n;
}

/* The key type of the scheme we signed with (or chose for our certificate). */
int SSL_get_signature_type_nid(const SSL *s, int *pnid)
{
    const sigalg_fact *f;

    if (s == NULL || s->conn == NULL || (f = sigalg_fact_get(tls_conn_own_sigalg(s->conn))) == NULL)
        return 0;
    *pnid = f->sig;
    return 1;
}

/* SSL_get_signature_nid: the hash of that scheme. */
long shimssl_ctrl_signature_nid(const SSL *s, int *pnid)
{
    const sigalg_fact *f;

    if (s == NULL || s->conn == NULL || (f = sigalg_fact_get(tls_conn_own_sigalg(s->conn))) == NULL)
        return 0;
    *pnid = f->hash;
    return 1;
}

/* --- groups ------------------------------------------------------------------------ */

/* The NamedGroups OpenSSL 3.0's default provider knows, with their NIDs and
 * bits of security. */
static const struct {
    uint16_t id;
    int nid;
    int bits;
} group_facts[] = {
    {1, NID_sect163k1, 80},         {2, NID_sect163r1, 80},          {3, NID_sect163r2, 80},
    {4, NID_sect193r1, 80},         {5, NID_sect193r2, 80},          {6, NID_sect233k1, 112},
    {7, NID_sect233r1, 112},        {8, NID_sect239k1, 112},         {9, NID_sect283k1, 128},
    {10, NID_sect283r1, 128},       {11, NID_sect409k1, 192},        {12, NID_sect409r1, 192},
    {13, NID_sect571k1, 256},       {14, NID_sect571r1, 256},        {15, NID_secp160k1, 80},
    {16, NID_secp160r1, 80},        {17, NID_secp160r2, 80},         {18, NID_secp192k1, 80},
    {19, NID_X9_62_prime192v1, 80}, {20, NID_secp224k1, 112},        {21, NID_secp224r1, 112},
    {22, NID_secp256k1, 128},       {23, NID_X9_62_prime256v1, 128}, {24, NID_secp384r1, 192},
    {25, NID_secp521r1, 256},       {26, NID_brainpoolP256r1, 128},  {27, NID_brainpoolP384r1, 192},
    {28, NID_brainpoolP512r1, 256}, {29, NID_X25519, 128},           {30, NID_X448, 224},
    {256, NID_ffdhe2048, 112},      {257, NID_ffdhe3072, 128},       {258, NID_ffdhe4096, 128},
    {259, NID_ffdhe6144, 128},      {260, NID_ffdhe8192, 192},
};

static int group_fact(uint16_t id, int *bits)
{
    for (size_t i = 0; i < sizeof(group_facts) / sizeof(group_facts[0]); i++)
        if (group_facts[i].id == id) {
            if (bits != NULL)
                *bits = group_facts[i].bits;
            return group_facts[i].nid;
        }
    return NID_undef;
}

/* A group's NID, or TLSEXT_nid_unknown | id for one OpenSSL does not know. */
static int group_nid(uint16_t id)
{
    int nid = group_fact(id, NULL);

    return nid != NID_undef ? nid : (int)(TLSEXT_nid_unknown | id);
}

/* SSL_CTRL_GET_GROUPS: the client's supported_groups, on a server. (An
 * OpenSSL client answers 0 even when a TLS 1.3 server listed its groups.) */
long shimssl_ctrl_get_groups(const SSL *s, int *out)
{
    uint16_t *ids;
    size_t n;

    if (s == NULL || !s->server || s->conn == NULL ||
        (ids = peer_list(s, tls_conn_peer_group_ids, &n)) == NULL)
        return 0;
    if (out != NULL)
        for (size_t i = 0; i < n; i++)
            out[i] = group_nid(ids[i]);
    OPENSSL_free(ids);
    return (long)n;
}

/* SSL_CTRL_GET_SHARED_GROUP (server): n = -1 counts, n >= 0 gives the n-th
 * shared group's NID (0 past the end), -2 the first (no Suite B here). */
long shimssl_ctrl_shared_group(const SSL *s, long n)
{
    size_t n_own, n_peer, n_pref, n_supp;
    const uint16_t *own, *pref, *supp;
    uint16_t *peer;
    long k = 0, found = 0;

    if (s == NULL || !s->server || s->conn == NULL)
        return 0;
    if (n == -2)
        n = 0;
    if ((peer = peer_list(s, tls_conn_peer_group_ids, &n_peer)) == NULL)
        return 0;
    const shimssl_u16_list *g = shimssl_ssl_groups(s);
    own = g->v, n_own = g->n;
    if (n_own == 0)
        own = tls_default_groups(&n_own);
    if (SSL_get_options(s) & SSL_OP_CIPHER_SERVER_PREFERENCE) {
        pref = own, n_pref = n_own;
        supp = peer, n_supp = n_peer;
    } else {
        pref = peer, n_pref = n_peer;
        supp = own, n_supp = n_own;
    }
    for (size_t i = 0; i < n_pref; i++) {
        int bits = 0;

        if (group_fact(pref[i], &bits) == NID_undef || !in_u16s(supp, n_supp, pref[i]) ||
            bits < level_bits(SSL_get_security_level(s)))
            continue;
        if (k == n)
            found = group_nid(pref[i]);
        k++;
    }
    OPENSSL_free(peer);
    return n == -1 ? k : found;
}
