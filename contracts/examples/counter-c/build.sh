#!/bin/sh
# Builds counter.wasm from src/counter.c with clang and lld (Debian:
# apt-get install clang lld). Run from this folder.
set -eu
cd "$(dirname "$0")"
exec clang --target=wasm32 -O2 -nostdlib -fno-builtin -Wl,--no-entry -Wl,--strip-all -o "${1:-counter.wasm}" src/counter.c
