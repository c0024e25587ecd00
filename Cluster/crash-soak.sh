#!/usr/bin/env bash
# Kill-and-restart soak: runs the crash test (a node process killed with SIGKILL mid-traffic,
# then restarted and checked) for many seeds. Usage: Cluster/crash-soak.sh [CYCLES] [FIRST-SEED]
# Stops at the first failing seed and prints it; rerun one seed with
#   SWITCHBOARD_CRASH_SEEDS=<seed> swift test --filter CrashTests
set -euo pipefail
cd "$(dirname "$0")/.."
cycles=${1:-500}
first=${2:-1000}
swift build --build-tests >/dev/null
for ((seed = first; seed < first + cycles; seed += 10)); do
  seeds=$(seq -s, "$seed" "$((seed + 9 < first + cycles - 1 ? seed + 9 : first + cycles - 1))")
  if ! SWITCHBOARD_CRASH_SEEDS="$seeds" swift test --skip-build --filter CrashTests >"/tmp/switchboard-soak-$seed.log" 2>&1; then
    echo "crash soak FAILED among seeds $seeds; log: /tmp/switchboard-soak-$seed.log"
    grep -E "✘" "/tmp/switchboard-soak-$seed.log" | head -20
    exit 1
  fi
  rm -f "/tmp/switchboard-soak-$seed.log"
  echo "seeds $seeds: passed"
done
echo "crash soak: $cycles cycles passed"
