package dev.nibble.models.common.vae;

import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.models.common.nn.GoldenCase;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The latent scaling helpers reproduce the pipelines' arithmetic bit for bit (the z the pipelines
 * handed to vae.decode), and the decode of that z matches the pipeline's decoded sample.
 */
class LatentScalingTest {
    @Test
    void sdxlUnscaleIsDivisionByScalingFactor() {
        try (GoldenCase c = GoldenCase.open("pipeline_sdxl");
             AutoencoderKL vae = AutoencoderKL.load(GoldenCase.goldenRoot().resolve("models/sdxl/vae"))) {
            Tensor z = vae.unscaleLatents(c.output("step2.latents_after"));
            assertArrayEquals(c.output("vae_decode.call0.z").toFloatArray(), z.toFloatArray());
            c.check("vae_decode.call0.sample", vae.decode(z, GoldenCase.cpuExecutor()));
        }
    }

    @Test
    void fluxUnscaleAddsShiftFactor() {
        try (GoldenCase c = GoldenCase.open("pipeline_flux_dev");
             AutoencoderKL vae = AutoencoderKL.load(GoldenCase.goldenRoot().resolve("models/flux_dev/vae"))) {
            Tensor packed = c.output("step3.latents_after"); // [1, 24, 64] for a 32×48 image
            Tensor z = vae.unscaleLatents(unpack(packed, 8, 12));
            assertArrayEquals(c.output("vae_decode.call0.z").toFloatArray(), z.toFloatArray());
            c.check("vae_decode.call0.sample", vae.decode(z, GoldenCase.cpuExecutor()));
            // scale undoes unscale up to float rounding
            Tensor back = vae.scaleLatents(z);
            float[] a = unpack(packed, 8, 12).toFloatArray(), b = back.toFloatArray();
            for (int i = 0; i < a.length; i++) {
                assertEquals(a[i], b[i], 1e-5f * Math.max(1f, Math.abs(a[i])));
            }
        }
    }

    /** FluxPipeline._unpack_latents: [B, (h/2)(w/2), 4C] with 2×2 patches (c, dy, dx) → [B, C, h, w]. */
    private static Tensor unpack(Tensor packed, int h, int w) {
        int b = packed.shape().dim(0), c = packed.shape().dim(2) / 4;
        float[] in = packed.toFloatArray();
        float[] out = new float[b * c * h * w];
        for (int n = 0; n < b; n++) {
            for (int y = 0; y < h / 2; y++) {
                for (int x = 0; x < w / 2; x++) {
                    for (int ch = 0; ch < c; ch++) {
                        for (int dy = 0; dy < 2; dy++) {
                            for (int dx = 0; dx < 2; dx++) {
                                int src = ((n * (h / 2) + y) * (w / 2) + x) * 4 * c + (ch * 4 + dy * 2 + dx);
                                out[((n * c + ch) * h + 2 * y + dy) * w + 2 * x + dx] = in[src];
                            }
                        }
                    }
                }
            }
        }
        return Tensor.ofFloats(Shape.of(b, c, h, w), out);
    }
}
