package dev.nibble.backend.vulkan;

import dev.nibble.engine.spi.Availability;
import dev.nibble.engine.spi.DeviceKind;
import org.lwjgl.PointerBuffer;
import org.lwjgl.system.Configuration;
import org.lwjgl.system.MemoryStack;
import org.lwjgl.vulkan.VK;
import org.lwjgl.vulkan.VkApplicationInfo;
import org.lwjgl.vulkan.VkDebugUtilsMessengerCallbackDataEXT;
import org.lwjgl.vulkan.VkDebugUtilsMessengerCallbackEXT;
import org.lwjgl.vulkan.VkDebugUtilsMessengerCreateInfoEXT;
import org.lwjgl.vulkan.VkExtensionProperties;
import org.lwjgl.vulkan.VkInstance;
import org.lwjgl.vulkan.VkInstanceCreateInfo;
import org.lwjgl.vulkan.VkLayerProperties;
import org.lwjgl.vulkan.VkPhysicalDevice;
import org.lwjgl.vulkan.VkPhysicalDeviceFeatures2;
import org.lwjgl.vulkan.VkPhysicalDeviceMaintenance3Properties;
import org.lwjgl.vulkan.VkPhysicalDeviceMemoryProperties;
import org.lwjgl.vulkan.VkPhysicalDeviceProperties;
import org.lwjgl.vulkan.VkPhysicalDeviceProperties2;
import org.lwjgl.vulkan.VkPhysicalDeviceSubgroupProperties;
import org.lwjgl.vulkan.VkPhysicalDeviceVulkan11Features;
import org.lwjgl.vulkan.VkPhysicalDeviceVulkan12Features;
import org.lwjgl.vulkan.VkQueueFamilyProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.IntBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

import static org.lwjgl.vulkan.EXTDebugUtils.*;
import static org.lwjgl.vulkan.VK10.*;
import static org.lwjgl.vulkan.VK11.*;
import static org.lwjgl.vulkan.VK12.*;

/**
 * Finds the Vulkan loader, creates the process's one Vulkan instance (with the validation layer and
 * a debug-utils messenger when {@link VulkanConfig#validation()} asks for it) and describes its
 * compute devices, ranked discrete > integrated > other > CPU, filtered by
 * {@code NIBBLE_VULKAN_DEVICE}. Runs once per process ({@code VK.create()} may be called only
 * once); never throws.
 */
final class VulkanProbe {
    private static final Logger LOG = LoggerFactory.getLogger(VulkanProbe.class);
    static final String VALIDATION_LAYER = "VK_LAYER_KHRONOS_validation";

    /**
     * @param devices      the usable devices, ranked (after NIBBLE_VULKAN_DEVICE: just the chosen one)
     * @param firstIndex   the ranked index of {@code devices.get(0)}, for its name
     */
    record Found(Availability availability, List<DeviceInfo> devices, List<Integer> indices, VkInstance instance,
                 boolean validationActive) {
    }

    private static Found cached;
    @SuppressWarnings("unused") // kept reachable: the native messenger calls it for the life of the process
    private static VkDebugUtilsMessengerCallbackEXT callback;

    private VulkanProbe() {
    }

    static synchronized Found run() {
        if (cached == null) {
            cached = probe();
        }
        return cached;
    }

    private static Found unavailable(String why) {
        return new Found(Availability.unavailable(why), List.of(), List.of(), null, false);
    }

