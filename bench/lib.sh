# Helpers the benchmark scripts share (sourced, not run): the median of numbers, one timed run,
# and the sizegate binary that is timed.

# The median of the numbers on stdin, one per line.
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# Runs a command, its output thrown away; prints its wall time in seconds (bash's EPOCHREALTIME,
# in microseconds).
timed() {
  local start end
  start=$EPOCHREALTIME
  "$@" > /dev/null
  end=$EPOCHREALTIME
  awk -v a="$start" -v b="$end" 'BEGIN { print b - a }'
}

# The sizegate binary to time: $SIZEGATE when set (bench/run.sh passes the copy it times, so that
# every row of one run is the same binary), else this tree's release build, built now.
sizegate_binary() {
  if [ -n "${SIZEGATE:-}" ]; then
    echo "$SIZEGATE"
  else
    cargo build --release --quiet --bin sizegate
    echo target/release/sizegate
  fi
}
