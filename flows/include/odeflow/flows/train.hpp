// Flow-matching training of an MLP: seeded mini-batches, backward pass, Adam, learning-rate schedule, progress.
#pragma once

#include <odeflow/flows/adam.hpp>
#include <odeflow/flows/cfm_loss.hpp>
#include <odeflow/flows/learning_rate_schedule.hpp>
#include <odeflow/flows/mlp_field.hpp>
#include <odeflow/flows/mlp_gradient.hpp>
#include <odeflow/solvers/validation.hpp>

#include <Kokkos_Core.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <numeric>
#include <string>
#include <vector>
#if __has_include(<unistd.h>)
#include <unistd.h>
#define ODEFLOW_HAVE_ISATTY 1
#endif

namespace odeflow {

/// Progress of a training run, reported every TrainOptions::report_every iterations and
/// at the end.
struct TrainProgress {
  int iteration;         ///< iterations done
  int iterations;        ///< iterations in the run
  double loss;           ///< mean loss over the iterations since the previous report
  double learning_rate;  ///< rate of the last iteration
  double seconds;        ///< wall time since the start
};

/// Options of train_flow_matching.
struct TrainOptions {
  /// Optimiser steps (mini-batches).
  int iterations = 1000;
  /// Samples per mini-batch B.
  int batch_size = 4096;
  /// Seeds everything drawn (batch k uses global sample indices k * batch_size + i).
  std::uint64_t seed = 0;
  /// Learning rate per iteration.
  LearningRateSchedule lr{};
  /// Adam's hyper-parameters.
  AdamOptions adam{};
  /// Iterations between progress reports.
  int report_every = 100;
  /// Called at each report; when empty, a progress line goes to stderr if stderr is a
  /// terminal (and progress_line is true).
  std::function<void(const TrainProgress&)> on_progress{};
  /// Whether a progress line may be drawn on a terminal's stderr.
  bool progress_line = true;
};

/// Outcome of a training run: the loss of every iteration (on its own mini-batch) and
/// the wall time.
struct TrainResult {
  /// Loss of every iteration on its mini-batch.
  std::vector<double> losses;
  /// Wall time of the run.
  double seconds = 0;
  /// Mean loss of the last `k` iterations (all when k exceeds them).
  double mean_last(std::size_t k) const {
    k = std::min(k, losses.size());
    if (k == 0) return 0.0;
    return std::accumulate(losses.end() - static_cast<std::ptrdiff_t>(k), losses.end(), 0.0) / static_cast<double>(k);
  }
};

/// Trains `model` (in place) by conditional flow matching on `data` along `path`:
/// at iteration k, the mini-batch of make_cfm_batch(seed, first = k * batch_size),
/// loss cfm_loss, gradient by MlpGradient, then one Adam step at rate opt.lr(k).
///
/// Reproducible: the same seed, options, initial parameters and build give bitwise the same
/// parameters with any thread count (host products on fixed row tiles, detail/gemm.hpp;
/// tested with 1 and 2 threads by tests/determinism).
/// Throws InvalidArgument (naming the option and value) for non-positive iterations or batch
/// size, Adam betas outside [0, 1), eps <= 0, negative weight decay, learning rate, final
/// fraction or warm-up, non-finite values, or a dataset of another dimension.
template <class ExecSpace, class T, class D, class S, class Gemm = default_gemm_t<ExecSpace>>
TrainResult train_flow_matching(const ExecSpace& space, Mlp<T, typename ExecSpace::memory_space>& model,
                                const D& data, const AffinePath<S>& path, const TrainOptions& opt,
                                Gemm = Gemm{}) {
  using Mem = typename ExecSpace::memory_space;
  if (opt.iterations <= 0) throw InvalidArgument("iterations = " + std::to_string(opt.iterations) + " must be positive");
  if (opt.batch_size <= 0) throw InvalidArgument("batch_size = " + std::to_string(opt.batch_size) + " must be positive");
  auto check = [](const char* name, double v, bool ok, const char* range) {
    validate_finite(name, -1, v);
    if (!ok) throw InvalidArgument(std::string(name) + " = " + detail::fmt(v) + " must be " + range);
  };
  check("adam.beta1", opt.adam.beta1, opt.adam.beta1 >= 0 && opt.adam.beta1 < 1, "in [0, 1)");
  check("adam.beta2", opt.adam.beta2, opt.adam.beta2 >= 0 && opt.adam.beta2 < 1, "in [0, 1)");
  check("adam.eps", opt.adam.eps, opt.adam.eps > 0, "> 0");
  check("adam.weight_decay", opt.adam.weight_decay, opt.adam.weight_decay >= 0, ">= 0");
  check("lr.base", opt.lr.base, opt.lr.base >= 0, ">= 0");
  check("lr.final_fraction", opt.lr.final_fraction, opt.lr.final_fraction >= 0, ">= 0");
  if (opt.lr.warmup < 0) throw InvalidArgument("lr.warmup = " + std::to_string(opt.lr.warmup) + " must be >= 0");
  if (data.dim() != model.dim())
    throw InvalidArgument("dataset dimension " + std::to_string(data.dim()) + " != model dimension " +
                          std::to_string(model.dim()));
  const int n = opt.batch_size, d = model.dim();
  Kokkos::View<T*, Mem> t("odeflow::train::t", n);
  Kokkos::View<T**, Kokkos::LayoutRight, Mem> x1("odeflow::train::x1", n, d), xt("odeflow::train::xt", n, d),
      target("odeflow::train::target", n, d), u("odeflow::train::u", n, d), gu("odeflow::train::grad_u", n, d);
  Kokkos::View<T*, Mem> grad("odeflow::train::grad", model.num_parameters());
  MlpGradient<T, ExecSpace, Gemm> backprop(model);
  Adam<T, Mem> adam(model.num_parameters(), opt.adam);

  bool line = false;
#ifdef ODEFLOW_HAVE_ISATTY
  line = !opt.on_progress && opt.progress_line && isatty(fileno(stderr));
#endif
  TrainResult res;
  res.losses.reserve(opt.iterations);
  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  double window = 0;
  int in_window = 0;
  for (int k = 0; k < opt.iterations; ++k) {
    make_cfm_batch(space, data, path, opt.seed, static_cast<std::uint64_t>(k) * n, t, x1, xt, target);
    backprop.forward(space, t, xt, u);
    const double loss = cfm_loss(space, u, target, gu);
    backprop.backward(space, gu, grad);
    const double lr = opt.lr(k);
    adam.step(space, model.parameters(), grad, lr);
    res.losses.push_back(loss);
    window += loss;
    ++in_window;
    const bool last = k + 1 == opt.iterations;
    if ((opt.report_every > 0 && (k + 1) % opt.report_every == 0) || last) {
      const TrainProgress p{k + 1, opt.iterations, window / in_window, lr, elapsed()};
      if (opt.on_progress) {
        opt.on_progress(p);
      } else if (line) {
        std::fprintf(stderr, "\rodeflow train: %d/%d  loss %.5f  lr %.2e  %.1f it/s   ", p.iteration, p.iterations,
                     p.loss, p.learning_rate, p.iteration / p.seconds);
        if (last) std::fputc('\n', stderr);
        std::fflush(stderr);
      }
      window = 0;
      in_window = 0;
    }
  }
  space.fence();
  res.seconds = elapsed();
  return res;
}

/// Mean flow-matching loss of a field (any BatchedField, e.g. MlpField) on `batches`
/// fresh mini-batches of size n drawn from `seed` (use a seed not used for training).
template <class ExecSpace, class F, class D, class S>
double evaluate_cfm_loss(const ExecSpace& space, const F& field, const D& data, const AffinePath<S>& path,
                         std::uint64_t seed, int n, int batches = 1) {
  using T = typename F::value_type;
  using Mem = typename ExecSpace::memory_space;
  const int d = field.dim();
  Kokkos::View<T*, Mem> t("odeflow::evaluate_cfm_loss::t", n);
  Kokkos::View<T**, Kokkos::LayoutRight, Mem> x1("x1", n, d), xt("xt", n, d), target("target", n, d), u("u", n, d);
  double total = 0;
  for (int b = 0; b < batches; ++b) {
    make_cfm_batch(space, data, path, seed, static_cast<std::uint64_t>(b) * n, t, x1, xt, target);
    field(space, t, xt, u);
    total += cfm_loss(space, u, target, Kokkos::View<T**, Kokkos::LayoutRight, Mem>());
  }
  return total / batches;
}

}  // namespace odeflow