    private static Found probe() {
        try {
            Configuration.VULKAN_EXPLICIT_INIT.set(true);
            VK.create();
        } catch (UnsatisfiedLinkError | IllegalStateException | NoClassDefFoundError e) {
            return unavailable("Vulkan loader not found (libvulkan.so.1; install libvulkan1): " + e.getMessage());
        } catch (RuntimeException e) {
            return unavailable("Vulkan loader failed: " + e);
        }
        try (MemoryStack stack = MemoryStack.stackPush()) {
            VulkanConfig.Validation mode = VulkanConfig.validation();
            boolean validation = false;
            if (mode != VulkanConfig.Validation.OFF) {
                boolean layer = hasLayer(stack, VALIDATION_LAYER);
                boolean debugUtils = hasInstanceExtension(stack, VK_EXT_DEBUG_UTILS_EXTENSION_NAME);
                if (layer && debugUtils) {
                    validation = true;
                } else {
                    LOG.warn("Vulkan validation requested but {} is missing: running without it",
                            layer ? VK_EXT_DEBUG_UTILS_EXTENSION_NAME : VALIDATION_LAYER
                                    + " (install vulkan-validationlayers)");
                }
            }
            VkApplicationInfo app = VkApplicationInfo.calloc(stack).sType$Default()
                    .pApplicationName(stack.UTF8("nibble")).pEngineName(stack.UTF8("nibble"))
                    .apiVersion(VK_API_VERSION_1_2);
            VkInstanceCreateInfo ci = VkInstanceCreateInfo.calloc(stack).sType$Default().pApplicationInfo(app);
            VkDebugUtilsMessengerCreateInfoEXT messengerInfo = null;
            if (validation) {
                ci.ppEnabledLayerNames(stack.pointers(stack.UTF8(VALIDATION_LAYER)));
                ci.ppEnabledExtensionNames(stack.pointers(stack.UTF8(VK_EXT_DEBUG_UTILS_EXTENSION_NAME)));
                callback = VkDebugUtilsMessengerCallbackEXT.create(VulkanProbe::onMessage);
                messengerInfo = VkDebugUtilsMessengerCreateInfoEXT.calloc(stack).sType$Default()
                        .messageSeverity(VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT
                                | VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT)
                        .messageType(VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT
                                | VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT
                                | VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT)
                        .pfnUserCallback(callback);
                ci.pNext(messengerInfo.address()); // also covers vkCreateInstance / vkDestroyInstance
            }
            PointerBuffer pp = stack.mallocPointer(1);
            int err = vkCreateInstance(ci, null, pp);
            if (err != VK_SUCCESS) {
                return unavailable("vkCreateInstance failed with " + err
                        + (err == VK_ERROR_INCOMPATIBLE_DRIVER ? " (no Vulkan driver; install mesa-vulkan-drivers)" : ""));
            }
            VkInstance instance = new VkInstance(pp.get(0), ci);
            if (validation) {
                java.nio.LongBuffer lb = stack.mallocLong(1);
                int r = vkCreateDebugUtilsMessengerEXT(instance, messengerInfo, null, lb);
                if (r != VK_SUCCESS) {
                    LOG.warn("vkCreateDebugUtilsMessengerEXT failed with {}: validation messages will not be seen", r);
                    validation = false;
                }
            }
            return describeDevices(instance, validation, stack);
        } catch (RuntimeException | LinkageError e) {
            return unavailable("Vulkan probe failed: " + e);
        }
    }

    private static Found describeDevices(VkInstance instance, boolean validation, MemoryStack stack) {
        IntBuffer n = stack.mallocInt(1);
        check(vkEnumeratePhysicalDevices(instance, n, null), "vkEnumeratePhysicalDevices");
        PointerBuffer handles = stack.mallocPointer(n.get(0));
        check(vkEnumeratePhysicalDevices(instance, n, handles), "vkEnumeratePhysicalDevices");
        List<DeviceInfo> all = new ArrayList<>();
        for (int i = 0; i < n.get(0); i++) {
            all.add(describe(new VkPhysicalDevice(handles.get(i), instance)));
        }
        List<DeviceInfo> ranked = new ArrayList<>(all.stream().filter(d -> d.computeQueueFamily() >= 0).toList());
        ranked.sort(Comparator.comparingInt(DeviceInfo::rank).reversed());
        if (ranked.isEmpty()) {
            return new Found(Availability.unavailable(n.get(0) + " Vulkan device(s), none with a compute queue"),
                    List.of(), List.of(), instance, validation);
        }
        List<String> rejected = new ArrayList<>();
        List<DeviceInfo> usable = new ArrayList<>();
        List<Integer> indices = new ArrayList<>();
        for (int i = 0; i < ranked.size(); i++) {
            DeviceInfo d = ranked.get(i);
            if (d.usable()) {
                usable.add(d);
                indices.add(i);
            } else {
                rejected.add("[" + i + "] " + d.describe() + " lacks " + String.join(", ", d.missing()));
            }
        }
        String selector = VulkanConfig.deviceSelector();
        if (selector != null) {
            int pick = select(ranked, selector);
            if (pick < 0) {
                return new Found(Availability.unavailable("NIBBLE_VULKAN_DEVICE=" + selector + " matches none of "
                        + listing(ranked)), List.of(), List.of(), instance, validation);
            }
            DeviceInfo d = ranked.get(pick);
            if (!d.usable()) {
                return new Found(Availability.unavailable("NIBBLE_VULKAN_DEVICE=" + selector + " picks " + d.describe()
                        + ", which lacks " + String.join(", ", d.missing())), List.of(), List.of(), instance, validation);
            }
            usable = List.of(d);
            indices = List.of(pick);
        }
        if (usable.isEmpty()) {
            return new Found(Availability.unavailable("no usable Vulkan compute device: " + String.join("; ", rejected)),
                    List.of(), List.of(), instance, validation);
        }
        DeviceInfo best = usable.get(0);
        String detail = usable.size() + " usable compute device(s); best: " + best.describe()
                + (validation ? "; validation layer on" : "")
                + (rejected.isEmpty() ? "" : "; not usable: " + String.join("; ", rejected));
        return new Found(Availability.available(detail), List.copyOf(usable), List.copyOf(indices), instance, validation);
    }

