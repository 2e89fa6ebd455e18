#!/usr/bin/env bash
# bench/run.sh runs the node's Go benchmarks, prints them as one table, and
# compares them with the previous run in benchstat format.
#
#   bench/run.sh                 # every benchmark, 5 runs each
#   bench/run.sh -count 10       # more runs: tighter confidence intervals
#   bench/run.sh -quick          # 1 run each, shorter: a smoke test (no comparison)
#   bench/run.sh -only 'crypto|store'   # only the rows whose package matches
#
# Files (bench/last*.txt, not committed):
#   bench/last.txt            raw `go test -bench` output of this run
#   bench/last-prev.txt       the run before, which this one is compared with
#   bench/last-benchstat.txt  the full benchstat comparison, every unit
#   bench/last-meta.txt       machine, load average, commit, date
#
# benchstat (golang.org/x/perf/cmd/benchstat) is used from PATH, from
# $(go env GOPATH)/bin, or installed into bench/.bin on first use (the Go
# module proxy serves it).
#
# Other work on the machine changes the figures: the load average before and
# after is printed and kept in bench/last-meta.txt. Compare runs made in
# similar conditions.
set -euo pipefail
cd "$(dirname "$0")/.."

count=5
quick=0
only=.
while [ $# -gt 0 ]; do
	case "$1" in
	-count) count="$2"; shift 2 ;;
	-quick) quick=1; count=1; shift ;;
	-only) only="$2"; shift 2 ;;
	-h|-help|--help) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "bench/run.sh: unknown argument $1 (see -help)" >&2; exit 2 ;;
	esac
done

# The benchmarks: package, -bench regexp, -benchtime, -benchtime with -quick,
# and optionally the most runs (-count) of that line. What each measures is
# in docs/benchmarks.md. The vm Engines lines run each contract benchmark on
# both engines (wasmer, wazero); Compile and CacheLoad make a module per
# iteration, so they run a fixed number of times (wasmer-go aborts a process
# after ~32,000 modules); EngineMemory runs 100,000 calls on 1,000 contracts
# in a process per engine (~30 s a run).
benches=(
	"./crypto ^(BenchmarkVerify|BenchmarkVerifyCached|BenchmarkVerifyBatch|BenchmarkVerifyBatchSize)\$ 1s 200ms"
	"./crypto ^(BenchmarkLtHashAdd|BenchmarkLtHashAddReference)\$ 1s 200ms"
	"./types ^Benchmark(TxEncode|TxDecode|TxHash|BlockEncode|BlockDecode)\$ 1s 200ms"
	"./chain ^BenchmarkStateRootUpdate\$ 1s 200ms"
	"./mempool ^BenchmarkAdd\$ 1s 200ms"
	"./node ^BenchmarkBlockTransfers\$ 10x 2x"
	"./node ^BenchmarkBlockContractCalls\$ 5x 2x"
	"./node ^BenchmarkTxSendHTTP\$ 30000x 2000x"
	"./vm ^Benchmark(StorageCall|EmptyCall|GoCall)\$ 1s 200ms"
	"./vm ^BenchmarkEngines\$/./(EmptyCall|StorageCall|GoCall|Compute)\$ 1s 200ms"
	"./vm ^BenchmarkEngines\$/./(Compile|CacheLoad)\$/^wat- 200x 20x"
	"./vm ^BenchmarkEngines\$/./(Compile|CacheLoad)\$/^go- 1x 1x"
	"./vm ^BenchmarkEngineMemory\$ 1x 1x 3"
	"./vm/instrument ^BenchmarkExec\$ 1s 200ms"
	"./vm ^BenchmarkWorstGasPerSecond\$ 1s 100ms 3"
	"./store ^BenchmarkCommitBlock\$ 20x 3x"
	"./node ^BenchmarkSnapshotSync\$ 1x 1x 3"
	"./p2p ^BenchmarkBlockPropagation\$/^tcp\$ 100x 20x"
)

