// Built-in problem: the Kepler two-body orbit (DETEST D-class), whose solution after whole periods is known.
#pragma once

#include <Kokkos_Core.hpp>

#include <array>
#include <cmath>
#include <numbers>

namespace odeflow {

/// Planar Kepler problem in the state (q1, q2, p1, p2): q' = p, p' = -q / |q|^3. With
/// kepler_initial_state(e) the orbit has eccentricity e and period 2 pi, so the exact
/// state at t = 2 pi k is the initial state.
struct Kepler {
  /// dy = f(t, y) for y = (q1, q2, p1, p2); the time is unused.
  template <class T, class Y, class DY>
  KOKKOS_FUNCTION void operator()(T, const Y& y, DY& dy) const {
    const auto r2 = y[0] * y[0] + y[1] * y[1];
    const auto r3 = r2 * Kokkos::sqrt(r2);
    dy[0] = y[2];
    dy[1] = y[3];
    dy[2] = -y[0] / r3;
    dy[3] = -y[1] / r3;
  }
};

/// Pericentre start of the orbit of eccentricity e in [0, 1): (1 - e, 0, 0, sqrt((1 + e) / (1 - e))).
template <class T>
std::array<T, 4> kepler_initial_state(T e) {
  return {T(1) - e, T(0), T(0), std::sqrt((T(1) + e) / (T(1) - e))};
}

}  // namespace odeflow
