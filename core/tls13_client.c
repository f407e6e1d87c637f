/*
 * The TLS 1.3 client handshake (RFC 8446), as an explicit state machine.
 *
 *   WAIT_SH --SH--> WAIT_EE --EE--> WAIT_CERT_CR --CT--> WAIT_CV --CV--> WAIT_FIN
 *      ^  |HRR (once)                    |CR
 *      +--+                              v
 *                                     WAIT_CERT --CT--> WAIT_CV
 *   WAIT_FIN --server Finished--> (our flight) --> DONE
 *   DONE: NewSessionTicket, KeyUpdate; anything else is unexpected.
 *
 * Each state accepts exactly the messages drawn from it; every other
 * message is unexpected_message. A message is added to the transcript only
 * once it has been accepted, and after any check that needs the transcript
 * *before* it (CertificateVerify, Finished).
 *
 * Key changes: ServerHello installs the handshake keys in both directions
 * (so our alerts from then on are protected, as the server expects), the
 * server's Finished installs the server application key, our Finished the
 * client application key. conn.c enforces that a key-changing message ends
 * its record before handing it over (tls_hs_ends_record).
 */
#include <arpa/inet.h>
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
#include "core/tls12.h"
#include "core/tls12_client.h"
#include "core/tls13_auth.h"
#include "core/tls13_common.h"
#include "core/tls13_psk.h"

enum {
    CS_WAIT_SH,
    CS_WAIT_EE,
    CS_WAIT_CERT_CR,
    CS_WAIT_CERT,
    CS_WAIT_CV,
    CS_WAIT_FIN,
    CS_DONE,
};

#define MAX_LIST   64
#define MAX_SHARES 4

struct tls13_client {
    int state;
    int ccs_seen;
    int hrr_seen;
    tls_transcript th;
    uint64_t offered; /* tls_ext_index bits of the extensions we sent */

    uint8_t session_id[32];
    size_t session_id_len;
    uint16_t suites[MAX_LIST];
    size_t n_suites;
    uint16_t groups[MAX_LIST];
    size_t n_groups;
    uint16_t sigalgs[MAX_LIST];
    size_t n_sigalgs;
    int offer12, offer13; /* versions in the ClientHello (TLS 1.2: tls12_client.c) */
    size_t n_suites13;    /* suites[0 .. n_suites13) are the TLS 1.3 ones */
    int cbc_offered;
    struct {
        uint16_t group;
        EVP_PKEY *priv;
        uint8_t pub[TLS_MAX_SHARE]; /* kept: a cookie-only HRR resends it */
        size_t pub_len;
    } shares[MAX_SHARES];
    size_t n_shares;
    uint8_t *cookie;
    size_t cookie_len;
    uint16_t hrr_suite;

    int cert_requested;
    /* The application's certificate choice (client_cert hook) was made for
     * this request: it may suspend the handshake (TLS_WANT_CALLBACK), so it
     * runs before anything of our flight is sent, from on_finished, whose
     * work up to there is then kept (flight_ready, flight_hs: our
     * client_handshake_traffic_secret for the Finished) and not redone. */
    int cert_hook_done;
    int flight_ready;
    uint8_t flight_hs[TLS_MAX_HASH];
    uint8_t cr_ctx[255];
    size_t cr_ctx_len;
    uint16_t cr_sigalgs[MAX_LIST];
    size_t n_cr_sigalgs;
    /* Post-handshake authentication: the transcript through our Finished,
     * which every post-handshake exchange continues (RFC 8446 4.4.1). */
    tls_transcript pha_base;
    int pha_kept;
};

/* RFC 8446 4.1.3: the random of a HelloRetryRequest is SHA-256("HelloRetryRequest"). */
static const uint8_t hrr_random[32] = {
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
    0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
};

static void free_shares(struct tls13_client *cl)
{
    for (size_t i = 0; i < cl->n_shares; i++)
        EVP_PKEY_free(cl->shares[i].priv);
    cl->n_shares = 0;
}

void tls13_client_free(tls_conn *c)
{
    struct tls13_client *cl = c->cl;
    if (!cl)
        return;
    free_shares(cl);
    free(cl->cookie);
    tls_transcript_free(&cl->th);
    tls_transcript_free(&cl->pha_base);
    OPENSSL_cleanse(cl, sizeof(*cl));
    free(cl);
    c->cl = NULL;
}

/* Add a complete message to the transcript. */
static int th_add(tls_conn *c, const uint8_t *msg, size_t len)
{
    return tls_transcript_update(&c->cl->th, msg, len);
}

static int th_hash(tls_conn *c, uint8_t *out)
{
    return tls_transcript_hash(&c->cl->th, out);
}

/* ---------------------------------------------------------------------
 * ClientHello.
 */
static int is_ip_literal(const char *name)
{
    uint8_t buf[16];
    return inet_pton(AF_INET, name, buf) == 1 || inet_pton(AF_INET6, name, buf) == 1;
}

static int offer(struct tls13_client *cl, uint16_t type)
{
    int idx = tls_ext_index(type);
    if (idx >= 0)
        cl->offered |= 1ull << idx;
    return 0;
}

static int ext_open(tls_writer *w, struct tls13_client *cl, uint16_t type, size_t *mark)
{
    TRY(offer(cl, type));
    TRY(tls_wr_u16(w, type));
    return tls_wr_open(w, 2, mark);
}

static int add_share(struct tls13_client *cl, uint16_t group)
{
    if (cl->n_shares == MAX_SHARES)
        return 0;
    cl->shares[cl->n_shares].group = group;
    cl->shares[cl->n_shares].priv = NULL;
    cl->n_shares++;
    return 0;
}

static int write_key_shares(tls_conn *c, struct tls13_client *cl, tls_writer *w)
{
    size_t m;
    TRY(tls_wr_open(w, 2, &m));
    for (size_t i = 0; i < cl->n_shares; i++) {
        if (!cl->shares[i].priv)
            TRY(tls_kex_keygen(c->cr, cl->shares[i].group, &cl->shares[i].priv, cl->shares[i].pub,
                               sizeof(cl->shares[i].pub), &cl->shares[i].pub_len));
        /* struct { NamedGroup group; opaque key_exchange<1..2^16-1>; } KeyShareEntry; */
        size_t m2;
        TRY(tls_wr_u16(w, cl->shares[i].group));
        TRY(tls_wr_open(w, 2, &m2));
        TRY(tls_wr_bytes(w, cl->shares[i].pub, cl->shares[i].pub_len));
        TRY(tls_wr_close(w, 2, m2));
    }
    return tls_wr_close(w, 2, m);
}

/*
 * struct {
 *     ProtocolVersion legacy_version = 0x0303;
 *     Random random;
 *     opaque legacy_session_id<0..32>;
 *     CipherSuite cipher_suites<2..2^16-2>;
 *     opaque legacy_compression_methods<1..2^8-1>;
 *     Extension extensions<8..2^16-1>;
 * } ClientHello;
 */
