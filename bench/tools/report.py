#!/usr/bin/env python3
"""Ladder's benchmark reports (Python standard library only).

  report.py run --out DIR ...           summary.json and profile.md of one scripts/bench run
  report.py compare A B                 the difference of two runs (folders or summary.json files)
  report.py table RUN...                BENCHMARKS.md rows for runs
  report.py chart FILE.svg RUN...       a bar chart of throughput and p99 per run

profile.md is made from the run's JDK Flight Recorder file with the JDK's own `jfr` tool
(`jfr print --json` for the numbers, `jfr view` for the tables people read) and from the
app's /metrics scraped before and after the measured window.
"""
import argparse
import csv
import glob
import json
import math
import os
import re
import shutil
import subprocess
import sys
from collections import Counter, defaultdict

SETUP_PREFIX = "Set up:"


# ------------------------------------------------------------------------------------------ JMeter

def percentile(sorted_values, fraction):
    """Nearest-rank percentile of an ascending list (JMeter's dashboard uses the same rule)."""
    if not sorted_values:
        return None
    index = max(0, math.ceil(fraction * len(sorted_values)) - 1)
    return sorted_values[min(index, len(sorted_values) - 1)]


def jmeter_results(out, plan):
    """Per-sampler and total figures from the run's .csv results (set-up samples kept apart)."""
    files = glob.glob(os.path.join(out, "jmeter", "results", "*.csv"))
    if not files:
        return None
    samples = defaultdict(list)
    errors = Counter()
    error_codes = defaultdict(Counter)
    first_start, last_end = None, None
    with open(files[0], newline="") as handle:
        for row in csv.DictReader(handle):
            label = row["label"]
            elapsed = int(row["elapsed"])
            samples[label].append(elapsed)
            if row["success"] != "true":
                errors[label] += 1
                error_codes[label][row["responseCode"]] += 1
            if label.startswith(SETUP_PREFIX):
                continue
            start = int(row["timeStamp"])
            first_start = start if first_start is None else min(first_start, start)
            last_end = start + elapsed if last_end is None else max(last_end, start + elapsed)
    window = max(0.001, ((last_end or 0) - (first_start or 0)) / 1000.0)

    def figures(values, error_count, seconds):
        ordered = sorted(values)
        return {
            "samples": len(ordered),
            "errors": error_count,
            "error_percent": round(100.0 * error_count / len(ordered), 3) if ordered else 0.0,
            "throughput_per_s": round(len(ordered) / seconds, 1) if seconds else None,
            "p50_ms": percentile(ordered, 0.50),
            "p95_ms": percentile(ordered, 0.95),
            "p99_ms": percentile(ordered, 0.99),
            "max_ms": ordered[-1] if ordered else None,
            "mean_ms": round(sum(ordered) / len(ordered), 2) if ordered else None,
        }

    per_sampler = {}
    measured = []
    measured_errors = 0
    for label, values in sorted(samples.items()):
        per_sampler[label] = figures(values, errors[label], window)
        if errors[label]:
            per_sampler[label]["error_codes"] = dict(error_codes[label])
        if not label.startswith(SETUP_PREFIX):
            measured.extend(values)
            measured_errors += errors[label]
    total = figures(measured, measured_errors, window)
    total["window_s"] = round(window, 1)
    return {"total": total, "samplers": per_sampler,
            "dashboard": os.path.join("jmeter", "reports", plan, "index.html")}


# ------------------------------------------------------------------------------------------ wrk, sysbench

def wrk_result(path, clock_ticks=100):
    """wrk's figures, plus the server's CPU time per request when scripts/bench recorded its ticks."""
    if not os.path.exists(path):
        return None
    result, ticks, db_ticks, lb_ticks, loadavg = None, None, None, None, None
    with open(path) as handle:
        for line in handle:
            if line.startswith("BENCH_LOADAVG "):
                loadavg = line.split(None, 1)[1].strip()
            elif line.startswith("LADDER_LB_CPU_TICKS "):
                lb_ticks = int(line.split()[1])
            elif line.startswith("LADDER_WRK "):
                result = json.loads(line[len("LADDER_WRK "):])
            elif line.startswith("LADDER_CPU_TICKS "):
                ticks = int(line.split()[1])
            elif line.startswith("LADDER_DB_CPU_TICKS "):
                db_ticks = int(line.split()[1])
    if result and ticks is not None and result.get("requests"):
        result["server_cpu_s"] = round(ticks / clock_ticks, 2)
        result["cpu_us_per_request"] = round(1e6 * ticks / clock_ticks / result["requests"], 1)
    if result and db_ticks is not None and result.get("requests"):
        # MariaDB's own CPU over the same run (single-box): what the database spent per request.
        result["db_cpu_us_per_request"] = round(1e6 * db_ticks / clock_ticks / result["requests"], 1)
    if result and lb_ticks is not None and result.get("requests"):
        # HAProxy's own CPU over the run (users-plus-2): the balancer's share of a request.
        result["lb_cpu_us_per_request"] = round(1e6 * lb_ticks / clock_ticks / result["requests"], 1)
    if result and loadavg:
        result["loadavg_before"] = loadavg
    return result


def sysbench_rate(path):
    """(queries per second, 95th percentile ms) from sysbench's run output."""
    if not os.path.exists(path):
        return None
    text = open(path).read()
    rate = re.search(r"queries:\s+\d+\s+\(([\d.]+) per sec", text)
    p95 = re.search(r"95th percentile:\s+([\d.]+)", text)
    if not rate:
        return None
    return {"queries_per_s": float(rate.group(1)), "p95_ms": float(p95.group(1)) if p95 else None}


# ------------------------------------------------------------------------------------------ /metrics

