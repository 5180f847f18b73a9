package dev.nibble.engine.spi;

/** An allocation did not fit on a device. */
public final class DeviceOutOfMemoryException extends BackendException {
    public DeviceOutOfMemoryException(String device, long requested, long free) {
        super("device " + device + " is out of memory: requested " + requested + " bytes, " + free + " free");
    }
}