static int write_client_hello(tls_conn *c, tls_writer *w)
{
    struct tls13_client *cl = c->cl;
    const tls_config *cfg = c->cfg;
    size_t msg, exts, m, m2;
    cl->offered = 0;
    TRY(tls_wr_u8(w, TLS_HS_CLIENT_HELLO));
    TRY(tls_wr_open(w, 3, &msg));
    TRY(tls_wr_u16(w, TLS_V12));
    TRY(tls_wr_bytes(w, c->client_random, 32));
    TRY(tls_wr_u8(w, (uint8_t)cl->session_id_len));
    TRY(tls_wr_bytes(w, cl->session_id, cl->session_id_len));
    TRY(tls_wr_open(w, 2, &m));
    for (size_t i = 0; i < cl->n_suites; i++)
        TRY(tls_wr_u16(w, cl->suites[i]));
    /* RFC 5746 3.3: TLS_EMPTY_RENEGOTIATION_INFO_SCSV, as OpenSSL sends it
     * (also when only TLS 1.3 is offered: its servers then report secure
     * renegotiation support, as s_server prints). */
    TRY(tls_wr_u16(w, TLS_SUITE_EMPTY_RENEGOTIATION_INFO_SCSV));
    TRY(tls_wr_close(w, 2, m));
    /* RFC 3749: DEFLATE before null when compression is allowed (TLS 1.2). */
    if (cl->offer12 && (cfg->flags & TLS_CFG_COMPRESSION)) {
        TRY(tls_wr_u8(w, 2));
        TRY(tls_wr_u8(w, 1));
    } else {
        TRY(tls_wr_u8(w, 1));
    }
    TRY(tls_wr_u8(w, 0));
    TRY(tls_wr_open(w, 2, &exts));
    TRY(tls_cext_write(c, TLS_EXTCTX_CLIENT_HELLO, NULL, 0, w));

    /* RFC 6066 3: HostName only, and "Literal IPv4 and IPv6 addresses are
     * not permitted in HostName". */
    if (cfg->server_name && cfg->server_name[0] && !is_ip_literal(cfg->server_name)) {
        size_t nl = strlen(cfg->server_name);
        if (nl > 255)
            return TLS_FAIL(TLS_AD_INTERNAL_ERROR, TLS_R_BAD_EXTENSION);
        TRY(ext_open(w, cl, TLS_EXT_SERVER_NAME, &m));
        TRY(tls_wr_open(w, 2, &m2));
        TRY(tls_wr_u8(w, 0));
        TRY(tls_wr_u16(w, (uint16_t)nl));
        TRY(tls_wr_bytes(w, cfg->server_name, nl));
        TRY(tls_wr_close(w, 2, m2));
        TRY(tls_wr_close(w, 2, m));
    }
    TRY(tls_mfl_write_offer(c, w, &cl->offered));
    if (cl->offer12)
        TRY(tls12_client_write_exts(c, w, cl->cbc_offered, &cl->offered));
    /* RFC 6066 8: ask for the server's OCSP response. */
    if (tls_ocsp_client_wants(cfg)) {
        TRY(ext_open(w, cl, TLS_EXT_STATUS_REQUEST, &m));
        TRY(tls_ocsp_write_request(cfg, w));
        TRY(tls_wr_close(w, 2, m));
    }
    /* A TLS 1.2-only ClientHello has no supported_versions (RFC 8446 4.2.1). */
    if (cl->offer13) {
        TRY(ext_open(w, cl, TLS_EXT_SUPPORTED_VERSIONS, &m));
        TRY(tls_wr_u8(w, cl->offer12 ? 4 : 2));
        TRY(tls_wr_u16(w, TLS_V13));
        if (cl->offer12)
            TRY(tls_wr_u16(w, TLS_V12));
        TRY(tls_wr_close(w, 2, m));
    }

    TRY(ext_open(w, cl, TLS_EXT_SUPPORTED_GROUPS, &m));
    TRY(tls_wr_open(w, 2, &m2));
    for (size_t i = 0; i < cl->n_groups; i++)
        TRY(tls_wr_u16(w, cl->groups[i]));
    TRY(tls_wr_close(w, 2, m2));
    TRY(tls_wr_close(w, 2, m));

    if (cl->offer13) {
        TRY(ext_open(w, cl, TLS_EXT_KEY_SHARE, &m));
        TRY(write_key_shares(c, cl, w));
        TRY(tls_wr_close(w, 2, m));
    }

    TRY(ext_open(w, cl, TLS_EXT_SIGNATURE_ALGORITHMS, &m));
    TRY(tls_wr_open(w, 2, &m2));
    for (size_t i = 0; i < cl->n_sigalgs; i++)
        TRY(tls_wr_u16(w, cl->sigalgs[i]));
    TRY(tls_wr_close(w, 2, m2));
    TRY(tls_wr_close(w, 2, m));

    if (cl->offer13) {
        TRY(ext_open(w, cl, TLS_EXT_PSK_KEX_MODES, &m));
        TRY(tls_wr_u8(w, 1));
        TRY(tls_wr_u8(w, 1)); /* psk_dhe_ke */
        TRY(tls_wr_close(w, 2, m));
    }

    /* RFC 8446 4.2.6: we accept a CertificateRequest after the handshake. */
    if (cfg->flags & TLS_CFG_POST_HANDSHAKE_AUTH) {
        TRY(ext_open(w, cl, TLS_EXT_POST_HANDSHAKE_AUTH, &m));
        TRY(tls_wr_close(w, 2, m));
    }

    if (cfg->alpn && cfg->alpn_len) {
        TRY(ext_open(w, cl, TLS_EXT_ALPN, &m));
        TRY(tls_wr_open(w, 2, &m2));
        TRY(tls_wr_bytes(w, cfg->alpn, cfg->alpn_len));
        TRY(tls_wr_close(w, 2, m2));
        TRY(tls_wr_close(w, 2, m));
    }
    if (cl->cookie) {
        TRY(ext_open(w, cl, TLS_EXT_COOKIE, &m));
        TRY(tls_wr_open(w, 2, &m2));
        TRY(tls_wr_bytes(w, cl->cookie, cl->cookie_len));
        TRY(tls_wr_close(w, 2, m2));
        TRY(tls_wr_close(w, 2, m));
    }
    /* RFC 8446 4.2.10: early_data (empty) in the first ClientHello only. */
    if (c->psk.early_phase == TLS_EPH_OFFER && !cl->hrr_seen) {
        TRY(ext_open(w, cl, TLS_EXT_EARLY_DATA, &m));
        TRY(tls_wr_close(w, 2, m));
    }
    /* RFC 8446 4.2.11: pre_shared_key MUST be the last extension. */
    if (c->psk.offered) {
        TRY(ext_open(w, cl, TLS_EXT_PRE_SHARED_KEY, &m));
        TRY(tls13_psk_client_write(c, w));
        TRY(tls_wr_close(w, 2, m));
    }
    TRY(tls_wr_close(w, 2, exts));
    TRY(tls_wr_close(w, 3, msg));
    if (c->psk.offered)
        TRY(tls13_psk_client_bind(c, &cl->th, w));
    return 0;
}

static int send_client_hello(tls_conn *c)
{
    tls_writer w;
    tls_wr_init(&w);
    int rc = write_client_hello(c, &w);
    if (rc == 0 && w.failed)
        rc = TLS_ERR_INTERNAL;
    if (rc == 0)
        rc = th_add(c, w.buf, w.len);
    if (rc == 0)
        rc = tls_conn_send_hs(c, w.buf, w.len);
    tls_wr_free(&w);
    return rc;
}

/* The schemes of src the library context can use (OpenSSL leaves out
 * those whose hash or key type its providers lack). */
static size_t copy_sigalgs(const tls_conn *c, uint16_t *dst, const uint16_t *src, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k < MAX_LIST; i++)
        if (tls_crypto_sigalg_available(c->cr, src[i]))
            dst[k++] = src[i];
    return k;
}

