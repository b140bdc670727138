// Shared pieces of the odeflow command: progress bars, tables and matrices in files, plotting.
#include "cli.hpp"

#include <odeflow/flows/io/atomic_file.hpp>
#include <odeflow/flows/io/npy.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace odeflow::cli {

bool stderr_is_terminal() { return isatty(fileno(stderr)) != 0; }

Progress::Progress(std::string label, long total, bool enabled)
    : label_(std::move(label)), total_(std::max(1L, total)), enabled_(enabled && stderr_is_terminal()),
      start_(std::chrono::steady_clock::now()), last_(start_ - std::chrono::seconds(1)) {}

Progress::~Progress() {
  if (enabled_ && !finished_) std::fputc('\n', stderr);
}

void Progress::update(long done, const std::string& note) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (done < total_ && now - last_ < std::chrono::milliseconds(100)) return;
  last_ = now;
  const double frac = std::clamp(static_cast<double>(done) / static_cast<double>(total_), 0.0, 1.0);
  const double secs = std::chrono::duration<double>(now - start_).count();
  const int width = 28, filled = static_cast<int>(frac * width);
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.resize(width, '.');
  const double eta = frac > 0 ? secs * (1 - frac) / frac : 0;
  std::fprintf(stderr, "\r%-10s [%s] %3.0f%%  %ld/%ld  %.0fs elapsed, %.0fs left  %s\033[K", label_.c_str(),
               bar.c_str(), 100 * frac, done, total_, secs, eta, note.c_str());
  std::fflush(stderr);
}

void Progress::finish(const std::string& note) {
  if (!enabled_ || finished_) return;
  last_ = start_ - std::chrono::seconds(1);
  update(total_, note);
  std::fputc('\n', stderr);
  finished_ = true;
}

std::string json_number(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);  // shortest text that reads back as v
  return std::string(buf, r.ptr);
}

