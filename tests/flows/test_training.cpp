// Training: backward pass against finite differences, Adam and schedules, reproducibility, and a checkerboard run
// whose loss and samples (drawn with the solver core) are judged against computed references.
#include <odeflow/flows/datasets/checkerboard.hpp>
#include <odeflow/flows/energy_distance.hpp>
#include <odeflow/flows/mlp_point_field.hpp>
#include <odeflow/flows/schedulers/cond_ot_scheduler.hpp>
#include <odeflow/flows/train.hpp>
#include <odeflow/solvers/default_options.hpp>
#include <odeflow/solvers/integrate.hpp>
#include <odeflow/solvers/tableaus/dormand_prince54.hpp>

#include <Kokkos_Core.hpp>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <vector>

namespace {

using namespace odeflow;
using Exec = Kokkos::DefaultExecutionSpace;
template <class T>
using Rows = Kokkos::View<T**, Kokkos::LayoutRight>;

template <class V>
auto host(const V& v) {
  return Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), v);
}

TEST(MlpGradient, BackwardMatchesFiniteDifferencesOfTheLoss) {
  for (Activation act : {Activation::silu, Activation::gelu}) {
    const int d = 2, n = 7;
    Mlp<double> mlp(MlpArchitecture::make(d, 8, 2, act));
    mlp.initialize(4);
    Kokkos::View<double*> t("t", n), grad("grad", mlp.num_parameters());
    Rows<double> x1("x1", n, d), xt("xt", n, d), target("target", n, d), u("u", n, d), gu("gu", n, d);
    const AffinePath<CondOTScheduler<double>> path{};
    make_cfm_batch(Exec(), Checkerboard{}, path, 3, 0, t, x1, xt, target);
    MlpGradient<double> bp(mlp);
    bp.forward(Exec(), t, xt, u);
    cfm_loss(Exec(), u, target, gu);
    bp.backward(Exec(), gu, grad);
    // The training forward pass computes the field's values.
    Rows<double> uf("uf", n, d);
    MlpField<double>{mlp}(Exec(), t, xt, uf);
    const auto hu = host(u), huf = host(uf);
    for (int i = 0; i < n; ++i)
      for (int k = 0; k < d; ++k) EXPECT_NEAR(hu(i, k), huf(i, k), 1e-13 * (1 + std::abs(huf(i, k))));

    const auto g = host(grad);
    auto p = mlp.parameters();
    auto hp = host(p);
    auto loss_at = [&](std::size_t i, double value) {
      auto q = hp;
      const double old = q(i);
      q(i) = value;
      Kokkos::deep_copy(p, q);
      MlpField<double>{mlp}(Exec(), t, xt, uf);
      const double l = cfm_loss(Exec(), uf, target, Rows<double>());
      q(i) = old;
      Kokkos::deep_copy(p, q);
      return l;
    };
    for (std::size_t i = 1; i < mlp.num_parameters(); i += 11) {  // every layer's weights and biases
      const double h = 1e-5;
      const double fd = (loss_at(i, hp(i) + h) - loss_at(i, hp(i) - h)) / (2 * h);
      EXPECT_NEAR(g(i), fd, 1e-7 * (1 + std::abs(fd))) << activation_name(act) << " parameter " << i;
    }
  }
}

TEST(Adam, FirstStepIsSignedLearningRateAndScheduleShapes) {
  Kokkos::View<double*> p("p", 3), g("g", 3);
  auto hg = Kokkos::create_mirror_view(g);
  hg(0) = 2.0;
  hg(1) = -0.001;
  hg(2) = 0.0;
  Kokkos::deep_copy(g, hg);
  Adam<double> adam(3);
  adam.step(Exec(), p, g, 0.1);
  const auto hp = host(p);
  // Bias-corrected first step: m_hat = g, v_hat = g^2, update lr g / (|g| + eps).
  EXPECT_NEAR(hp(0), -0.1, 1e-8);
  EXPECT_NEAR(hp(1), 0.1, 1e-5);
  EXPECT_EQ(hp(2), 0.0);
  LearningRateSchedule s{1.0, 10, LearningRateSchedule::Decay::cosine, 110, 0.1};
  EXPECT_DOUBLE_EQ(s(0), 0.1);
  EXPECT_DOUBLE_EQ(s(9), 1.0);
  EXPECT_DOUBLE_EQ(s(10), 1.0);
  EXPECT_NEAR(s(60), 0.55, 1e-12);
  EXPECT_NEAR(s(110), 0.1, 1e-12);
  s.decay = LearningRateSchedule::Decay::linear;
  EXPECT_NEAR(s(60), 0.55, 1e-12);
}

