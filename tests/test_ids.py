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
        ("x" * 129, "129 characters long \\(max 128\\)"),
        ("n" * 254 + "/m", "256 characters"),
        (42, "not a string"),
        # one policy, a line per class (DESIGN.md, "Ids from outside")
        ("evil\u202eid", "format character U\\+202E"),  # bidi override
        ("gpt\u200b-4o", "format character U\\+200B"),  # zero-width space
        ("gpt-4o\ufeff", "format character U\\+FEFF"),
        ("ｇｐｔ-4o", "not NFKC-normal"),  # full-width
        ("gpt-４o", "not NFKC-normal"),
        ("gрt-4o", "mixes Latin letters"),  # a Cyrillic "р"
        ("claude-sοnnet", "mixes Latin letters"),  # a Greek "ο"
        ("../../etc/passwd", "path segment '..'"),
        ("./.", "path segment '.'"),
        ("a//b", "path segment ''"),
        ("openai/", "path segment ''"),
        ("CON", "reserved device name 'CON'"),
        ("vendor/nul.json", "reserved device name"),
        ("com1", "reserved device name"),
        ("-/m", "no letter or digit \\('-'\\)"),
        ("///", "path segment ''"),
    ],
)
def test_hostile_upstream_ids_are_rejected(upstream_id: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_upstream_id(upstream_id)


@pytest.mark.parametrize("upstream_id", [
    "anthropic/claude-sonnet-4.5", "us.anthropic.claude-sonnet-4-5-20250929-v1:0", "claude-sonnet-4-5@20250929",
    "accounts/fireworks/models/llama-v3p1-8b-instruct", "cognitivecomputations/dolphin-mistral-24b-venice-edition:free",
    "qwen/qwen2.5-vl-72b-instruct", "通义千问-max", "deepseek-r1-0528", "console-model", "x" * 128,
])
def test_real_ids_are_kept_verbatim(upstream_id: str) -> None:
    assert check_upstream_id(upstream_id) == upstream_id
