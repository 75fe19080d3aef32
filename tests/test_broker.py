"""The hub's Mosquitto supervisor, against a real Mosquitto 2.0 and paho-mqtt 2.x."""

from __future__ import annotations

import base64
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest

from hub.broker import (
    BrokerAccount,
    BrokerSupervisor,
    PortInUseError,
    hash_password,
    is_password_hash,
    render_acl,
    render_config,
    render_passwd,
    write_production_config,
)
from hub.broker._process import is_broker_for, wait_for_login
from tests.broker_fixture import (
    HOST,
    BrokerHandle,
    MqttTestClient,
    free_port,
    make_account,
    running_broker,
)

REPO = Path(__file__).resolve().parents[1]
NOT_AUTHORIZED = 135
needs_mosquitto = pytest.mark.skipif(
    shutil.which("mosquitto", path=os.environ.get("PATH", "") + ":/usr/sbin") is None,
    reason="mosquitto not installed")


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except OSError:
        return False


@pytest.fixture
def reachable_dir():
    """A data dir the ``mosquitto`` user can reach (pytest's tmp_path is 0700 under
    root-owned parents), for tests of the privilege drop and the system broker."""
    path = Path(tempfile.mkdtemp(prefix="sorra-broker-test-"))
    path.chmod(0o711)
    yield path
    shutil.rmtree(path, ignore_errors=True)


# -- pure: accounts, ACL, password hash, config --------------------------------------

def test_password_hash_is_what_mosquitto_passwd_writes(tmp_path):
    tool = shutil.which("mosquitto_passwd", path=os.environ.get("PATH", "") + ":/usr/bin")
    if tool is None:
        pytest.skip("mosquitto_passwd not installed")
    pwfile = tmp_path / "pw"
    pwfile.touch()
    subprocess.run([tool, "-b", str(pwfile), "alice", "s3cret é"], check=True)
    user, theirs = pwfile.read_text().strip().split(":", 1)
    salt = base64.b64decode(theirs.split("$")[3])
    assert user == "alice"
    assert hash_password("s3cret é", salt=salt) == theirs
    assert hash_password("s3cret é") != theirs  # fresh random salt otherwise


def test_a_stored_hash_goes_into_the_password_file_verbatim():
    stored = hash_password("device secret")
    line = render_passwd([BrokerAccount("k1", stored, "kiosk", "k1")])
    assert line == f"k1:{stored}\n"
    assert is_password_hash(stored) and not is_password_hash("device secret")
    assert render_passwd([BrokerAccount("k1", "device secret", "kiosk", "k1")]) != line


def test_acl_gives_each_role_exactly_its_topics():
    accounts = [
        BrokerAccount("kiosk-1", "pw", "kiosk", "kiosk-1"),
        BrokerAccount("hub", "pw", "hub", ""),
        BrokerAccount("pairing", "pw", "pairing", ""),
        BrokerAccount("admin", "pw", "admin", "tech"),
    ]
    acl = render_acl("office", accounts)
    blocks = {b.splitlines()[1]: b.splitlines()[2:] for b in acl.split("\n\n")[1:] if b}
    root = "sorra/v1/office"
    assert blocks["user hub"] == [f"topic readwrite {root}/#"]
    assert blocks["user kiosk-1"] == [
        f"topic write {root}/rpc/kiosk-1",
        f"topic readwrite {root}/device/kiosk-1/status",
        f"topic read {root}/reply/kiosk-1",
        f"topic read {root}/state/#",
        f"topic read {root}/event/#",
        f"topic read {root}/device/+/status",
    ]
    assert blocks["user pairing"] == [f"topic write {root}/pair/request/+",
                                      f"topic read {root}/pair/reply/+"]
    assert blocks["user admin"][0] == f"topic write {root}/rpc/tech"
    assert blocks["user admin"][-1] == f"topic read {root}/#"
    assert "pattern" not in acl and "%u" not in acl


@pytest.mark.parametrize("username", ["", "Kiosk", "a/b", "a+", "a#", "a:b", "a b", "a\nuser x",
                                      "-a", "x" * 64])
def test_unsafe_usernames_are_refused(username):
    with pytest.raises(ValueError):
        BrokerAccount(username, "pw", "kiosk", "k1")


