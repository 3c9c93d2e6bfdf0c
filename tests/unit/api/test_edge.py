"""The depth check that runs before any body is parsed agrees with the JSON it measures."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from api.edge import MAX_JSON_DEPTH, json_nested_at_most

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet='[]{}"\\ab,:\u202e'),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(alphabet='[]{}"\\a', max_size=4), inner, max_size=3)
    ),
    max_leaves=30,
)


def depth(value: object) -> int:
    if isinstance(value, list):
        return 1 + max((depth(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((depth(v) for v in value.values()), default=0)
    return 0


@given(value=json_values, limit=st.integers(0, 6))
def test_the_depth_check_agrees_with_the_parsed_depth(value: object, limit: int) -> None:
    text = json.dumps(value, ensure_ascii=False)
    assert json_nested_at_most(text, limit) == (depth(value) <= limit)


def test_brackets_inside_strings_do_not_count() -> None:
    text = json.dumps({"text": "[" * 1000 + '\\"{' * 100})
    assert json_nested_at_most(text, 1)


def test_a_megabyte_of_brackets_is_too_deep() -> None:
    assert not json_nested_at_most("[" * 500_000 + "]" * 500_000, MAX_JSON_DEPTH)
    assert not json_nested_at_most("]" * 10, MAX_JSON_DEPTH)  # unbalanced: no JSON anyway
