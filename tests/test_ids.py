import pytest

from gate_consumer.ids import check_upstream_id, normalize_model_slug, slugify


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("claude-3-5-haiku@20241022", "claude-3.5-haiku-20241022"),
        ("claude-sonnet-4-5-20250929", "claude-sonnet-4.5-20250929"),
        ("Claude-Sonnet-4.5", "claude-sonnet-4.5"),
        ("gpt-4o-2024-08-06", "gpt-4o-2024-08-06"),  # a date keeps its dashes
        ("gemini-2.5-flash-preview-05-20", "gemini-2.5-flash-preview-05-20"),  # month-day
        ("gemma-3-27b-it", "gemma-3-27b-it"),  # a size is not a minor version
        ("gpt-4-1106-preview", "gpt-4-1106-preview"),  # a snapshot number
        ("qwen2-5-vl-72b-instruct", "qwen2.5-vl-72b-instruct"),
        ("llama-3-2-1b", "llama-3.2-1b"),
        ("Llama-3.3-70B-Instruct", "llama-3.3-70b-instruct"),
        ("kimi-k2-0711", "kimi-k2-0711"),
    ],
)
def test_normalize_model_slug(name: str, slug: str) -> None:
    assert normalize_model_slug(name) == slug
    assert normalize_model_slug(slug) == slug  # idempotent


def test_slugify_makes_provider_ids_safe() -> None:
    assert slugify("wafer.ai") == "wafer-ai"
    assert slugify("../../etc") == "etc"
    with pytest.raises(ValueError, match="no characters"):
        slugify("../")


@pytest.mark.parametrize(
    ("upstream_id", "message"),
    [
        ("", "empty"),
        ("  ", "empty"),
        (" gpt-4o", "white space"),
        ("gpt\x00-4o", "control"),
        ("gpt\n4o", "control"),
        ("x" * 10_000, "10000 characters"),
        (42, "not a string"),
    ],
)
def test_hostile_upstream_ids_are_rejected(upstream_id: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_upstream_id(upstream_id)


def test_path_like_upstream_ids_are_kept_verbatim() -> None:
    # Upstream ids are never used as paths, so "../../x" is just an odd name.
    assert check_upstream_id("../../x") == "../../x"
