#version 460
// Constant padding of an F32 tensor (bit-exact copies; the pad value's bits as given).
#include "common.glsl"
layout(local_size_x = 256) in;
layout(push_constant) uniform Params {
    uint64_t src; uint64_t dst; uint n; uint rank; uint odim[6]; uint before[6]; uint idim[6]; uint value;
} p;
void main() {
    uint stride = gl_NumWorkGroups.x * 256u;
    for (uint i = gl_GlobalInvocationID.x; i < p.n; i += stride) {
        uint rem = i;
        uint s = 0u;
        uint mul = 1u;
        bool inside = true;
        for (int d = int(p.rank) - 1; d >= 0; d--) {
            uint c = rem % p.odim[d];
            rem /= p.odim[d];
            int ic = int(c) - int(p.before[d]);
            if (ic < 0 || ic >= int(p.idim[d])) {
                inside = false;
            }
            s += uint(ic) * mul;
            mul *= p.idim[d];
        }
        BufU32(p.dst).d[i] = inside ? BufU32(p.src).d[s] : p.value;
    }
}
