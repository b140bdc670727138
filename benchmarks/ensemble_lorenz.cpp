// Lorenz-63 ensembles: odeflow PerTrajectory (SIMD lanes) and Lockstep against Boost.Odeint and
// the machine's measured FMA peak, in one run. Prints one JSON object per measurement.
//
// Protocol of the DiffEqGPU paper (arXiv 2304.06835): sigma 10, beta 8/3, rho = linspace(0, 21, N),
// u0 = (1, 0, 0), t in [0, 1]: (a) fixed-step Tsit5 (and RK4 against odeint's runge_kutta4),
// 1000 steps; (b) adaptive Tsit5 and Dopri5 at rtol = atol = 1e-8; float64 and float32.
// Chaotic variant: rho in [20, 30], t in [0, 10]: total evaluations per-sample vs shared step.
//
// Usage: ensemble_lorenz [--quick] [--log2n-max K] [--log2n-min K]
#include <odeflow/solvers/lockstep.hpp>
#include <odeflow/solvers/per_trajectory.hpp>
#include <odeflow/solvers/problems/lorenz.hpp>
#include <odeflow/solvers/tableaus/dormand_prince54.hpp>
#include <odeflow/solvers/tableaus/runge_kutta4.hpp>
#include <odeflow/solvers/tableaus/tsitouras54.hpp>

#include <Kokkos_Core.hpp>
#include <boost/numeric/odeint.hpp>

#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }
// CPU time of the whole process (all threads): on a shared machine the figure per core that
// does not count time the scheduler gave to other processes.
double cpu_now() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}

// The study: odeflow::LorenzParameterStudy (solvers/problems/lorenz.hpp), rho in [rho0, rho1].
template <class T>
using Study = odeflow::LorenzParameterStudy<T>;
constexpr int lorenz_flops = 9;  // per right-hand-side evaluation

// Lorenz as a batched field (Lockstep): one row per sample, its rho from its sample index.
template <class T>
struct BatchedLorenz {
  using value_type = T;
  using execution_space = Kokkos::DefaultExecutionSpace;
  Kokkos::View<const T*> rho;  // per row of the *current* batch is not known: rows carry rho in column 3
  int dim() const { return 4; }
  template <class TV, class XV, class DV>
  void operator()(const execution_space& space, const TV&, const XV& x, const DV& dx) const {
    Kokkos::parallel_for(Kokkos::RangePolicy<execution_space>(space, 0, x.extent(0)), KOKKOS_LAMBDA(int i) {
      dx(i, 0) = T(10) * (x(i, 1) - x(i, 0));
      dx(i, 1) = x(i, 0) * (x(i, 3) - x(i, 2)) - x(i, 1);
      dx(i, 2) = x(i, 0) * x(i, 1) - T(8) / T(3) * x(i, 2);
      dx(i, 3) = T(0);  // rho rides along as a constant state component
    });
  }
};

const char* prec_name(float) { return "float32"; }
const char* prec_name(double) { return "float64"; }

void emit(const std::string& json) {
  std::printf("%s\n", json.c_str());
  std::fflush(stdout);
}

std::string head(const char* bench_case, const char* impl, const char* prec, int threads, long n,
                 double seconds) {
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "{\"bench\":\"ensemble_lorenz\",\"case\":\"%s\",\"impl\":\"%s\",\"precision\":\"%s\","
                "\"threads\":%d,\"n\":%ld,\"seconds\":%.6g",
                bench_case, impl, prec, threads, n, seconds);
  return buf;
}

