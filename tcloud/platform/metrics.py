"""Prometheus metrics of one server, on a registry of its own."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import generate_latest


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "tcloud_http_requests_total",
            "HTTP requests answered",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "tcloud_http_request_seconds",
            "Time to answer an HTTP request",
            ["method", "route"],
            registry=self.registry,
            buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10),
        )
        self.open_stores = Gauge(
            "tcloud_tenant_stores_open", "Tenant stores open", registry=self.registry
        )
        self.tenants = Gauge("tcloud_tenants", "Tenants", registry=self.registry)

    def render(self) -> bytes:
        return generate_latest(self.registry)
