#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The PIN asked at a terminal: typed without echo, and the terminal given
# back whole when the user presses Ctrl-C at the prompt (the process then
# ends by SIGINT, as a shell expects).
set -u
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/token_lib.sh"

command -v python3 >/dev/null 2>&1 || skip_all "python3 is needed to drive a pseudo-terminal"
tok_init T1
U="pkcs11:token=T1"
expect 0 "object=k1" "$KYSO" key generate --token "$U" --label k1 --id 01 \
    --type ec:prime256v1 --pin-source env:PIN
drive() { python3 "$top_srcdir/tests/integration/pin_tty.py" "$@"; }

r=$(drive enter "$KYSO" key list --token "$U")
case $r in
"echo-at-prompt=off echo-after=on status=exit:0") pass "PIN typed at the terminal: no echo, echo back after" ;;
*) fail "PIN typed at the terminal: $r" ;;
esac

r=$(drive intr "$KYSO" key list --token "$U")
case $r in
"echo-at-prompt=off echo-after=on status=signal:2") pass "Ctrl-C at the PIN prompt: echo back on, ended by SIGINT" ;;
*) fail "Ctrl-C at the PIN prompt: $r" ;;
esac

echo data >"$T/a.txt"
r=$(drive intr "$KYSO" sign --key "$U;object=k1" "$T/a.txt")
case $r in
"echo-at-prompt=off echo-after=on status=signal:2") pass "Ctrl-C at kyso sign's PIN prompt: echo back on, ended by SIGINT" ;;
*) fail "Ctrl-C at kyso sign's PIN prompt: $r" ;;
esac
[ ! -e "$T/a.txt.p7s" ] && pass "nothing signed" || fail "a signature was written"
n=$(find "$T" -maxdepth 1 -name 'a.txt.p7s.tmp*' | wc -l)
[ "$n" -eq 0 ] && pass "no temporary file" || fail "$n temporary files left"
done_testing
