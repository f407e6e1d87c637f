/*
 * TLS 1.3 resumption PSKs and 0-RTT (see tls13_psk.h).
 *
 * Design notes:
 *  - Only resumption PSKs exist here: the identity is a ticket, and compat
 *    turns it into a state (cfg->ticket_open) or a state into one
 *    (cfg->ticket_seal). Core never sees ticket keys.
 *  - The client offers one identity (the session compat handed over); the
 *    server walks the identities in order, at most MAX_TRIED of them, and
 *    takes the first one compat recognises whose hash is the negotiated
 *    suite's. A recognised identity with a wrong binder fails the handshake
 *    (RFC 8446 4.2.11: "MUST validate the corresponding binder value ...
 *    If this value is not present or does not validate, the server MUST
 *    abort the handshake").
 *  - 0-RTT keys: the client switches its write direction to the early key
 *    right after the first ClientHello and keeps it until EndOfEarlyData
 *    (or until the server is known to have refused); the server reads under
 *    it between its flight and EndOfEarlyData. A refusing server skips what
 *    it cannot decrypt, up to a bound (RFC 8446 4.2.10).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "core/custom_ext.h"
#include "core/handshake.h"
#include "core/tls13_psk.h"

/* Identities a server looks at before it gives up on resumption. */
#define MAX_TRIED 16
/* Bound on tickets per call (a huge num_tickets is a configuration slip). */
#define MAX_TICKETS 64
/* OpenSSL's default recv_max_early_data: what a server skips when it
 * refused 0-RTT, whatever it would have accepted. */
#define SKIP_MIN 16384
/* RFC 8446 8.3: tolerance on the client's view of the ticket age before
 * 0-RTT is refused (the handshake itself still resumes). */
#define AGE_TOLERANCE_MS 10000

static uint64_t now_s(void)
{
    time_t t = time(NULL);
    return t > 0 ? (uint64_t)t : 0;
}

static int same_hash(const tls_suite *a, const tls_suite *b)
{
    return a && b && EVP_MD_get_type(a->md) == EVP_MD_get_type(b->md);
}

int tls13_psk_partial_hash(const tls_transcript *t, const EVP_MD *md, const uint8_t *part,
                           size_t len, uint8_t *out)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    ENSURE(ctx != NULL, TLS_ERR_INTERNAL);
    int ok;
    if (t->ctx) {
        /* After a HelloRetryRequest the running hash is the suite's; the
         * PSK must have the same hash (checked by the callers). */
        ok = EVP_MD_get_type(t->md) == EVP_MD_get_type(md) && EVP_MD_CTX_copy_ex(ctx, t->ctx) == 1;
    } else {
        ok = EVP_DigestInit_ex2(ctx, md, NULL) == 1 &&
             (t->buf.len == 0 || EVP_DigestUpdate(ctx, t->buf.buf, t->buf.len) == 1);
    }
    ok = ok && (len == 0 || EVP_DigestUpdate(ctx, part, len) == 1) &&
         EVP_DigestFinal_ex(ctx, out, NULL) == 1;
    EVP_MD_CTX_free(ctx);
    return ok ? 0 : TLS_ERR_INTERNAL;
}

int tls13_psk_binder(const tls_suite *s, const uint8_t *psk, size_t psk_len, const uint8_t *th,
                     uint8_t *out)
{
    /* binder_key = Derive-Secret(Early Secret, "res binder", "");
     * binder = HMAC(finished_key(binder_key), Transcript-Hash(truncated CH)) */
    tls_ks ks;
    uint8_t key[TLS_MAX_HASH];
    int rc = tls_ks_init(&ks, s->cr, s->md);
    if (rc == 0)
        rc = tls_ks_early(&ks, psk, psk_len);
    if (rc == 0)
        rc = tls_ks_binder_key(&ks, 0, key);
    if (rc == 0)
        rc = tls_ks_finished(s->cr, s->md, key, th, out);
    OPENSSL_cleanse(key, sizeof(key));
    tls_ks_clear(&ks);
    return rc;
}

/* ---------------------------------------------------------------------
 * Client.
 */
