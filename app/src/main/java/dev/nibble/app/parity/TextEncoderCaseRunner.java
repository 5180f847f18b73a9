package dev.nibble.app.parity;

import dev.nibble.engine.io.SafetensorsFile;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.models.common.clip.ClipTextModel;
import dev.nibble.models.common.t5.T5EncoderModel;

import java.util.LinkedHashMap;
import java.util.Map;

/** CLIPTextModel(WithProjection) and T5EncoderModel cases: outputs named as transformers returns them. */
final class TextEncoderCaseRunner implements CaseRunner {
    @Override
    public boolean handles(GoldenCase c) {
        return c.kind().equals("model") && (c.className().startsWith("CLIPTextModel") || c.className().equals("T5EncoderModel"));
    }

    @Override
    public CaseResult run(GoldenCase c, ParityContext ctx) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        try (SafetensorsFile in = c.inputs()) {
            Tensor ids = in.tensor("input_ids");
            Tensor mask = in.contains("attention_mask") ? in.tensor("attention_mask") : null;
            if (c.className().equals("T5EncoderModel")) {
                try (T5EncoderModel m = T5EncoderModel.load(c.modelDir())) {
                    out.put("last_hidden_state", m.encode(ids, mask, ctx.executor()));
                }
            } else {
                try (ClipTextModel m = ClipTextModel.load(c.modelDir())) {
                    ClipTextModel.Output o = m.encode(ids, mask, true, ctx.executor());
                    if (m.hasProjection()) {
                        out.put("text_embeds", o.textEmbeds());
                    } else {
                        out.put("pooler_output", o.poolerOutput());
                    }
                    out.put("last_hidden_state", o.lastHiddenState());
                    for (int i = 0; i < o.hiddenStates().size(); i++) {
                        out.put("hidden_states." + i, o.hiddenStates().get(i));
                    }
                }
            }
        }
        return new CaseResult(out, null, ModelChecks.compare(c, ctx, out));
    }
}
