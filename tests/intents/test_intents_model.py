"""The model's integer-id feature lookup finds exactly the string features it was trained on."""

import pytest

from intents.model import NgramModel, features
from intents.text import normalize

TEXTS = ["你", "你好", "请问", "楼道灯坏了一周没人修", "建议小区多装几个充电桩，方便居民充电。谢谢！",
         "请问低保怎么申请？需要哪些材料？" * 3, "尊敬的领导：" + "我们小区门口的道路坑洼不平，" * 40 + "望领导关注！",
         "^$#q1 混合 ascii ABC 123？？", "全角ＡＢＣ１２３，测试？"]


@pytest.fixture(scope="module")
def model() -> NgramModel:
    return NgramModel.load()


@pytest.mark.parametrize("text", TEXTS)
def test_rows_match_string_features(model: NgramModel, text: str) -> None:
    norm = normalize(text)
    expected = sorted({model.vocab[f] for f in features(norm) if f in model.vocab})
    assert model.rows(norm).tolist() == expected


def test_one_lookup_finds_the_keywords_and_each_models_own_rows_and_logits(model: NgramModel) -> None:
    import numpy as np

    from intents.api import load_department_model
    from intents.model import FeatureLookup
    from intents.rules import PACKAGE_RULES_DIR, load_rules
    from intents.text import distinct, gram_ids

    department = load_department_model()
    index = load_rules(PACKAGE_RULES_DIR).index
    for models in ([model, department], [model, None], [None, department], [None, None]):
        lookup = FeatureLookup(index, models)
        for text in TEXTS + ["", "?", "电梯困人了"]:
            norm = normalize(text)
            found = lookup.find(norm)
            ids = distinct(gram_ids(norm[:400]))
            assert sorted(index.from_values(norm[:400], found.keywords)) == sorted(index.find(norm[:400], ids))
            for mine, fired in zip(models, found.models):
                if mine is None:
                    assert fired is None
                    continue
                logits, rows = mine.logits(norm)
                assert fired.rows.tolist() == rows.tolist()
                assert np.allclose(fired.logits, logits, rtol=0, atol=1e-12)


def test_edge_grams_of_every_length_match_the_string_features(model: NgramModel) -> None:
    """The cached edge positions (model._edge_plan) give the same rows as the string features at each length."""
    base = "请问我们小区门口的道路坑洼不平什么时候能修好？" * 20
    for n in list(range(0, 45)) + [398, 399, 400, 401, 402, 450]:
        norm = normalize(base[:n])
        expected = sorted({model.vocab[f] for f in features(norm) if f in model.vocab})
        assert model.rows(norm).tolist() == expected, n


def test_evidence_from_the_lookup_is_the_models_own_and_does_not_depend_on_feature_order(model: NgramModel) -> None:
    """Fired.top_features (from the lookup's places) gives the items model.top_features gives from the sorted rows,
    and shuffling the rows changes nothing: ties between equal weights are broken by row, not by position."""
    import numpy as np

    from intents.api import load_department_model
    from intents.model import FeatureLookup
    from intents.rules import PACKAGE_RULES_DIR, load_rules

    department = load_department_model()
    lookup = FeatureLookup(load_rules(PACKAGE_RULES_DIR).index, [model, department])
    shuffle = np.random.default_rng(3).permutation
    compared = 0
    for text in TEXTS + ["", "电梯困人了", "近几年小区停车越来越难，建议规划停车位"]:
        norm = normalize(text)
        for mine, fired in zip((model, department), lookup.find(norm).models):
            rows = mine.rows(norm)
            for klass in range(len(mine.classes)):
                for n in (1, 3, 5):
                    expected = mine.top_features(rows, klass, n)
                    assert fired.top_features(klass, n) == expected
                    if len(rows):
                        assert mine.top_features(shuffle(rows), klass, n) == expected
                    compared += bool(expected)
    assert compared > 50