new=$(mktemp)
trap 'rm -f "$new"' EXIT
load() { cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?"; }
load_before=$(load)
start=$(date +%s)
failed=()
echo "running the benchmarks ($count run(s) each; load average $load_before) ..." >&2
for b in "${benches[@]}"; do
	read -r pkg re bt btq maxcount <<<"$b"
	if ! [[ "$pkg" =~ $only ]]; then continue; fi
	[ "$quick" = 1 ] && bt=$btq
	n=$count
	if [ -n "$maxcount" ] && [ "$n" -gt "$maxcount" ]; then n=$maxcount; fi
	echo "  $pkg $re" >&2
	out=$(go test -run '^$' -bench "$re" -benchtime "$bt" -count "$n" "$pkg" 2>&1) || {
		failed+=("$pkg ($re): $(echo "$out" | grep -m1 -E 'FAIL|cannot|undefined|error' || echo failed)")
	}
	echo "$out" | grep -E '^(goos|goarch|pkg|cpu|Benchmark)' >>"$new" || true
done
load_after=$(load)
secs=$(( $(date +%s) - start ))

if [ -f bench/last.txt ] && [ "$quick" = 0 ]; then
	mv bench/last.txt bench/last-prev.txt
fi
cp "$new" bench/last.txt
{
	echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo ?)$(git diff --quiet 2>/dev/null || echo ' (with local changes)')"
	echo "go: $(go env GOVERSION)"
	echo "cpus: $(nproc) ($(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ //'))"
	echo "load average before: $load_before"
	echo "load average after: $load_after"
	echo "count: $count"
	echo "seconds: $secs"
} >bench/last-meta.txt

# One table: the median of each metric over the runs. Names lose their
# "Benchmark" prefix and GOMAXPROCS suffix; B/op, allocs/op and MB/s are left
# to the raw file.
echo
awk '
function median(key,   n, i, j, t, a) {
	n = cnt[key]
	for (i = 1; i <= n; i++) a[i] = val[key, i]
	for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j+1] = a[j]; a[j+1] = t }
	return (n % 2) ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2
}
function human(v, unit) {
	if (unit == "ns/op") {
		if (v >= 1e9) return sprintf("%.2f s", v / 1e9)
		if (v >= 1e6) return sprintf("%.2f ms", v / 1e6)
		if (v >= 1e3) return sprintf("%.2f us", v / 1e3)
		return sprintf("%.1f ns", v)
	}
	if (v >= 1e6) return sprintf("%.2fM %s", v / 1e6, unit)
	if (v >= 1e4) return sprintf("%.1fk %s", v / 1e3, unit)
	if (v == int(v)) return sprintf("%d %s", v, unit)
	return sprintf("%.3g %s", v, unit)
}
/^pkg: / { pkg = $2; sub(/^github.com\/noded\/noded\//, "", pkg); next }
/^Benchmark/ {
	name = $1; sub(/^Benchmark/, "", name); sub(/-[0-9]+$/, "", name)
	row = pkg " " name
	if (!(row in seen)) { seen[row] = 1; rows[++nrows] = row }
	for (i = 3; i < NF; i += 2) {
		unit = $(i+1)
		if (unit == "B/op" || unit == "allocs/op" || unit == "MB/s") continue
		key = row SUBSEP unit
		if (!(key in cnt)) { units[row] = units[row] " " unit }
		val[key, ++cnt[key]] = $i
	}
}
END {
	printf "%-14s %-46s %12s  %s\n", "package", "benchmark", "time/op", "other metrics (median of runs)"
	for (r = 1; r <= nrows; r++) {
		row = rows[r]; split(row, p, " ")
		t = ""; extra = ""
		n = split(units[row], us, " ")
		for (u = 1; u <= n; u++) {
			m = median(row SUBSEP us[u])
			if (us[u] == "ns/op") t = human(m, "ns/op")
			else extra = extra (extra == "" ? "" : ", ") human(m, us[u])
		}
		printf "%-14s %-46s %12s  %s\n", p[1], p[2], t, extra
	}
}' bench/last.txt

echo
echo "load average before: $load_before, after: $load_after ($(nproc) cpus, $secs s)"
for f in "${failed[@]+"${failed[@]}"}"; do
	echo "FAILED: $f"
done

if [ "$quick" = 1 ]; then
	exit 0
fi
if [ ! -f bench/last-prev.txt ]; then
	echo "no previous run in bench/last-prev.txt: the next run will be compared with this one"
	exit 0
fi

# benchstat: from PATH, GOPATH/bin, or installed into bench/.bin.
benchstat=$(command -v benchstat || true)
if [ -z "$benchstat" ] && [ -x "$(go env GOPATH)/bin/benchstat" ]; then
	benchstat="$(go env GOPATH)/bin/benchstat"
fi
if [ -z "$benchstat" ]; then
	benchstat="$PWD/bench/.bin/benchstat"
	if [ ! -x "$benchstat" ]; then
		echo "installing benchstat into bench/.bin ..." >&2
		GOBIN="$PWD/bench/.bin" go install golang.org/x/perf/cmd/benchstat@latest >&2
	fi
fi
"$benchstat" -table "" bench/last-prev.txt bench/last.txt >bench/last-benchstat.txt 2>&1 || true
echo
echo "compared with the previous run (benchstat, time/op; every unit in bench/last-benchstat.txt):"
"$benchstat" -table "" -filter '.unit:sec/op' bench/last-prev.txt bench/last.txt
