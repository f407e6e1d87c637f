/*
 * The TLS 1.2 client handshake (RFC 5246, with RFC 5746 secure
 * renegotiation indication, RFC 7627 extended master secret, RFC 7366
 * encrypt-then-MAC, RFC 5077 tickets, RFC 8422 ECDHE), as an explicit state
 * machine. tls13_client.c sends the ClientHello and hands over the
 * ServerHello (see tls12_client.h).
 *
 * Full handshake:
 *   SH -> WAIT_CERT --Certificate--> WAIT_SKE (ECDHE, DHE) --SKE--> WAIT_CR_SHD
 *                                    (RSA key transport: straight to WAIT_CR_SHD)
 *   WAIT_CR_SHD --CertificateRequest--> WAIT_SHD --ServerHelloDone--> our flight
 *   WAIT_CR_SHD --ServerHelloDone--> our flight
 *   our flight: [Certificate] ClientKeyExchange [CertificateVerify] CCS Finished
 *   -> WAIT_NST (if the server said it sends a ticket) -> WAIT_CCS -> WAIT_FIN -> DONE
 * Abbreviated handshake (the server echoed the session id we resume):
 *   SH -> [WAIT_NST] -> WAIT_CCS -> WAIT_FIN --Finished--> our CCS Finished -> DONE
 *
 * The ChangeCipherSpec is a protocol message here: it is only accepted in
 * WAIT_CCS, where the read keys it switches to exist (EarlyCCS: a CCS
 * anywhere else is unexpected_message). Every message is added to the
 * transcript only once accepted. The whole transcript is also kept as bytes
 * until the handshake ends: a TLS 1.2 CertificateVerify signs the messages
 * themselves, with the hash its scheme names.
 */
#include "core/tls12_client.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/x509.h>

#include "core/custom_ext.h"
#include "core/extensions.h"
#include "core/handshake.h"
#include "core/maxfrag.h"
#include "core/ocsp_status.h"
#include "core/tls12.h"

enum {
    C12_WAIT_CERT,
    C12_WAIT_SKE,
    C12_WAIT_CR_SHD,
    C12_WAIT_SHD,
    C12_WAIT_NST,
    C12_WAIT_CCS,
    C12_WAIT_FIN,
    C12_DONE,
};

#define MAX_LIST 64
#define MAX_PMS  1024 /* DHE with an 8192-bit group */
#define MAX_CKX  1024 /* dh_Yc / RSA ciphertext (8192 bits) / EC point */

/* ClientCertificateType (RFC 5246 7.4.4, RFC 8422 5.5). */
enum { CT_RSA_SIGN = 1, CT_ECDSA_SIGN = 64 };

struct tls12_client {
    int state;
    tls_transcript th;
    const tls12_suite *s12;
    uint64_t offered;
    int offered13;
    uint16_t suites[MAX_LIST];
    size_t n_suites;
    uint16_t groups[MAX_LIST];
    size_t n_groups;
    uint16_t sigalgs[MAX_LIST];
    size_t n_sigalgs;
    uint8_t sid_sent[32];
    size_t sid_sent_len;

    int reused;          /* abbreviated handshake */
    int ticket_expected; /* the server answered session_ticket */
    uint8_t session_id[32];
    size_t session_id_len;
    uint8_t ms[48];
    int have_ms;

    /* Key exchange: the premaster secret and our ClientKeyExchange body. */
    uint8_t pms[MAX_PMS];
    size_t pms_len;
    uint8_t ckx[MAX_CKX];
    size_t ckx_len;

    /* CertificateRequest. */
    int cert_requested;
    /* The client_cert hook ran for this request, before our flight (it may
     * suspend the handshake: TLS_WANT_CALLBACK); shd_done: ServerHelloDone
     * was taken in, the flight is what is left of it. */
    int cert_hook_done;
    int shd_done;
    uint8_t cert_types[255];
    size_t n_cert_types;
    uint16_t cr_sigalgs[MAX_LIST];
    size_t n_cr_sigalgs;

    /* NewSessionTicket (RFC 5077 3.3). */
    uint8_t *ticket;
    size_t ticket_len;
    uint32_t ticket_lifetime;
    int warned_reneg;
};

/* ---------------------------------------------------------------------
 * The ClientHello side (called by tls13_client.c).
 */
int tls12_client_wants12(const tls_config *cfg)
{
    return (!cfg->min_version || cfg->min_version <= TLS_V12) &&
           (!cfg->max_version || cfg->max_version >= TLS_V12);
}

int tls12_client_wants13(const tls_config *cfg)
{
    return (!cfg->min_version || cfg->min_version <= TLS_V13) &&
           (!cfg->max_version || cfg->max_version >= TLS_V13);
}

size_t tls12_client_suites(const tls_config *cfg, uint16_t *out, size_t cap)
{
    size_t k = 0;
    if (cfg->n_tls12_suites) {
        for (size_t i = 0; i < cfg->n_tls12_suites && k < cap; i++)
            if (tls12_suite_get(cfg->crypto, cfg->tls12_suites[i]) &&
                !tls_u16s_has(out, k, cfg->tls12_suites[i]))
                out[k++] = cfg->tls12_suites[i];
        return k;
    }
    uint16_t defaults[TLS_MAX_DEFAULT_SUITES];
    size_t n = tls_default_suites(TLS_V12, defaults, TLS_MAX_DEFAULT_SUITES);
    for (size_t i = 0; i < n && k < cap; i++)
        if (tls12_suite_get(cfg->crypto, defaults[i]))
            out[k++] = defaults[i];
    return k;
}

static int resuming12(const tls_config *cfg)
{
    return cfg->resume && cfg->resume->version == TLS_V12 && cfg->resume->secret_len == 48;
}

static void mark(uint64_t *offered, uint16_t type)
{
    int idx = tls_ext_index(type);
    if (idx >= 0)
        *offered |= 1ull << idx;
}

static int empty_ext(tls_writer *w, uint16_t type, uint64_t *offered)
{
    mark(offered, type);
    TRY(tls_wr_u16(w, type));
    return tls_wr_u16(w, 0);
}