int tls13_client_start(tls_conn *c)
{
    const tls_config *cfg = c->cfg;
    int offer13 = tls12_client_wants13(cfg), offer12 = tls12_client_wants12(cfg);
    /* Nothing to offer: the peer is told, as by OpenSSL 3.0. */
    if (!offer13 && !offer12)
        return TLS_FAIL(TLS_AD_PROTOCOL_VERSION, TLS_R_NO_PROTOCOLS_AVAILABLE);
    struct tls13_client *cl = calloc(1, sizeof(*cl));
    if (!cl)
        return TLS_ERR_INTERNAL;
    c->cl = cl;
    tls_transcript_init(&cl->th);

    const uint16_t *l = cfg->tls13_suites;
    size_t n = cfg->n_tls13_suites;
    uint16_t defaults[TLS_MAX_DEFAULT_SUITES];
    if (!n) {
        n = tls_default_suites(TLS_V13, defaults, TLS_MAX_DEFAULT_SUITES);
        l = defaults;
    }
    for (size_t i = 0; offer13 && i < n && cl->n_suites < MAX_LIST; i++) {
        const tls_suite *s = tls_suite_get(c->cr, l[i]);
        if (s && s->info && s->info->min_version == TLS_V13 && s->cipher &&
            !tls_u16s_has(cl->suites, cl->n_suites, l[i]))
            cl->suites[cl->n_suites++] = l[i];
    }
    cl->offer13 = cl->n_suites > 0;
    cl->n_suites13 = cl->n_suites;
    /* TLS 1.2 suites follow the TLS 1.3 ones (tls12_client.c). */
    if (offer12) {
        size_t n12 = tls12_client_suites(cfg, cl->suites + cl->n_suites, MAX_LIST - cl->n_suites);
        for (size_t i = 0; i < n12; i++) {
            const tls12_suite *s12 = tls12_suite_get(c->cr, cl->suites[cl->n_suites + i]);
            cl->cbc_offered |= s12->cbc;
        }
        cl->n_suites += n12;
        cl->offer12 = n12 > 0;
    }
    if (!cl->n_suites)
        return TLS_FAIL(TLS_AD_NONE, TLS_R_NO_CIPHERS_AVAILABLE);

    l = cfg->groups;
    n = cfg->n_groups;
    if (!n)
        l = tls_default_groups(&n);
    for (size_t i = 0; i < n && cl->n_groups < MAX_LIST; i++)
        if (tls_crypto_group_available(c->cr, l[i]) &&
            !tls_u16s_has(cl->groups, cl->n_groups, l[i]))
            cl->groups[cl->n_groups++] = l[i];
    if (!cl->n_groups)
        return TLS_FAIL(TLS_AD_NONE, TLS_R_NO_SHARED_GROUPS);

    if (cfg->n_sigalgs)
        cl->n_sigalgs = copy_sigalgs(c, cl->sigalgs, cfg->sigalgs, cfg->n_sigalgs);
    else {
        l = tls_default_sigalgs(&n);
        cl->n_sigalgs = copy_sigalgs(c, cl->sigalgs, l, n);
    }

    TRY(tls13_psk_client_setup(c, cl->suites, cl->n_suites13));

    size_t shares = cfg->n_key_shares ? cfg->n_key_shares : 1;
    for (size_t i = 0; cl->offer13 && i < shares && i < cl->n_groups; i++)
        TRY(add_share(cl, cl->groups[i]));

    TRY(tls_random(c->cr, c->client_random, 32));
    const tls_session_state *st = cfg->resume;
    if (cl->offer12 && st && st->version == TLS_V12 && !cfg->resume_ticket_len &&
        st->session_id_len > 0 && st->session_id_len <= 32) {
        /* RFC 5246 7.4.1.2: resume by session id. */
        cl->session_id_len = st->session_id_len;
        memcpy(cl->session_id, st->session_id, st->session_id_len);
    } else if ((cl->offer13 && !(cfg->flags & TLS_CFG_NO_MIDDLEBOX_COMPAT)) ||
               (cl->offer12 && st && st->version == TLS_V12 && cfg->resume_ticket_len)) {
        /* RFC 8446 D.4: middlebox compatibility mode uses a non-empty
         * session id; RFC 5077 3.4: with a ticket, a random one whose echo
         * tells that the server resumes. */
        cl->session_id_len = 32;
        TRY(tls_random(c->cr, cl->session_id, 32));
    }
    /* RFC 8446 5.1: 0x0301 in the first ClientHello's record header. */
    c->wr.version = 0x0301;
    TRY(send_client_hello(c));
    c->wr.version = 0x0303;
    TRY(tls13_early_client_start(c, &cl->th));
    cl->state = CS_WAIT_SH;
    return 0;
}

/* ---------------------------------------------------------------------
 * ServerHello / HelloRetryRequest.
 */
/* RFC 8446 D.4: in compatibility mode one CCS precedes our second flight,
 * which after a HelloRetryRequest starts with the second ClientHello (where
 * OpenSSL sends it too). */
static int send_compat_ccs(tls_conn *c)
{
    static const uint8_t ccs = 1;
    if ((c->cfg->flags & TLS_CFG_NO_MIDDLEBOX_COMPAT) || c->psk.ccs_sent)
        return 0;
    tls_conn_state(c, TLS_STATE_WRITE | TLS_STATE_CCS);
    TRY(tls_conn_send(c, TLS_CT_CHANGE_CIPHER_SPEC, &ccs, 1));
    c->psk.ccs_sent = 1;
    if (c->cfg->msg)
        c->cfg->msg(c->cfg->cb_arg, 1, TLS_V13, TLS_CT_CHANGE_CIPHER_SPEC, &ccs, 1);
    return 0;
}

static int on_hrr(tls_conn *c, const tls_suite *s, tls_ext_block *eb, const uint8_t *msg,
                  size_t len)
{
    struct tls13_client *cl = c->cl;
    /* RFC 8446 4.1.4: a second HelloRetryRequest is unexpected_message. */
    if (cl->hrr_seen)
        return TLS_FAIL(TLS_AD_UNEXPECTED_MESSAGE, TLS_R_UNEXPECTED_MESSAGE);
    cl->hrr_seen = 1;
    c->did_hrr = 1;
    tls_ext *ks = tls_ext_find(eb, TLS_EXT_KEY_SHARE);
    tls_ext *ck = tls_ext_find(eb, TLS_EXT_COOKIE);
    /* RFC 8446 4.1.4: an HRR that would not change the ClientHello is
     * illegal_parameter. */
    if (!ks && !ck)
        return TLS_FAIL(TLS_AD_ILLEGAL_PARAMETER, TLS_R_BAD_EXTENSION);
    if (ks) {
        /* struct { NamedGroup selected_group; } KeyShareHelloRetryRequest; */
        uint16_t g;
        TRY(tls_rd_u16(&ks->body, &g));
        TRY(tls_rd_done(&ks->body));
        /* RFC 8446 4.2.8: the group must be one we offered, and not one we
         * already sent a share for. */
        if (!tls_u16s_has(cl->groups, cl->n_groups, g))
            return TLS_FAIL(TLS_AD_ILLEGAL_PARAMETER, TLS_R_BAD_KEY_SHARE);
        for (size_t i = 0; i < cl->n_shares; i++)
            if (cl->shares[i].group == g)
                return TLS_FAIL(TLS_AD_ILLEGAL_PARAMETER, TLS_R_BAD_KEY_SHARE);
        free_shares(cl);
        TRY(add_share(cl, g));
    }
    if (ck) {
        /* struct { opaque cookie<1..2^16-1>; } Cookie; */
        tls_reader v;
        TRY(tls_rd_vec_bounded(&ck->body, 2, 1, 0xffff, &v));
        TRY(tls_rd_done(&ck->body));
        cl->cookie = malloc(tls_rd_left(&v));
        if (!cl->cookie)
            return TLS_ERR_INTERNAL;
        cl->cookie_len = tls_rd_left(&v);
        TRY(tls_rd_copy(&v, cl->cookie, cl->cookie_len));
    }
    cl->hrr_suite = s->id;
    TRY(tls13_psk_client_hrr(c, s));
    /* RFC 8446 4.4.1: the transcript restarts with message_hash(CH1). */
    TRY(tls_transcript_set_md(&cl->th, s->md));
    TRY(tls_transcript_hrr(&cl->th));
    TRY(th_add(c, msg, len));
    TRY(send_compat_ccs(c));
    return send_client_hello(c);
}

