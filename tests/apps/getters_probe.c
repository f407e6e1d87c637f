/*
 * getters_probe: an ordinary OpenSSL 3.0 program (built against the system
 * headers and libssl) that makes one TLS connection on 127.0.0.1 and prints
 * what the "what did we negotiate / what did the peer offer" calls answer:
 * SSL_get_client_ciphers, SSL_get_shared_ciphers (at several buffer sizes),
 * the shared ciphers as later CPython releases build them from SSL_get_ciphers
 * and SSL_get_client_ciphers,
 * SSL_get_sigalgs, SSL_get_shared_sigalgs, SSL_get_signature_type_nid and its
 * peer variants, SSL_get1_groups, SSL_get_shared_group and
 * SSL_SESSION_get_compress_id, before and after the handshake.
 *
 * The test runs it on the system libssl and on ShimSSL (LD_PRELOAD) against
 * the same peer (this program on the system libssl) and compares the output.
 *
 *   getters_probe server [opts]       prints "PORT <n>", serves one client
 *   getters_probe client <port> [opts]
 * opts: -tls12 -tls13 (version pinned), -cipher LIST, -ciphersuites LIST,
 *       -sigalgs LIST, -client_sigalgs LIST, -groups LIST, -serverpref,
 *       -verify (server requests a certificate), -cert FILE -key FILE,
 *       -CAfile FILE
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

static void die(const char *what)
{
    fprintf(stderr, "getters_probe: %s\n", what);
    ERR_print_errors_fp(stderr);
    exit(2);
}

static void print_ciphers(const char *label, STACK_OF(SSL_CIPHER) *sk)
{
    printf("%s:", label);
    if (sk == NULL) {
        printf(" NULL\n");
        return;
    }
    printf(" (%d)", sk_SSL_CIPHER_num(sk));
    for (int i = 0; i < sk_SSL_CIPHER_num(sk); i++)
        printf("%c%s", i ? ':' : ' ', SSL_CIPHER_get_name(sk_SSL_CIPHER_value(sk, i)));
    printf("\n");
}

static void print_shared_ciphers(SSL *s)
{
    static const int sizes[] = {0, 1, 2, 3, 10, 22, 23, 24, 40, 64, 100, 512, 8192};
    char buf[8192 + 16];

    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        memset(buf, 'Z', sizeof(buf));
        buf[sizeof(buf) - 1] = 0;
        char *r = SSL_get_shared_ciphers(s, buf, sizes[i]);
        if (r == NULL)
            printf("shared_ciphers[%d]: NULL\n", sizes[i]);
        else
            printf("shared_ciphers[%d]: %s (ptr %s, len %zu)\n", sizes[i], r,
                   r == buf ? "buf" : "other", strlen(r));
        /* Nothing beyond the given size may be written. */
        for (int k = sizes[i]; k < (int)sizeof(buf) - 1; k++)
            if (buf[k] != 'Z') {
                printf("shared_ciphers[%d]: wrote past size at %d\n", sizes[i], k);
                break;
            }
    }
}

/*
 * SSLSocket.shared_ciphers() as later CPython releases compute it (Debian 12's
 * python3 3.11.2 does not): the local list (SSL_get_ciphers) in its order, a
 * cipher kept when sk_SSL_CIPHER_find finds that very SSL_CIPHER (the stack
 * has no comparison function: the same pointer) in SSL_get_client_ciphers;
 * each as (name, version, bits). NULL for either list gives None.
 */
static void print_python_shared(SSL *s)
{
    STACK_OF(SSL_CIPHER) *mine = SSL_get_ciphers(s);
    STACK_OF(SSL_CIPHER) *peer = SSL_get_client_ciphers(s);
    int n = 0;

    if (mine == NULL || peer == NULL) {
        printf("python_shared: None\n");
        return;
    }
    for (int i = 0; i < sk_SSL_CIPHER_num(mine); i++) {
        const SSL_CIPHER *c = sk_SSL_CIPHER_value(mine, i);
        if (sk_SSL_CIPHER_find(peer, c) < 0)
            continue;
        printf("python_shared: %s %s %d\n", SSL_CIPHER_get_name(c), SSL_CIPHER_get_version(c),
               SSL_CIPHER_get_bits(c, NULL));
        n++;
    }
    printf("python_shared_count: %d\n", n);
}

static void print_sigalgs(SSL *s, int shared)
{
    const char *label = shared ? "shared_sigalgs" : "sigalgs";
    int n = shared ? SSL_get_shared_sigalgs(s, 0, NULL, NULL, NULL, NULL, NULL)
                   : SSL_get_sigalgs(s, -1, NULL, NULL, NULL, NULL, NULL);

    printf("%s: %d\n", label, n);
    printf("%s[-1]: %d\n", label,
           shared ? SSL_get_shared_sigalgs(s, -1, NULL, NULL, NULL, NULL, NULL)
                  : SSL_get_sigalgs(s, -1, NULL, NULL, NULL, NULL, NULL));
    for (int i = 0; i <= n; i++) {
        int sign = -7, hash = -7, signhash = -7;
        unsigned char rsig = 0xee, rhash = 0xee;
        int r = shared ? SSL_get_shared_sigalgs(s, i, &sign, &hash, &signhash, &rsig, &rhash)
                       : SSL_get_sigalgs(s, i, &sign, &hash, &signhash, &rsig, &rhash);
        printf("%s[%d]: ret %d sign %d hash %d signhash %d rsig 0x%02x rhash 0x%02x\n", label, i,
               r, sign, hash, signhash, rsig, rhash);
    }
}

