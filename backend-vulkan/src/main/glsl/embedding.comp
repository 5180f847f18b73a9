#version 460
// Row gather: y[i, :] = table[ids[i], :] as F32 (bit-exact). An id outside [0, V) writes zeros and
// reports (position, id) in the dispatch's status slot; the host turns it into a KernelException.
#include "common.glsl"
layout(local_size_x = 256) in;
layout(push_constant) uniform Params { uint64_t table; uint64_t ids; uint64_t y; uint64_t status; uint n; uint D; uint V; int tdt; int idt; } p;
#define TDT p.tdt
#define IDT p.idt
void main() {
    uint total = p.n * p.D;
    uint stride = gl_NumWorkGroups.x * 256u;
    for (uint e = gl_GlobalInvocationID.x; e < total; e += stride) {
        uint i = e / p.D, d = e - (e / p.D) * p.D;
        int64_t id = IDT == DT_I64 ? BufI64(p.ids).d[i] : int64_t(BufI32(p.ids).d[i]);
        if (id < 0 || id >= int64_t(p.V)) {
            BufU32(p.y).d[e] = 0u;
            if (d == 0u && atomicCompSwap(BufU32(p.status).d[0], 0u, 1u) == 0u) {
                BufU32(p.status).d[1] = i;
                BufU32(p.status).d[2] = uint(uint64_t(id) & 0xffffffffu);
                BufU32(p.status).d[3] = uint(uint64_t(id) >> 32);
            }
            continue;
        }
        uint src = uint(id) * p.D + d;
        uint bits;
        if (TDT == DT_F16) {
            bits = floatBitsToUint(f16_to_f32(uint(BufU16(p.table).d[src])));
        } else if (TDT == DT_BF16) {
            bits = uint(BufU16(p.table).d[src]) << 16;
        } else {
            bits = BufU32(p.table).d[src];
        }
        BufU32(p.y).d[e] = bits;
    }
}
