// Lane packs for host SIMD ensembles, and the lane-generic maths the solver core is written in.
#pragma once

#include <Kokkos_BitManipulation.hpp>
#include <Kokkos_MathematicalFunctions.hpp>
#include <Kokkos_Macros.hpp>

#include <cstddef>
#include <type_traits>

#if (defined(__GNUC__) || defined(__clang__)) && (defined(__x86_64__) || defined(__i386__)) && \
    !defined(__CUDACC__) && !defined(__HIPCC__)
#include <immintrin.h>
#endif

#if defined(_OPENMP) && !defined(__CUDA_ARCH__) && !defined(__HIP_DEVICE_COMPILE__)
#define ODEFLOW_SIMD_LOOP _Pragma("omp simd")
#else
#define ODEFLOW_SIMD_LOOP
#endif

namespace odeflow {

// Host GCC/Clang: a pack's lanes are one generic vector (vector_size), so that whole-pack
// arithmetic stays in registers instead of going through stack temporaries (the vectoriser
// handles arrays of lanes one loop at a time and spills between them). Alignment is kept at
// the scalar's, so packs sit anywhere a T array could. Device compilers use a plain array.
#if (defined(__GNUC__) || defined(__clang__)) && !defined(__CUDACC__) && !defined(__HIPCC__) && \
    !defined(__SYCL_DEVICE_ONLY__) && !defined(ODEFLOW_NO_VECTOR_EXTENSIONS)
#define ODEFLOW_PACK_VECTOR_EXT 1
#endif

namespace detail {
template <class T, int W>
struct pack_storage {
#ifdef ODEFLOW_PACK_VECTOR_EXT
  typedef T type __attribute__((vector_size(W * sizeof(T)), aligned(alignof(T))));
#else
  using type = T[W];
#endif
};
}  // namespace detail

/// W lanes of T, one trajectory per lane, with element-wise arithmetic. The
/// solver core is written once over a value type V that is either a scalar T
/// (one trajectory: device solves, GPU ensembles) or Pack<T, W> (W neighbouring
/// trajectories in SIMD lanes: host ensembles). Every lane does exactly the
/// arithmetic a scalar solve of that trajectory would do. `v[l]` is lane l.
template <class T, int W>
struct Pack {
  /// Scalar of a lane.
  using value_type = T;
  /// Number of lanes W.
  static constexpr int width = W;
  /// The lanes (a GCC vector where available, else an array).
  typename detail::pack_storage<T, W>::type v;