int tls12_client_write_exts(tls_conn *c, tls_writer *w, int cbc, uint64_t *offered)
{
    const tls_config *cfg = c->cfg;
    size_t m, m2;
    /* RFC 8422 5.1.2: uncompressed points only. */
    mark(offered, TLS_EXT_EC_POINT_FORMATS);
    TRY(tls_wr_u16(w, TLS_EXT_EC_POINT_FORMATS));
    TRY(tls_wr_open(w, 2, &m));
    TRY(tls_wr_open(w, 1, &m2));
    TRY(tls_wr_u8(w, 0));
    TRY(tls_wr_close(w, 1, m2));
    TRY(tls_wr_close(w, 2, m));
    /* RFC 5077 3.2: empty to ask for a ticket, or the ticket we resume. */
    if (!(cfg->flags & TLS_CFG_NO_TICKET)) {
        mark(offered, TLS_EXT_SESSION_TICKET);
        TRY(tls_wr_u16(w, TLS_EXT_SESSION_TICKET));
        TRY(tls_wr_open(w, 2, &m));
        if (resuming12(cfg) && cfg->resume_ticket && cfg->resume_ticket_len)
            TRY(tls_wr_bytes(w, cfg->resume_ticket, cfg->resume_ticket_len));
        TRY(tls_wr_close(w, 2, m));
    }
    if (cbc && !(cfg->flags & TLS_CFG_NO_ETM))
        TRY(empty_ext(w, TLS_EXT_ENCRYPT_THEN_MAC, offered));
    if (!(cfg->flags & TLS_CFG_NO_EMS))
        TRY(empty_ext(w, TLS_EXT_EXTENDED_MASTER_SECRET, offered));
    return 0;
}

/* Skip the fixed part of a ServerHello; exts gets the extension block
 * (empty if there is none). */
static int sh_fixed(tls_reader *r, uint16_t *version, const uint8_t **random, tls_reader *sid,
                    uint16_t *suite, uint8_t *comp, tls_reader *exts)
{
    TRY(tls_rd_u16(r, version));
    TRY(tls_rd_bytes(r, 32, random));
    TRY(tls_rd_vec_bounded(r, 1, 0, 32, sid));
    TRY(tls_rd_u16(r, suite));
    TRY(tls_rd_u8(r, comp));
    if (tls_rd_left(r) == 0)
        tls_rd_init(exts, NULL, 0);
    else
        TRY(tls_rd_vec(r, 2, exts));
    return tls_rd_done(r);
}

int tls12_client_sh_is_tls12(const uint8_t *msg, size_t len)
{
    tls_reader r, sid, exts;
    uint16_t version, suite;
    const uint8_t *random;
    uint8_t comp;
    if (len < 4)
        return 0;
    tls_rd_init(&r, msg + 4, len - 4);
    if (sh_fixed(&r, &version, &random, &sid, &suite, &comp, &exts) < 0)
        return 0;
    while (tls_rd_left(&exts) > 0) {
        uint16_t type;
        tls_reader body;
        if (tls_rd_u16(&exts, &type) < 0 || tls_rd_vec(&exts, 2, &body) < 0)
            return 0;
        if (type == TLS_EXT_SUPPORTED_VERSIONS)
            return 0;
    }
    return 1;
}

/* ---------------------------------------------------------------------
 * Helpers.
 */
void tls12_client_free(tls_conn *c)
{
    struct tls12_client *cl = c->cl12;
    if (!cl)
        return;
    tls_transcript_free(&cl->th);
    free(cl->ticket);
    OPENSSL_cleanse(cl, sizeof(*cl));
    free(cl);
    c->cl12 = NULL;
}

static int th_add(tls_conn *c, const uint8_t *msg, size_t len)
{
    return tls_transcript_update(&c->cl12->th, msg, len);
}

/* Send the message in w (hashed first), then empty w. */
static int flush_msg(tls_conn *c, tls_writer *w)
{
    if (w->failed)
        return TLS_ERR_INTERNAL;
    TRY(th_add(c, w->buf, w->len));
    TRY(tls_conn_send_hs(c, w->buf, w->len));
    tls_wr_reset(w);
    return 0;
}

static int send_ccs(tls_conn *c)
{
    static const uint8_t ccs = 1;
    tls_conn_state(c, TLS_STATE_WRITE | TLS_STATE_CCS);
    TRY(tls_conn_send(c, TLS_CT_CHANGE_CIPHER_SPEC, &ccs, 1));
    if (c->cfg->msg)
        c->cfg->msg(c->cfg->cb_arg, 1, TLS_V12, TLS_CT_CHANGE_CIPHER_SPEC, &ccs, 1);
    return 0;
}

/* Install one direction's keys (and compression) at a CCS. */
static int switch_keys(tls_conn *c, int sending)
{
    struct tls12_client *cl = c->cl12;
    tls_rec_dir *d = sending ? &c->wr : &c->rd;
    if (c->compression)
        TRY(tls_rec_set_compression(d, c->compression));
    return tls_rec_set_tls12(d, sending, 0, cl->s12, cl->ms, c->client_random, c->server_random,
                             c->etm);
}

/* ---------------------------------------------------------------------
 * ServerHello.
 *
 * struct {
 *     ProtocolVersion server_version;
 *     Random random;
 *     SessionID session_id;
 *     CipherSuite cipher_suite;
 *     CompressionMethod compression_method;
 *     select (extensions_present) {
 *         case false: struct {};
 *         case true:  Extension extensions<0..2^16-1>;
 *     };
 * } ServerHello;
 */
