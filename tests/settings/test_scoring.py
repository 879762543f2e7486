"""How transactions are decided: the rules' and the scoring backend's sections, what they refuse
(with which message), and loading them from TOML and the environment."""

from __future__ import annotations

from pathlib import Path

import pydantic
import pytest

from fraudd.settings import ConfigError, RulesSettings, ScoringSettings, load_settings
from tests.settings.loading import assert_refused, loaded


def test_sagemaker_scoring_needs_an_endpoint() -> None:
    with pytest.raises(pydantic.ValidationError, match="required for backend sagemaker"):
        ScoringSettings(backend="sagemaker")
    named = ScoringSettings(backend="sagemaker", sagemaker_endpoint="fraudd-xgb")
    assert named.sagemaker_endpoint == "fraudd-xgb"
    assert ScoringSettings(backend="local").sagemaker_endpoint is None  # only sagemaker needs it


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"backend": "xgboost"}, "Input should be 'rules', 'local', 'redshift-ml' or 'sagemaker'"),
        ({"review_threshold": 1.5}, "less than or equal to 1"),
        ({"block_threshold": -0.1}, "greater than or equal to 0"),
        ({"reason_codes": 11}, "less than or equal to 10"),
        ({"model_poll_s": 0}, "greater than 0"),
        ({"redshift_ml_function": "predict()"}, "lower-case SQL identifier"),
    ],
)
def test_scoring_bounds(values: dict[str, object], message: str) -> None:
    with pytest.raises(pydantic.ValidationError, match=message.replace("(", r"\(")):
        ScoringSettings(**values)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"review_amount": 0}, "greater than 0"),
        ({"block_amount": -5}, "greater than 0"),
        ({"velocity_max": 0}, "greater than or equal to 1"),
        ({"velocity_window_s": 0}, "greater than 0"),
    ],
)
def test_rules_bounds(values: dict[str, object], message: str) -> None:
    assert_refused(RulesSettings, values, message)


def test_rules_and_scoring_load_from_toml_with_the_environment_on_top(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = loaded(
        tmp_path,
        monkeypatch,
        "[rules]\nallow_cards = ['tok_a', 'tok_b']\nblock_amount = 3000\n"
        "[scoring]\nbackend = 'rules'\nreview_threshold = 0.4\n",
        FRAUDD_RULES__BLOCK_CARDS='["tok_x"]',
        FRAUDD_SCORING__BLOCK_THRESHOLD="0.9",
    )
    assert s.rules.allow_cards == ("tok_a", "tok_b") and s.rules.block_cards == ("tok_x",)
    assert (s.rules.block_amount, s.rules.review_amount) == (3000.0, 500.0)
    assert (s.scoring.backend, s.scoring.review_threshold, s.scoring.block_threshold) == (
        "rules", 0.4, 0.9,
    )  # fmt: skip


def test_sagemaker_without_an_endpoint_from_the_environment_is_one_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FRAUDD_SCORING__BACKEND", "sagemaker")
    with pytest.raises(ConfigError) as refused:
        load_settings()
    assert str(refused.value) == (
        "invalid configuration: scoring.sagemaker_endpoint: required for backend sagemaker"
    )
