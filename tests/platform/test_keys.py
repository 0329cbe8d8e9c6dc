"""The master key file, the key ring, and `tcloud keys rotate` on a data dir."""

from __future__ import annotations

import asyncio
import os
import stat
import struct

import orjson
import pytest

from tcloud import cli
from tcloud.app import open_platform
from tcloud.config import ConfigError, load
from tcloud.platform.keys import KeyError_, MasterKeyFile
from tests.helpers import PASSWORD


def test_master_key_file_is_created_private_and_read_back(tmp_path):
    path = tmp_path / "keys" / "master.key"
    made = MasterKeyFile(path)

    made.load_or_create()
    again = MasterKeyFile(path)
    again.load_or_create()

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert again.current_version == 1
    context = b"ctx"
    version, wrapped = made.wrap(b"k" * 32, context)
    assert again.unwrap(version, wrapped, context) == b"k" * 32


def test_master_key_file_stays_private_when_a_version_is_added(tmp_path):
    master = MasterKeyFile(tmp_path / "master.key")
    master.load_or_create()
    (tmp_path / "master.key").chmod(0o644)

    assert master.add_version() == 2

    assert stat.S_IMODE((tmp_path / "master.key").stat().st_mode) == 0o600
    assert sorted(orjson.loads((tmp_path / "master.key").read_bytes())["keys"]) == [
        "1",
        "2",
    ]


def test_a_master_version_added_by_another_process_is_found(tmp_path):
    server, command = (
        MasterKeyFile(tmp_path / "m.key"),
        MasterKeyFile(tmp_path / "m.key"),
    )
    server.load_or_create()
    command.load_or_create()

    assert command.add_version() == 2
    version, wrapped = command.wrap(b"k" * 32, b"ctx")

    assert server.unwrap(version, wrapped, b"ctx") == b"k" * 32
    assert server.add_version() == 3
    assert sorted(orjson.loads((tmp_path / "m.key").read_bytes())["keys"]) == [
        "1",
        "2",
        "3",
    ]


@pytest.mark.parametrize("body", [b"not json", b'{"keys": {"1": "short"}}', b"[]"])
def test_a_damaged_master_key_file_is_a_key_error(tmp_path, body):
    (tmp_path / "master.key").write_bytes(body)

    with pytest.raises(KeyError_, match="master key file"):
        MasterKeyFile(tmp_path / "master.key").load_or_create()


def test_a_master_key_file_without_keys_is_refused(tmp_path):
    (tmp_path / "master.key").write_bytes(b'{"keys": {}}')

    with pytest.raises(KeyError_):
        MasterKeyFile(tmp_path / "master.key").load_or_create()


async def test_rotation_keeps_old_data_readable(platform, tenants):
    acme, _ = tenants
    old = (await platform.cipher(acme)).seal("p", b"before")

    assert await platform.keyring.rotate(acme) == 2
    cipher = await platform.cipher(acme)

    assert cipher.open("p", old) == b"before"
    assert struct.unpack(">I", cipher.seal("p", b"x")[1:5]) == (2,)


async def test_rotating_one_tenant_leaves_the_other(platform, tenants):
    acme, globex = tenants

    await platform.keyring.rotate(acme)

    assert (await platform.keyring.tenant_keys(globex)).current_version == 1


async def test_a_wrapped_data_key_is_bound_to_its_tenant(platform, tenants):
    acme, globex = tenants
    rows = await platform.control.fetchall(
        "SELECT tenant_id, wrapped FROM tenant_keys ORDER BY tenant_id"
    )
    wrapped = {row["tenant_id"]: row["wrapped"] for row in rows}
    await platform.control.execute(
        "UPDATE tenant_keys SET wrapped = ? WHERE tenant_id = ?",
        [wrapped[acme], globex],
    )
    platform.keyring.forget(globex)

    with pytest.raises(KeyError_, match="does not unwrap"):
        await platform.keyring.tenant_keys(globex)


async def test_master_rotation_rewraps_every_data_key(platform, tenants):
    acme, _ = tenants
    old = (await platform.cipher(acme)).seal("p", b"before")

    assert await platform.keyring.rotate_master() == 2
    platform.keyring.forget(acme)

    versions = await platform.control.fetchall("SELECT master_version FROM tenant_keys")
    assert {row["master_version"] for row in versions} == {2}
    assert (await platform.cipher(acme)).open("p", old) == b"before"


