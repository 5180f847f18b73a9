package dev.nibble.bench.metrics;

import dev.nibble.engine.exec.ExecutionOptions;
import dev.nibble.engine.exec.Executor;
import dev.nibble.engine.io.SafetensorsFile;
import dev.nibble.engine.spi.Backends;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.models.common.image.ChwImage;
import dev.nibble.models.common.image.PixelRange;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The FID Inception-v3 against PyTorch: torchvision's Inception3 with pytorch-fid's patched blocks, run by
 * make_metric_fixtures.py with deterministic weights that {@link TorchFixtures} regenerates. Inputs are a
 * non-square batch of two that is upsampled to 299 and one image that is shrunk to 299.
 */
class FidInceptionTest {
    static Executor cpu;
    static Map<String, Tensor> weights;

    @BeforeAll
    static void load() {
        cpu = new Executor(Backends.discover().cpu(), null, ExecutionOptions.DEFAULT);
        weights = TorchFixtures.weights("fid_inception");
    }

    @Test
    void poolFeaturesMatchPyTorch() {
        List<ChwImage> small = images("fid.input.small", 2, 45, 61);
        List<ChwImage> large = images("fid.input.large", 1, 320, 304);
        List<ChwImage> all = new ArrayList<>(small);
        all.addAll(large);
        float[][] got;
        try (FidInception net = new FidInception(weights::get, cpu, null)) {
            got = net.features(all, PixelRange.UNIT);
        }
        try (SafetensorsFile ref = TorchFixtures.outputs()) {
            float[] s = ref.tensor("fid.features.small").toFloatArray();
            float[] l = ref.tensor("fid.features.large").toFloatArray();
            assertClose(s, 0, got[0], "small[0]");
            assertClose(s, FidInception.DIMENSION, got[1], "small[1]");
            assertClose(l, 0, got[2], "large[0]");
        }
    }

    /** Max abs error relative to the features' scale: 94 float convolutions deep, PyTorch sums in another order. */
    private static void assertClose(float[] ref, int offset, float[] got, String what) {
        assertEquals(FidInception.DIMENSION, got.length);
        double maxRef = 0;
        double maxErr = 0;
        for (int i = 0; i < got.length; i++) {
            maxRef = Math.max(maxRef, Math.abs(ref[offset + i]));
            maxErr = Math.max(maxErr, Math.abs(ref[offset + i] - got[i]));
        }
        assertTrue(maxRef > 0.1, what + ": reference features are degenerate");
        assertTrue(maxErr <= 1e-4 * maxRef, what + ": max |error| " + maxErr + " vs features up to " + maxRef);
    }

    private static List<ChwImage> images(String name, int n, int h, int w) {
        float[] all = TorchFixtures.values(name, n * 3 * h * w, 0, 1);
        List<ChwImage> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new ChwImage(3, h, w, java.util.Arrays.copyOfRange(all, i * 3 * h * w, (i + 1) * 3 * h * w)));
        }
        return out;
    }

    @Test
    void aMissingOrMisShapedTensorIsNamed() {
        Map<String, Tensor> missing = new java.util.HashMap<>(weights);
        missing.remove("Mixed_6c.branch7x7dbl_3.bn.running_var");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new FidInception(missing::get, cpu, null));
        assertTrue(e.getMessage().contains("Mixed_6c.branch7x7dbl_3.bn.running_var"), e.getMessage());

        Map<String, Tensor> wrong = new java.util.HashMap<>(weights);
        wrong.put("Mixed_7c.branch3x3_2a.conv.weight", wrong.get("Mixed_7c.branch3x3_2b.conv.weight"));
        e = assertThrows(IllegalArgumentException.class, () -> new FidInception(wrong::get, cpu, null));
        assertTrue(e.getMessage().contains("Mixed_7c.branch3x3_2a.conv.weight") && e.getMessage().contains("[384, 384, 1, 3]"),
                e.getMessage());
    }
}
