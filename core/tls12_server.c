/*
 * The TLS 1.2 server handshake (RFC 5246, with RFC 5746, 7627, 7366, 5077,
 * 4492/8422, 7919), as an explicit state machine.
 *
 * hello.c parses the ClientHello once; tls13_server.c runs the application's
 * ClientHello hook and chooses the version; when that is 1.2 it hands the
 * parsed message here (tls12_server_client_hello), and from then on conn.c
 * sends every message
 * and every ChangeCipherSpec to this file.
 *
 * Full handshake:
 *   CH -> SH Certificate ServerKeyExchange [CertificateRequest] ServerHelloDone
 *   WAIT_CERT (only if we asked) --Certificate--> WAIT_CKE
 *   WAIT_CKE --ClientKeyExchange--> WAIT_CV (client sent a certificate)
 *                                   or WAIT_CCS
 *   WAIT_CV --CertificateVerify--> WAIT_CCS
 *   WAIT_CCS --CCS--> (client keys on) WAIT_FIN
 *   WAIT_FIN --Finished--> [NewSessionTicket] CCS Finished, DONE
 * Abbreviated handshake (session id or ticket):
 *   CH -> SH [NewSessionTicket] CCS Finished; WAIT_CCS --CCS--> WAIT_FIN
 *   --Finished--> DONE
 *
 * Our first flight is one buffer sent in one go, so it shares records. The
 * CCS is a real protocol message in TLS 1.2: it is accepted in WAIT_CCS only
 * (anything else is the EarlyCCS attack: unexpected_message), and the
 * handshake layer guarantees no handshake fragment is pending when it
 * arrives (conn.c refuses interleaving).
 *
 * RSA key transport never reports a padding failure (tls_rsa_kx_decrypt
 * substitutes a random premaster), so a forged ClientKeyExchange surfaces
 * only as a wrong Finished, indistinguishable from any wrong key.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/x509.h>

#include "core/conn.h"
#include "core/custom_ext.h"
#include "core/extensions.h"
#include "core/handshake.h"
#include "core/maxfrag.h"
#include "core/ocsp_status.h"
#include "core/sslv2_hello.h"
#include "core/tls12.h"

enum {
    S12_WAIT_CERT,
    S12_WAIT_CKE,
    S12_WAIT_CV,
    S12_WAIT_CCS,
    S12_WAIT_FIN,
    S12_DONE,
};

/* TLS 1.2 message types: core/handshake.h. */

#define MAX_LIST   64
#define MAX_TICKET 4096

/* RFC 8446 4.1.3: the last 8 bytes of a TLS 1.3 server's random when it
 * negotiates TLS 1.2. */
static const uint8_t downgrade12[8] = {0x44, 0x4F, 0x57, 0x4E, 0x47, 0x52, 0x44, 0x01};

/* OpenSSL 3.0's default TLS 1.2 order (cipher string DEFAULT); only what
 * core implements (tls12_suite_get) is ever chosen. */

/* Groups usable for ECDHE in TLS 1.2 (RFC 8422 5.1.1). */
static const uint16_t ecdhe_groups[] = {TLS_GROUP_X25519, TLS_GROUP_SECP256R1, TLS_GROUP_SECP384R1};

struct tls12_server {
    int state;
    int resumed;
    int full_after_ticket; /* client sent a ticket we did not take */
    int send_ticket;       /* session_ticket answered: a NewSessionTicket follows */
    int ticket_renew;      /* resumed, and a new ticket is owed (old key, or asked) */
    int ticket_ignored;    /* the application said: this ticket, and no new one */
    int asked_cert;        /* CertificateRequest sent */
    tls_transcript th;
    const tls12_suite *s12;
    uint16_t client_version;
    uint16_t scheme; /* ServerKeyExchange signature scheme */
    const tls_identity *id;
    tls_identity main_id;
    EVP_PKEY *kx_priv; /* our ephemeral ECDHE / DHE key */
    uint8_t ms[48];
    int have_ms;
    uint8_t session_id[32];
    size_t session_id_len;
    uint8_t *ticket; /* the last ticket issued */
    size_t ticket_len;
    uint16_t our_sigalgs[MAX_LIST]; /* sent in CertificateRequest */
    size_t n_our_sigalgs;
    int comp; /* TLS_COMP_* negotiated */
    uint64_t time;
};

void tls12_server_free(tls_conn *c)
{
    struct tls12_server *sv = c->sv12;
    if (!sv)
        return;
    tls_transcript_free(&sv->th);
    EVP_PKEY_free(sv->kx_priv);
    free(sv->ticket);
    OPENSSL_cleanse(sv, sizeof(*sv));
    free(sv);
    c->sv12 = NULL;
}

/* A message of ours went out: its state, then the message trace. Flights
 * are written in one go, so each message's state is reported here. */
static void trace_sent(tls_conn *c, int type, const uint8_t *p, size_t n)
{
    if (type == TLS_CT_HANDSHAKE)
        tls_conn_state(c, TLS_STATE_WRITE | p[0]);
    else if (type == TLS_CT_CHANGE_CIPHER_SPEC)
        tls_conn_state(c, TLS_STATE_WRITE | TLS_STATE_CCS);
    if (c->cfg->msg)
        c->cfg->msg(c->cfg->cb_arg, 1, TLS_V12, type, p, n);
}

static int th_add(tls_conn *c, const uint8_t *msg, size_t len)
{
    return tls_transcript_update(&c->sv12->th, msg, len);
}

/* ---------------------------------------------------------------------
 * Selection.
 */

/* Minimum DH modulus size of a security level (SSL_CTX_set_security_level). */
static int dh_min_bits(int level)
{
    static const int bits[] = {512, 1024, 2048, 3072, 7680, 15360};
    if (level < 0)
        level = 0;
    if (level > 5)
        level = 5;
    return bits[level];
}

static int key_fits_au(EVP_PKEY *key, int au)
{
    int t = EVP_PKEY_get_base_id(key);
    if (au == TLS12_AU_RSA)
        return t == EVP_PKEY_RSA;
    return t == EVP_PKEY_EC || t == EVP_PKEY_ED25519 || t == EVP_PKEY_ED448;
}

/* SHA-1 signatures are allowed at security level 0 only (OpenSSL 3.0). */
static int scheme_allowed(const tls_conn *c, uint16_t scheme)
{
    const tls_sigalg *a = tls_sigalg_get(scheme);
    if (!a)
        return 0;
    if (a->hash_nid == NID_sha1 && c->cfg->security_level > 0)
        return 0;
    /* RSA-PSS with an RSA-PSS key is not a TLS 1.2 server key here. */
    return a->pkey_type != EVP_PKEY_RSA_PSS;
}

static size_t identities(tls_conn *c, const tls_identity **out)
{
    const tls_config *cfg = c->cfg;
    struct tls12_server *sv = c->sv12;
    size_t k = 0;
    sv->main_id.cert = cfg->cert;
    sv->main_id.key = cfg->key;
    sv->main_id.chain = cfg->chain;
    if (cfg->cert && cfg->key)
        out[k++] = &sv->main_id;
    size_t n = cfg->n_ids < TLS_MAX_IDENTITIES ? cfg->n_ids : TLS_MAX_IDENTITIES;
    for (size_t i = 0; i < n; i++)
        if (cfg->ids[i].cert && cfg->ids[i].key)
            out[k++] = &cfg->ids[i];
    return k;
}

