/*
 * The TLS 1.3 server handshake (RFC 8446), as an explicit state machine.
 *
 *   WAIT_CH --CH--> (HRR sent) WAIT_CH2 --CH2--> (our flight) WAIT_FIN
 *      |                                                         ^
 *      +--CH with a usable key share--> (our flight) ------------+
 *   WAIT_FIN --client Finished--> DONE
 *   DONE: KeyUpdate only; anything else is unexpected.
 *
 * Our flight (ServerHello, then EncryptedExtensions, Certificate,
 * CertificateVerify and Finished) is produced in one go: ServerHello in
 * its own plaintext record, the compatibility CCS when the client asked for
 * middlebox compatibility, and the four encrypted messages coalesced into
 * as few records as fit (a server flight should cost one write).
 *
 * Key changes: the ServerHello installs the handshake keys (our write key
 * at once, the client's read key too, since everything after its
 * ClientHello is protected); our Finished installs our application key
 * (0.5-RTT data may follow it); the client's Finished installs its
 * application key. A ClientHello must end its record: the keys change
 * right after it (RFC 8446 5.1), and after an HRR the next message can
 * only be a new ClientHello.
 *
 * Resumption and 0-RTT (tls13_psk.c): a PSK accepted from a ticket drops
 * Certificate and CertificateVerify from our flight; accepted early data
 * puts WAIT_EOED between our flight and WAIT_FIN; NewSessionTickets follow
 * the client's Finished.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "core/conn.h"
#include "core/custom_ext.h"
#include "core/extensions.h"
#include "core/handshake.h"
#include "core/hello.h"
#include "core/maxfrag.h"
#include "core/ocsp_status.h"
#include "core/tls13_auth.h"
#include "core/tls13_common.h"
#include "core/tls13_psk.h"

enum {
    SS_WAIT_CH,
    SS_WAIT_CH2,
    SS_WAIT_FIN,
    SS_DONE,
    SS_WAIT_EOED, /* accepted 0-RTT: early data, then EndOfEarlyData */
    SS_WAIT_CERT, /* we sent a CertificateRequest (tls13_auth.c) */
    SS_WAIT_CV,
};

#define MAX_LIST 64

struct tls13_server {
    int state;
    int ccs_seen; /* a CCS was accepted in the current state */
    int ccs_sent; /* our compatibility CCS went out (once) */
    tls_transcript th;

    uint8_t session_id[32];
    size_t session_id_len;
    uint16_t hrr_group;
    uint8_t cookie[32]; /* sent in our HelloRetryRequest, echoed in ClientHello2 */
    size_t cookie_len;
    /* What the first ClientHello said, for the second one to match
     * (RFC 8446 4.1.2): its version here, its session id above. */
    uint16_t ch1_version;

    uint8_t client_hs[TLS_MAX_HASH]; /* to check the client's Finished */
    char sni[256];
    int sni_present;
    /* The first ClientHello's ALPN list and cipher suites, only while the
     * client_hello hook runs: they point into the message. */
    const uint8_t *offered_alpn;
    size_t offered_alpn_len;
    const uint8_t *offered_suites;
    size_t offered_suites_len;
    int alpn_decided; /* the hook chose c->alpn: core does not choose */
    /* The certificate chosen with the signature scheme (points into cfg). */
    const tls_identity *id;
    tls_identity main_id;

    /* Client authentication: what our CertificateRequest offered. */
    int cert_requested;
    int pha_offered; /* the client sent post_handshake_auth */
    uint16_t cr_sigalgs[TLS13_AUTH_MAX_SIGALGS];
    size_t n_cr_sigalgs;
    /* Post-handshake authentication: the transcript through the client's
     * Finished, the exchange in progress and its context. */
    tls_transcript pha_base;
    int pha_kept;
    int pha_active;
    uint8_t cr_ctx[32];
    size_t cr_ctx_len;
};

/* RFC 8446 4.1.3: the random of a HelloRetryRequest is SHA-256("HelloRetryRequest"). */
static const uint8_t hrr_random[32] = {
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
    0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
};

void tls13_server_free(tls_conn *c)
{
    struct tls13_server *sv = c->sv;
    if (!sv)
        return;
    tls_transcript_free(&sv->th);
    tls_transcript_free(&sv->pha_base);
    OPENSSL_cleanse(sv, sizeof(*sv));
    free(sv);
    c->sv = NULL;
}

const char *tls_conn_server_name(const tls_conn *c)
{
    return c->sv && c->sv->sni_present ? c->sv->sni : NULL;
}

void tls_conn_offered_alpn(const tls_conn *c, const uint8_t **list, size_t *len)
{
    *list = c->sv ? c->sv->offered_alpn : NULL;
    *len = c->sv && c->sv->offered_alpn ? c->sv->offered_alpn_len : 0;
}

void tls_conn_offered_suites(const tls_conn *c, const uint8_t **list, size_t *len)
{
    *list = c->sv ? c->sv->offered_suites : NULL;
    *len = c->sv && c->sv->offered_suites ? c->sv->offered_suites_len : 0;
}

int tls_conn_set_alpn(tls_conn *c, const uint8_t *proto, size_t len)
{
    struct tls13_server *sv = c->sv;
    if (!sv || !sv->offered_alpn || len > sizeof(c->alpn))
        return TLS_ERR_INTERNAL;
    if (len > 0) {
        /* RFC 7301 3.2: the selected protocol must be one the client offered. */
        tls_reader theirs, t;
        int found = 0;
        tls_rd_init(&theirs, sv->offered_alpn, sv->offered_alpn_len);
        while (!found && tls_rd_left(&theirs) > 0) {
            TRY(tls_rd_vec(&theirs, 1, &t));
            found = tls_rd_left(&t) == len && memcmp(t.p + t.off, proto, len) == 0;
        }
        if (!found)
            return TLS_FAIL(TLS_AD_NO_APPLICATION_PROTOCOL, TLS_R_NO_APPLICATION_PROTOCOL);
        memcpy(c->alpn, proto, len);
    }
    c->alpn_len = len;
    sv->alpn_decided = 1;
    return 0;
}

/* Let compat (the application's SNI and ALPN callbacks) look at the first
 * ClientHello before anything is chosen from it. */