static int sh_extensions(tls_conn *c, tls_reader *exts, int *have_ri, int *ems, int *etm)
{
    struct tls12_client *cl = c->cl12;
    uint64_t seen = 0;
    while (tls_rd_left(exts) > 0) {
        uint16_t type;
        tls_reader body;
        TRY(tls_rd_u16(exts, &type));
        TRY(tls_rd_vec(exts, 2, &body));
        /* The application's own (tls_cext_check / tls_cext_parse). */
        if (tls_cext_owns(c, type, TLS_EXTCTX_TLS1_2_SERVER_HELLO))
            continue;
        int idx = tls_ext_index(type);
        /* RFC 5246 7.4.1.4: no extension type twice. */
        if (idx >= 0 && (seen & (1ull << idx)))
            return TLS_FAIL(TLS_AD_ILLEGAL_PARAMETER, TLS_R_BAD_EXTENSION);
        if (idx >= 0)
            seen |= 1ull << idx;
        /* RFC 5746 3.6: the server answers our SCSV with renegotiation_info,
         * so it counts as offered. Anything else must be one we sent
         * (RFC 5246 7.4.1.4). */
        if (type != TLS_EXT_RENEGOTIATION_INFO && (idx < 0 || !(cl->offered & (1ull << idx))))
            return TLS_FAIL(TLS_AD_UNSUPPORTED_EXTENSION, TLS_R_UNSOLICITED_EXTENSION);
        switch (type) {
        case TLS_EXT_RENEGOTIATION_INFO: {
            /* opaque renegotiated_connection<0..255>; empty in an initial
             * handshake (RFC 5746 3.4). */
            tls_reader rc;
            TRY(tls_rd_vec(&body, 1, &rc));
            TRY(tls_rd_done(&body));
            if (tls_rd_left(&rc) != 0)
                return TLS_FAIL(TLS_AD_HANDSHAKE_FAILURE, TLS_R_RENEGOTIATION_MISMATCH);
            *have_ri = 1;
            break;
        }
        case TLS_EXT_EXTENDED_MASTER_SECRET:
            TRY(tls_rd_done(&body));
            *ems = 1;
            break;
        case TLS_EXT_ENCRYPT_THEN_MAC:
            TRY(tls_rd_done(&body));
            *etm = 1;
            break;
        case TLS_EXT_SESSION_TICKET:
            /* RFC 5077 3.2: empty; a NewSessionTicket will come. */
            TRY(tls_rd_done(&body));
            cl->ticket_expected = 1;
            break;
        case TLS_EXT_EC_POINT_FORMATS: {
            /* ECPointFormat ec_point_format_list<1..2^8-1>; RFC 8422 5.2:
             * it must list uncompressed. */
            tls_reader l;
            TRY(tls_rd_vec_bounded(&body, 1, 1, 255, &l));
            TRY(tls_rd_done(&body));
            int uncompressed = 0;
            while (tls_rd_left(&l) > 0) {
                uint8_t f;
                TRY(tls_rd_u8(&l, &f));
                uncompressed |= f == 0;
            }
            if (!uncompressed)
                return TLS_FAIL(TLS_AD_ILLEGAL_PARAMETER, TLS_R_ILLEGAL_POINT_COMPRESSION);
            break;
        }
        case TLS_EXT_SERVER_NAME:
            /* RFC 6066 3: the acknowledgement is empty. */
            TRY(tls_rd_done(&body));
            break;
        case TLS_EXT_ALPN:
            TRY(tls_ext_alpn_reply(c, &body));
            break;
        case TLS_EXT_MAX_FRAGMENT_LENGTH:
            TRY(tls_mfl_client_echo(c, &body));
            break;
        case TLS_EXT_STATUS_REQUEST:
            /* RFC 6066 8: a CertificateStatus may follow the Certificate. */
            TRY(tls_ocsp_client_server_hello(c, &body));
            break;
        default:
            /* Offered for TLS 1.3 only (key_share, psk_key_exchange_modes,
             * supported_groups ...): not a TLS 1.2 ServerHello extension. */
            return TLS_FAIL(TLS_AD_UNSUPPORTED_EXTENSION, TLS_R_UNSOLICITED_EXTENSION);
        }
    }
    return 0;
}

static int start_state(tls_conn *c, const tls12_client_offer *o)
{
    struct tls12_client *cl = calloc(1, sizeof(*cl));
    if (!cl)
        return TLS_ERR_INTERNAL;
    c->cl12 = cl;
    /* The transcript moves over: the ClientHello is in it, unhashed yet. */
    cl->th = *o->th;
    tls_transcript_init(o->th);
    cl->th.keep_buffer = 1;
    cl->offered = o->offered;
    cl->offered13 = o->offered_tls13;
    for (size_t i = 0; i < o->n_suites && cl->n_suites < MAX_LIST; i++)
        cl->suites[cl->n_suites++] = o->suites[i];
    for (size_t i = 0; i < o->n_groups && cl->n_groups < MAX_LIST; i++)
        cl->groups[cl->n_groups++] = o->groups[i];
    for (size_t i = 0; i < o->n_sigalgs && cl->n_sigalgs < MAX_LIST; i++)
        cl->sigalgs[cl->n_sigalgs++] = o->sigalgs[i];
    if (o->session_id_len > sizeof(cl->sid_sent))
        return TLS_ERR_INTERNAL;
    memcpy(cl->sid_sent, o->session_id, o->session_id_len);
    cl->sid_sent_len = o->session_id_len;
    return 0;
}

int tls12_client_server_hello(tls_conn *c, const tls12_client_offer *o, const uint8_t *msg,
                              size_t len)
{
    const tls_config *cfg = c->cfg;
    tls_reader r, sid, exts;
    uint16_t version, suite_id;
    const uint8_t *random;
    uint8_t comp;
    if (c->cl12)
        return TLS_FAIL(TLS_AD_UNEXPECTED_MESSAGE, TLS_R_UNEXPECTED_MESSAGE);
    TRY(start_state(c, o));
    struct tls12_client *cl = c->cl12;
    tls_rd_init(&r, msg + 4, len - 4);
    TRY(sh_fixed(&r, &version, &random, &sid, &suite_id, &comp, &exts));
    /* Nothing below TLS 1.2 is spoken; and without supported_versions a
     * server cannot select TLS 1.3 (RFC 8446 4.2.1). */
    if (version != TLS_V12)
        return TLS_FAIL(TLS_AD_PROTOCOL_VERSION, TLS_R_UNSUPPORTED_PROTOCOL);
    /* RFC 8446 4.1.3: a client that offered TLS 1.3 checks the downgrade
     * sentinels ("DOWNGRD" then 01 for TLS 1.2, 00 for older). */
    static const uint8_t sentinel[7] = {0x44, 0x4F, 0x57, 0x4E, 0x47, 0x52, 0x44};
    if (cl->offered13 && memcmp(random + 24, sentinel, 7) == 0 &&
        (random[31] == 0 || random[31] == 1))
        return TLS_FAIL(TLS_AD_ILLEGAL_PARAMETER, TLS_R_INAPPROPRIATE_FALLBACK);
    c->version = TLS_V12;
    /* From now on every record says 0x0303 (RFC 5246 6.2.1). */
    c->rd.version = TLS_V12;
    memcpy(c->server_random, random, 32);

    /* RFC 5246 7.4.1.3: a suite we offered. */
    const tls12_suite *s12 = tls12_suite_get(c->cr, suite_id);
    if (!tls_suite_get(c->cr, suite_id))
        return TLS_FAIL(TLS_AD_ILLEGAL_PARAMETER, TLS_R_UNKNOWN_CIPHER_RETURNED);
    if (!s12 || !tls_u16s_has(cl->suites, cl->n_suites, suite_id))
        return TLS_FAIL(TLS_AD_ILLEGAL_PARAMETER, TLS_R_WRONG_CIPHER_RETURNED);
    cl->s12 = s12;
    c->suite = s12->suite;
    /* A compression method we offered. */
    if (comp != TLS_COMP_NULL && !(comp == TLS_COMP_DEFLATE && (cfg->flags & TLS_CFG_COMPRESSION)))
        return TLS_FAIL(TLS_AD_ILLEGAL_PARAMETER, TLS_R_UNSUPPORTED_COMPRESSION_ALGORITHM);

    int have_ri = 0, ems = 0, etm = 0;
    tls_reader all_exts = exts;
    TRY(tls_cext_check(c, TLS_EXTCTX_TLS1_2_SERVER_HELLO, all_exts));
    TRY(sh_extensions(c, &exts, &have_ri, &ems, &etm));
    /* RFC 5746 4.1: a server without renegotiation_info may be
     * renegotiation-attacked; OpenSSL refuses it unless told otherwise. */
    if (!have_ri && !(cfg->flags & TLS_CFG_LEGACY_RENEG))
        return TLS_FAIL(TLS_AD_HANDSHAKE_FAILURE, TLS_R_UNSAFE_LEGACY_RENEGOTIATION_DISABLED);
    c->secure_reneg = have_ri;
    c->ems = ems;
    /* RFC 7366 3: encrypt-then-MAC only changes CBC records. */
    c->etm = etm && s12->cbc;
    c->compression = comp;

    size_t sid_len = tls_rd_left(&sid);
    TRY(tls_rd_copy(&sid, cl->session_id, sid_len));
    cl->session_id_len = sid_len;
    /* Resumption (RFC 5246 7.4.1.3, RFC 5077 3.4): the server echoes the
     * session id we sent for the session. */
    if (resuming12(cfg) && sid_len > 0 && sid_len == cl->sid_sent_len &&
        memcmp(cl->session_id, cl->sid_sent, sid_len) == 0) {
        const tls_session_state *st = cfg->resume;
        if (st->suite != suite_id)
            return TLS_FAIL(TLS_AD_ILLEGAL_PARAMETER, TLS_R_OLD_SESSION_CIPHER_NOT_RETURNED);
        if (st->compression != comp)
            return TLS_FAIL(TLS_AD_ILLEGAL_PARAMETER, TLS_R_UNSUPPORTED_COMPRESSION_ALGORITHM);
        /* RFC 7627 5.3: the extended master secret must be used as it was. */
        if (!st->ems != !ems)
            return TLS_FAIL(TLS_AD_HANDSHAKE_FAILURE, TLS_R_INCONSISTENT_EXTMS);
        memcpy(cl->ms, st->secret, 48);
        cl->have_ms = 1;
        cl->reused = 1;
    } else if (sid_len > 0 && sid_len == cl->sid_sent_len &&
               memcmp(cl->session_id, cl->sid_sent, sid_len) == 0) {
        /* Our id was random (middlebox compatibility, RFC 8446 D.4, or
         * a ticket we are not resuming now): a server cannot know it. */
        return TLS_FAIL(TLS_AD_ILLEGAL_PARAMETER, TLS_R_INVALID_SESSION_ID);
    }
    TRY(tls_cext_parse(c, TLS_EXTCTX_TLS1_2_SERVER_HELLO, all_exts, NULL, 0));
    TRY(tls_transcript_set_md(&cl->th, s12->prf_md));
    TRY(th_add(c, msg, len));
    if (cl->reused) {
        tls_conn_keylog(c, "CLIENT_RANDOM", cl->ms, 48);
        cl->state = cl->ticket_expected ? C12_WAIT_NST : C12_WAIT_CCS;
    } else {
        cl->state = C12_WAIT_CERT;
    }
    return 0;
}

