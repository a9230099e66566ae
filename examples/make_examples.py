#!/usr/bin/env python3
"""Generates the iocmatch example data set.

    python3 examples/make_examples.py

writes, next to this script:

    logs/{conn,dns,http,ssl,files,smtp}.log   Zeek TSV logs (Zeek 5.x field layouts, ja3 package
                                              columns in ssl.log)
    logs/eve.json                             the HTTP requests as Suricata EVE http events
    indicators/intel.zeek                     a Zeek intel framework file
    indicators/blocklist.txt                  a plain indicator list with key=value metadata
    planted.json                              the ground truth: every hit planted, and near-misses

Everything is synthetic and deterministic (random.Random(2026), standard library only).
Addresses come only from the documentation ranges 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24
and 2001:db8::/32; names only from example.com/.net/.org and the reserved TLDs .example and .test.

planted.json lists every match a scan of the logs against both indicator files should report
(file, 1-based line, the matched text, the indicator as written in its file), including the echoes
of a planted value in other fields and logs (a listed address also shows up in conn.log and as
files.log tx_hosts), and near-misses: text on a line that must not be reported. In http.log a URL
indicator is planted in the referrer field and, once, as a request's host and uri pair: that hit's
text is the two fields with the tab between them, as a scan that joins them reports it. In
eve.json the same request's hit runs from the hostname's value to the end of the url's.
"""

import calendar
import hashlib
import json
import os
import random
import string
import time

HERE = os.path.dirname(os.path.abspath(__file__))
rng = random.Random(2026)

T0 = calendar.timegm((2026, 1, 12, 8, 0, 0))  # Monday 2026-01-12 08:00:00 UTC
SPAN = 3400.0  # sessions start within the first 3400 s; the logs close at 09:00:00


def hexs(n):
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


# ---------------------------------------------------------------------------------------------
# Indicators
# ---------------------------------------------------------------------------------------------

MD5_BAD = hexs(32)  # invoice.exe
SHA1_BAD = hexs(40)  # invoice.exe
SHA256_BAD = hexs(64)  # Q4_statement.docm
SHA256_BLOCK = hexs(64)  # svch0st.exe
JA3_BAD = hexs(32)  # the loader's TLS client
UA_BAD = "Mozilla/5.0 (Windows NT 6.1) BlackSun/3.2"
REF = "https://intel.example.org/reports/"

# indicator, Zeek type, meta.source, meta.desc, meta.url, meta.do_notice
INTEL = [
    ("198.51.100.10", "Intel::ADDR", "cert-feed", "loader C2 server", REF + "2026-004", "T"),
    ("203.0.113.45", "Intel::ADDR", "partner-isac", "web exploitation source", "-", "T"),
    ("198.51.100.23", "Intel::ADDR", "partner-isac", "webmail login used for invoice fraud", "-", "F"),
    ("2001:db8::bad", "Intel::ADDR", "cert-feed", "loader C2 server (IPv6)", REF + "2026-004", "T"),
    ("198.51.100.64/27", "Intel::SUBNET", "partner-isac", "bulletproof hosting netblock", "-", "F"),
    ("evil.example", "Intel::DOMAIN", "cert-feed", "phishing kit host", REF + "2026-001", "T"),
    ("badcdn.example.net", "Intel::DOMAIN", "partner-isac", "malware distribution CDN", "-", "T"),
    ("login-verify.test", "Intel::DOMAIN", "partner-isac", "credential phishing", "-", "F"),
    ("c2-relay.example.com", "Intel::DOMAIN", "cert-feed", "loader C2 relay", REF + "2026-004", "T"),
    ("malware.example/dl/payload.bin", "Intel::URL", "cert-feed", "loader download", REF + "2026-004", "T"),
    ("update.example.org/api/v2/beacon.php", "Intel::URL", "partner-isac", "beacon endpoint", "-", "T"),
    ("billing@invoices.example", "Intel::EMAIL", "partner-isac", "invoice fraud sender", "-", "F"),
    ("j.doe.helpdesk@example.net", "Intel::EMAIL", "cert-feed", "helpdesk impersonation", "-", "F"),
    (MD5_BAD, "Intel::FILE_HASH", "cert-feed", "invoice.exe loader (md5)", REF + "2026-004", "T"),
    (SHA1_BAD, "Intel::FILE_HASH", "cert-feed", "invoice.exe loader (sha1)", REF + "2026-004", "T"),
    (SHA256_BAD, "Intel::FILE_HASH", "partner-isac", "macro document dropper", "-", "T"),
    ("invoice.exe", "Intel::FILE_NAME", "cert-feed", "loader file name", "-", "F"),
    ("Q4_statement.docm", "Intel::FILE_NAME", "partner-isac", "macro document lure", "-", "F"),
    (UA_BAD, "Intel::SOFTWARE", "cert-feed", "loader user agent", REF + "2026-004", "T"),
    (JA3_BAD, "Intel::JA3", "cert-feed", "loader TLS client fingerprint", "-", "F"),
]

# value, then key=value metadata fields
BLOCKLIST = [
    "# iocmatch example blocklist: one value a line, optional tab-separated key=value metadata.",
    "# Keys: desc, tags (comma separated), confidence (0-100), match, kind.",
    "",
    "# addresses and networks",
    ("203.0.113.9", "desc=SSH scanner", "tags=scanner,tlp:green", "confidence=70"),
    ("203.0.113.128/25", "desc=hosting range used by phishing kits", "tags=phishing", "confidence=50"),
    ("203.0.113.200", "desc=phishing landing server", "tags=phishing,tlp:amber", "confidence=90"),
    ("2001:db8:dead::5", "desc=IPv6 scanner", "tags=scanner", "confidence=60"),
    "",
    "# domains (evil.example is also in intel.zeek: one indicator, two sources)",
    ("evil.example", "desc=phishing kit host", "tags=phishing,tlp:green", "confidence=85"),
    ("secure-login.bank.test", "match=exact", "desc=credential phishing page", "confidence=80"),
    ("tracker.example.org", "desc=adware tracker", "tags=adware", "confidence=40"),
    ("stealer-panel.test", "desc=infostealer panel", "tags=stealer", "confidence=75"),
    "",
    "# URLs, hashes, strings",
    ("http://downloads.example.net/tools/", "match=prefix", "desc=tool staging directory", "tags=staging"),
    (SHA256_BLOCK, "desc=masquerading service binary", "tags=malware", "confidence=95"),
    ("/cmd.php?c=", "kind=literal", "desc=webshell command parameter", "tags=webshell"),
    ("svch0st.exe", "kind=filename", "desc=masquerading service binary"),
    ("readme.scr", "kind=filename", "match=nocase", "desc=screensaver dropper"),
    ("payroll@hr-portal.test", "desc=payroll phishing sender", "tags=phishing", "confidence=80"),
]

