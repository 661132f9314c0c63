#!/bin/sh
# Build the libFuzzer targets with clang (libFuzzer needs it; the rest of
# ferry builds with the default compiler) and run each briefly on a copy of
# its seed corpus. A crash, a leak or undefined behaviour fails the test
# and leaves the input that caused it in $work/crash-*.
#   run.sh SRCDIR BUILDDIR [SECONDS per target, default 10]
set -eu
src=$1
build=$2
secs=${3:-${FERRY_FUZZ_SECONDS:-10}}
cc=$(command -v clang || command -v clang-14 || true)
if [ -z "$cc" ]; then
    echo "fuzz: clang is not installed (.ci/setup installs it)" >&2
    exit 1
fi
work=$(mktemp -d /tmp/ferry-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
san="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
flags="-O1 -g -std=c11 -D_GNU_SOURCE -I$src/include $san"
flags="$flags $(pkg-config --cflags json-c inih ncursesw)"
libs="$(pkg-config --libs json-c inih ncursesw) -lm -lpthread"

# Every pure-C source the targets reach (the server and its protocol
# too), and the two generated INI tables.
objs=""
for f in "$src"/src/core/*.c "$src"/src/engine/*.c "$src"/src/log/*.c \
         "$src"/src/hv/sim/*.c "$src"/src/job/*.c "$src"/src/server/*.c \
         "$src"/src/ui/theme.c "$build"/policies_ini.c "$build"/demo_ini.c; do
    o="$work/$(basename "$f" .c).o"
    "$cc" $flags -fsanitize=fuzzer-no-link -DFERRY_THEMEDIR=\"/nonexistent\" \
        -DFERRY_SRC_THEMEDIR=\"/nonexistent\" -c "$f" -o "$o"
    objs="$objs $o"
done

status=0
for t in flightlog config theme protocol notice evaclog; do
    case $t in
        flightlog) corpus=flightlog ;;
        evaclog) corpus=evaclog ;;
        config) corpus=ini ;;
        theme) corpus=theme ;;
        protocol) corpus=protocol ;;
        notice) corpus=notice ;;
    esac
    "$cc" $flags -fsanitize=fuzzer "$src/tests/fuzz/fuzz_$t.c" $objs $libs \
        -o "$work/fuzz_$t"
    mkdir -p "$work/corpus-$t"
    cp "$src/tests/fuzz/corpus/$corpus"/* "$work/corpus-$t/"
    if (cd "$work" && ASAN_OPTIONS=detect_leaks=1 \
        UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
        "./fuzz_$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 "corpus-$t" >"$work/$t.log" 2>&1); then
        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$t.log")
        echo "fuzz_$t: ${runs:-?} inputs in ${secs}s, no crash"
    else
        echo "fuzz_$t: FAILED" >&2
        tail -60 "$work/$t.log" >&2
        for c in "$work"/crash-* "$work"/leak-* "$work"/timeout-*; do
            [ -e "$c" ] && echo "input: $c" >&2 && od -c "$c" | head -20 >&2
        done
        status=1
    fi
done
exit $status
