"""An S3 connection reached from the engine: a bucket served by moto on
loopback, the secret key stored sealed and sent sealed to the engine."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.engines.kit import free_port

SECRET = "moto-secret-key"


@pytest.fixture
def bucket() -> Iterator[str]:
    boto3 = pytest.importorskip("boto3")
    server_mod = pytest.importorskip("moto.server")
    port = free_port()
    server = server_mod.ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    try:
        s3 = boto3.client(
            "s3", endpoint_url=endpoint, region_name="us-east-1",
            aws_access_key_id="AK", aws_secret_access_key=SECRET,
        )  # fmt: skip
        s3.create_bucket(Bucket="lake")
        s3.put_object(
            Bucket="lake", Key="in/cities.csv", Body=b"city,pop\nParis,2\nLyon,1\n"
        )
        yield endpoint
    finally:
        server.stop()


# The bucket first: its set-up blocks, and must not stall a connected engine.
async def test_s3_tested_and_sampled_from_the_engine(bucket, boss, engine) -> None:
    config = {"endpoint": bucket, "bucket": "lake", "access_key": "AK"}
    con = await boss.json("POST", "/connections", 201, json={
        "name": "lake", "kind": "s3", "config": config, "secret": SECRET})  # fmt: skip

    tested = await boss.json("POST", f"/connections/{con['id']}/test")
    ds = await boss.json("POST", "/datasets", 201, json={
        "name": "cities", "connection_id": con["id"],
        "config": {"key": "in/cities.csv"}})  # fmt: skip
    sample = await boss.json("GET", f"/datasets/{ds['id']}/sample")

    assert tested["ok"], tested
    assert sample["rows"] == [{"city": "Paris", "pop": 2}, {"city": "Lyon", "pop": 1}]