# Whole field values (or whole set/vector elements) the generator plants, and the indicators
# (as written in the indicator files) each must hit. Hits inside free text are annotated where
# the text is written.
PLANTED = {
    "198.51.100.10": ["198.51.100.10"],
    "203.0.113.45": ["203.0.113.45"],
    "198.51.100.23": ["198.51.100.23"],
    "2001:db8::bad": ["2001:db8::bad"],
    "198.51.100.70": ["198.51.100.64/27"],
    "198.51.100.71": ["198.51.100.64/27"],
    "203.0.113.150": ["203.0.113.128/25"],
    "203.0.113.200": ["203.0.113.128/25", "203.0.113.200"],
    "203.0.113.9": ["203.0.113.9"],
    "2001:db8:dead::5": ["2001:db8:dead::5"],
    "cdn.evil.example": ["evil.example"],
    "EVIL.Example": ["evil.example"],
    "static.badcdn.example.net": ["badcdn.example.net"],
    "cdn.badcdn.example.net": ["badcdn.example.net"],
    "account.login-verify.test": ["login-verify.test"],
    "c2-relay.example.com": ["c2-relay.example.com"],
    "secure-login.bank.test": ["secure-login.bank.test"],
    "tracker.example.org": ["tracker.example.org"],
    MD5_BAD: [MD5_BAD],
    SHA1_BAD: [SHA1_BAD],
    SHA256_BAD: [SHA256_BAD],
    SHA256_BLOCK: [SHA256_BLOCK],
    JA3_BAD: [JA3_BAD],
    "invoice.exe": ["invoice.exe"],
    "Q4_statement.docm": ["Q4_statement.docm"],
    "svch0st.exe": ["svch0st.exe"],
    "ReadMe.SCR": ["readme.scr"],
    "billing@invoices.example": ["billing@invoices.example"],
    "j.doe.helpdesk@example.net": ["j.doe.helpdesk@example.net"],
    "payroll@hr-portal.test": ["payroll@hr-portal.test"],
    UA_BAD: [UA_BAD],
}

# ---------------------------------------------------------------------------------------------
# Zeek log layouts
# ---------------------------------------------------------------------------------------------

ID = [("ts", "time"), ("uid", "string"), ("id.orig_h", "addr"), ("id.orig_p", "port"),
      ("id.resp_h", "addr"), ("id.resp_p", "port")]

LAYOUTS = {
    "conn": ID + [
        ("proto", "enum"), ("service", "string"), ("duration", "interval"),
        ("orig_bytes", "count"), ("resp_bytes", "count"), ("conn_state", "string"),
        ("local_orig", "bool"), ("local_resp", "bool"), ("missed_bytes", "count"),
        ("history", "string"), ("orig_pkts", "count"), ("orig_ip_bytes", "count"),
        ("resp_pkts", "count"), ("resp_ip_bytes", "count"), ("tunnel_parents", "set[string]")],
    "dns": ID + [
        ("proto", "enum"), ("trans_id", "count"), ("rtt", "interval"), ("query", "string"),
        ("qclass", "count"), ("qclass_name", "string"), ("qtype", "count"),
        ("qtype_name", "string"), ("rcode", "count"), ("rcode_name", "string"), ("AA", "bool"),
        ("TC", "bool"), ("RD", "bool"), ("RA", "bool"), ("Z", "count"),
        ("answers", "vector[string]"), ("TTLs", "vector[interval]"), ("rejected", "bool")],
    "http": ID + [
        ("trans_depth", "count"), ("method", "string"), ("host", "string"), ("uri", "string"),
        ("referrer", "string"), ("version", "string"), ("user_agent", "string"),
        ("origin", "string"), ("request_body_len", "count"), ("response_body_len", "count"),
        ("status_code", "count"), ("status_msg", "string"), ("info_code", "count"),
        ("info_msg", "string"), ("tags", "set[enum]"), ("username", "string"),
        ("password", "string"), ("proxied", "set[string]"), ("orig_fuids", "vector[string]"),
        ("orig_filenames", "vector[string]"), ("orig_mime_types", "vector[string]"),
        ("resp_fuids", "vector[string]"), ("resp_filenames", "vector[string]"),
        ("resp_mime_types", "vector[string]")],
    "ssl": ID + [
        ("version", "string"), ("cipher", "string"), ("curve", "string"),
        ("server_name", "string"), ("resumed", "bool"), ("last_alert", "string"),
        ("next_protocol", "string"), ("established", "bool"), ("ssl_history", "string"),
        ("cert_chain_fps", "vector[string]"), ("client_cert_chain_fps", "vector[string]"),
        ("sni_matches_cert", "bool"), ("ja3", "string"), ("ja3s", "string")],
    "files": [
        ("ts", "time"), ("fuid", "string"), ("tx_hosts", "set[addr]"), ("rx_hosts", "set[addr]"),
        ("conn_uids", "set[string]"), ("source", "string"), ("depth", "count"),
        ("analyzers", "set[string]"), ("mime_type", "string"), ("filename", "string"),
        ("duration", "interval"), ("local_orig", "bool"), ("is_orig", "bool"),
        ("seen_bytes", "count"), ("total_bytes", "count"), ("missing_bytes", "count"),
        ("overflow_bytes", "count"), ("timedout", "bool"), ("parent_fuid", "string"),
        ("md5", "string"), ("sha1", "string"), ("sha256", "string"), ("extracted", "string"),
        ("extracted_cutoff", "bool"), ("extracted_size", "count")],
    "smtp": ID + [
        ("trans_depth", "count"), ("helo", "string"), ("mailfrom", "string"),
        ("rcptto", "set[string]"), ("date", "string"), ("from", "string"), ("to", "set[string]"),
        ("cc", "set[string]"), ("reply_to", "string"), ("msg_id", "string"),
        ("in_reply_to", "string"), ("subject", "string"), ("x_originating_ip", "addr"),
        ("first_received", "string"), ("second_received", "string"), ("last_reply", "string"),
        ("path", "vector[addr]"), ("user_agent", "string"), ("tls", "bool"),
        ("fuids", "vector[string]"), ("is_webmail", "bool")],
}

