#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Run a command, interrupt it once it waits on a server, and report how it ended.

    interrupt_run.py [--signal INT|TERM] [--ignored] [--stall] [--log FILE --pattern RE]
                     [--bound SECONDS] --out FILE --err FILE -- CMD...

The command is started with SIGINT and SIGTERM at their defaults (a shell
starts background jobs with SIGINT ignored); with --ignored, the signal it is
sent is ignored from the start (as nohup does), and it is expected to go on.  It is interrupted when it waits:

  --stall            a server on 127.0.0.1 that accepts connections, reads the
                     request and never answers; "{STALL}" in CMD is replaced
                     by its URL (http://127.0.0.1:PORT/tsa).  The signal goes
                     once a whole request has come in.
  --log/--pattern    the signal goes once a line of FILE matches RE (the
                     stand-in gateway logs a slow lookup before it stalls).

Prints one line: "exit N" (N = 128 + the signal when the command was ended by
it) or "bound" when it did not end within --bound seconds (then it is killed),
or "early N" when it ended before it was interrupted.  The bound is generous:
it tells a command that stops from one that runs to its timeout, not how fast.
"""
import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time


def stall_server(got):
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    held = []

    def serve():
        while True:
            try:
                c, _ = srv.accept()
            except OSError:
                return
            held.append(c)          # never answered, never closed
            data = b""
            while True:
                try:
                    b = c.recv(65536)
                except OSError:
                    break
                if not b:
                    break
                data += b
                head, sep, body = data.partition(b"\r\n\r\n")
                if sep:
                    m = re.search(rb"(?im)^content-length:\s*(\d+)", head)
                    if m is None or len(body) >= int(m.group(1)):
                        got.set()
                        break

    threading.Thread(target=serve, daemon=True).start()
    return "http://127.0.0.1:%d/tsa" % srv.getsockname()[1]


def log_matches(path, pattern):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return any(re.search(pattern, line) for line in f)
    except OSError:
        return False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--signal", choices=("INT", "TERM"), default="INT")
    ap.add_argument("--ignored", action="store_true")
    ap.add_argument("--stall", action="store_true")
    ap.add_argument("--log")
    ap.add_argument("--pattern")
    ap.add_argument("--bound", type=float, default=10.0)
    ap.add_argument("--wait", type=float, default=60.0,
                    help="longest wait for the command to reach the server")
    ap.add_argument("--out", required=True)
    ap.add_argument("--err", required=True)
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd and a.cmd[0] == "--" else a.cmd
    got = threading.Event()
    if a.stall:
        url = stall_server(got)
        cmd = [x.replace("{STALL}", url) for x in cmd]

    def defaults():
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        if a.ignored:
            signal.signal(signal.SIGINT if a.signal == "INT" else signal.SIGTERM,
                          signal.SIG_IGN)

    with open(a.out, "wb") as out, open(a.err, "wb") as err:
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                             preexec_fn=defaults)
    deadline = time.monotonic() + a.wait
    while True:
        if p.poll() is not None:
            print("early %d" % (128 - p.returncode if p.returncode < 0 else p.returncode))
            return
        if a.stall and got.is_set():
            break
        if a.log and log_matches(a.log, a.pattern):
            break
        if time.monotonic() > deadline:
            p.kill()
            p.wait()
            print("never reached the server")
            return
        time.sleep(0.05)
    time.sleep(0.2)     # inside the wait for the answer
    p.send_signal(signal.SIGINT if a.signal == "INT" else signal.SIGTERM)
    try:
        rc = p.wait(timeout=a.bound)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        print("bound")
        return
    print("exit %d" % (128 - rc if rc < 0 else rc))


if __name__ == "__main__":
    sys.exit(main())
