"""A real Mosquitto for tests, run by the hub's own :class:`BrokerSupervisor`.

Plain functions (:func:`free_port`, :func:`running_broker`, :func:`broker_handle`)
plus the ``broker`` pytest fixture; ``tests/conftest.py`` re-exports the fixture,
a test module may also say ``pytest_plugins = ["broker_fixture"]``.

:class:`MqttTestClient` is a paho-mqtt 2.x MQTT 5 client whose calls wait on the
broker's answers (CONNACK, SUBACK, PUBACK, messages) through callbacks, so tests
never sleep.
"""

from __future__ import annotations

import queue
import secrets
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from hub.broker import BrokerAccount, BrokerSupervisor, PortInUseError, Role

HOST = "127.0.0.1"
SITE = "test"
TIMEOUT = 5.0


def free_port(host: str = HOST) -> int:
    """A TCP port that was free a moment ago (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def make_account(role: Role, device: str | None = None, *,
                 username: str | None = None) -> BrokerAccount:
    """An account with a random password; ``device``/``username`` default to the role
    plus a random suffix (``kiosk-3fa2``)."""
    device = device or f"{role}-{secrets.token_hex(2)}"
    return BrokerAccount(username or device, secrets.token_urlsafe(12), role, device)


@contextmanager
def running_broker(tmp_path: Path, accounts: list[BrokerAccount], *, site: str = SITE,
                   port: int | None = None, **kwargs) -> Iterator[BrokerSupervisor]:
    """A started supervisor on 127.0.0.1 with data dir ``tmp_path/hub``; stopped after.

    Without ``port`` a free one is picked, and picked again if another process took it
    between :func:`free_port` and the broker's bind."""
    for attempt in range(5):
        supervisor = BrokerSupervisor(tmp_path / "hub", port or free_port(), HOST,
                                      site=site, **kwargs)
        try:
            supervisor.start(accounts)
        except PortInUseError:
            if port is not None or attempt == 4:
                raise
            continue
        break
    try:
        yield supervisor
    finally:
        supervisor.stop()


class MqttTestClient:
    """paho-mqtt 2.x MQTT 5 client with blocking helpers that wait on callbacks."""

    def __init__(self, host: str, port: int, account: BrokerAccount | None = None, *,
                 client_id: str | None = None, password: str | None = None,
                 protocol: int = mqtt.MQTTv5, clean_start: bool = True,
                 client_class: type[mqtt.Client] = mqtt.Client) -> None:
        self.host, self.port, self.account = host, port, account
        self.client = client_class(mqtt.CallbackAPIVersion.VERSION2,
                                  client_id=client_id or f"test-{secrets.token_hex(4)}",
                                  protocol=protocol)
        if account is not None:
            self.client.username_pw_set(account.username,
                                        account.password if password is None else password)
        self._clean_start = clean_start
        # paho sleeps out its reconnect delay before loop_stop() returns: keep it short
        self.client.reconnect_delay_set(min_delay=0.05, max_delay=1)  # type: ignore[arg-type]
        self.connected = threading.Event()  # set on the first CONNACK, success or not
        self.disconnected = threading.Event()  # set when an established session ends
        self.connect_rc: ReasonCode | None = None
        self.connect_properties: Properties | None = None
        self.disconnect_rc: ReasonCode | None = None
        self.messages: queue.Queue[mqtt.MQTTMessage] = queue.Queue()
        self._acks: dict[int, object] = {}
        self._cond = threading.Condition()
        c = self.client
        c.on_connect, c.on_disconnect = self._on_connect, self._on_disconnect
        c.on_publish, c.on_subscribe, c.on_message = (self._on_publish, self._on_subscribe,
                                                      self._on_message)

    # callbacks (paho's network thread)
    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        self.connect_rc, self.connect_properties = reason_code, properties
        self.connected.set()

    def _on_disconnect(self, client, userdata, flags, reason_code, properties) -> None:
        self.disconnect_rc = reason_code
        if self.connect_rc is not None and not self.connect_rc.is_failure:
            self.disconnected.set()

    def _ack(self, mid: int, value: object) -> None:
        with self._cond:
            self._acks[mid] = value
            self._cond.notify_all()

    def _on_publish(self, client, userdata, mid, reason_code, properties) -> None:
        self._ack(mid, reason_code)

    def _on_subscribe(self, client, userdata, mid, reason_codes, properties) -> None:
        self._ack(mid, list(reason_codes))

    def _on_message(self, client, userdata, message) -> None:
        self.messages.put(message)

    def _wait_ack(self, mid: int, timeout: float) -> object:
        with self._cond:
            if not self._cond.wait_for(lambda: mid in self._acks, timeout):
                raise TimeoutError(f"no acknowledgement for message id {mid}")
            return self._acks.pop(mid)

    # blocking API (test thread)
    def connect(self, timeout: float = TIMEOUT) -> ReasonCode:
        """Connect and return the CONNACK reason code (a refusal is returned, not raised;
        paho's automatic reconnect is stopped then)."""
        kwargs = {"clean_start": self._clean_start} if self.client.protocol == mqtt.MQTTv5 else {}
        self.client.connect_async(self.host, self.port, keepalive=30, **kwargs)
        self.client.loop_start()
        if not self.connected.wait(timeout):
            self.close()
            raise TimeoutError("no CONNACK")
        assert self.connect_rc is not None
        if self.connect_rc.is_failure:
            self.close()
        return self.connect_rc

    def subscribe(self, topic: str, qos: int = 1, timeout: float = TIMEOUT) -> list[ReasonCode]:
        rc, mid = self.client.subscribe(topic, qos)
        assert rc == mqtt.MQTT_ERR_SUCCESS, rc
        return self._wait_ack(mid, timeout)  # type: ignore[return-value]

    def publish(self, topic: str, payload: bytes | str = b"", qos: int = 1, retain: bool = False,
                properties: Properties | None = None, timeout: float = TIMEOUT) -> ReasonCode | None:
        """Publish; for QoS 1 wait for the PUBACK and return its reason code."""
        info = self.client.publish(topic, payload, qos, retain, properties)
        if qos == 0:
            return None
        return self._wait_ack(info.mid, timeout)  # type: ignore[return-value]

    def wait_message(self, timeout: float = TIMEOUT) -> mqtt.MQTTMessage:
        try:
            return self.messages.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError("no message") from None

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


