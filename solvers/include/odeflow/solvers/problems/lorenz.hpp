// Built-in problem: the Lorenz-63 system and its parameter study (the ensemble benchmark's protocol).
#pragma once

#include <odeflow/solvers/simd.hpp>

#include <Kokkos_Core.hpp>

namespace odeflow {

/// Lorenz-63: x' = sigma (y - x), y' = x (rho - z) - y, z' = x y - beta z. A field in
/// the sense of integrate(): `f(t, u, du)`, device-callable, any state type indexable by [].
template <class T>
struct Lorenz63 {
  T sigma = T(10);       ///< Prandtl number
  T rho = T(28);         ///< Rayleigh number (the parameter the study varies)
  T beta = T(8) / T(3);  ///< geometric factor
  /// du = f(t, u) for the state u = (x, y, z); the time is unused.
  template <class TT, class Y, class DY>
  KOKKOS_FUNCTION void operator()(TT, const Y& u, DY& du) const {
    du[0] = sigma * (u[1] - u[0]);
    du[1] = u[0] * (rho - u[2]) - u[1];
    du[2] = u[0] * u[1] - beta * u[2];
  }
};

/// Lorenz-63 with sigma = 10 and beta = 8/3 fixed and rho per trajectory: the field of
/// LorenzParameterStudy. Bitwise the same as Lorenz63 with those values; one member instead of
/// three, so that a host SIMD pack of W trajectories loads one parameter per lane, not three
/// (PerTrajectory reads the members in the time loop). T may be a Pack: see LorenzParameterStudy::lanes.
/// Aggregate without default member initialiser, and the study indexes with int: both shapes
/// measured faster with GCC 16 on the ensemble benchmark (fixed-step Tsit5, one thread:
/// 1.89e8 trajectory-steps/s, against 1.74e8 with long indices, 1.53e8 with long indices and
/// `T rho = T(28)`, and 1.38e8 with Lorenz63's three members; the code generation was not
/// analysed further).
template <class T>
struct LorenzRho {
  T rho;  ///< Rayleigh number (no default: always initialised by the study)
  /// du = f(t, u) as Lorenz63 with sigma 10, beta 8/3.
  template <class TT, class Y, class DY>
  KOKKOS_FUNCTION void operator()(TT, const Y& u, DY& du) const {
    du[0] = T(10) * (u[1] - u[0]);
    du[1] = u[0] * (rho - u[2]) - u[1];
    du[2] = u[0] * u[1] - T(8) / T(3) * u[2];
  }
};

/// The Lorenz parameter study of the DiffEqGPU paper (arXiv 2304.06835): trajectory i of
/// n has rho_i = rho0 + (rho1 - rho0) i / (n - 1) (rho0 for n = 1), sigma 10, beta 8/3.
/// A problem in the sense of solve_ensemble(): `study(i)` is trajectory i's field.
template <class T>
struct LorenzParameterStudy {
  long n = 1;       ///< number of trajectories
  T rho0 = T(0);    ///< rho of trajectory 0
  T rho1 = T(21);   ///< rho of trajectory n - 1
  /// rho_i of trajectory i.
  KOKKOS_FUNCTION T rho(int i) const { return rho0 + (rho1 - rho0) * T(i) / T(n > 1 ? n - 1 : 1); }
  /// Trajectory i's field (Lorenz63 with sigma 10, beta 8/3 and rho_i).
  KOKKOS_FUNCTION LorenzRho<T> operator()(int i) const { return LorenzRho<T>{rho(i)}; }
  /// The field of trajectories i0 .. i0 + W - 1 in the lanes of a host SIMD pack (indices
  /// past n - 1 repeat n - 1): LorenzRho over Pack<T, W>, each lane bitwise trajectory i's
  /// field. PerTrajectory calls it with whole packs of states, so that the stage states
  /// stay in registers (see solve_ensemble()).
  template <int W>
  KOKKOS_FUNCTION LorenzRho<Pack<T, W>> lanes(int i0, int n) const {
    LorenzRho<Pack<T, W>> f;
    for (int l = 0; l < W; ++l) f.rho.v[l] = rho(i0 + l < n ? i0 + l : n - 1);
    return f;
  }
};

}  // namespace odeflow
