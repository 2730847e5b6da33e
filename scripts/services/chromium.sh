#!/usr/bin/env bash
# Debian's Chromium for the browser tests: test/e2e/web.test.ts drives it with playwright-core
# (a browser is never downloaded). Installs it when missing. Usage: chromium.sh install
SERVICE_NAME=chromium
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

case "${1:-}" in
  install) ensure_packages chromium=/usr/bin/chromium ;;
  *) die "usage: $(basename "$0") install" ;;
esac