TEST(Training, IsReproducibleForASeed) {
  auto run = [](std::uint64_t seed) {
    Mlp<float> m(MlpArchitecture::make(2, 32, 2));
    m.initialize(1);
    TrainOptions o;
    o.iterations = 15;
    o.batch_size = 128;
    o.seed = seed;
    o.progress_line = false;
    train_flow_matching(Exec(), m, Checkerboard{}, AffinePath<CondOTScheduler<float>>{}, o);
    auto h = host(m.parameters());
    return std::vector<float>(h.data(), h.data() + h.extent(0));
  };
  const auto a = run(7), b = run(7), c = run(8);
  EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)), 0);
  EXPECT_NE(a, c);
}

// The checkerboard's exact posterior mean E[x1 | x_t = x] under the conditional-OT path: x1 is
// uniform on eight squares, the likelihood is N(x; t x1, (1 - t)^2 I), so the posterior is a
// mixture of truncated normals N(x / t, ((1 - t) / t)^2 I) on the squares (closed form by erfc).
double phi_mass(double a, double b) {  // Phi(b) - Phi(a), accurate in both tails
  if (a > 0) return 0.5 * (std::erfc(a / std::sqrt(2.0)) - std::erfc(b / std::sqrt(2.0)));
  return 0.5 * (std::erfc(-b / std::sqrt(2.0)) - std::erfc(-a / std::sqrt(2.0)));
}
void checkerboard_posterior_mean(double t, const double* x, double* out) {
  if (t < 1e-9) {
    out[0] = out[1] = 0.0;
    return;
  }
  const double s = (1 - t) / t, m[2] = {x[0] / t, x[1] / t};
  const double pdf = 0.3989422804014327;
  double z = 0, acc[2] = {0, 0};
  for (int a = -2; a <= 1; ++a) {
    const int parity = ((a % 2) + 2) % 2;
    for (int b : {parity, parity - 2}) {
      const double lo[2] = {a / 0.45, b / 0.45}, hi[2] = {(a + 1) / 0.45, (b + 1) / 0.45};
      double mass = 1, mean[2];
      for (int k = 0; k < 2; ++k) {
        const double al = (lo[k] - m[k]) / s, be = (hi[k] - m[k]) / s;
        const double zk = phi_mass(al, be);
        mass *= zk;
        mean[k] = zk > 0 ? m[k] + s * (pdf * std::exp(-0.5 * al * al) - pdf * std::exp(-0.5 * be * be)) / zk
                         : 0.5 * (lo[k] + hi[k]);
      }
      z += mass;
      for (int k = 0; k < 2; ++k) acc[k] += mass * mean[k];
    }
  }
  for (int k = 0; k < 2; ++k) out[k] = acc[k] / z;
}

