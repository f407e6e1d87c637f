// Debian's /usr/bin/python3 (its _ssl module is linked against libssl.so.3)
// on ShimSSL. Not `python3` from PATH: that may be a separate build with its
// own OpenSSL.
#include "testlib/testlib.h"

#include <gtest/gtest.h>

using namespace shimtest;

namespace
{

const char kPython[] = "/usr/bin/python3";

// Prints one KEY=VALUE per fact a user of the ssl module would look at.
const char kClientScript[] = R"PY(
import socket, ssl, sys, urllib.request, urllib.error
cafile, port, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ctx = ssl.create_default_context(cafile=cafile)
if mode == "socket":
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost") as s:
            print("VERSION=" + str(s.version()))
            c = s.cipher()
            print("CIPHER=" + c[0])
            print("CIPHER_PROTO=" + c[1])
            print("CIPHER_BITS=" + str(c[2]))
            cert = s.getpeercert()
            print("PEER_SAN=" + ",".join(v for k, v in cert.get("subjectAltName", ())))
            s.sendall(b"GET / HTTP/1.0\r\n\r\n")
            body = b""
            while True:
                d = s.recv(4096)
                if not d:
                    break
                body += d
            print("BODY_HAS_PAGE=" + str(b"Ciphers supported in s_server binary" in body))
elif mode == "urllib":
    url = "https://localhost:%d/" % port
    try:
        with urllib.request.urlopen(url, context=ctx, timeout=10) as r:
            body = r.read()
            print("STATUS=" + str(r.status))
            print("BODY_HAS_PAGE=" + str(b"Ciphers supported in s_server binary" in body))
    except urllib.error.URLError as e:
        print("URLERROR_REASON_TYPE=" + type(e.reason).__name__)
        print("URLERROR=" + str(e.reason))
elif mode == "verifyfail":
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        try:
            ctx.wrap_socket(raw, server_hostname="localhost")
            print("HANDSHAKE=ok")
        except ssl.SSLCertVerificationError as e:
            print("ERROR_TYPE=SSLCertVerificationError")
            print("ERROR=" + str(e))
            print("VERIFY_CODE=" + str(e.verify_code))
        except ssl.SSLError as e:
            print("ERROR_TYPE=" + type(e).__name__)
            print("ERROR=" + str(e))
)PY";

std::string value(const std::string &out, const std::string &key)
{
    size_t p = out.find(key + "=");
    if (p == std::string::npos || (p != 0 && out[p - 1] != '\n'))
        return "<missing>";
    p += key.size() + 1;
    return out.substr(p, out.find('\n', p) - p);
}

class Python : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        port_ = start_openssl_server(server_, {"-tls1_3", "-www"});
        ASSERT_NE(port_, 0);
    }
    std::vector<std::string> cmd(const std::string &ca, const std::string &mode)
    {
        return {kPython, "-c", kClientScript, cert(ca), std::to_string(port_), mode};
    }
    RunResult py(const std::vector<std::string> &argv, bool shim)
    {
        RunOptions o;
        if (shim)
            o.env = shim_env();
        o.env.push_back("PYTHONDONTWRITEBYTECODE=1");
        o.timeout_ms = 30000;
        return run(argv, o);
    }
    Process server_;
    int port_ = 0;
};

TEST_F(Python, SocketReportsTls13AndCipher)
{
    auto argv = cmd("ca.pem", "socket");
    RunResult r = py(argv, true);
    EXPECT_TRUE(ran_on_shim(r.err));
    ASSERT_EQ(r.exit_code, 0) << describe(argv, r);
    std::cout << "python3 on ShimSSL: version()=" << value(r.out, "VERSION")
              << " cipher()=" << value(r.out, "CIPHER") << "\n";
    EXPECT_EQ(value(r.out, "VERSION"), "TLSv1.3") << describe(argv, r);
    EXPECT_EQ(value(r.out, "CIPHER_PROTO"), "TLSv1.3") << describe(argv, r);
    EXPECT_EQ(value(r.out, "BODY_HAS_PAGE"), "True") << describe(argv, r);
    EXPECT_EQ(value(r.out, "PEER_SAN"), "localhost,127.0.0.1,0:0:0:0:0:0:0:1") << describe(argv, r);
    // Same peer, same defaults: the suite must be the one OpenSSL picks.
    RunResult ref = py(argv, false);
    ASSERT_EQ(ref.exit_code, 0) << describe(argv, ref);
    EXPECT_EQ(value(r.out, "CIPHER"), value(ref.out, "CIPHER"));
    EXPECT_EQ(value(r.out, "CIPHER_BITS"), value(ref.out, "CIPHER_BITS"));
}

TEST_F(Python, UrllibFetchesWithCafile)
{
    auto argv = cmd("ca.pem", "urllib");
    RunResult r = py(argv, true);
    EXPECT_TRUE(ran_on_shim(r.err));
    ASSERT_EQ(r.exit_code, 0) << describe(argv, r);
    EXPECT_EQ(value(r.out, "STATUS"), "200") << describe(argv, r);
    EXPECT_EQ(value(r.out, "BODY_HAS_PAGE"), "True") << describe(argv, r);
}

TEST_F(Python, WrongCaRaisesCertVerificationError)
{
    auto argv = cmd("untrusted-ca.pem", "verifyfail");
    RunResult r = py(argv, true);
    EXPECT_TRUE(ran_on_shim(r.err));
    ASSERT_EQ(r.exit_code, 0) << describe(argv, r);
    EXPECT_EQ(value(r.out, "ERROR_TYPE"), "SSLCertVerificationError") << describe(argv, r);
    EXPECT_NE(value(r.out, "ERROR").find("CERTIFICATE_VERIFY_FAILED"), std::string::npos)
        << describe(argv, r);
    RunResult ref = py(argv, false);
    EXPECT_EQ(value(r.out, "VERIFY_CODE"), value(ref.out, "VERIFY_CODE")) << describe(argv, ref);
}

TEST_F(Python, UrllibWrongCaReportsVerificationFailure)
{
    auto argv = cmd("untrusted-ca.pem", "urllib");
    RunResult r = py(argv, true);
    EXPECT_TRUE(ran_on_shim(r.err));
    ASSERT_EQ(r.exit_code, 0) << describe(argv, r);
    EXPECT_EQ(value(r.out, "URLERROR_REASON_TYPE"), "SSLCertVerificationError")
        << describe(argv, r);
    EXPECT_NE(value(r.out, "URLERROR").find("CERTIFICATE_VERIFY_FAILED"), std::string::npos)
        << describe(argv, r);
}

} // namespace