/*
 * An identity for authentication au and, when the key exchange is signed,
 * the scheme of the ServerKeyExchange signature: the client's first
 * signature_algorithms entry we allow and can make (RFC 5246 7.4.1.4.1);
 * without the extension, {sha1, rsa} / {sha1, ecdsa}.
 */
static int pick_identity(tls_conn *c, const tls_client_hello *ch, int au, int signed_kx,
                         const tls_identity **id, uint16_t *scheme)
{
    const tls_identity *ids[TLS_MAX_IDENTITIES + 1];
    size_t n = identities(c, ids);
    const uint16_t *ours = c->cfg->sigalgs;
    size_t n_ours = c->cfg->n_sigalgs;
    if (!n_ours)
        ours = tls_default_sigalgs(&n_ours);
    if (!signed_kx) {
        for (size_t k = 0; k < n; k++)
            if (key_fits_au(ids[k]->key, au)) {
                *id = ids[k];
                *scheme = 0;
                return 1;
            }
        return 0;
    }
    if (!ch->have_sigalgs) {
        uint16_t s = au == TLS12_AU_RSA ? TLS_SIG_RSA_PKCS1_SHA1 : TLS_SIG_ECDSA_SHA1;
        if (!scheme_allowed(c, s))
            return 0;
        for (size_t k = 0; k < n; k++)
            if (EVP_PKEY_get_base_id(ids[k]->key) ==
                (au == TLS12_AU_RSA ? EVP_PKEY_RSA : EVP_PKEY_EC)) {
                *id = ids[k];
                *scheme = s;
                return 1;
            }
        return 0;
    }
    /* The shared list's order, as OpenSSL: the client's, or ours under
     * server preference. */
    int ours_first = (c->cfg->flags & TLS_CFG_SERVER_PREFERENCE) != 0;
    size_t n_walk = ours_first ? n_ours : ch->n_sigalgs;
    for (size_t i = 0; i < n_walk; i++) {
        uint16_t s = ours_first ? ours[i] : tls_u16_at(ch->sigalgs, i);
        if (!scheme_allowed(c, s) || !tls_u16s_has(ours, n_ours, s) ||
            !tls_u16s_wire_has(ch->sigalgs, ch->n_sigalgs, s) ||
            !tls_crypto_sigalg_available(c->cr, s))
            continue;
        for (size_t k = 0; k < n; k++)
            if (key_fits_au(ids[k]->key, au) && tls_sigalg_key_ok(s, ids[k]->key, 0)) {
                *id = ids[k];
                *scheme = s;
                return 1;
            }
    }
    return 0;
}

/* Our first ECDHE group the client supports (without supported_groups,
 * RFC 8422 4: any of ours). */
static uint16_t pick_group(const tls_conn *c, const tls_client_hello *ch)
{
    const uint16_t *ours = c->cfg->groups;
    size_t n = c->cfg->n_groups;
    if (!n)
        ours = tls_default_groups(&n);
    for (size_t i = 0; i < n; i++) {
        if (!tls_u16s_has(ecdhe_groups, sizeof(ecdhe_groups) / sizeof(ecdhe_groups[0]), ours[i]) ||
            !tls_crypto_group_available(c->cr, ours[i]))
            continue;
        /* Like OpenSSL 3.0, a client without supported_groups shares no
         * group (so no ECDHE suite), rather than taking all of ours. */
        if (ch->have_groups && tls_u16s_wire_has(ch->groups, ch->n_groups, ours[i]))
            return ours[i];
    }
    return 0;
}

/* Can suite id be used with this client? Fills the choice if so. */
static int suite_usable(tls_conn *c, const tls_client_hello *ch, uint16_t id,
                        const tls_identity **ident, uint16_t *scheme, uint16_t *group)
{
    const tls12_suite *s = tls12_suite_get(c->cr, id);
    if (!s || !s->suite || !s->suite->info || s->suite->info->min_version > TLS_V12)
        return 0;
    *group = 0;
    if (s->kx == TLS12_KX_ECDHE && !(*group = pick_group(c, ch)))
        return 0;
    return pick_identity(c, ch, s->au, s->kx != TLS12_KX_RSA, ident, scheme);
}

/*
 * No suite fits: OpenSSL 3.0's reason. It first refuses a client whose
 * signature_algorithms share nothing with ours at the security level
 * (no_shared_signature_algorithms), and picks the suite before the scheme,
 * so an RSA-authenticated suite that fits but for the scheme (none we can
 * sign with, or the implied SHA-1 one refused at security level 1 and
 * above) is no_suitable_signature_algorithm; for ECDSA it is
 * no_shared_cipher (measured on 3.0.22). All handshake_failure.
 */
static int no_suite_error(tls_conn *c, const tls_client_hello *ch, const uint16_t *ours, size_t n)
{
    const uint16_t *sig = c->cfg->sigalgs;
    size_t n_sig = c->cfg->n_sigalgs;
    if (!n_sig)
        sig = tls_default_sigalgs(&n_sig);
    if (ch->have_sigalgs) {
        int shared = 0;
        for (size_t i = 0; i < ch->n_sigalgs && !shared; i++) {
            uint16_t s = tls_u16_at(ch->sigalgs, i);
            const tls_sigalg *a = tls_sigalg_get(s);
            shared = a && tls_u16s_has(sig, n_sig, s) &&
                     !(a->hash_nid == NID_sha1 && c->cfg->security_level > 0);
        }
        if (!shared)
            return TLS_FAIL(TLS_AD_HANDSHAKE_FAILURE, TLS_R_NO_SHARED_SIGNATURE_ALGORITHMS);
    }
    const tls_identity *ids[TLS_MAX_IDENTITIES + 1];
    size_t n_ids = identities(c, ids);
    for (size_t i = 0; i + 1 < ch->suites_len; i += 2) {
        uint16_t id = (uint16_t)ch->suites[i] << 8 | ch->suites[i + 1];
        const tls12_suite *s = tls12_suite_get(c->cr, id);
        if (!tls_u16s_has(ours, n, id) || !s || !s->suite || !s->suite->info ||
            s->suite->info->min_version > TLS_V12 || s->kx == TLS12_KX_RSA)
            continue;
        if (s->kx == TLS12_KX_ECDHE && !pick_group(c, ch))
            continue;
        /* Only an RSA certificate stays eligible then (it could still
         * decrypt); an ECDSA one that cannot sign takes its suites away. */
        for (size_t k = 0; k < n_ids && s->au == TLS12_AU_RSA; k++)
            if (key_fits_au(ids[k]->key, s->au))
                return TLS_FAIL(TLS_AD_HANDSHAKE_FAILURE, TLS_R_NO_SUITABLE_SIGNATURE_ALGORITHM);
    }
    return TLS_FAIL(TLS_AD_HANDSHAKE_FAILURE, TLS_R_NO_SHARED_CIPHER);
}

