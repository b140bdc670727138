// Lane packs for host SIMD ensembles, and the lane-generic maths the solver core is written in.
#pragma once

#include <Kokkos_MathematicalFunctions.hpp>
#include <Kokkos_Macros.hpp>

#include <cstddef>
#include <type_traits>

#if defined(_OPENMP) && !defined(__CUDA_ARCH__) && !defined(__HIP_DEVICE_COMPILE__)
#define ODEFLOW_SIMD_LOOP _Pragma("omp simd")
#else
#define ODEFLOW_SIMD_LOOP
#endif

namespace odeflow {

/// W lanes of T, one trajectory per lane, with element-wise arithmetic. The
/// solver core is written once over a value type V that is either a scalar T
/// (one trajectory: device solves, GPU ensembles) or Pack<T, W> (W neighbouring
/// trajectories in SIMD lanes: host ensembles). Every lane does exactly the
/// arithmetic a scalar solve of that trajectory would do.
template <class T, int W>
struct Pack {
  using value_type = T;
  static constexpr int width = W;
  T v[W];

  Pack() = default;
  KOKKOS_FORCEINLINE_FUNCTION constexpr Pack(T x) {  // NOLINT: broadcast on purpose
    for (int l = 0; l < W; ++l) v[l] = x;
  }
  KOKKOS_FORCEINLINE_FUNCTION constexpr T& operator[](int l) { return v[l]; }
  KOKKOS_FORCEINLINE_FUNCTION constexpr const T& operator[](int l) const { return v[l]; }
};

template <class V>
struct is_pack : std::false_type {};
template <class T, int W>
struct is_pack<Pack<T, W>> : std::true_type {};
template <class V>
inline constexpr bool is_pack_v = is_pack<V>::value;

/// Lanes of a value type: W for Pack<T, W>, 1 for a scalar.
template <class V>
inline constexpr int lanes_v = 1;
template <class T, int W>
inline constexpr int lanes_v<Pack<T, W>> = W;

/// The scalar of a value type.
template <class V>
struct scalar_of {
  using type = V;
};
template <class T, int W>
struct scalar_of<Pack<T, W>> {
  using type = T;
};
template <class V>
using scalar_t = typename scalar_of<V>::type;

/// V with its scalar replaced by U (Pack<T, W> -> Pack<U, W>, T -> U).
template <class V, class U>
struct rebind {
  using type = U;
};
template <class T, int W, class U>
struct rebind<Pack<T, W>, U> {
  using type = Pack<U, W>;
};
template <class V, class U>
using rebind_t = typename rebind<V, U>::type;

/// Mask type of V: bool per lane.
template <class V>
using mask_t = rebind_t<V, bool>;

#define ODEFLOW_PACK_BINARY(OP)                                                               \
  template <class T, int W>                                                                   \
  KOKKOS_FORCEINLINE_FUNCTION Pack<T, W> operator OP(const Pack<T, W>& a,           \
                                                               const Pack<T, W>& b) {         \
    Pack<T, W> r;                                                                             \
    ODEFLOW_SIMD_LOOP for (int l = 0; l < W; ++l) r.v[l] = a.v[l] OP b.v[l];                  \
    return r;                                                                                 \
  }                                                                                           \
  template <class T, int W, class U, class = std::enable_if_t<std::is_arithmetic_v<U>>>       \
  KOKKOS_FORCEINLINE_FUNCTION Pack<T, W> operator OP(const Pack<T, W>& a, U b) {    \
    return a OP Pack<T, W>(T(b));                                                             \
  }                                                                                           \
  template <class T, int W, class U, class = std::enable_if_t<std::is_arithmetic_v<U>>>       \
  KOKKOS_FORCEINLINE_FUNCTION Pack<T, W> operator OP(U a, const Pack<T, W>& b) {    \
    return Pack<T, W>(T(a)) OP b;                                                             \
  }                                                                                           \
  template <class T, int W, class U>                                                          \
  KOKKOS_FORCEINLINE_FUNCTION Pack<T, W>& operator OP##=(Pack<T, W>& a, const U& b) { \
    a = a OP b;                                                                               \
    return a;                                                                                 \
  }
ODEFLOW_PACK_BINARY(+)
ODEFLOW_PACK_BINARY(-)
ODEFLOW_PACK_BINARY(*)
ODEFLOW_PACK_BINARY(/)
ODEFLOW_PACK_BINARY(&)
ODEFLOW_PACK_BINARY(|)
#undef ODEFLOW_PACK_BINARY

