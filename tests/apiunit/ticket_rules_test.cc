// Session tickets as OpenSSL 3.0 issues and keeps them, seen through the
// public API only (this file also builds against the system libssl, label
// reference, where every expectation here holds): the application-data
// callbacks of SSL_CTX_set_session_ticket_cb in TLS 1.2 (where the ticket
// goes out inside the handshake), the lifetime hint a client receives for
// each version, and a TLS 1.3 client keeping every ticket it is given.
#include <gtest/gtest.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <csignal>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include "testlib/ssl_pair.h"
#include "testlib/testlib.h"

namespace
{

const char kAppData[] = "ticket app data";

struct TicketCbState {
    int gen_called = 0;
    int gen_saw_session = 0;
    int dec_called = 0;
    int dec_saw_appdata = 0;
    SSL_TICKET_STATUS last_status = SSL_TICKET_EMPTY;
    SSL_TICKET_RETURN on_empty = SSL_TICKET_RETURN_IGNORE_RENEW;
    SSL_TICKET_RETURN on_success = SSL_TICKET_RETURN_USE;
} tcb;

int gen_cb(SSL *s, void *)
{
    tcb.gen_called++;
    SSL_SESSION *ss = SSL_get_session(s);
    if (ss == nullptr)
        return 0;
    tcb.gen_saw_session++;
    return SSL_SESSION_set1_ticket_appdata(ss, kAppData, strlen(kAppData));
}

SSL_TICKET_RETURN dec_cb(SSL *, SSL_SESSION *ss, const unsigned char *, size_t,
                         SSL_TICKET_STATUS status, void *)
{
    tcb.dec_called++;
    tcb.last_status = status;
    if (status == SSL_TICKET_EMPTY)
        return tcb.on_empty;
    if (status != SSL_TICKET_SUCCESS && status != SSL_TICKET_SUCCESS_RENEW)
        return SSL_TICKET_RETURN_IGNORE_RENEW;
    void *data = nullptr;
    size_t len = 0;
    if (SSL_SESSION_get0_ticket_appdata(ss, &data, &len) == 1 && len == strlen(kAppData) &&
        memcmp(data, kAppData, len) == 0)
        tcb.dec_saw_appdata++;
    return tcb.on_success;
}

std::vector<SSL_SESSION *> kept;
int keep_cb(SSL *, SSL_SESSION *ss)
{
    kept.push_back(ss);
    return 1;
}

class TicketRules : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        alarm(60);
        tcb = TicketCbState();
        kept.clear();
        sctx = SSL_CTX_new(TLS_server_method());
        cctx = SSL_CTX_new(TLS_client_method());
        ASSERT_NE(sctx, nullptr);
        ASSERT_NE(cctx, nullptr);
        ASSERT_EQ(SSL_CTX_use_certificate_chain_file(sctx, shimtest::cert("server.pem").c_str()), 1);
        ASSERT_EQ(SSL_CTX_use_PrivateKey_file(sctx, shimtest::cert("server.key").c_str(),
                                              SSL_FILETYPE_PEM),
                  1);
    }
    void TearDown() override
    {
        for (SSL_SESSION *ss : kept)
            SSL_SESSION_free(ss);
        kept.clear();
        SSL_CTX_free(sctx);
        SSL_CTX_free(cctx);
        ERR_clear_error();
        alarm(0);
    }
    void only(int version)
    {
        ASSERT_EQ(SSL_CTX_set_min_proto_version(cctx, version), 1);
        ASSERT_EQ(SSL_CTX_set_max_proto_version(cctx, version), 1);
    }
    // A handshake (resuming ss if given), then data from the server so that
    // the client reads any TLS 1.3 tickets; returns the client's session.
    SSL_SESSION *connect(SSL_SESSION *ss = nullptr, int *reused = nullptr)
    {
        shimtest::SslPair p(cctx, sctx);
        if (ss != nullptr) {
            EXPECT_EQ(SSL_set_session(p.client, ss), 1);
        }
        EXPECT_TRUE(p.handshake()) << ERR_error_string(ERR_peek_error(), nullptr);
        EXPECT_EQ(SSL_write(p.server, "x", 1), 1);
        char c = 0;
        EXPECT_EQ(SSL_read(p.client, &c, 1), 1);
        if (reused != nullptr)
            *reused = SSL_session_reused(p.client);
        SSL_SESSION *out = SSL_get1_session(p.client);
        (void)SSL_shutdown(p.client);
        (void)SSL_shutdown(p.server);
        return out;
    }
    SSL_CTX *sctx = nullptr, *cctx = nullptr;
};

