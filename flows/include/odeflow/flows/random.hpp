// Counter-based random numbers (Philox-4x32-10): draws keyed by (seed, stream, index, draw), independent of scheduling.
//
// Source: J. K. Salmon, M. A. Moraes, R. O. Dror, D. E. Shaw, "Parallel random numbers:
// as easy as 1, 2, 3", SC'11, doi:10.1145/2063384.2063405 (Random123). Known-answer
// vectors of Random123's kat_vectors are checked in tests/flows/test_random.cpp.
#pragma once

#include <Kokkos_Array.hpp>
#include <Kokkos_Macros.hpp>
#include <Kokkos_MathematicalConstants.hpp>
#include <Kokkos_MathematicalFunctions.hpp>

#include <cstdint>

namespace odeflow {

/// Philox-4x32-10, the bijection of Random123: 128-bit counter and 64-bit key to
/// 128 random bits. Pure function: callable from any kernel.
KOKKOS_INLINE_FUNCTION Kokkos::Array<std::uint32_t, 4> philox4x32_10(
    Kokkos::Array<std::uint32_t, 4> ctr, Kokkos::Array<std::uint32_t, 2> key) {
  constexpr std::uint64_t m0 = 0xD2511F53u, m1 = 0xCD9E8D57u;
  constexpr std::uint32_t w0 = 0x9E3779B9u, w1 = 0xBB67AE85u;
  for (int r = 0; r < 10; ++r) {
    if (r > 0) {
      key[0] += w0;
      key[1] += w1;
    }
    const std::uint64_t p0 = m0 * ctr[0];
    const std::uint64_t p1 = m1 * ctr[2];
    ctr = {static_cast<std::uint32_t>(p1 >> 32) ^ ctr[1] ^ key[0], static_cast<std::uint32_t>(p1),
           static_cast<std::uint32_t>(p0 >> 32) ^ ctr[3] ^ key[1], static_cast<std::uint32_t>(p0)};
  }
  return ctr;
}

/// Uniform in [0, 1) from 32 random bits (float: 24 bits; double: 32 bits).
template <class T>
KOKKOS_FUNCTION T uniform_from_bits(std::uint32_t a) {
  if constexpr (sizeof(T) <= 4) {
    return static_cast<T>(a >> 8) * T(1.0f / 16777216.0f);
  } else {
    return static_cast<T>(a) * T(1.0 / 4294967296.0);
  }
}

/// Uniform in [0, 1) from 64 random bits (53 bits for double, 24 for float).
template <class T>
KOKKOS_FUNCTION T uniform_from_bits(std::uint32_t hi, std::uint32_t lo) {
  if constexpr (sizeof(T) <= 4) {
    return uniform_from_bits<T>(hi);
  } else {
    const std::uint64_t x = ((static_cast<std::uint64_t>(hi) << 32) | lo) >> 11;
    return static_cast<T>(x) * T(1.0 / 9007199254740992.0);
  }
}

/// A counter-based generator: every draw is a pure function of (seed, stream,
/// index, draw), so a sample's numbers do not depend on the batch it is in, the
/// thread that draws them or the order of the draws.
///
/// Layout: Philox key = seed; counter = (index low, index high, draw, stream).
/// Conventions used across odeflow: `index` is the sample (or parameter) index,
/// `draw` counts blocks of 128 bits used by that sample, `stream` separates
/// independent uses (initialisation, data, noise, time) under one seed.
///
/// Trivially copyable; copy it into kernels by value.
struct CounterRng {
  /// Philox key: the run's seed.
  std::uint64_t seed = 0;
  /// Separates independent uses under one seed (initialisation, data, noise, time).
  std::uint32_t stream = 0;

  /// The 128 random bits of block (index, draw).
  KOKKOS_FUNCTION Kokkos::Array<std::uint32_t, 4> bits(std::uint64_t index,
                                                       std::uint32_t draw) const {
    return philox4x32_10({static_cast<std::uint32_t>(index), static_cast<std::uint32_t>(index >> 32),
                          draw, stream},
                         {static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)});
  }

  /// Two independent uniforms in [0, 1) from block (index, draw).
  template <class T>
  KOKKOS_FUNCTION Kokkos::Array<T, 2> uniform2(std::uint64_t index, std::uint32_t draw) const {
    const auto b = bits(index, draw);
    return {uniform_from_bits<T>(b[0], b[1]), uniform_from_bits<T>(b[2], b[3])};
  }

  /// One uniform in [0, 1) from block (index, draw).
  template <class T>
  KOKKOS_FUNCTION T uniform(std::uint64_t index, std::uint32_t draw) const {
    return uniform2<T>(index, draw)[0];
  }

  /// Two independent standard normals from block (index, draw), by Box-Muller:
  /// r = sqrt(-2 log(1 - u1)), (r cos 2 pi u2, r sin 2 pi u2). 1 - u1 lies in (0, 1], so the
  /// logarithm is finite; the largest magnitude is sqrt(2 * 53 log 2) ~ 8.6 (double).
  template <class T>
  KOKKOS_FUNCTION Kokkos::Array<T, 2> normal2(std::uint64_t index, std::uint32_t draw) const {
    const auto u = uniform2<T>(index, draw);
    const T r = Kokkos::sqrt(T(-2) * Kokkos::log(T(1) - u[0]));
    const T th = T(2) * Kokkos::numbers::pi_v<T> * u[1];
    return {r * Kokkos::cos(th), r * Kokkos::sin(th)};
  }

  /// Standard normal number k of sample `index` (blocks draw0 + k / 2 hold numbers 2j, 2j+1).
  template <class T>
  KOKKOS_FUNCTION T normal(std::uint64_t index, std::uint32_t draw0, int k) const {
    return normal2<T>(index, draw0 + static_cast<std::uint32_t>(k / 2))[k % 2];
  }

  /// The same generator on another stream.
  KOKKOS_FUNCTION CounterRng with_stream(std::uint32_t s) const { return CounterRng{seed, s}; }
};

}  // namespace odeflow
