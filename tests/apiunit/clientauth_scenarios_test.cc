// The client authentication scenarios (tests/unit/clientauth_scenarios.h)
// on ShimSSL at both ends, with the expectations the system's OpenSSL meets
// (tests/unit/clientauth_scenarios_vs_openssl_test.cc).
#define CAH_SUITE ClientAuthOnShim
#include "unit/clientauth_scenarios.h"

// Stricter than OpenSSL 3.0, which echoes whatever context the handshake's
// CertificateRequest has: RFC 8446 4.3.2 says it SHALL be zero length there
// (only post-handshake requests carry one).
TEST(ClientAuthOnShim, HandshakeCertificateRequestWithContextIsIllegal)
{
    cah::CrEdit t(cah::cr_body("\x01", cah::sigalgs_ext()));
    t.expect(cah::AD_ILLEGAL_PARAMETER, SSL_R_INVALID_CONTEXT);
}

// Also stricter than OpenSSL 3.0, which takes an empty certificate_types
// list: RFC 5246 7.4.4 has it <1..2^8-1>.
TEST(ClientAuthOnShim, Tls12CertificateRequestWithoutCertificateTypesIsRefused)
{
    cah::Cr12Edit t(cah::cr12("", cah::b16(0x0804), ""));
    CAH_EXPECT_SSL_FAILURE(t.p.c_err, t.p.c_e, SSL_R_LENGTH_MISMATCH);
    ASSERT_FALSE(t.p.m.c2s.alerts.empty());
    EXPECT_EQ(cah::AD_DECODE_ERROR, t.p.m.c2s.alerts.back());
}
