package dev.nibble.app.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nibble.app.generate.BuiltInModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static dev.nibble.app.serve.ServeTestSupport.Client;
import static dev.nibble.app.serve.ServeTestSupport.Reply;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The JSON API of {@code nibble serve}: listing, request checks (path traversal, oversize uploads, bad JSON), a
 * failed generation failing only its own job, the bounded queue answering "busy", JSON and multipart inputs.
 * Generations with the real engine use the built-in model at 64x64 with 2 steps.
 */
class ServeApiTest {
    @TempDir
    static Path tmp;
    static Path root;
    static Path outside;
    static DemoServer real;
    static Client client;

    @BeforeAll
    static void start() throws Exception {
        root = Files.createDirectories(tmp.resolve("models"));
        outside = ServeTestSupport.copyBuiltIn(tmp.resolve("outside-model"), false, false);
        ServeTestSupport.copyBuiltIn(root.resolve("broken"), true, false);
        ServeTestSupport.writeLora(root.resolve("loras/style.safetensors"));
        Files.createDirectories(root.resolve(".hidden"));
        Files.createSymbolicLink(root.resolve("link"), outside);
        real = DemoServer.create("127.0.0.1", 0, List.of(root), ServeLimits.DEFAULT).start();
        client = new Client(real);
    }

    @AfterAll
    static void stop() {
        if (real != null) {
            real.close();
        }
    }

    static String generateJson(String extra) {
        return "{\"prompt\": \"a large red circle on a blue background\", \"steps\": 2, \"seed\": 7" + extra + "}";
    }

    @Test
    void defaultsBindToLoopback() {
        ServeCommand c = new ServeCommand();
        new CommandLine(c).parseArgs();
        assertEquals("127.0.0.1", c.host);
        assertEquals(7860, c.port);
        assertEquals(8, c.queueCapacity);
        assertEquals("127.0.0.1", real.host());
    }

    @Test
    void pageAndCatalogue() {
        Reply page = client.get("/");
        assertEquals(200, page.status());
        assertTrue(page.contentType().startsWith("text/html"), page.contentType());
        assertTrue(page.text().contains("id=\"prompt\""));
        assertEquals(200, client.get("/app.js").status());
        assertEquals(200, client.get("/app.css").status());

        JsonNode models = client.get("/api/models").json();
        JsonNode builtIn = models.get("models").get(0);
        assertEquals(BuiltInModel.NAME, builtIn.get("id").asText());
        assertTrue(builtIn.get("builtin").asBoolean());
        assertEquals("[\"fp32\",\"bf16\"]", builtIn.get("precisions").toString(), "no svdq-int4 for a 16-bit folder");
        assertEquals(64, builtIn.get("defaults").get("width").asInt());
        assertTrue(builtIn.get("vocabulary").get("examples").size() >= 4);
        List<String> ids = new ArrayList<>();
        models.get("models").forEach(m -> ids.add(m.get("id").asText()));
        assertEquals(List.of(BuiltInModel.NAME, "broken"), ids, "the root's model folders; no symlinked or hidden ones");
        JsonNode lora = models.get("lora");
        assertEquals("loras/style.safetensors", lora.get("files").get(0).get("id").asText());
        assertTrue(lora.get("enabled").asBoolean());

        JsonNode backends = client.get("/api/backends").json();
        boolean cpu = false;
        for (JsonNode b : backends.get("backends")) {
            if (b.get("name").asText().equals("cpu")) {
                cpu = b.get("available").asBoolean();
            }
            assertNotNull(b.get("reason"));
        }
        assertTrue(cpu, backends.toString());
        assertFalse(backends.get("auto").isNull());
    }