static int run_client_hello_hook(tls_conn *c, const tls_client_hello *ch)
{
    struct tls13_server *sv = c->sv;
    if (!c->cfg->client_hello)
        return 0;
    if (ch->have_alpn) {
        sv->offered_alpn = ch->alpn.p + ch->alpn.off;
        sv->offered_alpn_len = tls_rd_left(&ch->alpn);
    }
    sv->offered_suites = ch->suites;
    sv->offered_suites_len = ch->suites_len;
    int rc = c->cfg->client_hello(c->cfg->cb_arg, c);
    sv->offered_alpn = NULL;
    sv->offered_alpn_len = 0;
    sv->offered_suites = NULL;
    sv->offered_suites_len = 0;
    return rc;
}

int tls13_server_start(tls_conn *c)
{
    const tls_config *cfg = c->cfg;
    /* TLS 1.2 and 1.3 are what we speak. */
    if ((cfg->max_version && cfg->max_version < TLS_V12) ||
        (cfg->min_version && cfg->min_version > TLS_V13) ||
        (cfg->max_version && cfg->min_version > cfg->max_version))
        return TLS_FAIL(TLS_AD_PROTOCOL_VERSION, TLS_R_NO_PROTOCOLS_AVAILABLE);
    struct tls13_server *sv = calloc(1, sizeof(*sv));
    if (!sv)
        return TLS_ERR_INTERNAL;
    c->sv = sv;
    tls_transcript_init(&sv->th);
    sv->state = SS_WAIT_CH;
    return 0;
}

static int th_add(tls_conn *c, const uint8_t *msg, size_t len)
{
    return tls_transcript_update(&c->sv->th, msg, len);
}

static int th_hash(tls_conn *c, uint8_t *out)
{
    return tls_transcript_hash(&c->sv->th, out);
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
        c->cfg->msg(c->cfg->cb_arg, 1, TLS_V13, type, p, n);
}

/* ---------------------------------------------------------------------
 * Selection.
 */
static int usable_suite(const tls_conn *c, uint16_t id)
{
    const tls_suite *s = tls_suite_get(c->cr, id);
    return s && s->info && s->info->min_version == TLS_V13 && s->cipher;
}

static int select_suite(tls_conn *c, const tls_client_hello *ch, const tls_suite **out)
{
    const tls_config *cfg = c->cfg;
    const uint16_t *ours = cfg->tls13_suites;
    size_t n = cfg->n_tls13_suites;
    uint16_t defaults[TLS_MAX_DEFAULT_SUITES];
    if (!n) {
        n = tls_default_suites(TLS_V13, defaults, TLS_MAX_DEFAULT_SUITES);
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
                if (usable_suite(c, ours[i]) && tls_client_hello_has_suite(ch, ours[i])) {
                    *out = tls_suite_get(c->cr, ours[i]);
                    return 0;
                }
            }
    } else {
        for (size_t i = 0; i + 1 < ch->suites_len; i += 2) {
            uint16_t id = (uint16_t)ch->suites[i] << 8 | ch->suites[i + 1];
            if (usable_suite(c, id) && tls_u16s_has(ours, n, id)) {
                *out = tls_suite_get(c->cr, id);
                return 0;
            }
        }
    }
    return TLS_FAIL(TLS_AD_HANDSHAKE_FAILURE, TLS_R_NO_SHARED_CIPHER);
}

/* Our groups in preference order, restricted to what libcrypto provides. */
static size_t server_groups(tls_conn *c, uint16_t *out)
{
    const uint16_t *l = c->cfg->groups;
    size_t n = c->cfg->n_groups, k = 0;
    if (!n)
        l = tls_default_groups(&n);
    for (size_t i = 0; i < n && k < MAX_LIST; i++)
        if (tls_crypto_group_available(c->cr, l[i]) && !tls_u16s_has(out, k, l[i]))
            out[k++] = l[i];
    return k;
}

/*
 * The group: our first one the client sent a share for; failing that, our
 * first one the client supports (answered with a HelloRetryRequest, *hrr
 * set); failing that, handshake_failure.
 */
static int select_group(tls_conn *c, const tls_client_hello *ch, uint16_t *group, int *hrr)
{
    uint16_t ours[MAX_LIST];
    size_t n = server_groups(c, ours);
    *hrr = 0;
    for (size_t i = 0; i < n; i++) {
        const uint8_t *p;
        size_t len;
        TRY(tls_client_hello_share(ch, ours[i], &p, &len));
        if (p) {
            *group = ours[i];
            return 0;
        }
    }
    for (size_t i = 0; i < n; i++)
        if (tls_u16s_wire_has(ch->groups, ch->n_groups, ours[i])) {
            *group = ours[i];
            *hrr = 1;
            return 0;
        }
    /* OpenSSL 3.0 reports this case as "no suitable key share". */
    return TLS_FAIL(TLS_AD_HANDSHAKE_FAILURE, TLS_R_NO_SUITABLE_KEY_SHARE);
}

/* RFC 8446 4.4.2.2 / 4.2.3: a scheme the client offered, valid in TLS 1.3,
 * that our key can make, and that our own list (if configured) allows. */
/*
 * The order of the shared list decides (as OpenSSL 3.0 does): the client's,
 * or ours under server preference. Its first scheme that one of our
 * certificates can sign with picks both the scheme and the certificate.
 * cfg->cert/key/chain is tried before ids[].
 */
static int select_sigalg(tls_conn *c, const tls_client_hello *ch, uint16_t *out)
{
    const tls_config *cfg = c->cfg;
    const uint16_t *ours = cfg->sigalgs;
    size_t n = cfg->n_sigalgs;
    struct tls13_server *sv = c->sv;
    if (!n)
        ours = tls_default_sigalgs(&n);
    sv->main_id.cert = cfg->cert;
    sv->main_id.key = cfg->key;
    sv->main_id.chain = cfg->chain;
    size_t n_ids = cfg->n_ids < TLS_MAX_IDENTITIES ? cfg->n_ids : TLS_MAX_IDENTITIES;
    int ours_first = (cfg->flags & TLS_CFG_SERVER_PREFERENCE) != 0;
    size_t n_walk = ours_first ? n : ch->n_sigalgs;
    for (size_t i = 0; i < n_walk; i++) {
        uint16_t s = ours_first ? ours[i] : tls_u16_at(ch->sigalgs, i);
        const tls_sigalg *sa = tls_sigalg_get(s);
        if (!sa || !sa->tls13 || !tls_u16s_has(ours, n, s) ||
            !tls_u16s_wire_has(ch->sigalgs, ch->n_sigalgs, s) ||
            !tls_crypto_sigalg_available(c->cr, s))
            continue;
        for (size_t k = 0; k <= n_ids; k++) {
            const tls_identity *id = k == 0 ? &sv->main_id : &cfg->ids[k - 1];
            if (id->cert && id->key && tls_sigalg_key_ok(s, id->key, 1)) {
                sv->id = id;
                *out = s;
                return 0;
            }
        }
    }
    return TLS_FAIL(TLS_AD_HANDSHAKE_FAILURE, TLS_R_NO_SUITABLE_SIGNATURE_ALGORITHM);
}

