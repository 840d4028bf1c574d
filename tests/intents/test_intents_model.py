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


def test_a_shared_lookup_finds_each_models_own_rows(model: NgramModel) -> None:
    from intents.api import load_department_model
    from intents.model import SharedLookup, feature_ids

    department = load_department_model()
    shared = SharedLookup([model, department])
    for text in TEXTS:
        norm = normalize(text)
        found = feature_ids(norm)
        both = shared.rows(found)
        assert [r.tolist() for r in both] == [model.rows(norm).tolist(), department.rows(norm).tolist()]
