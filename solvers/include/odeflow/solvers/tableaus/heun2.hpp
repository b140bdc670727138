// Heun 2 tableau: 2 stages, order 2, fixed step (no error estimate), not FSAL, no dense output.
//
// Source: K. Heun, "Neue Methoden zur approximativen Integration der Differentialgleichungen
// einer unabhaengigen Veraenderlichen", Z. Math. Phys. 45 (1900) 23-38 (no DOI); as tabulated
// in Hairer, Norsett, Wanner, "Solving Ordinary Differential Equations I", 2nd ed. (1993),
// II.1, doi:10.1007/978-3-540-78862-1.
#pragma once

#include <odeflow/solvers/tableau.hpp>

namespace odeflow {

/// Heun's second-order method (explicit trapezoidal rule):
/// y_{n+1} = y_n + h/2 (k_1 + k_2), k_2 = f(t_n + h, y_n + h k_1). Its stage 2 is
/// evaluated at the Euler predictor, not at y_{n+1}, so it is not FSAL.
template <class T>
struct Heun2 {
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

  Kokkos::Array<T, 2> c = {T(0), T(1)};
  Kokkos::Array<T, 4> a = {
      T(0), T(0),
      T(1), T(0)};
  Kokkos::Array<T, 2> b = {T(1) / T(2), T(1) / T(2)};
  Kokkos::Array<T, 2> e = {T(0), T(0)};
  Kokkos::Array<T, 0> d{};
  ///@}
};

static_assert(ExplicitTableau<Heun2<double>>);
static_assert(tableau_is_consistent<Heun2<long double>>());

}  // namespace odeflow
