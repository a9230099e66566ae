#!/usr/bin/env python3
"""Reference answers for iocmatch's warninglist test, from pymispwarninglists' slow search.

For every shipped list of type string, substring, hostname or cidr, builds sample values (list
entries, their subdomains and URLs, addresses inside and just outside networks, near-misses) in
lower case, asks pymispwarninglists whether each is on the list, and prints JSON:
{"lists": {"<list dir>": {"path": "<list.json>", "samples": [[value, bool], ...]}}}.
Exits 3 when pymispwarninglists is not installed.
"""

import ipaddress
import json
import os
import random
import sys

try:
    import pymispwarninglists
    from pymispwarninglists.api import WarningList
except ImportError:
    sys.exit(3)

PER_LIST = int(sys.argv[1]) if len(sys.argv) > 1 else 60
root = os.path.join(os.path.dirname(pymispwarninglists.__file__), "data", "misp-warninglists", "lists")
rng = random.Random(7)
out = {}
for name in sorted(os.listdir(root)):
    path = os.path.join(root, name, "list.json")
    with open(path) as f:
        doc = json.load(f)
    if doc["type"] not in ("string", "substring", "hostname", "cidr"):
        continue
    wl = WarningList(doc, slow_search=True)
    entries = [e for e in doc["list"] if isinstance(e, str)]
    picked = rng.sample(entries, min(PER_LIST, len(entries)))
    values = set()
    for e in picked:
        e = e.lower()
        values.update([e, e + "x", "x" + e, "a." + e.lstrip("."), e + ".evil.test"])
        if doc["type"] == "hostname":
            values.update(["http://www." + e.lstrip(".") + "/p", "https://" + e.lstrip(".") + ":8443/"])
        if doc["type"] == "cidr":
            try:
                net = ipaddress.ip_network(e, strict=False)
            except ValueError:
                continue
            for a in (net.network_address, net.broadcast_address):
                values.add(str(a))
                for d in (-1, 1):
                    try:
                        values.add(str(a + d))
                    except ValueError:
                        pass
    values.update(["192.0.2.1", "2001:db8::1", "example.com", "evil.test", "8.8.8.8", "www.google.com"])
    samples = sorted(v for v in values if "%" not in v)
    out[name] = {"path": path, "samples": [[v, v in wl] for v in samples]}
json.dump({"lists": out}, sys.stdout)
