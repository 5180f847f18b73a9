package dev.nibble.models.flux;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.nibble.engine.io.SafetensorsStore;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.models.common.vae.VaeImageProcessor;
import org.junit.jupiter.api.Test;

/** Packing, ids and the pipeline's host-side arithmetic against the golden pipeline traces (exact). */
class LatentPackingTest {
    @Test
    void packMatchesPipelineLatents() {
        for (String c : new String[] {"pipeline_flux_dev", "pipeline_flux_schnell"}) {
            try (SafetensorsStore in = Golden.open(c, "inputs")) {
                Tensor unpacked = in.tensor("latents_unpacked");
                Tensor packed = in.tensor("latents");
                assertArrayEquals(packed.toFloatArray(), LatentPacking.pack(unpacked).toFloatArray(), c);
                assertEquals(packed.shape(), LatentPacking.pack(unpacked).shape());
                Tensor back = LatentPacking.unpack(packed, unpacked.shape().dim(2), unpacked.shape().dim(3));
                assertEquals(unpacked.shape(), back.shape());
                assertArrayEquals(unpacked.toFloatArray(), back.toFloatArray(), c);
            }
        }
    }

    @Test
    void packOrderIsChannelThenPatchRowThenColumn() {
        // one channel, 2x4 latents: tokens are the two 2x2 patches, each flattened (dy, dx)
        Tensor x = Tensor.ofFloats(Shape.of(1, 1, 2, 4), 0, 1, 2, 3, 4, 5, 6, 7);
        Tensor p = LatentPacking.pack(x);
        assertEquals(Shape.of(1, 2, 4), p.shape());
        assertArrayEquals(new float[] {0, 1, 4, 5, 2, 3, 6, 7}, p.toFloatArray());
    }

    @Test
    void idsMatchPipeline() {
        try (SafetensorsStore out = Golden.open("pipeline_flux_dev", "outputs")) {
            // latents 8 x 12 → 4 x 6 patches
            assertArrayEquals(out.tensor("transformer.call0.img_ids").toFloatArray(),
                    LatentPacking.latentImageIds(8, 12).toFloatArray());
            assertArrayEquals(out.tensor("text_ids").toFloatArray(), LatentPacking.textIds(32).toFloatArray());
            assertEquals(8, LatentPacking.latentSize(32, 8));
            assertEquals(12, LatentPacking.latentSize(48, 8));
        }
    }

    @Test
    void vaeInputAndPostprocessMatchPipeline() {
        for (String c : new String[] {"pipeline_flux_dev", "pipeline_flux_schnell"}) {
            try (SafetensorsStore in = Golden.open(c, "inputs"); SafetensorsStore out = Golden.open(c, "outputs")) {
                Tensor unpacked = in.tensor("latents_unpacked");
                int last = c.endsWith("dev") ? 3 : 1;
                Tensor z = FluxPipeline.vaeInput(out.tensor("step" + last + ".latents_after"), unpacked.shape().dim(2),
                        unpacked.shape().dim(3), 0.3611, 0.1159);
                assertArrayEquals(out.tensor("vae_decode.call0.z").toFloatArray(), z.toFloatArray(), c);
                Tensor img = VaeImageProcessor.postprocess(out.tensor("vae_decode.call0.sample"));
                assertEquals(out.tensor("image").shape(), img.shape());
                assertArrayEquals(out.tensor("image").toFloatArray(), img.toFloatArray(), c);
            }
        }
    }

    @Test
    void rejectsOddOrMismatchedSizes() {
        assertThrows(IllegalArgumentException.class, () -> LatentPacking.pack(Tensor.zeros(
                dev.nibble.engine.tensor.DType.F32, Shape.of(1, 4, 3, 4))));
        assertThrows(IllegalArgumentException.class, () -> LatentPacking.unpack(Tensor.zeros(
                dev.nibble.engine.tensor.DType.F32, Shape.of(1, 6, 64)), 4, 4));
    }
}