// Measured FMA peak: independent chains of fused multiply-adds on SIMD packs, all threads,
// per CPU-second (on a shared machine wall time would measure the other processes).
// Ten chains, each its own variable so that they stay in registers (an array of chains
// indexed in a loop measured a third of the peak: the chains went through memory).
template <class T>
double fma_peak_gflops(int threads) {
  constexpr int W = ODEFLOW_SIMD_BYTES / sizeof(T);
  using P = odeflow::Pack<T, W>;
  constexpr int chains = 10;
  const long iters = 40000000L / W;
  double best = 0;
  for (int rep = 0; rep < 3; ++rep) {
    const double c0 = cpu_now();
    double sink = 0;
#pragma omp parallel num_threads(threads) reduction(+ : sink)
    {
      const P a(T(0.999999)), b(T(1e-7));
      P c0(T(0)), c1(T(1)), c2(T(2)), c3(T(3)), c4(T(4)), c5(T(5)), c6(T(6)), c7(T(7)), c8(T(8)), c9(T(9));
      using odeflow::simd::fma;
      for (long it = 0; it < iters; ++it) {
        c0 = fma(c0, a, b), c1 = fma(c1, a, b), c2 = fma(c2, a, b), c3 = fma(c3, a, b), c4 = fma(c4, a, b);
        c5 = fma(c5, a, b), c6 = fma(c6, a, b), c7 = fma(c7, a, b), c8 = fma(c8, a, b), c9 = fma(c9, a, b);
      }
      const P sum = c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9;
      for (int l = 0; l < W; ++l) sink += sum.v[l];
    }
    // Per CPU-second of each thread: time the scheduler gave to other processes does not count.
    const double s = (cpu_now() - c0) / threads;
    const double gf = 2.0 * W * chains * double(iters) * threads / s / 1e9;
    if (gf > best) best = gf;
    if (sink == 42.0) std::printf("#\n");
  }
  return best;
}

// Flops of one step of tableau Tab on Lorenz: stage combinations (one FMA per nonzero
// coefficient and component, plus the final y + h * acc) and the field evaluations.
template <class Tab>
double flops_per_step() {
  constexpr Tab tab{};
  constexpr int s = Tab::num_stages;
  constexpr int D = odeflow::num_stored_stages_v<Tab>;
  int nz = 0;
  for (int i = 1; i < s; ++i)
    for (int j = 0; j < i; ++j) nz += tab.a[i * D + j] != 0 ? 1 : 0;
  int combos = nz + (s - 1);
  if (!Tab::fsal) {
    for (int j = 0; j < s; ++j) combos += tab.b[j] != 0 ? 1 : 0;
    ++combos;
  }
  const int evals = Tab::fsal ? s - 1 : s;
  return 2.0 * 3 * combos + double(evals) * lorenz_flops;
}

struct OdeintLorenz {
  double rho;
  void operator()(const std::array<double, 3>& u, std::array<double, 3>& du, double) const {
    du[0] = 10.0 * (u[1] - u[0]);
    du[1] = u[0] * (rho - u[2]) - u[1];
    du[2] = u[0] * u[1] - 8.0 / 3.0 * u[2];
  }
};

// Reference solutions by Boost.Odeint's Runge-Kutta-Fehlberg 7(8) at 1e-13 (independent code).
std::vector<std::array<double, 3>> reference(const Study<double>& st, const std::vector<int>& idx, double t1) {
  using namespace boost::numeric::odeint;
  std::vector<std::array<double, 3>> out(idx.size());
#pragma omp parallel for
  for (std::size_t q = 0; q < idx.size(); ++q) {
    std::array<double, 3> u{1, 0, 0};
    integrate_adaptive(make_controlled<runge_kutta_fehlberg78<std::array<double, 3>>>(1e-13, 1e-13),
                       OdeintLorenz{st.rho(idx[q])}, u, 0.0, t1, 1e-4);
    out[q] = u;
  }
  return out;
}

template <class Tab>
struct Result {
  double seconds;
  double cpu_seconds;
  double nfe_mean;
  double max_err;
};