static int select_suite(tls_conn *c, const tls_client_hello *ch, const tls12_suite **out,
                        uint16_t *group)
{
    const tls_config *cfg = c->cfg;
    struct tls12_server *sv = c->sv12;
    const uint16_t *ours = cfg->tls12_suites;
    size_t n = cfg->n_tls12_suites;
    uint16_t defaults[TLS_MAX_DEFAULT_SUITES];
    if (!n) {
        n = tls_default_suites(TLS_V12, defaults, TLS_MAX_DEFAULT_SUITES);
        ours = defaults;
    }
    if (cfg->flags & TLS_CFG_SERVER_PREFERENCE) {
        /* Pass 0: our ChaCha20 suites first, if the client leads with one. */
        int chacha = (cfg->flags & TLS_CFG_PRIORITIZE_CHACHA) &&
                     tls_client_prefers_chacha(ch->suites, ch->suites_len);
        for (int pass = chacha ? 0 : 1; pass < 2; pass++)
            for (size_t i = 0; i < n; i++) {
                if (chacha && (pass == 0) != tls_suite_is_chacha(ours[i]))
                    continue;
                if (tls_client_hello_has_suite(ch, ours[i]) &&
                    suite_usable(c, ch, ours[i], &sv->id, &sv->scheme, group)) {
                    *out = tls12_suite_get(c->cr, ours[i]);
                    return 0;
                }
            }
    } else {
        for (size_t i = 0; i + 1 < ch->suites_len; i += 2) {
            uint16_t id = (uint16_t)ch->suites[i] << 8 | ch->suites[i + 1];
            if (tls_u16s_has(ours, n, id) && suite_usable(c, ch, id, &sv->id, &sv->scheme, group)) {
                *out = tls12_suite_get(c->cr, id);
                return 0;
            }
        }
    }
    return no_suite_error(c, ch, ours, n);
}

static int comp_offered(const tls_client_hello *ch, uint8_t method)
{
    return ch->comp && memchr(ch->comp, method, ch->comp_len) != NULL;
}

/* ---------------------------------------------------------------------
 * Sessions.
 */
static void fill_state(const tls_conn *c, tls_session_state *st)
{
    const struct tls12_server *sv = c->sv12;
    memset(st, 0, sizeof(*st));
    st->version = TLS_V12;
    st->suite = c->suite ? c->suite->id : 0;
    memcpy(st->secret, sv->ms, 48);
    st->secret_len = 48;
    memcpy(st->session_id, sv->session_id, sv->session_id_len);
    st->session_id_len = sv->session_id_len;
    st->ems = c->ems;
    st->time = sv->time;
    st->lifetime = c->cfg->ticket_lifetime ? c->cfg->ticket_lifetime : 7200;
    memcpy(st->alpn, c->alpn, c->alpn_len < sizeof(st->alpn) ? c->alpn_len : sizeof(st->alpn));
    st->alpn_len = c->alpn_len < sizeof(st->alpn) ? c->alpn_len : sizeof(st->alpn);
    st->compression = (uint16_t)sv->comp;
    st->max_fragment_code = c->mfl_code;
}

int tls12_server_session(const tls_conn *c, tls_session_state *st, const uint8_t **ticket,
                         size_t *ticket_len)
{
    const struct tls12_server *sv = c->sv12;
    if (!sv || !sv->have_ms || !c->hs_done)
        return TLS_FAIL(TLS_AD_NONE, TLS_R_UNEXPECTED_MESSAGE);
    fill_state(c, st);
    *ticket = sv->ticket;
    *ticket_len = sv->ticket ? sv->ticket_len : 0;
    return 0;
}

/*
 * Can st be resumed for this ClientHello? Its suite must be offered and
 * implemented (and allowed by us), its compression offered, and RFC 7627
 * 5.3: a session with the extended master secret needs the extension
 * again (else abort); one without it is not resumed when the client now
 * offers it.
 */
static int resumable(tls_conn *c, const tls_client_hello *ch, const tls_session_state *st)
{
    if (st->version != TLS_V12 || st->secret_len != 48 || !tls12_suite_get(c->cr, st->suite) ||
        !tls_client_hello_has_suite(ch, st->suite))
        return 0;
    const uint16_t *ours = c->cfg->tls12_suites;
    size_t n = c->cfg->n_tls12_suites;
    if (n && !tls_u16s_has(ours, n, st->suite))
        return 0;
    if (st->compression != TLS_COMP_NULL && !comp_offered(ch, (uint8_t)st->compression))
        return 0;
    if (st->ems && !ch->have_ems)
        return TLS_FAIL(TLS_AD_HANDSHAKE_FAILURE, TLS_R_INCONSISTENT_EXTMS);
    if (!st->ems && ch->have_ems)
        return 0;
    TRY(tls_mfl_server_resume(c, st));
    return 1;
}

/* A failure from an application callback: its own TLS_ERR, or for a bare
 * -1 an internal error (what OpenSSL reports for a failing ticket key
 * callback). */
static int cb_err(int rc)
{
    return TLS_ERR_REASON(rc) == 0 ? TLS_ERR_INTERNAL : rc;
}

/* Look for a session to resume: the ticket first, then the session id.
 * 1 with st filled, 0 for a full handshake. */
static int find_session(tls_conn *c, const tls_client_hello *ch, tls_session_state *st)
{
    const tls_config *cfg = c->cfg;
    struct tls12_server *sv = c->sv12;
    /* An empty extension asks for a ticket; the application's ticket
     * callback hears of it too (OpenSSL's SSL_TICKET_EMPTY). A resumption by
     * session id then still owes the client one. */
    int owe_ticket = 0;
    if (ch->have_ticket_ext && cfg->ticket_open && !(cfg->flags & TLS_CFG_NO_TICKET)) {
        memset(st, 0, sizeof(*st));
        int rc = cfg->ticket_open(cfg->cb_arg, c, ch->ticket, ch->ticket_len, st);
        if (rc < 0)
            return cb_err(rc);
        sv->ticket_ignored = rc == 3;
        owe_ticket = ch->ticket_len == 0 && rc == 1;
        if (ch->ticket_len > 0 && (rc == 0 || rc == 2)) {
            int ok = resumable(c, ch, st);
            TRY(ok);
            if (ok) {
                sv->ticket_renew = rc == 2;
                /* RFC 5077 3.4: the server echoes the client's session id. */
                sv->session_id_len = ch->session_id_len;
                memcpy(sv->session_id, ch->session_id, ch->session_id_len);
                return 1;
            }
        }
        if (ch->ticket_len > 0)
            sv->full_after_ticket = 1;
    }
    if (ch->session_id_len > 0 && cfg->session_get) {
        memset(st, 0, sizeof(*st));
        if (cfg->session_get(cfg->cb_arg, c, ch->session_id, ch->session_id_len, st) == 0) {
            int ok = resumable(c, ch, st);
            TRY(ok);
            if (ok) {
                sv->ticket_renew = owe_ticket;
                sv->session_id_len = ch->session_id_len;
                memcpy(sv->session_id, ch->session_id, ch->session_id_len);
                return 1;
            }
        }
    }
    OPENSSL_cleanse(st, sizeof(*st));
    return 0;
}

/* ---------------------------------------------------------------------
 * Our messages.
 */

