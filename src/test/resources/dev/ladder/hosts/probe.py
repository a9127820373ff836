"""TCP connect probes for SingleBoxPortsIT, run inside a network namespace (ip netns exec).

    python3 probe.py TARGETS SOURCES PORTS TIMEOUT_SECONDS
    e.g. python3 probe.py 10.77.0.1,fd77::1 10.77.0.2,10.77.0.3,fd77::2 22,80,443 3

Connects from every source address to every port of the target of the same family (IPv4 or IPv6),
all at once, and prints one JSON object:
{"10.77.0.2": {"22": "open", ...}, ...}. A state is "open" (the handshake completed), "refused"
(a reset: nothing listens, or a reject), "filtered" (no answer before the timeout: dropped) or
"error: ..." (anything else, e.g. no route).
"""
import json
import socket
import sys
from concurrent.futures import ThreadPoolExecutor


def probe(target, source, port, timeout):
    family = socket.AF_INET6 if ":" in target else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as connection:
        connection.settimeout(timeout)
        try:
            connection.bind((source, 0))
            connection.connect((target, port))
            return "open"
        except ConnectionRefusedError:
            return "refused"
        except socket.timeout:
            return "filtered"
        except OSError as error:
            return "error: " + str(error)


def same_family(targets, source):
    return next(target for target in targets if (":" in target) == (":" in source))


def main():
    targets, sources, ports, timeout = sys.argv[1].split(","), sys.argv[2].split(","), sys.argv[3].split(","), float(sys.argv[4])
    pairs = [(source, int(port)) for source in sources for port in ports]
    with ThreadPoolExecutor(max_workers=len(pairs)) as pool:
        states = list(pool.map(lambda pair: probe(same_family(targets, pair[0]), pair[0], pair[1], timeout), pairs))
    result = {}
    for (source, port), state in zip(pairs, states):
        result.setdefault(source, {})[str(port)] = state
    print(json.dumps(result, sort_keys=True))


if __name__ == "__main__":
    main()
