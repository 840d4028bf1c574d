"""text.round_to is round(x, digits), bit for bit, including halves, negative zero and numbers it hands back."""

import math
import random

import pytest

from intents.text import normalize, round_to


def _same(a: float, b: float) -> bool:
    return (a == b or (math.isnan(a) and math.isnan(b))) and math.copysign(1, a) == math.copysign(1, b)


@pytest.mark.parametrize("digits", [0, 1, 2, 3, 4])
def test_round_to_equals_round(digits: int) -> None:
    rng = random.Random(digits)
    values = [rng.choice([rng.random(), rng.random() * 20, -rng.random(), rng.uniform(-1e-5, 1e-5), rng.random() * 1e7])
              for _ in range(100_000)]
    values += [k / 2 / 10 ** digits for k in range(-20_000, 20_000)]  # exact and near halves: 0.125, 2.675 …
    values += [0.0, -0.0, 1e300, -1e300, math.inf, -math.inf, math.nan, 5e-324, 2.675, 1.0005, 0.00015]
    for x in values:
        assert _same(round_to(x, digits), round(x, digits)), (x, digits)


def test_normalize_makes_full_width_half_width() -> None:
    assert normalize("ＡＢＣ１２３，测试？\u3000好！") == "abc123,测试? 好!"
    assert normalize("请问。") == "请问。"  # 。 stays: it has no half-width form in NFKC
