"""Scale an app pool of the local cluster out and in, the way an autoscaling group would.

    cluster_scale.py out POOL         start one more node of POOL (read_api or write_api) and register it
    cluster_scale.py in POOL [NAME]   drain and remove a node scale-out added (the newest of POOL by default)
    cluster_scale.py pidfiles         the pid files of every scaled node (scripts/cluster down stops them)

scripts/cluster scale-out / scale-in run it with CLUSTER_DIR, CLUSTER_PORT_BASE and STAGE set.

Scale-out: a new node of the pool (name read3, write3, ...; ports B+10N / B+20N for readN, B+11N /
B+21N for writeN) gets the pool's own configuration: the environment file and the command line
of a node of the pool (the app role's ladder.env, the running node's argv), the same jar and
profile, only its name, node id, ports and data folder its own. Once its /health/ready answers
200 it is added to HAProxy's backend of the pool through the runtime API (`add server` with the
backend's default-server settings, since HAProxy 2.6 gives a dynamic server none of them, then
`enable health` and `enable server`), and counts once HAProxy reports it UP.

Scale-in: `set server ... state drain` (no new requests), wait until its current sessions are 0,
`state maint`, SIGTERM (the node drains what is left and exits), `del server`.

The scaled nodes are recorded in CLUSTER_DIR/<stage>/scaled.json (the manifest's host shape);
scripts/cluster status lists them in their pool's group. Each command prints one
`[drill-result] {json}` line with its timings.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request

POOLS = {"read_api": ("read", 100), "write_api": ("write", 110)}
READY_TIMEOUT = 120.0
IN_ROTATION_TIMEOUT = 30.0
DRAIN_TIMEOUT = 60.0
STOP_TIMEOUT = 40.0
DELETE_TIMEOUT = 30.0

root = os.environ["CLUSTER_DIR"]
stage = os.environ["STAGE"]
base = os.path.join(root, stage)
port_base = int(os.environ.get("CLUSTER_PORT_BASE", "18000"))
registry_path = os.path.join(base, "scaled.json")


def log(message):
    print("[scale] %s" % message, flush=True)


def fail(message):
    print("[scale] error: %s" % message, file=sys.stderr, flush=True)
    sys.exit(1)


def load_json(path, default):
    try:
        with open(path) as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return default


def registry():
    return load_json(registry_path, {"hosts": []})


def save_registry(data):
    if not data["hosts"]:
        if os.path.exists(registry_path):
            os.remove(registry_path)
        return
    temporary = registry_path + ".tmp"
    with open(temporary, "w") as handle:
        json.dump(data, handle, indent=2)
    os.replace(temporary, registry_path)


def manifest():
    data = load_json(os.path.join(base, "manifest.json"), None)
    if data is None:
        fail("no cluster is up in %s (scripts/cluster up)" % base)
    return data


def read_pid(path):
    try:
        with open(path) as handle:
            return int(handle.read().strip())
    except (OSError, ValueError, TypeError):
        return None


def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as handle:
            stat = handle.read()
    except OSError:
        return False
    # PID 1 does not reap orphans here: a <defunct> process is a dead one.
    return stat[stat.rindex(")") + 2] not in "ZX"


def listening(address, port):
    try:
        with socket.create_connection((address, port), timeout=0.5):
            return True
    except OSError:
        return False


class Runtime:
    """HAProxy's runtime API: one command per connection on the admin-level unix socket."""

    def __init__(self, path):
        self.path = path

    def __call__(self, command):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
            connection.settimeout(10)
            connection.connect(self.path)
            connection.sendall((command + "\n").encode())
            answer = b""
            while True:
                chunk = connection.recv(65536)
                if not chunk:
                    break
                answer += chunk
        return answer.decode("utf-8", "replace").strip()

    def server_stat(self, backend, server):
        """The server's row of `show stat` as a dict (scur, qcur, status...), or None when there is no such server."""
        lines = self("show stat").splitlines()
        if not lines or not lines[0].startswith("# "):
            return None
        header = lines[0][2:].split(",")
        for line in lines[1:]:
            row = dict(zip(header, line.split(",")))
            if row.get("pxname") == backend and row.get("svname") == server:
                return row
        return None


