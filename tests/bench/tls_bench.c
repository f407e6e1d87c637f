/*
 * tls_bench: TLS 1.3 handshake rate, bulk throughput and idle memory, measured
 * through the public libssl API only.
 *
 * Why one process over BIO pairs: it removes the kernel, the network and the
 * scheduler from the figures, so what is left is libssl (plus libcrypto), and
 * the same binary can be pointed at the system libssl or at ShimSSL just by
 * LD_LIBRARY_PATH (both have the SONAME libssl.so.3). The program is linked
 * against the system libssl in the ordinary way and never against our build.
 *
 * Every figure is also a correctness check: a handshake must complete on both
 * sides with the expected protocol version, and every byte of the bulk
 * transfer is compared on arrival. A failure exits non-zero, which is what the
 * ctest smoke test relies on.
 *
 * Output: one "key: value" line per figure, parsed by run.sh. Rates are per
 * CPU second of the whole process (client + server + libcrypto).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#define CHUNK 16384
/* Large enough for a whole server flight and a full 16 KB record with its
 * overhead, so the pump below rarely has to ping-pong on a full buffer. */
#define PAIR_BUF (64 * 1024)
/* A handshake over memory takes a handful of rounds; anything near this
 * means one side is stuck waiting for something the other never sends. */
#define MAX_ROUNDS 1000

struct opts {
    const char *certdir;
    const char *expect_lib;
    long handshakes;
    long mbytes;
    long idle;
};

struct pair {
    SSL *cli;
    SSL *srv;
};

static void die(const char *what)
{
    fprintf(stderr, "tls_bench: FAILED: %s\n", what);
    ERR_print_errors_fp(stderr);
    exit(1);
}

/* CPU time of this (single-threaded) process rather than wall time: on a
 * shared machine, time spent descheduled is not libssl's, and figures per CPU
 * second are what capacity planning needs anyway. */
static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The libssl that actually serves SSL_new in this process: dlsym finds the
 * definition the dynamic linker bound, dladdr names the object holding it. */
static const char *loaded_libssl(void)
{
    static char path[4096];
    Dl_info info;
    void *sym = dlsym(RTLD_DEFAULT, "SSL_new");
    if (sym == NULL || dladdr(sym, &info) == 0 || info.dli_fname == NULL)
        return NULL;
    if (realpath(info.dli_fname, path) == NULL)
        snprintf(path, sizeof(path), "%s", info.dli_fname);
    return path;
}

static SSL_CTX *server_ctx(const struct opts *o, const char *cert, const char *key)
{
    char cpath[4096], kpath[4096];
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (ctx == NULL)
        die("SSL_CTX_new(server)");
    snprintf(cpath, sizeof(cpath), "%s/%s", o->certdir, cert);
    snprintf(kpath, sizeof(kpath), "%s/%s", o->certdir, key);
    if (SSL_CTX_use_certificate_chain_file(ctx, cpath) != 1)
        die(cpath);
    if (SSL_CTX_use_PrivateKey_file(ctx, kpath, SSL_FILETYPE_PEM) != 1)
        die(kpath);
    if (SSL_CTX_check_private_key(ctx) != 1)
        die("server key does not match certificate");
    if (SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1)
        die("server min version");
    /* No tickets for the full-handshake figures (OpenSSL sends two by
     * default): what is measured is the handshake alone. bench_resumed
     * turns one on. */
    SSL_CTX_set_num_tickets(ctx, 0);
    return ctx;
}

static SSL_CTX *client_ctx(const struct opts *o, const char *suites)
{
    char ca[4096];
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (ctx == NULL)
        die("SSL_CTX_new(client)");
    snprintf(ca, sizeof(ca), "%s/ca.pem", o->certdir);
    /* A real client verifies the chain and the name, so the handshake figure
     * includes that cost. */
    if (SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1)
        die(ca);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    if (SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1)
        die("client min version");
    if (suites != NULL && SSL_CTX_set_ciphersuites(ctx, suites) != 1)
        die(suites);
    return ctx;
}

