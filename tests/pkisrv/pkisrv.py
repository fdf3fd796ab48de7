#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A stand-in RFC 3161 time-stamp server and OCSP responder for tests and the
demo, on 127.0.0.1 (plain HTTP, and HTTPS too with --tls-cert and --tls-key).

POST an application/ocsp-request to:
  /ocsp     the gov CA's responder (its delegate ocsp.pem), answering from
            the CA database given with --ocsp-index (read at each request)
  /ocsp-bad the same, signed by a certificate the CA never delegated
            (tls-server.pem)
  /ocsp-as/NAME  the same, signed by NAME.pem / NAME.key of the --pki
            directory (a responder certificate a test made: with or without
            id-pkix-ocsp-nocheck, revoked...)

POST an application/timestamp-query to:
  /ok       a token from `openssl ts -reply` (the test PKI's TSA)
  /reject   a TSA that takes only SHA-512: a rejection (status 2)
  /other    a granted token, but for another request
  /garbage  bytes that are not a time-stamp response
  /500      HTTP 500
  /fail-from/N  as /ok up to the (N-1)th request to that path, then HTTP 500
            for the Nth and every later one (a server that goes down in the
            middle of a batch)
  /gate/K   as /ok, but the first requests are held until K of them are
            waiting at once (the gate then stays open); a request held
            20 s gets HTTP 503 instead (a client that never has K requests
            in flight fails, before its own 30 s timeout)
GET /stats: "connections C\nrequests R\nmax_inflight M\n" for the
time-stamp paths since the start or the last GET /stats?reset: C the TCP
connections that carried at least one time-stamp request, R the requests,
M the most requests being answered at one time (the counts of /fail-from
and the /gate start again too).  With --delay-ms MS each
time-stamp answer is held back MS milliseconds (a remote server's round
trip), outside any lock.
GET /files/NAME: the file NAME of the --files directory (a CRL at a
certificate's distribution point), read at each request; 404 when absent.

The TSA is the test PKI's (certs/mkpki.sh): tsa.pem and tsa.key, with
gov-ca.pem and root.pem in its tokens.  Prints "ready PORT" once listening;
every request is one line in --log: "PATH CONTENT-TYPE LENGTH", and for an
OCSP request " serial=HEX" for each certificate asked about (uppercase hex,
as openssl prints it).

HTTP/1.1 with keep-alive: a client may send several requests on one
connection, and requests on several connections are answered at once
(`openssl ts -reply` runs concurrently, each with its own serial file).
With --no-keepalive every answer says "Connection: close" and the server
closes the connection after it (a server that does not keep connections:
each request is a new connection, and over TLS a new handshake).  With
--connect-delay-ms MS each new connection waits MS milliseconds before the
server reads from it (before the TLS handshake): what a new connection costs
over a distant network (the round trips of the TCP and TLS handshakes),
paid once per connection.

With --tls-cert PEM --tls-key KEY the same paths are also answered over
HTTPS (TLS 1.2 or 1.3, keep-alive as for HTTP) on a second port, printed as
"tls PORT" before "ready PORT": PEM is the server certificate followed by
its chain (the test PKI's tls-server.pem, for 127.0.0.1 and localhost, and
gov-ca.pem; clients trust root.pem).  GET /stats counts the TCP connections
of both ports (a TLS connection that fails its handshake carries no request
and is not counted).
"""
import argparse
import http.server
import os
import re
import ssl
import subprocess
import sys
import tempfile
import threading
import time

ap = argparse.ArgumentParser()
ap.add_argument("--pki", required=True, help="the test PKI's directory")
ap.add_argument("--dir", required=True, help="a scratch directory")
ap.add_argument("--log", required=True)
ap.add_argument("--ocsp-index", help="the gov CA's database (openssl ca's index.txt)")
ap.add_argument("--files", help="a directory served by GET /files/NAME")
ap.add_argument("--delay-ms", type=int, default=0,
                help="hold each time-stamp answer back this long (a remote server)")
ap.add_argument("--tls-cert", help="server certificate and its chain (PEM): HTTPS too")
ap.add_argument("--tls-key", help="its private key (PEM)")
ap.add_argument("--no-keepalive", action="store_true",
                help="close the connection after each answer (Connection: close)")
ap.add_argument("--connect-delay-ms", type=int, default=0,
                help="hold each new connection back this long (handshake round trips)")
args = ap.parse_args()
if (args.tls_cert is None) != (args.tls_key is None):
    ap.error("--tls-cert and --tls-key go together")

pki, scratch = os.path.abspath(args.pki), os.path.abspath(args.dir)
chain = os.path.join(scratch, "tsa-chain.pem")
with open(chain, "w") as out:
    for name in ("gov-ca.pem", "root.pem"):
        with open(os.path.join(pki, name)) as f:
            out.write(f.read())
with open(os.path.join(scratch, "serial"), "w") as f:
    f.write("01\n")
section = """[ %s ]
serial = SERIAL
crypto_device = builtin
signer_cert = {pki}/tsa.pem
signer_key = {pki}/tsa.key
certs = {chain}
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = %s
accuracy = secs:1
ordering = yes
tsa_name = no
ess_cert_id_chain = no
ess_cert_id_alg = sha256
""".replace("{scratch}", scratch).replace("{pki}", pki).replace("{chain}", chain)
config = os.path.join(scratch, "tsa.cnf")
TSA_CONFIG = (section % ("tsa_ok", "sha256, sha384, sha512") +
              section % ("tsa_reject", "sha512"))   # refuses our SHA-256 imprints
with open(config, "w") as f:
    f.write(TSA_CONFIG.replace("SERIAL", os.path.join(scratch, "serial")))
args.config = config

other_query = os.path.join(scratch, "other.tsq")
subprocess.run(["openssl", "ts", "-query", "-data", config, "-sha256", "-cert",
                "-out", other_query], check=True, stdout=subprocess.DEVNULL)


# one openssl ocsp at a time: the CA database is shared, and kyso asks from
# several threads at once.  Time-stamps run concurrently: each request gets
# its serial number here and a configuration and serial file of its own.
lock = threading.Lock()
stats_lock = threading.Lock()
stats = {"connections": 0, "requests": 0, "inflight": 0, "max_inflight": 0}
serials = [0]
path_counts = {}
gate = threading.Condition()
gate_state = {"waiting": 0, "open": False}


def gate_pass(k):
    """Hold the request until k are held at once; False after 20 s."""
    with gate:
        gate_state["waiting"] += 1
        if gate_state["waiting"] >= k:
            gate_state["open"] = True
            gate.notify_all()
        ok = gate.wait_for(lambda: gate_state["open"], timeout=20)
        gate_state["waiting"] -= 1
        return ok


def reply(section, query):
    with lock:
        serials[0] += 1
        serial = serials[0]
    with tempfile.TemporaryDirectory(dir=scratch) as d:
        q, r = os.path.join(d, "q.tsq"), os.path.join(d, "r.tsr")
        with open(os.path.join(d, "serial"), "w") as f:
            h = "%X" % serial
            f.write(("0" if len(h) % 2 else "") + h + "\n")
        conf = os.path.join(d, "tsa.cnf")
        with open(conf, "w") as f:
            f.write(TSA_CONFIG.replace("SERIAL", os.path.join(d, "serial")))
        if isinstance(query, bytes):
            with open(q, "wb") as f:
                f.write(query)
        else:
            q = query
        subprocess.run(["openssl", "ts", "-reply", "-config", conf, "-section", section,
                        "-queryfile", q, "-out", r], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        with open(r, "rb") as f:
            return f.read()


def ocsp(query, signer):
    with lock, tempfile.TemporaryDirectory(dir=scratch) as d:
        q, r = os.path.join(d, "q.der"), os.path.join(d, "r.der")
        with open(q, "wb") as f:
            f.write(query)
        subprocess.run(["openssl", "ocsp", "-index", args.ocsp_index,
                        "-CA", os.path.join(pki, "gov-ca.pem"),
                        "-rsigner", os.path.join(pki, signer + ".pem"),
                        "-rkey", os.path.join(pki, signer + ".key"),
                        "-reqin", q, "-respout", r, "-nmin", "10"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with open(r, "rb") as f:
            return f.read()


def ocsp_serials(query):
    """The serial numbers an OCSP request asks about."""
    with lock, tempfile.TemporaryDirectory(dir=scratch) as d:
        q = os.path.join(d, "q.der")
        with open(q, "wb") as f:
            f.write(query)
        out = subprocess.run(["openssl", "ocsp", "-reqin", q, "-req_text"],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout
    return re.findall(r"Serial Number: *([0-9A-Fa-f]+)", out.decode("ascii", "replace"))


def responder(path):
    """The responder certificate's name for an OCSP path, or None."""
    if path == "/ocsp":
        return "ocsp"
    if path == "/ocsp-bad":
        return "tls-server"
    m = re.fullmatch(r"/ocsp-as/([a-z0-9-]+)", path)
    return m.group(1) if m else None


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"     # keep-alive (every answer has a Content-Length)
    # the headers and the body go out in two writes: with Nagle's algorithm
    # the body waits for the client's (delayed) ACK of the headers, some
    # 40 ms per answer on a kept connection (a closed one is flushed at once)
    disable_nagle_algorithm = True
    counted = False                   # this connection counted in stats

    def log_message(self, *a):
        pass

    def setup(self):
        if args.connect_delay_ms > 0:
            time.sleep(args.connect_delay_ms / 1000.0)
        super().setup()

    def end_headers(self):
        if args.no_keepalive:
            self.send_header("Connection", "close")   # (sets close_connection)
        super().end_headers()

    def do_GET(self):
        if self.path in ("/stats", "/stats?reset"):
            with stats_lock:
                data = ("connections %d\nrequests %d\nmax_inflight %d\n" % (
                    stats["connections"], stats["requests"], stats["max_inflight"])).encode()
                if self.path.endswith("?reset"):
                    stats.update(connections=0, requests=0, max_inflight=0)
                    path_counts.clear()
                    with gate:
                        gate_state["open"] = False
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        with open(args.log, "a") as f:
            f.write("GET %s\n" % self.path)
        m = re.fullmatch(r"/files/([A-Za-z0-9._-]+)", self.path)
        path = os.path.join(args.files, m.group(1)) if m and args.files else None
        if path is None or not os.path.isfile(path):
            status, data = 404, b"not found\n"
        else:
            with open(path, "rb") as f:
                status, data = 200, f.read()
        self.send_response(status)
        self.send_header("Content-Type", "application/pkix-crl")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        signer = responder(self.path)
        extra = "".join(" serial=%s" % n for n in ocsp_serials(body)) if signer else ""
        with open(args.log, "a") as f:
            f.write("%s %s %d%s\n" % (self.path, self.headers.get("Content-Type"), len(body),
                                       extra))
        status, data = 200, b""
        ctype = "application/timestamp-reply"
        if signer:
            ctype = "application/ocsp-response"
            data = ocsp(body, signer)
        else:
            with stats_lock:
                if not self.counted:
                    self.counted = True
                    stats["connections"] += 1
                stats["requests"] += 1
                stats["inflight"] += 1
                stats["max_inflight"] = max(stats["max_inflight"], stats["inflight"])
                path_counts[self.path] = nth = path_counts.get(self.path, 0) + 1
            try:
                if args.delay_ms > 0:
                    time.sleep(args.delay_ms / 1000.0)
                status, data = self.timestamp(body, nth)
            finally:
                with stats_lock:
                    stats["inflight"] -= 1
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def timestamp(self, body, nth):
        """The status and body for a time-stamp request, the nth to its path."""
        status, data = 200, b""
        m = re.fullmatch(r"/fail-from/([0-9]+)", self.path)
        g = re.fullmatch(r"/gate/([0-9]+)", self.path)
        if g:
            if gate_pass(int(g.group(1))):
                data = reply("tsa_ok", body)
            else:
                status, data = 503, b"the gate stayed closed\n"
        elif m:
            if nth >= int(m.group(1)):
                status, data = 500, b"internal error\n"
            else:
                data = reply("tsa_ok", body)
        elif self.path == "/ok":
            data = reply("tsa_ok", body)
        elif self.path == "/reject":
            data = reply("tsa_reject", body)
        elif self.path == "/other":
            data = reply("tsa_ok", other_query)
        elif self.path == "/garbage":
            data = b"this is not a time-stamp response\n"
        else:
            status, data = 500, b"internal error\n"
        return status, data


class Server(http.server.ThreadingHTTPServer):
    # (socketserver's 5 would drop the SYNs of a client connecting 8 times
    # at once: each retried a second later)
    request_queue_size = 64

    def handle_error(self, request, client_address):
        # a client that refuses the certificate (or hangs up) ends its
        # handshake or connection: not the server's error
        if isinstance(sys.exc_info()[1], (ssl.SSLError, ConnectionError)):
            return
        super().handle_error(request, client_address)


srv = Server(("127.0.0.1", 0), Handler)
if args.tls_cert:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(args.tls_cert, args.tls_key)
    tls = Server(("127.0.0.1", 0), Handler)
    # the handshakes happen in the handler threads, not in the accept loop
    tls.socket = ctx.wrap_socket(tls.socket, server_side=True, do_handshake_on_connect=False)
    threading.Thread(target=tls.serve_forever, daemon=True).start()
    print("tls %d" % tls.server_address[1], flush=True)
print("ready %d" % srv.server_address[1], flush=True)
srv.serve_forever()
