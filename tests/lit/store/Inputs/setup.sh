#!/bin/sh
# Fixture shared by the store tests: the same objects written into a git
# repository (<dir>/git, by git) and a clive store (<dir>/store, by clivec), so that
# each test can run one command against both and compare.
# Usage: setup.sh <clivec> <dir>
#
#   a.txt  blob ccab05d8b9bd12b02264085fcfdd6d6c14cde114
#   empty  tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904
#   tree   tree 72e6fcaeb9dcc97c997c766c50df6d0ca13be2aa  (mktree.txt: every mode,
#          names that git quotes)
#   c1     commit 7423940c8caf633e92467b4a1ee62cf8d99bfb89  "first commit"
#   c2     commit fe4f75bbc16d1366caed18d744740d522fb54372  parent c1, with a body
#   c3     commit 09dc3d5c70edd845cbcfe97351e7be363cffaa58  parent c2
set -e
clivec=$1
out=$2
in=$(dirname "$0")/objects
rm -rf "$out"
mkdir -p "$out"
git init -q --bare --initial-branch=main "$out/git"
"$clivec" store init "$out/store" > /dev/null
git -C "$out/git" hash-object -w "$in/a.txt" > /dev/null
git -C "$out/git" hash-object -w -t tree /dev/null > /dev/null
git -C "$out/git" mktree --missing < "$in/mktree.txt" > /dev/null
git -C "$out/git" cat-file tree 72e6fcaeb9dcc97c997c766c50df6d0ca13be2aa > "$out/tree.bin"
for c in c1 c2 c3; do git -C "$out/git" hash-object -w -t commit "$in/$c.txt" > /dev/null; done
# The same bytes through clivec (each call writes its objects in one transaction).
"$clivec" store hash-object --store "$out/store" -w "$in/a.txt" > /dev/null
"$clivec" store hash-object --store "$out/store" -w -t tree /dev/null "$out/tree.bin" > /dev/null
"$clivec" store hash-object --store "$out/store" -w -t commit "$in/c1.txt" "$in/c2.txt" "$in/c3.txt" > /dev/null
