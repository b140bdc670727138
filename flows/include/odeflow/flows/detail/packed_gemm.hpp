// Single-threaded C = A B^T of an MLP layer with its weights packed once (AVX-512 kernel, portable fallback of the same bits).
//
// B (the weights of an MLP layer, (n, k) row-major as PyTorch stores them) is packed once into a
// PackedWeights object; every call then only streams A.
//
//   PackedWeights<float> w(b, n, k);               // once per weight update
//   packed_gemm(r, a, lda, w, c, ldc);             // C(r, n) at stride ldc = A(r, k) at stride lda times B^T
//
// Summation order (the contract; identical on the AVX-512 and the portable path, bitwise):
//  * "outer" scheme (the default): for every element, acc = +0; for p = 0..k-1: acc = fma(a[i][p], b[j][p], acc),
//    one sequential fused chain, nothing else. It depends on k only.
//  * "dot" scheme (narrow layers, n < dot_max_n and k >= dot_min_k, fixed by the layer's (n, k)): the k
//    products are split by p mod L into L = 64 / sizeof(T) lanes (16 float, 8 double), each lane a sequential
//    fused chain over its p's in increasing order (k padded with zeros to a multiple of L), and the L lane
//    sums are then added in a fixed halving tree: s[l] += s[l + L/2], then s[l] += s[l + L/4], ..., s[0] + s[1].
//    It depends on k only.
// No order depends on r, on a row's position, on the other rows of the call or on the column (beyond the
// layer's (n, k) choosing the scheme), so each row of C is bitwise the same whatever tile it is computed in.
//
// Only the `ODEFLOW_PG_AVX512` branch uses intrinsics; the rest is plain C++ (compiles under nvcc/hipcc host
// passes and anywhere else) and follows the same order with std::fma (correctly rounded, so bitwise equal).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <new>
#include <vector>

#if defined(__AVX512F__) && !defined(__CUDA_ARCH__) && !defined(__HIP_DEVICE_COMPILE__) && \
    !defined(ODEFLOW_PG_NO_SIMD)
#define ODEFLOW_PG_AVX512 1
#include <immintrin.h>
#endif

namespace odeflow::detail {

/// std::allocator with 64-byte (cache line, vector) alignment.
template <class T>
struct CacheAlignedAllocator {
  using value_type = T;
  CacheAlignedAllocator() = default;
  template <class U>
  CacheAlignedAllocator(const CacheAlignedAllocator<U>&) noexcept {}
  T* allocate(std::size_t count) { return static_cast<T*>(::operator new(count * sizeof(T), std::align_val_t{64})); }
  void deallocate(T* p, std::size_t) noexcept { ::operator delete(p, std::align_val_t{64}); }
  template <class U>
  bool operator==(const CacheAlignedAllocator<U>&) const noexcept { return true; }
};

/// The weights B (n, k) of a layer, packed once for packed_gemm.
///
/// Layout, "outer" scheme: column panels of `panel_width` columns (the last one zero padded), each stored
/// k-major: panel q holds at [q * k * panel_width + p * panel_width + jj] the value B(q * panel_width + jj, p).
/// Layout, "dot" scheme: the rows of B, each padded with zeros to kp = k rounded up to a multiple of `lanes`.
template <class T>
class PackedWeights {
 public:
  static_assert(sizeof(T) == 4 || sizeof(T) == 8, "float or double");
  static constexpr int lanes = static_cast<int>(64 / sizeof(T));  ///< one 512-bit vector
  static constexpr int panel_vectors = 4;                          ///< vectors per column panel
  static constexpr int panel_width = lanes * panel_vectors;        ///< columns per panel
  static constexpr int dot_max_n = 8;    ///< the dot scheme is used for n < dot_max_n ...
  static constexpr int dot_min_k = 32;   ///< ... and k >= dot_min_k

  enum class Scheme { outer, dot };

  PackedWeights() = default;
  /// Packs B (n, k), row j at b + j * ldb (ldb = 0 means k).
  PackedWeights(const T* b, int n, int k, std::ptrdiff_t ldb = 0) { pack(b, n, k, ldb); }

