"""Schemathesis hooks for .ci/conformance.py (loaded through SCHEMATHESIS_HOOKS).

- Generated text never holds control or invisible format characters: the API refuses
  them in every text (422, or 400 in a path) by a rule the schema language cannot say
  for each string, so such requests would only test that one rule over and over.
- No request sends a `cursor`: only a cursor a list gave out is one, which no schema
  can describe.
- Every request gets a fresh, valid `Idempotency-Key`: the same key with another
  request is refused with 422 on purpose, and generated keys repeat.
"""

import unicodedata
import uuid

import schemathesis

KEY_CHARS = set(chr(c) for c in range(0x21, 0x7F))


def _visible(value):
    if isinstance(value, str):
        return not any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in value)
    if isinstance(value, dict):
        return all(_visible(k) and _visible(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return all(_visible(v) for v in value)
    return True


@schemathesis.hook
def filter_body(context, body):
    return _visible(body)


@schemathesis.hook
def filter_query(context, query):
    return _visible(query)


@schemathesis.hook
def map_query(context, query):
    # A cursor is only ever one a list gave out (anything else is 400): lists are
    # tested from their first page.
    if query:
        query.pop("cursor", None)
    return query


@schemathesis.hook
def map_headers(context, headers):
    if headers is None:
        return headers
    key = headers.get("Idempotency-Key")
    if isinstance(key, str) and 1 <= len(key) <= 255 and set(key) <= KEY_CHARS:
        headers["Idempotency-Key"] = uuid.uuid4().hex
    return headers
