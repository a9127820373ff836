#!/usr/bin/python3
"""Health check of a MariaDB read replica over HTTP, for HAProxy's `option httpchk`.

Every GET asks the server (its unix socket, so no password: unix_socket authentication as the OS
user running this) for SHOW SLAVE STATUS and answers

  200 when the IO and the SQL thread both run and Seconds_Behind_Master <= --max-lag,
  503 otherwise: the server is stopped or does not answer within 2 s, it is not a replica, a
      replication thread stopped (STOP SLAVE SQL_THREAD, an error), the primary is unreachable
      (lag unknown), or it lags more than --max-lag seconds,

with a one-line JSON body saying why. HAProxy takes a 503 replica out of the read endpoint and
puts it back after consecutive 200s. Each check opens its own short connection: nothing is held
between checks, so a restarted server is seen at once.
"""

import argparse
import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pymysql


def replica_state(options):
    """(healthy, details) of the replica as its own server reports it."""
    try:
        connection = pymysql.connect(unix_socket=options.socket, user=options.user, connect_timeout=2,
                                     read_timeout=2, write_timeout=2, cursorclass=pymysql.cursors.DictCursor)
    except pymysql.MySQLError as error:
        return False, {"reason": "server unreachable", "error": str(error)}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SHOW SLAVE STATUS")
            row = cursor.fetchone()
    except pymysql.MySQLError as error:
        return False, {"reason": "status unreadable", "error": str(error)}
    finally:
        connection.close()
    if row is None:
        return False, {"reason": "not a replica"}
    details = {"io": row.get("Slave_IO_Running"), "sql": row.get("Slave_SQL_Running"),
               "lagSeconds": row.get("Seconds_Behind_Master"), "maxLagSeconds": options.max_lag}
    if details["io"] != "Yes" or details["sql"] != "Yes":
        details["reason"] = "replication stopped"
        details["error"] = row.get("Last_IO_Error") or row.get("Last_SQL_Error") or ""
        return False, details
    if details["lagSeconds"] is None:
        details["reason"] = "lag unknown"
        return False, details
    if int(details["lagSeconds"]) > options.max_lag:
        details["reason"] = "lagging"
        return False, details
    details["reason"] = "ok"
    return True, details


def handler_for(options):
    class Check(BaseHTTPRequestHandler):
        server_version = "ladder-replica-check"

        def do_GET(self):  # noqa: N802 (http.server's naming)
            healthy, details = replica_state(options)
            body = (json.dumps(details) + "\n").encode()
            self.send_response(200 if healthy else 503)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)

        def do_HEAD(self):  # noqa: N802
            healthy, _ = replica_state(options)
            self.send_response(200 if healthy else 503)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format, *args):  # pylint: disable=redefined-builtin
            # A check every half second would fill the log; the answers carry the reasons.
            pass

    return Check


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--socket", required=True, help="the server's unix socket")
    parser.add_argument("--user", required=True, help="MariaDB user (unix_socket authentication)")
    parser.add_argument("--bind", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--max-lag", type=int, default=10, help="most Seconds_Behind_Master still healthy")
    options = parser.parse_args()
    server = ThreadingHTTPServer((options.bind, options.port), handler_for(options))
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
