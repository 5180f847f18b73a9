package dev.nibble.models.flux;

import dev.nibble.backend.cpu.CpuBackend;
import dev.nibble.engine.exec.ExecutionOptions;
import dev.nibble.engine.exec.Executor;
import dev.nibble.engine.io.SafetensorsStore;
import dev.nibble.engine.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** FluxTransformer2DModel against diffusers on the golden transformer cases (float32 and float64 references). */
class FluxTransformerGoldenTest {
    private static final Executor EX = new Executor(CpuBackend.fastDevice(), null, ExecutionOptions.DEFAULT);

    @ParameterizedTest
    @ValueSource(strings = {"flux_dev_transformer__single", "flux_dev_transformer__batch2_nonsquare",
            "flux_schnell_transformer__single", "flux_schnell_transformer__batch2_nonsquare"})
    void matchesDiffusers(String caseName) {
        String model = caseName.startsWith("flux_dev") ? "flux_dev" : "flux_schnell";
        try (FluxTransformer2DModel m = FluxTransformer2DModel.load(Golden.path("models/" + model + "/transformer"));
             SafetensorsStore in = Golden.open(caseName, "inputs");
             SafetensorsStore out = Golden.open(caseName, "outputs");
             SafetensorsStore out64 = Golden.open(caseName, "outputs_f64")) {
            Tensor guidance = in.contains("guidance") ? in.tensor("guidance") : null;
            Tensor sample = m.forward(EX, in.tensor("hidden_states"), in.tensor("encoder_hidden_states"),
                    in.tensor("pooled_projections"), in.tensor("timestep"), in.tensor("img_ids"), in.tensor("txt_ids"),
                    guidance);
            Golden.assertModelClose(caseName + " vs f32", sample, out.tensor("sample"));
            Golden.assertModelClose(caseName + " vs f64", sample, out64.tensor("sample"));
        }
    }
}
