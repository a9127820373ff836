#!/usr/bin/env python3
"""Capacity plan: measured per-node rates -> nodes per tier for the design's workload.

The design's load is 40,000 reads/s and 400 writes/s on average. Capacity is planned for the
peak (average x peak factor) with headroom (each node planned to run at most at `utilisation`
of what it was measured to do), and never below what availability needs (two of anything that
serves traffic, a standby for the primary).

Rates come from flags, or from a stage's results folder (bench/results/STAGE):
  read-hot-direct/ (else read-hot/)  app node, hot reads per core: 1 / the app's CPU per request
                                     in its wrk run (steady on a shared machine, unlike req/s),
                                     and the post cache's hit %
  write-only/                        durable writes per core of app + database CPU (JMeter)
  write-only/                        durable writes per core of MariaDB's own CPU (the primary)
  read-hot-nocache/                  reads per core of MariaDB's own CPU when every read goes to it
Flags override what the folder gives.
"""
import argparse
import json
import math
import os
import sys


def load(path):
    try:
        with open(path) as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return None


def wrk_app_rate(summary):
    return (((summary or {}).get("wrk") or {}).get("app") or {}).get("rps")


def jmeter_rate(summary):
    return (((summary or {}).get("jmeter") or {}).get("total") or {}).get("throughput_per_s")


def per_core_read_rate(summary):
    """Reads one whole core would serve: 1 / (the app's CPU per request in its wrk run). On a shared
    machine this holds when req/s does not (other processes take the core); else wrk's req/s."""
    app = ((summary or {}).get("wrk") or {}).get("app") or {}
    if app.get("cpu_us_per_request"):
        return round(1e6 / app["cpu_us_per_request"])
    return wrk_app_rate(summary)


def per_core_write_rate(summary):
    """Writes per core-second of app + database CPU (they share one core on single-box)."""
    rate = jmeter_rate(summary)
    cpu = (summary or {}).get("cpu") or {}
    cores = (cpu.get("app_cores") or 0) + (cpu.get("db_cores") or 0)
    return round(rate / cores) if rate and cores else rate


def per_db_core_rate(summary, requests_per_s):
    """Requests per core-second of the database's own CPU (MariaDB's ticks over the window)."""
    db_cores = ((summary or {}).get("cpu") or {}).get("db_cores")
    return round(requests_per_s / db_cores) if requests_per_s and db_cores else None


def from_results(folder):
    found = {}
    for name in ("read-hot-direct", "read-hot"):  # the newest read path measured
        hot = load(os.path.join(folder, name, "summary.json"))
        if hot:
            found["read_rate"] = per_core_read_rate(hot)
            found["read_source"] = f"{name}: 1 / app CPU per request"
            hit = ((hot.get("metrics") or {}).get("post_cache") or {}).get("hit_percent")
            if hit is not None:
                found["hit_ratio"] = hit / 100
            break
    writes = load(os.path.join(folder, "write-only", "summary.json"))
    if writes:
        found["write_rate"] = per_core_write_rate(writes)
        found["db_write_rate"] = per_db_core_rate(writes, jmeter_rate(writes))
    nocache = load(os.path.join(folder, "read-hot-nocache", "summary.json"))
    if nocache:
        served = ((nocache.get("metrics") or {}).get("http_requests") or 0) / (nocache.get("window_seconds") or 1)
        found["db_read_rate"] = per_db_core_rate(nocache, served)
    return {key: value for key, value in found.items() if value}


