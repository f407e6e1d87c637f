// The built libssl.so.3 must be indistinguishable from OpenSSL 3.0's at the
// dynamic-linking level (name, dependencies, exported functions and their
// version), and every function not written yet must fail cleanly.
#include <dlfcn.h>
#include <gtest/gtest.h>
#include <openssl/err.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

#include "util.h"

using namespace shimssl_cov;

namespace {

const char kVersion[] = "OPENSSL_3.0.0";

std::set<std::string> Keys(const std::map<std::string, std::string> &m) {
  std::set<std::string> s;
  for (const auto &kv : m) s.insert(kv.first);
  return s;
}

std::set<std::string> Minus(const std::set<std::string> &a, const std::set<std::string> &b) {
  std::set<std::string> d;
  for (const std::string &x : a)
    if (!b.count(x)) d.insert(x);
  return d;
}

std::set<std::string> TableNames() {
  std::set<std::string> s;
  for (const auto &kv : LoadSymbols()) s.insert(kv.first);
  return s;
}

TEST(Exports, SonameIsLibssl3) {
  std::string dyn = Shell("readelf -d -W '" SHIMSSL_LIB_PATH "'");
  EXPECT_NE(dyn.find("(SONAME)"), std::string::npos) << dyn;
  EXPECT_NE(dyn.find("Library soname: [libssl.so.3]"), std::string::npos) << dyn;
}

TEST(Exports, NeedsLibcryptoButNoLibssl) {
  std::set<std::string> needed;
  for (const std::string &line : Lines(Shell("readelf -d -W '" SHIMSSL_LIB_PATH "'"))) {
    size_t p = line.find("Shared library: [");
    if (line.find("(NEEDED)") == std::string::npos || p == std::string::npos) continue;
    std::string lib = line.substr(p + 17);
    needed.insert(lib.substr(0, lib.find(']')));
  }
  EXPECT_TRUE(needed.count("libcrypto.so.3")) << "NEEDED: " << Join(needed);
  for (const std::string &lib : needed) EXPECT_EQ(lib.rfind("libssl", 0), std::string::npos) << lib;
}

TEST(Exports, TableHas518Functions) {
  // OpenSSL 3.0's libssl exports 518 functions; the committed table is the
  // reference when no system libssl is installed.
  EXPECT_EQ(TableNames().size(), 518u);
}

TEST(Exports, FunctionsEqualTheTableAllVersioned) {
  DynExports ex = ReadDynExports(SHIMSSL_LIB_PATH);
  std::set<std::string> table = TableNames();
  std::set<std::string> ours = Keys(ex.functions);
  EXPECT_EQ(Minus(table, ours), std::set<std::string>()) << "libssl functions we do not export";
  EXPECT_EQ(Minus(ours, table), std::set<std::string>()) << "exported functions libssl does not have";
  for (const auto &kv : ex.functions)
    EXPECT_EQ(kv.second, std::string("@@") + kVersion) << kv.first << " has the wrong version";
  EXPECT_EQ(ex.other, std::set<std::string>()) << "exported non-function symbols";
}

TEST(Exports, FunctionsEqualTheSystemLibssl) {
  if (access(SHIMSSL_SYSTEM_LIBSSL, R_OK) != 0) GTEST_SKIP() << SHIMSSL_SYSTEM_LIBSSL " not installed";
  DynExports sys = ReadDynExports(SHIMSSL_SYSTEM_LIBSSL);
  DynExports ours = ReadDynExports(SHIMSSL_LIB_PATH);
  ASSERT_EQ(sys.functions.size(), 518u);
  EXPECT_EQ(Minus(Keys(sys.functions), Keys(ours.functions)), std::set<std::string>());
  EXPECT_EQ(Minus(Keys(ours.functions), Keys(sys.functions)), std::set<std::string>());
  for (const auto &kv : sys.functions) {
    auto it = ours.functions.find(kv.first);
    if (it != ours.functions.end()) {
      EXPECT_EQ(it->second, kv.second) << kv.first;
    }
  }
  EXPECT_EQ(ours.version_nodes, sys.version_nodes);
}

TEST(Exports, DefinesVersionNode) {
  DynExports ex = ReadDynExports(SHIMSSL_LIB_PATH);
  EXPECT_EQ(ex.version_nodes, std::set<std::string>{kVersion});
  // The node must be a definition (.gnu.version_d), not just a reference.
  std::string v = Shell("readelf -V -W '" SHIMSSL_LIB_PATH "'");
  size_t d = v.find(".gnu.version_d");
  ASSERT_NE(d, std::string::npos) << v;
  size_t r = v.find(".gnu.version_r", d);
  std::string defs = v.substr(d, r == std::string::npos ? std::string::npos : r - d);
  EXPECT_NE(defs.find(std::string("Name: ") + kVersion), std::string::npos) << defs;
}

TEST(Exports, VersionScriptListsTheTable) {
  // compat/libssl.map and symbols.tsv are generated together; a hand edit of
  // one of them would make the library and its stubs disagree.
  std::set<std::string> mapped;
  bool global = false;
  for (std::string line : Lines(ReadFile(SHIMSSL_SOURCE_DIR "/compat/libssl.map"))) {
    line.erase(0, line.find_first_not_of(" \t"));
    if (line == "global:") global = true;
    else if (line == "local:") global = false;
    else if (global && !line.empty() && line.back() == ';') mapped.insert(line.substr(0, line.size() - 1));
  }
  EXPECT_EQ(mapped, TableNames());
}

// Calls a stub with no arguments (it ignores them) through the exported
// symbol, and checks the failure value of its return kind.
::testing::AssertionResult CallStub(void *fn, const Symbol &s) {
  long long want = s.fail == "NULL" || s.fail == "-" ? 0 : strtoll(s.fail.c_str(), nullptr, 10);
  auto check = [&](long long got) -> ::testing::AssertionResult {
    if (got == want) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << s.name << " returned " << got << ", want " << s.fail;
  };
  if (s.kind == "void") {
    reinterpret_cast<void (*)(void)>(fn)();
    return ::testing::AssertionSuccess();
  }
  if (s.kind == "pointer" || s.kind == "const pointer") {
    const void *p = reinterpret_cast<const void *(*)(void)>(fn)();
    if (p == nullptr) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << s.name << " returned non-NULL";
  }
  if (s.kind == "int") return check(reinterpret_cast<int (*)(void)>(fn)());
  if (s.kind == "unsigned int") return check(reinterpret_cast<unsigned (*)(void)>(fn)());
  if (s.kind == "long") return check(reinterpret_cast<long (*)(void)>(fn)());
  if (s.kind == "unsigned long") return check((long long)reinterpret_cast<unsigned long (*)(void)>(fn)());
  if (s.kind == "size_t") return check((long long)reinterpret_cast<size_t (*)(void)>(fn)());
  if (s.kind == "ssize_t") return check(reinterpret_cast<ssize_t (*)(void)>(fn)());
  if (s.kind == "uint8_t") return check(reinterpret_cast<uint8_t (*)(void)>(fn)());
  if (s.kind == "uint16_t") return check(reinterpret_cast<uint16_t (*)(void)>(fn)());
  if (s.kind == "uint32_t") return check(reinterpret_cast<uint32_t (*)(void)>(fn)());
  if (s.kind == "uint64_t") return check((long long)reinterpret_cast<uint64_t (*)(void)>(fn)());
  return ::testing::AssertionFailure() << s.name << ": unknown kind " << s.kind;
}

// The newest error must be ERR_LIB_SSL / ERR_R_UNSUPPORTED with data that
// names the function, so a user reading ERR_print_errors sees what is missing.
::testing::AssertionResult ErrorNames(const std::string &name) {
  const char *data = nullptr;
  int flags = 0;
  unsigned long e = ERR_peek_last_error_data(&data, &flags);
  if (e == 0) return ::testing::AssertionFailure() << name << " left no error";
  if (ERR_GET_LIB(e) != ERR_LIB_SSL || ERR_GET_REASON(e) != (ERR_R_UNSUPPORTED & ERR_REASON_MASK))
    return ::testing::AssertionFailure() << name << " left lib " << ERR_GET_LIB(e) << " reason "
                                         << ERR_GET_REASON(e);
  if (data == nullptr || !(flags & ERR_TXT_STRING) || std::string(data).find(name) == std::string::npos)
    return ::testing::AssertionFailure() << name << " error data: " << (data ? data : "(none)");
  return ::testing::AssertionSuccess();
}

class Stubs : public ::testing::Test {
 protected:
  void SetUp() override {
    handle_ = dlopen(SHIMSSL_LIB_PATH, RTLD_NOW | RTLD_LOCAL);
    ASSERT_NE(handle_, nullptr) << dlerror();
    syms_ = LoadSymbols();
    stubs_ = LoadStubs();
  }
  void TearDown() override {
    if (handle_) dlclose(handle_);
  }
  void *handle_ = nullptr;
  std::map<std::string, Symbol> syms_;
  std::vector<std::string> stubs_;
};

TEST_F(Stubs, UnimplementedFunctionFailsAndNamesItself) {
  // Functions unlikely to be written soon; the first one still stubbed.
  const char *candidates[] = {"SSL_CTX_set_srp_username", "DTLSv1_listen", "SSL_set_srp_server_param",
                              "SSL_CTX_set_client_cert_engine", "SSL_get_current_compression"};
  std::string pick;
  for (const char *c : candidates)
    for (const std::string &s : stubs_)
      if (pick.empty() && s == c) pick = c;
  if (pick.empty()) GTEST_SKIP() << "none of the candidate functions is a stub any more";
  void *fn = dlsym(handle_, pick.c_str());
  ASSERT_NE(fn, nullptr) << dlerror();
  ERR_clear_error();
  EXPECT_TRUE(CallStub(fn, syms_.at(pick)));
  EXPECT_TRUE(ErrorNames(pick));
  char line[256];
  ERR_error_string_n(ERR_peek_last_error(), line, sizeof line);
  EXPECT_NE(std::string(line).find("unsupported"), std::string::npos) << line;
  ERR_clear_error();
}

TEST_F(Stubs, EveryStubFailsCleanly) {
  if (stubs_.empty()) GTEST_SKIP() << "every function is implemented";
  for (const std::string &name : stubs_) {
    ASSERT_TRUE(syms_.count(name)) << name << " is in stubs.txt but not in symbols.tsv";
    void *fn = dlsym(handle_, name.c_str());
    ASSERT_NE(fn, nullptr) << name << ": " << dlerror();
    ERR_clear_error();
    EXPECT_TRUE(CallStub(fn, syms_.at(name)));
    EXPECT_TRUE(ErrorNames(name));
  }
  ERR_clear_error();
}

}  // namespace
