// Built-in problem: the Lorenz-96 system of any dimension, as a pointwise field and as a team field.
#pragma once

#include <Kokkos_Core.hpp>

namespace odeflow {

/// Lorenz-96 (Lorenz 1996, "Predictability: a problem partly solved"): for k < d, cyclic,
/// y_k' = (y_{k+1} - y_{k-2}) y_{k-1} - y_k + F, d >= 4. Each component is computed as
/// fma(y_{k+1} - y_{k-2}, y_{k-1}, F - y_k), the same bits in both call forms:
///
/// - `f(t, y, dydt)` (integrate(), PerTrajectory): all components by the calling thread;
/// - `f(member, t, y, dydt)` (TeamPerTrajectory): components over the team's
///   TeamVectorRange, with `y` and `dydt` contiguous arrays of d scalars.
template <class T>
struct Lorenz96 {
  T forcing = T(8);  ///< F (chaotic for F >= 8 at d >= 36 or so)
  int d = 40;        ///< dimension

  /// The component formula shared by both forms.
  template <class Y>
  KOKKOS_FUNCTION T component(const Y& y, int k) const {
    const int kp1 = k + 1 < d ? k + 1 : k + 1 - d;
    const int km1 = k >= 1 ? k - 1 : k - 1 + d;
    const int km2 = k >= 2 ? k - 2 : k - 2 + d;
    return Kokkos::fma(T(y[kp1]) - T(y[km2]), T(y[km1]), forcing - T(y[k]));
  }
  /// dydt = f(t, y) by one thread (the time is unused).
  template <class TT, class Y, class DY>
  KOKKOS_FUNCTION void operator()(TT, const Y& y, DY& dydt) const {
    for (int k = 0; k < d; ++k) dydt[k] = component(y, k);
  }
  /// dydt = f(t, y) by the team of `member` (the time is unused).
  template <class Member>
  KOKKOS_FUNCTION void operator()(const Member& member, T, const T* y, T* dydt) const {
    Kokkos::parallel_for(Kokkos::TeamVectorRange(member, d), [&](int k) { dydt[k] = component(y, k); });
  }
};

/// An ensemble of Lorenz-96 systems of dimension d: trajectory i has forcing
/// F_i = f0 + (f1 - f0) i / (n - 1) (f0 for n = 1). `study(i)` is trajectory i's field.
template <class T>
struct Lorenz96Study {
  long n = 1;    ///< number of trajectories
  int d = 40;    ///< dimension
  T f0 = T(6);   ///< forcing of trajectory 0
  T f1 = T(10);  ///< forcing of trajectory n - 1
  /// Forcing F_i of trajectory i.
  KOKKOS_FUNCTION T forcing(long i) const { return f0 + (f1 - f0) * T(i) / T(n > 1 ? n - 1 : 1); }
  /// Trajectory i's field.
  KOKKOS_FUNCTION Lorenz96<T> operator()(long i) const { return Lorenz96<T>{forcing(i), d}; }
};

}  // namespace odeflow
