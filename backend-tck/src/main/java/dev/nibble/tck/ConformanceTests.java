package dev.nibble.tck;

import dev.nibble.engine.spi.Device;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.opentest4j.AssertionFailedError;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The kit as JUnit 5 dynamic tests: one container per op, one test per case. FAIL fails the test;
 * UNSUPPORTED aborts it (reported as skipped, never as passed) unless the kit requires every op.
 * <pre>{@code
 * @TestFactory
 * Stream<DynamicNode> conformance() {
 *     return ConformanceTests.dynamicTests(myDevice);
 * }
 * }</pre>
 */
public final class ConformanceTests {
    private ConformanceTests() {
    }

    public static Stream<DynamicNode> dynamicTests(Device device) {
        return dynamicTests(ConformanceKit.forDevice(device));
    }

    public static Stream<DynamicNode> dynamicTests(ConformanceKit kit) {
        return dynamicTests(kit, r -> { });
    }

    /** As {@link #dynamicTests(ConformanceKit)}, handing every result to {@code onResult} (e.g. to print a report after all). */
    public static Stream<DynamicNode> dynamicTests(ConformanceKit kit, Consumer<TckResult> onResult) {
        Map<String, List<TckCase>> byOp = new LinkedHashMap<>();
        for (TckCase c : kit.cases()) {
            byOp.computeIfAbsent(c.opName(), k -> new java.util.ArrayList<>()).add(c);
        }
        return byOp.entrySet().stream().map(e -> DynamicContainer.dynamicContainer(e.getKey(),
                e.getValue().stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> {
                    TckResult r = kit.run(c);
                    onResult.accept(r);
                    check(kit, r);
                }))));
    }

    /** Turns a result into a JUnit outcome. */
    public static void check(ConformanceKit kit, TckResult r) {
        switch (r.status()) {
            case PASS -> { }
            case FAIL -> throw new AssertionFailedError(r.describe());
            case UNSUPPORTED -> {
                if (kit.requiresAllSupported()) {
                    throw new AssertionFailedError(kit.device().name() + " does not support " + r.describe());
                }
                Assumptions.abort(r.describe());
            }
        }
    }
}
