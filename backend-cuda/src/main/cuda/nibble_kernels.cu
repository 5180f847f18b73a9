// The Nibble CUDA kernels: one translation unit, compiled by build-kernels.sh into one fatbin
// (SASS for sm_75, sm_80, sm_86, sm_89, sm_90, sm_120 and compute_90 PTX) that the Java backend
// loads with cuModuleLoadData. Every kernel is extern "C" so its symbol is its name; the op ->
// symbol table lives in dev.nibble.backend.cuda.KernelNames and a host test checks it against the
// symbols of every cubin in the fatbin.
#include "common.cuh"
#include "elementwise.cuh"
#include "rows.cuh"
#include "layout.cuh"
#include "pool.cuh"
#include "gemm.cuh"
#include "attention.cuh"
#include "svdq.cuh"
