// packed_gemm (C = A B^T with packed weights): the documented summation order bitwise on the dispatched and the
// portable path, accuracy within Higham's bound, bitwise row independence (tile size, row offset, strides,
// alignment, blocking), remainder rows and columns, k = 0, and that nothing outside C(r, n) is written.
#include <odeflow/flows/detail/packed_gemm.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <iomanip>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace {

using namespace odeflow::detail;

// Under AddressSanitizer (the asan preset, -O1) the full shape sweep alone takes about half a minute: a
// subset of it there that still has both schemes and every remainder kind (see sweep_shapes).
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif

#if defined(ODEFLOW_PG_AVX512)
constexpr const char* kPath = "AVX-512";
#else
constexpr const char* kPath = "portable";
#endif

// A broken kernel fails nearly every shape alike: report the first few failing shapes, then stop.
constexpr int kMaxFailedShapes = 5;

template <class T>
bool same_bits(T x, T y) {
  return std::memcmp(&x, &y, sizeof(T)) == 0;
}

template <class T>
const char* type_name() {
  return sizeof(T) == 4 ? "float" : "double";
}

// A value with all its digits and its bits (hexfloat), for bitwise comparisons.
template <class T>
std::string show(T x) {
  std::ostringstream s;
  s << std::setprecision(std::numeric_limits<T>::max_digits10) << x << " (" << std::hexfloat << x << ")";
  return s.str();
}

// Reference precision: double for float, long double (x87 extended on x86-64) for double.
template <class T>
using Wide = std::conditional_t<sizeof(T) == 4, double, long double>;

// The documented order, written independently of the kernels (unpacked B).
template <class T>
T spec_element(const T* ai, const T* bj, int n, int k) {
  constexpr int L = PackedWeights<T>::lanes;
  const bool dot = n < PackedWeights<T>::dot_max_n && k >= PackedWeights<T>::dot_min_k;
  if (!dot) {
    T acc = T(0);
    for (int p = 0; p < k; ++p) acc = std::fma(ai[p], bj[p], acc);
    return acc;
  }
  T s[L];
  for (int l = 0; l < L; ++l) s[l] = T(0);
  const int kp = (k + L - 1) / L * L;
  for (int p = 0; p < kp; ++p) s[p % L] = std::fma(p < k ? ai[p] : T(0), p < k ? bj[p] : T(0), s[p % L]);
  for (int h = L / 2; h >= 1; h /= 2)
    for (int l = 0; l < h; ++l) s[l] += s[l + h];
  return s[0];
}

/// One product: A (r, k) at row stride lda = k + pad_a, B (n, k) compact, C (r, n) at row stride ldc = n + pad_c.
struct Shape {
  int r, n, k;
  std::ptrdiff_t pad_a, pad_c;
  unsigned seed;
};

template <class T>
std::string describe(const Shape& s) {
  const bool dot = s.n < PackedWeights<T>::dot_max_n && s.k >= PackedWeights<T>::dot_min_k;
  std::ostringstream o;
  o << type_name<T>() << " r=" << s.r << " n=" << s.n << " k=" << s.k << " lda=" << s.k + s.pad_a
    << " ldc=" << s.n + s.pad_c << " seed=" << s.seed << " (" << (dot ? "dot" : "outer") << " scheme, " << kPath
    << " build)";
  return o.str();
}

template <class T>
struct Problem {
  int r, n, k;
  std::ptrdiff_t lda, ldc;
  std::vector<T> a, b;
  explicit Problem(const Shape& s) : r(s.r), n(s.n), k(s.k), lda(s.k + s.pad_a), ldc(s.n + s.pad_c) {
    std::mt19937 gen(s.seed);
    std::uniform_real_distribution<double> u(-1, 1);
    a.resize(static_cast<std::size_t>(std::max(r, 1)) * lda);
    b.resize(static_cast<std::size_t>(std::max(n, 1)) * std::max(k, 1));
    for (auto& x : a) x = T(u(gen));
    for (auto& x : b) x = T(u(gen));
    // A few exact zeros, negative zeros and wide magnitudes.
    for (std::size_t i = 0; i < a.size(); i += 37) a[i] = (i / 37) % 2 ? T(0) : T(-0.0);
    for (std::size_t i = 5; i < a.size(); i += 101) a[i] *= T(1e3);
    // A's padding columns k..lda-1 hold NaN: a kernel that lets them into C (an unmasked tail) fails.
    for (int i = 0; i < r; ++i)
      for (std::ptrdiff_t p = k; p < lda; ++p) a[i * lda + p] = std::numeric_limits<T>::quiet_NaN();
  }
};