/* ---------------------------------------------------------------------
 * Certificate.
 *
 * opaque ASN.1Cert<1..2^24-1>;
 * struct { ASN.1Cert certificate_list<0..2^24-1>; } Certificate;
 */
static int leaf_fits_suite(const tls12_suite *s12, EVP_PKEY *key)
{
    int t = EVP_PKEY_get_base_id(key);
    if (s12->kx == TLS12_KX_RSA)
        return t == EVP_PKEY_RSA;
    if (s12->au == TLS12_AU_RSA)
        return t == EVP_PKEY_RSA || t == EVP_PKEY_RSA_PSS;
    return t == EVP_PKEY_EC || t == EVP_PKEY_ED25519 || t == EVP_PKEY_ED448;
}

static int on_certificate(tls_conn *c, const uint8_t *msg, size_t len)
{
    struct tls12_client *cl = c->cl12;
    tls_reader r, list;
    tls_rd_init(&r, msg + 4, len - 4);
    TRY(tls_rd_vec(&r, 3, &list));
    TRY(tls_rd_done(&r));
    /* A server must authenticate with these suites. */
    if (tls_rd_left(&list) == 0)
        return TLS_FAIL(TLS_AD_DECODE_ERROR, TLS_R_NO_CERTIFICATES_RETURNED);
    STACK_OF(X509) *chain = sk_X509_new_null();
    if (!chain)
        return TLS_ERR_INTERNAL;
    int rc = 0;
    while (rc == 0 && tls_rd_left(&list) > 0) {
        tls_reader data;
        const uint8_t *p, *q;
        rc = tls_rd_vec_bounded(&list, 3, 1, 0xffffff, &data);
        if (rc < 0)
            break;
        size_t n = tls_rd_left(&data);
        rc = tls_rd_bytes(&data, n, &p);
        if (rc < 0)
            break;
        q = p;
        X509 *x = tls_x509_d2i(c->cr, &q, n);
        if (!x) {
            rc = TLS_ERR(TLS_AD_BAD_CERTIFICATE, TLS_R_BAD_PACKET);
        } else if ((size_t)(q - p) != n) {
            X509_free(x);
            rc = TLS_ERR(TLS_AD_DECODE_ERROR, TLS_R_CERT_LENGTH_MISMATCH);
        } else if (!sk_X509_push(chain, x)) {
            X509_free(x);
            rc = TLS_ERR_INTERNAL;
        }
    }
    if (rc < 0) {
        sk_X509_pop_free(chain, X509_free);
        return rc;
    }
    if (c->peer_chain)
        sk_X509_pop_free(c->peer_chain, X509_free);
    c->peer_chain = chain;
    EVP_PKEY *key = X509_get0_pubkey(sk_X509_value(chain, 0));
    if (!key)
        return TLS_FAIL(TLS_AD_BAD_CERTIFICATE, TLS_R_UNKNOWN_CERTIFICATE_TYPE);
    if (c->cfg->verify_chain) {
        /* An error, or TLS_WANT_CALLBACK: suspended, this message runs
         * again from its start (all above is idempotent). */
        int vrc = TLS_NOTE(c->cfg->verify_chain(c->cfg->cb_arg, chain));
        if (vrc != 0)
            return vrc;
    }
    /* RFC 5246 7.4.2: the key must suit the key exchange. */
    if (!leaf_fits_suite(cl->s12, key))
        return TLS_FAIL(TLS_AD_ILLEGAL_PARAMETER, TLS_R_WRONG_CERTIFICATE_TYPE);
    TRY(th_add(c, msg, len));
    /* RFC 6066 8: an announced CertificateStatus comes right after. */
    c->ocsp.window = c->ocsp.expected;
    if (cl->s12->kx == TLS12_KX_RSA) {
        /* RFC 5246 7.4.7.1: the premaster secret goes to the certificate's key. */
        uint8_t pms[48];
        rc = tls_rsa_kx_encrypt(c->cr, key, TLS_V12, pms, cl->ckx, sizeof(cl->ckx), &cl->ckx_len);
        if (rc == 0) {
            memcpy(cl->pms, pms, 48);
            cl->pms_len = 48;
        }
        OPENSSL_cleanse(pms, sizeof(pms));
        TRY(rc);
        cl->state = C12_WAIT_CR_SHD;
    } else {
        cl->state = C12_WAIT_SKE;
    }
    return 0;
}

