"""Completion helpers for AsyncClient futures, called on the event loop's thread."""

from __future__ import annotations

import asyncio
from typing import Any


def set_result(future: asyncio.Future[Any], value: Any) -> None:
    if not future.done():
        future.set_result(value)


def set_exception(future: asyncio.Future[Any], exc: BaseException) -> None:
    if not future.done():
        future.set_exception(exc)
