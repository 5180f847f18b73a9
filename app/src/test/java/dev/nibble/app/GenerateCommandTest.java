package dev.nibble.app;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** {@code nibble generate} end to end: the built-in model, the golden FLUX-dev and SDXL folders, img2img, bad input. */
class GenerateCommandTest {
    @TempDir
    static Path tmp;

    /** A 64x64 built-in image, the input of the image-to-image tests. */
    static Path generated;

    /** Exit code, stdout and stderr of one CLI run. */
    record Run(int code, String out, String err) {
        JsonNode json() throws Exception {
            return JsonOutput.MAPPER.readTree(out);
        }
    }

    static Run run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = NibbleCli.run(args);
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        Run r = new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        System.err.print(r.err);
        return r;
    }

    static String[] generate(String... extra) {
        List<String> a = new ArrayList<>(List.of("generate"));
        a.addAll(List.of(extra));
        return a.toArray(String[]::new);
    }

    static Path golden(String model) {
        String prop = System.getProperty("nibble.shared");
        for (Path p : new Path[] {prop == null ? null : Path.of(prop), Path.of("../../shared"), Path.of("../shared")}) {
            if (p != null && Files.isDirectory(p.resolve("golden/models").resolve(model))) {
                return p.resolve("golden/models").resolve(model).toAbsolutePath().normalize();
            }
        }
        fail("golden model " + model + " not found (system property nibble.shared, ../shared)");
        return null;
    }

    static BufferedImage png(Path p) throws Exception {
        BufferedImage img = ImageIO.read(p.toFile());
        assertTrue(img != null, p + " is a PNG");
        return img;
    }

    @BeforeAll
    static void makeInput() {
        generated = tmp.resolve("circle.png");
        Run r = run(generate("--prompt", "a large red circle in the center on a blue background", "--steps", "8",
                "--seed", "3", "--out", generated.toString()));
        assertEquals(0, r.code(), r.err());
    }

    @Test
    void builtInModelWritesAPngOfItsSize() throws Exception {
        BufferedImage img = png(generated);
        assertEquals(64, img.getWidth());
        assertEquals(64, img.getHeight());
    }

    @Test
    void humanOutputIsAProgressBarAndASummaryOnStderr() {
        Path out = tmp.resolve("human.png");
        Run r = run(generate("--prompt", "a small green square at the top left", "--steps", "4", "--seed", "1",
                "--out", out.toString()));
        assertEquals(0, r.code(), r.err());
        assertEquals("", r.out(), "nothing on stdout without --json");
        assertTrue(r.err().contains("step 4/4 [####################]"), r.err());
        assertTrue(r.err().contains("ms/step"), r.err());
        assertTrue(r.err().contains("wrote " + out.toAbsolutePath()), r.err());
        assertTrue(r.err().contains("text encode") && r.err().contains("vae decode") && r.err().contains("peak"), r.err());
        assertFalse(r.err().contains("warning"), "a prompt in the vocabulary gets no warning: " + r.err());
    }

    @Test
    void jsonHasTheDocumentedFields() throws Exception {
        Path out = tmp.resolve("json.png");
        Run r = run(generate("--prompt", "a small yellow triangle at the bottom right", "--steps", "5", "--seed", "11",
                "--out", out.toString(), "--json"));
        assertEquals(0, r.code(), r.err());
        JsonNode j = r.json(); // stdout is exactly one JSON object
        assertEquals(out.toAbsolutePath().toString(), j.get("out").asText());
        assertEquals("nibble-shapes", j.get("model").asText());
        assertEquals("FluxPipeline", j.get("pipeline").asText());
        assertEquals("cpu", j.get("backend").asText());
        assertFalse(j.get("device").asText().isBlank());
        assertEquals("fp32", j.get("precision").asText());
        assertEquals(64, j.get("width").asInt());
        assertEquals(64, j.get("height").asInt());
        assertEquals("64x64", j.get("size").asText());
        assertEquals(5, j.get("steps").asInt());
        assertEquals(11, j.get("seed").asLong());
        assertEquals(32, j.get("max_sequence_length").asInt());
        assertTrue(j.get("guidance").isNull(), "the built-in model has no guidance");
        JsonNode t = j.get("timings_ms");
        for (String k : List.of("load", "text_encode", "vae_encode", "denoise", "mean_step", "vae_decode", "write_png",
                "total")) {
            assertTrue(t.get(k).isNumber() && t.get(k).asDouble() >= 0, k + " in " + t);
        }
        assertEquals(5, t.get("steps").size());
        assertTrue(t.get("total").asDouble() >= t.get("denoise").asDouble());
        JsonNode m = j.get("memory_bytes");
        for (String k : List.of("device_high_water", "activation_arena", "activation_peak_live", "host_peak_rss")) {
            assertTrue(m.get(k).isIntegralNumber(), k + " in " + m);
        }
        assertTrue(m.get("activation_arena").asLong() > 0);
        assertTrue(m.get("host_peak_rss").asLong() > 0);
        JsonNode w = j.get("weight_bytes");
        // 3,400,976 float32 transformer parameters; 5,413,099 in all (the model card)
        assertEquals(3_400_976L * 4, w.get("transformer").asLong());
        assertTrue(w.get("total").asLong() >= 5_413_099L * 4, w.toString());
        assertEquals(64, png(out).getWidth());
    }

    @Test
    void fluxDevGoldenModel() throws Exception {
        Path out = tmp.resolve("flux-dev.png");
        Run r = run(generate("--model", golden("flux_dev").toString(), "--prompt", "a photo of a cat", "--steps", "4",
                "--width", "48", "--height", "32", "--seed", "1", "--guidance", "4", "--out", out.toString(), "--json"));
        assertEquals(0, r.code(), r.err());
        JsonNode j = r.json();
        assertEquals(4.0, j.get("guidance").asDouble(), "FLUX-dev embeds the guidance");
        assertEquals(512, j.get("max_sequence_length").asInt(), "min(512, tokenizer_2 model_max_length)");
        BufferedImage img = png(out);
        assertEquals(48, img.getWidth());
        assertEquals(32, img.getHeight());
    }

    @Test
    void sdxlGoldenModel() throws Exception {
        Path out = tmp.resolve("sdxl.png");
        Run r = run(generate("--model", golden("sdxl").toString(), "--prompt", "a photo of a cat", "--negative-prompt",
                "blurry", "--steps", "3", "--seed", "1", "--out", out.toString(), "--json"));
        assertEquals(0, r.code(), r.err());
        JsonNode j = r.json();
        assertEquals("StableDiffusionXLPipeline", j.get("pipeline").asText());
        // default size: unet sample_size 8 x vae scale factor 4
        assertEquals(32, j.get("width").asInt());
        assertEquals(5.0, j.get("guidance").asDouble());
        assertEquals(32, png(out).getWidth());
        assertEquals(32, png(out).getHeight());
    }

    @Test
    void imageToImage() throws Exception {
        Path out = tmp.resolve("img2img.png");
        Run r = run(generate("--prompt", "a large red circle in the center on a green background", "--image",
                generated.toString(), "--strength", "0.5", "--steps", "8", "--seed", "4", "--out", out.toString(), "--json"));
        assertEquals(0, r.code(), r.err());
        JsonNode j = r.json();
        assertEquals("image-to-image", j.get("mode").asText());
        assertEquals(0.5, j.get("strength").asDouble());
        assertEquals(4, j.get("steps_run").asInt(), "strength 0.5 of 8 steps");
        assertTrue(j.get("timings_ms").get("vae_encode").asDouble() > 0);
        assertEquals(64, png(out).getWidth());
    }

    @Test
    void imageToImageResizesTheInput() throws Exception {
        Path big = tmp.resolve("big.png");
        BufferedImage img = new BufferedImage(200, 120, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.BLUE);
        g.fillRect(0, 0, 200, 120);
        g.setColor(Color.YELLOW);
        g.fillOval(70, 30, 60, 60);
        g.dispose();
        ImageIO.write(img, "png", big.toFile());
        Path out = tmp.resolve("resized.png");
        Run r = run(generate("--prompt", "a large yellow circle in the center on a blue background", "--image",
                big.toString(), "--steps", "4", "--seed", "2", "--out", out.toString()));
        assertEquals(0, r.code(), r.err());
        assertEquals(64, png(out).getWidth());
    }

    @Test
    void sketchToImage() throws Exception {
        // a canvas drawing: strokes on a transparent background, larger than the model's size
        Path sketch = tmp.resolve("sketch.png");
        BufferedImage img = new BufferedImage(256, 256, BufferedImage.TYPE_INT_ARGB);
        Graphics2D g = img.createGraphics();
        g.setColor(new Color(220, 40, 40));
        g.setStroke(new BasicStroke(12));
        g.drawOval(30, 80, 90, 90);
        g.fillOval(45, 95, 60, 60);
        g.dispose();
        ImageIO.write(img, "png", sketch.toFile());
        Path out = tmp.resolve("from-sketch.png");
        Run r = run(generate("--prompt", "a large red circle on the left on a white background", "--sketch",
                sketch.toString(), "--steps", "10", "--seed", "5", "--out", out.toString(), "--json"));
        assertEquals(0, r.code(), r.err());
        JsonNode j = r.json();
        assertEquals("sketch-to-image", j.get("mode").asText());
        assertEquals(0.8, j.get("strength").asDouble(), "sketches default to strength 0.8");
        assertEquals(8, j.get("steps_run").asInt());
        assertEquals(64, png(out).getWidth());
    }

    @Test
    void vocabularyWarningForTheBuiltInModel() {
        Run r = run(generate("--prompt", "a majestic red dragon on the left", "--steps", "2", "--seed", "1", "--out",
                tmp.resolve("dragon.png").toString(), "--json"));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("warning") && r.err().contains("'majestic'") && r.err().contains("'dragon'"), r.err());
        assertFalse(r.err().contains("'red'"), r.err());
        assertTrue(r.out().contains("dragon"), "the JSON lists the warning too");
    }

    @Test
    void helpShowsExamplePromptsForTheBuiltInModel() {
        Run r = run("generate", "--help");
        assertEquals(0, r.code());
        assertTrue(r.out().contains("a large red circle on a blue background"), r.out());
        assertTrue(r.out().contains("--sketch") && r.out().contains("--precision"), r.out());
    }

    static Stream<Arguments> badInputs() throws Exception {
        Path corrupt = Files.createTempFile("corrupt", ".png");
        Files.write(corrupt, new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10, 0, 0, 0, 13, 'I', 'H'});
        corrupt.toFile().deleteOnExit();
        Path notAModel = Files.createTempDirectory("not-a-model");
        notAModel.toFile().deleteOnExit();
        String p = "a red circle";
        return Stream.of(
                Arguments.of(List.of("--prompt", p, "--image", "/nonexistent/in.png"), "/nonexistent/in.png"),
                Arguments.of(List.of("--prompt", p, "--image", corrupt.toString()), corrupt.toString()),
                Arguments.of(List.of("--prompt", p, "--sketch", "/nonexistent/sketch.png"), "/nonexistent/sketch.png"),
                Arguments.of(List.of("--prompt", p, "--width", "60"), "--width 60"),
                Arguments.of(List.of("--prompt", p, "--height", "0"), "--height"),
                Arguments.of(List.of("--prompt", p, "--width", "-64"), "--width"),
                Arguments.of(List.of("--prompt", p, "--model", "/nonexistent/model"), "/nonexistent/model"),
                Arguments.of(List.of("--prompt", p, "--model", notAModel.toString()), notAModel.toString()),
                Arguments.of(List.of("--prompt", p, "--image", "x.png", "--strength", "0"), "--strength"),
                Arguments.of(List.of("--prompt", p, "--image", "x.png", "--strength", "1.5"), "--strength"),
                Arguments.of(List.of("--prompt", p, "--strength", "0.5"), "--strength"),
                Arguments.of(List.of("--prompt", p, "--steps", "0"), "--steps"),
                Arguments.of(List.of("--prompt", p, "--steps", "many"), "--steps"),
                Arguments.of(List.of("--prompt", p, "--precision", "int8"), "--precision"),
                // the built-in model runs svdq-int4 from its shipped 4-bit folder; a 16-bit folder cannot
                Arguments.of(List.of("--prompt", p, "--model", golden("flux_dev").toString(), "--precision", "svdq-int4"),
                        "nibble quantize"),
                Arguments.of(List.of("--prompt", p, "--backend", "nosuch"), "nosuch"),
                Arguments.of(List.of("--steps", "4"), "--prompt"),
                Arguments.of(List.of("--prompt", p, "--out", corrupt.resolve("x.png").toString()), "--out"));
    }

    @ParameterizedTest
    @MethodSource("badInputs")
    void badInputExitsTwoNamingTheProblem(List<String> args, String named) {
        List<String> a = new ArrayList<>(args);
        if (!a.contains("--out")) {
            a.addAll(List.of("--out", tmp.resolve("never.png").toString()));
        }
        Run r = run(generate(a.toArray(String[]::new)));
        assertEquals(NibbleCli.EXIT_BAD_INPUT, r.code(), r.err());
        assertTrue(r.err().contains(named), "the message names " + named + ": " + r.err());
        assertFalse(Files.exists(tmp.resolve("never.png")));
    }
}
