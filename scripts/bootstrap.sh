#!/usr/bin/env bash
# Installs every Debian package that building, testing and running AzLLM Studio need.
# Idempotent and non-interactive: when everything is present it only checks and exits.
# apt-get update runs only when something is missing.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config
  qt6-base-dev qt6-base-dev-tools libqt6opengl6-dev qt6-l10n-tools qt6-tools-dev qt6-tools-dev-tools
  libtorch-dev libgloo-dev libqcustomplot-dev libqcustomplot2.1-qt6
  libsentencepiece-dev sentencepiece
  libopenblas0-pthread
  xvfb xauth python3-torch python3-numpy
  libgl-dev libvulkan-dev
  nodejs
  lintian desktop-file-utils appstream
)
# npm (for the tokenizer.json check's pinned @huggingface/tokenizers) comes with some Node.js
# builds; Debian's nodejs needs the separate npm package.
if ! command -v npm >/dev/null 2>&1; then
  PACKAGES+=(npm)
fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "bootstrap: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "bootstrap: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "bootstrap: done"
