"""The hub's own Mosquitto in development: generate its files, start it, watch it.

Lifetime. The broker runs in its own session (``start_new_session``), so a Ctrl-C
meant for the hub's terminal does not take the broker down before the hub has
stopped cleanly; :meth:`BrokerSupervisor.stop` ends it. If the hub is killed
(``kill -9``, OOM) the broker stays up and devices stay connected to it until the
next hub start, which finds it (pid file, verified against /proc/PID/cmdline, and a
/proc scan for ``mosquitto -c <our config>``), stops it and starts a fresh one. A
broker left behind therefore never blocks a start, and nothing else is ever killed.
Under systemd the hub unit's cgroup takes the broker down with the hub anyway.

Supervision. One monitor thread per broker process blocks in ``wait()``; if the
process exits without :meth:`stop`, it is restarted with a growing back-off (reset
after it has run for a while) until :meth:`stop`.

Reload. :meth:`update_accounts` rewrites the password and ACL files and sends
SIGHUP: Mosquitto reloads both without dropping connections (an account removed
from the password file is disconnected by the broker). Each write also renews the
password of a private probe account (no ACL rights at all) and the call returns
only once a login with the new probe password is accepted, i.e. once the new files
are live: a device that was just paired can connect at once.
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from . import _process
from ._accounts import BrokerAccount, hash_password, render_acl, render_passwd, validate_name
from ._config import BrokerTls, TlsListener, render_config
from ._errors import BrokerError, PortInUseError
from ._files import Ownership, adopt_files, lookup_user, prepare_dir, user_can_reach, write_atomic

log = logging.getLogger(__name__)

PROBE_USER = "_sorra-probe"  # outside the account name pattern: never collides
LOG_ROTATE_BYTES = 1 << 20
BACKOFF_FIRST, BACKOFF_MAX, STABLE_AFTER = 0.1, 5.0, 30.0
FAST_RESTARTS = 5


def _find_executable(name: str) -> str:
    path = os.environ.get("PATH", os.defpath) + os.pathsep + "/usr/sbin:/usr/local/sbin:/sbin"
    found = shutil.which(name, path=path)
    if found is None:
        raise BrokerError(f"mosquitto executable {name!r} not found (install mosquitto)")
    return found


class BrokerSupervisor:
    """Runs ``mosquitto -c data_dir/broker/mosquitto.conf`` as a supervised child."""

    def __init__(self, data_dir: Path, port: int, bind: str = "127.0.0.1",
                 mosquitto: str = "mosquitto", *, site: str, user: str | None = None,
                 persistence: bool = True, start_timeout: float = 10.0,
                 stop_timeout: float = 5.0,
                 on_restart: Callable[[int], None] | None = None,
                 tls: BrokerTls | None = None) -> None:
        """``user``: account Mosquitto switches to when the hub runs as root; None picks
        ``mosquitto`` if it exists and can reach ``data_dir``, else stays root with a
        warning. Ignored when the hub is not root (Mosquitto then runs as the hub's user).
        ``on_restart(pid)`` is called from the monitor thread after a crash restart.
        ``tls``: also listen with TLS there; the plain ``port`` then binds 127.0.0.1 only."""
        self.data_dir = Path(data_dir)
        self.broker_dir = self.data_dir / "broker"
        self.conf_path = self.broker_dir / "mosquitto.conf"
        self.passwd_path = self.broker_dir / "passwd"
        self.acl_path = self.broker_dir / "acl"
        self.pid_path = self.broker_dir / "mosquitto.pid"
        self.log_path = self.broker_dir / "mosquitto.log"
        self.cert_path = self.broker_dir / "server.pem"
        self.key_path = self.broker_dir / "server.key"
        self.tls = tls
        self.port, self.bind, self.site = port, bind, validate_name(site, "site")
        self.host = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}.get(bind, bind)
        if tls is not None:
            self.host = "127.0.0.1"  # the plain listener is on loopback only
        self.restarts = 0
        self._mosquitto, self._user, self._persistence = mosquitto, user, persistence
        self._start_timeout, self._stop_timeout = start_timeout, stop_timeout
        self._on_restart = on_restart
        self._lock = threading.RLock()
        self._accounts: list[BrokerAccount] = []
        self._probe_password = ""
        self._owner = Ownership()
        self._proc: subprocess.Popen[bytes] | None = None
        self._exited = threading.Event()
        self._stop_evt = threading.Event()
        self._threads: list[threading.Thread] = []
        self._launched_at = 0.0
        self._backoff = BACKOFF_FIRST
        self._quick_crashes = 0

    # -- public --------------------------------------------------------------------
    @property
    def pid(self) -> int | None:
        proc = self._proc
        return proc.pid if proc is not None and not self._exited.is_set() else None

    @property
    def accounts(self) -> list[BrokerAccount]:
        return list(self._accounts)

    def is_running(self) -> bool:
        return self.pid is not None

    def start(self, accounts: Iterable[BrokerAccount]) -> None:
        """Write the files, stop a broker left by a previous hub, start and wait until
        it accepts logins. Raises :class:`BrokerError` (:class:`PortInUseError`)."""
        with self._lock:
            if self.is_running():
                raise BrokerError("broker already running; use update_accounts() or restart()")
            executable = _find_executable(self._mosquitto)
            self._stop_evt = threading.Event()
            run_as = self._plan_ownership()
            prepare_dir(self.broker_dir, Ownership(self._owner.uid, self._owner.gid))
            adopt_files(self.broker_dir, self._owner)
            self._write_accounts(list(accounts))
            listener = None
            if self.tls is not None:
                write_atomic(self.key_path, self.tls.key_pem, self._owner)
                write_atomic(self.cert_path, self.tls.cert_pem, self._owner)
                listener = TlsListener(self.tls.port, self.tls.bind, self.cert_path.resolve(),
                                       self.key_path.resolve())
            write_atomic(self.conf_path, render_config(
                port=self.port, bind=self.bind, data_dir=self.broker_dir,
                passwd=self.passwd_path.resolve(), acl=self.acl_path.resolve(),
                persistence=self._persistence, pid_file=self.pid_path.resolve(),
                log_dest="stderr", user=run_as, tls=listener), self._owner)
            self._backoff = BACKOFF_FIRST
            self._launch(executable, self._stop_evt)

    def update_accounts(self, accounts: Iterable[BrokerAccount], timeout: float = 5.0) -> None:
        """Rewrite passwd and ACL, SIGHUP the broker, return once they are live."""
        with self._lock:
            self._write_accounts(list(accounts))
            proc = self._proc
            if proc is None or self._exited.is_set():
                return  # the next (re)start reads the new files
            proc.send_signal(signal.SIGHUP)
            if not _process.wait_for_login(self.host, self.port, PROBE_USER, self._probe_password,
                                           time.monotonic() + timeout,
                                           alive=lambda: not self._exited.is_set()):
                raise BrokerError(f"mosquitto did not reload its accounts:\n{self._log_tail()}")

    def stop(self) -> None:
        """SIGTERM (Mosquitto saves its database and exits), SIGKILL after the timeout."""
        self._stop_evt.set()  # first, without the lock: ends a restart back-off at once
        with self._lock:
            proc, exited = self._proc, self._exited
            self._proc = None
            if proc is not None and not exited.is_set():
                proc.send_signal(signal.SIGTERM)
                if not exited.wait(self._stop_timeout):
                    log.warning("mosquitto (pid %d) ignored SIGTERM; killing it", proc.pid)
                    proc.kill()
                    exited.wait()
            threads, self._threads = self._threads, []
        for thread in threads:
            if thread is not threading.current_thread():
                thread.join()

    def restart(self) -> None:
        """Stop and start again with the same accounts (disconnects every client)."""
        accounts = self.accounts
        self.stop()
        self.start(accounts)

    # -- internals -------------------------------------------------------------------
    def _plan_ownership(self) -> str | None:
        """Decide who owns the files and which ``user`` line the config gets."""
        self._owner = Ownership()
        if os.geteuid() != 0:
            return None
        name = self._user or "mosquitto"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if name == "root":
            return "root"
        entry = lookup_user(name)
        reachable = entry is not None and user_can_reach(self.data_dir, entry.pw_uid,
                                                         entry.pw_gid)
        if entry is None or not reachable:
            problem = (f"user {name!r} does not exist" if entry is None else
                       f"user {name!r} cannot reach {self.data_dir} (a parent directory "
                       f"is not searchable by it)")
            if self._user is not None:
                raise BrokerError(f"cannot run mosquitto as requested: {problem}")
            log.warning("hub runs as root and %s: running mosquitto as root", problem)
            return "root"
        self._owner = Ownership(uid=entry.pw_uid, gid=entry.pw_gid)
        return name

    def _write_accounts(self, accounts: list[BrokerAccount]) -> None:
        acl = render_acl(self.site, accounts)  # validates before anything is written
        probe_password = secrets.token_urlsafe(18)
        passwd = render_passwd(accounts) + f"{PROBE_USER}:{hash_password(probe_password)}\n"
        write_atomic(self.acl_path, acl, self._owner)
        write_atomic(self.passwd_path, passwd, self._owner)
        self._accounts, self._probe_password = accounts, probe_password

    def _launch(self, executable: str, stop_evt: threading.Event) -> None:
        """Start one broker process and its monitor thread (lock held)."""
        conf = self.conf_path.resolve()
        for pid in _process.brokers_for(conf, self.pid_path):
            _process.terminate(pid, conf, self._stop_timeout)
        wanted = [(self.bind or "0.0.0.0", self.port)]
        if self.tls is not None:
            wanted = [("127.0.0.1", self.port), (self.tls.bind or "0.0.0.0", self.tls.port)]
        for host, port in wanted:
            if not _process.port_is_free(host, port):
                raise PortInUseError(f"port {port} on {host} is in use by "
                                     f"another program (not a Sorra broker for {conf})")
        if self.log_path.exists() and self.log_path.stat().st_size > LOG_ROTATE_BYTES:
            self.log_path.replace(self.log_path.with_name(self.log_path.name + ".1"))
        fd = os.open(self.log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        with open(fd, "ab") as log_file:
            proc = subprocess.Popen(
                [executable, "-c", str(conf)], stdin=subprocess.DEVNULL, stdout=log_file,
                stderr=subprocess.STDOUT, close_fds=True, start_new_session=True)
        ready = _process.wait_for_login(
            self.host, self.port, PROBE_USER, self._probe_password,
            time.monotonic() + self._start_timeout, alive=lambda: proc.poll() is None)
        if not ready:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            raise BrokerError(f"mosquitto did not start (exit code {proc.returncode}):\n"
                              f"{self._log_tail()}")
        exited = threading.Event()
        self._proc, self._exited, self._launched_at = proc, exited, time.monotonic()
        thread = threading.Thread(target=self._watch, args=(executable, proc, exited, stop_evt),
                                  name=f"mosquitto-monitor-{proc.pid}", daemon=True)
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()
        log.info("mosquitto pid %d listening on %s:%d%s", proc.pid, self.host if self.tls else self.bind or "*",
                 self.port, f", TLS on {self.tls.bind or '*'}:{self.tls.port}" if self.tls else "")

    def _watch(self, executable: str, proc: subprocess.Popen[bytes],
               exited: threading.Event, stop_evt: threading.Event) -> None:
        code = proc.wait()
        exited.set()
        if stop_evt.is_set():  # stop() may hold the lock while it joins this thread
            return
        with self._lock:
            if stop_evt.is_set() or self._proc is not proc:
                return
            self._proc = None
            uptime = time.monotonic() - self._launched_at
            # A crash now and then is restarted at once (devices wait on it); only a
            # crash loop (more than FAST_RESTARTS quick crashes in a row) backs off.
            self._quick_crashes = 0 if uptime > STABLE_AFTER else self._quick_crashes + 1
            extra = self._quick_crashes - FAST_RESTARTS
            self._backoff = BACKOFF_FIRST if extra <= 0 else min(BACKOFF_FIRST * 2 ** extra, BACKOFF_MAX)
        log.error("mosquitto (pid %d) exited unexpectedly with %s; restarting:\n%s",
                  proc.pid, code, self._log_tail())
        delay = self._backoff
        while not stop_evt.wait(delay):
            with self._lock:
                if stop_evt.is_set():
                    return
                try:
                    self._launch(executable, stop_evt)
                except (BrokerError, OSError) as exc:
                    log.error("restarting mosquitto failed: %s", exc)
                    delay = min(delay * 2, BACKOFF_MAX)
                    continue
                self.restarts += 1
                new_pid = self._proc.pid if self._proc is not None else -1
            if self._on_restart is not None:
                self._on_restart(new_pid)
            return

    def _log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no mosquitto log)"
