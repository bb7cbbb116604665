"""Reading workload YAML without letting a file cost unbounded memory or time.

``yaml.safe_load`` alone constructs only plain types, but it still accepts a "billion laughs"
file (aliases of aliases, each expanding the one before), nesting deep enough to exhaust
Python's stack, integers of any length, and duplicate keys (the last one silently wins).
Here: a file is at most ``MAX_FILE_BYTES``; aliases (``*name``, and so merge keys) are
refused outright, since a workload file is small and needs none; nesting is at most
``MAX_DEPTH`` levels; a number literal at most ``MAX_NUMBER_CHARS`` characters; a duplicate
key is an error naming both lines. Every problem is a :class:`ConfigError` naming the file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node, ScalarNode

from lsim.errors import ConfigError

MAX_FILE_BYTES = 1 << 20  # 1 MiB: the largest shipped workload is ~3 KiB
MAX_DEPTH = 32  # the schema nests 4 levels deep
MAX_NUMBER_CHARS = 64  # no field needs a longer number; int() of 5,000 digits is refused


class _Loader(yaml.SafeLoader):
    """SafeLoader with aliases refused, depth bounded and duplicate keys reported."""

    depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise ConstructorError(
                None,
                None,
                "aliases (*name) are not allowed in workload files; write the value out",
                event.start_mark,
            )
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise ConstructorError(
                    None,
                    None,
                    f"nested more than {MAX_DEPTH} levels deep",
                    self.peek_event().start_mark,  # type: ignore[no-untyped-call]
                )
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        if isinstance(node, MappingNode):
            seen: dict[Any, Node] = {}
            for key_node, _ in node.value:
                if not isinstance(key_node, ScalarNode):
                    raise ConstructorError(
                        None, None, "mapping keys must be plain names", key_node.start_mark
                    )
                key = self.construct_object(key_node)
                if key in seen:
                    first = seen[key].start_mark.line + 1
                    raise ConstructorError(
                        None,
                        None,
                        f"duplicate key {_short(key)} (first at line {first})",
                        key_node.start_mark,
                    )
                seen[key] = key_node
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_str(self, node: ScalarNode) -> str:
        value = super().construct_yaml_str(node)
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ConstructorError(
                None, None, "not valid Unicode text (a lone surrogate escape)", node.start_mark
            ) from None
        return value

    def construct_yaml_int(self, node: ScalarNode) -> int:
        _check_number_length(node)
        return super().construct_yaml_int(node)

    def construct_yaml_float(self, node: ScalarNode) -> float:
        _check_number_length(node)
        return super().construct_yaml_float(node)


_Loader.add_constructor("tag:yaml.org,2002:str", _Loader.construct_yaml_str)
_Loader.add_constructor("tag:yaml.org,2002:int", _Loader.construct_yaml_int)
_Loader.add_constructor("tag:yaml.org,2002:float", _Loader.construct_yaml_float)


def _check_number_length(node: ScalarNode) -> None:
    if len(node.value) > MAX_NUMBER_CHARS:
        raise ConstructorError(
            None,
            None,
            f"a number of {len(node.value):,} characters; at most {MAX_NUMBER_CHARS} allowed",
            node.start_mark,
        )


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def parse_yaml(text: str, source: str) -> Any:
    """Parse one YAML document with the limits above; errors name ``source`` and the place."""
    if len(text) > MAX_FILE_BYTES:
        raise ConfigError(
            f"{len(text):,} characters is larger than a workload file may be "
            f"({MAX_FILE_BYTES:,} bytes)",
            source=source,
        )
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 (a SafeLoader subclass)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = error.problem or error.context or "invalid YAML"
        raise ConfigError(f"invalid YAML{where}: {problem}", source=source) from None
    except yaml.YAMLError as error:
        raise ConfigError(f"invalid YAML: {_short(str(error))}", source=source) from None
    except (ValueError, TypeError, OverflowError, RecursionError) as error:
        # a scalar the safe constructors reject (a date out of range, ...)
        raise ConfigError(f"invalid YAML value: {_short(str(error))}", source=source) from None


def read_text(path: Path, source: str) -> str:
    """The file's text, refusing anything larger than ``MAX_FILE_BYTES`` before reading it all."""
    try:
        with path.open("rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise ConfigError("no such workload file", source=source) from None
    except IsADirectoryError:
        raise ConfigError("is a directory, not a workload file", source=source) from None
    except OSError as error:
        raise ConfigError(f"cannot read: {error.strerror or error}", source=source) from None
    if len(data) > MAX_FILE_BYTES:
        raise ConfigError(
            f"is larger than a workload file may be ({MAX_FILE_BYTES:,} bytes)", source=source
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError("is not UTF-8 text", source=source) from None