static void pair_new(struct pair *p, SSL_CTX *cctx, SSL_CTX *sctx)
{
    BIO *bc = NULL, *bs = NULL;
    p->cli = SSL_new(cctx);
    p->srv = SSL_new(sctx);
    if (p->cli == NULL || p->srv == NULL)
        die("SSL_new");
    if (BIO_new_bio_pair(&bc, PAIR_BUF, &bs, PAIR_BUF) != 1)
        die("BIO_new_bio_pair");
    SSL_set_bio(p->cli, bc, bc);
    SSL_set_bio(p->srv, bs, bs);
    SSL_set_connect_state(p->cli);
    SSL_set_accept_state(p->srv);
    if (SSL_set1_host(p->cli, "localhost") != 1)
        die("SSL_set1_host");
    if (SSL_set_tlsext_host_name(p->cli, "localhost") != 1)
        die("SNI");
}

static void pair_free(struct pair *p)
{
    SSL_free(p->cli);
    SSL_free(p->srv);
    p->cli = p->srv = NULL;
}

/* 1 = done, 0 = wants I/O the peer must supply, exits on a real failure. */
static int step(SSL *s, int rc, const char *who)
{
    if (rc == 1)
        return 1;
    int e = SSL_get_error(s, rc);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
        return 0;
    fprintf(stderr, "tls_bench: %s: SSL_get_error=%d\n", who, e);
    die(who);
    return -1;
}

static void handshake(struct pair *p)
{
    int cdone = 0, sdone = 0;
    for (int i = 0; i < MAX_ROUNDS && !(cdone && sdone); i++) {
        if (!cdone)
            cdone = step(p->cli, SSL_do_handshake(p->cli), "client");
        if (!sdone)
            sdone = step(p->srv, SSL_do_handshake(p->srv), "server");
    }
    if (!(cdone && sdone))
        die("handshake did not finish");
    if (SSL_version(p->cli) != TLS1_3_VERSION || SSL_version(p->srv) != TLS1_3_VERSION)
        die("negotiated version is not TLS 1.3");
    if (SSL_get_verify_result(p->cli) != X509_V_OK)
        die("client did not verify the server certificate");
}

static void bench_handshakes(const struct opts *o, const char *label, const char *cert,
                             const char *key)
{
    SSL_CTX *sctx = server_ctx(o, cert, key);
    SSL_CTX *cctx = client_ctx(o, NULL);
    struct pair p;
    long warm = o->handshakes < 20 ? o->handshakes : 20;

    for (long i = 0; i < warm; i++) {
        pair_new(&p, cctx, sctx);
        handshake(&p);
        pair_free(&p);
    }
    double t0 = now_s();
    for (long i = 0; i < o->handshakes; i++) {
        pair_new(&p, cctx, sctx);
        handshake(&p);
        pair_free(&p);
    }
    double dt = now_s() - t0;
    printf("handshakes_%s_per_s: %.1f\n", label, (double)o->handshakes / dt);
    fprintf(stderr, "  %ld full handshakes (%s) in %.3f s\n", o->handshakes, label, dt);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
}

/*
 * Resumed handshakes (TLS 1.3 tickets, psk_dhe_ke): one full handshake with
 * one NewSessionTicket, read by the client; then every timed handshake offers
 * that session and must be resumed on both sides. Tickets are turned off
 * after the first handshake, so the loop measures opening a ticket, the PSK
 * key schedule and the (EC)DHE exchange, with no signature, no chain check
 * and no new ticket to seal, for both libraries alike.
 */
