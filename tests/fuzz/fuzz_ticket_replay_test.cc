// fuzz_ticket over its committed corpus (it needs compat/, so it is not in
// fuzz_corpus_replay, which links core/ alone).
#include <gtest/gtest.h>

#include <cstdint>
#include <dirent.h>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

extern "C" int fuzz_ticket_one_input(const uint8_t *data, size_t size);

namespace
{

TEST(FuzzCorpus, Ticket)
{
    std::string dir = std::string(SHIMSSL_FUZZ_CORPUS_DIR) + "/fuzz_ticket";
    std::vector<std::string> files;
    if (DIR *d = opendir(dir.c_str())) {
        while (dirent *e = readdir(d))
            if (e->d_name[0] != '.')
                files.push_back(dir + "/" + e->d_name);
        closedir(d);
    }
    ASSERT_FALSE(files.empty()) << "no corpus in " << dir;
    for (const auto &f : files) {
        SCOPED_TRACE(f);
        std::ifstream in(f, std::ios::binary);
        std::stringstream ss;
        ss << in.rdbuf();
        std::string data = ss.str();
        EXPECT_EQ(fuzz_ticket_one_input(reinterpret_cast<const uint8_t *>(data.data()), data.size()), 0);
    }
}

} // namespace
