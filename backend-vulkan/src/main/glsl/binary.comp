#version 460
// Element-wise ADD/SUB/MUL/DIV (mode = BinaryFn ordinal) with NumPy broadcasting: the host collapses
// the output shape to at most 6 axes and passes each input's stride per axis (0 where broadcast).
#include "common.glsl"
layout(local_size_x = 256) in;
layout(push_constant) uniform Params {
    uint64_t a; uint64_t b; uint64_t y; uint n; uint rank; int mode; uint dim[6]; uint sa[6]; uint sb[6];
} p;
void main() {
    uint stride = gl_NumWorkGroups.x * 256u;
    for (uint i = gl_GlobalInvocationID.x; i < p.n; i += stride) {
        uint rem = i;
        uint ia = 0u, ib = 0u;
        for (int d = int(p.rank) - 1; d >= 0; d--) {
            uint c = rem % p.dim[d];
            rem /= p.dim[d];
            ia += c * p.sa[d];
            ib += c * p.sb[d];
        }
        float u = BufF32(p.a).d[ia];
        float v = BufF32(p.b).d[ib];
        float r;
        if (p.mode == 0) {
            r = u + v;
        } else if (p.mode == 1) {
            r = u - v;
        } else if (p.mode == 2) {
            r = u * v;
        } else {
            r = u / v;
        }
        BufF32(p.y).d[i] = r;
    }
}
