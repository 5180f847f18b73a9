#version 460
// Cast between F32, F16, BF16, I64 and I32 on bits: floats round to nearest even, floats to integers
// truncate toward zero and saturate with NaN -> 0 (Java's casts), integers to floats round to nearest.
#include "common.glsl"
layout(local_size_x = 256) in;
layout(push_constant) uniform Params { uint64_t x; uint64_t y; uint n; int from; int to; } p;

bool isInt(int dt) { return dt == DT_I64 || dt == DT_I32; }

void main() {
    int FROM = p.from;
    int TO = p.to;
    uint stride = gl_NumWorkGroups.x * 256u;
    for (uint i = gl_GlobalInvocationID.x; i < p.n; i += stride) {
        int64_t iv = 0;
        float fv = 0.0;
        if (FROM == DT_I64) {
            iv = BufI64(p.x).d[i];
        } else if (FROM == DT_I32) {
            iv = int64_t(BufI32(p.x).d[i]);
        } else {
            fv = load_f(p.x, i, FROM);
        }
        if (TO == DT_I64 || TO == DT_I32) {
            int64_t r;
            if (isInt(FROM)) {
                r = iv;
            } else if (TO == DT_I64) {
                if (isnan(fv)) {
                    r = 0;
                } else if (fv >= 9.223372036854775807e18) {
                    r = 0x7fffffffffffffffl;
                } else if (fv <= -9.223372036854775808e18) {
                    r = int64_t(0x8000000000000000ul);
                } else {
                    r = int64_t(fv);
                }
            } else {
                if (isnan(fv)) {
                    r = 0;
                } else if (fv >= 2147483647.0) {
                    r = 2147483647l;
                } else if (fv <= -2147483648.0) {
                    r = -2147483648l;
                } else {
                    r = int64_t(int(fv));
                }
            }
            if (TO == DT_I64) {
                BufI64(p.y).d[i] = r;
            } else {
                BufI32(p.y).d[i] = int(r); // I64 -> I32 keeps the low 32 bits, as Java's (int)
            }
        } else {
            float f = isInt(FROM) ? float(iv) : fv;
            if (TO == DT_F32) {
                BufU32(p.y).d[i] = floatBitsToUint(f);
            } else if (TO == DT_F16) {
                BufU16(p.y).d[i] = uint16_t(f32_to_f16(f));
            } else {
                BufU16(p.y).d[i] = uint16_t(f32_to_bf16(f));
            }
        }
    }
}
