#!/usr/bin/env bash
# Rebuild static/vendor/editor/editor.js (Tiptap, a ProseMirror editor) and its
# licences from the npm registry, at the versions pinned in
# assets/editor/package-lock.json. Needs Node.js and npm; the app itself never
# does: the built file is committed and served from static/.
set -euo pipefail
cd "$(dirname "$0")/../assets/editor"
npm ci --no-audit --no-fund
out=../../static/vendor/editor
mkdir -p "$out"
npx esbuild src/index.js --bundle --minify --format=iife --global-name=HuibianEditorKit \
  --target=es2019 --legal-comments=none --metafile=node_modules/.meta.json --outfile="$out/editor.js"
node collect-licences.mjs node_modules/.meta.json "$out/LICENSES.txt"
echo "built $out/editor.js ($(wc -c <"$out/editor.js") bytes) and $out/LICENSES.txt"
