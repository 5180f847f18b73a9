package dev.nibble.backend.vulkan;

import java.util.ArrayList;
import java.util.List;

/**
 * What the validation layer said, in order: the debug-utils messenger appends here (warnings and
 * errors of every type). In {@link VulkanConfig.Validation#FAIL} mode the device checks this after
 * each submit and throws on anything new; tests assert that it stays empty.
 */
public final class ValidationMessages {
    /** One message: severity and type as words, the message id name and its text. */
    public record Message(String severity, String type, String id, String text) {
        @Override
        public String toString() {
            return severity + "/" + type + " " + id + ": " + text;
        }
    }

    private static final List<Message> MESSAGES = new ArrayList<>();

    private ValidationMessages() {
    }

    static synchronized void add(Message m) {
        MESSAGES.add(m);
    }

    /** Every message so far. */
    public static synchronized List<Message> all() {
        return List.copyOf(MESSAGES);
    }

    public static synchronized int count() {
        return MESSAGES.size();
    }

    /** Messages after the first {@code mark}. */
    public static synchronized List<Message> since(int mark) {
        return List.copyOf(MESSAGES.subList(Math.min(mark, MESSAGES.size()), MESSAGES.size()));
    }

    /** Whether the validation layer is active in this process (requested and present). */
    public static boolean active() {
        return VulkanProbe.run().validationActive();
    }
}
