package dev.nibble.app.parity;

import dev.nibble.engine.io.SafetensorsFile;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.models.flux.FluxTransformer2DModel;
import dev.nibble.models.sdxl.UNet2DConditionModel;

import java.util.LinkedHashMap;
import java.util.Map;

/** FluxTransformer2DModel and UNet2DConditionModel cases: one forward call → sample. */
final class DenoiserCaseRunner implements CaseRunner {
    @Override
    public boolean handles(GoldenCase c) {
        return c.kind().equals("model")
                && (c.className().equals("FluxTransformer2DModel") || c.className().equals("UNet2DConditionModel"));
    }

    @Override
    public CaseResult run(GoldenCase c, ParityContext ctx) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        try (SafetensorsFile in = c.inputs()) {
            if (c.className().equals("FluxTransformer2DModel")) {
                try (FluxTransformer2DModel m = FluxTransformer2DModel.load(c.modelDir())) {
                    out.put("sample", m.forward(ctx.executor(), in.tensor("hidden_states"),
                            in.tensor("encoder_hidden_states"), in.tensor("pooled_projections"), in.tensor("timestep"),
                            in.tensor("img_ids"), in.tensor("txt_ids"),
                            in.contains("guidance") ? in.tensor("guidance") : null));
                }
            } else {
                try (UNet2DConditionModel m = UNet2DConditionModel.load(c.modelDir())) {
                    out.put("sample", m.forward(ctx.executor(), in.tensor("sample"), in.tensor("timestep"),
                            in.tensor("encoder_hidden_states"), in.tensor("text_embeds"), in.tensor("time_ids")));
                }
            }
        }
        return new CaseResult(out, null, ModelChecks.compare(c, ctx, out));
    }
}