/* Server preference: our first protocol the client also listed. */
static int select_alpn(tls_conn *c, const tls_client_hello *ch)
{
    const tls_config *cfg = c->cfg;
    if (c->sv->alpn_decided)
        return 0;
    c->alpn_len = 0;
    if (!ch->have_alpn || !cfg->alpn || !cfg->alpn_len)
        return 0;
    tls_reader ours;
    tls_rd_init(&ours, cfg->alpn, cfg->alpn_len);
    while (tls_rd_left(&ours) > 0) {
        tls_reader o;
        /* Our own list comes from compat; a malformed one is our fault. */
        if (tls_rd_vec(&ours, 1, &o) < 0)
            return TLS_ERR_INTERNAL;
        size_t on = tls_rd_left(&o);
        tls_reader theirs = ch->alpn;
        while (tls_rd_left(&theirs) > 0) {
            tls_reader t;
            TRY(tls_rd_vec(&theirs, 1, &t));
            if (on > 0 && tls_rd_left(&t) == on && memcmp(t.p + t.off, o.p + o.off, on) == 0) {
                memcpy(c->alpn, o.p + o.off, on);
                c->alpn_len = on;
                return 0;
            }
        }
    }
    return 0;
}

/* ---------------------------------------------------------------------
 * ServerHello / HelloRetryRequest.
 *
 * struct {
 *     ProtocolVersion legacy_version = 0x0303;
 *     Random random;
 *     opaque legacy_session_id_echo<0..32>;
 *     CipherSuite cipher_suite;
 *     uint8 legacy_compression_method = 0;
 *     Extension extensions<6..2^16-1>;
 * } ServerHello;
 */
static int write_server_hello(tls_conn *c, tls_writer *w, const uint8_t *random, uint16_t suite,
                              uint16_t group, const uint8_t *share, size_t share_len)
{
    struct tls13_server *sv = c->sv;
    size_t msg, exts, m, m2;
    TRY(tls_wr_u8(w, TLS_HS_SERVER_HELLO));
    TRY(tls_wr_open(w, 3, &msg));
    TRY(tls_wr_u16(w, TLS_V12));
    TRY(tls_wr_bytes(w, random, 32));
    TRY(tls_wr_u8(w, (uint8_t)sv->session_id_len));
    TRY(tls_wr_bytes(w, sv->session_id, sv->session_id_len));
    TRY(tls_wr_u16(w, suite));
    TRY(tls_wr_u8(w, 0));
    TRY(tls_wr_open(w, 2, &exts));
    TRY(tls_cext_write(
        c, share ? TLS_EXTCTX_TLS1_3_SERVER_HELLO : TLS_EXTCTX_TLS1_3_HELLO_RETRY_REQUEST, NULL, 0,
        w));
    /* struct { ProtocolVersion selected_version; } in SH and HRR. */
    TRY(tls_wr_u16(w, TLS_EXT_SUPPORTED_VERSIONS));
    TRY(tls_wr_open(w, 2, &m));
    TRY(tls_wr_u16(w, TLS_V13));
    TRY(tls_wr_close(w, 2, m));
    TRY(tls_wr_u16(w, TLS_EXT_KEY_SHARE));
    TRY(tls_wr_open(w, 2, &m));
    TRY(tls_wr_u16(w, group));
    if (share) {
        /* KeyShareServerHello; an HRR carries only the selected group. */
        TRY(tls_wr_open(w, 2, &m2));
        TRY(tls_wr_bytes(w, share, share_len));
        TRY(tls_wr_close(w, 2, m2));
    }
    TRY(tls_wr_close(w, 2, m));
    if (!share && sv->cookie_len > 0) {
        /* HelloRetryRequest: the cookie the second ClientHello must echo. */
        TRY(tls_wr_u16(w, TLS_EXT_COOKIE));
        TRY(tls_wr_open(w, 2, &m));
        TRY(tls_wr_open(w, 2, &m2));
        TRY(tls_wr_bytes(w, sv->cookie, sv->cookie_len));
        TRY(tls_wr_close(w, 2, m2));
        TRY(tls_wr_close(w, 2, m));
    }
    if (share && c->psk.accepted) {
        /* struct { uint16 selected_identity; } (RFC 8446 4.2.11) */
        TRY(tls_wr_u16(w, TLS_EXT_PRE_SHARED_KEY));
        TRY(tls_wr_u16(w, 2));
        TRY(tls_wr_u16(w, c->psk.selected));
    }
    TRY(tls_wr_close(w, 2, exts));
    TRY(tls_wr_close(w, 3, msg));
    return w->failed ? TLS_ERR_INTERNAL : 0;
}

/* RFC 8446 D.4: in compatibility mode the server sends one CCS right after
 * its first handshake message (ServerHello or HelloRetryRequest). As
 * OpenSSL's, whether the client's session id is empty or not: the server's
 * own middlebox-compatibility option decides. */
static int maybe_send_ccs(tls_conn *c)
{
    struct tls13_server *sv = c->sv;
    static const uint8_t ccs = 1;
    if (sv->ccs_sent || (c->cfg->flags & TLS_CFG_NO_MIDDLEBOX_COMPAT))
        return 0;
    sv->ccs_sent = 1;
    TRY(tls_conn_send(c, TLS_CT_CHANGE_CIPHER_SPEC, &ccs, 1));
    trace_sent(c, TLS_CT_CHANGE_CIPHER_SPEC, &ccs, 1);
    return 0;
}

/*
 * RFC 8446 4.2.2: the HelloRetryRequest's cookie. It is a MAC, under a key
 * made once per library context (tls_crypto_cookie_key), of what the server
 * decided from ClientHello1: the transcript so far (message_hash of
 * ClientHello1), the suite and the group. This server keeps its state and
 * simply compares the echo, but the cookie alone would let a stateless
 * server rebuild and trust that state.
 */
