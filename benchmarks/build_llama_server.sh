#!/usr/bin/env bash
# Build llama.cpp's own `llama-server` (continuous batching, --parallel N slots) from the
# llama.cpp sources vendored in the llama-cpp-python source distribution of the installed
# version, CPU only, into .cache/llama-server/ (git-ignored). Idempotent: a finished build of
# the same version is reused. Prints the binary's path as the last line of stdout.
#
#   benchmarks/build_llama_server.sh            # uses .venv/bin/python, else python3
#   PYTHON=/path/to/python benchmarks/build_llama_server.sh
#   JOBS=2 LLAMA_SERVER_CACHE=/tmp/ls benchmarks/build_llama_server.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
python="${PYTHON:-}"
if [ -z "$python" ]; then
  if [ -x "$root/.venv/bin/python" ]; then python="$root/.venv/bin/python"; else python=python3; fi
fi
cache="${LLAMA_SERVER_CACHE:-$root/.cache/llama-server}"
jobs="${JOBS:-$(nproc)}"

version="$("$python" -c 'import importlib.metadata as m; print(m.version("llama_cpp_python"))')" || {
  echo "llama-cpp-python is not installed for $python: pip install 'llmvalues[local]'" >&2
  exit 1
}
binary="$cache/bin/llama-server"
stamp="$cache/bin/VERSION"
if [ -x "$binary" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$version" ]; then
  echo "$binary"
  exit 0
fi

mkdir -p "$cache/src"
sdist="$cache/src/llama_cpp_python-$version.tar.gz"
if [ ! -f "$sdist" ]; then
  echo "downloading the llama-cpp-python $version source distribution" >&2
  "$python" -m pip download --quiet --no-binary :all: --no-deps \
    "llama-cpp-python==$version" -d "$cache/src" >&2
fi
sources="$cache/src/llama_cpp_python-$version"
if [ ! -f "$sources/vendor/llama.cpp/CMakeLists.txt" ]; then
  rm -rf "$sources"
  tar -xzf "$sdist" -C "$cache/src"
fi

# CPU only, static (one self-contained binary), no web UI (its assets would be downloaded),
# no HTTPS; llama.cpp no longer uses libcurl. Native CPU flags: the binary is built where it runs.
build="$cache/build-$version"
echo "building llama-server $version with $jobs jobs in $build" >&2
cmake -S "$sources/vendor/llama.cpp" -B "$build" -G Ninja \
  -DCMAKE_BUILD_TYPE=Release \
  -DBUILD_SHARED_LIBS=OFF \
  -DLLAMA_BUILD_SERVER=ON \
  -DLLAMA_BUILD_TESTS=OFF \
  -DLLAMA_BUILD_EXAMPLES=OFF \
  -DLLAMA_BUILD_UI=OFF \
  -DLLAMA_USE_PREBUILT_UI=OFF \
  -DLLAMA_OPENSSL=OFF \
  -DGGML_NATIVE="${GGML_NATIVE:-ON}" >&2
cmake --build "$build" --target llama-server -j "$jobs" >&2

mkdir -p "$cache/bin"
cp "$build/bin/llama-server" "$binary.tmp"
mv "$binary.tmp" "$binary"
echo "$version" >"$stamp"
"$binary" --version >&2
echo "$binary"
