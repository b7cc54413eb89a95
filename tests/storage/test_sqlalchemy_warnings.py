"""SQLAlchemy deprecation warnings fail the test run (pyproject's filterwarnings), so a
deprecated API such as Result.tuples() is noticed before SQLAlchemy removes it."""

from __future__ import annotations

import pytest
import sqlalchemy
from sqlalchemy import exc, text
from sqlalchemy.ext.asyncio import AsyncSession


@pytest.mark.skipif(sqlalchemy.__version__ < "2.1", reason="Result.tuples() deprecated in 2.1")
async def test_a_deprecated_sqlalchemy_call_fails_the_tests(session: AsyncSession) -> None:
    result = await session.execute(text("SELECT 1"))
    with pytest.raises(exc.SADeprecationWarning):
        result.tuples()  # deprecated since SQLAlchemy 2.1