/*
 * struct {
 *     ProtocolVersion legacy_version = 0x0303;
 *     Random random;
 *     opaque legacy_session_id_echo<0..32>;
 *     CipherSuite cipher_suite;
 *     uint8 legacy_compression_method = 0;
 *     Extension extensions<6..2^16-1>;
 * } ServerHello;
 */
static int on_server_hello(tls_conn *c, const uint8_t *msg, size_t len)
{
    struct tls13_client *cl = c->cl;
    tls_reader r, sid, exts;
    uint16_t legacy_version, suite_id;
    uint8_t random[32], comp;
    tls_ext_block eb;
    tls_rd_init(&r, msg + 4, len - 4);
    TRY(tls_rd_u16(&r, &legacy_version));
    TRY(tls_rd_copy(&r, random, 32));
    TRY(tls_rd_vec_bounded(&r, 1, 0, 32, &sid));
    TRY(tls_rd_u16(&r, &suite_id));
    TRY(tls_rd_u8(&r, &comp));
    int is_hrr = memcmp(random, hrr_random, 32) == 0;
    if (tls_rd_left(&r) == 0) {
        /* A hello without extensions can only be TLS 1.2 or older. */
        memset(&exts, 0, sizeof(exts));
    } else {
        TRY(tls_rd_vec(&r, 2, &exts));
    }
    TRY(tls_rd_done(&r));
    /* No supported_versions: TLS 1.2 (RFC 8446 4.1.3), if we offered it;
     * its extensions are tls12_client.c's to check. */
    if (cl->offer12 && !cl->hrr_seen && tls12_client_sh_is_tls12(msg, len)) {
        tls12_client_offer o = {&cl->th,        cl->offered,        cl->suites,  cl->n_suites,
                                cl->groups,     cl->n_groups,       cl->sigalgs, cl->n_sigalgs,
                                cl->session_id, cl->session_id_len, cl->offer13};
        TRY(tls13_early_client_tls12(c));
        TRY(tls12_client_server_hello(c, &o, msg, len));
        tls13_client_free(c);
        return 0;
    }
    /* RFC 8446 4.2.2: a cookie is the server's to introduce in an HRR. */
    uint64_t allowed = cl->offered;
    if (is_hrr)
        allowed |= 1ull << tls_ext_index(TLS_EXT_COOKIE);
    tls_reader all_exts = exts;
    unsigned cctx = is_hrr ? TLS_EXTCTX_TLS1_3_HELLO_RETRY_REQUEST : TLS_EXTCTX_TLS1_3_SERVER_HELLO;
    TRY(tls_cext_ext_parse(c, &exts, is_hrr ? TLS_EXTM_HRR : TLS_EXTM_SH, allowed, 1, cctx, &eb));

    tls_ext *sv = tls_ext_find(&eb, TLS_EXT_SUPPORTED_VERSIONS);
    if (!sv) {
        /* We offered TLS 1.3 only: a version outside our range is
         * protocol_version, checked before any downgrade sentinel (as
         * OpenSSL's ssl_choose_client_version does; the sentinel matters
         * only to a client that would accept the lower version, and that
         * one is the TLS 1.2 client). */
        return TLS_FAIL(TLS_AD_PROTOCOL_VERSION, TLS_R_UNSUPPORTED_PROTOCOL);
    }
    uint16_t selected;
    TRY(tls_rd_u16(&sv->body, &selected));
    TRY(tls_rd_done(&sv->body));
    /* RFC 8446 4.2.1: a version we did not offer is illegal_parameter. */
    if (selected != TLS_V13)
        return TLS_FAIL(TLS_AD_ILLEGAL_PARAMETER, TLS_R_BAD_PROTOCOL_VERSION_NUMBER);
    /* RFC 8446 4.1.3: legacy_version is 0x0303 in TLS 1.3. */
    if (legacy_version != TLS_V12)
        return TLS_FAIL(TLS_AD_PROTOCOL_VERSION, TLS_R_BAD_LEGACY_VERSION);
    /* RFC 8446 4.1.3: the session id must echo ours. */
    if (tls_rd_left(&sid) != cl->session_id_len ||
        (cl->session_id_len && memcmp(sid.p + sid.off, cl->session_id, cl->session_id_len) != 0))
        return TLS_FAIL(TLS_AD_ILLEGAL_PARAMETER, TLS_R_INVALID_SESSION_ID);
    /* RFC 8446 4.1.3: a suite we did not offer is illegal_parameter. */
    const tls_suite *s = tls_suite_get(c->cr, suite_id);
    if (!s || s->info == NULL || s->info->min_version != TLS_V13)
        return TLS_FAIL(TLS_AD_ILLEGAL_PARAMETER, TLS_R_UNKNOWN_CIPHER_RETURNED);
    if (!tls_u16s_has(cl->suites, cl->n_suites, suite_id))
        return TLS_FAIL(TLS_AD_ILLEGAL_PARAMETER, TLS_R_WRONG_CIPHER_RETURNED);
    /* RFC 8446 4.1.4: the ServerHello after an HRR keeps the HRR's suite. */
    if (cl->hrr_seen && suite_id != cl->hrr_suite)
        return TLS_FAIL(TLS_AD_ILLEGAL_PARAMETER, TLS_R_WRONG_CIPHER_RETURNED);
    /* RFC 8446 4.1.3: legacy_compression_method MUST be 0. */
    if (comp != 0)
        return TLS_FAIL(TLS_AD_ILLEGAL_PARAMETER, TLS_R_UNSUPPORTED_COMPRESSION_ALGORITHM);
    c->version = TLS_V13;

    if (is_hrr) {
        TRY(tls_cext_parse(c, cctx, all_exts, NULL, 0));
        return on_hrr(c, s, &eb, msg, len);
    }
    memcpy(c->server_random, random, 32);
    c->suite = s;
    TRY(tls13_psk_client_server_hello(c, tls_ext_find(&eb, TLS_EXT_PRE_SHARED_KEY), s));
    TRY(tls_cext_parse(c, cctx, all_exts, NULL, 0));

    /* struct { KeyShareEntry server_share; } KeyShareServerHello; */
    tls_ext *ks = tls_ext_find(&eb, TLS_EXT_KEY_SHARE);
    if (!ks)
        return TLS_FAIL(TLS_AD_MISSING_EXTENSION, TLS_R_NO_SUITABLE_KEY_SHARE);
    uint16_t group;
    tls_reader kx;
    TRY(tls_rd_u16(&ks->body, &group));
    TRY(tls_rd_vec_bounded(&ks->body, 2, 1, 0xffff, &kx));
    TRY(tls_rd_done(&ks->body));
    EVP_PKEY *priv = NULL;
    for (size_t i = 0; i < cl->n_shares; i++)
        if (cl->shares[i].group == group)
            priv = cl->shares[i].priv;
    /* RFC 8446 4.2.8: the server's group must be one we sent a share for. */
    if (!priv)
        return TLS_FAIL(TLS_AD_ILLEGAL_PARAMETER, TLS_R_BAD_KEY_SHARE);
    uint8_t shared[TLS_MAX_SHARED_SECRET];
    size_t shared_len;
    const uint8_t *peer;
    size_t peer_len = tls_rd_left(&kx);
    TRY(tls_rd_bytes(&kx, peer_len, &peer));
    TRY(tls_kex_derive_keep(c->cr, group, priv, peer, peer_len, shared, &shared_len,
                            &c->peer_tmp_key));
    c->group = group;
    free_shares(cl);

    uint8_t th[TLS_MAX_HASH];
    int rc = 0;
    if (!cl->hrr_seen)
        rc = tls_transcript_set_md(&cl->th, s->md);
    if (rc == 0)
        rc = th_add(c, msg, len);
    if (rc == 0)
        rc = th_hash(c, th);
    if (rc == 0)
        rc = tls_ks_init(&c->ks, s->cr, s->md);
    if (rc == 0 && c->psk.accepted)
        rc = tls_ks_early(&c->ks, c->psk.key, c->psk.key_len);
    if (rc == 0)
        rc = tls_ks_handshake(&c->ks, shared, shared_len, th);
    OPENSSL_cleanse(shared, sizeof(shared));
    TRY(rc);
    TRY(tls_conn_set_secret(c, 0, c->ks.server_hs));
    TRY(tls13_early_client_after_sh(c));
    tls_conn_keylog(c, "CLIENT_HANDSHAKE_TRAFFIC_SECRET", c->ks.client_hs, s->hash_len);
    tls_conn_keylog(c, "SERVER_HANDSHAKE_TRAFFIC_SECRET", c->ks.server_hs, s->hash_len);
    cl->state = CS_WAIT_EE;
    return 0;
}

