/*
 * The application's own TLS extensions: SSL_CTX_add_custom_ext and the
 * older client/server forms, SSL_extension_supported, and serverinfo
 * (SSL_CTX_use_serverinfo*, extensions a server answers with stored data).
 *
 * Registrations live in the SSL_CTX; SSL_new copies them (as OpenSSL does,
 * a later registration does not reach existing SSLs). The engine sees them
 * as tls_config.custom_exts and calls back through the trampolines below;
 * the rules about where an extension may go are core's (core/custom_ext.h).
 *
 * The older API's callbacks have no context / certificate arguments; a
 * registration through it keeps them and is called without those. Its
 * context is the one OpenSSL gives it: a TLS 1.2-and-below extension of the
 * ClientHello and the ServerHello, ignored on resumption.
 */
#include "compat/custom_ext.h"

#include <string.h>

#include <openssl/pem.h>

#include "compat/init.h"

#define OLD_API_CONTEXT                                                                            \
    (SSL_EXT_TLS1_2_AND_BELOW_ONLY | SSL_EXT_CLIENT_HELLO | SSL_EXT_TLS1_2_SERVER_HELLO |          \
     SSL_EXT_IGNORE_ON_RESUMPTION)

typedef struct cext_meth {
    SSL_custom_ext_add_cb_ex add_cb;
    SSL_custom_ext_free_cb_ex free_cb;
    void *add_arg;
    SSL_custom_ext_parse_cb_ex parse_cb;
    void *parse_arg;
    /* Registered through SSL_CTX_add_{client,server}_custom_ext. */
    int old;
    custom_ext_add_cb old_add;
    custom_ext_free_cb old_free;
    custom_ext_parse_cb old_parse;
} cext_meth;

struct shimssl_cext {
    cext_meth *m;
    tls_custom_ext *core; /* what tls_config.custom_exts points at */
    size_t n;
};

/* One serverinfo block list (SSL_SERVERINFOV2 form) for a certificate
 * (NULL: set before any certificate). */
typedef struct serverinfo {
    X509 *cert;
    unsigned char *data;
    size_t len;
} serverinfo;

struct shimssl_serverinfo {
    serverinfo *v;
    size_t n;
};

/* --- registration ------------------------------------------------------- */

int SSL_extension_supported(unsigned int ext_type)
{
    /* The types OpenSSL 3.0 handles itself (its answer, not ours: an
     * application written for it registers exactly the others). */
    static const unsigned int builtin[] = {
        0,  1,  5,  10, 11, 12, 13, 14, 16, 18, 21,    22,
        23, 35, 41, 42, 43, 44, 45, 47, 49, 51, 13172, 65281,
    };
    for (size_t i = 0; i < sizeof(builtin) / sizeof(builtin[0]); i++)
        if (builtin[i] == ext_type)
            return 1;
    return 0;
}

static int find_role(const struct shimssl_cext *x, int role, unsigned int type)
{
    for (size_t i = 0; x != NULL && i < x->n; i++)
        if (x->core[i].type == type &&
            (role == TLS_CEXT_BOTH || x->core[i].role == TLS_CEXT_BOTH || x->core[i].role == role))
            return (int)i;
    return -1;
}

static int add_meth(SSL_CTX *ctx, int role, unsigned int type, unsigned int context,
                    const cext_meth *m)
{
    struct shimssl_cext *x = ctx->api_cext;

    /* OpenSSL's rules: no free without add, not a type it implements
     * itself (signed_certificate_timestamp excepted: it used not to be),
     * 16 bits, and not registered already for this side. */
    if (!m->old && m->add_cb == NULL && m->free_cb != NULL)
        return 0;
    if (SSL_extension_supported(type) && type != TLSEXT_TYPE_signed_certificate_timestamp)
        return 0;
    if (type > 0xffff || find_role(x, role, type) >= 0)
        return 0;
    if (x == NULL) {
        if ((x = OPENSSL_zalloc(sizeof(*x))) == NULL)
            return 0;
        ctx->api_cext = x;
    }
    cext_meth *nm = OPENSSL_realloc(x->m, (x->n + 1) * sizeof(*nm));
    if (nm == NULL)
        return 0;
    x->m = nm;
    tls_custom_ext *nc = OPENSSL_realloc(x->core, (x->n + 1) * sizeof(*nc));
    if (nc == NULL)
        return 0;
    x->core = nc;
    x->m[x->n] = *m;
    x->core[x->n].type = (uint16_t)type;
    x->core[x->n].context = context;
    x->core[x->n].role = role;
    x->n++;
    return 1;
}

