package dev.nibble.engine.spi;

/** What a device is, for ranking and reports. */
public enum DeviceKind {
    CPU, IGPU, GPU, ACCELERATOR
}