/* ---------------------------------------------------------------------
 * ServerKeyExchange.
 *
 * struct {
 *     ECParameters curve_params;   (ECCurveType curve_type = named_curve(3); NamedCurve)
 *     ECPoint public;              (opaque point <1..2^8-1>)
 * } ServerECDHParams;
 * struct { opaque dh_p<1..2^16-1>; opaque dh_g<1..2^16-1>; opaque dh_Ys<1..2^16-1>; }
 *     ServerDHParams;
 * struct {
 *     Server{EC}DHParams params;
 *     digitally-signed struct {
 *         opaque client_random[32]; opaque server_random[32]; Server{EC}DHParams params;
 *     } signed_params;             (SignatureAndHashAlgorithm; opaque signature<0..2^16-1>)
 * } ServerKeyExchange;
 */
static int dh_min_bits(const tls_config *cfg)
{
    /* OpenSSL's security levels: 80, 112, 128, 192, 256 bits. */
    static const int bits[] = {1024, 1024, 2048, 3072, 7680, 15360};
    int l = cfg->security_level;
    if (l < 0)
        l = 0;
    if (l > 5)
        l = 5;
    return bits[l];
}

static int ske_ecdhe(tls_conn *c, tls_reader *r)
{
    struct tls12_client *cl = c->cl12;
    uint8_t curve_type;
    uint16_t group;
    tls_reader point;
    TRY(tls_rd_u8(r, &curve_type));
    TRY(tls_rd_u16(r, &group));
    TRY(tls_rd_vec_bounded(r, 1, 1, 255, &point));
    /* RFC 8422 5.4: named curves only, and one we offered (5.1.1). */
    if (curve_type != 3 || !tls_u16s_has(cl->groups, cl->n_groups, group) || !tls_group_get(group))
        return TLS_FAIL(TLS_AD_ILLEGAL_PARAMETER, TLS_R_WRONG_CURVE);
    EVP_PKEY *priv = NULL;
    EVP_PKEY *peer = NULL;
    const uint8_t *pp;
    size_t pl = tls_rd_left(&point);
    TRY(tls_rd_bytes(&point, pl, &pp));
    TRY(tls_kex_keygen(c->cr, group, &priv, cl->ckx, sizeof(cl->ckx), &cl->ckx_len));
    int rc = tls_kex_derive_keep(c->cr, group, priv, pp, pl, cl->pms, &cl->pms_len, &peer);
    EVP_PKEY_free(priv);
    TRY(rc);
    EVP_PKEY_free(c->peer_tmp_key);
    c->peer_tmp_key = peer;
    c->group = group;
    return 0;
}

static int ske_dhe(tls_conn *c, tls_reader *r)
{
    struct tls12_client *cl = c->cl12;
    EVP_PKEY *peer = NULL;
    TRY(tls_dhe_client(c->cr, r, dh_min_bits(c->cfg), &peer, cl->ckx, sizeof(cl->ckx), &cl->ckx_len,
                       cl->pms, sizeof(cl->pms), &cl->pms_len));
    EVP_PKEY_free(c->peer_tmp_key);
    c->peer_tmp_key = peer;
    return 0;
}

static int on_server_key_exchange(tls_conn *c, const uint8_t *msg, size_t len)
{
    struct tls12_client *cl = c->cl12;
    tls_reader r, sig;
    uint16_t scheme;
    tls_rd_init(&r, msg + 4, len - 4);
    size_t params_at = r.off;
    if (cl->s12->kx == TLS12_KX_ECDHE)
        TRY(ske_ecdhe(c, &r));
    else
        TRY(ske_dhe(c, &r));
    size_t params_len = r.off - params_at;
    TRY(tls_rd_u16(&r, &scheme));
    TRY(tls_rd_vec(&r, 2, &sig));
    TRY(tls_rd_done(&r));
    /* RFC 5246 7.4.1.4.1: the scheme must be one we offered. */
    const tls_sigalg *sa = tls_sigalg_get(scheme);
    if (!sa || !tls_u16s_has(cl->sigalgs, cl->n_sigalgs, scheme))
        return TLS_FAIL(TLS_AD_ILLEGAL_PARAMETER, TLS_R_WRONG_SIGNATURE_TYPE);
    /* Known from here on, even if the signature turns out bad (OpenSSL
     * 3.0 reports the peer's signature type after such a failure). */
    c->peer_sigalg = scheme;
    EVP_PKEY *key = X509_get0_pubkey(sk_X509_value(c->peer_chain, 0));
    size_t tbs_len = 64 + params_len;
    uint8_t *tbs = malloc(tbs_len);
    if (!tbs)
        return TLS_ERR_INTERNAL;
    memcpy(tbs, c->client_random, 32);
    memcpy(tbs + 32, c->server_random, 32);
    memcpy(tbs + 64, msg + 4 + params_at, params_len);
    const uint8_t *sp;
    size_t sl = tls_rd_left(&sig);
    int rc = tls_rd_bytes(&sig, sl, &sp);
    if (rc == 0)
        rc = tls_sig_verify(c->cr, scheme, key, 0, tbs, tbs_len, sp, sl);
    free(tbs);
    TRY(rc);
    TRY(th_add(c, msg, len));
    cl->state = C12_WAIT_CR_SHD;
    return 0;
}

/* ---------------------------------------------------------------------
 * CertificateRequest.
 *
 * struct {
 *     ClientCertificateType certificate_types<1..2^8-1>;
 *     SignatureAndHashAlgorithm supported_signature_algorithms<2..2^16-2>;
 *     DistinguishedName certificate_authorities<0..2^16-1>;
 * } CertificateRequest;
 */