template <class Tab, class ExecSpace>
Result<Tab> run_odeflow(const ExecSpace& space, const Study<typename Tab::value_type>& st, long n, double t1,
                        const odeflow::SolveOptions<typename Tab::value_type>& o, const std::vector<int>& idx,
                        const std::vector<std::array<double, 3>>& ref) {
  using T = typename Tab::value_type;
  Kokkos::View<T**, Kokkos::LayoutLeft, typename ExecSpace::memory_space> y("y", n, 3);
  Kokkos::View<odeflow::Statistics<T>*, typename ExecSpace::memory_space> stats("stats", n);
  double best = 1e300, best_cpu = 1e300;
  for (int rep = 0; rep < 2; ++rep) {
    Kokkos::deep_copy(space, y, T(0));
    Kokkos::deep_copy(space, Kokkos::subview(y, Kokkos::ALL, 0), T(1));
    space.fence();
    auto t0 = Clock::now();
    const double c0 = cpu_now();
    odeflow::solve_ensemble<Tab>(space, odeflow::PerTrajectory<3>{}, st, y, T(0), T(t1), o, stats);
    space.fence();
    best = std::min(best, since(t0));
    best_cpu = std::min(best_cpu, cpu_now() - c0);
  }
  auto hy = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace{}, y);
  auto sum = odeflow::summarize(stats);
  double err = 0;
  for (std::size_t q = 0; q < idx.size(); ++q)
    for (int k = 0; k < 3; ++k) err = std::max(err, std::abs(double(hy(idx[q], k)) - ref[q][k]) / (1 + std::abs(ref[q][k])));
  if (sum.count[0] != n) std::fprintf(stderr, "warning: %ld of %ld trajectories failed\n", n - sum.count[0], n);
  return {best, best_cpu, double(sum.nfe) / n, err};
}

// Boost.Odeint: one std::array state per trajectory, an OpenMP loop over trajectories.
template <bool adaptive>
Result<int> run_odeint(int threads, const Study<double>& st, long n, double t1, double tol, int steps,
                       const std::vector<int>& idx, const std::vector<std::array<double, 3>>& ref) {
  using namespace boost::numeric::odeint;
  using S = std::array<double, 3>;
  std::vector<S> y(n);
  std::vector<long> nfe(n);
  double best = 1e300, best_cpu = 1e300;
  for (int rep = 0; rep < 2; ++rep) {
    auto t0 = Clock::now();
    const double c0 = cpu_now();
#pragma omp parallel for num_threads(threads) schedule(dynamic, 64)  // as odeflow: trajectory costs differ
    for (long i = 0; i < n; ++i) {
      S u{1, 0, 0};
      long count = 0;
      auto sys = [&](const S& x, S& dx, double t) {
        ++count;
        OdeintLorenz{st.rho(int(i))}(x, dx, t);
      };
      if constexpr (adaptive) {
        integrate_adaptive(make_controlled<runge_kutta_dopri5<S>>(tol, tol), sys, u, 0.0, t1, 1e-3);
      } else {
        integrate_n_steps(runge_kutta4<S>(), sys, u, 0.0, t1 / steps, steps);
      }
      y[i] = u;
      nfe[i] = count;
    }
    best = std::min(best, since(t0));
    best_cpu = std::min(best_cpu, cpu_now() - c0);
  }
  double err = 0, total = 0;
  for (long i = 0; i < n; ++i) total += nfe[i];
  for (std::size_t q = 0; q < idx.size(); ++q)
    for (int k = 0; k < 3; ++k) err = std::max(err, std::abs(y[idx[q]][k] - ref[q][k]) / (1 + std::abs(ref[q][k])));
  return {best, best_cpu, total / n, err};
}

std::vector<int> sample_indices(long n) {
  std::vector<int> idx;
  const long stride = std::max(1L, n / 256);
  for (long i = 0; i < n; i += stride) idx.push_back(int(i));
  if (idx.back() != n - 1) idx.push_back(int(n - 1));
  return idx;
}

// One-thread runs use an OpenMP instance with one thread; other host backends run them on
// the default instance (and report their concurrency).
#ifdef KOKKOS_ENABLE_OPENMP
using OneThread = Kokkos::OpenMP;
inline OneThread make_one_thread() { return Kokkos::OpenMP(1); }
#else
using OneThread = Kokkos::DefaultHostExecutionSpace;
inline OneThread make_one_thread() { return OneThread{}; }
#endif

