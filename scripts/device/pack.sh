#!/usr/bin/env bash
# Packs what the GPU machine lacks into .device/ (git-ignored; the device tool carries it with
# carry: [".device"]): this machine's Node (binary, headers for node-gyp, npm with its node-gyp) and
# the node_modules the device check runs on (the runtime dependencies, tsx and esbuild). Both are
# x86-64 Linux builds; the GPU machine is x86-64 too. See docs/gpu.md.
#
#   bash scripts/device/pack.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
[ "$(uname -m)" = x86_64 ] || { echo "pack.sh: this machine is $(uname -m); the GPU machine needs x86-64 builds" >&2; exit 1; }
mkdir -p .device
rm -f .device/node-v*-linux-x64.tar.xz .device/node_modules.tar.xz

# Node as nodejs.org lays it out: bin/node, include/node, lib/node_modules/npm.
prefix=$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")
name=node-$(node --version)-linux-x64
for p in bin/node include/node lib/node_modules/npm; do
  [ -e "$prefix/$p" ] || { echo "pack.sh: $prefix/$p is missing (node-gyp needs the headers and npm's node-gyp)" >&2; exit 1; }
done
tar -C "$prefix" --transform "s,^,$name/," -cf - bin/node include/node lib/node_modules/npm | xz -T0 -6 > ".device/$name.tar.xz"

# The packages the check imports: the production dependency tree, plus tsx and esbuild (dev ones).
mapfile -t mods < <( (npm query '.prod'; npm query '#tsx, #tsx *') | node -e '
  const seen = new Set();
  for (const chunk of require("fs").readFileSync(0, "utf8").split(/\n(?=\[)/)) for (const p of JSON.parse(chunk)) if (p.location) seen.add(p.location);
  console.log([...seen].sort().join("\n"));')
tar -cf - "${mods[@]}" | xz -T0 -6 > .device/node_modules.tar.xz
du -b .device/*.tar.xz