template <class T, int W>
KOKKOS_FORCEINLINE_FUNCTION Pack<T, W> operator-(const Pack<T, W>& a) {
  Pack<T, W> r;
  ODEFLOW_SIMD_LOOP for (int l = 0; l < W; ++l) r.v[l] = -a.v[l];
  return r;
}
template <int W>
KOKKOS_FORCEINLINE_FUNCTION Pack<bool, W> operator!(const Pack<bool, W>& a) {
  Pack<bool, W> r;
  ODEFLOW_SIMD_LOOP for (int l = 0; l < W; ++l) r.v[l] = !a.v[l];
  return r;
}

#define ODEFLOW_PACK_COMPARE(OP)                                                               \
  template <class T, int W>                                                                    \
  KOKKOS_FORCEINLINE_FUNCTION Pack<bool, W> operator OP(const Pack<T, W>& a,         \
                                                                  const Pack<T, W>& b) {       \
    Pack<bool, W> r;                                                                           \
    ODEFLOW_SIMD_LOOP for (int l = 0; l < W; ++l) r.v[l] = a.v[l] OP b.v[l];                   \
    return r;                                                                                  \
  }                                                                                            \
  template <class T, int W, class U, class = std::enable_if_t<std::is_arithmetic_v<U>>>        \
  KOKKOS_FORCEINLINE_FUNCTION Pack<bool, W> operator OP(const Pack<T, W>& a, U b) {  \
    return a OP Pack<T, W>(T(b));                                                              \
  }                                                                                            \
  template <class T, int W, class U, class = std::enable_if_t<std::is_arithmetic_v<U>>>        \
  KOKKOS_FORCEINLINE_FUNCTION Pack<bool, W> operator OP(U a, const Pack<T, W>& b) {  \
    return Pack<T, W>(T(a)) OP b;                                                              \
  }
ODEFLOW_PACK_COMPARE(<)
ODEFLOW_PACK_COMPARE(<=)
ODEFLOW_PACK_COMPARE(>)
ODEFLOW_PACK_COMPARE(>=)
ODEFLOW_PACK_COMPARE(==)
ODEFLOW_PACK_COMPARE(!=)
#undef ODEFLOW_PACK_COMPARE