  void pack(const T* b, int n, int k, std::ptrdiff_t ldb = 0) {
    n_ = std::max(n, 0);
    k_ = std::max(k, 0);
    if (ldb == 0) ldb = k_;
    scheme_ = (n_ < dot_max_n && k_ >= dot_min_k) ? Scheme::dot : Scheme::outer;
    kp_ = (k_ + lanes - 1) / lanes * lanes;
    const std::size_t size = scheme_ == Scheme::dot
                                 ? static_cast<std::size_t>(n_) * kp_
                                 : static_cast<std::size_t>(panels()) * k_ * panel_width;
    storage_.assign(size, T(0));
    T* d = storage_.data();
    if (scheme_ == Scheme::dot) {
      for (int j = 0; j < n_; ++j)
        for (int p = 0; p < k_; ++p) d[static_cast<std::size_t>(j) * kp_ + p] = b[j * ldb + p];
    } else {
      for (int q = 0; q < panels(); ++q) {
        T* panel = d + static_cast<std::size_t>(q) * k_ * panel_width;
        const int j0 = q * panel_width, cols = std::min(panel_width, n_ - j0);
        for (int p = 0; p < k_; ++p)
          for (int jj = 0; jj < cols; ++jj) panel[static_cast<std::size_t>(p) * panel_width + jj] = b[(j0 + jj) * ldb + p];
      }
    }
  }

  int n() const { return n_; }
  int k() const { return k_; }
  int kp() const { return kp_; }
  Scheme scheme() const { return scheme_; }
  int panels() const { return (n_ + panel_width - 1) / panel_width; }
  const T* data() const { return storage_.data(); }  ///< 64-byte aligned

