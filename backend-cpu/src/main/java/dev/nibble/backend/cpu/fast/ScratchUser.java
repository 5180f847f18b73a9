package dev.nibble.backend.cpu.fast;

/** A kernel that uses the shared per-worker scratch; says how much, for memory reports. */
interface ScratchUser {
    long scratchBytesPerWorker();
}
