// DETEST non-stiff problems A1-A5 and B1-B5 on [0, 20], with their closed-form solutions where one exists.
//
// Source: T. E. Hull, W. H. Enright, B. M. Fellen, A. E. Sedgwick, "Comparing numerical
// methods for ordinary differential equations", SIAM J. Numer. Anal. 9 (1972) 603-637,
// doi:10.1137/0709052, classes A (single equations) and B (small systems), in the form of
// W. H. Enright, J. D. Pryce, "Two FORTRAN packages for assessing initial value methods",
// ACM Trans. Math. Softw. 13 (1987) 1-27, doi:10.1145/23002.27645. Every problem runs
// from t0 = 0 to t1 = 20.
//
// Each problem is a struct with `dim`, `t0`, `t1`, `y0`, the field `f(t, y, dydt)`
// (KOKKOS_FUNCTION, generic over indexable y and dydt), `has_exact` and, when it is true,
// `exact(t)` (host only). Closed forms (derived here; each is checked against an
// independent Boost.Odeint reference in test_detest.cpp):
//
//   A1  y' = -y, y(0) = 1                             y = exp(-t)
//   A2  y' = -y^3 / 2, y(0) = 1                       y = 1 / sqrt(1 + t)
//   A3  y' = y cos t, y(0) = 1                        y = exp(sin t)
//   A4  y' = y / 4 (1 - y / 20), y(0) = 1             y = 20 / (1 + 19 exp(-t / 4))
//   A5  y' = (y - t) / (y + t), y(0) = 4              the logarithmic spiral r = 4 exp(pi/2 - theta)
//                                                     in polar coordinates (t, y) = r (cos, sin) theta
//   B1  Lotka-Volterra, y(0) = (1, 3)                 no closed form; conserves
//                                                     H = y1 - ln y1 + 2 (y2 - ln y2)
//   B2  linear, eigenvalues 0, -1, -3, y(0) = (2, 0, 1)
//                                                     y = (1,1,1) + e^{-t}/2 (1,0,-1) + e^{-3t}/2 (1,-2,1)
//   B3  y1' = -y1, y2' = y1 - y2^2, y3' = y2^2, y(0) = (1, 0, 0)
//                                                     y1 = e^{-t}; y2 = u'/u with u'' = e^{-t} u, a modified
//                                                     Bessel equation in s = 2 e^{-t/2}; y3 = 1 - y1 - y2
//   B4  y(0) = (3, 0, 0)                              r = sqrt(y1^2 + y2^2) = 2 + cos t, angle t, y3 = sin t
//   B5  Euler's rigid body, y(0) = (0, 1, 1)          (sn, cn, dn)(t | m = 0.51), Jacobi elliptic functions
#pragma once

#include <Kokkos_Core.hpp>

#include <boost/math/constants/constants.hpp>
#include <boost/math/special_functions/bessel.hpp>
#include <boost/math/special_functions/jacobi_elliptic.hpp>

#include <array>
#include <cmath>