template <class T>
void sweep(int threads, int lo, int hi, const OneThread& one_thread, double peak1, double peakN) {
  const char* prec = prec_name(T{});
  const int steps = 1000;
  for (int lg = lo; lg <= hi; lg += 3) {
    const long n = 1L << lg;
    const Study<T> st{long(n), T(0), T(21)};
    const Study<double> std_{long(n), 0.0, 21.0};
    const auto idx = sample_indices(n);
    const auto ref = reference(std_, idx, 1.0);

    // (a) fixed step, 1000 steps.
    auto fixed = odeflow::default_options<odeflow::Tsitouras54<T>>();
    fixed.dt = T(1.0 / steps);
    auto rt = run_odeflow<odeflow::Tsitouras54<T>>(Kokkos::DefaultExecutionSpace{}, st, n, 1.0, fixed, idx, ref);
    const double fl = flops_per_step<odeflow::Tsitouras54<T>>();
    char tail[512];
    std::snprintf(tail, sizeof tail,
                  ",\"method\":\"tsit5\",\"traj_steps_per_s\":%.6g,\"traj_steps_per_s_per_core\":%.6g,"
                  "\"traj_steps_per_cpu_s\":%.6g,\"cpu_seconds\":%.6g,"
                  "\"gflops\":%.4g,\"fraction_of_fma_peak\":%.3f,\"max_rel_err\":%.3g}",
                  n * steps / rt.seconds, n * steps / rt.seconds / threads, n * steps / rt.cpu_seconds,
                  rt.cpu_seconds, n * steps * fl / rt.seconds / 1e9, n * steps * fl / rt.seconds / 1e9 / peakN,
                  rt.max_err);
    emit(head("fixed_1000", "odeflow", prec, threads, n, rt.seconds) + tail);

    auto rk4 = odeflow::default_options<odeflow::RungeKutta4<T>>();
    rk4.dt = T(1.0 / steps);
    auto r4 = run_odeflow<odeflow::RungeKutta4<T>>(Kokkos::DefaultExecutionSpace{}, st, n, 1.0, rk4, idx, ref);
    double r4_one = 0;
    if (lg >= 16) r4_one = run_odeflow<odeflow::RungeKutta4<T>>(one_thread, st, n, 1.0, rk4, idx, ref).seconds;
    if constexpr (std::is_same_v<T, double>) {
      auto o4 = run_odeint<false>(threads, std_, n, 1.0, 0, steps, idx, ref);
      std::snprintf(tail, sizeof tail,
                    ",\"method\":\"rk4\",\"traj_steps_per_s\":%.6g,\"traj_steps_per_cpu_s\":%.6g,\"cpu_seconds\":%.6g,"
                    "\"max_rel_err\":%.3g}",
                    n * steps / o4.seconds, n * steps / o4.cpu_seconds, o4.cpu_seconds, o4.max_err);
      emit(head("fixed_1000", "odeint", prec, threads, n, o4.seconds) + tail);
      std::snprintf(tail, sizeof tail,
                    ",\"method\":\"rk4\",\"traj_steps_per_s\":%.6g,\"traj_steps_per_cpu_s\":%.6g,\"cpu_seconds\":%.6g,"
                    "\"ratio_vs_odeint\":%.3f,\"ratio_vs_odeint_cpu\":%.3f,\"max_rel_err\":%.3g}",
                    n * steps / r4.seconds, n * steps / r4.cpu_seconds, r4.cpu_seconds, o4.seconds / r4.seconds,
                    o4.cpu_seconds / r4.cpu_seconds, r4.max_err);
    } else {
      std::snprintf(tail, sizeof tail,
                    ",\"method\":\"rk4\",\"traj_steps_per_s\":%.6g,\"traj_steps_per_cpu_s\":%.6g,\"cpu_seconds\":%.6g,"
                    "\"max_rel_err\":%.3g}",
                    n * steps / r4.seconds, n * steps / r4.cpu_seconds, r4.cpu_seconds, r4.max_err);
    }
    emit(head("fixed_1000", "odeflow", prec, threads, n, r4.seconds) + tail);
    if (r4_one > 0) {
      std::snprintf(tail, sizeof tail,
                    ",\"method\":\"rk4\",\"traj_steps_per_s\":%.6g,\"speedup_threads_%d_vs_1\":%.3f}",
                    n * steps / r4_one, threads, r4_one / r4.seconds);
      emit(head("fixed_1000", "odeflow", prec, 1, n, r4_one) + tail);
    }

    // (b) adaptive at 1e-8 (float32: 1e-5, the tightest meaningful tolerance in single precision).
    const T tol = std::is_same_v<T, double> ? T(1e-8) : T(1e-5);
    for (int m = 0; m < 2; ++m) {
      Result<int> r{};
      double one = 0;
      const char* method = m == 0 ? "tsit5" : "dopri5";
      if (m == 0) {
        auto o = odeflow::default_options<odeflow::Tsitouras54<T>>();
        o.norm.rtol = o.norm.atol = tol;
        auto q = run_odeflow<odeflow::Tsitouras54<T>>(Kokkos::DefaultExecutionSpace{}, st, n, 1.0, o, idx, ref);
        r = {q.seconds, q.cpu_seconds, q.nfe_mean, q.max_err};
      } else {
        auto o = odeflow::default_options<odeflow::DormandPrince54<T>>();
        o.norm.rtol = o.norm.atol = tol;
        auto q = run_odeflow<odeflow::DormandPrince54<T>>(Kokkos::DefaultExecutionSpace{}, st, n, 1.0, o, idx, ref);
        r = {q.seconds, q.cpu_seconds, q.nfe_mean, q.max_err};
        if (lg >= 16)
          one = run_odeflow<odeflow::DormandPrince54<T>>(one_thread, st, n, 1.0, o, idx, ref).seconds;
      }
      std::string extra;
      if (m == 1 && std::is_same_v<T, double>) {
        auto od = run_odeint<true>(threads, std_, n, 1.0, 1e-8, 0, idx, ref);
        std::snprintf(tail, sizeof tail,
                      ",\"method\":\"dopri5\",\"traj_per_s\":%.6g,\"traj_per_cpu_s\":%.6g,\"cpu_seconds\":%.6g,"
                      "\"nfe_per_traj\":%.1f,\"max_rel_err\":%.3g}",
                      n / od.seconds, n / od.cpu_seconds, od.cpu_seconds, od.nfe_mean, od.max_err);
        emit(head("adaptive_1e-8", "odeint", prec, threads, n, od.seconds) + tail);
        char e[96];
        std::snprintf(e, sizeof e, ",\"ratio_vs_odeint\":%.3f,\"ratio_vs_odeint_cpu\":%.3f", od.seconds / r.seconds,
                      od.cpu_seconds / r.cpu_seconds);
        extra = e;
      }
      std::snprintf(tail, sizeof tail,
                    ",\"method\":\"%s\",\"traj_per_s\":%.6g,\"traj_per_cpu_s\":%.6g,\"cpu_seconds\":%.6g,"
                    "\"nfe_per_traj\":%.1f,\"max_rel_err\":%.3g%s}",
                    method, n / r.seconds, n / r.cpu_seconds, r.cpu_seconds, r.nfe_mean, r.max_err, extra.c_str());
      emit(head(std::is_same_v<T, double> ? "adaptive_1e-8" : "adaptive_1e-5", "odeflow", prec, threads, n, r.seconds) + tail);
      if (one > 0) {
        std::snprintf(tail, sizeof tail, ",\"method\":\"%s\",\"traj_per_s\":%.6g,\"speedup_threads_%d_vs_1\":%.3f}",
                      method, n / one, threads, one / r.seconds);
        emit(head(std::is_same_v<T, double> ? "adaptive_1e-8" : "adaptive_1e-5", "odeflow", prec, 1, n, one) + tail);
      }
    }
  }
  (void)peak1;
}

