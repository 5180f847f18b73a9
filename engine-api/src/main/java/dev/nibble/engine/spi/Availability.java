package dev.nibble.engine.spi;

/** Whether a backend can run here, and in words why (or why not). */
public record Availability(boolean available, String reason) {
    public static Availability available(String detail) {
        return new Availability(true, detail);
    }

    public static Availability unavailable(String reason) {
        return new Availability(false, reason);
    }
}
