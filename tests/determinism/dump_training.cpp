// Writes the raw bytes of trained MLP parameters and per-iteration losses, for the thread-count
// and run-to-run invariance tests of flow-matching training (train_flow_matching): the same binary
// run with OMP_NUM_THREADS=1 and =2, and twice with 2, must write identical files.
// Usage: dump_training OUTFILE EXPECTED_THREADS
#include <odeflow/flows/affine_path.hpp>
#include <odeflow/flows/datasets/checkerboard.hpp>
#include <odeflow/flows/schedulers/cond_ot_scheduler.hpp>
#include <odeflow/flows/train.hpp>

#include <Kokkos_Core.hpp>

#include <cstdio>
#include <cstdlib>
#include <fstream>

namespace {
template <class T>
void run(std::ofstream& out, int width, int depth, odeflow::Activation act, int batch, int iterations) {
  using namespace odeflow;
  Mlp<T> model(MlpArchitecture::make(2, width, depth, act));
  model.initialize(17);
  TrainOptions opt;
  opt.iterations = iterations;
  opt.batch_size = batch;
  opt.seed = 5;
  opt.lr = LearningRateSchedule{2e-3, 5, LearningRateSchedule::Decay::cosine, iterations, 0.1};
  opt.progress_line = false;
  const auto res = train_flow_matching(Kokkos::DefaultExecutionSpace{}, model, Checkerboard{}, AffinePath<CondOTScheduler<T>>{}, opt);
  auto p = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace{}, model.parameters());
  out.write(reinterpret_cast<const char*>(p.data()), static_cast<std::streamsize>(sizeof(T) * p.size()));
  out.write(reinterpret_cast<const char*>(res.losses.data()), static_cast<std::streamsize>(sizeof(double) * res.losses.size()));
}
}  // namespace

int main(int argc, char** argv) {
  Kokkos::ScopeGuard guard(argc, argv);
  if (argc != 3) {
    std::fprintf(stderr, "usage: dump_training OUTFILE EXPECTED_THREADS\n");
    return 2;
  }
  const int threads = Kokkos::DefaultExecutionSpace().concurrency();
  if (threads != std::atoi(argv[2])) {
    std::fprintf(stderr, "expected %s threads, Kokkos runs %d\n", argv[2], threads);
    return 1;
  }
  std::ofstream out(argv[1], std::ios::binary);
  // Widths that take the vectorised activation path (multiple of 16) and the scalar one (GELU,
  // width 24), float and double, batches from a few rows per thread to the training default.
  // 10 iterations instead of 30 under the sanitizers (CI's asan step, where 30 take minutes).
#if defined(__SANITIZE_ADDRESS__)
  const int iterations = 10;
#else
  const int iterations = 30;
#endif
  run<float>(out, 128, 3, odeflow::Activation::silu, 4096, iterations);
  run<double>(out, 64, 2, odeflow::Activation::tanh, 1000, iterations);
  run<float>(out, 24, 2, odeflow::Activation::gelu, 37, iterations);
  return out.good() ? 0 : 1;
}