static int alpn_listed(const uint8_t *list, size_t list_len, const uint8_t *p, size_t n)
{
    tls_reader r, name;
    tls_rd_init(&r, list, list_len);
    while (tls_rd_left(&r) > 0) {
        if (tls_rd_vec(&r, 1, &name) < 0)
            return 0;
        if (tls_rd_left(&name) == n && memcmp(name.p + name.off, p, n) == 0)
            return 1;
    }
    return 0;
}

int tls13_psk_client_setup(tls_conn *c, const uint16_t *suites, size_t n)
{
    const tls_config *cfg = c->cfg;
    const tls_session_state *st = cfg->resume;
    tls_conn_psk *p = &c->psk;
    p->offered = 0;
    if (!st || st->version != TLS_V13 || !cfg->resume_ticket || cfg->resume_ticket_len == 0 ||
        cfg->resume_ticket_len > 0xffff)
        return 0;
    const tls_suite *s = tls_suite_get(c->cr, st->suite);
    if (!s || !s->cipher || st->secret_len != s->hash_len)
        return 0;
    /* RFC 8446 4.2.11: a PSK is only usable with a suite of its hash. */
    int hash_ok = 0, suite_ok = 0;
    for (size_t i = 0; i < n; i++) {
        const tls_suite *o = tls_suite_get(c->cr, suites[i]);
        hash_ok |= same_hash(o, s);
        suite_ok |= suites[i] == st->suite;
    }
    if (!hash_ok)
        return 0;
    /* RFC 8446 4.6.1: a ticket is not used past its lifetime. */
    uint64_t now = now_s();
    if (now > st->time && now - st->time > st->lifetime)
        return 0;
    p->suite = s;
    memcpy(p->key, st->secret, st->secret_len);
    p->key_len = st->secret_len;
    p->offered = 1;
    /* RFC 8446 4.2.10: 0-RTT uses the PSK's suite and the ALPN protocol
     * the session negotiated. */
    if (((cfg->flags & TLS_CFG_EARLY_DATA) || p->early_want) && st->max_early_data > 0 &&
        suite_ok &&
        (st->alpn_len == 0 || alpn_listed(cfg->alpn, cfg->alpn_len, st->alpn, st->alpn_len))) {
        p->early_phase = TLS_EPH_OFFER;
        p->early_max = st->max_early_data;
        p->early_count = 0;
    }
    return 0;
}

/*
 * struct { opaque identity<1..2^16-1>; uint32 obfuscated_ticket_age; } PskIdentity;
 * opaque PskBinderEntry<32..255>;
 * struct {
 *     PskIdentity identities<7..2^16-1>;
 *     PskBinderEntry binders<33..2^16-1>;
 * } OfferedPsks;
 */
int tls13_psk_client_write(tls_conn *c, tls_writer *w)
{
    const tls_config *cfg = c->cfg;
    const tls_session_state *st = cfg->resume;
    size_t hl = c->psk.suite->hash_len, m, m2;
    uint64_t now = now_s();
    /* RFC 8446 4.2.11.1: age in milliseconds plus ticket_age_add, mod 2^32. */
    uint64_t age_ms = now > st->time ? (now - st->time) * 1000 : 0;
    uint32_t obf = (uint32_t)(age_ms + st->age_add);
    TRY(tls_wr_open(w, 2, &m));
    TRY(tls_wr_open(w, 2, &m2));
    TRY(tls_wr_bytes(w, cfg->resume_ticket, cfg->resume_ticket_len));
    TRY(tls_wr_close(w, 2, m2));
    TRY(tls_wr_u32(w, obf));
    TRY(tls_wr_close(w, 2, m));
    /* The binder is filled in once the whole message is known. */
    uint8_t *b;
    TRY(tls_wr_u16(w, (uint16_t)(1 + hl)));
    TRY(tls_wr_u8(w, (uint8_t)hl));
    TRY(tls_wr_space(w, hl, &b));
    memset(b, 0, hl);
    return 0;
}

int tls13_psk_client_bind(tls_conn *c, const tls_transcript *t, tls_writer *w)
{
    const tls_suite *s = c->psk.suite;
    size_t hl = s->hash_len;
    uint8_t th[TLS_MAX_HASH], binder[TLS_MAX_HASH];
    ENSURE(!w->failed && w->len > 3 + hl, TLS_ERR_INTERNAL);
    /* RFC 8446 4.2.11.2: over the ClientHello up to, not including, the
     * binders list (its length prefix excluded too). */
    TRY(tls13_psk_partial_hash(t, s->md, w->buf, w->len - (2 + 1 + hl), th));
    TRY(tls13_psk_binder(s, c->psk.key, c->psk.key_len, th, binder));
    memcpy(w->buf + w->len - hl, binder, hl);
    OPENSSL_cleanse(binder, sizeof(binder));
    return 0;
}