ROWS = {name: [] for name in LAYOUTS}


def emit(log, ts, fields, hits=(), misses=()):
    """Queues one log row; `hits` are (text, indicator) pairs inside free text, `misses` texts."""
    ROWS[log].append({"ts": ts, "fields": fields, "hits": list(hits), "misses": list(misses)})


def cell(v):
    if v is None:
        return "-"
    if isinstance(v, bool):
        return "T" if v else "F"
    if isinstance(v, float):
        return "%.6f" % v
    if isinstance(v, (list, tuple)):
        return ",".join(cell(x) for x in v) if v else "(empty)"
    return str(v)


# ---------------------------------------------------------------------------------------------
# Network model
# ---------------------------------------------------------------------------------------------

B62 = string.ascii_letters + string.digits
_ids = set()


def new_id(prefix):
    while True:
        i = prefix + "".join(rng.choice(B62) for _ in range(17))
        if i not in _ids:
            _ids.add(i)
            return i


def eport():
    return rng.randint(49152, 65535)


def is_local(a):
    return a.startswith("192.0.2.") or a.startswith("2001:db8:1::")


CLIENTS = ["192.0.2.%d" % n for n in range(20, 48)]
RESOLVER, RESOLVER6, MX = "192.0.2.53", "2001:db8:1::53", "192.0.2.25"

# benign names: IPv4 address, IPv6 address or None
HOSTS = {
    "www.example.com": ("198.51.100.30", "2001:db8:ffff::30"),
    "static.example.com": ("198.51.100.31", "2001:db8:ffff::31"),
    "api.example.com": ("198.51.100.33", None),
    "docs.example.com": ("198.51.100.34", None),
    "login.example.com": ("198.51.100.35", "2001:db8:ffff::35"),
    "video.example.com": ("198.51.100.37", None),
    "media.example.com": ("198.51.100.100", None),
    "status.example.org": ("198.51.100.38", None),
    "tracker.example.org": ("198.51.100.39", None),
    "intel.example.org": ("198.51.100.40", None),
    "www.example.org": ("203.0.113.26", "2001:db8:ffff::26"),
    "shop.example.org": ("203.0.113.27", None),
    "files.example.org": ("203.0.113.25", None),
    "cdn.example.net": ("203.0.113.20", "2001:db8:ffff::20"),
    "news.example.net": ("203.0.113.21", None),
    "telemetry.example.net": ("198.51.100.131", None),
    "time.example.net": ("203.0.113.33", None),
    "fonts.example.net": ("203.0.113.34", None),
    "backup.example.net": ("198.51.100.96", None),
    "updates.vendor.test": ("203.0.113.30", None),
    "repo.mirror.test": ("203.0.113.31", None),
    "portal.example.com": ("192.0.2.80", None),
    "wiki.corp.example": ("192.0.2.81", None),
}
TLS_HOSTS = ["www.example.com", "static.example.com", "api.example.com", "docs.example.com",
             "login.example.com", "www.example.org", "cdn.example.net", "fonts.example.net",
             "updates.vendor.test", "repo.mirror.test", "shop.example.org", "news.example.net"]
UAS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.6099.109 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_2) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.2 Safari/605.1.15",
]
JA3S = [hexs(32) for _ in range(5)]
JA3SS = [hexs(32) for _ in range(3)]


def conn(ts, uid, o, op, r, rp, proto, service, dur, ob, rb, state, history, op_n, rp_n,
         misses=()):
    hdr = 60 if ":" in o else 40
    if proto == "udp":
        hdr -= 12
    emit("conn", ts, {
        "uid": uid, "id.orig_h": o, "id.orig_p": op, "id.resp_h": r, "id.resp_p": rp,
        "proto": proto, "service": service, "duration": dur,
        "orig_bytes": ob, "resp_bytes": rb, "conn_state": state,
        "local_orig": is_local(o), "local_resp": is_local(r), "missed_bytes": 0,
        "history": history, "orig_pkts": op_n, "orig_ip_bytes": ob + hdr * op_n,
        "resp_pkts": rp_n, "resp_ip_bytes": rb + hdr * rp_n, "tunnel_parents": None},
         misses=misses)


QTYPES = {"A": 1, "AAAA": 28, "HTTPS": 65}


def dns(t, client, queries, hits=(), misses=()):
    """One DNS exchange: queries = [(name, qtype, answers, ttl, rcode_name[, row misses])]."""
    uid = new_id("C")
    resolver = RESOLVER6 if ":" in client else RESOLVER
    port = eport()
    ts, ob, rb = t, 0, 0
    for name, qtype, answers, ttl, rcode, *row_misses in queries:
        rtt = round(rng.uniform(0.004, 0.060), 6)
        emit("dns", ts, {
            "uid": uid, "id.orig_h": client, "id.orig_p": port, "id.resp_h": resolver,
            "id.resp_p": 53, "proto": "udp", "trans_id": rng.randint(1, 65535), "rtt": rtt,
            "query": name, "qclass": 1, "qclass_name": "C_INTERNET", "qtype": QTYPES[qtype],
            "qtype_name": qtype, "rcode": 0 if rcode == "NOERROR" else 3, "rcode_name": rcode,
            "AA": False, "TC": False, "RD": True, "RA": True, "Z": 0,
            "answers": answers or None, "TTLs": [float(ttl)] * len(answers) or None,
            "rejected": False}, hits, list(misses) + row_misses)
        ob += 17 + len(name)
        rb += 17 + len(name) + sum(16 if ":" in a else 12 for a in answers) + (40 if not answers else 0)
        ts += rng.uniform(0.0002, 0.002)
    conn(t, uid, client, port, resolver, 53, "udp", "dns", round(ts - t + rtt, 6), ob, rb,
         "SF", "Dd", len(queries), len(queries))
    return ts + rtt