static int make_cookie(tls_conn *c, const tls_suite *s, uint16_t group)
{
    struct tls13_server *sv = c->sv;
    uint8_t in[TLS_MAX_HASH + 4];
    const EVP_MD *sha256 = tls_md_by_nid(c->cr, NID_sha256);
    const uint8_t *cookie_key = tls_crypto_cookie_key(c->cr);
    ENSURE(cookie_key != NULL && sha256 != NULL, TLS_ERR_INTERNAL);
    TRY(tls_transcript_hash(&sv->th, in));
    size_t n = sv->th.hash_len;
    in[n++] = (uint8_t)(s->id >> 8);
    in[n++] = (uint8_t)s->id;
    in[n++] = (uint8_t)(group >> 8);
    in[n++] = (uint8_t)group;
    TRY(tls_hmac(c->cr, sha256, cookie_key, TLS_COOKIE_KEY_LEN, in, n, sv->cookie));
    sv->cookie_len = 32;
    return 0;
}

static int send_hrr(tls_conn *c, const tls_suite *s, uint16_t group)
{
    struct tls13_server *sv = c->sv;
    tls_writer w;
    tls_wr_init(&w);
    /* RFC 8446 4.4.1: the transcript restarts with message_hash(CH1). */
    int rc = tls_transcript_set_md(&sv->th, s->md);
    if (rc == 0)
        rc = tls_transcript_hrr(&sv->th);
    if (rc == 0)
        rc = make_cookie(c, s, group);
    if (rc == 0)
        rc = write_server_hello(c, &w, hrr_random, s->id, group, NULL, 0);
    if (rc == 0)
        rc = th_add(c, w.buf, w.len);
    if (rc == 0)
        rc = tls_conn_send_hs(c, w.buf, w.len);
    tls_wr_free(&w);
    TRY(rc);
    TRY(maybe_send_ccs(c));
    tls_conn_state(c, TLS_STATE_WRITE | TLS_STATE_EARLY_DATA);
    c->did_hrr = 1;
    sv->hrr_group = group;
    sv->state = SS_WAIT_CH2;
    sv->ccs_seen = 0;
    return 0;
}

/* ---------------------------------------------------------------------
 * The encrypted part of our flight.
 */

/* struct { Extension extensions<0..2^16-1>; } EncryptedExtensions; */
static int write_ee(tls_conn *c, tls_writer *w)
{
    size_t msg, exts, m, m2, m3;
    TRY(tls_wr_u8(w, TLS_HS_ENCRYPTED_EXTENSIONS));
    TRY(tls_wr_open(w, 3, &msg));
    TRY(tls_wr_open(w, 2, &exts));
    TRY(tls_cext_write(c, TLS_EXTCTX_TLS1_3_ENCRYPTED_EXTENSIONS, NULL, 0, w));
    if (c->sv->sni_present) {
        /* RFC 6066 3: the acknowledgement is an empty extension. */
        TRY(tls_wr_u16(w, TLS_EXT_SERVER_NAME));
        TRY(tls_wr_u16(w, 0));
    }
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
    TRY(tls_mfl_write_echo(c, w));
    if (c->psk.early_phase == TLS_EPH_READING) {
        /* RFC 8446 4.2.10: empty early_data says 0-RTT was accepted. */
        TRY(tls_wr_u16(w, TLS_EXT_EARLY_DATA));
        TRY(tls_wr_u16(w, 0));
    }
    TRY(tls_wr_close(w, 2, exts));
    return tls_wr_close(w, 3, msg);
}

/* RFC 8446 4.4.2: the context is empty for server authentication. */
static int write_certificate(tls_conn *c, tls_writer *w)
{
    if (tls_cext_any(c))
        return tls_cext_write_certificate(c, w, NULL, 0, c->sv->id->cert, c->sv->id->chain,
                                          c->ocsp.expected ? c : NULL);
    return tls13_write_certificate_status(w, NULL, 0, c->sv->id->cert, c->sv->id->chain,
                                          c->ocsp.expected ? c : NULL);
}

X509 *tls13_server_own_cert(const tls_conn *c)
{
    return c->sv && c->sv->id ? c->sv->id->cert : NULL;
}

static int write_certificate_verify(tls_conn *c, tls_writer *w, uint16_t scheme)
{
    uint8_t th[TLS_MAX_HASH];
    TRY(th_hash(c, th));
    c->own_sigalg = scheme;
    return tls13_write_certificate_verify(c->cr, w, 1, scheme, c->sv->id->key, th,
                                          c->suite->hash_len);
}

/* Append the message that starts at w->buf + start to the transcript. */
static int th_add_from(tls_conn *c, tls_writer *w, size_t start)
{
    if (w->failed)
        return TLS_ERR_INTERNAL;
    return th_add(c, w->buf + start, w->len - start);
}

/*
 * Ask for a client certificate in the handshake? Only when configured, not
 * when the application defers it to post-handshake authentication, and
 * never on a resumption (OpenSSL's behaviour in TLS 1.3).
 */
static int want_client_cert(const tls_conn *c)
{
    uint32_t f = c->cfg->flags;
    return (f & TLS_CFG_REQUEST_CERT) && !(f & TLS_CFG_POST_HANDSHAKE_AUTH);
}

