#!/usr/bin/env bash
# Installs the Debian packages the local stack and the integration tests run for real:
# docker-registry (the CNCF Distribution registry), skopeo (an ordinary OCI client the e2e tests push with), and
# chromium (the real browser the board's tests drive with playwright-core: test/e2e/board.test.ts).
# Needs root or sudo; idempotent.
set -euo pipefail
if { command -v docker-registry >/dev/null 2>&1 || [ -x /usr/bin/docker-registry ]; } && command -v skopeo >/dev/null 2>&1 && [ -x /usr/bin/chromium ]; then exit 0; fi
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
echo "tollgate: installing Debian packages docker-registry, skopeo and chromium" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >&2
$SUDO apt-get install -y -qq --no-install-recommends docker-registry skopeo chromium >&2
# The package starts a system service on :5000; Tollgate runs its own registry on a free port instead.
if command -v systemctl >/dev/null 2>&1; then $SUDO systemctl disable --now docker-registry >/dev/null 2>&1 || true; fi
