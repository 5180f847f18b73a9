#version 460
// Adaptive-norm modulation y[b, l, d] = x · (1 + scale[b, d]) + shift[b, d].
#include "common.glsl"
layout(local_size_x = 256) in;
layout(push_constant) uniform Params { uint64_t x; uint64_t sc; uint64_t sh; uint64_t y; uint B; uint L; uint D; } p;
void main() {
    uint total = p.B * p.L * p.D;
    uint stride = gl_NumWorkGroups.x * 256u;
    for (uint i = gl_GlobalInvocationID.x; i < total; i += stride) {
        uint d = i % p.D;
        uint b = i / (p.L * p.D);
        uint t = b * p.D + d;
        BufF32(p.y).d[i] = fma(BufF32(p.x).d[i], 1.0 + BufF32(p.sc).d[t], BufF32(p.sh).d[t]);
    }
}
