// Validation audit: every public host entry point of solvers/ and flows/ given bad input throws
// a typed exception (InvalidArgument, FormatError) whose message names the argument and the value.
// File readers' corruption cases are in test_npy.cpp and tests/flows/test_safetensors.cpp.
#include <odeflow/flows/affine_path.hpp>
#include <odeflow/flows/datasets/checkerboard.hpp>
#include <odeflow/flows/datasets/gaussian_mixture_dataset.hpp>
#include <odeflow/flows/gaussian_field.hpp>
#include <odeflow/flows/gaussian_mixture_field.hpp>
#include <odeflow/flows/mlp_io.hpp>
#include <odeflow/flows/schedulers/cond_ot_scheduler.hpp>
#include <odeflow/flows/train.hpp>
#include <odeflow/solvers/lockstep.hpp>
#include <odeflow/solvers/methods.hpp>
#include <odeflow/solvers/per_trajectory.hpp>
#include <odeflow/solvers/solve.hpp>
#include <odeflow/solvers/tableaus/dormand_prince54.hpp>
#include <odeflow/solvers/tableaus/runge_kutta4.hpp>

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

using namespace odeflow;

namespace {

using Space = Kokkos::DefaultExecutionSpace;
using mem = Space::memory_space;
using Dp = DormandPrince54<double>;
constexpr double k_nan = std::numeric_limits<double>::quiet_NaN();
constexpr double k_inf = std::numeric_limits<double>::infinity();

// Runs fn, expects exception E whose message contains every one of `parts`.
template <class E = InvalidArgument>
void expect_message(const std::function<void()>& fn, std::vector<std::string> parts, const char* what) {
  try {
    fn();
    ADD_FAILURE() << what << ": no exception";
  } catch (const E& e) {
    const std::string m = e.what();
    for (const auto& p : parts) EXPECT_NE(m.find(p), std::string::npos) << what << ": \"" << m << "\" lacks \"" << p << "\"";
  } catch (const std::exception& e) {
    ADD_FAILURE() << what << ": wrong exception type: " << e.what();
  }
}

struct Osc {
  template <class T, class Y, class DY>
  KOKKOS_FUNCTION void operator()(T, const Y& y, DY& dy) const {
    dy[0] = y[1];
    dy[1] = -y[0];
  }
};
struct OscProblem {
  KOKKOS_FUNCTION Osc operator()(int) const { return {}; }
};
struct OscBatched {
  using value_type = double;
  using execution_space = Space;
  int dim() const { return 2; }
  template <class TV, class XV, class DV>
  void operator()(const Space& space, const TV&, const XV& x, const DV& dx) const {
    Kokkos::parallel_for(Kokkos::RangePolicy<Space>(space, 0, x.extent(0)), KOKKOS_LAMBDA(int i) {
      dx(i, 0) = x(i, 1);
      dx(i, 1) = -x(i, 0);
    });
  }
};

const std::array<double, 2> k_y0{1.0, 0.0};

void solve_with(SolveOptions<double> o, double t0 = 0, double t1 = 1, std::vector<double> ts = {}) {
  solve(Dp{}, Osc{}, k_y0, t0, t1, o, std::span<const double>(ts));
}

}  // namespace