const float sentinel_f = 12345.5f;

// Elements after C's last row, so that a store past the end is a reported failure, not heap corruption.
constexpr std::size_t kGuard = 128;

// C (r rows at stride ldc, then kGuard elements, all filled with the sentinel) from the dispatched or the
// portable path.
template <class T>
std::vector<T> run(const Problem<T>& pr, const PackedWeights<T>& w, bool portable) {
  std::vector<T> c(static_cast<std::size_t>(pr.r) * pr.ldc + kGuard, T(sentinel_f));
  if (portable)
    packed_gemm_portable(pr.r, pr.a.data(), pr.lda, w, c.data(), pr.ldc);
  else
    packed_gemm(pr.r, pr.a.data(), pr.lda, w, c.data(), pr.ldc);
  return c;
}

// The shapes of the sweep: every (k, n, r) of the grid, then the MLP's shapes at full tile sizes with its row
// stride 512, then k = 0. The grid has both schemes (dot: n < 8 and k >= 32), k with and without a tail
// beyond the lanes, every row remainder of the outer scheme's 6-row microkernel (r mod 6 = 0..5) and of the
// dot scheme's 8-row tile, and for float (16 lanes, 64-column panels) and double (8 lanes, 32-column panels)
// last panels of 1 to 4 vectors, full and masked. Under ASan a sub-grid that keeps all of that (the same
// shapes with the same seeds and paddings as in the full sweep) and smaller MLP tiles.
std::vector<Shape> sweep_shapes() {
  auto in = [](std::initializer_list<int> set, int v) { return std::find(set.begin(), set.end(), v) != set.end(); };
  std::vector<Shape> list;
  unsigned seed = 1;
  for (int k : {1, 2, 3, 15, 16, 17, 31, 32, 33, 100, 512, 513})
    for (int n : {1, 2, 3, 7, 8, 15, 16, 17, 24, 31, 33, 48, 63, 64, 65, 96, 100, 130, 512})
      for (int r : {1, 2, 3, 4, 5, 6, 7, 13, 16, 35}) {
        const bool keep = !kSanitized || (in({1, 3, 16, 17, 32, 33, 100, 513}, k) &&
                                          in({1, 2, 7, 8, 15, 16, 17, 24, 31, 33, 48, 64, 96, 130}, n) &&
                                          in({1, 2, 3, 4, 5, 6, 13}, r));
        if (keep) list.push_back({r, n, k, (seed % 3) * 3, seed % 4, seed});
        ++seed;
      }
  for (int r : kSanitized ? std::initializer_list<int>{16, 37} : std::initializer_list<int>{16, 256, 768}) {
    list.push_back({r, 512, 3, 509, 0, 11u});
    list.push_back({r, 512, 512, 0, 0, 12u});
    list.push_back({r, 2, 512, 0, 510, 13u});
  }
  list.push_back({4, 5, 0, 0, 1, 14u});  // k = 0: C = 0
  return list;
}

// Runs `check` on every shape; a failing shape reports its first failing element once.
template <class F>
void for_each_shape(const std::vector<Shape>& shapes, F check) {
  int failed = 0;
  for (const Shape& s : shapes) {
    const ::testing::AssertionResult result = check(s);
    if (!result) {
      ADD_FAILURE() << result.message();
      if (++failed == kMaxFailedShapes) {
        ADD_FAILURE() << "stopping after " << failed << " failing shapes";
        return;
      }
    }
  }
}

