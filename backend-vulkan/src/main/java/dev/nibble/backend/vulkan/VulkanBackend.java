package dev.nibble.backend.vulkan;

import dev.nibble.engine.spi.Availability;
import dev.nibble.engine.spi.Backend;
import dev.nibble.engine.spi.Device;
import dev.nibble.engine.spi.DeviceKind;

import java.util.ArrayList;
import java.util.List;

/**
 * The Vulkan compute backend (LWJGL): devices ranked discrete > integrated > CPU, or the one
 * {@code NIBBLE_VULKAN_DEVICE} names. Device objects are process-wide, so every
 * {@code VulkanBackend} hands out the same ones.
 */
public final class VulkanBackend implements Backend {
    public static final String NAME = "vulkan";

    private static List<Device> devices;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Availability probe() {
        return VulkanProbe.run().availability();
    }

    @Override
    public List<Device> devices() {
        return shared();
    }

    static synchronized List<Device> shared() {
        if (devices == null) {
            VulkanProbe.Found f = VulkanProbe.run();
            boolean fail = f.validationActive() && VulkanConfig.validation() == VulkanConfig.Validation.FAIL;
            List<Device> out = new ArrayList<>();
            for (int i = 0; i < f.devices().size(); i++) {
                out.add(new VulkanDevice(f.devices().get(i), f.indices().get(i), fail));
            }
            devices = List.copyOf(out);
        }
        return devices;
    }

    @Override
    public int score() {
        List<DeviceInfo> d = VulkanProbe.run().devices();
        if (d.isEmpty()) {
            return 0;
        }
        DeviceKind k = d.get(0).kind();
        return k == DeviceKind.GPU ? 80 : k == DeviceKind.IGPU ? 50 : 5;
    }
}