static int on_certificate_request(tls_conn *c, const uint8_t *msg, size_t len)
{
    struct tls12_client *cl = c->cl12;
    tls_reader r, types, algs, cas;
    /* Framing errors carry OpenSSL's reasons: length_mismatch for a vector
     * or trailing bytes that do not fit, an empty or odd signature list is
     * internal_error + signature_algorithms_error. */
    const int mismatch = TLS_ERR(TLS_AD_DECODE_ERROR, TLS_R_LENGTH_MISMATCH);
    tls_rd_init(&r, msg + 4, len - 4);
    if (tls_rd_vec_bounded(&r, 1, 1, 255, &types) < 0 || tls_rd_vec(&r, 2, &algs) < 0 ||
        tls_rd_vec(&r, 2, &cas) < 0 || tls_rd_done(&r) < 0)
        return mismatch;
    if (tls_rd_left(&algs) == 0 || tls_rd_left(&algs) % 2)
        return TLS_FAIL(TLS_AD_INTERNAL_ERROR, TLS_R_SIGNATURE_ALGORITHMS_ERROR);
    cl->n_cert_types = tls_rd_left(&types);
    TRY(tls_rd_copy(&types, cl->cert_types, cl->n_cert_types));
    cl->n_cr_sigalgs = 0;
    while (tls_rd_left(&algs) > 0) {
        uint16_t v;
        TRY(tls_rd_u16(&algs, &v));
        if (cl->n_cr_sigalgs < MAX_LIST)
            cl->cr_sigalgs[cl->n_cr_sigalgs++] = v;
    }
    TRY(tls_conn_keep_peer_cr_sigalgs(c, cl->cr_sigalgs, cl->n_cr_sigalgs));
    /* Each DistinguishedName is opaque<1..2^16-1>: checked, kept as a list body. */
    tls_reader walk = cas;
    while (tls_rd_left(&walk) > 0) {
        tls_reader dn;
        if (tls_rd_vec_bounded(&walk, 2, 1, 0xffff, &dn) < 0)
            return mismatch;
    }
    size_t n = tls_rd_left(&cas);
    /* An empty list is still a list (non-NULL, length 0). */
    uint8_t *copy = malloc(n ? n : 1);
    if (!copy)
        return TLS_ERR_INTERNAL;
    int rc = tls_rd_copy(&cas, copy, n);
    if (rc < 0) {
        free(copy);
        return rc;
    }
    /* Kept on the connection for tls_conn_peer_ca_names: the client_cert
     * hook asks during the handshake, the application after it
     * (SSL_get_client_CA_list, s_client's "Acceptable client certificate
     * CA names"). */
    free(c->peer_ca_names);
    c->peer_ca_names = copy;
    c->peer_ca_names_len = n;
    cl->cert_requested = 1;
    TRY(th_add(c, msg, len));
    cl->state = C12_WAIT_SHD;
    return 0;
}

/* ---------------------------------------------------------------------
 * ServerHelloDone and our flight.
 */
static int cert_type_ok(const struct tls12_client *cl, EVP_PKEY *key)
{
    int t = EVP_PKEY_get_base_id(key);
    uint8_t want = (t == EVP_PKEY_RSA || t == EVP_PKEY_RSA_PSS) ? CT_RSA_SIGN : CT_ECDSA_SIGN;
    return memchr(cl->cert_types, want, cl->n_cert_types) != NULL;
}

/* RFC 5246 7.4.8: a scheme the server listed, that we support, for our key. */
static int pick_sigalg(tls_conn *c, uint16_t *out)
{
    struct tls12_client *cl = c->cl12;
    /* SSL_CTX_set1_client_sigalgs, if set, decides what we sign with. */
    const uint16_t *ours = c->cfg->n_client_sigalgs ? c->cfg->client_sigalgs : cl->sigalgs;
    size_t n_ours = c->cfg->n_client_sigalgs ? c->cfg->n_client_sigalgs : cl->n_sigalgs;
    for (size_t i = 0; i < cl->n_cr_sigalgs; i++) {
        uint16_t s = cl->cr_sigalgs[i];
        if (tls_sigalg_get(s) && tls_u16s_has(ours, n_ours, s) &&
            tls_sigalg_key_ok(s, c->cfg->key, 0)) {
            *out = s;
            return 0;
        }
    }
    return TLS_FAIL(TLS_AD_HANDSHAKE_FAILURE, TLS_R_NO_SUITABLE_SIGNATURE_ALGORITHM);
}

static int write_cert(tls_writer *w, X509 *x)
{
    int n = i2d_X509(x, NULL);
    if (n <= 0)
        return TLS_ERR_INTERNAL;
    uint8_t *p;
    TRY(tls_wr_u24(w, (uint32_t)n));
    TRY(tls_wr_space(w, (size_t)n, &p));
    if (i2d_X509(x, &p) != n)
        return TLS_ERR_INTERNAL;
    return 0;
}

static int write_certificate(tls_writer *w, X509 *leaf, STACK_OF(X509) * chain)
{
    size_t msg, list;
    TRY(tls_wr_u8(w, TLS_HS_CERTIFICATE));
    TRY(tls_wr_open(w, 3, &msg));
    TRY(tls_wr_open(w, 3, &list));
    if (leaf) {
        TRY(write_cert(w, leaf));
        for (int i = 0; chain && i < sk_X509_num(chain); i++)
            TRY(write_cert(w, sk_X509_value(chain, i)));
    }
    TRY(tls_wr_close(w, 3, list));
    return tls_wr_close(w, 3, msg);
}

/* struct { SignatureAndHashAlgorithm algorithm; opaque signature<0..2^16-1>; }
 * over all handshake messages so far (RFC 5246 7.4.8). */
static int write_certificate_verify(tls_conn *c, tls_writer *w, uint16_t scheme)
{
    struct tls12_client *cl = c->cl12;
    EVP_PKEY *key = c->cfg->key;
    size_t cap = (size_t)EVP_PKEY_get_size(key), sig_len, msg, m;
    uint8_t *sig = malloc(cap ? cap : 1);
    if (!sig)
        return TLS_ERR_INTERNAL;
    int rc =
        tls_sig_sign(c->cr, scheme, key, 0, cl->th.buf.buf, cl->th.buf.len, sig, cap, &sig_len);
    if (rc == 0)
        c->own_sigalg = scheme;
    if (rc == 0)
        rc = tls_wr_u8(w, TLS_HS_CERTIFICATE_VERIFY);
    if (rc == 0)
        rc = tls_wr_open(w, 3, &msg);
    if (rc == 0)
        rc = tls_wr_u16(w, scheme);
    if (rc == 0)
        rc = tls_wr_open(w, 2, &m);
    if (rc == 0)
        rc = tls_wr_bytes(w, sig, sig_len);
    if (rc == 0)
        rc = tls_wr_close(w, 2, m);
    if (rc == 0)
        rc = tls_wr_close(w, 3, msg);
    free(sig);
    return rc;
}

/* ClientKeyExchange: ECPoint (opaque <1..2^8-1>), dh_Yc (<1..2^16-1>) or
 * EncryptedPreMasterSecret (<0..2^16-1>). */
static int write_client_key_exchange(tls_conn *c, tls_writer *w)
{
    struct tls12_client *cl = c->cl12;
    size_t msg, m;
    int prefix = cl->s12->kx == TLS12_KX_ECDHE ? 1 : 2;
    TRY(tls_wr_u8(w, TLS_HS_CLIENT_KEY_EXCHANGE));
    TRY(tls_wr_open(w, 3, &msg));
    TRY(tls_wr_open(w, prefix, &m));
    TRY(tls_wr_bytes(w, cl->ckx, cl->ckx_len));
    TRY(tls_wr_close(w, prefix, m));
    return tls_wr_close(w, 3, msg);
}

