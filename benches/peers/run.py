#!/usr/bin/env python3
"""Side-by-side run of iocmatch and its peers on one generated corpus.

Generates a corpus with the project's seeded generator (Zeek TSV lines, an indicator set in the
brief's mix, planted hits and near-misses), then times, on the same files and one core each:

  scan:  iocmatch (1 and 2 threads), GNU grep -F -f, ripgrep -F -f, pyahocorasick, Python
         hyperscan (literal mode), the aho-corasick crate with one automaton of all patterns,
         and a naive Python loop that splits lines into tokens and looks them up in sets
         (ipaddress for networks, suffix probes for domains, a URL from Zeek's host and uri);
  IP:    iocmatch's native lookups (single and batched), pytricia, py-radix, a naive Python
         ipaddress loop.

For every scan engine it reports MB/s, compile seconds (the run on an empty input), peak RSS
(GNU time's, installed if missing), and line-level precision and recall against the planted
hits. The scan time is what the engine measures itself after its compile (iocmatch --timing,
ripgrep --stats, the aho-corasick peer and the Python scripts here: reading, scanning and
writing results), or else, for GNU grep, wall time less the run on an empty input, or where
compiling takes most of the wall time, the run on the log written four times over less the run
on the log once, divided by three; at 1M indicators the load and compile of every engine varies
more than a short scan takes, so a difference with the empty run alone would be noise; for
iocmatch it also checks every reported token. The engines run in rounds: all of them in the
first, then again, in the same order, those whose first run (load, compile and scan) took under
20 seconds (--rounds, default 3), the same rule for every engine, as this shared machine's
timings move by up to a third. Each engine's row is its fastest round, and the one-thread ratio
is also given round by round, iocmatch against the fastest peer of the same round (a peer run
once counts with that run in every round). It prints a Markdown table and writes it, with a PNG
chart, to benches/results/peers-<size>.md and .png.

Usage: python3 benches/peers/run.py [--indicators N] [--lines N] [--rounds N] [--seed N]
                                    [--no-install] [--out DIR]
(at 1M indicators, --lines 200000 keeps the substring engines to a few minutes)
"""

import argparse
import ipaddress
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PY_PEERS = ["pyahocorasick", "hyperscan", "pytricia", "py-radix", "matplotlib"]


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def install(no_install):
    if no_install:
        return
    for tool, path in [("ripgrep", shutil.which("rg")), ("time", shutil.which(GNU_TIME))]:
        if not path:
            print(f"installing {tool} (apt)", file=sys.stderr)
            subprocess.run(["apt-get", "install", "-y", "-qq", tool], check=False)
    missing = []
    for mod, pkg in [("ahocorasick", "pyahocorasick"), ("hyperscan", "hyperscan"),
                     ("pytricia", "pytricia"), ("radix", "py-radix"), ("matplotlib", "matplotlib")]:
        try:
            __import__(mod)
        except ImportError:
            missing.append(pkg)
    if missing:
        print("installing " + " ".join(missing) + " (pip)", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "pip", "install", "-q"] + missing, check=False)


# GNU time, which reports the peak RSS of the command it runs. A child's own peak, as wait4
# gives it, also counts the pages it shared with this script until it started its program
# (Python spawns with vfork), so that this script's own peak would show in every engine's.
GNU_TIME = "/usr/bin/time"


def timed(cmd, stdout=None, ok=(0, 1)):
    """Runs cmd; returns (wall seconds, peak RSS in MiB, stdout text, scan seconds the engine
    reported on standard error as scan_s=..., or None). Exit codes in `ok` are success
    (grep-like tools exit 1 when nothing matched)."""
    rss_file = None
    if os.path.exists(GNU_TIME):
        fd, rss_file = tempfile.mkstemp(prefix="iocmatch-rss-")
        os.close(fd)
        cmd = [GNU_TIME, "-f", "%M", "-o", rss_file] + cmd
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=stdout or subprocess.PIPE, stderr=subprocess.PIPE)
    out = b""
    if stdout is None:
        out = p.stdout.read()
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    err = p.stderr.read().decode(errors="replace")
    rss_mib = usage.ru_maxrss / 1024.0
    if rss_file:
        with open(rss_file) as f:
            kib = f.read().split()
        os.unlink(rss_file)
        # The last word: GNU time writes a note before it when the command failed.
        rss_mib = int(kib[-1]) / 1024.0 if kib and kib[-1].isdigit() else float("nan")
    if os.waitstatus_to_exitcode(status) not in ok:
        raise RuntimeError(f"{cmd[0]} failed: {err.strip()[:500]}")
    scan_s = None
    if "scan_s=" in err:
        scan_s = float(err.split("scan_s=")[1].split()[0])
    return wall, rss_mib, out.decode(errors="replace"), scan_s