static int write_empty_ext(tls_writer *w, uint16_t type)
{
    TRY(tls_wr_u16(w, type));
    return tls_wr_u16(w, 0);
}

/*
 * struct {
 *     ProtocolVersion server_version;
 *     Random random;
 *     SessionID session_id;
 *     CipherSuite cipher_suite;
 *     CompressionMethod compression_method;
 *     select (extensions_present) { case true: Extension extensions<0..2^16-1>; };
 * } ServerHello;
 * Only extensions the client offered are answered (RFC 5246 7.4.1.4).
 */
static int write_server_hello(tls_conn *c, tls_writer *w, const tls_client_hello *ch)
{
    struct tls12_server *sv = c->sv12;
    size_t msg, exts, m, m2, m3;
    TRY(tls_wr_u8(w, TLS_HS_SERVER_HELLO));
    TRY(tls_wr_open(w, 3, &msg));
    TRY(tls_wr_u16(w, TLS_V12));
    TRY(tls_wr_bytes(w, c->server_random, 32));
    TRY(tls_wr_u8(w, (uint8_t)sv->session_id_len));
    TRY(tls_wr_bytes(w, sv->session_id, sv->session_id_len));
    TRY(tls_wr_u16(w, c->suite->id));
    TRY(tls_wr_u8(w, (uint8_t)sv->comp));
    TRY(tls_wr_open(w, 2, &exts));
    TRY(tls_cext_write(c, TLS_EXTCTX_TLS1_2_SERVER_HELLO, NULL, 0, w));
    if (ch->have_reneg) {
        /* RFC 5746 3.6: an empty renegotiated_connection. */
        TRY(tls_wr_u16(w, TLS_EXT_RENEGOTIATION_INFO));
        TRY(tls_wr_u16(w, 1));
        TRY(tls_wr_u8(w, 0));
    }
    /* RFC 6066 3: not when resuming. */
    if (ch->have_sni_ext && !sv->resumed && tls_conn_server_name(c))
        TRY(write_empty_ext(w, TLS_EXT_SERVER_NAME));
    if (c->ems)
        TRY(write_empty_ext(w, TLS_EXT_EXTENDED_MASTER_SECRET));
    if (c->etm)
        TRY(write_empty_ext(w, TLS_EXT_ENCRYPT_THEN_MAC));
    if (ch->have_point_formats && sv->s12->kx == TLS12_KX_ECDHE && !sv->resumed) {
        TRY(tls_wr_u16(w, TLS_EXT_EC_POINT_FORMATS));
        TRY(tls_wr_u16(w, 2));
        TRY(tls_wr_u8(w, 1));
        TRY(tls_wr_u8(w, 0)); /* uncompressed */
    }
    if (sv->send_ticket)
        TRY(write_empty_ext(w, TLS_EXT_SESSION_TICKET));
    TRY(tls_mfl_write_echo(c, w));
    /* RFC 6066 8: empty; the response follows as CertificateStatus. */
    if (c->ocsp.expected && !sv->resumed)
        TRY(write_empty_ext(w, TLS_EXT_STATUS_REQUEST));
    if (c->alpn_len) {
        TRY(tls_wr_u16(w, TLS_EXT_ALPN));
        TRY(tls_wr_open(w, 2, &m));
        TRY(tls_wr_open(w, 2, &m2));
        TRY(tls_wr_open(w, 1, &m3));
        TRY(tls_wr_bytes(w, c->alpn, c->alpn_len));
        TRY(tls_wr_close(w, 1, m3));
        TRY(tls_wr_close(w, 2, m2));
        TRY(tls_wr_close(w, 2, m));
    }
    if (w->len == exts + 2) {
        /* No extension at all: leave the block out (RFC 5246 7.4.1.4). */
        w->len = exts;
    } else {
        TRY(tls_wr_close(w, 2, exts));
    }
    TRY(tls_wr_close(w, 3, msg));
    return w->failed ? TLS_ERR_INTERNAL : 0;
}

/* opaque ASN.1Cert<1..2^24-1>;
 * struct { ASN.1Cert certificate_list<0..2^24-1>; } Certificate; */
static int write_cert_entry(tls_writer *w, X509 *x)
{
    int n = i2d_X509(x, NULL);
    ENSURE(n > 0, TLS_ERR_INTERNAL);
    uint8_t *p;
    TRY(tls_wr_u24(w, (uint32_t)n));
    TRY(tls_wr_space(w, (size_t)n, &p));
    ENSURE(i2d_X509(x, &p) == n, TLS_ERR_INTERNAL);
    return 0;
}

X509 *tls12_server_own_cert(const tls_conn *c)
{
    return c->sv12 && c->sv12->id ? c->sv12->id->cert : NULL;
}

static int write_certificate(tls_conn *c, tls_writer *w)
{
    const tls_identity *id = c->sv12->id;
    size_t msg, list;
    TRY(tls_wr_u8(w, TLS_HS_CERTIFICATE));
    TRY(tls_wr_open(w, 3, &msg));
    TRY(tls_wr_open(w, 3, &list));
    TRY(write_cert_entry(w, id->cert));
    for (int i = 0; id->chain && i < sk_X509_num(id->chain); i++)
        TRY(write_cert_entry(w, sk_X509_value(id->chain, i)));
    TRY(tls_wr_close(w, 3, list));
    return tls_wr_close(w, 3, msg);
}

/*
 * ECDHE (RFC 8422 5.4):
 *   struct { ECCurveType curve_type = named_curve(3); NamedCurve namedcurve;
 *            opaque point<1..2^8-1>; } ServerECDHParams;
 * DHE (RFC 5246 7.4.3): ServerDHParams from tls_dhe_server_params.
 * Then digitally-signed struct { client_random; server_random; params; }:
 *   SignatureAndHashAlgorithm algorithm; opaque signature<0..2^16-1>;
 */
static int write_server_key_exchange(tls_conn *c, tls_writer *w)
{
    struct tls12_server *sv = c->sv12;
    size_t msg, params;
    TRY(tls_wr_u8(w, TLS_HS_SERVER_KEY_EXCHANGE));
    TRY(tls_wr_open(w, 3, &msg));
    params = w->len;
    if (sv->s12->kx == TLS12_KX_ECDHE) {
        uint8_t share[TLS_MAX_SHARE];
        size_t share_len = 0;
        TRY(tls_kex_keygen(c->cr, c->group, &sv->kx_priv, share, sizeof(share), &share_len));
        TRY(tls_wr_u8(w, 3));
        TRY(tls_wr_u16(w, c->group));
        TRY(tls_wr_u8(w, (uint8_t)share_len));
        TRY(tls_wr_bytes(w, share, share_len));
    } else {
        EVP_PKEY *params = c->cfg->dh_params;
        if (params == NULL && c->cfg->dh_params_hook != NULL) {
            params = c->cfg->dh_params_hook(c->cfg->cb_arg, c);
            ENSURE(params != NULL, TLS_ERR_INTERNAL);
        }
        TRY(tls_dhe_server_params(c->cr, params, sv->id->key, dh_min_bits(c->cfg->security_level),
                                  &sv->kx_priv, w));
    }
    ENSURE(!w->failed, TLS_ERR_INTERNAL);
    size_t plen = w->len - params;
    uint8_t *tbs = malloc(64 + plen);
    ENSURE(tbs, TLS_ERR_INTERNAL);
    memcpy(tbs, c->client_random, 32);
    memcpy(tbs + 32, c->server_random, 32);
    memcpy(tbs + 64, w->buf + params, plen);
    uint8_t sig[TLS_MAX_SIG];
    size_t sig_len = 0;
    int rc =
        tls_sig_sign(c->cr, sv->scheme, sv->id->key, 0, tbs, 64 + plen, sig, sizeof(sig), &sig_len);
    free(tbs);
    TRY(rc);
    TRY(tls_wr_u16(w, sv->scheme));
    TRY(tls_wr_u16(w, (uint16_t)sig_len));
    TRY(tls_wr_bytes(w, sig, sig_len));
    return tls_wr_close(w, 3, msg);
}