static int write_finished(tls_conn *c, tls_writer *w, int from_server, uint8_t out[12])
{
    struct tls12_client *cl = c->cl12;
    uint8_t th[TLS_MAX_HASH];
    TRY(tls_transcript_hash(&cl->th, th));
    TRY(tls12_finished(cl->s12, cl->ms, from_server, th, cl->th.hash_len, out));
    if (!w)
        return 0;
    /* struct { opaque verify_data[12]; } Finished; */
    TRY(tls_wr_u8(w, TLS_HS_FINISHED));
    TRY(tls_wr_u24(w, 12));
    return tls_wr_bytes(w, out, 12);
}

/* Our CCS and Finished, under the new write keys. */
static int send_ccs_finished(tls_conn *c, tls_writer *w)
{
    uint8_t fin[12];
    TRY(send_ccs(c));
    TRY(switch_keys(c, 1));
    TRY(write_finished(c, w, 0, fin));
    memcpy(c->fin_sent, fin, 12);
    c->fin_len = 12;
    return flush_msg(c, w);
}

static int client_flight(tls_conn *c, tls_writer *w)
{
    struct tls12_client *cl = c->cl12;
    const tls_config *cfg = c->cfg;
    uint16_t scheme = 0;
    int sign = 0;
    if (cl->cert_requested) {
        if (cfg->client_cert && !cl->cert_hook_done)
            TRY(cfg->client_cert(cfg->cb_arg, c));
        cl->cert_hook_done = 0;
        sign = cfg->cert && cfg->key && cert_type_ok(cl, cfg->key) && pick_sigalg(c, &scheme) == 0;
        /* RFC 5246 7.4.6: no suitable certificate: an empty list. */
        TRY(write_certificate(w, sign ? cfg->cert : NULL, cfg->chain));
        TRY(flush_msg(c, w));
    }
    TRY(write_client_key_exchange(c, w));
    TRY(flush_msg(c, w));
    /* RFC 7627 4: the session hash runs through ClientKeyExchange. */
    uint8_t sh[TLS_MAX_HASH];
    TRY(tls_transcript_hash(&cl->th, sh));
    int rc = tls12_master_secret(cl->s12, cl->pms, cl->pms_len, c->ems, sh, cl->th.hash_len,
                                 c->client_random, c->server_random, cl->ms);
    OPENSSL_cleanse(cl->pms, sizeof(cl->pms));
    cl->pms_len = 0;
    TRY(rc);
    cl->have_ms = 1;
    tls_conn_keylog(c, "CLIENT_RANDOM", cl->ms, 48);
    if (sign) {
        TRY(write_certificate_verify(c, w, scheme));
        TRY(flush_msg(c, w));
    }
    return send_ccs_finished(c, w);
}

static int on_server_hello_done(tls_conn *c, const uint8_t *msg, size_t len)
{
    struct tls12_client *cl = c->cl12;
    if (!cl->shd_done) {
        /* struct { } ServerHelloDone; */
        if (len != 4)
            return TLS_FAIL(TLS_AD_DECODE_ERROR, TLS_R_LENGTH_MISMATCH);
        /* RFC 5246 7.4.3: ECDHE and DHE need the ServerKeyExchange. */
        if (cl->s12->kx != TLS12_KX_RSA && cl->pms_len == 0)
            return TLS_FAIL(TLS_AD_UNEXPECTED_MESSAGE, TLS_R_UNEXPECTED_MESSAGE);
        TRY(th_add(c, msg, len));
        /* The server's flight is complete: the application judges the OCSP
         * response (or its absence) before we answer, as OpenSSL's client. */
        TRY(tls_ocsp_client_check(c));
        cl->shd_done = 1;
    }
    /* The certificate choice may suspend: nothing of our flight is out. */
    if (cl->cert_requested && c->cfg->client_cert && !cl->cert_hook_done) {
        int hrc = c->cfg->client_cert(c->cfg->cb_arg, c);
        if (hrc != 0)
            return hrc;
        cl->cert_hook_done = 1;
    }
    cl->shd_done = 0;
    tls_writer w;
    tls_wr_init(&w);
    int rc = client_flight(c, &w);
    tls_wr_free(&w);
    TRY(rc);
    cl->state = cl->ticket_expected ? C12_WAIT_NST : C12_WAIT_CCS;
    return 0;
}

/* ---------------------------------------------------------------------
 * CertificateStatus (RFC 6066 8): only right after the Certificate, and
 * only when the ServerHello announced it; the server may still omit it.
 */
static int on_certificate_status(tls_conn *c, const uint8_t *msg, size_t len)
{
    tls_reader r;
    tls_rd_init(&r, msg + 4, len - 4);
    TRY(tls_ocsp_read_status(c, &r));
    return th_add(c, msg, len);
}

/* ---------------------------------------------------------------------
 * NewSessionTicket (RFC 5077 3.3).
 *
 * struct { uint32 ticket_lifetime_hint; opaque ticket<0..2^16-1>; } NewSessionTicket;
 */
static int on_new_session_ticket(tls_conn *c, const uint8_t *msg, size_t len)
{
    struct tls12_client *cl = c->cl12;
    tls_reader r, t;
    uint32_t lifetime;
    tls_rd_init(&r, msg + 4, len - 4);
    TRY(tls_rd_u32(&r, &lifetime));
    TRY(tls_rd_vec(&r, 2, &t));
    TRY(tls_rd_done(&r));
    size_t n = tls_rd_left(&t);
    /* An empty ticket: the server will not issue one after all. */
    if (n > 0) {
        uint8_t *copy = malloc(n);
        if (!copy)
            return TLS_ERR_INTERNAL;
        int rc = tls_rd_copy(&t, copy, n);
        if (rc < 0) {
            free(copy);
            return rc;
        }
        free(cl->ticket);
        cl->ticket = copy;
        cl->ticket_len = n;
        cl->ticket_lifetime = lifetime;
    }
    TRY(th_add(c, msg, len));
    cl->state = C12_WAIT_CCS;
    return 0;
}

/* ---------------------------------------------------------------------
 * ChangeCipherSpec and the server's Finished.
 */
int tls12_client_ccs(tls_conn *c)
{
    struct tls12_client *cl = c->cl12;
    /* The keys it turns on exist only once the master secret does, and
     * the messages before it have all arrived (EarlyCCS). */
    if (!cl || cl->state != C12_WAIT_CCS || !cl->have_ms)
        return TLS_FAIL(TLS_AD_UNEXPECTED_MESSAGE, TLS_R_CCS_RECEIVED_EARLY);
    TRY(switch_keys(c, 0));
    cl->state = C12_WAIT_FIN;
    return 0;
}

static void session_ready(tls_conn *c)
{
    struct tls12_client *cl = c->cl12;
    if (!c->cfg->event)
        return;
    if (cl->session_id_len > 0 || cl->ticket_len > 0 || (cl->reused && c->cfg->resume_ticket_len))
        c->cfg->event(c->cfg->cb_arg, TLS_EV_SESSION_READY, 1);
}

