// nginx stapling a prepared OCSP response (ssl_stapling on;
// ssl_stapling_file), on ShimSSL and on the system OpenSSL, fetched by
// Debian's `openssl s_client -status`: nginx's status callback hands the
// staple over with SSL_set_tlsext_status_ocsp_resp, and the client prints
// the same response from either library.
#include "nginx_server.h"
#include "ocsp_apps.h"

#include <gtest/gtest.h>

using namespace shimtest;
using namespace shimtest::apps;

namespace
{

TEST(NginxOcsp, StaplesTheResponseFileAsOnOpenssl)
{
    std::string seen[2];
    for (int shim = 1; shim >= 0; shim--) {
        Nginx ng;
        ASSERT_TRUE(ng.start("    ssl_stapling on;\n    ssl_stapling_file " + ocsp_response() +
                                 ";\n",
                             shim == 1));
        std::vector<std::string> cmd;
        RunResult r = s_client_get(ng.port(), "/", {"-status"}, &cmd);
        EXPECT_EQ(r.exit_code, 0) << describe(cmd, r);
        EXPECT_TRUE(has(r.out, "OCSP Response Status: successful (0x0)")) << describe(cmd, r);
        EXPECT_TRUE(has(r.out, "Cert Status: good")) << describe(cmd, r);
        EXPECT_TRUE(has(r.out, kNginxPage)) << describe(cmd, r);
        // Without -status nothing is asked, nothing stapled.
        RunResult plain = s_client_get(ng.port(), "/", {}, &cmd);
        EXPECT_EQ(plain.exit_code, 0) << describe(cmd, plain);
        EXPECT_FALSE(has(plain.out, "OCSP")) << describe(cmd, plain);
        if (shim) {
            ng.proc().stop();
            EXPECT_TRUE(ran_on_shim(ng.proc().output()));
        }
        // The printed response, from its status line to the certificate's.
        size_t a = r.out.find("OCSP Response Status"), b = r.out.find("Cert Status: good");
        if (a != std::string::npos && b != std::string::npos && b > a)
            seen[shim] = r.out.substr(a, b - a);
    }
    EXPECT_FALSE(seen[1].empty());
    EXPECT_EQ(seen[1], seen[0]);
}

} // namespace
