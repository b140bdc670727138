// Writes the raw bytes of ensemble results to a file, for the thread-count invariance test:
// the same binary run with OMP_NUM_THREADS=1 and =2 must write identical files.
// Usage: dump_results OUTFILE EXPECTED_THREADS
#include <odeflow/solvers/per_trajectory.hpp>
#include <odeflow/solvers/problems/lorenz.hpp>
#include <odeflow/solvers/tableaus/dormand_prince54.hpp>
#include <odeflow/solvers/tableaus/runge_kutta4.hpp>

#include <Kokkos_Core.hpp>

#include <cstdio>
#include <cstdlib>
#include <fstream>

namespace {

template <class Tab>
void run(std::ofstream& out, int n, typename Tab::value_type t1, odeflow::SolveOptions<typename Tab::value_type> o,
         typename Tab::value_type rho_max) {
  using T = typename Tab::value_type;
  Kokkos::View<T**, Kokkos::LayoutLeft> y("y", n, 3);
  Kokkos::View<odeflow::Statistics<T>*> st("st", n);
  Kokkos::deep_copy(Kokkos::subview(y, Kokkos::ALL, 0), T(1));
  odeflow::solve_ensemble<Tab>(Kokkos::DefaultExecutionSpace{}, odeflow::PerTrajectory<3>{},
                               odeflow::LorenzParameterStudy<T>{n, T(0), rho_max}, y, T(0), t1, o, st);
  auto hy = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace{}, y);
  auto hs = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace{}, st);
  out.write(reinterpret_cast<const char*>(hy.data()), sizeof(T) * hy.size());
  for (int i = 0; i < n; ++i) {
    const int counts[4] = {hs(i).nfe, hs(i).accepted, hs(i).rejected, static_cast<int>(hs(i).status)};
    out.write(reinterpret_cast<const char*>(counts), sizeof counts);
  }
}
}  // namespace

int main(int argc, char** argv) {
  Kokkos::ScopeGuard guard(argc, argv);
  if (argc != 3) {
    std::fprintf(stderr, "usage: dump_results OUTFILE EXPECTED_THREADS\n");
    return 2;
  }
  const int threads = Kokkos::DefaultExecutionSpace().concurrency();
  std::printf("[odeflow] %s with concurrency %d\n", Kokkos::DefaultExecutionSpace::name(), threads);
  if (threads != std::atoi(argv[2])) {
    std::fprintf(stderr, "expected %s threads, Kokkos runs %d\n", argv[2], threads);
    return 1;
  }
  std::ofstream out(argv[1], std::ios::binary);
  auto o = odeflow::default_options<odeflow::DormandPrince54<double>>();
  o.norm.rtol = o.norm.atol = 1e-8;
  // A fifth of the trajectories under the sanitizers (CI's asan step, where this takes minutes).
#if defined(__SANITIZE_ADDRESS__)
  const int large = 20011, small = 4001;
#else
  const int large = 100003, small = 20011;
#endif
  run<odeflow::DormandPrince54<double>>(out, large, 1.0, o, 21.0);      // DiffEqGPU protocol
  run<odeflow::DormandPrince54<double>>(out, small, 10.0, o, 30.0);     // chaotic variant
  auto of = odeflow::default_options<odeflow::DormandPrince54<float>>();
  of.norm.rtol = of.norm.atol = 1e-5f;
  run<odeflow::DormandPrince54<float>>(out, small, 1.0f, of, 21.0f);
  auto fixed = odeflow::default_options<odeflow::RungeKutta4<double>>();
  fixed.dt = 1e-3;
  run<odeflow::RungeKutta4<double>>(out, small, 1.0, fixed, 21.0);
  return out.good() ? 0 : 1;
}
