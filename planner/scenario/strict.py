"""Strictness the schema adds to pydantic's lax mode, shared by every scenario and batch model.

pydantic (lax mode, which the schema needs so that YAML lists become tuples) turns ``true`` into
``1.0`` for a float field and ``1`` for an int field: ``budget_musd: true`` would be a budget of
1 M USD; and it reads ``"yes"``, ``"on"`` or ``1`` as ``true`` for a boolean field.
:func:`reject_bool` refuses a boolean wherever the field's type does not admit one, and anything
but a boolean where the field admits only one; :func:`check_ring` range-checks and validates a
polygon ring.
"""

from __future__ import annotations

import functools
import math
import types
import typing
from collections.abc import Hashable, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator
from pydantic_core import PydanticCustomError


@functools.cache
def _admits_bool(annotation: Any) -> bool:
    if annotation is bool or annotation is Any or annotation is object:
        return True
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return any(isinstance(a, bool) for a in typing.get_args(annotation))
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return False  # a nested model checks its own fields
    if origin is typing.Annotated:
        return _admits_bool(typing.get_args(annotation)[0])
    return any(
        _admits_bool(a) for a in typing.get_args(annotation) if a is not Ellipsis and a is not types.NoneType
    )


@functools.cache
def _only_bool(annotation: Any) -> bool:
    """Whether the field admits a boolean and nothing else (``bool``, ``bool | None``)."""
    if annotation is bool:
        return True
    if typing.get_origin(annotation) is typing.Annotated:
        return _only_bool(typing.get_args(annotation)[0])
    args = [a for a in typing.get_args(annotation) if a is not types.NoneType]
    return typing.get_origin(annotation) in (typing.Union, types.UnionType) and args == [bool]


def _has_bool(value: Any, depth: int = 0) -> bool:
    if isinstance(value, bool):
        return True
    if isinstance(value, list | tuple) and depth < 3:
        return any(_has_bool(v, depth + 1) for v in value[:10_000])
    return False


BOOL_ERROR = "bool_as_number"
"""pydantic error type of a boolean given where the field does not admit one, or of anything else
given where it admits only a boolean (context: ``field``)."""


def reject_bool(model: type[BaseModel], data: Any) -> Any:
    """Return ``data``, or raise when a field holds a boolean it does not admit, or the reverse.

    The reverse: something else (``"yes"``, ``1``) where the field admits only a boolean.

    Meant for a ``model_validator(mode="before")``: a field validator on ``"*"`` would also run on
    the discriminator of the asset-type union, which pydantic forbids.

    Raises
    ------
    pydantic_core.PydanticCustomError
        Of type :data:`BOOL_ERROR`, with the field's name in its context.
    """
    if not isinstance(data, dict):
        return data
    for name, value in data.items():
        info = model.model_fields.get(name) if isinstance(name, str) else None
        if info is not None and _has_bool(value) and not _admits_bool(typing.cast(Hashable, info.annotation)):
            raise PydanticCustomError(
                BOOL_ERROR, "a boolean (true/false) where a number or text is meant", {"field": name}
            )
        if (
            info is not None
            and value is not None
            and not isinstance(value, bool)
            and _only_bool(typing.cast(Hashable, info.annotation))
        ):
            raise PydanticCustomError(BOOL_ERROR, "write true or false", {"field": name})
    return data


def check_ring(ring: Sequence[tuple[float, float]], *, repair: bool) -> None:
    """Refuse a polygon ring with a coordinate out of range or not finite, or an invalid shape.

    Raises
    ------
    ValueError
        Naming the vertex and its value, or the reason from ``shapely.validation.explain_validity``
        (unless ``repair``: the polygon is then made valid where it is used).
    """
    for k, (lon, lat) in enumerate(ring):
        if not (math.isfinite(lon) and math.isfinite(lat)):
            raise ValueError(f"vertex {k} ({lon}, {lat}) is not finite")
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise ValueError(f"vertex {k} ({lon}, {lat}) is outside lon [-180, 180], lat [-90, 90]")
    if repair:
        return
    import shapely
    from shapely.validation import explain_validity

    poly = shapely.Polygon(ring)
    if not poly.is_valid:
        raise ValueError(
            f"invalid polygon: {explain_validity(poly)} (set repair: true to have it "
            "repaired with shapely.make_valid)"
        )
    if poly.area == 0:
        raise ValueError("the polygon has no area")


def check_walker_menu(value: tuple[str, ...]) -> tuple[str, ...]:
    """Validate a menu of Walker patterns (``i:t/p/f``) with geodata's one parser; no pattern twice."""
    from geodata.orbits import Walker

    for k, pattern in enumerate(value):
        try:
            Walker.parse(pattern)
        except ValueError as err:
            raise ValueError(f"constellations[{k}]: {err}") from None
    if len(set(value)) != len(value):
        raise ValueError("constellations lists a pattern twice")
    return value


class StrictModel(BaseModel):
    """Base of every scenario model: unknown keys are errors, instances are immutable.

    No boolean is read as a number, nor anything else as a boolean (:func:`reject_bool`).
    """

    model_config = ConfigDict(
        extra="forbid", frozen=True, use_attribute_docstrings=True, validate_default=True
    )

    @model_validator(mode="before")
    @classmethod
    def _no_bool_as_number(cls, data: Any) -> Any:
        return reject_bool(cls, data)
