// Deliberate differences between ShimSSL and OpenSSL 3.0 in tests/apiunit.
//
// Every file here is built twice: against ShimSSL (SHIMSSL_TEST_ON_SHIM) and
// against the system OpenSSL (SHIMSSL_TEST_ON_OPENSSL, the "reference"
// build). A test asserts OpenSSL's behaviour in both. Where ShimSSL differs
// on purpose, the test names the difference with one of these, so that the
// reference build still checks OpenSSL's value and the ShimSSL build checks
// ours; nothing is skipped in either build.
//
//   SHIMSSL_DIVERGENCE(ID, openssl_value, shimssl_value)
//       the expected value for the library under test;
//   SHIMSSL_ON_OPENSSL(ID)
//       true in the reference build, for `if (...) {OpenSSL's expectations}
//       else {ShimSSL's}` when the difference is more than one value.
//
// ID is a word listed as "## ID" in docs/DIVERGENCES.md (what differs, why,
// which issue removes it); DivergenceList.EveryIdIsDocumented checks that.
#ifndef SHIMSSL_TESTS_APIUNIT_DIVERGENCE_H
#define SHIMSSL_TESTS_APIUNIT_DIVERGENCE_H

#if defined(SHIMSSL_TEST_ON_OPENSSL) == defined(SHIMSSL_TEST_ON_SHIM)
#error "build with exactly one of SHIMSSL_TEST_ON_OPENSSL and SHIMSSL_TEST_ON_SHIM"
#endif

#ifdef SHIMSSL_TEST_ON_OPENSSL
#define SHIMSSL_DIVERGENCE(id, openssl_value, shimssl_value) (openssl_value)
#define SHIMSSL_ON_OPENSSL(id) true
#else
#define SHIMSSL_DIVERGENCE(id, openssl_value, shimssl_value) (shimssl_value)
#define SHIMSSL_ON_OPENSSL(id) false
#endif

#endif