/* early_exporter_master_secret = Derive-Secret(Early Secret, "e exp master",
 * ClientHello), with the 0-RTT traffic secret (RFC 8446 7.1). */
static int early_exporter(tls_conn *c, const uint8_t *th)
{
    tls_conn_psk *p = &c->psk;
    TRY(tls_derive_secret(c->ks.cr, c->ks.md, c->ks.secret, "e exp master", th, p->early_exporter));
    p->have_early_exporter = 1;
    tls_conn_keylog(c, "EARLY_EXPORTER_SECRET", p->early_exporter, c->ks.hash_len);
    return 0;
}

int tls13_early_client_start(tls_conn *c, const tls_transcript *t)
{
    tls_conn_psk *p = &c->psk;
    if (p->early_phase != TLS_EPH_OFFER)
        return 0;
    const tls_suite *s = p->suite;
    uint8_t th[TLS_MAX_HASH];
    TRY(tls13_psk_partial_hash(t, s->md, NULL, 0, th));
    TRY(tls_ks_init(&c->ks, s->cr, s->md));
    TRY(tls_ks_early(&c->ks, p->key, p->key_len));
    TRY(tls_ks_early_traffic(&c->ks, th));
    tls_conn_keylog(c, "CLIENT_EARLY_TRAFFIC_SECRET", c->ks.client_early, s->hash_len);
    TRY(early_exporter(c, th));
    /* RFC 8446 D.4: with early data, the compatibility CCS goes right
     * after the first ClientHello. */
    if (!(c->cfg->flags & TLS_CFG_NO_MIDDLEBOX_COMPAT)) {
        static const uint8_t ccs = 1;
        tls_conn_state(c, TLS_STATE_WRITE | TLS_STATE_CCS);
        TRY(tls_conn_send(c, TLS_CT_CHANGE_CIPHER_SPEC, &ccs, 1));
        if (c->cfg->msg)
            c->cfg->msg(c->cfg->cb_arg, 1, TLS_V13, TLS_CT_CHANGE_CIPHER_SPEC, &ccs, 1);
        p->ccs_sent = 1;
    }
    TRY(tls_rec_set_tls13(&c->wr, 1, s, c->ks.client_early));
    p->early_phase = TLS_EPH_SENDING;
    return 0;
}

static void early_refused(tls_conn *c)
{
    c->psk.early_phase = TLS_EPH_DONE;
    c->psk.early_status = TLS_EARLY_REJECTED;
}

int tls13_psk_client_hrr(tls_conn *c, const tls_suite *s)
{
    tls_conn_psk *p = &c->psk;
    /* RFC 8446 4.2.10: a HelloRetryRequest refuses 0-RTT; the second
     * ClientHello goes out in plaintext. */
    if (p->early_phase == TLS_EPH_SENDING || p->early_phase == TLS_EPH_OFFER) {
        early_refused(c);
        tls_rec_dir_clear(&c->wr);
        tls_rec_dir_init(&c->wr, 1);
    }
    /* RFC 8446 4.1.4: the PSK stays only if its hash is the suite's. */
    if (p->offered && !same_hash(p->suite, s))
        p->offered = 0;
    return 0;
}

int tls13_early_client_tls12(tls_conn *c)
{
    /* RFC 8446 D.3: "A client that attempts to send 0-RTT data MUST fail a
     * connection if it receives a ServerHello with TLS 1.2 or older." */
    if (c->psk.early_phase == TLS_EPH_SENDING)
        return TLS_FAIL(TLS_AD_PROTOCOL_VERSION, TLS_R_WRONG_SSL_VERSION);
    return 0;
}