// sslapitest's test_ticket_callbacks for TLS 1.2: the generate callback
// runs inside the handshake and finds the connection's session there; the
// decrypt callback hears of the client's empty extension first, then gets
// the ticket back with the data the generate callback put in it.
TEST_F(TicketRules, Tls12GenerateCallbackSeesTheSessionAndItsDataComesBack)
{
    only(TLS1_2_VERSION);
    SSL_CTX_set_session_cache_mode(sctx, SSL_SESS_CACHE_OFF);
    ASSERT_EQ(SSL_CTX_set_session_ticket_cb(sctx, gen_cb, dec_cb, nullptr), 1);

    SSL_SESSION *ss = connect();
    ASSERT_NE(ss, nullptr);
    EXPECT_EQ(tcb.gen_called, 1);
    EXPECT_EQ(tcb.gen_saw_session, 1);
    EXPECT_EQ(tcb.dec_called, 1);
    EXPECT_EQ(tcb.last_status, SSL_TICKET_EMPTY);
    EXPECT_EQ(SSL_SESSION_has_ticket(ss), 1);

    tcb.gen_called = tcb.dec_called = 0;
    int reused = 0;
    SSL_SESSION *again = connect(ss, &reused);
    EXPECT_EQ(reused, 1);
    EXPECT_EQ(tcb.dec_called, 1);
    EXPECT_EQ(tcb.dec_saw_appdata, 1);
    EXPECT_EQ(tcb.last_status, SSL_TICKET_SUCCESS);
    EXPECT_EQ(tcb.gen_called, 0); // SSL_TICKET_RETURN_USE: no new ticket
    SSL_SESSION_free(again);

    // SSL_TICKET_RETURN_USE_RENEW: resumed, and a new ticket (generated
    // inside the abbreviated handshake) carries the data again.
    tcb = TicketCbState();
    tcb.on_success = SSL_TICKET_RETURN_USE_RENEW;
    again = connect(ss, &reused);
    EXPECT_EQ(reused, 1);
    EXPECT_EQ(tcb.gen_called, 1);
    EXPECT_EQ(tcb.gen_saw_session, 1);
    SSL_SESSION_free(again);
    SSL_SESSION_free(ss);
}

// SSL_TICKET_RETURN_IGNORE on the empty extension: no ticket at all (and no
// generate callback); SSL_TICKET_RETURN_IGNORE on a ticket: a full
// handshake that issues no new one.
TEST_F(TicketRules, Tls12DecryptCallbackIgnoreIssuesNoTicket)
{
    only(TLS1_2_VERSION);
    SSL_CTX_set_session_cache_mode(sctx, SSL_SESS_CACHE_OFF);
    ASSERT_EQ(SSL_CTX_set_session_ticket_cb(sctx, gen_cb, dec_cb, nullptr), 1);
    tcb.on_empty = SSL_TICKET_RETURN_IGNORE;
    SSL_SESSION *ss = connect();
    ASSERT_NE(ss, nullptr);
    EXPECT_EQ(tcb.dec_called, 1);
    EXPECT_EQ(tcb.gen_called, 0);
    EXPECT_EQ(SSL_SESSION_has_ticket(ss), 0);
    SSL_SESSION_free(ss);

    tcb = TicketCbState();
    ss = connect();
    ASSERT_NE(ss, nullptr);
    ASSERT_EQ(SSL_SESSION_has_ticket(ss), 1);
    tcb = TicketCbState();
    tcb.on_success = SSL_TICKET_RETURN_IGNORE;
    int reused = 1;
    SSL_SESSION *again = connect(ss, &reused);
    EXPECT_EQ(reused, 0);
    EXPECT_EQ(tcb.dec_called, 1);
    EXPECT_EQ(tcb.gen_called, 0);
    SSL_SESSION_free(again);
    SSL_SESSION_free(ss);
}

