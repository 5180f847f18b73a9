package dev.nibble.tck;

/** Outcome of one case. UNSUPPORTED (the device declined the node) is never counted as a pass. */
public enum TckStatus {
    PASS, FAIL, UNSUPPORTED
}
