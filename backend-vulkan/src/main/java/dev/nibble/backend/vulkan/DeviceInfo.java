package dev.nibble.backend.vulkan;

import dev.nibble.engine.spi.DeviceKind;
import org.lwjgl.vulkan.VkPhysicalDevice;

import java.util.ArrayList;
import java.util.List;

/**
 * What the probe learnt about one physical device: identity, the limits the kernels size
 * themselves by, and the optional features that pick shader variants.
 */
record DeviceInfo(
        VkPhysicalDevice handle,
        String name,
        DeviceKind kind,
        String apiVersion,
        int apiVersionRaw,
        String driver,
        long deviceLocalBytes,
        int computeQueueFamily,
        long maxStorageBufferRange,
        long maxMemoryAllocationSize,
        int maxSharedMemory,
        int maxPushConstants,
        int maxWorkGroupCountX,
        int maxWorkGroupCountY,
        int maxWorkGroupInvocations,
        int subgroupSize,
        boolean subgroupArithmetic,
        boolean bufferDeviceAddress,
        boolean storage8,
        boolean storage16,
        boolean int64,
        boolean int16,
        boolean int8,
        boolean float16,
        boolean float64) {

    int rank() {
        return switch (kind) {
            case GPU -> 3;
            case IGPU -> 2;
            case ACCELERATOR -> 1;
            case CPU -> 0;
        };
    }

    /** Required features this device lacks (empty when usable). */
    List<String> missing() {
        List<String> m = new ArrayList<>();
        if (apiVersionRaw < org.lwjgl.vulkan.VK12.VK_API_VERSION_1_2) {
            m.add("Vulkan 1.2 (has " + apiVersion + ")");
            return m;
        }
        if (computeQueueFamily < 0) {
            m.add("a compute queue");
        }
        if (!bufferDeviceAddress) {
            m.add("bufferDeviceAddress");
        }
        if (!storage8) {
            m.add("storageBuffer8BitAccess");
        }
        if (!storage16) {
            m.add("storageBuffer16BitAccess");
        }
        if (!int64) {
            m.add("shaderInt64");
        }
        if (maxPushConstants < 128) {
            m.add("128 bytes of push constants");
        }
        if (maxSharedMemory < 16384) {
            m.add("16 KiB of shared memory");
        }
        return m;
    }

    boolean usable() {
        return missing().isEmpty();
    }

    String describe() {
        return name + " (" + kind.name().toLowerCase(java.util.Locale.ROOT) + ", Vulkan " + apiVersion + ")";
    }
}
