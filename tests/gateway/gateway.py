#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A stand-in for the Vietnam Social Security (VSS) BHYT gateway, for tests.

Speaks the two steps of the gateway API (Phụ lục 03, Công văn 1923/BHXH-CNTT)
over TLS on 127.0.0.1:

  POST /api/token/take                 {"username", "password": MD5 hex}
  POST /api/egw/KQNhanLichSuKCB2024?token=&id_token=&username=&password=
                                       {"maThe","hoTen","ngaySinh","hoTenCb","cccdCb"}

Python 3 standard library only.  Prints "ready PORT" on stdout once it
listens, then serves until killed.  See tests/gateway/README.md.
"""
import argparse
import datetime
import hashlib
import http.server
import json
import os
import re
import secrets
import socket
import socketserver
import ssl
import sys
import threading
import time
import unicodedata
import urllib.parse

TOKEN_PATH = "/api/token/take"
LOOKUP_PATH = "/api/egw/KQNhanLichSuKCB2024"

# Result fields of a lookup answer, in the gateway's order.
ANSWER_FIELDS = ["maKetQua", "ghiChu", "maThe", "hoTen", "ngaySinh", "gioiTinh", "diaChi",
                 "maDKBD", "cqBHXH", "gtTheTu", "gtTheDen", "maKV", "ngayDu5Nam",
                 "maSoBHXH", "maTheCu", "maTheMoi", "gtTheTuMoi", "gtTheDenMoi",
                 "maDKBDMoi", "tenDKBDMoi", "dsLichSuKCB2018", "dsLichSuKT2018"]

NOTES = {
    "000": "Thẻ còn giá trị sử dụng", "001": "Thẻ do BHXH Bộ Quốc Phòng quản lý",
    "002": "Thẻ do BHXH Bộ Công An quản lý",
    "003": "Thẻ cũ hết giá trị sử dụng nhưng được cấp thẻ mới",
    "004": "Thẻ cũ còn giá trị sử dụng nhưng được cấp thẻ mới",
    "010": "Thẻ hết giá trị sử dụng", "050": "Không thấy thông tin thẻ",
    "051": "Mã thẻ không đúng", "052": "Mã tỉnh cấp thẻ không đúng",
    "053": "Mã quyền lợi thẻ không đúng",
    "054": "Cán bộ tra cứu chưa được đăng ký với cơ sở KCB",
    "055": "Họ tên cán bộ tra cứu không khớp với số CCCD", "060": "Thẻ sai họ tên",
    "061": "Thẻ sai họ tên (đúng ký tự đầu)", "070": "Thẻ sai ngày sinh",
    "100": "Lỗi khi lấy dữ liệu sổ thẻ", "101": "Lỗi server", "110": "Thẻ đã thu hồi",
    "120": "Thẻ đã báo giảm", "121": "Thẻ đã báo giảm. Giảm chuyển ngoại tỉnh",
    "122": "Thẻ đã báo giảm. Giảm chuyển nội tỉnh",
    "123": "Thẻ đã báo giảm. Thu hồi do tăng lại cùng đơn vị",
    "124": "Thẻ đã báo giảm. Ngừng tham gia", "130": "Trẻ em không xuất trình thẻ",
    "205": "Lỗi sai định dạng tham số", "401": "Lỗi xác thực tài khoản",
}

# Codes whose answer carries the card's details.
DETAILED = {"000", "001", "002", "003", "004", "010"}

FAULTS = {"slow", "500", "500-once", "nonjson", "truncated", "truncated-json", "401-once",
          "401-always", "http401-once", "empty", "coded-500"}

DATE_RE = re.compile(r"^\d{2}/\d{2}/\d{4}$|^\d{4}$")
REL_RE = re.compile(r"^today([+-]\d+)?$")


def rel_date(value):
    """'today', 'today+10', 'today-3' become dd/mm/yyyy; other values pass."""
    if isinstance(value, str):
        m = REL_RE.match(value)
        if m:
            d = datetime.date.today() + datetime.timedelta(days=int(m.group(1) or 0))
            return d.strftime("%d/%m/%Y")
    return value


def norm_name(s):
    return unicodedata.normalize("NFC", s).strip().casefold()


class State:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.tokens = {}        # access_token -> (id_token, expiry)
        self.counts = {}        # (maThe, fault) -> requests seen
        self.registry = {"facility": {}, "staff": [], "people": []}
        for path in args.registry:
            with open(path, encoding="utf-8") as f:
                reg = json.load(f)
            self.registry["facility"].update(reg.get("facility", {}))
            self.registry["staff"] += reg.get("staff", [])
            self.registry["people"] += reg.get("people", [])
        fac = self.registry["facility"]
        self.username = fac.get("username", "01001_BV")
        self.password_md5 = fac.get("password_md5") or hashlib.md5(
            fac.get("password", "matkhau-thu-nghiem").encode()).hexdigest()
        self.log_lock = threading.Lock()

    def log(self, **rec):
        if not self.args.log:
            return
        with self.log_lock, open(self.args.log, "a", encoding="utf-8") as f:
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")

    def seen(self, key):
        with self.lock:
            self.counts[key] = self.counts.get(key, 0) + 1
            return self.counts[key]

    def new_token(self):
        access = secrets.token_urlsafe(24) + "/+="   # characters that need encoding
        id_token = secrets.token_urlsafe(16) + "&="
        with self.lock:
            self.tokens[access] = (id_token, time.time() + self.args.token_ttl)
        return access, id_token

    def token_ok(self, access, id_token):
        with self.lock:
            t = self.tokens.get(access)
        return t is not None and t[0] == id_token and time.time() < t[1]

    def revoke_all(self):
        with self.lock:
            self.tokens.clear()

    def person(self, ma_the):
        for p in self.registry["people"]:
            codes = p["maThe"] if isinstance(p["maThe"], list) else [p["maThe"]]
            if ma_the in codes:
                return p
        return None


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "StandInVSS/1.0"

    def log_message(self, fmt, *a):     # quiet: the JSON log is the record
        pass

    def send(self, status, body, ctype="application/json; charset=utf-8", length=None,
             close=False):
        data = body if isinstance(body, bytes) else body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data) if length is None else length))
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()

    def send_json(self, obj, status=200):
        self.send(status, json.dumps(obj, ensure_ascii=False))

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n > 1 << 20:
            raise ValueError("body too large")
        return self.rfile.read(n)

    def do_GET(self):
        self.send(405, "method not allowed", "text/plain")

    def do_POST(self):
        st = self.server.state
        url = urllib.parse.urlsplit(self.path)
        raw = self.read_body()
        if url.path == TOKEN_PATH:
            self.token_take(st, raw)
        elif url.path == LOOKUP_PATH:
            self.lookup(st, urllib.parse.parse_qs(url.query, keep_blank_values=True), raw)
        else:
            st.log(path=url.path, status=404)
            self.send(404, "<html><body>404 Not Found</body></html>", "text/html")

    # -- step 1 --------------------------------------------------------------
    def token_take(self, st, raw):
        a = st.args
        try:
            req = json.loads(raw.decode("utf-8"))
            user, pw = req["username"], req["password"]
        except (ValueError, KeyError, TypeError, UnicodeDecodeError):
            st.log(path=TOKEN_PATH, status=400, error="bad body")
            self.send_json({"maKetQua": "205", "APIKey": None})
            return
        if a.fault == "token-500-once" and st.seen(("token", "500")) == 1:
            st.log(path=TOKEN_PATH, status=500, fault="token-500-once")
            self.send(500, "<html>Internal Server Error</html>", "text/html")
            return
        ok = user == st.username and pw == st.password_md5
        st.log(path=TOKEN_PATH, status=200 if ok else 401, username=user,
               password_is_md5=bool(re.fullmatch(r"[0-9a-f]{32}", pw or "")), ok=ok)
        if not ok:
            if a.auth_http_status:
                self.send(401, "Unauthorized", "text/plain")
            else:
                self.send_json({"maKetQua": "401", "APIKey": None})
            return
        access, id_token = st.new_token()
        key = {"access_token": access, "id_token": id_token, "token_type": "Bearer",
               "username": user, "expires_in": a.token_ttl}
        if a.token_layout == "toplevel":
            self.send_json(dict(maKetQua="200", **key))
        else:
            self.send_json({"maKetQua": "200", "APIKey": key})

    # -- step 2 --------------------------------------------------------------
    def unauthorized(self, http_status=False):
        if http_status:
            self.send(401, "Unauthorized", "text/plain")
        else:
            self.send_json({"maKetQua": "401", "ghiChu": NOTES["401"]})

    def lookup(self, st, q, raw):
        a = st.args
        one = {k: v[0] for k, v in q.items() if v}
        try:
            req = json.loads(raw.decode("utf-8"))
            if not isinstance(req, dict):
                raise ValueError
        except (ValueError, UnicodeDecodeError):
            req = None
        ma_the = req.get("maThe") if req else None
        person = st.person(ma_the) if isinstance(ma_the, str) else None
        fault = a.fault or (person or {}).get("fault")
        rec = dict(path=LOOKUP_PATH, maThe=ma_the, query=sorted(q.keys()), fault=fault)
        if req is not None:
            rec["body"] = {k: req.get(k) for k in ("maThe", "hoTen", "ngaySinh", "hoTenCb",
                                                   "cccdCb")}
        # authentication of the facility and the token
        if (one.get("username") != st.username or one.get("password") != st.password_md5
                or not st.token_ok(one.get("token"), one.get("id_token"))):
            st.log(status=401, auth="bad", **rec)
            self.unauthorized(a.auth_http_status)
            return
        if fault in ("401-once", "http401-once") and st.seen((ma_the, fault)) == 1:
            st.revoke_all()     # the token "expired": every token issued so far
            st.log(status=401, auth="expired", **rec)
            self.unauthorized(fault == "http401-once")
            return
        if fault == "401-always":
            st.revoke_all()
            st.log(status=401, auth="expired", **rec)
            self.unauthorized()
            return
        if fault == "slow":
            st.log(status=0, slow=a.slow_seconds, **rec)
            time.sleep(a.slow_seconds)
        if fault == "500" or (fault == "500-once" and st.seen((ma_the, fault)) == 1):
            st.log(status=500, **rec)
            self.send(500, "<html><body>500 Internal Server Error</body></html>",
                      "text/html")
            return
        if fault == "coded-500":
            st.log(status=500, code="101", **rec)
            self.send_json({"maKetQua": "101", "ghiChu": NOTES["101"]}, 500)
            return
        if fault == "nonjson":
            st.log(status=200, **rec)
            self.send(200, "<html><body>Hệ thống đang bảo trì</body></html>", "text/html")
            return
        if fault == "empty":
            st.log(status=200, **rec)
            self.send(200, b"")
            return
        code, answer = self.answer(st, req, person)
        body = json.dumps(answer, ensure_ascii=False).encode("utf-8")
        if fault == "truncated":
            # announce the full length, send half, hang up
            st.log(status=200, code=code, truncated=True, **rec)
            self.send(200, body[:len(body) // 2], length=len(body), close=True)
            return
        if fault == "truncated-json":
            st.log(status=200, code=code, truncated=True, **rec)
            self.send(200, body[:len(body) // 2])
            return
        st.log(status=200, code=code, sha256=hashlib.sha256(body).hexdigest(), **rec)
        self.send(200, body)

    def answer(self, st, req, person):
        def result(code, extra=None):
            out = {k: None for k in ANSWER_FIELDS}
            out["maKetQua"] = code
            out["ghiChu"] = NOTES.get(code, "")
            out["dsLichSuKCB2018"] = []
            out["dsLichSuKT2018"] = []
            if extra:
                out.update(extra)
            return code, out

        need = ("maThe", "hoTen", "ngaySinh", "hoTenCb", "cccdCb")
        if req is None or any(not isinstance(req.get(k), str) or not req.get(k) for k in need):
            return result("205")
        if not DATE_RE.match(req["ngaySinh"]) or not re.fullmatch(r"\d{12}", req["cccdCb"]):
            return result("205")
        staff = [s for s in st.registry["staff"] if s["cccd"] == req["cccdCb"]]
        if not staff:
            return result("054")
        if norm_name(staff[0]["name"]) != norm_name(req["hoTenCb"]):
            return result("055")
        if person is None:
            return result("050")
        code = person.get("result")
        if code is None or code in ("060", "061", "070"):
            if norm_name(person["hoTen"]) != norm_name(req["hoTen"]):
                first = norm_name(person["hoTen"])[:1] == norm_name(req["hoTen"])[:1]
                return result("061" if first else "060")
            if person["ngaySinh"] != req["ngaySinh"]:
                return result("070")
            code = code or "000"
        if code not in DETAILED:
            return result(code)
        card = {k: rel_date(v) for k, v in person.items()
                if k in ANSWER_FIELDS and k not in ("maKetQua", "maThe")}
        codes = person["maThe"] if isinstance(person["maThe"], list) else [person["maThe"]]
        card["maThe"] = person.get("maTheBHYT", codes[-1])
        if "ghiChu" in person:
            card["ghiChu"] = person["ghiChu"]
        card.update(person.get("extra", {}))     # fields beyond the official list
        return result(code, card)


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = False

    def handle_error(self, request, client_address):
        # TLS failures (no client certificate, untrusted server...) end here.
        e = sys.exc_info()[1]
        self.state.log(path=None, status=0, error=type(e).__name__, detail=str(e)[:200])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cert", required=True, help="server certificate (+ chain), PEM")
    ap.add_argument("--key", required=True, help="server private key, PEM")
    ap.add_argument("--client-ca", help="require client certificates issued under this CA")
    ap.add_argument("--tls-max", choices=("1.2", "1.3"), default="1.3",
                    help="highest TLS version (1.2: client-certificate refusals happen "
                         "inside the handshake)")
    ap.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    ap.add_argument("--registry", action="append", default=[],
                    help="registry JSON (repeatable; default: registry.json here)")
    ap.add_argument("--token-ttl", type=int, default=600, help="token lifetime, seconds")
    ap.add_argument("--token-layout", choices=("apikey", "toplevel"), default="apikey")
    ap.add_argument("--auth-http-status", action="store_true",
                    help="refuse credentials with HTTP 401 instead of maKetQua 401")
    ap.add_argument("--fault", help="apply a fault to every lookup: " + ", ".join(
        sorted(FAULTS | {"token-500-once"})))
    ap.add_argument("--slow-seconds", type=float, default=5.0)
    ap.add_argument("--log", help="append one JSON line per request here")
    args = ap.parse_args()
    if not args.registry:
        args.registry = [os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                      "registry.json")]
    if args.fault and args.fault not in FAULTS | {"token-500-once"}:
        ap.error("unknown fault " + args.fault)

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    if args.tls_max == "1.2":
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(args.cert, args.key)
    if args.client_ca:
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_verify_locations(args.client_ca)

    srv = Server(("127.0.0.1", args.port), Handler, bind_and_activate=False)
    srv.state = State(args)
    srv.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 0)
    srv.server_bind()
    srv.server_activate()
    # Handshakes happen in the handler threads, not in the accept loop.
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True,
                                 do_handshake_on_connect=False)
    print("ready", srv.server_address[1], flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