// Every element of C, on the dispatched and on the portable path, is bitwise the documented order.
template <class T>
::testing::AssertionResult follows_documented_order(const Shape& s) {
  const Problem<T> pr(s);
  const PackedWeights<T> w(pr.b.data(), s.n, s.k);
  const std::vector<T> c = run(pr, w, false), cp = run(pr, w, true);
  for (int i = 0; i < s.r; ++i) {
    const T* ai = pr.a.data() + i * pr.lda;
    for (int j = 0; j < s.n; ++j) {
      const T spec = spec_element(ai, pr.b.data() + static_cast<std::ptrdiff_t>(j) * s.k, s.n, s.k);
      const T got = c[i * pr.ldc + j], got_portable = cp[i * pr.ldc + j];
      if (!same_bits(got, spec))
        return ::testing::AssertionFailure() << describe<T>(s) << ": packed_gemm C(" << i << ", " << j
                                             << ") = " << show(got) << ", the documented order gives " << show(spec);
      if (!same_bits(got_portable, spec))
        return ::testing::AssertionFailure() << describe<T>(s) << ": packed_gemm_portable C(" << i << ", " << j
                                             << ") = " << show(got_portable) << ", the documented order gives "
                                             << show(spec);
    }
  }
  return ::testing::AssertionSuccess();
}

// Any order of k fused products (one chain, or lanes plus a tree) is within gamma_k * sum |a_p b_p| of the
// exact sum, gamma_k = k u / (1 - k u) (Higham, Accuracy and Stability of Numerical Algorithms, 3.1); the wide
// reference adds at most k u_wide sum |a b|, far below. Tolerance: 1.01 gamma_k sum |a b| (+ the smallest
// subnormal, for k = 0 and all-zero products).
template <class T>
::testing::AssertionResult within_higham_bound(const Shape& s) {
  const Problem<T> pr(s);
  const PackedWeights<T> w(pr.b.data(), s.n, s.k);
  const std::vector<T> c = run(pr, w, false);
  const double u = std::numeric_limits<T>::epsilon() / 2;
  const double gamma = s.k * u / (1 - s.k * u);
  for (int i = 0; i < s.r; ++i) {
    const T* ai = pr.a.data() + i * pr.lda;
    for (int j = 0; j < s.n; ++j) {
      const T* bj = pr.b.data() + static_cast<std::ptrdiff_t>(j) * s.k;
      Wide<T> ref = 0, mag = 0;
      for (int p = 0; p < s.k; ++p) {
        ref += static_cast<Wide<T>>(ai[p]) * static_cast<Wide<T>>(bj[p]);
        mag += std::fabs(static_cast<Wide<T>>(ai[p]) * static_cast<Wide<T>>(bj[p]));
      }
      const T got = c[i * pr.ldc + j];
      const double err = std::fabs(static_cast<double>(static_cast<Wide<T>>(got) - ref));
      const double bound = 1.01 * gamma * static_cast<double>(mag);
      if (!(err <= bound + std::numeric_limits<T>::denorm_min()))
        return ::testing::AssertionFailure() << describe<T>(s) << ": C(" << i << ", " << j << ") = " << show(got)
                                             << ", error " << err << " > bound 1.01 gamma_k sum|a b| = " << bound
                                             << " (reference " << show(ref) << ")";
    }
  }
  return ::testing::AssertionSuccess();
}

// On both paths, columns n..ldc-1 of every row of C (masked stores) and the guard after the last row keep
// the sentinel.
template <class T>
::testing::AssertionResult writes_only_c(const Shape& s) {
  const Problem<T> pr(s);
  const PackedWeights<T> w(pr.b.data(), s.n, s.k);
  for (const bool portable : {false, true}) {
    const std::vector<T> c = run(pr, w, portable);
    for (std::size_t e = 0; e < c.size(); ++e) {
      const std::ptrdiff_t i = static_cast<std::ptrdiff_t>(e) / pr.ldc, j = static_cast<std::ptrdiff_t>(e) % pr.ldc;
      if ((i >= s.r || j >= s.n) && !(c[e] == T(sentinel_f)))
        return ::testing::AssertionFailure()
               << describe<T>(s) << ": " << (portable ? "packed_gemm_portable" : "packed_gemm") << " wrote "
               << (i < s.r ? "C(" + std::to_string(i) + ", " + std::to_string(j) + "), beyond column n"
                           : "element " + std::to_string(e - static_cast<std::size_t>(s.r) * pr.ldc) +
                                 " after C's last row")
               << ": " << show(c[e]);
    }
  }
  return ::testing::AssertionSuccess();
}

