#!/usr/bin/env bash
# Compiles every GLSL compute shader of this directory to SPIR-V at build time:
#   NAME.comp -> OUT/NAME.spv, plus OUT/NAME_SUFFIX.spv for each "//!variant SUFFIX -DDEFINES..." line.
# Called by exec-maven-plugin in generate-resources. glslc (shaderc) is required: CI installs it.
set -euo pipefail
src="$1"
out="$2"
GLSLC="${GLSLC:-glslc}"
if ! command -v "$GLSLC" > /dev/null 2>&1; then
  echo "ERROR: backend-vulkan needs glslc (shaderc's GLSL compiler) to build its SPIR-V shaders, and '$GLSLC' is not on PATH." >&2
  echo "ERROR: install it (Debian/Ubuntu: apt-get install glslc; or the LunarG Vulkan SDK) or set GLSLC=/path/to/glslc." >&2
  exit 1
fi
mkdir -p "$out"
# the newest header: a change to one recompiles everything
newest_header=0
for h in "$src"/*.glsl; do
  t=$(stat -c %Y "$h"); [ "$t" -gt "$newest_header" ] && newest_header=$t
done
script_time=$(stat -c %Y "${BASH_SOURCE[0]}")
[ "$script_time" -gt "$newest_header" ] && newest_header=$script_time
compiled=0
compile() { # name source defines...
  local name="$1" file="$2"; shift 2
  local target="$out/$name.spv"
  if [ -f "$target" ]; then
    local tt st; tt=$(stat -c %Y "$target"); st=$(stat -c %Y "$file")
    if [ "$tt" -ge "$st" ] && [ "$tt" -ge "$newest_header" ]; then
      return 0
    fi
  fi
  "$GLSLC" --target-env=vulkan1.2 -O -fshader-stage=compute -I "$src" "$@" -o "$target.tmp" "$file"
  mv "$target.tmp" "$target"
  compiled=$((compiled + 1))
}
count=0
for f in "$src"/*.comp; do
  name=$(basename "$f" .comp)
  compile "$name" "$f"
  count=$((count + 1))
  while read -r _ suffix defines; do
    # shellcheck disable=SC2086
    compile "${name}_${suffix}" "$f" $defines
    count=$((count + 1))
  done < <(grep -E '^//!variant ' "$f" || true)
done
echo "backend-vulkan shaders: $count SPIR-V modules ($compiled rebuilt) in $out"
