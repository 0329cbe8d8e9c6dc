"""An S3 connection reached from the engine: a bucket served by moto on
loopback, the secret key stored sealed and sent sealed to the engine; a
run writing a key of the bucket."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Iterator

import polars as pl
import pytest

from tests.engines.kit import free_port
from tests.pipelines.conftest import upload
from tests.pipelines.test_destinations import to_table
from tests.pipelines.test_runs import finished

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


async def test_a_run_writes_an_s3_key_after_it_succeeds(bucket, boss, engine) -> None:
    import boto3

    config = {"endpoint": bucket, "bucket": "lake", "access_key": "AK"}
    con = await boss.json("POST", "/connections", 201, json={
        "name": "lake", "kind": "s3", "config": config, "secret": SECRET})  # fmt: skip
    ds = await upload(boss, "c.csv", b"city,pop\nParis,2\nLyon,1\n", dataset="c")
    doc = to_table(ds["id"], con["id"], key="out/cities.parquet")
    made = await boss.json("POST", "/pipelines", 201, json={
        "name": "to-s3", "document": doc})  # fmt: skip

    execution = await boss.json("POST", f"/pipelines/{made['id']}/run", 201, json={})
    done = await finished(boss, execution["id"])
    s3 = boto3.client(
        "s3", endpoint_url=bucket, region_name="us-east-1",
        aws_access_key_id="AK", aws_secret_access_key=SECRET,
    )  # fmt: skip
    got = await asyncio.to_thread(
        s3.get_object, Bucket="lake", Key="out/cities.parquet"
    )
    body = await asyncio.to_thread(got["Body"].read)

    assert done["status"] == "succeeded", done
    assert done["result"]["s3"][0]["key"] == "out/cities.parquet"
    assert done["result"]["files"] == []
    assert pl.read_parquet(io.BytesIO(body)).to_dicts() == [
        {"city": "Paris", "pop": 2}, {"city": "Lyon", "pop": 1}]  # fmt: skip
    artifact = await boss.json("GET", f"/pipelines/{made['id']}/export")
    assert SECRET not in str(artifact)
