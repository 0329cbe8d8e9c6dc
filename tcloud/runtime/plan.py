"""The pipeline format: nodes and edges, parameters, and the graph's order.

A plan is JSON (docs/pipelines-format.md):

    {"format": "tcloud.pipeline/1",
     "nodes": [{"id": "src", "type": "source", "config": {...}}, ...],
     "edges": [{"from": "src", "to": "flt"}, {"from": "b", "to": "j",
               "port": "right"}]}

This module checks the shape of the graph only; what each node's config
means is checked by its processor when the plan compiles (see compiler).
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any

from tcloud.runtime.errors import PlanError

FORMAT = "tcloud.pipeline/1"
SOURCE = "source"
DESTINATION = "destination"
PARAM = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_.-]*)\}")


@dataclass
class Node:
    """One step of a pipeline, with the edges that feed it by port."""

    id: str
    type: str
    config: dict[str, Any]
    name: str | None = None
    inputs: dict[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """Return the name a user gave the node, or its id."""
        return self.name or self.id


@dataclass
class Plan:
    """A parsed pipeline: nodes by id, in an order where inputs come first."""

    nodes: dict[str, Node]
    order: list[str]
    options: dict[str, Any] = field(default_factory=dict)

    def sources(self) -> list[Node]:
        """Return the source nodes in order."""
        return [self.nodes[i] for i in self.order if self.nodes[i].type == SOURCE]

    def destinations(self) -> list[Node]:
        """Return the destination nodes in order."""
        return [self.nodes[i] for i in self.order if self.nodes[i].type == DESTINATION]

    def upstream(self, node_id: str) -> set[str]:
        """Return a node and every node it depends on."""
        seen: set[str] = set()
        todo = [node_id]
        while todo:
            current = todo.pop()
            if current not in seen:
                seen.add(current)
                todo.extend(self.nodes[current].inputs.values())
        return seen


def parse(document: dict[str, Any], ports: dict[str, tuple[str, ...]]) -> Plan:
    """Read a plan document; `ports` gives the input ports of each node type."""
    if not isinstance(document, dict):
        raise PlanError(None, "format", "a plan is a JSON object")
    if document.get("format") != FORMAT:
        raise PlanError(None, "format", f"the format must be {FORMAT!r}")
    nodes = _nodes(document.get("nodes"), ports)
    _edges(document.get("edges"), nodes, ports)
    for node in nodes.values():
        for port in ports[node.type]:
            if port not in node.inputs:
                where = "an input" if port == "in" else f"an input on port {port!r}"
                raise PlanError(node.id, None, f"{node.type} needs {where}")
    return Plan(nodes, _order(nodes), dict(document.get("options") or {}))


def _nodes(items: Any, ports: dict[str, tuple[str, ...]]) -> dict[str, Node]:
    if not isinstance(items, list) or not items:
        raise PlanError(None, "nodes", "a plan needs a list of nodes")
    nodes: dict[str, Node] = {}
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            raise PlanError(None, "nodes", "every node needs a text id")
        node_id = item["id"]
        if node_id in nodes:
            raise PlanError(node_id, "id", "two nodes share this id")
        kind = item.get("type")
        if kind not in ports:
            raise PlanError(node_id, "type", f"unknown node type {kind!r}")
        config = item.get("config") or {}
        if not isinstance(config, dict):
            raise PlanError(node_id, "config", "config must be an object")
        nodes[node_id] = Node(node_id, kind, config, item.get("name"))
    return nodes


def _edges(
    items: Any, nodes: dict[str, Node], ports: dict[str, tuple[str, ...]]
) -> None:
    if not isinstance(items, list):
        raise PlanError(None, "edges", "a plan needs a list of edges")
    for item in items:
        start, end = item.get("from"), item.get("to")
        for end_name, node_id in (("from", start), ("to", end)):
            if node_id not in nodes:
                raise PlanError(
                    str(node_id), None, f"edge {end_name!r} names no node (dangling)"
                )
        target = nodes[end]
        port = item.get("port") or "in"
        if port not in ports[target.type]:
            raise PlanError(end, "port", f"{target.type} has no input port {port!r}")
        if port in target.inputs:
            cycle = _path_to(nodes, start, end)
            if cycle:
                raise PlanError(end, None, _cycle([*cycle, end]))
            raise PlanError(end, "port", f"port {port!r} already has an input")
        if nodes[start].type == DESTINATION:
            raise PlanError(start, None, "a destination has no output")
        target.inputs[port] = start


def _order(nodes: dict[str, Node]) -> list[str]:
    """Order nodes so that inputs come first; refuse cycles."""
    order: list[str] = []
    state: dict[str, int] = {}

    def visit(node_id: str, path: list[str]) -> None:
        if state.get(node_id) == 2:
            return
        if state.get(node_id) == 1:
            cycle = path[path.index(node_id) :] + [node_id]
            raise PlanError(node_id, None, _cycle(cycle[::-1]))
        state[node_id] = 1
        for upstream in nodes[node_id].inputs.values():
            visit(upstream, [*path, node_id])
        state[node_id] = 2
        order.append(node_id)

    for node_id in nodes:
        visit(node_id, [])
    return order


def _path_to(nodes: dict[str, Node], start: str, end: str) -> list[str]:
    """Return the nodes from `end` down to `start` along the edges, if any."""
    if start == end:
        return [end]
    for upstream in nodes[start].inputs.values():
        found = _path_to(nodes, upstream, end)
        if found:
            return [*found, start]
    return []


def _cycle(path: list[str]) -> str:
    return "the edges make a cycle: " + " -> ".join(path)


def substitute(document: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """Replace ${name} in node configs with parameter values."""
    out = copy.deepcopy(document)
    for node in out.get("nodes") or []:
        if isinstance(node, dict) and isinstance(node.get("config"), dict):
            node["config"] = _fill(node["config"], params, str(node.get("id")), "")
    return out


def _fill(value: Any, params: dict[str, Any], node_id: str, path: str) -> Any:
    if isinstance(value, dict):
        return {
            k: _fill(v, params, node_id, f"{path}.{k}" if path else k)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_fill(v, params, node_id, f"{path}[{i}]") for i, v in enumerate(value)]
    if not isinstance(value, str) or "${" not in value:
        return value
    whole = PARAM.fullmatch(value)
    if whole:
        return _param(whole.group(1), params, node_id, path)
    return PARAM.sub(lambda m: str(_param(m.group(1), params, node_id, path)), value)


def _param(name: str, params: dict[str, Any], node_id: str, path: str) -> Any:
    if name not in params:
        raise PlanError(node_id, path, f"unknown parameter {name!r}")
    return params[name]
