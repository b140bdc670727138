// Lorenz-63 parameter ensemble: one adaptive Dormand-Prince solve per trajectory inside a Kokkos kernel.
//
// Protocol of the DiffEqGPU paper (arXiv 2304.06835): sigma = 10, beta = 8/3,
// rho = linspace(0, 21, N), u0 = (1, 0, 0), t in [0, 1], rtol = atol = 1e-8.
// Usage: lorenz_ensemble [N]   (default 65536)
#include <odeflow/solvers/default_options.hpp>
#include <odeflow/solvers/integrate.hpp>
#include <odeflow/solvers/tableaus/dormand_prince54.hpp>

#include <Kokkos_Core.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>

// snippet-begin: lorenz-field
struct Lorenz {
  double sigma, rho, beta;
  template <class T, class Y, class DY>
  KOKKOS_FUNCTION void operator()(T, const Y& u, DY& du) const {
    du[0] = sigma * (u[1] - u[0]);
    du[1] = u[0] * (rho - u[2]) - u[1];
    du[2] = u[0] * u[1] - beta * u[2];
  }
};
// snippet-end: lorenz-field

int main(int argc, char** argv) {
  Kokkos::ScopeGuard guard(argc, argv);
  const int n = argc > 1 ? std::atoi(argv[1]) : 65536;
  if (n < 2) {
    std::fprintf(stderr, "lorenz_ensemble: N = %s must be an integer >= 2\n", argv[1]);
    return 2;
  }
  using Tab = odeflow::DormandPrince54<double>;
  auto opt = odeflow::default_options<Tab>();
  opt.norm.rtol = opt.norm.atol = 1e-8;

  Kokkos::View<double* [3]> u("u", n);
  Kokkos::View<int*> nfe("nfe", n), status("status", n);
  const auto t_start = std::chrono::steady_clock::now();
  // snippet-begin: lorenz-kernel
  Kokkos::parallel_for(
      "lorenz_ensemble", n, KOKKOS_LAMBDA(int i) {
        const Lorenz f{10.0, 21.0 * i / (n - 1), 8.0 / 3.0};
        odeflow::StaticWorkspaceFor<Tab, 3> ws;
        Kokkos::Array<double, 3> y{1.0, 0.0, 0.0};
        odeflow::Statistics<double> st;
        odeflow::integrate<Tab>(f, 0.0, 1.0, y, ws, opt, st);
        for (int k = 0; k < 3; ++k) u(i, k) = y[k];
        nfe(i) = st.nfe;
        status(i) = static_cast<int>(st.status);
      });
  // snippet-end: lorenz-kernel
  Kokkos::fence();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();

  auto hu = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace{}, u);
  auto hn = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace{}, nfe);
  auto hs = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace{}, status);
  long total_nfe = 0;
  int counts[odeflow::num_statuses] = {};
  for (int i = 0; i < n; ++i) {
    total_nfe += hn(i);
    ++counts[hs(i)];
  }
  std::printf("odeflow Lorenz-63 ensemble: %d trajectories, Dormand-Prince 5(4), rtol = atol = 1e-8\n", n);
  std::printf("backend %s, concurrency %d\n", Kokkos::DefaultExecutionSpace::name(),
              Kokkos::DefaultExecutionSpace().concurrency());
  std::printf("time %.3f s, %.3g trajectories/s, mean NFE %.1f\n", secs, n / secs,
              double(total_nfe) / n);
  for (int s = 0; s < odeflow::num_statuses; ++s)
    if (counts[s]) std::printf("status %-18s %d\n", odeflow::status_name(odeflow::Status(s)), counts[s]);
  for (int i : {0, n / 2, n - 1})
    std::printf("rho = %7.4f  u(1) = (% .10f, % .10f, % .10f)\n", 21.0 * i / (n - 1), hu(i, 0),
                hu(i, 1), hu(i, 2));
  return counts[0] == n ? 0 : 1;
}