int SSL_CTX_add_custom_ext(SSL_CTX *ctx, unsigned int ext_type, unsigned int context,
                           SSL_custom_ext_add_cb_ex add_cb, SSL_custom_ext_free_cb_ex free_cb,
                           void *add_arg, SSL_custom_ext_parse_cb_ex parse_cb, void *parse_arg)
{
    cext_meth m = {add_cb, free_cb, add_arg, parse_cb, parse_arg, 0, NULL, NULL, NULL};
    return add_meth(ctx, TLS_CEXT_BOTH, ext_type, context, &m);
}

static int add_old(SSL_CTX *ctx, int role, unsigned int ext_type, custom_ext_add_cb add_cb,
                   custom_ext_free_cb free_cb, void *add_arg, custom_ext_parse_cb parse_cb,
                   void *parse_arg)
{
    cext_meth m = {NULL, NULL, add_arg, NULL, parse_arg, 1, add_cb, free_cb, parse_cb};
    return add_meth(ctx, role, ext_type, OLD_API_CONTEXT, &m);
}

int SSL_CTX_add_client_custom_ext(SSL_CTX *ctx, unsigned int ext_type, custom_ext_add_cb add_cb,
                                  custom_ext_free_cb free_cb, void *add_arg,
                                  custom_ext_parse_cb parse_cb, void *parse_arg)
{
    return add_old(ctx, TLS_CEXT_CLIENT, ext_type, add_cb, free_cb, add_arg, parse_cb, parse_arg);
}

int SSL_CTX_add_server_custom_ext(SSL_CTX *ctx, unsigned int ext_type, custom_ext_add_cb add_cb,
                                  custom_ext_free_cb free_cb, void *add_arg,
                                  custom_ext_parse_cb parse_cb, void *parse_arg)
{
    return add_old(ctx, TLS_CEXT_SERVER, ext_type, add_cb, free_cb, add_arg, parse_cb, parse_arg);
}

int SSL_CTX_has_client_custom_ext(const SSL_CTX *ctx, unsigned int ext_type)
{
    return find_role(ctx->api_cext, TLS_CEXT_CLIENT, ext_type) >= 0;
}

/* --- lifecycle ---------------------------------------------------------- */

static void cext_free(struct shimssl_cext *x)
{
    if (x == NULL)
        return;
    OPENSSL_free(x->m);
    OPENSSL_free(x->core);
    OPENSSL_free(x);
}

void shimssl_cext_ctx_free(SSL_CTX *ctx)
{
    struct shimssl_serverinfo *si = ctx->api_serverinfo;
    cext_free(ctx->api_cext);
    ctx->api_cext = NULL;
    if (si != NULL) {
        for (size_t i = 0; i < si->n; i++) {
            X509_free(si->v[i].cert);
            OPENSSL_free(si->v[i].data);
        }
        OPENSSL_free(si->v);
        OPENSSL_free(si);
        ctx->api_serverinfo = NULL;
    }
}

int shimssl_cext_ssl_init(SSL *s)
{
    const struct shimssl_cext *src = s->ctx->api_cext;
    struct shimssl_cext *x;

    if (src == NULL || src->n == 0)
        return 1;
    if ((x = OPENSSL_zalloc(sizeof(*x))) == NULL)
        return 0;
    x->m = OPENSSL_memdup(src->m, src->n * sizeof(*src->m));
    x->core = OPENSSL_memdup(src->core, src->n * sizeof(*src->core));
    x->n = src->n;
    if (x->m == NULL || x->core == NULL) {
        cext_free(x);
        return 0;
    }
    s->api_cext = x;
    return 1;
}

void shimssl_cext_ssl_free(SSL *s)
{
    cext_free(s->api_cext);
    s->api_cext = NULL;
}

/* --- the engine's hooks ------------------------------------------------- */

int shimssl_cext_hook_add(void *arg, tls_conn *c, size_t i, unsigned ctx, X509 *x, size_t chainidx,
                          const uint8_t **out, size_t *len)
{
    SSL *s = arg;
    const cext_meth *m = &s->api_cext->m[i];
    unsigned int type = s->api_cext->core[i].type;
    const unsigned char *o = NULL;
    size_t l = 0;
    int al = SSL_AD_INTERNAL_ERROR, rc;

    (void)c;
    if (m->old) {
        /* Without a callback the old API sends an empty extension. */
        rc = m->old_add != NULL ? m->old_add(s, type, &o, &l, &al, m->add_arg) : 1;
    } else if (m->add_cb == NULL) {
        /* Without a callback: empty in a ClientHello, never in a response. */
        rc = (ctx & SSL_EXT_CLIENT_HELLO) != 0;
    } else {
        rc = m->add_cb(s, type, ctx, &o, &l, x, chainidx, &al, m->add_arg);
    }
    if (rc < 0)
        return TLS_ERR(al, TLS_R_CALLBACK_FAILED);
    if (rc == 0)
        return 0;
    *out = o;
    *len = l;
    return 1;
}

