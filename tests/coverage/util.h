// Small helpers shared by the coverage tests: running a tool, reading the
// committed symbol table and the generated stub list.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

namespace shimssl_cov {

struct Symbol {
  std::string name, kind, fail;
};

// Output (stdout) of a shell command; *status gets its exit status.
std::string Shell(const std::string &cmd, int *status = nullptr);
std::string ReadFile(const std::string &path);
std::vector<std::string> Lines(const std::string &text);
std::vector<std::string> Split(const std::string &line, char sep);

// compat/symbols.tsv, by name.
std::map<std::string, Symbol> LoadSymbols();
// <build>/gen/stubs.txt: names of the functions that are still stubs.
std::vector<std::string> LoadStubs();

struct DynExports {
  std::map<std::string, std::string> functions;  // name -> version suffix ("@@OPENSSL_3.0.0")
  std::set<std::string> version_nodes;           // ABS symbols naming a version
  std::set<std::string> other;                   // any other defined global
};
// Parses `readelf --dyn-syms -W` of a shared object.
DynExports ReadDynExports(const std::string &lib);

std::string Join(const std::set<std::string> &s);

}  // namespace shimssl_cov