/* ---------------------------------------------------------------------
 * EncryptedExtensions.
 *
 * struct { Extension extensions<0..2^16-1>; } EncryptedExtensions;
 */
static int on_encrypted_extensions(tls_conn *c, const uint8_t *msg, size_t len)
{
    struct tls13_client *cl = c->cl;
    tls_reader r, exts;
    tls_ext_block eb;
    int early = 0;
    tls_rd_init(&r, msg + 4, len - 4);
    TRY(tls_rd_vec(&r, 2, &exts));
    TRY(tls_rd_done(&r));
    tls_reader all_exts = exts;
    TRY(tls_cext_ext_parse(c, &exts, TLS_EXTM_EE, cl->offered, 1,
                           TLS_EXTCTX_TLS1_3_ENCRYPTED_EXTENSIONS, &eb));
    for (size_t i = 0; i < eb.n; i++) {
        tls_ext *e = &eb.ext[i];
        switch (e->type) {
        case TLS_EXT_SERVER_NAME:
            /* RFC 6066 3: the server's acknowledgement is empty. */
            TRY(tls_rd_done(&e->body));
            break;
        case TLS_EXT_SUPPORTED_GROUPS: {
            /* The server's preference, for later connections; only checked. */
            tls_reader l;
            TRY(tls_rd_vec_bounded(&e->body, 2, 2, 0xffff, &l));
            TRY(tls_rd_done(&e->body));
            if (tls_rd_left(&l) % 2)
                return TLS_ERR_DECODE;
            break;
        }
        case TLS_EXT_ALPN:
            TRY(tls_ext_alpn_reply(c, &e->body));
            break;
        case TLS_EXT_MAX_FRAGMENT_LENGTH:
            TRY(tls_mfl_client_echo(c, &e->body));
            break;
        case TLS_EXT_EARLY_DATA:
            /* RFC 8446 4.2.10: empty in EncryptedExtensions. */
            TRY(tls_rd_done(&e->body));
            early = 1;
            break;
        default:
            /* Offered by us but not answered here by RFC 8446 4.2. */
            return TLS_FAIL(TLS_AD_ILLEGAL_PARAMETER, TLS_R_BAD_EXTENSION);
        }
    }
    TRY(tls_cext_parse(c, TLS_EXTCTX_TLS1_3_ENCRYPTED_EXTENSIONS, all_exts, NULL, 0));
    TRY(tls13_early_client_ee(c, early));
    TRY(th_add(c, msg, len));
    /* RFC 8446 4.3.2: no CertificateRequest, and no server Certificate, in
     * a PSK handshake. */
    cl->state = c->psk.accepted ? CS_WAIT_FIN : CS_WAIT_CERT_CR;
    return 0;
}

/* ---------------------------------------------------------------------
 * CertificateRequest.
 *
 * struct {
 *     opaque certificate_request_context<0..2^8-1>;
 *     Extension extensions<2..2^16-1>;
 * } CertificateRequest;
 */
static int parse_certificate_request(tls_conn *c, const uint8_t *msg, size_t len, int post)
{
    struct tls13_client *cl = c->cl;
    tls_reader r, ctx, exts, l;
    tls_ext_block eb;
    tls_rd_init(&r, msg + 4, len - 4);
    /* Framing errors carry OpenSSL's reasons: a context or trailing bytes
     * that do not fit the message, length_mismatch; an extensions block
     * that does not, bad_length. */
    if (tls_rd_vec_bounded(&r, 1, 0, 255, &ctx) < 0)
        return TLS_FAIL(TLS_AD_DECODE_ERROR, TLS_R_LENGTH_MISMATCH);
    if (tls_rd_vec_bounded(&r, 2, 2, 0xffff, &exts) < 0)
        return TLS_FAIL(TLS_AD_DECODE_ERROR, TLS_R_BAD_LENGTH);
    if (tls_rd_done(&r) < 0)
        return TLS_FAIL(TLS_AD_DECODE_ERROR, TLS_R_LENGTH_MISMATCH);
    /* RFC 8446 4.3.2: in the main handshake the context is empty; after
     * it, the context names the exchange and our answer echoes it. */
    if (tls_rd_left(&ctx) != 0 && !post)
        return TLS_FAIL(TLS_AD_ILLEGAL_PARAMETER, TLS_R_INVALID_CONTEXT);
    cl->cr_ctx_len = tls_rd_left(&ctx);
    TRY(tls_rd_copy(&ctx, cl->cr_ctx, cl->cr_ctx_len));
    tls_reader all_exts = exts;
    TRY(tls_cext_ext_parse(c, &exts, TLS_EXTM_CR, 0, 0, TLS_EXTCTX_TLS1_3_CERTIFICATE_REQUEST,
                           &eb));
    tls_ext *cas = tls_ext_find(&eb, TLS_EXT_CERTIFICATE_AUTHORITIES);
    if (cas)
        TRY(tls13_auth_keep_ca_names(c, &cas->body));
    tls_ext *sa = tls_ext_find(&eb, TLS_EXT_SIGNATURE_ALGORITHMS);
    /* RFC 8446 4.3.2: signature_algorithms MUST be present. */
    if (!sa)
        return TLS_FAIL(TLS_AD_MISSING_EXTENSION, TLS_R_MISSING_SIGALGS_EXTENSION);
    TRY(tls_rd_vec_bounded(&sa->body, 2, 2, 0xfffe, &l));
    TRY(tls_rd_done(&sa->body));
    if (tls_rd_left(&l) % 2)
        return TLS_ERR_DECODE;
    cl->n_cr_sigalgs = 0;
    while (tls_rd_left(&l) > 0) {
        uint16_t v;
        TRY(tls_rd_u16(&l, &v));
        if (cl->n_cr_sigalgs < MAX_LIST)
            cl->cr_sigalgs[cl->n_cr_sigalgs++] = v;
    }
    TRY(tls_conn_keep_peer_cr_sigalgs(c, cl->cr_sigalgs, cl->n_cr_sigalgs));
    TRY(tls_cext_parse(c, TLS_EXTCTX_TLS1_3_CERTIFICATE_REQUEST, all_exts, NULL, 0));
    cl->cert_requested = 1;
    return 0;
}

