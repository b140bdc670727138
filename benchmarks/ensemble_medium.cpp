// Lorenz-96 ensembles of medium dimension: which strategy pays at which d. PerTrajectory<0>
// (one SIMD lane per trajectory), TeamPerTrajectory (one Kokkos team per trajectory) and
// Lockstep (one batched field call per stage) in one run, with the ratio team / per-trajectory.
// Prints one JSON object per measurement.
//
// Protocol: y_k' = (y_{k+1} - y_{k-2}) y_{k-1} - y_k + F_i, cyclic, F_i = linspace(6, 10, n),
// y_k(0) = 1 + 0.5 sin(0.7 k + 0.3 i), t in [0, 1]; d in {32, 128, 512}, n = 2^20 / d
// (--quick: 2^16 / d); (a) fixed-step Tsit5, 100 steps; (b) adaptive Dopri5 at rtol = atol = 1e-6;
// float64. Timings: best of two repetitions, wall and process CPU time.
//
// Usage: ensemble_medium [--quick]
#include <odeflow/solvers/lockstep.hpp>
#include <odeflow/solvers/per_trajectory.hpp>
#include <odeflow/solvers/problems/lorenz96.hpp>
#include <odeflow/solvers/tableaus/dormand_prince54.hpp>
#include <odeflow/solvers/tableaus/tsitouras54.hpp>
#include <odeflow/solvers/team_per_trajectory.hpp>

#include <Kokkos_Core.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

namespace {

using T = double;
using Space = Kokkos::DefaultExecutionSpace;
using Clock = std::chrono::steady_clock;
using YView = Kokkos::View<T**, Kokkos::LayoutRight, Space>;
using SView = Kokkos::View<odeflow::Statistics<T>*, Space>;

double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }
double cpu_now() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}

// Lorenz-96 as a batched field for Lockstep: column d carries the row's forcing as a
// constant component (its derivative is 0; the error norm measures the first d only).
struct BatchedLorenz96 {
  using value_type = T;
  using execution_space = Space;
  int d;
  int dim() const { return d + 1; }
  template <class TV, class XV, class DV>
  void operator()(const execution_space& space, const TV&, const XV& x, const DV& dx) const {
    const int dd = d;
    Kokkos::parallel_for(Kokkos::RangePolicy<execution_space>(space, 0, x.extent(0)), KOKKOS_LAMBDA(int i) {
      const T forcing = x(i, dd);
      for (int k = 0; k < dd; ++k) {
        const int kp1 = k + 1 < dd ? k + 1 : k + 1 - dd;
        const int km1 = k >= 1 ? k - 1 : k - 1 + dd;
        const int km2 = k >= 2 ? k - 2 : k - 2 + dd;
        dx(i, k) = Kokkos::fma(x(i, kp1) - x(i, km2), x(i, km1), forcing - x(i, k));
      }
      dx(i, dd) = T(0);
    });
  }
};

void fill(const YView& y, const odeflow::Lorenz96Study<T>& st, bool forcing_column) {
  const int d = st.d;
  Kokkos::parallel_for(Kokkos::RangePolicy<Space>(0, y.extent(0)), KOKKOS_LAMBDA(int i) {
    for (int k = 0; k < d; ++k) y(i, k) = T(1) + T(0.5) * Kokkos::sin(T(0.7) * k + T(0.3) * i);
    if (forcing_column) y(i, d) = st.forcing(i);
  });
  Kokkos::fence();
}

struct Run {
  double seconds = 1e300, cpu_seconds = 1e300;
  double steps_per_traj = 0, nfe_per_traj = 0;
  long failed = 0;
  std::vector<T> y;  // n * d
};

template <class Solve>
Run measure(long n, int d, const odeflow::Lorenz96Study<T>& st, bool forcing_column, const Solve& solve) {
  YView y("y", n, d + (forcing_column ? 1 : 0));
  SView stats("stats", n);
  Run r;
  for (int rep = 0; rep < 2; ++rep) {
    fill(y, st, forcing_column);
    const auto t0 = Clock::now();
    const double c0 = cpu_now();
    solve(y, stats);
    Kokkos::fence();
    r.seconds = std::min(r.seconds, since(t0));
    r.cpu_seconds = std::min(r.cpu_seconds, cpu_now() - c0);
  }
  const auto sum = odeflow::summarize(stats);
  r.steps_per_traj = double(sum.accepted) / double(n);
  r.nfe_per_traj = double(sum.nfe) / double(n);
  r.failed = n - sum.count[0];
  auto h = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace{}, y);
  r.y.resize(std::size_t(n) * d);
  for (long i = 0; i < n; ++i)
    for (int k = 0; k < d; ++k) r.y[std::size_t(i) * d + k] = h(i, k);
  return r;
}

