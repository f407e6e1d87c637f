/*
 * Shared by the fuzz targets: a client tls_conn past its first ClientHello,
 * and a pump that feeds bytes exactly as compat/ would (never more than the
 * engine asks for), draining output after every call.
 */
#ifndef SHIMSSL_FUZZ_COMMON_H
#define SHIMSSL_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/tls.h"

static inline void fuzz_drain(tls_conn *c)
{
    const uint8_t *out;
    size_t n;
    while ((n = tls_conn_out(c, &out)) > 0)
        tls_conn_out_consume(c, n);
}

/* A client configured like a default SSL_CTX, accepting any certificate so
 * that inputs can reach past certificate checks. NULL if it cannot start. */
static inline tls_conn *fuzz_client_new(tls_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->server_name = "localhost";
    static const uint8_t alpn[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
    cfg->alpn = alpn;
    cfg->alpn_len = sizeof alpn;
    tls_conn *c = tls_conn_new(cfg, 0);
    if (c == NULL)
        return NULL;
    int rc = tls_conn_handshake(c); /* queues the ClientHello */
    fuzz_drain(c);
    if (rc < 0) {
        tls_conn_free(c);
        return NULL;
    }
    return c;
}

/* One step: the handshake until it completes, then application reads. */
static inline int fuzz_step(tls_conn *c)
{
    int rc;
    if (!tls_conn_handshake_done(c)) {
        rc = tls_conn_handshake(c);
    } else {
        uint8_t buf[4096];
        size_t n = 0;
        rc = tls_conn_read(c, buf, sizeof buf, &n, 0);
    }
    fuzz_drain(c);
    return rc;
}

/*
 * Feeds data in pieces of at most `chunk` bytes (and never more than the
 * engine wants), stepping the engine after each, until the input is used up
 * or the connection failed or reached EOF; then reports transport EOF.
 */
static inline void fuzz_pump(tls_conn *c, const uint8_t *data, size_t size, size_t chunk)
{
    size_t off = 0;
    int rc = TLS_WANT_INPUT;
    for (int guard = 0; guard < 100000; guard++) {
        if (rc == TLS_OK && tls_conn_handshake_done(c) &&
            (tls_conn_pending(c) > 0 || tls_conn_has_unprocessed_input(c))) {
            rc = fuzz_step(c); /* drain what is already buffered */
            continue;
        }
        if (rc < 0 || rc == TLS_EOF || off == size)
            break;
        size_t want = 0;
        uint8_t *dst = tls_conn_rbuf(c, &want);
        if (dst == NULL || want == 0) {
            rc = fuzz_step(c);
            if (rc < 0)
                break;
            dst = tls_conn_rbuf(c, &want);
            if (dst == NULL || want == 0)
                break;
        }
        size_t n = size - off;
        if (n > want)
            n = want;
        if (n > chunk)
            n = chunk;
        memcpy(dst, data + off, n);
        tls_conn_rbuf_commit(c, n);
        off += n;
        rc = fuzz_step(c);
    }
    if (rc >= 0 && rc != TLS_EOF) {
        tls_conn_transport_eof(c);
        (void)fuzz_step(c);
    }
    /* Failures are sticky: a second call must report the same error. */
    int err = tls_conn_error(c);
    if (err < 0 && fuzz_step(c) != err)
        __builtin_trap();
}

#endif
