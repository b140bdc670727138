// Cash-Karp 5(4) tableau: 6 stages, order 5, embedded order 4, not FSAL, no dense output.
//
// Source: J. R. Cash, A. H. Karp, "A variable order Runge-Kutta method for initial value
// problems with rapidly varying right-hand sides", ACM Trans. Math. Softw. 16 (1990)
// 201-222, doi:10.1145/79505.79507.
#pragma once

#include <odeflow/solvers/tableau.hpp>

namespace odeflow {

/// Cash-Karp 5(4) (the "rkck" of Numerical Recipes): propagates the fifth-order
/// solution. DormandPrince54 or Tsitouras54 are more efficient and have dense output.
template <class T>
struct CashKarp54 {
  ///@{
  /// Tableau data: the members of the ExplicitTableau concept (constants describing the method,
  /// coefficient arrays c, a, b, e, d and e2 where present); see odeflow::ExplicitTableau for
  /// their layout and meaning.
  using value_type = T;
  static constexpr int num_stages = 6;
  static constexpr int order = 5;
  static constexpr int embedded_order = 4;
  static constexpr bool fsal = false;
  static constexpr int num_dense_stages = 0;
  static constexpr int dense_order = 0;
  static constexpr int dense_degree = 0;

  Kokkos::Array<T, 6> c = {T(0), T(1) / T(5), T(3) / T(10), T(3) / T(5), T(1), T(7) / T(8)};
  Kokkos::Array<T, 36> a = {
      T(0), T(0), T(0), T(0), T(0), T(0),
      T(1) / T(5), T(0), T(0), T(0), T(0), T(0),
      T(3) / T(40), T(9) / T(40), T(0), T(0), T(0), T(0),
      T(3) / T(10), T(-9) / T(10), T(6) / T(5), T(0), T(0), T(0),
      T(-11) / T(54), T(5) / T(2), T(-70) / T(27), T(35) / T(27), T(0), T(0),
      T(1631) / T(55296), T(175) / T(512), T(575) / T(13824), T(44275) / T(110592), T(253) / T(4096), T(0)};
  Kokkos::Array<T, 6> b = {T(37) / T(378), T(0), T(250) / T(621), T(125) / T(594), T(0), T(512) / T(1771)};
  // b - bhat with bhat = (2825/27648, 0, 18575/48384, 13525/55296, 277/14336, 1/4)
  Kokkos::Array<T, 6> e = {T(-277) / T(64512), T(0), T(6925) / T(370944), T(-6925) / T(202752),
                           T(-277) / T(14336), T(277) / T(7084)};
  Kokkos::Array<T, 0> d{};
  ///@}
};

static_assert(ExplicitTableau<CashKarp54<double>>);
static_assert(tableau_is_consistent<CashKarp54<long double>>());

}  // namespace odeflow
