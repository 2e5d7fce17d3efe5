#!/usr/bin/env bash
# Runs every package's test suite, one package at a time (the suite is sized for 2 cores).
set -euo pipefail
cd "$(dirname "$0")/.."
exec pnpm -r --workspace-concurrency=1 --if-present --reporter-hide-prefix run test
