// How a server sees the end of a connection, for each way a client can end
// it: with close_notify, or by closing the socket (with and without
// SSL_OP_IGNORE_UNEXPECTED_EOF). SSL_read's result and error, then what
// SSL_in_init / SSL_is_init_finished / SSL_shutdown / SSL_get_shutdown
// report: servers decide from these whether to send their close_notify
// (nginx tests SSL_in_init, lighttpd SSL_is_init_finished). Built against
// ShimSSL and, as the reference, against the system OpenSSL: both must
// pass.
#include <gtest/gtest.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <thread>

#include "testlib/testlib.h"

namespace
{

struct Seen {
    int ret = 0, err = 0;
    unsigned long reason = 0; // ERR_GET_REASON of the first queued error
};

Seen observe(SSL *s, int ret)
{
    Seen v;
    v.ret = ret;
    v.err = SSL_get_error(s, ret);
    unsigned long e = ERR_get_error();
    v.reason = e != 0 ? ERR_GET_REASON(e) : 0;
    ERR_clear_error();
    return v;
}

class CloseState : public ::testing::TestWithParam<std::tuple<bool, bool>>
{
  protected:
    void SetUp() override
    {
        signal(SIGPIPE, SIG_IGN);
        alarm(30);
        ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
        sctx = SSL_CTX_new(TLS_server_method());
        cctx = SSL_CTX_new(TLS_client_method());
        ASSERT_EQ(SSL_CTX_use_certificate_chain_file(sctx, shimtest::cert("server.pem").c_str()), 1);
        ASSERT_EQ(SSL_CTX_use_PrivateKey_file(sctx, shimtest::cert("server.key").c_str(), SSL_FILETYPE_PEM), 1);
    }
    void TearDown() override
    {
        SSL_CTX_free(sctx);
        SSL_CTX_free(cctx);
        if (fds[0] >= 0)
            close(fds[0]);
        alarm(0);
    }
    int fds[2] = {-1, -1};
    SSL_CTX *sctx = nullptr, *cctx = nullptr;
};

TEST_P(CloseState, ServerSeesTheEndAsOpenSslReportsIt)
{
    bool notify = std::get<0>(GetParam()), ignore_eof = std::get<1>(GetParam());
    if (ignore_eof)
        SSL_CTX_set_options(sctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
    SSL *s = SSL_new(sctx);
    ASSERT_EQ(SSL_set_fd(s, fds[0]), 1);
    int cfd = fds[1];
    SSL_CTX *cc = cctx;
    std::thread client([cfd, cc, notify] {
        SSL *c = SSL_new(cc);
        SSL_set_fd(c, cfd);
        if (SSL_connect(c) == 1) {
            SSL_write(c, "GET", 3);
            char b[16];
            (void)SSL_read(c, b, sizeof(b));
            if (notify)
                (void)SSL_shutdown(c);
        }
        close(cfd);
        SSL_free(c);
    });
    ASSERT_EQ(SSL_accept(s), 1);
    char buf[16];
    ASSERT_EQ(SSL_read(s, buf, sizeof(buf)), 3);
    ASSERT_EQ(SSL_write(s, "OK", 2), 2);
    client.join();

    Seen r = observe(s, SSL_read(s, buf, sizeof(buf)));
    EXPECT_EQ(r.ret, 0);
    if (notify || ignore_eof) {
        // A clean end (close_notify, or an EOF the application accepts).
        EXPECT_EQ(r.err, SSL_ERROR_ZERO_RETURN);
        EXPECT_EQ(SSL_in_init(s), 0);
        EXPECT_EQ(SSL_is_init_finished(s), 1);
        // Our close_notify cannot go out (the socket is closed): -1, and
        // the error is still the peer's close.
        Seen sd = observe(s, SSL_shutdown(s));
        EXPECT_EQ(sd.ret, -1);
        EXPECT_EQ(sd.err, SSL_ERROR_ZERO_RETURN);
        EXPECT_EQ(SSL_get_shutdown(s), SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    } else {
        // A truncation: a fatal error, after which the connection counts
        // as "in init" again and SSL_shutdown refuses.
        EXPECT_EQ(r.err, SSL_ERROR_SSL);
        EXPECT_EQ(r.reason, (unsigned long)SSL_R_UNEXPECTED_EOF_WHILE_READING);
        EXPECT_EQ(SSL_in_init(s), 1);
        EXPECT_EQ(SSL_is_init_finished(s), 0);
        Seen sd = observe(s, SSL_shutdown(s));
        EXPECT_EQ(sd.ret, -1);
        EXPECT_EQ(sd.err, SSL_ERROR_SSL);
        EXPECT_EQ(sd.reason, (unsigned long)SSL_R_SHUTDOWN_WHILE_IN_INIT);
        EXPECT_EQ(SSL_get_shutdown(s), 0);
    }
    SSL_free(s);
}

INSTANTIATE_TEST_SUITE_P(Ends, CloseState,
                         ::testing::Combine(::testing::Bool(), ::testing::Bool()),
                         [](const ::testing::TestParamInfo<std::tuple<bool, bool>> &i) {
                             return std::string(std::get<0>(i.param) ? "CloseNotify" : "SocketClosed") +
                                    (std::get<1>(i.param) ? "_IgnoreEof" : "");
                         });

} // namespace
