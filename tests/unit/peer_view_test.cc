// core/peer_view: the DER item lists compat reads (CA names, OCSP
// ResponderIDs) and writes, in the RFC's opaque<1..2^16-1> framing.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/peer_view.h"

namespace
{

TEST(PeerViewDerList, WritesAndIteratesItems)
{
    const uint8_t a[] = {0x30, 0x00};
    const uint8_t b[] = {0x30, 0x03, 0x02, 0x01, 0x05};
    tls_writer w;
    tls_wr_init(&w);
    ASSERT_EQ(tls_der_list_put(&w, a, sizeof(a)), 0);
    ASSERT_EQ(tls_der_list_put(&w, b, sizeof(b)), 0);
    const std::vector<uint8_t> want = {0x00, 0x02, 0x30, 0x00, 0x00, 0x05,
                                       0x30, 0x03, 0x02, 0x01, 0x05};
    ASSERT_EQ(std::vector<uint8_t>(w.buf, w.buf + w.len), want);

    tls_der_iter it;
    tls_rd_init(&it.r, w.buf, w.len);
    const uint8_t *der;
    size_t len;
    ASSERT_EQ(tls_der_iter_next(&it, &der, &len), 1);
    EXPECT_EQ(std::vector<uint8_t>(der, der + len), std::vector<uint8_t>(a, a + sizeof(a)));
    ASSERT_EQ(tls_der_iter_next(&it, &der, &len), 1);
    EXPECT_EQ(std::vector<uint8_t>(der, der + len), std::vector<uint8_t>(b, b + sizeof(b)));
    EXPECT_EQ(tls_der_iter_next(&it, &der, &len), 0);
    tls_wr_free(&w);
}

TEST(PeerViewDerList, RefusesEmptyAndOversizedItems)
{
    std::vector<uint8_t> big(0x10000, 0x30);
    tls_writer w;
    tls_wr_init(&w);
    EXPECT_LT(tls_der_list_put(&w, big.data(), 0), 0);
    EXPECT_LT(tls_der_list_put(&w, big.data(), big.size()), 0);
    EXPECT_EQ(tls_der_list_put(&w, big.data(), 0xffff), 0);
    EXPECT_EQ(w.len, 0x10001u);
    tls_wr_free(&w);
}

TEST(PeerViewDerList, StopsAtATruncatedItem)
{
    // Second item claims 4 bytes, only 2 follow.
    const uint8_t in[] = {0x00, 0x01, 0xaa, 0x00, 0x04, 0xbb, 0xcc};
    tls_der_iter it;
    tls_rd_init(&it.r, in, sizeof(in));
    const uint8_t *der;
    size_t len;
    ASSERT_EQ(tls_der_iter_next(&it, &der, &len), 1);
    EXPECT_EQ(len, 1u);
    EXPECT_EQ(der[0], 0xaa);
    EXPECT_EQ(tls_der_iter_next(&it, &der, &len), 0);
}

} // namespace

namespace
{

TEST(PeerViewProtocolNames, WalksAndRefusesEmptyOrOverrunningNames)
{
    const uint8_t ok[] = {2, 'h', '2', 8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
    tls_reader r;
    const uint8_t *name;
    size_t len;
    tls_rd_init(&r, ok, sizeof(ok));
    ASSERT_EQ(tls_protocol_name_next(&r, &name, &len), 1);
    EXPECT_EQ(std::string(reinterpret_cast<const char *>(name), len), "h2");
    ASSERT_EQ(tls_protocol_name_next(&r, &name, &len), 1);
    EXPECT_EQ(std::string(reinterpret_cast<const char *>(name), len), "http/1.1");
    EXPECT_EQ(tls_protocol_name_next(&r, &name, &len), 0);

    const uint8_t empty_name[] = {2, 'h', '2', 0};
    tls_rd_init(&r, empty_name, sizeof(empty_name));
    ASSERT_EQ(tls_protocol_name_next(&r, &name, &len), 1);
    EXPECT_EQ(tls_protocol_name_next(&r, &name, &len), -1);

    const uint8_t overrun[] = {3, 'h', '2'};
    tls_rd_init(&r, overrun, sizeof(overrun));
    EXPECT_EQ(tls_protocol_name_next(&r, &name, &len), -1);
}

} // namespace