void shimssl_cext_hook_free(void *arg, tls_conn *c, size_t i, unsigned ctx, const uint8_t *out)
{
    SSL *s = arg;
    const cext_meth *m = &s->api_cext->m[i];
    unsigned int type = s->api_cext->core[i].type;

    (void)c;
    if (m->old && m->old_free != NULL)
        m->old_free(s, type, out, m->add_arg);
    else if (!m->old && m->free_cb != NULL)
        m->free_cb(s, type, ctx, out, m->add_arg);
}

int shimssl_cext_hook_parse(void *arg, tls_conn *c, size_t i, unsigned ctx, const uint8_t *in,
                            size_t len, X509 *x, size_t chainidx)
{
    SSL *s = arg;
    const cext_meth *m = &s->api_cext->m[i];
    unsigned int type = s->api_cext->core[i].type;
    int al = SSL_AD_DECODE_ERROR, rc;

    (void)c;
    if (m->old)
        rc = m->old_parse != NULL ? m->old_parse(s, type, in, len, &al, m->parse_arg) : 1;
    else
        rc = m->parse_cb != NULL
                 ? m->parse_cb(s, type, ctx, in, len, x, chainidx, &al, m->parse_arg)
                 : 1;
    return rc > 0 ? 0 : TLS_ERR(al, TLS_R_BAD_EXTENSION);
}

const tls_custom_ext *shimssl_cext_list(const SSL *s, size_t *n)
{
    *n = s->api_cext != NULL ? s->api_cext->n : 0;
    return *n > 0 ? s->api_cext->core : NULL;
}

/* --- serverinfo --------------------------------------------------------- */

/*
 * The one reader of OpenSSL's serverinfo format, a list of
 *   struct { uint32 context; uint16 type; opaque data<0..2^16-1>; }
 * (SSL_SERVERINFOV2), or of the same without context (SSL_SERVERINFOV1,
 * whose entries get the old API's context). Returns 1 with the next entry,
 * 0 at the end, -1 on a malformed list.
 */
typedef struct si_entry {
    unsigned int context;
    unsigned int type;
    const unsigned char *data;
    size_t len;
} si_entry;

static int si_next(tls_reader *r, unsigned int version, si_entry *e)
{
    uint32_t context = OLD_API_CONTEXT;
    uint16_t type;
    tls_reader data;

    if (tls_rd_left(r) == 0)
        return 0;
    if ((version == SSL_SERVERINFOV2 && tls_rd_u32(r, &context) < 0) || tls_rd_u16(r, &type) < 0 ||
        tls_rd_vec(r, 2, &data) < 0)
        return -1;
    e->context = context;
    e->type = type;
    e->len = tls_rd_left(&data);
    return tls_rd_bytes(&data, e->len, &e->data) < 0 ? -1 : 1;
}

/* Append an entry in the V2 form. */
static int si_put(tls_writer *w, const si_entry *e)
{
    size_t mark;

    return tls_wr_u32(w, e->context) == 0 && tls_wr_u16(w, (uint16_t)e->type) == 0 &&
           tls_wr_open(w, 2, &mark) == 0 && tls_wr_bytes(w, e->data, e->len) == 0 &&
           tls_wr_close(w, 2, mark) == 0;
}

/* A whole list in the V2 form into w (empty on entry); 0 if malformed. */
static int si_to_v2(const unsigned char *p, size_t len, unsigned int version, tls_writer *w)
{
    tls_reader r;
    si_entry e;
    int rc;

    tls_rd_init(&r, p, len);
    while ((rc = si_next(&r, version, &e)) == 1)
        if (!si_put(w, &e))
            return 0;
    return rc == 0 && !w->failed;
}

static int si_valid(const unsigned char *p, size_t len)
{
    tls_reader r;
    si_entry e;
    int rc;

    tls_rd_init(&r, p, len);
    while ((rc = si_next(&r, SSL_SERVERINFOV2, &e)) == 1)
        continue;
    return rc == 0;
}