// OpenSSL's lifetime hint: TLS 1.2 sends the session timeout as it is
// (nginx's ssl_session_timeout 1d advertises 86400), TLS 1.3 the timeout
// capped at 7 days (RFC 8446 4.6.1); sslapitest's test_ticket_lifetime.
TEST_F(TicketRules, LifetimeHintIsTheSessionTimeout)
{
    only(TLS1_2_VERSION);
    SSL_CTX_set_timeout(sctx, 86400);
    SSL_SESSION *ss = connect();
    ASSERT_NE(ss, nullptr);
    EXPECT_EQ(SSL_SESSION_get_ticket_lifetime_hint(ss), 86400u);
    SSL_SESSION_free(ss);

    SSL_CTX_set_timeout(sctx, 14 * 24 * 3600);
    ss = connect();
    ASSERT_NE(ss, nullptr);
    EXPECT_EQ(SSL_SESSION_get_ticket_lifetime_hint(ss), 14u * 24 * 3600);
    SSL_SESSION_free(ss);

    only(TLS1_3_VERSION);
    ss = connect();
    ASSERT_NE(ss, nullptr);
    EXPECT_EQ(SSL_SESSION_get_ticket_lifetime_hint(ss), 7u * 24 * 3600);
    SSL_SESSION_free(ss);

    SSL_CTX_set_timeout(sctx, 300);
    ss = connect();
    ASSERT_NE(ss, nullptr);
    EXPECT_EQ(SSL_SESSION_get_ticket_lifetime_hint(ss), 300u);
    SSL_SESSION_free(ss);
}

// A TLS 1.3 client with client caching on that keeps the session of the
// first NewSessionTicket from its new-session callback: the second ticket
// leaves it alone; both stay resumable and each resumes.
TEST_F(TicketRules, Tls13EveryTicketKeptStaysResumable)
{
    only(TLS1_3_VERSION);
    SSL_CTX_set_session_cache_mode(cctx, SSL_SESS_CACHE_CLIENT);
    SSL_CTX_sess_set_new_cb(cctx, keep_cb);
    SSL_SESSION *last = connect();
    ASSERT_EQ(kept.size(), 2u);
    EXPECT_EQ(SSL_SESSION_is_resumable(kept[0]), 1);
    EXPECT_EQ(SSL_SESSION_is_resumable(kept[1]), 1);
    SSL_SESSION_free(last);

    std::vector<SSL_SESSION *> first(kept);
    kept.clear();
    for (SSL_SESSION *ss : first) {
        int reused = 0;
        SSL_SESSION *s2 = connect(ss, &reused);
        EXPECT_EQ(reused, 1);
        // Used once: with client caching on it leaves the cache.
        EXPECT_EQ(SSL_SESSION_is_resumable(ss), 0);
        SSL_SESSION_free(s2);
    }
    for (SSL_SESSION *ss : first)
        SSL_SESSION_free(ss);
}

int server_new_calls = 0;
int count_server_new(SSL *, SSL_SESSION *)
{
    server_new_calls++;
    return 0; // not kept
}

