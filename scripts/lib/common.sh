# shellcheck shell=bash
# Shared helpers for scripts/run, scripts/test and friends. Source it; do not run it.
# Safe under `set -euo pipefail`, which the caller sets.

# ladder_log MSG...: print "[ladder] MSG" to stderr.
ladder_log() {
  printf '[ladder] %s\n' "$*" >&2
}

# ladder_java_home: export JAVA_HOME to a JDK 25 and put its bin/ first on PATH.
ladder_java_home() {
  local candidate home=""
  if [[ -x /usr/lib/jvm/temurin-25-jdk-amd64/bin/java ]]; then
    home=/usr/lib/jvm/temurin-25-jdk-amd64
  else
    for candidate in /usr/lib/jvm/*25*; do
      if [[ -x "$candidate/bin/java" && -x "$candidate/bin/javac" ]]; then
        home=$candidate
        break
      fi
    done
  fi
  if [[ -z "$home" ]]; then
    ladder_log "no JDK 25 found in /usr/lib/jvm (looked for temurin-25-jdk-amd64, then *25*): install one, e.g. temurin-25-jdk"
    return 1
  fi
  export JAVA_HOME="$home"
  export PATH="$JAVA_HOME/bin:$PATH"
}

# ladder_apt_ensure PKG...: install the Debian packages that are missing, in one apt-get run.
# Prints nothing when all are installed. Never starts a daemon (apt does not start any here; a
# policy-rc.d is added for the install anyway when none exists, in case a machine has systemd).
ladder_apt_ensure() {
  local pkg status
  local -a missing=() sudo=()
  for pkg in "$@"; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    if [[ "$status" != "install ok installed" ]]; then
      missing+=("$pkg")
    fi
  done
  if ((${#missing[@]} == 0)); then
    return 0
  fi

  if [[ $(id -u) -ne 0 ]]; then
    if command -v sudo >/dev/null 2>&1; then
      sudo=(sudo)
    else
      ladder_log "need to install ${missing[*]} but not root and no sudo: install them, then rerun"
      return 1
    fi
  fi

  ladder_log "installing Debian packages: ${missing[*]}"
  local policy=/usr/sbin/policy-rc.d added_policy=""
  if [[ ! -e "$policy" ]]; then
    # Exit code 101 tells invoke-rc.d "action forbidden": packages install without starting services.
    if printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null \
        && "${sudo[@]}" chmod 755 "$policy"; then
      added_policy=1
    fi
  fi
  # apt's chatter goes to a log, shown only when something fails.
  local rc=0 log
  log=$(mktemp "${TMPDIR:-/tmp}/ladder-apt.XXXXXX")
  "${sudo[@]}" apt-get update >"$log" 2>&1 || rc=$?
  if ((rc == 0)); then
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
      apt-get install -y --no-install-recommends "${missing[@]}" >>"$log" 2>&1 || rc=$?
  fi
  if [[ -n "$added_policy" ]]; then
    "${sudo[@]}" rm -f "$policy" || true
  fi
  if ((rc != 0)); then
    tail -n 25 "$log" >&2 || true
    ladder_log "apt-get failed (exit $rc) while installing: ${missing[*]} (full log: $log)"
    return "$rc"
  fi
  rm -f "$log"
}