def lookup(t, client, name, v6=False):
    ip4, ip6 = HOSTS[name]
    qs = [(name, "A", [ip4], 300, "NOERROR")]
    if v6:
        qs.append((name, "AAAA", [ip6] if ip6 else [], 300, "NOERROR"))
    return dns(t, client, qs)


def file_row(ts, uid, tx, rx, source, mime, size, filename=None, hashes=None, is_orig=False,
             hits=(), misses=()):
    fu = new_id("F")
    md5, sha1, sha256 = hashes or (hexs(32), hexs(40), hexs(64))
    emit("files", ts + rng.uniform(0.0001, 0.003), {
        "fuid": fu, "tx_hosts": [tx], "rx_hosts": [rx], "conn_uids": [uid], "source": source,
        "depth": 0, "analyzers": ["MD5", "SHA1", "SHA256"], "mime_type": mime,
        "filename": filename, "duration": round(rng.uniform(0.0, 0.4) * (size > 20000), 6),
        "local_orig": is_local(tx), "is_orig": is_orig, "seen_bytes": size, "total_bytes": size,
        "missing_bytes": 0, "overflow_bytes": 0, "timedout": False, "parent_fuid": None,
        "md5": md5, "sha1": sha1, "sha256": sha256, "extracted": None,
        "extracted_cutoff": None, "extracted_size": None}, hits, misses)
    return fu


MIME_SIZES = {"text/html": (4000, 60000), "text/css": (2000, 30000),
              "application/javascript": (5000, 90000), "image/png": (800, 40000),
              "image/gif": (43, 43), "image/jpeg": (9000, 80000), "application/json": (90, 3000),
              "application/x-dosexec": (180000, 900000), "text/plain": (20, 900)}


def req(uri, mime="text/html", host=None, referrer=None, ua=None, method="GET", status=200,
        filename=None, hashes=None, hits=(), misses=(), file_hits=()):
    return dict(uri=uri, mime=mime, host=host, referrer=referrer, ua=ua, method=method,
                status=status, filename=filename, hashes=hashes, hits=hits, misses=misses,
                file_hits=file_hits)


def web(t, client, host, requests, ip=None, ua=None, resolve=False):
    """An HTTP connection with keep-alive requests; every response body becomes a files.log row."""
    if resolve:
        t = lookup(t, client, host, v6=rng.random() < 0.5) + rng.uniform(0.001, 0.01)
    ip = ip or HOSTS[host][0]
    uid, port = new_id("C"), eport()
    ua = ua or rng.choice(UAS)
    ts, ob, rb = t + rng.uniform(0.02, 0.15), 0, 0
    for depth, r in enumerate(requests, 1):
        lo, hi = MIME_SIZES[r["mime"]]
        size = rng.randint(lo, hi) if r["status"] == 200 else 0
        fu = None
        if size:
            fu = file_row(ts, uid, ip, client, "HTTP", r["mime"], size, r["filename"],
                          r["hashes"], hits=r["file_hits"])
        emit("http", ts, {
            "uid": uid, "id.orig_h": client, "id.orig_p": port, "id.resp_h": ip,
            "id.resp_p": 80, "trans_depth": depth, "method": r["method"],
            "host": r["host"] or host, "uri": r["uri"], "referrer": r["referrer"],
            "version": "1.1", "user_agent": r["ua"] or ua, "origin": None,
            "request_body_len": 0, "response_body_len": size, "status_code": r["status"],
            "status_msg": {200: "OK", 304: "Not Modified", 404: "Not Found"}[r["status"]],
            "info_code": None, "info_msg": None, "tags": [], "username": None,
            "password": None, "proxied": None, "orig_fuids": None, "orig_filenames": None,
            "orig_mime_types": None, "resp_fuids": [fu] if fu else None,
            "resp_filenames": None, "resp_mime_types": [r["mime"]] if fu else None},
            r["hits"], r["misses"])
        ob += 300 + len(r["uri"]) + len(ua)
        rb += 250 + size
        ts += rng.uniform(0.05, 2.5)
    pk_o, pk_r = 4 + len(requests) * 2, 3 + rb // 1400
    conn(t, uid, client, port, ip, 80, "tcp", "http", round(ts - t, 6), ob, rb, "SF",
         "ShADadFf", pk_o, pk_r)