/* struct { uint16 selected_identity; } in ServerHello's pre_shared_key. */
int tls13_psk_client_server_hello(tls_conn *c, tls_ext *e, const tls_suite *s)
{
    tls_conn_psk *p = &c->psk;
    uint16_t sel;
    p->accepted = 0;
    if (!e)
        return 0;
    TRY(tls_rd_u16(&e->body, &sel));
    TRY(tls_rd_done(&e->body));
    /* RFC 8446 4.2.11: an identity we did not offer is illegal_parameter. */
    if (!p->offered || sel != 0)
        return TLS_FAIL(TLS_AD_ILLEGAL_PARAMETER, TLS_R_BAD_PSK_IDENTITY);
    /* "Clients MUST verify that the server's selected_identity is within
     * the range supplied by the client, that the server selected a cipher
     * suite indicating a Hash associated with the PSK". */
    if (!same_hash(p->suite, s))
        return TLS_FAIL(TLS_AD_ILLEGAL_PARAMETER, TLS_R_BAD_PSK);
    p->accepted = 1;
    return 0;
}

int tls13_early_client_after_sh(tls_conn *c)
{
    tls_conn_psk *p = &c->psk;
    if (p->early_phase == TLS_EPH_SENDING) {
        /* Accepted or not is for EncryptedExtensions to say; until then the
         * early key stays. Without the PSK there is no 0-RTT at all. */
        if (p->accepted)
            return 0;
        early_refused(c);
    }
    return tls_conn_set_secret(c, 1, c->ks.client_hs);
}

int tls13_early_client_ee(tls_conn *c, int accepted)
{
    tls_conn_psk *p = &c->psk;
    if (accepted) {
        if (p->early_phase != TLS_EPH_SENDING)
            return TLS_FAIL(TLS_AD_UNSUPPORTED_EXTENSION, TLS_R_UNSOLICITED_EXTENSION);
        /* RFC 8446 4.2.10: accepting 0-RTT means keeping its suite. */
        if (c->suite->id != c->cfg->resume->suite)
            return TLS_FAIL(TLS_AD_ILLEGAL_PARAMETER, TLS_R_BAD_EARLY_DATA);
        p->early_status = TLS_EARLY_ACCEPTED;
        return 0;
    }
    if (p->early_phase != TLS_EPH_SENDING)
        return 0;
    early_refused(c);
    return tls_conn_set_secret(c, 1, c->ks.client_hs);
}

int tls13_early_client_end(tls_conn *c, tls_transcript *t)
{
    tls_conn_psk *p = &c->psk;
    if (p->early_phase != TLS_EPH_SENDING || p->early_status != TLS_EARLY_ACCEPTED)
        return 0;
    /* struct {} EndOfEarlyData; under the early key, in the transcript. */
    static const uint8_t eoed[4] = {TLS_HS_END_OF_EARLY_DATA, 0, 0, 0};
    TRY(tls_transcript_update(t, eoed, sizeof(eoed)));
    TRY(tls_conn_send_hs(c, eoed, sizeof(eoed)));
    p->early_phase = TLS_EPH_DONE;
    return tls_conn_set_secret(c, 1, c->ks.client_hs);
}

/* ---------------------------------------------------------------------
 * Server.
 */
