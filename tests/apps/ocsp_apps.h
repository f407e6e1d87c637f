// OCSP stapling apps tests (ocsp_stapling_test.cc, nginx_ocsp_test.cc): a
// real OCSP response for tests/certs/server.pem, signed by the test CA, made
// at test time with `openssl ocsp` (index file, request, response).
#ifndef SHIMSSL_TESTS_APPS_OCSP_APPS_H
#define SHIMSSL_TESTS_APPS_OCSP_APPS_H

#include "testlib/testlib.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace shimtest
{

// The OCSP response (DER file) saying server.pem is good, made once.
inline const std::string &ocsp_response()
{
    static std::string path;
    if (!path.empty())
        return path;
    std::string dir = make_temp_dir("ocsp");
    // index.txt: one valid entry for server.pem (serial, expiry, subject).
    std::string script =
        "set -e\n"
        "cd \"$1\"\n"
        "serial=$(openssl x509 -in \"$2/server.pem\" -noout -serial | cut -d= -f2)\n"
        "end=$(date -u -d \"$(openssl x509 -in \"$2/server.pem\" -noout -enddate | cut -d= "
        "-f2)\" +%y%m%d%H%M%SZ)\n"
        "printf 'V\\t%s\\t\\t%s\\tunknown\\t%s\\n' \"$end\" \"$serial\" "
        "'/O=ShimSSL Test/CN=localhost' > index.txt\n"
        "openssl ocsp -issuer \"$2/ca.pem\" -cert \"$2/server.pem\" -no_nonce -reqout req.der\n"
        "openssl ocsp -index index.txt -rsigner \"$2/ca.pem\" -rkey \"$2/ca.key\" -CA "
        "\"$2/ca.pem\" -reqin req.der -respout resp.der -ndays 1\n";
    std::vector<std::string> argv = {"sh", "-c", script, "sh", dir, cert_dir()};
    RunResult r = run(argv);
    EXPECT_EQ(r.exit_code, 0) << describe(argv, r);
    path = dir + "/resp.der";
    return path;
}

} // namespace shimtest

#endif
