#!/usr/bin/env bash
# Runs the fuzz targets (cargo fuzz on nightly) at low priority, one at a time.
#
#   fuzz/run.sh                 every target, 60 s each
#   fuzz/run.sh yaml 300        one target, 300 s
#   fuzz/run.sh all 120         every target, 120 s each
#
# New corpus entries go to fuzz/target/corpus/<target>/ (not committed); the committed seeds in
# fuzz/corpus/<target>/ and the fixed crashers in fuzz/regressions/<target>/ are read only.
# Crashes are written to fuzz/artifacts/<target>/: minimise one with
# `cargo +nightly fuzz tmin <target> <file>`, fix it, and keep it in fuzz/regressions/<target>/
# so `cargo test --test fuzz_corpus` replays it on stable.
# Environment: FUZZ_FORK=N runs N fuzzing processes per target in fork mode, carrying on past
# crashes (each still saved); FUZZ_ARGS adds libFuzzer flags.
set -euo pipefail
cd "$(dirname "$0")"
TARGETS=(yaml catalog render template search status config)
target=${1:-all}
seconds=${2:-60}
fork=${FUZZ_FORK:-0}
if ! cargo +nightly fuzz --version > /dev/null 2>&1; then
  echo "cargo-fuzz and a nightly toolchain are needed:" >&2
  echo "  rustup toolchain install nightly && cargo install cargo-fuzz" >&2
  exit 2
fi
if [ "$target" = all ]; then
  selected=("${TARGETS[@]}")
else
  selected=("$target")
fi
# Release with debug assertions (overflow checks), no sanitizer: greenroom is safe Rust, and
# the fuzzer runs several times faster without AddressSanitizer.
build_flags=(-O -a -s none)
status=0
for t in "${selected[@]}"; do
  work="target/corpus/$t"
  mkdir -p "$work" "regressions/$t" "artifacts/$t"
  echo "== $t: ${seconds}s" >&2
  args=(-max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048
        -artifact_prefix="artifacts/$t/" -print_final_stats=1)
  if [ "$fork" -gt 0 ]; then
    args+=(-fork="$fork" -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
  fi
  # shellcheck disable=SC2086
  nice -n 19 cargo +nightly fuzz run "${build_flags[@]}" "$t" "$work" "corpus/$t" "regressions/$t" \
    -- "${args[@]}" ${FUZZ_ARGS:-} || status=1
done
exit $status
