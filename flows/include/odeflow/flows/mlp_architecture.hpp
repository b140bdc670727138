// MLP architecture (widths, activation, time input) and its checkpoint metadata; no Kokkos runtime needed.
#pragma once

#include <odeflow/flows/activation.hpp>
#include <odeflow/flows/format_error.hpp>
#include <odeflow/flows/time_embedding.hpp>
#include <odeflow/solvers/validation.hpp>

#include <algorithm>
#include <charconv>
#include <cstddef>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace odeflow {

/// Architecture of a time-conditioned MLP u_theta(t, x): R^d -> R^d.
///
/// dims = (n_0, n_1, ..., n_L): n_0 = d + time inputs, n_1 .. n_{L-1} the hidden widths,
/// n_L = d. Layer l (l < L) is z_l = h_l W_l^T + b_l with W_l (n_{l+1}, n_l), b_l (n_{l+1});
/// h_0 = [x, time inputs] (time LAST), h_{l+1} = act(z_l) for l < L - 1, and the output
/// is z_{L-1} (no activation). In PyTorch terms: nn.Sequential(Linear, act, Linear, act,
/// ..., Linear), whose state_dict names W_l "main.<2l>.weight" and b_l "main.<2l>.bias".
struct MlpArchitecture {
  /// Layer widths (n_0, ..., n_L): n_0 = d + time inputs, n_L = d.
  std::vector<int> dims;
  /// Activation between layers (none after the last).
  Activation activation = Activation::silu;
  /// How the time enters (concatenated or sinusoidal embedding).
  TimeEmbedding time{};

  /// d, the state dimension (n_L).
  int state_dim() const { return dims.empty() ? 0 : dims.back(); }
  /// L, the number of linear layers.
  int num_layers() const { return static_cast<int>(dims.size()) - 1; }
  /// Total number of parameters, sum over l of n_{l+1} (n_l + 1).
  std::size_t num_parameters() const {
    std::size_t p = 0;
    for (int l = 0; l < num_layers(); ++l)
      p += static_cast<std::size_t>(dims[l + 1]) * static_cast<std::size_t>(dims[l] + 1);
    return p;
  }
  /// Throws InvalidArgument unless there are >= 2 positive dims and n_0 = d + time width.
  void validate() const {
    if (dims.size() < 2) throw InvalidArgument("dims has " + std::to_string(dims.size()) + " entries; at least 2 needed");
    for (std::size_t i = 0; i < dims.size(); ++i)
      if (dims[i] <= 0 || dims[i] > (1 << 24))
        throw InvalidArgument("dims[" + std::to_string(i) + "] = " + std::to_string(dims[i]) + " must be in [1, 2^24]");
    time.validate();
    if (dims.front() != state_dim() + time.width())
      throw InvalidArgument("dims[0] = " + std::to_string(dims.front()) + " must be d + time inputs = " +
                            std::to_string(state_dim()) + " + " + std::to_string(time.width()));
  }
  /// A plain architecture: d inputs plus time (concatenated), `depth` hidden layers of `width`.
  static MlpArchitecture make(int d, int width, int depth, Activation act = Activation::silu,
                              TimeEmbedding time = {}) {
    MlpArchitecture a;
    a.dims.push_back(d + time.width());
    for (int i = 0; i < depth; ++i) a.dims.push_back(width);
    a.dims.push_back(d);
    a.activation = act;
    a.time = time;
    return a;
  }
};

