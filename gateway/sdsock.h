/*
 * sdsock: listening sockets passed in by systemd (sd_listen_fds(3)),
 * through libsystemd.
 *
 * Socket activation: systemd (lambdad.socket) or any manager speaking its
 * protocol (LISTEN_FDS, LISTEN_PID) binds the listeners and passes them in.
 * The socket outlives the process, so `systemctl restart lambdad` (a new
 * binary) refuses no connection: clients wait in the kernel's backlog while
 * the old daemon drains and the new one starts.  A passed socket serves the
 * listener whose configured address it is bound to (listen =,
 * dynamodb_listen =, metrics_listen =), so the config stays the one source
 * of the addresses; a passed socket that matches none is closed with a
 * warning.
 *
 * Readiness goes the other way: daemon_notify (daemon.h), sd_notify(3).
 */
#ifndef LAMBDAD_SDSOCK_H
#define LAMBDAD_SDSOCK_H

/* Take the passed sockets (once, at start, before any fork).  Returns how
 * many were passed; they are close-on-exec. */
int	sdsock_init(void);
/* The passed listening TCP socket bound to host:port, or -1.  Each is
 * handed out once.  port 0 matches nothing (an ephemeral port is never
 * passed in). */
int	sdsock_take(const char *host, int port);
/* Close (with a warning) the passed sockets no listener took. */
void	sdsock_close_unused(void);

#endif
