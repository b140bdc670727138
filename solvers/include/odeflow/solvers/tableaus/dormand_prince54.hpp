// Dormand-Prince 5(4) tableau: 7 stages, order 5, embedded order 4, FSAL, dense output of order 4.
//
// Source: J. R. Dormand, P. J. Prince, "A family of embedded Runge-Kutta
// formulae", J. Comput. Appl. Math. 6 (1980) 19-26, doi:10.1016/0771-050X(80)90013-3.
// Continuous extension: L. F. Shampine, "Some practical Runge-Kutta formulas",
// Math. Comp. 46 (1986) 135-150, doi:10.1090/S0025-5718-1986-0815836-3, in the
// form of Hairer's DOPRI5 code (Hairer, Norsett, Wanner, Solving ODEs I, II.6).
#pragma once

#include <odeflow/solvers/tableau.hpp>

namespace odeflow {

/// Dormand-Prince 5(4) ("dopri5"), the default of most adaptive codes.
template <class T>
struct DormandPrince54 {
  ///@{
  /// Tableau data: the members of the ExplicitTableau concept (constants describing the method,
  /// coefficient arrays c, a, b, e, d and e2 where present); see odeflow::ExplicitTableau for
  /// their layout and meaning.
  using value_type = T;
  static constexpr int num_stages = 7;
  static constexpr int order = 5;
  static constexpr int embedded_order = 4;
  static constexpr bool fsal = true;
  static constexpr int num_dense_stages = 7;
  static constexpr int dense_order = 4;
  static constexpr int dense_degree = 4;

  Kokkos::Array<T, 7> c = {T(0), T(1) / T(5), T(3) / T(10), T(4) / T(5), T(8) / T(9), T(1), T(1)};
  Kokkos::Array<T, 49> a = {
      T(0), T(0), T(0), T(0), T(0), T(0), T(0),
      T(1) / T(5), T(0), T(0), T(0), T(0), T(0), T(0),
      T(3) / T(40), T(9) / T(40), T(0), T(0), T(0), T(0), T(0),
      T(44) / T(45), T(-56) / T(15), T(32) / T(9), T(0), T(0), T(0), T(0),
      T(19372) / T(6561), T(-25360) / T(2187), T(64448) / T(6561), T(-212) / T(729), T(0), T(0), T(0),
      T(9017) / T(3168), T(-355) / T(33), T(46732) / T(5247), T(49) / T(176), T(-5103) / T(18656), T(0), T(0),
      T(35) / T(384), T(0), T(500) / T(1113), T(125) / T(192), T(-2187) / T(6784), T(11) / T(84), T(0)};
  Kokkos::Array<T, 7> b = {T(35) / T(384), T(0), T(500) / T(1113), T(125) / T(192),
                           T(-2187) / T(6784), T(11) / T(84), T(0)};
  // b - bhat with bhat = (5179/57600, 0, 7571/16695, 393/640, -92097/339200, 187/2100, 1/40)
  Kokkos::Array<T, 7> e = {T(71) / T(57600), T(0), T(-71) / T(16695), T(71) / T(1920),
                           T(-17253) / T(339200), T(22) / T(525), T(-1) / T(40)};
  // Hairer's contd5 reads y(theta) = y0 + theta*D + theta*(1-theta)*(h k1 - D)
  //   + theta^2 (1-theta) (2D - h k1 - h k7) + theta^2 (1-theta)^2 h sum_i dd_i k_i,  D = h sum_i b_i k_i,
  // which expands to b_i(theta) = [i==1] theta + (3 b_i - 2[i==1] - [i==7] + dd_i) theta^2
  //   + (-2 b_i + [i==1] + [i==7] - 2 dd_i) theta^3 + dd_i theta^4.
  Kokkos::Array<T, 28> d = dense(b);

 private:
  static constexpr Kokkos::Array<T, 28> dense(const Kokkos::Array<T, 7>& bb) {
    const T dd[7] = {T(-12715105075.0L) / T(11282082432.0L), T(0),
                     T(87487479700.0L) / T(32700410799.0L), T(-10690763975.0L) / T(1880347072.0L),
                     T(701980252875.0L) / T(199316789632.0L), T(-1453857185.0L) / T(822651844.0L),
                     T(69997945.0L) / T(29380423.0L)};
    Kokkos::Array<T, 28> out{};
    for (int i = 0; i < 7; ++i) {
      const T first = i == 0 ? T(1) : T(0);
      const T last = i == 6 ? T(1) : T(0);
      out[i * 4 + 0] = first;
      out[i * 4 + 1] = T(3) * bb[i] - T(2) * first - last + dd[i];
      out[i * 4 + 2] = T(-2) * bb[i] + first + last - T(2) * dd[i];
      out[i * 4 + 3] = dd[i];
    }
    return out;
  }
  ///@}
};

static_assert(ExplicitTableau<DormandPrince54<double>>);
static_assert(tableau_is_consistent<DormandPrince54<long double>>());

}  // namespace odeflow
