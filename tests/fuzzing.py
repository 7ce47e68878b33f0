"""Shared settings for the fuzz/property tests (tests/test_fuzz_*.py).

CI runs a few hundred examples per property; `make fuzz` / `bin/fuzz` sets FUZZ_EXAMPLES
high enough for at least 10,000 generated requests in all.
"""
import os

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "150"))

fuzz_settings = settings(
    max_examples=EXAMPLES,
    deadline=None,  # a shared machine: time is not the property
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.data_too_large],
    derandomize=os.environ.get("FUZZ_RANDOM") != "1",  # CI reproducible; bin/fuzz explores anew
)

# What a caller can type on a feature phone, and worse.
RESERVED = st.sampled_from(["0", "00", "98", "", " ", "*", "#", "**", "0 ", " 98"])
NUMBERS = st.integers(min_value=-3, max_value=40).map(str)
WORDS = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=50)
GSM_TEXT = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJ 0123456789*#'\"<>&;-_.,éà", max_size=60)
LONG = st.text(alphabet="ab *9", min_size=150, max_size=400)
USSD_INPUT = st.one_of(RESERVED, NUMBERS, NUMBERS, GSM_TEXT, WORDS, LONG)
