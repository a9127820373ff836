#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Ladder contributors. Apache-2.0.
"""Run a long-lived process detached, with a pid file (for hosts without systemd)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: daemon
short_description: Start, stop, restart or reload a detached process tracked by a pid file
description:
  - Starts a foreground program as a daemon (new session, stdin from /dev/null, stdout and stderr
    appended to a log file) and records its pid in a pid file.
  - A process counts as running only if it exists, is not a zombie (C(<defunct>), since PID 1 does
    not always reap orphans in containers and micro-VMs) and its command line contains I(match), so
    a pid reused by another program is never mistaken for the service.
  - Idempotent. C(started) changes nothing when the process runs; C(stopped) nothing when it does not.
options:
  name:
    description: A name for messages.
    type: str
    required: true
  argv:
    description: The program and its arguments. Required for C(started), C(restarted) and C(reloaded).
    type: list
    elements: str
  pidfile:
    description: The pid file.
    type: path
    required: true
  log:
    description: File that receives stdout and stderr (appended). Default C(/dev/null).
    type: path
  chdir:
    description: Working folder of the process.
    type: path
  env:
    description: Extra environment variables (added to the module's environment).
    type: dict
    default: {}
  inherit_env:
    description:
      - Pass this module's environment on. C(false) gives the process only PATH, HOME, LANG, LC_ALL
        and TZ plus I(env_file) and I(env), as systemd would; use it for programs that refuse
        unknown variables of their own prefix.
    type: bool
    default: true
  env_file:
    description: File of C(KEY=VALUE) lines (systemd EnvironmentFile syntax, no quoting), read at start.
    type: path
  match:
    description: Text the process's command line must contain. Default the basename of C(argv[0]), or of the recorded command.
    type: str
  state:
    description: C(started), C(stopped), C(restarted) (stop then start) or C(reloaded) (send I(reload_signal); start when not running).
    type: str
    choices: [started, stopped, restarted, reloaded]
    default: started
  stop_signal:
    description: Signal that asks the process to stop.
    type: str
    default: TERM
  stop_timeout:
    description: Seconds to wait after I(stop_signal) before sending KILL.
    type: float
    default: 30
  reload_signal:
    description: Signal that asks the process to reload its configuration.
    type: str
    default: HUP
  start_grace:
    description: Seconds the new process must stay alive for the start to count as successful.
    type: float
    default: 0.5
author:
  - Ladder contributors
"""

EXAMPLES = r"""
- name: Start HAProxy in the foreground, detached, with a pid file
  ladder.cluster.daemon:
    name: haproxy
    argv: [/usr/sbin/haproxy, -W, -db, -f, /srv/lb/haproxy.cfg]
    pidfile: /srv/lb/haproxy.pid
    log: /srv/lb/haproxy.log
    state: started
"""

RETURN = r"""
pid:
  description: Pid of the running process (null when stopped).
  returned: always
  type: int
"""

import os
import signal
import time

from ansible.module_utils.basic import AnsibleModule


def read_pid(pidfile):
    try:
        with open(pidfile) as handle:
            text = handle.read().strip()
        return int(text) if text else None
    except (IOError, OSError, ValueError):
        return None


def process_state(pid):
    """The one-letter state of /proc/PID/stat (R, S, Z...), or None when there is no such process."""
    try:
        with open("/proc/%d/stat" % pid) as handle:
            stat = handle.read()
        return stat[stat.rindex(")") + 2]
    except (IOError, OSError, ValueError, IndexError):
        return None