    @Test
    void modelsOutsideTheRootsAreRejected() {
        assertError(client.postJson(generateJson(", \"model\": \"../outside-model\"")), 400, "path_traversal");
        assertError(client.postJson(generateJson(", \"model\": \"broken/../../outside-model\"")), 400, "path_traversal");
        assertError(client.postJson(generateJson(", \"model\": " + Json.write(outside.toString()))), 400, "outside_roots");
        assertError(client.postJson(generateJson(", \"model\": \"/etc\"")), 400, "outside_roots");
        assertError(client.postJson(generateJson(", \"model\": \"link\"")), 400, "outside_roots");
        assertError(client.postJson(generateJson(", \"model\": \"nope\"")), 404, "not_found");
        assertError(client.postMultipart(Map.of("prompt", "x", "model", "../outside-model"), Map.of()), 400,
                "path_traversal");
        // a path inside a root is accepted, relative or absolute
        assertEquals(400, client.postJson(generateJson(", \"model\": \"broken\", \"width\": 63")).status());
        assertEquals(400, client.postJson(generateJson(", \"model\": " + Json.write(root.resolve("broken").toString())
                + ", \"width\": 63")).status());
    }

    @Test
    void oversizeUploadsAreRejected() {
        byte[] big = new byte[9 << 20];
        new Random(1).nextBytes(big);
        assertError(client.postMultipart(Map.of("prompt", "x"), Map.of("image", big)), 413, "too_large");
        String b64 = Base64.getEncoder().encodeToString(big);
        assertError(client.postJson("{\"prompt\": \"x\", \"image\": \"" + b64 + "\"}"), 413, "too_large");
        byte[] huge = new byte[(int) ServeLimits.DEFAULT.maxBodyBytes() + 1024];
        assertError(client.postMultipart(Map.of("prompt", "x"), Map.of("image", huge)), 413, "too_large");
        byte[] wide = ServeTestSupport.png(5000, 8, Color.WHITE, Color.RED);
        Reply r = client.postMultipart(Map.of("prompt", "x"), Map.of("image", wide));
        assertError(r, 413, "too_large");
        assertTrue(r.json().get("message").asText().contains("5000x8"), r.text());
        assertError(client.postMultipart(Map.of("prompt", "x"), Map.of("sketch", new byte[] {1, 2, 3})), 400,
                "bad_request");
    }

    @Test
    void badRequestsAre400() {
        assertError(client.postJson("{bad"), 400, "bad_request");
        assertError(client.postJson("[1, 2]"), 400, "bad_request");
        assertError(client.postJson(""), 400, "bad_request");
        assertError(client.postJson("{}"), 400, "bad_request");
        assertError(client.postJson("{\"prompt\": \"x\", \"stpes\": 3}"), 400, "bad_request");
        assertError(client.postJson("{\"prompt\": \"x\", \"steps\": \"many\"}"), 400, "bad_request");
        assertError(client.postJson("{\"prompt\": \"x\", \"steps\": 100000}"), 400, "bad_request");
        assertError(client.postJson("{\"prompt\": {\"a\": 1}}"), 400, "bad_request");
        assertError(client.postJson("{\"prompt\": \"x\", \"width\": 65}"), 400, "bad_request");
        assertError(client.postJson("{\"prompt\": \"x\", \"precision\": \"svdq-int4\"}"), 400, "bad_request");
        assertError(client.postJson("{\"prompt\": \"x\", \"precision\": \"fp8\"}"), 400, "bad_request");
        assertError(client.postJson("{\"prompt\": \"x\", \"strength\": 0.5}"), 400, "bad_request");
        assertError(client.postJson("{\"prompt\": \"x\", \"compare\": true}"), 400, "bad_request");
        assertError(client.postJson("{\"prompt\": \"x\", \"backend\": \"nope\"}"), 400, "backend_unavailable");
        assertError(client.postJson("{\"prompt\": \"x\", \"lora\": \"../loras/style.safetensors\"}"), 400,
                "path_traversal");
        assertError(client.postJson("{\"prompt\": \"x\", \"lora\": " + Json.write(outside.toString()) + "}"), 404,
                "not_found");
        assertError(client.postJson("{\"prompt\": \"x\", \"lora_strength\": 0.5}"), 400, "bad_request");
        assertError(client.postJson("{\"prompt\": \"x\", \"lora\": \"loras/style.safetensors\", \"lora_strength\": 9}"),
                400, "bad_request");
        assertError(client.postJson("{\"prompt\": \"x\", \"image\": \"%%%\"}"), 400, "bad_request");
        assertError(client.get("/api/jobs/nope"), 404, "not_found");
        assertError(client.get("/api/nope"), 404, "http_404");
    }

