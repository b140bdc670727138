// sample_mlp for MlpField<float> (mlp_flows.hpp): the by-name sample(), every method, compiled once.
#include <odeflow/flows/mlp_flows.hpp>

namespace odeflow {

SampleResult<float, MlpFlowMemory> sample_mlp(const MlpFlowExec& space, const MlpField<float>& f,
                                           const MlpFlowConstRows<float>& x0, const MlpFlowRows<float>& x1,
                                           const SampleOptions<float>& opt) {
  return sample(space, f, x0, x1, opt);
}

}  // namespace odeflow
