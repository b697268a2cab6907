"""The one signed-token format (service/security/tokens.py): sign, verify, strict base64url."""

from __future__ import annotations

import base64

import pytest

from honestballot.errors import InvalidToken
from honestballot.service.security import tokens
from honestballot.service.security.keys import mac

KEY = bytes(range(32))
DOMAIN = "honestballot/test-token/v1"
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


@pytest.mark.parametrize("payload", [b"", b"x", b"xy", b"xyz", b'{"v":1}', bytes(range(256))])
def test_a_token_gives_back_its_payload(payload: bytes) -> None:
    token = tokens.sign(KEY, DOMAIN, payload)
    assert "=" not in token and token.count(".") == 1
    assert tokens.verify(KEY, DOMAIN, token) == payload


def test_the_format_is_base64url_payload_dot_base64url_tag() -> None:
    token = tokens.sign(KEY, DOMAIN, b"hello")
    payload_text, tag_text = token.split(".")
    assert base64.urlsafe_b64decode(payload_text + "===") == b"hello"
    assert base64.urlsafe_b64decode(tag_text + "===") == mac(KEY, DOMAIN, b"hello")


def test_a_tampered_tag_or_payload_is_refused() -> None:
    token = tokens.sign(KEY, DOMAIN, b"election=a;voter=1")
    for i, char in enumerate(token):
        if char == ".":
            continue
        flipped = ALPHABET[(ALPHABET.index(char) + 1) % 64]
        with pytest.raises(InvalidToken):
            tokens.verify(KEY, DOMAIN, token[:i] + flipped + token[i + 1 :])


def test_another_domain_or_key_is_refused() -> None:
    token = tokens.sign(KEY, DOMAIN, b"payload")
    with pytest.raises(InvalidToken, match="not valid"):
        tokens.verify(KEY, "honestballot/other-token/v1", token)
    with pytest.raises(InvalidToken, match="not valid"):
        tokens.verify(bytes(32), DOMAIN, token)


def test_a_truncated_token_is_refused() -> None:
    token = tokens.sign(KEY, DOMAIN, b"payload")
    for end in range(len(token)):
        with pytest.raises(InvalidToken):
            tokens.verify(KEY, DOMAIN, token[:end])
    payload_text, tag_text = token.split(".")
    for bad in (
        payload_text,
        "." + tag_text,
        payload_text + ".",
        token + ".",
        token + "." + tag_text,
    ):
        with pytest.raises(InvalidToken):
            tokens.verify(KEY, DOMAIN, bad)


def test_padding_is_refused() -> None:
    token = tokens.sign(KEY, DOMAIN, b"pad")  # "cGFk": no padding was ever needed
    payload_text, tag_text = tokens.sign(KEY, DOMAIN, b"padded").split(".")
    assert len(tag_text) % 4 != 0  # 32 bytes: 43 characters, padded would end "="
    for bad in (
        token + "=",
        payload_text + "." + tag_text + "=",
        payload_text + "==." + tag_text,
        token.replace(".", "=."),
    ):
        with pytest.raises(InvalidToken, match="malformed"):
            tokens.verify(KEY, DOMAIN, bad)


def test_non_canonical_base64_is_refused() -> None:
    # "YQ" is b"a"; "YR" decodes to b"a" too (its unused low bits set) and must not verify.
    good = tokens.sign(KEY, DOMAIN, b"a")
    assert good.startswith("YQ.")
    assert base64.urlsafe_b64decode("YR==") == b"a"
    with pytest.raises(InvalidToken, match="canonical"):
        tokens.verify(KEY, DOMAIN, "YR" + good[2:])
    payload_text, tag_text = good.split(".")  # the tag's last character carries 2 unused bits
    last = ALPHABET.index(tag_text[-1])
    for spare in (1, 2, 3):
        other = tag_text[:-1] + ALPHABET[last ^ spare]
        with pytest.raises(InvalidToken, match="canonical"):
            tokens.verify(KEY, DOMAIN, payload_text + "." + other)


@pytest.mark.parametrize(
    "bad",
    [
        "",
        ".",
        "abc",
        "a.b.c",
        "YQ.+/",
        "Y Q.AAAA",
        "YQ\n.AAAA",
        "é.AAAA",
        "YQ.A",
        "YQ.AAAA",
        "YQ=.AAAA",
    ],
)
def test_non_alphabet_characters_and_wrong_lengths_are_refused(bad: str) -> None:
    with pytest.raises(InvalidToken, match="malformed"):
        tokens.verify(KEY, DOMAIN, bad)


def test_an_oversize_token_is_refused_and_never_made() -> None:
    fits = b"x" * (tokens.MAX_TOKEN * 3 // 4 - 40)
    assert len(tokens.sign(KEY, DOMAIN, fits)) <= tokens.MAX_TOKEN
    with pytest.raises(ValueError, match=str(tokens.MAX_TOKEN)):
        tokens.sign(KEY, DOMAIN, b"x" * tokens.MAX_TOKEN)
    oversize = tokens.b64encode(b"x" * tokens.MAX_TOKEN) + "." + tokens.b64encode(bytes(32))
    with pytest.raises(InvalidToken, match="longer than"):
        tokens.verify(KEY, DOMAIN, oversize)


def test_a_domain_must_be_named() -> None:
    with pytest.raises(ValueError, match="domain"):
        tokens.sign(KEY, "", b"x")
    with pytest.raises(ValueError, match="domain"):
        tokens.verify(KEY, "", tokens.sign(KEY, DOMAIN, b"x"))
