/*
 * Bounded reader and growable writer (see core/codec.h).
 *
 * Every length check is written as "n > left" on size_t values that cannot
 * overflow, so a hostile length can only ever produce decode_error.
 */
#include "core/codec.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

/* ---------------------------------------------------------------- reader */

static int rd_uint(tls_reader *r, int n, uint32_t *v)
{
    const uint8_t *p;
    TRY(tls_rd_bytes(r, (size_t)n, &p));
    uint32_t x = 0;
    for (int i = 0; i < n; i++)
        x = (x << 8) | p[i];
    *v = x;
    return 0;
}

int tls_rd_u8(tls_reader *r, uint8_t *v)
{
    uint32_t x;
    TRY(rd_uint(r, 1, &x));
    *v = (uint8_t)x;
    return 0;
}

int tls_rd_u16(tls_reader *r, uint16_t *v)
{
    uint32_t x;
    TRY(rd_uint(r, 2, &x));
    *v = (uint16_t)x;
    return 0;
}

int tls_rd_u24(tls_reader *r, uint32_t *v)
{
    return rd_uint(r, 3, v);
}

int tls_rd_u32(tls_reader *r, uint32_t *v)
{
    return rd_uint(r, 4, v);
}

int tls_rd_bytes(tls_reader *r, size_t n, const uint8_t **out)
{
    ENSURE(n <= tls_rd_left(r), TLS_ERR_DECODE);
    *out = r->p + r->off;
    r->off += n;
    return 0;
}

int tls_rd_copy(tls_reader *r, void *dst, size_t n)
{
    const uint8_t *p;
    TRY(tls_rd_bytes(r, n, &p));
    if (n > 0)
        memcpy(dst, p, n);
    return 0;
}

int tls_rd_vec(tls_reader *r, int prefix_bytes, tls_reader *sub)
{
    return tls_rd_vec_bounded(r, prefix_bytes, 0, SIZE_MAX, sub);
}

int tls_rd_vec_bounded(tls_reader *r, int prefix_bytes, size_t min, size_t max, tls_reader *sub)
{
    ENSURE(prefix_bytes >= 1 && prefix_bytes <= 3, TLS_ERR_INTERNAL);
    uint32_t n;
    TRY(rd_uint(r, prefix_bytes, &n));
    ENSURE(n >= min && n <= max, TLS_ERR_DECODE);
    const uint8_t *p;
    TRY(tls_rd_bytes(r, n, &p));
    tls_rd_init(sub, p, n);
    return 0;
}

int tls_rd_done(const tls_reader *r)
{
    ENSURE(tls_rd_left(r) == 0, TLS_ERR_DECODE);
    return 0;
}

/* ---------------------------------------------------------------- writer */

void tls_wr_init(tls_writer *w)
{
    memset(w, 0, sizeof(*w));
}

void tls_wr_init_fixed(tls_writer *w, uint8_t *buf, size_t cap)
{
    memset(w, 0, sizeof(*w));
    w->buf = buf;
    w->cap = cap;
    w->fixed = 1;
}

void tls_wr_free(tls_writer *w)
{
    /* Writers carry key shares, Finished messages and plaintext: wipe all
     * of the allocation, not just len bytes, as earlier content may sit
     * beyond a reset. */
    if (!w->fixed && w->buf != NULL)
        OPENSSL_clear_free(w->buf, w->cap);
    memset(w, 0, sizeof(*w));
}

void tls_wr_reset(tls_writer *w)
{
    w->len = 0;
    w->failed = 0;
}

/* Grow by doubling (at least 256 bytes) so appends are amortised O(1).
 * Growing copies into a fresh block and wipes the old one, since realloc
 * could leave secrets behind in freed memory. */
static int wr_grow(tls_writer *w, size_t need)
{
    size_t cap = w->cap < 256 ? 256 : w->cap;
    while (cap < need) {
        ENSURE(cap <= SIZE_MAX / 2, TLS_ERR_INTERNAL);
        cap *= 2;
    }
    uint8_t *nb = OPENSSL_malloc(cap);
    ENSURE(nb != NULL, TLS_ERR_INTERNAL);
    if (w->len > 0)
        memcpy(nb, w->buf, w->len);
    if (w->buf != NULL)
        OPENSSL_clear_free(w->buf, w->cap);
    w->buf = nb;
    w->cap = cap;
    return 0;
}

int tls_wr_reserve(tls_writer *w, size_t n)
{
    ENSURE(!w->failed, TLS_ERR_INTERNAL);
    if (n <= w->cap - w->len)
        return 0;
    if (w->fixed || n > SIZE_MAX - w->len || wr_grow(w, w->len + n) < 0) {
        w->failed = 1;
        return TLS_ERR_INTERNAL;
    }
    return 0;
}

int tls_wr_space(tls_writer *w, size_t n, uint8_t **out)
{
    TRY(tls_wr_reserve(w, n));
    *out = w->buf + w->len;
    w->len += n;
    return 0;
}

int tls_wr_bytes(tls_writer *w, const void *p, size_t n)
{
    uint8_t *dst;
    TRY(tls_wr_space(w, n, &dst));
    if (n > 0)
        memcpy(dst, p, n);
    return 0;
}

static void put_uint(uint8_t *dst, int n, uint32_t v)
{
    for (int i = n - 1; i >= 0; i--) {
        dst[i] = (uint8_t)v;
        v >>= 8;
    }
}

static int wr_uint(tls_writer *w, int n, uint32_t v)
{
    uint8_t *dst;
    TRY(tls_wr_space(w, (size_t)n, &dst));
    put_uint(dst, n, v);
    return 0;
}

int tls_wr_u8(tls_writer *w, uint8_t v)
{
    return wr_uint(w, 1, v);
}
int tls_wr_u16(tls_writer *w, uint16_t v)
{
    return wr_uint(w, 2, v);
}

int tls_wr_u24(tls_writer *w, uint32_t v)
{
    ENSURE(v <= 0xffffffu, TLS_ERR_INTERNAL);
    return wr_uint(w, 3, v);
}

int tls_wr_u32(tls_writer *w, uint32_t v)
{
    return wr_uint(w, 4, v);
}

int tls_wr_open(tls_writer *w, int prefix_bytes, size_t *mark)
{
    ENSURE(prefix_bytes >= 1 && prefix_bytes <= 3, TLS_ERR_INTERNAL);
    *mark = w->len;
    return wr_uint(w, prefix_bytes, 0);
}

int tls_wr_close(tls_writer *w, int prefix_bytes, size_t mark)
{
    ENSURE(!w->failed, TLS_ERR_INTERNAL);
    ENSURE(prefix_bytes >= 1 && prefix_bytes <= 3, TLS_ERR_INTERNAL);
    ENSURE(mark <= w->len && w->len - mark >= (size_t)prefix_bytes, TLS_ERR_INTERNAL);
    size_t body = w->len - mark - (size_t)prefix_bytes;
    size_t max = ((size_t)1 << (8 * prefix_bytes)) - 1;
    ENSURE(body <= max, TLS_ERR_INTERNAL);
    put_uint(w->buf + mark, prefix_bytes, (uint32_t)body);
    return 0;
}