/*
 * struct {
 *     ClientCertificateType certificate_types<1..2^8-1>;
 *     SignatureAndHashAlgorithm supported_signature_algorithms<2^16-1>;
 *     DistinguishedName certificate_authorities<0..2^16-1>;
 * } CertificateRequest;
 */
static int write_certificate_request(tls_conn *c, tls_writer *w)
{
    struct tls12_server *sv = c->sv12;
    const tls_config *cfg = c->cfg;
    const uint16_t *ours = cfg->n_client_sigalgs ? cfg->client_sigalgs : cfg->sigalgs;
    size_t n = cfg->n_client_sigalgs ? cfg->n_client_sigalgs : cfg->n_sigalgs, msg, l;
    if (!n)
        ours = tls_default_sigalgs(&n);
    sv->n_our_sigalgs = 0;
    for (size_t i = 0; i < n && sv->n_our_sigalgs < MAX_LIST; i++)
        if (tls_sigalg_get(ours[i]) &&
            (c->cfg->security_level <= 0 || tls_sigalg_get(ours[i])->hash_nid != NID_sha1))
            sv->our_sigalgs[sv->n_our_sigalgs++] = ours[i];
    TRY(tls_wr_u8(w, TLS_HS_CERTIFICATE_REQUEST));
    TRY(tls_wr_open(w, 3, &msg));
    TRY(tls_wr_u8(w, 2));
    TRY(tls_wr_u8(w, 1));  /* rsa_sign */
    TRY(tls_wr_u8(w, 64)); /* ecdsa_sign */
    TRY(tls_wr_open(w, 2, &l));
    for (size_t i = 0; i < sv->n_our_sigalgs; i++)
        TRY(tls_wr_u16(w, sv->our_sigalgs[i]));
    TRY(tls_wr_close(w, 2, l));
    TRY(tls_wr_open(w, 2, &l));
    if (c->cfg->ca_names && c->cfg->ca_names_len)
        TRY(tls_wr_bytes(w, c->cfg->ca_names, c->cfg->ca_names_len));
    TRY(tls_wr_close(w, 2, l));
    return tls_wr_close(w, 3, msg);
}

/* Send buffer w, made of messages starting at the offsets in at[0..n), as
 * one write (records shared), tracing each and adding them to the transcript. */
static int send_flight(tls_conn *c, tls_writer *w, const size_t *at, size_t n)
{
    ENSURE(!w->failed, TLS_ERR_INTERNAL);
    if (w->len == 0)
        return 0;
    TRY(tls_conn_send(c, TLS_CT_HANDSHAKE, w->buf, w->len));
    for (size_t i = 0; i < n; i++) {
        size_t end = i + 1 < n ? at[i + 1] : w->len;
        trace_sent(c, TLS_CT_HANDSHAKE, w->buf + at[i], end - at[i]);
    }
    return 0;
}

/* Append the message starting at w->buf + start to the transcript. */
static int th_add_from(tls_conn *c, tls_writer *w, size_t start)
{
    ENSURE(!w->failed, TLS_ERR_INTERNAL);
    return th_add(c, w->buf + start, w->len - start);
}

static int install_keys(tls_conn *c, int write)
{
    struct tls12_server *sv = c->sv12;
    tls_rec_dir *d = write ? &c->wr : &c->rd;
    if (sv->comp != TLS_COMP_NULL)
        TRY(tls_rec_set_compression(d, sv->comp));
    return tls_rec_set_tls12(d, write, 1, sv->s12, sv->ms, c->client_random, c->server_random,
                             c->etm);
}

/*
 * [NewSessionTicket] ChangeCipherSpec Finished: the end of our part of
 * either handshake.
 *
 * struct { uint32 ticket_lifetime_hint; opaque ticket<0..2^16-1>; } NewSessionTicket;
 * struct { opaque verify_data[12]; } Finished;
 */
static int send_ccs_finished(tls_conn *c)
{
    struct tls12_server *sv = c->sv12;
    const tls_config *cfg = c->cfg;
    static const uint8_t ccs = 1;
    if (sv->send_ticket) {
        tls_session_state st;
        uint8_t *t = malloc(MAX_TICKET);
        size_t tlen = 0;
        ENSURE(t, TLS_ERR_INTERNAL);
        fill_state(c, &st);
        uint32_t st_lifetime = st.lifetime;
        int rc = cfg->ticket_seal(cfg->cb_arg, c, &st, t, MAX_TICKET, &tlen);
        OPENSSL_cleanse(&st, sizeof(st));
        if (rc < 0 || tlen > MAX_TICKET) {
            free(t);
            return rc < 0 ? cb_err(rc) : TLS_ERR_INTERNAL;
        }
        /* RFC 5077 3.3: having answered the extension we must send the
         * message; an empty ticket says "none this time". */
        if (rc != 0)
            tlen = 0;
        tls_writer w;
        size_t msg, l;
        tls_wr_init(&w);
        rc = tls_wr_u8(&w, TLS_HS_NEW_SESSION_TICKET);
        if (rc == 0)
            rc = tls_wr_open(&w, 3, &msg);
        if (rc == 0)
            /* OpenSSL's hint: the session's timeout, none (0) when
             * resumed or when there is no ticket. */
            rc = tls_wr_u32(&w, tlen && !sv->resumed ? st_lifetime : 0);
        if (rc == 0)
            rc = tls_wr_open(&w, 2, &l);
        if (rc == 0)
            rc = tls_wr_bytes(&w, t, tlen);
        if (rc == 0)
            rc = tls_wr_close(&w, 2, l);
        if (rc == 0)
            rc = tls_wr_close(&w, 3, msg);
        if (rc == 0 && w.failed)
            rc = TLS_ERR_INTERNAL;
        if (rc == 0)
            rc = th_add(c, w.buf, w.len);
        if (rc == 0)
            rc = tls_conn_send_hs(c, w.buf, w.len);
        tls_wr_free(&w);
        free(sv->ticket);
        sv->ticket = NULL;
        sv->ticket_len = 0;
        if (rc == 0 && tlen) {
            sv->ticket = t;
            sv->ticket_len = tlen;
        } else {
            free(t);
        }
        TRY(rc);
    }
    TRY(tls_conn_send(c, TLS_CT_CHANGE_CIPHER_SPEC, &ccs, 1));
    trace_sent(c, TLS_CT_CHANGE_CIPHER_SPEC, &ccs, 1);
    TRY(install_keys(c, 1));
    uint8_t th[TLS_MAX_HASH], fin[4 + 12] = {TLS_HS_FINISHED, 0, 0, 12};
    TRY(tls_transcript_hash(&sv->th, th));
    TRY(tls12_finished(sv->s12, sv->ms, 1, th, sv->th.hash_len, fin + 4));
    TRY(th_add(c, fin, sizeof(fin)));
    TRY(tls_conn_send_hs(c, fin, sizeof(fin)));
    memcpy(c->fin_sent, fin + 4, 12);
    c->fin_len = 12;
    return 0;
}

