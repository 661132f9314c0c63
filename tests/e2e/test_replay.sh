#!/bin/sh
# Replaying flight logs in a real terminal: `ferry replay FILE` on its own
# (play, seek, events, summary, what-if, resize, ASCII, NO_COLOR, a log cut
# short), an evacuation's summary log as a timeline, and the console's
# :logs opening one.
set -u
FERRY=${1:?usage: test_replay.sh path/to/ferry}
. "$(dirname "$0")/lib.sh"
export HOME="$TMP/home" XDG_STATE_HOME="$TMP/state"
LOGS="$TMP/state/ferry/logs"
mkdir -p "$LOGS"
"$FERRY" --demo migrate cache-01 --to hv-01 --log "$LOGS/20260101T000000Z-cache-01-1.jsonl" >/dev/null 2>&1
"$FERRY" --demo migrate web-01 --to hv-02 --log "$LOGS/20260101T010000Z-web-01-2.jsonl" >/dev/null 2>&1
LOG="$LOGS/20260101T000000Z-cache-01-1.jsonl"
start() { # name command env...
    S=$1 cmd=$2; shift 2
    tmux -L "$SOCK" -f "$TMP/tmux.conf" new-session -d -s "$S" -x 80 -y 24 \
        "env HOME=$HOME XDG_STATE_HOME=$XDG_STATE_HOME $* $cmd; echo EXIT=\$?; sleep 60"
}

start replay "$FERRY replay $LOG" LANG=C.UTF-8
wait_for "ferry replay" 10 "ferry replay opens the log"
wait_for "sample 1/" 5 "the replay starts at the first sample, paused"
wait_for "|| 1x" 5 "paused at 1x"
keys n; wait_for "postcopy   will not converge" 5 "n jumps to the next event: the post-copy decision"
wait_for "13.5 s / 20.7 s" 5 "the position is the decision's time"
keys n n; wait_for "at 20.7 s" 5 "n again: the switchover, then the end"
keys N; wait_for "at 13.5 s" 5 "N goes back an event"
keys G; wait_for "downtime 29 ms (real)" 5 "G jumps to the end: the real downtime"
keys g; wait_for "sample 1/" 5 "g back to the start"
keys Right Right; wait_for "sample 17/" 5 "Right seeks forward (2% each)"
gone "at 13.5 s" 30 "an old message goes with the next key"
keys . ; wait_for "sample 18/" 5 ". steps one sample"
keys , , ; wait_for "sample 16/" 5 ", steps back"
keys Left; wait_for "sample 7/" 5 "Left seeks back"
keys + + + + + + + +; wait_for "64x" 5 "speed goes up to 64x"
keys +; wait_for "64x" 5 "and no higher"
keys Space; wait_for "done " 10 "played at 64x it reaches the end"
wait_for "|| 64x  20.7 s / 20.7 s" 5 "and pauses there"
keys - - - - - - - - -; wait_for "0.25x" 5 "speed goes down to 0.25x"
keys s; wait_for "Summary" 5 "s opens the summary"
wait_for "stall      from" 5 "the summary explains the stall"
keys w; wait_for "What-if: the recorded workload" 5 "w offers the what-if policies"
keys Down; keys Enter
# it runs on a worker (tests/ui checks keys, progress and Esc meanwhile);
# wait for its outcome as long as a sanitized build on a slow machine needs
wait_for "what-if: qemu-default" 600 "the what-if runs and shows both outcomes"
wait_for "recorded: ferry, 300 ms" 5 "side by side with the recorded outcome"
keys Escape; wait_for "Space play" 5 "Esc returns to the replay"
tmux -L "$SOCK" resize-window -t "$S" -x 100 -y 30
wait_for "20.7 s / 20.7 s" 5 "resized to 100x30 it redraws"
tmux -L "$SOCK" resize-window -t "$S" -x 30 -y 10
wait_for "too small" 5 "too small a terminal says so"
tmux -L "$SOCK" resize-window -t "$S" -x 80 -y 24
wait_for "Space play" 5 "and recovers at 80x24"
keys q; wait_for "EXIT=0" 5 "q quits with 0"

start ascii "$FERRY replay $LOG" LANG=C LC_ALL=C NO_COLOR=1
wait_for "ferry replay" 10 "the replay starts without UTF-8"
keys G; wait_for "|| 1x  20.7 s" 5 "ASCII: paused marker"
screen | grep -q "==========O" && ok "ASCII timeline (= played, O position)" || no "ASCII timeline (= played, O position)"
screen | grep -q "[⣿⠒●]" && no "no braille or UTF-8 glyphs without UTF-8" || ok "no braille or UTF-8 glyphs without UTF-8"
# A colour is 30-37, 40-47, 90-97 or 38;5/48;5; 39 and 49 are "default".
tmux -L "$SOCK" capture-pane -e -p -t "$S" |
    grep -qE "$(printf '\033')\[([0-9]+;)*(3[0-7]|4[0-7]|9[0-7]|[34]8;5)(;|m)" &&
    no "NO_COLOR: no colour codes" || ok "NO_COLOR: no colour codes"
