package dev.nibble.engine.exec;

/** Wall time of one node on its device (measured only when timing is on). */
public record NodeTiming(String node, String op, String device, long nanos) {
}