static int on_certificate_request(tls_conn *c, const uint8_t *msg, size_t len)
{
    TRY(parse_certificate_request(c, msg, len, 0));
    TRY(th_add(c, msg, len));
    c->cl->state = CS_WAIT_CERT;
    return 0;
}

/* ---------------------------------------------------------------------
 * Certificate (the server's).
 *
 * struct {
 *     opaque cert_data<1..2^24-1>;
 *     Extension extensions<0..2^16-1>;
 * } CertificateEntry;
 * struct {
 *     opaque certificate_request_context<0..2^8-1>;
 *     CertificateEntry certificate_list<0..2^24-1>;
 * } Certificate;
 */
static int parse_chain(tls_conn *c, tls_reader *list, STACK_OF(X509) * chain)
{
    while (tls_rd_left(list) > 0) {
        tls_reader data, exts;
        tls_ext_block eb;
        TRY(tls_rd_vec_bounded(list, 3, 1, 0xffffff, &data));
        TRY(tls_rd_vec(list, 2, &exts));
        /* Per-certificate extensions answer ours (RFC 8446 4.4.2): only
         * status_request can be solicited (besides the application's own,
         * tls_cext_parse below). */
        tls_reader all_exts = exts;
        TRY(tls_cext_ext_parse(c, &exts, TLS_EXTM_CT, c->cl->offered, 1,
                               TLS_EXTCTX_TLS1_3_CERTIFICATE, &eb));
        /* RFC 8446 4.4.2.1: the leaf's carries its OCSP response; others
         * are ignored, as OpenSSL does. */
        tls_ext *st = tls_ext_find(&eb, TLS_EXT_STATUS_REQUEST);
        if (st && sk_X509_num(chain) == 0)
            TRY(tls_ocsp_read_status(c, &st->body));
        size_t n = tls_rd_left(&data);
        const uint8_t *p, *q;
        TRY(tls_rd_bytes(&data, n, &p));
        q = p;
        X509 *x = tls_x509_d2i(c->cr, &q, n);
        if (!x)
            return TLS_FAIL(TLS_AD_BAD_CERTIFICATE, TLS_R_BAD_PACKET);
        if ((size_t)(q - p) != n) {
            X509_free(x);
            return TLS_FAIL(TLS_AD_DECODE_ERROR, TLS_R_CERT_LENGTH_MISMATCH);
        }
        if (!sk_X509_push(chain, x)) {
            X509_free(x);
            return TLS_ERR_INTERNAL;
        }
        TRY(tls_cext_parse(c, TLS_EXTCTX_TLS1_3_CERTIFICATE, all_exts, x,
                           (size_t)sk_X509_num(chain) - 1));
    }
    return 0;
}

static int on_certificate(tls_conn *c, const uint8_t *msg, size_t len)
{
    struct tls13_client *cl = c->cl;
    tls_reader r, ctx, list;
    tls_rd_init(&r, msg + 4, len - 4);
    TRY(tls_rd_vec_bounded(&r, 1, 0, 255, &ctx));
    TRY(tls_rd_vec(&r, 3, &list));
    TRY(tls_rd_done(&r));
    /* RFC 8446 4.4.2: for server authentication the context is empty. */
    if (tls_rd_left(&ctx) != 0)
        return TLS_FAIL(TLS_AD_ILLEGAL_PARAMETER, TLS_R_INVALID_CONTEXT);
    /* RFC 8446 4.4.2.4: an empty server Certificate is decode_error. */
    if (tls_rd_left(&list) == 0)
        return TLS_FAIL(TLS_AD_DECODE_ERROR, TLS_R_NO_CERTIFICATES_RETURNED);
    STACK_OF(X509) *chain = sk_X509_new_null();
    if (!chain)
        return TLS_ERR_INTERNAL;
    int rc = parse_chain(c, &list, chain);
    if (rc < 0) {
        sk_X509_pop_free(chain, X509_free);
        return rc;
    }
    if (c->peer_chain)
        sk_X509_pop_free(c->peer_chain, X509_free);
    c->peer_chain = chain;
    if (!X509_get0_pubkey(sk_X509_value(chain, 0)))
        return TLS_FAIL(TLS_AD_BAD_CERTIFICATE, TLS_R_UNKNOWN_CERTIFICATE_TYPE);
    if (c->cfg->verify_chain) {
        /* An error, or TLS_WANT_CALLBACK: suspended, this message runs
         * again from its start (all above is idempotent). */
        rc = TLS_NOTE(c->cfg->verify_chain(c->cfg->cb_arg, chain));
        if (rc != 0)
            return rc;
    }
    TRY(th_add(c, msg, len));
    cl->state = CS_WAIT_CV;
    return 0;
}

/* ---------------------------------------------------------------------
 * CertificateVerify.
 *
 * struct {
 *     SignatureScheme algorithm;
 *     opaque signature<0..2^16-1>;
 * } CertificateVerify;
 */
static int on_certificate_verify(tls_conn *c, const uint8_t *msg, size_t len)
{
    struct tls13_client *cl = c->cl;
    tls_reader r, sig;
    uint16_t scheme;
    tls_rd_init(&r, msg + 4, len - 4);
    TRY(tls_rd_u16(&r, &scheme));
    TRY(tls_rd_vec(&r, 2, &sig));
    TRY(tls_rd_done(&r));
    /* RFC 8446 4.4.3: the scheme must be one we offered and valid for
     * TLS 1.3 (no PKCS#1 v1.5, no SHA-1). */
    const tls_sigalg *sa = tls_sigalg_get(scheme);
    if (!tls_u16s_has(cl->sigalgs, cl->n_sigalgs, scheme) || !sa || !sa->tls13)
        return TLS_FAIL(TLS_AD_ILLEGAL_PARAMETER, TLS_R_WRONG_SIGNATURE_TYPE);
    c->peer_sigalg = scheme; /* kept if the signature is bad, as by OpenSSL */
    EVP_PKEY *key = X509_get0_pubkey(sk_X509_value(c->peer_chain, 0));
    uint8_t th[TLS_MAX_HASH], tbs[TLS13_CV_CONTENT_MAX];
    size_t tbs_len;
    TRY(th_hash(c, th));
    tls13_cv_content(1, th, c->suite->hash_len, tbs, &tbs_len);
    size_t n = tls_rd_left(&sig);
    const uint8_t *p;
    TRY(tls_rd_bytes(&sig, n, &p));
    TRY(tls_sig_verify(c->cr, scheme, key, 1, tbs, tbs_len, p, n));
    TRY(th_add(c, msg, len));
    cl->state = CS_WAIT_FIN;
    return 0;
}

/* ---------------------------------------------------------------------
 * Our second flight.
 */
