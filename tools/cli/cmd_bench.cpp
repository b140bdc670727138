// odeflow bench: work-precision of chosen methods on a problem. For each method and tolerance (or
// step): the error against a reference solved with DOP853 at rtol = atol = 1e-13, function
// evaluations and time. A table on stdout; CSV or JSON with -o; pictures with --plot.
#include "flow_common.hpp"

#include <odeflow/flows/gaussian_mixture_field.hpp>

#include <odeflow/solvers/default_options.hpp>
#include <odeflow/solvers/methods.hpp>
#include <odeflow/solvers/problems/kepler.hpp>
#include <odeflow/solvers/problems/lorenz.hpp>
#include <odeflow/solvers/solve.hpp>
#include <odeflow/solvers/tableaus/dormand_prince853.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numbers>
#include <sstream>

namespace odeflow::cli {

namespace {

struct BenchArgs {
  std::string problem = "kepler";
  std::string methods = "bosh3,rkf45,cash_karp,dopri5,tsit5,vern6,vern7,dop853";
  std::string fixed_methods = "";
  std::vector<double> rtols{1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10};
  std::vector<int> steps{100, 200, 400, 800, 1600, 3200};
  double min_seconds = 0.02;
  long samples = 2000;
  std::filesystem::path out, plot_dir, model;
};

struct Row {
  std::string method;
  std::string knob;  // "rtol" or "steps"
  double value;
  double error;
  int nfe, accepted, rejected;
  std::string status;
  double seconds;
};

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

// One problem: field, initial state, time span.
template <class F, std::size_t N>
struct Problem {
  F f;
  std::array<double, N> y0;
  double t1;
};

template <class F, std::size_t N>
void run_problem(const Problem<F, N>& p, const BenchArgs& a, std::vector<Row>& rows, const Global& g) {
  // Reference: DOP853 at 1e-13.
  auto ro = default_options<DormandPrince853<double>>();
  ro.norm.rtol = ro.norm.atol = 1e-13;
  ro.max_steps = 10000000;
  const auto ref = solve(DormandPrince853<double>{}, p.f, p.y0, 0.0, p.t1, ro);
  if (ref.stats.status != Status::success)
    throw Error("reference solve (DOP853, 1e-13) ended with status " + std::string(status_name(ref.stats.status)));
  const auto adaptive = split(a.methods), fixed = split(a.fixed_methods);
  const long total = static_cast<long>(adaptive.size() * a.rtols.size() + fixed.size() * a.steps.size());
  Progress bar("bench", total, g.progress && !g.quiet);
  long done = 0;
  auto measure = [&](const std::string& name, auto tab, auto o, const char* knob, double value) {
    using Tab = decltype(tab);
    SolveResult<std::array<double, N>, double> r;
    int reps = 0;
    Stopwatch w;
    do {
      r = solve(Tab{}, p.f, p.y0, 0.0, p.t1, o);
      ++reps;
    } while (w.seconds() < a.min_seconds && reps < 100000);
    double err = 0;
    for (std::size_t k = 0; k < N; ++k) err = std::max(err, std::abs(r.y[k] - ref.y[k]));
    rows.push_back({name, knob, value, err, r.stats.nfe, r.stats.accepted, r.stats.rejected,
                    status_name(r.stats.status), w.seconds() / reps});
    bar.update(++done, name);
  };
  for (const auto& name : adaptive)
    visit_method<double>(name, [&](auto tab) {
      using Tab = decltype(tab);
      if constexpr (!is_embedded_v<Tab>) {
        throw Error("--methods: '" + name + "' has no error estimate; list it under --fixed-methods");
      } else {
        for (double tol : a.rtols) {
          auto o = default_options<Tab>();
          o.norm.rtol = o.norm.atol = tol;
          o.max_steps = 10000000;
          measure(name, tab, o, "rtol", tol);
        }
      }
    });
  for (const auto& name : fixed)
    visit_method<double>(name, [&](auto tab) {
      using Tab = decltype(tab);
      for (int s : a.steps) {
        auto o = default_options<Tab>();
        o.dt = p.t1 / s;
        o.max_steps = 10000000;
        measure(name, tab, o, "steps", s);
      }
    });
  bar.finish();
}

// Work-precision of sampling a flow (float64): n source points integrated from t = 0 to 1 in
// lockstep batches; the error is the largest |x1 - x1_ref| over samples and components against
// DOP853 at rtol = atol = 1e-13; nfe is the mean per sample; seconds per whole batch.
template <class Field>
void run_flow(const Field& f, const BenchArgs& a, std::vector<Row>& rows, const Global& g) {
  using Exec = Kokkos::DefaultExecutionSpace;
  using RowsView = Kokkos::View<double**, Kokkos::LayoutRight>;
  const int d = f.dim();
  const long n = a.samples;
  RowsView x0("odeflow::bench::x0", n, d), ref("odeflow::bench::ref", n, d), x1("odeflow::bench::x1", n, d);
  sample_source(Exec(), StandardNormal<double>{d}, 0, x0);
  auto solve = [&](FlowSolverOptions<double> so, const RowsView& out) {
    SampleOptions<double> o;
    o.solver = so;
    return sample_by_name<double>(f, x0, out, o);  // compiled in odeflow_flows for MlpField
  };
  FlowSolverOptions<double> ro;
  ro.method = "dop853";
  ro.rtol = ro.atol = 1e-13;
  ro.max_steps = 10000000;
  const auto rr = solve(ro, ref);
  StatusCounter rc;
  auto hrs = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace{}, rr.stats);
  for (long i = 0; i < n; ++i) rc.add(static_cast<int>(hrs(i).status), hrs(i).nfe);
  if (rc.count[0] != n) throw Error("reference solve (DOP853, 1e-13) did not succeed for every sample: " + rc.json());
  auto href = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace{}, ref);
  const auto adaptive = split(a.methods), fixed = split(a.fixed_methods);
  Progress bar("bench", static_cast<long>(adaptive.size() * a.rtols.size() + fixed.size() * a.steps.size()),
               g.progress && !g.quiet);
  long done = 0;
  auto measure = [&](const std::string& name, const FlowSolverOptions<double>& so, const char* knob, double value) {
    Stopwatch w;
    SampleResult<double, Exec::memory_space> r;
    int reps = 0;
    do {
      r = solve(so, x1);
      ++reps;
    } while (w.seconds() < a.min_seconds && reps < 1000);
    const double secs = w.seconds() / reps;
    auto hx = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace{}, x1);
    auto hs = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace{}, r.stats);
    double err = 0, nfe = 0, acc = 0, rej = 0;
    int worst = 0;
    for (long i = 0; i < n; ++i) {
      for (int k = 0; k < d; ++k) err = std::max(err, std::abs(hx(i, k) - href(i, k)));
      nfe += hs(i).nfe;
      acc += hs(i).accepted;
      rej += hs(i).rejected;
      worst = std::max(worst, static_cast<int>(hs(i).status));
    }
    rows.push_back({name, knob, value, err, static_cast<int>(std::lround(nfe / n)), static_cast<int>(std::lround(acc / n)),
                    static_cast<int>(std::lround(rej / n)), status_name(Status(worst)), secs});
    bar.update(++done, name);
  };
  for (const auto& name : adaptive)
    for (double tol : a.rtols) {
      SolverArgs sa;
      sa.method = name;
      sa.rtol = sa.atol = tol;
      sa.max_steps = 10000000;
      measure(name, to_flow_options<double>(sa), "rtol", tol);
    }
  for (const auto& name : fixed)
    for (int st : a.steps) {
      SolverArgs sa;
      sa.method = name;
      sa.steps = st;
      measure(name, to_flow_options<double>(sa), "steps", st);
    }
  bar.finish();
}

