#!/usr/bin/env bash
# Detection benchmark: `kexin detect` beside rsigma 0.23 on the same events,
# all SigmaHQ rules loaded, one core each (taskset), run one after the other.
#
#   cargo install rsigma --version 0.23.0 --locked   # the anchor, once
#   scripts/bench-detect/run.sh                       # builds kexin (release), generates events, measures
#
# Environment: RSIGMA (path to rsigma, default: on PATH), KEXIN_BENCH_EVENTS
# (JSON events per set, default 100000), KEXIN_BENCH_SSHD_LINES (default
# 500000), CPU (core to pin to, default 0). Results: target/bench-detect/.
set -euo pipefail
cd "$(dirname "$0")/../.."
RULES=${RULES:-../shared/data/sigma/rules}
RSIGMA=${RSIGMA:-$(command -v rsigma || true)}
CPU=${CPU:-0}
OUT=target/bench-detect
[ -d "$RULES" ] || { echo "no Sigma rules at $RULES (set RULES=…)" >&2; exit 2; }
[ -x "$RSIGMA" ] || { echo "rsigma not found: cargo install rsigma --version 0.23.0 --locked (or set RSIGMA=…)" >&2; exit 2; }
"$RSIGMA" --version | grep -q " 0.23" || echo "warning: $("$RSIGMA" --version) is not rsigma 0.23" >&2
cargo build --release -p kexin --locked
KEXIN=target/release/kexin
mkdir -p "$OUT"
python3 scripts/bench-detect/gen_events.py "$OUT/events" "$(dirname "$RULES")/regression_data"

# name | kexin arguments | rsigma arguments | kexin input | rsigma input
sets=(
  "windows|--pipeline windows-flat|-p sysmon|windows.ndjson|windows.ndjson"
  "cloudtrail|||cloudtrail.ndjson|cloudtrail.ndjson"
  "mixed|--pipeline windows-flat|-p sysmon|mixed.ndjson|mixed.ndjson"
  "sshd|||sshd.log|sshd.ndjson"
)

measure() { # label outfile command… → prints "seconds peak_kib" for the run
  local label=$1 out=$2; shift 2
  /usr/bin/time -f "%e %M" -o "$OUT/$label.time" taskset -c "$CPU" "$@" >"$out" 2>"$OUT/$label.stderr" || true
  tail -n 1 "$OUT/$label.time"
}

# Rule loading is measured once per tool on an empty input and subtracted,
# so the figures are events per second of evaluation.
: >"$OUT/empty.ndjson"
read -r k_load _ < <(measure kexin-load /dev/null $KEXIN detect --rules "$RULES" --format json "$OUT/empty.ndjson")
read -r r_load _ < <(measure rsigma-load /dev/null "$RSIGMA" engine eval -r "$RULES" -e @"$OUT/empty.ndjson")

printf '| set | events | kexin s (eval) | kexin events/s | kexin peak MB | rsigma s (eval) | rsigma events/s | rsigma peak MB | speed-up | kexin matches | rsigma matches |\n'
printf '|---|---|---|---|---|---|---|---|---|---|---|\n'
for s in "${sets[@]}"; do
  IFS='|' read -r name kargs rargs kin rin <<<"$s"
  n=$(wc -l <"$OUT/events/$kin")
  read -r kt km < <(measure "kexin-$name" "$OUT/kexin-$name.ndjson" $KEXIN detect --rules "$RULES" $kargs --format json "$OUT/events/$kin")
  read -r rt rm < <(measure "rsigma-$name" "$OUT/rsigma-$name.ndjson" "$RSIGMA" engine eval -r "$RULES" $rargs -e @"$OUT/events/$rin")
  python3 - "$name" "$n" "$kt" "$km" "$k_load" "$rt" "$rm" "$r_load" "$OUT" <<'PY'
import sys
name, n, kt, km, kl, rt, rm, rl, out = sys.argv[1:]
n = int(n); ke = max(float(kt) - float(kl), 1e-3); re_ = max(float(rt) - float(rl), 1e-3)
count = lambda p: sum(1 for _ in open(p))
kc, rc = count(f"{out}/kexin-{name}.ndjson"), count(f"{out}/rsigma-{name}.ndjson")
print(f"| {name} | {n} | {ke:.2f} | {n/ke:,.0f} | {int(km)/1024:.0f} | {re_:.2f} | {n/re_:,.0f} | {int(rm)/1024:.0f} | {re_/ke:.1f}× | {kc} | {rc} |")
PY
done
echo
echo "rule loading: kexin ${k_load}s, rsigma ${r_load}s (subtracted above)"
python3 scripts/bench-detect/compare.py "$OUT" "$RULES" windows cloudtrail mixed sshd
