// Corpus replay for the fuzz targets, shared by fuzz_replay_test.cc and
// fuzz_ticket_replay_test.cc.
//
// Every input runs in a child process of its own: a target reports a
// violated property by abort() (fuzz_common.h), which libFuzzer needs, so
// the replay must survive it to name the input and go on. An input fails
// when the child does not exit normally with status 0 (abort, a sanitizer
// report, a crash, a non-zero return, or more than 60 s).
#ifndef SHIMSSL_FUZZ_REPLAY_H
#define SHIMSSL_FUZZ_REPLAY_H

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <dirent.h>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace fuzz_replay
{

using OneInput = int (*)(const uint8_t *, size_t);

inline std::vector<std::string> files_in(const std::string &dir)
{
    std::vector<std::string> files;
    if (DIR *d = opendir(dir.c_str())) {
        while (dirent *e = readdir(d))
            if (e->d_name[0] != '.')
                files.push_back(dir + "/" + e->d_name);
        closedir(d);
    }
    std::sort(files.begin(), files.end());
    return files;
}

inline std::string slurp(const std::string &path)
{
    std::ifstream f(path, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

// Runs one input in a child; selftest, if not null, is what the child
// sets SHIMSSL_FUZZ_SELFTEST to. Returns "" if it passed, else why not.
inline std::string run_one(const std::string &path, OneInput one, const char *selftest)
{
    std::string data = slurp(path);
    std::fflush(nullptr);
    pid_t pid = fork();
    if (pid < 0)
        return "fork failed";
    if (pid == 0) {
        alarm(60);
        if (selftest != nullptr)
            setenv("SHIMSSL_FUZZ_SELFTEST", selftest, 1);
        else
            unsetenv("SHIMSSL_FUZZ_SELFTEST");
        int rc = one(reinterpret_cast<const uint8_t *>(data.data()), data.size());
        std::fflush(nullptr);
        _exit(rc == 0 ? 0 : 3);
    }
    int status = 0;
    if (waitpid(pid, &status, 0) != pid)
        return "waitpid failed";
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return "";
    if (WIFSIGNALED(status))
        return "killed by signal " + std::to_string(WTERMSIG(status));
    return "exit status " + std::to_string(WEXITSTATUS(status));
}

// The inputs of dir that fail, each as "path: why".
inline std::vector<std::string> failures(const std::string &dir, OneInput one,
                                         const char *selftest = nullptr)
{
    std::vector<std::string> bad;
    // One byte through the target in this process first, so that what a
    // target makes once (keys, certificates, SSL_CTX) is inherited by the
    // children instead of being made again in each (RSA key generation in
    // every child of fuzz_server12_handshake took seconds).
    static const uint8_t warm_up = 0;
    (void)one(&warm_up, 1);
    for (const auto &f : files_in(dir)) {
        std::string why = run_one(f, one, selftest);
        if (!why.empty())
            bad.push_back(f + ": " + why);
    }
    return bad;
}

// The committed corpus of target: not empty, and every input passes.
inline void replay(const std::string &target, OneInput one)
{
    std::string dir = std::string(SHIMSSL_FUZZ_CORPUS_DIR) + "/" + target;
    // An empty corpus would make this test pass without running anything.
    ASSERT_FALSE(files_in(dir).empty()) << "no corpus for " << target;
    for (const auto &f : failures(dir, one))
        ADD_FAILURE() << "property violated or crash: " << f;
}

// A scratch directory holding one crafted input (not in the corpus).
class ScratchInput
{
  public:
    explicit ScratchInput(const std::string &bytes)
    {
        char tmpl[] = "/tmp/shimssl-fuzz-XXXXXX";
        if (mkdtemp(tmpl) != nullptr) {
            dir_ = tmpl;
            std::ofstream(dir_ + "/input", std::ios::binary) << bytes;
        }
    }
    ~ScratchInput()
    {
        if (!dir_.empty()) {
            unlink((dir_ + "/input").c_str());
            rmdir(dir_.c_str());
        }
    }
    const std::string &dir() const { return dir_; }

  private:
    std::string dir_;
};

} // namespace fuzz_replay

#endif