 private:
  int n_ = 0, k_ = 0, kp_ = 0;
  Scheme scheme_ = Scheme::outer;
  std::vector<T, CacheAlignedAllocator<T>> storage_;
};

namespace packed_gemm_impl {

// ---------------------------------------------------------------------------------------------------------
// Portable reference path (also the definition of the order): plain C++, std::fma.

template <class T>
void outer_portable(int r, const T* a, std::ptrdiff_t lda, const PackedWeights<T>& w, T* c, std::ptrdiff_t ldc) {
  constexpr int PW = PackedWeights<T>::panel_width;
  const int n = w.n(), k = w.k();
  for (int q = 0; q < w.panels(); ++q) {
    const T* panel = w.data() + static_cast<std::size_t>(q) * k * PW;
    const int j0 = q * PW, cols = std::min(PW, n - j0);
    for (int i = 0; i < r; ++i) {
      const T* ai = a + i * lda;
      T acc[PW];
      for (int jj = 0; jj < cols; ++jj) acc[jj] = T(0);
      for (int p = 0; p < k; ++p)
        for (int jj = 0; jj < cols; ++jj) acc[jj] = std::fma(ai[p], panel[static_cast<std::size_t>(p) * PW + jj], acc[jj]);
      for (int jj = 0; jj < cols; ++jj) c[i * ldc + j0 + jj] = acc[jj];
    }
  }
}

// The fixed halving tree over the L lane sums (in place).
template <class T, int L>
T tree_sum(T* s) {
  for (int h = L / 2; h >= 1; h /= 2)
    for (int l = 0; l < h; ++l) s[l] = s[l] + s[l + h];
  return s[0];
}

template <class T>
void dot_portable(int r, const T* a, std::ptrdiff_t lda, const PackedWeights<T>& w, T* c, std::ptrdiff_t ldc) {
  constexpr int L = PackedWeights<T>::lanes;
  const int n = w.n(), k = w.k(), kp = w.kp();
  for (int i = 0; i < r; ++i) {
    const T* ai = a + i * lda;
    for (int j = 0; j < n; ++j) {
      const T* bj = w.data() + static_cast<std::size_t>(j) * kp;
      T s[L];
      for (int l = 0; l < L; ++l) s[l] = T(0);
      for (int p0 = 0; p0 < kp; p0 += L)
        for (int l = 0; l < L; ++l) {
          const T x = p0 + l < k ? ai[p0 + l] : T(0);  // the zero padding of the vector path
          s[l] = std::fma(x, bj[p0 + l], s[l]);
        }
      c[i * ldc + j] = tree_sum<T, L>(s);
    }
  }
}

#if defined(ODEFLOW_PG_AVX512)
// ---------------------------------------------------------------------------------------------------------
// AVX-512 path.

template <class T>
struct simd;

template <>
struct simd<float> {
  using vec = __m512;
  using mask = __mmask16;
  static constexpr int lanes = 16;
  static vec zero() { return _mm512_setzero_ps(); }
  static vec load(const float* p) { return _mm512_loadu_ps(p); }
  static vec maskz_load(mask m, const float* p) { return _mm512_maskz_loadu_ps(m, p); }
  static vec bcast(const float* p) { return _mm512_set1_ps(*p); }
  static vec fma(vec x, vec y, vec z) { return _mm512_fmadd_ps(x, y, z); }
  static void store(float* p, vec v) { _mm512_storeu_ps(p, v); }
  static void mask_store(float* p, mask m, vec v) { _mm512_mask_storeu_ps(p, m, v); }
  static mask tail(int cnt) { return static_cast<mask>((1u << cnt) - 1u); }  // cnt in 1..16
  // The halving tree of tree_sum: l + 8, then l + 4, l + 2, l + 1.
  static float tree(vec v) {
    const __m256 s8 = _mm256_add_ps(_mm512_castps512_ps256(v), _mm512_extractf32x8_ps(v, 1));
    const __m128 s4 = _mm_add_ps(_mm256_castps256_ps128(s8), _mm256_extractf128_ps(s8, 1));
    const __m128 s2 = _mm_add_ps(s4, _mm_movehl_ps(s4, s4));
    const __m128 s1 = _mm_add_ss(s2, _mm_shuffle_ps(s2, s2, 1));
    return _mm_cvtss_f32(s1);
  }
};

template <>
struct simd<double> {
  using vec = __m512d;
  using mask = __mmask8;
  static constexpr int lanes = 8;
  static vec zero() { return _mm512_setzero_pd(); }
  static vec load(const double* p) { return _mm512_loadu_pd(p); }
  static vec maskz_load(mask m, const double* p) { return _mm512_maskz_loadu_pd(m, p); }
  static vec bcast(const double* p) { return _mm512_set1_pd(*p); }
  static vec fma(vec x, vec y, vec z) { return _mm512_fmadd_pd(x, y, z); }
  static void store(double* p, vec v) { _mm512_storeu_pd(p, v); }
  static void mask_store(double* p, mask m, vec v) { _mm512_mask_storeu_pd(p, m, v); }
  static mask tail(int cnt) { return static_cast<mask>((1u << cnt) - 1u); }  // cnt in 1..8
  // The halving tree of tree_sum: l + 4, then l + 2, l + 1.
  static double tree(vec v) {
    const __m256d s4 = _mm256_add_pd(_mm512_castpd512_pd256(v), _mm512_extractf64x4_pd(v, 1));
    const __m128d s2 = _mm_add_pd(_mm256_castpd256_pd128(s4), _mm256_extractf128_pd(s4, 1));
    const __m128d s1 = _mm_add_sd(s2, _mm_unpackhi_pd(s2, s2));
    return _mm_cvtsd_f64(s1);
  }
};

/// Microkernel of the outer scheme: rows [0, MR) of A (stride lda) times NV vectors of a packed panel
/// (row stride PW) over the k-range [0, kc) of the pointers given, C rows at stride ldc. Every accumulator
/// is one element's sequential fma chain: started at +0 (ACC = false) or continued from the value the
/// previous k-block stored in C (ACC = true; a float store and reload is exact, so a k-blocked chain is
/// bitwise the unblocked one). MASKED: the last vector is loaded/stored under `m` (the panel's last columns).
template <class T, int PW, int MR, int NV, bool MASKED, bool ACC>
inline void outer_tile(int kc, const T* a, std::ptrdiff_t lda, const T* bp, T* c, std::ptrdiff_t ldc,
                       typename simd<T>::mask m) {
  using S = simd<T>;
  constexpr int L = S::lanes;
  typename S::vec acc[MR][NV];
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
      if constexpr (!ACC)
        acc[i][v] = S::zero();
      else if (MASKED && v == NV - 1)
        acc[i][v] = S::maskz_load(m, c + i * ldc + v * L);
      else
        acc[i][v] = S::load(c + i * ldc + v * L);
    }
  const T* ar[MR];
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i) ar[i] = a + i * lda;
#pragma GCC unroll 4
  for (int p = 0; p < kc; ++p) {
    typename S::vec b[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) b[v] = S::load(bp + static_cast<std::ptrdiff_t>(p) * PW + v * L);
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
      const typename S::vec x = S::bcast(ar[i] + p);
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[i][v] = S::fma(x, b[v], acc[i][v]);
    }
  }
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i) {
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
      if (MASKED && v == NV - 1)
        S::mask_store(c + i * ldc + v * L, m, acc[i][v]);
      else
        S::store(c + i * ldc + v * L, acc[i][v]);
    }
  }
}

