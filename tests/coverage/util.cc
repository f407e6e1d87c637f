#include "util.h"

#include <stdio.h>
#include <sys/wait.h>

#include <fstream>
#include <sstream>

namespace shimssl_cov {

std::string Shell(const std::string &cmd, int *status) {
  std::string out;
  FILE *p = popen(cmd.c_str(), "r");
  if (p == nullptr) {
    if (status) *status = -1;
    return out;
  }
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int rc = pclose(p);
  if (status) *status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  return out;
}

std::string ReadFile(const std::string &path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::vector<std::string> Lines(const std::string &text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

std::vector<std::string> Split(const std::string &line, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : line) {
    if (c == sep) {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

std::map<std::string, Symbol> LoadSymbols() {
  std::map<std::string, Symbol> syms;
  for (const std::string &line : Lines(ReadFile(SHIMSSL_SOURCE_DIR "/compat/symbols.tsv"))) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> f = Split(line, '\t');
    if (f.size() < 3) continue;
    syms[f[0]] = Symbol{f[0], f[1], f[2]};
  }
  return syms;
}

std::vector<std::string> LoadStubs() {
  std::vector<std::string> stubs;
  for (const std::string &line : Lines(ReadFile(SHIMSSL_BINARY_DIR "/gen/stubs.txt"))) {
    if (!line.empty() && line[0] != '#') stubs.push_back(line);
  }
  return stubs;
}

// readelf --dyn-syms -W rows: "Num: Value Size Type Bind Vis Ndx Name".
DynExports ReadDynExports(const std::string &lib) {
  DynExports ex;
  for (const std::string &line : Lines(Shell("readelf --dyn-syms -W '" + lib + "'"))) {
    std::istringstream in(line);
    std::string num, value, size, type, bind, vis, ndx, name;
    if (!(in >> num >> value >> size >> type >> bind >> vis >> ndx >> name)) continue;
    if (num.empty() || num.back() != ':' || ndx == "UND") continue;
    if (bind != "GLOBAL" && bind != "WEAK" && bind != "GNU_UNIQUE") continue;
    size_t at = name.find('@');
    std::string base = name.substr(0, at);
    std::string ver = at == std::string::npos ? "" : name.substr(at);
    if (type == "FUNC" || type == "IFUNC")
      ex.functions[base] = ver;
    // The linker emits each version definition as an ABS symbol of that name
    // (nm shows it as type 'A'), without a version suffix.
    else if (ndx == "ABS" && (ver.empty() || ver == "@@" + base))
      ex.version_nodes.insert(base);
    else
      ex.other.insert(name);
  }
  return ex;
}

std::string Join(const std::set<std::string> &s) {
  std::string out;
  for (const std::string &n : s) out += (out.empty() ? "" : " ") + n;
  return out;
}

}  // namespace shimssl_cov
