"""The first administrator of a tenant."""

from tcloud.app import open_platform
from tcloud.platform import people
from tcloud.platform.bootstrap import create_tenant
from tests.helpers import PASSWORD


async def test_a_generated_password_must_be_changed_and_a_chosen_one_not(config):
    async with open_platform(config) as platform:
        generated = await create_tenant(platform, "acme")
        chosen = await create_tenant(platform, "globex", admin_password=PASSWORD)
        flags = []
        for made in (generated, chosen):
            async with platform.stores.use(made.tenant.id) as db:
                user = await people.get_user_by_login(db, "admin")
            flags.append(bool(user["must_change_password"]))

    assert generated.generated and not chosen.generated
    assert flags == [True, False]