def default_server_settings(config_path, backend):
    """The `default-server` arguments of a backend in HAProxy's configuration (dynamic servers do not inherit them)."""
    section = None
    with open(config_path) as handle:
        for line in handle:
            if line.strip() == "" or line.lstrip().startswith("#"):
                continue
            if not line[0].isspace():
                words = line.split()
                section = words[1] if words[0] == "backend" and len(words) > 1 else None
                continue
            words = line.split()
            if section == backend and words[0] == "default-server":
                return words[1:]
    return []


def read_env(path):
    lines = []
    with open(path) as handle:
        for line in handle:
            lines.append(line.rstrip("\n"))
    return lines


def env_value(lines, key):
    for line in lines:
        if line.startswith(key + "="):
            return line.split("=", 1)[1]
    return None


def template_command(host, home):
    """The pool node's command line, with its folder replaced by the new node's: its running argv, else the env file's note."""
    pid = read_pid(host.get("pidfile"))
    argv = None
    if pid is not None and alive(pid):
        with open("/proc/%d/cmdline" % pid, "rb") as handle:
            argv = [part.decode() for part in handle.read().split(b"\0") if part]
    if not argv:
        for line in read_env(os.path.join(base, host["name"], "ladder.env")):
            if line.startswith("# Started as") and "): " in line:
                argv = line.split("): ", 1)[1].split()
    if not argv:
        fail("cannot tell how %s is started" % host["name"])
    template_home = os.path.join(base, host["name"])
    name = os.path.basename(home)
    own = []
    for part in argv:
        part = part.replace(template_home + "/", home + "/")
        # Its JSON logs go to a folder of its own beside the others (CLUSTER_DIR/logs/<host>): two
        # processes rolling one file would lose lines.
        if part.startswith("-Dladder.logDir=") and part.rstrip("/").endswith("/" + host["name"]):
            part = part.rstrip("/")[: -len(host["name"])] + name
        own.append(part)
    return own


def wait_ready(address, admin_port, pid, timeout):
    url = "http://%s:%d/health/ready" % (address, admin_port)
    deadline = time.time() + timeout
    while time.time() < deadline:
        if not alive(pid):
            return False
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(0.05)
    return False


def stop(pid, timeout):
    """SIGTERM, wait for the exit (a <defunct> process counts as gone), SIGKILL after the timeout. Seconds it took."""
    started = time.time()
    if pid is None or not alive(pid):
        return 0.0
    os.kill(pid, signal.SIGTERM)
    while time.time() - started < timeout:
        if not alive(pid):
            return time.time() - started
        time.sleep(0.05)
    log("pid %d did not stop in %.0f s: killing it" % (pid, timeout))
    os.kill(pid, signal.SIGKILL)
    return time.time() - started


def delete_server(runtime, backend, name):
    """`del server`; HAProxy refuses while connections (idle ones too) remain, so it is retried for a while."""
    deadline = time.time() + DELETE_TIMEOUT
    while True:
        answer = runtime("del server %s/%s" % (backend, name))
        if answer.startswith("Server deleted") or "No such server" in answer:
            return answer
        if time.time() > deadline:
            fail("HAProxy would not delete %s/%s: %s" % (backend, name, answer))
        time.sleep(0.2)


