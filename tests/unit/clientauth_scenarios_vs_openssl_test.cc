// The client authentication scenarios (clientauth_scenarios.h) with the
// system's OpenSSL 3.0 libssl at both ends: the reference ShimSSL's run of
// the same scenarios (tests/apiunit/clientauth_scenarios_test.cc) must match.
#define CAH_SUITE ClientAuthOnOpenSsl
#include "unit/clientauth_scenarios.h"
