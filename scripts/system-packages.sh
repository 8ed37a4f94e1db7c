#!/usr/bin/env bash
# Install the Debian packages Huibian needs, if any are missing.
#   scripts/system-packages.sh run    what the web app needs (Pango for WeasyPrint, CJK fonts,
#                                     LibreOffice Writer to convert .doc/.wps/.odt/.rtf imports,
#                                     ClamAV's clamd to scan uploads; the tests start their own clamd)
#   scripts/system-packages.sh test   the same plus Chromium for the browser tests, and npm (for
#                                     axe-core, the accessibility check) when none is on the PATH
# As root it installs them (apt-get update once, then apt-get install -y);
# otherwise it names the missing packages and the command to install them.
set -euo pipefail

purpose="${1:-run}"
# fonts-noto-cjk-extra: the heavy Song of titles; fonts-arphic-gkai00mp: 楷体 (app/domain/proceedings/typesetting/fonts.py)
# libharfbuzz-subset0: one font program per face for the whole book (typesetting/font_merge.py)
packages=(python3-venv libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk fonts-noto-cjk-extra fonts-arphic-gkai00mp
          fonts-noto-core poppler-utils libreoffice-writer-nogui util-linux clamav-daemon clamav)
if [ "$purpose" = "test" ]; then
  packages+=(chromium)
  command -v npm >/dev/null 2>&1 || packages+=(npm)
fi

if ! command -v dpkg >/dev/null 2>&1; then
  echo "system-packages: not a Debian system; make sure Pango, the Noto CJK fonts, LibreOffice Writer (soffice), ClamAV (clamd, sigtool) and Chromium are installed." >&2
  exit 0
fi

missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  echo "system-packages: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fc-cache -f >/dev/null 2>&1 || true
else
  echo "system-packages: missing Debian packages: ${missing[*]}" >&2
  echo "  Install them as root:  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
