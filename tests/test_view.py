"""Links: a query string → the nearest valid view and a note for every parameter changed or dropped; view → link."""

from urllib.parse import parse_qsl

import pytest

from ui.models import BUNDLED_NAME
from ui.view import Contender, View, link_models, parse_view, short_names

MODELS = link_models([BUNDLED_NAME, "google/ddpm-cifar10-32"])


def parse(query: str):
    return parse_view(dict(parse_qsl(query)), MODELS)


def test_a_clean_link_is_read_as_written_and_without_a_note():
    parsed = parse("tab=forward&example=cat-chelsea&t=250&schedule=cosine&lang=ko")
    assert parsed.view == View(tab="forward", example="Cat (Chelsea)", t=250, schedule="cosine", lang="ko")
    assert parsed.notes == () and parsed.note == ""


def test_every_field_survives_a_round_trip_through_its_link():
    view = View(
        tab="race",
        model=BUNDLED_NAME,
        sampler="dpmpp_2m",
        steps=20,
        seed=7,
        batch=4,
        t=999,
        schedule="sigmoid",
        example="Digit 3 (MNIST)",
        start="Digit 7 (MNIST)",
        t0=600,
        race=(Contender("ddpm", 1000), Contender("dpmpp_2m", 20)),
        schedules=("cosine", "linear"),
        data="swiss_roll",
        field="difference",
        lang="en",
        player=True,
    )
    query = view.query(short_names(MODELS))
    assert "model=digits" in query and "race=ddpm-1000%2Cdpmpp_2m-20" in query
    assert parse(query) == parse_view(dict(parse_qsl(query)), MODELS)
    assert parse(query).view == view and parse(query).notes == ()


@pytest.mark.parametrize(
    ("query", "field", "value", "note"),
    [
        ("t=5000", "t", 999, "t 5000 → 999 (allowed: 0…999)"),
        ("t=-3", "t", 0, "t -3 → 0"),
        ("t=12.6", "t", 13, "t 12.6 → 13"),
        ("t=abc", "t", None, "t “abc” is not a number: ignored"),
        ("t=nan", "t", None, "is not a number"),
        ("steps=0", "steps", 1, "steps 0 → 1"),
        ("seed=99999999999", "seed", 2**32 - 1, "seed 99999999999 →"),
        ("sampler=DDIM", "sampler", "ddim", None),  # case and punctuation do not matter
        ("sampler=dpm-solver", "sampler", "dpmpp_2m", None),  # an alias
        ("sampler=dpmpp", "sampler", "dpmpp_2m", "sampler “dpmpp” read as “dpmpp_2m”"),  # the nearest
        ("sampler=euler", "sampler", None, "unknown sampler “euler” ignored"),
        ("schedule=cosin", "schedule", "cosine", "read as “cosine”"),
        ("tab=Reverse", "tab", "reverse", None),
        ("tab=settings", "tab", None, "unknown tab “settings” ignored"),
        ("example=cat", "example", "Cat (Chelsea)", "example “cat” read as “Cat (Chelsea)”"),
        ("example=Digit 7 (MNIST)", "example", "Digit 7 (MNIST)", None),
        ("example=dog", "example", None, "unknown example “dog” ignored"),
        ("model=bundled", "model", BUNDLED_NAME, None),
        ("model=/etc/passwd", "model", None, "unknown model “/etc/passwd” ignored"),
        ("lang=fr", "lang", None, "unknown lang “fr” ignored"),
        ("schedules=cosine,sigmoid", "schedules", ("cosine", "sigmoid"), None),
        ("schedules=cosine,bogus", "schedules", ("cosine",), "unknown schedules “bogus” ignored"),
        ("schedules=bogus", "schedules", None, "unknown schedules “bogus” ignored"),
        ("data=moons", "data", "two_moons", "read as “two_moons”"),
        ("data=swiss roll", "data", "swiss_roll", None),
        ("field=diff", "field", "difference", "read as “difference”"),
        ("example=rocket", "example", "Rocket (emoji)", "read as “Rocket (emoji)”"),
        ("player=yes", "player", True, None),
        ("player=maybe", "player", None, "player “maybe” is not 1 or 0"),
    ],
)
def test_a_stale_or_bad_parameter_becomes_the_nearest_valid_one_with_a_note(query, field, value, note):
    parsed = parse(query)
    assert getattr(parsed.view, field) == value
    if note is None:
        assert parsed.notes == ()
    else:
        assert len(parsed.notes) == 1 and note in parsed.notes[0]
        assert parsed.note.startswith("Link: ") and "\n" not in parsed.note  # one line for the page


def test_race_pairs_are_checked_one_by_one():
    assert parse("race=ddpm-1000,dpmpp_2m-20").view.race == (Contender("ddpm", 1000), Contender("dpmpp_2m", 20))
    parsed = parse("race=ddpm-1000,warp-5,unipc-5000")
    assert parsed.view.race == (Contender("ddpm", 1000), Contender("unipc", 1000))
    assert any("warp" in note for note in parsed.notes) and any("5000 → 1000" in note for note in parsed.notes)
    lonely = parse("race=ddpm-10")
    assert lonely.view.race is None and "2 to 4 contenders" in lonely.note
    crowd = parse("race=" + ",".join(["ddim-5"] * 6))
    assert len(crowd.view.race) == 4 and "at most 4" in crowd.note


def test_unknown_parameters_are_named_and_gradios_own_theme_parameter_is_left_alone():
    parsed = parse("t=10&zoom=2&__theme=dark&foo=1")
    assert parsed.view == View(t=10)
    assert parsed.notes == ("unknown parameters foo, zoom ignored",)


def test_an_empty_or_garbage_query_is_the_page_as_it_opens():
    assert parse("").view == View()
    assert parse("tab=&t=").view == View()
    assert parse_view({"t": ["3", "250"]}).view.t == 250  # a repeated parameter: the last one, as browsers do


def test_merged_takes_the_set_fields_of_the_other_view():
    base = View(tab="forward", t=10, schedule="linear")
    assert base.merged(View(t=500)) == View(tab="forward", t=500, schedule="linear")