keys q

head -c 30000 "$LOG" >"$TMP/cut.jsonl"
start cut "$FERRY replay $TMP/cut.jsonl" LANG=C.UTF-8
wait_for "cut short" 10 "a log cut short says so"
keys G; wait_for "CUT SHORT: no result" 5 "the end of a cut log is marked"
keys q

# An evacuation's summary log: the timeline of the whole evacuation; a
# move's own flight log (named relative to the summary log) a key away.
DATA="$(cd "$(dirname "$0")/../data" && pwd)"
mkdir -p "$TMP/evac"
cp "$DATA/evac-hv-02.jsonl" "$DATA/evac-web-01.jsonl" "$TMP/evac/"
EVAC="$TMP/evac/evac-hv-02.jsonl"
start evac "$FERRY replay $EVAC" LANG=C.UTF-8
wait_for "evacuation of hv-02" 10 "ferry replay on a summary log opens the timeline"
wait_for "planned 20.0 s, real 23.5 s (+18%)" 5 "planned time until empty against the real one"
wait_for "db-with-a-v… hv-04→hv-05" 5 "a long name cut with an ellipsis; a retry's second destination"
wait_for "3 VMs stayed on hv-02" 5 "the VMs that stayed"
wait_for "|| 1x  0 ms / 23.5 s" 5 "the cursor at the start, paused"
keys Right Right Right; wait_for "|| 1x  6.0 s / 23.5 s  step 2.0 s  2 running" 5 "Right moves the cursor"
wait_for "5.1 s db-with-a-very-long-name-01 started → hv-05 (job 14)" 5 "the events at the cursor"
keys Enter; wait_for "ferry replay  $TMP/evac/evac-web-01.jsonl" 10 "Enter replays the move's own flight log"
keys G; wait_for "downtime 64 ms (real)" 5 "the flight log's replay takes its keys"
keys q; wait_for "evacuation of hv-02" 5 "q returns to the timeline"
keys Down Enter; wait_for "its flight log is missing" 5 "a move whose log is gone says so"
tmux -L "$SOCK" resize-window -t "$S" -x 40 -y 10
wait_for "too small" 5 "the timeline in too small a terminal says so"
tmux -L "$SOCK" resize-window -t "$S" -x 120 -y 40
wait_for "db-with-a-very-long-name-01      hv-04→hv-05" 5 "resized to 120x40 it redraws, the names whole"
tmux -L "$SOCK" resize-window -t "$S" -x 80 -y 24
wait_for "db-with-a-v… hv-04→hv-05" 5 "and back at 80x24"
keys q; wait_for "EXIT=0" 5 "q quits with 0"

start evac-ascii "$FERRY replay $EVAC" LANG=C LC_ALL=C NO_COLOR=1
wait_for "evacuation of hv-02" 10 "the timeline without UTF-8"
wait_for "db-with-a-v~ hv-04->hv-~" 5 "ASCII: ~ for the ellipsis, -> for the arrow"
screen | grep -q "########=" && ok "ASCII bars (# both, = real)" || no "ASCII bars (# both, = real)"
screen | grep -q "[▀▄█→…]" && no "no UTF-8 glyphs without UTF-8" || ok "no UTF-8 glyphs without UTF-8"
tmux -L "$SOCK" capture-pane -e -p -t "$S" |
    grep -qE "$(printf '\033')\[([0-9]+;)*(3[0-7]|4[0-7]|9[0-7]|[34]8;5)(;|m)" &&
    no "NO_COLOR: no colour codes in the timeline" || ok "NO_COLOR: no colour codes in the timeline"
keys q

head -n 5 "$EVAC" >"$TMP/evac/bad.jsonl"
printf '{"type":"evac_event","t_ms":1}\n' >>"$TMP/evac/bad.jsonl"
"$FERRY" replay "$TMP/evac/bad.jsonl" </dev/null >/dev/null 2>"$TMP/evac/err"
rc=$?
[ $rc -eq 2 ] && ok "a bad summary log exits 2" || no "a bad summary log exits 2 (got $rc)"
grep -qF "bad.jsonl:6: \"vm\" is missing" "$TMP/evac/err" && ok "and says its file and line" ||
    { no "and says its file and line"; cat "$TMP/evac/err"; }

start console "$FERRY --demo" LANG=C.UTF-8
wait_for "demo datacenter" 10 "the console starts"
keys : l o g s Enter; wait_for "2 flight logs in" 5 ":logs lists the flight logs"
wait_for "web-01     hv-01 -> hv-02   compute completed" 5 "a log's VM, route, kind and outcome"
wait_for "29 ms" 5 "and its downtime"
keys Down Enter; wait_for "Replay cache-01" 5 "Enter replays the selected log"
keys G; wait_for "downtime 29 ms (real)" 5 "the replay in the console"
keys q; wait_for "Flight logs" 5 "q returns to the list"
keys Escape q; wait_for "EXIT=0" 5 "the console quits"
finish