def tls(t, client, sni, ip, ja3=None, resolve=False, misses=(), conn_misses=()):
    if resolve:
        t = lookup(t, client, sni) + rng.uniform(0.001, 0.01)
    uid, port = new_id("C"), eport()
    v13 = rng.random() < 0.7
    emit("ssl", t + rng.uniform(0.02, 0.08), {
        "uid": uid, "id.orig_h": client, "id.orig_p": port, "id.resp_h": ip, "id.resp_p": 443,
        "version": "TLSv13" if v13 else "TLSv12",
        "cipher": "TLS_AES_128_GCM_SHA256" if v13 else "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        "curve": "x25519", "server_name": sni, "resumed": False, "last_alert": None,
        "next_protocol": rng.choice(["h2", "http/1.1"]), "established": True,
        "ssl_history": "CsiI" if v13 else "CsxknGIi",
        "cert_chain_fps": None if v13 else [hexs(64), hexs(64)],
        "client_cert_chain_fps": None if v13 else [], "sni_matches_cert": None if v13 else True,
        "ja3": ja3 or rng.choice(JA3S), "ja3s": rng.choice(JA3SS)}, misses=misses)
    dur = rng.uniform(0.3, 45.0)
    ob, rb = rng.randint(900, 9000), rng.randint(4000, 120000)
    conn(t, uid, client, port, ip, 443, "tcp", "ssl", round(dur, 6), ob, rb, "SF",
         "ShADadFf", 6 + ob // 1000, 5 + rb // 1400, misses=conn_misses)


def conn_only(t, o, r, rp, state, history, service=None, proto="tcp", misses=()):
    n = 1 if state in ("S0", "REJ") else 4
    conn(t, new_id("C"), o, eport(), r, rp, proto, service,
         None if state == "S0" else round(rng.uniform(0.0, 0.3), 6),
         0 if state in ("S0", "REJ") else 48, 0 if state in ("S0", "REJ") else 48,
         state, history, n, 1 if state == "REJ" else n - (state == "S0"), misses=misses)


def date_hdr(ts):
    return time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime(ts))


def msg(mailfrom, rcpt, subject, frm=None, to=None, attachments=(), reply_to=None,
        x_orig=None, msg_id=None, hits=(), misses=(), ua=None):
    return dict(mailfrom=mailfrom, rcpt=rcpt, subject=subject, frm=frm or "<%s>" % mailfrom,
                to=to or ["<%s>" % r for r in rcpt], attachments=attachments, reply_to=reply_to,
                x_orig=x_orig, msg_id=msg_id, hits=hits, misses=misses, ua=ua)


def att(filename, mime, hashes=None, hits=(), misses=()):
    return dict(filename=filename, mime=mime, hashes=hashes, hits=hits, misses=misses)