static int encrypted_flight(tls_conn *c, uint16_t scheme)
{
    struct tls13_server *sv = c->sv;
    size_t hl = c->suite->hash_len;
    uint8_t th[TLS_MAX_HASH], fin[TLS_MAX_HASH];
    size_t at[6];
    tls_writer w;
    tls_wr_init(&w);
    int rc = 0;
    at[0] = 0;
    if (rc == 0)
        rc = write_ee(c, &w);
    if (rc == 0)
        rc = th_add_from(c, &w, at[0]);
    at[1] = w.len;
    /* RFC 8446 4.3.2: a CertificateRequest follows EncryptedExtensions;
     * never in a PSK (resumed) handshake, as OpenSSL. */
    if (rc == 0 && want_client_cert(c) && !c->psk.accepted) {
        rc = tls13_write_certificate_request(&w, c->cfg, NULL, 0);
        if (rc == 0)
            rc = tls_cext_append(c, TLS_EXTCTX_TLS1_3_CERTIFICATE_REQUEST, &w, at[1], 4 + 1);
        if (rc == 0)
            rc = th_add_from(c, &w, at[1]);
        sv->cert_requested = 1;
        sv->n_cr_sigalgs = tls13_auth_sigalgs(c->cfg, sv->cr_sigalgs, TLS13_AUTH_MAX_SIGALGS);
    }
    at[2] = w.len;
    /* RFC 8446 2.2: a PSK handshake has no server Certificate / CertificateVerify. */
    if (rc == 0 && !c->psk.accepted)
        rc = write_certificate(c, &w);
    if (rc == 0 && !c->psk.accepted)
        rc = th_add_from(c, &w, at[2]);
    at[3] = w.len;
    if (rc == 0 && !c->psk.accepted)
        rc = write_certificate_verify(c, &w, scheme);
    if (rc == 0 && !c->psk.accepted)
        rc = th_add_from(c, &w, at[3]);
    at[4] = w.len;
    /* struct { opaque verify_data[Hash.length]; } Finished; */
    if (rc == 0)
        rc = th_hash(c, th);
    if (rc == 0)
        rc = tls_ks_finished(c->cr, c->suite->md, c->ks.server_hs, th, fin);
    if (rc == 0)
        rc = tls_wr_u8(&w, TLS_HS_FINISHED);
    if (rc == 0)
        rc = tls_wr_u24(&w, (uint32_t)hl);
    if (rc == 0)
        rc = tls_wr_bytes(&w, fin, hl);
    if (rc == 0)
        rc = th_add_from(c, &w, at[4]);
    at[5] = w.len;
    /* One send: tls_conn_send cuts at 2^14, so the four messages share
     * records instead of taking one each. */
    if (rc == 0)
        rc = tls_conn_send(c, TLS_CT_HANDSHAKE, w.buf, w.len);
    if (rc == 0) {
        for (int i = 0; i < 5; i++)
            if (at[i + 1] > at[i])
                trace_sent(c, TLS_CT_HANDSHAKE, w.buf + at[i], at[i + 1] - at[i]);
        memcpy(c->fin_sent, fin, hl);
    }
    tls_wr_free(&w);
    TRY(rc);

    /* Application keys: ours now (0.5-RTT data may follow), the client's
     * once its Finished has been checked. */
    TRY(th_hash(c, th));
    memcpy(sv->client_hs, c->ks.client_hs, hl);
    TRY(tls_ks_master(&c->ks, th));
    TRY(tls_conn_set_secret(c, 1, c->ks.server_ap));
    tls_conn_keylog(c, "CLIENT_TRAFFIC_SECRET_0", c->ks.client_ap, hl);
    tls_conn_keylog(c, "SERVER_TRAFFIC_SECRET_0", c->ks.server_ap, hl);
    tls_conn_keylog(c, "EXPORTER_SECRET", c->ks.exporter, hl);
    return 0;
}

/* ServerHello, key schedule, and the rest of the flight. */
static int server_flight(tls_conn *c, const tls_client_hello *ch, const tls_suite *s,
                         uint16_t group, uint16_t scheme)
{
    struct tls13_server *sv = c->sv;
    const uint8_t *peer;
    size_t peer_len;
    TRY(tls_client_hello_share(ch, group, &peer, &peer_len));
    if (!peer)
        return TLS_ERR_INTERNAL;

    EVP_PKEY *priv = NULL;
    uint8_t share[TLS_MAX_SHARE], shared[TLS_MAX_SHARED_SECRET];
    size_t share_len = 0, shared_len = 0;
    TRY(tls_kex_keygen(c->cr, group, &priv, share, sizeof(share), &share_len));
    /* Keeps the client's share as a key, for the application to inspect. */
    int rc = tls_kex_derive_keep(c->cr, group, priv, peer, peer_len, shared, &shared_len,
                                 &c->peer_tmp_key);
    EVP_PKEY_free(priv);
    if (rc < 0) {
        OPENSSL_cleanse(shared, sizeof(shared));
        return rc;
    }
    c->suite = s;
    c->group = group;
    c->version = TLS_V13;

    tls_writer w;
    uint8_t th[TLS_MAX_HASH];
    tls_wr_init(&w);
    if (!c->did_hrr)
        rc = tls_transcript_set_md(&sv->th, s->md);
    /* The early secret (PSK or zeros) and the 0-RTT key hash the
     * ClientHello alone. */
    if (rc == 0)
        rc = tls_ks_init(&c->ks, s->cr, s->md);
    if (rc == 0)
        rc = tls13_psk_server_early(c, &sv->th);
    if (rc == 0)
        rc = tls_random(c->cr, c->server_random, 32);
    if (rc == 0)
        rc = write_server_hello(c, &w, c->server_random, s->id, group, share, share_len);
    if (rc == 0)
        rc = th_add(c, w.buf, w.len);
    if (rc == 0)
        rc = tls_conn_send_hs(c, w.buf, w.len);
    tls_wr_free(&w);
    if (rc == 0)
        rc = th_hash(c, th);
    if (rc == 0)
        rc = tls_ks_handshake(&c->ks, shared, shared_len, th);
    OPENSSL_cleanse(shared, sizeof(shared));
    TRY(rc);
    TRY(maybe_send_ccs(c));
    TRY(tls_conn_set_secret(c, 1, c->ks.server_hs));
    /* Accepted 0-RTT: the client's records are under the early key until
     * its EndOfEarlyData. */
    TRY(tls_conn_set_secret(
        c, 0, c->psk.early_phase == TLS_EPH_READING ? c->ks.client_early : c->ks.client_hs));
    /* A client that rejects our ServerHello answers with a plaintext alert. */
    c->rd.allow_plain_alerts = 1;
    tls_conn_keylog(c, "CLIENT_HANDSHAKE_TRAFFIC_SECRET", c->ks.client_hs, s->hash_len);
    tls_conn_keylog(c, "SERVER_HANDSHAKE_TRAFFIC_SECRET", c->ks.server_hs, s->hash_len);
    TRY(encrypted_flight(c, scheme));
    tls_conn_state(c, TLS_STATE_WRITE | TLS_STATE_EARLY_DATA);
    sv->state = c->psk.early_phase == TLS_EPH_READING ? SS_WAIT_EOED
                : sv->cert_requested                  ? SS_WAIT_CERT
                                                      : SS_WAIT_FIN;
    sv->ccs_seen = 0;
    return 0;
}

/* RFC 8446 4.1.2: the second ClientHello repeats the first except for the
 * key share (now one, for the group we asked for), early_data, cookie,
 * pre_shared_key and padding. */
