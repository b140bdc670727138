// odeflow ensemble: a built-in ensemble problem (the Lorenz-63 parameter study) solved with a
// chosen method, size and precision; final states, per-trajectory statistics, status counts.
// Under mpirun each rank solves a block of the trajectories; rank 0 gathers, writes and prints.
#include "cli.hpp"
#include "distributed.hpp"

#include <odeflow/solvers/default_options.hpp>
#include <odeflow/solvers/methods.hpp>
#include <odeflow/solvers/per_trajectory.hpp>
#include <odeflow/solvers/problems/lorenz.hpp>

#include <Kokkos_Core.hpp>

#include <cmath>
#include <cstdio>

namespace odeflow::cli {

namespace {

struct EnsembleArgs {
  std::string problem = "lorenz", method = "dopri5", precision = "double";
  long n = 65536;
  double rtol = 1e-8, atol = 1e-8, dt = 0, t1 = 1, rho_min = 0, rho_max = 21;
  int steps = 0, max_steps = 100000;
  std::filesystem::path out, stats_out;
  bool fixed = false;  ///< --dt or --steps given
};

// By value: methods() returns a temporary vector (a reference into it dangled; found by the
// command's tests under AddressSanitizer).
MethodInfo method_info(const std::string& name) {
  for (const auto& m : methods())
    if (m.name == name) return m;
  std::string known;
  for (const auto& m : methods()) known += (known.empty() ? "" : ", ") + std::string(m.name);
  throw Error("--method '" + name + "' is not a known method (known: " + known + ")");
}

/// Trajectory i of a rank's block is trajectory first + i of the study.
template <class Study>
struct Shifted {
  Study study;
  int first;
  KOKKOS_FUNCTION auto operator()(int i) const { return study(first + i); }
};

/// Gathers a table of `cols` columns with one row per trajectory of this rank's block.
void gather_table(Table& t, long n) {
  const std::size_t cols = t.columns.size();
  std::vector<double> v;
  v.reserve(t.rows.size() * cols);
  for (const auto& r : t.rows) v.insert(v.end(), r.begin(), r.end());
  v = gather_rows(std::move(v), n, static_cast<long>(cols));
  t.rows.clear();
  for (std::size_t i = 0; i + cols <= v.size(); i += cols) t.rows.emplace_back(v.begin() + i, v.begin() + i + cols);
}

template <class T>
void run(const EnsembleArgs& a, const Global& g) {
  using Exec = Kokkos::DefaultExecutionSpace;
  using Mem = Exec::memory_space;
  const MethodInfo info = method_info(a.method);
  if (!(a.t1 > 0) || !std::isfinite(a.t1)) throw Error("--t1 " + show(a.t1) + " must be finite and positive");
  check_fits<T>("--t1", a.t1);
  check_fits<T>("--rho-min", a.rho_min);
  check_fits<T>("--rho-max", a.rho_max);
  if (a.n <= 0 || a.n > (1L << 31) - 1) throw Error("--n " + std::to_string(a.n) + " must be in [1, 2^31)");
  double dt = a.dt;
  if (a.steps > 0) dt = a.t1 / a.steps;
  if (a.fixed) {
    check_fixed_step<T>(a.steps > 0 ? "--steps " + std::to_string(a.steps) : "--dt " + show(a.dt), dt, a.t1,
                        a.max_steps);
  } else {
    if (info.embedded_order == 0)
      throw Error("--method " + a.method + " has no error estimate: give a step with --dt or --steps");
    check_tolerances<T>(a.rtol, a.atol);
  }
  // y and the statistics on the device, the tables on rank 0 (about 8 + 16 bytes a number).
  check_result_memory("--n " + std::to_string(a.n),
                      static_cast<double>(a.n) * (3 * sizeof(T) + sizeof(Statistics<T>) +
                                                  (a.out.empty() ? 0 : 4 * 24 + 40) + (a.stats_out.empty() ? 0 : 4 * 24 + 40)));
  const LorenzParameterStudy<T> study{a.n, static_cast<T>(a.rho_min), static_cast<T>(a.rho_max)};
  // Each rank solves its block (trajectory i keeps its global index, so its result is the
  // single-process one); rank 0 gathers the tables in order.
  const bool ranks = world_size() > 1;
  const RowBlock b = my_block(a.n);
  Kokkos::View<T**, Kokkos::LayoutLeft, Mem> y("odeflow::ensemble::y", b.count, 3);
  Kokkos::View<Statistics<T>*, Mem> stats("odeflow::ensemble::stats", b.count);
  Kokkos::deep_copy(Kokkos::subview(y, Kokkos::ALL, 0), T(1));
  Stopwatch clock;
  visit_method<T>(a.method, [&](auto tab) {
    using Tab = decltype(tab);
    auto o = default_options<Tab>();
    o.norm.rtol = static_cast<T>(a.rtol);
    o.norm.atol = static_cast<T>(a.atol);
    o.dt = static_cast<T>(dt);
    o.max_steps = a.max_steps;
    solve_ensemble<Tab>(Exec(), PerTrajectory<3>{}, Shifted<LorenzParameterStudy<T>>{study, static_cast<int>(b.first)},
                        y, T(0), static_cast<T>(a.t1), o, stats);
  });
  Exec().fence();
  const double secs = ranks ? max_over_ranks(clock.seconds()) : clock.seconds();
  EnsembleSummary s = summarize(stats);
  if (ranks) {
    long v[num_statuses + 3];
    for (int k = 0; k < num_statuses; ++k) v[k] = s.count[k];
    v[num_statuses] = s.nfe;
    v[num_statuses + 1] = s.accepted;
    v[num_statuses + 2] = s.rejected;
    sum_over_ranks(v, num_statuses + 3);
    for (int k = 0; k < num_statuses; ++k) s.count[k] = v[k];
    s.nfe = v[num_statuses];
    s.accepted = v[num_statuses + 1];
    s.rejected = v[num_statuses + 2];
  }
  auto hy = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace{}, y);
  Table states{{"rho", "x", "y", "z"}, {}}, per{{"nfe", "accepted", "rejected", "status"}, {}};
  if (!a.out.empty()) {
    states.rows.reserve(static_cast<std::size_t>(b.count));
    for (long i = 0; i < b.count; ++i)
      states.rows.push_back(
          {static_cast<double>(study.rho(b.first + i)), double(hy(i, 0)), double(hy(i, 1)), double(hy(i, 2))});
    if (ranks) gather_table(states, a.n);
  }
  if (!a.stats_out.empty()) {
    auto hs = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace{}, stats);
    for (long i = 0; i < b.count; ++i)
      per.rows.push_back({double(hs(i).nfe), double(hs(i).accepted), double(hs(i).rejected),
                          double(static_cast<int>(hs(i).status))});
    if (ranks) gather_table(per, a.n);
  }
  on_rank0([&] {
    if (!a.out.empty()) write_table(a.out, states);
    if (!a.stats_out.empty()) write_table(a.stats_out, per);
    std::string counts;
    for (int k = 0; k < num_statuses; ++k)
      counts += std::string(k ? ", " : "") + "\"" + status_name(Status(k)) + "\": " + std::to_string(s.count[k]);
    std::printf("{\"command\": \"ensemble\", \"problem\": \"lorenz\", \"method\": \"%s\", \"precision\": \"%s\", "
                "\"n\": %ld, \"threads\": %d, \"seconds\": %s, \"trajectories_per_s\": %s, \"nfe_mean\": %s, "
                "\"status\": {%s}%s}\n",
                a.method.c_str(), a.precision == "float" ? "float32" : "float64", a.n, Exec().concurrency(),
                json_number(secs).c_str(), json_number(a.n / secs).c_str(),
                json_number(static_cast<double>(s.nfe) / a.n).c_str(), counts.c_str(),
                ranks ? (", \"ranks\": " + std::to_string(world_size())).c_str() : "");
    if (!g.quiet) {
      char how[96];
      if (dt > 0)
        std::snprintf(how, sizeof how, "dt = %g", dt);
      else
        std::snprintf(how, sizeof how, "rtol %g, atol %g", a.rtol, a.atol);
      std::fprintf(stderr, "odeflow ensemble: %ld Lorenz trajectories (rho in [%g, %g], t in [0, %g]) with %s, %s, in %.3f s "
                           "(%.3g trajectories/s), mean NFE %.1f\n",
                   a.n, a.rho_min, a.rho_max, a.t1, a.method.c_str(), how, secs, a.n / secs,
                   static_cast<double>(s.nfe) / a.n);
      for (int k = 0; k < num_statuses; ++k)
        if (s.count[k]) std::fprintf(stderr, "  status %-18s %ld\n", status_name(Status(k)), s.count[k]);
    }
  });
  if (s.count[0] != a.n) throw ExitCode{3};
}

}  // namespace

