// Small text helpers for comparing the logs of real servers run on ShimSSL
// and on OpenSSL: dropping the dynamic linker's trace and replacing what
// differs between two runs (ports, timestamps, ids). Plain string work:
// std::regex trips gcc 12's -Wmaybe-uninitialized in sanitizer builds.
#ifndef SHIMSSL_TESTS_APPS_LOG_TEXT_H
#define SHIMSSL_TESTS_APPS_LOG_TEXT_H

#include <cctype>
#include <string>
#include <vector>

namespace shimtest
{
namespace apps
{

// A line of LD_DEBUG output: spaces, the process id, ':' and a tab.
inline bool is_loader_trace(const std::string &line)
{
    size_t i = 0;
    while (i < line.size() && line[i] == ' ')
        i++;
    size_t digits = i;
    while (i < line.size() && isdigit(static_cast<unsigned char>(line[i])))
        i++;
    return i > digits && line.compare(i, 2, ":\t") == 0;
}

inline std::vector<std::string> lines_of(const std::string &text)
{
    std::vector<std::string> out;
    for (size_t p = 0; p < text.size();) {
        size_t eol = text.find('\n', p);
        if (eol == std::string::npos)
            eol = text.size();
        out.push_back(text.substr(p, eol - p));
        p = eol + 1;
    }
    return out;
}

// text without the loader's trace lines and without empty lines.
inline std::string without_trace(const std::string &text)
{
    std::string out;
    for (const std::string &line : lines_of(text))
        if (!line.empty() && !is_loader_trace(line))
            out += line + "\n";
    return out;
}

// Every occurrence of `from` replaced by `to`.
inline std::string replace_all(std::string s, const std::string &from, const std::string &to)
{
    for (size_t at = 0; (at = s.find(from, at)) != std::string::npos; at += to.size())
        s.replace(at, from.size(), to);
    return s;
}

// Every run of digits that follows `prefix` replaced by `to` ("child 3" ->
// "child N" with prefix "child ").
inline std::string mask_number_after(std::string s, const std::string &prefix, const std::string &to)
{
    for (size_t at = 0; (at = s.find(prefix, at)) != std::string::npos;) {
        size_t d = at + prefix.size(), e = d;
        while (e < s.size() && isdigit(static_cast<unsigned char>(s[e])))
            e++;
        if (e > d)
            s.replace(d, e - d, to);
        at = d;
    }
    return s;
}

// The text from the first `open` to the next `close` (inclusive) removed,
// at the start of s only (a leading "[timestamp] ").
inline std::string drop_leading(const std::string &s, char open, char close)
{
    if (s.empty() || s[0] != open)
        return s;
    size_t e = s.find(close);
    if (e == std::string::npos)
        return s;
    size_t next = e + 1;
    while (next < s.size() && s[next] == ' ')
        next++;
    return s.substr(next);
}

} // namespace apps
} // namespace shimtest

#endif
