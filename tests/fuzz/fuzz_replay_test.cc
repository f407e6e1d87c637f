// Runs every fuzz target over every file of its committed corpus: inputs
// that once crashed the engine (or real server flights) keep being checked
// in every build, including the sanitizer one, without libFuzzer. Each
// input runs in a child process (fuzz_replay.h) so that a violated property
// (abort() in the target, see fuzz_common.h) fails the test and names it.
#include "fuzz_replay.h"

extern "C" int fuzz_record_one_input(const uint8_t *data, size_t size);
extern "C" int fuzz_client_handshake_one_input(const uint8_t *data, size_t size);
extern "C" int fuzz_client_hello_one_input(const uint8_t *data, size_t size);
extern "C" int fuzz_server12_handshake_one_input(const uint8_t *data, size_t size);
extern "C" int fuzz_client12_handshake_one_input(const uint8_t *data, size_t size);
extern "C" int fuzz_record12_one_input(const uint8_t *data, size_t size);

namespace
{

using fuzz_replay::failures;
using fuzz_replay::replay;
using fuzz_replay::ScratchInput;

TEST(FuzzCorpus, Record)
{
    replay("fuzz_record", fuzz_record_one_input);
}
TEST(FuzzCorpus, ClientHandshake)
{
    replay("fuzz_client_handshake", fuzz_client_handshake_one_input);
}
TEST(FuzzCorpus, ClientHello)
{
    replay("fuzz_client_hello", fuzz_client_hello_one_input);
}
TEST(FuzzCorpus, Server12Handshake)
{
    replay("fuzz_server12_handshake", fuzz_server12_handshake_one_input);
}
TEST(FuzzCorpus, Client12Handshake)
{
    replay("fuzz_client12_handshake", fuzz_client12_handshake_one_input);
}
TEST(FuzzCorpus, Record12)
{
    replay("fuzz_record12", fuzz_record12_one_input);
}

// The replay can fail: a crafted input (kept out of the corpus) passes as
// it is, and fails as soon as one of the properties it reaches is made to
// fail (SHIMSSL_FUZZ_SELFTEST, fuzz_common.h) -- through the same entry
// point and child-process runner as the corpus.
//
// A client gets a ServerHello whose body is one byte: it must fail with
// decode_error, which reaches the alert, sticky-error, end-of-input and
// no-handshake checks.
TEST(FuzzReplaySelfTest, ViolationsFailTheReplay)
{
    ScratchInput in(std::string("\x00\x02\x00\x01\x03", 5));
    ASSERT_FALSE(in.dir().empty());
    EXPECT_TRUE(failures(in.dir(), fuzz_client_handshake_one_input).empty());
    for (const char *tag : {"alert", "sticky", "eof", "handshake"}) {
        SCOPED_TRACE(tag);
        EXPECT_EQ(failures(in.dir(), fuzz_client_handshake_one_input, tag).size(), 1u);
        EXPECT_EQ(failures(in.dir(), fuzz_record_one_input, tag).size(), 1u);
    }
    // An unrelated tag changes nothing.
    EXPECT_TRUE(failures(in.dir(), fuzz_client_handshake_one_input, "no-such-property").empty());
}

// The server targets reach the same checks.
TEST(FuzzReplaySelfTest, ServerTargetsCheckToo)
{
    std::string dir = std::string(SHIMSSL_FUZZ_CORPUS_DIR) + "/";
    ScratchInput hello(fuzz_replay::slurp(dir + "fuzz_client_hello/openssl_client"));
    ScratchInput flight(fuzz_replay::slurp(dir + "fuzz_server12_handshake/ecdhe_rsa_flight"));
    EXPECT_TRUE(failures(hello.dir(), fuzz_client_hello_one_input).empty());
    EXPECT_TRUE(failures(flight.dir(), fuzz_server12_handshake_one_input).empty());
    for (const char *tag : {"alert", "sticky", "eof", "handshake"}) {
        SCOPED_TRACE(tag);
        EXPECT_EQ(failures(hello.dir(), fuzz_client_hello_one_input, tag).size(), 1u);
        EXPECT_EQ(failures(flight.dir(), fuzz_server12_handshake_one_input, tag).size(), 1u);
    }
    EXPECT_EQ(failures(flight.dir(), fuzz_server12_handshake_one_input, "hello").size(), 1u);
}

// fuzz_record12: a sealed seed record reaches the tamper check, a record
// header announcing 2^15 bytes the alert check, the round trip its own.
TEST(FuzzReplaySelfTest, Record12Checks)
{
    std::string dir = std::string(SHIMSSL_FUZZ_CORPUS_DIR) + "/fuzz_record12";
    ScratchInput sealed(fuzz_replay::slurp(dir + "/c02f_aead"));
    ScratchInput overlong(std::string("\x00\x17\x03\x03\x80\x00", 6));
    ScratchInput roundtrip(fuzz_replay::slurp(dir + "/roundtrip_c013_etm"));
    EXPECT_TRUE(failures(sealed.dir(), fuzz_record12_one_input).empty());
    EXPECT_TRUE(failures(overlong.dir(), fuzz_record12_one_input).empty());
    EXPECT_TRUE(failures(roundtrip.dir(), fuzz_record12_one_input).empty());
    EXPECT_EQ(failures(sealed.dir(), fuzz_record12_one_input, "tamper").size(), 1u);
    EXPECT_EQ(failures(overlong.dir(), fuzz_record12_one_input, "alert").size(), 1u);
    EXPECT_EQ(failures(roundtrip.dir(), fuzz_record12_one_input, "roundtrip").size(), 1u);
}

} // namespace