void add_ensemble(CLI::App& app, const Global& g) {
  auto* c = app.add_subcommand("ensemble", "Solve a built-in ensemble problem (Lorenz-63 parameter study)");
  static EnsembleArgs a;
  c->add_option("--problem", a.problem, "Built-in problem: lorenz")->capture_default_str();
  c->add_option("-n,--n", a.n, "Trajectories")->capture_default_str();
  c->add_option("--method", a.method, "Method name (odeflow info lists them)")->capture_default_str();
  c->add_option("--rtol", a.rtol, "Relative tolerance")->capture_default_str()->check(finite_number());
  c->add_option("--atol", a.atol, "Absolute tolerance")->capture_default_str()->check(finite_number());
  c->add_option("--dt", a.dt, "Fixed step (no error control)")->check(finite_number());
  c->add_option("--steps", a.steps, "Fixed number of steps over [0, t1]")->check(CLI::PositiveNumber);
  c->add_option("--max-steps", a.max_steps, "Attempted steps per trajectory before giving up")->capture_default_str()
      ->check(CLI::PositiveNumber);
  c->add_option("--t1", a.t1, "Final time")->capture_default_str()->check(finite_number());
  c->add_option("--rho-min", a.rho_min, "rho of the first trajectory")->capture_default_str()->check(finite_number());
  c->add_option("--rho-max", a.rho_max, "rho of the last trajectory")->capture_default_str()->check(finite_number());
  c->add_option("--precision", a.precision, "float or double")->capture_default_str();
  c->add_option("-o,--output", a.out, "Final states with rho (.npy, .csv or .json)");
  c->add_option("--stats", a.stats_out, "Per-trajectory nfe, accepted, rejected, status (.npy, .csv or .json)");
  c->callback([&g, c] {
    if (a.problem != "lorenz") throw Error("--problem '" + a.problem + "' is not a built-in problem (known: lorenz)");
    for (const auto* p : {&a.out, &a.stats_out})
      if (!p->empty()) check_extension(p == &a.out ? "--output" : "--stats", *p, {".npy", ".csv", ".json"});
    if (c->count("--dt") > 0 && c->count("--steps") > 0)
      throw Error("--dt " + show(a.dt) + " and --steps " + std::to_string(a.steps) + " both set the step: give one");
    a.fixed = c->count("--dt") > 0 || c->count("--steps") > 0;
    if (a.fixed)
      for (const char* tol : {"--rtol", "--atol"})
        if (c->count(tol) > 0)
          throw Error(std::string(tol) + " does nothing with a fixed step (" +
                      (c->count("--steps") > 0 ? "--steps" : "--dt") + "): there is no error control");
    on_rank0([&] { check_outputs({{"--output", a.out}, {"--stats", a.stats_out}}); });
    if (a.precision == "float")
      run<float>(a, g);
    else if (a.precision == "double")
      run<double>(a, g);
    else
      throw Error("--precision '" + a.precision + "' is not one of float, double");
  });
}

}  // namespace odeflow::cli