int tls13_psk_server_offer(tls_conn *c, const tls_transcript *t, const uint8_t *msg, size_t len,
                           const tls_suite *s, tls_reader ids, tls_reader binders,
                           size_t binders_total)
{
    const tls_config *cfg = c->cfg;
    tls_conn_psk *p = &c->psk;
    p->accepted = 0;
    if (!cfg->ticket_open)
        return 0;
    ENSURE(binders_total < len, TLS_ERR_INTERNAL);
    /* As OpenSSL: new tickets follow only if some identity was not ours
     * (or not usable), or the one resumed asks for renewal. */
    p->no_tickets = 1;
    for (uint16_t i = 0; i < MAX_TRIED && tls_rd_left(&ids) > 0; i++) {
        tls_reader id, b;
        uint32_t age;
        TRY(tls_rd_vec_bounded(&ids, 2, 1, 0xffff, &id));
        TRY(tls_rd_u32(&ids, &age));
        TRY(tls_rd_vec_bounded(&binders, 1, 32, 255, &b));
        tls_session_state st;
        memset(&st, 0, sizeof(st));
        int rc = cfg->ticket_open(cfg->cb_arg, c, id.p + id.off, tls_rd_left(&id), &st);
        if (rc < 0) {
            OPENSSL_cleanse(&st, sizeof(st));
            return rc;
        }
        const tls_suite *ps = tls_suite_get(c->cr, st.suite);
        /* Ignored by the application: the next one, owing nothing. */
        if (rc == 3) {
            OPENSSL_cleanse(&st, sizeof(st));
            continue;
        }
        /* Unknown, or not usable with the suite chosen: the next one. */
        if (rc == 1 || st.version != TLS_V13 || !same_hash(ps, s) || st.secret_len != s->hash_len) {
            p->no_tickets = 0;
            OPENSSL_cleanse(&st, sizeof(st));
            continue;
        }
        if (rc == 2)
            p->no_tickets = 0;
        uint8_t th[TLS_MAX_HASH], mine[TLS_MAX_HASH];
        size_t bl = tls_rd_left(&b);
        const uint8_t *theirs;
        TRY(tls_rd_bytes(&b, bl, &theirs));
        /* A binder of the wrong size is malformed (OpenSSL: decode_error). */
        if (bl != s->hash_len) {
            OPENSSL_cleanse(&st, sizeof(st));
            return TLS_FAIL(TLS_AD_DECODE_ERROR, TLS_R_BAD_EXTENSION);
        }
        rc = tls13_psk_partial_hash(t, s->md, msg, len - binders_total, th);
        if (rc == 0)
            rc = tls13_psk_binder(s, st.secret, st.secret_len, th, mine);
        if (rc == 0 && !tls_ct_equal(mine, theirs, bl))
            rc = TLS_ERR(TLS_AD_DECRYPT_ERROR, TLS_R_BINDER_DOES_NOT_VERIFY);
        OPENSSL_cleanse(mine, sizeof(mine));
        if (rc < 0) {
            OPENSSL_cleanse(&st, sizeof(st));
            return rc;
        }
        p->accepted = 1;
        p->selected = i;
        p->obf_age = age;
        p->suite = ps;
        memcpy(p->key, st.secret, st.secret_len);
        p->key_len = st.secret_len;
        p->st = st;
        p->have_st = 1;
        OPENSSL_cleanse(&st, sizeof(st));
        return 0;
    }
    return 0;
}

/* RFC 8446 8.3: the client's idea of the ticket age against ours. */
static int age_plausible(const tls_conn *c)
{
    const tls_session_state *st = &c->psk.st;
    uint64_t now = now_s();
    int64_t expected = now > st->time ? (int64_t)((now - st->time) * 1000) : 0;
    int64_t claimed = (int64_t)(uint32_t)(c->psk.obf_age - st->age_add);
    int64_t d = expected - claimed;
    return d <= AGE_TOLERANCE_MS && d >= -AGE_TOLERANCE_MS;
}

void tls13_early_server_decide(tls_conn *c, int have_early_data, int hrr, const tls_suite *s)
{
    const tls_config *cfg = c->cfg;
    tls_conn_psk *p = &c->psk;
    uint32_t skip_max = cfg->max_early_data > SKIP_MIN ? cfg->max_early_data : SKIP_MIN;
    p->early_skip = 0;
    if (hrr) {
        /* RFC 8446 4.2.10: a server that answers with a HelloRetryRequest
         * skips 0-RTT records until the second ClientHello. No early data
         * will be read in this handshake (OpenSSL's SSL_read_early_data
         * says FINISH once the HelloRetryRequest is out). */
        p->early_phase = TLS_EPH_DONE;
        if (have_early_data) {
            p->early_status = TLS_EARLY_REJECTED;
            p->early_skip = 1;
            p->early_max = skip_max;
            p->early_count = 0;
        }
        return;
    }
    int ok = have_early_data && p->accepted && p->selected == 0 && !c->did_hrr &&
             cfg->max_early_data > 0 && p->st.max_early_data > 0 && p->st.suite == s->id &&
             p->st.alpn_len == c->alpn_len && memcmp(p->st.alpn, c->alpn, c->alpn_len) == 0 &&
             age_plausible(c) && cfg->early_data_ok &&
             cfg->early_data_ok(cfg->cb_arg, c, &p->st) == 1;
    p->early_count = 0;
    if (ok) {
        p->early_phase = TLS_EPH_READING;
        p->early_status = TLS_EARLY_ACCEPTED;
        p->early_max = cfg->max_early_data;
        return;
    }
    p->early_phase = TLS_EPH_DONE;
    if (have_early_data) {
        p->early_status = TLS_EARLY_REJECTED;
        p->early_skip = 1;
        p->early_max = skip_max;
    }
}

