"""Django's password validators, in the site's Persian: «گذرواژه», Persian digits, no English (issue 15)."""

from __future__ import annotations

import pytest
from django.contrib.auth.password_validation import password_validators_help_texts, validate_password
from django.core.exceptions import ValidationError

from samt.models import User


def messages_for(password: str, user: User | None = None) -> list[str]:
    with pytest.raises(ValidationError) as refused:
        validate_password(password, user)
    return refused.value.messages


def test_a_short_password_is_refused_in_persian_with_persian_digits():
    assert messages_for("kf8#Lq2") == ["این گذرواژه کوتاه است: دست‌کم ۱۰ نویسه لازم است."]


def test_every_validator_speaks_persian_and_says_gozarvazheh():
    texts = [*messages_for("1234567890"), *messages_for("password123"), *password_validators_help_texts()]
    texts += messages_for("ali.rezaei.1405", User(username="ali.rezaei.1405"))
    assert texts and all("گذرواژه" in text for text in texts)
    assert not any(ch.isascii() and ch.isalpha() for text in texts for ch in text)
    assert not any("رمز عبور" in text for text in texts)


def test_a_missing_field_is_asked_for_in_the_sites_words(client):
    body = client.post("/login/", {"username": "", "password": ""}).content.decode()
    assert "این خانه را پر کنید." in body and "این فیلد لازم است" not in body


@pytest.mark.django_db
def test_the_password_page_says_gozarvazheh_only(client_for, staff_a):
    body = client_for(staff_a).get("/password/").content.decode()
    assert "گذرواژه" in body and "رمز عبور" not in body
