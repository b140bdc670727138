// Explicit midpoint tableau: 2 stages, order 2, fixed step (no error estimate), not FSAL, no dense output.
//
// Source: C. Runge, "Ueber die numerische Aufloesung von Differentialgleichungen",
// Math. Ann. 46 (1895) 167-178, doi:10.1007/BF01446807; as tabulated in Hairer, Norsett,
// Wanner, "Solving Ordinary Differential Equations I", 2nd ed. (1993), II.1,
// doi:10.1007/978-3-540-78862-1.
#pragma once

#include <odeflow/solvers/tableau.hpp>

namespace odeflow {

/// Explicit midpoint rule (Runge's second-order method):
/// y_{n+1} = y_n + h f(t_n + h/2, y_n + h/2 f(t_n, y_n)).
template <class T>
struct ExplicitMidpoint {
  ///@{
  /// Tableau data: the members of the ExplicitTableau concept (constants describing the method,
  /// coefficient arrays c, a, b, e, d and e2 where present); see odeflow::ExplicitTableau for
  /// their layout and meaning.
  using value_type = T;
  static constexpr int num_stages = 2;
  static constexpr int order = 2;
  static constexpr int embedded_order = 0;
  static constexpr bool fsal = false;
  static constexpr int num_dense_stages = 0;
  static constexpr int dense_order = 0;
  static constexpr int dense_degree = 0;

  Kokkos::Array<T, 2> c = {T(0), T(1) / T(2)};
  Kokkos::Array<T, 4> a = {
      T(0), T(0),
      T(1) / T(2), T(0)};
  Kokkos::Array<T, 2> b = {T(0), T(1)};
  Kokkos::Array<T, 2> e = {T(0), T(0)};
  Kokkos::Array<T, 0> d{};
  ///@}
};

static_assert(ExplicitTableau<ExplicitMidpoint<double>>);
static_assert(tableau_is_consistent<ExplicitMidpoint<long double>>());

}  // namespace odeflow
