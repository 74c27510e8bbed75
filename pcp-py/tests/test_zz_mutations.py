"""Commands that change Pgpool's state, each test restoring it (every node up, node 0
primary) before it ends. They run last (file name) and each uses short-lived sessions:
Pgpool restarts its PCP listener after every failover/failback and accepts no new session
while an old one is open."""

from __future__ import annotations

import time

import pytest

from conftest import Sandbox, restore, wait_until
from pgpool_pcp import BackendStatus, ConnectError, Outcome, Role


@pytest.fixture(autouse=True)
def restored(sandbox: Sandbox) -> object:
    restore(sandbox)
    yield None
    restore(sandbox)


def test_glue_detach_and_attach_by_host(sandbox: Sandbox) -> None:
    with sandbox.client() as c:
        report = c.detach("127.0.0.3", wait=30)
    assert report.action == "detach" and report.node_id == 2
    assert report.outcome is Outcome.APPLIED and report.changed
    assert report.backend is not None and report.backend.hostname == "127.0.0.3"
    assert report.before.is_up
    assert report.after is not None and report.after.status is BackendStatus.DOWN
    assert report.to_dict()["outcome"] == "applied"
    with sandbox.client() as c:
        again = c.detach(2, wait=30)
    assert again.outcome is Outcome.ALREADY_APPLIED and not again.changed
    with sandbox.client() as c:
        back = c.attach("127.0.0.3:" + sandbox.env["PG_PORT"], wait=30)
    assert back.outcome is Outcome.APPLIED
    assert back.after is not None and back.after.is_up


def test_raw_detach_node_and_attach_node(sandbox: Sandbox) -> None:
    with sandbox.client() as c:
        c.detach_node(2)
    with sandbox.client() as c:
        assert c.wait_for_node(2, "down", timeout=30).status is BackendStatus.DOWN
        c.disconnect()
        c.attach_node(2)
        c.disconnect()
        assert c.wait_for_node(2, "up", timeout=30).is_up


def test_efm_load_balancer_hooks(sandbox: Sandbox) -> None:
    with sandbox.client() as c:
        detached = c.lb_detach("127.0.0.2", "s", wait=30)
    assert detached.node_id == 1 and detached.outcome is Outcome.APPLIED
    with sandbox.client() as c:
        attached = c.lb_attach("127.0.0.2", "s", wait=30)
    assert [r.action for r in attached] == ["attach"]
    assert attached[0].outcome is Outcome.APPLIED
    # The primary, as EFM reports it after a switchover: attach and promote, both already so.
    with sandbox.client() as c:
        primary = c.lb_attach("127.0.0.1", "p", wait=30)
    assert [(r.action, r.outcome) for r in primary] == [
        ("attach", Outcome.ALREADY_APPLIED),
        ("promote", Outcome.ALREADY_APPLIED),
    ]


def test_follow_primary(sandbox: Sandbox) -> None:
    with sandbox.client() as c:
        assert c.follow_primary(0, old_primary=0) is None
        # As after a failover from node 1 to node 0: node 2 streams from the new primary.
        report = c.follow_primary(2, old_primary=1, timeout=30, wait=30)
    assert report is not None and report.outcome is Outcome.ALREADY_APPLIED
    # The glue's states come from Pgpool's memory (no probe): status, no replication state.
    assert report.after is not None and report.after.is_up and report.after.node_id == 2


def test_promote_and_restore(sandbox: Sandbox) -> None:
    # A plain promote only changes Pgpool's view; Pgpool detaches the other nodes.
    with sandbox.client() as c:
        report = c.promote(1, wait=30)
    assert report.outcome is Outcome.APPLIED
    assert report.after is not None and report.after.role is Role.PRIMARY
    with sandbox.client() as c:
        assert c.is_primary("127.0.0.2")
    # Restore: node 0 back, primary again, then the standbys.
    with sandbox.client() as c:
        c.attach(0, wait=30)
    with sandbox.client() as c:
        # Pgpool may already have found the real primary again when node 0 came back.
        back = c.promote("localhost", wait=30)
    assert back.outcome in (Outcome.APPLIED, Outcome.ALREADY_APPLIED)
    assert back.after is not None and back.after.is_primary
    for node in (1, 2):
        with sandbox.client() as c:
            c.attach(node, wait=30)


def test_recover_node(sandbox: Sandbox) -> None:
    sandbox.script("pg-stop", "2")
    with sandbox.client() as c:
        c.detach(2, wait=30)
    with sandbox.client(long_timeout=180.0) as c:
        c.recover_node(2)
    with sandbox.client() as c:
        assert c.wait_for_node(2, "up", timeout=60).is_up
    with sandbox.client() as c:
        c.wait_for_node(2, "streaming", timeout=60)


def test_stop_pgpool_and_restart(sandbox: Sandbox) -> None:
    with sandbox.client() as c:
        c.stop_pgpool(mode="fast", scope="local")

    def gone() -> bool:
        try:
            with sandbox.client(connect_timeout=1.0, timeout=1.0) as c:
                c.node_count()
        except ConnectError:
            return True
        return False

    wait_until("Pgpool to stop", gone, 60)
    time.sleep(0.5)
    sandbox.script("pgpool-start", "0")
    with sandbox.client() as c:
        assert c.node_count() == 3
