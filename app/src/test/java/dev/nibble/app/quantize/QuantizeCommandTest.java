package dev.nibble.app.quantize;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nibble.app.NibbleCli;
import dev.nibble.engine.io.SafetensorsStore;
import dev.nibble.engine.io.SafetensorsWriter;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.quantizer.SvdqFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code nibble quantize} end to end: JSON report, calibration metadata, bad input, nothing left behind on failure. */
class QuantizeCommandTest {
    @TempDir
    Path tmp;

    record Run(int code, String out, String err) {}

    static Run cli(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
        try {
            return new Run(NibbleCli.run(args), o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    @Test
    void calibratedQuantizeWritesTheFolderAndReportsEveryLayer() throws Exception {
        Path prompts = Files.writeString(tmp.resolve("prompts.txt"), "# two prompts\na red sofa\n\nthe moon at night\n");
        Path out = tmp.resolve("schnell-int4");
        Run r = cli("quantize", "--model", Golden.model("flux_schnell").toString(), "--out", out.toString(),
                "--calib-prompts", prompts.toString(), "--calib-steps", "2", "--calib-size", "32",
                "--calib-max-sequence-length", "16", "--calib-rows", "128", "--backend", "cpu", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertTrue(j.get("calibration").asText().contains("2 prompt(s) from prompts.txt, 2 steps each, 32x32"),
                j.get("calibration").asText());
        assertEquals(34, j.get("layers_quantized").asInt());
        for (JsonNode l : j.get("layers")) {
            assertFalse(l.get("weight_only").asBoolean(), l.toString());
            assertTrue(l.get("err_svdq").asDouble() < l.get("err_naive_w4a4").asDouble(), l.toString());
        }
        assertTrue(r.err().contains("quantize [34/34] transformer:"), "progress per layer on stderr");
        assertTrue(r.err().contains("calibrate [2/2]"), r.err());
        try (SafetensorsStore s = SafetensorsStore.open(out.resolve("transformer"))) {
            assertEquals(SvdqFormat.FORMAT, s.metadata().get(SvdqFormat.KEY_FORMAT));
            assertTrue(s.metadata().get(SvdqFormat.KEY_CALIBRATION).startsWith("pipeline: 2 prompt(s)"));
        }
        // the quantised folder generates
        Run g = cli("generate", "--model", out.toString(), "--prompt", "a red sofa", "--precision", "svdq-int4",
                "--steps", "2", "--width", "32", "--height", "32", "--backend", "cpu", "--out",
                tmp.resolve("q.png").toString());
        assertEquals(0, g.code(), g.err());
        assertTrue(Files.size(tmp.resolve("q.png")) > 0);
    }

    @Test
    void badInputExitsTwoAndWritesNothing() throws IOException {
        Path out = tmp.resolve("q");
        Run r = cli("quantize", "--model", Golden.model("flux_dev").toString(), "--out", out.toString(),
                "--calib-prompts", tmp.resolve("nope.txt").toString());
        assertEquals(NibbleCli.EXIT_BAD_INPUT, r.code(), r.err());
        assertTrue(r.err().contains("nope.txt"), r.err());
        r = cli("quantize", "--model", Golden.model("flux_dev").toString(), "--out", out.toString(), "--group-size", "7",
                "--weight-only");
        assertEquals(NibbleCli.EXIT_BAD_INPUT, r.code(), r.err());
        assertTrue(r.err().contains("--group-size"), r.err());
        Files.createDirectories(out);
        Files.writeString(out.resolve("keep.txt"), "x");
        r = cli("quantize", "--model", Golden.model("flux_dev").toString(), "--out", out.toString(), "--weight-only");
        assertEquals(NibbleCli.EXIT_BAD_INPUT, r.code(), r.err());
        assertTrue(r.err().contains("already exists"), r.err());
        assertEquals("x", Files.readString(out.resolve("keep.txt")));
    }

    @Test
    void aRunFailingHalfWayLeavesNoFolder() throws IOException {
        // a copy of the golden FLUX-dev folder in which the last layer the quantiser reaches has a broken bias
        // ([1] instead of [N]): the first 33 layers quantise, the 34th throws
        Path src = Golden.model("flux_dev");
        Path broken = tmp.resolve("broken");
        try (Stream<Path> walk = Files.walk(src)) {
            for (Path p : walk.toList()) {
                Path d = broken.resolve(src.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(d);
                } else {
                    Files.copy(p, d);
                }
            }
        }
        Path w = broken.resolve("transformer/diffusion_pytorch_model.safetensors");
        java.util.Map<String, Tensor> tensors = new java.util.TreeMap<>();
        try (SafetensorsStore s = SafetensorsStore.open(w)) {
            for (String n : s.names()) {
                Tensor t = s.tensor(n);
                Tensor copy = Tensor.zeros(t.dtype(), t.shape());
                java.lang.foreign.MemorySegment.copy(t.data(), 0, copy.data(), 0, t.byteSize());
                tensors.put(n, copy);
            }
        }
        tensors.put("transformer_blocks.1.ff_context.net.2.bias", Tensor.ofFloats(Shape.of(1), 0f));
        SafetensorsWriter.write(w, tensors, java.util.Map.of("format", "pt"));
        Path out = tmp.resolve("out").resolve("broken-int4");
        Run r = cli("quantize", "--model", broken.toString(), "--out", out.toString(), "--weight-only");
        assertEquals(NibbleCli.EXIT_FAILED, r.code(), r.err());
        assertTrue(r.err().contains("quantize [33/34]"), "it failed half-way: " + r.err());
        assertFalse(Files.exists(out), "no output folder after a failed run");
        try (Stream<Path> left = Files.list(out.getParent())) {
            assertEquals(0, left.count(), "no temporary folder left beside it");
        }
    }

    @Test
    void theExitHookRemovesOnlyTemporariesMadeDuringTheRun() throws IOException {
        Path out = tmp.resolve("model-int4");
        Path old = Files.createDirectories(tmp.resolve(".model-int4.tmp-old"));
        Runnable hook = Quantization.cleanupOnExit(out);
        Path mine = Files.createDirectories(tmp.resolve(".model-int4.tmp-123").resolve("transformer"));
        Files.writeString(mine.resolve("x.safetensors"), "partial");
        hook.run();
        assertFalse(Files.exists(mine.getParent()));
        assertTrue(Files.exists(old));
    }
}