PYAHO = r"""
import sys, time, ahocorasick
pats, log, out = sys.argv[1:4]
a = ahocorasick.Automaton()
for p in open(pats, encoding="latin-1").read().split("\n"):
    if p:
        a.add_word(p, 1)
a.make_automaton()
t = time.perf_counter()
hits = []
with open(log, "rb") as f:
    for i, line in enumerate(f, 1):
        for _ in a.iter(line.decode("latin-1")):
            hits.append(i)
            break
open(out, "w").write("".join(f"{h}\n" for h in hits))
print(f"scan_s={time.perf_counter() - t:.3f}", file=sys.stderr)
"""

HYPERSCAN = r"""
import sys, time, hyperscan
pats, log, out = sys.argv[1:4]
ps = [p.encode("latin-1") for p in open(pats, encoding="latin-1").read().split("\n") if p]
db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
db.compile(expressions=ps, ids=list(range(len(ps))), elements=len(ps), flags=0, literal=True)
t = time.perf_counter()
data = open(log, "rb").read()
ends = []
db.scan(data, match_event_handler=lambda i, s, e, f, c: ends.append(e))
lines, line, pos = set(), 1, 0
for e in sorted(ends):
    line += data.count(b"\n", pos, e - 1)
    pos = e - 1
    lines.add(line)
lines = sorted(lines)
open(out, "w").write("".join(f"{h}\n" for h in lines))
print(f"scan_s={time.perf_counter() - t:.3f}", file=sys.stderr)
"""

PYTRICIA = r"""
import ipaddress, sys, time, pytricia
inds, addrs = sys.argv[1:3]
pt = pytricia.PyTricia(128)
for line in open(inds):
    v = line.split("\t")[0].strip()
    try:
        pt[str(ipaddress.ip_network(v))] = v
    except ValueError:
        pass
qs = [a.strip() for a in open(addrs) if a.strip()]
t = time.perf_counter(); hits = 0
for q in qs:
    hits += pt.get(q) is not None
print(f"per_s={len(qs) / (time.perf_counter() - t):.0f} hits={hits} queries={len(qs)}")
"""

PYRADIX = r"""
import ipaddress, sys, time, radix
inds, addrs = sys.argv[1:3]
rt = radix.Radix()
for line in open(inds):
    v = line.split("\t")[0].strip()
    try:
        rt.add(str(ipaddress.ip_network(v)))
    except ValueError:
        pass
qs = [a.strip() for a in open(addrs) if a.strip()]
t = time.perf_counter(); hits = 0
for q in qs:
    hits += rt.search_best(q) is not None
print(f"per_s={len(qs) / (time.perf_counter() - t):.0f} hits={hits} queries={len(qs)}")
"""

NAIVE_IP = r"""
import ipaddress, sys, time
inds, addrs = sys.argv[1:3]
exact, nets = set(), []
for line in open(inds):
    v = line.split("\t")[0].strip()
    try:
        if "/" in v:
            nets.append(ipaddress.ip_network(v))
        else:
            exact.add(ipaddress.ip_address(v))
    except ValueError:
        pass
qs = [a.strip() for a in open(addrs) if a.strip()][:2000]
t = time.perf_counter(); hits = 0
for q in qs:
    a = ipaddress.ip_address(q)
    hits += a in exact or any(a in n for n in nets)
print(f"per_s={len(qs) / (time.perf_counter() - t):.0f} hits={hits} queries={len(qs)}")
"""

