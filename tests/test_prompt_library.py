"""The weekly prompt library: the shipped prompts/ folder, and the validator's messages for broken files."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
import yaml

from bot.models import Prompt
from bot.prompts.library import (
    ACTIONS,
    AUDIENCES,
    SCHEMA_PATH,
    TAGS,
    PromptLibraryError,
    load_library,
    load_prompt_file,
)

ROOT = Path(__file__).resolve().parent.parent
PROMPTS_DIR = ROOT / "prompts"
CORPUS_DIR = ROOT / "corpus"


# --- the shipped library ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def library() -> list[Prompt]:
    return load_library(PROMPTS_DIR)


@pytest.fixture(scope="module")
def raw_files() -> dict[str, dict]:
    return {p.stem: yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted(PROMPTS_DIR.glob("*.yaml"))}


def test_shipped_library_has_half_a_year_of_prompts_sorted_by_id(library):
    assert len(library) >= 26
    assert all(isinstance(p, Prompt) for p in library)
    assert [p.id for p in library] == sorted(p.id for p in library)


def test_shipped_prompt_ids_are_unique_and_match_their_file_names(library):
    ids = [p.id for p in library]
    assert len(ids) == len(set(ids))
    assert set(ids) == {p.stem for p in PROMPTS_DIR.glob("*.yaml")}


def test_shipped_library_uses_each_action_for_roughly_a_third_of_prompts(library):
    counts = Counter(p.action for p in library)
    assert set(counts) == set(ACTIONS)
    assert all(0.25 <= counts[a] / len(library) <= 0.42 for a in ACTIONS), counts


def test_shipped_library_speaks_to_every_audience(library):
    assert {p.audience for p in library} == set(AUDIENCES)


def test_every_tag_in_the_vocabulary_finds_at_least_one_prompt(library):
    # A lead may subscribe with any documented tag (`tag=maternity`); none may be an empty rotation.
    used = {t for p in library for t in p.tags}
    assert used == set(TAGS)


def test_every_source_hint_names_a_corpus_document_and_every_document_is_used(raw_files):
    hints = {d["source_hint"] for d in raw_files.values()}
    corpus_stems = {p.stem for p in CORPUS_DIR.glob("*.md") if p.name != "README.md"}
    assert all("source_hint" in d for d in raw_files.values())
    assert hints == corpus_stems


def test_shipped_questions_are_distinct(library):
    questions = [p.question.lower() for p in library]
    assert len(questions) == len(set(questions))


def test_every_shipped_question_is_answered_from_the_guidance_with_citations(library, engine):
    # The engine answers each prompt's question live when it is posted: a decline would go out weekly.
    declined = {}
    for p in library:
        answer = engine.answer(p.question)
        if answer.abstained or not answer.citations:
            declined[p.id] = answer.reason
    assert not declined, declined


def test_shipped_schema_enums_match_the_library_constants():
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert tuple(schema["properties"]["audience"]["enum"]) == AUDIENCES
    assert tuple(schema["properties"]["action"]["enum"]) == ACTIONS


# --- validation errors ------------------------------------------------------------------------------
def valid(pid: str = "01-know-your-population", **changes) -> dict:
    data = {
        "id": pid,
        "title": "Know your population",
        "audience": "clinicians",
        "tags": ["data", "core20plus5"],
        "body": "Look at who you see. Ask who you don't.",
        "question": "What is Core20PLUS5?",
        "action": "analyse",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def write(folder: Path, name: str, data: dict | str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(
        data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False), encoding="utf-8"
    )
    return path


def problems(folder: Path) -> PromptLibraryError:
    with pytest.raises(PromptLibraryError) as info:
        load_library(folder)
    return info.value


def test_a_valid_file_loads_as_a_prompt(tmp_path):
    path = write(tmp_path / "prompts", "01-know-your-population.yaml", valid())
    prompt = load_prompt_file(path)
    assert prompt == Prompt(
        id="01-know-your-population",
        title="Know your population",
        audience="clinicians",
        tags=["data", "core20plus5"],
        body="Look at who you see. Ask who you don't.",
        question="What is Core20PLUS5?",
        action="analyse",
    )


def test_missing_field_names_the_file_and_the_field(tmp_path):
    write(tmp_path / "prompts", "01-know-your-population.yaml", valid(question=None))
    err = problems(tmp_path / "prompts")
    assert [(i.file, i.field) for i in err.issues] == [("prompts/01-know-your-population.yaml", "question")]
    assert "prompts/01-know-your-population.yaml: field 'question': is missing" in str(err)


def test_unknown_action_names_the_field_and_the_allowed_values(tmp_path):
    write(tmp_path / "prompts", "01-know-your-population.yaml", valid(action="discuss"))
    err = problems(tmp_path / "prompts")
    assert [i.field for i in err.issues] == ["action"]
    assert (
        "01-know-your-population.yaml: field 'action': 'discuss' is not one of: ask, advocate, analyse"
        in str(err)
    )


def test_bad_audience_names_the_field_and_the_allowed_values(tmp_path):
    write(tmp_path / "prompts", "01-know-your-population.yaml", valid(audience="nurses"))
    err = problems(tmp_path / "prompts")
    assert [i.field for i in err.issues] == ["audience"]
    assert "'nurses' is not one of: clinicians, leaders, board members, all" in str(err)


def test_duplicate_id_in_a_copied_file_names_both_files(tmp_path):
    folder = tmp_path / "prompts"
    write(folder, "01-a.yaml", valid("01-a"))
    write(folder, "02-b.yaml", valid("01-a"))  # copied, id not updated
    err = problems(folder)
    assert [(i.file, i.field) for i in err.issues] == [
        ("prompts/02-b.yaml", "id"),
        ("prompts/02-b.yaml", "id"),
    ]
    assert "prompts/02-b.yaml: field 'id': duplicate id '01-a' (also in prompts/01-a.yaml)" in str(err)
    assert "expected '02-b'" in str(err)


def test_yaml_and_yml_twins_are_reported_as_duplicates(tmp_path):
    folder = tmp_path / "prompts"
    write(folder, "01-a.yaml", valid("01-a"))
    write(folder, "01-a.yml", valid("01-a"))
    err = problems(folder)
    assert [(i.file, i.field) for i in err.issues] == [("prompts/01-a.yml", "id")]
    assert "duplicate id '01-a' (also in prompts/01-a.yaml)" in str(err)


def test_malformed_yaml_names_the_file_and_the_line(tmp_path):
    write(tmp_path / "prompts", "01-broken.yaml", "id: 01-broken\ntitle: [unclosed\naudience: all\n")
    err = problems(tmp_path / "prompts")
    assert len(err.issues) == 1
    assert err.issues[0].file == "prompts/01-broken.yaml"
    assert "is not valid YAML at line" in str(err)


def test_a_field_written_twice_is_reported_not_silently_overwritten(tmp_path):
    text = yaml.safe_dump(valid("01-a"), sort_keys=False) + "action: ask\n"
    write(tmp_path / "prompts", "01-a.yaml", text)
    err = problems(tmp_path / "prompts")
    assert [(i.file, i.field) for i in err.issues] == [("prompts/01-a.yaml", "action")]
    assert "written twice" in str(err)


def test_a_file_that_is_not_a_mapping_is_reported(tmp_path):
    write(tmp_path / "prompts", "01-a.yaml", "- just\n- a list\n")
    err = problems(tmp_path / "prompts")
    assert "prompts/01-a.yaml: must be a YAML mapping of fields" in str(err)


def test_every_problem_in_every_file_is_reported_at_once(tmp_path):
    folder = tmp_path / "prompts"
    write(folder, "01-a.yaml", valid("01-a", action="discuss", audience="nurses"))
    write(folder, "02-b.yaml", valid("02-b", title=None))
    write(folder, "03-c.yaml", valid("03-c"))
    err = problems(folder)
    assert {(i.file, i.field) for i in err.issues} == {
        ("prompts/01-a.yaml", "action"),
        ("prompts/01-a.yaml", "audience"),
        ("prompts/02-b.yaml", "title"),
    }
    assert str(err).startswith("3 problems in the prompt library:")


def test_unknown_field_is_named(tmp_path):
    write(tmp_path / "prompts", "01-a.yaml", valid("01-a", summary="extra"))
    err = problems(tmp_path / "prompts")
    assert [i.field for i in err.issues] == ["summary"]
    assert "unknown field 'summary'" in str(err)


def test_mistyped_field_says_what_type_was_expected(tmp_path):
    write(tmp_path / "prompts", "01-a.yaml", valid("01-a", tags="data"))
    err = problems(tmp_path / "prompts")
    assert [i.field for i in err.issues] == ["tags"]
    assert "must be a list, got string 'data'" in str(err)


def test_empty_and_whitespace_only_strings_are_rejected(tmp_path):
    write(tmp_path / "prompts", "01-a.yaml", valid("01-a", title="", question="   "))
    err = problems(tmp_path / "prompts")
    assert {(i.field, i.message.split(" (")[0]) for i in err.issues} == {
        ("title", "is empty"),
        ("question", "is empty"),
    }


def test_unknown_tag_suggests_the_nearest_known_tag(tmp_path):
    write(tmp_path / "prompts", "01-a.yaml", valid("01-a", tags=["data", "mental-helth"]))
    err = problems(tmp_path / "prompts")
    assert [i.field for i in err.issues] == ["tags[1]"]
    assert "unknown tag 'mental-helth'. Did you mean 'mental-health'?" in str(err)


def test_tags_are_matched_ignoring_case_spaces_and_common_abbreviations(tmp_path):
    tags = ["Core20PLUS5", "Anchor institution", "CYP"]
    path = write(tmp_path / "prompts", "01-a.yaml", valid("01-a", tags=tags))
    assert load_prompt_file(path).tags == ["core20plus5", "anchor-institution", "children-and-young-people"]


def test_the_same_tag_written_two_ways_is_reported(tmp_path):
    write(tmp_path / "prompts", "01-a.yaml", valid("01-a", tags=["core20plus5", "Core20"]))
    err = problems(tmp_path / "prompts")
    assert [i.field for i in err.issues] == ["tags[1]"]
    assert "listed twice" in str(err)


def test_body_with_too_many_sentences_is_rejected(tmp_path):
    body = "One. Two. Three. Four. Five."
    write(tmp_path / "prompts", "01-a.yaml", valid("01-a", body=body))
    err = problems(tmp_path / "prompts")
    assert [i.field for i in err.issues] == ["body"]
    assert "has 5 sentences; a weekly nudge is 1 to 4" in str(err)


def test_abbreviations_do_not_count_as_sentence_ends(tmp_path):
    body = (
        "Look at the five priorities, e.g. asthma and epilepsy. Costs were £5.5 billion. "
        "Ask who leads, i.e. by name."
    )
    path = write(tmp_path / "prompts", "01-a.yaml", valid("01-a", body=body))
    assert load_prompt_file(path).body == body


def test_body_over_the_length_limit_is_rejected(tmp_path):
    write(tmp_path / "prompts", "01-a.yaml", valid("01-a", body="A very long nudge " * 40 + "."))
    err = problems(tmp_path / "prompts")
    assert [i.field for i in err.issues] == ["body"]
    assert "the limit is 600" in str(err)


def test_question_must_end_with_a_question_mark(tmp_path):
    write(tmp_path / "prompts", "01-a.yaml", valid("01-a", question="Tell me about Core20PLUS5"))
    err = problems(tmp_path / "prompts")
    assert [i.field for i in err.issues] == ["question"]


def test_id_that_does_not_match_the_file_name_is_rejected(tmp_path):
    write(tmp_path / "prompts", "01-a.yaml", valid("what-is-core20plus5"))
    err = problems(tmp_path / "prompts")
    assert [i.field for i in err.issues] == ["id"]
    assert "expected '01-a'" in str(err)


def test_id_must_be_lowercase_and_hyphenated(tmp_path):
    write(tmp_path / "prompts", "01 Know Your Population.yaml", valid("01 Know Your Population"))
    err = problems(tmp_path / "prompts")
    assert [i.field for i in err.issues] == ["id"]
    assert "must be lowercase words and digits joined by hyphens" in str(err)


def test_load_prompt_file_reports_all_problems_in_that_file(tmp_path):
    path = write(tmp_path / "prompts", "01-a.yaml", valid("01-a", action="discuss", tags=[]))
    with pytest.raises(PromptLibraryError) as info:
        load_prompt_file(path)
    assert {i.field for i in info.value.issues} == {"tags", "action"}
    assert str(info.value).startswith("2 problems in prompts/01-a.yaml")


def test_a_folder_without_prompts_is_an_error(tmp_path):
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "README.md").write_text("not a prompt")
    assert "no prompt files" in str(problems(tmp_path / "prompts"))


def test_a_missing_folder_is_an_error(tmp_path):
    assert "does not exist" in str(problems(tmp_path / "nowhere"))


def test_source_hint_is_optional(tmp_path):
    with_hint = write(tmp_path / "prompts", "01-a.yaml", valid("01-a", source_hint="hunt-letter-2014"))
    without = write(tmp_path / "prompts", "02-b.yaml", valid("02-b"))
    assert load_prompt_file(with_hint).id == "01-a"
    assert load_prompt_file(without).id == "02-b"
