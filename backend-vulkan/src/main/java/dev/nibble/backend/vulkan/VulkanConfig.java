package dev.nibble.backend.vulkan;

import java.util.Locale;

/**
 * Settings of the Vulkan backend, each a system property with an environment fallback:
 * <ul>
 *   <li>{@code nibble.vulkan.validation} / {@code NIBBLE_VULKAN_VALIDATION}: {@code off} (default),
 *       {@code on} (VK_LAYER_KHRONOS_validation with a debug-utils messenger; messages are logged) or
 *       {@code fail} (as {@code on}, and any message makes the next device call throw). Tests run with
 *       {@code fail}.</li>
 *   <li>{@code nibble.vulkan.device} / {@code NIBBLE_VULKAN_DEVICE}: an index into the ranked device
 *       list (as {@code nibble backends} shows it) or a fragment of a device name.</li>
 *   <li>{@code nibble.vulkan.staging} / {@code NIBBLE_VULKAN_STAGING}: {@code always} routes every
 *       host transfer through the staging buffer even where device memory is host-visible.</li>
 * </ul>
 */
final class VulkanConfig {
    enum Validation { OFF, ON, FAIL }

    private VulkanConfig() {
    }

    static String setting(String property, String env) {
        String v = System.getProperty(property);
        if (v == null || v.isBlank()) {
            v = System.getenv(env);
        }
        return v == null || v.isBlank() ? null : v.trim();
    }

    static Validation validation() {
        String v = setting("nibble.vulkan.validation", "NIBBLE_VULKAN_VALIDATION");
        if (v == null) {
            return Validation.OFF;
        }
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "fail", "strict", "error" -> Validation.FAIL;
            case "on", "true", "1", "yes", "log" -> Validation.ON;
            default -> Validation.OFF;
        };
    }

    static String deviceSelector() {
        return setting("nibble.vulkan.device", "NIBBLE_VULKAN_DEVICE");
    }

    static boolean stagingAlways() {
        String v = setting("nibble.vulkan.staging", "NIBBLE_VULKAN_STAGING");
        return v != null && v.toLowerCase(Locale.ROOT).equals("always");
    }
}