# Label values may hold braces (uri="/api/posts/{id}"), so a label block is quoted strings or other characters.
SAMPLE_LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[^"}]|"(?:[^"\\]|\\.)*")*\})?\s+([-+0-9.eEInfNa]+)')
LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def metrics(path):
    """Samples of a Prometheus text exposition: list of (name, {label: value}, float)."""
    result = []
    if not os.path.exists(path):
        return result
    with open(path) as handle:
        for line in handle:
            if line.startswith("#"):
                continue
            match = SAMPLE_LINE.match(line)
            if match:
                labels = dict(LABEL.findall(match.group(2) or ""))
                try:
                    result.append((match.group(1), labels, float(match.group(3))))
                except ValueError:
                    pass
    return result


def metric_sum(samples, name, **where):
    return sum(value for metric, labels, value in samples
               if metric == name and all(labels.get(key) == wanted for key, wanted in where.items()))


def metric_max(samples, name):
    values = [value for metric, _, value in samples if metric == name]
    return max(values) if values else 0.0


def pool_and_app_metrics(out):
    before = metrics(os.path.join(out, "metrics-before.txt"))
    after = metrics(os.path.join(out, "metrics-after.txt"))
    if not after:
        return {}

    def delta(name, **where):
        return metric_sum(after, name, **where) - metric_sum(before, name, **where)

    acquires = delta("hikaricp_connections_acquire_seconds_count")
    acquire_seconds = delta("hikaricp_connections_acquire_seconds_sum")
    usage_count = delta("hikaricp_connections_usage_seconds_count")
    usage_seconds = delta("hikaricp_connections_usage_seconds_sum")
    hits = delta("cache_gets_total", result="hit")
    misses = delta("cache_gets_total", result="miss")
    gc_count = delta("jvm_gc_pause_seconds_count")
    gc_seconds = delta("jvm_gc_pause_seconds_sum")
    return {
        "db_pool": {
            "max_connections": metric_max(after, "hikaricp_connections_max"),
            "acquires": int(acquires),
            "acquire_mean_ms": round(1000 * acquire_seconds / acquires, 3) if acquires else 0.0,
            "acquire_max_ms_recent": round(1000 * metric_max(after, "hikaricp_connections_acquire_seconds_max"), 3),
            "timeouts": int(delta("hikaricp_connections_timeout_total")),
            "pending_at_end": metric_sum(after, "hikaricp_connections_pending"),
            "usage_mean_ms": round(1000 * usage_seconds / usage_count, 3) if usage_count else 0.0,
        },
        "post_cache": {"hits": int(hits), "misses": int(misses),
                       "hit_percent": round(100 * hits / (hits + misses), 2) if hits + misses else None},
        "gc_from_metrics": {"pauses": int(gc_count), "pause_seconds": round(gc_seconds, 3)},
        "http_requests": int(delta("http_server_requests_seconds_count")),
    }


READS_DEFINITION = (
    "over the JMeter phase (metrics-before-jmeter.txt to metrics-after.txt): HTTP reads = JMeter's measured samples "
    "named 'Read ...' (GETs; writes excluded); cache = the read and write nodes' cache_requests_total{cache=\"posts\"} "
    "(users-plus-3: near-hit = the node's Caffeine, hit = Redis, miss = loaded from MariaDB) or, without it, the "
    "in-process cache_gets_total{cache=\"posts\"}; SELECTs = each MariaDB's Com_select delta (every SELECT it ran: "
    "the app's reads, the writes' own SELECTs and read-your-writes checks, health checks), replica share = replicas' "
    "SELECTs / all SELECTs; replica lag = the maximum of the nodes' ladder_db_replica_lag_seconds and of each replica's "
    "Seconds_Behind_Master, sampled every 2 s over the whole measured window (replica-lag.txt)")


def cluster_reads(out, jmeter):
    """Where a cluster run's reads were answered: post cache, replicas or primary; and the replica lag seen."""
    before = metrics(os.path.join(out, "metrics-before-jmeter.txt"))
    after = metrics(os.path.join(out, "metrics-after.txt"))
    if not after or not any(name == "mariadb_com_select" for name, _, _ in after):
        return None

    def delta(name, **where):
        return metric_sum(after, name, **where) - metric_sum(before, name, **where)

    samplers = (jmeter or {}).get("samplers") or {}
    http_reads = sum(stats["samples"] for label, stats in samplers.items() if label.startswith("Read "))
    http_requests = ((jmeter or {}).get("total") or {}).get("samples") or 0
    cache = {result: int(delta("cache_requests_total", cache="posts", result=result)) for result in ("near-hit", "hit", "miss")}
    if not sum(cache.values()):  # users-plus-2: the in-process post cache only
        cache = {"hit": int(delta("cache_gets_total", cache="posts", result="hit")),
                 "miss": int(delta("cache_gets_total", cache="posts", result="miss"))}
    lookups = sum(cache.values())
    selects = {}
    for name, labels, _ in after:
        if name == "mariadb_com_select":
            selects[labels["host"]] = {"group": labels["group"], "selects": int(delta(name, host=labels["host"]))}
    by_group = Counter()
    for host in selects.values():
        by_group[host["group"]] += host["selects"]
    all_selects = sum(by_group.values())
    lag = {"node": [], "db": []}
    lag_file = os.path.join(out, "replica-lag.txt")
    if os.path.exists(lag_file):
        for line in open(lag_file):
            parts = line.split()
            if len(parts) == 3 and ":" in parts[1]:
                try:
                    lag[parts[1].split(":")[0]].append(float(parts[2]))
                except (KeyError, ValueError):  # "NULL": the replica's SQL thread is not running
                    lag[parts[1].split(":")[0]].append(math.nan)

    def lag_figures(values):
        known = [v for v in values if not math.isnan(v)]
        return {"samples": len(values), "unknown": len(values) - len(known), "max_s": max(known) if known else None,
                "mean_s": round(sum(known) / len(known), 3) if known else None}

    return {
        "definition": READS_DEFINITION,
        "http_reads": http_reads,
        "http_requests": http_requests,
        "cache": dict(cache, lookups=lookups,
                      hit_percent=round(100 * (lookups - cache["miss"]) / lookups, 2) if lookups else None,
                      near_hit_percent=round(100 * cache["near-hit"] / lookups, 2) if lookups and "near-hit" in cache else None),
        "selects": {"by_host": selects, "primary": by_group["db_primary"], "standby": by_group["db_standby"],
                    "replicas": by_group["db_replica"], "all": all_selects,
                    "replica_percent": round(100 * by_group["db_replica"] / all_selects, 2) if all_selects else None,
                    "per_http_read": round(all_selects / http_reads, 3) if http_reads else None,
                    "per_http_request": round(all_selects / http_requests, 3) if http_requests else None},
        "app_replica_reads": int(delta("ladder_db_replica_reads_total")),
        "app_replica_fallbacks": int(delta("ladder_db_replica_fallbacks_total")),
        "replica_lag": {"nodes_gauge": lag_figures(lag["node"]), "seconds_behind_master": lag_figures(lag["db"])},
    }


