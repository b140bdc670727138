// The C API against the C++ API it wraps: the same ensembles bitwise, and the guard for a
// program that initialised Kokkos itself (here the shared test main).
#include <odeflow/odeflow.h>
#include <odeflow/solvers/methods.hpp>
#include <odeflow/solvers/per_trajectory.hpp>

#include <Kokkos_Core.hpp>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

struct Lorenz {
  double sigma, rho, beta;
  template <class T, class Y, class DY>
  KOKKOS_FUNCTION void operator()(T, const Y& u, DY& du) const {
    du[0] = sigma * (u[1] - u[0]);
    du[1] = u[0] * (rho - u[2]) - u[1];
    du[2] = u[0] * u[1] - beta * u[2];
  }
};
struct Study {
  int n;
  KOKKOS_FUNCTION Lorenz operator()(int i) const { return Lorenz{10.0, 30.0 * i / (n - 1), 8.0 / 3.0}; }
};

TEST(CApi, KokkosInitialisedByTheProgramIsUsedAndNotFinalized) {
  ASSERT_TRUE(Kokkos::is_initialized());
  ASSERT_EQ(odeflow_initialize(3), ODEFLOW_SUCCESS) << odeflow_last_error_message();
  EXPECT_EQ(odeflow_is_initialized(), 1);
  ASSERT_EQ(odeflow_finalize(), ODEFLOW_SUCCESS) << odeflow_last_error_message();
  EXPECT_TRUE(Kokkos::is_initialized());
  EXPECT_FALSE(Kokkos::is_finalized());
}

TEST(CApi, Lorenz63IsBitwiseTheCppEnsemble) {
  ASSERT_EQ(odeflow_initialize(0), ODEFLOW_SUCCESS);
  const int n = 1001;
  for (const char* method : {"dopri5", "tsit5", "vern7", "bosh3"}) {
    odeflow_solver* s = nullptr;
    ASSERT_EQ(odeflow_solver_create(method, &s), ODEFLOW_SUCCESS);
    ASSERT_EQ(odeflow_solver_set_tolerances(s, 1e-9, 1e-9), ODEFLOW_SUCCESS);
    std::vector<double> rho(n), y(3 * n);
    for (int i = 0; i < n; ++i) {
      rho[i] = 30.0 * i / (n - 1);
      y[3 * i] = 1, y[3 * i + 1] = 0, y[3 * i + 2] = 0;
    }
    std::vector<odeflow_trajectory_stats> st(n);
    ASSERT_EQ(odeflow_solve_lorenz63(s, n, 10.0, rho.data(), 8.0 / 3.0, 0.0, 2.0, y.data(), st.data()),
              ODEFLOW_SUCCESS)
        << odeflow_last_error_message();

    Kokkos::View<double**, Kokkos::LayoutLeft> yr("y", n, 3);
    Kokkos::View<odeflow::Statistics<double>*> sr("st", n);
    Kokkos::deep_copy(Kokkos::subview(yr, Kokkos::ALL, 0), 1.0);
    odeflow::visit_method<double>(method, [&](auto tab) {
      using Tab = decltype(tab);
      auto o = odeflow::default_options<Tab>();
      o.norm.rtol = o.norm.atol = 1e-9;
      odeflow::solve_ensemble<Tab>(Kokkos::DefaultExecutionSpace(), odeflow::PerTrajectory<3>{}, Study{n}, yr, 0.0,
                                   2.0, o, sr);
    });
    auto hy = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), yr);
    auto hs = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), sr);
    int diff = 0;
    for (int i = 0; i < n; ++i) {
      for (int k = 0; k < 3; ++k) diff += y[3 * i + k] != hy(i, k);
      diff += st[i].nfe != hs(i).nfe || st[i].accepted != hs(i).accepted || st[i].rejected != hs(i).rejected ||
              st[i].status != static_cast<int>(hs(i).status) || st[i].t != hs(i).t || st[i].dt_last != hs(i).dt_last;
    }
    EXPECT_EQ(diff, 0) << method;
    odeflow_solver_destroy(s);
  }
  ASSERT_EQ(odeflow_finalize(), ODEFLOW_SUCCESS);
}

}  // namespace
