// Writes the raw bytes of sampling and likelihood results, for the thread-count invariance test:
// the same binary run with OMP_NUM_THREADS=1 and =2 must write identical files.
// Usage: dump_sampling OUTFILE EXPECTED_THREADS
#include <odeflow/flows/log_likelihood.hpp>
#include <odeflow/flows/mlp_field.hpp>
#include <odeflow/flows/sample.hpp>
#include <odeflow/flows/source_distribution.hpp>
#include <odeflow/solvers/tableaus/dormand_prince54.hpp>

#include <Kokkos_Core.hpp>

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <fstream>

namespace {
using Exec = Kokkos::DefaultExecutionSpace;

template <class V>
void dump(std::ofstream& out, const V& v) {
  auto h = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), v);
  out.write(reinterpret_cast<const char*>(h.data()), static_cast<std::streamsize>(sizeof(typename V::value_type) * h.size()));
}

// Statistics field by field: the struct's padding bytes are not part of the result (and differ
// between runs under AddressSanitizer, which found this).
template <class V>
void dump_stats(std::ofstream& out, const V& v) {
  auto h = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), v);
  for (std::size_t i = 0; i < h.extent(0); ++i) {
    const auto& s = h(i);
    const int status = static_cast<int>(s.status);
    out.write(reinterpret_cast<const char*>(&s.nfe), sizeof s.nfe);
    out.write(reinterpret_cast<const char*>(&s.accepted), sizeof s.accepted);
    out.write(reinterpret_cast<const char*>(&s.rejected), sizeof s.rejected);
    out.write(reinterpret_cast<const char*>(&s.dt_last), sizeof s.dt_last);
    out.write(reinterpret_cast<const char*>(&s.t), sizeof s.t);
    out.write(reinterpret_cast<const char*>(&status), sizeof status);
  }
}

template <class T>
void run(std::ofstream& out) {
  odeflow::Mlp<T, Exec::memory_space> mlp(odeflow::MlpArchitecture::make(2, 64, 3));
  mlp.initialize(3);
  const odeflow::MlpField<T, Exec> f(mlp);
  // Enough samples for several 16-row-aligned tiles per thread in the MLP's host path (a quarter
  // under AddressSanitizer, still 94 groups of 16 rows for 8 tiles).
#if defined(__SANITIZE_ADDRESS__)
  const int n = 1500;
#else
  const int n = 6000;
#endif
  Kokkos::View<T**, Kokkos::LayoutRight> x0("x0", n, 2), x1("x1", n, 2);
  odeflow::sample_source(Exec(), odeflow::StandardNormal<T>{2}, 9, x0);
  odeflow::SampleOptions<T> so;
  const auto s = odeflow::sample(Exec(), odeflow::DormandPrince54<T>{}, f, x0, x1, so);
  dump(out, x1);
  dump_stats(out, s.stats);
  odeflow::LikelihoodOptions<T> lo;
  for (int v = 0; v < 2; ++v) {
    lo.divergence = v == 0 ? odeflow::DivergenceEstimator::exact()
                           : odeflow::DivergenceEstimator::hutchinson(2, odeflow::ProbeKind::gaussian, 5);
    const auto l = odeflow::log_likelihood(Exec(), odeflow::DormandPrince54<T>{}, f, odeflow::StandardNormal<T>{2}, x1, lo);
    dump(out, l.log_p);
    dump(out, l.log_p_stderr);
    dump_stats(out, l.stats);
  }
}
}  // namespace

int main(int argc, char** argv) {
  Kokkos::ScopeGuard guard(argc, argv);
  if (argc != 3) {
    std::fprintf(stderr, "usage: dump_sampling OUTFILE EXPECTED_THREADS\n");
    return 2;
  }
  const int threads = Exec().concurrency();
  std::printf("[odeflow] %s with concurrency %d\n", Exec::name(), threads);
  if (threads != std::atoi(argv[2])) {
    std::fprintf(stderr, "expected %s threads, Kokkos runs %d\n", argv[2], threads);
    return 1;
  }
  std::ofstream out(argv[1], std::ios::binary);
  run<float>(out);
  run<double>(out);
  return out ? 0 : 1;
}
