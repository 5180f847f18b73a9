package dev.nibble.quantizer;

import dev.nibble.engine.io.ModelIndex;
import dev.nibble.engine.io.SafetensorsStore;
import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.quantizer.rules.FluxQuantizeRule;
import dev.nibble.quantizer.rules.QuantizeRules;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelQuantizerTest {
    static Path fluxDev;
    @TempDir
    static Path shared;
    static Path out;
    static ModelQuantizer.Summary summary;
    static String progressText;

    @BeforeAll
    static void quantizeOnce() {
        Path base = Path.of(System.getProperty("nibble.shared", "../../shared"));
        fluxDev = base.resolve("golden/models/flux_dev");
        Assertions.assertTrue(Files.isDirectory(fluxDev), "golden flux_dev model not found at " + fluxDev);
        out = shared.resolve("flux_dev_svdq");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        summary = ModelQuantizer.quantize(fluxDev, out, QuantizeRules.forModel(ModelIndex.read(fluxDev)), null,
                SvdqOptions.defaults(), new PrintStream(bytes, true));
        progressText = bytes.toString();
    }

    @Test
    void quantisedLayersHaveExactlyTheFormatTensors() {
        try (SafetensorsStore src = SafetensorsStore.open(fluxDev.resolve("transformer"));
             SafetensorsStore dst = SafetensorsStore.open(out.resolve("transformer"))) {
            Set<String> expected = new HashSet<>();
            int quantised = 0;
            for (String name : src.names()) {
                String p = name.endsWith(".weight") ? name.substring(0, name.length() - 7) : null;
                if (p != null && FluxQuantizeRule.INSTANCE.quantize("transformer", p)) {
                    quantised++;
                    Tensor w = src.tensor(name);
                    int n = w.shape().dim(0);
                    int k = w.shape().dim(1);
                    int kp = (k + 63) / 64 * 64;
                    int r = Math.min(32, Math.min(n, k));
                    assertSpec(dst, p + ".qweight", DType.I8, Shape.of(n, kp / 2));
                    assertSpec(dst, p + ".wscales", DType.BF16, Shape.of(kp / 64, n));
                    assertSpec(dst, p + ".smooth_factor", DType.BF16, Shape.of(k));
                    assertSpec(dst, p + ".proj_down", DType.BF16, Shape.of(k, r));
                    assertSpec(dst, p + ".proj_up", DType.BF16, Shape.of(n, r));
                    for (String s : SvdqFormat.tensorNames(p)) {
                        expected.add(s);
                    }
                    // padded columns carry zero codes
                    Tensor q = dst.tensor(p + ".qweight");
                    for (int o = 0; o < n; o++) {
                        for (int j = (k + 1) / 2; j < kp / 2; j++) {
                            assertEquals(0, q.data().get(ValueLayout.JAVA_BYTE, (long) o * (kp / 2) + j));
                        }
                    }
                } else {
                    expected.add(name);
                    assertArrayEquals(bytes(src.tensor(name)), bytes(dst.tensor(name)), name + " kept byte for byte");
                    assertEquals(src.spec(name), dst.spec(name));
                }
            }
            assertEquals(34, quantised, "FLUX tiny: 2 double blocks x 12 + 2 single blocks x 5");
            assertEquals(expected, new HashSet<>(dst.names()));
            assertEquals("svdq-int4", dst.metadata().get("nibble.format"));
            assertEquals("1", dst.metadata().get("nibble.version"));
            assertEquals("64", dst.metadata().get("group_size"));
            assertEquals("32", dst.metadata().get("rank"));
            assertEquals(LayerCalibration.WEIGHT_ONLY, dst.metadata().get("nibble.calibration"));
        }
    }

    @Test
    void otherFilesAreCopiedIntact() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.walk(fluxDev)) {
            files = s.filter(Files::isRegularFile).toList();
        }
        for (Path f : files) {
            Path rel = fluxDev.relativize(f);
            if (rel.toString().equals("transformer/diffusion_pytorch_model.safetensors")) {
                continue;
            }
            assertArrayEquals(Files.readAllBytes(f), Files.readAllBytes(out.resolve(rel.toString())), rel.toString());
        }
        assertTrue(Files.isRegularFile(out.resolve(ModelQuantizer.REPORT)));
    }

    @Test
    void reportAndProgressCoverEveryLayer() {
        assertEquals(34, summary.layers().size());
        for (LayerReport r : summary.layers()) {
            assertTrue(r.weightOnly());
            assertTrue(Double.isFinite(r.errSvdq()) && r.errSvdq() <= r.errNaive(), r.line());
        }
        assertEquals(34 + 1, progressText.lines().count(), progressText);
        assertTrue(progressText.contains("weight-only"));
    }

    @Test
    void quantisedLayerComputesTheLinearApproximately() {
        try (SafetensorsStore src = SafetensorsStore.open(fluxDev.resolve("transformer"));
             SafetensorsStore dst = SafetensorsStore.open(out.resolve("transformer"))) {
            String p = "transformer_blocks.0.ff.net.0.proj";
            Tensor w = src.tensor(p + ".weight");
            int n = w.shape().dim(0), k = w.shape().dim(1), m = 16;
            float[] x = LayerCalibration.weightOnly(k, m, 77).rows();
            float[] bias = src.tensor(p + ".bias").toFloatArray();
            double[] want = SvdqLayerQuantizer.dense(x, m, DTypes.doubles(w), n, k, bias);
            int r = dst.spec(p + ".proj_down").shape().dim(1);
            byte[] q = dst.tensor(p + ".qweight").data().toArray(ValueLayout.JAVA_BYTE);
            float[] got = dev.nibble.backend.cpu.svdq.SvdqReference.forward(x, m, k, n, r, 64, q,
                    dst.tensor(p + ".wscales").toFloatArray(), dst.tensor(p + ".smooth_factor").toFloatArray(),
                    dst.tensor(p + ".proj_down").toFloatArray(), dst.tensor(p + ".proj_up").toFloatArray(), bias,
                    dev.nibble.engine.ops.UnaryFn.IDENTITY);
            double err = SvdqLayerQuantizer.relativeError(got, want);
            assertTrue(err < 0.2, "relative error " + err);
        }
    }

    @Test
    void existingOutputIsRefusedAndFailuresLeaveNothing(@TempDir Path dir) throws IOException {
        Path existing = dir.resolve("taken");
        Files.createDirectories(existing.resolve("x"));
        assertThrows(IllegalArgumentException.class, () -> ModelQuantizer.quantize(fluxDev, existing,
                FluxQuantizeRule.INSTANCE, null, SvdqOptions.defaults(), new PrintStream(new ByteArrayOutputStream())));

        Path target = dir.resolve("fails");
        CalibrationSource broken = new CalibrationSource() {
            int calls;

            @Override
            public Optional<LayerCalibration> forLayer(String component, String modulePath, int k) {
                if (++calls == 5) {
                    throw new IllegalStateException("calibration exploded");
                }
                return Optional.empty();
            }

            @Override
            public String describe() {
                return "broken";
            }
        };
        var e = assertThrows(IllegalStateException.class, () -> ModelQuantizer.quantize(fluxDev, target,
                FluxQuantizeRule.INSTANCE, broken, SvdqOptions.defaults().withAlphaGrid(0.5),
                new PrintStream(new ByteArrayOutputStream())));
        assertEquals("calibration exploded", e.getMessage());
        assertFalse(Files.exists(target));
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(existing), s.toList(), "no temporary folder left behind");
        }
    }

    private static void assertSpec(SafetensorsStore s, String name, DType t, Shape shape) {
        assertTrue(s.contains(name), "missing " + name);
        assertEquals(t, s.spec(name).dtype(), name);
        assertEquals(shape, s.spec(name).shape(), name);
    }

    private static byte[] bytes(Tensor t) {
        return t.data().toArray(ValueLayout.JAVA_BYTE);
    }
}