    /** An index into {@code ranked}, or the first device whose name contains {@code selector}; -1 if none. */
    static int select(List<DeviceInfo> ranked, String selector) {
        try {
            int i = Integer.parseInt(selector);
            return i >= 0 && i < ranked.size() ? i : -1;
        } catch (NumberFormatException e) {
            String s = selector.toLowerCase(Locale.ROOT);
            for (int i = 0; i < ranked.size(); i++) {
                if (ranked.get(i).name().toLowerCase(Locale.ROOT).contains(s)) {
                    return i;
                }
            }
            return -1;
        }
    }

    private static String listing(List<DeviceInfo> ranked) {
        List<String> s = new ArrayList<>();
        for (int i = 0; i < ranked.size(); i++) {
            s.add("[" + i + "] " + ranked.get(i).describe());
        }
        return String.join(", ", s);
    }

    private static int onMessage(int severity, int types, long pCallbackData, long pUserData) {
        VkDebugUtilsMessengerCallbackDataEXT data = VkDebugUtilsMessengerCallbackDataEXT.create(pCallbackData);
        String sev = (severity & VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT) != 0 ? "ERROR"
                : (severity & VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT) != 0 ? "WARNING" : "INFO";
        String type = (types & VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT) != 0 ? "validation"
                : (types & VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT) != 0 ? "performance" : "general";
        String id = data.pMessageIdName() == null ? "" : data.pMessageIdNameString();
        String text = data.pMessageString();
        ValidationMessages.add(new ValidationMessages.Message(sev, type, id, text));
        LOG.warn("Vulkan {} {} {}: {}", type, sev, id, text);
        return VK_FALSE;
    }

    private static boolean hasLayer(MemoryStack stack, String name) {
        IntBuffer n = stack.mallocInt(1);
        if (vkEnumerateInstanceLayerProperties(n, null) != VK_SUCCESS || n.get(0) == 0) {
            return false;
        }
        VkLayerProperties.Buffer layers = VkLayerProperties.malloc(n.get(0), stack);
        vkEnumerateInstanceLayerProperties(n, layers);
        for (VkLayerProperties l : layers) {
            if (l.layerNameString().equals(name)) {
                return true;
            }
        }
        return false;
    }

    private static boolean hasInstanceExtension(MemoryStack stack, String name) {
        IntBuffer n = stack.mallocInt(1);
        // the validation layer provides debug utils too; the loader lists it among instance extensions
        if (vkEnumerateInstanceExtensionProperties((java.nio.ByteBuffer) null, n, null) != VK_SUCCESS) {
            return false;
        }
        VkExtensionProperties.Buffer ext = VkExtensionProperties.malloc(n.get(0), stack);
        vkEnumerateInstanceExtensionProperties((java.nio.ByteBuffer) null, n, ext);
        for (VkExtensionProperties e : ext) {
            if (e.extensionNameString().equals(name)) {
                return true;
            }
        }
        return false;
    }

