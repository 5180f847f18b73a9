// Shared declarations of every Nibble compute shader: buffers are reached through buffer device
// addresses passed in push constants (no descriptor sets), so a kernel can take any number of
// tensors at any byte offset and no binding is limited by maxStorageBufferRange.
#extension GL_EXT_buffer_reference : require
#extension GL_EXT_shader_explicit_arithmetic_types_int64 : require
#extension GL_EXT_shader_8bit_storage : require
#extension GL_EXT_shader_16bit_storage : require

layout(buffer_reference, std430, buffer_reference_align = 4) buffer BufF32 { float d[]; };
layout(buffer_reference, std430, buffer_reference_align = 4) buffer BufU32 { uint d[]; };
layout(buffer_reference, std430, buffer_reference_align = 4) buffer BufI32 { int d[]; };
layout(buffer_reference, std430, buffer_reference_align = 2) buffer BufU16 { uint16_t d[]; };
layout(buffer_reference, std430, buffer_reference_align = 1) buffer BufU8 { uint8_t d[]; };
layout(buffer_reference, std430, buffer_reference_align = 8) buffer BufU64 { uint64_t d[]; };
layout(buffer_reference, std430, buffer_reference_align = 8) buffer BufI64 { int64_t d[]; };

// dtype codes shared with the Java side (VkKernels.dtypeCode)
#define DT_F32 0
#define DT_F16 1
#define DT_BF16 2
#define DT_I64 3
#define DT_I32 4

// IEEE binary16 bits -> float, exactly (subnormals included; no reliance on the driver's denormal mode)
float f16_to_f32(uint h) {
    uint s = (h & 0x8000u) << 16;
    uint e = (h >> 10) & 0x1fu;
    uint m = h & 0x3ffu;
    if (e == 0u) {
        if (m == 0u) {
            return uintBitsToFloat(s);
        }
        float v = float(m) * 5.9604644775390625e-8; // m * 2^-24: exact, and a normal float
        return s != 0u ? -v : v;
    }
    if (e == 31u) {
        return uintBitsToFloat(s | 0x7f800000u | (m << 13));
    }
    return uintBitsToFloat(s | ((e + 112u) << 23) | (m << 13));
}

// float -> binary16 bits, round to nearest even, exactly as Java's Float.floatToFloat16
uint f32_to_f16(float f) {
    uint x = floatBitsToUint(f);
    uint s = (x >> 16) & 0x8000u;
    uint ax = x & 0x7fffffffu;
    if (ax > 0x7f800000u) { // NaN: keep the payload's high bits
        return s | 0x7c00u | ((x & 0x007fe000u) >> 13) | ((x & 0x00001ff0u) >> 4) | (x & 0x0000000fu);
    }
    if (ax >= 0x477ff000u) { // >= 65520 rounds to infinity
        return s | 0x7c00u;
    }
    if (ax >= 0x38800000u) { // normal binary16
        uint r = (ax - 0x38000000u) >> 13;
        uint rem = ax & 0x1fffu;
        if (rem > 0x1000u || (rem == 0x1000u && (r & 1u) != 0u)) {
            r++;
        }
        return s | r;
    }
    uint e = ax >> 23;
    if (e < 102u) { // below 2^-25: rounds to zero
        return s;
    }
    uint mm = (ax & 0x7fffffu) | 0x800000u;
    uint shift = 126u - e; // 14..24
    uint r = mm >> shift;
    uint rem = mm & ((1u << shift) - 1u);
    uint hb = 1u << (shift - 1u);
    if (rem > hb || (rem == hb && (r & 1u) != 0u)) {
        r++;
    }
    return s | r;
}

float bf16_to_f32(uint h) {
    return uintBitsToFloat(h << 16);
}

// float -> bfloat16 bits, round to nearest even, NaN kept quiet (as Tensor.floatToBf16)
uint f32_to_bf16(float f) {
    uint bits = floatBitsToUint(f);
    if ((bits & 0x7fffffffu) > 0x7f800000u) {
        return ((bits >> 16) | 0x40u) & 0xffffu;
    }
    return ((bits + 0x7fffu + ((bits >> 16) & 1u)) >> 16) & 0xffffu;
}

// element i of a float tensor of dtype dt (F32, F16 or BF16) as a float
float load_f(uint64_t base, uint i, int dt) {
    if (dt == DT_F16) {
        return f16_to_f32(uint(BufU16(base).d[i]));
    }
    if (dt == DT_BF16) {
        return bf16_to_f32(uint(BufU16(base).d[i]));
    }
    return BufF32(base).d[i];
}

uint div_up(uint a, uint b) {
    return (a + b - 1u) / b;
}
