// Heun-Euler 2(1) tableau: 2 stages, order 2, embedded order 1, not FSAL, no dense output.
//
// Source: Heun's method (K. Heun, Z. Math. Phys. 45 (1900) 23-38, no DOI) with the
// explicit Euler step as its embedded solution; see Hairer, Norsett, Wanner, "Solving
// Ordinary Differential Equations I", 2nd ed. (1993), doi:10.1007/978-3-540-78862-1.
#pragma once

#include <odeflow/solvers/tableau.hpp>

namespace odeflow {

/// Heun-Euler 2(1): Heun's trapezoidal method, error estimated against forward
/// Euler. The simplest adaptive pair; mostly useful for tests and teaching.
template <class T>
struct HeunEuler21 {
  ///@{
  /// Tableau data: the members of the ExplicitTableau concept (constants describing the method,
  /// coefficient arrays c, a, b, e, d and e2 where present); see odeflow::ExplicitTableau for
  /// their layout and meaning.
  using value_type = T;
  static constexpr int num_stages = 2;
  static constexpr int order = 2;
  static constexpr int embedded_order = 1;
  static constexpr bool fsal = false;
  static constexpr int num_dense_stages = 0;
  static constexpr int dense_order = 0;
  static constexpr int dense_degree = 0;

  Kokkos::Array<T, 2> c = {T(0), T(1)};
  Kokkos::Array<T, 4> a = {
      T(0), T(0),
      T(1), T(0)};
  Kokkos::Array<T, 2> b = {T(1) / T(2), T(1) / T(2)};
  // b - bhat with bhat = (1, 0)
  Kokkos::Array<T, 2> e = {T(-1) / T(2), T(1) / T(2)};
  Kokkos::Array<T, 0> d{};
  ///@}
};

static_assert(ExplicitTableau<HeunEuler21<double>>);
static_assert(tableau_is_consistent<HeunEuler21<long double>>());

}  // namespace odeflow