// SSL_new_session_ticket only queues (sslapitest's test_extra_tickets): the
// tickets are made by the next write (or SSL_do_handshake), and the client
// gets them with the data.
TEST_F(TicketRules, NewSessionTicketIsSentByTheNextWrite)
{
    only(TLS1_3_VERSION);
    SSL_CTX_sess_set_new_cb(sctx, count_server_new);
    SSL_CTX_set_session_cache_mode(cctx, SSL_SESS_CACHE_CLIENT);
    SSL_CTX_sess_set_new_cb(cctx, keep_cb);
    shimtest::SslPair p(cctx, sctx);
    ASSERT_TRUE(p.handshake());
    EXPECT_EQ(server_new_calls, 2);
    ASSERT_EQ(SSL_new_session_ticket(p.server), 1);
    ASSERT_EQ(SSL_new_session_ticket(p.server), 1);
    EXPECT_EQ(server_new_calls, 2);
    EXPECT_EQ(SSL_write(p.server, "a", 1), 1);
    EXPECT_EQ(server_new_calls, 4);
    char c = 0;
    EXPECT_EQ(SSL_read(p.client, &c, 1), 1);
    EXPECT_EQ(kept.size(), 4u);

    // SSL_do_handshake drives them too.
    ASSERT_EQ(SSL_new_session_ticket(p.server), 1);
    EXPECT_EQ(server_new_calls, 4);
    EXPECT_EQ(SSL_do_handshake(p.server), 1);
    EXPECT_EQ(server_new_calls, 5);
    EXPECT_EQ(SSL_read(p.client, &c, 1), -1);
    EXPECT_EQ(SSL_get_error(p.client, -1), SSL_ERROR_WANT_READ);
    EXPECT_EQ(kept.size(), 5u);

    // Not on a client, not in TLS 1.2.
    EXPECT_EQ(SSL_new_session_ticket(p.client), 0);
    ERR_clear_error();
    server_new_calls = 0;
}

// SSL_clear keeps a client's session unless it went bad: the same SSL then
// resumes the connection it had (sslapitest's test_ssl_clear).
TEST_F(TicketRules, ClientResumesAfterSslClear)
{
    for (int version : {TLS1_3_VERSION, TLS1_2_VERSION}) {
        only(version);
        shimtest::SslPair p(cctx, sctx);
        ASSERT_TRUE(p.handshake());
        EXPECT_EQ(SSL_write(p.server, "x", 1), 1);
        char c = 0;
        EXPECT_EQ(SSL_read(p.client, &c, 1), 1);
        (void)SSL_shutdown(p.client);
        (void)SSL_shutdown(p.server);
        ASSERT_EQ(SSL_clear(p.client), 1);

        SSL *server = SSL_new(sctx);
        BIO *cb = nullptr, *sb = nullptr;
        ASSERT_EQ(BIO_new_bio_pair(&cb, 0, &sb, 0), 1);
        SSL_set_bio(p.client, cb, cb);
        SSL_set_bio(server, sb, sb);
        SSL_set_accept_state(server);
        SSL_free(p.server);
        p.server = server;
        ASSERT_TRUE(p.handshake()) << version;
        EXPECT_EQ(SSL_session_reused(p.client), 1) << version;
        (void)SSL_shutdown(p.client);
        (void)SSL_shutdown(p.server);
    }
}