# ------------------------------------------------------------------------------------------ JFR

DURATION = re.compile(r"^PT(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(-?\d+(?:\.\d+)?)S)?$")


def seconds_of(value):
    """JFR's JSON durations are ISO-8601 (PT0.0123S); some are plain numbers of nanoseconds."""
    if isinstance(value, (int, float)):
        return value / 1e9
    match = DURATION.match(str(value))
    if not match:
        return 0.0
    hours, minutes, secs = (float(part) if part else 0.0 for part in match.groups())
    return hours * 3600 + minutes * 60 + secs


def jfr_events(jfr, events, stack_depth=1):
    tool = shutil.which("jfr") or os.path.join(os.environ.get("JAVA_HOME", ""), "bin", "jfr")
    completed = subprocess.run([tool, "print", "--json", "--stack-depth", str(stack_depth), "--events", events, jfr],
                               capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        return []
    try:
        return json.loads(completed.stdout)["recording"]["events"]
    except (ValueError, KeyError):
        return []


def jfr_view(jfr, view, lines=28):
    tool = shutil.which("jfr") or os.path.join(os.environ.get("JAVA_HOME", ""), "bin", "jfr")
    completed = subprocess.run([tool, "view", "--width", "150", view, jfr], capture_output=True, text=True, check=False)
    text = (completed.stdout or completed.stderr).rstrip().splitlines()
    return "\n".join(text[:lines])


AREAS = [  # first match wins: package prefix -> area named in verdicts
    ("org.h2.", "H2 (embedded database)"),
    ("com.mysql.", "JDBC driver (Connector/J)"),
    ("com.zaxxer.hikari.", "connection pool (Hikari)"),
    ("org.jdbi.", "JDBI"),
    ("com.fasterxml.jackson.", "JSON (Jackson)"),
    ("org.glassfish.jersey.", "Jersey"),
    ("org.glassfish.hk2.", "Jersey (HK2 injection)"),
    ("org.jvnet.hk2.", "Jersey (HK2 injection)"),
    ("jakarta.ws.rs.", "Jersey"),
    ("org.eclipse.jetty.", "Jetty"),
    ("io.micrometer.", "metrics (Micrometer)"),
    ("ch.qos.logback.", "logging (Logback)"),
    ("org.slf4j.", "logging (SLF4J)"),
    ("com.password4j.", "password hashing (Argon2)"),
    ("com.github.benmanes.caffeine.", "post cache (Caffeine)"),
    ("dev.ladder.", "Ladder's own code"),
    ("sun.nio.", "network I/O (JDK)"),
    ("java.net.", "network I/O (JDK)"),
    ("sun.net.", "network I/O (JDK)"),
    ("java.util.regex.", "regular expressions (JDK)"),
    ("java.", "JDK library"),
    ("jdk.", "JDK library"),
    ("sun.", "JDK library"),
]


def area_of(class_name):
    for prefix, area in AREAS:
        if class_name.startswith(prefix):
            return area
    return "other"


def frame_name(frame):
    method = frame.get("method", {})
    type_name = method.get("type", {}).get("name", "?").replace("/", ".")
    return type_name, f"{type_name}.{method.get('name', '?')}"


def jfr_analysis(jfr):
    if not os.path.exists(jfr):
        return {}
    result = {}
    # CPU: hot methods by top frame, and areas by the first frame in a known library (deeper frames
    # of java.* under e.g. Jackson count for Jackson).
    samples = jfr_events(jfr, "jdk.ExecutionSample", stack_depth=32)
    top_methods = Counter()
    areas = Counter()
    for event in samples:
        frames = (event.get("values", {}).get("stackTrace") or {}).get("frames") or []
        if not frames:
            continue
        top_methods[frame_name(frames[0])[1]] += 1
        area = None
        for frame in frames:
            found = area_of(frame_name(frame)[0])
            if found not in ("JDK library", "other"):
                area = found
                break
        if area is None:
            types = [frame_name(frame)[0] for frame in frames]
            if any(t.startswith(("java.util.concurrent.ForkJoin", "java.lang.VirtualThread", "jdk.internal.vm.Continuation"))
                   for t in types):
                area = "virtual-thread scheduling (JDK)"
            elif any(t.startswith(("sun.nio.", "java.net.")) for t in types):
                area = "network I/O (JDK)"
            else:
                area = "JDK library"
        areas[area] += 1
    total = sum(top_methods.values())
    result["execution_samples"] = total
    result["hot_methods"] = [{"method": name, "percent": round(100 * count / total, 1)}
                             for name, count in top_methods.most_common(12)] if total else []
    result["cpu_by_area"] = [{"area": name, "percent": round(100 * count / total, 1)}
                             for name, count in areas.most_common(10)] if total else []

    loads = [event["values"] for event in jfr_events(jfr, "jdk.CPULoad")]
    if loads:
        result["jvm_cpu_machine_fraction"] = round(
            sum(load.get("jvmUser", 0) + load.get("jvmSystem", 0) for load in loads) / len(loads), 3)
        result["machine_cpu_fraction"] = round(sum(load.get("machineTotal", 0) for load in loads) / len(loads), 3)

    collections = [event["values"] for event in jfr_events(jfr, "jdk.GarbageCollection")]
    result["gc"] = {
        "collections": len(collections),
        "pause_total_ms": round(1000 * sum(seconds_of(c.get("sumOfPauses", 0)) for c in collections), 1),
        "pause_max_ms": round(1000 * max((seconds_of(c.get("longestPause", 0)) for c in collections), default=0), 1),
    }

    allocations = Counter()
    for event in jfr_events(jfr, "jdk.ObjectAllocationSample"):
        values = event.get("values", {})
        allocations[(values.get("objectClass") or {}).get("name", "?")] += values.get("weight", 0)
    allocated = sum(allocations.values())
    result["allocation_top"] = [{"class": name, "percent": round(100 * weight / allocated, 1)}
                                for name, weight in allocations.most_common(8)] if allocated else []

    monitors = Counter()
    for event in jfr_events(jfr, "jdk.JavaMonitorEnter"):
        values = event.get("values", {})
        monitors[(values.get("monitorClass") or {}).get("name", "?")] += seconds_of(values.get("duration", 0))
    result["lock_contention"] = [{"monitor": name, "seconds": round(sec, 3)} for name, sec in monitors.most_common(5)]

    parks = Counter()
    for event in jfr_events(jfr, "jdk.ThreadPark", stack_depth=8):
        values = event.get("values", {})
        frames = (values.get("stackTrace") or {}).get("frames") or []
        where = "?"
        for frame in frames:
            type_name, name = frame_name(frame)
            if not type_name.startswith(("java.", "jdk.", "sun.")):
                where = name
                break
        parks[where] += seconds_of(values.get("duration", 0))
    result["parked_top"] = [{"where": name, "seconds": round(sec, 3)} for name, sec in parks.most_common(5)]
    return result


# ------------------------------------------------------------------------------------------ verdict

def verdict(summary):
    window = summary["window_seconds"] or 1
    jm = (summary.get("jmeter") or {}).get("total") or {}
    app_cores = summary["cpu"]["app_cores"]
    db_cores = summary["cpu"].get("db_cores") or 0
    pool = (summary.get("metrics") or {}).get("db_pool") or {}
    profile = summary.get("profile") or {}
    gc = profile.get("gc") or {}
    locks = profile.get("lock_contention") or []
    areas = profile.get("cpu_by_area") or []
    pinned = summary["pinning"].startswith("app")

    if jm.get("error_percent", 0) > summary["error_rate_limit"]:
        failing = [name for name, stats in summary["jmeter"]["samplers"].items() if stats.get("errors")]
        return f"errors: {jm['error_percent']} % of samples failed ({', '.join(failing)})"
    if pool.get("timeouts", 0) > 0 or pool.get("acquire_mean_ms", 0) > 1.0:
        return (f"DB pool: requests waited {pool.get('acquire_mean_ms')} ms on average for one of "
                f"{int(pool.get('max_connections', 0))} connections ({pool.get('timeouts', 0)} timeouts)")
    if gc.get("pause_total_ms", 0) > 0.05 * window * 1000:
        return f"GC: {gc['pause_total_ms']} ms of pauses in {window:.0f} s"
    if locks and locks[0]["seconds"] > 0.1 * window:
        return f"lock {locks[0]['monitor']}: {locks[0]['seconds']} s of blocked threads in {window:.0f} s"
    own = [a for a in areas if "(JDK)" not in a["area"] and a["area"] not in ("JDK library", "other")]
    top_area = f"{own[0]['area']} ({own[0]['percent']} % of samples)" if own else (areas[0]["area"] if areas else "unknown")
    wrk_app = (summary.get("wrk") or {}).get("app") or {}
    wrk_base = (summary.get("wrk") or {}).get("baseline") or {}
    if wrk_app.get("server_cpu_s") and wrk_app.get("seconds") and wrk_app["server_cpu_s"] / wrk_app["seconds"] > 0.85:
        return (f"CPU in {top_area}: under wrk the app used {wrk_app['server_cpu_s'] / wrk_app['seconds']:.2f} of its core, "
                f"{wrk_app['cpu_us_per_request']} µs per request (bare Jetty: {wrk_base.get('cpu_us_per_request', '?')} µs)")
    core0 = summary["cpu"].get("core0_busy") or 0
    others = core0 - app_cores - db_cores
    if pinned and app_cores + db_cores < 0.85 and others > 0.2:
        return (f"CPU starved: the app got only {app_cores:.2f} of its core"
                + (f" and MariaDB {db_cores:.2f}" if db_cores else "")
                + f" while {others:.2f} of it went to the kernel's network work and other processes of this shared machine "
                f"(load average {summary['cpu'].get('loadavg_before_after')}); the app's own top cost: {top_area}")
    if pinned and db_cores > 0 and app_cores + db_cores > 0.85:
        if db_cores >= app_cores:
            return (f"database CPU: MariaDB used {db_cores:.2f} of the shared core against the app's {app_cores:.2f} "
                    f"(the app's own top cost: {top_area})")
        return (f"CPU: the app ({app_cores:.2f}) and MariaDB ({db_cores:.2f}) fill the shared core; the app's top cost "
                f"is {top_area}")
    if (pinned and app_cores > 0.85) or (not pinned and app_cores > 0.85 * (os.cpu_count() or 1)):
        return f"CPU in {top_area}; app at {app_cores:.2f} cores"
    return (f"not saturated: the app used {app_cores:.2f} cores; the offered load (JMeter's rate or threads) "
            f"or the load generator is the limit")


# ------------------------------------------------------------------------------------------ run

def command_run(args):
    out = args.out
    summary = {
        "stage": args.stage,
        "plan": args.plan,
        "run": os.path.basename(out.rstrip("/")),
        "jar": os.path.basename(args.jar),
        "pinning": args.pinning,
        "heap": args.heap,
        "rss_peak_mb": round(args.rss_kb / 1024, 1),
        "cache": args.cache,
        "access_log": args.access_log,
        "seeded": {"users": args.users, "posts": args.posts, "seed_command_seconds": args.seed_seconds},
        "window_seconds": args.window_seconds,
        "store_after_seeding": args.settled or "unknown (run made before scripts/bench checked)",
        "error_rate_limit": 1.0,
        "jmeter_exit_code": args.jmeter_rc,
        "cpu": {
            "app_cores": round(args.app_cpu_ticks / args.clock_ticks / args.window_seconds, 3),
            "db_cores": round(args.db_cpu_ticks / args.clock_ticks / args.window_seconds, 3) if args.db_cpu_ticks else None,
            # The server core's busy time, whoever used it: what the app and database did not use of it
            # went to the kernel's network work and to other processes of this shared machine.
            "core0_busy": round(args.core0_busy_ticks / args.clock_ticks / args.window_seconds, 3),
            "loadavg_before_after": args.loadavg,
        },
    }
    seed_log = os.path.join(out, "seed.log")
    if os.path.exists(seed_log):
        for line in open(seed_log):
            if line.startswith("Users:"):
                summary["seeded"]["result"] = line.strip()
    summary["jmeter"] = jmeter_results(out, args.plan)
    baseline = wrk_result(os.path.join(out, "wrk-baseline.txt"), args.clock_ticks)
    app = wrk_result(os.path.join(out, "wrk-app.txt"), args.clock_ticks)
    writes = wrk_result(os.path.join(out, "wrk-writes.txt"), args.clock_ticks)
    if writes:
        logins = [float(line) for line in open(os.path.join(out, "login-seconds.txt")) if line.strip()] \
            if os.path.exists(os.path.join(out, "login-seconds.txt")) else []
        summary["wrk_writes"] = dict(writes, settings=f"wrk -t1 -c{args.connections} -d{args.wrk_duration}s, "
                                                    "POST /api/posts (800-1024 bytes) with Bearer tokens",
                                     login_mean_s=round(sum(logins) / len(logins), 3) if logins else None)
    if baseline or app:
        summary["wrk"] = {
            "settings": (f"wrk -t1 -c{args.connections} -d{args.wrk_duration}s, GET /api/posts/{{id}} of one hot post; "
                         "baseline = straight to one read node (http), app = through the load balancer (https)")
            if args.stage == "users-plus-2" else
            f"wrk -t1 -c{args.connections} -d{args.wrk_duration}s, GET /api/posts/{{id}} by Zipf rank"
            + hot_posts(getattr(args, "hot", 10000)),
            "baseline": baseline, "app": app,
            "ratio_to_baseline": round(app["rps"] / baseline["rps"], 3) if app and baseline and baseline["rps"] else None,
        }
        if app and baseline and app.get("cpu_us_per_request") and baseline.get("cpu_us_per_request"):
            # The same ratio in CPU cost, which holds when other processes take the core.
            summary["wrk"]["cpu_ratio_to_baseline"] = round(baseline["cpu_us_per_request"] / app["cpu_us_per_request"], 3)
    sysbench = {name: sysbench_rate(os.path.join(out, f"sysbench-{name}.txt")) for name in ("point-select", "insert")}
    if any(sysbench.values()):
        summary["sysbench"] = sysbench
        # The database alone on the same server in the same run: how much of it the app's path keeps.
        point, insert = sysbench.get("point-select") or {}, sysbench.get("insert") or {}
        jm_total = (summary["jmeter"] or {}).get("total") or {}
        summary["ratios_to_sysbench"] = {
            "wrk_reads_to_point_select": round(app["rps"] / point["queries_per_s"], 3)
            if app and point.get("queries_per_s") else None,
            "wrk_writes_to_insert": round(writes["rps"] / insert["queries_per_s"], 3)
            if writes and insert.get("queries_per_s") else None,
            "jmeter_to_point_select" if args.plan != "write-only" else "jmeter_writes_to_insert":
                round(jm_total["throughput_per_s"] / (point if args.plan != "write-only" else insert)["queries_per_s"], 3)
                if jm_total.get("throughput_per_s") and (point if args.plan != "write-only" else insert).get("queries_per_s")
                else None,
        }
    summary["metrics"] = pool_and_app_metrics(out)
    summary["reads"] = cluster_reads(out, summary["jmeter"])
    summary["profile"] = jfr_analysis(os.path.join(out, "app.jfr"))
    summary["verdict"] = verdict(summary)
    # What this report was made from, so `report.py again DIR` can remake it after the tool changes.
    summary["report_args"] = {key: value for key, value in vars(args).items() if key != "command"}
    with open(os.path.join(out, "summary.json"), "w") as handle:
        json.dump(summary, handle, indent=2)
        handle.write("\n")
    write_profile(out, summary)
    total = (summary["jmeter"] or {}).get("total", {})
    print(f"JMeter {args.plan}: {total.get('throughput_per_s')} req/s, p50 {total.get('p50_ms')} ms, "
          f"p99 {total.get('p99_ms')} ms, errors {total.get('error_percent')} %", file=sys.stderr)
    if summary.get("wrk"):
        wrk = summary["wrk"]
        print(f"wrk: baseline {wrk['baseline']['rps'] if wrk['baseline'] else '?'} req/s, app "
              f"{wrk['app']['rps'] if wrk['app'] else '?'} req/s, ratio {wrk['ratio_to_baseline']}", file=sys.stderr)


def table(rows, headers):
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join("---" for _ in headers) + " |"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def write_profile(out, summary):
    jfr = os.path.join(out, "app.jfr")
    profile = summary["profile"]
    parts = [f"# Profile: {summary['stage']} / {summary['plan']} ({summary['run']})", ""]
    parts.append((f"Recorded with JDK Flight Recorder (settings=profile) over the measured window " if os.path.exists(jfr) else
                  f"No flight recording (several JVMs: the figures below are the processes' own CPU ticks) over the measured window ")
                 +
                 f"({summary['window_seconds']:.0f} s: the wrk runs on the app, then the JMeter plan). "
                 f"Pinning: {summary['pinning']}. Heap {summary['heap']}, peak RSS {summary['rss_peak_mb']} MB. "
                 f"Post cache {summary['cache']}, access log {summary['access_log']}. "
                 f"Store after seeding: {summary.get('store_after_seeding', 'unknown')}.")
    parts.append("")
    cpu = summary["cpu"]
    parts.append(f"- App CPU: {cpu['app_cores']} cores" + (f"; MariaDB CPU: {cpu['db_cores']} cores" if cpu.get("db_cores") else ""))
    if cpu.get("core0_busy") is not None:
        parts.append(f"- Server core (0) busy: {cpu['core0_busy']} (app, database, kernel network work and any other "
                     f"process of this shared machine); load average before/after: {cpu.get('loadavg_before_after')}")
    if profile.get("jvm_cpu_machine_fraction") is not None:
        parts.append(f"- JFR CPU load: JVM {100 * profile['jvm_cpu_machine_fraction']:.0f} % of the machine, "
                     f"machine {100 * profile['machine_cpu_fraction']:.0f} %")
    parts.append("")
    if profile.get("cpu_by_area"):
        parts += ["## Where the CPU went (execution samples by library)", "",
                  table([(a["area"], a["percent"]) for a in profile["cpu_by_area"]], ["area", "% of samples"]), ""]
    if profile.get("hot_methods"):
        parts += ["## Hot methods (top frame)", "",
                  table([(f"`{m['method']}`", m["percent"]) for m in profile["hot_methods"]], ["method", "% of samples"]), ""]
    if profile.get("allocation_top"):
        parts += ["## Allocation (sampled weight by class)", "",
                  table([(f"`{a['class']}`", a["percent"]) for a in profile["allocation_top"]], ["class", "% of bytes"]), ""]
    gc = profile.get("gc") or {}
    parts += ["## GC", "", f"{gc.get('collections', 0)} collections, {gc.get('pause_total_ms', 0)} ms of pauses in all, "
              f"longest {gc.get('pause_max_ms', 0)} ms.", ""]
    parts += ["## Lock contention and parking", ""]
    if profile.get("lock_contention"):
        parts.append(table([(f"`{l['monitor']}`", l["seconds"]) for l in profile["lock_contention"]],
                           ["monitor (jdk.JavaMonitorEnter)", "blocked s"]))
    else:
        parts.append("No monitor waits above JFR's threshold.")
    parts.append("")
    if profile.get("parked_top"):
        parts.append(table([(f"`{p['where']}`", p["seconds"]) for p in profile["parked_top"]],
                           ["parked in (jdk.ThreadPark, first non-JDK frame)", "parked s"]))
        parts.append("")
    m = summary.get("metrics") or {}
    if m:
        pool = m["db_pool"]
        parts += ["## Pools and cache (the app's /metrics, before vs after)", "",
                  table([("DB pool connections (max)", int(pool["max_connections"])),
                         ("connections acquired", pool["acquires"]),
                         ("mean wait to acquire (ms)", pool["acquire_mean_ms"]),
                         ("longest recent wait (ms)", pool["acquire_max_ms_recent"]),
                         ("acquire timeouts", pool["timeouts"]),
                         ("mean time a connection was held (ms)", pool["usage_mean_ms"]),
                         ("post cache hits / misses", f"{m['post_cache']['hits']} / {m['post_cache']['misses']}"),
                         ("post cache hit %", m["post_cache"]["hit_percent"]),
                         ("HTTP requests served", m["http_requests"])], ["figure", "value"]), ""]
    reads = summary.get("reads")
    if reads:
        cache, selects, lag = reads["cache"], reads["selects"], reads["replica_lag"]

        def lag_text(figures):
            return (f"max {figures['max_s']} s, mean {figures['mean_s']} s over {figures['samples']} samples"
                    f" ({figures['unknown']} unknown)") if figures["samples"] else "no samples"

        parts += ["## Reads: cache, replicas, primary (the JMeter phase)", "",
                  table([("HTTP reads (JMeter 'Read ...' samples) / all requests", f"{reads['http_reads']} / {reads['http_requests']}"),
                         ("post cache lookups: near-hit / hit / miss", " / ".join(str(cache.get(k, "—")) for k in ("near-hit", "hit", "miss"))),
                         ("post cache hit % (near-hit + hit)", cache["hit_percent"]),
                         ("SELECTs: primary / standby / replicas", f"{selects['primary']} / {selects['standby']} / {selects['replicas']}"),
                         ("replicas' share of SELECTs %", selects["replica_percent"]),
                         ("SELECTs per HTTP read", selects["per_http_read"]),
                         ("SELECTs per HTTP request", selects["per_http_request"]),
                         ("app: reads sent to a replica / fallbacks to the primary",
                          f"{reads['app_replica_reads']} / {reads['app_replica_fallbacks']}"),
                         ("replica lag, nodes' gauge", lag_text(lag["nodes_gauge"])),
                         ("replica lag, Seconds_Behind_Master", lag_text(lag["seconds_behind_master"]))],
                        ["figure", "value"]), "", f"Definitions: {reads['definition']}.", ""]
    if os.path.exists(jfr):
        for view, title in (("hot-methods", "jfr view hot-methods"), ("allocation-by-site", "jfr view allocation-by-site"),
                            ("gc-pauses", "jfr view gc-pauses"), ("contention-by-site", "jfr view contention-by-site")):
            parts += [f"## {title}", "", "```", jfr_view(jfr, view), "```", ""]
    parts.append(f"Verdict: the bottleneck is {summary['verdict']}.")
    with open(os.path.join(out, "profile.md"), "w") as handle:
        handle.write("\n".join(parts) + "\n")


# ------------------------------------------------------------------------------------------ compare, table, chart

def command_again(args):
    """Remakes summary.json and profile.md of a run from its own files."""
    for folder in args.runs:
        previous = load(folder)
        values = dict(previous.get("report_args") or reconstructed_args(previous))
        values["out"] = os.path.abspath(folder)
        command_run(argparse.Namespace(**values))


def hot_posts(hot):
    """How the wrk reads chose their posts, for the settings line (runs before --hot drew from 10,000)."""
    return " over 1 hot post" if hot == 1 else f" over the {hot:,} hottest posts"


def reconstructed_args(summary):
    """The report's inputs, rebuilt from a summary.json written before report_args was kept."""
    window = summary["window_seconds"]
    cpu = summary["cpu"]
    wrk_settings = (summary.get("wrk") or {}).get("settings", "wrk -t1 -c64 -d15s")
    connections = int(re.search(r"-c(\d+)", wrk_settings).group(1))
    wrk_duration = int(re.search(r"-d(\d+)s", wrk_settings).group(1))
    return {
        "stage": summary["stage"], "plan": summary["plan"], "pinning": summary["pinning"], "heap": summary["heap"],
        "cache": summary["cache"], "access_log": summary["access_log"], "jar": summary["jar"],
        "rss_kb": int(summary["rss_peak_mb"] * 1024), "app_cpu_ticks": round(cpu["app_cores"] * window * 100),
        "db_cpu_ticks": round((cpu.get("db_cores") or 0) * window * 100), "clock_ticks": 100,
        "users": summary["seeded"]["users"], "posts": summary["seeded"]["posts"], "jmeter_rc": summary["jmeter_exit_code"],
        "connections": connections, "wrk_duration": wrk_duration, "duration": 0, "window_seconds": window,
        "seed_seconds": summary["seeded"]["seed_command_seconds"], "jmeter_started": 0,
        "core0_busy_ticks": round((cpu.get("core0_busy") or 0) * window * 100),
        "loadavg": cpu.get("loadavg_before_after", ""),
        "settled": summary.get("store_after_seeding", ""),
    }


def load(path):
    if os.path.isdir(path):
        path = os.path.join(path, "summary.json")
    with open(path) as handle:
        return json.load(handle)


def headline(summary):
    jm = (summary.get("jmeter") or {}).get("total") or {}
    wrk = summary.get("wrk") or {}
    writes = summary.get("wrk_writes") or {}
    sysbench = summary.get("sysbench") or {}
    ratios = summary.get("ratios_to_sysbench") or {}
    reads = summary.get("reads") or {}
    return {
        "load average before / after": summary["cpu"].get("loadavg_before_after"),
        "post cache hit % (JMeter phase)": (reads.get("cache") or {}).get("hit_percent"),
        "replicas' share of SELECTs %": (reads.get("selects") or {}).get("replica_percent"),
        "SELECTs per HTTP read": (reads.get("selects") or {}).get("per_http_read"),
        "replica lag max (s)": ((reads.get("replica_lag") or {}).get("seconds_behind_master") or {}).get("max_s"),
        "JMeter throughput (req/s)": jm.get("throughput_per_s"),
        "JMeter p50 (ms)": jm.get("p50_ms"),
        "JMeter p95 (ms)": jm.get("p95_ms"),
        "JMeter p99 (ms)": jm.get("p99_ms"),
        "JMeter max (ms)": jm.get("max_ms"),
        "JMeter errors (%)": jm.get("error_percent"),
        "wrk app (req/s)": (wrk.get("app") or {}).get("rps"),
        "wrk app p99 (ms)": (wrk.get("app") or {}).get("p99_ms"),
        "wrk baseline (req/s)": (wrk.get("baseline") or {}).get("rps"),
        "ratio to bare Jetty": wrk.get("ratio_to_baseline"),
        "app CPU per request (us)": (wrk.get("app") or {}).get("cpu_us_per_request"),
        "bare Jetty CPU per request (us)": (wrk.get("baseline") or {}).get("cpu_us_per_request"),
        "CPU ratio to bare Jetty": wrk.get("cpu_ratio_to_baseline"),
        "app CPU (cores)": summary["cpu"]["app_cores"],
        "peak RSS (MB)": summary.get("rss_peak_mb"),
        "MariaDB CPU per wrk read (us)": (wrk.get("app") or {}).get("db_cpu_us_per_request"),
        "HAProxy CPU per wrk read (us)": (wrk.get("app") or {}).get("lb_cpu_us_per_request"),
        "wrk writes (req/s)": writes.get("rps"),
        "wrk writes p99 (ms)": writes.get("p99_ms"),
        "app CPU per write (us)": writes.get("cpu_us_per_request"),
        "MariaDB CPU per write (us)": writes.get("db_cpu_us_per_request"),
        "sysbench point select (q/s)": (sysbench.get("point-select") or {}).get("queries_per_s"),
        "sysbench insert (q/s)": (sysbench.get("insert") or {}).get("queries_per_s"),
        "wrk reads / sysbench point select": ratios.get("wrk_reads_to_point_select"),
        "wrk writes / sysbench insert": ratios.get("wrk_writes_to_insert"),
        "JMeter writes / sysbench insert": ratios.get("jmeter_writes_to_insert"),
    }


def command_compare(args):
    a, b = load(args.a), load(args.b)
    rows = []
    for key, value_a in headline(a).items():
        value_b = headline(b)[key]
        if value_a is None and value_b is None:
            continue  # a figure neither plan has (wrk writes on a read plan, and so on)
        if isinstance(value_a, (int, float)) and isinstance(value_b, (int, float)):
            change = f"{value_b - value_a:+.3g}" + (f" ({100 * (value_b - value_a) / value_a:+.1f} %)" if value_a else "")
        else:
            change = ""
        rows.append((key, value_a, value_b, change))
    name_a = f"A: {a['stage']}/{a['run']}"
    name_b = f"B: {b['stage']}/{b['run']}"
    print(table(rows, ["figure", name_a, name_b, "B - A"]))
    print(f"\nA verdict: {a['verdict']}\nB verdict: {b['verdict']}")


def command_table(args):
    rows = []
    for path in args.runs:
        s = load(path)
        jm = (s.get("jmeter") or {}).get("total") or {}
        wrk = s.get("wrk") or {}
        app = wrk.get("app") or {}
        base = wrk.get("baseline") or {}
        rows.append((s["stage"], s["run"], jm.get("throughput_per_s"), jm.get("p50_ms"), jm.get("p95_ms"), jm.get("p99_ms"),
                     jm.get("max_ms"), jm.get("error_percent"), app.get("rps", "—"), app.get("p99_ms", "—"),
                     base.get("rps", "—"), wrk.get("ratio_to_baseline", "—"), app.get("cpu_us_per_request", "—"),
                     base.get("cpu_us_per_request", "—"), wrk.get("cpu_ratio_to_baseline", "—"),
                     s["cpu"]["app_cores"], s["cpu"].get("core0_busy", "—"), s["verdict"]))
    print(table(rows, ["stage", "run", "JMeter req/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "errors %",
                       "wrk app req/s", "wrk p99 ms", "wrk bare Jetty req/s", "ratio", "app CPU µs/req",
                       "bare Jetty CPU µs/req", "CPU ratio", "app cores", "core 0 busy", "verdict"]))


def command_chart(args):
    """Three bar panels per run: throughput, p99, and CPU per request (which holds under contention)."""
    runs = [load(path) for path in args.runs]
    names = [f"{s['stage']} / {s['run']}" for s in runs]

    def pick(summary, wrk_key, jmeter_key):
        app = ((summary.get("wrk") or {}).get("app") or {})
        if app.get(wrk_key) is not None:
            return app[wrk_key]
        return (((summary.get("jmeter") or {}).get("total") or {}).get(jmeter_key) or 0) if jmeter_key else 0

    panels = [
        ("throughput (req/s, higher is better)", [pick(s, "rps", "throughput_per_s") for s in runs], "#3b7dd8", "{:,.0f}"),
        ("p99 latency (ms, lower is better)", [pick(s, "p99_ms", "p99_ms") for s in runs], "#d8793b", "{:,.0f}"),
        ("app CPU per request (µs, lower is better)", [pick(s, "cpu_us_per_request", None) for s in runs], "#4a9a5b", "{:,.0f}"),
    ]
    left, row, gap, panel_width = 260, 30, 24, 230
    width = left + len(panels) * (panel_width + gap) + 20
    height = 100 + row * len(runs)
    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="{width / 2}" y="22" text-anchor="middle" font-size="15">{escape_xml(args.title)}</text>']
    for index, (title, values, colour, fmt) in enumerate(panels):
        x0 = left + index * (panel_width + gap)
        top = max(values) or 1
        svg.append(f'<text x="{x0 + panel_width / 2}" y="50" text-anchor="middle">{escape_xml(title)}</text>')
        for position, value in enumerate(values):
            y = 62 + position * row
            bar = max(1.0, (panel_width - 70) * (value or 0) / top)
            svg.append(f'<rect x="{x0}" y="{y + 4}" width="{bar:.1f}" height="18" fill="{colour}"/>')
            label = fmt.format(value) if value else "—"
            svg.append(f'<text x="{x0 + bar + 4:.1f}" y="{y + 17}">{label}</text>')
    for position, name in enumerate(names):
        svg.append(f'<text x="{left - 10}" y="{62 + position * row + 17}" text-anchor="end">{escape_xml(name)}</text>')
    svg.append(f'<text x="10" y="{height - 12}" fill="#555">{escape_xml(args.note)}</text>')
    svg.append("</svg>")
    with open(args.file, "w") as handle:
        handle.write("\n".join(svg) + "\n")
    print(f"wrote {args.file}", file=sys.stderr)


def escape_xml(text):
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run")
    for name in ("out", "stage", "plan", "pinning", "heap", "cache", "access-log", "jar"):
        run.add_argument(f"--{name}", required=True)
    for name in ("rss-kb", "app-cpu-ticks", "db-cpu-ticks", "clock-ticks", "users", "posts", "jmeter-rc",
                 "connections", "wrk-duration", "duration"):
        run.add_argument(f"--{name}", type=int, required=True)
    run.add_argument("--core0-busy-ticks", type=int, default=0)
    run.add_argument("--hot", type=int, default=10000, help="how many hot ids wrk drew from (scripts/bench --hot)")
    run.add_argument("--loadavg", default="")
    run.add_argument("--settled", default="", help="whether the store had settled after seeding, as scripts/bench found")
    for name in ("window-seconds", "seed-seconds", "jmeter-started"):
        run.add_argument(f"--{name}", type=float, required=True)
    again = commands.add_parser("again")
    again.add_argument("runs", nargs="+")
    compare = commands.add_parser("compare")
    compare.add_argument("a")
    compare.add_argument("b")
    rows = commands.add_parser("table")
    rows.add_argument("runs", nargs="+")
    chart = commands.add_parser("chart")
    chart.add_argument("file")
    chart.add_argument("runs", nargs="+")
    chart.add_argument("--title", default="Ladder per stage and run: wrk GET /api/posts/{id} (JMeter where no wrk run)")
    chart.add_argument("--note", default="Made by scripts/bench chart from bench/results/*/*/summary.json; "
                                         "app pinned to core 0, load to core 1, on a shared 2-core machine: see BENCHMARKS.md.")
    args = parser.parse_args()
    {"run": command_run, "again": command_again, "compare": command_compare, "table": command_table, "chart": command_chart}[args.command](args)


if __name__ == "__main__":
    main()