namespace {

std::string extension(const std::filesystem::path& p) {
  std::string e = p.extension().string();
  std::transform(e.begin(), e.end(), e.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return e;
}

std::string csv_number(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return json_number(v);
}

}  // namespace

void check_extension(const std::string& option, const std::filesystem::path& path,
                     const std::vector<std::string>& allowed) {
  const std::string e = extension(path);
  if (std::find(allowed.begin(), allowed.end(), e) != allowed.end()) return;
  std::string list;
  for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
  throw Error(option + " '" + path.string() + "': unsupported extension '" + e + "' (use " + list + ")");
}

void write_text(const std::filesystem::path& path, const std::string& text) {
  odeflow::write_file_atomically(
      path, std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

void write_table(const std::filesystem::path& path, const Table& t) {
  const std::string e = extension(path);
  if (e == ".npy") {
    Matrix m{static_cast<long>(t.rows.size()), static_cast<long>(t.columns.size()), {}};
    for (const auto& r : t.rows) m.data.insert(m.data.end(), r.begin(), r.end());
    write_matrix(path, m);
  } else if (e == ".csv") {
    std::string s;
    for (std::size_t j = 0; j < t.columns.size(); ++j) s += (j ? "," : "") + t.columns[j];
    s += '\n';
    for (const auto& r : t.rows) {
      for (std::size_t j = 0; j < r.size(); ++j) s += (j ? "," : "") + csv_number(r[j]);
      s += '\n';
    }
    write_text(path, s);
  } else if (e == ".json") {
    std::string s = "{";
    for (std::size_t j = 0; j < t.columns.size(); ++j) {
      s += (j ? ",\n \"" : "\"") + t.columns[j] + "\": [";
      for (std::size_t i = 0; i < t.rows.size(); ++i) s += (i ? ", " : "") + json_number(t.rows[i][j]);
      s += "]";
    }
    s += "}\n";
    write_text(path, s);
  } else {
    check_extension("output", path, {".npy", ".csv", ".json"});
  }
}

void write_matrix(const std::filesystem::path& path, const Matrix& m) {
  const std::string e = extension(path);
  if (e == ".npy") {
    odeflow::write_npy(path, NpyArray::from_values<double>({m.rows, m.cols}, m.data.data()));
  } else if (e == ".csv") {
    std::string s;
    for (long i = 0; i < m.rows; ++i) {
      for (long j = 0; j < m.cols; ++j) s += (j ? "," : "") + csv_number(m(i, j));
      s += '\n';
    }
    write_text(path, s);
  } else if (e == ".json") {
    std::string s = "[";
    for (long i = 0; i < m.rows; ++i) {
      s += i ? ",\n [" : "[";
      for (long j = 0; j < m.cols; ++j) s += (j ? ", " : "") + json_number(m(i, j));
      s += "]";
    }
    s += "]\n";
    write_text(path, s);
  } else {
    check_extension("output", path, {".npy", ".csv", ".json"});
  }
}

Matrix read_matrix(const std::filesystem::path& path) {
  const std::string e = extension(path);
  if (e != ".npy" && e != ".csv" && e != ".json") check_extension("input", path, {".npy", ".csv", ".json"});
  if (!std::filesystem::exists(path)) throw Error("input '" + path.string() + "' does not exist");
  Matrix m;
  if (e == ".npy") {
    const NpyArray a = odeflow::read_npy(path);
    m.rows = static_cast<long>(a.rows());
    m.cols = static_cast<long>(a.cols());
    m.data = a.values<double>();
  } else if (e == ".csv") {
    std::ifstream in(path);
    std::string line;
    long lineno = 0;
    while (std::getline(in, line)) {
      ++lineno;
      if (line.empty() || line[0] == '#') continue;
      std::vector<double> row;
      std::stringstream ss(line);
      std::string cell;
      bool numeric = true;
      while (std::getline(ss, cell, ',')) {
        char* end = nullptr;
        const double v = std::strtod(cell.c_str(), &end);
        while (end && *end == ' ') ++end;
        if (cell.empty() || !end || *end != '\0') {
          numeric = false;
          break;
        }
        row.push_back(v);
      }
      if (!numeric) {
        if (m.rows == 0 && m.data.empty() && lineno == 1) continue;  // a header line
        throw Error("input '" + path.string() + "' line " + std::to_string(lineno) + ": '" + cell +
                    "' is not a number");
      }
      if (m.cols == 0) m.cols = static_cast<long>(row.size());
      if (static_cast<long>(row.size()) != m.cols)
        throw Error("input '" + path.string() + "' line " + std::to_string(lineno) + ": " +
                    std::to_string(row.size()) + " columns, expected " + std::to_string(m.cols));
      m.data.insert(m.data.end(), row.begin(), row.end());
      ++m.rows;
    }
  } else {
    std::ifstream in(path);
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& ex) {
      throw Error("input '" + path.string() + "': not valid JSON (" + ex.what() + ")");
    }
    if (!j.is_array()) throw Error("input '" + path.string() + "': expected a JSON array of rows");
    for (std::size_t i = 0; i < j.size(); ++i) {
      const auto& r = j[i];
      if (!r.is_array() || r.empty())
        throw Error("input '" + path.string() + "': row " + std::to_string(i) + " is not a non-empty array");
      if (m.cols == 0) m.cols = static_cast<long>(r.size());
      if (static_cast<long>(r.size()) != m.cols)
        throw Error("input '" + path.string() + "': row " + std::to_string(i) + " has " + std::to_string(r.size()) +
                    " entries, expected " + std::to_string(m.cols));
      for (const auto& v : r) {
        if (!v.is_number()) throw Error("input '" + path.string() + "': row " + std::to_string(i) + " holds a non-number");
        m.data.push_back(v.get<double>());
      }
      ++m.rows;
    }
  }
  if (m.rows == 0) throw Error("input '" + path.string() + "' holds no rows");
  for (std::size_t k = 0; k < m.data.size(); ++k)
    if (!std::isfinite(m.data[k]))
      throw Error("input '" + path.string() + "': row " + std::to_string(k / m.cols) + " column " +
                  std::to_string(k % m.cols) + " is not finite");
  return m;
}

bool run_plot_script(const std::string& what, const std::filesystem::path& folder, bool quiet) {
  std::filesystem::path script;
  if (const char* env = std::getenv("ODEFLOW_PLOT_SCRIPT")) script = env;
  if (script.empty()) {
    std::error_code ec;
    const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    const std::filesystem::path candidates[] = {
        exe.parent_path() / "../share/odeflow/odeflow_plot.py",
        std::filesystem::path(ODEFLOW_SOURCE_DIR) / "tools/odeflow_plot.py"};
    for (const auto& c : candidates)
      if (std::filesystem::exists(c, ec)) {
        script = c;
        break;
      }
  }
  if (script.empty()) return false;
  if (std::system("python3 -c 'import matplotlib, numpy' >/dev/null 2>&1") != 0) {
    if (!quiet) std::fprintf(stderr, "odeflow: python3 with matplotlib and numpy not found; no pictures drawn\n");
    return false;
  }
  const std::string cmd = "python3 '" + script.string() + "' " + what + " '" + folder.string() + "'";
  return std::system(cmd.c_str()) == 0;
}

}  // namespace odeflow::cli
