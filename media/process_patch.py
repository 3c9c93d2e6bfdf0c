"""A module attribute replaced only while someone needs it.

Some hooks (aioice's host addresses, aiortc's codec factories) can only be set on a module,
which everything in the process shares. ``CountedPatch`` installs the replacement for the
first holder and puts the original back when the last holder releases it, so no patch
outlives the media servers (or the benchmark) that asked for it.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class PatchHold(Generic[T]):
    """One holder's claim on a patch, with the value it holds it for. Release it once."""

    def __init__(self, patch: CountedPatch[T], value: T) -> None:
        self._patch = patch
        self.value = value
        self._released = False

    def release(self) -> None:
        if not self._released:
            self._released = True
            self._patch.release(self)


class CountedPatch(Generic[T]):
    """``module.name`` replaced while anyone holds it, and restored after the last holder.

    ``make_replacement(original, holds)`` builds the replacement once per installation; it
    reads the live list of holds when called, so each holder's value counts exactly as long
    as it is held."""

    def __init__(
        self,
        module: ModuleType,
        name: str,
        make_replacement: Callable[[Any, list[PatchHold[T]]], Any],
    ) -> None:
        self._module, self._name = module, name
        self._make_replacement = make_replacement
        self._holds: list[PatchHold[T]] = []
        self._original: Any = None

    def hold(self, value: T) -> PatchHold[T]:
        if not self._holds:
            self._original = getattr(self._module, self._name)
            setattr(self._module, self._name, self._make_replacement(self._original, self._holds))
        hold = PatchHold(self, value)
        self._holds.append(hold)
        return hold

    def release(self, hold: PatchHold[T]) -> None:
        self._holds.remove(hold)
        if not self._holds:
            setattr(self._module, self._name, self._original)
            self._original = None

    @property
    def installed(self) -> bool:
        return bool(self._holds)
