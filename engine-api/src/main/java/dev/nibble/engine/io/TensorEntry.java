package dev.nibble.engine.io;

import dev.nibble.engine.tensor.TensorSpec;

/** One validated header entry: its spec and byte range [begin, end) relative to the data section. */
record TensorEntry(String name, TensorSpec spec, long begin, long end) {
    long byteSize() {
        return end - begin;
    }
}
