// Ralston 2 tableau: 2 stages, order 2, fixed step (no error estimate), not FSAL, no dense output.
//
// Source: A. Ralston, "Runge-Kutta methods with minimum error bounds", Math. Comp. 16 (1962)
// 431-437, doi:10.1090/S0025-5718-1962-0150954-0.
#pragma once

#include <odeflow/solvers/tableau.hpp>

namespace odeflow {

/// Ralston's second-order method: the two-stage method of order 2 that minimises
/// the bound on its leading error term (c_2 = 2/3).
template <class T>
struct Ralston2 {
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

  Kokkos::Array<T, 2> c = {T(0), T(2) / T(3)};
  Kokkos::Array<T, 4> a = {
      T(0), T(0),
      T(2) / T(3), T(0)};
  Kokkos::Array<T, 2> b = {T(1) / T(4), T(3) / T(4)};
  Kokkos::Array<T, 2> e = {T(0), T(0)};
  Kokkos::Array<T, 0> d{};
  ///@}
};

static_assert(ExplicitTableau<Ralston2<double>>);
static_assert(tableau_is_consistent<Ralston2<long double>>());

}  // namespace odeflow
