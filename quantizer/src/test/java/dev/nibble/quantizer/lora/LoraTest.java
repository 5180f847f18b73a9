package dev.nibble.quantizer.lora;

import dev.nibble.backend.cpu.svdq.SvdqReference;
import dev.nibble.engine.io.SafetensorsWriter;
import dev.nibble.engine.ops.UnaryFn;
import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.quantizer.LayerCalibration;
import dev.nibble.quantizer.SvdqLayerQuantizer;
import dev.nibble.quantizer.SvdqOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LoraTest {
    static final String P = "transformer_blocks.0.attn.to_q";
    static final int N = 48, K = 72;

    /** A quantised layer as a component state dict. */
    static Map<String, Tensor> svdqLayer(DType ft) {
        SplittableRandom rnd = new SplittableRandom(1);
        double[] w = new double[N * K];
        for (int i = 0; i < w.length; i++) {
            w[i] = rnd.nextGaussian() / Math.sqrt(K);
        }
        var res = SvdqLayerQuantizer.quantize(P, w, N, K, null, LayerCalibration.weightOnly(K, 16, 2),
                SvdqOptions.defaults().withRank(8).withFloatType(ft).withAlphaGrid(0.5));
        Map<String, Tensor> m = new LinkedHashMap<>();
        res.tensors().forEach((s, t) -> m.put(P + "." + s, t));
        return m;
    }

    static LoraLayer lora(int r, float scale, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] a = new float[r * K], b = new float[N * r];
        for (int i = 0; i < a.length; i++) a[i] = (float) rnd.nextGaussian() * 0.1f;
        for (int i = 0; i < b.length; i++) b[i] = (float) rnd.nextGaussian() * 0.1f;
        return new LoraLayer(P, r, K, N, a, b, scale);
    }

    static float[] forward(Map<String, Tensor> t, float[] x, int m) {
        Tensor down = t.get(P + ".proj_down");
        return SvdqReference.forward(x, m, K, N, down.shape().dim(1), 64,
                t.get(P + ".qweight").data().toArray(ValueLayout.JAVA_BYTE), t.get(P + ".wscales").toFloatArray(),
                t.get(P + ".smooth_factor").toFloatArray(), down.toFloatArray(), t.get(P + ".proj_up").toFloatArray(),
                null, UnaryFn.IDENTITY);
    }

    @Test
    void mergedOutputIsBasePlusScaledLora() {
        Map<String, Tensor> base = svdqLayer(DType.F32);
        LoraLayer l = lora(4, 0.7f, 3);
        LoraMerger.Stack stack = new LoraMerger.Stack(base);
        stack.apply("style", Map.of(P, l));
        int m = 5;
        float[] x = LayerCalibration.weightOnly(K, m, 9).rows();
        float[] y0 = forward(base, x, m);
        float[] y1 = forward(stack.tensors(), x, m);
        for (int i = 0; i < m; i++) {
            for (int o = 0; o < N; o++) {
                double add = 0;
                for (int j = 0; j < 4; j++) {
                    double ax = 0;
                    for (int c = 0; c < K; c++) ax += (double) l.a()[j * K + c] * x[i * K + c];
                    add += l.b()[o * 4 + j] * ax;
                }
                double want = y0[i * N + o] + 0.7 * add;
                assertEquals(want, y1[i * N + o], 1e-4 * (1 + Math.abs(want)));
            }
        }
        // the 4-bit part is the very same tensors
        for (String s : new String[]{".qweight", ".wscales", ".smooth_factor"}) {
            assertSame(base.get(P + s), stack.tensors().get(P + s));
        }
        assertEquals(8 + 4, stack.tensors().get(P + ".proj_down").shape().dim(1));
        assertEquals(Shape.of(N, 12), stack.tensors().get(P + ".proj_up").shape());
    }

    @Test
    void severalComposeAndRemovalRestoresBitForBit() {
        for (DType ft : List.of(DType.F32, DType.BF16)) {
            Map<String, Tensor> base = svdqLayer(ft);
            LoraMerger.Stack stack = new LoraMerger.Stack(base);
            stack.apply("a", Map.of(P, lora(4, 1f, 5)));
            byte[] downA = bytes(stack.tensors().get(P + ".proj_down"));
            byte[] upA = bytes(stack.tensors().get(P + ".proj_up"));
            stack.apply("b", Map.of(P, lora(2, 0.5f, 6)));
            assertEquals(14, stack.tensors().get(P + ".proj_down").shape().dim(1));
            assertEquals(ft, stack.tensors().get(P + ".proj_down").dtype());
            stack.remove("b");
            assertArrayEquals(downA, bytes(stack.tensors().get(P + ".proj_down")), "back to base + a");
            assertArrayEquals(upA, bytes(stack.tensors().get(P + ".proj_up")));
            stack.apply("b", Map.of(P, lora(2, 0.5f, 6)));
            stack.remove("a"); // from the middle
            LoraMerger.Stack onlyB = new LoraMerger.Stack(base);
            onlyB.apply("b", Map.of(P, lora(2, 0.5f, 6)));
            assertArrayEquals(bytes(onlyB.tensors().get(P + ".proj_down")), bytes(stack.tensors().get(P + ".proj_down")));
            assertArrayEquals(bytes(onlyB.tensors().get(P + ".proj_up")), bytes(stack.tensors().get(P + ".proj_up")));
            stack.remove("b");
            for (String s : new String[]{".qweight", ".wscales", ".smooth_factor", ".proj_down", ".proj_up"}) {
                assertArrayEquals(bytes(base.get(P + s)), bytes(stack.tensors().get(P + s)), s);
            }
        }
    }

    @Test
    void loraOnANonSvdqLayerIsRefused() {
        LoraMerger.Stack stack = new LoraMerger.Stack(svdqLayer(DType.F32));
        LoraLayer other = new LoraLayer("proj_out", 1, K, N, new float[K], new float[N], 1f);
        var e = assertThrows(IllegalArgumentException.class, () -> stack.apply("x", Map.of("proj_out", other)));
        assertTrue(e.getMessage().contains("proj_out"), e.getMessage());
    }

    static Tensor f32(int rows, int cols, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] v = new float[rows * cols];
        for (int i = 0; i < v.length; i++) v[i] = (float) rnd.nextGaussian();
        return Tensor.ofFloats(Shape.of(rows, cols), v);
    }

    @Test
    void readsDiffusersPeftLayout(@TempDir Path dir) {
        Map<String, Tensor> t = new LinkedHashMap<>();
        t.put("transformer." + P + ".lora_A.weight", f32(4, K, 1));
        t.put("transformer." + P + ".lora_B.weight", f32(N, 4, 2));
        Path f = dir.resolve("peft.safetensors");
        SafetensorsWriter.write(f, t);
        var loaded = LoraLoader.load(f, List.of(), 0.8f);
        LoraLayer l = loaded.layers().get(P);
        assertEquals(4, l.rank());
        assertEquals(0.8f, l.scale());
        assertArrayEquals(t.get("transformer." + P + ".lora_A.weight").toFloatArray(), l.a());
        assertArrayEquals(t.get("transformer." + P + ".lora_B.weight").toFloatArray(), l.b());
    }

    @Test
    void readsOldDiffusersLayouts() {
        Map<String, Tensor> t = new LinkedHashMap<>();
        t.put(P + ".lora.down.weight", f32(2, K, 1));
        t.put(P + ".lora.up.weight", f32(N, 2, 2));
        String q = "down_blocks.1.attentions.0.transformer_blocks.0.attn1";
        t.put(q + ".processor.to_out_lora.down.weight", f32(2, K, 3));
        t.put(q + ".processor.to_out_lora.up.weight", f32(N, 2, 4));
        var loaded = LoraLoader.parse("mem", t, List.of(), 1f);
        assertEquals(List.of(q + ".to_out.0", P), List.copyOf(loaded.layers().keySet()));
    }

    @Test
    void readsKohyaLayoutWithAlpha() {
        Map<String, Tensor> t = new LinkedHashMap<>();
        String k = "lora_unet_" + P.replace('.', '_');
        t.put(k + ".lora_down.weight", f32(8, K, 1));
        t.put(k + ".lora_up.weight", f32(N, 8, 2));
        t.put(k + ".alpha", Tensor.ofFloats(Shape.scalar(), 4f));
        t.put("lora_te1_text_model_encoder_layers_0_mlp_fc1.lora_down.weight", f32(8, 16, 3));
        var loaded = LoraLoader.parse("mem", t, List.of(P, "transformer_blocks.0.attn.to_k"), 1.5f);
        LoraLayer l = loaded.layers().get(P);
        assertEquals(1.5f * 4f / 8f, l.scale());
        assertEquals(1, loaded.skipped().size());
    }

    @Test
    void unknownLayoutsAreNamed() {
        Map<String, Tensor> t = new LinkedHashMap<>();
        t.put("some.weird.key.hada_w1_a", f32(2, 2, 1));
        var e = assertThrows(LoraFormatException.class, () -> LoraLoader.parse("x.safetensors", t, List.of(), 1f));
        assertTrue(e.getMessage().contains("some.weird.key.hada_w1_a"), e.getMessage());
        Map<String, Tensor> k = new LinkedHashMap<>();
        k.put("lora_unet_no_such_module.lora_down.weight", f32(2, 2, 1));
        var e2 = assertThrows(LoraFormatException.class, () -> LoraLoader.parse("y", k, List.of(P), 1f));
        assertTrue(e2.getMessage().contains("no_such_module"), e2.getMessage());
        Map<String, Tensor> half = new LinkedHashMap<>();
        half.put(P + ".lora_A.weight", f32(2, K, 1));
        var e3 = assertThrows(LoraFormatException.class, () -> LoraLoader.parse("z", half, List.of(), 1f));
        assertTrue(e3.getMessage().contains(P), e3.getMessage());
    }

    static byte[] bytes(Tensor t) {
        return t.data().toArray(ValueLayout.JAVA_BYTE);
    }
}