def scale_out(pool):
    if pool not in POOLS:
        fail("POOL is one of %s, not %s" % (", ".join(POOLS), pool))
    prefix, offset = POOLS[pool]
    data = manifest()
    scaled = registry()
    hosts = data["hosts"] + scaled["hosts"]
    members = [h for h in data["hosts"] if h["group"] == pool]
    running = [h for h in members if read_pid(h.get("pidfile")) and alive(read_pid(h.get("pidfile")))]
    if not members:
        fail("the stage has no %s hosts" % pool)
    template = (running or members)[0]
    names = {h["name"] for h in hosts}
    number = next((n for n in range(1, 10) if "%s%d" % (prefix, n) not in names), None)
    if number is None:
        fail("%s already has 9 nodes (readN/writeN use ports B+%d..B+%d)" % (pool, offset + 1, offset + 9))
    name = "%s%d" % (prefix, number)
    address = template.get("address", "127.0.0.1")
    http_port = port_base + offset + number
    admin_port = port_base + 100 + offset + number
    for port in (http_port, admin_port):
        if listening(address, port):
            fail("port %d is taken: cannot start %s" % (port, name))

    # The node's folder, as the app role lays one out: the jar and profile of the pool's node, its
    # environment file with this node's identity, ports and data folder.
    home = os.path.join(base, name)
    template_home = os.path.join(base, template["name"])
    os.makedirs(home, mode=0o750, exist_ok=True)
    # Every file of the node's folder but its own state (the jar, the profile, and whatever the role
    # adds beside them, e.g. a JVM cache its command line names); not its data folder.
    for entry in os.listdir(template_home):
        source = os.path.join(template_home, entry)
        if os.path.isfile(source) and entry not in ("ladder.env", "ladder.log", "ladder.pid"):
            shutil.copy2(source, os.path.join(home, entry))
    env = read_env(os.path.join(template_home, "ladder.env"))
    # Nobody numbers the nodes an autoscaling group starts: the node leases a free id from the
    # database (node.id auto), and the configured nodes' ids are never among those it takes.
    node_id = "auto"
    own = {"LADDER_NODE_NAME": name, "LADDER_NODE_ID": node_id, "LADDER_HTTP_PORT": str(http_port),
           "LADDER_HTTP_ADMIN_PORT": str(admin_port), "LADDER_DATA_DIR": os.path.join(home, "data")}
    values = {}
    for line in env:
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            # Paths into the pool node's folder point into the new node's own.
            values[key] = own[key] if own.get(key) is not None else value.replace(template_home + "/", home + "/")
    env_path = os.path.join(home, "ladder.env")
    with open(os.open(env_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as handle:
        handle.write("# Node %s, added by scripts/cluster scale-out from %s's configuration.\n" % (name, template["name"]))
        for key in sorted(values):
            handle.write("%s=%s\n" % (key, values[key]))
    argv = template_command(template, home)
    pidfile = os.path.join(home, "ladder.pid")

    # Start it as the app role's pid-file mode does: own session, only the environment file's
    # variables (plus PATH, HOME, LANG, LC_ALL, TZ), output appended to its log.
    process_env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "LC_ALL", "TZ")}
    process_env.update(values)
    with open(os.path.join(home, "ladder.log"), "ab") as out, open(os.devnull, "rb") as null:
        # The start is timed here: /proc's start time counts from a boot time rounded to the second.
        started = time.time()
        process = subprocess.Popen(argv, cwd=home, env=process_env, stdin=null, stdout=out, stderr=out,
                                   start_new_session=True)
    pid = process.pid
    with open(pidfile, "w") as handle:
        handle.write("%d\n" % pid)
    entry = {"name": name, "group": pool, "ports": {"admin": admin_port, "http": http_port}, "pidfile": pidfile,
             "address": address, "nodeId": node_id, "template": template["name"]}
    scaled["hosts"].append(entry)
    save_registry(scaled)
    log("started %s (pid %d, node id %s, http %d, admin %d) with %s's configuration" % (
        name, pid, node_id, http_port, admin_port, template["name"]))

    if not wait_ready(address, admin_port, pid, READY_TIMEOUT):
        log("%s did not become ready in %.0f s (log: %s): stopping it" % (name, READY_TIMEOUT, os.path.join(home, "ladder.log")))
        stop(pid, STOP_TIMEOUT)
        scaled["hosts"] = [h for h in scaled["hosts"] if h["name"] != name]
        save_registry(scaled)
        sys.exit(1)
    ready = time.time()
    log("%s is ready %.2f s after its process started" % (name, ready - started))

    # HAProxy 2.6: a dynamic server starts in maintenance with checks off and takes nothing of the
    # backend's default-server line; `enable server` puts it UP at once (without waiting for a
    # check), which is why it is added only once it answers ready. Its checks then run as for the others.
    runtime = Runtime(data["runtimeSocket"])
    config = os.path.join(os.path.dirname(data["runtimeSocket"]), "haproxy.cfg")
    settings = default_server_settings(config, pool)
    command = "add server %s/%s %s:%d check port %d %s" % (pool, name, address, http_port, admin_port, " ".join(settings))
    for step in (command.strip(), "enable health %s/%s" % (pool, name), "enable server %s/%s" % (pool, name)):
        answer = runtime(step)
        if step.startswith("add server") and "New server registered" not in answer:
            fail("HAProxy refused `%s`: %s (the node runs: scripts/cluster scale-in %s %s)" % (step, answer, pool, name))
        log("haproxy: %s%s" % (step, (" -> " + answer) if answer else ""))
    deadline = time.time() + IN_ROTATION_TIMEOUT
    while True:
        row = runtime.server_stat(pool, name)
        if row and row.get("status", "").startswith("UP"):
            break
        if time.time() > deadline:
            fail("HAProxy does not see %s up after %.0f s: %s" % (name, IN_ROTATION_TIMEOUT, row))
        time.sleep(0.05)
    in_rotation = time.time()
    log("%s is in rotation in %s, %.2f s after its process started" % (name, pool, in_rotation - started))
    print("[drill-result] " + json.dumps({
        "action": "scale-out", "pool": pool, "node": name, "pid": pid, "nodeId": node_id,
        "ports": entry["ports"], "processStartedAt": started,
        "startToReadySeconds": round(ready - started, 3),
        "startToInRotationSeconds": round(in_rotation - started, 3)}), flush=True)


