#!/usr/bin/env bash
# Configures and builds AzLLM Studio into build/ (Ninja, -j2 by default; AZLLM_JOBS overrides).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@"
cmake --build build -j "${AZLLM_JOBS:-2}"