// A row remainder (rows < MR) goes to the microkernel of that height: the same per-element chain.
template <class T, int PW, int NV, bool MASKED, bool ACC, int R>
inline void outer_rows(int rows, int kc, const T* a, std::ptrdiff_t lda, const T* bp, T* c, std::ptrdiff_t ldc,
                       typename simd<T>::mask m) {
  if constexpr (R >= 1) {
    if (rows == R)
      outer_tile<T, PW, R, NV, MASKED, ACC>(kc, a, lda, bp, c, ldc, m);
    else
      outer_rows<T, PW, NV, MASKED, ACC, R - 1>(rows, kc, a, lda, bp, c, ldc, m);
  }
}

// Rows [0, r) of one panel over one k-block, MR rows at a time (the panel's k-block stays in L1).
template <class T, int MR, int NV, bool MASKED, bool ACC>
void outer_block(int r, int kc, const T* a, std::ptrdiff_t lda, const T* bp, T* c, std::ptrdiff_t ldc,
                 typename simd<T>::mask m) {
  constexpr int PW = PackedWeights<T>::panel_width;
  int i = 0;
  for (; i + MR <= r; i += MR) outer_tile<T, PW, MR, NV, MASKED, ACC>(kc, a + i * lda, lda, bp, c + i * ldc, ldc, m);
  if (i < r) outer_rows<T, PW, NV, MASKED, ACC, MR - 1>(r - i, kc, a + i * lda, lda, bp, c + i * ldc, ldc, m);
}

template <class T, int MR, int NV>
void outer_block_any(bool masked, bool acc, int r, int kc, const T* a, std::ptrdiff_t lda, const T* bp, T* c,
                     std::ptrdiff_t ldc, typename simd<T>::mask m) {
  if (masked) {
    if (acc) outer_block<T, MR, NV, true, true>(r, kc, a, lda, bp, c, ldc, m);
    else outer_block<T, MR, NV, true, false>(r, kc, a, lda, bp, c, ldc, m);
  } else {
    if (acc) outer_block<T, MR, NV, false, true>(r, kc, a, lda, bp, c, ldc, m);
    else outer_block<T, MR, NV, false, false>(r, kc, a, lda, bp, c, ldc, m);
  }
}

// The panel's vector count (the last panel may be narrower) to the microkernel of that width.
template <class T, int MR, int NV>
void outer_block_nv(int nv, bool masked, bool acc, int r, int kc, const T* a, std::ptrdiff_t lda, const T* bp, T* c,
                    std::ptrdiff_t ldc, typename simd<T>::mask m) {
  if constexpr (NV >= 1) {
    if (nv == NV)
      outer_block_any<T, MR, NV>(masked, acc, r, kc, a, lda, bp, c, ldc, m);
    else
      outer_block_nv<T, MR, NV - 1>(nv, masked, acc, r, kc, a, lda, bp, c, ldc, m);
  }
}

/// Blocking of the outer scheme (none of it changes any element's order):
///  - rows in blocks of `mc` (A's block, mc x k, stays in L2 while every panel passes over it),
///  - then column panels (panel_width columns of B),
///  - then k in blocks of `kc` (the panel's k-block, kc x panel_width, stays in cache while the rows stream),
///  - then MR rows at a time (the microkernel: MR x panel_vectors accumulators).
struct OuterBlocking {
  int mc;  // rows per L2 block (a multiple of MR, or all rows)
  int kc;  // k per block (C reloaded between blocks)
};

