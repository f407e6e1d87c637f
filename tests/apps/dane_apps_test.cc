// DANE with Debian's `openssl s_client -dane_tlsa_domain -dane_tlsa_rrdata`
// on ShimSSL against `openssl s_server` (system libssl). What s_client
// prints about DANE and verification ("DANE TLSA 3 1 1 ...<hash> matched EE
// certificate at depth 0", "Verification: OK", or the verification error)
// must be what it prints on OpenSSL for the same records.
#include "testlib/testlib.h"

#include <gtest/gtest.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <sstream>

using namespace shimtest;

namespace
{

std::string hex(const unsigned char *p, unsigned n)
{
    static const char d[] = "0123456789abcdef";
    std::string s;
    for (unsigned i = 0; i < n; i++) {
        s += d[p[i] >> 4];
        s += d[p[i] & 15];
    }
    return s;
}

X509 *load(const char *name)
{
    BIO *b = BIO_new_file(cert(name).c_str(), "r");
    X509 *x = b != nullptr ? PEM_read_bio_X509(b, nullptr, nullptr, nullptr) : nullptr;
    BIO_free(b);
    return x;
}

// SHA2-256 of the certificate's SubjectPublicKeyInfo (selector 1) or of the
// whole certificate (selector 0).
std::string sha256_of(const char *name, int selector)
{
    X509 *x = load(name);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    if (x == nullptr)
        return "";
    if (selector == 1) {
        // The DER SubjectPublicKeyInfo (X509_pubkey_digest hashes the key
        // bits alone, which is not what a TLSA record holds).
        unsigned char *der = nullptr;
        int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der);
        EVP_Digest(der, (size_t)len, md, &n, EVP_sha256(), nullptr);
        OPENSSL_free(der);
    } else {
        X509_digest(x, EVP_sha256(), md, &n);
    }
    X509_free(x);
    return hex(md, n);
}

// The lines of s_client's output about DANE and verification (not the
// indented copies in the session printouts: how many session tickets
// arrive before s_client quits depends on timing).
std::string dane_lines(const std::string &out)
{
    std::istringstream in(out);
    std::string line, r;
    while (std::getline(in, line))
        if (line.rfind("DANE TLSA", 0) == 0 || line.rfind("Verification", 0) == 0 ||
            line.rfind("Verified peername", 0) == 0 || line.rfind("Verify return code", 0) == 0)
            r += line + "\n";
    return r;
}

class DaneApps : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        port_ = start_openssl_server(server_, {"-www"});
        ASSERT_NE(port_, 0);
    }

    // s_client with the given DANE arguments, on ShimSSL or the system.
    RunResult client(const std::vector<std::string> &dane, bool shim)
    {
        std::vector<std::string> argv = {"openssl", "s_client", "-connect",
                                         "127.0.0.1:" + std::to_string(port_)};
        argv.insert(argv.end(), dane.begin(), dane.end());
        RunOptions o;
        if (shim)
            o.env = shim_env();
        o.stdin_data = "Q\n";
        o.timeout_ms = 20000;
        RunResult r = run(argv, o);
        if (shim) {
            EXPECT_TRUE(ran_on_shim(r.err));
        }
        return r;
    }

    // Both libraries print the same DANE/verification lines; returns them.
    std::string same_on_both(const std::vector<std::string> &dane)
    {
        std::string sys = dane_lines(client(dane, false).out);
        std::string shim = dane_lines(client(dane, true).out);
        EXPECT_EQ(sys, shim);
        return sys;
    }

    Process server_;
    int port_ = 0;
};

TEST_F(DaneApps, DaneEeSpkiSha256Matches)
{
    std::string h = sha256_of("server.pem", 1);
    std::string out =
        same_on_both({"-dane_tlsa_domain", "localhost", "-dane_tlsa_rrdata", "3 1 1 " + h});
    EXPECT_NE(std::string::npos, out.find("DANE TLSA 3 1 1 ..." + h.substr(h.size() - 24) +
                                          " matched EE certificate at depth 0"))
        << out;
    EXPECT_NE(std::string::npos, out.find("Verification: OK")) << out;
}

TEST_F(DaneApps, MismatchingRecordFailsVerification)
{
    std::string h = sha256_of("server.pem", 1);
    h[0] = h[0] == '0' ? '1' : '0';
    std::string out =
        same_on_both({"-dane_tlsa_domain", "localhost", "-dane_tlsa_rrdata", "3 1 1 " + h});
    EXPECT_EQ(std::string::npos, out.find("Verification: OK")) << out;
    EXPECT_NE(std::string::npos, out.find("Verification error: no matching DANE TLSA records"))
        << out;
    EXPECT_EQ(std::string::npos, out.find("DANE TLSA 3")) << out; // no "matched" line
}

TEST_F(DaneApps, DaneTaCertificateOfTheRootMatchesAtDepthOne)
{
    // The server sends its root too (-cert_chain): a digest record can only
    // match a certificate the chain holds.
    Process server;
    port_ = start_openssl_server(server, {"-www", "-cert_chain", cert("ca.pem")});
    ASSERT_NE(port_, 0);
    std::string h = sha256_of("ca.pem", 0);
    std::string out =
        same_on_both({"-dane_tlsa_domain", "localhost", "-dane_tlsa_rrdata", "2 0 1 " + h});
    EXPECT_NE(std::string::npos, out.find("matched TA certificate at depth 1")) << out;
    EXPECT_NE(std::string::npos, out.find("Verification: OK")) << out;
}

TEST_F(DaneApps, DaneEeNameChecksAndTheirOptOut)
{
    std::string rr = "3 1 1 " + sha256_of("server.pem", 1);
    // The base domain is the reference identity: the certificate does not
    // name example.com, so a name-checked DANE-EE match fails ...
    std::string out = same_on_both({"-dane_tlsa_domain", "example.com", "-dane_tlsa_rrdata", rr});
    EXPECT_EQ(std::string::npos, out.find("Verification: OK")) << out;
    // ... unless the client turned DANE-EE name checks off.
    out = same_on_both(
        {"-dane_tlsa_domain", "example.com", "-dane_tlsa_rrdata", rr, "-dane_ee_no_namechecks"});
    EXPECT_NE(std::string::npos, out.find("Verification: OK")) << out;
}

TEST_F(DaneApps, PkixTaNeedsOrdinaryValidationToo)
{
    // PKIX-TA(0) of the root: the root must also be trusted by the client
    // (it is not: no -CAfile), so verification fails on both libraries;
    // with the root trusted it succeeds.
    std::string rr = "0 0 1 " + sha256_of("ca.pem", 0);
    std::string out = same_on_both({"-dane_tlsa_domain", "localhost", "-dane_tlsa_rrdata", rr});
    EXPECT_EQ(std::string::npos, out.find("Verification: OK")) << out;
    out = same_on_both(
        {"-dane_tlsa_domain", "localhost", "-dane_tlsa_rrdata", rr, "-CAfile", cert("ca.pem")});
    EXPECT_NE(std::string::npos, out.find("Verification: OK")) << out;
}

} // namespace