// Samples: x0 ~ N(0, I) integrated from t = 0 to 1 per sample with the solver core
// (Dormand-Prince 5(4), rtol = atol = 1e-4) on the point form of the MLP, one solve per thread.
Rows<float> sample_flow(const Mlp<float>& m, int ns) {
  using T = float;
  Rows<T> y("y", ns, 2);
  const MlpPointField<T, Exec::memory_space, 128> f(m);
  auto o = default_options<DormandPrince54<T>>();
  o.norm.rtol = 1e-4f;
  o.norm.atol = 1e-4f;
  const CounterRng noise{77, CfmStreams::noise};
  Kokkos::View<int*> bad("bad", 1);
  Kokkos::parallel_for(
      "sample", Kokkos::RangePolicy<Exec>(0, ns), KOKKOS_LAMBDA(int i) {
        Kokkos::Array<T, 2> yi{noise.normal<T>(i, 0, 0), noise.normal<T>(i, 0, 1)};
        StaticWorkspaceFor<DormandPrince54<T>, 2> ws;
        Statistics<T> st;
        if (integrate<DormandPrince54<T>>(f, T(0), T(1), yi, ws, o, st) != Status::success) Kokkos::atomic_add(&bad(0), 1);
        y(i, 0) = yi[0];
        y(i, 1) = yi[1];
      });
  EXPECT_EQ(host(bad)(0), 0);
  return y;
}

// Trains a 4 x 128 SiLU MLP on the checkerboard for `iterations` at `batch`, then judges the held-out
// loss against the Bayes floor and the samples' energy distance against references. `explained` is the
// fraction of the explainable loss (L0 - L*) the model must capture.
void checkerboard_run(int iterations, int batch, int ns, double explained, double gauss_factor) {
  using T = float;
  const int d = 2;
  const AffinePath<CondOTScheduler<T>> path{};
  Mlp<T> model(MlpArchitecture::make(d, 128, 4, Activation::silu));  // 4 hidden layers of 128, SiLU
  model.initialize(2024);
  const Mlp<T> untrained = model.clone();

  TrainOptions opt;
  opt.iterations = iterations;
  opt.batch_size = batch;
  opt.seed = 1;
  opt.lr = LearningRateSchedule{2e-3, 50, LearningRateSchedule::Decay::cosine, opt.iterations, 0.05};
  opt.report_every = iterations / 4;
  opt.on_progress = [](const TrainProgress& p) {
    std::printf("[train] %d/%d loss %.4f lr %.2e %.1f it/s\n", p.iteration, p.iterations, p.loss, p.learning_rate,
                p.iteration / p.seconds);
  };
  const TrainResult res = train_flow_matching(Exec(), model, Checkerboard{}, path, opt);

  // Held-out loss on fresh batches, beside two references on the same samples: L0, the loss of the
  // best predictor that ignores x (E[x1 - x0 | t] = 0), and L*, the Bayes loss of the exact
  // marginal velocity u*(t, x) = (E[x1 | x_t = x] - x) / (1 - t), the floor no model can beat.
  const int ne = 16384;
  Kokkos::View<T*> t("t", ne);
  Rows<T> x1("x1", ne, d), xt("xt", ne, d), target("target", ne, d), u("u", ne, d), u0("u0", ne, d);
  make_cfm_batch(Exec(), Checkerboard{}, path, 999, 0, t, x1, xt, target);
  MlpField<T>{model}(Exec(), t, xt, u);
  MlpField<T>{untrained}(Exec(), t, xt, u0);
  const auto ht = host(t);
  const auto hx = host(xt), ht2 = host(target), hu = host(u), hu0 = host(u0);
  double l_model = 0, l_untrained = 0, l_zero = 0, l_star = 0;
  for (int i = 0; i < ne; ++i) {
    const double xi[2] = {hx(i, 0), hx(i, 1)};
    double post[2];
    checkerboard_posterior_mean(ht(i), xi, post);
    for (int k = 0; k < d; ++k) {
      const double ustar = (post[k] - xi[k]) / (1 - ht(i));
      l_model += std::pow(hu(i, k) - ht2(i, k), 2);
      l_untrained += std::pow(hu0(i, k) - ht2(i, k), 2);
      l_zero += std::pow(ht2(i, k), 2);
      l_star += std::pow(ustar - ht2(i, k), 2);
    }
  }
  l_model /= ne * d;
  l_untrained /= ne * d;
  l_zero /= ne * d;
  l_star /= ne * d;
  std::printf("[loss] trained %.4f untrained %.4f  zero predictor L0 %.4f  Bayes L* %.4f  (train, last 100: %.4f, %.1f s)\n",
              l_model, l_untrained, l_zero, l_star, res.mean_last(100), res.seconds);
  // The gap L0 - L* is what x explains; the model must capture the fraction `explained` of it.
  EXPECT_LT(l_model, l_star + (1 - explained) * (l_zero - l_star));
  EXPECT_GT(l_model, l_star - 0.05);  // a held-out loss below the Bayes floor would be a bug
  EXPECT_GT(l_untrained, l_star + 0.5 * (l_zero - l_star));

  auto sample = [&](const Mlp<T>& m) { return sample_flow(m, ns); };
  auto fresh = [&](std::uint64_t seed) {
    Rows<T> y("data", ns, d);
    sample_dataset(Exec(), Checkerboard{}, CounterRng{seed, CfmStreams::data}, 0, y);
    return y;
  };
  const auto data = fresh(4242);
  const double ed_trained = energy_distance(Exec(), sample(model), data);
  const double ed_untrained = energy_distance(Exec(), sample(untrained), data);
  const double ed_null = energy_distance(Exec(), fresh(4343), data);
  // A moment-matched Gaussian (the checkerboard's mean 0 and covariance 6.58 I): what a flow that
  // only learned the first two moments would produce.
  Rows<T> gauss("gauss", ns, d);
  {
    auto hg = Kokkos::create_mirror_view(gauss);
    const CounterRng r{5, 9};
    const double sd = std::sqrt(16.0 / 12.0) / 0.45;
    for (int i = 0; i < ns; ++i)
      for (int k = 0; k < d; ++k) hg(i, k) = static_cast<T>(sd * r.normal<double>(i, 0, k));
    Kokkos::deep_copy(gauss, hg);
  }
  const double ed_gauss = energy_distance(Exec(), gauss, data);
  std::printf("[energy distance to fresh data, n = %d] trained %.4f untrained %.4f moment-matched Gaussian %.4f "
              "fresh data %.4f\n", ns, ed_trained, ed_untrained, ed_gauss, ed_null);
  // Justification (measured: fresh-vs-fresh within 0.002 of 0 at n = 1000 and 2000, Gaussian
  // 0.025 to 0.033, untrained 0.75 to 0.80): a flow that learned only the first two moments scores
  // like the Gaussian, so the samples must come `gauss_factor` times closer than it, and 20 times
  // closer than the untrained model.
  EXPECT_LT(ed_trained, ed_gauss / gauss_factor);
  EXPECT_LT(ed_trained, 0.05 * ed_untrained);
}

