package dev.nibble.app.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nibble.engine.exec.HostMemory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static dev.nibble.app.serve.ServeTestSupport.Client;
import static dev.nibble.app.serve.ServeTestSupport.Reply;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * 20 concurrent generation requests on loopback against a queue of 8, with the real engine (built-in model,
 * 64x64, 3 steps): every request is answered (accepted and finished with an image, or refused as busy), none is
 * lost, the server serves the next request, and heap and RSS come back near their idle level.
 */
class ServeLoadTest {
    static final int CLIENTS = 20;
    static final long MIB = 1 << 20;

    static String request(int i) {
        return "{\"prompt\": \"a small yellow triangle at the top left on a black background\", \"steps\": 3, \"seed\": "
                + i + ", \"width\": 64, \"height\": 64}";
    }

    @Test
    void twentyConcurrentRequests(@TempDir Path dir) throws Exception {
        try (DemoServer server = DemoServer.create("127.0.0.1", 0, List.of(dir), ServeLimits.DEFAULT).start()) {
            Client c = new Client(server);
            finish(c, c.postJson(request(0))); // loads the pipeline: part of the idle state
            long heapIdle = ServeTestSupport.heapAfterGc();
            long rssIdle = HostMemory.rssBytes();

            ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
            List<Reply> replies = new ArrayList<>();
            try {
                CountDownLatch go = new CountDownLatch(1);
                List<Future<Reply>> futures = new ArrayList<>();
                for (int i = 0; i < CLIENTS; i++) {
                    int seed = i + 1;
                    futures.add(pool.submit(() -> {
                        go.await();
                        return c.postJson(request(seed));
                    }));
                }
                go.countDown();
                for (Future<Reply> f : futures) {
                    replies.add(f.get(60, TimeUnit.SECONDS));
                }
            } finally {
                pool.shutdownNow();
                assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
            }

            List<String> accepted = new ArrayList<>();
            int busy = 0;
            for (Reply r : replies) {
                if (r.status() == 202) {
                    accepted.add(r.json().get("id").asText());
                } else if (r.status() == 429) {
                    assertEquals("busy", r.json().get("error").asText(), r.text());
                    busy++;
                } else {
                    fail("neither accepted nor busy: " + r.status() + " " + r.text());
                }
            }
            assertEquals(CLIENTS, accepted.size() + busy);
            assertTrue(accepted.size() >= ServeLimits.DEFAULT.queueCapacity(),
                    "an idle server takes at least a full queue: " + accepted.size());
            for (String id : accepted) {
                JsonNode job = c.await(id);
                assertEquals("done", job.get("state").asText(), job.toString());
                Reply png = c.get("/api/jobs/" + id + "/image.png");
                assertEquals(200, png.status());
                assertEquals(64, ServeTestSupport.decode(png.body()).getWidth());
            }

            finish(c, c.postJson(request(99))); // still serving
            JsonNode status = c.get("/api/status").json();
            assertEquals(0, status.get("queues").get("cpu").get("held").asInt(), status.toString());

            long heapAfter = ServeTestSupport.heapAfterGc();
            long rssAfter = HostMemory.rssBytes();
            System.err.printf(Locale.ROOT, "serve load: %d accepted, %d busy; heap after GC %.1f -> %.1f MiB, "
                            + "RSS %.1f -> %.1f MiB%n", accepted.size(), busy, heapIdle / (double) MIB,
                    heapAfter / (double) MIB, rssIdle / (double) MIB, rssAfter / (double) MIB);
            assertTrue(heapAfter < heapIdle + 64 * MIB, "heap back near idle: " + heapIdle + " -> " + heapAfter);
            assertTrue(rssAfter < rssIdle + 256 * MIB, "RSS near idle: " + rssIdle + " -> " + rssAfter);
        }
    }

    private static void finish(Client c, Reply r) {
        assertEquals(202, r.status(), r.text());
        JsonNode job = c.await(r.json().get("id").asText());
        assertEquals("done", job.get("state").asText(), job.toString());
    }
}
