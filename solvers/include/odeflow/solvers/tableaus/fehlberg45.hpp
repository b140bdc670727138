// Fehlberg 4(5) tableau: 6 stages, order 4, embedded order 5, not FSAL, no dense output.
//
// Source: E. Fehlberg, "Klassische Runge-Kutta-Formeln vierter und niedrigerer Ordnung mit
// Schrittweiten-Kontrolle und ihre Anwendung auf Waermeleitungsprobleme", Computing 6 (1970)
// 61-71, doi:10.1007/BF02241732; as tabulated ("RKF45") in Hairer, Norsett, Wanner, "Solving
// Ordinary Differential Equations I", 2nd ed. (1993), doi:10.1007/978-3-540-78862-1.
#pragma once

#include <odeflow/solvers/tableau.hpp>

namespace odeflow {

/// Runge-Kutta-Fehlberg 4(5) ("RKF45"): propagates the fourth-order solution and
/// estimates its error with the fifth-order one, as Fehlberg intended. Prefer a
/// 5(4) pair (DormandPrince54, Tsitouras54) unless reproducing RKF45 results.
template <class T>
struct Fehlberg45 {
  ///@{
  /// Tableau data: the members of the ExplicitTableau concept (constants describing the method,
  /// coefficient arrays c, a, b, e, d and e2 where present); see odeflow::ExplicitTableau for
  /// their layout and meaning.
  using value_type = T;
  static constexpr int num_stages = 6;
  static constexpr int order = 4;
  static constexpr int embedded_order = 5;
  static constexpr bool fsal = false;
  static constexpr int num_dense_stages = 0;
  static constexpr int dense_order = 0;
  static constexpr int dense_degree = 0;

  Kokkos::Array<T, 6> c = {T(0), T(1) / T(4), T(3) / T(8), T(12) / T(13), T(1), T(1) / T(2)};
  Kokkos::Array<T, 36> a = {
      T(0), T(0), T(0), T(0), T(0), T(0),
      T(1) / T(4), T(0), T(0), T(0), T(0), T(0),
      T(3) / T(32), T(9) / T(32), T(0), T(0), T(0), T(0),
      T(1932) / T(2197), T(-7200) / T(2197), T(7296) / T(2197), T(0), T(0), T(0),
      T(439) / T(216), T(-8), T(3680) / T(513), T(-845) / T(4104), T(0), T(0),
      T(-8) / T(27), T(2), T(-3544) / T(2565), T(1859) / T(4104), T(-11) / T(40), T(0)};
  Kokkos::Array<T, 6> b = {T(25) / T(216), T(0), T(1408) / T(2565), T(2197) / T(4104), T(-1) / T(5), T(0)};
  // b - bhat with bhat = (16/135, 0, 6656/12825, 28561/56430, -9/50, 2/55), the fifth-order weights
  Kokkos::Array<T, 6> e = {T(-1) / T(360), T(0), T(128) / T(4275), T(2197) / T(75240), T(-1) / T(50),
                           T(-2) / T(55)};
  Kokkos::Array<T, 0> d{};
  ///@}
};

static_assert(ExplicitTableau<Fehlberg45<double>>);
static_assert(tableau_is_consistent<Fehlberg45<long double>>());

}  // namespace odeflow
