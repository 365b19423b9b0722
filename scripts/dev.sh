#!/usr/bin/env bash
# The two set-up commands in the README:
#   bash scripts/dev.sh start [-- tollgate local flags]   run Tollgate locally, end to end
#   bash scripts/dev.sh test                              run the whole test suite (and the e2e signing suite
#                                                         once more on plain Distribution)
# Each makes sure of Node 24, `npm ci` and the Debian packages first, so a fresh machine needs nothing else.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=ensure-node.sh
source scripts/ensure-node.sh
bash scripts/ensure-system.sh
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "tollgate: npm ci" >&2
  npm ci --no-audit --no-fund --loglevel=error >&2
fi
cmd="${1:-}"; shift || true
case "$cmd" in
  test)
    npm test -- "$@"
    # The suite above runs on the ECR front (TOLLGATE_REGISTRY_MODE unset: ecr), the referrers API production
    # takes. The e2e signing suite runs once more against plain Distribution, so the tag-schema fallback is tested
    # end to end against a real registry too. Only for the whole suite: a run of chosen files is left as asked.
    if [ "$#" -eq 0 ]; then
      echo "tollgate: the e2e signing suite again, on plain Distribution (TOLLGATE_REGISTRY_MODE=distribution)" >&2
      TOLLGATE_REGISTRY_MODE=distribution npx jest test/e2e/signing.test.ts
    fi
    ;;
  start) [ "${1:-}" = "--" ] && shift; exec npm start -- "$@" ;;
  *) echo "usage: bash scripts/dev.sh test | start [-- flags]" >&2; exit 2 ;;
esac
