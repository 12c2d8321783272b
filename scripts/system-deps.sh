#!/usr/bin/env bash
# Installs the Debian packages genarch needs outside pip, when they are missing.
# As root (CI, a fresh Debian machine) it runs apt-get; otherwise it names what to install.
# Usage: scripts/system-deps.sh PACKAGE:CHECK_COMMAND ...
#   e.g. scripts/system-deps.sh "python3-venv:python3 -m venv --help"
set -u
missing=()
for spec in "$@"; do
  pkg=${spec%%:*}; check=${spec#*:}
  bash -c "$check" >/dev/null 2>&1 || missing+=("$pkg")
done
((${#missing[@]})) || exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || { echo "apt-get could not install: ${missing[*]}" >&2; exit 1; }
else
  echo "genarch needs these Debian packages: ${missing[*]}" >&2
  echo "install them with: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
