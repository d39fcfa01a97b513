"""journeys.yml → JourneyMap: structure, frames, and every rule reported with its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from cjwork.errors import DataError, JourneyMapError, UsageError
from cjwork.journeymap import check_journey, load_journey_map, parse_journey_map, select_journeys

GOOD = """\
company: Beispiel AG
timezone: Europe/Berlin
journeys:
  - id: onboarding
    name: Onboarding
    owner: Customer Success
    stages:
      - id: signup
        name: Sign-up
        touchpoints:
          - id: signup_form
            name: Online sign-up form
            channel: web
            owner: Digital Sales
            keywords:
              de: [Anmeldung, registrierung]
              en: [sign up]
            kpis:
              wait_s: {target: 60, better: lower}
      - id: welcome
        name: Welcome
        touchpoints:
          - id: welcome_mail
            name: Welcome e-mail
            kpis:
              opened: {target: 0.5, better: higher, unit: share}
  - id: service
    name: Service
    stages:
      - id: contact
        name: Contact
        touchpoints:
          - id: hotline
            name: Hotline
"""


def problems(text: str) -> list[str]:
    with pytest.raises(JourneyMapError) as info:
        parse_journey_map(text)
    return [str(p) for p in info.value.problems]


def test_structure_and_frames() -> None:
    jm = parse_journey_map(GOOD)
    assert jm.company == "Beispiel AG" and jm.timezone == "Europe/Berlin"
    assert jm.journey_ids == ["onboarding", "service"]
    assert jm.touchpoint_ids == ["signup_form", "welcome_mail", "hotline"]
    onboarding = jm.journey("onboarding")
    assert [s.id for s in onboarding.stages] == ["signup", "welcome"]
    assert onboarding.stage_of("welcome_mail").id == "welcome"
    tp = jm.touchpoint("signup_form")
    assert tp.journey_id == "onboarding" and tp.stage_id == "signup" and tp.owner == "Digital Sales"
    assert tp.keywords == {"de": ("anmeldung", "registrierung"), "en": ("sign up",)}
    assert tp.kpis["wait_s"].within(50) and not tp.kpis["wait_s"].within(61)
    assert jm.touchpoint("welcome_mail").kpis["opened"].within(0.7)
    frame = jm.touchpoints_frame()
    assert list(frame["touchpoint_order"]) == [0, 1, 0]
    assert list(frame["stage_order"]) == [0, 1, 0]
    assert frame.loc[0, "journey_owner"] == "Customer Success"
    kpis = jm.kpis_frame()
    assert list(kpis["metric"]) == ["wait_s", "opened"] and list(kpis["better"]) == [
        "lower",
        "higher",
    ]


def test_unknown_ids_name_the_closest() -> None:
    jm = parse_journey_map(GOOD)
    with pytest.raises(KeyError, match="closest known: hotline"):
        jm.touchpoint("hotlin")


def test_the_one_journey_id_check() -> None:
    jm = parse_journey_map(GOOD)
    assert check_journey(jm, "service").id == "service"
    with pytest.raises(UsageError, match="unknown journey id 'servce'; closest known: service"):
        check_journey(jm, "servce")
    assert select_journeys(jm) == ["onboarding", "service"]
    assert select_journeys(jm, "service") == ["service"]
    assert select_journeys(jm, ["service", "onboarding", "service"]) == ["service", "onboarding"]
    with pytest.raises(UsageError, match="unknown journey id 'onbording'"):
        select_journeys(jm, ["service", "onbording", "nope"])
    with pytest.raises(DataError) as info:  # every unknown id, one line each (exit code 1)
        select_journeys(jm, ["service", "onbording", "nope"], all_unknown=True)
    assert info.value.exit_code == 1
    lines = [str(p) for p in info.value.problems]
    assert len(lines) == 2 and "journeys.yml:-:journey: unknown journey id 'onbording'" in lines[0]
    assert "choose ids defined in journeys.yml" in str(info.value)
    with pytest.raises(UsageError, match="no journey selected"):
        select_journeys(jm, [])


def test_duplicate_ids_name_both_lines() -> None:
    text = GOOD.replace("          - id: hotline", "          - id: signup_form").replace(
        "  - id: service", "  - id: onboarding"
    )
    assert problems(text) == [
        "journeys.yml:33:id: duplicate touchpoint id 'signup_form' (first on line 11); "
        "touchpoint ids must be unique across the whole file",
        "journeys.yml:27:id: duplicate journey id 'onboarding' (first defined on line 4)",
    ]


def test_duplicate_stage_in_a_journey() -> None:
    text = GOOD.replace("      - id: welcome\n", "      - id: signup\n")
    assert problems(text) == [
        "journeys.yml:20:id: duplicate stage id 'signup' in journey 'onboarding' (first on line 8)"
    ]


def test_touchpoints_without_a_stage() -> None:
    text = "journeys:\n  - id: j\n    name: J\n    touchpoints:\n      - id: t\n"
    got = problems(text)
    assert got[0].startswith(
        "journeys.yml:4:touchpoints: unknown key 'touchpoints' in a journey; touchpoints belong inside a stage"
    )
    assert got[1] == "journeys.yml:2:stages: journey 'j' needs a non-empty 'stages' list"


def test_empty_stages_and_empty_touchpoints() -> None:
    assert problems("journeys:\n  - id: j\n    stages: []\n") == [
        "journeys.yml:3:stages: journey 'j' needs a non-empty 'stages' list"
    ]
    text = "journeys:\n  - id: j\n    stages:\n      - id: s\n        name: S\n"
    assert problems(text) == [
        "journeys.yml:4:touchpoints: stage 's' of journey 'j' needs a non-empty 'touchpoints' list"
    ]


def test_bad_kpi_direction_and_target() -> None:
    text = GOOD.replace("better: lower", "better: smaller").replace("target: 0.5", "target: half")
    assert problems(text) == [
        "journeys.yml:19:better: KPI 'wait_s' of 'signup_form': better must be 'lower' or 'higher', got 'smaller'",
        "journeys.yml:26:target: KPI 'opened' of 'welcome_mail' needs a numeric target, got 'half'",
    ]


def test_unknown_keys_have_line_numbers_and_suggestions() -> None:
    text = GOOD.replace("            channel: web", "            chanel: web").replace(
        "company: Beispiel AG", "company: Beispiel AG\ncolour: blue"
    )
    got = problems(text)
    assert got[0] == (
        "journeys.yml:2:colour: unknown key 'colour' in the top level; "
        "allowed: company, description, journeys, language, timezone, version"
    )
    assert got[1].startswith(
        "journeys.yml:14:chanel: unknown key 'chanel' in touchpoint of stage 'signup'; did you mean 'channel'?"
    )


def test_bad_ids_language_and_timezone() -> None:
    text = GOOD.replace("id: signup_form", "id: Signup-Form").replace(
        "timezone: Europe/Berlin", "timezone: Mars/Olympus\nlanguage: fr"
    )
    got = problems(text)
    assert any(p.startswith("journeys.yml:12:id: id 'Signup-Form'") for p in got)
    assert any(p.startswith("journeys.yml:3:language: language must be one of de, en") for p in got)
    assert any(
        p.startswith("journeys.yml:2:timezone: unknown time zone 'Mars/Olympus'") for p in got
    )


def test_yaml_syntax_error_names_the_line() -> None:
    text = GOOD.replace("        name: Sign-up\n", "        name: [Sign-up\n")
    (problem,) = problems(text)
    assert problem.startswith("journeys.yml:")
    assert "not valid YAML" in problem
    line = int(problem.split(":")[1])
    assert 9 <= line <= 12


@pytest.mark.parametrize(
    "text",
    [
        "journeys: !!python/object/apply:os.system ['echo owned']\n",
        "journeys:\n  - !!python/object:collections.OrderedDict {}\n",
        "company: !!python/name:os.system\njourneys: []\n",
    ],
)
def test_unsafe_tags_are_rejected(text: str) -> None:
    (problem,) = problems(text)
    assert "is not allowed" in problem and "remove the tag" in problem


def test_not_a_mapping() -> None:
    assert problems("- just\n- a list\n") == [
        "journeys.yml:1:-: the file must be a mapping with a 'journeys:' list"
    ]


def test_load_from_file_with_bom_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "journeys.yml"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.encode("utf-8"))
    assert load_journey_map(path).journey_ids == ["onboarding", "service"]
    with pytest.raises(JourneyMapError, match="file not found"):
        load_journey_map(tmp_path / "nope.yml")