TEST(Validation, SingleSolveTimesStateAndSaveTimes) {
  const auto o = default_options<Dp>();
  expect_message([&] { solve(Dp{}, Osc{}, std::array<double, 2>{1.0, k_nan}, 0.0, 1.0, o); }, {"y0[1]", "nan"}, "y0");
  expect_message([&] { solve_with(o, k_inf); }, {"t0", "inf"}, "t0");
  expect_message([&] { solve_with(o, 0, k_nan); }, {"t1", "nan"}, "t1");
  expect_message([&] { solve_with(o, 0, 1, {0.5, 2.0}); }, {"t_save[1] = 2", "outside [t0, t1] = [0, 1]"}, "t_save range");
  expect_message([&] { solve_with(o, 0, 1, {0.5, 0.25}); }, {"t_save[1] = 0.25", "against the direction"}, "t_save order");
  expect_message([&] { solve_with(o, 1, 0, {0.25, 0.5}); }, {"t_save[1] = 0.5", "against the direction"}, "t_save backwards");
  expect_message([&] { solve_with(o, 0, 1, {k_nan}); }, {"t_save[0]", "nan"}, "t_save nan");
  volatile std::size_t zero = 0;  // a run-time size: g++ would otherwise flag the (unreached) field call
  const std::vector<double> empty(zero);
  expect_message([&] { solve(Dp{}, Osc{}, empty, 0.0, 1.0, o); }, {"dimension = 0"}, "empty vector");
  Kokkos::View<double*, Kokkos::HostSpace> v("v", 2);
  v(0) = k_inf;
  expect_message([&] { solve(Dp{}, Osc{}, v, 0.0, 1.0, o); }, {"y0[0]", "inf"}, "View y0");
}

TEST(Validation, ToleranceStepAndBudgetOptions) {
  auto with = [](auto change) {
    auto o = default_options<Dp>();
    change(o);
    return o;
  };
  using O = SolveOptions<double>;
  expect_message([&] { solve_with(with([](O& o) { o.norm.rtol = -1e-6; })); }, {"rtol = -9.9999999999999995e-07", ">= 0"}, "rtol<0");
  expect_message([&] { solve_with(with([](O& o) { o.norm.atol = k_nan; })); }, {"atol = nan", "not finite"}, "atol nan");
  expect_message([&] { solve_with(with([](O& o) { o.norm.rtol = o.norm.atol = 0; })); }, {"rtol = 0 and atol = 0"}, "both 0");
  expect_message([&] { solve_with(with([](O& o) { o.norm.rtol = k_inf; })); }, {"rtol = inf"}, "rtol inf");
  expect_message([&] { solve_with(with([](O& o) { o.dt = -0.1; })); }, {"dt = -0.1"}, "dt<0");
  expect_message([&] { solve_with(with([](O& o) { o.dt0 = k_inf; })); }, {"dt0 = inf"}, "dt0 inf");
  expect_message([&] { solve_with(with([](O& o) { o.dt_min = -1; })); }, {"dt_min = -1"}, "dt_min<0");
  expect_message([&] { solve_with(with([](O& o) { o.dt_max = k_nan; })); }, {"dt_max = nan"}, "dt_max nan");
  expect_message([&] { solve_with(with([](O& o) { o.dt_min = 0.5, o.dt_max = 0.25; })); }, {"dt_min = 0.5 exceeds dt_max = 0.25"},
                 "dt_min > dt_max");
  expect_message([&] { solve_with(with([](O& o) { o.max_steps = 0; })); }, {"max_steps = 0"}, "max_steps");
  expect_message([&] { solve_with(with([](O& o) { o.norm.kind = static_cast<ErrorNormKind>(7); })); }, {"norm.kind = 7"}, "norm kind");
  expect_message([&] { solve(RungeKutta4<double>{}, Osc{}, k_y0, 0.0, 1.0, default_options<RungeKutta4<double>>()); },
                 {"dt = 0", "no error estimate"}, "fixed-step method without dt");
}