void write_rows(const std::filesystem::path& path, const std::string& problem, const std::vector<Row>& rows) {
  const std::string e = path.extension().string();
  std::string s;
  if (e == ".csv") {
    s = "problem,method,knob,value,error,nfe,accepted,rejected,status,seconds\n";
    for (const auto& r : rows) {
      char buf[512];
      std::snprintf(buf, sizeof buf, "%s,%s,%s,%.6g,%.6e,%d,%d,%d,%s,%.6e\n", problem.c_str(), r.method.c_str(),
                    r.knob.c_str(), r.value, r.error, r.nfe, r.accepted, r.rejected, r.status.c_str(), r.seconds);
      s += buf;
    }
  } else {
    s = "[";
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const auto& r = rows[i];
      char buf[512];
      std::snprintf(buf, sizeof buf,
                    "%s{\"problem\": \"%s\", \"method\": \"%s\", \"%s\": %.6g, \"error\": %s, \"nfe\": %d, "
                    "\"accepted\": %d, \"rejected\": %d, \"status\": \"%s\", \"seconds\": %s}",
                    i ? ",\n " : "", problem.c_str(), r.method.c_str(), r.knob.c_str(), r.value,
                    json_number(r.error).c_str(), r.nfe, r.accepted, r.rejected, r.status.c_str(),
                    json_number(r.seconds).c_str());
      s += buf;
    }
    s += "]\n";
  }
  write_text(path, s);
}

}  // namespace