// Rows per microkernel call: 6 x 4 = 24 accumulators + 4 panel vectors + 1 broadcast of the 32 registers.
// Six rows also keep A's six concurrently read lines within the 8 ways of an L1 set whatever lda is (at
// lda = 512 doubles every row maps to the same set; 12 rows there thrashed and lost 10%).
template <class T>
inline constexpr int outer_mr = 6;

template <class T, int MR>
OuterBlocking default_blocking(int k, int panels) {
  constexpr long PW = PackedWeights<T>::panel_width;
  const long packed_bytes = static_cast<long>(panels) * k * PW * static_cast<long>(sizeof(T));
  // k-blocking only for panels beyond 256 KB: measured, splitting a 128 KB panel (k = 512) into L1-sized
  // blocks costs 2 to 13% (the C reloads), while the hardware prefetchers stream an L2-resident panel at
  // full FMA rate.
  const int kc = static_cast<int>(std::max(16L, 256L * 1024 / (PW * static_cast<long>(sizeof(T)))));
  // All of B within 256 KB (small k): MR rows at a time through every panel, so that C is written row
  // after row and A's lines are reused from L1 (k = 3: 63 vs 51 GFLOP/s in float, 35 vs 20 in double).
  if (packed_bytes <= 256L * 1024) return {MR, kc};
  // Otherwise A's block at most ~384 KB of the 1 MB L2 (room for a panel, C and the next layer).
  const long rows = (384L * 1024) / (static_cast<long>(std::max(k, 1)) * static_cast<long>(sizeof(T)));
  const int mc = static_cast<int>(std::max<long>(MR, std::min<long>(rows / MR * MR, 1L << 20)));
  return {mc, kc};
}

template <class T, int MR = outer_mr<T>>
void outer_avx512(int r, const T* a, std::ptrdiff_t lda, const PackedWeights<T>& w, T* c, std::ptrdiff_t ldc,
                  OuterBlocking bl) {
  constexpr int PW = PackedWeights<T>::panel_width;
  constexpr int L = PackedWeights<T>::lanes;
  using S = simd<T>;
  const int n = w.n(), k = w.k();
  const int mc = std::max(1, bl.mc), kc = std::max(1, bl.kc);
  for (int i0 = 0; i0 < r; i0 += mc) {
    const int rows = std::min(mc, r - i0);
    const T* ai = a + i0 * lda;
    T* ci = c + i0 * ldc;
    for (int q = 0; q < w.panels(); ++q) {
      const T* bp = w.data() + static_cast<std::size_t>(q) * k * PW;
      const int j0 = q * PW, cols = std::min(PW, n - j0);
      const int nv = (cols + L - 1) / L, last = cols - (nv - 1) * L;
      const bool masked = last != L;
      const auto m = S::tail(last);
      for (int p0 = 0; p0 < k; p0 += kc) {
        const int kb = std::min(kc, k - p0);
        outer_block_nv<T, MR, PackedWeights<T>::panel_vectors>(nv, masked, p0 > 0, rows, kb, ai + p0, lda,
                                                               bp + static_cast<std::size_t>(p0) * PW, ci + j0, ldc, m);
      }
    }
  }
}

template <class T, int MR = outer_mr<T>>
void outer_avx512(int r, const T* a, std::ptrdiff_t lda, const PackedWeights<T>& w, T* c, std::ptrdiff_t ldc) {
  outer_avx512<T, MR>(r, a, lda, w, c, ldc, default_blocking<T, MR>(w.k(), w.panels()));
}