static void bench_resumed(const struct opts *o, const char *label, const char *cert,
                          const char *key)
{
    SSL_CTX *sctx = server_ctx(o, cert, key);
    SSL_CTX *cctx = client_ctx(o, NULL);
    SSL_SESSION *sess;
    struct pair p;
    unsigned char byte;
    long warm = o->handshakes < 20 ? o->handshakes : 20;

    SSL_CTX_set_num_tickets(sctx, 1);
    pair_new(&p, cctx, sctx);
    handshake(&p);
    /* The ticket travels after the handshake: reading on the client takes
     * it in (nothing else is there: WANT_READ). */
    if (SSL_read(p.cli, &byte, 1) > 0 || SSL_get_error(p.cli, -1) != SSL_ERROR_WANT_READ)
        die("client read after the handshake");
    sess = SSL_get1_session(p.cli);
    if (sess == NULL || !SSL_SESSION_is_resumable(sess))
        die("no resumable session from the first handshake");
    /* The client ends each connection with close_notify: OpenSSL takes a
     * session whose connection was freed without it out of the cache and
     * marks it not resumable. */
    SSL_shutdown(p.cli);
    pair_free(&p);
    SSL_CTX_set_num_tickets(sctx, 0);

    double t0 = 0;
    for (long i = 0; i < warm + o->handshakes; i++) {
        if (i == warm)
            t0 = now_s();
        pair_new(&p, cctx, sctx);
        if (SSL_set_session(p.cli, sess) != 1)
            die("SSL_set_session");
        handshake(&p);
        if (!SSL_session_reused(p.cli) || !SSL_session_reused(p.srv))
            die("handshake was not resumed");
        SSL_shutdown(p.cli);
        pair_free(&p);
    }
    double dt = now_s() - t0;
    printf("handshakes_resumed_%s_per_s: %.1f\n", label, (double)o->handshakes / dt);
    fprintf(stderr, "  %ld resumed handshakes (%s) in %.3f s\n", o->handshakes, label, dt);
    SSL_SESSION_free(sess);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
}

/* The payload is a fixed pattern with the chunk number stamped in front, so a
 * repeated, dropped or reordered record fails the comparison on arrival while
 * preparing a chunk costs next to nothing next to the TLS work measured. */
static void fill_chunk(unsigned char *buf, uint64_t idx)
{
    if (idx == 0)
        for (size_t i = 0; i < CHUNK; i++)
            buf[i] = (unsigned char)(i * 31u + 7u);
    memcpy(buf, &idx, sizeof(idx));
}

/* Reads whatever the server has for us into rx at *have; returns bytes read. */
static size_t drain_server(SSL *srv, unsigned char *rx, size_t *have)
{
    size_t got = 0;
    for (;;) {
        int n = SSL_read(srv, rx + *have, (int)(CHUNK - *have));
        if (n <= 0) {
            step(srv, n, "server read");
            return got;
        }
        *have += (size_t)n;
        got += (size_t)n;
        if (*have == CHUNK)
            return got;
    }
}

static void bench_bulk(const struct opts *o, const char *label, const char *suite)
{
    SSL_CTX *sctx = server_ctx(o, "server-ec.pem", "server-ec.key");
    SSL_CTX *cctx = client_ctx(o, suite);
    struct pair p;
    static unsigned char tx[CHUNK], rx[CHUNK];
    uint64_t chunks = (uint64_t)o->mbytes * 1024 * 1024 / CHUNK;
    uint64_t received = 0;

    pair_new(&p, cctx, sctx);
    handshake(&p);
    const char *got = SSL_CIPHER_get_name(SSL_get_current_cipher(p.cli));
    if (got == NULL || strcmp(got, suite) != 0)
        die("negotiated cipher suite is not the requested one");

    double t0 = now_s();
    for (uint64_t c = 0; c < chunks; c++) {
        size_t have = 0;
        fill_chunk(tx, c);
        int w;
        int rounds = 0;
        while ((w = SSL_write(p.cli, tx, CHUNK)) <= 0) {
            step(p.cli, w, "client write");
            /* Pair buffer full: the server must consume before we can go on.
             * Whatever it reads belongs to this chunk (earlier ones are done). */
            drain_server(p.srv, rx, &have);
            if (++rounds > MAX_ROUNDS)
                die("client write stuck");
        }
        if (w != CHUNK)
            die("short SSL_write");
        rounds = 0;
        while (have < CHUNK) {
            drain_server(p.srv, rx, &have);
            if (++rounds > MAX_ROUNDS)
                die("server read stuck");
        }
        if (memcmp(rx, tx, CHUNK) != 0)
            die("received data differs from what was sent");
        received += CHUNK;
    }
    double dt = now_s() - t0;
    double mb = (double)received / (1024.0 * 1024.0);
    printf("bulk_%s_MB_per_s: %.1f\n", label, mb / dt);
    fprintf(stderr, "  %.0f MB with %s in %.3f s, all bytes verified\n", mb, suite, dt);
    pair_free(&p);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
}

static size_t heap_in_use(void)
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

/* Heap held by an established, idle client+server pair, net of the BIO pair
 * (libcrypto's, identical for both libraries, and not what a socket costs). */