@pytest.fixture
def data_dir(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    for name in list(os.environ):
        if name.startswith("TCLOUD_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("TCLOUD_LOG_LEVEL", "warning")
    return tmp_path / "var"


def tcloud(*args: str) -> int:
    return cli.main([str(a) for a in args])


async def _seal(data_dir) -> tuple[str, bytes]:  # type: ignore[no-untyped-def]
    async with open_platform(load(data_dir=str(data_dir))) as platform:
        tenant = await platform.tenants.by_name("acme")
        await platform.blobs.put_bytes(tenant.id, "before.txt", b"blob before")
        return tenant.id, (await platform.cipher(tenant.id)).seal("p", b"before")


async def _state(data_dir, tenant_id: str, sealed: bytes):  # type: ignore[no-untyped-def]
    async with open_platform(load(data_dir=str(data_dir))) as platform:
        cipher = await platform.cipher(tenant_id)
        await platform.blobs.put_bytes(tenant_id, "after.txt", b"blob after")
        raw = platform.blobs.backend.read(f"tenants/{tenant_id}/after.txt")
        header = await anext(aiter(raw))
        await raw.aclose()
        masters = await platform.control.fetchall(
            "SELECT DISTINCT master_version FROM tenant_keys"
        )
        return {
            "version": cipher._keys.current_version,
            "old": cipher.open("p", sealed),
            "blob": await platform.blobs.get_bytes(tenant_id, "before.txt"),
            "new_blob": await platform.blobs.get_bytes(tenant_id, "after.txt"),
            "new_blob_version": struct.unpack(">I", header[4:8])[0],
            "masters": sorted(row["master_version"] for row in masters),
        }


def test_keys_rotate_command_on_a_data_dir(data_dir, capsys):
    tcloud(
        "tenant", "create", "acme", "--admin-password", PASSWORD, "--data-dir", data_dir
    )
    tcloud(
        "tenant",
        "create",
        "globex",
        "--admin-password",
        PASSWORD,
        "--data-dir",
        data_dir,
    )
    tenant_id, sealed = asyncio.run(_seal(data_dir))
    capsys.readouterr()

    assert tcloud("keys", "rotate", "--tenant", "acme", "--data-dir", data_dir) == 0

    out = capsys.readouterr().out
    assert "tenant acme: data key now version 2" in out
    assert "globex" not in out
    state = asyncio.run(_state(data_dir, tenant_id, sealed))
    assert state["version"] == 2
    assert state["old"] == b"before"
    assert state["blob"] == b"blob before"
    assert state["new_blob"] == b"blob after"
    assert state["new_blob_version"] == 2
    assert state["masters"] == [1]


def test_keys_rotate_master_rewraps(data_dir, capsys):
    tcloud(
        "tenant", "create", "acme", "--admin-password", PASSWORD, "--data-dir", data_dir
    )
    tenant_id, sealed = asyncio.run(_seal(data_dir))
    capsys.readouterr()

    assert tcloud("keys", "rotate", "--master", "--data-dir", data_dir) == 0

    out = capsys.readouterr().out
    assert "master key: now version 2" in out
    assert "tenant acme: data key now version 2" in out
    master = data_dir / "master.key"
    assert stat.S_IMODE(master.stat().st_mode) == 0o600
    assert sorted(orjson.loads(master.read_bytes())["keys"]) == ["1", "2"]
    state = asyncio.run(_state(data_dir, tenant_id, sealed))
    assert state["masters"] == [2]
    assert (state["old"], state["blob"]) == (b"before", b"blob before")


def test_keys_rotate_unknown_tenant_fails(data_dir, capsys):
    tcloud(
        "tenant", "create", "acme", "--admin-password", PASSWORD, "--data-dir", data_dir
    )

    assert tcloud("keys", "rotate", "--tenant", "nope", "--data-dir", data_dir) == 2
    assert "no tenant named nope" in capsys.readouterr().err


def test_data_does_not_open_under_another_master_key(data_dir):
    tcloud(
        "tenant", "create", "acme", "--admin-password", PASSWORD, "--data-dir", data_dir
    )
    tenant_id, _ = asyncio.run(_seal(data_dir))
    other = MasterKeyFile(data_dir / "other.key")
    other.load_or_create()
    (data_dir / "other.key").replace(data_dir / "master.key")

    with pytest.raises(KeyError_, match="does not unwrap"):
        asyncio.run(_state(data_dir, tenant_id, b""))


def test_a_missing_master_key_stops_the_start(data_dir):
    tcloud(
        "tenant", "create", "acme", "--admin-password", PASSWORD, "--data-dir", data_dir
    )
    (data_dir / "master.key").unlink()

    with pytest.raises(ConfigError, match="is missing"):
        asyncio.run(_seal(data_dir))
    assert not (data_dir / "master.key").exists()