namespace odeflow::test::detest {

/// A1: exponential decay.
struct A1 {
  static constexpr const char* name = "A1";
  static constexpr int dim = 1;
  static constexpr double t0 = 0.0;
  static constexpr double t1 = 20.0;
  static constexpr std::array<double, dim> y0{1.0};
  static constexpr bool has_exact = true;
  template <class T, class Y, class DY>
  KOKKOS_FUNCTION void operator()(T, const Y& y, DY& dy) const {
    dy[0] = -y[0];
  }
  static std::array<double, dim> exact(double t) { return {std::exp(-t)}; }
};

/// A2: a special case of the Riccati equation.
struct A2 {
  static constexpr const char* name = "A2";
  static constexpr int dim = 1;
  static constexpr double t0 = 0.0;
  static constexpr double t1 = 20.0;
  static constexpr std::array<double, dim> y0{1.0};
  static constexpr bool has_exact = true;
  template <class T, class Y, class DY>
  KOKKOS_FUNCTION void operator()(T, const Y& y, DY& dy) const {
    dy[0] = -y[0] * y[0] * y[0] / 2;
  }
  static std::array<double, dim> exact(double t) { return {1.0 / std::sqrt(1.0 + t)}; }
};

/// A3: an oscillatory non-autonomous problem.
struct A3 {
  static constexpr const char* name = "A3";
  static constexpr int dim = 1;
  static constexpr double t0 = 0.0;
  static constexpr double t1 = 20.0;
  static constexpr std::array<double, dim> y0{1.0};
  static constexpr bool has_exact = true;
  template <class T, class Y, class DY>
  KOKKOS_FUNCTION void operator()(T t, const Y& y, DY& dy) const {
    dy[0] = y[0] * Kokkos::cos(t);
  }
  static std::array<double, dim> exact(double t) { return {std::exp(std::sin(t))}; }
};

/// A4: the logistic curve.
struct A4 {
  static constexpr const char* name = "A4";
  static constexpr int dim = 1;
  static constexpr double t0 = 0.0;
  static constexpr double t1 = 20.0;
  static constexpr std::array<double, dim> y0{1.0};
  static constexpr bool has_exact = true;
  template <class T, class Y, class DY>
  KOKKOS_FUNCTION void operator()(T, const Y& y, DY& dy) const {
    dy[0] = y[0] / 4 * (1 - y[0] / 20);
  }
  static std::array<double, dim> exact(double t) { return {20.0 / (1.0 + 19.0 * std::exp(-t / 4))}; }
};

/// A5: a spiral curve. With t = r cos(theta), y = r sin(theta) the equation becomes
/// dr/dtheta = -r, so r = 4 exp(pi/2 - theta) through (0, 4). Along the solution t grows
/// monotonically as theta decreases from pi/2 to -pi/4 (where y + t = 0 and t = 29.8), so
/// for t in [0, 29.8) theta is the unique root of 4 exp(pi/2 - theta) cos(theta) = t there.
struct A5 {
  static constexpr const char* name = "A5";
  static constexpr int dim = 1;
  static constexpr double t0 = 0.0;
  static constexpr double t1 = 20.0;
  static constexpr std::array<double, dim> y0{4.0};
  static constexpr bool has_exact = true;
  template <class T, class Y, class DY>
  KOKKOS_FUNCTION void operator()(T t, const Y& y, DY& dy) const {
    dy[0] = (y[0] - t) / (y[0] + t);
  }
  static std::array<double, dim> exact(double t) {
    const double half_pi = boost::math::constants::half_pi<double>();
    auto radius = [&](double theta) { return 4.0 * std::exp(half_pi - theta); };
    // Bisection to adjacent doubles: t(theta) = r cos(theta) decreases on [-pi/4, pi/2].
    double lo = -half_pi / 2, hi = half_pi;
    for (int it = 0; it < 200; ++it) {
      const double mid = 0.5 * (lo + hi);
      if (mid <= lo || mid >= hi) break;
      (radius(mid) * std::cos(mid) > t ? lo : hi) = mid;
    }
    const double theta = 0.5 * (lo + hi);
    return {radius(theta) * std::sin(theta)};
  }
};

/// B1: Lotka-Volterra predator-prey. No closed form; `invariant` is conserved.
struct B1 {
  static constexpr const char* name = "B1";
  static constexpr int dim = 2;
  static constexpr double t0 = 0.0;
  static constexpr double t1 = 20.0;
  static constexpr std::array<double, dim> y0{1.0, 3.0};
  static constexpr bool has_exact = false;
  template <class T, class Y, class DY>
  KOKKOS_FUNCTION void operator()(T, const Y& y, DY& dy) const {
    dy[0] = 2 * (y[0] - y[0] * y[1]);
    dy[1] = -(y[1] - y[0] * y[1]);
  }
  /// H = y1 - ln y1 + 2 (y2 - ln y2): dH/dt = 2 (y1 - 1)(1 - y2) - 2 (y2 - 1)(1 - y1) = 0.
  static double invariant(const std::array<double, dim>& y) {
    return y[0] - std::log(y[0]) + 2.0 * (y[1] - std::log(y[1]));
  }
};

/// B2: a linear chain with eigenvalues 0, -1, -3.
struct B2 {
  static constexpr const char* name = "B2";
  static constexpr int dim = 3;
  static constexpr double t0 = 0.0;
  static constexpr double t1 = 20.0;
  static constexpr std::array<double, dim> y0{2.0, 0.0, 1.0};
  static constexpr bool has_exact = true;
  template <class T, class Y, class DY>
  KOKKOS_FUNCTION void operator()(T, const Y& y, DY& dy) const {
    dy[0] = -y[0] + y[1];
    dy[1] = y[0] - 2 * y[1] + y[2];
    dy[2] = y[1] - y[2];
  }
  /// y0 = (1,1,1) + (1,0,-1)/2 + (1,-2,1)/2 in the eigenvectors of eigenvalues 0, -1, -3.
  static std::array<double, dim> exact(double t) {
    const double e1 = 0.5 * std::exp(-t), e3 = 0.5 * std::exp(-3.0 * t);
    return {1.0 + e1 + e3, 1.0 - 2.0 * e3, 1.0 - e1 + e3};
  }
};

/// B3: a nonlinear chemical reaction.
struct B3 {
  static constexpr const char* name = "B3";
  static constexpr int dim = 3;
  static constexpr double t0 = 0.0;
  static constexpr double t1 = 20.0;
  static constexpr std::array<double, dim> y0{1.0, 0.0, 0.0};
  static constexpr bool has_exact = true;
  template <class T, class Y, class DY>
  KOKKOS_FUNCTION void operator()(T, const Y& y, DY& dy) const {
    dy[0] = -y[0];
    dy[1] = y[0] - y[1] * y[1];
    dy[2] = y[1] * y[1];
  }
  /// y2 = u'/u turns y2' = e^{-t} - y2^2 into u'' = e^{-t} u, which in s = 2 e^{-t/2} is
  /// s^2 u_ss + s u_s - s^2 u = 0: u = c1 I0(s) + c2 K0(s), and y2(0) = 0 fixes
  /// c1 I1(2) = c2 K1(2). The three components sum to 1 for all t.
  static std::array<double, dim> exact(double t) {
    using boost::math::cyl_bessel_i;
    using boost::math::cyl_bessel_k;
    const double s = 2.0 * std::exp(-t / 2);
    const double c1 = cyl_bessel_k(1, 2.0), c2 = cyl_bessel_i(1, 2.0);
    const double y1 = std::exp(-t);
    const double y2 = 0.5 * s * (c2 * cyl_bessel_k(1, s) - c1 * cyl_bessel_i(1, s)) /
                      (c1 * cyl_bessel_i(0, s) + c2 * cyl_bessel_k(0, s));
    return {y1, y2, 1.0 - y1 - y2};
  }
};

/// B4: a spiral: the projection on (y1, y2) turns at unit angular speed with radius 2 + cos t.
struct B4 {
  static constexpr const char* name = "B4";
  static constexpr int dim = 3;
  static constexpr double t0 = 0.0;
  static constexpr double t1 = 20.0;
  static constexpr std::array<double, dim> y0{3.0, 0.0, 0.0};
  static constexpr bool has_exact = true;
  template <class T, class Y, class DY>
  KOKKOS_FUNCTION void operator()(T, const Y& y, DY& dy) const {
    const auto r = Kokkos::sqrt(y[0] * y[0] + y[1] * y[1]);
    dy[0] = -y[1] - y[0] * y[2] / r;
    dy[1] = y[0] - y[1] * y[2] / r;
    dy[2] = y[0] / r;
  }
  /// r' = -y3 and angle' = 1 with y3' = cos(angle): y3 = sin t, r = 2 + cos t.
  static std::array<double, dim> exact(double t) {
    const double r = 2.0 + std::cos(t);
    return {r * std::cos(t), r * std::sin(t), std::sin(t)};
  }
};

/// B5: Euler's equations of a rigid body without external forces.
struct B5 {
  static constexpr const char* name = "B5";
  static constexpr int dim = 3;
  static constexpr double t0 = 0.0;
  static constexpr double t1 = 20.0;
  static constexpr std::array<double, dim> y0{0.0, 1.0, 1.0};
  static constexpr bool has_exact = true;
  template <class T, class Y, class DY>
  KOKKOS_FUNCTION void operator()(T, const Y& y, DY& dy) const {
    dy[0] = y[1] * y[2];
    dy[1] = -y[0] * y[2];
    dy[2] = -0.51 * y[0] * y[1];
  }
  /// sn' = cn dn, cn' = -sn dn, dn' = -m sn cn with parameter m = k^2 = 0.51.
  static std::array<double, dim> exact(double t) {
    double cn = 0, dn = 0;
    const double sn = boost::math::jacobi_elliptic(std::sqrt(0.51), t, &cn, &dn);
    return {sn, cn, dn};
  }
};

}  // namespace odeflow::test::detest
