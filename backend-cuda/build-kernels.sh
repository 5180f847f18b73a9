#!/usr/bin/env bash
# Builds the CUDA kernels fatbin for the Nibble CUDA backend (run by Maven in generate-resources).
#
#   build-kernels.sh SRC_DIR OUT_DIR [CLASSES_DIR]
#                                             compile SRC_DIR/*.cu into OUT_DIR/dev/nibble/backend/cuda/nibble_kernels.fatbin
#                                             (when skipping, a stale copy in CLASSES_DIR is removed too)
#   build-kernels.sh --check-jar JAR          verify that JAR carries the fatbin whenever this machine has nvcc
#
# One fatbin: SASS for sm_75, sm_80, sm_86, sm_89, sm_90, sm_120 plus compute_90 PTX, uncompressed
# (so the host tests can read the cubins' symbol tables without cuobjdump). Incremental: nvcc is
# skipped when the fatbin is newer than every source and this script. Without nvcc the build goes
# on with a warning, writes no fatbin, and the backend reports "no kernels built".
# Environment: NVCC (path to nvcc), NIBBLE_SKIP_NVCC=1 (never compile), NIBBLE_NVCC_THREADS (default 2),
# NIBBLE_NVCC_FLAGS (extra flags, e.g. "-Xptxas -v").
set -euo pipefail

ARCHS=(75 80 86 89 90 120)
PTX_ARCH=90
RES_PATH=dev/nibble/backend/cuda
FATBIN_NAME=nibble_kernels.fatbin
INFO_NAME=nibble_kernels.properties

find_nvcc() {
  if [ -n "${NVCC:-}" ] && [ -x "$NVCC" ]; then echo "$NVCC"; return 0; fi
  if command -v nvcc >/dev/null 2>&1; then command -v nvcc; return 0; fi
  for c in /usr/local/cuda/bin/nvcc /usr/local/bin/nvcc /opt/cuda/bin/nvcc; do
    if [ -x "$c" ]; then echo "$c"; return 0; fi
  done
  return 1
}

if [ "${1:-}" = "--check-jar" ]; then
  jar="${2:?usage: build-kernels.sh --check-jar JAR}"
  if [ "${NIBBLE_SKIP_NVCC:-0}" = 1 ] || ! find_nvcc >/dev/null; then
    echo "[build-kernels] no nvcc here: not requiring the fatbin in $(basename "$jar")"
    exit 0
  fi
  if ! unzip -l "$jar" "$RES_PATH/$FATBIN_NAME" >/dev/null 2>&1; then
    echo "[build-kernels] ERROR: $jar lacks $RES_PATH/$FATBIN_NAME although nvcc is present" >&2
    exit 1
  fi
  size=$(unzip -l "$jar" "$RES_PATH/$FATBIN_NAME" | awk 'NR==4 {print $1}')
  echo "[build-kernels] $(basename "$jar") carries $RES_PATH/$FATBIN_NAME ($size bytes)"
  exit 0
fi

src="${1:?usage: build-kernels.sh SRC_DIR OUT_DIR}"
out="${2:?usage: build-kernels.sh SRC_DIR OUT_DIR}"
classes="${3:-}"
dest="$out/$RES_PATH"
fatbin="$dest/$FATBIN_NAME"
info="$dest/$INFO_NAME"
mkdir -p "$dest"

drop_fatbin() { # no kernels this build: remove the fatbin and any copy the resources step made earlier
  rm -f "$fatbin"
  if [ -n "$classes" ]; then rm -f "$classes/$RES_PATH/$FATBIN_NAME"; fi
}

write_info() { # built reason
  {
    echo "built=$1"
    echo "reason=$2"
    if [ "$1" = true ]; then
      echo "archs=$(printf 'sm_%s,' "${ARCHS[@]}")compute_$PTX_ARCH"
      echo "nvcc=$("$nvcc" --version | sed -n 's/.*release \([0-9.]*\).*/\1/p')"
    fi
  } > "$info.tmp"
  mv "$info.tmp" "$info"
}

if [ "${NIBBLE_SKIP_NVCC:-0}" = 1 ]; then
  echo "[build-kernels] WARNING: NIBBLE_SKIP_NVCC=1: CUDA kernels not built; the cuda backend will report 'no kernels built'" >&2
  drop_fatbin
  write_info false "NIBBLE_SKIP_NVCC=1 at build time"
  exit 0
fi
if ! nvcc="$(find_nvcc)"; then
  echo "[build-kernels] WARNING: nvcc not found (set NVCC or put it on PATH): CUDA kernels not built; the cuda backend will report 'no kernels built'" >&2
  drop_fatbin
  write_info false "nvcc was not found at build time"
  exit 0
fi

shopt -s nullglob
units=("$src"/*.cu)
if [ "${#units[@]}" -ne 1 ]; then
  echo "[build-kernels] ERROR: expected exactly one translation unit in $src (it #includes the .cuh files), found ${#units[@]}" >&2
  exit 1
fi

# Up to date? (the fatbin newer than every source file and this script)
if [ -f "$fatbin" ] && [ -f "$info" ] && grep -q '^built=true' "$info"; then
  newer="$(find "$src" "$0" -type f -newer "$fatbin" -print -quit)"
  if [ -z "$newer" ]; then
    echo "[build-kernels] $FATBIN_NAME is up to date ($(stat -c %s "$fatbin") bytes)"
    exit 0
  fi
fi

gencode=()
for a in "${ARCHS[@]}"; do
  if [ "$a" = "$PTX_ARCH" ]; then
    gencode+=("-gencode=arch=compute_$a,code=[sm_$a,compute_$a]")
  else
    gencode+=("-gencode=arch=compute_$a,code=sm_$a")
  fi
done

echo "[build-kernels] compiling ${units[0]##*/} for sm_$(IFS=,; echo "${ARCHS[*]}" | sed 's/,/, sm_/g') + compute_$PTX_ARCH PTX with $nvcc ..."
start=$(date +%s)
# shellcheck disable=SC2086
"$nvcc" -fatbin -O3 -std=c++17 --threads "${NIBBLE_NVCC_THREADS:-2}" -compress-mode=none \
  "${gencode[@]}" ${NIBBLE_NVCC_FLAGS:-} -o "$fatbin.tmp" "${units[0]}"
mv "$fatbin.tmp" "$fatbin"
write_info true "built by nvcc at build time"
echo "[build-kernels] wrote $fatbin ($(stat -c %s "$fatbin") bytes) in $(( $(date +%s) - start )) s"
