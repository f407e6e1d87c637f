// What a user gets from `cmake --install` and from the .deb: the library in
// a private directory, our headers, a pkg-config file that makes a program
// link and run on ShimSSL without any environment variable, and the
// shimssl-run wrapper.
#include "testlib/testlib.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

using namespace shimtest;

namespace
{

bool exists(const std::string &p)
{
    struct stat st;
    return stat(p.c_str(), &st) == 0;
}

bool executable(const std::string &p)
{
    return access(p.c_str(), X_OK) == 0;
}

std::string slurp(const std::string &p)
{
    std::ifstream f(p);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

std::string value(const std::string &out, const std::string &key)
{
    size_t p = out.find(key + "=");
    if (p == std::string::npos || (p != 0 && out[p - 1] != '\n'))
        return "<missing>";
    p += key.size() + 1;
    return out.substr(p, out.find('\n', p) - p);
}

RunResult run_cmd(const std::vector<std::string> &argv, std::vector<std::string> env = {},
                  int timeout_ms = 120000)
{
    RunOptions o;
    o.env = std::move(env);
    o.timeout_ms = timeout_ms;
    return run(argv, o);
}

class Installed : public ::testing::Test
{
  protected:
    static void SetUpTestSuite()
    {
        root_ = make_temp_dir("install");
        prefix_ = root_ + "/prefix";
        std::vector<std::string> argv = {SHIMSSL_CMAKE_COMMAND, "--install", SHIMSSL_BINARY_DIR,
                                         "--prefix", prefix_};
        install_ = run_cmd(argv);
        install_desc_ = describe(argv, install_);
    }
    static void TearDownTestSuite()
    {
        if (!root_.empty())
            run_cmd({"rm", "-rf", root_});
    }
    void SetUp() override { ASSERT_EQ(install_.exit_code, 0) << install_desc_; }

    static std::string libdir() { return prefix_ + "/lib/shimssl"; }
    static std::vector<std::string> pkg_env()
    {
        return {"PKG_CONFIG_PATH=" + prefix_ + "/lib/pkgconfig"};
    }

    static std::string root_, prefix_, install_desc_;
    static RunResult install_;
};
std::string Installed::root_, Installed::prefix_, Installed::install_desc_;
RunResult Installed::install_;

TEST_F(Installed, LibraryIsPrivateAndHeadersAreOurs)
{
    const std::string lib = libdir() + "/libssl.so.3";
    ASSERT_TRUE(exists(lib)) << install_.out;
    // Never next to the system libraries' search path.
    EXPECT_FALSE(exists(prefix_ + "/lib/libssl.so.3"));
    EXPECT_FALSE(exists(prefix_ + "/lib/x86_64-linux-gnu/libssl.so.3"));
    EXPECT_TRUE(exists(prefix_ + "/include/shimssl/openssl/ssl.h"));
    EXPECT_TRUE(exists(prefix_ + "/lib/pkgconfig/shimssl.pc"));
    EXPECT_TRUE(executable(prefix_ + "/bin/shimssl-run"));

    RunResult r = run_cmd({"readelf", "-d", "-W", lib});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("Library soname: [libssl.so.3]"), std::string::npos) << r.out;
}

TEST_F(Installed, PkgConfigPointsAtPrivateDirectory)
{
    RunResult cflags = run_cmd({"pkg-config", "--cflags", "shimssl"}, pkg_env());
    ASSERT_EQ(cflags.exit_code, 0) << cflags.err;
    EXPECT_NE(cflags.out.find("-I" + prefix_ + "/include/shimssl"), std::string::npos)
        << cflags.out;
    RunResult libs = run_cmd({"pkg-config", "--libs", "shimssl"}, pkg_env());
    ASSERT_EQ(libs.exit_code, 0) << libs.err;
    EXPECT_NE(libs.out.find("-L" + libdir()), std::string::npos) << libs.out;
    EXPECT_NE(libs.out.find("-Wl,-rpath," + libdir()), std::string::npos) << libs.out;
    EXPECT_NE(libs.out.find("-lssl"), std::string::npos) << libs.out;
    EXPECT_NE(libs.out.find("-lcrypto"), std::string::npos) << libs.out;
}

// Builds tests/install/tiny_client.c the way a user would, through a shell
// so that pkg-config's output is word-split as usual.
TEST_F(Installed, LinkedProgramRunsOnShimWithoutEnvironment)
{
    RunResult pc = run_cmd({"pkg-config", "--cflags", "--libs", "shimssl"}, pkg_env());
    ASSERT_EQ(pc.exit_code, 0) << pc.err;
    const std::string flags = pc.out.substr(0, pc.out.find('\n'));
    const std::string exe = root_ + "/tiny_client";
    std::string sanitize;
#ifdef SHIMSSL_TEST_SANITIZE
    sanitize = " -fsanitize=address,undefined"; // the ASan runtime must come first
#endif
    std::string cmd = std::string(SHIMSSL_TEST_CC) + sanitize + " -std=c11 -Wall -Werror -o '" +
                      exe + "' '" + SHIMSSL_SOURCE_DIR + "/tests/install/tiny_client.c' " + flags;
    RunResult cc = run_cmd({"sh", "-c", cmd});
    ASSERT_EQ(cc.exit_code, 0) << describe({"sh", "-c", cmd}, cc);

    Process server;
    int port = start_openssl_server(server, {"-tls1_3", "-www"});
    ASSERT_NE(port, 0);
    std::vector<std::string> argv = {exe, std::to_string(port), cert("ca.pem")};
    RunResult r = run_cmd(argv, {"ASAN_OPTIONS=detect_leaks=0"}, 30000);
    // Exactly one libssl in the process, and it is the installed one.
    const std::string mapped = value(r.out, "LIBSSL");
    EXPECT_EQ(r.out.find("LIBSSL="), r.out.rfind("LIBSSL=")) << describe(argv, r);
    struct stat a, b;
    ASSERT_EQ(stat(mapped.c_str(), &a), 0) << describe(argv, r);
    ASSERT_EQ(stat((libdir() + "/libssl.so.3").c_str(), &b), 0);
    EXPECT_TRUE(a.st_ino == b.st_ino && a.st_dev == b.st_dev) << "mapped " << mapped;

    ASSERT_EQ(r.exit_code, 0) << describe(argv, r);
    EXPECT_EQ(value(r.out, "VERSION"), "TLSv1.3") << describe(argv, r);
    EXPECT_EQ(value(r.out, "VERIFY"), "0") << describe(argv, r);
    EXPECT_EQ(value(r.out, "BODY_HAS_PAGE"), "1") << describe(argv, r);
}

TEST_F(Installed, ShimsslRunPreloadsInstalledLibrary)
{
    Process server;
    int port = start_openssl_server(server, {"-tls1_3", "-www"});
    ASSERT_NE(port, 0);
    std::vector<std::string> argv = {prefix_ + "/bin/shimssl-run",
                                     "curl",
                                     "-sS",
                                     "--max-time",
                                     "15",
                                     "--cacert",
                                     cert("ca.pem"),
                                     "https://127.0.0.1:" + std::to_string(port) + "/"};
    std::vector<std::string> env = {"LD_DEBUG=files"};
#ifdef SHIMSSL_TEST_SANITIZE
    // Debian's curl hangs with the ASan runtime preloaded (see
    // shimtest::preload_env): let the library load it as a dependency.
    env.push_back("ASAN_OPTIONS=detect_leaks=0:verify_asan_link_order=0");
#endif
    RunResult r = run_cmd(argv, env, 30000);
    EXPECT_TRUE(ran_on_lib(r.err, libdir() + "/libssl.so.3"));
    ASSERT_EQ(r.exit_code, 0) << describe(argv, r);
    EXPECT_NE(r.out.find("Ciphers supported in s_server binary"), std::string::npos)
        << describe(argv, r);
}

TEST_F(Installed, ShimsslRunWithoutArgumentsIsAUsageError)
{
    RunResult r = run_cmd({prefix_ + "/bin/shimssl-run"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("usage"), std::string::npos) << r.err;
}

TEST(DebianPackage, ContainsPrivateLibHeadersPcAndWrapper)
{
    std::string out = make_temp_dir("deb");
    ASSERT_FALSE(out.empty());
    std::vector<std::string> argv = {SHIMSSL_SOURCE_DIR "/packaging/build-deb.sh",
                                     SHIMSSL_BINARY_DIR, out};
    RunResult b = run_cmd(argv);
    ASSERT_EQ(b.exit_code, 0) << describe(argv, b);
    std::string deb = b.out.substr(0, b.out.find('\n'));
    EXPECT_NE(deb.find("/shimssl_"), std::string::npos) << deb;
    EXPECT_NE(deb.find("_amd64.deb"), std::string::npos) << deb;

    RunResult c = run_cmd({"dpkg-deb", "-c", deb});
    ASSERT_EQ(c.exit_code, 0) << c.err;
    for (const char *f : {"./usr/lib/shimssl/libssl.so.3", "./usr/include/shimssl/openssl/ssl.h",
                          "./usr/lib/pkgconfig/shimssl.pc", "./usr/bin/shimssl-run"}) {
        EXPECT_NE(c.out.find(std::string(f)), std::string::npos) << f << " missing from\n" << c.out;
    }
    // The package must never replace the system's libssl.
    EXPECT_EQ(c.out.find("./usr/lib/x86_64-linux-gnu/libssl"), std::string::npos) << c.out;
    EXPECT_EQ(c.out.find("./usr/lib/libssl"), std::string::npos) << c.out;
    EXPECT_NE(c.out.find("-rwxr-xr-x root/root"), std::string::npos) << c.out;

    RunResult f = run_cmd({"dpkg-deb", "-f", deb, "Package", "Architecture", "Depends"});
    EXPECT_NE(f.out.find("Package: shimssl"), std::string::npos) << f.out;
    EXPECT_NE(f.out.find("Architecture: amd64"), std::string::npos) << f.out;
    EXPECT_NE(f.out.find("libssl3"), std::string::npos) << f.out;

    // The .pc inside names the final prefix, not the staging directory.
    std::string x = out + "/x";
    ASSERT_EQ(run_cmd({"dpkg-deb", "-x", deb, x}).exit_code, 0);
    std::string pc = slurp(x + "/usr/lib/pkgconfig/shimssl.pc");
    EXPECT_NE(pc.find("libdir=/usr/lib/shimssl\n"), std::string::npos) << pc;
    run_cmd({"rm", "-rf", out});
}

} // namespace