/// Dot scheme: RB rows x NB columns of lane-partial accumulators, k in vectors (A's tail masked to zero).
template <class T, int RB, int NB>
inline void dot_tile(int k, int kp, const T* a, std::ptrdiff_t lda, const T* b, T* c, std::ptrdiff_t ldc) {
  using S = simd<T>;
  constexpr int L = S::lanes;
  typename S::vec acc[RB][NB];
#pragma GCC unroll 8
  for (int i = 0; i < RB; ++i)
#pragma GCC unroll 8
    for (int j = 0; j < NB; ++j) acc[i][j] = S::zero();
  const int kfull = k / L * L;
  auto step = [&](int p0, auto load_a) {
    typename S::vec bv[NB];
#pragma GCC unroll 8
    for (int j = 0; j < NB; ++j) bv[j] = S::load(b + static_cast<std::ptrdiff_t>(j) * kp + p0);
#pragma GCC unroll 8
    for (int i = 0; i < RB; ++i) {
      const typename S::vec x = load_a(a + i * lda + p0);
#pragma GCC unroll 8
      for (int j = 0; j < NB; ++j) acc[i][j] = S::fma(x, bv[j], acc[i][j]);
    }
  };
  for (int p0 = 0; p0 < kfull; p0 += L) step(p0, [](const T* p) { return S::load(p); });
  if (kfull < k) {
    const auto m = S::tail(k - kfull);
    step(kfull, [m](const T* p) { return S::maskz_load(m, p); });
  }
#pragma GCC unroll 8
  for (int i = 0; i < RB; ++i)
#pragma GCC unroll 8
    for (int j = 0; j < NB; ++j) c[i * ldc + j] = S::tree(acc[i][j]);
}

template <class T, int RB, int NB>
inline void dot_rows(int r, int k, int kp, const T* a, std::ptrdiff_t lda, const T* b, T* c, std::ptrdiff_t ldc) {
  int i = 0;
  for (; i + RB <= r; i += RB) dot_tile<T, RB, NB>(k, kp, a + i * lda, lda, b, c + i * ldc, ldc);
  for (; i < r; ++i) dot_tile<T, 1, NB>(k, kp, a + i * lda, lda, b, c + i * ldc, ldc);
}

template <class T>
void dot_avx512(int r, const T* a, std::ptrdiff_t lda, const PackedWeights<T>& w, T* c, std::ptrdiff_t ldc) {
  const int n = w.n(), k = w.k(), kp = w.kp();
  int j = 0;
  for (; j + 2 <= n; j += 2)
    dot_rows<T, 6, 2>(r, k, kp, a, lda, w.data() + static_cast<std::size_t>(j) * kp, c + j, ldc);
  if (j < n) dot_rows<T, 8, 1>(r, k, kp, a, lda, w.data() + static_cast<std::size_t>(j) * kp, c + j, ldc);
}
#endif  // ODEFLOW_PG_AVX512

}  // namespace packed_gemm_impl

/// C(r, n) (row stride ldc >= n) = A(r, k) (row stride lda >= k) B^T, with B packed in `w`. Single-threaded;
/// C must not overlap A; only C's first n columns of its r rows are written. Each row of C depends only on the same row of A and on w (see the order at the top of the file).
template <class T>
void packed_gemm(int r, const T* a, std::ptrdiff_t lda, const PackedWeights<T>& w, T* c, std::ptrdiff_t ldc) {
  if (r <= 0 || w.n() <= 0) return;
  if (w.k() == 0) {
    for (int i = 0; i < r; ++i) std::fill(c + i * ldc, c + i * ldc + w.n(), T(0));
    return;
  }
  using Scheme = typename PackedWeights<T>::Scheme;
#if defined(ODEFLOW_PG_AVX512)
  if (w.scheme() == Scheme::dot)
    packed_gemm_impl::dot_avx512(r, a, lda, w, c, ldc);
  else
    packed_gemm_impl::outer_avx512(r, a, lda, w, c, ldc);
#else
  if (w.scheme() == Scheme::dot)
    packed_gemm_impl::dot_portable(r, a, lda, w, c, ldc);
  else
    packed_gemm_impl::outer_portable(r, a, lda, w, c, ldc);
#endif
}

/// The portable path on any machine (the reference for the vector path: bitwise the same results).
template <class T>
void packed_gemm_portable(int r, const T* a, std::ptrdiff_t lda, const PackedWeights<T>& w, T* c,
                          std::ptrdiff_t ldc) {
  if (r <= 0 || w.n() <= 0) return;
  if (w.k() == 0) {
    for (int i = 0; i < r; ++i) std::fill(c + i * ldc, c + i * ldc + w.n(), T(0));
    return;
  }
  if (w.scheme() == PackedWeights<T>::Scheme::dot)
    packed_gemm_impl::dot_portable(r, a, lda, w, c, ldc);
  else
    packed_gemm_impl::outer_portable(r, a, lda, w, c, ldc);
}

}  // namespace odeflow::detail
