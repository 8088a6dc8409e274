#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Makes a clean source tree anycastd-VERSION in DIR: the files git knows
# about (tracked, plus untracked ones not ignored), without build dirs.
# With --ref REF, the tree of that commit instead (git archive), as a release
# build would. With --tarball, DIR/anycastd-VERSION.tar.gz instead of a tree.
# Prints the path it made.
#
#   packaging/make-source.sh [--ref REF] [--tarball] DIR
set -eu
ref=""
tarball=false
while [ $# -gt 1 ]; do
  case "$1" in
    --ref) ref=$2; shift 2 ;;
    --tarball) tarball=true; shift ;;
    *) break ;;
  esac
done
[ $# -eq 1 ] || { echo "usage: $0 [--ref REF] [--tarball] DIR" >&2; exit 2; }
out=$1
top=$(cd "$(dirname "$0")/.." && pwd)
version=$(sed -n 's/^project(anycastd VERSION \([0-9.]*\).*/\1/p' "$top/CMakeLists.txt")
[ -n "$version" ] || { echo "$0: no version in CMakeLists.txt project()" >&2; exit 1; }
name=anycastd-$version
mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -rf "${out:?}/$name" "$out/$name.tar.gz"
if [ -n "$ref" ]; then
  git -C "$top" archive --format=tar --prefix="$name/" "$ref" >"$out/$name.tar"
else
  # Files that exist now (a tracked file deleted in the worktree is left out).
  # shellcheck disable=SC2016
  (cd "$top" && git ls-files -z --cached --others --exclude-standard |
    xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh |
    tar --null -T - --transform "s,^,$name/," --owner=0 --group=0 -cf "$out/$name.tar")
fi
if $tarball; then
  gzip -n -f "$out/$name.tar"
  echo "$out/$name.tar.gz"
else
  tar -xf "$out/$name.tar" -C "$out"
  rm -f "$out/$name.tar"
  echo "$out/$name"
fi
