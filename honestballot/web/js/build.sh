#!/usr/bin/env bash
# Build honestballot/web/static/honestballot-crypto.js from src/ (needs Node.js 20+ and npm).
# Idempotent: the same sources and lock file give a byte-identical bundle.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
npm ci --no-audit --no-fund --loglevel=error
npm run --silent build