// Bitwise row independence: every row of the full product (R rows) equals the same row computed in any other
// tile (size, position, alignment, strides), including single rows and remainder blocks.
template <class T>
::testing::AssertionResult rows_are_independent(int n, int k) {
  const int R = 768;
  const Shape shape{R, n, k, /*pad_a=*/k >= 16 ? 0 : 5, /*pad_c=*/3, 1000u + static_cast<unsigned>(n + k)};
  const Problem<T> pr(shape);
  const PackedWeights<T> w(pr.b.data(), n, k);
  const std::vector<T> full = run(pr, w, false);
  struct Tile {
    int r0, rows;
  };
  const Tile tiles[] = {{0, 16}, {16, 16}, {752, 16}, {0, 256}, {512, 256}, {100, 256}, {7, 1},    {767, 1}, {3, 5},
                        {1, 13}, {9, 11},  {0, 7},    {5, 37}, {250, 19},  {0, 767},   {1, 767}, {20, 3},  {41, 8}};
  const std::string what = describe<T>(shape);
  for (const Tile& t : tiles) {
    // The rows copied to a fresh buffer at another row stride and alignment offset, C at another stride.
    for (const int shift : {0, 1, 3}) {
      const std::ptrdiff_t lda2 = k + 1 + shift, ldc2 = n + 2 * shift + 1;
      std::vector<T> a2(static_cast<std::size_t>(t.rows) * lda2 + shift + 1, std::numeric_limits<T>::quiet_NaN());
      T* a2p = a2.data() + shift;
      for (int i = 0; i < t.rows; ++i)
        for (int p = 0; p < k; ++p) a2p[i * lda2 + p] = pr.a[(t.r0 + i) * pr.lda + p];
      std::vector<T> c2(static_cast<std::size_t>(t.rows) * ldc2 + shift + kGuard, T(sentinel_f));
      T* c2p = c2.data() + shift;
      packed_gemm(t.rows, a2p, lda2, w, c2p, ldc2);
      for (int i = 0; i < t.rows; ++i)
        for (int j = 0; j < n; ++j)
          if (!same_bits(c2p[i * ldc2 + j], full[(t.r0 + i) * pr.ldc + j]))
            return ::testing::AssertionFailure()
                   << what << ": row " << t.r0 + i << " col " << j << " computed in the tile of rows [" << t.r0 << ", "
                   << t.r0 + t.rows << ") at lda " << lda2 << ", ldc " << ldc2 << ", offset " << shift << " is "
                   << show(c2p[i * ldc2 + j]) << ", in the full product " << show(full[(t.r0 + i) * pr.ldc + j]);
      // Nothing outside the tile's C: the offset, columns n..ldc2-1, the guard after the last row.
      for (std::size_t e = 0; e < c2.size(); ++e) {
        const std::ptrdiff_t off = static_cast<std::ptrdiff_t>(e) - shift;
        const bool inside = off >= 0 && off / ldc2 < t.rows && off % ldc2 < n;
        if (!inside && !(c2[e] == T(sentinel_f)))
          return ::testing::AssertionFailure() << what << ": tile [" << t.r0 << ", " << t.r0 + t.rows << ") at ldc "
                                               << ldc2 << ", offset " << shift << " wrote element " << off
                                               << " of C, outside its " << t.rows << " x " << n << " block";
      }
    }
    // In place within the original buffers (same strides, offset pointers); other rows untouched.
    std::vector<T> c3(static_cast<std::size_t>(R) * pr.ldc + kGuard, T(sentinel_f));
    packed_gemm(t.rows, pr.a.data() + t.r0 * pr.lda, pr.lda, w, c3.data() + t.r0 * pr.ldc, pr.ldc);
    for (int i = 0; i < R; ++i) {
      const bool in_tile = i >= t.r0 && i < t.r0 + t.rows;
      for (std::ptrdiff_t j = 0; j < pr.ldc; ++j) {
        const T x = c3[i * pr.ldc + j];
        if (in_tile && j < n && !same_bits(x, full[i * pr.ldc + j]))
          return ::testing::AssertionFailure()
                 << what << ": row " << i << " col " << j << " computed in place in the tile [" << t.r0 << ", "
                 << t.r0 + t.rows << ") is " << show(x) << ", in the full product " << show(full[i * pr.ldc + j]);
        if ((!in_tile || j >= n) && !(x == T(sentinel_f)))
          return ::testing::AssertionFailure() << what << ": the tile [" << t.r0 << ", " << t.r0 + t.rows
                                               << ") computed in place wrote C(" << i << ", " << j << ")";
      }
    }
    for (std::size_t e = static_cast<std::size_t>(R) * pr.ldc; e < c3.size(); ++e)
      if (!(c3[e] == T(sentinel_f)))
        return ::testing::AssertionFailure() << what << ": the tile [" << t.r0 << ", " << t.r0 + t.rows
                                             << ") computed in place wrote past C's last row";
  }
  return ::testing::AssertionSuccess();
}

