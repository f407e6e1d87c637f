/*
 * SSL_check_chain: would this certificate, key and chain suit the peer of
 * the handshake in progress (a server in its certificate callback, after
 * the ClientHello)? The CERT_PKEY_* flags are computed as OpenSSL 3.0 does
 * in its "strict" check, from what the ClientHello offered:
 *   SIGN / EXPLICIT_SIGN  a signature scheme the client listed fits the key;
 *   EE_SIGNATURE          the certificate's own signature is one the client
 *                         accepts (signature_algorithms_cert, else
 *                         signature_algorithms); in TLS 1.3 also a usable
 *                         scheme for the key;
 *   CA_SIGNATURE          the same for every certificate of the chain;
 *   EE_PARAM / CA_PARAM   an EC key's curve is one of the client's groups;
 *   ISSUER_NAME / CERT_TYPE  always on a server (client authentication
 *                         would check them);
 *   VALID                 EE_SIGNATURE and EE_PARAM.
 * Without a ClientHello (a client, or before the handshake) the key alone
 * is judged: SIGN and the flags that need no peer list.
 */
#include "compat/compat.h"

#include <string.h>

#include <openssl/ec.h>
#include <openssl/objects.h>

/* The peer's lists from the kept ClientHello. */
typedef struct peer_lists {
    const uint8_t *sigalgs, *cert_sigalgs, *groups;
    size_t n_sigalgs, n_cert_sigalgs, n_groups; /* bytes */
    int tls13;
} peer_lists;

/* The peer's lists, from the ClientHello core parsed (server only). */
static int peer_lists_of(const SSL *s, peer_lists *pl)
{
    const uint8_t *msg;
    size_t len;

    memset(pl, 0, sizeof(*pl));
    if (s->conn == NULL || !s->server)
        return 0;
    tls_conn_client_hello(s->conn, &msg, &len);
    if (len == 0)
        return 0;
    tls_conn_peer_sigalgs(s->conn, &pl->sigalgs, &pl->n_sigalgs);
    tls_conn_peer_cert_sigalgs(s->conn, &pl->cert_sigalgs, &pl->n_cert_sigalgs);
    tls_conn_peer_groups(s->conn, &pl->groups, &pl->n_groups);
    uint16_t v_now = tls_conn_version(s->conn);
    if (v_now != 0)
        pl->tls13 = v_now == TLS_V13;
    else
        pl->tls13 = tls_conn_client_offers_tls13(s->conn) &&
                    (s->cfg.max_version == 0 || s->cfg.max_version >= TLS_V13);
    return 1;
}

static int in_u16(const uint8_t *l, size_t n, uint16_t v)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        if ((uint16_t)(l[i] << 8 | l[i + 1]) == v)
            return 1;
    return 0;
}

/* The schemes a certificate's own signature can be (digest, key type). */
static const struct {
    uint16_t scheme;
    int md;
    int pk;
} sig_schemes[] = {
    {0x0401, NID_sha256, EVP_PKEY_RSA},     {0x0501, NID_sha384, EVP_PKEY_RSA},
    {0x0601, NID_sha512, EVP_PKEY_RSA},     {0x0201, NID_sha1, EVP_PKEY_RSA},
    {0x0403, NID_sha256, EVP_PKEY_EC},      {0x0503, NID_sha384, EVP_PKEY_EC},
    {0x0603, NID_sha512, EVP_PKEY_EC},      {0x0203, NID_sha1, EVP_PKEY_EC},
    {0x0804, NID_sha256, EVP_PKEY_RSA_PSS}, {0x0805, NID_sha384, EVP_PKEY_RSA_PSS},
    {0x0806, NID_sha512, EVP_PKEY_RSA_PSS}, {0x0809, NID_sha256, EVP_PKEY_RSA_PSS},
    {0x080a, NID_sha384, EVP_PKEY_RSA_PSS}, {0x080b, NID_sha512, EVP_PKEY_RSA_PSS},
    {0x0807, NID_undef, EVP_PKEY_ED25519},  {0x0808, NID_undef, EVP_PKEY_ED448},
};

/* Is x's signature one the peer accepts? No list: anything goes. */
static int cert_sig_ok(X509 *x, const peer_lists *pl)
{
    const uint8_t *l = pl->n_cert_sigalgs ? pl->cert_sigalgs : pl->sigalgs;
    size_t n = pl->n_cert_sigalgs ? pl->n_cert_sigalgs : pl->n_sigalgs;
    int md = NID_undef, pk = NID_undef;

    if (n == 0)
        return 1;
    if (!X509_get_signature_info(x, &md, &pk, NULL, NULL))
        return 0;
    for (size_t i = 0; i < sizeof(sig_schemes) / sizeof(sig_schemes[0]); i++)
        if (sig_schemes[i].md == md && sig_schemes[i].pk == pk &&
            in_u16(l, n, sig_schemes[i].scheme))
            return 1;
    return 0;
}