// Chaotic variant: per-sample stepping against one shared step for the whole batch (Lockstep).
void chaotic(int threads, long n) {
  using T = double;
  Kokkos::View<T**, Kokkos::LayoutRight> x("x", n, 4);
  Kokkos::View<odeflow::Statistics<T>*> st("st", n);
  auto o = odeflow::default_options<odeflow::DormandPrince54<T>>();
  o.norm.rtol = o.norm.atol = 1e-8;
  long total[2];
  double secs[2];
  for (int shared = 0; shared < 2; ++shared) {
    Kokkos::parallel_for(n, KOKKOS_LAMBDA(int i) {
      x(i, 0) = 1;
      x(i, 1) = 0;
      x(i, 2) = 0;
      x(i, 3) = 20.0 + 10.0 * i / (n - 1);
    });
    Kokkos::fence();
    auto t0 = Clock::now();
    odeflow::solve_batch<odeflow::DormandPrince54<T>>(Kokkos::DefaultExecutionSpace{}, odeflow::Lockstep{shared == 1},
                                                      BatchedLorenz<T>{}, x, 0.0, 10.0, o, st);
    Kokkos::fence();
    secs[shared] = since(t0);
    total[shared] = odeflow::summarize(st).nfe;
  }
  char tail[256];
  for (int shared = 0; shared < 2; ++shared) {
    std::snprintf(tail, sizeof tail, ",\"method\":\"dopri5\",\"mode\":\"%s\",\"total_nfe\":%ld,\"nfe_per_sample\":%.1f%s}",
                  shared ? "shared_step" : "per_sample", total[shared], double(total[shared]) / n,
                  shared ? "" : (",\"nfe_ratio_shared_vs_per_sample\":" + std::to_string(double(total[1]) / total[0])).c_str());
    emit(head("chaotic_rho20-30_t10", "odeflow", "float64", threads, n, secs[shared]) + tail);
  }
}

}  // namespace