def mail(t, mta, helo, messages):
    """One inbound SMTP session from an external relay carrying several messages."""
    uid, port = new_id("C"), eport()
    ts, ob = t + rng.uniform(0.2, 0.6), 0
    for depth, m in enumerate(messages, 1):
        fuids = []
        for a in m["attachments"]:
            size = rng.randint(18000, 400000)
            fuids.append(file_row(ts + 0.5, uid, mta, MX, "SMTP", a["mime"], size, a["filename"],
                                  a["hashes"], is_orig=True, hits=a["hits"],
                                  misses=a["misses"]))
            ob += size * 4 // 3
        qid = "".join(rng.choice("0123456789ABCDEF") for _ in range(10))
        date = date_hdr(ts - rng.uniform(2, 20))
        emit("smtp", ts, {
            "uid": uid, "id.orig_h": mta, "id.orig_p": port, "id.resp_h": MX, "id.resp_p": 25,
            "trans_depth": depth, "helo": helo, "mailfrom": m["mailfrom"], "rcptto": m["rcpt"],
            "date": date, "from": m["frm"], "to": m["to"], "cc": None,
            "reply_to": m["reply_to"],
            "msg_id": m["msg_id"] or "<%s.%s@%s>" % (
                time.strftime("%Y%m%d%H%M%S", time.gmtime(ts)), qid[:6], helo),
            "in_reply_to": None, "subject": m["subject"], "x_originating_ip": m["x_orig"],
            "first_received": "by %s (Postfix, from userid %d) id %s; %s" % (
                helo, rng.choice([33, 1000, 1001]), qid, date),
            "second_received": None,
            "last_reply": "250 2.0.0 Ok: queued as %s" % qid[::-1], "path": [MX, mta],
            "user_agent": m["ua"], "tls": True, "fuids": fuids,
            "is_webmail": "Webmail" in (m["ua"] or "")},
            m["hits"], m["misses"])
        ob += 2000 + len(m["subject"]) * 2
        ts += rng.uniform(0.8, 6.0)
    conn(t, uid, mta, port, MX, 25, "tcp", "smtp,ssl", round(ts - t, 6), ob,
         rng.randint(3000, 6000), "SF", "ShAdDaFf", 10 + ob // 1400, 8 + len(messages) * 2)


# ---------------------------------------------------------------------------------------------
# Sessions: planted ones first, then background. Each is a function of its start time.
# ---------------------------------------------------------------------------------------------

S = []  # session builders


def session(f):
    S.append(f)
    return f


# Phishing kit on cdn.evil.example (198.51.100.10): DNS, two page loads, their bodies.
@session
def _(t):
    c = "192.0.2.21"
    t = dns(t, c, [("cdn.evil.example", "A", ["198.51.100.10"], 300, "NOERROR")])
    web(t + 0.004, c, "cdn.evil.example", [req("/kit/index.php"),
                                             req("/kit/login.js", "application/javascript")],
        ip="198.51.100.10")


# 0x20-style mixed-case query for the same domain; NXDOMAIN.
@session
def _(t):
    dns(t, "192.0.2.33", [("EVIL.Example", "A", [], 0, "NXDOMAIN")])


# Label traps: notevil.example is not evil.example, nor is evil.example.other.test.
@session
def _(t):
    dns(t, "192.0.2.34", [
        ("notevil.example", "A", ["203.0.113.17"], 600, "NOERROR", "notevil.example"),
        ("evil.example.other.test", "A", [], 0, "NXDOMAIN", "evil.example.other.test")])


# Phishing page on 203.0.113.200 (a listed address inside the listed /25).
@session
def _(t):
    c = "192.0.2.40"
    t = dns(t, c, [("secure-login.bank.test", "A", ["203.0.113.200"], 120, "NOERROR")])
    tls(t + 0.003, c, "secure-login.bank.test", "203.0.113.200")


# secure-login.bank.test is listed with match=exact: its subdomain does not hit.
@session
def _(t):
    tls(t, "192.0.2.41", "www.secure-login.bank.test", "203.0.113.14",
        misses=["www.secure-login.bank.test"])


# IPv6 C2: AAAA lookup, then TLS with the loader's JA3.
@session
def _(t):
    c = "2001:db8:1::21"
    t = dns(t, c, [("c2-relay.example.com", "AAAA", ["2001:db8::bad"], 60, "NOERROR")])
    tls(t + 0.002, c, "c2-relay.example.com", "2001:db8::bad", ja3=JA3_BAD)


# invoice.exe from the bulletproof netblock (md5 and sha1 listed).
@session
def _(t):
    c = "192.0.2.27"
    t = dns(t, c, [("static.badcdn.example.net", "A", ["198.51.100.70"], 300, "NOERROR")])
    web(t + 0.003, c, "static.badcdn.example.net",
        [req("/files/invoice.exe", "application/x-dosexec", filename="invoice.exe",
             hashes=(MD5_BAD, SHA1_BAD, hexs(64)), hits=[("invoice.exe", "invoice.exe")])],
        ip="198.51.100.70")


@session
def _(t):
    tls(t, "192.0.2.28", "cdn.badcdn.example.net", "198.51.100.71")


@session
def _(t):
    tls(t, "192.0.2.44", "account.login-verify.test", "203.0.113.150")


# Webshell probing of the internal portal from 203.0.113.45.
@session
def _(t):
    lit = ("/cmd.php?c=", "/cmd.php?c=")
    web(t, "203.0.113.45", "portal.example.com", [
        req("/uploads/cmd.php?c=whoami", "text/plain", hits=[lit]),
        req("/uploads/cmd.php?c=net%20user", "text/plain", hits=[lit]),
        req("/uploads/cmd.php?cmd=ls", "text/plain", misses=["/uploads/cmd.php?cmd=ls"]),
    ], ua="python-requests/2.31.0")


# The loader's user agent.
@session
def _(t):
    web(t, "192.0.2.36", "telemetry.example.net",
        [req("/v1/ping?id=4471", "application/json")], ua=UA_BAD)


# Invoice fraud: listed sender (in mailfrom and, with a mixed-case domain, in From), listed
# originating address, a listed macro document; then near-misses in the same session.
@session
def _(t):
    mail(t, "203.0.113.60", "mta1.example.net", [
        msg("billing@invoices.example", ["alice@example.com"], "Overdue invoice 2026-0117",
            frm='"Accounts Team" <billing@Invoices.Example>', x_orig="198.51.100.23",
            ua="Roundcube Webmail/1.6.5",
            hits=[("billing@Invoices.Example", "billing@invoices.example")],
            attachments=[att("Q4_statement.docm",
                             "application/vnd.ms-word.document.macroEnabled.12",
                             hashes=(hexs(32), hexs(40), SHA256_BAD))]),
        msg("newsletter@news.example.net", ["bob@example.com"], "This week at Example News"),
        msg("Billing@invoices.example", ["carol@example.com"], "Re: Overdue invoice 2026-0117",
            misses=["Billing@invoices.example"],
            attachments=[att("myinvoice.exe", "application/x-dosexec",
                             misses=["myinvoice.exe"])]),
    ])


@session
def _(t):
    sha1_run = "g" + SHA1_BAD
    mail(t, "198.51.100.44", "mail.partner.example", [
        msg("payroll@hr-portal.test", ["dave@example.com"], "January payroll adjustment",
            frm='"Payroll" <payroll@HR-Portal.test>',
            hits=[("payroll@HR-Portal.test", "payroll@hr-portal.test")],
            attachments=[att("ReadMe.SCR", "application/x-dosexec")]),
        msg("j.doe.helpdesk@example.net", ["erin@example.com"], "Mailbox quota exceeded",
            frm='"IT Helpdesk" <j.doe.helpdesk@Example.NET>',
            hits=[("j.doe.helpdesk@Example.NET", "j.doe.helpdesk@example.net")]),
        msg("notices@partner.example", ["alice@example.com"],
            "Package held - confirm delivery at https://Malware.Example/dl/payload.bin.",
            reply_to="<evil.example@example.net>", misses=["evil.example"],
            hits=[("https://Malware.Example/dl/payload.bin", "malware.example/dl/payload.bin")]),
        msg("reports@partner.example", ["bob@example.com"], "Weekly scan report",
            msg_id="<%s@mail.partner.example>" % sha1_run, misses=[sha1_run],
            attachments=[att("invoice.exe.txt", "text/plain", misses=["invoice.exe.txt"])]),
    ])


# Scanners and plain connections: listed addresses hit; neighbours of listed ones do not.
@session
def _(t):
    conn_only(t, "203.0.113.9", "192.0.2.80", 22, "REJ", "Sr")


@session
def _(t):
    conn_only(t, "2001:db8:dead::5", "2001:db8:1::80", 22, "S0", "S")


@session
def _(t):
    conn_only(t, "2001:db8:1::37", "2001:db8::bade", 443, "S0", "S", misses=["2001:db8::bade"])


@session
def _(t):
    conn_only(t, "192.0.2.38", "203.0.113.127", 8080, "S0", "S", misses=["203.0.113.127"])


@session
def _(t):
    tls(t, "192.0.2.39", "media.example.com", "198.51.100.100", misses=["198.51.100.100"],
        conn_misses=["198.51.100.100"])


@session
def _(t):
    tls(t, "192.0.2.45", "backup.example.net", "198.51.100.96", misses=["198.51.100.96"],
        conn_misses=["198.51.100.96"])


# Web sessions with planted referrers, URIs and downloads.
@session
def _(t):
    web(t, "192.0.2.23", "news.example.net", [
        req("/2026/01/12/story.html", referrer="http://malware.example/dl/payload.bin",
            hits=[("http://malware.example/dl/payload.bin", "malware.example/dl/payload.bin")]),
        req("/js/app.js", "application/javascript",
            referrer="http://news.example.net/2026/01/12/story.html"),
    ], resolve=True)


@session
def _(t):
    pre = "http://downloads.example.net/tools/"
    web(t, "192.0.2.24", "cdn.example.net", [
        req("/lib/jquery.min.js", "application/javascript", referrer=pre, hits=[(pre, pre)]),
        req("/lib/bootstrap.min.css", "text/css", referrer=pre + "index.html",
            hits=[(pre + "index.html", pre)]),
        req("/lib/fonts.css", "text/css",
            referrer="http://downloads.example.net/toolsets/readme.txt",
            misses=["http://downloads.example.net/toolsets/readme.txt"]),
    ])


@session
def _(t):
    web(t, "192.0.2.25", "status.example.org", [
        req("/check", "application/json", referrer="http://update.example.org/api/v2/beacon.php",
            hits=[("http://update.example.org/api/v2/beacon.php",
                   "update.example.org/api/v2/beacon.php")]),
        req("/check?v=2", "application/json",
            referrer="http://malware.example/dl/payload.bin.bak",
            misses=["http://malware.example/dl/payload.bin.bak"]),
    ])


@session
def _(t):
    # A beacon request: the URL indicator split over the host and uri fields; then a near-miss.
    host, path = "update.example.org", "/api/v2/beacon.php"
    web(t, "192.0.2.25", host, [
        req(path, "application/json",
            hits=[(host + "\t" + path, "update.example.org/api/v2/beacon.php")]),
        req(path + "5", "application/json", misses=[host + "\t" + path + "5"]),
    ], ip="203.0.113.44")


@session
def _(t):
    web(t, "192.0.2.26", "tracker.example.org", [
        req("/pixel.gif?u=8812", "image/gif", referrer="http://shop.example.org/cart")])


@session
def _(t):
    web(t, "192.0.2.29", "shop.example.org", [
        req("/cart", referrer="http://ads.tracker.example.org/r?id=5521",
            hits=[("ads.tracker.example.org", "tracker.example.org")]),
        req("/cart/items.json", "application/json", referrer="http://shop.example.org/cart"),
    ], resolve=True)


# An analyst looking indicators up: the upper-case sha1 and the expanded IPv6 address hit;
# the md5 inside a longer hex run and the IPs inside longer tokens do not.
@session
def _(t):
    v6 = "2001:0db8:0000:0000:0000:0000:0000:0bad"
    md5_run = MD5_BAD + hexs(8)
    web(t, "192.0.2.30", "intel.example.org", [
        req("/api/v3/files/" + SHA1_BAD.upper(), "application/json",
            hits=[(SHA1_BAD.upper(), SHA1_BAD)]),
        req("/api/v3/files/" + md5_run, "application/json", misses=[md5_run]),
        req("/api/v3/ip_addresses/" + v6, "application/json", hits=[(v6, "2001:db8::bad")]),
        req("/api/v3/search?q=1198.51.100.10", "application/json", misses=["1198.51.100.10"]),
        req("/api/v3/ip_addresses/198.51.100.10.5", "application/json", status=404,
            misses=["198.51.100.10.5"]),
    ], ua="curl/8.5.0")


@session
def _(t):
    web(t, "192.0.2.31", "files.example.org", [
        req("/d/svch0st.exe", "application/x-dosexec", filename="svch0st.exe",
            hashes=(hexs(32), hexs(40), SHA256_BLOCK), hits=[("svch0st.exe", "svch0st.exe")]),
    ], resolve=True)


@session
def _(t):
    near = UA_BAD + "1"
    web(t, "192.0.2.32", "video.example.com", [
        req("/embed/9921", misses=[near]),
        req("/embed/9921/thumb.jpg", "image/jpeg", referrer="http://video.example.com/embed/9921",
            misses=[near]),
    ], ua=near)


# Background traffic.
@session
def _(t):
    web(t, "192.0.2.22", "www.example.com", [
        req("/"), req("/css/site.css", "text/css", referrer="http://www.example.com/"),
        req("/img/logo.png", "image/png", referrer="http://www.example.com/"),
        req("/img/hero.jpg", "image/jpeg", referrer="http://www.example.com/", status=304),
    ], resolve=True)


@session
def _(t):
    web(t, "192.0.2.43", "wiki.corp.example", [
        req("/index.php?title=Main_Page"),
        req("/skins/common.css", "text/css",
            referrer="http://wiki.corp.example/index.php?title=Main_Page"),
        req("/favicon.ico", "image/png", status=404),
    ], resolve=True)


for _n in range(6):
    @session
    def _(t):
        name = rng.choice(sorted(HOSTS))
        c = rng.choice(CLIENTS)
        ip4, ip6 = HOSTS[name]
        qs = [(name, "A", [ip4], rng.choice([60, 300, 3600]), "NOERROR"),
              (name, "AAAA", [ip6] if ip6 else [], 300, "NOERROR")]
        if rng.random() < 0.5:
            qs.append((name, "HTTPS", [], 300, "NOERROR"))
        dns(t, c, qs)

for _n in range(24):
    @session
    def _(t):
        name = rng.choice(TLS_HOSTS)
        ip4, ip6 = HOSTS[name]
        if ip6 and rng.random() < 0.25:
            tls(t, "2001:db8:1::%x" % rng.randint(0x20, 0x4f), name, ip6)
        else:
            tls(t, rng.choice(CLIENTS), name, ip4)

PEOPLE = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"]
SENDERS = [("newsletter@news.example.net", "This week at Example News"),
           ("orders@shop.example.org", "Your order 48213 has shipped"),
           ("no-reply@docs.example.com", "Document shared with you: Q1 plan"),
           ("it-support@example.com", "Scheduled maintenance Saturday 06:00 UTC"),
           ("j.smith@partner.example", "Re: meeting notes"),
           ("events@example.org", "Invitation: security awareness training"),
           ("billing@vendor.test", "Invoice INV-2026-0042"),
           ("hr@example.com", "Updated holiday calendar")]
ATTACH = [("minutes-2026-01-09.pdf", "application/pdf"),
          ("timesheet_week02.xlsx",
           "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
          ("INV-2026-0042.pdf", "application/pdf")]

for mta, helo, n in [("203.0.113.61", "mta2.example.net", 8), ("198.51.100.45", "smtp.example.org", 8),
                     ("203.0.113.62", "out.vendor.test", 9)]:
    @session
    def _(t, mta=mta, helo=helo, n=n):
        ms = []
        for _i in range(n):
            sender, subject = rng.choice(SENDERS)
            rcpt = ["%s@example.com" % p for p in rng.sample(PEOPLE, rng.choice([1, 1, 2]))]
            atts = [att(*rng.choice(ATTACH))] if rng.random() < 0.3 else []
            ms.append(msg(sender, rcpt, subject, attachments=atts,
                          ua=rng.choice([None, "Microsoft Outlook 16.0", "Thunderbird 115.6.0"])))
        mail(t, mta, helo, ms)


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------

def zeek_time(ts):
    return time.strftime("%Y-%m-%d-%H-%M-%S", time.gmtime(ts))


def write_logs():
    order = list(range(len(S)))
    rng.shuffle(order)
    starts = sorted(rng.uniform(5.0, SPAN) for _ in S)
    for start, i in zip(starts, order):
        S[i](T0 + start)
    hits, misses = [], []
    os.makedirs(os.path.join(HERE, "logs"), exist_ok=True)
    for name, layout in LAYOUTS.items():
        names = [n for n, _ in layout]
        lines = ["#separator \\x09", "#set_separator\t,", "#empty_field\t(empty)",
                 "#unset_field\t-", "#path\t" + name, "#open\t" + zeek_time(T0),
                 "#fields\t" + "\t".join(names), "#types\t" + "\t".join(t for _, t in layout)]
        for row in sorted(ROWS[name], key=lambda r: r["ts"]):
            fields = dict(row["fields"], ts=row["ts"])
            cells = [cell(fields.get(n)) for n in names]
            line = "\t".join(cells)
            lineno = len(lines) + 1
            found = list(row["hits"])
            for c in cells:
                for piece in c.split(","):
                    found += [(piece, ind) for ind in PLANTED.get(piece, [])]
            rel = "logs/%s.log" % name
            for text, ind in found:
                assert text in line, (rel, lineno, text)
                hits.append({"file": rel, "line": lineno, "text": text, "indicator": ind})
            for text in row["misses"]:
                assert text in line, (rel, lineno, text)
                misses.append({"file": rel, "line": lineno, "text": text})
            lines.append(line)
        lines.append("#close\t" + zeek_time(T0 + 3600))
        with open(os.path.join(HERE, "logs", name + ".log"), "w", newline="\n") as f:
            f.write("\n".join(lines) + "\n")
    write_eve(hits, misses)
    keys = [(h["file"], h["line"], h["text"], h["indicator"]) for h in hits]
    assert len(keys) == len(set(keys)), "a hit is planted twice"
    return hits, misses


def eve_time(ts):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts)) + ".%06d+0000" % round(ts % 1 * 1e6)