// A TLS 1.3 server that takes early data with anti-replay on keeps its
// tickets in its cache, as with SSL_OP_NO_TICKET: each resumes once, and
// not on a connection that then takes no early data (sslapitest's
// test_early_data_replay, test_multi_resume).
TEST_F(TicketRules, EarlyDataServerTicketsAreSingleUse)
{
    only(TLS1_3_VERSION);
    ASSERT_EQ(SSL_CTX_set_max_early_data(sctx, 1024), 1);
    SSL_SESSION *ss = connect();
    ASSERT_NE(ss, nullptr);
    EXPECT_EQ(SSL_CTX_sess_number(sctx), 2); // both tickets are cache entries
    int reused = 0;
    SSL_SESSION *s2 = connect(ss, &reused);
    EXPECT_EQ(reused, 1);
    SSL_SESSION_free(s2);
    reused = 1;
    s2 = connect(ss, &reused);
    EXPECT_EQ(reused, 0); // used once already
    SSL_SESSION_free(s2);
    SSL_SESSION_free(ss);

    // Anti-replay off: stateless tickets, nothing cached.
    SSL_CTX_flush_sessions(sctx, 0);
    SSL_CTX_set_options(sctx, SSL_OP_NO_ANTI_REPLAY);
    ss = connect();
    ASSERT_NE(ss, nullptr);
    EXPECT_EQ(SSL_CTX_sess_number(sctx), 0);
    s2 = connect(ss, &reused);
    EXPECT_EQ(reused, 1);
    SSL_SESSION_free(s2);
    s2 = connect(ss, &reused);
    EXPECT_EQ(reused, 1);
    SSL_SESSION_free(s2);
    SSL_SESSION_free(ss);
}

// TLS 1.3, stateful tickets (SSL_OP_NO_TICKET): the server's session after
// the handshake is its last ticket's, so another server context given it
// with SSL_CTX_add_session resumes the client's last ticket (what ssl_test's
// 10-resumption does with its resume-server).
TEST_F(TicketRules, Tls13ServerSessionIsItsLastTicket)
{
    only(TLS1_3_VERSION);
    SSL_CTX_set_options(sctx, SSL_OP_NO_TICKET);
    SSL_SESSION *client_ss = nullptr, *server_ss = nullptr;
    {
        shimtest::SslPair p(cctx, sctx);
        ASSERT_TRUE(p.handshake());
        EXPECT_EQ(SSL_write(p.server, "x", 1), 1);
        char c = 0;
        EXPECT_EQ(SSL_read(p.client, &c, 1), 1);
        client_ss = SSL_get1_session(p.client);
        server_ss = SSL_SESSION_dup(SSL_get_session(p.server));
        (void)SSL_shutdown(p.client);
        (void)SSL_shutdown(p.server);
    }
    ASSERT_NE(client_ss, nullptr);
    ASSERT_NE(server_ss, nullptr);
    unsigned int id_len = 0;
    SSL_SESSION_get_id(server_ss, &id_len);
    EXPECT_GT(id_len, 0u);
    EXPECT_EQ(SSL_SESSION_is_resumable(server_ss), 1);

    SSL_CTX *other = SSL_CTX_new(TLS_server_method());
    ASSERT_EQ(SSL_CTX_use_certificate_chain_file(other, shimtest::cert("server.pem").c_str()), 1);
    ASSERT_EQ(SSL_CTX_use_PrivateKey_file(other, shimtest::cert("server.key").c_str(),
                                          SSL_FILETYPE_PEM),
              1);
    SSL_CTX_set_options(other, SSL_OP_NO_TICKET);
    ASSERT_EQ(SSL_CTX_add_session(other, server_ss), 1);
    SSL_CTX_free(sctx);
    sctx = other;
    int reused = 0;
    SSL_SESSION *s2 = connect(client_ss, &reused);
    EXPECT_EQ(reused, 1);
    SSL_SESSION_free(s2);
    SSL_SESSION_free(client_ss);
    SSL_SESSION_free(server_ss);
}

SSL_CTX *no_ticket_ctx;
int switch_ctx(SSL *s, int *, void *)
{
    SSL_set_SSL_CTX(s, no_ticket_ctx);
    // As ssl_test's servername callback: the new context's options.
    SSL_clear_options(s, 0xFFFFFFFFL);
    SSL_set_options(s, SSL_CTX_get_options(no_ticket_ctx));
    return SSL_TLSEXT_ERR_OK;
}

