package dev.nibble.app.generate;

import dev.nibble.app.BadInputException;
import dev.nibble.engine.io.SafetensorsWriter;
import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.models.common.image.ChwImage;
import dev.nibble.models.common.pipeline.PipelineTimings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** GenerationService: defaults from the model, request checks, determinism, bf16, image inputs. */
class GenerationServiceTest {
    @TempDir
    Path tmp;

    static Path golden(String model) {
        String prop = System.getProperty("nibble.shared");
        for (Path p : new Path[] {prop == null ? null : Path.of(prop), Path.of("../../shared"), Path.of("../shared")}) {
            if (p != null && Files.isDirectory(p.resolve("golden/models").resolve(model))) {
                return p.resolve("golden/models").resolve(model).toAbsolutePath().normalize();
            }
        }
        throw new AssertionError("golden model " + model + " not found");
    }

    static GenerationRequest.Builder shapes(String prompt) {
        return GenerationRequest.builder(prompt).steps(8).seed(42L);
    }

    static double meanAbsDiff(ChwImage a, ChwImage b) {
        float[] x = a.data();
        float[] y = b.data();
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            s += Math.abs(x[i] - y[i]);
        }
        return s / x.length;
    }

    @Test
    void builtInDefaultsComeFromItsModelCard() {
        ModelInfo m = ModelInfo.resolve(null);
        assertEquals(ModelInfo.resolve("nibble-shapes"), m);
        assertTrue(m.builtIn());
        assertEquals(ModelInfo.Family.FLUX, m.family());
        assertEquals(64, m.defaultWidth());
        assertEquals(64, m.defaultHeight());
        assertEquals(20, m.defaultSteps());
        assertEquals(32, m.maxSequenceLength());
        assertFalse(m.guidanceUsed());
        assertEquals(8, m.sizeMultiple(), "2 ** len(vae block_out_channels)");
        assertFalse(m.quantized());
    }

    @Test
    void goldenModelDefaults() {
        ModelInfo dev = ModelInfo.resolve(golden("flux_dev").toString());
        assertFalse(dev.builtIn());
        assertTrue(dev.guidanceUsed());
        assertEquals(1024, dev.defaultWidth());
        assertEquals(28, dev.defaultSteps());
        assertEquals(512, dev.maxSequenceLength());
        assertFalse(ModelInfo.resolve(golden("flux_schnell").toString()).guidanceUsed());
        ModelInfo sdxl = ModelInfo.resolve(golden("sdxl").toString());
        assertEquals(ModelInfo.Family.SDXL, sdxl.family());
        assertEquals(32, sdxl.defaultWidth(), "unet sample_size 8 x vae scale factor 4");
        assertEquals(50, sdxl.defaultSteps());
        assertEquals(8, sdxl.sizeMultiple());
    }

    @Test
    void sameSeedSameImageOtherSeedOtherImage() {
        GenerationService s = GenerationService.shared();
        GenerationResult a = s.generate(shapes("a large blue square on the left").build(), null);
        GenerationResult b = s.generate(shapes("a large blue square on the left").build(), null);
        assertArrayEquals(a.image().data(), b.image().data());
        assertEquals(0, b.timings().load(), "the second request reuses the loaded pipeline");
        GenerationResult c = s.generate(shapes("a large blue square on the left").seed(43L).build(), null);
        assertTrue(meanAbsDiff(a.image(), c.image()) > 0.01);
    }

    @Test
    void randomSeedIsReported() {
        GenerationService s = GenerationService.shared();
        GenerationResult a = s.generate(GenerationRequest.builder("a small red circle").steps(2).build(), null);
        GenerationResult b = s.generate(GenerationRequest.builder("a small red circle").steps(2).seed(a.seed()).build(),
                null);
        assertArrayEquals(a.image().data(), b.image().data(), "the reported seed reproduces the image");
    }

    @Test
    void progressSeesEveryStep() {
        List<String> seen = new ArrayList<>();
        GenerationResult r = GenerationService.shared().generate(shapes("a small red circle").steps(5).build(),
                (i, n, nanos) -> seen.add(i + "/" + n));
        assertEquals(List.of("0/5", "1/5", "2/5", "3/5", "4/5"), seen);
        PipelineTimings stages = r.timings().pipeline();
        assertEquals(5, stages.steps().length);
        assertTrue(r.timings().total() >= stages.denoise() + stages.textEncode() + stages.vaeDecode());
        assertTrue(r.memory().activationArenaBytes() > 0);
        assertTrue(r.memory().denoiserWeightBytes() > 0);
    }

    @Test
    void bf16ConvertsLinearWeightsAndStaysClose() {
        GenerationService s = GenerationService.shared();
        GenerationResult fp32 = s.generate(shapes("a large red circle in the center").build(), null);
        GenerationResult bf16 = s.generate(shapes("a large red circle in the center").precision("bf16").build(), null);
        assertEquals("bf16", bf16.precision());
        assertTrue(bf16.memory().denoiserWeightBytes() < 0.6 * fp32.memory().denoiserWeightBytes(),
                bf16.memory().denoiserWeightBytes() + " vs " + fp32.memory().denoiserWeightBytes());
        double d = meanAbsDiff(fp32.image(), bf16.image());
        assertTrue(d > 0 && d < 0.05, "bf16 vs fp32 mean |diff| " + d);
    }

    @Test
    void bf16WeightsAreConvertedOncePerName() {
        Tensor w = Tensor.ofFloats(Shape.of(2, 3), 1f, -2.5f, 3.14159f, 1e-3f, 65504f, 0f);
        Tensor bias = Tensor.ofFloats(Shape.of(2), 1f, 2f);
        var base = new dev.nibble.models.common.nn.Weights() {
            final Map<String, Tensor> m = Map.of("l.weight", w, "l.bias", bias);

            public boolean contains(String n) {
                return m.containsKey(n);
            }

            public Tensor get(String n) {
                return m.get(n);
            }

            public java.util.Set<String> names() {
                return m.keySet();
            }

            public String source() {
                return "test";
            }
        };
        Bf16Weights b = new Bf16Weights(base);
        Tensor c = b.get("l.weight");
        assertEquals(DType.BF16, c.dtype());
        assertTrue(c == b.get("l.weight"), "one tensor per name");
        assertTrue(b.get("l.bias") == bias, "1-D tensors stay as stored");
        for (int i = 0; i < 6; i++) {
            assertEquals(Tensor.bf16ToFloat(Tensor.floatToBf16(w.getFloat(i))), c.getFloat(i));
        }
        assertEquals(b.under("l").get("weight"), c);
    }

    @Test
    void imageToImageStaysCloseToItsInputAtLowStrength() throws IOException {
        GenerationService s = GenerationService.shared();
        GenerationResult src = s.generate(shapes("a large yellow circle at the top left on a blue background").build(), null);
        Path in = tmp.resolve("in.png");
        src.writePng(in);
        GenerationResult low = s.generate(shapes("a large yellow circle at the top left on a blue background")
                .image(in).strength(0.25).seed(7L).build(), null);
        GenerationResult other = s.generate(shapes("a large yellow circle at the top left on a blue background")
                .seed(7L).build(), null);
        assertEquals(2, low.stepsRun());
        assertEquals(0.25, low.strength());
        double dLow = meanAbsDiff(src.image(), low.image());
        double dOther = meanAbsDiff(src.image(), other.image());
        assertTrue(dLow < dOther, "img2img at strength 0.25 is closer to its input (" + dLow + ") than text-to-image "
                + "with the same seed (" + dOther + ")");
        assertTrue(dLow < 0.08, "mean |diff| " + dLow);
    }

    @Test
    void sketchIsFlattenedOntoWhiteBlurredAndPosterised() {
        BufferedImage img = new BufferedImage(128, 128, BufferedImage.TYPE_INT_ARGB); // transparent
        Graphics2D g = img.createGraphics();
        g.setColor(new Color(220, 40, 40));
        g.setStroke(new BasicStroke(8));
        g.fillRect(16, 16, 48, 48);
        g.dispose();
        ChwImage c = InputImages.cleanSketch(img, 64, 32);
        assertEquals(64, c.width());
        assertEquals(32, c.height());
        float level = 1f / (InputImages.SKETCH_LEVELS - 1);
        for (float v : c.data()) {
            assertEquals(0, Math.abs(v / level - Math.round(v / level)), 1e-4, "posterised: " + v);
        }
        // transparent → white; inside the square → red
        assertArrayEquals(new float[] {1, 1, 1}, new float[] {c.get(0, 30, 60), c.get(1, 30, 60), c.get(2, 30, 60)});
        assertTrue(c.get(0, 10, 20) > 0.8 && c.get(1, 10, 20) < 0.3 && c.get(2, 10, 20) < 0.3);
    }

    @Test
    void badRequestsAreBadInput() throws IOException {
        ModelInfo m = ModelInfo.resolve(null);
        List<String> w = new ArrayList<>();
        record Bad(GenerationRequest.Builder req, String message) {}
        Path png = tmp.resolve("in.png");
        Stream.of(
                new Bad(shapes("x").steps(0), "--steps must be at least 1"),
                new Bad(shapes("x").size(60, 64), "--width 60 is not supported"),
                new Bad(shapes("x").size(64, -8), "--height must be positive"),
                new Bad(shapes("x").image(png).strength(0.0), "--strength must be in (0, 1]"),
                new Bad(shapes("x").image(png).strength(Double.NaN), "--strength must be in (0, 1]"),
                new Bad(shapes("x").strength(0.5), "needs an input"),
                new Bad(shapes("x").image(png).sketch(png), "--image and --sketch"),
                new Bad(shapes("x").precision("fp8"), "--precision must be one of"),
                new Bad(shapes("x").precision("svdq-int4"), "nibble quantize"))
                .forEach(b -> {
                    var e = assertThrows(BadInputException.class, () -> GenerationService.plan(b.req().build(), m, w));
                    assertTrue(e.getMessage().contains(b.message()), e.getMessage());
                });
        ModelInfo sdxl = ModelInfo.resolve(golden("sdxl").toString());
        var e = assertThrows(BadInputException.class, () -> GenerationService.plan(
                shapes("x").steps(4).image(png).strength(0.2).build(), sdxl, w));
        assertTrue(e.getMessage().contains("runs no denoising step"), e.getMessage());
    }

    @Test
    void unknownAndUnsupportedModelsAreBadInput() throws IOException {
        var e = assertThrows(BadInputException.class, () -> ModelInfo.resolve("/nonexistent/folder"));
        assertTrue(e.getMessage().contains("/nonexistent/folder"), e.getMessage());
        Path sd3 = Files.createDirectories(tmp.resolve("sd3"));
        Files.writeString(sd3.resolve("model_index.json"), "{\"_class_name\": \"StableDiffusion3Pipeline\"}");
        e = assertThrows(BadInputException.class, () -> ModelInfo.resolve(sd3.toString()));
        assertTrue(e.getMessage().contains("StableDiffusion3Pipeline") && e.getMessage().contains("not supported"),
                e.getMessage());
    }

    @Test
    void warningsForIgnoredOptions() {
        List<String> w = new ArrayList<>();
        GenerationService.Plan p = GenerationService.plan(shapes("a red circle").guidance(7f).negativePrompt("blue")
                .build(), ModelInfo.resolve(null), w);
        assertNull(p.guidance());
        assertNull(p.negativePrompt());
        assertTrue(w.stream().anyMatch(s -> s.contains("--guidance is ignored")), w.toString());
        assertTrue(w.stream().anyMatch(s -> s.contains("--negative-prompt is ignored")), w.toString());
        assertEquals(2, w.size(), "a prompt in the vocabulary gets no vocabulary warning: " + w);
    }

    @Test
    void quantisedFolderIsDetected() throws IOException {
        // a copy of the built-in model whose transformer file holds an SVDQ layer (not runnable; only detection)
        Path src = BuiltInModel.folder();
        Path q = tmp.resolve("shapes-svdq");
        try (Stream<Path> files = Files.walk(src)) {
            for (Path f : files.toList()) {
                Path t = q.resolve(src.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(t);
                } else if (!f.getFileName().toString().endsWith(".safetensors")) {
                    Files.copy(f, t);
                }
            }
        }
        Tensor qw = Tensor.zeros(DType.I8, Shape.of(128, 64));
        SafetensorsWriter.write(q.resolve("transformer/diffusion_pytorch_model.safetensors"),
                Map.of("proj_out.qweight", qw), Map.of("nibble.format", "svdq-int4"));
        ModelInfo m = ModelInfo.resolve(q.toString());
        assertTrue(m.quantized());
        List<String> w = new ArrayList<>();
        assertEquals("svdq-int4", GenerationService.plan(shapes("a red circle").model(q.toString()).build(), m, w)
                .precision());
        assertTrue(w.stream().anyMatch(s -> s.contains("SVDQ int4")), w.toString());
        var e = assertThrows(BadInputException.class, () -> GenerationService.plan(
                shapes("x").precision("bf16").build(), m, new ArrayList<>()));
        assertTrue(e.getMessage().contains("svdq-int4"), e.getMessage());
    }

    @Test
    void vocabularyOfTheBuiltInModel() {
        assertEquals(List.of("majestic", "dragon"), BuiltInModel.unknownWords("a majestic red dragon on the left"));
        assertEquals(List.of("Red"), BuiltInModel.unknownWords("a Red circle"));
        for (String p : BuiltInModel.EXAMPLE_PROMPTS) {
            assertEquals(List.of(), BuiltInModel.unknownWords(p), p);
            assertTrue(BuiltInModel.HELP.contains(p), "help shows " + p);
        }
        for (String p : BuiltInModel.POSITIONS) {
            assertTrue(BuiltInModel.HELP.contains(p), "help lists " + p);
        }
        assertNull(BuiltInModel.vocabularyWarning("a small white circle at the bottom right on a black background"));
        assertTrue(BuiltInModel.vocabularyWarning("a Red circle").contains("lower case"));
        assertNull(BuiltInModel.vocabularyWarning(""), "the empty prompt (a random scene) is fine");
    }

    @Test
    void progressBarLines() {
        assertEquals("step  7/20 [#######.............] 35.0 ms/step", ProgressBar.line(7, 20, 35_000_000L));
        assertEquals("step 20/20 [####################] 120 ms/step", ProgressBar.line(20, 20, 120_400_000L));
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        ProgressBar tty = new ProgressBar(new PrintStream(buf, true, StandardCharsets.UTF_8), true, true);
        tty.onStep(0, 2, 1_000_000L);
        tty.onStep(1, 2, 1_000_000L);
        String s = buf.toString(StandardCharsets.UTF_8);
        assertTrue(s.startsWith("\rstep 1/2 [##########..........]"), s);
        assertTrue(s.contains("\rstep 2/2 [####################] 1.0 ms/step" + System.lineSeparator()), s);
        assertEquals(1, Arrays.stream(s.split(System.lineSeparator(), -1)).filter(l -> !l.isEmpty()).count());
    }
}