/* The serverinfo of the certificate the handshake chose (or the one set
 * before any certificate), or NULL. */
static const serverinfo *si_for(SSL *s)
{
    const struct shimssl_serverinfo *si = s->ctx->api_serverinfo;
    X509 *own = s->conn != NULL ? tls_conn_own_cert(s->conn) : NULL;
    const serverinfo *any = NULL;

    for (size_t i = 0; si != NULL && i < si->n; i++) {
        if (si->v[i].cert == NULL)
            any = &si->v[i];
        else if (own != NULL && X509_cmp(si->v[i].cert, own) == 0)
            return &si->v[i];
    }
    return any;
}

/* The stored data of an extension the client sent (0: not stored, so not
 * answered). Only the end-entity certificate of a Certificate carries it. */
static int si_add(SSL *s, unsigned int ext_type, unsigned int context, const unsigned char **out,
                  size_t *outlen, X509 *x, size_t chainidx, int *al, void *arg)
{
    const serverinfo *e = si_for(s);
    tls_reader r;
    si_entry ent;
    int rc;

    (void)x;
    (void)arg;
    if ((context & SSL_EXT_TLS1_3_CERTIFICATE) && chainidx > 0)
        return 0;
    if (e == NULL)
        return 0;
    tls_rd_init(&r, e->data, e->len);
    while ((rc = si_next(&r, SSL_SERVERINFOV2, &ent)) == 1) {
        if (ent.type == ext_type) {
            *out = ent.data;
            *outlen = ent.len;
            return 1;
        }
    }
    if (rc < 0) {
        *al = SSL_AD_INTERNAL_ERROR;
        return -1;
    }
    return 0;
}

/* The client's request is an empty extension. */
static int si_parse(SSL *s, unsigned int ext_type, unsigned int context, const unsigned char *in,
                    size_t inlen, X509 *x, size_t chainidx, int *al, void *arg)
{
    (void)s;
    (void)ext_type;
    (void)context;
    (void)in;
    (void)x;
    (void)chainidx;
    (void)arg;
    if (inlen != 0) {
        *al = SSL_AD_DECODE_ERROR;
        return 0;
    }
    return 1;
}

/* Register the server extensions of a valid V2 list (OpenSSL registers
 * each type once: loading the same type again fails). */
static int si_register(SSL_CTX *ctx, const unsigned char *p, size_t len)
{
    tls_reader r;
    si_entry e;

    tls_rd_init(&r, p, len);
    while (si_next(&r, SSL_SERVERINFOV2, &e) == 1) {
        cext_meth m = {si_add, NULL, NULL, si_parse, NULL, 0, NULL, NULL, NULL};
        /* V1 data (or V2 with the V1 context) counts as an old-style
         * server registration. */
        int role = e.context == OLD_API_CONTEXT ? TLS_CEXT_SERVER : TLS_CEXT_BOTH;
        if (!add_meth(ctx, role, e.type, e.context, &m))
            return 0;
    }
    return 1;
}

static int si_store(SSL_CTX *ctx, const unsigned char *p, size_t len)
{
    struct shimssl_serverinfo *si = ctx->api_serverinfo;
    serverinfo *e = NULL;

    if (si == NULL) {
        if ((si = OPENSSL_zalloc(sizeof(*si))) == NULL)
            return 0;
        ctx->api_serverinfo = si;
    }
    for (size_t i = 0; i < si->n; i++)
        if (si->v[i].cert == ctx->cert)
            e = &si->v[i];
    if (e == NULL) {
        serverinfo *nv = OPENSSL_realloc(si->v, (si->n + 1) * sizeof(*nv));
        if (nv == NULL)
            return 0;
        si->v = nv;
        e = &si->v[si->n];
        memset(e, 0, sizeof(*e));
        if (ctx->cert != NULL) {
            if (!X509_up_ref(ctx->cert))
                return 0;
            e->cert = ctx->cert;
        }
        si->n++;
    }
    unsigned char *copy = OPENSSL_memdup(p, len);
    if (copy == NULL)
        return 0;
    OPENSSL_free(e->data);
    e->data = copy;
    e->len = len;
    return 1;
}

