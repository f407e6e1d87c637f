// docs/COVERAGE.md and the committed symbol data must match what the tools
// produce now; a mismatch means someone has to rerun a generator.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include "util.h"

using namespace shimssl_cov;

namespace {

const std::string kTools = SHIMSSL_SOURCE_DIR "/tools/";

// Runs tools/gen_coverage.py on the current stub list into `out`.
std::string Generate(const std::string &out) {
  int rc = 0;
  std::string log = Shell(std::string(SHIMSSL_PYTHON " ") + kTools + "gen_coverage.py --symbols " SHIMSSL_SOURCE_DIR
                        "/compat/symbols.tsv --imports " SHIMSSL_SOURCE_DIR
                        "/compat/symbols_imports.tsv --stubs " SHIMSSL_BINARY_DIR "/gen/stubs.txt --out " +
                            out + " 2>&1",
                        &rc);
  EXPECT_EQ(rc, 0) << log;
  return ReadFile(out);
}

TEST(CoverageDoc, CommittedDocIsCurrent) {
  std::string out = SHIMSSL_BINARY_DIR "/gen/COVERAGE.md";
  std::string fresh = Generate(out);
  ASSERT_FALSE(fresh.empty());
  // The generator must be deterministic, or this comparison means nothing.
  EXPECT_EQ(Generate(out + ".again"), fresh);
  EXPECT_TRUE(ReadFile(SHIMSSL_SOURCE_DIR "/docs/COVERAGE.md") == fresh)
      << "docs/COVERAGE.md is out of date (compare with " << out
      << "); regenerate it with: cmake --build " SHIMSSL_BINARY_DIR " --target coverage-doc\n"
      << Shell("diff -u " SHIMSSL_SOURCE_DIR "/docs/COVERAGE.md " + out + " | head -40");
}

TEST(CoverageDoc, DocCountsMatchTheStubList) {
  std::string doc = Generate(SHIMSSL_BINARY_DIR "/gen/COVERAGE.counts.md");
  size_t stubs = LoadStubs().size();
  size_t total = LoadSymbols().size();
  EXPECT_NE(doc.find("- Implemented: " + std::to_string(total - stubs) + "\n"), std::string::npos) << doc.substr(0, 800);
  EXPECT_NE(doc.find("- Not yet (stubs): " + std::to_string(stubs) + "\n"), std::string::npos);
  // One table row per function, marked the way the stub list says.
  size_t rows = 0, not_yet = 0;
  for (const std::string &line : Lines(doc)) {
    if (line.rfind("| `", 0) != 0) continue;
    rows++;
    if (line.find("| not yet |") != std::string::npos) not_yet++;
  }
  EXPECT_EQ(rows, total);
  EXPECT_EQ(not_yet, stubs);
}

TEST(CoverageDoc, RecordedImportsMatchInstalledPrograms) {
  int rc = 0;
  std::string log = Shell(std::string(SHIMSSL_PYTHON " ") + kTools + "gen_imports.py --check --nm " SHIMSSL_NM
                        " --srcdir " SHIMSSL_SOURCE_DIR " 2>&1",
                        &rc);
  EXPECT_EQ(rc, 0) << log;
}

TEST(CoverageDoc, SymbolTableMatchesSystemOpenSSL) {
  if (access(SHIMSSL_SYSTEM_LIBSSL, R_OK) != 0 || access("/usr/include/openssl/ssl.h", R_OK) != 0)
    GTEST_SKIP() << "system OpenSSL 3.0 libssl or headers not installed";
  char tmpl[] = "/tmp/shimssl_symbols_XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  std::string dir = tmpl;
  Shell("mkdir -p " + dir + "/compat");
  int rc = 0;
  std::string log = Shell(std::string(SHIMSSL_PYTHON " ") + kTools + "gen_symbols.py --lib " SHIMSSL_SYSTEM_LIBSSL
                        " --srcdir " + dir + " 2>&1",
                        &rc);
  ASSERT_EQ(rc, 0) << log;
  EXPECT_TRUE(ReadFile(dir + "/compat/symbols.tsv") == ReadFile(SHIMSSL_SOURCE_DIR "/compat/symbols.tsv"))
      << "compat/symbols.tsv differs from the system headers; rerun tools/gen_symbols.py";
  EXPECT_TRUE(ReadFile(dir + "/compat/libssl.map") == ReadFile(SHIMSSL_SOURCE_DIR "/compat/libssl.map"))
      << "compat/libssl.map differs; rerun tools/gen_symbols.py";
  Shell("rm -rf " + dir);
}

}  // namespace