NAIVE_SCAN = r"""
import ipaddress, re, sys, time
inds, log, out = sys.argv[1:4]
# The indicator set, as a hand-written SOC script holds it: Python sets, one per kind, and the
# networks by prefix length.
domains, addrs, hashes, emails, urls, nets = set(), set(), set(), set(), set(), {}
for line in open(inds, encoding="utf-8", errors="replace"):
    v = line.split("\t")[0].strip()
    if not v or v.startswith("#"):
        continue
    low = v.lower()
    if "://" in v:
        host, _, path = low.split("://", 1)[1].partition("/")
        urls.add(host + "/" + path)
        continue
    try:
        if "/" in v:
            n = ipaddress.ip_network(v, strict=False)
            nets.setdefault((n.version, n.prefixlen), set()).add(int(n.network_address))
        else:
            addrs.add(ipaddress.ip_address(v))
        continue
    except ValueError:
        pass
    if len(v) in (32, 40, 64, 128) and all(c in "0123456789abcdef" for c in low):
        hashes.add(low)
    elif "@" in v:
        emails.add(low)
    else:
        domains.add(low.rstrip("."))
split = re.compile(r"[\s,;\"'<>()\[\]{}|]+").split
ipv4 = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}").fullmatch
ipv6 = re.compile(r"[0-9a-fA-F]{0,4}(?::[0-9a-fA-F]{0,4}){2,7}").fullmatch

def ip_hit(tok):
    try:
        a = ipaddress.ip_address(tok)
    except ValueError:
        return False
    if a in addrs:
        return True
    bits = a.max_prefixlen
    x = int(a)
    return any(x >> (bits - p) << (bits - p) in s for (v, p), s in nets.items() if v == a.version)

def domain_hit(host):
    host = host.rstrip(".")
    while True:
        if host in domains:
            return True
        dot = host.find(".")
        if dot < 0:
            return False
        host = host[dot + 1:]

def line_hit(line):
    prev = ""
    for tok in split(line):
        if not tok or tok == "-":
            continue
        low = tok.lower()
        if ipv4(tok) or ipv6(tok):
            if ip_hit(tok):
                return True
        elif low in hashes or low in emails:
            return True
        elif "://" in low:
            rest = low.split("://", 1)[1]
            host, _, path = rest.partition("/")
            if host + "/" + path in urls or domain_hit(host):
                return True
        elif low.startswith("/"):
            if prev + low in urls:
                return True
        elif "@" in low:
            if domain_hit(low.rsplit("@", 1)[1]):
                return True
        elif "." in low and domain_hit(low):
            return True
        prev = low
    return False

t = time.perf_counter()
hits = []
with open(log, "rb") as f:
    for i, raw in enumerate(f, 1):
        if raw.startswith(b"#"):
            continue
        if line_hit(raw.decode("utf-8", "replace")):
            hits.append(i)
open(out, "w").write("".join(f"{h}\n" for h in hits))
print(f"scan_s={time.perf_counter() - t:.3f}", file=sys.stderr)
"""


def line_set(path):
    with open(path) as f:
        return {int(x) for x in f if x.strip()}