def scale_in(pool, name=None):
    if pool not in POOLS:
        fail("POOL is one of %s, not %s" % (", ".join(POOLS), pool))
    data = manifest()
    scaled = registry()
    candidates = [h for h in scaled["hosts"] if h["group"] == pool and (name is None or h["name"] == name)]
    if not candidates:
        if name and any(h["name"] == name for h in data["hosts"]):
            fail("%s is one of the inventory's nodes: only nodes scale-out added are scaled in" % name)
        fail("no node scale-out added to %s%s" % (pool, " named " + name if name else ""))
    host = candidates[-1]
    name = host["name"]
    pid = read_pid(host["pidfile"])
    runtime = Runtime(data["runtimeSocket"])
    began = time.time()
    drained = None
    in_flight = None
    if runtime.server_stat(pool, name) is None:
        log("HAProxy has no %s/%s (restarted since?): stopping the node only" % (pool, name))
    else:
        # No new requests; those under way finish (HAProxy's sessions with the server reach 0).
        log("haproxy: set server %s/%s state drain" % (pool, name))
        runtime("set server %s/%s state drain" % (pool, name))
        in_flight = int((runtime.server_stat(pool, name) or {}).get("scur") or 0)
        deadline = time.time() + DRAIN_TIMEOUT
        while True:
            row = runtime.server_stat(pool, name) or {}
            if int(row.get("scur") or 0) == 0 and int(row.get("qcur") or 0) == 0:
                drained = time.time() - began
                break
            if time.time() > deadline:
                log("%s still has %s sessions after %.0f s: stopping it anyway (it drains on SIGTERM)" % (
                    name, row.get("scur"), DRAIN_TIMEOUT))
                break
            time.sleep(0.05)
        runtime("set server %s/%s state maint" % (pool, name))
        log("%s drained in %s s (%d requests under way when it started), now in maintenance" % (
            name, "%.2f" % drained if drained is not None else "-", in_flight))
    stopped = stop(pid, STOP_TIMEOUT)
    log("%s (pid %s) stopped %.2f s after SIGTERM" % (name, pid, stopped))
    if runtime.server_stat(pool, name) is not None:
        log("haproxy: del server %s/%s -> %s" % (pool, name, delete_server(runtime, pool, name)))
    scaled["hosts"] = [h for h in scaled["hosts"] if h["name"] != name]
    save_registry(scaled)
    # Its folder goes, as an instance's disk would; its log is kept in scaled-logs/ for later reading.
    logs = os.path.join(base, "scaled-logs")
    os.makedirs(logs, exist_ok=True)
    if os.path.exists(os.path.join(base, name, "ladder.log")):
        shutil.move(os.path.join(base, name, "ladder.log"), os.path.join(logs, "%s-%s.log" % (name, pid)))
    shutil.rmtree(os.path.join(base, name), ignore_errors=True)
    print("[drill-result] " + json.dumps({
        "action": "scale-in", "pool": pool, "node": name, "pid": pid,
        "inFlightAtDrain": in_flight, "drainSeconds": round(drained, 3) if drained is not None else None,
        "stopSeconds": round(stopped, 3), "totalSeconds": round(time.time() - began, 3)}), flush=True)


def main(args):
    if args[:1] == ["out"] and len(args) == 2:
        scale_out(args[1])
    elif args[:1] == ["in"] and len(args) in (2, 3):
        scale_in(args[1], args[2] if len(args) == 3 else None)
    elif args == ["pidfiles"]:
        for host in registry()["hosts"]:
            print(host["pidfile"])
    else:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main(sys.argv[1:])
