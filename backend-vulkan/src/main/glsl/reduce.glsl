// Workgroup-wide sum and max of one float per invocation (WG_SIZE invocations). With USE_SUBGROUP
// (compiled as the "_sg" variant, chosen when the device has subgroup arithmetic) each subgroup
// reduces in registers first and only one value per subgroup goes through shared memory.
#ifdef USE_SUBGROUP
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_arithmetic : require
shared float nb_red[WG_SIZE];
float wg_sum(float v) {
    float s = subgroupAdd(v);
    if (subgroupElect()) {
        nb_red[gl_SubgroupID] = s;
    }
    barrier();
    float t = 0.0;
    for (uint i = 0u; i < gl_NumSubgroups; i++) {
        t += nb_red[i];
    }
    barrier();
    return t;
}
float wg_max(float v) {
    float s = subgroupMax(v);
    if (subgroupElect()) {
        nb_red[gl_SubgroupID] = s;
    }
    barrier();
    float t = nb_red[0];
    for (uint i = 1u; i < gl_NumSubgroups; i++) {
        t = max(t, nb_red[i]);
    }
    barrier();
    return t;
}
#else
shared float nb_red[WG_SIZE];
float wg_sum(float v) {
    uint l = gl_LocalInvocationIndex;
    nb_red[l] = v;
    barrier();
    for (uint s = WG_SIZE / 2u; s > 0u; s >>= 1) {
        if (l < s) {
            nb_red[l] += nb_red[l + s];
        }
        barrier();
    }
    float t = nb_red[0];
    barrier();
    return t;
}
float wg_max(float v) {
    uint l = gl_LocalInvocationIndex;
    nb_red[l] = v;
    barrier();
    for (uint s = WG_SIZE / 2u; s > 0u; s >>= 1) {
        if (l < s) {
            nb_red[l] = max(nb_red[l], nb_red[l + s]);
        }
        barrier();
    }
    float t = nb_red[0];
    barrier();
    return t;
}
#endif