    private static DeviceInfo describe(VkPhysicalDevice pd) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            VkPhysicalDeviceProperties p = VkPhysicalDeviceProperties.calloc(stack);
            vkGetPhysicalDeviceProperties(pd, p);
            int api = p.apiVersion();
            String apiStr = VK_API_VERSION_MAJOR(api) + "." + VK_API_VERSION_MINOR(api) + "." + VK_API_VERSION_PATCH(api);
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
            int family = computeFamily(pd, stack);
            var limits = p.limits();
            long maxAlloc = 1L << 30;
            int sgSize = 1;
            boolean sgArith = false;
            boolean bda = false, s8 = false, s16 = false, i8 = false, f16 = false;
            var core = VkPhysicalDeviceFeatures2.calloc(stack).sType$Default();
            if (api >= VK_API_VERSION_1_2) {
                VkPhysicalDeviceMaintenance3Properties m3 = VkPhysicalDeviceMaintenance3Properties.calloc(stack).sType$Default();
                VkPhysicalDeviceSubgroupProperties sg = VkPhysicalDeviceSubgroupProperties.calloc(stack).sType$Default();
                VkPhysicalDeviceProperties2 p2 = VkPhysicalDeviceProperties2.calloc(stack).sType$Default()
                        .pNext(m3).pNext(sg);
                vkGetPhysicalDeviceProperties2(pd, p2);
                maxAlloc = m3.maxMemoryAllocationSize();
                sgSize = sg.subgroupSize();
                sgArith = (sg.supportedOperations() & VK_SUBGROUP_FEATURE_ARITHMETIC_BIT) != 0
                        && (sg.supportedOperations() & VK_SUBGROUP_FEATURE_BASIC_BIT) != 0
                        && (sg.supportedStages() & VK_SHADER_STAGE_COMPUTE_BIT) != 0;
                VkPhysicalDeviceVulkan11Features f11 = VkPhysicalDeviceVulkan11Features.calloc(stack).sType$Default();
                VkPhysicalDeviceVulkan12Features f12 = VkPhysicalDeviceVulkan12Features.calloc(stack).sType$Default();
                core.pNext(f11).pNext(f12);
                vkGetPhysicalDeviceFeatures2(pd, core);
                bda = f12.bufferDeviceAddress();
                s8 = f12.storageBuffer8BitAccess();
                i8 = f12.shaderInt8();
                f16 = f12.shaderFloat16();
                s16 = f11.storageBuffer16BitAccess();
            } else {
                vkGetPhysicalDeviceFeatures(pd, core.features());
            }
            var f = core.features();
            return new DeviceInfo(pd, p.deviceNameString(), kind, apiStr, api, Integer.toHexString(p.driverVersion()),
                    local, family, Integer.toUnsignedLong(limits.maxStorageBufferRange()), maxAlloc,
                    limits.maxComputeSharedMemorySize(), limits.maxPushConstantsSize(),
                    limits.maxComputeWorkGroupCount(0), limits.maxComputeWorkGroupCount(1),
                    limits.maxComputeWorkGroupInvocations(), sgSize, sgArith, bda, s8, s16,
                    f.shaderInt64(), f.shaderInt16(), i8, f16, f.shaderFloat64());
        }
    }

    private static int computeFamily(VkPhysicalDevice pd, MemoryStack stack) {
        IntBuffer n = stack.mallocInt(1);
        vkGetPhysicalDeviceQueueFamilyProperties(pd, n, null);
        VkQueueFamilyProperties.Buffer families = VkQueueFamilyProperties.calloc(n.get(0), stack);
        vkGetPhysicalDeviceQueueFamilyProperties(pd, n, families);
        int any = -1;
        for (int i = 0; i < families.capacity(); i++) {
            int flags = families.get(i).queueFlags();
            if ((flags & VK_QUEUE_COMPUTE_BIT) != 0) {
                if ((flags & VK_QUEUE_GRAPHICS_BIT) == 0) {
                    return i; // a dedicated compute family
                }
                if (any < 0) {
                    any = i;
                }
            }
        }
        return any;
    }

    private static void check(int r, String what) {
        if (r != VK_SUCCESS) {
            throw new IllegalStateException(what + " failed with " + r);
        }
    }
}