static int check_client_hello2(tls_conn *c, const tls_client_hello *ch, const tls_suite *s)
{
    struct tls13_server *sv = c->sv;
    if (ch->legacy_version != sv->ch1_version || ch->session_id_len != sv->session_id_len ||
        memcmp(ch->session_id, sv->session_id, sv->session_id_len) != 0)
        return TLS_FAIL(TLS_AD_ILLEGAL_PARAMETER, TLS_R_BAD_PACKET);
    if (s->id != c->suite->id)
        return TLS_FAIL(TLS_AD_ILLEGAL_PARAMETER, TLS_R_BAD_CIPHER);
    /* RFC 8446 4.2.2: the cookie of our HelloRetryRequest, unchanged. */
    if (sv->cookie_len > 0 && (!ch->have_cookie || ch->cookie_len != sv->cookie_len ||
                               !tls_ct_equal(ch->cookie, sv->cookie, sv->cookie_len)))
        return TLS_FAIL(TLS_AD_ILLEGAL_PARAMETER, TLS_R_COOKIE_MISMATCH);
    /* Early data is impossible after an HRR (RFC 8446 4.2.10). */
    if (ch->have_early_data)
        return TLS_FAIL(TLS_AD_ILLEGAL_PARAMETER, TLS_R_BAD_EXTENSION);
    const uint8_t *p;
    size_t n;
    TRY(tls_client_hello_share(ch, sv->hrr_group, &p, &n));
    if (ch->n_shares != 1 || !p)
        return TLS_FAIL(TLS_AD_ILLEGAL_PARAMETER, TLS_R_BAD_KEY_SHARE);
    return 0;
}

/*
 * The version (RFC 8446 4.2.1, D.2): the highest both sides allow; the
 * client's supported_versions if it sent one, else its legacy_version.
 * Nothing below TLS 1.2 is spoken: protocol_version, as OpenSSL answers.
 * *downgrade: we could have done TLS 1.3 (the sentinel goes in the random).
 */
static int choose_version(tls_conn *c, const tls_client_hello *ch, uint16_t *v, int *downgrade)
{
    const tls_config *cfg = c->cfg;
    uint16_t max = cfg->max_version ? cfg->max_version : TLS_V13;
    uint16_t min = cfg->min_version ? cfg->min_version : TLS_V12;
    if (ch->has13 && max >= TLS_V13 && min <= TLS_V13)
        *v = TLS_V13;
    else if (ch->has12 && max >= TLS_V12 && min <= TLS_V12)
        *v = TLS_V12;
    else
        return TLS_FAIL(TLS_AD_PROTOCOL_VERSION, TLS_R_UNSUPPORTED_PROTOCOL);
    /* RFC 7507 3: TLS_FALLBACK_SCSV from a client offering less than we
     * support means someone forced the fallback. */
    if (*v < max && tls_client_hello_has_suite(ch, TLS_SUITE_FALLBACK_SCSV))
        return TLS_FAIL(TLS_AD_INAPPROPRIATE_FALLBACK, TLS_R_INAPPROPRIATE_FALLBACK);
    *downgrade = *v == TLS_V12 && max >= TLS_V13;
    return 0;
}

/* The ClientHello's checks before anything of it is kept: its form, the
 * version, and what that version needs. */
static int read_client_hello(tls_conn *c, const uint8_t *msg, size_t len, tls_client_hello *ch,
                             uint16_t *version, int *downgrade)
{
    int rc = tls_client_hello_parse(msg, len, ch);
    /* A malformed ClientHello is reported with OpenSSL's reason for it. */
    if (rc == TLS_ERR_DECODE)
        rc = TLS_ERR(TLS_AD_DECODE_ERROR, TLS_R_LENGTH_MISMATCH);
    TRY(rc);
    TRY(choose_version(c, ch, version, downgrade));
    /* After an HelloRetryRequest the version is settled. */
    if (c->sv->state == SS_WAIT_CH2 && *version != TLS_V13)
        return TLS_FAIL(TLS_AD_PROTOCOL_VERSION, TLS_R_UNSUPPORTED_PROTOCOL);
    if (*version == TLS_V13)
        TRY(tls_client_hello_check13(ch));
    return 0;
}

