#!/usr/bin/env bash
# The whole test suite: installs what is missing (scripts/ensure-deps.sh), then `mvn -B verify`
# over every module (unit tests, and the it-tests module's checks against the real kernel
# eCryptfs), then a summary. Exit 0 only when the build and every test passed.
# Runs from any directory. Extra arguments go to Maven (e.g. -Dtest=WrappedPassphraseTest
# -Dsurefire.failIfNoSpecifiedTests=false).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

scripts/ensure-deps.sh

# reports of an earlier run must not be counted if a module does not get to its tests this time
rm -rf ./*/target/surefire-reports ./*/target/failsafe-reports

start=$(date +%s)
set +e
mvn -B verify "$@"
rc=$?
set -e
secs=$(( $(date +%s) - start ))

# per-module counts from the JUnit XML reports
total_t=0 total_f=0 total_e=0 total_s=0
echo
echo "== ucryptfs test summary =="
for dir in */target/surefire-reports */target/failsafe-reports; do
    [ -d "$dir" ] || continue
    t=0 f=0 e=0 s=0
    for x in "$dir"/TEST-*.xml; do
        [ -f "$x" ] || continue
        line="$(grep -m1 -o '<testsuite [^>]*' "$x")"
        get() { echo "$line" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*' || echo 0; }
        t=$((t + $(get tests))); f=$((f + $(get failures))); e=$((e + $(get errors))); s=$((s + $(get skipped)))
    done
    printf '  %-40s %4d tests, %d failed, %d errors, %d skipped\n' "$dir" "$t" "$f" "$e" "$s"
    total_t=$((total_t + t)); total_f=$((total_f + f)); total_e=$((total_e + e)); total_s=$((total_s + s))
done
passed=$((total_t - total_f - total_e - total_s))
failed=$((total_f + total_e))
echo "  time: ${secs}s, maven exit code: $rc"
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
    echo "  BUILD FAILED before or outside the tests (see Maven's output above)"
fi
if [ "$total_t" -eq 0 ] && [ "$rc" -eq 0 ]; then
    echo "  no test ran: treating that as a failure"
    rc=1
fi
echo "tests: $passed passed, $failed failed, $total_s skipped"
if [ "$rc" -eq 0 ]; then echo "RESULT: PASS"; else echo "RESULT: FAIL"; fi
exit "$rc"
