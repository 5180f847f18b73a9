package dev.nibble.backend.vulkan;

import dev.nibble.engine.spi.Availability;
import dev.nibble.engine.spi.DeviceKind;
import org.lwjgl.PointerBuffer;
import org.lwjgl.system.Configuration;
import org.lwjgl.system.MemoryStack;
import org.lwjgl.vulkan.VK;
import org.lwjgl.vulkan.VkApplicationInfo;
import org.lwjgl.vulkan.VkInstance;
import org.lwjgl.vulkan.VkInstanceCreateInfo;
import org.lwjgl.vulkan.VkPhysicalDevice;
import org.lwjgl.vulkan.VkPhysicalDeviceMemoryProperties;
import org.lwjgl.vulkan.VkPhysicalDeviceProperties;
import org.lwjgl.vulkan.VkQueueFamilyProperties;

import java.nio.IntBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import static org.lwjgl.vulkan.VK10.*;

/** Looks for the Vulkan loader and compute-capable physical devices once; never throws. */
final class VulkanProbe {
    record PhysicalDevice(String name, DeviceKind kind, long deviceLocalBytes, String apiVersion, String driver) {
        int rank() {
            return switch (kind) {
                case GPU -> 3;
                case IGPU -> 2;
                case ACCELERATOR -> 1;
                case CPU -> 0;
            };
        }
    }

    record Found(Availability availability, List<PhysicalDevice> devices) {
    }

    private VulkanProbe() {
    }

    private static Found cached;

    /** The probe's answer; drivers are asked once per process (the Vulkan loader can be created only once). */
    static synchronized Found run() {
        if (cached == null) {
            cached = probe();
        }
        return cached;
    }

    private static Found probe() {
        try {
            Configuration.VULKAN_EXPLICIT_INIT.set(true);
            VK.create();
        } catch (UnsatisfiedLinkError | IllegalStateException | NoClassDefFoundError e) {
            return new Found(Availability.unavailable("Vulkan loader not found (libvulkan.so.1; install libvulkan1): "
                    + e.getMessage()), List.of());
        } catch (RuntimeException e) {
            return new Found(Availability.unavailable("Vulkan loader failed: " + e), List.of());
        }
        try (MemoryStack stack = MemoryStack.stackPush()) {
            VkApplicationInfo app = VkApplicationInfo.calloc(stack).sType$Default()
                    .pApplicationName(stack.UTF8("nibble")).apiVersion(VK_MAKE_VERSION(1, 2, 0));
            VkInstanceCreateInfo ci = VkInstanceCreateInfo.calloc(stack).sType$Default().pApplicationInfo(app);
            PointerBuffer pp = stack.mallocPointer(1);
            int err = vkCreateInstance(ci, null, pp);
            if (err != VK_SUCCESS) {
                return new Found(Availability.unavailable("vkCreateInstance failed with " + err
                        + (err == VK_ERROR_INCOMPATIBLE_DRIVER ? " (no Vulkan driver; install mesa-vulkan-drivers)" : "")), List.of());
            }
            VkInstance instance = new VkInstance(pp.get(0), ci);
            try {
                IntBuffer n = stack.mallocInt(1);
                vkEnumeratePhysicalDevices(instance, n, null);
                PointerBuffer handles = stack.mallocPointer(n.get(0));
                vkEnumeratePhysicalDevices(instance, n, handles);
                List<PhysicalDevice> out = new ArrayList<>();
                for (int i = 0; i < n.get(0); i++) {
                    VkPhysicalDevice pd = new VkPhysicalDevice(handles.get(i), instance);
                    if (hasComputeQueue(pd, stack)) {
                        out.add(describe(pd, stack));
                    }
                }
                if (out.isEmpty()) {
                    return new Found(Availability.unavailable(n.get(0) + " Vulkan device(s), none with a compute queue"), List.of());
                }
                out.sort(Comparator.comparingInt(PhysicalDevice::rank).reversed());
                PhysicalDevice best = out.get(0);
                return new Found(Availability.available(out.size() + " compute device(s); best: " + best.name()
                        + " (" + best.kind().name().toLowerCase(java.util.Locale.ROOT) + ", Vulkan " + best.apiVersion() + ")"), out);
            } finally {
                vkDestroyInstance(instance, null);
            }
        } catch (RuntimeException | LinkageError e) {
            return new Found(Availability.unavailable("Vulkan probe failed: " + e), List.of());
        }
    }

    private static boolean hasComputeQueue(VkPhysicalDevice pd, MemoryStack stack) {
        IntBuffer n = stack.mallocInt(1);
        vkGetPhysicalDeviceQueueFamilyProperties(pd, n, null);
        VkQueueFamilyProperties.Buffer families = VkQueueFamilyProperties.calloc(n.get(0), stack);
        vkGetPhysicalDeviceQueueFamilyProperties(pd, n, families);
        for (VkQueueFamilyProperties f : families) {
            if ((f.queueFlags() & VK_QUEUE_COMPUTE_BIT) != 0) {
                return true;
            }
        }
        return false;
    }

    private static PhysicalDevice describe(VkPhysicalDevice pd, MemoryStack stack) {
        VkPhysicalDeviceProperties p = VkPhysicalDeviceProperties.calloc(stack);
        vkGetPhysicalDeviceProperties(pd, p);
        VkPhysicalDeviceMemoryProperties m = VkPhysicalDeviceMemoryProperties.calloc(stack);
        vkGetPhysicalDeviceMemoryProperties(pd, m);
        long local = 0;
        for (int i = 0; i < m.memoryHeapCount(); i++) {
            if ((m.memoryHeaps(i).flags() & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT) != 0) {
                local += m.memoryHeaps(i).size();
            }
        }
        DeviceKind kind = switch (p.deviceType()) {
            case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU -> DeviceKind.GPU;
            case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU -> DeviceKind.IGPU;
            case VK_PHYSICAL_DEVICE_TYPE_CPU -> DeviceKind.CPU;
            default -> DeviceKind.ACCELERATOR;
        };
        int v = p.apiVersion();
        String api = VK_VERSION_MAJOR(v) + "." + VK_VERSION_MINOR(v) + "." + VK_VERSION_PATCH(v);
        return new PhysicalDevice(p.deviceNameString(), kind, local, api, Integer.toHexString(p.driverVersion()));
    }
}
