/*
 * Bounded reader and growable writer: the only place that does pointer
 * arithmetic on wire data.
 *
 * A reader is a window [p, p+len) with a cursor. tls_rd_vec() opens a
 * length-prefixed vector as a sub-reader bounded to exactly that vector and
 * advances the parent past it; tls_rd_done() then demands that the
 * sub-reader was consumed exactly, so a field that claims to be longer or
 * shorter than its container is always a decode_error, never an over-read.
 *
 * A writer appends to a heap buffer that grows as needed (or to a fixed
 * caller buffer, in which case overflow is an internal error).
 * tls_wr_open()/tls_wr_close() write a length prefix whose value is filled in
 * when the vector is closed.
 */
#ifndef SHIMSSL_CORE_CODEC_H
#define SHIMSSL_CORE_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tls_reader {
    const uint8_t *p;
    size_t len;
    size_t off;
} tls_reader;

static inline void tls_rd_init(tls_reader *r, const uint8_t *p, size_t len)
{
    r->p = p;
    r->len = len;
    r->off = 0;
}

static inline size_t tls_rd_left(const tls_reader *r)
{
    return r->len - r->off;
}

/* All of these fail with TLS_ERR_DECODE (decode_error) when short. */
TLS_MUST_CHECK int tls_rd_u8(tls_reader *r, uint8_t *v);
TLS_MUST_CHECK int tls_rd_u16(tls_reader *r, uint16_t *v);
TLS_MUST_CHECK int tls_rd_u24(tls_reader *r, uint32_t *v);
TLS_MUST_CHECK int tls_rd_u32(tls_reader *r, uint32_t *v);
/* Borrow n bytes (no copy): *out points into the input. */
TLS_MUST_CHECK int tls_rd_bytes(tls_reader *r, size_t n, const uint8_t **out);
TLS_MUST_CHECK int tls_rd_copy(tls_reader *r, void *dst, size_t n);
/* Open a vector with a 1, 2 or 3 byte length prefix as a bounded sub-reader. */
TLS_MUST_CHECK int tls_rd_vec(tls_reader *r, int prefix_bytes, tls_reader *sub);
/* Same, also requiring min <= length <= max (RFC presentation-language bounds). */
TLS_MUST_CHECK int tls_rd_vec_bounded(tls_reader *r, int prefix_bytes, size_t min, size_t max,
                                      tls_reader *sub);
/* The reader must be exactly consumed. */
TLS_MUST_CHECK int tls_rd_done(const tls_reader *r);

typedef struct tls_writer {
    uint8_t *buf;
    size_t len;
    size_t cap;
    int fixed;  /* buf belongs to the caller: never grown or freed */
    int failed; /* sticky: an allocation or overflow happened */
} tls_writer;

void tls_wr_init(tls_writer *w);                                 /* heap, empty */
void tls_wr_init_fixed(tls_writer *w, uint8_t *buf, size_t cap); /* caller's buffer */
void tls_wr_free(tls_writer *w);                                 /* cleanses, then frees */
void tls_wr_reset(tls_writer *w);                                /* len = 0, keeps memory */
TLS_MUST_CHECK int tls_wr_reserve(tls_writer *w, size_t n);      /* room for n more bytes */
TLS_MUST_CHECK int tls_wr_u8(tls_writer *w, uint8_t v);
TLS_MUST_CHECK int tls_wr_u16(tls_writer *w, uint16_t v);
TLS_MUST_CHECK int tls_wr_u24(tls_writer *w, uint32_t v);
TLS_MUST_CHECK int tls_wr_u32(tls_writer *w, uint32_t v);
TLS_MUST_CHECK int tls_wr_bytes(tls_writer *w, const void *p, size_t n);
/* Append n bytes of space and return a pointer to it (valid until the next append). */
TLS_MUST_CHECK int tls_wr_space(tls_writer *w, size_t n, uint8_t **out);
/* Length-prefixed vector: open writes a zero prefix and remembers where. */
TLS_MUST_CHECK int tls_wr_open(tls_writer *w, int prefix_bytes, size_t *mark);
/* Fill in the prefix; fails (internal error) if the body exceeds the prefix. */
TLS_MUST_CHECK int tls_wr_close(tls_writer *w, int prefix_bytes, size_t mark);

/*
 * Lists of 2-byte code points (suites, groups, signature schemes) that a
 * parser has already bounded: l holds n entries, on the wire (big-endian
 * byte pairs) or decoded.
 */
static inline uint16_t tls_u16_at(const uint8_t *l, size_t i)
{
    return (uint16_t)(l[2 * i] << 8 | l[2 * i + 1]);
}

static inline int tls_u16s_wire_has(const uint8_t *l, size_t n, uint16_t v)
{
    for (size_t i = 0; i < n; i++)
        if (tls_u16_at(l, i) == v)
            return 1;
    return 0;
}

static inline int tls_u16s_has(const uint16_t *l, size_t n, uint16_t v)
{
    for (size_t i = 0; i < n; i++)
        if (l[i] == v)
            return 1;
    return 0;
}

#ifdef __cplusplus
}
#endif

#endif
