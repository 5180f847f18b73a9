// pack.cl: is a packed copy of constant weights (PackCache) still current?
//
// nb_fingerprint compares NB_SAMPLES + 1 words spread over a source buffer's bytes (4-byte words at
// evenly spaced positions, the last at the end) with the ones saved when the copy was made, saves
// the new ones, and raises state[0] if any differ (or when told to: a new copy). The packing kernels
// that follow on the in-order queue do nothing while state[0] == 0. Slot s of a multi-source copy
// keeps its samples at state[1 + s·(NB_SAMPLES + 1) ..]; slot 0 resets the flag, later slots OR it.

#define NB_SAMPLES 256

__kernel void nb_fingerprint(__global const uchar* src, long off, long bytes, __global uint* state, int slot,
                             int force) {
    if (get_global_id(0) != 0) {
        return;
    }
    src += off;
    __global uint* saved = state + 1 + (size_t) slot * (NB_SAMPLES + 1);
    uint differs = force;
    for (int i = 0; i <= NB_SAMPLES; i++) {
        uint v = 0;
        if (bytes >= 4) {
            const long pos = i == NB_SAMPLES ? bytes - 4 : ((bytes - 4) / NB_SAMPLES) * i;
            v = (uint) src[pos] | ((uint) src[pos + 1] << 8) | ((uint) src[pos + 2] << 16) | ((uint) src[pos + 3] << 24);
        } else if (i < bytes) {
            v = src[i];
        }
        if (saved[i] != v) {
            differs = 1;
            saved[i] = v;
        }
    }
    state[0] = slot == 0 ? differs : (state[0] | differs);
}
