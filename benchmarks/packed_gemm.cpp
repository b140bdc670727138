// The MLP's layer product: detail::packed_gemm (weights packed once, AVX-512 microkernel) against Eigen's
// C.noalias() = A * B.transpose() on row-major maps (what MlpField used before), one thread, the reference
// model's shapes, with the measured FMA peak.
// One JSON object per line on stdout. Each timing is repeated `reps` times (default 5; each sample repeats
// the product until it lasts >= min_s seconds; ours and Eigen's samples alternate); best and median GFLOP/s
// are printed. B is packed once outside the timing (it is constant across calls); Eigen repacks per call,
// as the current code does.
//
//   tools/dev bench packed_gemm [--quick] [--reps N] [--ld tight|512]
//
// --ld 512 (default): A and C rows 512 elements apart, as in the MLP's fused forward (mlp_forward_tiles
// keeps every layer at the same row stride ld >= every width); --ld tight: lda = k, ldc = n.
#include <odeflow/flows/detail/packed_gemm.hpp>

#include <Eigen/Core>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Stats {
  double best, median;  // seconds per call
};

// One sample: f repeated until it lasts >= min_s; seconds per call.
double sample(const std::function<void()>& f, double min_s) {
  int inner = 0;
  const auto t0 = Clock::now();
  double s = 0;
  do {
    f();
    ++inner;
    s = std::chrono::duration<double>(Clock::now() - t0).count();
  } while (s < min_s);
  return s / inner;
}

Stats summarize(std::vector<double> t) {
  std::sort(t.begin(), t.end());
  return {t.front(), t[t.size() / 2]};
}

[[maybe_unused]] Stats time_it(const std::function<void()>& f, int reps, double min_s) {
  f();
  f();
  std::vector<double> t;
  for (int r = 0; r < reps; ++r) t.push_back(sample(f, min_s));
  return summarize(t);
}

// Two contenders sampled alternately (f, g, f, g, ...), so that a disturbance on the shared machine
// hits both alike.
std::pair<Stats, Stats> time_pair(const std::function<void()>& f, const std::function<void()>& g, int reps,
                                  double min_s) {
  f();
  g();
  f();
  g();
  std::vector<double> tf, tg;
  for (int r = 0; r < reps; ++r) {
    tf.push_back(sample(f, min_s));
    tg.push_back(sample(g, min_s));
  }
  return {summarize(tf), summarize(tg)};
}

// Register-only FMA loop: 24 independent accumulators (well beyond FMA latency x throughput), no memory
// operand; the operands are zero (no denormal or overflow slow paths).
#if defined(__AVX512F__)
#define PG_FMA24(op)                                                                                      \
  op " %%zmm30, %%zmm31, %%zmm0\n\t" op " %%zmm30, %%zmm31, %%zmm1\n\t" op " %%zmm30, %%zmm31, %%zmm2\n\t"   \
  op " %%zmm30, %%zmm31, %%zmm3\n\t" op " %%zmm30, %%zmm31, %%zmm4\n\t" op " %%zmm30, %%zmm31, %%zmm5\n\t"   \
  op " %%zmm30, %%zmm31, %%zmm6\n\t" op " %%zmm30, %%zmm31, %%zmm7\n\t" op " %%zmm30, %%zmm31, %%zmm8\n\t"   \
  op " %%zmm30, %%zmm31, %%zmm9\n\t" op " %%zmm30, %%zmm31, %%zmm10\n\t" op " %%zmm30, %%zmm31, %%zmm11\n\t" \
  op " %%zmm30, %%zmm31, %%zmm12\n\t" op " %%zmm30, %%zmm31, %%zmm13\n\t" op " %%zmm30, %%zmm31, %%zmm14\n\t" \
  op " %%zmm30, %%zmm31, %%zmm15\n\t" op " %%zmm30, %%zmm31, %%zmm16\n\t" op " %%zmm30, %%zmm31, %%zmm17\n\t" \
  op " %%zmm30, %%zmm31, %%zmm18\n\t" op " %%zmm30, %%zmm31, %%zmm19\n\t" op " %%zmm30, %%zmm31, %%zmm20\n\t" \
  op " %%zmm30, %%zmm31, %%zmm21\n\t" op " %%zmm30, %%zmm31, %%zmm22\n\t" op " %%zmm30, %%zmm31, %%zmm23\n\t"
#define PG_CLOBBER                                                                                        \
  "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", \
      "xmm13", "xmm14", "xmm15", "xmm16", "xmm17", "xmm18", "xmm19", "xmm20", "xmm21", "xmm22", "xmm23",    \
      "xmm30", "xmm31", "cc"
#endif