TEST(Validation, ControllerParameters) {
  using O = SolveOptions<double>;
  auto with = [](auto change) {
    auto o = default_options<Dp>();
    change(o);
    return o;
  };
  expect_message([&] { solve_with(with([](O& o) { o.controller.safety = 0; })); }, {"controller.safety = 0", "(0, 1]"}, "safety");
  expect_message([&] { solve_with(with([](O& o) { o.controller.safety = 1.5; })); }, {"controller.safety = 1.5"}, "safety>1");
  expect_message([&] { solve_with(with([](O& o) { o.controller.fac_min = 1; })); }, {"controller.fac_min = 1", "(0, 1)"}, "fac_min");
  expect_message([&] { solve_with(with([](O& o) { o.controller.fac_max = 0.5; })); }, {"controller.fac_max = 0.5", ">= 1"}, "fac_max");
  expect_message([&] { solve_with(with([](O& o) { o.controller.beta1 = k_nan; })); }, {"controller.beta1 = nan"}, "beta1");
  expect_message([&] { solve_with(with([](O& o) { o.controller.beta_reject = -1; })); }, {"controller.beta_reject = -1"}, "beta_reject");
  expect_message([&] { solve_with(with([](O& o) { o.controller.err_init = 0; })); }, {"controller.err_init = 0"}, "err_init");
  expect_message([&] { solve_with(with([](O& o) { o.controller.fac_min_accept = 20; })); }, {"controller.fac_min_accept = 20"},
                 "fac_min_accept");
  // Every named preset passes.
  for (const auto& c : {hairer_dopri5_controller<double>(), hairer_dop853_controller<double>(), torchdiffeq_controller<double>(5),
                        odeint_controller<double>(5, 4), ordinarydiffeq_controller<double>(5), pid_controller<double>(5),
                        pi_controller<double>(5), i_controller<double>(5)}) {
    auto o = default_options<Dp>();
    o.controller = c;
    EXPECT_NO_THROW(solve_with(o));
  }
}

TEST(Validation, EnsembleShapesAndOptions) {
  const auto o = default_options<Dp>();
  Kokkos::View<double**, Kokkos::LayoutLeft, mem> y("y", 4, 3);
  Kokkos::View<Statistics<double>*, mem> st("st", 4), st3("st3", 3);
  expect_message([&] { solve_ensemble<Dp>(Space{}, PerTrajectory<2>{}, OscProblem{}, y, 0.0, 1.0, o, st); },
                 {"y.extent(1) = 3", "PerTrajectory<2>"}, "per_trajectory dim");
  Kokkos::View<double**, Kokkos::LayoutLeft, mem> y2("y2", 4, 2);
  expect_message([&] { solve_ensemble<Dp>(Space{}, PerTrajectory<2>{}, OscProblem{}, y2, 0.0, 1.0, o, st3); },
                 {"stats.extent(0) = 3", "number of trajectories 4"}, "per_trajectory stats");
  Kokkos::View<double*, Kokkos::HostSpace> times("times", 3);
  Kokkos::View<double***, mem> out("out", 4, 2, 2);
  EnsembleSaveAt<double, decltype(out)> sa{times, out};
  expect_message([&] { solve_ensemble<Dp>(Space{}, PerTrajectory<2>{}, OscProblem{}, y2, 0.0, 1.0, o, st, &sa); },
                 {"save_at.out is (4, 2, 2)", "(n, m, d) = (4, 3, 2)"}, "save_at shape");
  auto bad = o;
  bad.norm.rtol = -1;
  expect_message([&] { solve_ensemble<Dp>(Space{}, PerTrajectory<2>{}, OscProblem{}, y2, 0.0, 1.0, bad, st); }, {"rtol = -1"},
                 "per_trajectory rtol");
  expect_message([&] { solve_ensemble<Dp>(Space{}, PerTrajectory<2>{}, OscProblem{}, y2, 0.0, k_nan, o, st); }, {"t1 = nan"},
                 "per_trajectory t1");
}

TEST(Validation, LockstepShapesAndOptions) {
  const auto o = default_options<Dp>();
  Kokkos::View<double**, Kokkos::LayoutRight, mem> x3("x3", 4, 3), x("x", 4, 2);
  Kokkos::View<Statistics<double>*, mem> st("st", 4), st5("st5", 5);
  expect_message([&] { solve_batch<Dp>(Space{}, Lockstep{}, OscBatched{}, x3, 0.0, 1.0, o, st); },
                 {"x.extent(1) = 3", "field's dimension is 2"}, "lockstep dim");
  expect_message([&] { solve_batch<Dp>(Space{}, Lockstep{}, OscBatched{}, x, 0.0, 1.0, o, st5); },
                 {"stats.extent(0) = 5", "number of samples 4"}, "lockstep stats");
  expect_message([&] { solve_batch<Dp>(Space{}, Lockstep{false, -2}, OscBatched{}, x, 0.0, 1.0, o, st); }, {"max_batch = -2"},
                 "max_batch");
  auto bad = o;
  bad.max_steps = -5;
  expect_message([&] { solve_batch<Dp>(Space{}, Lockstep{}, OscBatched{}, x, 0.0, 1.0, bad, st); }, {"max_steps = -5"},
                 "lockstep max_steps");
}

