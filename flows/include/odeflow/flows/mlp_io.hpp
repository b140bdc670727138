// MLP checkpoints as safetensors: PyTorch nn.Sequential state_dict names, architecture in __metadata__.
#pragma once

#include <odeflow/flows/format_error.hpp>
#include <odeflow/flows/mlp.hpp>
#include <odeflow/flows/safetensors.hpp>

#include <Kokkos_Core.hpp>

#include <charconv>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>

namespace odeflow {

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

/// Writes `mlp` as a safetensors checkpoint: tensors "main.<2l>.weight" (n_{l+1}, n_l) and
/// "main.<2l>.bias" (n_{l+1}) in F32 (float) or F64 (double), architecture in the metadata
/// (mlp_metadata). Loadable by PyTorch with safetensors.torch.load_file into nn.Sequential.
template <class T, class MemorySpace>
void save_mlp(const std::filesystem::path& path, const Mlp<T, MemorySpace>& mlp) {
  auto p = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), mlp.parameters());
  SafetensorsFile f;
  f.metadata = mlp_metadata(mlp.architecture());
  for (int l = 0; l < mlp.num_layers(); ++l) {
    const std::int64_t out = mlp.width(l + 1), in = mlp.width(l);
    f.tensors.push_back(SafetensorsTensor::from_values("main." + std::to_string(2 * l) + ".weight", {out, in},
                                                       p.data() + mlp.weight_offset(l)));
    f.tensors.push_back(SafetensorsTensor::from_values("main." + std::to_string(2 * l) + ".bias", {out},
                                                       p.data() + mlp.bias_offset(l)));
  }
  write_safetensors(path, f);
}

/// Builds an Mlp from parsed safetensors content (see load_mlp).
template <class T, class MemorySpace = Kokkos::DefaultExecutionSpace::memory_space>
Mlp<T, MemorySpace> mlp_from_safetensors(const SafetensorsFile& f, const std::string& file = "<memory>") {
  const MlpArchitecture arch = mlp_architecture_from_metadata(f.metadata, file);
  Mlp<T, MemorySpace> mlp(arch);
  auto p = Kokkos::create_mirror_view(mlp.parameters());
  std::size_t used = 0;
  for (int l = 0; l < mlp.num_layers(); ++l) {
    const std::int64_t out = mlp.width(l + 1), in = mlp.width(l);
    for (int part = 0; part < 2; ++part) {
      const std::string name = "main." + std::to_string(2 * l) + (part == 0 ? ".weight" : ".bias");
      const SafetensorsTensor* t = f.find(name);
      if (!t) throw FormatError(file, "missing tensor for layer " + std::to_string(l) + " of dims " + f.metadata.at("dims"), "tensor '" + name + "'");
      const std::vector<std::int64_t> want = part == 0 ? std::vector<std::int64_t>{out, in} : std::vector<std::int64_t>{out};
      if (t->shape != want) {
        std::string got, exp;
        for (auto s : t->shape) got += (got.empty() ? "" : ",") + std::to_string(s);
        for (auto s : want) exp += (exp.empty() ? "" : ",") + std::to_string(s);
        throw FormatError(file, "shape [" + got + "] does not match the metadata's [" + exp + "]", "tensor '" + name + "'");
      }
      const auto v = t->to_vector<T>(file);
      const std::size_t off = part == 0 ? mlp.weight_offset(l) : mlp.bias_offset(l);
      for (std::size_t i = 0; i < v.size(); ++i) p(off + i) = v[i];
      ++used;
    }
  }
  if (used != f.tensors.size())
    for (const auto& t : f.tensors) {
      const auto& n = t.name;
      bool known = false;
      for (int l = 0; l < mlp.num_layers() && !known; ++l)
        known = n == "main." + std::to_string(2 * l) + ".weight" || n == "main." + std::to_string(2 * l) + ".bias";
      if (!known) throw FormatError(file, "unexpected tensor for an MLP of dims " + f.metadata.at("dims"), "tensor '" + n + "'");
    }
  Kokkos::deep_copy(mlp.parameters(), p);
  return mlp;
}

/// Reads an MLP checkpoint (save_mlp's layout; PyTorch's nn.Sequential state_dict with
/// this metadata), converting F32/F64/F16/BF16 to T. Throws FormatError naming the file,
/// the problem and where: malformed safetensors (read_safetensors), metadata missing or
/// invalid, a tensor missing, of the wrong shape or dtype, or an unexpected tensor.
template <class T, class MemorySpace = Kokkos::DefaultExecutionSpace::memory_space>
Mlp<T, MemorySpace> load_mlp(const std::filesystem::path& path) {
  return mlp_from_safetensors<T, MemorySpace>(read_safetensors(path), path.string());
}

}  // namespace odeflow
