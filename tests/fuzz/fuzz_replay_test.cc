// Runs every fuzz target over every file of its committed corpus: inputs
// that once crashed the engine (or real server flights) keep being checked
// in every build, including the sanitizer one, without libFuzzer.
#include <gtest/gtest.h>

#include <cstdint>
#include <dirent.h>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

extern "C" int fuzz_record_one_input(const uint8_t *data, size_t size);
extern "C" int fuzz_client_handshake_one_input(const uint8_t *data, size_t size);
extern "C" int fuzz_server_hello_one_input(const uint8_t *data, size_t size);
extern "C" int fuzz_server12_handshake_one_input(const uint8_t *data, size_t size);
extern "C" int fuzz_client12_handshake_one_input(const uint8_t *data, size_t size);
extern "C" int fuzz_record12_one_input(const uint8_t *data, size_t size);

namespace
{

std::vector<std::string> corpus(const std::string &target)
{
    std::vector<std::string> files;
    std::string dir = std::string(SHIMSSL_FUZZ_CORPUS_DIR) + "/" + target;
    DIR *d = opendir(dir.c_str());
    if (d == nullptr)
        return files;
    while (dirent *e = readdir(d)) {
        if (e->d_name[0] != '.')
            files.push_back(dir + "/" + e->d_name);
    }
    closedir(d);
    return files;
}

std::string slurp(const std::string &path)
{
    std::ifstream f(path, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

void replay(const std::string &target, int (*one)(const uint8_t *, size_t))
{
    std::vector<std::string> files = corpus(target);
    // An empty corpus would make this test pass without running anything.
    ASSERT_FALSE(files.empty()) << "no corpus for " << target;
    for (const auto &f : files) {
        SCOPED_TRACE(f);
        std::string data = slurp(f);
        EXPECT_EQ(one(reinterpret_cast<const uint8_t *>(data.data()), data.size()), 0);
    }
}

TEST(FuzzCorpus, Record)
{
    replay("fuzz_record", fuzz_record_one_input);
}
TEST(FuzzCorpus, ClientHandshake)
{
    replay("fuzz_client_handshake", fuzz_client_handshake_one_input);
}
TEST(FuzzCorpus, ServerHello)
{
    replay("fuzz_server_hello", fuzz_server_hello_one_input);
}
TEST(FuzzCorpus, Server12Handshake)
{
    replay("fuzz_server12_handshake", fuzz_server12_handshake_one_input);
}
TEST(FuzzCorpus, Client12Handshake)
{
    replay("fuzz_client12_handshake", fuzz_client12_handshake_one_input);
}
TEST(FuzzCorpus, Record12)
{
    replay("fuzz_record12", fuzz_record12_one_input);
}

} // namespace
