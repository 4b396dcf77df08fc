"""The province's roles as personas: the manager is the kernel's `hq_user`; these are the three experts."""

from __future__ import annotations

import pytest

from conftest import make_user
from samt.actors import Actor
from samt.models import Province, Role, User


@pytest.fixture
def technical_expert(province: Province) -> User:
    return make_user("tech", role=Role.HQ_TECHNICAL, province=province)


@pytest.fixture
def broker_affairs(province: Province) -> User:
    return make_user("brokers", role=Role.BROKER_AFFAIRS, province=province)


@pytest.fixture
def data_processor(province: Province) -> User:
    return make_user("dp", role=Role.DATA_PROCESSING, province=province)


@pytest.fixture
def staff_actor(staff_a: User) -> Actor:
    return Actor.for_user(staff_a)
