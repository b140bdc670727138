// sample_mlp for MlpField<double> (mlp_flows.hpp): the by-name sample(), every method, compiled once.
#include <odeflow/flows/mlp_flows.hpp>

namespace odeflow {

SampleResult<double, MlpFlowMemory> sample_mlp(const MlpFlowExec& space, const MlpField<double>& f,
                                           const MlpFlowConstRows<double>& x0, const MlpFlowRows<double>& x1,
                                           const SampleOptions<double>& opt) {
  return sample(space, f, x0, x1, opt);
}

}  // namespace odeflow