template <class T>
double peak_gflops(int reps, double min_s) {
#if defined(__AVX512F__)
  constexpr long iters = 1 << 18;
  auto kernel = [&] {
    long n = iters;
    if constexpr (sizeof(T) == 4)
      __asm__ volatile(
          "vpxord %%zmm30, %%zmm30, %%zmm30\n\tvpxord %%zmm31, %%zmm31, %%zmm31\n\t"
          "1:\n\t" PG_FMA24("vfmadd231ps") "dec %0\n\tjnz 1b\n\t"
          : "+r"(n)
          :
          : PG_CLOBBER);
    else
      __asm__ volatile(
          "vpxord %%zmm30, %%zmm30, %%zmm30\n\tvpxord %%zmm31, %%zmm31, %%zmm31\n\t"
          "1:\n\t" PG_FMA24("vfmadd231pd") "dec %0\n\tjnz 1b\n\t"
          : "+r"(n)
          :
          : PG_CLOBBER);
  };
  const Stats st = time_it(kernel, reps, min_s);
  return 2.0 * 24 * (64 / sizeof(T)) * iters / st.best * 1e-9;
#else
  (void)reps;
  (void)min_s;
  return 0;
#endif
}

template <class T>
using RowMat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <class T>
using RowMap = Eigen::Map<RowMat<T>, Eigen::Unaligned, Eigen::OuterStride<>>;
template <class T>
using ConstRowMap = Eigen::Map<const RowMat<T>, Eigen::Unaligned, Eigen::OuterStride<>>;

template <class T>
void run_case(const char* prec, int r, int n, int k, bool tight, int reps, double min_s) {
  const std::ptrdiff_t lda = tight ? k : std::max(512, k), ldc = tight ? n : std::max(512, n);
  std::mt19937 gen(42);
  std::uniform_real_distribution<double> u(-1, 1);
  std::vector<T> a(static_cast<std::size_t>(r) * lda), b(static_cast<std::size_t>(n) * k),
      c1(static_cast<std::size_t>(r) * ldc), c2(static_cast<std::size_t>(r) * ldc);
  for (auto& x : a) x = T(u(gen));
  for (auto& x : b) x = T(u(gen));
  const odeflow::detail::PackedWeights<T> w(b.data(), n, k);
  ConstRowMap<T> am(a.data(), r, k, Eigen::OuterStride<>(lda));
  ConstRowMap<T> bm(b.data(), n, k, Eigen::OuterStride<>(k));
  RowMap<T> cm(c2.data(), r, n, Eigen::OuterStride<>(ldc));
  const double flops = 2.0 * r * n * k;
  const auto [ours, eig] = time_pair([&] { odeflow::detail::packed_gemm(r, a.data(), lda, w, c1.data(), ldc); },
                                     [&] { cm.noalias() = am * bm.transpose(); }, reps, min_s);
  double maxdiff = 0;
  for (int i = 0; i < r; ++i)
    for (int j = 0; j < n; ++j)
      maxdiff = std::max(maxdiff, std::abs(double(c1[i * ldc + j]) - double(c2[i * ldc + j])));
  for (int impl = 0; impl < 2; ++impl) {
    const Stats& s = impl == 0 ? ours : eig;
    const std::string prec_name = std::string(prec) == "float" ? "float32" : "float64";
    std::printf(
        "{\"bench\": \"packed_gemm\", \"case\": \"r%d_n%d_k%d\", \"impl\": \"%s\", \"precision\": \"%s\", "
        "\"threads\": 1, \"n\": %d, \"seconds\": %.6g, \"lda\": %td, \"ldc\": %td, \"gflops\": %.2f, "
        "\"gflops_median\": %.2f, \"ratio_vs_eigen\": %.3f, \"max_abs_diff_vs_eigen\": %.3g}\n",
        r, n, k, impl == 0 ? "odeflow" : "eigen", prec_name.c_str(), r, s.best, lda, ldc, flops / s.best * 1e-9,
        flops / s.median * 1e-9, impl == 0 ? eig.best / ours.best : 1.0, maxdiff);
    std::fflush(stdout);
  }
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = false, tight = false;
  int reps = 5;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--quick")) quick = true;
    if (!std::strcmp(argv[i], "--reps") && i + 1 < argc) reps = std::atoi(argv[++i]);
    if (!std::strcmp(argv[i], "--ld") && i + 1 < argc) tight = !std::strcmp(argv[++i], "tight");
  }
  Eigen::setNbThreads(1);
  const double min_s = quick ? 0.05 : 0.2;
  std::printf("{\"bench\": \"packed_gemm\", \"case\": \"fma_peak\", \"impl\": \"peak\", \"precision\": \"float32\", "
              "\"threads\": 1, \"n\": 0, \"seconds\": 0, \"gflops\": %.2f}\n",
              peak_gflops<float>(reps, min_s));
  std::printf("{\"bench\": \"packed_gemm\", \"case\": \"fma_peak\", \"impl\": \"peak\", \"precision\": \"float64\", "
              "\"threads\": 1, \"n\": 0, \"seconds\": 0, \"gflops\": %.2f}\n",
              peak_gflops<double>(reps, min_s));
  std::fflush(stdout);
  const int shapes[3][2] = {{512, 512}, {512, 3}, {2, 512}};
  for (int r : {256, 768})
    for (const auto& s : shapes) run_case<float>("float", r, s[0], s[1], tight, reps, min_s);
  for (int r : {256, 768})
    for (const auto& s : shapes) run_case<double>("double", r, s[0], s[1], tight, reps, min_s);
}