    @Test
    void aFailedGenerationFailsOnlyItsJob() throws Exception {
        Reply r = client.postJson(generateJson(", \"model\": \"broken\""));
        assertEquals(202, r.status(), r.text());
        String id = r.json().get("id").asText();
        List<String[]> events = client.events(id);
        String[] last = events.getLast();
        assertEquals("failed", last[0], "last event");
        JsonNode failed = Json.MAPPER.readTree(last[1]);
        assertEquals("failed", failed.get("state").asText());
        assertTrue(failed.get("error").get("message").asText().startsWith("generation failed"), last[1]);
        assertError(client.get("/api/jobs/" + id + "/image.png"), 409, "failed");

        // the server keeps serving: the next request succeeds, with progress per step
        Reply ok = client.postJson(generateJson(""));
        assertEquals(202, ok.status(), ok.text());
        String id2 = ok.json().get("id").asText();
        List<String[]> ev = client.events(id2);
        assertEquals(2, ev.stream().filter(e -> e[0].equals("progress")).count(), "one progress event per step");
        assertEquals("result", ev.getLast()[0]);
        JsonNode result = Json.MAPPER.readTree(ev.getLast()[1]).get("results").get(0);
        assertTrue(result.get("timings_ms").get("total").asDouble() > 0);
        assertTrue(result.get("memory_bytes").get("host_peak_rss").asLong() > 0);
        assertTrue(result.get("weight_bytes").get("total").asLong() > 0);
        Reply png = client.get("/api/jobs/" + id2 + "/image.png");
        assertEquals(200, png.status());
        assertEquals("image/png", png.contentType());
        BufferedImage img = ServeTestSupport.decode(png.body());
        assertEquals(64, img.getWidth());
        assertEquals(64, img.getHeight());
    }

    @Test
    void imageToImageFromJsonAndSketchFromMultipart() {
        byte[] input = ServeTestSupport.png(96, 80, Color.BLUE, Color.RED);
        Reply r = client.postJson(generateJson(", \"image\": \"data:image/png;base64,"
                + Base64.getEncoder().encodeToString(input) + "\""));
        assertEquals(202, r.status(), r.text());
        JsonNode job = client.await(r.json().get("id").asText());
        assertEquals("done", job.get("state").asText(), job.toString());
        JsonNode res = job.get("results").get(0);
        assertEquals("image-to-image", res.get("mode").asText());
        assertEquals(0.6, res.get("strength").asDouble(), 1e-9, "FLUX image-to-image default strength");

        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("prompt", "a large red circle on a blue background");
        fields.put("steps", "2");
        fields.put("precision", "bf16");
        fields.put("strength", "0.9");
        Reply s = client.postMultipart(fields, Map.of("sketch", ServeTestSupport.png(256, 256, Color.WHITE, Color.RED)));
        assertEquals(202, s.status(), s.text());
        JsonNode sj = client.await(s.json().get("id").asText());
        assertEquals("done", sj.get("state").asText(), sj.toString());
        assertEquals("sketch-to-image", sj.get("results").get(0).get("mode").asText());
        assertEquals("bf16", sj.get("results").get(0).get("precision").asText());
    }

    @Test
    void aLoraChangesTheImage() {
        Reply plain = client.postJson(generateJson(""));
        Reply withLora = client.postJson(generateJson(", \"lora\": \"loras/style.safetensors\", \"lora_strength\": 1.5"));
        assertEquals(202, plain.status(), plain.text());
        assertEquals(202, withLora.status(), withLora.text());
        JsonNode a = client.await(plain.json().get("id").asText());
        JsonNode b = client.await(withLora.json().get("id").asText());
        assertEquals("done", a.get("state").asText(), a.toString());
        assertEquals("done", b.get("state").asText(), b.toString());
        assertEquals("loras/style.safetensors", b.get("results").get(0).get("lora").asText());
        assertEquals(1.5, b.get("results").get(0).get("lora_strength").asDouble(), 1e-6);
        byte[] pa = client.get(a.get("image_url").asText()).body();
        byte[] pb = client.get(b.get("image_url").asText()).body();
        assertFalse(java.util.Arrays.equals(pa, pb), "same seed, the LoRA changes the image");
    }

