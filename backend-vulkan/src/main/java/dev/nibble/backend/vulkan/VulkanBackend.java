package dev.nibble.backend.vulkan;

import dev.nibble.engine.spi.Availability;
import dev.nibble.engine.spi.Backend;
import dev.nibble.engine.spi.Device;
import dev.nibble.engine.spi.DeviceKind;

import java.util.ArrayList;
import java.util.List;

/** The Vulkan compute backend (LWJGL): devices ranked discrete > integrated > CPU. */
public final class VulkanBackend implements Backend {
    public static final String NAME = "vulkan";
    private volatile VulkanProbe.Found found;

    private VulkanProbe.Found found() {
        if (found == null) {
            synchronized (this) {
                if (found == null) {
                    found = VulkanProbe.run();
                }
            }
        }
        return found;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Availability probe() {
        return found().availability();
    }

    @Override
    public List<Device> devices() {
        List<Device> out = new ArrayList<>();
        for (VulkanProbe.PhysicalDevice d : found().devices()) {
            out.add(new VulkanDevice(d, out.size()));
        }
        return out;
    }

    @Override
    public int score() {
        List<VulkanProbe.PhysicalDevice> d = found().devices();
        if (d.isEmpty()) {
            return 0;
        }
        DeviceKind k = d.get(0).kind();
        return k == DeviceKind.GPU ? 80 : k == DeviceKind.IGPU ? 50 : 5;
    }
}