/* An EC key's curve must be one of the peer's groups (when it sent any). */
static int key_param_ok(EVP_PKEY *k, const peer_lists *pl)
{
    char name[64];
    size_t len;

    if (k == NULL || EVP_PKEY_get_base_id(k) != EVP_PKEY_EC || pl->n_groups == 0)
        return 1;
    if (!EVP_PKEY_get_utf8_string_param(k, "group", name, sizeof(name), &len))
        return 0;
    uint16_t g = shimssl_group_by_name(name);
    return g != 0 && in_u16(pl->groups, pl->n_groups, g);
}

/* Can key k make signatures of scheme sch (RFC 8446 4.2.3; in TLS 1.3 no
 * PKCS#1 v1.5 nor SHA-1, and ECDSA bound to its curve)? */
static int key_fits(uint16_t sch, EVP_PKEY *k, int tls13)
{
    int hash = sch >> 8;
    switch (EVP_PKEY_get_base_id(k)) {
    case EVP_PKEY_RSA:
        if (sch >= 0x0804 && sch <= 0x0806)
            return 1;
        return !tls13 && (sch & 0xff) == 0x01 && hash >= 2 && hash <= 6 && hash != 3;
    case EVP_PKEY_RSA_PSS:
        return sch >= 0x0809 && sch <= 0x080b;
    case EVP_PKEY_ED25519:
        return sch == 0x0807;
    case EVP_PKEY_ED448:
        return sch == 0x0808;
    case EVP_PKEY_EC: {
        if ((sch & 0xff) != 0x03 || hash < 2 || hash > 6 || hash == 3)
            return 0;
        if (!tls13)
            return 1;
        char name[64];
        size_t len;
        if (hash == 2 || !EVP_PKEY_get_utf8_string_param(k, "group", name, sizeof(name), &len))
            return 0;
        uint16_t g = shimssl_group_by_name(name);
        return (hash == 4 && g == 0x0017) || (hash == 5 && g == 0x0018) ||
               (hash == 6 && g == 0x0019);
    }
    default:
        return 0;
    }
}

/* A scheme the peer listed that this key can sign with (in the version). */
static int can_sign(EVP_PKEY *pk, const peer_lists *pl)
{
    for (size_t i = 0; i + 1 < pl->n_sigalgs; i += 2) {
        uint16_t sch = (uint16_t)(pl->sigalgs[i] << 8 | pl->sigalgs[i + 1]);
        if (key_fits(sch, pk, pl->tls13))
            return 1;
    }
    return 0;
}

int SSL_check_chain(SSL *s, X509 *x, EVP_PKEY *pk, STACK_OF(X509) * chain)
{
    peer_lists pl;
    int rv = 0;

    if (s == NULL || x == NULL || pk == NULL)
        return 0;
    switch (EVP_PKEY_get_base_id(pk)) {
    case EVP_PKEY_RSA:
    case EVP_PKEY_RSA_PSS:
    case EVP_PKEY_EC:
    case EVP_PKEY_ED25519:
    case EVP_PKEY_ED448:
        break;
    default:
        return 0;
    }
    int have = peer_lists_of(s, &pl);
    /* Signing: a listed scheme for the key (no list: TLS 1.2's defaults). */
    if (!have || pl.n_sigalgs == 0)
        rv |= CERT_PKEY_SIGN;
    else if (can_sign(pk, &pl))
        rv |= CERT_PKEY_SIGN | CERT_PKEY_EXPLICIT_SIGN;
    /* TLS 1.3 judges the certificate's own signature only against
     * signature_algorithms_cert; TLS 1.2 against the client's list. */
    if (pl.tls13 ? (rv & CERT_PKEY_SIGN) && (pl.n_cert_sigalgs == 0 || cert_sig_ok(x, &pl))
                 : cert_sig_ok(x, &pl))
        rv |= CERT_PKEY_EE_SIGNATURE;
    rv |= CERT_PKEY_CA_SIGNATURE;
    for (int i = 0; i < sk_X509_num(chain); i++)
        if (!cert_sig_ok(sk_X509_value(chain, i), &pl)) {
            rv &= ~CERT_PKEY_CA_SIGNATURE;
            break;
        }
    if (key_param_ok(pk, &pl))
        rv |= CERT_PKEY_EE_PARAM;
    rv |= CERT_PKEY_CA_PARAM;
    for (int i = 0; s->server && i < sk_X509_num(chain); i++)
        if (!key_param_ok(X509_get0_pubkey(sk_X509_value(chain, i)), &pl)) {
            rv &= ~CERT_PKEY_CA_PARAM;
            break;
        }
    rv |= CERT_PKEY_ISSUER_NAME | CERT_PKEY_CERT_TYPE;
    if ((rv & (CERT_PKEY_EE_SIGNATURE | CERT_PKEY_EE_PARAM)) ==
        (CERT_PKEY_EE_SIGNATURE | CERT_PKEY_EE_PARAM))
        rv |= CERT_PKEY_VALID;
    return rv;
}
