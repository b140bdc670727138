// Euler tableau: 1 stage, order 1, fixed step (no error estimate), not FSAL, no dense output.
//
// Source: L. Euler, Institutionum calculi integralis (1768), vol. I, section 2, ch. 7;
// as tabulated in E. Hairer, S. P. Norsett, G. Wanner, "Solving Ordinary Differential
// Equations I", 2nd ed., Springer (1993), II.1, doi:10.1007/978-3-540-78862-1.
#pragma once

#include <odeflow/solvers/tableau.hpp>

namespace odeflow {

/// Forward (explicit) Euler: y_{n+1} = y_n + h f(t_n, y_n). A baseline and a
/// reference for tests; use an embedded pair for anything that needs accuracy.
template <class T>
struct Euler {
  ///@{
  /// Tableau data: the members of the ExplicitTableau concept (constants describing the method,
  /// coefficient arrays c, a, b, e, d and e2 where present); see odeflow::ExplicitTableau for
  /// their layout and meaning.
  using value_type = T;
  static constexpr int num_stages = 1;
  static constexpr int order = 1;
  static constexpr int embedded_order = 0;
  static constexpr bool fsal = false;
  static constexpr int num_dense_stages = 0;
  static constexpr int dense_order = 0;
  static constexpr int dense_degree = 0;

  Kokkos::Array<T, 1> c = {T(0)};
  Kokkos::Array<T, 1> a = {T(0)};
  Kokkos::Array<T, 1> b = {T(1)};
  Kokkos::Array<T, 1> e = {T(0)};
  Kokkos::Array<T, 0> d{};
  ///@}
};

static_assert(ExplicitTableau<Euler<double>>);
static_assert(tableau_is_consistent<Euler<long double>>());

}  // namespace odeflow
