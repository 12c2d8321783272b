#!/usr/bin/env bash
# Stops the install with one line, before pip starts, when a fresh .venv would not fit: the
# torch build pip resolves here is a CUDA build, about 5.6 GB installed, and the whole .venv is
# about 6.4 GB (measured with `du -sh .venv`, 2026-11). pip's own error for a full disk is an
# OSError halfway through an install that leaves a broken venv behind.
# Usage: scripts/disk-check.sh DIR NEEDED_GIB
set -u
dir=$1; need_gib=$2
probe=$dir; while [ ! -d "$probe" ]; do probe=$(dirname "$probe"); done
free_kib=$(df -Pk "$probe" | awk 'NR==2 {print $4}')
free_gib=$(( free_kib / 1024 / 1024 ))
if [ "$free_gib" -lt "$need_gib" ]; then
  echo "genarch's install needs about $need_gib GB free on the disk holding $dir; $free_gib GB are free" >&2
  exit 2
fi