// A TLS 1.2 server whose servername callback switches to a context with
// tickets off issues no ticket, and a session id instead (ssl_test's
// 06-sni-ticket).
TEST_F(TicketRules, Tls12NoTicketAfterSwitchingToAContextWithoutTickets)
{
    only(TLS1_2_VERSION);
    no_ticket_ctx = SSL_CTX_new(TLS_server_method());
    ASSERT_EQ(SSL_CTX_use_certificate_chain_file(no_ticket_ctx,
                                                 shimtest::cert("server.pem").c_str()),
              1);
    ASSERT_EQ(SSL_CTX_use_PrivateKey_file(no_ticket_ctx, shimtest::cert("server.key").c_str(),
                                          SSL_FILETYPE_PEM),
              1);
    SSL_CTX_set_options(no_ticket_ctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_tlsext_servername_callback(sctx, switch_ctx);
    shimtest::SslPair p(cctx, sctx);
    ASSERT_EQ(SSL_set_tlsext_host_name(p.client, "server2"), 1);
    ASSERT_TRUE(p.handshake());
    SSL_SESSION *ss = SSL_get_session(p.client);
    ASSERT_NE(ss, nullptr);
    EXPECT_EQ(SSL_SESSION_has_ticket(ss), 0);
    unsigned int id_len = 0;
    SSL_SESSION_get_id(ss, &id_len);
    EXPECT_EQ(id_len, 32u);
    (void)SSL_shutdown(p.client);
    (void)SSL_shutdown(p.server);
    SSL_CTX_free(no_ticket_ctx);
}

// A forked worker: serve one connection on fd, exit 0 if the handshake
// completed and the client closed cleanly.
[[noreturn]] void serve_one(SSL_CTX *ctx, int fd, unsigned sleep_ms)
{
    signal(SIGPIPE, SIG_IGN); // the client may be gone when we close
    usleep(sleep_ms * 1000);
    SSL *s = SSL_new(ctx);
    int ok = s != nullptr && SSL_set_fd(s, fd) == 1 && SSL_accept(s) == 1 &&
             SSL_write(s, "x", 1) == 1;
    char c;
    if (ok)
        (void)SSL_read(s, &c, 1); // the client's close_notify
    if (ok)
        (void)SSL_shutdown(s);
    SSL_free(s);
    close(fd);
    _exit(ok ? 0 : 1);
}

// A server that makes its SSL_CTX and then forks its workers (nginx,
// Apache, postfix) seals tickets with the same automatic key in every
// worker, also once the session timeout has passed since the context was
// made: a ticket from one worker resumes in another (OpenSSL keeps the key
// for the context's life).
TEST_F(TicketRules, TicketKeysAreSharedByForkedWorkersAfterTheTimeout)
{
    SSL_CTX_set_timeout(sctx, 1);
    SSL_SESSION *ss = nullptr;
    for (int worker = 0; worker < 2; worker++) {
        int sv[2];
        ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
        pid_t pid = fork();
        ASSERT_GE(pid, 0);
        if (pid == 0) {
            close(sv[0]);
            // Both workers start their first handshake a timeout after the
            // context was made.
            serve_one(sctx, sv[1], worker == 0 ? 1200 : 0);
        }
        close(sv[1]);
        SSL *c = SSL_new(cctx);
        ASSERT_NE(c, nullptr);
        ASSERT_EQ(SSL_set_fd(c, sv[0]), 1);
        if (ss != nullptr) {
            ASSERT_EQ(SSL_set_session(c, ss), 1);
        }
        EXPECT_EQ(SSL_connect(c), 1) << ERR_error_string(ERR_peek_error(), nullptr);
        char x = 0;
        EXPECT_EQ(SSL_read(c, &x, 1), 1); // the data, after the tickets
        if (worker == 1) {
            EXPECT_EQ(SSL_session_reused(c), 1);
        }
        SSL_SESSION_free(ss);
        ss = SSL_get1_session(c);
        (void)SSL_shutdown(c);
        SSL_free(c);
        close(sv[0]);
        int status = -1;
        ASSERT_EQ(waitpid(pid, &status, 0), pid);
        EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        if (worker == 0) {
            // The second worker is forked now, from the parent whose
            // context has sealed nothing yet: as nginx's workers.
            ASSERT_NE(ss, nullptr);
        }
    }
    SSL_SESSION_free(ss);
}

std::vector<std::string> keylog_lines;
void keylog_cb(const SSL *, const char *line)
{
    keylog_lines.push_back(line);
}

std::string keylog_secret(const char *label)
{
    for (const std::string &l : keylog_lines)
        if (l.compare(0, strlen(label) + 1, std::string(label) + " ") == 0)
            return l.substr(l.rfind(' ') + 1);
    return "";
}

// SSL_export_keying_material_early (sslapitest's test_export_key_mat_early
// with a resumption PSK): both ends derive the same keying material from
// the early exporter secret once 0-RTT was sent and accepted, and each logs
// that secret as EARLY_EXPORTER_SECRET (test_keylog_no_master_key).
TEST_F(TicketRules, EarlyExporterAgreesOnBothEnds)
{
    only(TLS1_3_VERSION);
    ASSERT_EQ(SSL_CTX_set_max_early_data(sctx, 1024), 1);
    SSL_SESSION *ss = connect();
    ASSERT_NE(ss, nullptr);
    ASSERT_EQ(SSL_SESSION_get_max_early_data(ss), 1024u);

    keylog_lines.clear();
    SSL_CTX_set_keylog_callback(cctx, keylog_cb);
    SSL_CTX_set_keylog_callback(sctx, keylog_cb);
    shimtest::SslPair p(cctx, sctx);
    ASSERT_EQ(SSL_set_session(p.client, ss), 1);
    unsigned char ck1[80], ck2[80], sk1[80], sk2[80];
    const char label[] = "test label";
    const unsigned char context[] = "context";
    // Nothing to export from before any early data.
    EXPECT_EQ(SSL_export_keying_material_early(p.client, ck1, sizeof(ck1), label,
                                               sizeof(label) - 1, context, sizeof(context) - 1),
              0);
    size_t written = 0, readbytes = 0;
    ASSERT_EQ(SSL_write_early_data(p.client, nullptr, 0, &written), 1);
    unsigned char buf[1];
    EXPECT_EQ(SSL_read_early_data(p.server, buf, sizeof(buf), &readbytes),
              SSL_READ_EARLY_DATA_ERROR);
    ASSERT_EQ(SSL_get_early_data_status(p.server), SSL_EARLY_DATA_ACCEPTED);
    ASSERT_EQ(SSL_export_keying_material_early(p.client, ck1, sizeof(ck1), label,
                                               sizeof(label) - 1, context, sizeof(context) - 1),
              1);
    ASSERT_EQ(SSL_export_keying_material_early(p.client, ck2, sizeof(ck2), label,
                                               sizeof(label) - 1, nullptr, 0),
              1);
    ASSERT_EQ(SSL_export_keying_material_early(p.server, sk1, sizeof(sk1), label,
                                               sizeof(label) - 1, context, sizeof(context) - 1),
              1);
    ASSERT_EQ(SSL_export_keying_material_early(p.server, sk2, sizeof(sk2), label,
                                               sizeof(label) - 1, nullptr, 0),
              1);
    EXPECT_EQ(memcmp(ck1, sk1, sizeof(ck1)), 0);
    EXPECT_EQ(memcmp(ck2, sk2, sizeof(ck2)), 0);
    EXPECT_NE(memcmp(ck1, ck2, sizeof(ck1)), 0);
    size_t n = 0;
    for (const std::string &l : keylog_lines)
        n += l.compare(0, 22, "EARLY_EXPORTER_SECRET ") == 0;
    EXPECT_EQ(n, 2u); // one line from each end
    EXPECT_NE(keylog_secret("EARLY_EXPORTER_SECRET"), "");
    SSL_CTX_set_keylog_callback(cctx, nullptr);
    SSL_CTX_set_keylog_callback(sctx, nullptr);
    SSL_SESSION_free(ss);
}

int cb_calls, cb_in_init, cb_init_finished;
int record_init_state(SSL *s, SSL_SESSION *)
{
    cb_calls++;
    cb_in_init += SSL_in_init(s);
    cb_init_finished += SSL_is_init_finished(s);
    return 0;
}

// The new-session callback runs inside OpenSSL's state machine: SSL_in_init
// is 1 and SSL_is_init_finished 0 there, for the client (also for a TLS 1.3
// ticket read after the handshake) and the server (tls13ticket_test counts
// tickets this way).
TEST_F(TicketRules, NewSessionCallbackRunsInInit)
{
    for (int version : {TLS1_3_VERSION, TLS1_2_VERSION}) {
        only(version);
        for (SSL_CTX *ctx : {cctx, sctx}) {
            cb_calls = cb_in_init = cb_init_finished = 0;
            SSL_CTX_set_session_cache_mode(ctx, ctx == cctx ? SSL_SESS_CACHE_CLIENT
                                                            : SSL_SESS_CACHE_SERVER);
            SSL_CTX_sess_set_new_cb(ctx, record_init_state);
            if (ctx == sctx) // a session id, so that a TLS 1.2 server reports it
                SSL_CTX_set_options(sctx, SSL_OP_NO_TICKET);
            SSL_SESSION_free(connect());
            SSL_CTX_sess_set_new_cb(ctx, nullptr);
            SSL_CTX_clear_options(sctx, SSL_OP_NO_TICKET);
            EXPECT_EQ(cb_calls, version == TLS1_3_VERSION ? 2 : 1) << version;
            EXPECT_EQ(cb_in_init, cb_calls) << version << (ctx == cctx ? " client" : " server");
            EXPECT_EQ(cb_init_finished, 0) << version << (ctx == cctx ? " client" : " server");
        }
    }
}

// Early data across a HelloRetryRequest (tls13ccstest 9-11): the server's
// SSL_read_early_data says FINISH once the HelloRetryRequest is out, the
// early data is rejected, and the handshake completes.
TEST_F(TicketRules, EarlyDataReadFinishesAfterHelloRetryRequest)
{
    only(TLS1_3_VERSION);
    ASSERT_EQ(SSL_CTX_set_max_early_data(sctx, 16384), 1);
    SSL_SESSION *ss = connect();
    ASSERT_NE(ss, nullptr);
    ASSERT_EQ(SSL_CTX_set1_groups_list(sctx, "P-256"), 1); // the client's share is X25519
    shimtest::SslPair p(cctx, sctx);
    ASSERT_EQ(SSL_set_session(p.client, ss), 1);
    size_t written = 0, readbytes = 0;
    ASSERT_EQ(SSL_write_early_data(p.client, "early", 5, &written), 1);
    EXPECT_LE(SSL_connect(p.client), 0);
    unsigned char buf[16];
    EXPECT_EQ(SSL_read_early_data(p.server, buf, sizeof(buf), &readbytes),
              SSL_READ_EARLY_DATA_FINISH);
    EXPECT_EQ(readbytes, 0u);
    ASSERT_TRUE(p.handshake());
    EXPECT_EQ(SSL_get_early_data_status(p.server), SSL_EARLY_DATA_REJECTED);
    EXPECT_EQ(SSL_get_early_data_status(p.client), SSL_EARLY_DATA_REJECTED);
    EXPECT_EQ(SSL_write(p.client, "late", 4), 4);
    EXPECT_EQ(SSL_read(p.server, buf, sizeof(buf)), 4);
    (void)SSL_shutdown(p.client);
    (void)SSL_shutdown(p.server);
    SSL_SESSION_free(ss);
}

} // namespace
