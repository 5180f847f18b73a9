package dev.nibble.backend.vulkan;

import dev.nibble.tck.ConformanceKit;
import dev.nibble.tck.ConformanceTests;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import dev.nibble.engine.ops.Op;
import dev.nibble.engine.ops.SvdqLinear;
import dev.nibble.tck.TckCase;

import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The conformance kit over the Vulkan device, validation layer on: every case of every op must PASS
 * against the CPU reference (UNSUPPORTED fails too: this backend claims the whole catalogue), and
 * the validation layer must stay silent.
 */
class VulkanConformanceTest {
    private static int mark;

    @BeforeAll
    static void start() {
        mark = ValidationMessages.count();
    }

    @TestFactory
    Stream<DynamicNode> conformance() {
        VulkanDevice device = VulkanTestDevice.get();
        return ConformanceTests.dynamicTests(ConformanceKit.forDevice(device).requireAllSupported());
    }

    /** Every op of the catalogue has cases here (SvdqLinear's come from its owner; see VulkanSvdqTest). */
    @Test
    void everyOpOfTheCatalogueIsCovered() {
        Map<String, Integer> perOp = new TreeMap<>();
        for (TckCase c : ConformanceKit.allCases()) {
            perOp.merge(c.family(), 1, Integer::sum);
        }
        System.err.println("[vulkan] conformance cases per op: " + perOp);
        for (Class<?> op : Op.class.getPermittedSubclasses()) {
            if (op == SvdqLinear.class) {
                continue;
            }
            assertTrue(perOp.containsKey(op.getSimpleName()), "no conformance case for " + op.getSimpleName());
        }
    }

    @AfterAll
    static void validationSilent() {
        VulkanTestDevice.assertNoValidationMessages(mark);
    }
}