void emit(const char* bench_case, const char* impl, const char* method, int threads, long n, int d, const Run& r,
          const Run& ref, const std::string& extra) {
  double diff = 0;
  for (std::size_t j = 0; j < r.y.size(); ++j) diff = std::max(diff, std::abs(r.y[j] - ref.y[j]));
  std::printf(
      "{\"bench\":\"ensemble_medium\",\"case\":\"%s\",\"impl\":\"%s\",\"precision\":\"float64\",\"threads\":%d,"
      "\"n\":%ld,\"d\":%d,\"method\":\"%s\",\"seconds\":%.6g,\"cpu_seconds\":%.6g,\"traj_steps_per_s\":%.6g,"
      "\"traj_steps_per_cpu_s\":%.6g,\"steps_per_traj\":%.2f,\"nfe_per_traj\":%.2f,\"failed\":%ld,"
      "\"max_abs_diff_vs_per_trajectory\":%.3g%s}\n",
      bench_case, impl, threads, n, d, method, r.seconds, r.cpu_seconds, double(n) * r.steps_per_traj / r.seconds,
      double(n) * r.steps_per_traj / r.cpu_seconds, r.steps_per_traj, r.nfe_per_traj, r.failed, diff, extra.c_str());
  std::fflush(stdout);
}

template <class Tab>
void compare(const char* bench_case, const char* method, int threads, long n, int d,
             const odeflow::SolveOptions<T>& o) {
  const odeflow::Lorenz96Study<T> st{n, d, T(6), T(10)};
  const Space space;
  const Run pt = measure(n, d, st, false, [&](const YView& y, const SView& s) {
    odeflow::solve_ensemble<Tab>(space, odeflow::PerTrajectory<0>{}, st, y, T(0), T(1), o, s);
  });
  emit(bench_case, "odeflow_per_trajectory", method, threads, n, d, pt, pt, "");
  char extra[160];
  const odeflow::TeamPerTrajectory shapes[] = {{0, 0}, {1, 8}};
  for (const auto shape : shapes) {
    const Run tm = measure(n, d, st, false, [&](const YView& y, const SView& s) {
      odeflow::solve_ensemble<Tab>(space, shape, st, y, T(0), T(1), o, s);
    });
    std::snprintf(extra, sizeof extra, ",\"team_size\":%d,\"vector_length\":%d,\"ratio_vs_per_trajectory\":%.3f",
                  shape.team_size, shape.vector_length, pt.seconds / tm.seconds);
    emit(bench_case, "odeflow_team", method, threads, n, d, tm, pt, extra);
  }
  auto ol = o;
  ol.norm.components = d;  // the forcing column is not measured
  const Run ls = measure(n, d, st, true, [&](const YView& y, const SView& s) {
    odeflow::solve_batch<Tab>(space, odeflow::Lockstep{}, BatchedLorenz96{d}, y, T(0), T(1), ol, s);
  });
  std::snprintf(extra, sizeof extra, ",\"ratio_vs_per_trajectory\":%.3f", pt.seconds / ls.seconds);
  emit(bench_case, "odeflow_lockstep", method, threads, n, d, ls, pt, extra);
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = false;
  for (int a = 1; a < argc; ++a) {
    if (!std::strcmp(argv[a], "--quick")) {
      quick = true;
    } else {
      std::fprintf(stderr, "ensemble_medium: unknown argument '%s' (use --quick)\n", argv[a]);
      return 2;
    }
  }
  Kokkos::ScopeGuard guard(argc, argv);
  const int threads = Space().concurrency();
  const long total = quick ? (1L << 16) : (1L << 20);
  for (int d : {32, 128, 512}) {
    const long n = total / d;
    auto fixed = odeflow::default_options<odeflow::Tsitouras54<T>>();
    fixed.dt = T(0.01);
    compare<odeflow::Tsitouras54<T>>("fixed_100", "tsit5", threads, n, d, fixed);
    auto adaptive = odeflow::default_options<odeflow::DormandPrince54<T>>();
    adaptive.norm.rtol = adaptive.norm.atol = T(1e-6);
    compare<odeflow::DormandPrince54<T>>("adaptive_1e-6", "dopri5", threads, n, d, adaptive);
  }
  return 0;
}