TEST(Validation, MethodNames) {
  expect_message([] { visit_method<double>("dopri", [](auto) {}); }, {"method = 'dopri'", "known: euler", "dopri5"}, "method");
  expect_message([] { visit_method<double>("", [](auto) {}); }, {"method = ''"}, "empty method");
}

TEST(Validation, MlpArchitectureAndNames) {
  expect_message([] { MlpArchitecture{{3}, Activation::silu, {}}.validate(); }, {"dims has 1 entries"}, "dims size");
  expect_message([] { MlpArchitecture{{3, 0, 2}, Activation::silu, {}}.validate(); }, {"dims[1] = 0"}, "dims zero");
  expect_message([] { MlpArchitecture{{3, 16777217, 2}, Activation::silu, {}}.validate(); }, {"dims[1] = 16777217"}, "dims huge");
  expect_message([] { MlpArchitecture{{5, 8, 2}, Activation::silu, {}}.validate(); }, {"dims[0] = 5", "2 + 1"}, "dims[0]");
  expect_message([] { parse_activation("sigmoid"); }, {"activation = \"sigmoid\""}, "activation");
  expect_message([] { parse_time_embedding("fourier"); }, {"time = \"fourier\""}, "time");
  TimeEmbedding te;
  te.kind = TimeEmbedding::Kind::sinusoidal;
  te.dim = 3;
  expect_message([&] { te.validate(); }, {"time_embed_dim = 3"}, "time dim");
  te.dim = 4;
  te.scale = -2;
  expect_message([&] { te.validate(); }, {"time_embed_scale = -2"}, "time scale");
  te.scale = 1;
  te.max_period = k_nan;
  expect_message([&] { te.validate(); }, {"time_embed_max_period", "nan"}, "time period");
}

TEST(Validation, CheckpointMetadataAndTensors) {
  auto meta = [](std::map<std::string, std::string> m) { return [m] { mlp_architecture_from_metadata(m, "m.safetensors"); }; };
  expect_message<FormatError>(meta({{"activation", "silu"}}), {"m.safetensors", "no 'dims'"}, "no dims");
  expect_message<FormatError>(meta({{"dims", "3,x,2"}, {"activation", "silu"}}), {"'x' is not an integer", "__metadata__.dims"},
                              "dims x");
  expect_message<FormatError>(meta({{"dims", "3,8,2"}, {"activation", "swiglu"}}), {"activation = \"swiglu\""}, "activation");
  expect_message<FormatError>(meta({{"dims", "3,8,2"}, {"activation", "silu"}, {"format", "torch"}}), {"format is 'torch'"},
                              "format");
  expect_message<FormatError>(meta({{"dims", "3,8,2"}, {"activation", "silu"}, {"time", "sinusoidal"}, {"time_embed_dim", "4"},
                                    {"time_embed_scale", "abc"}}),
                              {"'abc' is not a number", "time_embed_scale"}, "scale");
  SafetensorsFile f;
  f.metadata = {{"dims", "3,4,2"}, {"activation", "tanh"}};
  const std::vector<double> w(12, 0.5), b(4, 0.0), w1(8, 0.5), b1(2, 0.0);
  f.tensors.push_back(SafetensorsTensor::from_values<double>("main.0.weight", {3, 4}, w.data()));
  f.tensors.push_back(SafetensorsTensor::from_values<double>("main.0.bias", {4}, b.data()));
  f.tensors.push_back(SafetensorsTensor::from_values<double>("main.2.weight", {2, 4}, w1.data()));
  expect_message<FormatError>([&] { mlp_from_safetensors<double>(f, "c.safetensors"); },
                              {"c.safetensors", "shape [3,4] does not match the metadata's [4,3]", "main.0.weight"}, "shape");
  f.tensors[0] = SafetensorsTensor::from_values<double>("main.0.weight", {4, 3}, w.data());
  expect_message<FormatError>([&] { mlp_from_safetensors<double>(f, "c.safetensors"); }, {"missing tensor", "main.2.bias"},
                              "missing");
  f.tensors.push_back(SafetensorsTensor::from_values<double>("main.2.bias", {2}, b1.data()));
  f.tensors.push_back(SafetensorsTensor::from_values<double>("extra", {2}, b1.data()));
  expect_message<FormatError>([&] { mlp_from_safetensors<double>(f, "c.safetensors"); }, {"unexpected tensor", "'extra'"},
                              "extra");
  f.tensors.pop_back();
  EXPECT_NO_THROW(mlp_from_safetensors<double>(f, "c.safetensors"));
}

