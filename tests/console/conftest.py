import pytest

from tests.console.factories import Person, sign_in
from tests.helpers import ADMIN_PASSWORD


@pytest.fixture
async def admin(client) -> Person:  # type: ignore[no-untyped-def]
    return await sign_in(client, "admin", ADMIN_PASSWORD)
