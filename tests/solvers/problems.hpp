// Test problems with closed-form solutions, written once for every solver test.
#pragma once

#include <Kokkos_Core.hpp>

#include <array>
#include <cmath>
#include <cstddef>

namespace odeflow::test {

/// An odeflow field F with a compile-time F::dim as a Boost.Odeint system sys(x, dxdt, t).
/// The state goes through Kokkos::Array, so the field's KOKKOS_FUNCTION call operator is
/// only ever instantiated with index types device compilers accept (std::array's
/// operator[] is a host function for nvcc).
template <class F>
struct AsOdeint {
  static constexpr std::size_t n = F::dim;
  using state = std::array<double, n>;
  F f{};
  void operator()(const state& x, state& dxdt, double t) const {
    Kokkos::Array<double, n> y, d;
    for (std::size_t k = 0; k < n; ++k) y[k] = x[k];
    f(t, y, d);
    for (std::size_t k = 0; k < n; ++k) dxdt[k] = d[k];
  }
};

/// y1' = y2, y2' = -y1 (harmonic oscillator); y(t) = (cos t, -sin t) from (1, 0).
struct Oscillator {
  static constexpr int dim = 2;
  template <class T, class Y, class DY>
  KOKKOS_FUNCTION void operator()(T, const Y& y, DY& dy) const {
    dy[0] = y[1];
    dy[1] = -y[0];
  }
  template <class T>
  static T exact(int k, T t) { return k == 0 ? std::cos(t) : -std::sin(t); }
};

/// Non-autonomous scalar problem y' = y cos t, y(0) = 1: y(t) = exp(sin t).
struct ExpSin {
  static constexpr int dim = 1;
  template <class T, class Y, class DY>
  KOKKOS_FUNCTION void operator()(T t, const Y& y, DY& dy) const {
    dy[0] = y[0] * Kokkos::cos(t);
  }
  template <class T>
  static T exact(int, T t) { return std::exp(std::sin(t)); }
};

/// y' = -2 t y^2 ... blows up: y' = y^2, y(0) = 1 has y = 1/(1 - t), singular at t = 1.
struct BlowUp {
  static constexpr int dim = 1;
  template <class T, class Y, class DY>
  KOKKOS_FUNCTION void operator()(T, const Y& y, DY& dy) const {
    dy[0] = y[0] * y[0];
  }
};

/// Oscillator that returns NaN once t passes `t_nan`.
struct NaNAfter {
  double t_nan;
  template <class T, class Y, class DY>
  KOKKOS_FUNCTION void operator()(T t, const Y& y, DY& dy) const {
    dy[0] = y[1];
    dy[1] = t > T(t_nan) ? Kokkos::Experimental::quiet_NaN<T>::value : -y[0];
  }
};

}  // namespace odeflow::test