def test_unsafe_devices_sites_roles_and_duplicates_are_refused():
    with pytest.raises(ValueError):
        BrokerAccount("k1", "pw", "kiosk", "k/1")
    with pytest.raises(ValueError):
        BrokerAccount("k1", "pw", "kiosk", "")
    with pytest.raises(ValueError):
        BrokerAccount("k1", "pw", "root", "k1")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        BrokerAccount("k1", "", "kiosk", "k1")
    with pytest.raises(ValueError):
        render_acl("my/site", [])
    twice = [BrokerAccount("k1", "a", "kiosk", "k1"), BrokerAccount("k1", "b", "kiosk", "k2")]
    with pytest.raises(ValueError):
        render_acl("office", twice)
    with pytest.raises(ValueError):
        render_passwd(twice)


def test_account_repr_hides_the_password():
    assert "hunter2" not in repr(BrokerAccount("k1", "hunter2", "kiosk", "k1"))


def test_config_has_every_required_option(tmp_path):
    conf = render_config(port=1884, bind="127.0.0.1", data_dir=tmp_path, passwd=tmp_path / "p",
                         acl=tmp_path / "a", pid_file=tmp_path / "pid", log_dest="stderr")
    lines = set(conf.splitlines())
    for expected in ["per_listener_settings false", "listener 1884 127.0.0.1", "protocol mqtt",
                     "allow_anonymous false", f"password_file {tmp_path / 'p'}",
                     f"acl_file {tmp_path / 'a'}", "set_tcp_nodelay true",
                     "max_queued_messages 100000", "max_queued_bytes 0",
                     "max_inflight_messages 20", "persistent_client_expiration 7d",
                     "persistence true", f"persistence_location {tmp_path}/",
                     "max_packet_size 262144", f"pid_file {tmp_path / 'pid'}", "log_dest stderr"]:
        assert expected in lines
    assert [line for line in conf.splitlines() if line.startswith("autosave_interval")]


def test_config_for_an_including_file_leaves_out_single_valued_options(tmp_path):
    conf = render_config(port=1883, bind=None, data_dir=None, passwd=tmp_path / "p",
                         acl=tmp_path / "a", pid_file=None, log_dest=None)
    assert "listener 1883\n" in conf
    for option in ("pid_file", "persistence_location", "log_dest", "user "):
        assert option not in conf
    with pytest.raises(ValueError):
        render_config(port=1883, bind=None, data_dir=None, passwd=Path("/x\nallow_anonymous true"),
                      acl=tmp_path, pid_file=None, log_dest=None)


# -- real broker --------------------------------------------------------------------

@needs_mosquitto
def test_anonymous_and_wrong_password_are_refused(broker: BrokerHandle):
    kiosk = broker.add_account("kiosk", "k1")
    assert MqttTestClient(broker.host, broker.port, None).connect() == NOT_AUTHORIZED
    wrong = MqttTestClient(broker.host, broker.port, kiosk, password="not-" + kiosk.password)
    assert wrong.connect().is_failure
    assert not broker.client(kiosk).connect_rc.is_failure


@needs_mosquitto
def test_broker_announces_limits_in_connack(broker: BrokerHandle):
    props = broker.client().connect_properties
    assert props.MaximumPacketSize == 262144
    assert props.ReceiveMaximum == 20


@needs_mosquitto
def test_device_publishes_only_its_own_rpc_and_status(broker: BrokerHandle):
    kiosk = broker.add_account("kiosk", "k1")
    broker.add_account("kiosk", "k2")
    hub = broker.client()
    hub.subscribe(broker.topic("rpc/+"))
    device = broker.client(kiosk)
    assert device.publish(broker.topic("rpc/k1"), b'{"req":"1"}') == 0
    assert hub.wait_message().topic == broker.topic("rpc/k1")
    assert not device.publish(broker.topic("device/k1/status"), b"{}", retain=True).is_failure
    for forbidden in ("rpc/k2", "reply/k1", "state/queue", "event/call", "device/k2/status"):
        assert device.publish(broker.topic(forbidden), b"x") == NOT_AUTHORIZED, forbidden
    assert not device.disconnected.is_set()


@needs_mosquitto
def test_device_reads_state_events_and_its_reply_but_not_another_reply(broker: BrokerHandle):
    kiosk = broker.add_account("kiosk", "k1")
    device = broker.client(kiosk)
    device.subscribe(broker.topic("#"))  # mosquitto grants it; the ACL filters delivery
    hub = broker.client()
    sent = ["reply/k2", "state/queue", "event/call", "pair/reply/1234", "reply/k1"]
    for suffix in sent:
        hub.publish(broker.topic(suffix), suffix.encode())
    got = [device.wait_message().topic for _ in range(3)]
    assert got == [broker.topic(s) for s in ("state/queue", "event/call", "reply/k1")]
    assert device.messages.empty()