  Pack() = default;
  /// Broadcast: every lane x.
  KOKKOS_FORCEINLINE_FUNCTION constexpr Pack(T x) {  // NOLINT: broadcast on purpose
#ifdef ODEFLOW_PACK_VECTOR_EXT
    v = x - decltype(v){};
#else
    for (int l = 0; l < W; ++l) v[l] = x;
#endif
  }
  /// Lane-wise conversion (masks of other widths, counters).
  template <class U>
  KOKKOS_FORCEINLINE_FUNCTION constexpr explicit Pack(const Pack<U, W>& o) {
#ifdef ODEFLOW_PACK_VECTOR_EXT
    v = __builtin_convertvector(o.v, decltype(v));
#else
    for (int l = 0; l < W; ++l) v[l] = T(o.v[l]);
#endif
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

/// Mask type of V: bool for a scalar; for Pack<T, W>, W integers as wide as T, so that
/// comparisons and selects stay in one vector register width. A lane is set when it is
/// nonzero: comparisons and `!` give all ones (-1), as the hardware's vector compares do (GCC
/// then keeps masks in AVX-512 mask registers instead of converting between 0/1 vectors and
/// them at every select); a mask built from a bool, M(true), holds 1. Test lanes with `!= 0`.
template <class V>
struct mask_of {
  /// bool for a scalar.
  using type = bool;
};
/// The mask of Pack<T, W>: a pack of integers as wide as T (a lane is set when nonzero).
template <class T, int W>
struct mask_of<Pack<T, W>> {
  /// Pack of integers of T's width.
  using type = Pack<typename detail::mask_lane<T>::type, W>;
};
/// The mask type of V (bool for a scalar).
template <class V>
using mask_t = typename mask_of<V>::type;

#ifdef ODEFLOW_PACK_VECTOR_EXT
#define ODEFLOW_PACK_LANEWISE(R, EXPR_VEC, EXPR_LANE) (R).v = (EXPR_VEC)
#else
#define ODEFLOW_PACK_LANEWISE(R, EXPR_VEC, EXPR_LANE) \
  ODEFLOW_SIMD_LOOP for (int l = 0; l < W; ++l) (R).v[l] = (EXPR_LANE)
#endif

#define ODEFLOW_PACK_BINARY(OP)                                                               \
  template <class T, int W>                                                                   \
  KOKKOS_FORCEINLINE_FUNCTION Pack<T, W> operator OP(const Pack<T, W>& a,           \
                                                               const Pack<T, W>& b) {         \
    Pack<T, W> r;                                                                             \
    ODEFLOW_PACK_LANEWISE(r, a.v OP b.v, a.v[l] OP b.v[l]);                                   \
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
  ODEFLOW_PACK_LANEWISE(r, -a.v, -a.v[l]);
  return r;
}
/// Lane-wise logical not of an integer mask pack: set (nonzero) where a lane is 0.
template <class I, int W, class = std::enable_if_t<std::is_integral_v<I>>>
KOKKOS_FORCEINLINE_FUNCTION Pack<I, W> operator!(const Pack<I, W>& a) {
  Pack<I, W> r;
  // Vector comparisons give -1 (true) or 0 per lane.
  ODEFLOW_PACK_LANEWISE(r, a.v == I(0), a.v[l] == I(0) ? I(1) : I(0));
  return r;
}

#define ODEFLOW_PACK_COMPARE(OP)                                                               \
  template <class T, int W>                                                                    \
  KOKKOS_FORCEINLINE_FUNCTION mask_t<Pack<T, W>> operator OP(const Pack<T, W>& a,     \
                                                              const Pack<T, W>& b) {   \
    using I [[maybe_unused]] = typename detail::mask_lane<T>::type;                            \
    mask_t<Pack<T, W>> r;                                                                      \
    ODEFLOW_PACK_LANEWISE(r, a.v OP b.v, (a.v[l] OP b.v[l]) ? I(1) : I(0));                    \
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
#ifdef ODEFLOW_PACK_VECTOR_EXT
namespace detail {
/// OR (And = false) or AND (And = true) of the W lanes of a generic vector, by halving.
template <bool And, class I, int W, class Vec>
KOKKOS_FORCEINLINE_FUNCTION I reduce_bits(const Vec& v) {
  if constexpr (W == 1) {
    return v[0];
  } else {
    typedef I H __attribute__((vector_size(W / 2 * sizeof(I)), aligned(alignof(I))));
    H lo, hi;
    __builtin_memcpy(&lo, &v, sizeof(H));
    __builtin_memcpy(&hi, reinterpret_cast<const char*>(&v) + sizeof(H), sizeof(H));
    return reduce_bits<And, I, W / 2>(And ? H(lo & hi) : H(lo | hi));
  }
}
}  // namespace detail
#endif
// Bitwise reductions without short-circuits, so that they vectorise.
/// Whether any lane of the mask is set (a bitwise reduction without short-circuit, so that it vectorises).
template <class I, int W>
KOKKOS_FORCEINLINE_FUNCTION constexpr bool any(const Pack<I, W>& m) {
#ifdef ODEFLOW_PACK_VECTOR_EXT
  if constexpr ((W & (W - 1)) == 0) return detail::reduce_bits<false, I, W>(m.v) != I(0);
#endif
  I r = 0;
  for (int l = 0; l < W; ++l) r |= m.v[l];
  return r != I(0);
}
/// Whether every lane of the mask is set (a bitwise reduction without short-circuit).
template <class I, int W>
KOKKOS_FORCEINLINE_FUNCTION constexpr bool all(const Pack<I, W>& m) {
#ifdef ODEFLOW_PACK_VECTOR_EXT
  if constexpr ((W & (W - 1)) == 0) return detail::reduce_bits<true, I, W>(m.v) != I(0);
#endif
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
#ifdef ODEFLOW_PACK_VECTOR_EXT
  if constexpr (sizeof(I) == sizeof(T)) {
    r.v = m.v != I(0) ? a.v : b.v;
  } else {
    // Masks of another width (an int mask choosing doubles): widen or narrow it first.
    using J = std::conditional_t<sizeof(T) == 8, long long, std::conditional_t<sizeof(T) == 4, int, T>>;
    const Pack<J, W> mj(m);
    r.v = mj.v != J(0) ? a.v : b.v;
  }
#else
  ODEFLOW_SIMD_LOOP for (int l = 0; l < W; ++l) r.v[l] = m.v[l] != I(0) ? a.v[l] : b.v[l];
#endif
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
ODEFLOW_SIMD_UNARY(round, Kokkos::round)
ODEFLOW_SIMD_UNARY(ceil, Kokkos::ceil)
#undef ODEFLOW_SIMD_UNARY

/// |x| of a scalar.
template <class T>
KOKKOS_FORCEINLINE_FUNCTION auto abs(T x) -> std::enable_if_t<!is_pack_v<T>, T> {
  return Kokkos::fabs(x);
}
/// Lane-wise |x|.
template <class T, int W>
KOKKOS_FORCEINLINE_FUNCTION Pack<T, W> abs(const Pack<T, W>& x) {
  Pack<T, W> r;
#ifdef ODEFLOW_PACK_VECTOR_EXT
  if constexpr (std::is_floating_point_v<T>) {
    // Clear the sign bits (what fabs does), on the whole vector.
    using I = typename odeflow::detail::mask_lane<T>::type;
    typedef I VI __attribute__((vector_size(W * sizeof(T)), aligned(alignof(T))));
    const VI bits = __builtin_bit_cast(VI, x.v) & ~(I(1) << (8 * sizeof(T) - 1));
    r.v = __builtin_bit_cast(decltype(r.v), bits);
    return r;
  }
#endif
  ODEFLOW_SIMD_LOOP for (int l = 0; l < W; ++l) r.v[l] = Kokkos::fabs(x.v[l]);
  return r;
}

/// Square root of a scalar (Kokkos::sqrt).
template <class T>
KOKKOS_FORCEINLINE_FUNCTION auto sqrt(T x) -> std::enable_if_t<!is_pack_v<T>, T> {
  return Kokkos::sqrt(x);
}
/// Lane-wise square root, rounded as the scalar sqrt.
template <class T, int W>
KOKKOS_FORCEINLINE_FUNCTION Pack<T, W> sqrt(const Pack<T, W>& x) {
  Pack<T, W> r;
#if defined(ODEFLOW_PACK_VECTOR_EXT) && (defined(__x86_64__) || defined(__i386__)) && defined(__AVX__)
#ifdef __AVX512F__
  constexpr int C = 64;
#else
  constexpr int C = 32;
#endif
  constexpr int bytes = W * static_cast<int>(sizeof(T));
  if constexpr ((std::is_same_v<T, double> || std::is_same_v<T, float>) && bytes % C == 0) {
    // Correctly rounded like the scalar sqrt, so lanes match a scalar solve bitwise.
    for (int o = 0; o < bytes; o += C) {
      if constexpr (C == 64 && std::is_same_v<T, double>) {
        __m512d a;
        __builtin_memcpy(&a, reinterpret_cast<const char*>(&x.v) + o, C);
        a = _mm512_sqrt_pd(a);
        __builtin_memcpy(reinterpret_cast<char*>(&r.v) + o, &a, C);
      } else if constexpr (C == 64) {
        __m512 a;
        __builtin_memcpy(&a, reinterpret_cast<const char*>(&x.v) + o, C);
        a = _mm512_sqrt_ps(a);
        __builtin_memcpy(reinterpret_cast<char*>(&r.v) + o, &a, C);
      } else if constexpr (std::is_same_v<T, double>) {
        __m256d a;
        __builtin_memcpy(&a, reinterpret_cast<const char*>(&x.v) + o, C);
        a = _mm256_sqrt_pd(a);
        __builtin_memcpy(reinterpret_cast<char*>(&r.v) + o, &a, C);
      } else {
        __m256 a;
        __builtin_memcpy(&a, reinterpret_cast<const char*>(&x.v) + o, C);
        a = _mm256_sqrt_ps(a);
        __builtin_memcpy(reinterpret_cast<char*>(&r.v) + o, &a, C);
      }
    }
    return r;
  }
#endif
  ODEFLOW_SIMD_LOOP for (int l = 0; l < W; ++l) r.v[l] = Kokkos::sqrt(x.v[l]);
  return r;
}

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
  ODEFLOW_PACK_LANEWISE(r, a.v < b.v ? b.v : a.v, detail::max_sel(a.v[l], b.v[l]));
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
  ODEFLOW_PACK_LANEWISE(r, b.v < a.v ? b.v : a.v, detail::min_sel(a.v[l], b.v[l]));
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
#if defined(ODEFLOW_PACK_VECTOR_EXT) && defined(__FMA__) && (defined(__x86_64__) || defined(__i386__))
#define ODEFLOW_PACK_X86_FMA 1
namespace detail {
/// r = a * b + c on one register-sized chunk C (bytes) of a pack, by the x86 intrinsic.
template <int C, class T>
KOKKOS_FORCEINLINE_FUNCTION void fma_chunk(const char* a, const char* b, const char* c, char* r) {
  if constexpr (C == 64 && std::is_same_v<T, double>) {
    __m512d x, y, z;
    __builtin_memcpy(&x, a, C); __builtin_memcpy(&y, b, C); __builtin_memcpy(&z, c, C);
    x = _mm512_fmadd_pd(x, y, z);
    __builtin_memcpy(r, &x, C);
  } else if constexpr (C == 64) {
    __m512 x, y, z;
    __builtin_memcpy(&x, a, C); __builtin_memcpy(&y, b, C); __builtin_memcpy(&z, c, C);
    x = _mm512_fmadd_ps(x, y, z);
    __builtin_memcpy(r, &x, C);
  } else if constexpr (std::is_same_v<T, double>) {
    __m256d x, y, z;
    __builtin_memcpy(&x, a, C); __builtin_memcpy(&y, b, C); __builtin_memcpy(&z, c, C);
    x = _mm256_fmadd_pd(x, y, z);
    __builtin_memcpy(r, &x, C);
  } else {
    __m256 x, y, z;
    __builtin_memcpy(&x, a, C); __builtin_memcpy(&y, b, C); __builtin_memcpy(&z, c, C);
    x = _mm256_fmadd_ps(x, y, z);
    __builtin_memcpy(r, &x, C);
  }
}
}  // namespace detail
#endif

/// Lane-wise a * b + c, fused where the scalar fma is (the same rounding per lane).
template <class T, int W>
KOKKOS_FORCEINLINE_FUNCTION Pack<T, W> fma(const Pack<T, W>& a, const Pack<T, W>& b, const Pack<T, W>& c) {
  Pack<T, W> r;
#ifdef ODEFLOW_PACK_X86_FMA
#ifdef __AVX512F__
  constexpr int C = 64;
#else
  constexpr int C = 32;
#endif
  constexpr int bytes = W * static_cast<int>(sizeof(T));
  if constexpr ((std::is_same_v<T, double> || std::is_same_v<T, float>) && bytes % C == 0) {
    // GCC has no generic-vector fused multiply-add (and -ffp-contract=off forbids forming one).
    const char* pa = reinterpret_cast<const char*>(&a.v);
    const char* pb = reinterpret_cast<const char*>(&b.v);
    const char* pc = reinterpret_cast<const char*>(&c.v);
    char* pr = reinterpret_cast<char*>(&r.v);
    for (int o = 0; o < bytes; o += C) detail::fma_chunk<C, T>(pa + o, pb + o, pc + o, pr + o);
    return r;
  }
#endif
#ifdef ODEFLOW_HAS_FAST_FMA
  ODEFLOW_SIMD_LOOP for (int l = 0; l < W; ++l) r.v[l] = Kokkos::fma(a.v[l], b.v[l], c.v[l]);
#else
  ODEFLOW_SIMD_LOOP for (int l = 0; l < W; ++l) r.v[l] = a.v[l] * b.v[l] + c.v[l];
#endif
  return r;
}

namespace detail {
/// cond ? a : b per lane, for doubles or generic vectors.
template <class C, class X>
KOKKOS_FORCEINLINE_FUNCTION X sel(const C& c, const X& a, const X& b) { return c ? a : b; }

template <class To, class From>
KOKKOS_FORCEINLINE_FUNCTION To bits_as(const From& x) {
#ifdef ODEFLOW_BUILTIN_BIT_CAST
  return __builtin_bit_cast(To, x);
#else
  return Kokkos::bit_cast<To>(x);
#endif
}

/// a * b + c on a double or a generic vector of doubles, as simd::fma.
KOKKOS_FORCEINLINE_FUNCTION double fma_d(double a, double b, double c) { return simd::fma(a, b, c); }
#ifdef ODEFLOW_PACK_VECTOR_EXT
template <class D, class = std::enable_if_t<!std::is_arithmetic_v<D>>>
KOKKOS_FORCEINLINE_FUNCTION D fma_d(const D& a, const D& b, const D& c) {
  constexpr int W = static_cast<int>(sizeof(D) / sizeof(double));
  Pack<double, W> x, y, z;
  x.v = a;
  y.v = b;
  z.v = c;
  return simd::fma(x, y, z).v;
}
#endif

/// ln x for x > 0 (D: double or a generic vector of doubles; U: unsigned 64-bit integers of
/// the same shape), branch-free: ln x = e ln 2 + ln m, m in [sqrt(1/2), sqrt(2)),
/// ln m = 2 atanh(s), s = (m - 1)/(m + 1), by its series to s^11 (|s| < 0.172: the first
/// term left out, 2 s^13 / 13, is below 2e-11). With Half, ln(x) / 2 bitwise: every
/// constant halved instead (exact), one multiplication less on the adaptive step's path.
template <class D, class U, bool Half = false>
KOKKOS_FORCEINLINE_FUNCTION D log_t(const D& x) {
  constexpr double ln2_hi = 6.93147180369123816490e-01, ln2_lo = 1.90821492927058770002e-10;
  // Integer <-> double conversions go through the 2^52 "magic number" so that the
  // code vectorises without 64-bit integer conversion instructions.
  constexpr double two52 = 4503599627370496.0;
  const U one = U{} + 1ULL, zero = U{};
  // Only integer selects: an FP operation under a condition may trap, which blocks if-conversion.
  const U bits = bits_as<U>(x);
  const U mant = bits & 0x000fffffffffffffULL;
  const U big = sel(mant > 0x6a09e667f3bccULL, one, zero);  // m > sqrt(2): halve it
  const D e = bits_as<D>(U(((bits >> 52) + big) | 0x4330000000000000ULL)) - two52 - 1023.0;
  const D m = bits_as<D>(U(mant | ((0x3ffULL - big) << 52)));
  const D sv = (m - 1.0) / (m + 1.0), s2 = sv * sv;
  const D c0 = D{} + 0.0;
  // p = sum_{i<6} s2^i / (2i + 1), by Estrin's scheme (short dependency chains: the
  // adaptive step waits on this factor).
  const D s4 = s2 * s2;
  const D p01 = fma_d(s2, c0 + 1.0 / 3.0, c0 + 1.0), p23 = fma_d(s2, c0 + 1.0 / 7.0, c0 + 1.0 / 5.0);
  const D p45 = fma_d(s2, c0 + 1.0 / 11.0, c0 + 1.0 / 9.0);
  const D p = fma_d(s4, fma_d(s4, p45, p23), p01);
  if constexpr (Half) {
    return fma_d(e, c0 + 0.5 * ln2_hi, fma_d(e, c0 + 0.5 * ln2_lo, sv * p));
  } else {
    const D lnm = 2.0 * sv * p;
    return fma_d(e, c0 + ln2_hi, fma_d(e, c0 + ln2_lo, lnm));
  }
}

/// e^z, z clamped to [-700, 700], branch-free: e^z = 2^k e^r, |r| <= ln(2)/2, e^r by its
/// Taylor series to r^9 (the first term left out, r^10 / 10!, is below 1e-11).
template <class D, class U>
KOKKOS_FORCEINLINE_FUNCTION D exp_t(D z) {
  constexpr double ln2_hi = 6.93147180369123816490e-01, ln2_lo = 1.90821492927058770002e-10;
  constexpr double two52 = 4503599627370496.0;
  const D c0 = D{} + 0.0;
  const D lo = c0 - 700.0, hi = c0 + 700.0;
  z = sel(z < -700.0, lo, z);
  z = sel(hi < z, hi, z);
  constexpr double round_magic = 6755399441055744.0;  // 1.5 * 2^52: round to nearest even
  const D kf = (z * 1.44269504088896340736 + round_magic) - round_magic;
  // k ln2_hi is exact (ln2_hi has 32 significant bits), so the fused form rounds as
  // z - k ln2_hi does, one operation sooner.
  const D r = fma_d(-kf, c0 + ln2_hi, z) - kf * ln2_lo;
  // q = sum_{i<=9} r^i / i!, by Estrin's scheme.
  const D r2 = r * r, r4 = r2 * r2;
  const D q01 = fma_d(r, c0 + 1.0, c0 + 1.0), q23 = fma_d(r, c0 + 1.0 / 6.0, c0 + 0.5);
  const D q45 = fma_d(r, c0 + 1.0 / 120.0, c0 + 1.0 / 24.0), q67 = fma_d(r, c0 + 1.0 / 5040.0, c0 + 1.0 / 720.0);
  const D q89 = fma_d(r, c0 + 1.0 / 362880.0, c0 + 1.0 / 40320.0);
  const D q03 = fma_d(r2, q23, q01), q47 = fma_d(r2, q67, q45);
  const D q = fma_d(r4, fma_d(r4, q89, q47), q03);
  // 2^k: the bits of k + 1023 + 2^52 hold k + 1023 in their low part.
  const U kb = bits_as<U>(D(kf + (two52 + 1023.0))) & 0x7ffULL;
  return q * bits_as<D>(U(kb << 52));
}

/// x^y for x >= 0 and |y ln x| < 700, as exp(y ln x) with odeflow's own branch-free
/// logarithm and exponential (relative error below 1e-10 for |y| <= 1: a step-size factor
/// needs a few digits, and shorter series shorten the adaptive step), computed in double.
/// Used only for step-size factors, where it replaces a library call that does not
/// vectorise; the same code runs in scalar, SIMD and device solves, so that all
/// paths choose bitwise the same steps.
KOKKOS_FORCEINLINE_FUNCTION double exp_log_pow(double x, double y) {
  return exp_t<double, unsigned long long>(y * log_t<double, unsigned long long>(x));
}
/// x1^y1 x2^y2 as one exponential, exp(y1 ln x1 + y2 ln x2). (The controller no longer calls
/// it: it keeps its history as logarithms and uses simd::exp_fma.)
KOKKOS_FORCEINLINE_FUNCTION double exp_log_pow2(double x1, double y1, double x2, double y2) {
  using U = unsigned long long;
  return exp_t<double, U>(fma_d(y2, log_t<double, U>(x2), y1 * log_t<double, U>(x1)));
}

#ifdef ODEFLOW_PACK_VECTOR_EXT
/// Runs a function of generic double vectors on a pack of T (converted to double and back).
/// Lanes of double per vector register of the target.
#if defined(__AVX512F__)
inline constexpr int register_doubles = 8;
#elif defined(__AVX__)
inline constexpr int register_doubles = 4;
#else
inline constexpr int register_doubles = 2;
#endif
template <class T, int W, class Fn, class... P>
KOKKOS_FORCEINLINE_FUNCTION Pack<T, W> on_double_vectors(Fn fn, const P&... x) {
  Pack<T, W> r;
  if constexpr (std::is_same_v<T, double> || W <= register_doubles || W % register_doubles != 0) {
    typedef double D __attribute__((vector_size(W * sizeof(double)), aligned(alignof(double))));
    typedef unsigned long long U __attribute__((vector_size(W * sizeof(double)), aligned(alignof(double))));
    if constexpr (std::is_same_v<T, double>) {
      r.v = fn.template operator()<D, U>(x.v...);
    } else {
      r.v = __builtin_convertvector(fn.template operator()<D, U>(__builtin_convertvector(x.v, D)...),
                                    decltype(r.v));
    }
  } else {
    // float packs: one register of doubles at a time (wider vectors lower selects to scalar code).
    constexpr int C = register_doubles;
    typedef double D __attribute__((vector_size(C * sizeof(double)), aligned(alignof(double))));
    typedef unsigned long long U __attribute__((vector_size(C * sizeof(double)), aligned(alignof(double))));
    typedef T TC __attribute__((vector_size(C * sizeof(T)), aligned(alignof(T))));
    auto part = [](const auto& v, int c) {
      TC t;
      __builtin_memcpy(&t, reinterpret_cast<const char*>(&v) + c * sizeof(TC), sizeof(TC));
      return __builtin_convertvector(t, D);
    };
    for (int c = 0; c < W / C; ++c) {
      const TC rc = __builtin_convertvector(fn.template operator()<D, U>(part(x.v, c)...), TC);
      __builtin_memcpy(reinterpret_cast<char*>(&r.v) + c * sizeof(TC), &rc, sizeof(TC));
    }
  }
  return r;
}
#endif
}  // namespace detail

/// x^y for step-size factors (x >= 0): detail::exp_log_pow, identical on every path.
template <class T>
KOKKOS_FORCEINLINE_FUNCTION auto pow(T x, T y) -> std::enable_if_t<!is_pack_v<T>, T> {
  return T(detail::exp_log_pow(double(x), double(y)));
}
/// Lane-wise x^y, bitwise the scalar pow of each lane.
template <class T, int W>
KOKKOS_FORCEINLINE_FUNCTION Pack<T, W> pow(const Pack<T, W>& x, const Pack<T, W>& y) {
#ifdef ODEFLOW_PACK_VECTOR_EXT
  // Whole-vector evaluation (a lane loop around the scalar function vectorises only for some W).
  return detail::on_double_vectors<T, W>(
      []<class D, class U>(const D& a, const D& b) __attribute__((always_inline)) { return detail::exp_t<D, U>(b * detail::log_t<D, U>(a)); }, x, y);
#else
  Pack<T, W> r;
  ODEFLOW_SIMD_LOOP for (int l = 0; l < W; ++l) r.v[l] = T(detail::exp_log_pow(double(x.v[l]), double(y.v[l])));
  return r;
#endif
}
/// ln x (x >= 0) with the logarithm of pow (detail::log_t, in double), identical on every path;
/// step-size factors from a logarithm: pow(x, y) == exp_mul(y, ln(x)) bitwise for double.
template <class T>
KOKKOS_FORCEINLINE_FUNCTION auto ln(T x) -> std::enable_if_t<!is_pack_v<T>, T> {
  return T(detail::log_t<double, unsigned long long>(double(x)));
}
/// Lane-wise ln, bitwise the scalar ln of each lane.
template <class T, int W>
KOKKOS_FORCEINLINE_FUNCTION Pack<T, W> ln(const Pack<T, W>& x) {
#ifdef ODEFLOW_PACK_VECTOR_EXT
  return detail::on_double_vectors<T, W>(
      []<class D, class U>(const D& a) __attribute__((always_inline)) { return detail::log_t<D, U>(a); }, x);
#else
  Pack<T, W> r;
  ODEFLOW_SIMD_LOOP for (int l = 0; l < W; ++l) r.v[l] = ln(x.v[l]);
  return r;
#endif
}
/// ln(x) / 2 (x >= 0), bitwise 0.5 * ln(x) (log_t with halved constants): the logarithm of an
/// RMS norm from its mean square, with one multiplication less than 0.5 * ln(x).
template <class T>
KOKKOS_FORCEINLINE_FUNCTION auto half_ln(T x) -> std::enable_if_t<!is_pack_v<T>, T> {
  return T(detail::log_t<double, unsigned long long, true>(double(x)));
}
/// Lane-wise half_ln, bitwise the scalar half_ln of each lane.
template <class T, int W>
KOKKOS_FORCEINLINE_FUNCTION Pack<T, W> half_ln(const Pack<T, W>& x) {
#ifdef ODEFLOW_PACK_VECTOR_EXT
  return detail::on_double_vectors<T, W>(
      []<class D, class U>(const D& a) __attribute__((always_inline)) { return detail::log_t<D, U, true>(a); }, x);
#else
  Pack<T, W> r;
  ODEFLOW_SIMD_LOOP for (int l = 0; l < W; ++l) r.v[l] = half_ln(x.v[l]);
  return r;
#endif
}
/// e^(y l) in double (detail::exp_t): x^y from l = ln(x).
template <class T>
KOKKOS_FORCEINLINE_FUNCTION auto exp_mul(T y, T l) -> std::enable_if_t<!is_pack_v<T>, T> {
  return T(detail::exp_t<double, unsigned long long>(double(y) * double(l)));
}
/// Lane-wise exp_mul, bitwise the scalar exp_mul of each lane.
template <class T, int W>
KOKKOS_FORCEINLINE_FUNCTION Pack<T, W> exp_mul(const Pack<T, W>& y, const Pack<T, W>& lx) {
#ifdef ODEFLOW_PACK_VECTOR_EXT
  return detail::on_double_vectors<T, W>(
      []<class D, class U>(const D& b, const D& a) __attribute__((always_inline)) { return detail::exp_t<D, U>(b * a); }, y, lx);
#else
  Pack<T, W> r;
  ODEFLOW_SIMD_LOOP for (int l = 0; l < W; ++l) r.v[l] = exp_mul(y.v[l], lx.v[l]);
  return r;
#endif
}
/// e^(y l + c) in double, as exp(fma(y, l, c)): x^y e^c from l = ln(x) (a PI or PID
/// controller's factor: l the logarithm of the new error, which the caller waits for, so one
/// fused operation follows it; c the history's exponent, known earlier).
template <class T>
KOKKOS_FORCEINLINE_FUNCTION auto exp_fma(T y, T l, T c) -> std::enable_if_t<!is_pack_v<T>, T> {
  using U = unsigned long long;
  return T(detail::exp_t<double, U>(detail::fma_d(double(y), double(l), double(c))));
}
/// Lane-wise exp_fma, bitwise the scalar exp_fma of each lane.
template <class T, int W>
KOKKOS_FORCEINLINE_FUNCTION Pack<T, W> exp_fma(const Pack<T, W>& y, const Pack<T, W>& l, const Pack<T, W>& c) {
#ifdef ODEFLOW_PACK_VECTOR_EXT
  return detail::on_double_vectors<T, W>(
      []<class D, class U>(const D& b, const D& a, const D& z) __attribute__((always_inline)) {
        return detail::exp_t<D, U>(detail::fma_d(b, a, z));
      },
      y, l, c);
#else
  Pack<T, W> r;
  ODEFLOW_SIMD_LOOP for (int q = 0; q < W; ++q) r.v[q] = exp_fma(y.v[q], l.v[q], c.v[q]);
  return r;
#endif
}
/// x1^y1 x2^y2 (x1, x2 >= 0) as one exponential: detail::exp_log_pow2, identical on every path.
template <class T>
KOKKOS_FORCEINLINE_FUNCTION auto pow2(T x1, T y1, T x2, T y2) -> std::enable_if_t<!is_pack_v<T>, T> {
  return T(detail::exp_log_pow2(double(x1), double(y1), double(x2), double(y2)));
}
/// Lane-wise x1^y1 x2^y2, bitwise the scalar pow2 of each lane.
template <class T, int W>
KOKKOS_FORCEINLINE_FUNCTION Pack<T, W> pow2(const Pack<T, W>& x1, const Pack<T, W>& y1, const Pack<T, W>& x2,
                                            const Pack<T, W>& y2) {
#ifdef ODEFLOW_PACK_VECTOR_EXT
  return detail::on_double_vectors<T, W>(
      []<class D, class U>(const D& a1, const D& b1, const D& a2, const D& b2) __attribute__((always_inline)) {
        return detail::exp_t<D, U>(detail::fma_d(b2, detail::log_t<D, U>(a2), b1 * detail::log_t<D, U>(a1)));
      },
      x1, y1, x2, y2);
#else
  Pack<T, W> r;
  ODEFLOW_SIMD_LOOP for (int l = 0; l < W; ++l)
    r.v[l] = T(detail::exp_log_pow2(double(x1.v[l]), double(y1.v[l]), double(x2.v[l]), double(y2.v[l])));
  return r;
#endif
}

/// Whether the scalar x is finite (not NaN or infinite).
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