static void print_groups(SSL *s)
{
    int n = SSL_get1_groups(s, NULL);

    printf("groups: %d", n);
    if (n > 0) {
        int *g = calloc((size_t)n, sizeof(int));
        SSL_get1_groups(s, g);
        for (int i = 0; i < n; i++)
            printf("%c%d=%s", i ? ':' : ' ', g[i], SSL_group_to_name(s, g[i]) ? SSL_group_to_name(s, g[i]) : "(null)");
        free(g);
    }
    printf("\n");
    int shared = (int)SSL_get_shared_group(s, -1);
    printf("shared_groups: %d", shared);
    for (int i = 0; i <= shared; i++)
        printf("%c%ld", i ? ':' : ' ', SSL_get_shared_group(s, i));
    printf("\n");
    printf("shared_group[-2]: %ld\n", SSL_get_shared_group(s, -2));
}

static void report(SSL *s, const char *when)
{
    int nid, r;

    printf("== %s\n", when);
    print_ciphers("client_ciphers", SSL_get_client_ciphers(s));
    print_shared_ciphers(s);
    print_python_shared(s);
    print_sigalgs(s, 0);
    print_sigalgs(s, 1);
    /* (Each call before its printf: argument evaluation order is unspecified.) */
    nid = -7;
    r = SSL_get_signature_type_nid(s, &nid);
    printf("signature_type_nid: %d %d\n", r, nid);
    nid = -7;
    r = SSL_get_peer_signature_type_nid(s, &nid);
    printf("peer_signature_type_nid: %d %d\n", r, nid);
    nid = -7;
    r = (int)SSL_get_signature_nid(s, &nid);
    printf("signature_nid: %d %d\n", r, nid);
    nid = -7;
    r = (int)SSL_get_peer_signature_nid(s, &nid);
    printf("peer_signature_nid: %d %d\n", r, nid);
    print_groups(s);
    SSL_SESSION *sess = SSL_get_session(s);
    if (sess != NULL)
        printf("compress_id: %u\n", SSL_SESSION_get_compress_id(sess));
    else
        printf("compress_id: no session\n");
    fflush(stdout);
}

int main(int argc, char **argv)
{
    if (argc < 2)
        die("usage: getters_probe server|client [port] [opts]");
    int server = strcmp(argv[1], "server") == 0;
    int port = 0, a = 2;
    if (!server) {
        if (argc < 3)
            die("client needs a port");
        port = atoi(argv[2]);
        a = 3;
    }
    SSL_CTX *ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
    if (ctx == NULL)
        die("SSL_CTX_new");
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    const char *cert = NULL, *key = NULL;
    for (; a < argc; a++) {
        const char *o = argv[a], *v = a + 1 < argc ? argv[a + 1] : NULL;
        int ok = 1;
        if (strcmp(o, "-tls12") == 0) {
            SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
            SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
            continue;
        } else if (strcmp(o, "-tls13") == 0) {
            SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
            continue;
        } else if (strcmp(o, "-serverpref") == 0) {
            SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
            continue;
        } else if (strcmp(o, "-verify") == 0) {
            SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
            continue;
        }
        if (v == NULL)
            die("option needs a value");
        a++;
        if (strcmp(o, "-cipher") == 0)
            ok = SSL_CTX_set_cipher_list(ctx, v);
        else if (strcmp(o, "-ciphersuites") == 0)
            ok = SSL_CTX_set_ciphersuites(ctx, v);
        else if (strcmp(o, "-sigalgs") == 0)
            ok = (int)SSL_CTX_set1_sigalgs_list(ctx, v);
        else if (strcmp(o, "-client_sigalgs") == 0)
            ok = (int)SSL_CTX_set1_client_sigalgs_list(ctx, v);
        else if (strcmp(o, "-groups") == 0)
            ok = (int)SSL_CTX_set1_groups_list(ctx, v);
        else if (strcmp(o, "-cert") == 0)
            cert = v;
        else if (strcmp(o, "-key") == 0)
            key = v;
        else if (strcmp(o, "-CAfile") == 0)
            ok = SSL_CTX_load_verify_locations(ctx, v, NULL);
        else
            die(o);
        if (!ok)
            die(o);
    }
    if (cert != NULL && (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
                         SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1))
        die("certificate");

    int fd;
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (server) {
        socklen_t len = sizeof(sa);
        int ls = socket(AF_INET, SOCK_STREAM, 0);
        if (ls < 0 || bind(ls, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(ls, 1) != 0 ||
            getsockname(ls, (struct sockaddr *)&sa, &len) != 0)
            die("listen");
        printf("PORT %d\n", ntohs(sa.sin_port));
        fflush(stdout);
        fd = accept(ls, NULL, NULL);
        close(ls);
    } else {
        sa.sin_port = htons((unsigned short)port);
        fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
            die("connect");
    }
    if (fd < 0)
        die("accept");

    SSL *s = SSL_new(ctx);
    if (s == NULL)
        die("SSL_new");
    SSL_set_fd(s, fd);
    report(s, "before");
    if ((server ? SSL_accept(s) : SSL_connect(s)) != 1)
        die("handshake");
    /* One byte each way so that both ends are past their last flight. */
    char c = 'x';
    if (server) {
        if (SSL_read(s, &c, 1) != 1 || SSL_write(s, &c, 1) != 1)
            die("data");
    } else {
        if (SSL_write(s, &c, 1) != 1 || SSL_read(s, &c, 1) != 1)
            die("data");
    }
    printf("version: %s\ncipher: %s\n", SSL_get_version(s),
           SSL_CIPHER_get_name(SSL_get_current_cipher(s)));
    report(s, "after");
    SSL_shutdown(s);
    SSL_free(s);
    close(fd);
    SSL_CTX_free(ctx);
    return 0;
}