def nodes(load_per_s, rate_per_node, utilisation, minimum):
    needed = math.ceil(load_per_s / (rate_per_node * utilisation)) if load_per_s > 0 else 0
    return max(minimum, needed), needed


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--from-results", help="a stage's results folder, e.g. bench/results/single-box")
    parser.add_argument("--reads", type=float, default=40_000, help="average reads/s (default 40000)")
    parser.add_argument("--writes", type=float, default=400, help="average writes/s (default 400)")
    parser.add_argument("--peak-factor", type=float, default=3.0,
                        help="peak / average: business hours and spikes (default 3)")
    parser.add_argument("--utilisation", type=float, default=0.6,
                        help="the share of a node's measured rate planned for at peak (default 0.6: 40 %% headroom)")
    parser.add_argument("--read-rate", type=float, help="hot reads/s one app node serves")
    parser.add_argument("--write-rate", type=float, help="durable writes/s one app node serves")
    parser.add_argument("--db-read-rate", type=float, help="reads/s that miss the cache one database serves")
    parser.add_argument("--db-write-rate", type=float, help="durable writes/s one primary database takes")
    parser.add_argument("--hit-ratio", type=float, help="share of reads the cache answers (0-1)")
    parser.add_argument("--cache-rate", type=float, default=80_000,
                        help="reads/s one cache node serves (default 80000: an assumption until a Redis stage measures it)")
    args = parser.parse_args()

    measured = from_results(args.from_results) if args.from_results else {}
    rate = {key: getattr(args, key) if getattr(args, key) is not None else measured.get(key)
            for key in ("read_rate", "write_rate", "db_read_rate", "db_write_rate", "hit_ratio")}
    missing = [key for key in ("read_rate", "write_rate") if not rate[key]]
    if missing:
        sys.exit(f"capacity: no {', '.join(missing)}: give --from-results with read-hot and write-only runs, or the flags")
    hit = rate["hit_ratio"] if rate["hit_ratio"] is not None else 0.9
    db_read_rate = rate["db_read_rate"] or rate["read_rate"] * 0.2
    db_write_rate = rate["db_write_rate"] or rate["write_rate"]

    peak_reads = args.reads * args.peak_factor
    peak_writes = args.writes * args.peak_factor
    u = args.utilisation
    print("# Ladder capacity plan\n")
    if args.from_results:
        print(f"Measured rates from {args.from_results}; flags override them.\n")
    print(f"Load: {args.reads:,.0f} reads/s and {args.writes:,.0f} writes/s on average; peak factor {args.peak_factor:g} "
          f"-> {peak_reads:,.0f} reads/s and {peak_writes:,.0f} writes/s at peak.")
    print(f"Headroom: each node is planned at {u:.0%} of its measured rate at peak.\n")
    print("| tier | load at peak | per node (measured) | arithmetic | nodes |")
    print("| --- | --- | --- | --- | --- |")

    def row(tier, load, per_node, minimum, source, why_minimum):
        count, needed = nodes(load, per_node, u, minimum)
        arithmetic = f"ceil({load:,.0f} / ({per_node:,.0f} x {u:g})) = {needed}"
        if count > needed:
            arithmetic += f"; at least {minimum} ({why_minimum})"
        print(f"| {tier} | {load:,.0f}/s | {per_node:,.0f}/s ({source}) | {arithmetic} | **{count}** |")
        return count

    read_nodes = row("read-api", peak_reads, rate["read_rate"], 2, "hot reads per core", "no single point of failure")
    write_nodes = row("write-api", peak_writes, rate["write_rate"], 2, "durable writes per core of app + DB",
                      "no single point of failure")
    cache_nodes = row("shared cache (Redis, users-plus-3)", peak_reads * hit, args.cache_rate, 2, "assumed until measured",
                      "primary + replica")
    miss_reads = peak_reads * (1 - hit)
    replicas = row("database read replicas", miss_reads, db_read_rate, 1,
                   "cache-off reads per MariaDB core" if rate["db_read_rate"] else "assumed: 20 % of the hot-read rate", "one replica")
    primaries = row("database primary", peak_writes, db_write_rate, 1,
                    "durable writes per MariaDB core" if rate["db_write_rate"] else "assumed: as the write-api rate", "the primary")
    print()
    print(f"Reads that miss the cache: {peak_reads:,.0f} x (1 - {hit:.2f} hit ratio) = {miss_reads:,.0f}/s at peak.")
    print(f"Primary: {primaries} (+{primaries} standby for failover); "
          + ("writes fit one primary." if primaries == 1 else f"writes need {primaries} shards (federation/sharding)."))
    total = read_nodes + write_nodes + cache_nodes + replicas + 2 * primaries
    print(f"\nIn all: {read_nodes} read-api + {write_nodes} write-api + {cache_nodes} cache + {replicas} replica(s) + "
          f"{primaries} primary + {primaries} standby = {total} nodes of this machine's size (1 core per app node as measured).")


if __name__ == "__main__":
    main()
