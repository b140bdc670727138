// Bogacki-Shampine 3(2) tableau: 4 stages, order 3, embedded order 2, FSAL, dense output of order 3.
//
// Source: P. Bogacki, L. F. Shampine, "A 3(2) pair of Runge-Kutta formulas", Appl. Math.
// Lett. 2 (1989) 321-325, doi:10.1016/0893-9659(89)90079-7.
// Continuous extension: cubic Hermite interpolation on (y_n, f_n, y_{n+1}, f_{n+1}), free
// for this FSAL pair since it uses only the step's stages (k_1 = f_n, k_4 = f_{n+1}).
#pragma once

#include <odeflow/solvers/tableau.hpp>

namespace odeflow {

/// Bogacki-Shampine 3(2) ("bs3", MATLAB's ode23): cheap FSAL pair for loose tolerances.
template <class T>
struct BogackiShampine32 {
  ///@{
  /// Tableau data: the members of the ExplicitTableau concept (constants describing the method,
  /// coefficient arrays c, a, b, e, d and e2 where present); see odeflow::ExplicitTableau for
  /// their layout and meaning.
  using value_type = T;
  static constexpr int num_stages = 4;
  static constexpr int order = 3;
  static constexpr int embedded_order = 2;
  static constexpr bool fsal = true;
  static constexpr int num_dense_stages = 4;
  static constexpr int dense_order = 3;
  static constexpr int dense_degree = 3;

  Kokkos::Array<T, 4> c = {T(0), T(1) / T(2), T(3) / T(4), T(1)};
  Kokkos::Array<T, 16> a = {
      T(0), T(0), T(0), T(0),
      T(1) / T(2), T(0), T(0), T(0),
      T(0), T(3) / T(4), T(0), T(0),
      T(2) / T(9), T(1) / T(3), T(4) / T(9), T(0)};
  Kokkos::Array<T, 4> b = {T(2) / T(9), T(1) / T(3), T(4) / T(9), T(0)};
  // b - bhat with bhat = (7/24, 1/4, 1/3, 1/8)
  Kokkos::Array<T, 4> e = {T(-5) / T(72), T(1) / T(12), T(1) / T(9), T(-1) / T(8)};
  // Hermite: y(theta) = y0 + h [theta k1 + theta^2 (3B - 2k1 - k4) + theta^3 (-2B + k1 + k4)],
  // B = sum_i b_i k_i, so b_i(theta) = [i==1] theta + (3 b_i - 2[i==1] - [i==4]) theta^2
  //   + (-2 b_i + [i==1] + [i==4]) theta^3 (tools/tableaus/derive_dense.py bogacki_shampine32).
  Kokkos::Array<T, 12> d = {
      T(1), T(-4) / T(3), T(5) / T(9),
      T(0), T(1), T(-2) / T(3),
      T(0), T(4) / T(3), T(-8) / T(9),
      T(0), T(-1), T(1)};
  ///@}
};

static_assert(ExplicitTableau<BogackiShampine32<double>>);
static_assert(tableau_is_consistent<BogackiShampine32<long double>>());

}  // namespace odeflow