static void handshake_done(tls_conn *c)
{
    struct tls12_server *sv = c->sv12;
    sv->state = S12_DONE;
    c->hs_done = 1;
    /* Nothing after this point is part of the transcript. */
    tls_transcript_free(&sv->th);
    tls_transcript_init(&sv->th);
    EVP_PKEY_free(sv->kx_priv);
    sv->kx_priv = NULL;
    if (c->cfg->event)
        c->cfg->event(c->cfg->cb_arg, TLS_EV_HANDSHAKE_DONE, 1);
}

static int full_flight(tls_conn *c, const tls_client_hello *ch, const uint8_t *msg, size_t len)
{
    struct tls12_server *sv = c->sv12;
    tls_writer w;
    size_t at[6], n = 0;
    int rc = 0;
    tls_wr_init(&w);
    at[n++] = w.len;
    rc = write_server_hello(c, &w, ch);
    if (rc == 0)
        rc = th_add(c, msg, len);
    if (rc == 0)
        rc = th_add_from(c, &w, at[0]);
    if (rc == 0) {
        at[n++] = w.len;
        rc = write_certificate(c, &w);
    }
    if (rc == 0)
        rc = th_add_from(c, &w, at[n - 1]);
    /* RFC 6066 8: CertificateStatus immediately after Certificate. */
    if (rc == 0 && c->ocsp.expected) {
        at[n++] = w.len;
        rc = tls_ocsp_write_status_msg(c, &w);
        if (rc == 0)
            rc = th_add_from(c, &w, at[n - 1]);
    }
    if (rc == 0 && sv->s12->kx != TLS12_KX_RSA) {
        at[n++] = w.len;
        rc = write_server_key_exchange(c, &w);
        if (rc == 0)
            rc = th_add_from(c, &w, at[n - 1]);
    }
    if (rc == 0 && sv->asked_cert) {
        at[n++] = w.len;
        rc = write_certificate_request(c, &w);
        if (rc == 0)
            rc = th_add_from(c, &w, at[n - 1]);
    }
    if (rc == 0) {
        at[n++] = w.len;
        /* struct {} ServerHelloDone; */
        rc = tls_wr_u8(&w, TLS_HS_SERVER_HELLO_DONE);
        if (rc == 0)
            rc = tls_wr_u24(&w, 0);
        if (rc == 0)
            rc = th_add_from(c, &w, at[n - 1]);
    }
    if (rc == 0)
        rc = send_flight(c, &w, at, n);
    tls_wr_free(&w);
    TRY(rc);
    sv->state = sv->asked_cert ? S12_WAIT_CERT : S12_WAIT_CKE;
    return 0;
}

static int abbreviated_flight(tls_conn *c, const tls_client_hello *ch, const uint8_t *msg,
                              size_t len)
{
    struct tls12_server *sv = c->sv12;
    tls_writer w;
    tls_wr_init(&w);
    int rc = write_server_hello(c, &w, ch);
    if (rc == 0)
        rc = th_add(c, msg, len);
    if (rc == 0)
        rc = th_add(c, w.buf, w.len);
    if (rc == 0)
        rc = tls_conn_send_hs(c, w.buf, w.len);
    tls_wr_free(&w);
    TRY(rc);
    TRY(send_ccs_finished(c));
    sv->state = S12_WAIT_CCS;
    return 0;
}

/*
 * Entry from tls13_server.c: version 1.2 was chosen for this ClientHello
 * (msg, header included; SNI and the ALPN choice already made). downgrade:
 * we could have done TLS 1.3, so the server random carries the sentinel.
 */
int tls12_server_client_hello(tls_conn *c, const tls_client_hello *ch, const uint8_t *msg,
                              size_t len, int downgrade)
{
    const tls_config *cfg = c->cfg;
    /* hello.c decoded the TLS 1.2-only extensions too; an ill-formed one
     * counts now that TLS 1.2 is chosen. */
    int rc = ch->tls12_err;
    if (rc == TLS_ERR_DECODE)
        rc = TLS_ERR(TLS_AD_DECODE_ERROR, TLS_R_LENGTH_MISMATCH);
    TRY(rc);
    struct tls12_server *sv = calloc(1, sizeof(*sv));
    ENSURE(sv, TLS_ERR_INTERNAL);
    c->sv12 = sv;
    tls_transcript_init(&sv->th);
    sv->client_version = ch->legacy_version;
    c->version = TLS_V12;
    memcpy(c->client_random, ch->random, 32);
    TRY(tls_random(c->cr, c->server_random, 32));
    if (downgrade)
        memcpy(c->server_random + 24, downgrade12, 8);
    sv->time = (uint64_t)time(NULL);

    /* RFC 5746 4.3 / OpenSSL: a client without secure renegotiation is
     * still served (we never renegotiate). */
    c->secure_reneg = ch->have_reneg;

    tls_session_state st;
    int resume = find_session(c, ch, &st);
    if (resume < 0)
        return resume;
    if (resume) {
        sv->resumed = 1;
        sv->s12 = tls12_suite_get(c->cr, st.suite);
        c->suite = sv->s12->suite;
        memcpy(sv->ms, st.secret, 48);
        sv->have_ms = 1;
        c->ems = st.ems;
        sv->comp = st.compression;
        sv->time = st.time ? st.time : sv->time;
        OPENSSL_cleanse(&st, sizeof(st));
        tls_conn_keylog(c, "CLIENT_RANDOM", sv->ms, 48);
        sv->send_ticket = sv->ticket_renew && ch->have_ticket_ext && cfg->ticket_seal;
    } else {
        uint16_t group = 0;
        TRY(select_suite(c, ch, &sv->s12, &group));
        c->own_sigalg = sv->scheme;
        /* RSA key transport signs nothing; like OpenSSL, still report the
         * scheme our certificate would sign with (tls_conn_own_sigalg). */
        const tls_identity *rsa_id;
        uint16_t rsa_scheme;
        if (!sv->scheme) {
            /* OpenSSL 3.0 chooses a scheme for every certificate suite,
             * key transport included, and fails the handshake without
             * one (e.g. only the implied SHA-1 at security level 1+). */
            if (!pick_identity(c, ch, sv->s12->au, 1, &rsa_id, &rsa_scheme))
                return TLS_FAIL(TLS_AD_HANDSHAKE_FAILURE, TLS_R_NO_SUITABLE_SIGNATURE_ALGORITHM);
            if (rsa_id == sv->id)
                c->own_sigalg = rsa_scheme;
        }
        c->suite = sv->s12->suite;
        c->group = group;
        c->ems = ch->have_ems && !(cfg->flags & TLS_CFG_NO_EMS);
        if ((cfg->flags & TLS_CFG_COMPRESSION) && comp_offered(ch, TLS_COMP_DEFLATE))
            sv->comp = TLS_COMP_DEFLATE;
        sv->send_ticket = ch->have_ticket_ext && cfg->ticket_seal &&
                          !(cfg->flags & TLS_CFG_NO_TICKET) && !sv->ticket_ignored;
        /* A session that travels in a ticket gets no id, as with
         * OpenSSL: nothing for the cache to keep (RFC 5077 3.4 lets the
         * client make up its own id when it offers the ticket back). */
        sv->session_id_len = 0;
        if (cfg->session_new && !sv->send_ticket) {
            sv->session_id_len = 32;
            TRY(tls_random(c->cr, sv->session_id, 32));
        }
        sv->asked_cert = (cfg->flags & TLS_CFG_REQUEST_CERT) != 0;
        /* The certificate is chosen: its OCSP response, if asked for. */
        TRY(tls_ocsp_server_decide(c, sv->id));
    }
    c->etm = ch->have_etm && sv->s12->cbc && !(cfg->flags & TLS_CFG_NO_ETM);
    c->compression = sv->comp;
    /* A CertificateVerify signs the handshake messages themselves. */
    sv->th.keep_buffer = sv->asked_cert;
    TRY(tls_transcript_set_md(&sv->th, sv->s12->prf_md));
    if (sv->resumed)
        return abbreviated_flight(c, ch, msg, len);
    /* The transcript takes an SSLv2-compatible hello as it came. */
    tls_v2_hello_wire(c, &msg, &len);
    return full_flight(c, ch, msg, len);
}

