#version 460
// Axis permutation of raw ELEM-byte elements: output element i (row-major over dim[0..rank)) reads
// input element Σ coord[d]·st[d] (st: the input stride of the axis that output axis d comes from).
#include "common.glsl"
layout(local_size_x = 256) in;
layout(constant_id = 0) const int ELEM = 4;
layout(push_constant) uniform Params { uint64_t src; uint64_t dst; uint n; uint rank; uint dim[6]; uint st[6]; } p;
void main() {
    uint stride = gl_NumWorkGroups.x * 256u;
    for (uint i = gl_GlobalInvocationID.x; i < p.n; i += stride) {
        uint rem = i;
        uint s = 0u;
        for (int d = int(p.rank) - 1; d >= 0; d--) {
            uint c = rem % p.dim[d];
            rem /= p.dim[d];
            s += c * p.st[d];
        }
        if (ELEM == 1) {
            BufU8(p.dst).d[i] = BufU8(p.src).d[s];
        } else if (ELEM == 2) {
            BufU16(p.dst).d[i] = BufU16(p.src).d[s];
        } else if (ELEM == 8) {
            BufU64(p.dst).d[i] = BufU64(p.src).d[s];
        } else {
            BufU32(p.dst).d[i] = BufU32(p.src).d[s];
        }
    }
}