class BrokerHandle:
    """What the ``broker`` fixture yields: a running broker and its accounts."""

    def __init__(self, supervisor: BrokerSupervisor, hub_account: BrokerAccount,
                 admin_account: BrokerAccount) -> None:
        self.supervisor = supervisor
        self.host, self.port, self.site = HOST, supervisor.port, supervisor.site
        self.hub_account, self.admin_account = hub_account, admin_account
        self._clients: list[MqttTestClient] = []

    @property
    def accounts(self) -> list[BrokerAccount]:
        return self.supervisor.accounts

    def topic(self, suffix: str) -> str:
        return f"sorra/v1/{self.site}/{suffix}"

    def add_account(self, role: Role, device: str | None = None, *,
                    username: str | None = None) -> BrokerAccount:
        """Create an account and reload the broker; it can log in when this returns."""
        account = make_account(role, device, username=username)
        self.supervisor.update_accounts([*self.accounts, account])
        return account

    def remove_account(self, account: BrokerAccount | str) -> None:
        name = account if isinstance(account, str) else account.username
        self.supervisor.update_accounts([a for a in self.accounts if a.username != name])

    def client(self, account: BrokerAccount | None = None, *, connect: bool = True,
               **kwargs) -> MqttTestClient:
        """A test client for ``account`` (default: the hub's), connected unless told
        not to; closed when the fixture ends."""
        c = MqttTestClient(self.host, self.port, account or self.hub_account, **kwargs)
        self._clients.append(c)
        if connect:
            rc = c.connect()
            assert not rc.is_failure, f"connect refused: {rc}"
        return c

    def close_clients(self) -> None:
        for c in self._clients:
            c.close()
        self._clients.clear()


@contextmanager
def broker_handle(tmp_path: Path, *, site: str = SITE, **kwargs) -> Iterator[BrokerHandle]:
    """A running broker with a hub account (``hub``) and an admin account (``admin``)."""
    hub = make_account("hub", "hub", username="hub")
    admin = make_account("admin", "admin", username="admin")
    with running_broker(tmp_path, [hub, admin], site=site, **kwargs) as supervisor:
        handle = BrokerHandle(supervisor, hub, admin)
        try:
            yield handle
        finally:
            handle.close_clients()


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[BrokerHandle]:
    """A real Mosquitto on a free 127.0.0.1 port, site ``test``, for one test."""
    with broker_handle(tmp_path) as handle:
        yield handle
