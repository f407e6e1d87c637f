/*
 * Shared by the fuzz targets: a client tls_conn past its first ClientHello,
 * a pump that feeds bytes exactly as compat/ would (never more than the
 * engine asks for), draining output after every call, and the properties
 * every handshake target checks besides "did not crash".
 *
 * A violated property prints what failed and calls abort(): libFuzzer
 * reports it as a crash and keeps the input; the corpus replay tests
 * (fuzz_replay.h) run every input in a child process and fail on it.
 *
 * Properties of a connection fed hostile bytes (fuzz_watch, fuzz_finish):
 *  - it never completes a handshake. No input can be a valid transcript:
 *    the engine's ephemeral keys and randoms are fresh in every run and no
 *    target configures a PSK or session, so a completed handshake means a
 *    Finished (or a key exchange) was not checked;
 *  - it never sends internal_error: a malformed peer message gets
 *    decode_error, illegal_parameter, unexpected_message... (RFC 8446 6.2),
 *    except where OpenSSL 3.0 itself answers that input with internal_error
 *    and core matches it (fuzz_openssl_internal_error lists the reasons);
 *  - once the input ended (transport EOF) the connection has failed, or
 *    it was closed by the peer's close_notify (a clean end OpenSSL also
 *    allows during a handshake: a TLS 1.3 one, or a TLS 1.2 warning);
 *  - at most one fatal alert is sent, and nothing at all after it; the
 *    alert sent is the one its error carries;
 *  - the first error sticks: tls_conn_handshake and tls_conn_read return it
 *    again, queue nothing, and tls_conn_error does not change.
 *
 * Self-test knob, for the replay tests only: with SHIMSSL_FUZZ_SELFTEST set
 * to a property's tag, that property's check fails wherever it is evaluated
 * (so a test proves that the check runs for a given input and that its
 * failure fails the replay). Unset, it has no effect.
 */
#ifndef SHIMSSL_FUZZ_COMMON_H
#define SHIMSSL_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/tls.h"

/* Checks one property; `tag` names it (for messages and the self-test). */
#define FUZZ_REQUIRE(cond, tag, what)                                                              \
    fuzz_require((cond) ? 1 : 0, (tag), (what), __FILE__, __LINE__)

static inline void fuzz_require(int ok, const char *tag, const char *what, const char *file,
                                int line)
{
    const char *forced = getenv("SHIMSSL_FUZZ_SELFTEST");
    int selftest = forced != NULL && strcmp(forced, tag) == 0;
    if (ok && !selftest)
        return;
    fprintf(stderr, "fuzz property [%s] violated%s: %s (%s:%d)\n", tag,
            selftest ? " (forced by SHIMSSL_FUZZ_SELFTEST)" : "", what, file, line);
    fflush(stderr);
    abort();
}

/* Watches a connection through tls_config.event (which gets cb_arg). */
typedef struct fuzz_watch {
    int fatal_sent;     /* fatal alerts sent */
    int last_fatal;     /* description of the last one, -1 if none */
    int handshake_done; /* TLS_EV_HANDSHAKE_DONE seen */
} fuzz_watch;

static inline void fuzz_event(void *arg, int where, int value)
{
    fuzz_watch *w = arg;
    if (where == TLS_EV_HANDSHAKE_DONE) {
        w->handshake_done = 1;
        FUZZ_REQUIRE(0, "handshake", "a handshake completed on fuzzed input");
    }
    if (where == TLS_EV_ALERT_SENT) {
        int level = value >> 8, desc = value & 0xff;
        FUZZ_REQUIRE(w->fatal_sent == 0, "alert", "an alert was sent after a fatal alert");
        if (level == 2) {
            w->fatal_sent++;
            w->last_fatal = desc;
        }
    }
}

/* The reasons for which OpenSSL 3.0 sends internal_error on peer input, and
 * core does too: a TLS 1.2 CertificateRequest whose signature_algorithms
 * list is empty or odd (statem_clnt.c, tls1_save_sigalgs failing). */
static inline int fuzz_openssl_internal_error(int reason)
{
    return reason == TLS_R_SIGNATURE_ALGORITHMS_ERROR;
}

/* Hooks w into cfg (which must not use event/cb_arg otherwise). */
static inline void fuzz_watch_config(tls_config *cfg, fuzz_watch *w)
{
    memset(w, 0, sizeof *w);
    w->last_fatal = -1;
    cfg->event = fuzz_event;
    cfg->cb_arg = w;
}

static inline void fuzz_drain(tls_conn *c)
{
    const uint8_t *out;
    size_t n;
    while ((n = tls_conn_out(c, &out)) > 0)
        tls_conn_out_consume(c, n);
}

/* A client configured like a default SSL_CTX, accepting any certificate so
 * that inputs can reach past certificate checks. NULL if it cannot start. */
static inline tls_conn *fuzz_client_new(tls_config *cfg, fuzz_watch *w)
{
    memset(cfg, 0, sizeof *cfg);
    fuzz_watch_config(cfg, w);
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
}

/* The properties of a connection whose input is used up (see the top). */
static inline void fuzz_finish(tls_conn *c, const fuzz_watch *w)
{
    FUZZ_REQUIRE(!tls_conn_handshake_done(c) && !w->handshake_done, "handshake",
                 "a handshake completed on fuzzed input");
    int err = tls_conn_error(c);
    if (err >= 0 && tls_conn_close_received(c))
        return;
    FUZZ_REQUIRE(err < 0, "eof", "the input ended and the connection has not failed");
    if (err >= 0)
        return;
    int alert = TLS_ERR_ALERT(err);
    FUZZ_REQUIRE(alert != TLS_AD_INTERNAL_ERROR || fuzz_openssl_internal_error(TLS_ERR_REASON(err)),
                 "alert", "the error carries internal_error");
    FUZZ_REQUIRE(TLS_ERR_REASON(err) != TLS_R_INTERNAL, "alert",
                 "the error's reason is an internal error");
    FUZZ_REQUIRE(w->fatal_sent <= 1, "alert", "more than one fatal alert sent");
    if (alert != TLS_AD_NONE && w->fatal_sent == 1)
        FUZZ_REQUIRE(w->last_fatal == alert, "alert", "the alert sent is not the error's alert");
    /* Sticky: every call reports the same failure and sends nothing more. */
    const uint8_t *out;
    uint8_t buf[64];
    size_t n = 0;
    FUZZ_REQUIRE(tls_conn_handshake(c) == err, "sticky", "tls_conn_handshake forgot the error");
    FUZZ_REQUIRE(tls_conn_out(c, &out) == 0, "sticky", "output queued after the failure");
    FUZZ_REQUIRE(tls_conn_read(c, buf, sizeof buf, &n, 0) == err && n == 0, "sticky",
                 "tls_conn_read forgot the error");
    FUZZ_REQUIRE(tls_conn_out(c, &out) == 0, "sticky", "output queued after the failure");
    FUZZ_REQUIRE(tls_conn_error(c) == err, "sticky", "tls_conn_error changed");
}

#endif
