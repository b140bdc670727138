// Lane packs for host SIMD ensembles, and the lane-generic maths the solver core is written in.
#pragma once

#include <Kokkos_BitManipulation.hpp>
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
  /// Scalar of a lane.
  using value_type = T;
  /// Number of lanes W.
  static constexpr int width = W;
  /// The lanes.
  T v[W];

  Pack() = default;
  /// Broadcast: every lane x.
  KOKKOS_FORCEINLINE_FUNCTION constexpr Pack(T x) {  // NOLINT: broadcast on purpose
    for (int l = 0; l < W; ++l) v[l] = x;
  }
  /// Lane-wise conversion (masks of other widths, counters).
  template <class U>
  KOKKOS_FORCEINLINE_FUNCTION constexpr explicit Pack(const Pack<U, W>& o) {
    for (int l = 0; l < W; ++l) v[l] = T(o.v[l]);
  }
  /// Lane l.
  KOKKOS_FORCEINLINE_FUNCTION constexpr T& operator[](int l) { return v[l]; }
  /// Lane l.
  KOKKOS_FORCEINLINE_FUNCTION constexpr const T& operator[](int l) const { return v[l]; }
};

/// Whether V is a Pack.
template <class V>
struct is_pack : std::false_type {};
/// Whether V is a Pack (the trait).
template <class T, int W>
struct is_pack<Pack<T, W>> : std::true_type {};
/// Whether V is a Pack.
template <class V>
inline constexpr bool is_pack_v = is_pack<V>::value;

/// Lanes of a value type: W for Pack<T, W>, 1 for a scalar.
template <class V>
inline constexpr int lanes_v = 1;
/// W for Pack<T, W>.
template <class T, int W>
inline constexpr int lanes_v<Pack<T, W>> = W;

/// The scalar of a value type.
template <class V>
struct scalar_of {
  /// V itself for a scalar.
  using type = V;
};
/// The scalar of Pack<T, W>: T.
template <class T, int W>
struct scalar_of<Pack<T, W>> {
  /// T.
  using type = T;
};
/// The scalar of V (T for Pack<T, W>, V for a scalar).
template <class V>
using scalar_t = typename scalar_of<V>::type;

/// V with its scalar replaced by U (Pack<T, W> -> Pack<U, W>, T -> U).
template <class V, class U>
struct rebind {
  /// U for a scalar.
  using type = U;
};
/// Pack<T, W> rebound to U: Pack<U, W>.
template <class T, int W, class U>
struct rebind<Pack<T, W>, U> {
  /// Pack<U, W>.
  using type = Pack<U, W>;
};
/// V with its scalar replaced by U.
template <class V, class U>
using rebind_t = typename rebind<V, U>::type;

namespace detail {
template <class T>
struct mask_lane {
  using type = std::conditional_t<sizeof(T) == 8, long long, std::conditional_t<sizeof(T) == 4, int, T>>;
};
}  // namespace detail

/// Mask type of V: bool for a scalar; for Pack<T, W>, W integers (0 or 1) as wide as T,
/// so that comparisons and selects stay in one vector register width.
template <class V>
struct mask_of {
  /// bool for a scalar.
  using type = bool;
};
/// The mask of Pack<T, W>: a pack of integers as wide as T (0 or all ones per lane).
template <class T, int W>
struct mask_of<Pack<T, W>> {
  /// Pack of integers of T's width.
  using type = Pack<typename detail::mask_lane<T>::type, W>;
};
/// The mask type of V (bool for a scalar).
template <class V>
using mask_t = typename mask_of<V>::type;

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

/// Lane-wise negation.
template <class T, int W>
KOKKOS_FORCEINLINE_FUNCTION Pack<T, W> operator-(const Pack<T, W>& a) {
  Pack<T, W> r;
  ODEFLOW_SIMD_LOOP for (int l = 0; l < W; ++l) r.v[l] = -a.v[l];
  return r;
}
/// Lane-wise logical not of an integer mask pack (0 or 1 per lane).
template <class I, int W, class = std::enable_if_t<std::is_integral_v<I>>>
KOKKOS_FORCEINLINE_FUNCTION Pack<I, W> operator!(const Pack<I, W>& a) {
  Pack<I, W> r;
  ODEFLOW_SIMD_LOOP for (int l = 0; l < W; ++l) r.v[l] = a.v[l] == I(0) ? I(1) : I(0);
  return r;
}

