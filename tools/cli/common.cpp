// Shared pieces of the odeflow command: progress bars, tables and matrices in files, plotting.
#include "cli.hpp"

#include <odeflow/flows/io/atomic_file.hpp>
#include <odeflow/flows/io/npy.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
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

std::string show(double v) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

std::string printable(const std::string& text) {
  std::string out;
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += ch;
    }
  }
  return out;
}

void check_outputs(const std::vector<std::pair<std::string, std::filesystem::path>>& outputs) {
  namespace fs = std::filesystem;
  std::vector<std::pair<std::string, fs::path>> seen;  // option, path as the file system resolves it
  for (const auto& [option, path] : outputs) {
    if (path.empty()) continue;
    const std::string what = option + " '" + printable(path.string()) + "'";
    std::error_code ec;
    if (fs::is_directory(path, ec)) throw Error(what + " is a folder; give a file name");
    const fs::path folder = path.has_parent_path() ? path.parent_path() : fs::path(".");
    if (!fs::exists(folder, ec))
      throw Error(what + ": the folder '" + printable(folder.string()) + "' does not exist");
    if (!fs::is_directory(folder, ec))
      throw Error(what + ": '" + printable(folder.string()) + "' is not a folder");
    // The file is written beside its destination and renamed into place (atomic_file.hpp), so
    // the folder must be writable; access() also reports a read-only file system (EROFS).
    if (::access(folder.c_str(), W_OK | X_OK) != 0)
      throw Error(what + ": the folder '" + printable(folder.string()) + "' is not writable (" +
                  std::strerror(errno) + ")");
    const fs::path resolved = fs::weakly_canonical(path, ec);
    const fs::path key = ec ? fs::absolute(path).lexically_normal() : resolved;
    for (const auto& [other, p] : seen) {
      std::error_code e2;
      if (p == key || (fs::exists(p, e2) && fs::exists(key, e2) && fs::equivalent(p, key, e2)))
        throw Error(what + " is also given to " + other + ": one would overwrite the other");
    }
    seen.emplace_back(option, key);
  }
}

void check_input_file(const std::string& option, const std::filesystem::path& path) {
  std::error_code ec;
  const std::string what = option + " '" + printable(path.string()) + "'";
  if (!std::filesystem::exists(path, ec)) throw Error(what + " does not exist");
  if (std::filesystem::is_directory(path, ec)) throw Error(what + " is a folder, not a file");
}

double physical_memory_bytes() {
  const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGE_SIZE);
  return pages > 0 && page > 0 ? static_cast<double>(pages) * static_cast<double>(page) : 0.0;
}

namespace {
std::string bytes_text(double b) {
  const char* unit[] = {"bytes", "KB", "MB", "GB", "TB", "PB", "EB"};
  int k = 0;
  while (b >= 1024 && k < 6) {
    b /= 1024;
    ++k;
  }
  char buf[48];
  std::snprintf(buf, sizeof buf, k ? "%.1f %s" : "%.0f %s", b, unit[k]);
  return buf;
}
}  // namespace

void check_result_memory(const std::string& what, double bytes) {
  const double have = physical_memory_bytes();
  if (have > 0 && !(bytes <= have))
    throw Error(what + " would need about " + bytes_text(bytes) + " of memory for its results; this machine has " +
                bytes_text(have));
}

CLI::Validator finite_number() {
  return CLI::Validator(
      [](std::string& input) -> std::string {
        double v = 0;
        if (!CLI::detail::lexical_cast(input, v)) return {};  // the option's own conversion says it
        return std::isfinite(v) ? std::string{} : "Value " + input + " is not a finite number";
      },
      "FINITE");
}

template <class T>
void check_tolerances(double rtol, double atol) {
  if (!(rtol >= 0)) throw Error("--rtol " + show(rtol) + " must be non-negative");
  if (!(atol >= 0)) throw Error("--atol " + show(atol) + " must be non-negative");
  const double floor = 10 * static_cast<double>(std::numeric_limits<T>::epsilon());
  if (rtol < floor && atol < floor)
    throw Error("--rtol " + show(rtol) + " and --atol " + show(atol) + " are both below 10 epsilon of " +
                precision_name<T>() + " (" + show(floor) +
                "): round-off alone exceeds them, so steps would be rejected until --max-steps; raise one of them");
}
template void check_tolerances<float>(double, double);
template void check_tolerances<double>(double, double);

template <class T>
void check_fits(const std::string& option, double v) {
  const T x = static_cast<T>(v);
  if (std::isfinite(v) && !std::isfinite(x))
    throw Error(option + " " + show(v) + " overflows in " + precision_name<T>() + " (largest " +
                show(static_cast<double>(std::numeric_limits<T>::max())) + ")");
  if (v != 0 && x == T(0))
    throw Error(option + " " + show(v) + " underflows to 0 in " + precision_name<T>() + " (smallest " +
                show(static_cast<double>(std::numeric_limits<T>::denorm_min())) + ")");
}
template void check_fits<float>(const std::string&, double);
template void check_fits<double>(const std::string&, double);

