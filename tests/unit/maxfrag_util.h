// Helpers shared by the record size tests (maxfrag_test.cc core to core,
// maxfrag_vs_openssl_test.cc against the system's OpenSSL): data patterns,
// record size arithmetic, and rewriting one extension of a ClientHello.
#ifndef SHIMSSL_TESTS_MAXFRAG_UTIL_H
#define SHIMSSL_TESTS_MAXFRAG_UTIL_H

#include <string>

#include "unit/tls13_server_harness.h"

namespace maxfrag
{
using tls13srv::ext;
using tls13srv::hs;
using tls13srv::record;
using tls13srv::u16;

const unsigned kExtMfl = 1;

inline size_t code_bytes(int code)
{
    return code ? (size_t)1 << (8 + code) : 16384;
}

// AEAD expansion of one record: TLS 1.3 type byte + tag, TLS 1.2 GCM
// explicit nonce + tag.
inline size_t overhead(uint16_t version)
{
    return version == TLS_V13 ? 1 + 16 : 8 + 16;
}

inline std::string pattern(size_t n, unsigned seed)
{
    std::string s(n, 0);
    for (size_t i = 0; i < n; i++)
        s[i] = (char)((i * 131 + seed * 7 + (i >> 8)) & 0xff);
    return s;
}

// Every record body at most limit + AEAD overhead; returns how many
// application_data records had exactly the full size.
inline size_t check_records(const std::string &wire, size_t limit, uint16_t version)
{
    size_t full = 0;
    for (const tls13srv::Rec &r : tls13srv::split(wire)) {
        EXPECT_LE(r.body.size(), limit + overhead(version)) << "record type " << (int)r.type;
        if (r.type == 0x17 && r.body.size() == limit + overhead(version))
            full++;
    }
    return full;
}

// Replace the body of extension `type` in the (single, plaintext)
// ClientHello record `rec`, fixing every enclosing length.
inline std::string replace_ext(const std::string &rec, unsigned type, const std::string &body)
{
    auto get16 = [&](size_t at) { return (size_t)(uint8_t)rec[at] << 8 | (uint8_t)rec[at + 1]; };
    size_t off = 5 + 4 + 2 + 32;
    off += 1 + (uint8_t)rec[off];
    off += 2 + get16(off);
    off += 1 + (uint8_t)rec[off];
    size_t ext_start = off + 2, ext_end = ext_start + get16(off);
    std::string exts;
    for (size_t at = ext_start; at < ext_end;) {
        unsigned t = (unsigned)get16(at);
        size_t len = get16(at + 2);
        exts += t == type ? ext(t, body) : rec.substr(at, 4 + len);
        at += 4 + len;
    }
    std::string ch_body = rec.substr(9, off - 9) + u16(exts.size()) + exts;
    return record(0x16, hs(1, ch_body), (uint8_t)rec[1] << 8 | (uint8_t)rec[2]);
}

} // namespace maxfrag

#endif