#define ODEFLOW_PACK_COMPARE(OP)                                                               \
  template <class T, int W>                                                                    \
  KOKKOS_FORCEINLINE_FUNCTION mask_t<Pack<T, W>> operator OP(const Pack<T, W>& a,     \
                                                              const Pack<T, W>& b) {   \
    using I = typename detail::mask_lane<T>::type;                                             \
    mask_t<Pack<T, W>> r;                                                                      \
    ODEFLOW_SIMD_LOOP for (int l = 0; l < W; ++l) r.v[l] = (a.v[l] OP b.v[l]) ? I(1) : I(0);   \
    return r;                                                                                  \
  }                                                                                            \
  template <class T, int W, class U, class = std::enable_if_t<std::is_arithmetic_v<U>>>        \
  KOKKOS_FORCEINLINE_FUNCTION mask_t<Pack<T, W>> operator OP(const Pack<T, W>& a, U b) { \
    return a OP Pack<T, W>(T(b));                                                              \
  }                                                                                            \
  template <class T, int W, class U, class = std::enable_if_t<std::is_arithmetic_v<U>>>        \
  KOKKOS_FORCEINLINE_FUNCTION mask_t<Pack<T, W>> operator OP(U a, const Pack<T, W>& b) { \
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

/// Lane l of x (x itself for a scalar), as a reference.
template <class V>
KOKKOS_FORCEINLINE_FUNCTION constexpr auto& lane(V& x, int l) {
  if constexpr (is_pack_v<std::remove_const_t<V>>) {
    return x.v[l];
  } else {
    (void)l;
    return x;
  }
}

/// Whether the (scalar) mask is set.
KOKKOS_FORCEINLINE_FUNCTION constexpr bool any(bool m) { return m; }
/// Whether the (scalar) mask is set.
KOKKOS_FORCEINLINE_FUNCTION constexpr bool all(bool m) { return m; }
// Bitwise reductions without short-circuits, so that they vectorise.
/// Whether any lane of the mask is set (a bitwise reduction without short-circuit, so that it vectorises).
template <class I, int W>
KOKKOS_FORCEINLINE_FUNCTION constexpr bool any(const Pack<I, W>& m) {
  I r = 0;
  for (int l = 0; l < W; ++l) r |= m.v[l];
  return r != I(0);
}
/// Whether every lane of the mask is set (a bitwise reduction without short-circuit).
template <class I, int W>
KOKKOS_FORCEINLINE_FUNCTION constexpr bool all(const Pack<I, W>& m) {
  I r = 1;
  for (int l = 0; l < W; ++l) r &= m.v[l];
  return r != I(0);
}

/// m ? a : b per lane.
template <class V>
KOKKOS_FORCEINLINE_FUNCTION constexpr V select(bool m, const V& a, const V& b) {
  return m ? a : b;
}
/// m ? a : b per lane of a pack.
template <class I, class T, int W>
KOKKOS_FORCEINLINE_FUNCTION Pack<T, W> select(const Pack<I, W>& m, const Pack<T, W>& a,
                                              const Pack<T, W>& b) {
  Pack<T, W> r;
  ODEFLOW_SIMD_LOOP for (int l = 0; l < W; ++l) r.v[l] = m.v[l] != I(0) ? a.v[l] : b.v[l];
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

namespace detail {
// Bit casts the vectoriser sees through (Kokkos::bit_cast is a memcpy some compilers keep).
// (nvcc treats the builtin as a host function: CUDA builds use Kokkos::bit_cast.)
#if defined(__has_builtin) && !defined(__CUDACC__)
#if __has_builtin(__builtin_bit_cast)
#define ODEFLOW_BUILTIN_BIT_CAST 1
#endif
#endif
KOKKOS_FORCEINLINE_FUNCTION unsigned long long as_bits(double x) {
#ifdef ODEFLOW_BUILTIN_BIT_CAST
  return __builtin_bit_cast(unsigned long long, x);
#else
  return Kokkos::bit_cast<unsigned long long>(x);
#endif
}
KOKKOS_FORCEINLINE_FUNCTION double as_double(unsigned long long b) {
#ifdef ODEFLOW_BUILTIN_BIT_CAST
  return __builtin_bit_cast(double, b);
#else
  return Kokkos::bit_cast<double>(b);
#endif
}

/// b if a < b else a: a plain compare-and-select that vectorises (fmax is a library call).
/// Not NaN-symmetric: max(NaN, b) is NaN, max(a, NaN) is a. The solver checks finiteness apart.
template <class T>
KOKKOS_FORCEINLINE_FUNCTION T max_sel(T a, T b) { return a < b ? b : a; }
template <class T>
KOKKOS_FORCEINLINE_FUNCTION T min_sel(T a, T b) { return b < a ? b : a; }

/// x^y for x >= 0 and |y ln x| < 700, as exp(y ln x) with odeflow's own branch-free
/// logarithm and exponential (relative error below 1e-14), computed in double.
/// Used only for step-size factors, where it replaces a library call that does not
/// vectorise; the same code runs in scalar, SIMD and device solves, so that all
/// paths choose bitwise the same steps.
KOKKOS_FORCEINLINE_FUNCTION double exp_log_pow(double x, double y) {
  constexpr double ln2_hi = 6.93147180369123816490e-01, ln2_lo = 1.90821492927058770002e-10;
  // ln x = e ln 2 + ln m, m in [sqrt(1/2), sqrt(2)): ln m = 2 atanh(s), s = (m - 1)/(m + 1).
  // Integer <-> double conversions go through the 2^52 "magic number" so that the
  // loop over SIMD lanes vectorises without 64-bit integer conversion instructions.
  constexpr double two52 = 4503599627370496.0;
  // Only integer selects: an FP operation under a condition may trap, which blocks if-conversion.
  const auto bits = as_bits(x);
  const unsigned long long mant = bits & 0x000fffffffffffffULL;
  const unsigned long long big = mant > 0x6a09e667f3bccULL ? 1ULL : 0ULL;  // m > sqrt(2): halve it
  const double e = as_double(((bits >> 52) + big) | 0x4330000000000000ULL) - two52 - 1023.0;
  const double m = as_double(mant | ((0x3ffULL - big) << 52));
  const double sv = (m - 1.0) / (m + 1.0), s2 = sv * sv;
  double p = 1.0 / 19.0;
  p = p * s2 + 1.0 / 17.0;
  p = p * s2 + 1.0 / 15.0;
  p = p * s2 + 1.0 / 13.0;
  p = p * s2 + 1.0 / 11.0;
  p = p * s2 + 1.0 / 9.0;
  p = p * s2 + 1.0 / 7.0;
  p = p * s2 + 1.0 / 5.0;
  p = p * s2 + 1.0 / 3.0;
  p = p * s2 + 1.0;
  const double lnm = 2.0 * sv * p;
  double z = y * (e * ln2_hi + (e * ln2_lo + lnm));
  z = min_sel(max_sel(z, -700.0), 700.0);
  // e^z = 2^k e^r, |r| <= ln(2)/2.
  constexpr double round_magic = 6755399441055744.0;  // 1.5 * 2^52: round to nearest even
  const double kf = (z * 1.44269504088896340736 + round_magic) - round_magic;
  const double r = (z - kf * ln2_hi) - kf * ln2_lo;
  double q = 1.0 / 6227020800.0;  // 1/13!
  q = q * r + 1.0 / 479001600.0;
  q = q * r + 1.0 / 39916800.0;
  q = q * r + 1.0 / 3628800.0;
  q = q * r + 1.0 / 362880.0;
  q = q * r + 1.0 / 40320.0;
  q = q * r + 1.0 / 5040.0;
  q = q * r + 1.0 / 720.0;
  q = q * r + 1.0 / 120.0;
  q = q * r + 1.0 / 24.0;
  q = q * r + 1.0 / 6.0;
  q = q * r + 0.5;
  q = q * r + 1.0;
  q = q * r + 1.0;
  // 2^k: the bits of k + 1023 + 2^52 hold k + 1023 in their low part.
  const auto kb = as_bits(kf + (two52 + 1023.0)) & 0x7ffULL;
  return q * as_double(kb << 52);
}
}  // namespace detail

/// max(a, b) of scalars by comparison (a when either is NaN): no library call.
template <class T>
KOKKOS_FORCEINLINE_FUNCTION auto max(T a, T b) -> std::enable_if_t<!is_pack_v<T>, T> {
  return detail::max_sel(a, b);
}
/// Lane-wise max by compare-select, as the scalar version.
template <class T, int W>
KOKKOS_FORCEINLINE_FUNCTION Pack<T, W> max(const Pack<T, W>& a, const Pack<T, W>& b) {
  Pack<T, W> r;
  ODEFLOW_SIMD_LOOP for (int l = 0; l < W; ++l) r.v[l] = detail::max_sel(a.v[l], b.v[l]);
  return r;
}
/// min(a, b) of scalars by comparison (a when either is NaN): no library call.
template <class T>
KOKKOS_FORCEINLINE_FUNCTION auto min(T a, T b) -> std::enable_if_t<!is_pack_v<T>, T> {
  return detail::min_sel(a, b);
}
/// Lane-wise min by compare-select, as the scalar version.
template <class T, int W>
KOKKOS_FORCEINLINE_FUNCTION Pack<T, W> min(const Pack<T, W>& a, const Pack<T, W>& b) {
  Pack<T, W> r;
  ODEFLOW_SIMD_LOOP for (int l = 0; l < W; ++l) r.v[l] = detail::min_sel(a.v[l], b.v[l]);
  return r;
}
/// x^y for step-size factors (x >= 0): detail::exp_log_pow, identical on every path.
template <class T>
KOKKOS_FORCEINLINE_FUNCTION auto pow(T x, T y) -> std::enable_if_t<!is_pack_v<T>, T> {
  return T(detail::exp_log_pow(double(x), double(y)));
}
/// Lane-wise x^y, the same function as the scalar pow.
template <class T, int W>
KOKKOS_FORCEINLINE_FUNCTION Pack<T, W> pow(const Pack<T, W>& x, const Pack<T, W>& y) {
  Pack<T, W> r;
  ODEFLOW_SIMD_LOOP for (int l = 0; l < W; ++l) r.v[l] = T(detail::exp_log_pow(double(x.v[l]), double(y.v[l])));
  return r;
}

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
/// Lane-wise a * b + c, fused as the scalar fma.
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

/// Whether x is finite (not NaN or infinite).
template <class T>
KOKKOS_FORCEINLINE_FUNCTION auto isfinite(T x) -> std::enable_if_t<!is_pack_v<T>, bool> {
  return Kokkos::isfinite(x);
}
/// Lane-wise isfinite, as a mask.
template <class T, int W>
KOKKOS_FORCEINLINE_FUNCTION mask_t<Pack<T, W>> isfinite(const Pack<T, W>& x) {
  // x - x is 0 for finite x and NaN otherwise: vectorises where isfinite may not.
  return (x - x) == T(0);
}

}  // namespace simd

/// Lane l of a vector of packs, seen as one trajectory's vector: `[k]` is lane l
/// of component k (pack k * stride). Lets a per-trajectory field run on pack storage.
template <class P>
struct LaneView {
  /// First pack of the vector.
  P* base;
  /// Distance in packs between consecutive components.
  std::ptrdiff_t stride;
  /// The lane.
  int l;
  /// Component k of lane l.
  KOKKOS_FORCEINLINE_FUNCTION auto& operator[](int k) const { return base[k * stride].v[l]; }
};

}  // namespace odeflow