def command_line(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as handle:
            return handle.read().replace(b"\0", b" ").decode("utf-8", "replace")
    except (IOError, OSError):
        return ""


def alive(pid, match):
    if pid is None or pid <= 0:
        return False
    state = process_state(pid)
    if state is None or state in ("Z", "X"):
        return False
    return match in command_line(pid)


def read_env_file(path):
    env = {}
    with open(path) as handle:
        for line in handle:
            line = line.strip()
            if not line or line.startswith("#") or "=" not in line:
                continue
            key, value = line.split("=", 1)
            env[key.strip()] = value
    return env


def signal_number(name):
    name = name.upper()
    if not name.startswith("SIG"):
        name = "SIG" + name
    return getattr(signal, name)


def start(module, params):
    argv = params["argv"]
    if not argv:
        module.fail_json(msg="%s: argv is required to start" % params["name"])
    if params["inherit_env"]:
        env = dict(os.environ)
    else:
        env = dict((k, v) for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "LC_ALL", "TZ"))
    if params["env_file"]:
        env.update(read_env_file(params["env_file"]))
    env.update(dict((k, str(v)) for k, v in params["env"].items()))
    log = params["log"] or os.devnull
    chdir = params["chdir"] or "/"

    # pid_pipe carries the daemon's pid to this process; exec_pipe is close-on-exec, so its end
    # of file tells that exec happened (or carries the error when it failed).
    pid_read, pid_write = os.pipe()
    exec_read, exec_write = os.pipe()
    child = os.fork()
    if child == 0:
        # First child: new session, then fork again so the daemon is no session leader and is
        # re-parented away from Ansible (which must not wait for it).
        try:
            os.close(pid_read)
            os.close(exec_read)
            os.setsid()
            daemon = os.fork()
            if daemon:
                os.write(pid_write, str(daemon).encode())
                os._exit(0)
            os.chdir(chdir)
            null = os.open(os.devnull, os.O_RDONLY)
            out = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o640)
            os.dup2(null, 0)
            os.dup2(out, 1)
            os.dup2(out, 2)
            os.closerange(3, exec_write)
            os.closerange(exec_write + 1, 65536)
            os.umask(0o027)
            os.execvpe(argv[0], argv, env)
        except Exception as error:  # pylint: disable=broad-except
            try:
                os.write(exec_write, str(error).encode("utf-8", "replace"))
            except Exception:  # pylint: disable=broad-except
                pass
        os._exit(127)
    os.close(pid_write)
    os.close(exec_write)
    data = b""
    while True:
        chunk = os.read(pid_read, 64)
        if not chunk:
            break
        data += chunk
    os.close(pid_read)
    os.waitpid(child, 0)
    failure = b""
    while True:
        chunk = os.read(exec_read, 4096)
        if not chunk:
            break
        failure += chunk
    os.close(exec_read)
    if failure or not data:
        module.fail_json(msg="%s: could not start %s: %s" % (params["name"], argv[0], failure.decode("utf-8", "replace")))
    pid = int(data.decode())
    with open(params["pidfile"], "w") as handle:
        handle.write("%d\n" % pid)

    # The program runs; it must also survive its first moments (bad configuration, busy port).
    deadline = time.time() + params["start_grace"]
    while time.time() < deadline and process_state(pid) not in (None, "Z", "X"):
        time.sleep(0.1)
    if process_state(pid) in (None, "Z", "X"):
        tail = ""
        try:
            with open(log, "rb") as handle:
                handle.seek(0, os.SEEK_END)
                size = handle.tell()
                handle.seek(max(0, size - 2000))
                tail = handle.read().decode("utf-8", "replace")
        except (IOError, OSError):
            pass
        try:
            os.unlink(params["pidfile"])
        except OSError:
            pass
        module.fail_json(msg="%s exited right after start; end of %s:\n%s" % (params["name"], log, tail))
    return pid


def stop(params, pid, match):
    try:
        os.kill(pid, signal_number(params["stop_signal"]))
    except OSError:
        pass
    deadline = time.time() + params["stop_timeout"]
    while time.time() < deadline and alive(pid, match):
        time.sleep(0.1)
    if alive(pid, match):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
        deadline = time.time() + 10
        while time.time() < deadline and alive(pid, match):
            time.sleep(0.1)
    try:
        os.unlink(params["pidfile"])
    except OSError:
        pass


def main():
    module = AnsibleModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            argv=dict(type="list", elements="str"),
            pidfile=dict(type="path", required=True),
            log=dict(type="path"),
            chdir=dict(type="path"),
            env=dict(type="dict", default={}, no_log=True),
            inherit_env=dict(type="bool", default=True),
            env_file=dict(type="path"),
            match=dict(type="str"),
            state=dict(type="str", default="started", choices=["started", "stopped", "restarted", "reloaded"]),
            stop_signal=dict(type="str", default="TERM"),
            stop_timeout=dict(type="float", default=30),
            reload_signal=dict(type="str", default="HUP"),
            start_grace=dict(type="float", default=0.5),
        ),
        supports_check_mode=True,
    )
    params = module.params
    argv = params["argv"] or []
    pid = read_pid(params["pidfile"])
    match = params["match"] or (os.path.basename(argv[0]) if argv else None)
    if match is None and pid is not None:
        recorded = command_line(pid).split(" ")
        match = os.path.basename(recorded[0]) if recorded and recorded[0] else "\0"
    running = alive(pid, match or "\0")
    state = params["state"]

    if state == "started":
        if running:
            module.exit_json(changed=False, pid=pid)
        if module.check_mode:
            module.exit_json(changed=True, pid=None)
        module.exit_json(changed=True, pid=start(module, params))

    if state == "stopped":
        if not running:
            if pid is not None and not module.check_mode:
                try:
                    os.unlink(params["pidfile"])
                except OSError:
                    pass
            module.exit_json(changed=False, pid=None)
        if not module.check_mode:
            stop(params, pid, match)
        module.exit_json(changed=True, pid=None)

    if module.check_mode:
        module.exit_json(changed=True, pid=pid if running else None)
    if state == "reloaded" and running:
        os.kill(pid, signal_number(params["reload_signal"]))
        module.exit_json(changed=True, pid=pid)
    if running:
        stop(params, pid, match)
    module.exit_json(changed=True, pid=start(module, params))


if __name__ == "__main__":
    main()
