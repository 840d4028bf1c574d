"""Training: both fitting methods produce one weight table that the unchanged inference reads."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse

from intents.model import features
from intents.text import normalize
from intents.train import fit, log_count_ratios

TEXTS = {0: ["请问居住证怎么办理", "低保怎么申请呀", "医保在哪里交费", "老年卡怎么办理"],
         1: ["楼道灯坏了没人修", "楼上漏水了快来看看", "垃圾堆了一周没人管", "电梯又坏了"],
         2: ["建议多装几个充电桩", "希望增加公交班次", "建议社区多办活动", "希望小区多种点树"]}


def _data():
    texts = [t for k in sorted(TEXTS) for t in TEXTS[k]]
    labels = [k for k in sorted(TEXTS) for _ in TEXTS[k]]
    return [features(normalize(t)) for t in texts], labels, texts


@pytest.mark.parametrize("method", ["nbsvm", "lr"])
def test_each_method_learns_the_training_letters(method: str) -> None:
    feature_sets, labels, texts = _data()
    model = fit(feature_sets, labels, max_features=200, method=method)
    assert model.meta["method"] == method and model.weights.shape == (len(model.vocab), 3)
    predicted = [int(np.argmax(model.logits(normalize(t))[0])) for t in texts]
    assert predicted == labels


def test_naive_bayes_ratios_favour_the_class_a_feature_occurs_in() -> None:
    x = sparse.csr_matrix(np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]]))
    ratios = log_count_ratios(x, np.array([0, 0, 1, 1]), 2)
    assert ratios[0, 0] > 0 > ratios[0, 1] and ratios[1, 1] > 0 > ratios[1, 0]


def test_an_unknown_method_is_refused() -> None:
    feature_sets, labels, _ = _data()
    with pytest.raises(ValueError, match="method must be one of"):
        fit(feature_sets, labels, method="svm")