def score(found, expected):
    tp = len(found & expected)
    precision = tp / len(found) if found else 1.0
    recall = tp / len(expected) if expected else 1.0
    return precision, recall


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--indicators", type=int, default=100_000)
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--no-install", action="store_true")
    ap.add_argument("--out", default=os.path.join(ROOT, "benches", "results"))
    ap.add_argument("--rounds", type=int, default=3,
                    help="rounds of the engines that scan in under 20 s (default 3)")
    args = ap.parse_args()

    install(args.no_install)
    sh(["cargo", "build", "--release", "-q", "-p", "iocmatch-cli", "-p", "iocmatch-bench", "--bins"], cwd=ROOT)
    rel = os.path.join(ROOT, "target", "release")
    work = tempfile.mkdtemp(prefix="iocmatch-peers-")
    sh([os.path.join(rel, "gen-corpus"), work, "--indicators", str(args.indicators),
        "--lines", str(args.lines), "--seed", str(args.seed), "--no-json"])
    # The corpus written to disk before any engine runs, so that the kernel's writeback of it
    # (due some 30 seconds after it was written) does not share the machine with the first rounds.
    os.sync()
    inds = os.path.join(work, "indicators.txt")
    pats = os.path.join(work, "patterns.txt")
    log = os.path.join(work, "zeek.log")
    empty = os.path.join(work, "empty.log")
    fourfold = os.path.join(work, "fourfold.log")
    open(empty, "w").close()
    size_mb = os.path.getsize(log) / 1e6
    # line, text, indicator: the text of a URL joined from Zeek's host and uri fields holds the
    # tab between them.
    expected_rows = [(r[0], "\t".join(r[1:-1]), r[-1]) for r in
                     (l.rstrip("\n").split("\t") for l in open(os.path.join(work, "expected.tsv")))]
    expected = {int(r[0]) for r in expected_rows}

    def out_file(name):
        return os.path.join(work, name + ".lines")

    iocmatch = os.path.join(rel, "iocmatch")

    def iocmatch_run(threads):
        def run(logfile, out):
            cmd = [iocmatch, "scan", "-q", "--timing", "-j", str(threads), "-i", inds, logfile]
            wall, rss, text, scan_s = timed(cmd)
            recs = [json.loads(l) for l in text.splitlines() if l]
            with open(out, "w") as f:
                f.write("".join(f"{r['line']}\n" for r in recs))
            return wall, rss, recs, scan_s
        return run

    def cli(cmd_for):
        # These peers exit 0 on success, whatever they found: any other code (a Python peer
        # whose module failed to install) is a failure, and the engine is skipped, not scored.
        def run(logfile, out):
            with open(out, "w") as f:
                wall, rss, _, scan_s = timed(cmd_for(logfile), stdout=f, ok=(0,))
            return wall, rss, None, scan_s
        return run

    def grep_like(cmd_for, stats=False):
        """grep and ripgrep: `line:text` rows. With `stats`, ripgrep's --stats block follows
        them, after a blank line, and its "seconds spent searching" (timed after the patterns
        are compiled) is the scan time."""
        def run(logfile, out):
            raw = out + ".raw"
            with open(raw, "w") as f:
                wall, rss, _, _ = timed(cmd_for(logfile), stdout=f)
            # Line by line, so that this script stays small (see GNU_TIME); a blank line starts
            # the stats block.
            scan_s, in_stats = None, False
            with open(raw, errors="replace") as f, open(out, "w") as g:
                for row in f:
                    if stats and row == "\n":
                        in_stats = True
                    elif in_stats and "seconds spent searching" in row:
                        scan_s = float(row.split()[0])
                    elif not in_stats:
                        g.write(row.split(":", 1)[0] + "\n")
            if stats and scan_s is None:
                raise RuntimeError("ripgrep printed no --stats block")
            return wall, rss, None, scan_s
        return run

    engines = [
        ("iocmatch (1 thread)", iocmatch_run(1)),
        ("iocmatch (2 threads)", iocmatch_run(2)),
        ("GNU grep -F -f", grep_like(lambda lf: ["env", "LC_ALL=C", "grep", "-a", "-n", "-F", "-f", pats, lf])),
        ("ripgrep -F -f", grep_like(lambda lf: ["rg", "-j1", "-a", "-n", "--no-heading", "--stats", "-F", "-f", pats, lf], stats=True)),
        ("aho-corasick crate", cli(lambda lf: [os.path.join(rel, "ac-peer"), pats, lf, "/dev/stdout"])),
        ("pyahocorasick", cli(lambda lf: [sys.executable, "-c", PYAHO, pats, lf, "/dev/stdout"])),
        ("hyperscan (literal)", cli(lambda lf: [sys.executable, "-c", HYPERSCAN, pats, lf, "/dev/stdout"])),
        ("Python sets (naive loop)", cli(lambda lf: [sys.executable, "-c", NAIVE_SCAN, inds, lf, "/dev/stdout"])),
    ]
    def measure(name, run):
        """One round of one engine: compile seconds (the run on an empty input), scan seconds,
        peak RSS, precision and recall, whether every token was right, and the wall time."""
        compile_s = run(empty, out_file(name) + ".empty")[0]
        wall, rss, recs, own = run(log, out_file(name))
        found = line_set(out_file(name))
        if name == "aho-corasick crate":
            found.discard(0)
        precision, recall = score(found, expected)
        # The scan time the engine measured itself (reading, scanning and writing its output,
        # after its compile), where it reports one; else wall time less the empty-input run,
        # unless compiling takes most of the wall time: then the log written four times over,
        # less the log once, for three logs' worth, so that the compile cancels out.
        if own is None and wall - compile_s < 0.5 * wall:
            if not os.path.exists(fourfold):
                with open(fourfold, "wb") as f:
                    for _ in range(4):
                        with open(log, "rb") as g:
                            shutil.copyfileobj(g, f)
            own = (run(fourfold, out_file(name) + ".fourfold")[0] - wall) / 3
        scan_s = max(own if own is not None else wall - compile_s, 1e-6)
        exact = ""
        if recs is not None:
            got = sorted((str(r["line"]), r["matched"], r["indicator"]) for r in recs)
            exact = "yes" if got == sorted(tuple(r) for r in expected_rows) else "no"
        return dict(mbps=size_mb / scan_s, compile_s=compile_s, rss=rss, precision=precision,
                    recall=recall, exact=exact, wall=wall)

    # Rounds: every engine once, then the engines whose first run (load, compile and scan) took
    # under 20 seconds again, in the same order, so that each round's engines ran within a minute
    # or two of each other and a ratio taken within one round is not skewed by the machine's load
    # changing between them.
    rounds = max(args.rounds, 1)
    runs = {}
    for r in range(rounds):
        for name, run in engines:
            if name.startswith("ripgrep") and not shutil.which("rg"):
                continue
            if r > 0 and (name not in runs or runs[name][0]["wall"] >= 20):
                continue
            try:
                m = measure(name, run)
            except (RuntimeError, OSError) as e:
                print(f"{name}: skipped: {e}", file=sys.stderr)
                continue
            m["round"] = r
            runs.setdefault(name, []).append(m)
            print(f"round {r + 1}: {name}: {m['mbps']:.1f} MB/s", file=sys.stderr)

    # Each engine's row: its fastest round (the one least disturbed by other load), its
    # shortest compile, and its worst precision, recall and exactness over all rounds.
    rows = []
    for name, ms in runs.items():
        best = max(ms, key=lambda m: m["mbps"])
        rows.append(dict(engine=name, mbps=best["mbps"], rounds=len(ms),
                         compile_s=min(m["compile_s"] for m in ms), rss=best["rss"],
                         precision=min(m["precision"] for m in ms),
                         recall=min(m["recall"] for m in ms),
                         exact="no" if any(m["exact"] == "no" for m in ms) else best["exact"]))

    # Ratios round by round: iocmatch on one thread against the fastest peer of the same round
    # (peers run once count in every round with their one figure), and two threads against one.
    def figure(name, r):
        """An engine's MB/s in round r (None if it did not run then); for one run once, that."""
        ms = runs.get(name, [])
        if len(ms) == 1:
            return ms[0]["mbps"]
        return next((m["mbps"] for m in ms if m["round"] == r), None)

    paired, threads = [], []
    for r in range(rounds):
        ours, two = figure("iocmatch (1 thread)", r), figure("iocmatch (2 threads)", r)
        peers = [p for p in (figure(n, r) for n in runs if not n.startswith("iocmatch")) if p]
        if ours and peers:
            paired.append(ours / max(peers))
        if ours and two:
            threads.append(two / ours)

    best_peer = max((r["mbps"] for r in rows if not r["engine"].startswith("iocmatch")), default=0)

    # IP lookups on addresses drawn half from indicator networks, half from elsewhere.
    rng = random.Random(args.seed)
    nets = []
    for line in open(inds):
        try:
            nets.append(ipaddress.ip_network(line.split("\t")[0].strip()))
        except ValueError:
            pass
    addrs = []
    for _ in range(100_000):
        if nets and rng.random() < 0.5:
            n = rng.choice(nets)
            addrs.append(str(n.network_address + rng.randrange(n.num_addresses)))
        else:
            addrs.append(".".join(str(rng.randrange(1, 255)) for _ in range(4)))
    addr_file = os.path.join(work, "addrs.txt")
    open(addr_file, "w").write("\n".join(addrs) + "\n")
    ip_rows = []
    for name, cmd in [
        ("iocmatch (native)", [os.path.join(rel, "ip-lookups"), inds, addr_file]),
        ("iocmatch (native, batches of 1024)",
         [os.path.join(rel, "ip-lookups"), inds, addr_file, "--batch", "1024"]),
        ("pytricia", [sys.executable, "-c", PYTRICIA, inds, addr_file]),
        ("py-radix", [sys.executable, "-c", PYRADIX, inds, addr_file]),
        ("Python ipaddress loop", [sys.executable, "-c", NAIVE_IP, inds, addr_file]),
    ]:
        try:
            _, _, text, _ = timed(cmd, ok=(0,))
            per_s = float(text.split("per_s=")[1].split()[0])
            hits = int(text.split("hits=")[1].split()[0])
            queries = int(text.split("queries=")[1].split()[0])
            ip_rows.append((name, per_s, hits, queries))
        except (RuntimeError, OSError, IndexError) as e:
            print(f"{name}: skipped: {e}", file=sys.stderr)

    md = [f"Corpus: {args.indicators:,} indicators, {args.lines:,} Zeek TSV lines ({size_mb:.0f} MB), "
          f"{len(expected_rows)} planted hits on {len(expected)} lines; one run of {rounds} "
          f"round{'s' if rounds > 1 else ''}, this machine ({os.cpu_count()} cores).", "",
          "| engine | scan MB/s (best round) | rounds | compile s | peak RSS MiB | precision | recall | every token right | x best peer |",
          "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        ratio = f"{r['mbps'] / best_peer:.1f}" if best_peer else "-"
        md.append(f"| {r['engine']} | {r['mbps']:.1f} | {r['rounds']} | {r['compile_s']:.2f} | "
                  f"{r['rss']:.0f} | {r['precision']:.3f} | {r['recall']:.3f} | "
                  f"{r['exact'] or '-'} | {ratio} |")
    if paired:
        md += ["", "iocmatch (1 thread) against the fastest peer of the same round (a peer run "
               "once counts with that run in every round): "
               + ", ".join(f"{x:.2f}x" for x in paired) + "."]
    if threads:
        md += ["", "iocmatch on two threads against one, round by round: "
               + ", ".join(f"{x:.2f}x" for x in threads) + "."]
    md += ["", "| IP lookups | per second | addresses hit |", "|---|---|---|"]
    for name, per_s, hits, queries in ip_rows:
        md.append(f"| {name} | {per_s / 1e6:.3f} M | {hits:,} of {queries:,} |")
    # The slow naive loop times only the first addresses; the others must agree on all of them.
    if len({hits for _, _, hits, queries in ip_rows if queries == len(addrs)}) > 1:
        print("warning: the IP lookup engines disagree on how many addresses hit", file=sys.stderr)
    text = "\n".join(md) + "\n"
    print(text)
    os.makedirs(args.out, exist_ok=True)
    size = f"{args.indicators // 1000}k" if args.indicators < 1_000_000 else f"{args.indicators / 1e6:g}m"
    with open(os.path.join(args.out, f"peers-{size}.md"), "w") as f:
        f.write(f"<!-- python3 benches/peers/run.py --indicators {args.indicators} "
                f"--lines {args.lines} --rounds {rounds} -->\n")
        f.write(text)
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        import matplotlib.ticker
        fig, ax = plt.subplots(figsize=(9, 4))
        names = [r["engine"] for r in rows]
        ax.barh(names, [r["mbps"] for r in rows],
                color=["#2a7" if n.startswith("iocmatch") else "#889" for n in names])
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}"))
        ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        for i, r in enumerate(rows):
            ax.text(r["mbps"] * 1.05, i, f"{r['mbps']:.0f}  (recall {r['recall']:.3f}, "
                    f"precision {r['precision']:.3f})", va="center", fontsize=8)
        ax.set_xlim(right=max(r["mbps"] for r in rows) * 12)
        ax.set_xlabel("scan throughput, MB/s (log scale)")
        ax.set_title(f"{args.indicators:,} indicators, {size_mb:.0f} MB of Zeek TSV")
        ax.invert_yaxis()
        fig.tight_layout()
        fig.savefig(os.path.join(args.out, f"peers-{size}.png"), dpi=110)
    except ImportError:
        print("matplotlib missing: no chart", file=sys.stderr)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