/* ---------------------------------------------------------------------
 * The client's messages.
 */

/* The client's Certificate (RFC 5246 7.4.6), same form as ours. */
static int on_certificate(tls_conn *c, const uint8_t *msg, size_t len)
{
    struct tls12_server *sv = c->sv12;
    tls_reader r, list;
    tls_rd_init(&r, msg + 4, len - 4);
    int rc = tls_rd_vec(&r, 3, &list);
    if (rc == 0)
        rc = tls_rd_done(&r);
    if (rc < 0)
        return TLS_FAIL(TLS_AD_DECODE_ERROR, TLS_R_LENGTH_MISMATCH);
    STACK_OF(X509) *chain = sk_X509_new_null();
    ENSURE(chain, TLS_ERR_INTERNAL);
    while (tls_rd_left(&list) > 0) {
        tls_reader one;
        const uint8_t *p;
        if (tls_rd_vec_bounded(&list, 3, 1, 0xffffff, &one) < 0) {
            sk_X509_pop_free(chain, X509_free);
            return TLS_FAIL(TLS_AD_DECODE_ERROR, TLS_R_CERT_LENGTH_MISMATCH);
        }
        size_t n = tls_rd_left(&one);
        if (tls_rd_bytes(&one, n, &p) < 0) {
            sk_X509_pop_free(chain, X509_free);
            return TLS_ERR_DECODE;
        }
        const uint8_t *q = p;
        X509 *x = tls_x509_d2i(c->cr, &q, n);
        if (!x || q != p + n) {
            X509_free(x);
            sk_X509_pop_free(chain, X509_free);
            return TLS_FAIL(TLS_AD_DECODE_ERROR, TLS_R_BAD_PACKET);
        }
        if (!sk_X509_push(chain, x)) {
            X509_free(x);
            sk_X509_pop_free(chain, X509_free);
            return TLS_ERR_INTERNAL;
        }
    }
    if (sk_X509_num(chain) == 0) {
        sk_X509_free(chain);
        if (c->cfg->flags & TLS_CFG_REQUIRE_CERT)
            return TLS_FAIL(TLS_AD_HANDSHAKE_FAILURE, TLS_R_PEER_DID_NOT_RETURN_A_CERTIFICATE);
        TRY(th_add(c, msg, len));
        sv->state = S12_WAIT_CKE;
        return 0;
    }
    if (c->cfg->verify_chain) {
        rc = TLS_NOTE(c->cfg->verify_chain(c->cfg->cb_arg, chain));
        if (rc < 0) {
            sk_X509_pop_free(chain, X509_free);
            return rc;
        }
    }
    if (c->peer_chain)
        sk_X509_pop_free(c->peer_chain, X509_free);
    c->peer_chain = chain;
    TRY(th_add(c, msg, len));
    sv->state = S12_WAIT_CKE;
    return 0;
}

/*
 * struct {
 *     select (KeyExchangeAlgorithm) {
 *         case rsa: EncryptedPreMasterSecret;   opaque <0..2^16-1> in TLS 1.2
 *         case dhe_rsa: ClientDiffieHellmanPublic; opaque dh_Yc<1..2^16-1>
 *         case ec_diffie_hellman: ClientECDiffieHellmanPublic; opaque point<1..2^8-1>
 *     } exchange_keys;
 * } ClientKeyExchange;
 */
static int on_client_key_exchange(tls_conn *c, const uint8_t *msg, size_t len)
{
    struct tls12_server *sv = c->sv12;
    tls_reader r, v;
    uint8_t pms[1024];
    size_t pms_len = 0;
    int rc;
    tls_rd_init(&r, msg + 4, len - 4);
    switch (sv->s12->kx) {
    case TLS12_KX_ECDHE:
        if (tls_rd_vec_bounded(&r, 1, 1, 255, &v) < 0 || tls_rd_done(&r) < 0)
            return TLS_FAIL(TLS_AD_DECODE_ERROR, TLS_R_LENGTH_MISMATCH);
        rc = tls_kex_derive_keep(c->cr, c->group, sv->kx_priv, v.p + v.off, tls_rd_left(&v), pms,
                                 &pms_len, &c->peer_tmp_key);
        break;
    case TLS12_KX_DHE:
        if (tls_rd_vec_bounded(&r, 2, 1, 0xffff, &v) < 0 || tls_rd_done(&r) < 0)
            return TLS_FAIL(TLS_AD_DECODE_ERROR, TLS_R_LENGTH_MISMATCH);
        rc = tls_dhe_server_derive(c->cr, sv->kx_priv, v.p + v.off, tls_rd_left(&v), pms,
                                   sizeof(pms), &pms_len);
        break;
    default:
        if (tls_rd_vec(&r, 2, &v) < 0 || tls_rd_done(&r) < 0)
            return TLS_FAIL(TLS_AD_DECODE_ERROR, TLS_R_LENGTH_MISMATCH);
        rc = tls_rsa_kx_decrypt(c->cr, sv->id->key, sv->client_version, v.p + v.off,
                                tls_rd_left(&v), pms);
        pms_len = 48;
        break;
    }
    if (rc == 0)
        rc = th_add(c, msg, len);
    uint8_t hash[TLS_MAX_HASH];
    if (rc == 0 && c->ems)
        rc = tls_transcript_hash(&sv->th, hash);
    if (rc == 0)
        rc = tls12_master_secret(sv->s12, pms, pms_len, c->ems, hash, sv->th.hash_len,
                                 c->client_random, c->server_random, sv->ms);
    OPENSSL_cleanse(pms, sizeof(pms));
    TRY(rc);
    sv->have_ms = 1;
    EVP_PKEY_free(sv->kx_priv);
    sv->kx_priv = NULL;
    /* NSS key log: CLIENT_RANDOM <client random> <master secret>. */
    tls_conn_keylog(c, "CLIENT_RANDOM", sv->ms, 48);
    sv->state = c->peer_chain ? S12_WAIT_CV : S12_WAIT_CCS;
    return 0;
}

