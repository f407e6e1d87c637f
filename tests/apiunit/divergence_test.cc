// Every SHIMSSL_DIVERGENCE / SHIMSSL_ON_OPENSSL id used in tests/apiunit has
// a section in docs/DIVERGENCES.md, and every section there is still used:
// the list of differences from OpenSSL 3.0 stays complete and current.
#include <gtest/gtest.h>

#include <dirent.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "apiunit/divergence.h"

namespace
{

std::string slurp(const std::string &path)
{
    std::ifstream f(path);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

std::set<std::string> used_ids()
{
    std::set<std::string> ids;
    std::string dir = std::string(SHIMSSL_SOURCE_DIR) + "/tests/apiunit";
    DIR *d = opendir(dir.c_str());
    if (d == nullptr)
        return ids;
    while (struct dirent *e = readdir(d)) {
        std::string name = e->d_name;
        if (name.size() < 3 || name.compare(name.size() - 3, 3, ".cc") != 0 ||
            name == "divergence_test.cc")
            continue;
        std::string src = slurp(dir + "/" + name);
        for (const char *macro : {"SHIMSSL_DIVERGENCE(", "SHIMSSL_ON_OPENSSL("}) {
            for (size_t at = src.find(macro); at != std::string::npos;
                 at = src.find(macro, at + 1)) {
                size_t start = at + std::string(macro).size();
                size_t end = src.find_first_of(",)", start);
                ids.insert(src.substr(start, end - start));
            }
        }
    }
    closedir(d);
    return ids;
}

std::set<std::string> documented_ids()
{
    std::set<std::string> ids;
    std::istringstream doc(slurp(std::string(SHIMSSL_SOURCE_DIR) + "/docs/DIVERGENCES.md"));
    std::string line;
    while (std::getline(doc, line)) {
        if (line.rfind("## ", 0) != 0)
            continue;
        std::string id = line.substr(3);
        if (id.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == std::string::npos)
            ids.insert(id);
    }
    return ids;
}

TEST(DivergenceList, EveryIdIsDocumented)
{
    std::set<std::string> used = used_ids(), documented = documented_ids();
    EXPECT_GT(used.size(), 0u);
    for (const auto &id : used)
        EXPECT_TRUE(documented.count(id)) << id << " is not in docs/DIVERGENCES.md";
    for (const auto &id : documented)
        EXPECT_TRUE(used.count(id)) << id << " in docs/DIVERGENCES.md is used by no test";
}

TEST(DivergenceList, MacroPicksTheLibraryUnderTest)
{
#ifdef SHIMSSL_TEST_ON_OPENSSL
    EXPECT_EQ(SHIMSSL_DIVERGENCE(DTLS, 1, 2), 1);
    EXPECT_TRUE(SHIMSSL_ON_OPENSSL(DTLS));
#else
    EXPECT_EQ(SHIMSSL_DIVERGENCE(DTLS, 1, 2), 2);
    EXPECT_FALSE(SHIMSSL_ON_OPENSSL(DTLS));
#endif
}

} // namespace