int SSL_CTX_use_serverinfo_ex(SSL_CTX *ctx, unsigned int version, const unsigned char *serverinfo,
                              size_t serverinfo_length)
{
    if (ctx == NULL || serverinfo == NULL || serverinfo_length == 0) {
        ERR_raise(ERR_LIB_SSL, ERR_R_PASSED_NULL_PARAMETER);
        return 0;
    }
    if (version == SSL_SERVERINFOV1) {
        /* V1 entries (type, length, data) become V2 ones with the old
         * API's context in front. */
        tls_writer w;
        int ret = 0;

        tls_wr_init(&w);
        if (!si_to_v2(serverinfo, serverinfo_length, SSL_SERVERINFOV1, &w)) {
            if (w.failed)
                ERR_raise(ERR_LIB_SSL, ERR_R_MALLOC_FAILURE);
            else
                ERR_raise(ERR_LIB_SSL, SSL_R_INVALID_SERVERINFO_DATA);
        } else {
            ret = SSL_CTX_use_serverinfo_ex(ctx, SSL_SERVERINFOV2, w.buf, w.len);
        }
        tls_wr_free(&w);
        return ret;
    }
    if (version != SSL_SERVERINFOV2 || !si_valid(serverinfo, serverinfo_length))
        goto bad;
    if (!si_store(ctx, serverinfo, serverinfo_length)) {
        ERR_raise(ERR_LIB_SSL, ERR_R_MALLOC_FAILURE);
        return 0;
    }
    if (!si_register(ctx, serverinfo, serverinfo_length))
        goto bad;
    return 1;
bad:
    ERR_raise(ERR_LIB_SSL, SSL_R_INVALID_SERVERINFO_DATA);
    return 0;
}

int SSL_CTX_use_serverinfo(SSL_CTX *ctx, const unsigned char *serverinfo, size_t serverinfo_length)
{
    return SSL_CTX_use_serverinfo_ex(ctx, SSL_SERVERINFOV1, serverinfo, serverinfo_length);
}

/*
 * PEM blocks "SERVERINFO FOR <anything>" (V1 entries) and "SERVERINFOV2
 * FOR <anything>" (V2 entries), one extension each, all loaded together.
 */
int SSL_CTX_use_serverinfo_file(SSL_CTX *ctx, const char *file)
{
    static const char v1[] = "SERVERINFO FOR ";
    static const char v2[] = "SERVERINFOV2 FOR ";
    tls_writer all;
    size_t count = 0;
    int ret = 0;
    BIO *bio;

    if (ctx == NULL || file == NULL) {
        ERR_raise(ERR_LIB_SSL, ERR_R_PASSED_NULL_PARAMETER);
        return 0;
    }
    if ((bio = BIO_new_file(file, "r")) == NULL) {
        ERR_raise(ERR_LIB_SSL, ERR_R_SYS_LIB);
        return 0;
    }
    tls_wr_init(&all);
    for (;;) {
        char *name = NULL, *header = NULL;
        unsigned char *data = NULL;
        long len = 0;
        if (PEM_read_bio(bio, &name, &header, &data, &len) <= 0) {
            if (count == 0) {
                ERR_raise(ERR_LIB_SSL, SSL_R_NO_PEM_EXTENSIONS);
                goto end;
            }
            /* The end of the file (not an error for the caller). */
            ERR_clear_error();
            break;
        }
        int ok = 1;
        unsigned int version = SSL_SERVERINFOV2;
        if (strlen(name) < sizeof(v1) - 1) {
            ERR_raise(ERR_LIB_SSL, SSL_R_PEM_NAME_TOO_SHORT);
            ok = 0;
        } else if (strncmp(name, v1, sizeof(v1) - 1) == 0) {
            version = SSL_SERVERINFOV1;
        } else if (strlen(name) < sizeof(v2) - 1 || strncmp(name, v2, sizeof(v2) - 1) != 0) {
            ERR_raise(ERR_LIB_SSL, SSL_R_PEM_NAME_BAD_PREFIX);
            ok = 0;
        }
        /* One whole extension per block. */
        tls_reader r;
        si_entry e;
        tls_rd_init(&r, data, (size_t)len);
        if (ok && (si_next(&r, version, &e) != 1 || tls_rd_left(&r) != 0)) {
            ERR_raise(ERR_LIB_SSL, SSL_R_BAD_DATA);
            ok = 0;
        }
        if (ok && !si_put(&all, &e))
            ok = 0;
        if (ok)
            count++;
        OPENSSL_free(name);
        OPENSSL_free(header);
        OPENSSL_free(data);
        if (!ok)
            goto end;
    }
    ret = SSL_CTX_use_serverinfo_ex(ctx, SSL_SERVERINFOV2, all.buf, all.len);
end:
    tls_wr_free(&all);
    BIO_free(bio);
    return ret;
}
