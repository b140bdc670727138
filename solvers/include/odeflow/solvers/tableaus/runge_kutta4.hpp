// Classic Runge-Kutta 4 tableau: 4 stages, order 4, fixed step (no error estimate), not FSAL, no dense output.
//
// Source: W. Kutta, "Beitrag zur naeherungsweisen Integration totaler Differentialgleichungen",
// Z. Math. Phys. 46 (1901) 435-453 (no DOI); as tabulated in Hairer, Norsett, Wanner,
// "Solving Ordinary Differential Equations I", 2nd ed. (1993), II.1,
// doi:10.1007/978-3-540-78862-1.
#pragma once

#include <odeflow/solvers/tableau.hpp>

namespace odeflow {

/// The classic fourth-order Runge-Kutta method ("RK4").
template <class T>
struct RungeKutta4 {
  ///@{
  /// Tableau data: the members of the ExplicitTableau concept (constants describing the method,
  /// coefficient arrays c, a, b, e, d and e2 where present); see odeflow::ExplicitTableau for
  /// their layout and meaning.
  using value_type = T;
  static constexpr int num_stages = 4;
  static constexpr int order = 4;
  static constexpr int embedded_order = 0;
  static constexpr bool fsal = false;
  static constexpr int num_dense_stages = 0;
  static constexpr int dense_order = 0;
  static constexpr int dense_degree = 0;

  Kokkos::Array<T, 4> c = {T(0), T(1) / T(2), T(1) / T(2), T(1)};
  Kokkos::Array<T, 16> a = {
      T(0), T(0), T(0), T(0),
      T(1) / T(2), T(0), T(0), T(0),
      T(0), T(1) / T(2), T(0), T(0),
      T(0), T(0), T(1), T(0)};
  Kokkos::Array<T, 4> b = {T(1) / T(6), T(1) / T(3), T(1) / T(3), T(1) / T(6)};
  Kokkos::Array<T, 4> e = {T(0), T(0), T(0), T(0)};
  Kokkos::Array<T, 0> d{};
  ///@}
};

static_assert(ExplicitTableau<RungeKutta4<double>>);
static_assert(tableau_is_consistent<RungeKutta4<long double>>());

}  // namespace odeflow