int tls13_psk_server_early(tls_conn *c, const tls_transcript *t)
{
    tls_conn_psk *p = &c->psk;
    if (!p->accepted)
        return 0;
    TRY(tls_ks_early(&c->ks, p->key, p->key_len));
    if (p->early_phase != TLS_EPH_READING)
        return 0;
    uint8_t th[TLS_MAX_HASH];
    TRY(tls13_psk_partial_hash(t, c->ks.md, NULL, 0, th));
    TRY(tls_ks_early_traffic(&c->ks, th));
    tls_conn_keylog(c, "CLIENT_EARLY_TRAFFIC_SECRET", c->ks.client_early, c->ks.hash_len);
    return early_exporter(c, th);
}

/* struct {} EndOfEarlyData; */
int tls13_early_server_eoed(tls_conn *c, const uint8_t *msg, size_t len)
{
    (void)msg;
    if (len != 4)
        return TLS_FAIL(TLS_AD_DECODE_ERROR, TLS_R_LENGTH_MISMATCH);
    c->psk.early_phase = TLS_EPH_DONE;
    return tls_conn_set_secret(c, 0, c->ks.client_hs);
}

/*
 * struct {
 *     uint32 ticket_lifetime;
 *     uint32 ticket_age_add;
 *     opaque ticket_nonce<0..255>;
 *     opaque ticket<1..2^16-1>;
 *     Extension extensions<0..2^16-2>;
 * } NewSessionTicket;
 */
static int write_ticket(tls_conn *c, tls_writer *w, tls_session_state *st, uint8_t *tbuf, int *made)
{
    const tls_config *cfg = c->cfg;
    tls_conn_psk *p = &c->psk;
    uint8_t nonce[8];
    size_t tl = 0, msg, exts;
    *made = 0;
    memset(st, 0, sizeof(*st));
    st->version = TLS_V13;
    st->suite = c->suite->id;
    st->time = now_s();
    st->lifetime = cfg->ticket_lifetime ? cfg->ticket_lifetime : 7200;
    st->max_early_data = cfg->max_early_data;
    st->max_fragment_code = c->mfl_code;
    st->alpn_len = c->alpn_len < sizeof(st->alpn) ? c->alpn_len : sizeof(st->alpn);
    memcpy(st->alpn, c->alpn, st->alpn_len);
    for (int i = 0; i < 8; i++)
        nonce[i] = (uint8_t)(p->nonce_ctr >> (56 - 8 * i));
    p->nonce_ctr++;
    TRY(tls_random(c->cr, (uint8_t *)&st->age_add, sizeof(st->age_add)));
    /* RFC 8446 4.6.1: PSK = HKDF-Expand-Label(resumption_master_secret,
     * "resumption", ticket_nonce, Hash.length). */
    TRY(tls_ks_ticket_psk(c->cr, c->suite->md, c->ks.resumption, nonce, sizeof(nonce), st->secret));
    st->secret_len = c->suite->hash_len;
    int rc = cfg->ticket_seal(cfg->cb_arg, c, st, tbuf, 0xffff, &tl);
    if (rc != 0)
        return rc < 0 ? rc : 0;
    ENSURE(tl > 0 && tl <= 0xffff, TLS_ERR_INTERNAL);
    /* RFC 8446 4.6.1: "Servers MUST NOT use any value greater than
     * 604800 seconds (7 days)." */
    uint32_t lifetime = st->lifetime > 604800 ? 604800 : st->lifetime;
    TRY(tls_wr_u8(w, TLS_HS_NEW_SESSION_TICKET));
    TRY(tls_wr_open(w, 3, &msg));
    TRY(tls_wr_u32(w, lifetime));
    TRY(tls_wr_u32(w, st->age_add));
    TRY(tls_wr_u8(w, sizeof(nonce)));
    TRY(tls_wr_bytes(w, nonce, sizeof(nonce)));
    TRY(tls_wr_u16(w, (uint16_t)tl));
    TRY(tls_wr_bytes(w, tbuf, tl));
    TRY(tls_wr_open(w, 2, &exts));
    TRY(tls_cext_write(c, TLS_EXTCTX_TLS1_3_NEW_SESSION_TICKET, NULL, 0, w));
    if (cfg->max_early_data > 0) {
        /* struct { uint32 max_early_data_size; } in NewSessionTicket. */
        TRY(tls_wr_u16(w, TLS_EXT_EARLY_DATA));
        TRY(tls_wr_u16(w, 4));
        TRY(tls_wr_u32(w, cfg->max_early_data));
    }
    TRY(tls_wr_close(w, 2, exts));
    TRY(tls_wr_close(w, 3, msg));
    *made = 1;
    return 0;
}