    @Test
    void aFullQueueAnswersBusyAndRecovers(@TempDir Path dir) throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Generator stub = ServeTestSupport.stub(1);
        Generator blocking = (req, progress) -> {
            try {
                if (!release.await(60, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("never released");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            return stub.generate(req, progress);
        };
        try (DemoServer s = new DemoServer("127.0.0.1", 0, List.of(dir), ServeLimits.DEFAULT.withQueueCapacity(2),
                blocking).start()) {
            Client c = new Client(s);
            Reply a = c.postJson(generateJson(""));
            Reply b = c.postJson(generateJson(""));
            assertEquals(202, a.status(), a.text());
            assertEquals(202, b.status(), b.text());
            assertEquals(1, b.json().get("position").asInt(), "the second waits behind the first");
            Reply busy = c.postJson(generateJson(""));
            assertError(busy, 429, "busy");
            assertTrue(busy.json().get("message").asText().contains("busy"), busy.text());
            assertError(c.get("/api/jobs/" + a.json().get("id").asText() + "/image.png"), 409, "not_ready");
            assertEquals(2, c.get("/api/status").json().get("queues").get("cpu").get("held").asInt());
            release.countDown();
            assertEquals("done", c.await(a.json().get("id").asText()).get("state").asText());
            assertEquals("done", c.await(b.json().get("id").asText()).get("state").asText());
            Reply again = c.postJson(generateJson(""));
            assertEquals(202, again.status(), again.text());
            assertEquals("done", c.await(again.json().get("id").asText()).get("state").asText());
        } finally {
            release.countDown();
        }
    }

    @Test
    void compareRunsBothPrecisions(@TempDir Path dir) throws Exception {
        ServeTestSupport.copyBuiltIn(dir.resolve("nibble-shapes-svdq"), false, true);
        try (DemoServer s = new DemoServer("127.0.0.1", 0, List.of(dir), ServeLimits.DEFAULT, ServeTestSupport.stub(1))
                .start()) {
            Client c = new Client(s);
            JsonNode models = c.get("/api/models").json().get("models");
            assertEquals("[\"nibble-shapes-svdq\"]", models.get(0).get("compare_with").toString());
            assertEquals("[\"svdq-int4\"]", models.get(1).get("precisions").toString(), "only svdq-int4 for a 4-bit folder");
            assertError(c.postJson(generateJson(", \"model\": \"nibble-shapes-svdq\", \"precision\": \"bf16\"")), 400,
                    "bad_request");
            Reply r = c.postJson(generateJson(", \"compare\": true"));
            assertEquals(202, r.status(), r.text());
            String id = r.json().get("id").asText();
            List<String[]> ev = c.events(id);
            assertEquals(4, ev.stream().filter(e -> e[0].equals("progress")).count(), "2 steps x 2 parts");
            JsonNode job = Json.MAPPER.readTree(ev.getLast()[1]);
            assertEquals("bf16", job.get("results").get(0).get("precision").asText());
            assertEquals("svdq-int4", job.get("results").get(1).get("precision").asText());
            assertEquals("nibble-shapes-svdq", job.get("results").get(1).get("model").asText());
            assertEquals(job.get("results").get(0).get("seed"), job.get("results").get(1).get("seed"), "same seed");
            Reply four = c.get("/api/jobs/" + id + "/image.png?part=1");
            assertEquals(200, four.status());
            int rgb = ServeTestSupport.decode(four.body()).getRGB(0, 0);
            assertTrue(((rgb >> 16) & 0xff) > 200 && (rgb & 0xff) < 60, "the 4-bit stub's orange: " + Integer.toHexString(rgb));
        }
    }

    static void assertError(Reply r, int status, String code) {
        assertEquals(status, r.status(), r.text());
        assertTrue(r.contentType().startsWith("application/json"), r.contentType());
        JsonNode j = r.json();
        assertEquals(code, j.get("error").asText(), r.text());
        assertFalse(j.get("message").asText().isBlank());
    }
}
