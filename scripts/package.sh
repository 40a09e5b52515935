#!/usr/bin/env bash
# Builds the .deb and the relocatable .tar.gz with CPack and checks them: the .deb's Depends
# (derived by dpkg-shlibdeps), lintian (when installed), desktop-file-validate, appstreamcli, and
# the packaged binaries themselves: `azllm --version` and a short headless training on the demo
# corpus run from a dpkg-deb extraction and from the unpacked tarball in temporary folders.
# Usage: bash scripts/package.sh [BUILD_DIR]   (default build/, configured by scripts/build.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build}"
[ -f "$build/CPackConfig.cmake" ] || { echo "package.sh: $build is not configured; run bash scripts/build.sh first" >&2; exit 1; }
cmake --build "$build" -j2
rm -rf "$build/packages"
(cd "$build" && cpack -G "DEB;TGZ" >/dev/null)
deb="$(ls "$build"/packages/azllm-studio_*_amd64.deb)"
tgz="$(ls "$build"/packages/azllm-studio_*_amd64.tar.gz)"
echo "built $deb ($(du -h "$deb" | cut -f1)) and $tgz ($(du -h "$tgz" | cut -f1))"

depends="$(dpkg-deb -f "$deb" Depends)"
echo "Depends: $depends"
for pkg in libqt6widgets6 libtorch1.13 libqcustomplot2.1-qt6 libsentencepiece0 libopenblas0-pthread; do
  grep -q "$pkg" <<<"$depends" || { echo "package.sh: Depends lacks $pkg" >&2; exit 1; }
done
files="$(dpkg-deb -c "$deb")"
for f in ./usr/bin/azllm ./usr/bin/azllm-studio ./usr/lib/azllm/libazllm_spm.so ./usr/share/applications/io.github.azllm.studio.desktop \
         ./usr/share/icons/hicolor/scalable/apps/io.github.azllm.studio.svg ./usr/share/metainfo/io.github.azllm.studio.metainfo.xml \
         ./usr/share/man/man1/azllm.1.gz ./usr/share/azllm/corpus/az_udhr.txt ./usr/share/doc/azllm-studio/copyright; do
  grep -q " $f\$" <<<"$files" || { echo "package.sh: the .deb lacks $f" >&2; exit 1; }
done

desktop-file-validate installer/io.github.azllm.studio.desktop
appstreamcli validate --no-net --pedantic installer/io.github.azllm.studio.metainfo.xml >/dev/null || \
  appstreamcli validate --no-net installer/io.github.azllm.studio.metainfo.xml
if command -v lintian >/dev/null; then
  # Errors fail the check; warnings are printed.
  lintian --fail-on error --suppress-tags no-manual-page "$deb" || { echo "package.sh: lintian found errors" >&2; exit 1; }
else
  echo "package.sh: lintian is not installed; skipped (scripts/bootstrap.sh installs it)"
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
smoke() { # $1 = bin folder of an unpacked package
  "$1/azllm" --version
  "$1/azllm" train --corpus demo --run-dir "$tmp/run-$2" --vocab-size 400 --block-size 32 --batch-size 4 \
    --max-epochs 2 --threads 1 >/dev/null
  "$1/azllm" info "$tmp/run-$2" | head -2
}
dpkg-deb -x "$deb" "$tmp/deb"
smoke "$tmp/deb/usr/bin" deb
mkdir "$tmp/anywhere"
tar -xzf "$tgz" -C "$tmp/anywhere"
smoke "$(ls -d "$tmp"/anywhere/azllm-studio_*)/bin" tgz
echo "package.sh: both packages work"
