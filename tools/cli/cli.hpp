// The odeflow command: shared pieces of the subcommands (errors, progress, outputs, timing).
#pragma once

#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace odeflow::cli {

/// A user error: bad argument or file. main() prints "odeflow <sub>: error: <what>" and exits 1.
struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Thrown to end the command with a given exit code after its outputs are written
/// (3: some trajectories or samples ended with a status other than success).
struct ExitCode {
  int code;
};

/// Options every subcommand shares.
struct Global {
  int threads = 0;      ///< 0: Kokkos' default (OMP_NUM_THREADS or all cores)
  bool quiet = false;   ///< no progress, no summary on stderr
  bool progress = true; ///< progress bars when stderr is a terminal
};

/// Whether stderr is a terminal (progress bars are drawn only then).
bool stderr_is_terminal();

/// A one-line progress bar on stderr, redrawn at most every 0.1 s; silent unless enabled
/// (stderr a terminal and not --quiet). `update(done, note)` with done in [0, total].
class Progress {
 public:
  Progress(std::string label, long total, bool enabled);
  ~Progress();
  void update(long done, const std::string& note = "");
  void finish(const std::string& note = "");

 private:
  std::string label_;
  long total_;
  bool enabled_, finished_ = false;
  std::chrono::steady_clock::time_point start_, last_;
};

/// Wall-clock seconds since construction.
struct Stopwatch {
  std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();
  double seconds() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); }
};

/// A table of numbers with named columns, written as .npy (2-D float64, columns in order),
/// .csv (header line) or .json (an object of column arrays) by the file's extension.
struct Table {
  std::vector<std::string> columns;
  std::vector<std::vector<double>> rows;
};
void write_table(const std::filesystem::path& path, const Table& table);

/// An (n, d) array of numbers, row-major: read from and written to .npy, .csv (no header,
/// or a header line of names) or .json (an array of rows) by the file's extension.
struct Matrix {
  long rows = 0, cols = 0;
  std::vector<double> data;
  double operator()(long i, long j) const { return data[static_cast<std::size_t>(i * cols + j)]; }
};
Matrix read_matrix(const std::filesystem::path& path);
void write_matrix(const std::filesystem::path& path, const Matrix& m);

/// Writes `text` to `path` atomically (a temporary file in the same folder, then rename).
void write_text(const std::filesystem::path& path, const std::string& text);

/// Checks an output path's extension is one of `allowed` (".npy", ".csv", ".json"); throws Error naming it.
void check_extension(const std::string& option, const std::filesystem::path& path,
                     const std::vector<std::string>& allowed);

/// Checks, before any work, that every output can be written where it is to go: its folder
/// exists and is writable, the path is not a folder, and no two outputs share a path. `outputs`
/// pairs an option's name with its path (empty paths are skipped). Throws Error naming the option.
void check_outputs(const std::vector<std::pair<std::string, std::filesystem::path>>& outputs);

/// Checks that an input given with `option` exists and is not a folder; throws Error naming it.
void check_input_file(const std::string& option, const std::filesystem::path& path);

/// `text` with control characters (a CR from a CRLF file, ...) escaped as \r or \xNN, for messages.
std::string printable(const std::string& text);

/// A number as the shortest text that reads back as it ("nan", "inf" included).
std::string show(double v);

/// The machine's physical memory in bytes (0 when unknown).
double physical_memory_bytes();

/// Refuses a run whose results would take more host memory than the machine has: `bytes` is
/// the estimate, `what` names the option and value that asked for it ("-n 1000000000000").
void check_result_memory(const std::string& what, double bytes);

/// CLI11 check that a floating-point option's value is finite: NaN and infinities are refused
/// at parsing, like any other text that is not a usable number (exit code 2, naming the option).
CLI::Validator finite_number();

/// Refuses tolerances that cannot be met in precision T: negative ones, and rtol and atol both
/// below 10 epsilon of T, where round-off alone exceeds the tolerance (Hairer's DOPRI5 refuses
/// rtol <= 10 uround likewise). Names --rtol and --atol.
template <class T>
void check_tolerances(double rtol, double atol);

/// Refuses a fixed step that cannot cover `span` within `max_steps` steps in precision T:
/// `given` names the option and value ("--dt 1e-09", "--steps 2000000000"). The step count is
/// the solvers' (integrate.hpp: round(span / dt) when within 64 epsilon of an integer, else
/// its ceiling, in T); a step that rounds to 0 or overflows in T is refused as such.
template <class T>
void check_fixed_step(const std::string& given, double dt, double span, int max_steps);

/// Refuses a value that does not survive conversion to T (overflow to infinity, or a non-zero
/// value that underflows to 0), naming the option.
template <class T>
void check_fits(const std::string& option, double v);

/// "float" or "double".
template <class T>
constexpr const char* precision_name() {
  return sizeof(T) == sizeof(float) ? "float" : "double";
}

/// Runs the plotting script tools/odeflow_plot.py (installed beside the command) on a
/// results folder when python3 with matplotlib is available; returns whether it ran.
bool run_plot_script(const std::string& what, const std::filesystem::path& folder, bool quiet);

/// A JSON number (finite) or null.
std::string json_number(double v);

// Subcommand registration: each adds its CLI11 subcommand and the callback that runs it.
void add_info(CLI::App& app, const Global& g);
void add_train(CLI::App& app, const Global& g);
void add_ensemble(CLI::App& app, const Global& g);
void add_bench(CLI::App& app, const Global& g);
void add_sample(CLI::App& app, const Global& g);
void add_likelihood(CLI::App& app, const Global& g);
void add_demo(CLI::App& app, const Global& g);

}  // namespace odeflow::cli
