// Dense matrix products of the MLP on row-major buffers: Eigen on host execution spaces, Kokkos kernels elsewhere.
#pragma once

#include <odeflow/flows/activation.hpp>
#include <odeflow/flows/detail/packed_gemm.hpp>

#include <Kokkos_Core.hpp>

#include <Eigen/Core>

#include <algorithm>
#include <cstddef>
#include <type_traits>
#include <utility>
#include <vector>

namespace odeflow {

/// Matrix products through Eigen (host execution spaces only): the default there.
struct EigenGemm {};
/// Matrix products as plain Kokkos kernels: portable to every backend (the default off host).
struct KokkosGemm {};

/// Whether an execution space runs on the host (can touch HostSpace).
template <class ExecSpace>
inline constexpr bool is_host_execution_space_v =
    Kokkos::SpaceAccessibility<ExecSpace, Kokkos::HostSpace>::accessible;

/// The matrix-product backend chosen for an execution space at compile time.
template <class ExecSpace>
using default_gemm_t = std::conditional_t<is_host_execution_space_v<ExecSpace>, EigenGemm, KokkosGemm>;

namespace detail {

// Row-major matrices as raw pointers with a leading dimension (row stride, in elements).
template <class T>
using RowMat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <class T>
using RowMap = Eigen::Map<RowMat<T>, Eigen::Unaligned, Eigen::OuterStride<>>;
template <class T>
using ConstRowMap = Eigen::Map<const RowMat<T>, Eigen::Unaligned, Eigen::OuterStride<>>;

/// The row tiles of the host products, fixed by the shape alone (never by the thread count),
/// so that every row is computed by the same single-threaded Eigen product whatever the
/// number of threads: tiles of about 2^17 / k rows (a tile's inputs stay in L2), at least 16
/// tiles when there are enough rows (load balance up to 16 threads), boundaries at multiples
/// of 16 rows. Training is then bitwise the same with 1 or 2 threads (tests/determinism).
struct RowTiles {
  int m, groups, count;
  RowTiles(int rows, int k) : m(rows), groups((rows + 15) / 16) {
    const int rows_cache = std::max(16, (1 << 17) / std::max(k, 1));
    count = std::max(1, std::min(std::max((rows + rows_cache - 1) / rows_cache, 16), groups));
  }
  int begin(int tile) const { return std::min(m, 16 * static_cast<int>(static_cast<long>(groups) * tile / count)); }
  int end(int tile) const { return std::min(m, 16 * static_cast<int>(static_cast<long>(groups) * (tile + 1) / count)); }
};

/// C(m, n) = A(m, k) B(n, k)^T (beta = 0): the layer product of a batch, A the
/// inputs (rows are samples), B the weights (out, in) as PyTorch stores them.
///
/// The rows are split into RowTiles (fixed by the shape), each multiplied by one thread (Eigen
/// does not parallelise inside an OpenMP region); a single row is padded to two (Eigen's
/// one-row product is a matrix-vector path). Bitwise independent of the thread count; the
/// bitwise row (batch) invariance of MlpField comes from mlp_forward_tiles (products of 16 k rows).
template <class ExecSpace, class T>
void gemm_nt(EigenGemm, const ExecSpace& space, int m, int n, int k, const T* a, int lda,
             const T* b, int ldb, T* c, int ldc) {
  static_assert(is_host_execution_space_v<ExecSpace>, "EigenGemm runs on host execution spaces");
  if (m <= 0 || n <= 0) return;
  if (k == 0) {
    for (int i = 0; i < m; ++i) std::fill(c + static_cast<std::ptrdiff_t>(i) * ldc, c + static_cast<std::ptrdiff_t>(i) * ldc + n, T(0));
    return;
  }
  // Fixed row tiles (RowTiles). Even a single tile runs inside a parallel region, where
  // Eigen stays single-threaded.
  const RowTiles rt(m, k);
  Kokkos::parallel_for(
      "odeflow::gemm_nt[Eigen]", Kokkos::RangePolicy<ExecSpace>(space, 0, rt.count), [=](int tile) {
        ConstRowMap<T> bt(b, n, k, Eigen::OuterStride<>(ldb));
        if (m == 1) {
          RowMat<T> a2(2, k), c2(2, n);
          for (int j = 0; j < k; ++j) a2(0, j) = a2(1, j) = a[j];
          c2.noalias() = a2 * bt.transpose();
          for (int j = 0; j < n; ++j) c[j] = c2(0, j);
          return;
        }
        const int r0 = rt.begin(tile), r1 = rt.end(tile);
        if (r1 <= r0) return;
        if (r1 - r0 == 1) {  // a single row padded to two (Eigen's one-row product sums differently)
          RowMat<T> a2(2, k), c2(2, n);
          for (int j = 0; j < k; ++j) a2(0, j) = a2(1, j) = a[static_cast<std::ptrdiff_t>(r0) * lda + j];
          c2.noalias() = a2 * bt.transpose();
          for (int j = 0; j < n; ++j) c[static_cast<std::ptrdiff_t>(r0) * ldc + j] = c2(0, j);
          return;
        }
        ConstRowMap<T> am(a + static_cast<std::ptrdiff_t>(r0) * lda, r1 - r0, k, Eigen::OuterStride<>(lda));
        RowMap<T> cm(c + static_cast<std::ptrdiff_t>(r0) * ldc, r1 - r0, n, Eigen::OuterStride<>(ldc));
        cm.noalias() = am * bt.transpose();
      });
}

namespace eigen_act {
// Vectorised activations (Eigen's packet exp, logistic, tanh, ...) on contiguous rows. Each
// returns false when the activation has no vectorised form here (GELU); callers then use the
// scalar functors. Per column, every row takes the same code path as long as the row stride is
// a multiple of the packet size (callers require widths that are multiples of 16).
template <class T>
using Arr = Eigen::Array<T, Eigen::Dynamic, 1>;

template <class T, class In, class Out>
bool value(Activation act, const In& x, Out&& y) {
  switch (act) {
    case Activation::silu: y = x * x.logistic(); return true;
    case Activation::tanh: y = x.tanh(); return true;
    case Activation::relu: y = x.max(T(0)); return true;
    case Activation::softplus: y = x.max(T(0)) + (-x.abs()).exp().log1p(); return true;
    case Activation::elu: y = (x > T(0)).select(x, x.exp() - T(1)); return true;
    case Activation::gelu: return false;
  }
  return false;
}

template <class T, class In, class Out>
bool derivative(Activation act, const In& x, Out&& d) {
  const Eigen::Index w = x.size();
  switch (act) {
    case Activation::silu: d = x.logistic(); d = d * (T(1) + x * (T(1) - d)); return true;
    case Activation::tanh: d = x.tanh(); d = T(1) - d * d; return true;
    case Activation::relu: d = (x > T(0)).select(Arr<T>::Ones(w), Arr<T>::Zero(w)); return true;
    case Activation::softplus: d = x.logistic(); return true;
    case Activation::elu: d = (x > T(0)).select(Arr<T>::Ones(w), x.exp()); return true;
    case Activation::gelu: return false;
  }
  return false;
}

// z <- act(z + b) and, for the s - 1 tangent rows that follow z (stride ld), row <- act'(z + b) row.
template <class T>
bool apply(Activation act, T* z, const T* b, int w, int s, std::ptrdiff_t ld, Arr<T>& pre, Arr<T>& der) {
  using Map = Eigen::Map<Arr<T>>;
  using CMap = Eigen::Map<const Arr<T>>;
  if (act == Activation::gelu) return false;
  Map zr(z, w);
  pre = zr + CMap(b, w);
  if (s > 1) derivative<T>(act, pre, der);
  value<T>(act, pre, zr);
  for (int p = 1; p < s; ++p) Map(z + p * ld, w) *= der;
  return true;
}
}  // namespace eigen_act

/// Whether the host MLP evaluation (MlpField) multiplies with packed_gemm's AVX-512 kernel and
/// weights packed once, instead of Eigen (which repacks the weights in every product): builds
/// for AVX-512 targets. Measured on the reference model's 512 x 512 layers, one thread:
/// 115 against 108 GFLOP/s in float, and the 2-wide output layer 76 against 4 (docs/flows.md).
inline constexpr bool packed_mlp_products =
#if defined(ODEFLOW_PG_AVX512)
    true;
#else
    false;
#endif

/// Rows [r0, r1) of C = A B^T (A rows of length k at stride lda, B (n, k), C at stride ldc),
/// single-threaded. With `packed` (B packed, packed_mlp_products builds): packed_gemm, each
/// row's sums in an order fixed by (n, k). Else Eigen; a single row is padded to two (Eigen's
/// one-row product sums differently).
template <class T>
void tile_product(const T* a, std::ptrdiff_t lda, const T* b, int k, int n, T* c, std::ptrdiff_t ldc, int r0, int r1,
                  const PackedWeights<T>* packed = nullptr) {
  if (packed != nullptr) {
    if (r1 > r0) packed_gemm(r1 - r0, a + r0 * lda, lda, *packed, c + r0 * ldc, ldc);
    return;
  }
  ConstRowMap<T> bt(b, n, k, Eigen::OuterStride<>(k));
  if (r1 - r0 == 1) {
    RowMat<T> a2(2, k), c2(2, n);
    for (int j = 0; j < k; ++j) a2(0, j) = a2(1, j) = a[r0 * lda + j];
    c2.noalias() = a2 * bt.transpose();
    for (int j = 0; j < n; ++j) c[r0 * ldc + j] = c2(0, j);
  } else if (r1 > r0) {
    RowMap<T>(c + r0 * ldc, r1 - r0, n, Eigen::OuterStride<>(ldc)).noalias() =
        ConstRowMap<T>(a + r0 * lda, r1 - r0, k, Eigen::OuterStride<>(lda)) * bt.transpose();
  }
}

/// Bias and activation (with tangent rows) for samples [s0, s1) of a stacked layer output
/// z (rows of width w, `ld` apart, s rows per sample). ld must be a multiple of 16 for the
/// vectorised path to treat every row alike (same alignment per column).
template <class T>
void tile_bias_activate(T* c, int w, std::ptrdiff_t ld, const T* bias, Activation act, int s0, int s1, int s,
                        eigen_act::Arr<T>& pre, eigen_act::Arr<T>& der) {
  const bool vectorise = w % 16 == 0 && ld % 16 == 0;
  for (int i = s0; i < s1; ++i) {
    T* z = c + static_cast<std::ptrdiff_t>(i) * s * ld;
    if (vectorise && eigen_act::apply<T>(act, z, bias, w, s, ld, pre, der)) continue;
    visit_activation(act, [&](auto f) {
      using Act = decltype(f);
      for (int j = 0; j < w; ++j) {
        const T p = z[j] + bias[j];
        const T d = Act::derivative(p);
        for (int q = 1; q < s; ++q) z[static_cast<std::ptrdiff_t>(q) * ld + j] *= d;
        z[j] = Act::value(p);
      }
    });
  }
}

/// A whole stacked MLP evaluation on the host in ONE parallel region: the samples are split
/// into tiles (multiples of 16 samples), and each thread takes its tile through every layer (inputs, products, bias and
/// activation, output) while the tile's activations stay in its cache; no barrier between
/// layers. Every layer's rows are `ld` apart in both buffers (ld >= every width, a multiple of
/// 16), so that a tile owns the same rows of memory in every layer and tiles never overlap.
/// `fill(i)` writes sample i's s input rows into buf0; `write(i, buf)` reads sample i's s output
/// rows (bias not added) from `buf`. Row invariance as gemm_nt (tiles of >= 2 rows, one thread each).
/// `packed` (optional): the layers' weights packed for packed_gemm, used instead of Eigen.
template <class ExecSpace, class T, class Fill, class Write>
void mlp_forward_tiles(const ExecSpace& space, const std::vector<int>& dims, const std::vector<const T*>& weights,
                       const std::vector<const T*>& biases, Activation act, int n, int s, std::ptrdiff_t ld, T* buf0,
                       T* buf1, const Fill& fill, const Write& write, const PackedWeights<T>* packed = nullptr) {
  static_assert(is_host_execution_space_v<ExecSpace>, "EigenGemm runs on host execution spaces");
  if (n <= 0) return;
  const int L = static_cast<int>(dims.size()) - 1;
  int maxw = 1;
  for (int v : dims) maxw = std::max(maxw, v);
  const int conc = std::max(1, static_cast<int>(space.concurrency()));
  const int rows = n * s;
  const int groups = (n + 15) / 16;  // tiles start at multiples of 16 samples
  const int rows_cache = std::max(16, (1 << 17) / maxw);
  int tiles = std::max((rows + rows_cache - 1) / rows_cache, 4 * conc);
  tiles = std::max(1, std::min(tiles, groups));
  Kokkos::parallel_for(
      "odeflow::MlpField[Eigen, fused layers]", Kokkos::RangePolicy<ExecSpace>(space, 0, tiles), [=](int tile) {
        const int s0 = 16 * static_cast<int>(static_cast<long>(groups) * tile / tiles);
        const int s1 = std::min(n, 16 * static_cast<int>(static_cast<long>(groups) * (tile + 1) / tiles));
        // Every product has a multiple of 16 rows: the last tile is padded (zero inputs) into the
        // workspace's spare rows. Then no row takes Eigen's remainder paths, whose summation
        // order differs, and each row's bits are independent of the batch (SSE2 to AVX-512).
        const int r0 = s0 * s, r1 = s1 * s, r1p = r0 + (r1 - r0 + 15) / 16 * 16;
        for (int i = s0; i < s1; ++i) fill(i);
        for (int r = r1; r < r1p; ++r)
          for (int j = 0; j < dims[0]; ++j) buf0[static_cast<std::ptrdiff_t>(r) * ld + j] = T(0);
        eigen_act::Arr<T> pre(maxw), der(maxw);
        T* cur = buf0;
        T* nxt = buf1;
        for (int l = 0; l < L; ++l) {
          const int win = dims[l], wout = dims[l + 1];
          tile_product(cur, ld, weights[l], win, wout, nxt, ld, r0, r1p, packed != nullptr ? packed + l : nullptr);
          if (l + 1 < L) tile_bias_activate(nxt, wout, ld, biases[l], act, s0, s1, s, pre, der);
          std::swap(cur, nxt);
        }
        for (int i = s0; i < s1; ++i) write(i, cur);
      });
}

/// Training forward of one hidden layer on the host, fused per tile: z = A B^T + b (kept for the
/// backward pass) and h = act(z). A (n, k), B (w, k), z and h (n, w).
template <class ExecSpace, class T>
void gemm_nt_bias_activate_keep(EigenGemm, const ExecSpace& space, int n, int w, int k, const T* a, const T* b,
                                T* z, T* h, const T* bias, Activation act) {
  static_assert(is_host_execution_space_v<ExecSpace>, "EigenGemm runs on host execution spaces");
  if (n <= 0 || w <= 0) return;
  const RowTiles rt(n, k);
  const bool vectorise = w % 16 == 0 && act != Activation::gelu;
  Kokkos::parallel_for(
      "odeflow::gemm_nt_bias_activate_keep[Eigen]", Kokkos::RangePolicy<ExecSpace>(space, 0, rt.count), [=](int tile) {
        const int r0 = rt.begin(tile), r1 = rt.end(tile);
        if (r1 <= r0) return;
        ConstRowMap<T> bt(b, w, k, Eigen::OuterStride<>(k));
        if (r1 - r0 == 1) {
          RowMat<T> a2(2, k), c2(2, w);
          for (int j = 0; j < k; ++j) a2(0, j) = a2(1, j) = a[static_cast<std::ptrdiff_t>(r0) * k + j];
          c2.noalias() = a2 * bt.transpose();
          for (int j = 0; j < w; ++j) z[static_cast<std::ptrdiff_t>(r0) * w + j] = c2(0, j);
        } else {
          RowMap<T>(z + static_cast<std::ptrdiff_t>(r0) * w, r1 - r0, w, Eigen::OuterStride<>(w)).noalias() =
              ConstRowMap<T>(a + static_cast<std::ptrdiff_t>(r0) * k, r1 - r0, k, Eigen::OuterStride<>(k)) *
              bt.transpose();
        }
        for (int i = r0; i < r1; ++i) {
          T* zi = z + static_cast<std::ptrdiff_t>(i) * w;
          T* hi = h + static_cast<std::ptrdiff_t>(i) * w;
          if (vectorise) {
            Eigen::Map<eigen_act::Arr<T>> zr(zi, w);
            zr += Eigen::Map<const eigen_act::Arr<T>>(bias, w);
            eigen_act::value<T>(act, zr, Eigen::Map<eigen_act::Arr<T>>(hi, w));
          } else {
            visit_activation(act, [&](auto f) {
              using Act = decltype(f);
              for (int j = 0; j < w; ++j) {
                zi[j] += bias[j];
                hi[j] = Act::value(zi[j]);
              }
            });
          }
        }
      });
}

/// Backward through an activation on the host: g (n, w) <- g * act'(z), vectorised per row.
template <class ExecSpace, class T>
void activation_backward_rows(EigenGemm, const ExecSpace& space, int n, int w, T* g, const T* z, Activation act) {
  const bool vectorise = w % 16 == 0 && act != Activation::gelu;
  const int conc = std::max(1, static_cast<int>(space.concurrency()));
  const int tiles = std::max(1, std::min(n, 4 * conc));
  Kokkos::parallel_for(
      "odeflow::activation_backward[Eigen]", Kokkos::RangePolicy<ExecSpace>(space, 0, tiles), [=](int tile) {
        const int r0 = static_cast<int>(static_cast<long>(n) * tile / tiles);
        const int r1 = static_cast<int>(static_cast<long>(n) * (tile + 1) / tiles);
        eigen_act::Arr<T> der(w);
        for (int i = r0; i < r1; ++i) {
          T* gi = g + static_cast<std::ptrdiff_t>(i) * w;
          const T* zi = z + static_cast<std::ptrdiff_t>(i) * w;
          if (vectorise) {
            eigen_act::derivative<T>(act, Eigen::Map<const eigen_act::Arr<T>>(zi, w), der);
            Eigen::Map<eigen_act::Arr<T>>(gi, w) *= der;
          } else {
            visit_activation(act, [&](auto f) {
              using Act = decltype(f);
              for (int j = 0; j < w; ++j) gi[j] *= Act::derivative(zi[j]);
            });
          }
        }
      });
}

/// Column sums of g (n, w) into out (w), on the host (bias gradients).
template <class ExecSpace, class T>
void column_sums(EigenGemm, const ExecSpace& space, int n, int w, const T* g, T* out) {
  space.fence();
  Eigen::Map<Eigen::Matrix<T, 1, Eigen::Dynamic>>(out, w) = ConstRowMap<T>(g, n, w, Eigen::OuterStride<>(w)).colwise().sum();
}

/// C(m, n) = A(m, k) B(k, n) (backward pass: gradients of a layer's inputs).
template <class ExecSpace, class T>
void gemm_nn(EigenGemm, const ExecSpace& space, int m, int n, int k, const T* a, int lda,
             const T* b, int ldb, T* c, int ldc) {
  static_assert(is_host_execution_space_v<ExecSpace>, "EigenGemm runs on host execution spaces");
  space.fence();
  if (m <= 0 || n <= 0) return;
  RowMap<T> cm(c, m, n, Eigen::OuterStride<>(ldc));
  if (k == 0) {
    cm.setZero();
    return;
  }
  // Fixed row tiles inside a parallel region (Eigen single-threaded in each): Eigen's own
  // threads choose their blocking from the thread count, which changes the bits.
  const RowTiles rt(m, k);
  Kokkos::parallel_for(
      "odeflow::gemm_nn[Eigen]", Kokkos::RangePolicy<ExecSpace>(space, 0, rt.count), [=](int tile) {
        const int r0 = rt.begin(tile), r1 = rt.end(tile);
        if (r1 <= r0) return;
        RowMap<T>(c + static_cast<std::ptrdiff_t>(r0) * ldc, r1 - r0, n, Eigen::OuterStride<>(ldc)).noalias() =
            ConstRowMap<T>(a + static_cast<std::ptrdiff_t>(r0) * lda, r1 - r0, k, Eigen::OuterStride<>(lda)) *
            ConstRowMap<T>(b, k, n, Eigen::OuterStride<>(ldb));
      });
  space.fence();
}

/// C(m, n) = A(k, m)^T B(k, n) (backward pass: weight gradients, a sum over the batch k).
template <class ExecSpace, class T>
void gemm_tn(EigenGemm, const ExecSpace& space, int m, int n, int k, const T* a, int lda,
             const T* b, int ldb, T* c, int ldc) {
  static_assert(is_host_execution_space_v<ExecSpace>, "EigenGemm runs on host execution spaces");
  space.fence();
  if (m <= 0 || n <= 0) return;
  RowMap<T> cm(c, m, n, Eigen::OuterStride<>(ldc));
  if (k == 0) {
    cm.setZero();
    return;
  }
  // Fixed tiles of C's rows (columns of A), Eigen single-threaded in each (see gemm_nn).
  const RowTiles rt(m, k);
  Kokkos::parallel_for(
      "odeflow::gemm_tn[Eigen]", Kokkos::RangePolicy<ExecSpace>(space, 0, rt.count), [=](int tile) {
        const int r0 = rt.begin(tile), r1 = rt.end(tile);
        if (r1 <= r0) return;
        RowMap<T>(c + static_cast<std::ptrdiff_t>(r0) * ldc, r1 - r0, n, Eigen::OuterStride<>(ldc)).noalias() =
            ConstRowMap<T>(a + r0, k, r1 - r0, Eigen::OuterStride<>(lda)).transpose() *
            ConstRowMap<T>(b, k, n, Eigen::OuterStride<>(ldb));
      });
  space.fence();
}

// Portable kernels: one thread per output element, the inner sum in index order (so
// every element, and every row, is computed the same way whatever the sizes).

template <class ExecSpace, class T>
void gemm_nt(KokkosGemm, const ExecSpace& space, int m, int n, int k, const T* a, int lda,
             const T* b, int ldb, T* c, int ldc) {
  if (m <= 0 || n <= 0) return;
  Kokkos::parallel_for(
      "odeflow::gemm_nt[Kokkos]",
      Kokkos::MDRangePolicy<ExecSpace, Kokkos::Rank<2>>(space, {0, 0}, {m, n}),
      KOKKOS_LAMBDA(int i, int j) {
        const T* ai = a + static_cast<std::ptrdiff_t>(i) * lda;
        const T* bj = b + static_cast<std::ptrdiff_t>(j) * ldb;
        T s = T(0);
        for (int p = 0; p < k; ++p) s += ai[p] * bj[p];
        c[static_cast<std::ptrdiff_t>(i) * ldc + j] = s;
      });
}

template <class ExecSpace, class T>
void gemm_nn(KokkosGemm, const ExecSpace& space, int m, int n, int k, const T* a, int lda,
             const T* b, int ldb, T* c, int ldc) {
  if (m <= 0 || n <= 0) return;
  Kokkos::parallel_for(
      "odeflow::gemm_nn[Kokkos]",
      Kokkos::MDRangePolicy<ExecSpace, Kokkos::Rank<2>>(space, {0, 0}, {m, n}),
      KOKKOS_LAMBDA(int i, int j) {
        const T* ai = a + static_cast<std::ptrdiff_t>(i) * lda;
        T s = T(0);
        for (int p = 0; p < k; ++p) s += ai[p] * b[static_cast<std::ptrdiff_t>(p) * ldb + j];
        c[static_cast<std::ptrdiff_t>(i) * ldc + j] = s;
      });
}

template <class ExecSpace, class T>
void gemm_tn(KokkosGemm, const ExecSpace& space, int m, int n, int k, const T* a, int lda,
             const T* b, int ldb, T* c, int ldc) {
  if (m <= 0 || n <= 0) return;
  Kokkos::parallel_for(
      "odeflow::gemm_tn[Kokkos]",
      Kokkos::MDRangePolicy<ExecSpace, Kokkos::Rank<2>>(space, {0, 0}, {m, n}),
      KOKKOS_LAMBDA(int i, int j) {
        T s = T(0);
        for (int p = 0; p < k; ++p)
          s += a[static_cast<std::ptrdiff_t>(p) * lda + i] * b[static_cast<std::ptrdiff_t>(p) * ldb + j];
        c[static_cast<std::ptrdiff_t>(i) * ldc + j] = s;
      });
}

}  // namespace detail
}  // namespace odeflow
