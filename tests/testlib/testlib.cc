#include "testlib/testlib.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char **environ;

#ifndef SHIMSSL_TEST_LIB_OVERRIDE
#define SHIMSSL_TEST_LIB_OVERRIDE ""
#endif
#ifndef SHIMSSL_TEST_ASAN_RUNTIME
#define SHIMSSL_TEST_ASAN_RUNTIME ""
#endif

namespace shimtest
{

namespace
{

using Clock = std::chrono::steady_clock;

const char *const kSystemLibssl[] = {
    "/usr/lib/x86_64-linux-gnu/libssl.so.3",
    "/lib/x86_64-linux-gnu/libssl.so.3",
};

std::string real_path(const std::string &p)
{
    char buf[PATH_MAX];
    if (realpath(p.c_str(), buf) == nullptr)
        return p;
    return buf;
}

std::string basename_of(const std::string &p)
{
    size_t slash = p.rfind('/');
    return slash == std::string::npos ? p : p.substr(slash + 1);
}

// Same file on disk? Compares device and inode, so /lib vs /usr/lib (merged
// /usr) and symlinks do not matter.
bool same_file(const std::string &a, const std::string &b)
{
    struct stat sa, sb;
    if (stat(a.c_str(), &sa) != 0 || stat(b.c_str(), &sb) != 0)
        return false;
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

bool is_system_libssl(const std::string &path)
{
    if (path.find('/') == std::string::npos)
        return false;
    for (const char *sys : kSystemLibssl) {
        if (path == sys || same_file(path, sys))
            return true;
    }
    return false;
}

std::string var_name(const std::string &entry)
{
    return entry.substr(0, entry.find('='));
}

// The child's environment: the inherited one minus the loader variables
// (only what the test asks for reaches the child), plus opt.env.
std::vector<std::string> child_env(const RunOptions &opt)
{
    std::vector<std::string> drop = {"LD_PRELOAD", "LD_DEBUG", "LD_DEBUG_OUTPUT",
                                     "LD_LIBRARY_PATH"};
    drop.insert(drop.end(), opt.unset.begin(), opt.unset.end());
    for (const auto &e : opt.env)
        drop.push_back(var_name(e));
    std::vector<std::string> out;
    for (char **e = environ; *e != nullptr; ++e) {
        std::string entry(*e);
        bool keep = true;
        for (const auto &d : drop) {
            if (var_name(entry) == d)
                keep = false;
        }
        if (keep)
            out.push_back(entry);
    }
    out.insert(out.end(), opt.env.begin(), opt.env.end());
    return out;
}

// In the child after fork(): own process group (so a stop reaches its
// children too), killed if the test process dies, then exec. `parent` is the
// test process's pid taken before fork(): if it died before prctl() took
// effect, the child was already re-parented and exits instead of living on.
[[noreturn]] void exec_child(pid_t parent, const std::vector<std::string> &argv,
                             const std::vector<std::string> &env, int in_fd, int out_fd, int err_fd)
{
    setpgid(0, 0);
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
        _exit(127);
    signal(SIGPIPE, SIG_DFL);
    if (in_fd >= 0)
        dup2(in_fd, 0);
    dup2(out_fd, 1);
    dup2(err_fd, 2);
    for (int fd = 3; fd < 1024; ++fd)
        close(fd);
    std::vector<char *> av, ev;
    for (const auto &a : argv)
        av.push_back(const_cast<char *>(a.c_str()));
    av.push_back(nullptr);
    for (const auto &e : env)
        ev.push_back(const_cast<char *>(e.c_str()));
    ev.push_back(nullptr);
    execvpe(av[0], av.data(), ev.data());
    dprintf(2, "testlib: exec %s: %s\n", av[0], strerror(errno));
    _exit(127);
}

void decode_status(int status, int *code, int *sig)
{
    if (WIFEXITED(status)) {
        *code = WEXITSTATUS(status);
        *sig = 0;
    } else {
        *code = -1;
        *sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    }
}

// Waits for pid up to ms milliseconds; true if it was reaped.
bool wait_for(int pid, int *status, int ms)
{
    auto deadline = Clock::now() + std::chrono::milliseconds(ms);
    for (;;) {
        int r = waitpid(pid, status, WNOHANG);
        if (r == pid)
            return true;
        if (r < 0 && errno != EINTR)
            return true;
        if (Clock::now() >= deadline)
            return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

// SIGTERM to the group, then SIGKILL; always reaps.
int terminate_group(int pid, int grace_ms)
{
    int status = 0;
    kill(-pid, SIGTERM);
    if (!wait_for(pid, &status, grace_ms)) {
        kill(-pid, SIGKILL);
        waitpid(pid, &status, 0);
    }
    kill(-pid, SIGKILL); // leftovers in the group, if any
    return status;
}

std::string read_file(const std::string &path)
{
    std::ifstream f(path, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

} // namespace

// ---- paths -----------------------------------------------------------------

std::string shim_lib()
{
    const char *env = getenv("SHIMSSL_TEST_LIB");
    if (env != nullptr && *env != '\0')
        return real_path(env);
    if (SHIMSSL_TEST_LIB_OVERRIDE[0] != '\0')
        return real_path(SHIMSSL_TEST_LIB_OVERRIDE);
    return real_path(SHIMSSL_LIB_PATH);
}

bool testing_system_lib()
{
    return is_system_libssl(shim_lib());
}

std::string cert_dir()
{
    return SHIMSSL_CERT_DIR;
}

std::string cert(const std::string &file)
{
    return cert_dir() + "/" + file;
}

namespace
{

// mkdtemp under base (default $TMPDIR or /tmp); "" on failure.
std::string new_temp_dir(const std::string &tag, std::string base = "")
{
    const char *tmp = getenv("TMPDIR");
    if (base.empty())
        base = tmp != nullptr && *tmp ? tmp : "/tmp";
    std::string tmpl = base + "/shimssl-" + tag + "-XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    if (mkdtemp(buf.data()) == nullptr)
        return "";
    return buf.data();
}

void remove_tree(const std::string &dir)
{
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
}

// Every directory make_temp_dir() handed out, removed when the test program
// ends (ctest runs one test per process, so: when the test ends, passed or
// failed). Not earlier: helpers cache a directory across tests (ocsp_apps.h).
class TempDirs
{
  public:
    ~TempDirs()
    {
        std::lock_guard<std::mutex> lock(mu_);
        if (getpid() != owner_) // a forked child exiting: not its directories
            return;
        for (const auto &d : dirs_)
            remove_tree(d);
    }
    void add(const std::string &d)
    {
        std::lock_guard<std::mutex> lock(mu_);
        dirs_.push_back(d);
    }

  private:
    const pid_t owner_ = getpid();
    std::mutex mu_;
    std::vector<std::string> dirs_;
};

TempDirs &temp_dirs()
{
    static TempDirs dirs;
    return dirs;
}

} // namespace

// The directory make_temp_dir() creates directories in: one per test
// program, named in the environment (SHIMSSL_TEST_TMPROOT) for the programs
// it starts. A death test's child (gtest re-runs the test program, which
// ends with _exit, no destructor) makes its directories in its parent's, so
// the parent removes them.
std::string temp_root()
{
    static std::mutex mu;
    static std::string root;
    std::lock_guard<std::mutex> lock(mu);
    if (!root.empty())
        return root;
    struct stat st;
    const char *inherited = getenv("SHIMSSL_TEST_TMPROOT");
    if (inherited != nullptr && stat(inherited, &st) == 0 && S_ISDIR(st.st_mode)) {
        root = inherited;
        return root;
    }
    root = new_temp_dir("test");
    if (root.empty())
        return root;
    // Servers that drop privileges (apache's www-data, postgres, dovecot,
    // postfix) must reach the directories a test makes for them here:
    // others may pass through the root, not list it.
    chmod(root.c_str(), 0711);
    temp_dirs().add(root);
    setenv("SHIMSSL_TEST_TMPROOT", root.c_str(), 1);
    return root;
}

std::string make_temp_dir(const std::string &tag)
{
    std::string dir = new_temp_dir(tag, temp_root());
    if (!dir.empty())
        temp_dirs().add(dir);
    return dir;
}

std::vector<std::string> preload_env(bool asan_runtime_first)
{
    std::string preload = shim_lib();
    std::vector<std::string> env;
#ifdef SHIMSSL_TEST_SANITIZE
    // An ASan-built libssl needs the ASan runtime first in the link order of
    // the uninstrumented program it is injected into; leak checking would
    // report the host program's own exit-time leaks.
    std::string asan_opts = "ASAN_OPTIONS=detect_leaks=0:abort_on_error=0:exitcode=86";
    if (!asan_runtime_first) {
        asan_opts += ":verify_asan_link_order=0";
    } else if (!testing_system_lib() && SHIMSSL_TEST_ASAN_RUNTIME[0] != '\0') {
        preload = std::string(SHIMSSL_TEST_ASAN_RUNTIME) + ":" + preload;
    }
    env.push_back(asan_opts);
    env.push_back("UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1");
#else
    (void)asan_runtime_first;
#endif
    env.push_back("LD_PRELOAD=" + preload);
    return env;
}

std::vector<std::string> shim_env(std::vector<std::string> extra, bool asan_runtime_first)
{
    std::vector<std::string> env = preload_env(asan_runtime_first);
    env.push_back("LD_DEBUG=files");
    env.insert(env.end(), extra.begin(), extra.end());
    return env;
}

// ---- running programs --------------------------------------------------------

namespace
{

// run() without the proof: for the harness's own probe.
RunResult run_unchecked(const std::vector<std::string> &argv, const RunOptions &opt)
{
    RunResult r;
    int in_pipe[2], out_pipe[2], err_pipe[2];
    if (pipe2(in_pipe, O_CLOEXEC) != 0 || pipe2(out_pipe, O_CLOEXEC) != 0 ||
        pipe2(err_pipe, O_CLOEXEC) != 0) {
        r.err = "testlib: pipe failed";
        return r;
    }
    std::vector<std::string> env = child_env(opt);
    const pid_t self = getpid();
    pid_t pid = fork();
    if (pid == 0)
        exec_child(self, argv, env, in_pipe[0], out_pipe[1], err_pipe[1]);
    close(in_pipe[0]);
    close(out_pipe[1]);
    close(err_pipe[1]);
    if (pid < 0) {
        close(in_pipe[1]);
        close(out_pipe[0]);
        close(err_pipe[0]);
        r.err = "testlib: fork failed";
        return r;
    }
    setpgid(pid, pid); // also from here, so the group exists before any kill

    int in_fd = in_pipe[1];
    size_t in_off = 0;
    if (opt.stdin_data.empty()) {
        close(in_fd);
        in_fd = -1;
    } else {
        fcntl(in_fd, F_SETFL, O_NONBLOCK);
    }
    int fds[2] = {out_pipe[0], err_pipe[0]};
    std::string *sinks[2] = {&r.out, &r.err};
    auto deadline = Clock::now() + std::chrono::milliseconds(opt.timeout_ms);
    int status = 0;
    bool reaped = false;
    // Read until both pipes close. A grandchild may hold them open after the
    // child exits: once the child is gone, allow a short drain and stop.
    Clock::time_point drain_until = Clock::time_point::max();
    while (fds[0] >= 0 || fds[1] >= 0) {
        auto now = Clock::now();
        if (now >= deadline) {
            r.timed_out = true;
            break;
        }
        if (reaped && now >= drain_until)
            break;
        struct pollfd p[3];
        int n = 0;
        int map[3];
        for (int i = 0; i < 2; ++i) {
            if (fds[i] >= 0) {
                p[n] = {fds[i], POLLIN, 0};
                map[n++] = i;
            }
        }
        if (in_fd >= 0) {
            p[n] = {in_fd, POLLOUT, 0};
            map[n++] = 2;
        }
        int rc = poll(p, n, 50);
        if (rc < 0 && errno != EINTR)
            break;
        for (int k = 0; k < n && rc > 0; ++k) {
            if (p[k].revents == 0)
                continue;
            int i = map[k];
            if (i == 2) {
                ssize_t w =
                    write(in_fd, opt.stdin_data.data() + in_off, opt.stdin_data.size() - in_off);
                if (w > 0)
                    in_off += static_cast<size_t>(w);
                if (w < 0 && errno != EAGAIN)
                    in_off = opt.stdin_data.size();
                if (in_off >= opt.stdin_data.size()) {
                    close(in_fd);
                    in_fd = -1;
                }
                continue;
            }
            char buf[8192];
            ssize_t got = read(fds[i], buf, sizeof buf);
            if (got > 0) {
                sinks[i]->append(buf, static_cast<size_t>(got));
            } else if (got == 0 || errno != EINTR) {
                close(fds[i]);
                fds[i] = -1;
            }
        }
        if (!reaped && waitpid(pid, &status, WNOHANG) == pid) {
            reaped = true;
            drain_until = Clock::now() + std::chrono::milliseconds(500);
        }
    }
    if (in_fd >= 0)
        close(in_fd);
    for (int fd : fds) {
        if (fd >= 0)
            close(fd);
    }
    if (!reaped) {
        // Pipes closed but the child still runs: wait for it within the limit.
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        int left_ms = std::max(0, static_cast<int>(left.count()));
        if (r.timed_out || !wait_for(pid, &status, left_ms)) {
            r.timed_out = true;
            status = terminate_group(pid, 1000);
        }
    }
    kill(-pid, SIGKILL); // whatever the child left behind in its group
    decode_status(status, &r.exit_code, &r.term_signal);
    if (r.timed_out)
        r.exit_code = -1;
    return r;
}

// ---- the proof, made by the harness itself ----------------------------------
//
// A program is started "on ShimSSL" when its environment preloads
// shim_lib() (shim_env(), preload_env() or a list of one's own). For every
// such program the harness makes the loader trace (LD_DEBUG=files) and
// records a gtest failure unless ran_on_shim() accepts it, so no test can
// forget the proof and no run can fall back to the system libssl unseen.
// Programs started without it (the peers, on the system libssl) are left
// alone.

// Does this environment preload the library under test?
bool on_shim(const RunOptions &opt)
{
    const std::string lib = shim_lib();
    for (const auto &e : opt.env) {
        if (var_name(e) != "LD_PRELOAD")
            continue;
        // The loader splits LD_PRELOAD at colons and spaces.
        std::string list = e.substr(e.find('=') + 1);
        for (char &c : list) {
            if (c == ' ')
                c = ':';
        }
        std::istringstream in(list);
        std::string item;
        while (std::getline(in, item, ':')) {
            if (!item.empty() && (item == lib || real_path(item) == lib || same_file(item, lib)))
                return true;
        }
    }
    return false;
}

// opt with the loader trace on (LD_DEBUG=files, or "files" added to the
// categories the test chose).
RunOptions traced(const RunOptions &opt)
{
    RunOptions o = opt;
    for (auto &e : o.env) {
        if (var_name(e) != "LD_DEBUG")
            continue;
        if (e.find("files") == std::string::npos && e.find("all") == std::string::npos)
            e += ",files";
        return o;
    }
    o.env.push_back("LD_DEBUG=files");
    return o;
}

// Thrown at a spawn on ShimSSL when the library under test cannot be loaded
// at all: gtest reports it as the test's failure and the stack unwinds (every
// Process stops), so a missing or broken library fails each test at its
// first spawn in milliseconds instead of letting it run on the system libssl.
struct LibraryUnavailable : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Once per library path and test program: /bin/true on the library under
// test must show the proof. Throws LibraryUnavailable if it does not.
void require_loadable()
{
    static std::mutex lock;
    static std::map<std::string, std::string> verdicts; // path -> "" or why not
    const std::string lib = shim_lib();
    std::lock_guard<std::mutex> hold(lock);
    auto it = verdicts.find(lib);
    if (it == verdicts.end()) {
        std::string why;
        if (access(lib.c_str(), R_OK) != 0) {
            why = std::string("cannot read it: ") + strerror(errno);
        } else {
            RunOptions o;
            o.env = shim_env();
            o.timeout_ms = 20000;
            RunResult r = run_unchecked({"/bin/true"}, o);
            ::testing::AssertionResult proof = ran_on_shim(r.err);
            if (!proof)
                why = std::string("/bin/true on it gave no proof: ") + proof.message() + "\n" +
                      describe({"/bin/true"}, r);
        }
        it = verdicts.emplace(lib, why).first;
    }
    if (!it->second.empty()) {
        throw LibraryUnavailable("testlib: the library under test " + lib +
                                 " (SHIMSSL_TEST_LIB / the build's libssl) cannot be loaded, so "
                                 "no program can run on it: " +
                                 it->second);
    }
}

// Records a gtest failure unless the trace proves the program ran on
// shim_lib() and not on the system libssl.
void check_proof(const std::vector<std::string> &argv, const std::string &trace,
                 const std::string &details)
{
    ::testing::AssertionResult proof = ran_on_shim(trace);
    if (proof)
        return;
    std::string cmd;
    for (const auto &a : argv)
        cmd += " '" + a + "'";
    ADD_FAILURE() << "testlib: a program started on ShimSSL did not prove it ran on "
                  << shim_lib() << ": " << proof.message() << "\ncommand:" << cmd << details;
}

} // namespace

RunResult run(const std::vector<std::string> &argv, const RunOptions &opt)
{
    bool shim = on_shim(opt);
    if (shim)
        require_loadable();
    RunResult r = run_unchecked(argv, shim ? traced(opt) : opt);
    if (shim)
        check_proof(argv, r.err, "\n" + describe(argv, r));
    return r;
}

namespace
{

// The loader trace is long: keeps the lines about libssl, counts the others.
std::string without_loader_noise(const std::string &text, size_t *dropped)
{
    std::string kept;
    std::istringstream es(text);
    std::string line;
    while (std::getline(es, line)) {
        bool trace = line.find("file=") != std::string::npos ||
                     line.find("calling init") != std::string::npos ||
                     line.find("calling fini") != std::string::npos;
        if (trace && line.find("libssl") == std::string::npos) {
            ++*dropped;
            continue;
        }
        kept += line + "\n";
    }
    return kept;
}

} // namespace

std::string describe(const std::vector<std::string> &argv, const RunResult &r)
{
    std::ostringstream os;
    os << "command:";
    for (const auto &a : argv)
        os << " '" << a << "'";
    os << "\nexit code: " << r.exit_code;
    if (r.term_signal)
        os << " (signal " << r.term_signal << ")";
    if (r.timed_out)
        os << " (TIMED OUT)";
    size_t dropped = 0;
    std::string err = without_loader_noise(r.err, &dropped);
    os << "\n--- stdout ---\n"
       << r.out.substr(0, 8000) << "\n--- stderr (" << dropped
       << " loader lines not about libssl omitted) ---\n"
       << err.substr(0, 8000);
    return os.str();
}

// ---- Process -----------------------------------------------------------------

Process::~Process()
{
    stop();
    if (!dir_.empty())
        remove_tree(dir_);
}

bool Process::start(const std::vector<std::string> &argv, const RunOptions &opt)
{
    stop(); // a previous program (and its proof) is done with first
    const bool shim = on_shim(opt);
    if (shim)
        require_loadable();
    // The output file lives as long as this object (output() after stop()).
    if (dir_.empty())
        dir_ = new_temp_dir("proc");
    if (dir_.empty()) {
        error_ = "mkdtemp failed";
        return false;
    }
    out_path_ = dir_ + "/output.txt";
    int out_fd = open(out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    int null_fd = -1;
    close_stdin();
    if (opt.stdin_pipe) {
        int in_pipe[2];
        if (pipe2(in_pipe, O_CLOEXEC) == 0) {
            null_fd = in_pipe[0];
            stdin_fd_ = in_pipe[1];
        }
    } else {
        null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    }
    if (out_fd < 0 || null_fd < 0) {
        error_ = "cannot open output file";
        return false;
    }
    std::vector<std::string> env = child_env(shim ? traced(opt) : opt);
    const pid_t self = getpid();
    pid_t pid = fork();
    if (pid == 0)
        exec_child(self, argv, env, null_fd, out_fd, out_fd);
    close(out_fd);
    close(null_fd);
    if (pid < 0) {
        error_ = "fork failed";
        return false;
    }
    setpgid(pid, pid);
    pid_ = pid;
    reaped_ = false;
    on_shim_ = shim;
    argv_ = argv;
    return true;
}

bool Process::running()
{
    if (pid_ < 0 || reaped_)
        return false;
    if (waitpid(pid_, &status_, WNOHANG) == pid_) {
        reaped_ = true;
        return false;
    }
    return true;
}

bool Process::wait_output(const std::string &needle, int timeout_ms)
{
    auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
        if (output().find(needle) != std::string::npos)
            return true;
        if (!running() || Clock::now() >= deadline)
            return output().find(needle) != std::string::npos;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

int Process::wait_openssl_accept(int timeout_ms)
{
    if (!wait_output("ACCEPT", timeout_ms))
        return 0;
    // The line may be mid-write: wait for its newline. (No std::regex: GCC 12
    // warns inside it under -fsanitize, and warnings are errors.)
    auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
        std::string out = output();
        size_t p = out.find("ACCEPT ");
        size_t eol = p == std::string::npos ? p : out.find('\n', p);
        if (eol != std::string::npos) {
            std::string addr = out.substr(p + 7, eol - p - 7);
            size_t colon = addr.rfind(':');
            if (colon != std::string::npos) {
                int port = atoi(addr.c_str() + colon + 1);
                if (port > 0 && port < 65536)
                    return port;
            }
            return 0;
        }
        if (Clock::now() >= deadline)
            return 0;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

bool Process::write_stdin(const std::string &data, int timeout_ms)
{
    if (stdin_fd_ < 0)
        return false;
    // A program that exited must not kill the test with SIGPIPE (children
    // get the default action back in exec_child).
    signal(SIGPIPE, SIG_IGN);
    auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    size_t off = 0;
    while (off < data.size()) {
        struct pollfd p = {stdin_fd_, POLLOUT, 0};
        int left = static_cast<int>(
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count());
        if (left <= 0 || poll(&p, 1, left) <= 0)
            return false;
        ssize_t w = write(stdin_fd_, data.data() + off, data.size() - off);
        if (w < 0 && errno != EINTR && errno != EAGAIN)
            return false;
        if (w > 0)
            off += static_cast<size_t>(w);
    }
    return true;
}

void Process::close_stdin()
{
    if (stdin_fd_ >= 0)
        close(stdin_fd_);
    stdin_fd_ = -1;
}

int Process::stop(int grace_ms)
{
    close_stdin();
    if (pid_ < 0)
        return -1;
    if (!reaped_) {
        if (waitpid(pid_, &status_, WNOHANG) != pid_)
            status_ = terminate_group(pid_, grace_ms);
        reaped_ = true;
    }
    kill(-pid_, SIGKILL);
    int code, sig;
    decode_status(status_, &code, &sig);
    pid_ = -1;
    if (on_shim_) {
        on_shim_ = false;
        size_t dropped = 0;
        std::string out = without_loader_noise(output(), &dropped);
        check_proof(argv_, output(),
                    "\n--- output (" + std::to_string(dropped) +
                        " loader lines not about libssl omitted) ---\n" + out.substr(0, 8000));
    }
    return code;
}

std::string Process::output()
{
    return out_path_.empty() ? std::string() : read_file(out_path_);
}

// ---- network -----------------------------------------------------------------

int free_port()
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return 0;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    socklen_t len = sizeof a;
    int port = 0;
    if (bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) == 0 &&
        getsockname(fd, reinterpret_cast<sockaddr *>(&a), &len) == 0) {
        port = ntohs(a.sin_port);
    }
    close(fd);
    return port;
}

bool wait_port(int port, int timeout_ms)
{
    auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a.sin_port = htons(static_cast<uint16_t>(port));
        bool ok = fd >= 0 && connect(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) == 0;
        if (fd >= 0)
            close(fd);
        if (ok)
            return true;
        if (Clock::now() >= deadline)
            return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

int start_on_free_port(Process &p, const std::function<std::vector<std::string>(int)> &argv_for,
                       const RunOptions &opt, int tries, int timeout_ms)
{
    for (int i = 0; i < tries; ++i) {
        int port = free_port();
        if (port == 0)
            continue;
        p.stop();
        if (!p.start(argv_for(port), opt))
            return 0;
        auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
        while (p.running() && Clock::now() < deadline) {
            // Still alive once the port answers: it is ours, not another
            // program's that took the port while this one failed to bind.
            if (wait_port(port, 100) && p.running())
                return port;
        }
        if (p.running()) // alive but never listening: no point retrying
            return 0;
    }
    return 0;
}

// ---- the proof ---------------------------------------------------------------

::testing::AssertionResult ran_on_shim(const std::string &trace)
{
    return ran_on_lib(trace, shim_lib());
}

::testing::AssertionResult ran_on_lib(const std::string &trace, const std::string &lib_path)
{
    const std::string lib = real_path(lib_path);
    bool shim_init = false;
    bool any_init = false;
    std::vector<std::string> offences;
    std::istringstream in(trace);
    std::string line;
    while (std::getline(in, line)) {
        // "  1234:\tcalling init: /path/to/lib.so"
        size_t p = line.find("calling init: ");
        if (p != std::string::npos) {
            any_init = true;
            std::string path = line.substr(p + strlen("calling init: "));
            if (path == lib || same_file(path, lib)) {
                shim_init = true;
            } else if (is_system_libssl(path) || basename_of(path) == "libssl.so.3") {
                offences.push_back(line);
            }
            continue;
        }
        // "  1234:\tfile=NAME [0];  needed by X [0]" / "...;  generating link map"
        p = line.find("file=");
        if (p == std::string::npos)
            continue;
        std::string name = line.substr(p + 5);
        name = name.substr(0, name.find(" ["));
        if (is_system_libssl(name) && !same_file(name, lib)) {
            offences.push_back(line);
        } else if (basename_of(name) == "libssl.so.3" &&
                   line.find("generating link map") != std::string::npos && name != lib &&
                   !same_file(name, lib)) {
            // A second libssl.so.3 mapped by soname search: the system one.
            offences.push_back(line);
        }
    }
    if (!any_init) {
        return ::testing::AssertionFailure()
               << "no dynamic-linker trace (was LD_DEBUG=files set and is the program not setuid?)";
    }
    if (!shim_init) {
        return ::testing::AssertionFailure() << "the dynamic linker never initialised " << lib;
    }
    if (!offences.empty() && !is_system_libssl(lib)) {
        auto f = ::testing::AssertionFailure()
                 << "the system libssl was loaded besides " << lib << ":";
        for (const auto &o : offences)
            f << "\n  " << o;
        return f;
    }
    return ::testing::AssertionSuccess() << "ran on " << lib;
}

int start_openssl_server(Process &p, const std::vector<std::string> &args)
{
    std::vector<std::string> argv = {"openssl", "s_server", "-accept", "127.0.0.1:0"};
    bool has_cert = false;
    for (const auto &a : args) {
        if (a == "-cert")
            has_cert = true;
    }
    if (!has_cert) {
        argv.insert(argv.end(), {"-cert", cert("server.pem"), "-key", cert("server.key")});
    }
    argv.insert(argv.end(), args.begin(), args.end());
    // The server is the reference implementation: never preloaded.
    if (!p.start(argv)) {
        ADD_FAILURE() << "cannot start openssl s_server: " << p.error();
        return 0;
    }
    int port = p.wait_openssl_accept(10000);
    if (port == 0) {
        ADD_FAILURE() << "openssl s_server did not report its port; output:\n" << p.output();
        return 0;
    }
    return port;
}

} // namespace shimtest