static int on_client_hello(tls_conn *c, const uint8_t *msg, size_t len)
{
    struct tls13_server *sv = c->sv;
    const tls_suite *s;
    uint16_t group = 0, scheme = 0;
    int hrr = 0;
    /* RFC 8446 5.1: keys change after a ClientHello (or an HRR must come
     * before anything else), so nothing may follow it in its record. */
    if (c->hs.len - c->hs_off != len)
        return TLS_FAIL(TLS_AD_UNEXPECTED_MESSAGE, TLS_R_NOT_ON_RECORD_BOUNDARY);
    /* Parsed once, in the copy the connection keeps for the callbacks. */
    uint8_t *copy = malloc(len);
    ENSURE(copy, TLS_ERR_INTERNAL);
    memcpy(copy, msg, len);
    tls_client_hello parsed;
    uint16_t version;
    int downgrade;
    int rc = read_client_hello(c, copy, len, &parsed, &version, &downgrade);
    if (rc < 0) {
        free(copy);
        return rc;
    }
    tls13_auth_keep_client_hello(c, copy, len, &parsed);
    const tls_client_hello *ch = &c->ch;
    TRY(tls_mfl_server_client_hello(c));
    sv->pha_offered = ch->have_pha;
    /* SSL_get_secure_renegotiation_support on a TLS 1.3 server: OpenSSL
     * reports whether the ClientHello carried RFC 5746's signal (the SCSV
     * or the renegotiation_info extension), though 1.3 never renegotiates. */
    if (version == TLS_V13)
        c->secure_reneg = tls_client_hello_has_suite(ch, TLS_SUITE_EMPTY_RENEGOTIATION_INFO_SCSV) ||
                          ch->have_reneg_ext;
    if (sv->state == SS_WAIT_CH) {
        if (ch->have_sni) {
            memcpy(sv->sni, ch->sni, ch->sni_len);
            sv->sni[ch->sni_len] = 0;
            sv->sni_present = 1;
        }
        /* 0 goes on; an error or TLS_WANT_CALLBACK (suspend: this message
         * is run again from the top, and all above is idempotent) returns. */
        int hrc = run_client_hello_hook(c, ch);
        if (hrc != 0)
            return hrc;
    }
    tls_reader status_req = ch->status_req;
    TRY(tls_ocsp_server_client_hello(c, ch->have_status_req ? &status_req : NULL));
    TRY(tls_cext_client_hello(c, ch, version));
    if (version == TLS_V12) {
        TRY(select_alpn(c, ch));
        return tls12_server_client_hello(c, ch, msg, len, downgrade);
    }
    /* Without a certificate there is no TLS 1.3 we can offer unless a
     * ticket may resume: OpenSSL 3.0 answers exactly so. */
    int no_cert = (!c->cfg->cert || !c->cfg->key) && !c->cfg->n_ids;
    /* RFC 8446 4.2.9: we only do PSK with (EC)DHE (psk_dhe_ke). */
    int may_resume = ch->have_psk && ch->psk_dhe_ke && c->cfg->ticket_open;
    if (no_cert && !may_resume)
        return TLS_FAIL(TLS_AD_PROTOCOL_VERSION, TLS_R_UNSUPPORTED_PROTOCOL);
    TRY(select_suite(c, ch, &s));
    if (sv->state == SS_WAIT_CH2) {
        TRY(check_client_hello2(c, ch, s));
    }
    TRY(select_group(c, ch, &group, &hrr));
    /* RFC 8446 4.1.4: one HelloRetryRequest at most. */
    if (hrr && sv->state == SS_WAIT_CH2)
        return TLS_FAIL(TLS_AD_ILLEGAL_PARAMETER, TLS_R_BAD_KEY_SHARE);
    /* The PSK is looked at in the ClientHello we answer with a ServerHello
     * (after an HRR, the second one, whose binder covers the HRR). */
    c->psk.accepted = 0;
    if (may_resume && !hrr)
        TRY(tls13_psk_server_offer(c, &sv->th, msg, len, s, ch->psk_ids, ch->psk_binders,
                                   ch->psk_binders_total));
    if (!c->psk.accepted) {
        if (no_cert)
            return TLS_FAIL(TLS_AD_PROTOCOL_VERSION, TLS_R_UNSUPPORTED_PROTOCOL);
        TRY(select_sigalg(c, ch, &scheme));
        /* The certificate is chosen: its OCSP response, if asked for. */
        if (!hrr)
            TRY(tls_ocsp_server_decide(c, sv->id));
    }

    memcpy(c->client_random, ch->random, 32);
    if (sv->state == SS_WAIT_CH) {
        sv->session_id_len = ch->session_id_len;
        memcpy(sv->session_id, ch->session_id, ch->session_id_len);
        sv->ch1_version = ch->legacy_version;
    }
    TRY(select_alpn(c, ch));
    tls13_early_server_decide(c, ch->have_early_data, hrr, s);
    TRY(th_add(c, msg, len));
    if (hrr) {
        c->suite = s;
        c->version = TLS_V13;
        return send_hrr(c, s, group);
    }
    return server_flight(c, ch, s, group, scheme);
}

/* ---------------------------------------------------------------------
 * The client's Certificate and CertificateVerify (after our
 * CertificateRequest; RFC 8446 4.4.2, 4.4.3).
 */
static int on_client_certificate(tls_conn *c, const uint8_t *msg, size_t len)
{
    struct tls13_server *sv = c->sv;
    STACK_OF(X509) * chain;
    TRY(tls_cext_read_certificate(c, msg, len, sv->cr_ctx, sv->cr_ctx_len, 0, &chain));
    int rc = 0;
    if (sk_X509_num(chain) == 0) {
        sk_X509_free(chain);
        chain = NULL;
        /* RFC 8446 4.4.2.4: a server that requires a certificate aborts
         * with certificate_required. */
        if (c->cfg->flags & TLS_CFG_REQUIRE_CERT)
            return TLS_FAIL(TLS_AD_CERTIFICATE_REQUIRED, TLS_R_PEER_DID_NOT_RETURN_A_CERTIFICATE);
    } else {
        if (c->peer_chain)
            sk_X509_pop_free(c->peer_chain, X509_free);
        c->peer_chain = chain;
    }
    /* Compat records the outcome (no certificate is X509_V_OK) and may
     * refuse either way. */
    if (c->cfg->verify_chain) {
        STACK_OF(X509) *none = chain ? NULL : sk_X509_new_null();
        rc = TLS_NOTE(c->cfg->verify_chain(c->cfg->cb_arg, chain ? chain : none));
        sk_X509_free(none);
        TRY(rc);
    }
    TRY(th_add(c, msg, len));
    sv->state = chain ? SS_WAIT_CV : SS_WAIT_FIN;
    return 0;
}

static int on_client_certificate_verify(tls_conn *c, const uint8_t *msg, size_t len)
{
    struct tls13_server *sv = c->sv;
    uint8_t th[TLS_MAX_HASH];
    uint16_t scheme;
    TRY(th_hash(c, th));
    TRY(tls13_check_certificate_verify(c->cr, msg, len, 0, sv->cr_sigalgs, sv->n_cr_sigalgs,
                                       X509_get0_pubkey(sk_X509_value(c->peer_chain, 0)), th,
                                       c->suite->hash_len, &scheme));
    c->peer_sigalg = scheme;
    TRY(th_add(c, msg, len));
    sv->state = SS_WAIT_FIN;
    return 0;
}

/* ---------------------------------------------------------------------
 * The client's Finished.
 *
 * struct { opaque verify_data[Hash.length]; } Finished;
 */
static int on_pha_finished(tls_conn *c, const uint8_t *msg, size_t len)
{
    struct tls13_server *sv = c->sv;
    uint8_t th[TLS_MAX_HASH];
    /* RFC 8446 4.4: keyed with the current client application secret. */
    TRY(th_hash(c, th));
    TRY(tls13_check_finished(c->suite, c->ks.client_ap, th, msg, len));
    tls_transcript_free(&sv->th);
    tls_transcript_init(&sv->th);
    sv->pha_active = 0;
    sv->state = SS_DONE;
    /* OpenSSL issues tickets again after a post-handshake authentication
     * (the session now has the client's certificate). */
    return tls13_psk_server_tickets(
        c, c->psk.accepted && c->cfg->num_tickets > 1 ? 1 : c->cfg->num_tickets);
}