def write_eve(hits, misses):
    """The HTTP requests of http.log as a Suricata sensor beside Zeek logs them: EVE http
    events, one JSON object a line, the request's host and path under "hostname" and "url" in
    the "http" object. A hit that Zeek's log splits over its host and uri fields spans, here,
    from the hostname's value to the end of the url's."""
    rel = "logs/eve.json"
    lines = []
    for row in sorted(ROWS["http"], key=lambda r: r["ts"]):
        f = row["fields"]
        http = {"hostname": f["host"], "url": f["uri"], "http_user_agent": f["user_agent"]}
        if f["referrer"]:
            http["http_refer"] = f["referrer"]
        http.update(http_method=f["method"], protocol="HTTP/1.1", status=f["status_code"],
                    length=f["response_body_len"])
        event = {"timestamp": eve_time(row["ts"]),
                 "flow_id": int(hashlib.sha1(f["uid"].encode()).hexdigest()[:13], 16),
                 "event_type": "http", "src_ip": f["id.orig_h"], "src_port": f["id.orig_p"],
                 "dest_ip": f["id.resp_h"], "dest_port": f["id.resp_p"], "proto": "TCP",
                 "http": http}
        line = json.dumps(event, separators=(",", ":"), ensure_ascii=False)
        lineno = len(lines) + 1
        joined = [(t.replace("\t", '","url":"'), ind) for t, ind in row["hits"]]
        values = [event["src_ip"], event["dest_ip"]] + [v for v in http.values() if isinstance(v, str)]
        echoes = [(v, ind) for v in values for ind in PLANTED.get(v, [])]
        for text, ind in joined + echoes:
            assert text in line, (rel, lineno, text)
            hits.append({"file": rel, "line": lineno, "text": text, "indicator": ind})
        for text in row["misses"]:
            text = text.replace("\t", '","url":"')
            assert text in line, (rel, lineno, text)
            misses.append({"file": rel, "line": lineno, "text": text})
        lines.append(line)
    with open(os.path.join(HERE, "logs", "eve.json"), "w", newline="\n") as out:
        out.write("\n".join(lines) + "\n")


def write_indicators():
    d = os.path.join(HERE, "indicators")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "intel.zeek"), "w", newline="\n") as f:
        f.write("#fields\tindicator\tindicator_type\tmeta.source\tmeta.desc\tmeta.url\t"
                "meta.do_notice\n")
        for row in INTEL:
            f.write("\t".join(row) + "\n")
    with open(os.path.join(d, "blocklist.txt"), "w", newline="\n") as f:
        for row in BLOCKLIST:
            f.write((row if isinstance(row, str) else "\t".join(row)) + "\n")
    written = {r[0] for r in INTEL} | {r[0] for r in BLOCKLIST if not isinstance(r, str)}
    for inds in PLANTED.values():
        assert set(inds) <= written, inds


def main():
    write_indicators()
    hits, misses = write_logs()
    with open(os.path.join(HERE, "planted.json"), "w", newline="\n") as f:
        json.dump({"hits": hits, "misses": misses}, f, indent=1)
        f.write("\n")
    for name in LAYOUTS:
        print("logs/%s.log: %d rows" % (name, len(ROWS[name])))
    print("planted.json: %d hits, %d misses" % (len(hits), len(misses)))


if __name__ == "__main__":
    main()
