package dev.nibble.app.generate;

import dev.nibble.app.BadInputException;
import dev.nibble.app.NibbleCli;
import dev.nibble.engine.io.SafetensorsWriter;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.models.common.image.ChwImage;
import dev.nibble.models.common.nn.SafetensorsWeights;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code --lora} on the built-in model's shipped 4-bit transformer (and its fp32 original): a small LoRA made
 * here (diffusers/PEFT keys, rank 4, on the double blocks' to_q/to_k/to_v — SVDQ layers — and on x_embedder,
 * which stays float32) changes the image more the larger its scale, and generating without it again gives the
 * earlier image bit for bit (with warm kernels: see {@link #warmBase}).
 */
class LoraGenerationTest {
    static final String PROMPT = "a large red circle in the center on a white background";
    static final int STEPS = 8;

    @TempDir
    Path tmp;

    /** PEFT-style LoRA: {@code transformer.<module>.lora_A.weight} [r, K], {@code lora_B.weight} [N, r]. */
    static Path makeLora(Path file, Map<String, int[]> modules, int rank, long seed, double bStd) {
        SplittableRandom rnd = new SplittableRandom(seed);
        Map<String, Tensor> t = new LinkedHashMap<>();
        for (var e : modules.entrySet()) {
            int n = e.getValue()[0];
            int k = e.getValue()[1];
            float[] a = new float[rank * k];
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) (rnd.nextGaussian() / Math.sqrt(k));
            }
            float[] b = new float[n * rank];
            for (int i = 0; i < b.length; i++) {
                b[i] = (float) (rnd.nextGaussian() * bStd);
            }
            t.put("transformer." + e.getKey() + ".lora_A.weight", Tensor.ofFloats(Shape.of(rank, k), a));
            t.put("transformer." + e.getKey() + ".lora_B.weight", Tensor.ofFloats(Shape.of(n, rank), b));
        }
        SafetensorsWriter.write(file, t, Map.of("format", "pt"));
        return file;
    }

    static Map<String, int[]> modules() {
        Map<String, int[]> m = new LinkedHashMap<>();
        for (int blk = 0; blk < 3; blk++) {
            for (String p : List.of("to_q", "to_k", "to_v")) {
                m.put("transformer_blocks." + blk + ".attn." + p, new int[] {128, 128});
            }
        }
        m.put("x_embedder", new int[] {128, 16}); // not quantised: merged into its float32 weight
        return m;
    }

    static ChwImage generate(GenerationService s, String precision, LoraSpec... loras) {
        return s.generate(GenerationRequest.builder(PROMPT).seed(7L).steps(STEPS).precision(precision)
                .backend("cpu").loras(List.of(loras)).build(), null).image();
    }

    /**
     * The image without a LoRA once the CPU kernels are warm. The CPU backend is not bit-reproducible while the
     * JIT warms up (measured: the first three runs of a pipeline differ in the last bits, later runs are
     * identical; the Vector API leaves the order of lane reductions to the implementation, so interpreted and
     * C2-compiled kernels round differently), so the bit-for-bit comparisons start from warm kernels.
     */
    static ChwImage warmBase(GenerationService s, String precision) {
        ChwImage prev = generate(s, precision);
        for (int i = 0; i < 10; i++) {
            ChwImage next = generate(s, precision);
            if (java.util.Arrays.equals(prev.data(), next.data())) {
                return next;
            }
            prev = next;
        }
        throw new AssertionError("the CPU backend never gave the same image twice in a row");
    }

    static double rms(ChwImage a, ChwImage b) {
        double se = 0;
        for (int i = 0; i < a.data().length; i++) {
            double d = a.data()[i] - b.data()[i];
            se += d * d;
        }
        return Math.sqrt(se / a.data().length);
    }

    @Test
    void svdqLoraChangesWithScaleAndRemovingItRestoresTheImageBitForBit() {
        Path lora = makeLora(tmp.resolve("shapes-lora.safetensors"), modules(), 4, 11, 0.5);
        ChwImage base;
        ChwImage half;
        ChwImage full;
        ChwImage again;
        try (GenerationService s = new GenerationService()) {
            base = warmBase(s, "svdq-int4");
            half = generate(s, "svdq-int4", new LoraSpec(lora, 0.5f));
            full = generate(s, "svdq-int4", new LoraSpec(lora, 1f));
            again = generate(s, "svdq-int4");
        }
        ChwImage fresh;
        try (GenerationService s = new GenerationService()) {
            fresh = generate(s, "svdq-int4");
        }
        double dHalf = rms(half, base);
        double dFull = rms(full, base);
        System.out.printf(Locale.ROOT, "lora svdq-int4: RMS change of the image vs no LoRA: scale 0.5 %.4f, scale 1 %.4f%n",
                dHalf, dFull);
        assertTrue(dHalf > 1e-3, "scale 0.5 changes the image: " + dHalf);
        assertTrue(dFull > dHalf, "scale 1 changes it more than 0.5: " + dFull + " vs " + dHalf);
        assertArrayEquals(base.data(), again.data(), "without the LoRA again: the same image");
        assertArrayEquals(base.data(), fresh.data(), "a fresh service without the LoRA: the same image");
    }

    @Test
    void loraTouchesOnlyTheBranchOfSvdqLayersAndMergesIntoFloatLayers() {
        Path lora = makeLora(tmp.resolve("l.safetensors"), modules(), 4, 3, 0.5);
        try (SafetensorsWeights w = SafetensorsWeights.open(BuiltInModel.quantizedFolder().resolve("transformer"))) {
            List<String> warnings = new ArrayList<>();
            LoraWeights lw = LoraWeights.apply(w, "transformer", List.of(new LoraSpec(lora, 1f)), warnings);
            String p = "transformer_blocks.0.attn.to_q";
            for (String s : List.of("qweight", "wscales", "smooth_factor")) {
                assertSame(w.get(p + "." + s), lw.get(p + "." + s), s + " is the base tensor itself");
            }
            assertEquals(w.get(p + ".proj_down").shape().dim(1) + 4, lw.get(p + ".proj_down").shape().dim(1));
            assertEquals(w.get(p + ".proj_up").shape().dim(1) + 4, lw.get(p + ".proj_up").shape().dim(1));
            // the first columns are the base branch, bit for bit
            float[] down = w.get(p + ".proj_down").toFloatArray();
            float[] merged = lw.get(p + ".proj_down").toFloatArray();
            int r = w.get(p + ".proj_down").shape().dim(1);
            for (int row = 0; row < 128; row++) {
                for (int c = 0; c < r; c++) {
                    assertEquals(Float.floatToRawIntBits(down[row * r + c]),
                            Float.floatToRawIntBits(merged[row * (r + 4) + c]));
                }
            }
            assertFalse(w.get("x_embedder.weight") == lw.get("x_embedder.weight"), "x_embedder is merged");
            assertSame(w.get("proj_out.weight"), lw.get("proj_out.weight"), "untouched layers are the base tensors");
            assertTrue(warnings.isEmpty(), warnings.toString());
        }
    }

    @Test
    void loraOnTheFp32ModelMergesIntoTheWeights() {
        Path lora = makeLora(tmp.resolve("l32.safetensors"), modules(), 4, 5, 0.5);
        try (GenerationService s = new GenerationService()) {
            ChwImage base = warmBase(s, "fp32");
            ChwImage with = generate(s, "fp32", new LoraSpec(lora, 1f));
            ChwImage again = generate(s, "fp32");
            assertTrue(rms(with, base) > 1e-3);
            assertArrayEquals(base.data(), again.data());
        }
    }

    record Run(int code, String err) {}

    static Run cli(String... args) {
        PrintStream err = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            return new Run(NibbleCli.run(args), buf.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(err);
        }
    }

    @Test
    void unknownKeysAndModulesExitTwoNamingThem() {
        Path weird = tmp.resolve("weird.safetensors");
        SafetensorsWriter.write(weird, Map.of("model.diffusion_model.blocks.0.qkv.hada_w1_a",
                Tensor.ofFloats(Shape.of(2, 2), 1, 2, 3, 4)), Map.of());
        Path out = tmp.resolve("never.png");
        Run r = cli("generate", "--prompt", PROMPT, "--precision", "svdq-int4", "--steps", "2", "--backend", "cpu",
                "--lora", weird + ":0.7", "--out", out.toString());
        assertEquals(NibbleCli.EXIT_BAD_INPUT, r.code(), r.err());
        assertTrue(r.err().contains("model.diffusion_model.blocks.0.qkv.hada_w1_a"), r.err());
        assertFalse(out.toFile().exists());

        Path elsewhere = makeLora(tmp.resolve("elsewhere.safetensors"),
                Map.of("transformer_blocks.9.attn.to_q", new int[] {128, 128}), 2, 1, 0.1);
        r = cli("generate", "--prompt", PROMPT, "--precision", "svdq-int4", "--steps", "2", "--backend", "cpu",
                "--lora", elsewhere.toString(), "--out", out.toString());
        assertEquals(NibbleCli.EXIT_BAD_INPUT, r.code(), r.err());
        assertTrue(r.err().contains("transformer_blocks.9.attn.to_q"), r.err());

        r = cli("generate", "--prompt", PROMPT, "--steps", "2", "--lora", tmp.resolve("missing.safetensors").toString(),
                "--out", out.toString());
        assertEquals(NibbleCli.EXIT_BAD_INPUT, r.code(), r.err());
        assertTrue(r.err().contains("missing.safetensors"), r.err());
    }

    @Test
    void loraArgumentsParse() {
        assertEquals(new LoraSpec(Path.of("a.safetensors"), 1f), LoraSpec.parse("a.safetensors"));
        assertEquals(new LoraSpec(Path.of("a.safetensors"), 0.75f), LoraSpec.parse("a.safetensors:0.75"));
        assertEquals(new LoraSpec(Path.of("/x/b:c.safetensors"), -1f), LoraSpec.parse("/x/b:c.safetensors:-1"));
        assertEquals(new LoraSpec(Path.of("C:/x.safetensors"), 1f), LoraSpec.parse("C:/x.safetensors"));
        assertThrows(BadInputException.class, () -> LoraSpec.parse(" "));
        assertThrows(BadInputException.class, () -> LoraSpec.parse("a.safetensors:NaN"));
    }
}