int tls_conn_request_cert(tls_conn *c)
{
    struct tls13_server *sv = c->sv;
    tls_writer w;
    if (c->err)
        return c->err;
    if (!c->is_server || !c->hs_done || c->version != TLS_V13 || !sv)
        return TLS_FAIL(TLS_AD_NONE, TLS_R_WRONG_SSL_VERSION);
    if (!sv->pha_kept)
        return TLS_FAIL(TLS_AD_NONE, TLS_R_EXTENSION_NOT_RECEIVED);
    /* One exchange at a time. */
    if (sv->pha_active || sv->state != SS_DONE)
        return TLS_FAIL(TLS_AD_NONE, TLS_R_UNEXPECTED_MESSAGE);
    /* SSL_VERIFY_CLIENT_ONCE (OpenSSL 3.0): once a CertificateRequest went
     * out, in the handshake or after it, none is sent again. */
    if ((c->cfg->flags & TLS_CFG_CLIENT_ONCE) && sv->cert_requested)
        return TLS_FAIL(TLS_AD_NONE, TLS_R_INVALID_CONFIG);
    /* RFC 8446 4.3.2: a context unique within the connection. */
    sv->cr_ctx_len = sizeof(sv->cr_ctx);
    TRY(tls_random(c->cr, sv->cr_ctx, sv->cr_ctx_len));
    tls_transcript_free(&sv->th);
    TRY(tls13_auth_transcript_copy(&sv->th, &sv->pha_base));
    tls_wr_init(&w);
    int rc = tls13_write_certificate_request(&w, c->cfg, sv->cr_ctx, sv->cr_ctx_len);
    if (rc == 0)
        rc = tls_cext_append(c, TLS_EXTCTX_TLS1_3_CERTIFICATE_REQUEST, &w, 0,
                             4 + 1 + sv->cr_ctx_len);
    if (rc == 0)
        rc = th_add(c, w.buf, w.len);
    if (rc == 0)
        rc = tls_conn_send_hs(c, w.buf, w.len);
    tls_wr_free(&w);
    if (rc < 0)
        return tls_conn_fail(c, rc);
    sv->n_cr_sigalgs = tls13_auth_sigalgs(c->cfg, sv->cr_sigalgs, TLS13_AUTH_MAX_SIGALGS);
    sv->cert_requested = 1;
    sv->pha_active = 1;
    sv->state = SS_WAIT_CERT;
    /* Sending the request is an exchange of its own; the answer is read
     * in the next one. */
    tls_conn_state(c, TLS_STATE_OK);
    return 0;
}

static int on_finished(tls_conn *c, const uint8_t *msg, size_t len)
{
    struct tls13_server *sv = c->sv;
    const tls_suite *s = c->suite;
    size_t hl = s->hash_len;
    uint8_t th[TLS_MAX_HASH];
    if (sv->pha_active)
        return on_pha_finished(c, msg, len);
    TRY(th_hash(c, th));
    TRY(tls13_check_finished(s, sv->client_hs, th, msg, len));
    memcpy(c->fin_rcvd, msg + 4, hl);
    c->fin_len = hl;
    TRY(th_add(c, msg, len));
    TRY(th_hash(c, th));
    TRY(tls_ks_resumption(&c->ks, th));
    TRY(tls_conn_set_secret(c, 0, c->ks.client_ap));
    c->rd.allow_plain_alerts = 0;
    tls_ks_drop_handshake(&c->ks);
    OPENSSL_cleanse(sv->client_hs, sizeof(sv->client_hs));
    /* Post-handshake authentication continues from here. */
    if (sv->pha_offered) {
        TRY(tls13_auth_transcript_copy(&sv->pha_base, &sv->th));
        sv->pha_kept = 1;
    }
    /* Nothing after this point is part of the transcript. */
    tls_transcript_free(&sv->th);
    tls_transcript_init(&sv->th);
    sv->state = SS_DONE;
    c->hs_done = 1;
    if (c->cfg->event)
        c->cfg->event(c->cfg->cb_arg, TLS_EV_HANDSHAKE_DONE, 1);
    /* RFC 8446 4.6.1: tickets right after the client's Finished; after a
     * resumption at most one, as OpenSSL. */
    size_t n = c->cfg->num_tickets;
    if (c->psk.accepted && n > 1)
        n = 1;
    if (c->psk.no_tickets)
        n = 0;
    return tls13_psk_server_tickets(c, n);
}

/* ---------------------------------------------------------------------
 * Dispatch: the state decides which messages are acceptable.
 */
int tls13_server_message(tls_conn *c, const uint8_t *msg, size_t len)
{
    struct tls13_server *sv = c->sv;
    uint8_t type = msg[0];
    if (!sv)
        return TLS_FAIL(TLS_AD_UNEXPECTED_MESSAGE, TLS_R_UNEXPECTED_MESSAGE);
    switch (sv->state) {
    case SS_WAIT_CH:
    case SS_WAIT_CH2:
        if (type == TLS_HS_CLIENT_HELLO)
            return on_client_hello(c, msg, len);
        break;
    case SS_WAIT_EOED:
        if (type == TLS_HS_END_OF_EARLY_DATA) {
            TRY(tls13_early_server_eoed(c, msg, len));
            TRY(th_add(c, msg, len));
            sv->state = SS_WAIT_FIN;
            return 0;
        }
        break;
    case SS_WAIT_CERT:
        if (type == TLS_HS_CERTIFICATE)
            return on_client_certificate(c, msg, len);
        break;
    case SS_WAIT_CV:
        if (type == TLS_HS_CERTIFICATE_VERIFY)
            return on_client_certificate_verify(c, msg, len);
        break;
    case SS_WAIT_FIN:
        /* A Certificate only after our CertificateRequest (SS_WAIT_CERT). */
        if (type == TLS_HS_FINISHED)
            return on_finished(c, msg, len);
        break;
    case SS_DONE:
        if (type == TLS_HS_KEY_UPDATE)
            return tls13_on_key_update(c, msg, len);
        break;
    }
    return TLS_FAIL(TLS_AD_UNEXPECTED_MESSAGE, TLS_R_UNEXPECTED_MESSAGE);
}

/*
 * RFC 8446 5: an unprotected change_cipher_spec {0x01} may arrive after the
 * first ClientHello and before the client's Finished, and is dropped. A
 * compatibility-mode client sends one, either before its second
 * ClientHello or before its Finished; we take at most one in each of those
 * states.
 */
int tls13_server_ccs(tls_conn *c)
{
    struct tls13_server *sv = c->sv;
    if (!sv || sv->state == SS_WAIT_CH || sv->state == SS_DONE || sv->ccs_seen || sv->pha_active)
        return TLS_FAIL(TLS_AD_UNEXPECTED_MESSAGE, TLS_R_UNEXPECTED_MESSAGE);
    sv->ccs_seen = 1;
    return 0;
}
