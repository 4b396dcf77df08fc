"""Clause 5: the insured chooses the channel. One person is served online, at a branch counter and at a broker in
turn; nothing in the models or the admin can tie a person to one channel."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import models

from brokers.tests.conftest import present_walk_in
from conftest import make_user
from insured.models import Channel, InsuredPerson, Slip, SlipStatus
from insured.slips import slip_issue
from samt.actors import Actor
from samt.jalali import JalaliMonth as M

pytestmark = pytest.mark.django_db

# Where a channel may be named: the record of how one slip was issued, never a property of a person.
# Where something happened, never where a person must go: the slip's channel, and where a gate refused them.
CHANNEL_RECORDS = {("insured", "slip", "channel"), ("insured", "gaterefusal", "channel")}
PREFERENCE_WORDS = ("channel", "prefer")


def test_one_person_is_served_online_at_a_branch_and_at_a_broker_in_turn(client_for, contract, insured_user,
                                                                         staff_a, broker_operator, tariff):
    contract.insured.user = insured_user
    contract.insured.save(update_fields=["user"])
    online = client_for(insured_user).post("/me/slips/issue/", {"end": 140507, "request_key": "online"})
    assert online.status_code == 302
    # The branch counter's pages are another engineer's; its service path is the same slip_issue.
    slip_issue(actor=Actor.for_user(staff_a), contract=contract, end_month=M(1405, 8), channel=Channel.BRANCH)
    walk_in = present_walk_in(broker_operator, contract.insured)
    broker = client_for(broker_operator).post(f"/broker/walk-in/{walk_in.key}/issue/",
                                              {"end": 140509, "request_key": "broker"})
    assert broker.status_code == 302
    slips = list(Slip.objects.order_by("id"))
    assert [s.channel for s in slips] == ["online", "branch", "broker"]
    assert [s.last_month for s in slips] == [M(1405, 7), M(1405, 8), M(1405, 9)]
    # each new slip replaced the unpaid one before it; the person was never refused for having used another
    assert [s.status for s in slips] == [SlipStatus.VOIDED, SlipStatus.VOIDED, SlipStatus.ISSUED]
    assert slips[2].office.code == "1001"
    assert slips[1].branch.code == "2104"


def test_and_back_online_after_a_broker(client_for, contract, insured_user, broker_operator, tariff):
    contract.insured.user = insured_user
    contract.insured.save(update_fields=["user"])
    walk_in = present_walk_in(broker_operator, contract.insured)
    client_for(broker_operator).post(f"/broker/walk-in/{walk_in.key}/issue/", {"end": 140507, "request_key": "b"})
    response = client_for(insured_user).post("/me/slips/issue/", {"end": 140508, "request_key": "o"})
    assert response.status_code == 302
    assert Slip.objects.order_by("-id").first().channel == Channel.ONLINE


def test_no_model_has_a_field_that_could_hold_a_channel_preference():
    for model in apps.get_models():
        for field in model._meta.get_fields():
            key = (model._meta.app_label, model._meta.model_name, field.name)
            if key in CHANNEL_RECORDS:
                continue
            assert not any(word in field.name.lower() for word in PREFERENCE_WORDS), key
            choices = getattr(field, "choices", None) or []
            assert not set(Channel.values) <= {value for value, _ in choices}, key


def test_nothing_that_points_at_a_person_names_a_channel():
    for model in apps.get_models():
        points_at_person = any(isinstance(f, models.ForeignKey | models.OneToOneField)
                               and f.related_model is InsuredPerson for f in model._meta.get_fields())
        if points_at_person or model is InsuredPerson:
            names = " ".join(f.name.lower() for f in model._meta.get_fields())
            assert "channel" not in names, model


def test_the_admin_offers_no_channel_field_to_edit(rf):
    request = rf.get("/admin/")
    request.user = make_user("root")
    request.user.is_superuser = request.user.is_staff = True
    for model, model_admin in admin.site._registry.items():
        form = model_admin.get_form(request)
        editable = [*form.base_fields, *(model_admin.list_editable or [])]
        assert not [name for name in editable if any(word in name for word in PREFERENCE_WORDS)], model
