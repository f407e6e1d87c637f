/*
 * Record size controls of the libssl API:
 *
 *   - SSL_CTX_set_tlsext_max_fragment_length / SSL_set_...: the RFC 6066
 *     code a client offers (the engine does the extension, the limit on
 *     both directions and the session's memory of it: core/maxfrag.c); a
 *     server accepts any valid offer, as OpenSSL does, whatever it set;
 *   - max_send_fragment (stored by ssl_ctrl.c): handed to the engine, which
 *     fragments every record at it; SSL_write also splits at the current
 *     value, so a change after the handshake started still counts;
 *   - TLS 1.3 record padding: the application's callback, else padding to a
 *     multiple of the block size (SSL_CTX_set_block_padding), asked per
 *     record so that a change on a live connection counts too.
 *
 * split_send_fragment and max_pipelines are checked and answered as
 * OpenSSL does (ssl_ctrl.c) but change nothing: without a pipelining
 * engine OpenSSL writes the same records. SSL_CTX_set_default_read_buffer_len
 * (ssl_io.c) is accepted and ignored: the engine reads one record at a time
 * into a buffer that always holds the largest record.
 */
#include "compat/compat.h"

static int mfl_mode_ok(uint8_t mode)
{
    return mode == TLSEXT_max_fragment_length_DISABLED ||
           (mode >= TLSEXT_max_fragment_length_512 && mode <= TLSEXT_max_fragment_length_4096);
}

int SSL_CTX_set_tlsext_max_fragment_length(SSL_CTX *ctx, uint8_t mode)
{
    if (!mfl_mode_ok(mode)) {
        SHIMSSL_ERR(SSL_R_SSL3_EXT_INVALID_MAX_FRAGMENT_LENGTH);
        return 0;
    }
    ctx->api_mfl_mode = mode;
    return 1;
}

int SSL_set_tlsext_max_fragment_length(SSL *s, uint8_t mode)
{
    if (!mfl_mode_ok(mode)) {
        SHIMSSL_ERR(SSL_R_SSL3_EXT_INVALID_MAX_FRAGMENT_LENGTH);
        return 0;
    }
    s->api_mfl_mode = mode;
    return 1;
}

/* --- TLS 1.3 record padding -------------------------------------------------- */

/* A block size of 0 or 1 means no padding; at most one full record. */
static int block_size_ok(size_t block_size, size_t *out)
{
    if (block_size > SSL3_RT_MAX_PLAIN_LENGTH)
        return 0;
    *out = block_size == 1 ? 0 : block_size;
    return 1;
}

int SSL_CTX_set_block_padding(SSL_CTX *ctx, size_t block_size)
{
    return block_size_ok(block_size, &ctx->api_block_padding);
}

int SSL_set_block_padding(SSL *s, size_t block_size)
{
    return block_size_ok(block_size, &s->api_block_padding);
}

void SSL_CTX_set_record_padding_callback(SSL_CTX *ctx,
                                         size_t (*cb)(SSL *ssl, int type, size_t len, void *arg))
{
    ctx->api_record_padding_cb = cb;
}

void SSL_CTX_set_record_padding_callback_arg(SSL_CTX *ctx, void *arg)
{
    ctx->api_record_padding_arg = arg;
}

void *SSL_CTX_get_record_padding_callback_arg(const SSL_CTX *ctx)
{
    return ctx->api_record_padding_arg;
}

int SSL_set_record_padding_callback(SSL *s, size_t (*cb)(SSL *ssl, int type, size_t len, void *arg))
{
    s->api_record_padding_cb = cb;
    return 1;
}

void SSL_set_record_padding_callback_arg(SSL *s, void *arg)
{
    s->api_record_padding_arg = arg;
}

void *SSL_get_record_padding_callback_arg(const SSL *s)
{
    return s->api_record_padding_arg;
}

/* tls_config.record_padding: len is the inner plaintext (content + type
 * byte); the engine caps the answer at what the record may still hold. */
size_t shimssl_record_padding(void *arg, int type, size_t len)
{
    SSL *s = arg;
    size_t block = s->api_block_padding, rem;

    if (s->api_record_padding_cb != NULL)
        return s->api_record_padding_cb(s, type, len, s->api_record_padding_arg);
    if (block == 0)
        return 0;
    rem = len % block;
    return rem == 0 ? 0 : block - rem;
}

/* --- lifecycle ------------------------------------------------------------------ */

void shimssl_recsize_ssl_init(SSL *s)
{
    SSL_CTX *ctx = s->ctx;

    s->api_mfl_mode = ctx->api_mfl_mode;
    s->api_block_padding = ctx->api_block_padding;
    s->api_record_padding_cb = ctx->api_record_padding_cb;
    s->api_record_padding_arg = ctx->api_record_padding_arg;
}
