/*
 * TLS 1.2 record compression as the OpenSSL API shows it: the process-wide
 * list of compression methods (SSL_COMP_*), and the method a connection
 * negotiated (SSL_get_current_compression / SSL_get_current_expansion).
 *
 * The engine implements one method, DEFLATE (RFC 3749, id 1), with zlib.
 * The list starts with that entry, id 1 named "zlib", as an OpenSSL built
 * with zlib reports it. Debian's own libssl is built without zlib (its list
 * is empty and it never negotiates compression); ShimSSL has it, but off
 * unless the application clears SSL_OP_NO_COMPRESSION, which SSL_CTX_new
 * sets as OpenSSL 3.0 does: compression under encryption leaks secrets
 * through the ciphertext length (CRIME), see ssl_tls12.c.
 *
 * The COMP_METHOD handed out must be something libcrypto's COMP_get_name /
 * COMP_get_type understand, and libcrypto's own COMP_zlib() is a "(undef)"
 * placeholder on a build without zlib. So the method is a static object
 * laid out as libcrypto's struct comp_method_st (type NID, name, then the
 * init / finish / compress / expand hooks): the type and name say zlib; the
 * hooks refuse, since the record layer compresses itself and nobody is meant
 * to run COMP_compress_block over it.
 */
#include "compat/compat.h"
#include "compat/init.h"

#include <pthread.h>

#include <openssl/comp.h>
#include <openssl/obj_mac.h>

#include "core/tls12.h"

struct ssl_comp_st {
    int id;
    const char *name;
    COMP_METHOD *method;
};

/* The shape of libcrypto's COMP_METHOD (OpenSSL 3.0 crypto/comp). */
struct shimssl_comp_method {
    int type;
    const char *name;
    int (*init)(COMP_CTX *ctx);
    void (*finish)(COMP_CTX *ctx);
    int (*compress)(COMP_CTX *ctx, unsigned char *out, unsigned int olen, unsigned char *in,
                    unsigned int ilen);
    int (*expand)(COMP_CTX *ctx, unsigned char *out, unsigned int olen, unsigned char *in,
                  unsigned int ilen);
};

static int shimssl_comp_refuse(COMP_CTX *ctx, unsigned char *out, unsigned int olen,
                               unsigned char *in, unsigned int ilen)
{
    (void)ctx, (void)out, (void)olen, (void)in, (void)ilen;
    return -1;
}

static struct shimssl_comp_method shimssl_zlib_method = {
    NID_zlib_compression, "zlib compression", NULL, NULL, shimssl_comp_refuse, shimssl_comp_refuse,
};

static struct ssl_comp_st shimssl_zlib_entry = {
    TLS_COMP_DEFLATE,
    "zlib",
    (COMP_METHOD *)&shimssl_zlib_method,
};

static STACK_OF(SSL_COMP) * comp_methods;
static pthread_once_t comp_methods_once = PTHREAD_ONCE_INIT;

static void comp_methods_load(void)
{
    comp_methods = sk_SSL_COMP_new_null();
    if (comp_methods != NULL && !sk_SSL_COMP_push(comp_methods, &shimssl_zlib_entry)) {
        sk_SSL_COMP_free(comp_methods);
        comp_methods = NULL;
    }
}

STACK_OF(SSL_COMP) * SSL_COMP_get_compression_methods(void)
{
    pthread_once(&comp_methods_once, comp_methods_load);
    return comp_methods;
}

/* Replaces the list (NULL keeps it); the old one goes back to the caller. */
STACK_OF(SSL_COMP) * SSL_COMP_set0_compression_methods(STACK_OF(SSL_COMP) * meths)
{
    STACK_OF(SSL_COMP) *old = SSL_COMP_get_compression_methods();

    if (meths != NULL)
        comp_methods = meths;
    return old;
}

/*
 * Note the convention: 0 is success, 1 failure. Ids 193..255 are the
 * private range (RFC 3749 2); a method libcrypto does not know (NID_undef,
 * what COMP_zlib() is without zlib) is refused without an error entry.
 * The engine negotiates only DEFLATE: an added method is listed, not used.
 */
int SSL_COMP_add_compression_method(int id, COMP_METHOD *cm)
{
    STACK_OF(SSL_COMP) *sk = SSL_COMP_get_compression_methods();
    SSL_COMP *comp;

    if (cm == NULL || COMP_get_type(cm) == NID_undef)
        return 1;
    if (id < 193 || id > 255) {
        SHIMSSL_ERR(SSL_R_COMPRESSION_ID_NOT_WITHIN_PRIVATE_RANGE);
        return 1;
    }
    if (sk == NULL)
        return 1;
    for (int i = 0; i < sk_SSL_COMP_num(sk); i++)
        if (sk_SSL_COMP_value(sk, i)->id == id) {
            SHIMSSL_ERR(SSL_R_DUPLICATE_COMPRESSION_ID);
            return 1;
        }
    if ((comp = OPENSSL_zalloc(sizeof(*comp))) == NULL)
        return 1;
    comp->id = id;
    comp->method = cm;
    if (!sk_SSL_COMP_push(sk, comp)) {
        OPENSSL_free(comp);
        return 1;
    }
    return 0;
}

const char *SSL_COMP_get_name(const COMP_METHOD *comp)
{
    return comp != NULL ? COMP_get_name(comp) : NULL;
}

const char *SSL_COMP_get0_name(const SSL_COMP *comp)
{
    return comp != NULL ? comp->name : NULL;
}

int SSL_COMP_get_id(const SSL_COMP *comp)
{
    return comp != NULL ? comp->id : -1;
}

/* The COMP_METHOD of DEFLATE (what SSL_get_current_compression returns). */
const COMP_METHOD *shimssl_comp_zlib_method(void)
{
    return (const COMP_METHOD *)&shimssl_zlib_method;
}

/* Is DEFLATE in the process-wide list (so that it may be offered)? */
int shimssl_comp_deflate_listed(void)
{
    STACK_OF(SSL_COMP) *sk = SSL_COMP_get_compression_methods();

    for (int i = 0; sk != NULL && i < sk_SSL_COMP_num(sk); i++)
        if (sk_SSL_COMP_value(sk, i)->id == TLS_COMP_DEFLATE)
            return 1;
    return 0;
}

/* The negotiated method: the same for both directions in TLS 1.2. */
static const COMP_METHOD *shimssl_comp_current(const SSL *s)
{
    tls_conn *c = s != NULL ? shimssl_conn(s) : NULL;

    if (c == NULL || shimssl_tls12_compression(c) != TLS_COMP_DEFLATE)
        return NULL;
    return shimssl_comp_zlib_method();
}

const COMP_METHOD *SSL_get_current_compression(const SSL *s)
{
    return shimssl_comp_current(s);
}

const COMP_METHOD *SSL_get_current_expansion(const SSL *s)
{
    return shimssl_comp_current(s);
}
