#!/usr/bin/env bash
# Install the Debian packages the portal needs, if any are missing.
#   scripts/system-packages.sh run    packages to run the portal (WeasyPrint's Pango, a CJK font,
#                                     poppler's pdftoppm for thumbnails of PDF assets)
#   scripts/system-packages.sh test   those plus what the tests need (Chromium, Java)
# As root it uses apt-get; otherwise sudo when it can; else it prints the command and stops.
set -euo pipefail

RUN_PACKAGES=(python3 python3-venv python3-pip libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b
  libharfbuzz-subset0 libfontconfig1 fonts-dejavu-core fonts-wqy-zenhei poppler-utils)
TEST_PACKAGES=(chromium default-jre-headless)

packages=("${RUN_PACKAGES[@]}")
[[ "${1:-run}" == "test" ]] && packages+=("${TEST_PACKAGES[@]}")

missing=()
for pkg in "${packages[@]}"; do
  if [[ "$pkg" == default-jre-headless ]] && command -v java >/dev/null 2>&1; then continue; fi
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done
((${#missing[@]} == 0)) && exit 0

echo "Installing system packages: ${missing[*]}"
if [[ $(id -u) -eq 0 ]]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  SUDO=(sudo)
else
  echo "Cannot install system packages without root. Please run:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
