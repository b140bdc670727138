// Runs the odeflow command in end-to-end tests: exit code, stdout and stderr; CSV reading.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace odeflow::cli_test {

namespace fs = std::filesystem;

struct CliRun {
  int code;
  std::string out, err;
};

inline fs::path scratch() {
  static const fs::path d = [] {
    fs::path p = fs::temp_directory_path() / ("odeflow-cli-" + std::to_string(::getpid()));
    fs::create_directories(p);
    return p;
  }();
  return d;
}

// Runs `odeflow ARGS` with 2 threads; captures stdout and stderr. `env` ("NAME=VALUE ...") is
// set after the defaults, so it can override them.
inline CliRun odeflow_cli(const std::string& args, const std::string& env = "") {
  const fs::path out = scratch() / "stdout.txt", err = scratch() / "stderr.txt";
  const std::string cmd = std::string("OMP_NUM_THREADS=2 OMP_PROC_BIND=false ") + env + " '" + ODEFLOW_CLI + "' " +
                          args + " >'" + out.string() + "' 2>'" + err.string() + "'";
  const int raw = std::system(cmd.c_str());
  auto slurp = [](const fs::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };
  return {WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, slurp(out), slurp(err)};
}

// A CSV file with a header line as columns of doubles.
inline std::vector<std::vector<double>> read_csv(const fs::path& p, std::vector<std::string>* header = nullptr) {
  std::ifstream in(p);
  std::string line;
  std::vector<std::vector<double>> rows;
  bool first = true;
  while (std::getline(in, line)) {
    std::stringstream ss(line);
    std::string cell;
    std::vector<double> r;
    std::vector<std::string> names;
    while (std::getline(ss, cell, ',')) {
      if (first)
        names.push_back(cell);
      else
        r.push_back(std::strtod(cell.c_str(), nullptr));
    }
    if (first) {
      if (header) *header = names;
      first = false;
    } else {
      rows.push_back(r);
    }
  }
  return rows;
}

inline int count_lines(const std::string& s) {
  int n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

}  // namespace odeflow::cli_test
