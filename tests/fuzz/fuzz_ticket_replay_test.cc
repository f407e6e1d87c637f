// fuzz_ticket over its committed corpus (it needs compat/, so it is not in
// fuzz_corpus_replay, which links core/ alone). Each input runs in a child
// process (fuzz_replay.h): a violated property fails the test.
#include "fuzz_replay.h"

extern "C" int fuzz_ticket_one_input(const uint8_t *data, size_t size);

namespace
{

using fuzz_replay::failures;

TEST(FuzzCorpus, Ticket)
{
    fuzz_replay::replay("fuzz_ticket", fuzz_ticket_one_input);
}

// The replay can fail: inputs that pass as they are fail as soon as a
// property they reach is made to fail (SHIMSSL_FUZZ_SELFTEST).
TEST(FuzzReplaySelfTest, TicketChecks)
{
    std::string dir = std::string(SHIMSSL_FUZZ_CORPUS_DIR) + "/fuzz_ticket";
    fuzz_replay::ScratchInput der(fuzz_replay::slurp(dir + "/der_tls13_peer"));
    fuzz_replay::ScratchInput ticket(fuzz_replay::slurp(dir + "/ticket_tls13"));
    fuzz_replay::ScratchInput plain(fuzz_replay::slurp(dir + "/plain_tls12_peer"));
    for (const auto *in : {&der, &ticket, &plain}) {
        ASSERT_FALSE(in->dir().empty());
        EXPECT_TRUE(failures(in->dir(), fuzz_ticket_one_input).empty()) << in->dir();
    }
    EXPECT_EQ(failures(der.dir(), fuzz_ticket_one_input, "reencode").size(), 1u);
    EXPECT_EQ(failures(ticket.dir(), fuzz_ticket_one_input, "mac").size(), 1u);
    EXPECT_EQ(failures(ticket.dir(), fuzz_ticket_one_input, "open").size(), 1u);
    EXPECT_EQ(failures(plain.dir(), fuzz_ticket_one_input, "reencode").size(), 1u);
    EXPECT_EQ(failures(plain.dir(), fuzz_ticket_one_input, "mac").size(), 1u);
}

// A ticket whose MAC is off by one bit is refused (decoded as nothing, a
// full handshake), so the "mac" property holds without being forced.
TEST(FuzzReplaySelfTest, TamperedTicketPasses)
{
    std::string t =
        fuzz_replay::slurp(std::string(SHIMSSL_FUZZ_CORPUS_DIR) + "/fuzz_ticket/ticket_tls13");
    ASSERT_GT(t.size(), 40u);
    t[t.size() - 1] ^= 1;
    fuzz_replay::ScratchInput in(t);
    EXPECT_TRUE(failures(in.dir(), fuzz_ticket_one_input).empty());
}

} // namespace
