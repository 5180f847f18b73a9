#version 460
// Strided row copy of raw elements of ELEM bytes (1, 2, 4 or 8): rows × cols elements from
// src[r·srcStride + c] to dst[r·dstStride + c]. Copy, Reshape, Concat and Slice are made of it.
#include "common.glsl"
layout(local_size_x = 256) in;
layout(constant_id = 0) const int ELEM = 4;
layout(push_constant) uniform Params { uint64_t src; uint64_t dst; uint rows; uint cols; uint srcStride; uint dstStride; } p;
void main() {
    uint n = p.rows * p.cols;
    uint stride = gl_NumWorkGroups.x * 256u;
    for (uint i = gl_GlobalInvocationID.x; i < n; i += stride) {
        uint r = i / p.cols;
        uint c = i - r * p.cols;
        uint s = r * p.srcStride + c;
        uint d = r * p.dstStride + c;
        if (ELEM == 1) {
            BufU8(p.dst).d[d] = BufU8(p.src).d[s];
        } else if (ELEM == 2) {
            BufU16(p.dst).d[d] = BufU16(p.src).d[s];
        } else if (ELEM == 8) {
            BufU64(p.dst).d[d] = BufU64(p.src).d[s];
        } else {
            BufU32(p.dst).d[d] = BufU32(p.src).d[s];
        }
    }
}
