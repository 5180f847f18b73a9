package dev.nibble.app.parity;

import dev.nibble.engine.io.SafetensorsFile;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.models.common.vae.AutoencoderKL;

import java.util.LinkedHashMap;
import java.util.Map;

/** AutoencoderKL cases: encode (input x → mean, logvar, std) or decode (input z → sample). */
final class VaeCaseRunner implements CaseRunner {
    @Override
    public boolean handles(GoldenCase c) {
        return c.kind().equals("model") && c.className().equals("AutoencoderKL");
    }

    @Override
    public CaseResult run(GoldenCase c, ParityContext ctx) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        try (SafetensorsFile in = c.inputs(); AutoencoderKL vae = AutoencoderKL.load(c.modelDir())) {
            if (in.contains("x")) {
                AutoencoderKL.LatentDist d = vae.encode(in.tensor("x"), ctx.executor());
                out.put("mean", d.mean());
                out.put("logvar", d.logvar());
                out.put("std", d.std());
            } else {
                out.put("sample", vae.decode(in.tensor("z"), ctx.executor()));
            }
        }
        return new CaseResult(out, null, ModelChecks.compare(c, ctx, out));
    }
}
