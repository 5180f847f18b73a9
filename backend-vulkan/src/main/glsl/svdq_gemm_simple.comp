#version 460
// SvdqLinear, pass 2 for any even group size: one invocation per output, int32 accumulation per
// group, reading qweight bytes (two nibbles each) and the packed activation words of pass 1.
#include "common.glsl"
#include "math.glsl"
layout(local_size_x = 256) in;
layout(push_constant) uniform Params {
    uint64_t qx; uint64_t sx; uint64_t t; uint64_t qw; uint64_t ws; uint64_t up; uint64_t b; uint64_t y;
    uint M; uint N; uint groups; uint KW; uint r; uint G; int wsdt; int updt; int bdt; int epi;
} p;
#define WSDT p.wsdt
#define UPDT p.updt
#define BDT p.bdt
#define EPI p.epi
void main() {
    uint total = p.M * p.N;
    uint stride = gl_NumWorkGroups.x * 256u;
    uint halfD = p.groups * p.G / 2u; // qweight bytes per row
    for (uint o = gl_GlobalInvocationID.x; o < total; o += stride) {
        uint m = o / p.N, n = o - (o / p.N) * p.N;
        float acc = 0.0;
        for (uint g = 0u; g < p.groups; g++) {
            int d = 0;
            for (uint k = g * p.G; k < (g + 1u) * p.G; k++) {
                uint a = BufU32(p.qx).d[m * p.KW + k / 8u];
                int xv = int(a << (28u - 4u * (k % 8u))) >> 28;
                uint bb = uint(BufU8(p.qw).d[n * halfD + k / 2u]);
                int wv = int(bb << ((k & 1u) == 0u ? 28u : 24u)) >> 28;
                d += xv * wv;
            }
            acc = fma(BufF32(p.sx).d[m * p.groups + g] * load_f(p.ws, g * p.N + n, WSDT), float(d), acc);
        }
        for (uint j = 0u; j < p.r; j++) {
            acc = fma(BufF32(p.t).d[m * p.r + j], load_f(p.up, n * p.r + j, UPDT), acc);
        }
        if (BDT >= 0) acc += load_f(p.b, n, BDT);
        BufF32(p.y).d[o] = act(EPI, acc);
    }
}