void add_bench(CLI::App& app, const Global& g) {
  auto* c = app.add_subcommand("bench", "Work-precision: error against NFE and time, per method and tolerance or step");
  static BenchArgs a;
  c->add_option("--problem", a.problem,
                 "kepler (e = 0.5, two periods), lorenz (rho 28, t in [0, 2]), gmm-flow (the analytic flow from "
                 "N(0, I) to a 2-D Gaussian mixture) or model (with --model)")
      ->capture_default_str();
  c->add_option("--model", a.model, "Flow model (.safetensors) for --problem model, sampled in float64");
  c->add_option("--samples", a.samples, "Samples of a flow problem (gmm-flow, model)")->capture_default_str()
      ->check(CLI::PositiveNumber);
  c->add_option("--methods", a.methods, "Adaptive methods, comma-separated")->capture_default_str();
  c->add_option("--fixed-methods", a.fixed_methods, "Methods run with fixed steps, comma-separated");
  c->add_option("--rtols", a.rtols, "Tolerances (rtol = atol)")->delimiter(',')->capture_default_str()->check(finite_number());
  c->add_option("--steps", a.steps, "Step counts for --fixed-methods")->delimiter(',')->capture_default_str();
  c->add_option("--min-seconds", a.min_seconds, "Repeat each solve for at least this long")->capture_default_str()->check(finite_number());
  c->add_option("-o,--output", a.out, "Results (.csv or .json)");
  c->add_option("--plot", a.plot_dir, "Folder for the work-precision picture (needs python3 + matplotlib)");
  c->callback([&g] {
    if (!a.out.empty()) check_extension("--output", a.out, {".csv", ".json"});
    // rtol = atol in double: below 10 epsilon round-off alone exceeds the tolerance (check_tolerances).
    const double floor = 10 * std::numeric_limits<double>::epsilon();
    for (double t : a.rtols)
      if (!(t >= floor) || !std::isfinite(t))
        throw Error("--rtols: " + show(t) + " must be finite and at least " + show(floor) + " (10 epsilon of double)");
    if (!(a.min_seconds >= 0)) throw Error("--min-seconds " + show(a.min_seconds) + " must be non-negative");
    if (!a.plot_dir.empty()) {
      std::error_code ec;
      std::filesystem::create_directories(a.plot_dir, ec);
      if (ec) throw Error("--plot '" + printable(a.plot_dir.string()) + "': cannot create the folder (" + ec.message() + ")");
    }
    check_outputs({{"--output", a.out}, {"--plot", a.plot_dir.empty() ? a.plot_dir : a.plot_dir / "work_precision.json"}});
    for (int s : a.steps)
      if (s <= 0) throw Error("--steps: " + std::to_string(s) + " must be positive");
    std::vector<Row> rows;
    if (a.problem == "kepler") {
      run_problem(Problem<Kepler, 4>{Kepler{}, kepler_initial_state(0.5), 4 * std::numbers::pi}, a, rows, g);
    } else if (a.problem == "lorenz") {
      run_problem(Problem<Lorenz63<double>, 3>{Lorenz63<double>{}, {1.0, 0.0, 0.0}, 2.0}, a, rows, g);
    } else if (a.problem == "gmm-flow") {
      run_flow(GaussianMixtureField<double>({0.3, 0.7}, {-2, 0, 2, 1}, {0.5, 0.5, 0.8, 0.4}, 2), a, rows, g);
    } else if (a.problem == "model") {
      if (a.model.empty()) throw Error("--problem model needs --model FILE.safetensors");
      const Mlp<double> m = load_model<double>(a.model);
      run_flow(MlpField<double>(m), a, rows, g);
    } else {
      throw Error("--problem '" + a.problem + "' is not one of kepler, lorenz, gmm-flow, model");
    }
    std::printf("%-10s %-6s %9s %12s %9s %8s %10s  %s\n", "method", "knob", "value", "error", "nfe", "rejected",
                "seconds", "status");
    for (const auto& r : rows)
      std::printf("%-10s %-6s %9.3g %12.4e %9d %8d %10.3e  %s\n", r.method.c_str(), r.knob.c_str(), r.value, r.error,
                  r.nfe, r.rejected, r.seconds, r.status.c_str());
    if (!a.out.empty()) write_rows(a.out, a.problem, rows);
    if (!a.plot_dir.empty()) {
      std::filesystem::create_directories(a.plot_dir);
      const auto json = a.plot_dir / "work_precision.json";
      write_rows(json, a.problem, rows);
      if (run_plot_script("work-precision", a.plot_dir, g.quiet) && !g.quiet)
        std::fprintf(stderr, "odeflow bench: wrote %s\n", (a.plot_dir / "work_precision.png").string().c_str());
    }
    bool all_ok = std::all_of(rows.begin(), rows.end(), [](const Row& r) { return r.status == "success"; });
    if (!all_ok) throw ExitCode{3};
  });
}

}  // namespace odeflow::cli
