// Work-precision of every built-in method on a problem with a known solution: error against
// function evaluations and against time, per method and tolerance (or step). JSON lines.
//
// Problem: Kepler two-body orbit with eccentricity 0.5 (DETEST D3), y0 = (1 - e, 0, 0,
// sqrt((1 + e)/(1 - e))), integrated over two periods (t1 = 4 pi), where the exact solution
// equals y0. Error: max-norm of y(t1) - y0.
//
// Usage: work_precision [--quick]      Plot: tools/plot_work_precision.py OUT.jsonl DIR
#include <odeflow/solvers/methods.hpp>
#include <odeflow/solvers/solve.hpp>

#include <Kokkos_Core.hpp>

#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <numbers>

namespace {
struct Kepler {
  template <class T, class Y, class DY>
  KOKKOS_FUNCTION void operator()(T, const Y& y, DY& dy) const {
    const T r2 = y[0] * y[0] + y[1] * y[1];
    const T r3 = r2 * Kokkos::sqrt(r2);
    dy[0] = y[2];
    dy[1] = y[3];
    dy[2] = -y[0] / r3;
    dy[3] = -y[1] / r3;
  }
};
constexpr double ecc = 0.5;

template <class Tab>
void measure(const odeflow::MethodInfo& info, const odeflow::SolveOptions<double>& o, double knob,
             const char* knob_name) {
  const std::array<double, 4> y0{1 - ecc, 0, 0, std::sqrt((1 + ecc) / (1 - ecc))};
  const double t1 = 4 * std::numbers::pi;
  odeflow::SolveResult<std::array<double, 4>, double> r;
  int reps = 0;
  const auto start = std::chrono::steady_clock::now();
  double secs = 0;
  do {
    r = odeflow::solve(Tab{}, Kepler{}, y0, 0.0, t1, o);
    ++reps;
    secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  } while (secs < 0.05 && reps < 100000);
  double err = 0;
  for (int k = 0; k < 4; ++k) err = std::max(err, std::abs(r.y[k] - y0[k]));
  std::printf(
      "{\"bench\":\"work_precision\",\"case\":\"kepler_e0.5\",\"impl\":\"odeflow\",\"precision\":\"float64\","
      "\"threads\":1,\"n\":1,\"seconds\":%.6g,\"method\":\"%s\",\"%s\":%.3g,\"nfe\":%d,\"accepted\":%d,"
      "\"rejected\":%d,\"status\":\"%s\",\"max_abs_err\":%.4g}\n",
      secs / reps, std::string(info.name).c_str(), knob_name, knob, r.stats.nfe, r.stats.accepted,
      r.stats.rejected, odeflow::status_name(r.stats.status), err);
}
}  // namespace

int main(int argc, char** argv) {
  Kokkos::ScopeGuard guard(argc, argv);
  const bool quick = argc > 1 && !std::strcmp(argv[1], "--quick");
  if (argc > 1 && !quick) {
    std::fprintf(stderr, "work_precision: unknown argument '%s' (use --quick)\n", argv[1]);
    return 2;
  }
  for (const auto& info : odeflow::methods()) {
    odeflow::visit_method<double>(info.name, [&](auto tab) {
      using Tab = decltype(tab);
      if constexpr (odeflow::is_embedded_v<Tab>) {
        for (int e = 3; e <= (quick ? 9 : 13); ++e) {
          auto o = odeflow::default_options<Tab>();
          o.norm.rtol = o.norm.atol = std::pow(10.0, -e);
          o.max_steps = 2000000;
          measure<Tab>(info, o, o.norm.rtol, "tol");
        }
      } else {
        const double t1 = 4 * std::numbers::pi;
        for (int steps = 100; steps <= (quick ? 20000 : 400000); steps *= 2) {
          auto o = odeflow::default_options<Tab>();
          o.dt = t1 / steps;
          o.max_steps = 2000000;
          measure<Tab>(info, o, o.dt, "dt");
        }
      }
    });
  }
  return 0;
}