int tls13_psk_server_tickets(tls_conn *c, size_t n)
{
    const tls_config *cfg = c->cfg;
    tls_conn_psk *p = &c->psk;
    if (!cfg->ticket_seal || n == 0)
        return 0;
    ENSURE(c->ks.have_resumption && c->suite, TLS_ERR_INTERNAL);
    if (n > MAX_TICKETS)
        n = MAX_TICKETS;
    uint8_t *tbuf = malloc(0xffff);
    ENSURE(tbuf != NULL, TLS_ERR_INTERNAL);
    size_t at[MAX_TICKETS + 1];
    size_t k = 0;
    tls_writer w;
    tls_wr_init(&w);
    int rc = 0;
    at[0] = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        tls_session_state st;
        int made = 0;
        rc = write_ticket(c, &w, &st, tbuf, &made);
        if (rc == 0 && w.failed)
            rc = TLS_ERR_INTERNAL;
        if (rc == 0 && made) {
            at[++k] = w.len;
            p->st = st;
            p->have_st = 1;
        }
        OPENSSL_cleanse(&st, sizeof(st));
        if (!made)
            break;
    }
    /* One write for all of them. */
    if (rc == 0 && w.len > 0)
        rc = tls_conn_send(c, TLS_CT_HANDSHAKE, w.buf, w.len);
    for (size_t i = 0; rc == 0 && i < k; i++) {
        tls_conn_state(c, TLS_STATE_WRITE | TLS_HS_NEW_SESSION_TICKET);
        if (cfg->msg)
            cfg->msg(cfg->cb_arg, 1, TLS_V13, TLS_CT_HANDSHAKE, w.buf + at[i], at[i + 1] - at[i]);
    }
    OPENSSL_cleanse(tbuf, 0xffff);
    free(tbuf);
    tls_wr_free(&w);
    return rc;
}

/* ---------------------------------------------------------------------
 * Record layer hooks.
 */
static int count_early(tls_conn *c, size_t len)
{
    tls_conn_psk *p = &c->psk;
    /* RFC 8446 4.2.10: more than max_early_data_size is unexpected_message. */
    if (len > p->early_max || p->early_count > p->early_max - len)
        return TLS_FAIL(TLS_AD_UNEXPECTED_MESSAGE, TLS_R_TOO_MUCH_EARLY_DATA);
    p->early_count += (uint32_t)len;
    return 0;
}

int tls13_early_skip(tls_conn *c, int open_rc, size_t body_len)
{
    /* What a record carries at most besides the data: type byte and tag. */
    size_t overhead = 1 + TLS_AEAD_TAG_LEN;
    size_t data = body_len > overhead ? body_len - overhead : 0;
    if (c->rd.mode == TLS_REC_PLAIN) {
        /* After a HelloRetryRequest: 0-RTT under a key we never made. */
        TRY(count_early(c, data));
        return 1;
    }
    if (open_rc == TLS_ERR(TLS_AD_BAD_RECORD_MAC, TLS_R_DECRYPTION_FAILED_OR_BAD_RECORD_MAC)) {
        TRY(count_early(c, data));
        return 1;
    }
    /* RFC 8446 4.2.10: the first record that decrypts under the handshake
     * key ends the skipping. */
    if (open_rc >= 0)
        c->psk.early_skip = 0;
    return 0;
}

int tls13_early_count(tls_conn *c, size_t len)
{
    return count_early(c, len);
}

/* ---------------------------------------------------------------------
 * API.
 */