/*
 * struct { digitally-signed struct { opaque handshake_messages[...]; } } CertificateVerify;
 * RFC 5246 7.4.8: over every handshake message up to this one, with a
 * scheme from our CertificateRequest.
 */
static int on_certificate_verify(tls_conn *c, const uint8_t *msg, size_t len)
{
    struct tls12_server *sv = c->sv12;
    tls_reader r, sig;
    uint16_t scheme;
    tls_rd_init(&r, msg + 4, len - 4);
    if (tls_rd_u16(&r, &scheme) < 0 || tls_rd_vec(&r, 2, &sig) < 0 || tls_rd_done(&r) < 0)
        return TLS_FAIL(TLS_AD_DECODE_ERROR, TLS_R_LENGTH_MISMATCH);
    if (!tls_u16s_has(sv->our_sigalgs, sv->n_our_sigalgs, scheme))
        return TLS_FAIL(TLS_AD_ILLEGAL_PARAMETER, TLS_R_WRONG_SIGNATURE_TYPE);
    c->peer_sigalg = scheme; /* kept if the signature is bad, as by OpenSSL */
    EVP_PKEY *pk = X509_get0_pubkey(sk_X509_value(c->peer_chain, 0));
    ENSURE(pk, TLS_ERR(TLS_AD_ILLEGAL_PARAMETER, TLS_R_WRONG_SIGNATURE_TYPE));
    TRY(tls_sig_verify(c->cr, scheme, pk, 0, sv->th.buf.buf, sv->th.buf.len, sig.p + sig.off,
                       tls_rd_left(&sig)));
    TRY(th_add(c, msg, len));
    sv->state = S12_WAIT_CCS;
    return 0;
}

/* struct { opaque verify_data[12]; } Finished; */
static int on_finished(tls_conn *c, const uint8_t *msg, size_t len)
{
    struct tls12_server *sv = c->sv12;
    uint8_t th[TLS_MAX_HASH], want[12];
    if (len != 4 + 12)
        return TLS_FAIL(TLS_AD_DECODE_ERROR, TLS_R_BAD_DIGEST_LENGTH);
    TRY(tls_transcript_hash(&sv->th, th));
    TRY(tls12_finished(sv->s12, sv->ms, 0, th, sv->th.hash_len, want));
    if (!tls_ct_equal(want, msg + 4, 12))
        return TLS_FAIL(TLS_AD_DECRYPT_ERROR, TLS_R_DIGEST_CHECK_FAILED);
    memcpy(c->fin_rcvd, msg + 4, 12);
    c->fin_len = 12;
    TRY(th_add(c, msg, len));
    if (!sv->resumed) {
        TRY(send_ccs_finished(c));
        if (c->cfg->session_new && sv->session_id_len) {
            tls_session_state st;
            fill_state(c, &st);
            c->hs_done = 1; /* the callback may ask for the session */
            c->cfg->session_new(c->cfg->cb_arg, c, &st);
            OPENSSL_cleanse(&st, sizeof(st));
        }
    }
    handshake_done(c);
    return 0;
}

/* After the handshake only a renegotiation attempt can come: RFC 5746 and
 * RFC 5246 7.2.2 let us decline it with a warning no_renegotiation. */
static int refuse_renegotiation(tls_conn *c)
{
    static const uint8_t alert[2] = {1, TLS_AD_NO_RENEGOTIATION};
    TRY(tls_conn_send(c, TLS_CT_ALERT, alert, 2));
    trace_sent(c, TLS_CT_ALERT, alert, 2);
    if (c->cfg->event)
        c->cfg->event(c->cfg->cb_arg, TLS_EV_ALERT_SENT, 1 << 8 | TLS_AD_NO_RENEGOTIATION);
    return 0;
}

int tls12_server_message(tls_conn *c, const uint8_t *msg, size_t len)
{
    struct tls12_server *sv = c->sv12;
    uint8_t type = msg[0];
    switch (sv->state) {
    case S12_WAIT_CERT:
        if (type == TLS_HS_CERTIFICATE)
            return on_certificate(c, msg, len);
        /* RFC 5246 7.4.6: a client with nothing to send sends an empty
         * Certificate; skipping it is OpenSSL's "did not return". */
        if (type == TLS_HS_CLIENT_KEY_EXCHANGE && (c->cfg->flags & TLS_CFG_REQUIRE_CERT))
            return TLS_FAIL(TLS_AD_HANDSHAKE_FAILURE, TLS_R_PEER_DID_NOT_RETURN_A_CERTIFICATE);
        break;
    case S12_WAIT_CKE:
        if (type == TLS_HS_CLIENT_KEY_EXCHANGE)
            return on_client_key_exchange(c, msg, len);
        break;
    case S12_WAIT_CV:
        if (type == TLS_HS_CERTIFICATE_VERIFY)
            return on_certificate_verify(c, msg, len);
        break;
    case S12_WAIT_FIN:
        if (type == TLS_HS_FINISHED)
            return on_finished(c, msg, len);
        break;
    case S12_DONE:
        if (type == TLS_HS_CLIENT_HELLO)
            return refuse_renegotiation(c);
        break;
    default:
        break;
    }
    return TLS_FAIL(TLS_AD_UNEXPECTED_MESSAGE, TLS_R_UNEXPECTED_MESSAGE);
}

/* RFC 5246 7.1: the client's ChangeCipherSpec comes right before its
 * Finished, after ClientKeyExchange (and CertificateVerify); anywhere else
 * it is the EarlyCCS attack. */
int tls12_server_ccs(tls_conn *c)
{
    struct tls12_server *sv = c->sv12;
    /* A CCS where a handshake message is due (ClientKeyExchange, the
     * CertificateVerify of a client that sent a certificate): OpenSSL's
     * server reports it as any unexpected message. */
    if (sv->state != S12_WAIT_CCS)
        return TLS_FAIL(TLS_AD_UNEXPECTED_MESSAGE, TLS_R_UNEXPECTED_MESSAGE);
    TRY(install_keys(c, 0));
    sv->state = S12_WAIT_FIN;
    return 0;
}

int tls12_server_reused(const tls_conn *c)
{
    return c->sv12 && c->sv12->resumed;
}

int tls12_server_export(tls_conn *c, uint8_t *out, size_t outlen, const char *label,
                        size_t label_len, const uint8_t *context, size_t context_len,
                        int use_context)
{
    struct tls12_server *sv = c->sv12;
    if (!sv || !sv->have_ms || !c->hs_done)
        return TLS_FAIL(TLS_AD_NONE, TLS_R_UNEXPECTED_MESSAGE);
    return tls12_export(sv->s12, sv->ms, c->client_random, c->server_random, label, label_len,
                        context, context_len, use_context, out, outlen);
}
