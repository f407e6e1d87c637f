/*
 * A minimal TLS client built by the install test with nothing but
 * `cc tiny_client.c $(pkg-config --cflags --libs shimssl)`: what a user
 * linking against the installed ShimSSL would write.
 *
 * usage: tiny_client PORT CAFILE
 * Prints LIBSSL=<path> for every libssl mapping in /proc/self/maps (before
 * any TLS, so the loader's choice is visible even if the handshake fails),
 * then VERSION=, CIPHER=, VERIFY= and BODY_HAS_PAGE= after a GET.
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

static void print_libssl_mappings(void)
{
    FILE *maps = fopen("/proc/self/maps", "r");
    char line[4096], last[4096] = "";
    if (maps == NULL)
        return;
    while (fgets(line, sizeof line, maps) != NULL) {
        char *path = strchr(line, '/');
        if (path == NULL || strstr(path, "libssl") == NULL)
            continue;
        path[strcspn(path, "\n")] = '\0';
        /* one line per file, not per segment */
        if (strcmp(path, last) != 0)
            printf("LIBSSL=%s\n", path);
        snprintf(last, sizeof last, "%s", path);
    }
    fclose(maps);
    fflush(stdout);
}

static int connect_loopback(int port)
{
    struct sockaddr_in a;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((unsigned short)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        perror("connect");
        exit(3);
    }
    return fd;
}

int main(int argc, char **argv)
{
    static const char request[] = "GET / HTTP/1.0\r\n\r\n";
    char buf[4096];
    char *body = NULL;
    size_t body_len = 0;
    int n;

    if (argc != 3) {
        fprintf(stderr, "usage: %s PORT CAFILE\n", argv[0]);
        return 2;
    }
    alarm(20); /* never outlive the test */
    print_libssl_mappings();

    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (ctx == NULL || SSL_CTX_load_verify_locations(ctx, argv[2], NULL) != 1) {
        ERR_print_errors_fp(stderr);
        return 4;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    SSL *ssl = SSL_new(ctx);
    int fd = connect_loopback(atoi(argv[1]));
    if (ssl == NULL || SSL_set_fd(ssl, fd) != 1 ||
        SSL_set_tlsext_host_name(ssl, "localhost") != 1 || SSL_set1_host(ssl, "localhost") != 1) {
        ERR_print_errors_fp(stderr);
        return 4;
    }
    if (SSL_connect(ssl) != 1) {
        ERR_print_errors_fp(stderr);
        printf("VERIFY=%ld\n", SSL_get_verify_result(ssl));
        return 1;
    }
    printf("VERSION=%s\nCIPHER=%s\nVERIFY=%ld\n", SSL_get_version(ssl), SSL_get_cipher_name(ssl),
           SSL_get_verify_result(ssl));
    if (SSL_write(ssl, request, (int)strlen(request)) != (int)strlen(request)) {
        ERR_print_errors_fp(stderr);
        return 5;
    }
    while ((n = SSL_read(ssl, buf, sizeof buf)) > 0) {
        char *grown = realloc(body, body_len + (size_t)n + 1);
        if (grown == NULL)
            return 6;
        body = grown;
        memcpy(body + body_len, buf, (size_t)n);
        body_len += (size_t)n;
        body[body_len] = '\0';
    }
    printf("BODY_HAS_PAGE=%d\n",
           body != NULL && strstr(body, "Ciphers supported in s_server binary") != NULL);
    SSL_shutdown(ssl);
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    free(body);
    close(fd);
    return 0;
}