static int on_finished(tls_conn *c, const uint8_t *msg, size_t len)
{
    struct tls12_client *cl = c->cl12;
    uint8_t want[12];
    if (len != 4 + 12)
        return TLS_FAIL(TLS_AD_DECODE_ERROR, TLS_R_BAD_DIGEST_LENGTH);
    TRY(write_finished(c, NULL, 1, want));
    /* RFC 5246 7.4.9: decrypt_error when verify_data is wrong. */
    if (!tls_ct_equal(want, msg + 4, 12))
        return TLS_FAIL(TLS_AD_DECRYPT_ERROR, TLS_R_DIGEST_CHECK_FAILED);
    memcpy(c->fin_rcvd, msg + 4, 12);
    c->fin_len = 12;
    TRY(th_add(c, msg, len));
    if (cl->reused) {
        tls_writer w;
        tls_wr_init(&w);
        int rc = send_ccs_finished(c, &w);
        tls_wr_free(&w);
        TRY(rc);
    }
    /* The transcript is not needed any more. */
    tls_transcript_free(&cl->th);
    tls_transcript_init(&cl->th);
    cl->state = C12_DONE;
    c->hs_done = 1;
    session_ready(c);
    if (c->cfg->event)
        c->cfg->event(c->cfg->cb_arg, TLS_EV_HANDSHAKE_DONE, 1);
    return 0;
}

/* ---------------------------------------------------------------------
 * HelloRequest (RFC 5246 7.4.1.1): struct { } HelloRequest; never part of
 * the transcript. During a handshake it is ignored; afterwards we decline
 * to renegotiate with a no_renegotiation warning (RFC 5746 4.5 allows it),
 * once per connection: a peer repeating it only gets silence.
 */
static int on_hello_request(tls_conn *c, size_t len)
{
    struct tls12_client *cl = c->cl12;
    if (len != 4)
        return TLS_FAIL(TLS_AD_DECODE_ERROR, TLS_R_BAD_LENGTH);
    if (cl->state == C12_DONE && !c->close_sent && !cl->warned_reneg) {
        cl->warned_reneg = 1;
        tls_conn_send_warning(c, TLS_AD_NO_RENEGOTIATION);
    }
    return 0;
}

/* ---------------------------------------------------------------------
 * Dispatch.
 */
int tls12_client_message(tls_conn *c, const uint8_t *msg, size_t len)
{
    struct tls12_client *cl = c->cl12;
    uint8_t type = msg[0];
    if (!cl)
        return TLS_FAIL(TLS_AD_UNEXPECTED_MESSAGE, TLS_R_UNEXPECTED_MESSAGE);
    if (type == TLS_HS_HELLO_REQUEST)
        return on_hello_request(c, len);
    int status_ok = c->ocsp.window;
    c->ocsp.window = 0;
    if (type == TLS_HS_CERTIFICATE_STATUS && status_ok)
        return on_certificate_status(c, msg, len);
    switch (cl->state) {
    case C12_WAIT_CERT:
        if (type == TLS_HS_CERTIFICATE)
            return on_certificate(c, msg, len);
        break;
    case C12_WAIT_SKE:
        if (type == TLS_HS_SERVER_KEY_EXCHANGE)
            return on_server_key_exchange(c, msg, len);
        break;
    case C12_WAIT_CR_SHD:
        if (type == TLS_HS_CERTIFICATE_REQUEST)
            return on_certificate_request(c, msg, len);
        /* fall through */
    case C12_WAIT_SHD:
        if (type == TLS_HS_SERVER_HELLO_DONE)
            return on_server_hello_done(c, msg, len);
        break;
    case C12_WAIT_NST:
        if (type == TLS_HS_NEW_SESSION_TICKET)
            return on_new_session_ticket(c, msg, len);
        break;
    case C12_WAIT_FIN:
        if (type == TLS_HS_FINISHED)
            return on_finished(c, msg, len);
        break;
    default:
        break;
    }
    return TLS_FAIL(TLS_AD_UNEXPECTED_MESSAGE, TLS_R_UNEXPECTED_MESSAGE);
}

/* ---------------------------------------------------------------------
 * After the handshake.
 */
int tls12_client_reused(const tls_conn *c)
{
    return c->cl12 && c->cl12->reused;
}

int tls12_client_session(const tls_conn *c, tls_session_state *st, const uint8_t **ticket,
                         size_t *ticket_len)
{
    const struct tls12_client *cl = c->cl12;
    if (!cl || !c->hs_done || !cl->have_ms)
        return TLS_FAIL(TLS_AD_NONE, TLS_R_SSL_HANDSHAKE_FAILURE);
    const uint8_t *t = cl->ticket;
    size_t tl = cl->ticket_len;
    /* Resumed by ticket without a new one: the old ticket stays valid. */
    if (!t && cl->reused && c->cfg->resume_ticket_len) {
        t = c->cfg->resume_ticket;
        tl = c->cfg->resume_ticket_len;
    }
    /* Nothing to present next time. */
    if (cl->session_id_len == 0 && tl == 0)
        return TLS_FAIL(TLS_AD_NONE, TLS_R_SSL_HANDSHAKE_FAILURE);
    memset(st, 0, sizeof(*st));
    st->version = TLS_V12;
    st->suite = cl->s12->suite->id;
    memcpy(st->secret, cl->ms, 48);
    st->secret_len = 48;
    memcpy(st->session_id, cl->session_id, cl->session_id_len);
    st->session_id_len = cl->session_id_len;
    st->ems = c->ems;
    st->compression = (uint16_t)c->compression;
    if (cl->reused && c->cfg->resume) {
        st->time = c->cfg->resume->time;
        st->lifetime = c->cfg->resume->lifetime;
    }
    if (!cl->reused || cl->ticket)
        st->time = (uint64_t)time(NULL);
    if (cl->ticket)
        st->lifetime = cl->ticket_lifetime;
    if (c->alpn_len <= sizeof(st->alpn)) {
        memcpy(st->alpn, c->alpn, c->alpn_len);
        st->alpn_len = c->alpn_len;
    }
    *ticket = tl ? t : NULL;
    *ticket_len = tl;
    return 0;
}

int tls12_client_export(tls_conn *c, uint8_t *out, size_t outlen, const char *label,
                        size_t label_len, const uint8_t *context, size_t context_len,
                        int use_context)
{
    struct tls12_client *cl = c->cl12;
    if (!cl || !c->hs_done || !cl->have_ms)
        return TLS_FAIL(TLS_AD_NONE, TLS_R_UNEXPECTED_MESSAGE);
    return tls12_export(cl->s12, cl->ms, c->client_random, c->server_random, label, label_len,
                        context, context_len, use_context, out, outlen);
}
