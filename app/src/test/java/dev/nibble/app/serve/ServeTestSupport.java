package dev.nibble.app.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nibble.app.generate.BuiltInModel;
import dev.nibble.app.generate.GenerationResult;
import dev.nibble.app.generate.ModelInfo;
import dev.nibble.engine.io.SafetensorsWriter;
import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.models.common.image.ChwImage;
import dev.nibble.models.common.pipeline.PipelineTimings;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/** Helpers shared by the serve tests: model folders, images, a small HTTP client, job waiting. */
final class ServeTestSupport {
    static final Duration TIMEOUT = Duration.ofSeconds(90);

    private ServeTestSupport() {
    }

    // ------------------------------------------------------------------ model folders

    /**
     * A copy of the built-in model's folder. {@code corruptVae}: its VAE weights replaced by garbage (the folder
     * is listed and accepted, loading it fails). {@code quantisedMarker}: its transformer replaced by a file with
     * one SVDQ tensor (listed as svdq-int4; only a stub generator can "run" it).
     */
    static Path copyBuiltIn(Path target, boolean corruptVae, boolean quantisedMarker) throws IOException {
        Path src = BuiltInModel.folder();
        try (Stream<Path> files = Files.walk(src)) {
            for (Path f : files.toList()) {
                Path t = target.resolve(src.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(f, t);
                }
            }
        }
        if (corruptVae) {
            Path vae = target.resolve("vae/diffusion_pytorch_model.safetensors");
            Files.writeString(vae, "this is not a safetensors file");
        }
        if (quantisedMarker) {
            Path tr = target.resolve("transformer/diffusion_pytorch_model.safetensors");
            Files.delete(tr);
            SafetensorsWriter.write(tr, Map.of("proj_out.qweight", Tensor.zeros(DType.I8, Shape.of(64, 32))),
                    Map.of("nibble.format", "svdq-int4"));
        }
        return target;
    }