// 4 x 128 SiLU, 1500 iterations at batch 1024 (about 13 s on two idle cores, 95 s when the
// machine is loaded). Measured: held-out loss 3.767 against L* 3.719 and L0 7.612 (98.8% of the
// explainable loss captured); energy distance (n = 2000) -0.0011 against the moment-matched
// Gaussian's 0.0325, the untrained model's 0.797 and fresh data's -0.0003.
// Under AddressSanitizer this run takes minutes: there the short run below makes the same checks.
TEST(Training, CheckerboardLearnsTheVelocityAndTheDistribution) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "the full statistical run (minutes under AddressSanitizer): "
                  "Training.CheckerboardShortRunLearnsTheCoarseDistribution makes the same checks here";
#else
  checkerboard_run(1500, 1024, 2000, 0.95, 3.0);
#endif
}

// The same checks after a short run, 300 iterations at batch 256 (a twentieth of the work), with
// thresholds such a run clears. Measured (release, 2 threads): held-out loss 4.109 against L*
// 3.719 and L0 7.612 (90% of the explainable loss captured; asked: 85%); energy distance
// (n = 1000) 0.0133 against the moment-matched Gaussian's 0.0245 (1.84x closer; asked: 1.3x),
// the untrained model's 0.755 and fresh data's -0.002. It runs in every preset, so that the
// statistical checks of training and sampling run under the sanitizers too.
TEST(Training, CheckerboardShortRunLearnsTheCoarseDistribution) {
  checkerboard_run(300, 256, 1000, 0.85, 1.3);
}

}  // namespace