int main(int argc, char** argv) {
  Kokkos::ScopeGuard guard(argc, argv);
  bool quick = false;
  int lo = 10, hi = 22;
  for (int a = 1; a < argc; ++a) {
    if (!std::strcmp(argv[a], "--quick")) {
      quick = true;
    } else if (!std::strcmp(argv[a], "--log2n-max") && a + 1 < argc) {
      hi = std::atoi(argv[++a]);
    } else if (!std::strcmp(argv[a], "--log2n-min") && a + 1 < argc) {
      lo = std::atoi(argv[++a]);
    } else {
      std::fprintf(stderr, "ensemble_lorenz: unknown argument '%s' (use --quick, --log2n-min K, --log2n-max K)\n", argv[a]);
      return 2;
    }
  }
  if (quick) hi = std::min(hi, 16);
  const int threads = Kokkos::DefaultExecutionSpace().concurrency();
  const OneThread one_thread = make_one_thread();
  for (int prec = 0; prec < 2; ++prec) {
    const double p1 = prec == 0 ? fma_peak_gflops<double>(1) : fma_peak_gflops<float>(1);
    const double pn = prec == 0 ? fma_peak_gflops<double>(threads) : fma_peak_gflops<float>(threads);
    char tail[128];
    std::snprintf(tail, sizeof tail, ",\"gflops\":%.4g}", p1);
    emit(head("fma_peak", "peak", prec == 0 ? "float64" : "float32", 1, 0, 0) + tail);
    std::snprintf(tail, sizeof tail, ",\"gflops\":%.4g}", pn);
    emit(head("fma_peak", "peak", prec == 0 ? "float64" : "float32", threads, 0, 0) + tail);
    if (prec == 0) {
      sweep<double>(threads, lo, hi, one_thread, p1, pn);
    } else {
      sweep<float>(threads, lo, hi, one_thread, p1, pn);
    }
  }
  chaotic(threads, quick ? 1024 : 16384);
  return 0;
}