int tls13_psk_session(const tls_conn *c, tls_session_state *st, const uint8_t **ticket,
                      size_t *ticket_len)
{
    memset(st, 0, sizeof(*st));
    *ticket = NULL;
    *ticket_len = 0;
    if (!c->is_server) {
        const tls_conn_ticket *t = &c->tickets[0];
        if (!t->valid)
            return TLS_FAIL(TLS_AD_NONE, TLS_R_SSL_HANDSHAKE_FAILURE);
        st->version = TLS_V13;
        st->suite = t->suite;
        memcpy(st->secret, t->psk, t->psk_len);
        st->secret_len = t->psk_len;
        st->time = t->time;
        st->lifetime = t->lifetime;
        st->age_add = t->age_add;
        st->max_early_data = t->max_early_data;
        st->alpn_len = c->alpn_len < sizeof(st->alpn) ? c->alpn_len : sizeof(st->alpn);
        memcpy(st->alpn, c->alpn, st->alpn_len);
        *ticket = t->ticket;
        *ticket_len = t->ticket_len;
        return 0;
    }
    if (c->psk.have_st) {
        *st = c->psk.st;
        return 0;
    }
    if (!c->hs_done || !c->suite)
        return TLS_FAIL(TLS_AD_NONE, TLS_R_SSL_HANDSHAKE_FAILURE);
    /* No ticket was made: the facts of the session, without a PSK. */
    st->version = TLS_V13;
    st->suite = c->suite->id;
    st->time = now_s();
    st->lifetime = c->cfg->ticket_lifetime ? c->cfg->ticket_lifetime : 7200;
    st->alpn_len = c->alpn_len < sizeof(st->alpn) ? c->alpn_len : sizeof(st->alpn);
    memcpy(st->alpn, c->alpn, st->alpn_len);
    return 0;
}

int tls_conn_send_tickets(tls_conn *c, size_t n)
{
    if (c->err)
        return c->err;
    if (!c->is_server || !c->hs_done || c->version != TLS_V13 || c->close_sent)
        return TLS_FAIL(TLS_AD_NONE, TLS_R_UNEXPECTED_MESSAGE);
    int rc = tls13_psk_server_tickets(c, n);
    return rc < 0 ? tls_conn_fail(c, rc) : 0;
}

int tls_conn_export_early(tls_conn *c, uint8_t *out, size_t outlen, const char *label,
                          size_t label_len, const uint8_t *context, size_t context_len)
{
    const tls_conn_psk *p = &c->psk;
    /* OpenSSL: a client that sent early data, a server that accepted it. */
    if (!p->have_early_exporter || !p->suite ||
        (c->is_server && p->early_status != TLS_EARLY_ACCEPTED))
        return TLS_ERR(TLS_AD_NONE, TLS_R_UNEXPECTED_MESSAGE);
    return tls_ks_export(c->cr, p->suite->md, p->early_exporter, label, label_len, context,
                         context_len, out, outlen);
}

int tls_conn_early_status(const tls_conn *c)
{
    return c->psk.early_status;
}

int tls_conn_write_early(tls_conn *c, const uint8_t *buf, size_t len, size_t *n)
{
    tls_conn_psk *p = &c->psk;
    *n = 0;
    if (c->err)
        return c->err;
    if (c->is_server)
        return TLS_FAIL(TLS_AD_NONE, TLS_R_UNEXPECTED_MESSAGE);
    if (!c->cl && !c->hs_done) {
        p->early_want = 1;
        int rc = tls_conn_handshake(c);
        if (rc < 0)
            return rc;
    }
    if (p->early_phase != TLS_EPH_SENDING)
        return TLS_FAIL(TLS_AD_NONE, TLS_R_BAD_EARLY_DATA);
    size_t room = p->early_max - p->early_count;
    if (len > 0 && room == 0)
        return TLS_FAIL(TLS_AD_NONE, TLS_R_TOO_MUCH_EARLY_DATA);
    size_t k = len < room ? len : room;
    if (k > TLS_MAX_PLAINTEXT)
        k = TLS_MAX_PLAINTEXT;
    if (k == 0)
        return TLS_OK;
    int rc = tls_conn_send(c, TLS_CT_APPLICATION_DATA, buf, k);
    if (rc < 0)
        return tls_conn_fail(c, rc);
    p->early_count += (uint32_t)k;
    *n = k;
    return TLS_OK;
}