template <class T>
class PackedGemm : public ::testing::Test {};
using Scalars = ::testing::Types<float, double>;
TYPED_TEST_SUITE(PackedGemm, Scalars);

/// Both paths give bitwise the documented order on every shape (remainder rows and columns, both schemes,
/// the MLP's shapes at full tile sizes): the dispatched path has the portable path's bits.
TYPED_TEST(PackedGemm, FollowsTheDocumentedOrderBitwise) {
  this->RecordProperty("path", kPath);
  for_each_shape(sweep_shapes(), follows_documented_order<TypeParam>);
}

/// Every element within 1.01 gamma_k sum |a_p b_p| of a product in higher precision.
TYPED_TEST(PackedGemm, ErrorWithinHighamBound) { for_each_shape(sweep_shapes(), within_higham_bound<TypeParam>); }

/// Only the first n columns of C's r rows are written (columns up to ldc keep their value).
TYPED_TEST(PackedGemm, WritesOnlyTheFirstNColumns) { for_each_shape(sweep_shapes(), writes_only_c<TypeParam>); }

/// k = 0: C(r, n) = +0 on both paths, nothing else written; r = 0 or n = 0 writes nothing.
TYPED_TEST(PackedGemm, EmptySumsAndEmptyProducts) {
  using T = TypeParam;
  for (const Shape& s : {Shape{4, 5, 0, 0, 1, 14u}, Shape{13, 70, 0, 2, 3, 15u}, Shape{1, 3, 0, 0, 2, 16u}}) {
    const Problem<T> pr(s);
    const PackedWeights<T> w(pr.b.data(), s.n, s.k);
    for (const bool portable : {false, true}) {
      const std::vector<T> c = run(pr, w, portable);
      for (int i = 0; i < s.r; ++i)
        for (std::ptrdiff_t j = 0; j < pr.ldc; ++j) {
          const T x = c[i * pr.ldc + j];
          ASSERT_TRUE(j < s.n ? same_bits(x, T(0)) : x == T(sentinel_f))
              << describe<T>(s) << (portable ? " portable" : "") << ": C(" << i << ", " << j << ") = " << show(x);
        }
    }
  }
  const Shape s{3, 20, 7, 1, 2, 17u};
  const Problem<T> pr(s);
  const PackedWeights<T> w(pr.b.data(), s.n, s.k), none(pr.b.data(), 0, s.k);
  std::vector<T> c(static_cast<std::size_t>(s.r) * pr.ldc, T(sentinel_f));
  packed_gemm(0, pr.a.data(), pr.lda, w, c.data(), pr.ldc);
  packed_gemm_portable(0, pr.a.data(), pr.lda, w, c.data(), pr.ldc);
  packed_gemm(s.r, pr.a.data(), pr.lda, none, c.data(), pr.ldc);
  packed_gemm_portable(s.r, pr.a.data(), pr.lda, none, c.data(), pr.ldc);
  for (std::size_t e = 0; e < c.size(); ++e) ASSERT_EQ(c[e], T(sentinel_f)) << "element " << e << " written";
}

/// Each row of C is bitwise the same whatever tile (size, row offset, strides, alignment) it is computed in.
TYPED_TEST(PackedGemm, RowsAreBitwiseIndependentOfTheTile) {
  for (const auto& [n, k] : {std::pair{512, 3}, {512, 512}, {2, 512}, {3, 512}, {3, 3}, {2, 3}, {17, 33}, {100, 1}})
    EXPECT_TRUE(rows_are_independent<TypeParam>(n, k));
}

