# Shared by the tmux tests: sourced after FERRY is set. Each test gets its
# own tmux server (killed at the end) and temporary directory.
# KEY_DELAY: seconds to wait after each keys call (0: none).
command -v tmux >/dev/null || { echo "tmux is required"; exit 1; }
TMP=$(mktemp -d)
SOCK="ferry-e2e-$$"
# ferry's servers for this test live in its own runtime directory (the
# tmux server and every pane inherit it) and are stopped by their PIDs.
export XDG_RUNTIME_DIR="$TMP/run"
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
server_pids() { cat "$XDG_RUNTIME_DIR"/ferry/*.pid 2>/dev/null; }
stop_servers() {
    for p in $(server_pids); do
        kill "$p" 2>/dev/null
        i=0; while kill -0 "$p" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    done
}
cleanup() { tmux -L "$SOCK" kill-server 2>/dev/null; stop_servers; rm -rf "$TMP"; }
trap cleanup EXIT
trap "exit 130" INT TERM
printf 'set -g default-terminal tmux-256color\nset -g remain-on-exit on\n' >"$TMP/tmux.conf"
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $1"; }
no() { fail=$((fail + 1)); echo "not ok - $1"; tmux -L "$SOCK" capture-pane -p -t "$S" 2>/dev/null | sed 's/^/# /'; }
screen() { tmux -L "$SOCK" capture-pane -p -t "$S"; }
keys() {
    tmux -L "$SOCK" send-keys -t "$S" "$@"
    [ "${KEY_DELAY:-0}" = 0 ] || sleep "$KEY_DELAY"
}
# Every wait lasts at least E2E_MIN_WAIT seconds (default 60) before it
# fails: a state that will come costs only its own time, and a sanitized
# build on a slow, loaded machine may need many times what it needs here.
# The SECONDS a test names is what it expects, never a deadline below that.
waits() { [ "$1" -gt "${E2E_MIN_WAIT:-60}" ] && echo "$1" || echo "${E2E_MIN_WAIT:-60}"; }
# wait_for TEXT SECONDS DESC: poll the screen until TEXT shows.
wait_for() {
    i=0 n=$(waits "$2")
    while [ $i -lt $((n * 5)) ]; do
        if screen | grep -qF -- "$1"; then ok "$3"; return 0; fi
        sleep 0.2; i=$((i + 1))
    done
    no "$3 (no '$1' within $n s)"; return 1
}
# gone TEXT SECONDS DESC: poll the screen until TEXT is not on it. Keys
# sent just before may not have been drawn yet, so one snapshot decides
# nothing: wait (generously) for the state that must come. Put a wait_for
# on the screen the keys lead to first when TEXT might only show later.
gone() {
    i=0 n=$(waits "$2")
    while [ $i -lt $((n * 5)) ]; do
        if ! screen | grep -qF -- "$1"; then ok "$3"; return 0; fi
        sleep 0.2; i=$((i + 1))
    done
    no "$3 ('$1' still there after $n s)"; return 1
}
finish() { echo "$pass passed, $fail failed"; [ "$fail" -eq 0 ]; }