@needs_mosquitto
def test_pairing_account_is_confined_to_the_pairing_area(broker: BrokerHandle):
    pairing = broker.add_account("pairing", username="pairing")
    client = broker.client(pairing)
    assert not client.publish(broker.topic("pair/request/4711"), b"{}").is_failure
    assert client.publish(broker.topic("rpc/pairing"), b"{}") == NOT_AUTHORIZED


@needs_mosquitto
def test_adding_and_removing_accounts_keeps_everyone_else_connected(broker: BrokerHandle):
    k1 = broker.add_account("kiosk", "k1")
    k2 = broker.add_account("kiosk", "k2")
    device = broker.client(k1)
    device.subscribe(broker.topic("event/#"))
    doomed = broker.client(k2)
    hub = broker.client()
    display = broker.add_account("display", "d1")  # SIGHUP; returns once it is live
    assert not broker.client(display).connect_rc.is_failure
    broker.remove_account(k2)
    assert doomed.disconnected.wait(5)  # mosquitto drops a removed account at once
    assert MqttTestClient(broker.host, broker.port, k2).connect().is_failure
    hub.publish(broker.topic("event/call"), b"after reload")
    assert device.wait_message().payload == b"after reload"
    assert not device.disconnected.is_set() and not hub.disconnected.is_set()


@needs_mosquitto
def test_huge_packet_is_refused(broker: BrokerHandle):
    kiosk = broker.add_account("kiosk", "k1")
    old_client = broker.client(kiosk, protocol=mqtt.MQTTv311)  # v3.1.1 cannot learn the limit
    old_client.client.publish(broker.topic("rpc/k1"), b"x" * 300_000, qos=1)
    assert old_client.disconnected.wait(5)


@needs_mosquitto
def test_retained_state_survives_a_broker_restart(broker: BrokerHandle):
    broker.client().publish(broker.topic("state/queue"), b'{"waiting": 3}', retain=True)
    old_pid = broker.supervisor.pid
    broker.supervisor.restart()  # SIGTERM: mosquitto saves its database
    assert broker.supervisor.pid != old_pid
    reader = broker.client(broker.admin_account)
    reader.subscribe(broker.topic("state/queue"))
    assert reader.wait_message().payload == b'{"waiting": 3}'


@needs_mosquitto
def test_stop_ends_the_broker(tmp_path):
    with running_broker(tmp_path, [make_account("hub")]) as supervisor:
        pid = supervisor.pid
        assert supervisor.is_running() and _alive(pid)
        supervisor.stop()
        assert not supervisor.is_running() and supervisor.pid is None
        assert not _alive(pid)
        assert not supervisor.pid_path.exists()
        supervisor.stop()  # idempotent


@needs_mosquitto
def test_crashed_broker_is_restarted_by_the_monitor(tmp_path):
    restarted = threading.Event()
    hub = make_account("hub")
    with running_broker(tmp_path, [hub], on_restart=lambda pid: restarted.set()) as supervisor:
        first = supervisor.pid
        os.kill(first, signal.SIGKILL)
        assert restarted.wait(10)
        assert supervisor.pid not in (None, first) and supervisor.restarts == 1
        client = MqttTestClient(HOST, supervisor.port, hub)
        assert not client.connect().is_failure
        client.close()


HUB_SCRIPT = """
import sys
from pathlib import Path
from hub.broker import BrokerAccount, BrokerSupervisor
s = BrokerSupervisor(Path(sys.argv[1]), int(sys.argv[2]), site="test")
s.start([BrokerAccount("hub", "pw", "hub", "hub")])
print(s.pid, flush=True)
sys.stdin.read()
"""


@needs_mosquitto
def test_broker_left_by_a_killed_hub_does_not_block_the_next_start(tmp_path):
    port = free_port()
    hub = subprocess.Popen([sys.executable, "-c", HUB_SCRIPT, str(tmp_path / "hub"), str(port)],
                           cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, text=True)
    try:
        stale = int(hub.stdout.readline())
        hub.kill()  # kill -9 the hub: its broker stays behind, holding the port
        hub.wait()
        conf = tmp_path / "hub" / "broker" / "mosquitto.conf"
        assert _alive(stale) and is_broker_for(stale, conf)
        account = BrokerAccount("hub", "new-pw", "hub", "hub")
        with running_broker(tmp_path, [account], port=port) as supervisor:
            assert not _alive(stale)
            assert supervisor.pid != stale
            client = MqttTestClient(HOST, port, account)
            assert not client.connect().is_failure
            client.close()
    finally:
        if _alive(stale):
            os.kill(stale, signal.SIGKILL)