TEST(Validation, AnalyticFieldsAndDatasets) {
  expect_message([] { GaussianField<double>({0.0, 1.0}, {1.0, -1.0}); }, {"s[1] = -1"}, "gaussian s");
  expect_message([] { GaussianField<double>({k_nan, 1.0}, {1.0, 1.0}); }, {"mu[0] = nan"}, "gaussian mu");
  expect_message([] { GaussianField<double>({0.0}, {1.0, 1.0}); }, {"(1, 2)"}, "gaussian sizes");
  expect_message([] { GaussianMixtureField<double>({1.0, 0.0}, {0, 0, 1, 1}, {1, 1, 1, 1}, 2); }, {"weights[1] = 0"}, "mixture w");
  expect_message([] { GaussianMixtureField<double>({1.0}, {0, k_nan}, {1, 1}, 2); }, {"means[1] = nan"}, "mixture mean");
  expect_message([] { GaussianMixtureDataset<double>({1.0}, {0, 0}, {1, k_inf}, 2); }, {"stds[1] = inf"}, "dataset std");
}

TEST(Validation, TrainingOptions) {
  Mlp<double, mem> m(MlpArchitecture::make(2, 8, 1, Activation::tanh));
  const AffinePath<CondOTScheduler<double>> path{};
  auto train = [&](auto change) {
    return [&, change] {
      TrainOptions o;
      o.iterations = 1;
      o.batch_size = 4;
      o.progress_line = false;
      change(o);
      train_flow_matching(Space{}, m, Checkerboard{}, path, o);
    };
  };
  expect_message(train([](TrainOptions& o) { o.iterations = 0; }), {"iterations = 0"}, "iterations");
  expect_message(train([](TrainOptions& o) { o.batch_size = -4; }), {"batch_size = -4"}, "batch");
  expect_message(train([](TrainOptions& o) { o.adam.beta1 = 1.0; }), {"adam.beta1 = 1", "[0, 1)"}, "beta1");
  expect_message(train([](TrainOptions& o) { o.adam.beta2 = k_nan; }), {"adam.beta2 = nan"}, "beta2");
  expect_message(train([](TrainOptions& o) { o.adam.eps = 0; }), {"adam.eps = 0"}, "eps");
  expect_message(train([](TrainOptions& o) { o.adam.weight_decay = -0.5; }), {"adam.weight_decay = -0.5"}, "wd");
  expect_message(train([](TrainOptions& o) { o.lr.base = k_inf; }), {"lr.base = inf"}, "lr");
  expect_message(train([](TrainOptions& o) { o.lr.warmup = -1; }), {"lr.warmup = -1"}, "warmup");
  Mlp<double, mem> m3(MlpArchitecture::make(3, 8, 1, Activation::tanh));
  TrainOptions o;
  o.iterations = 1;
  o.batch_size = 4;
  expect_message([&] { train_flow_matching(Space{}, m3, Checkerboard{}, path, o); }, {"dataset dimension 2 != model dimension 3"},
                 "dims");
  EXPECT_NO_THROW(train([](TrainOptions&) {})());
}
