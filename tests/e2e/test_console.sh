#!/bin/sh
# The console in a real terminal: tmux runs the binary, send-keys types,
# capture-pane reads the screen. Its own tmux server; killed at the end.
set -u
FERRY=${1:?usage: test_console.sh path/to/ferry}
. "$(dirname "$0")/lib.sh"
start() { # name env...
    S=$1; shift
    tmux -L "$SOCK" -f "$TMP/tmux.conf" new-session -d -s "$S" -x 80 -y 24 \
        "env HOME=$TMP/home XDG_STATE_HOME=$TMP/state $* $FERRY --demo; echo EXIT=\$?; sleep 60"
}

start main LANG=C.UTF-8
wait_for "demo datacenter" 10 "console starts on the demo datacenter"
wait_for "web-01" 5 "the VM view lists the demo VMs"
keys 1; wait_for "Intel Xeon Gold" 5 "1 opens the hosts view"
keys 3; wait_for "ds-shared" 5 "3 opens the datastores view"
keys : j o b s Enter; wait_for "no migrations yet" 5 ":jobs opens the jobs view"
keys 2 / w e b Enter; wait_for "web-03" 5 "filter shows matching VMs"
gone "db-01" 30 "filter hides the others"
keys Escape ?; wait_for "this help" 5 "? opens help generated from the key table"
keys Escape
keys : q u i c k Space w e b - 0 1 Enter
wait_for "Pre-flight checks" 5 ":quick opens the dialog with checks"
wait_for "converges" 5 "the dialog shows the prediction"
keys Enter; wait_for "start migrating web-01?" 5 "starting asks first"
keys y; wait_for "Dirty rate vs bandwidth" 5 "the dashboard opens"
wait_for "done " 20 "a converging migration reaches DONE"
wait_for "switchover" 5 "the switchover decision is listed with its reason"

keys Escape : q u i c k Space c a c h e - 0 1 Enter
wait_for "Migrate cache-01" 5 "dialog for the non-converging VM"
keys Tab Tab Right; wait_for "< qemu-default" 5 "policy changed to qemu-default"
wait_for "does not converge" 5 "the prediction says it will not converge"
keys Enter y; wait_for "iterate" 40 "cache-01 reaches the iterate phase"
keys a; wait_for "abort this migration?" 5 "abort asks first"
keys y; wait_for "cancelled" 10 "the aborted migration shows as cancelled"
keys 2 / c a c h e Enter; wait_for "hv-02" 5 "cache-01 stays on its source hv-02"

tmux -L "$SOCK" resize-window -t "$S" -x 40 -y 12
wait_for "terminal too small" 5 "40x12 says the terminal is too small"
tmux -L "$SOCK" resize-window -t "$S" -x 80 -y 24
wait_for "NAME" 5 "back at 80x24 the view returns"
keys q; wait_for "EXIT=0" 5 "q quits with status 0"
gone "NAME" 30 "the terminal is restored after quitting"

start nocolor LANG=C.UTF-8 NO_COLOR=1
wait_for "web-01" 10 "NO_COLOR run starts"
# A colour is 30-37, 40-47, 90-97 or 38;5/48;5; 39 and 49 are "default".
if tmux -L "$SOCK" capture-pane -e -p -t "$S" |
    grep -qE "$(printf '\033')\[([0-9]+;)*(3[0-7]|4[0-7]|9[0-7]|[34]8;5)(;|m)"; then
    no "NO_COLOR draws without colour"
else
    ok "NO_COLOR draws without colour"
fi
keys q; wait_for "EXIT=0" 5 "NO_COLOR run quits cleanly"

mkdir -p "$TMP/home/.local/share/ferry/themes"
printf '[theme]\nname = bad\n[colors]\nselection = 16, 117\nerror = purple-ish\n' \
    >"$TMP/home/.local/share/ferry/themes/bad.theme"
S=badtheme
tmux -L "$SOCK" -f "$TMP/tmux.conf" new-session -d -s "$S" -x 80 -y 24 \
    "env HOME=$TMP/home LANG=C.UTF-8 $FERRY --demo --no-log --theme bad; echo EXIT=\$?; sleep 60"
wait_for "bad.theme:5: [colors] error" 10 "a bad theme value is reported with file and line"
wait_for "web-01" 5 "the console runs on with the default for that key"
keys q; wait_for "EXIT=0" 5 "bad-theme run quits cleanly"

S=eight
tmux -L "$SOCK" -f "$TMP/tmux.conf" new-session -d -s "$S" -x 80 -y 24 \
    "env HOME=$TMP/home LANG=C.UTF-8 TERM=xterm $FERRY --demo --no-log; echo EXIT=\$?; sleep 60"
wait_for "web-01" 10 "an 8-colour terminal (TERM=xterm) runs"
if tmux -L "$SOCK" capture-pane -e -p -t "$S" | grep -q "38;5;\|48;5;"; then
    no "8 colours: no 256-colour codes"
else
    ok "8 colours: no 256-colour codes"
fi
keys q; wait_for "EXIT=0" 5 "8-colour run quits cleanly"

start ascii LANG=C LC_ALL=C
wait_for "web-01" 10 "LANG=C run starts"
keys : q u i c k Space w e b - 0 2 Enter Enter y
wait_for "Dirty rate vs bandwidth" 5 "LANG=C dashboard opens"
# the graphs are full once the move is done: judge them then
wait_for "done " 20 "LANG=C migration completes"
if screen | grep -q "$(printf '\342\240')\|$(printf '\342\241')\|$(printf '\342\242')\|$(printf '\342\243')"; then
    no "LANG=C draws no braille"
else
    ok "LANG=C draws no braille"
fi
if screen | grep -q '[#|:.]'; then ok "LANG=C graphs use ASCII"; else no "LANG=C graphs use ASCII"; fi
keys q; wait_for "EXIT=0" 5 "LANG=C run quits cleanly"

finish
