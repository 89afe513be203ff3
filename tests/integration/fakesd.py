#!/usr/bin/env python3
"""fakesd: systemd's part of socket activation, for tests.

usage: fakesd.py DIR LAMBDAD CONF HOST:PORT [HOST:PORT...]

Binds and listens on each address (as lambdad.socket would), then starts
LAMBDAD -c CONF with them as fds 3, 4, ... and LISTEN_FDS, LISTEN_PID and
LISTEN_FDNAMES set, as systemd does.  Commands come as files in DIR:
  DIR/restart   SIGTERM the daemon, wait for it to exit, start a new one on
                the same sockets (`systemctl restart`); the file is removed
  DIR/stop      SIGTERM the daemon, wait, exit
Each daemon's stderr goes to DIR/daemon.N.log (N from 1); DIR/pid holds
the running daemon's pid.  Every daemon's exit status is printed as
"daemon N exited S".  Bounded: gives up after 120 s.
"""
import os, signal, socket, sys, time

d, lambdad, conf = sys.argv[1:4]
socks = []
for a in sys.argv[4:]:
    host, port = a.rsplit(":", 1)
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((host, int(port)))
    s.listen(4096)
    socks.append(s)


def start(n):
    log = os.open(os.path.join(d, "daemon.%d.log" % n),
                  os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    pid = os.fork()
    if pid == 0:
        # Out of the way of 3.. first, then into place.
        high = [os.dup(s.fileno()) + 100 for s in socks]
        for i, s in enumerate(socks):
            os.dup2(s.fileno(), high[i])
        for i in range(len(socks)):
            os.dup2(high[i], 3 + i, inheritable=True)
        os.dup2(log, 2)
        env = dict(os.environ)
        env["LISTEN_FDS"] = str(len(socks))
        env["LISTEN_PID"] = str(os.getpid())
        env["LISTEN_FDNAMES"] = ":".join("l%d" % i for i in range(len(socks)))
        os.execve(lambdad, [lambdad, "-c", conf, "-v"], env)
    os.close(log)
    with open(os.path.join(d, "pid.tmp"), "w") as f:
        f.write("%d\n" % pid)
    os.rename(os.path.join(d, "pid.tmp"), os.path.join(d, "pid"))
    return pid


def stop(pid, n):
    os.kill(pid, signal.SIGTERM)
    _, st = os.waitpid(pid, 0)
    print("daemon %d exited %d" % (n, os.waitstatus_to_exitcode(st)))
    sys.stdout.flush()


n = 1
pid = start(n)
end = time.monotonic() + 120
while time.monotonic() < end:
    if os.path.exists(os.path.join(d, "restart")):
        stop(pid, n)
        os.unlink(os.path.join(d, "restart"))
        n += 1
        pid = start(n)
    if os.path.exists(os.path.join(d, "stop")):
        break
    time.sleep(0.01)
stop(pid, n)
