#!/usr/bin/env bash
# Rebuilds web/dist/ from web/src/ with the npm packages pinned in
# package-lock.json. Needs Node.js 20 and npm; cargo does not run this.
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund
node build.mjs
