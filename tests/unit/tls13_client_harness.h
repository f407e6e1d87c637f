// Shared harness for the TLS 1.3 client tests: our core client (tls_conn)
// talking to the system's OpenSSL server in one process through memory BIOs.
// Bytes from the server pass through `tamper` before the client sees them, so
// hostile tests can rewrite the server's flight.
#ifndef SHIMSSL_TESTS_TLS13_CLIENT_HARNESS_H
#define SHIMSSL_TESTS_TLS13_CLIENT_HARNESS_H

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <map>
#include <string>
#include <vector>

extern "C" {
#include "core/record.h"
#include "core/tls.h"
}

#include "testlib/core_pair.h"

namespace tls13test
{

// The pair harness lives in tests/testlib/core_pair.h; these names are the
// ones the client tests use.
using shimtest::test_cert;
using shimtest::test_key;
// Our client alone: its configuration, the bytes it sent, the bytes waiting
// for it (to_client), and what its callbacks reported. Needs libcrypto only.
using Client = shimtest::CoreClient;
// Our client and the system's OpenSSL server (needs libssl).
using Peer = shimtest::CoreClientPair;

// --- wire helpers for hostile tests -----------------------------------------

using shimtest::ext;
using shimtest::hs;
using shimtest::record;
using shimtest::u16;
using shimtest::u24;
using shimtest::u8;

static const std::string
    kHrrRandom("\xCF\x21\xAD\x74\xE5\x9A\x61\x11\xBE\x1D\x8C\x02\x1E\x65\xB8\x91"
               "\xC2\xA2\x11\x16\x7A\xBB\x8C\x5E\x07\x9E\x09\xE2\xC8\xA8\x33\x9C",
               32);

inline std::string x25519_share()
{
    EVP_PKEY *k = EVP_PKEY_Q_keygen(nullptr, nullptr, "X25519");
    uint8_t pub[32];
    size_t n = sizeof(pub);
    EVP_PKEY_get_raw_public_key(k, pub, &n);
    EVP_PKEY_free(k);
    return std::string((const char *)pub, n);
}

inline std::string unhex(const std::string &h)
{
    std::string out;
    for (size_t i = 0; i + 1 < h.size(); i += 2)
        out += (char)std::stoi(h.substr(i, 2), nullptr, 16);
    return out;
}

// The secret for `label` from NSS key log lines.
inline std::string secret_from(const std::vector<std::string> &log, const std::string &label)
{
    for (const auto &l : log)
        if (l.rfind(label + " ", 0) == 0)
            return unhex(l.substr(l.rfind(' ') + 1));
    return "";
}

using shimtest::Rec;
using shimtest::split;

// Find the handshake message of `type` among protected records: (record, offset).
inline bool find_msg(std::vector<Rec> &recs, uint8_t type, size_t *ri, size_t *off)
{
    for (size_t i = 0; i < recs.size(); i++) {
        if (recs[i].type != TLS_CT_HANDSHAKE)
            continue;
        size_t o = 0;
        const std::string &b = recs[i].body;
        while (o + 4 <= b.size()) {
            if ((uint8_t)b[o] == type) {
                *ri = i;
                *off = o;
                return true;
            }
            o += 4 + ((uint8_t)b[o + 1] << 16 | (uint8_t)b[o + 2] << 8 | (uint8_t)b[o + 3]);
        }
    }
    return false;
}

// Replace the body of the first handshake message of `type`.
inline void replace_msg(std::vector<Rec> &recs, uint8_t type, const std::string &body)
{
    size_t ri, off;
    ASSERT_TRUE(find_msg(recs, type, &ri, &off));
    std::string &b = recs[ri].body;
    size_t len = (uint8_t)b[off + 1] << 16 | (uint8_t)b[off + 2] << 8 | (uint8_t)b[off + 3];
    b.replace(off, 4 + len, hs(type, body));
}

// The alert in the last record the client sent since `mark`, decrypting it
// with the client's secret `label` if it is protected. -1 if none.
inline int sent_alert(Client &p, size_t mark, const char *label)
{
    std::vector<Rec> recs = split(p.wire_out.substr(mark));
    if (recs.empty())
        return -1;
    Rec r = recs.back();
    if (r.type == TLS_CT_ALERT && r.body.size() == 2)
        return (uint8_t)r.body[1];
    if (r.type != TLS_CT_APPLICATION_DATA)
        return -1;
    std::string s = secret_from(p.client_keylog, label);
    const tls_suite *suite = tls_suite_get(nullptr, tls_conn_cipher_suite(p.c));
    if (s.empty() || !suite)
        return -1;
    // Our sequence number under that key is small; try the first few.
    for (uint64_t seq = 0; seq < 8; seq++) {
        tls_rec_dir d;
        tls_rec_dir_init(&d, 0);
        if (tls_rec_set_tls13(&d, 0, suite, (const uint8_t *)s.data()) != 0)
            return -1;
        d.seq = seq;
        std::string raw = record(r.type, r.body);
        uint8_t type, *data;
        size_t len;
        int rc = tls_rec_open(&d, (uint8_t *)&raw[0], raw.size(), &type, &data, &len);
        tls_rec_dir_clear(&d);
        if (rc == 0 && type == TLS_CT_ALERT && len == 2)
            return data[1];
    }
    return -1;
}

// The failure is sticky: every later call reports it and queues nothing new.
inline void expect_sticky(Client &p, int rc)
{
    EXPECT_EQ(rc, tls_conn_error(p.c));
    size_t before = p.wire_out.size();
    EXPECT_EQ(rc, tls_conn_handshake(p.c));
    uint8_t b[8];
    size_t n;
    EXPECT_EQ(rc, tls_conn_read(p.c, b, sizeof(b), &n, 0));
    EXPECT_EQ(rc, tls_conn_write(p.c, (const uint8_t *)"x", 1, &n));
    p.client_to_server();
    EXPECT_EQ(before, p.wire_out.size());
    size_t want = 99;
    (void)tls_conn_rbuf(p.c, &want);
    EXPECT_EQ(0u, want);
}

} // namespace tls13test

#endif
