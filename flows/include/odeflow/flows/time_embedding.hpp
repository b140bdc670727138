// How an MLP sees time: t concatenated as the last input, or a sinusoidal embedding appended to the state.
#pragma once

#include <odeflow/solvers/validation.hpp>

#include <Kokkos_Macros.hpp>
#include <Kokkos_MathematicalFunctions.hpp>

#include <cmath>
#include <string>
#include <string_view>

namespace odeflow {

/// The time input of a time-conditioned MLP, after the d state inputs:
///
/// - `concat`: one input, t itself (metadata "concat");
/// - `sinusoidal`: E = dim inputs (E even, h = E / 2), with frequencies
///   w_k = max_period^(-k / h), k < h:
///   [sin(scale t w_0), ..., sin(scale t w_{h-1}), cos(scale t w_0), ..., cos(scale t w_{h-1})]
///   (metadata "sinusoidal", with "time_embed_dim", "time_embed_scale", "time_embed_max_period";
///   the transformer / DDPM embedding, with scale = 1000 mapping t in [0, 1] to DDPM's steps).
struct TimeEmbedding {
  /// How the time enters.
  enum class Kind { concat, sinusoidal };
  /// @var odeflow::TimeEmbedding::Kind::concat
  /// One input: t itself.

  /// @var odeflow::TimeEmbedding::Kind::sinusoidal
  /// dim inputs: sines, then cosines of scale t w_k.

  /// How the time enters.
  Kind kind = Kind::concat;
  /// E, number of sinusoidal inputs (even; 1 for concat).
  int dim = 1;
  /// Multiplies t before the sinusoids.
  double scale = 1000.0;
  /// Longest period of the sinusoids.
  double max_period = 10000.0;

  /// Number of inputs the time takes: 1 (concat) or dim (sinusoidal).
  int width() const { return kind == Kind::concat ? 1 : dim; }
  /// Throws InvalidArgument unless the parameters are usable (sinusoidal: dim even and > 0,
  /// scale and max_period finite and positive).
  void validate() const {
    if (kind == Kind::concat) return;
    if (dim <= 0 || dim % 2 != 0)
      throw InvalidArgument("time_embed_dim = " + std::to_string(dim) + " must be even and positive");
    validate_finite("time_embed_scale", -1, scale);
    validate_finite("time_embed_max_period", -1, max_period);
    if (scale <= 0) throw InvalidArgument("time_embed_scale = " + detail::fmt(scale) + " must be positive");
    if (max_period <= 0) throw InvalidArgument("time_embed_max_period = " + detail::fmt(max_period) + " must be positive");
  }
};

/// Metadata name of a time embedding kind.
inline std::string_view time_embedding_name(TimeEmbedding::Kind k) {
  return k == TimeEmbedding::Kind::concat ? "concat" : "sinusoidal";
}

/// Parses "concat" or "sinusoidal"; throws InvalidArgument otherwise.
inline TimeEmbedding::Kind parse_time_embedding(std::string_view s) {
  if (s == "concat") return TimeEmbedding::Kind::concat;
  if (s == "sinusoidal") return TimeEmbedding::Kind::sinusoidal;
  throw InvalidArgument("time = \"" + std::string(s) + "\" is not one of concat, sinusoidal");
}

namespace detail {
/// Device-side form of a TimeEmbedding: writes the time inputs of one row.
template <class T>
struct TimeFeatures {
  bool sinusoidal = false;
  int half = 0;
  T scale = T(1);
  T log_max_period = T(0);

  explicit TimeFeatures(const TimeEmbedding& e)
      : sinusoidal(e.kind == TimeEmbedding::Kind::sinusoidal), half(e.dim / 2),
        scale(static_cast<T>(e.scale)), log_max_period(static_cast<T>(std::log(e.max_period))) {}

  KOKKOS_FUNCTION void operator()(T t, T* out) const {
    if (!sinusoidal) {
      out[0] = t;
      return;
    }
    for (int k = 0; k < half; ++k) {
      const T arg = scale * t * Kokkos::exp(-log_max_period * T(k) / T(half));
      out[k] = Kokkos::sin(arg);
      out[half + k] = Kokkos::cos(arg);
    }
  }
};
}  // namespace detail

}  // namespace odeflow
