package dev.nibble.engine.spi;

/** Bytes a device allocator holds now and the most it ever held (its high-water mark). */
public record AllocatorStats(long inUseBytes, long highWaterBytes) {
}
