package dev.nibble.engine.spi;

/** A device's answer to "can you run this node?", with the reason when it cannot. */
public record Support(boolean supported, String reason) {
    public static final Support YES = new Support(true, "");

    public static Support no(String reason) {
        return new Support(false, reason);
    }
}