/// The __metadata__ of an MLP checkpoint (all values strings):
///
/// | key                     | value                                                     |
/// |-------------------------|-----------------------------------------------------------|
/// | `format`                | "odeflow-mlp"                                             |
/// | `dims`                  | n_0,...,n_L comma-separated, e.g. "3,512,512,2"           |
/// | `activation`            | silu, elu, gelu, tanh, relu, softplus ("swish" read as silu) |
/// | `time`                  | "concat" (t is the last input) or "sinusoidal"            |
/// | `time_embed_dim`        | E (sinusoidal; "1" for concat)                            |
/// | `time_embed_scale`      | the scale of TimeEmbedding (sinusoidal only)              |
/// | `time_embed_max_period` | the max_period of TimeEmbedding (sinusoidal only)         |
inline std::map<std::string, std::string> mlp_metadata(const MlpArchitecture& a) {
  std::map<std::string, std::string> m;
  m["format"] = "odeflow-mlp";
  std::string dims;
  for (std::size_t i = 0; i < a.dims.size(); ++i) dims += (i ? "," : "") + std::to_string(a.dims[i]);
  m["dims"] = dims;
  m["activation"] = std::string(activation_name(a.activation));
  m["time"] = std::string(time_embedding_name(a.time.kind));
  m["time_embed_dim"] = std::to_string(a.time.width());
  if (a.time.kind == TimeEmbedding::Kind::sinusoidal) {
    std::ostringstream s1, s2;
    s1.precision(17);
    s2.precision(17);
    s1 << a.time.scale;
    s2 << a.time.max_period;
    m["time_embed_scale"] = s1.str();
    m["time_embed_max_period"] = s2.str();
  }
  return m;
}

/// The architecture in a checkpoint's metadata. `format` must be "odeflow-mlp" when
/// present; `dims` and `activation` are required; `time` defaults to "concat".
/// Throws FormatError (file, problem, "__metadata__.<key>") on anything missing or invalid.
inline MlpArchitecture mlp_architecture_from_metadata(const std::map<std::string, std::string>& m,
                                                      const std::string& file = "<memory>") {
  auto where = [](const std::string& k) { return "__metadata__." + k; };
  auto get = [&](const std::string& k) -> const std::string& {
    auto it = m.find(k);
    if (it == m.end()) throw FormatError(file, "metadata has no '" + k + "' (the MLP architecture)", where(k));
    return it->second;
  };
  if (auto it = m.find("format"); it != m.end() && it->second != "odeflow-mlp")
    throw FormatError(file, "format is '" + it->second + "', expected 'odeflow-mlp'", where("format"));
  auto parse_int = [&](const std::string& s, const std::string& key) {
    int v = 0;
    const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    if (r.ec != std::errc() || r.ptr != s.data() + s.size())
      throw FormatError(file, "'" + s + "' is not an integer", where(key));
    return v;
  };
  auto parse_double = [&](const std::string& s, const std::string& key) {
    std::istringstream in(s);
    double v = 0;
    in >> v;
    if (!in || !in.eof()) throw FormatError(file, "'" + s + "' is not a number", where(key));
    return v;
  };
  MlpArchitecture a;
  const std::string& dims = get("dims");
  std::size_t pos = 0;
  while (pos <= dims.size()) {
    const std::size_t comma = std::min(dims.find(',', pos), dims.size());
    a.dims.push_back(parse_int(dims.substr(pos, comma - pos), "dims"));
    pos = comma + 1;
  }
  const std::string& act = get("activation");
  try {
    a.activation = parse_activation(act);
  } catch (const InvalidArgument& e) {
    throw FormatError(file, e.what(), where("activation"));
  }
  if (auto it = m.find("time"); it != m.end()) {
    try {
      a.time.kind = parse_time_embedding(it->second);
    } catch (const InvalidArgument& e) {
      throw FormatError(file, e.what(), where("time"));
    }
  }
  if (a.time.kind == TimeEmbedding::Kind::sinusoidal) {
    a.time.dim = parse_int(get("time_embed_dim"), "time_embed_dim");
    if (auto it = m.find("time_embed_scale"); it != m.end()) a.time.scale = parse_double(it->second, "time_embed_scale");
    if (auto it = m.find("time_embed_max_period"); it != m.end())
      a.time.max_period = parse_double(it->second, "time_embed_max_period");
  }
  try {
    a.validate();
  } catch (const InvalidArgument& e) {
    throw FormatError(file, e.what(), where("dims"));
  }
  return a;
}

}  // namespace odeflow