template <class T>
void check_fixed_step(const std::string& given, double dt, double span, int max_steps) {
  if (!(dt > 0)) throw Error(given + ": the step must be positive");
  const T h = static_cast<T>(dt), s = static_cast<T>(span);
  if (h == T(0))
    throw Error(given + ": the step " + show(dt) + " underflows to 0 in " + precision_name<T>() + " (smallest " +
                show(static_cast<double>(std::numeric_limits<T>::denorm_min())) + ")");
  // The step count as the solvers make the grid (integrate.hpp, lockstep.hpp), in T.
  const T eps = std::numeric_limits<T>::epsilon();
  const T ratio = s / std::min(h, s);
  T nst = std::round(ratio);
  if (std::fabs(ratio - nst) > T(64) * eps * ratio) nst = std::ceil(ratio);
  if (!(nst <= static_cast<T>(max_steps))) {
    char count[48];
    if (std::isfinite(nst))
      std::snprintf(count, sizeof count, "%.0f", static_cast<double>(nst));
    else
      std::snprintf(count, sizeof count, "more than %g", static_cast<double>(std::numeric_limits<T>::max()));
    throw Error(given + " needs " + count + " steps over a span of " + show(span) + " in " + precision_name<T>() +
                ", more than --max-steps " + std::to_string(max_steps) +
                ": every trajectory would end max_steps_reached (take fewer steps or raise --max-steps)");
  }
}
template void check_fixed_step<float>(const std::string&, double, double, int);
template void check_fixed_step<double>(const std::string&, double, double, int);

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
  check_input_file("input", path);
  Matrix m;
  if (e == ".npy") {
    const NpyArray a = odeflow::read_npy(path);
    m.rows = static_cast<long>(a.rows());
    m.cols = static_cast<long>(a.cols());
    m.data = a.values<double>();
  } else if (e == ".csv") {
    // Lines of comma-separated numbers. A UTF-8 byte order mark and CRLF line ends are
    // accepted; empty lines and lines starting with '#' are skipped. The first other line is a
    // header only if every field on it is a name (non-empty, not a number), and the data then
    // has as many columns: a line that mixes names and numbers, such as a typo in the first
    // row, is an error naming its line and column, never a header dropped in silence.
    std::ifstream in(path);
    if (!in) throw Error("input '" + printable(path.string()) + "' cannot be read");
    const std::string where = "input '" + printable(path.string()) + "' line ";
    std::string line;
    long lineno = 0, header_cols = 0;
    bool first = true;
    while (std::getline(in, line)) {
      ++lineno;
      if (lineno == 1 && line.starts_with("\xEF\xBB\xBF")) line.erase(0, 3);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty() || line[0] == '#') continue;
      std::vector<std::string> cells;
      for (std::size_t at = 0;;) {
        const std::size_t comma = line.find(',', at);
        cells.push_back(line.substr(at, comma == std::string::npos ? std::string::npos : comma - at));
        if (comma == std::string::npos) break;
        at = comma + 1;
      }
      std::vector<double> row;
      long bad = -1, names = 0;
      for (std::size_t j = 0; j < cells.size(); ++j) {
        const std::string& cell = cells[j];
        char* end = nullptr;
        const double v = std::strtod(cell.c_str(), &end);
        while (end && (*end == ' ' || *end == '\t')) ++end;
        if (cell.empty() || end == cell.c_str() || *end != '\0') {
          if (bad < 0) bad = static_cast<long>(j);
          names += cell.find_first_not_of(" \t") != std::string::npos;
          continue;
        }
        row.push_back(v);
      }
      if (bad >= 0) {
        if (first && names == static_cast<long>(cells.size())) {  // a header line of names
          header_cols = names;
          first = false;
          continue;
        }
        throw Error(where + std::to_string(lineno) + " column " + std::to_string(bad + 1) + ": '" +
                    printable(cells[static_cast<std::size_t>(bad)]) + "' is not a number" +
                    (first ? " (a header line holds names only)" : ""));
      }
      first = false;
      if (m.cols == 0 && header_cols > 0 && static_cast<long>(row.size()) != header_cols)
        throw Error(where + std::to_string(lineno) + ": " + std::to_string(row.size()) + " columns, but the header has " +
                    std::to_string(header_cols) + " names");
      if (m.cols == 0) m.cols = static_cast<long>(row.size());
      if (static_cast<long>(row.size()) != m.cols)
        throw Error(where + std::to_string(lineno) + ": " + std::to_string(row.size()) + " columns, expected " +
                    std::to_string(m.cols));
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
