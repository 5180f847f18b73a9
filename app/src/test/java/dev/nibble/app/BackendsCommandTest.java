package dev.nibble.app;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nibble.engine.spi.Backend;
import dev.nibble.engine.spi.Backends;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * `nibble backends` lists every backend module with a truthful availability. Under CI=true (or
 * NIBBLE_REQUIRE_BACKENDS=cpu,opencl,vulkan) the backends this machine can run must be available:
 * a broken install fails here instead of looking green.
 */
class BackendsCommandTest {
    static String captureStdout(Runnable r) {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            r.run();
        } finally {
            System.setOut(old);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    @Test
    void jsonListsEveryBackendModule() throws Exception {
        int[] code = new int[1];
        String out = captureStdout(() -> code[0] = NibbleCli.run("backends", "--json"));
        assertEquals(0, code[0]);
        JsonNode root = JsonOutput.MAPPER.readTree(out);
        Set<String> names = new java.util.HashSet<>();
        for (JsonNode b : root.get("backends")) {
            names.add(b.get("name").asText());
            assertFalse(b.get("reason").asText().isBlank(), "every backend says why: " + b);
            if (!b.get("available").asBoolean()) {
                assertEquals(0, b.get("devices").size());
            }
        }
        assertEquals(Set.of("cpu", "opencl", "vulkan", "cuda"), names);
        assertTrue(root.has("auto"));
    }

    @Test
    void cpuIsAlwaysAvailable() {
        assertTrue(Backends.discover().select("cpu").probe().available());
    }

    @Test
    void requiredBackendsAreAvailable() {
        String env = System.getenv("NIBBLE_REQUIRE_BACKENDS");
        List<String> required = env != null ? Arrays.asList(env.split(","))
                : "true".equalsIgnoreCase(System.getenv("CI")) ? List.of("cpu", "opencl", "vulkan") : List.of("cpu");
        Backends backends = Backends.discover();
        String missing = required.stream().map(String::trim).filter(name -> backends.all().stream()
                        .noneMatch(b -> b.name().equals(name) && b.probe().available()))
                .map(name -> name + " (" + backends.all().stream().filter(b -> b.name().equals(name)).findFirst()
                        .map(b -> b.probe().reason()).orElse("no such backend module") + ")")
                .collect(Collectors.joining("; "));
        if (!missing.isEmpty()) {
            fail("required backends unavailable: " + missing
                    + " — install pocl-opencl-icd ocl-icd-libopencl1 ocl-icd-opencl-dev mesa-vulkan-drivers libvulkan1 (see .ci/run)");
        }
    }

    @Test
    void cudaIsUnavailableWithAReasonWithoutADriver() {
        Backend cuda = Backends.discover().all().stream().filter(b -> b.name().equals("cuda")).findFirst().orElseThrow();
        if (!new java.io.File("/dev/nvidiactl").exists()) {
            assertFalse(cuda.probe().available());
            assertTrue(cuda.probe().reason().contains("libcuda"), cuda.probe().reason());
        }
    }

    @Test
    void unknownBackendIsBadInput() {
        assertEquals(NibbleCli.EXIT_BAD_INPUT, NibbleCli.run("nonexistent-subcommand"));
    }
}