@needs_mosquitto
def test_pid_file_of_an_unrelated_process_is_not_trusted(tmp_path):
    bystander = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"],
                                 stdin=subprocess.PIPE)
    try:
        (tmp_path / "hub" / "broker").mkdir(parents=True)
        (tmp_path / "hub" / "broker" / "mosquitto.pid").write_text(str(bystander.pid))
        with running_broker(tmp_path, [make_account("hub")]) as supervisor:
            assert supervisor.is_running()
            assert bystander.poll() is None
    finally:
        bystander.kill()
        bystander.wait()


@needs_mosquitto
def test_port_taken_by_another_program_is_reported(tmp_path):
    with socket.socket() as squatter:
        squatter.bind((HOST, 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        supervisor = BrokerSupervisor(tmp_path / "hub", port, HOST, site="test")
        with pytest.raises(PortInUseError):
            supervisor.start([make_account("hub")])
        assert not supervisor.is_running()


@needs_mosquitto
@pytest.mark.skipif(os.geteuid() != 0, reason="privileges are only dropped when run as root")
def test_as_root_mosquitto_runs_as_the_mosquitto_user(reachable_dir):
    import pwd
    try:
        user = pwd.getpwnam("mosquitto")
    except KeyError:
        pytest.skip("no mosquitto user")
    with running_broker(reachable_dir, [make_account("hub")]) as supervisor:
        status = Path(f"/proc/{supervisor.pid}/status").read_text()
        uid = next(line for line in status.splitlines() if line.startswith("Uid:")).split()[1]
        assert int(uid) == user.pw_uid
        for path in (supervisor.passwd_path, supervisor.acl_path, supervisor.conf_path):
            st = path.stat()
            assert st.st_uid == user.pw_uid and st.st_mode & 0o077 == 0
        supervisor.update_accounts([*supervisor.accounts, make_account("kiosk")])  # re-read as mosquitto


@needs_mosquitto
def test_production_config_is_accepted_by_mosquitto(reachable_dir):
    import grp
    import pwd
    try:
        pwd.getpwnam("mosquitto")
    except KeyError:
        pytest.skip("no mosquitto user")
    if os.geteuid() != 0 and grp.getgrnam("mosquitto").gr_gid not in os.getgroups():
        pytest.skip("needs root or membership of the mosquitto group")
    data, conf_d, port = reachable_dir / "data", reachable_dir / "conf.d", free_port()
    commands: list[list[str]] = []
    hub = make_account("hub")
    kiosk = make_account("kiosk")
    assert write_production_config(conf_d, data, port, [hub], site="test", bind=HOST,
                                   run=lambda c: commands.append(list(c)))
    assert not write_production_config(conf_d, data, port, [hub, kiosk], site="test", bind=HOST,
                                       run=lambda c: commands.append(list(c)))
    assert commands == [["systemctl", "restart", "mosquitto"],
                        ["systemctl", "reload", "mosquitto"]]
    # a main file shaped like Debian's /etc/mosquitto/mosquitto.conf
    broker_dir = data / "broker"
    main = reachable_dir / "mosquitto.conf"
    main.write_text(f"pid_file {broker_dir}/system.pid\npersistence true\n"
                    f"persistence_location {broker_dir}/\nlog_dest stderr\n"
                    f"include_dir {conf_d}\n")
    proc = subprocess.Popen([shutil.which("mosquitto", path="/usr/sbin:/usr/bin"), "-c", str(main)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        if not wait_for_login(HOST, port, hub.username, hub.password, time.monotonic() + 10,
                              alive=lambda: proc.poll() is None):
            proc.kill()
            pytest.fail(proc.communicate()[0].decode())
        client = MqttTestClient(HOST, port, kiosk)
        assert not client.connect().is_failure
        assert not client.publish("sorra/v1/test/rpc/" + kiosk.device, b"{}").is_failure
        client.close()
    finally:
        proc.terminate()
        proc.wait(10)


# ---- client ids, the hub's internal accounts, TLS -----------------------------------------------


@pytest.mark.parametrize("username", ["hub.pairing", "admin.3", "pairing.255"])
def test_the_hubs_internal_usernames_are_accepted(username):
    assert BrokerAccount(username, "pw", "pairing", "").username == username


@pytest.mark.parametrize("username", ["other.x", "pairing.", "Pairing.1", "pairing.1/x", "hub.pairing\nuser x"])
def test_other_dotted_usernames_are_refused(username):
    with pytest.raises(ValueError):
        BrokerAccount(username, "pw", "pairing", "")


def test_pairing_slots_share_one_hash_and_the_pairing_service_reads_requests():
    from hub.broker import admin_accounts, pairing_accounts

    slots = pairing_accounts("the-secret", slots=4)
    assert [a.username for a in slots] == ["pairing.0", "pairing.1", "pairing.2", "pairing.3"]
    assert len({a.password for a in slots}) == 1 and is_password_hash(slots[0].password)
    admins = admin_accounts("pw", slots=2)
    assert [(a.username, a.device) for a in admins] == [("admin.0", "admin"), ("admin.1", "admin")]
    acl = render_acl("office", [*slots, BrokerAccount("hub.pairing", "pw", "pairing-service", "")])
    blocks = {b.splitlines()[1]: b.splitlines()[2:] for b in acl.split("\n\n")[1:] if b}
    root = "sorra/v1/office"
    assert blocks["user hub.pairing"] == [f"topic read {root}/pair/request/+", f"topic write {root}/pair/reply/+"]
    assert blocks["user pairing.3"] == [f"topic write {root}/pair/request/+", f"topic read {root}/pair/reply/+"]


def test_every_listener_makes_the_username_the_client_id(broker: BrokerHandle):
    """Two logins of one account take turns; another account's login with its id does not."""
    kiosk = broker.add_account("kiosk", "kiosk-1")
    other = broker.add_account("kiosk", "kiosk-2")
    first = broker.client(kiosk, client_id="one")
    broker.client(other, client_id=kiosk.username)  # asks for kiosk-1's id, gets kiosk-2
    assert not first.publish(broker.topic("rpc/kiosk-1"), b"{}").is_failure  # a round trip after it
    assert not first.disconnected.is_set()  # (a kicked client would have to reconnect first)
    broker.client(kiosk, client_id="two")  # the same account again: it replaces its own session
    assert first.disconnected.wait(5)


def _tls_material(tmp_path):
    from hub.broker import BrokerTls, hub_material

    material = hub_material(tmp_path / "tlsdata", [HOST])
    return material, BrokerTls(free_port(), HOST, material.cert_pem, material.key_pem)


def test_production_config_with_tls_writes_the_certificate_beside_the_password_file(tmp_path, monkeypatch):
    import hub.broker._production as production
    from hub.broker._files import Ownership

    monkeypatch.setattr(production, "_ownership", lambda user, data: Ownership())
    material, tls = _tls_material(tmp_path)
    conf_d, data = tmp_path / "conf.d", tmp_path / "data"
    write_production_config(conf_d, data, 1883, [make_account("hub")], site="test", tls=tls, run=lambda c: None)
    conf = (conf_d / "sorra.conf").read_text()
    assert "listener 1883 127.0.0.1" in conf and f"listener {tls.port} {HOST}" in conf
    assert f"certfile {(data / 'broker' / 'server.pem').resolve()}" in conf
    assert (data / "broker" / "server.key").read_text() == material.key_pem
    assert (data / "broker" / "server.key").stat().st_mode & 0o077 == 0


@needs_mosquitto
def test_tls_listener_starts_and_its_key_is_readable_by_mosquitto(reachable_dir):
    import ssl

    material, tls = _tls_material(reachable_dir)
    hub = make_account("hub")
    with running_broker(reachable_dir, [hub], tls=tls) as supervisor:
        assert supervisor.host == HOST
        ctx = ssl.create_default_context(cadata=material.ca_pem)
        with socket.create_connection((HOST, tls.port), timeout=5) as raw, \
                ctx.wrap_socket(raw, server_hostname=HOST) as s:
            assert s.version() in ("TLSv1.2", "TLSv1.3")
        if os.geteuid() == 0:
            st = supervisor.key_path.stat()
            assert st.st_mode & 0o077 == 0
        supervisor.update_accounts([hub, make_account("kiosk")])  # a reload re-reads the certificate too
