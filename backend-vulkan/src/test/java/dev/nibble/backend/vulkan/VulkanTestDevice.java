package dev.nibble.backend.vulkan;

import dev.nibble.engine.spi.Availability;
import org.junit.jupiter.api.Assertions;

import java.util.List;

/**
 * The device the tests run on. Without Vulkan the tests are skipped, except under CI=true where an
 * unavailable backend (a broken install) fails them.
 */
final class VulkanTestDevice {
    private VulkanTestDevice() {
    }

    static boolean ci() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    static VulkanDevice get() {
        VulkanBackend b = new VulkanBackend();
        Availability a = b.probe();
        if (!a.available()) {
            // never a silent skip: this machine class runs Vulkan through lavapipe, which .ci/run installs
            Assertions.fail("the Vulkan backend is unavailable: " + a.reason()
                    + " (install mesa-vulkan-drivers libvulkan1 vulkan-validationlayers glslc, as .ci/run does)");
        }
        return (VulkanDevice) b.devices().get(0);
    }

    /** Fails when the validation layer said anything since {@code mark}. */
    static void assertNoValidationMessages(int mark) {
        if (new VulkanBackend().probe().available()) {
            VulkanDevice d = (VulkanDevice) new VulkanBackend().devices().get(0);
            System.err.println("[vulkan] " + d.gpu().pipelineStats() + ", " + d.submitCount() + " submits, "
                    + d.dispatchCount() + " dispatches so far");
        }
        List<ValidationMessages.Message> m = ValidationMessages.since(mark);
        Assertions.assertTrue(m.isEmpty(), () -> m.size() + " validation message(s): " + m);
    }
}