static int pick_sigalg(tls_conn *c, uint16_t *out)
{
    struct tls13_client *cl = c->cl;
    /* SSL_CTX_set1_client_sigalgs, if set, decides what we sign with. */
    const uint16_t *ours = c->cfg->n_client_sigalgs ? c->cfg->client_sigalgs : cl->sigalgs;
    size_t n_ours = c->cfg->n_client_sigalgs ? c->cfg->n_client_sigalgs : cl->n_sigalgs;
    for (size_t i = 0; i < cl->n_cr_sigalgs; i++) {
        uint16_t s = cl->cr_sigalgs[i];
        const tls_sigalg *sa = tls_sigalg_get(s);
        if (sa && sa->tls13 && tls_u16s_has(ours, n_ours, s) &&
            tls_sigalg_key_ok(s, c->cfg->key, 1)) {
            *out = s;
            return 0;
        }
    }
    return TLS_FAIL(TLS_AD_HANDSHAKE_FAILURE, TLS_R_NO_SUITABLE_SIGNATURE_ALGORITHM);
}

/* Build, hash and send one handshake message held in w. */
static int flush_msg(tls_conn *c, tls_writer *w)
{
    if (w->failed)
        return TLS_ERR_INTERNAL;
    TRY(th_add(c, w->buf, w->len));
    TRY(tls_conn_send_hs(c, w->buf, w->len));
    tls_wr_reset(w);
    return 0;
}

static int client_auth(tls_conn *c, tls_writer *w)
{
    struct tls13_client *cl = c->cl;
    const tls_config *cfg = c->cfg;
    /* The application may pick a certificate now (it sees the request's
     * certificate authorities through tls_conn_peer_ca_names). */
    if (cfg->client_cert && !cl->cert_hook_done)
        TRY(cfg->client_cert(cfg->cb_arg, c));
    cl->cert_hook_done = 0;
    int have = cfg->cert && cfg->key;
    uint16_t scheme = 0;
    if (have && pick_sigalg(c, &scheme) < 0)
        have = 0; /* no usable scheme: answer with an empty Certificate */
    if (tls_cext_any(c))
        TRY(tls_cext_write_certificate(c, w, cl->cr_ctx, cl->cr_ctx_len, have ? cfg->cert : NULL,
                                       cfg->chain, NULL));
    else
        TRY(tls13_write_certificate(w, cl->cr_ctx, cl->cr_ctx_len, have ? cfg->cert : NULL,
                                    cfg->chain));
    TRY(flush_msg(c, w));
    if (!have)
        return 0;
    uint8_t th[TLS_MAX_HASH];
    TRY(th_hash(c, th));
    TRY(tls13_write_certificate_verify(c->cr, w, 0, scheme, cfg->key, th, c->suite->hash_len));
    c->own_sigalg = scheme;
    return flush_msg(c, w);
}

static int client_flight(tls_conn *c, const uint8_t *client_hs)
{
    struct tls13_client *cl = c->cl;
    tls_writer w;
    int rc = 0;
    uint8_t th[TLS_MAX_HASH], fin[TLS_MAX_HASH];
    size_t hl = c->suite->hash_len;
    tls_wr_init(&w);
    rc = send_compat_ccs(c);
    if (rc == 0 && cl->cert_requested)
        rc = client_auth(c, &w);
    /* struct { opaque verify_data[Hash.length]; } Finished; */
    if (rc == 0)
        rc = th_hash(c, th);
    if (rc == 0)
        rc = tls_ks_finished(c->cr, c->suite->md, client_hs, th, fin);
    if (rc == 0) {
        rc = tls_wr_u8(&w, TLS_HS_FINISHED);
        if (rc == 0)
            rc = tls_wr_u24(&w, (uint32_t)hl);
        if (rc == 0)
            rc = tls_wr_bytes(&w, fin, hl);
        if (rc == 0)
            rc = flush_msg(c, &w);
        memcpy(c->fin_sent, fin, hl);
    }
    tls_wr_free(&w);
    return rc;
}

/* ---------------------------------------------------------------------
 * Finished (the server's).
 *
 * struct { opaque verify_data[Hash.length]; } Finished;
 */
/* The server's Finished checked and taken in, up to our flight. */
static int finished_received(tls_conn *c, const uint8_t *msg, size_t len)
{
    struct tls13_client *cl = c->cl;
    const tls_suite *s = c->suite;
    size_t hl = s->hash_len;
    uint8_t th[TLS_MAX_HASH];
    TRY(th_hash(c, th));
    TRY(tls13_check_finished(s, c->ks.server_hs, th, msg, len));
    memcpy(c->fin_rcvd, msg + 4, hl);
    c->fin_len = hl;
    TRY(th_add(c, msg, len));
    /* The server's flight is complete: the application judges the OCSP
     * response (or its absence) now, as OpenSSL's client does. */
    TRY(tls_ocsp_client_check(c));
    TRY(th_hash(c, th));
    /* tls_ks_master wipes the handshake secrets; our Finished still needs
     * the client one. */
    memcpy(cl->flight_hs, c->ks.client_hs, hl);
    TRY(tls_ks_master(&c->ks, th));
    TRY(tls_conn_set_secret(c, 0, c->ks.server_ap));
    tls_conn_keylog(c, "CLIENT_TRAFFIC_SECRET_0", c->ks.client_ap, hl);
    tls_conn_keylog(c, "SERVER_TRAFFIC_SECRET_0", c->ks.server_ap, hl);
    tls_conn_keylog(c, "EXPORTER_SECRET", c->ks.exporter, hl);
    TRY(tls13_early_client_end(c, &cl->th));
    cl->flight_ready = 1;
    return 0;
}

static int on_finished(tls_conn *c, const uint8_t *msg, size_t len)
{
    struct tls13_client *cl = c->cl;
    uint8_t th[TLS_MAX_HASH];
    if (!cl->flight_ready)
        TRY(finished_received(c, msg, len));
    /* The certificate choice may suspend: nothing of our flight is out. */
    if (cl->cert_requested && c->cfg->client_cert && !cl->cert_hook_done) {
        int hrc = c->cfg->client_cert(c->cfg->cb_arg, c);
        if (hrc != 0)
            return hrc;
        cl->cert_hook_done = 1;
    }
    cl->flight_ready = 0;
    int rc = client_flight(c, cl->flight_hs);
    OPENSSL_cleanse(cl->flight_hs, sizeof(cl->flight_hs));
    TRY(rc);
    TRY(tls_conn_set_secret(c, 1, c->ks.client_ap));
    TRY(th_hash(c, th));
    TRY(tls_ks_resumption(&c->ks, th));
    /* Post-handshake authentication continues from here. */
    if (c->cfg->flags & TLS_CFG_POST_HANDSHAKE_AUTH) {
        TRY(tls13_auth_transcript_copy(&cl->pha_base, &cl->th));
        cl->pha_kept = 1;
    }
    /* Nothing after this point is part of the transcript. */
    tls_transcript_free(&cl->th);
    tls_transcript_init(&cl->th);
    cl->state = CS_DONE;
    c->hs_done = 1;
    if (c->cfg->event)
        c->cfg->event(c->cfg->cb_arg, TLS_EV_HANDSHAKE_DONE, 1);
    return 0;
}

/* ---------------------------------------------------------------------
 * Post-handshake messages.
 *
 * struct {
 *     uint32 ticket_lifetime;
 *     uint32 ticket_age_add;
 *     opaque ticket_nonce<0..255>;
 *     opaque ticket<1..2^16-1>;
 *     Extension extensions<0..2^16-2>;
 * } NewSessionTicket;
 */