static void bench_idle(const struct opts *o)
{
    SSL_CTX *sctx = server_ctx(o, "server-ec.pem", "server-ec.key");
    SSL_CTX *cctx = client_ctx(o, NULL);
    struct pair *ps = calloc((size_t)o->idle, sizeof(*ps));
    BIO **bios = calloc((size_t)o->idle * 2, sizeof(*bios));
    if (ps == NULL || bios == NULL)
        die("calloc");

    /* One connection first so lazily built per-process state (fetched
     * algorithms, parsed CA store) is not charged to the measured ones. */
    struct pair warm;
    pair_new(&warm, cctx, sctx);
    handshake(&warm);

    size_t b0 = heap_in_use();
    for (long i = 0; i < o->idle; i++)
        if (BIO_new_bio_pair(&bios[2 * i], PAIR_BUF, &bios[2 * i + 1], PAIR_BUF) != 1)
            die("BIO_new_bio_pair");
    /* Bio pair buffers are allocated on first write; force that. */
    for (long i = 0; i < o->idle; i++)
        if (BIO_write(bios[2 * i], "x", 1) != 1 || BIO_write(bios[2 * i + 1], "x", 1) != 1)
            die("BIO_write");
    size_t bio_cost = heap_in_use() - b0;
    for (long i = 0; i < 2 * o->idle; i++)
        BIO_free(bios[i]);

    size_t m0 = heap_in_use();
    for (long i = 0; i < o->idle; i++) {
        pair_new(&ps[i], cctx, sctx);
        handshake(&ps[i]);
    }
    size_t m1 = heap_in_use();
    double per = ((double)m1 - (double)m0 - (double)bio_cost) / (double)o->idle;
    printf("idle_conn_pair_KB: %.1f\n", per / 1024.0);
    fprintf(stderr, "  %ld idle pairs: heap +%zu bytes, of which BIO pairs %zu\n", o->idle, m1 - m0,
            bio_cost);

    for (long i = 0; i < o->idle; i++)
        pair_free(&ps[i]);
    pair_free(&warm);
    free(ps);
    free(bios);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
}

static void usage(void)
{
    fprintf(stderr, "usage: tls_bench --certs DIR [--handshakes N] [--mbytes N] [--idle N]\n"
                    "                 [--expect-lib PATH_PREFIX]\n");
    exit(2);
}

static long num_arg(const char *s)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v <= 0)
        usage();
    return v;
}

int main(int argc, char **argv)
{
    struct opts o = {NULL, NULL, 2000, 1024, 1000};
    for (int i = 1; i < argc; i++) {
        if (i + 1 >= argc)
            usage();
        if (strcmp(argv[i], "--certs") == 0)
            o.certdir = argv[++i];
        else if (strcmp(argv[i], "--handshakes") == 0)
            o.handshakes = num_arg(argv[++i]);
        else if (strcmp(argv[i], "--mbytes") == 0)
            o.mbytes = num_arg(argv[++i]);
        else if (strcmp(argv[i], "--idle") == 0)
            o.idle = num_arg(argv[++i]);
        else if (strcmp(argv[i], "--expect-lib") == 0)
            o.expect_lib = argv[++i];
        else
            usage();
    }
    if (o.certdir == NULL)
        usage();

    const char *lib = loaded_libssl();
    printf("libssl: %s\n", lib != NULL ? lib : "(unknown)");
    if (o.expect_lib != NULL) {
        char want[4096];
        const char *w = realpath(o.expect_lib, want) != NULL ? want : o.expect_lib;
        if (lib == NULL || strncmp(lib, w, strlen(w)) != 0)
            die("the loaded libssl is not the expected one");
    }
    fflush(stdout);

    bench_handshakes(&o, "rsa2048", "server.pem", "server.key");
    bench_handshakes(&o, "p256", "server-ec.pem", "server-ec.key");
    bench_resumed(&o, "rsa2048", "server.pem", "server.key");
    bench_resumed(&o, "p256", "server-ec.pem", "server-ec.key");
    bench_bulk(&o, "aes128gcm", "TLS_AES_128_GCM_SHA256");
    bench_bulk(&o, "chacha20", "TLS_CHACHA20_POLY1305_SHA256");
    bench_idle(&o);
    return 0;
}
