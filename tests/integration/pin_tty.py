# SPDX-License-Identifier: LGPL-2.1-or-later
# Drive a command at a terminal (a pseudo-terminal) that asks for a PIN:
#   pin_tty.py MODE CMD...   MODE: actions for the prompts one after the
# other, comma-separated: "enter" types $PIN and Enter; "intr" types two
# digits then ^C (e.g. "enter,intr": the login, then ^C at the next prompt).  Prints one line:
#   echo-at-prompt=on|off echo-after=on|off status=exit:N|signal:N|hung
import os
import pty
import select
import signal
import sys
import termios
import time

mode, argv = sys.argv[1], sys.argv[2:]
pid, fd = pty.fork()
if pid == 0:
    # A user's shell runs the command in the foreground with the keyboard
    # signals at their defaults; a test harness started in the background
    # (a non-interactive shell's `cmd &`) hands them down ignored, and an
    # ignored SIGINT rightly stays ignored in kyso.
    for s in (signal.SIGINT, signal.SIGQUIT):
        signal.signal(s, signal.SIG_DFL)
    os.execvp(argv[0], argv)


def echo_on():
    return bool(termios.tcgetattr(fd)[3] & termios.ECHO)


out = b""
deadline = time.monotonic() + 30
at_prompt = None
for action in mode.split(","):
    # each action answers the next prompt
    while b"Enter " not in out:
        left = deadline - time.monotonic()
        r = select.select([fd], [], [], max(left, 0))[0]
        if not r:
            print("no prompt; output so far: %r" % out)
            os.kill(pid, 9)
            sys.exit(2)
        try:
            out += os.read(fd, 4096)
        except OSError:
            print("the command ended before its prompt: %r" % out)
            sys.exit(2)
    out = out[out.index(b"Enter ") + 6:]
    # The prompt is written just before echo goes off: wait for it.
    while echo_on() and time.monotonic() < deadline:
        time.sleep(0.01)
    if at_prompt is None:
        at_prompt = echo_on()
    if action == "enter":
        os.write(fd, os.environ["PIN"].encode() + b"\n")
    else:
        os.write(fd, b"12\x03")
# Drain the output until the command ends (its pty closes).
while True:
    r = select.select([fd], [], [], max(deadline - time.monotonic(), 0))[0]
    if not r:
        break
    try:
        if not os.read(fd, 4096):
            break
    except OSError:
        break
after = echo_on()
# A command that does not end fails the test (status=hung), it does not hang it.
while True:
    done, st = os.waitpid(pid, os.WNOHANG)
    if done != 0:
        break
    if time.monotonic() > deadline:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        st = None
        break
    time.sleep(0.05)
if st is None:
    status = "hung"
else:
    status = ("signal:%d" % os.WTERMSIG(st)) if os.WIFSIGNALED(st) else ("exit:%d" % os.WEXITSTATUS(st))
print("echo-at-prompt=%s echo-after=%s status=%s" % ("on" if at_prompt else "off",
                                                     "on" if after else "off", status))