static int on_new_session_ticket(tls_conn *c, const uint8_t *msg, size_t len)
{
    tls_reader r, nonce, ticket, exts;
    tls_ext_block eb;
    uint32_t lifetime, age_add, max_early = 0;
    tls_rd_init(&r, msg + 4, len - 4);
    TRY(tls_rd_u32(&r, &lifetime));
    TRY(tls_rd_u32(&r, &age_add));
    TRY(tls_rd_vec_bounded(&r, 1, 0, 255, &nonce));
    TRY(tls_rd_vec_bounded(&r, 2, 1, 0xffff, &ticket));
    TRY(tls_rd_vec_bounded(&r, 2, 0, 0xfffe, &exts));
    TRY(tls_rd_done(&r));
    tls_reader all_exts = exts;
    TRY(tls_cext_ext_parse(c, &exts, TLS_EXTM_NST, 0, 0, TLS_EXTCTX_TLS1_3_NEW_SESSION_TICKET,
                           &eb));
    TRY(tls_cext_parse(c, TLS_EXTCTX_TLS1_3_NEW_SESSION_TICKET, all_exts, NULL, 0));
    tls_ext *ed = tls_ext_find(&eb, TLS_EXT_EARLY_DATA);
    if (ed) {
        TRY(tls_rd_u32(&ed->body, &max_early));
        TRY(tls_rd_done(&ed->body));
    }
    if (c->cfg->flags & TLS_CFG_NO_TICKET)
        return 0;
    /* RFC 8446 4.6.1: never keep a ticket longer than seven days. */
    if (lifetime > 604800)
        lifetime = 604800;
    /* Lifetime 0 means "do not use": nothing to keep. */
    if (lifetime == 0)
        return 0;
    size_t tl = tls_rd_left(&ticket);
    uint8_t *copy = malloc(tl);
    if (!copy)
        return TLS_ERR_INTERNAL;
    TRY(tls_rd_copy(&ticket, copy, tl));
    tls_conn_ticket t = {0};
    t.lifetime = lifetime;
    t.age_add = age_add;
    t.max_early_data = max_early;
    t.ticket = copy;
    t.ticket_len = tl;
    t.suite = c->suite->id;
    t.psk_len = c->suite->hash_len;
    const uint8_t *np;
    size_t nl = tls_rd_left(&nonce);
    int rc = tls_rd_bytes(&nonce, nl, &np);
    if (rc == 0)
        rc = tls_ks_ticket_psk(c->cr, c->suite->md, c->ks.resumption, np, nl, t.psk);
    if (rc < 0) {
        free(copy);
        return rc;
    }
    t.valid = 1;
    t.time = (uint64_t)time(NULL);
    free(c->tickets[TLS_CONN_TICKETS - 1].ticket);
    OPENSSL_cleanse(&c->tickets[TLS_CONN_TICKETS - 1], sizeof(tls_conn_ticket));
    memmove(&c->tickets[1], &c->tickets[0], (TLS_CONN_TICKETS - 1) * sizeof(tls_conn_ticket));
    c->tickets[0] = t;
    if (c->cfg->event)
        c->cfg->event(c->cfg->cb_arg, TLS_EV_SESSION_TICKET, 1);
    return 0;
}

/*
 * A post-handshake CertificateRequest (RFC 8446 4.6.2): answered at once
 * with Certificate, CertificateVerify and Finished under the application
 * keys. The transcript is the handshake's plus this exchange only.
 */
static int on_post_handshake_request(tls_conn *c, const uint8_t *msg, size_t len)
{
    struct tls13_client *cl = c->cl;
    size_t hl = c->suite->hash_len;
    uint8_t th[TLS_MAX_HASH], fin[TLS_MAX_HASH];
    tls_writer w;
    TRY(parse_certificate_request(c, msg, len, 1));
    tls_transcript_free(&cl->th);
    TRY(tls13_auth_transcript_copy(&cl->th, &cl->pha_base));
    tls_wr_init(&w);
    int rc = th_add(c, msg, len);
    if (rc == 0)
        rc = client_auth(c, &w);
    /* Finished keyed with the current client_application_traffic_secret. */
    if (rc == 0)
        rc = th_hash(c, th);
    if (rc == 0)
        rc = tls_ks_finished(c->cr, c->suite->md, c->ks.client_ap, th, fin);
    if (rc == 0)
        rc = tls_wr_u8(&w, TLS_HS_FINISHED);
    if (rc == 0)
        rc = tls_wr_u24(&w, (uint32_t)hl);
    if (rc == 0)
        rc = tls_wr_bytes(&w, fin, hl);
    if (rc == 0)
        rc = flush_msg(c, &w);
    tls_wr_free(&w);
    OPENSSL_cleanse(fin, sizeof(fin));
    tls_transcript_free(&cl->th);
    tls_transcript_init(&cl->th);
    return rc;
}

/* ---------------------------------------------------------------------
 * Dispatch: the state decides which messages are acceptable.
 */
int tls13_client_message(tls_conn *c, const uint8_t *msg, size_t len)
{
    struct tls13_client *cl = c->cl;
    uint8_t type = msg[0];
    if (!cl)
        return TLS_FAIL(TLS_AD_UNEXPECTED_MESSAGE, TLS_R_UNEXPECTED_MESSAGE);
    switch (cl->state) {
    case CS_WAIT_SH:
        if (type == TLS_HS_SERVER_HELLO)
            return on_server_hello(c, msg, len);
        break;
    case CS_WAIT_EE:
        if (type == TLS_HS_ENCRYPTED_EXTENSIONS)
            return on_encrypted_extensions(c, msg, len);
        break;
    case CS_WAIT_CERT_CR:
        if (type == TLS_HS_CERTIFICATE_REQUEST)
            return on_certificate_request(c, msg, len);
        /* fall through */
    case CS_WAIT_CERT:
        if (type == TLS_HS_CERTIFICATE)
            return on_certificate(c, msg, len);
        break;
    case CS_WAIT_CV:
        if (type == TLS_HS_CERTIFICATE_VERIFY)
            return on_certificate_verify(c, msg, len);
        break;
    case CS_WAIT_FIN:
        if (type == TLS_HS_FINISHED)
            return on_finished(c, msg, len);
        break;
    case CS_DONE:
        if (type == TLS_HS_NEW_SESSION_TICKET)
            return on_new_session_ticket(c, msg, len);
        if (type == TLS_HS_KEY_UPDATE)
            return tls13_on_key_update(c, msg, len);
        /* RFC 8446 4.6.2: only if we offered post_handshake_auth. */
        if (type == TLS_HS_CERTIFICATE_REQUEST && cl->pha_kept)
            return on_post_handshake_request(c, msg, len);
        break;
    }
    return TLS_FAIL(TLS_AD_UNEXPECTED_MESSAGE, TLS_R_UNEXPECTED_MESSAGE);
}

/*
 * RFC 8446 5: an unprotected change_cipher_spec {0x01} may arrive at any
 * time after our first ClientHello and before the server's Finished, and
 * is dropped. We accept one (what a compatibility-mode server sends);
 * a second one, or one after the server's Finished, is unexpected_message.
 */
int tls13_client_ccs(tls_conn *c)
{
    struct tls13_client *cl = c->cl;
    if (!cl || cl->state == CS_DONE || cl->ccs_seen)
        return TLS_FAIL(TLS_AD_UNEXPECTED_MESSAGE, TLS_R_UNEXPECTED_MESSAGE);
    cl->ccs_seen = 1;
    return 0;
}
