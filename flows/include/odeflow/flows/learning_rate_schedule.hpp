// Learning-rate schedules: constant, linear warm-up, then constant, cosine or linear decay.
#pragma once

#include <algorithm>
#include <cmath>
#include <numbers>

namespace odeflow {

/// lr(k) for step k = 0, 1, ...: base (k + 1) / warmup during the first `warmup` steps, then
/// base f(p) with p = (k - warmup) / (total - warmup) clamped to [0, 1] and
///
/// | decay    | f(p)                                    |
/// |----------|-----------------------------------------|
/// | constant | 1                                       |
/// | cosine   | r + (1 - r) (1 + cos(pi p)) / 2         |
/// | linear   | 1 - (1 - r) p                           |
///
/// where r = final_fraction (the ratio of the last rate to the base rate).
struct LearningRateSchedule {
  /// Decay after the warm-up (see the table).
  enum class Decay { constant, cosine, linear };
  /// @var odeflow::LearningRateSchedule::Decay::constant
  /// f(p) = 1.

  /// @var odeflow::LearningRateSchedule::Decay::cosine
  /// f(p) = r + (1 - r) (1 + cos(pi p)) / 2.

  /// @var odeflow::LearningRateSchedule::Decay::linear
  /// f(p) = 1 - (1 - r) p.

  /// Base learning rate.
  double base = 1e-3;
  /// Linear warm-up steps (0: none).
  int warmup = 0;
  /// Decay after the warm-up.
  Decay decay = Decay::constant;
  /// Total steps, the end of the decay (the decay needs total > warmup).
  int total = 0;
  /// r, the last rate as a fraction of base.
  double final_fraction = 0.0;

  /// The learning rate of step k (k = 0, 1, ...).
  double operator()(int k) const {
    if (k < warmup) return base * (k + 1) / warmup;
    if (decay == Decay::constant || total <= warmup) return base;
    const double p = std::clamp(static_cast<double>(k - warmup) / (total - warmup), 0.0, 1.0);
    const double r = final_fraction;
    if (decay == Decay::cosine) return base * (r + (1 - r) * 0.5 * (1 + std::cos(std::numbers::pi * p)));
    return base * (1 - (1 - r) * p);
  }
};

}  // namespace odeflow