/// Lane-generic operations: the same name works on scalars and packs.
namespace simd {

template <class V>
KOKKOS_FORCEINLINE_FUNCTION constexpr auto& lane(V& x, int l) {
  if constexpr (is_pack_v<std::remove_const_t<V>>) {
    return x.v[l];
  } else {
    (void)l;
    return x;
  }
}

KOKKOS_FORCEINLINE_FUNCTION constexpr bool any(bool m) { return m; }
KOKKOS_FORCEINLINE_FUNCTION constexpr bool all(bool m) { return m; }
template <int W>
KOKKOS_FORCEINLINE_FUNCTION constexpr bool any(const Pack<bool, W>& m) {
  bool r = false;
  for (int l = 0; l < W; ++l) r = r || m.v[l];
  return r;
}
template <int W>
KOKKOS_FORCEINLINE_FUNCTION constexpr bool all(const Pack<bool, W>& m) {
  bool r = true;
  for (int l = 0; l < W; ++l) r = r && m.v[l];
  return r;
}

/// m ? a : b per lane.
template <class V>
KOKKOS_FORCEINLINE_FUNCTION constexpr V select(bool m, const V& a, const V& b) {
  return m ? a : b;
}
template <class T, int W>
KOKKOS_FORCEINLINE_FUNCTION Pack<T, W> select(const Pack<bool, W>& m, const Pack<T, W>& a,
                                                        const Pack<T, W>& b) {
  Pack<T, W> r;
  ODEFLOW_SIMD_LOOP for (int l = 0; l < W; ++l) r.v[l] = m.v[l] ? a.v[l] : b.v[l];
  return r;
}

#define ODEFLOW_SIMD_UNARY(NAME, KFN)                                              \
  template <class T>                                                               \
  KOKKOS_FORCEINLINE_FUNCTION auto NAME(T x) -> std::enable_if_t<!is_pack_v<T>, T> { \
    return KFN(x);                                                                 \
  }                                                                                \
  template <class T, int W>                                                        \
  KOKKOS_FORCEINLINE_FUNCTION Pack<T, W> NAME(const Pack<T, W>& x) {               \
    Pack<T, W> r;                                                                  \
    ODEFLOW_SIMD_LOOP for (int l = 0; l < W; ++l) r.v[l] = KFN(x.v[l]);            \
    return r;                                                                      \
  }
ODEFLOW_SIMD_UNARY(abs, Kokkos::fabs)
ODEFLOW_SIMD_UNARY(sqrt, Kokkos::sqrt)
ODEFLOW_SIMD_UNARY(round, Kokkos::round)
ODEFLOW_SIMD_UNARY(ceil, Kokkos::ceil)
#undef ODEFLOW_SIMD_UNARY

#define ODEFLOW_SIMD_BINARY(NAME, KFN)                                                       \
  template <class T>                                                                         \
  KOKKOS_FORCEINLINE_FUNCTION auto NAME(T a, T b) -> std::enable_if_t<!is_pack_v<T>, T> {     \
    return KFN(a, b);                                                                        \
  }                                                                                          \
  template <class T, int W>                                                                  \
  KOKKOS_FORCEINLINE_FUNCTION Pack<T, W> NAME(const Pack<T, W>& a, const Pack<T, W>& b) {    \
    Pack<T, W> r;                                                                            \
    ODEFLOW_SIMD_LOOP for (int l = 0; l < W; ++l) r.v[l] = KFN(a.v[l], b.v[l]);              \
    return r;                                                                                \
  }
ODEFLOW_SIMD_BINARY(max, Kokkos::fmax)
ODEFLOW_SIMD_BINARY(min, Kokkos::fmin)
ODEFLOW_SIMD_BINARY(pow, Kokkos::pow)
#undef ODEFLOW_SIMD_BINARY

#if defined(__FMA__) || defined(__CUDA_ARCH__) || defined(__HIP_DEVICE_COMPILE__) || \
    defined(__aarch64__) || defined(__ARM_FEATURE_FMA)
#define ODEFLOW_HAS_FAST_FMA 1
#endif

/// a * b + c, fused where the target has a fused multiply-add instruction (one
/// rounding), else a multiply and an add. Written out explicitly so that the
/// solver's results do not depend on how the compiler contracts expressions
/// (see ODEFLOW_STRICT_FP in docs/solvers.md): scalar and SIMD paths round alike.
template <class T>
KOKKOS_FORCEINLINE_FUNCTION auto fma(T a, T b, T c) -> std::enable_if_t<!is_pack_v<T>, T> {
#ifdef ODEFLOW_HAS_FAST_FMA
  return Kokkos::fma(a, b, c);
#else
  return a * b + c;
#endif
}
template <class T, int W>
KOKKOS_FORCEINLINE_FUNCTION Pack<T, W> fma(const Pack<T, W>& a, const Pack<T, W>& b, const Pack<T, W>& c) {
  Pack<T, W> r;
#ifdef ODEFLOW_HAS_FAST_FMA
  ODEFLOW_SIMD_LOOP for (int l = 0; l < W; ++l) r.v[l] = Kokkos::fma(a.v[l], b.v[l], c.v[l]);
#else
  ODEFLOW_SIMD_LOOP for (int l = 0; l < W; ++l) r.v[l] = a.v[l] * b.v[l] + c.v[l];
#endif
  return r;
}

template <class T>
KOKKOS_FORCEINLINE_FUNCTION auto isfinite(T x) -> std::enable_if_t<!is_pack_v<T>, bool> {
  return Kokkos::isfinite(x);
}
template <class T, int W>
KOKKOS_FORCEINLINE_FUNCTION Pack<bool, W> isfinite(const Pack<T, W>& x) {
  Pack<bool, W> r;
  // x - x is 0 for finite x and NaN otherwise: vectorises where isfinite may not.
  ODEFLOW_SIMD_LOOP for (int l = 0; l < W; ++l) r.v[l] = (x.v[l] - x.v[l]) == T(0);
  return r;
}

}  // namespace simd

/// Lane l of a vector of packs, seen as one trajectory's vector: `[k]` is lane l
/// of component k (pack k * stride). Lets a per-trajectory field run on pack storage.
template <class P>
struct LaneView {
  P* base;
  std::ptrdiff_t stride;
  int l;
  KOKKOS_FORCEINLINE_FUNCTION auto& operator[](int k) const { return base[k * stride].v[l]; }
};

}  // namespace odeflow
