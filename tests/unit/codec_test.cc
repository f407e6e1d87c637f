// core/codec: bounded reader and writer.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "core/codec.h"

namespace
{

TEST(CodecReader, ReadsIntegersBigEndian)
{
    const uint8_t in[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a};
    tls_reader r;
    tls_rd_init(&r, in, sizeof(in));
    uint8_t a;
    uint16_t b;
    uint32_t c, d;
    ASSERT_EQ(tls_rd_u8(&r, &a), 0);
    ASSERT_EQ(tls_rd_u16(&r, &b), 0);
    ASSERT_EQ(tls_rd_u24(&r, &c), 0);
    ASSERT_EQ(tls_rd_u32(&r, &d), 0);
    EXPECT_EQ(a, 0x01);
    EXPECT_EQ(b, 0x0203);
    EXPECT_EQ(c, 0x040506u);
    EXPECT_EQ(d, 0x0708090au);
    EXPECT_EQ(tls_rd_left(&r), 0u);
    EXPECT_EQ(tls_rd_done(&r), 0);
}

TEST(CodecReader, ShortReadIsDecodeErrorAndConsumesNothing)
{
    const uint8_t in[] = {0xaa, 0xbb, 0xcc};
    tls_reader r;
    tls_rd_init(&r, in, sizeof(in));
    uint32_t v;
    int rc = tls_rd_u32(&r, &v);
    EXPECT_EQ(rc, TLS_ERR_DECODE);
    EXPECT_EQ(TLS_ERR_ALERT(rc), TLS_AD_DECODE_ERROR);
    EXPECT_EQ(tls_rd_left(&r), 3u);
    const uint8_t *p;
    EXPECT_EQ(tls_rd_bytes(&r, 4, &p), TLS_ERR_DECODE);
    ASSERT_EQ(tls_rd_bytes(&r, 3, &p), 0);
    EXPECT_EQ(p, in);
}

TEST(CodecReader, VectorIsBoundedToItsLength)
{
    // u16 vector of 3 bytes, then a trailing byte outside it.
    const uint8_t in[] = {0x00, 0x03, 0x11, 0x22, 0x33, 0x44};
    tls_reader r, sub;
    tls_rd_init(&r, in, sizeof(in));
    ASSERT_EQ(tls_rd_vec(&r, 2, &sub), 0);
    EXPECT_EQ(tls_rd_left(&sub), 3u);
    uint32_t v;
    // The sub-reader cannot read into the parent's trailing byte.
    EXPECT_EQ(tls_rd_u32(&sub, &v), TLS_ERR_DECODE);
    uint16_t w;
    ASSERT_EQ(tls_rd_u16(&sub, &w), 0);
    EXPECT_EQ(w, 0x1122);
    // One byte left unconsumed: closing must fail.
    EXPECT_EQ(tls_rd_done(&sub), TLS_ERR_DECODE);
    uint8_t last;
    ASSERT_EQ(tls_rd_u8(&sub, &last), 0);
    EXPECT_EQ(tls_rd_done(&sub), 0);
    // The parent moved past the vector.
    uint8_t trailing;
    ASSERT_EQ(tls_rd_u8(&r, &trailing), 0);
    EXPECT_EQ(trailing, 0x44);
}

TEST(CodecReader, VectorLongerThanInputIsDecodeError)
{
    const uint8_t in[] = {0x05, 0x01, 0x02};
    tls_reader r, sub;
    tls_rd_init(&r, in, sizeof(in));
    EXPECT_EQ(tls_rd_vec(&r, 1, &sub), TLS_ERR_DECODE);
    const uint8_t in3[] = {0x00, 0x00, 0x02, 0xaa};
    tls_rd_init(&r, in3, sizeof(in3));
    EXPECT_EQ(tls_rd_vec(&r, 3, &sub), TLS_ERR_DECODE);
}

TEST(CodecReader, VectorBoundsFromPresentationLanguage)
{
    // opaque x<2..4>: lengths 1 and 5 are decode errors, 2 and 4 are fine.
    const uint8_t one[] = {0x01, 0xaa};
    const uint8_t two[] = {0x02, 0xaa, 0xbb};
    const uint8_t five[] = {0x05, 1, 2, 3, 4, 5};
    tls_reader r, sub;
    tls_rd_init(&r, one, sizeof(one));
    EXPECT_EQ(tls_rd_vec_bounded(&r, 1, 2, 4, &sub), TLS_ERR_DECODE);
    tls_rd_init(&r, two, sizeof(two));
    EXPECT_EQ(tls_rd_vec_bounded(&r, 1, 2, 4, &sub), 0);
    EXPECT_EQ(tls_rd_left(&sub), 2u);
    tls_rd_init(&r, five, sizeof(five));
    EXPECT_EQ(tls_rd_vec_bounded(&r, 1, 2, 4, &sub), TLS_ERR_DECODE);
}

TEST(CodecReader, CopyCopiesAndAdvances)
{
    const uint8_t in[] = {9, 8, 7, 6};
    tls_reader r;
    tls_rd_init(&r, in, sizeof(in));
    uint8_t out[3] = {0};
    ASSERT_EQ(tls_rd_copy(&r, out, 3), 0);
    EXPECT_EQ(out[0], 9);
    EXPECT_EQ(out[2], 7);
    EXPECT_EQ(tls_rd_copy(&r, out, 2), TLS_ERR_DECODE);
}

TEST(CodecWriter, GrowsOnHeapAndWritesBigEndian)
{
    tls_writer w;
    tls_wr_init(&w);
    ASSERT_EQ(tls_wr_u8(&w, 0x01), 0);
    ASSERT_EQ(tls_wr_u16(&w, 0x0203), 0);
    ASSERT_EQ(tls_wr_u24(&w, 0x040506), 0);
    ASSERT_EQ(tls_wr_u32(&w, 0x0708090a), 0);
    const uint8_t want[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    ASSERT_EQ(w.len, sizeof(want));
    EXPECT_EQ(memcmp(w.buf, want, sizeof(want)), 0);
    // Many appends: contents survive growth.
    std::vector<uint8_t> big(100000);
    for (size_t i = 0; i < big.size(); i++)
        big[i] = (uint8_t)(i * 7);
    ASSERT_EQ(tls_wr_bytes(&w, big.data(), big.size()), 0);
    ASSERT_EQ(w.len, sizeof(want) + big.size());
    EXPECT_EQ(memcmp(w.buf, want, sizeof(want)), 0);
    EXPECT_EQ(memcmp(w.buf + sizeof(want), big.data(), big.size()), 0);
    tls_wr_free(&w);
    EXPECT_EQ(w.buf, nullptr);
    EXPECT_EQ(w.len, 0u);
}

TEST(CodecWriter, U24RejectsValuesAbove24Bits)
{
    tls_writer w;
    tls_wr_init(&w);
    EXPECT_EQ(tls_wr_u24(&w, 0x1000000), TLS_ERR_INTERNAL);
    tls_wr_free(&w);
}

TEST(CodecWriter, FixedBufferOverflowFailsAndSticks)
{
    uint8_t buf[4];
    tls_writer w;
    tls_wr_init_fixed(&w, buf, sizeof(buf));
    ASSERT_EQ(tls_wr_u16(&w, 0xabcd), 0);
    int rc = tls_wr_u24(&w, 0x010203);
    EXPECT_EQ(rc, TLS_ERR_INTERNAL);
    EXPECT_EQ(TLS_ERR_ALERT(rc), TLS_AD_INTERNAL_ERROR);
    EXPECT_TRUE(w.failed);
    // Sticky: even a write that would fit now fails.
    EXPECT_EQ(tls_wr_u8(&w, 1), TLS_ERR_INTERNAL);
    EXPECT_EQ(w.len, 2u);
    EXPECT_EQ(buf[0], 0xab);
    EXPECT_EQ(w.buf, buf);
    tls_wr_free(&w); // must not free the caller's buffer
    tls_wr_reset(&w);
}

TEST(CodecWriter, NestedVectorsGetTheirLengths)
{
    tls_writer w;
    tls_wr_init(&w);
    size_t outer, inner;
    ASSERT_EQ(tls_wr_open(&w, 2, &outer), 0);
    ASSERT_EQ(tls_wr_u8(&w, 0xee), 0);
    ASSERT_EQ(tls_wr_open(&w, 1, &inner), 0);
    ASSERT_EQ(tls_wr_bytes(&w, "abc", 3), 0);
    ASSERT_EQ(tls_wr_close(&w, 1, inner), 0);
    ASSERT_EQ(tls_wr_close(&w, 2, outer), 0);
    const uint8_t want[] = {0x00, 0x05, 0xee, 0x03, 'a', 'b', 'c'};
    ASSERT_EQ(w.len, sizeof(want));
    EXPECT_EQ(memcmp(w.buf, want, sizeof(want)), 0);

    // What was written reads back through the bounded reader.
    tls_reader r, o, i;
    tls_rd_init(&r, w.buf, w.len);
    ASSERT_EQ(tls_rd_vec(&r, 2, &o), 0);
    uint8_t tag;
    ASSERT_EQ(tls_rd_u8(&o, &tag), 0);
    ASSERT_EQ(tls_rd_vec(&o, 1, &i), 0);
    EXPECT_EQ(tls_rd_left(&i), 3u);
    tls_wr_free(&w);
}

TEST(CodecWriter, CloseFailsWhenBodyExceedsPrefix)
{
    tls_writer w;
    tls_wr_init(&w);
    size_t mark;
    ASSERT_EQ(tls_wr_open(&w, 1, &mark), 0);
    std::vector<uint8_t> body(256, 0x5a);
    ASSERT_EQ(tls_wr_bytes(&w, body.data(), body.size()), 0);
    EXPECT_EQ(tls_wr_close(&w, 1, mark), TLS_ERR_INTERNAL);
    tls_wr_free(&w);
}

TEST(CodecWriter, SpaceAndResetReuseMemory)
{
    tls_writer w;
    tls_wr_init(&w);
    uint8_t *p;
    ASSERT_EQ(tls_wr_space(&w, 10, &p), 0);
    memset(p, 0x42, 10);
    uint8_t *first = w.buf;
    size_t cap = w.cap;
    tls_wr_reset(&w);
    EXPECT_EQ(w.len, 0u);
    ASSERT_EQ(tls_wr_space(&w, 10, &p), 0);
    EXPECT_EQ(w.buf, first);
    EXPECT_EQ(w.cap, cap);
    ASSERT_EQ(tls_wr_reserve(&w, 5000), 0);
    EXPECT_GE(w.cap - w.len, 5000u);
    tls_wr_free(&w);
}

} // namespace
