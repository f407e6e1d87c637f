// A client and a server SSL joined in memory by a BIO pair, driven in one
// thread. Public libssl API only, so a test using it builds against ShimSSL
// and, as the reference, against the system OpenSSL.
#ifndef SHIMSSL_TESTLIB_SSL_PAIR_H
#define SHIMSSL_TESTLIB_SSL_PAIR_H

#include <openssl/bio.h>
#include <openssl/ssl.h>

namespace shimtest
{

// Joins a client and a server SSL with a BIO pair and sets their roles.
inline bool connect_pair(SSL *client, SSL *server)
{
    BIO *cb = nullptr, *sb = nullptr;
    if (client == nullptr || server == nullptr || !BIO_new_bio_pair(&cb, 0, &sb, 0))
        return false;
    SSL_set_bio(client, cb, cb);
    SSL_set_bio(server, sb, sb);
    SSL_set_connect_state(client);
    SSL_set_accept_state(server);
    return true;
}

// Steps each end that has not finished, client first, round after round,
// until both have finished (true) or either fails with anything but
// WANT_READ or `rounds` pass (false). The last return values go to
// *client_rc / *server_rc if given, for SSL_get_error.
inline bool handshake_pair(SSL *client, SSL *server, int rounds = 100, int *client_rc = nullptr,
                           int *server_rc = nullptr)
{
    int rc = 0, rs = 0;
    for (int i = 0; i < rounds && (rc != 1 || rs != 1); i++) {
        if (rc != 1)
            rc = SSL_do_handshake(client);
        if (rs != 1)
            rs = SSL_do_handshake(server);
        if ((rc <= 0 && SSL_get_error(client, rc) != SSL_ERROR_WANT_READ) ||
            (rs <= 0 && SSL_get_error(server, rs) != SSL_ERROR_WANT_READ))
            break;
    }
    if (client_rc != nullptr)
        *client_rc = rc;
    if (server_rc != nullptr)
        *server_rc = rs;
    return rc == 1 && rs == 1;
}

class SslPair
{
  public:
    SslPair(SSL_CTX *cctx, SSL_CTX *sctx) : client(SSL_new(cctx)), server(SSL_new(sctx))
    {
        connect_pair(client, server);
    }
    ~SslPair()
    {
        SSL_free(client);
        SSL_free(server);
    }
    SslPair(const SslPair &) = delete;
    SslPair &operator=(const SslPair &) = delete;

    // Steps both ends until both have finished the handshake (true) or one
    // of them fails or neither makes progress (false). client_rc/server_rc
    // keep the last return values, for SSL_get_error.
    bool handshake(int rounds = 64)
    {
        for (int i = 0; i < rounds; i++) {
            client_rc = SSL_do_handshake(client);
            if (client_rc <= 0 && SSL_get_error(client, client_rc) != SSL_ERROR_WANT_READ)
                return false;
            server_rc = SSL_do_handshake(server);
            if (server_rc <= 0 && SSL_get_error(server, server_rc) != SSL_ERROR_WANT_READ)
                return false;
            if (client_rc == 1 && server_rc == 1)
                return true;
        }
        return false;
    }

    SSL *client;
    SSL *server;
    int client_rc = 0;
    int server_rc = 0;
};

} // namespace shimtest

#endif