    /**
     * A small PEFT-style LoRA for the built-in model: rank 4 on the first double block's to_q and to_k, with
     * deterministic values large enough to change the image.
     */
    static Path writeLora(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        java.util.Random rnd = new java.util.Random(5);
        Map<String, Tensor> t = new java.util.LinkedHashMap<>();
        int rank = 4;
        int width = 128;
        for (String p : List.of("to_q", "to_k")) {
            float[] a = new float[rank * width];
            float[] b = new float[width * rank];
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) rnd.nextGaussian() * 0.3f;
                b[i] = (float) rnd.nextGaussian() * 0.3f;
            }
            String m = "transformer.transformer_blocks.0.attn." + p;
            t.put(m + ".lora_A.weight", Tensor.ofFloats(Shape.of(rank, width), a));
            t.put(m + ".lora_B.weight", Tensor.ofFloats(Shape.of(width, rank), b));
        }
        SafetensorsWriter.write(file, t, Map.of("format", "pt"));
        return file;
    }

    // ------------------------------------------------------------------ images

    /** A PNG: a coloured disc on a plain background. */
    static byte[] png(int w, int h, Color background, Color disc) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(background);
        g.fillRect(0, 0, w, h);
        g.setColor(disc);
        g.fillOval(w / 4, h / 4, w / 2, h / 2);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(img, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static BufferedImage decode(byte[] png) {
        try {
            return ImageIO.read(new java.io.ByteArrayInputStream(png));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ------------------------------------------------------------------ a stub generator

    /**
     * Makes a flat image without running a model: one colour per precision, realistic-looking figures, progress
     * per step (with {@code stepMillis} of sleep). For tests of the server and the page, not of the engine.
     */
    static Generator stub(long stepMillis) {
        return (req, progress) -> {
            ModelInfo info = ModelInfo.resolve(req.model());
            int w = req.width() != null ? req.width() : info.defaultWidth();
            int h = req.height() != null ? req.height() : info.defaultHeight();
            int steps = req.steps() != null ? req.steps() : info.defaultSteps();
            long[] stepNanos = new long[steps];
            for (int i = 0; i < steps; i++) {
                sleep(stepMillis);
                stepNanos[i] = (req.precision().equals("svdq-int4") ? 4 : 9) * 1_000_000L;
                progress.onStep(i, steps, stepNanos[i]);
            }
            float[] rgb = switch (req.precision()) {
                case "svdq-int4" -> new float[] {0.9f, 0.5f, 0.1f};
                case "bf16" -> new float[] {0.2f, 0.4f, 0.9f};
                default -> new float[] {0.3f, 0.7f, 0.3f};
            };
            float[] data = new float[3 * w * h];
            for (int c = 0; c < 3; c++) {
                java.util.Arrays.fill(data, c * w * h, (c + 1) * w * h, rgb[c]);
            }
            boolean q = req.precision().equals("svdq-int4");
            long denoiser = q ? 1_900_000 : 6_845_504;
            var stages = new PipelineTimings(12_000_000, 0, stepNanos, 20_000_000, 32_000_000 + sum(stepNanos));
            var t = new GenerationResult.Timings(0, 0, stages, 40_000_000 + sum(stepNanos));
            var m = new GenerationResult.Memory(2_500_000, 566_272, 500_000, 800_000_000, denoiser, denoiser + 8_000_000);
            return new GenerationResult(new ChwImage(3, h, w, data), info, req.mode(), "cpu", "cpu", req.precision(), w, h,
                    steps, steps, req.seed() == null ? 0 : req.seed(), null, req.strength(), info.maxSequenceLength(), t, m,
                    List.of());
        };
    }

    private static long sum(long[] a) {
        long s = 0;
        for (long v : a) {
            s += v;
        }
        return s;
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    // ------------------------------------------------------------------ HTTP

    record Reply(int status, String contentType, byte[] body) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        JsonNode json() {
            try {
                return Json.MAPPER.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON (" + status + "): " + text(), e);
            }
        }
    }

    static final class Client {
        final String base;
        final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

        Client(DemoServer server) {
            this.base = "http://127.0.0.1:" + server.port();
        }

        Reply get(String path) {
            return send(HttpRequest.newBuilder(URI.create(base + path)).timeout(TIMEOUT).GET().build());
        }

        Reply postJson(String json) {
            return send(HttpRequest.newBuilder(URI.create(base + "/api/generate")).timeout(TIMEOUT)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(json)).build());
        }

        /** multipart/form-data: text fields, then files (name → PNG bytes). */
        Reply postMultipart(Map<String, String> fields, Map<String, byte[]> files) {
            String boundary = "----nibble-test-" + System.nanoTime();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            fields.forEach((k, v) -> write(out, "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + k
                    + "\"\r\n\r\n" + v + "\r\n"));
            files.forEach((k, v) -> {
                write(out, "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + k + "\"; filename=\"" + k
                        + ".png\"\r\nContent-Type: image/png\r\n\r\n");
                out.writeBytes(v);
                write(out, "\r\n");
            });
            write(out, "--" + boundary + "--\r\n");
            return send(HttpRequest.newBuilder(URI.create(base + "/api/generate")).timeout(TIMEOUT)
                    .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(out.toByteArray())).build());
        }

        private static void write(ByteArrayOutputStream out, String s) {
            out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
        }

        Reply send(HttpRequest req) {
            try {
                HttpResponse<byte[]> r = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
                return new Reply(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), r.body());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        /** Polls GET /api/jobs/{id} until the job is done or failed (bounded by {@link #TIMEOUT}). */
        JsonNode await(String id) {
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (System.nanoTime() < deadline) {
                Reply r = get("/api/jobs/" + id);
                assertEquals(200, r.status(), r.text());
                JsonNode j = r.json();
                String s = j.get("state").asText();
                if (s.equals("done") || s.equals("failed")) {
                    return j;
                }
                sleep(100);
            }
            return fail("job " + id + " did not finish within " + TIMEOUT);
        }

        /** The server-sent events of a job until result or failed: [event name, data] pairs. */
        List<String[]> events(String id) throws Exception {
            HttpRequest req = HttpRequest.newBuilder(URI.create(base + "/api/jobs/" + id + "/events")).timeout(TIMEOUT)
                    .header("Accept", "text/event-stream").GET().build();
            CompletableFuture<List<String[]>> f = CompletableFuture.supplyAsync(() -> {
                List<String[]> out = new ArrayList<>();
                try {
                    HttpResponse<Stream<String>> r = http.send(req, HttpResponse.BodyHandlers.ofLines());
                    assertEquals(200, r.statusCode());
                    assertEquals("text/event-stream", r.headers().firstValue("Content-Type").orElse("").split(";")[0]);
                    String event = null;
                    var it = r.body().iterator();
                    while (it.hasNext()) {
                        String line = it.next();
                        if (line.startsWith("event:")) {
                            event = line.substring(6).trim();
                        } else if (line.startsWith("data:")) {
                            out.add(new String[] {event, line.substring(5).trim()});
                            if ("result".equals(event) || "failed".equals(event)) {
                                r.body().close();
                                break;
                            }
                        }
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
                return out;
            });
            return f.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        }
    }

    /** Heap in use after a few collections. */
    static long heapAfterGc() {
        Runtime rt = Runtime.getRuntime();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 4; i++) {
            System.gc();
            sleep(100);
            used = Math.min(used, rt.totalMemory() - rt.freeMemory());
        }
        return used;
    }

}