/// The outer scheme's blocking (rows per L2 block, k per block with C reloads) never changes the bits.
TYPED_TEST(PackedGemm, BlockingDoesNotChangeTheBits) {
#if defined(ODEFLOW_PG_AVX512)
  using T = TypeParam;
  namespace impl = packed_gemm_impl;
  const int mr = impl::outer_mr<T>;
  for (const int r : {1, 5, 6, 7, 40})
    for (const auto& [n, k] : {std::pair{512, 512}, {100, 37}, {17, 3}, {64, 1}}) {
      const Shape s{r, n, k, 0, 1, 77u};
      const Problem<T> pr(s);
      const PackedWeights<T> w(pr.b.data(), n, k);
      ASSERT_EQ(w.scheme(), PackedWeights<T>::Scheme::outer) << describe<T>(s);
      const std::vector<T> ref = run(pr, w, false);
      for (const int mc : {mr, 2 * mr, 5 * mr, 1 << 20})
        for (const int kc : {1, 3, 16, 100, 1 << 20}) {
          std::vector<T> c(static_cast<std::size_t>(r) * pr.ldc + kGuard, T(sentinel_f));
          impl::outer_avx512<T>(r, pr.a.data(), pr.lda, w, c.data(), pr.ldc, {mc, kc});
          // All of C, the columns beyond n and the guard after the last row (still the sentinel in both).
          for (std::size_t e = 0; e < c.size(); ++e) {
            const auto i = static_cast<std::ptrdiff_t>(e) / pr.ldc, j = static_cast<std::ptrdiff_t>(e) % pr.ldc;
            ASSERT_TRUE(same_bits(c[e], ref[e])) << describe<T>(s) << ", blocking mc=" << mc << " kc=" << kc
                                                 << ": element (" << i << ", " << j << ") = " << show(c[e])
                                                 << ", expected " << show(ref[e]);
          }
        }
    }
#else
  GTEST_SKIP() << "portable build (no AVX-512): no blocking to vary";
#endif
}

template <class T>
class PackedGemmWeights : public ::testing::Test {};
TYPED_TEST_SUITE(PackedGemmWeights, Scalars);

/// Packing from a strided B (ldb > k) equals packing its compact copy (both schemes).
TYPED_TEST(PackedGemmWeights, StridedPackingEqualsCompactPacking) {
  using T = TypeParam;
  for (const auto& [n, k, ldb] : {std::tuple{70, 9, 12}, {3, 40, 45}}) {
    std::vector<T> bs(static_cast<std::size_t>(n) * ldb), bc(static_cast<std::size_t>(n) * k), a(3 * k, T(0.5));
    for (std::size_t i = 0; i < bs.size(); ++i) bs[i] = T(int(i % 17) - 8);
    for (int j = 0; j < n; ++j)
      for (int p = 0; p < k; ++p) bc[j * k + p] = bs[j * ldb + p];
    const PackedWeights<T> ws(bs.data(), n, k, ldb), wc(bc.data(), n, k);
    ASSERT_EQ(ws.scheme(), wc.scheme());
    std::vector<T> c1(3 * n), c2(3 * n);
    packed_gemm(3, a.data(), k, ws, c1.data(), n);
    packed_gemm(3, a.data(), k, wc, c2.data(), n);
    EXPECT_EQ(c1, c2) << "n=" << n << " k=" << k << " ldb=" << ldb;
  }
}

/// Copies and moves keep the layout and the 64-byte alignment.
TYPED_TEST(PackedGemmWeights, CopiesAndMovesKeepTheLayoutAndAlignment) {
  using T = TypeParam;
  const int n = 70, k = 9;
  std::vector<T> b(static_cast<std::size_t>(n) * k), a(3 * k, T(0.5));
  for (std::size_t i = 0; i < b.size(); ++i) b[i] = T(int(i % 17) - 8);
  const PackedWeights<T> w(b.data(), n, k);
  std::vector<T> c1(3 * n), c2(3 * n), c3(3 * n);
  packed_gemm(3, a.data(), k, w, c1.data(), n);
  PackedWeights<T> copy = w, moved;
  packed_gemm(3, a.data(), k, copy, c2.data(), n);
  EXPECT_EQ(c2, c1) << "copy";
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(copy.data()) % 64, 0u) << "copy";
  moved = std::move(copy);
  packed_gemm(3, a.data(), k, moved, c3.data(), n);
  EXPECT_EQ(c3, c1) << "moved";
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(moved.data()) % 64, 0u) << "moved";
  EXPECT_EQ(moved.n(), n);
  EXPECT_EQ(moved.k(), k);
}

}  // namespace
