"""The weekly prompt library: `prompts/NN-slug.yaml` files, validated and loaded as `bot.models.Prompt`.

The shape of a file is checked against the shipped JSON schema (`schema.json`, which editors can use
too); this module adds what a schema cannot say: the tag vocabulary, the length of the nudge, the id
matching its file name, and ids being unique across the library. Every problem in every file is
collected, so one run of `hibot prompts list` shows the author everything to fix.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator, ValidationError
from rapidfuzz import process

from bot.models import Prompt

SCHEMA_PATH = Path(__file__).with_name("schema.json")

AUDIENCES: tuple[str, ...] = ("clinicians", "leaders", "board members", "all")
ACTIONS: tuple[str, ...] = ("ask", "advocate", "analyse")
# One word each (hyphenated) because leads type them: `prompts subscribe monday 09:00 tag=data`.
TAGS: tuple[str, ...] = (
    "core20plus5",
    "data",
    "workforce",
    "anchor-institution",
    "governance",
    "prevention",
    "access",
    "inclusion-health",
    "children-and-young-people",
    "maternity",
    "mental-health",
    "respiratory",
    "cancer",
    "hypertension",
    "digital-inclusion",
    "partnership",
    "leadership",
    "equality-duties",
    "wider-determinants",
    "advocacy",
    "finance",
)
# Spellings people naturally write, mapped to the vocabulary so the author is not punished for them.
TAG_ALIASES: dict[str, str] = {
    "core20": "core20plus5",
    "cyp": "children-and-young-people",
    "anchor": "anchor-institution",
    "anchors": "anchor-institution",
}

BODY_MIN_SENTENCES = 1
BODY_MAX_SENTENCES = 4
_FIELDS_IN_ORDER = ("id", "title", "audience", "tags", "body", "question", "action", "source_hint")
# Full stops that do not end a sentence, so "e.g. asthma" is not counted as two sentences.
_ABBREVIATIONS = re.compile(r"\b(?:e\.g|i\.e|etc|vs|Dr|Mr|Mrs|Ms|Prof|No|St)\.", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?]+[\"'’”)\]]*(?=\s|$)")


@dataclass(frozen=True)
class PromptIssue:
    """One problem, located: which file and (when it is about one) which field."""

    file: str
    field: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}: field '{self.field}'" if self.field else self.file
        return f"{where}: {self.message}"


class PromptLibraryError(ValueError):
    """The prompt library (or one prompt file) is invalid. `issues` lists every problem found."""

    def __init__(self, issues: list[PromptIssue], header: str | None = None):
        self.issues = list(issues)
        n = len(self.issues)
        header = header or f"{n} problem{'s' if n != 1 else ''} in the prompt library"
        lines = [f"  - {issue}" for issue in self.issues]
        super().__init__("\n".join([header + (":" if lines else ""), *lines]))


def load_library(prompts_dir: Path) -> list[Prompt]:
    """Every `*.yaml` / `*.yml` prompt in `prompts_dir`, validated, sorted by id.

    Raises PromptLibraryError naming each file and field at fault; nothing is returned unless the
    whole library is valid, so a scheduler never starts on half a library."""
    prompts_dir = Path(prompts_dir)
    if not prompts_dir.is_dir():
        raise PromptLibraryError([], f"the prompt folder {prompts_dir} does not exist (HIBOT_PROMPTS_DIR)")
    files = sorted(
        p
        for p in prompts_dir.iterdir()
        if p.suffix in (".yaml", ".yml") and p.is_file() and not p.name.startswith(".")
    )
    if not files:
        raise PromptLibraryError([], f"no prompt files (*.yaml) in {prompts_dir}")

    prompts: list[Prompt] = []
    issues: list[PromptIssue] = []
    first_file_for_id: dict[str, str] = {}
    for path in files:
        prompt, file_issues, declared_id = _check_file(path)
        issues.extend(file_issues)
        name = _display(path)
        # Checked even when the file has other problems: a copied file with its old id is the usual cause.
        if declared_id in first_file_for_id:
            also = first_file_for_id[declared_id]
            issues.append(PromptIssue(name, "id", f"duplicate id '{declared_id}' (also in {also})"))
            continue
        if declared_id:
            first_file_for_id[declared_id] = name
        if prompt is not None:
            prompts.append(prompt)
    if issues:
        raise PromptLibraryError(issues)
    return sorted(prompts, key=lambda p: p.id)


def load_prompt_file(path: Path) -> Prompt:
    """One prompt file, validated on its own (duplicate ids need the whole library: see load_library)."""
    path = Path(path)
    prompt, issues, _ = _check_file(path)
    if issues or prompt is None:
        n = len(issues)
        raise PromptLibraryError(issues, f"{n} problem{'s' if n != 1 else ''} in {_display(path)}")
    return prompt


def normalise_tag(tag: str) -> str:
    """Case, spaces and underscores do not matter ("Anchor institution" == "anchor-institution")."""
    slug = re.sub(r"[\s_-]+", "-", tag.strip().lower()).strip("-")
    return TAG_ALIASES.get(slug, slug)


def count_sentences(text: str) -> int:
    masked = _ABBREVIATIONS.sub(lambda m: m.group(0).replace(".", "·"), text.strip())
    return sum(1 for piece in _SENTENCE_END.split(masked) if re.search(r"\w", piece))


# --- checks ----------------------------------------------------------------------------------------
def _display(path: Path) -> str:
    return f"{path.parent.name}/{path.name}" if path.parent.name else path.name


@cache
def _validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


class _StrictLoader(yaml.SafeLoader):
    """safe_load, but a key written twice is an error instead of the last one silently winning."""


class _DuplicateKey(yaml.constructor.ConstructorError):
    def __init__(self, key: Any, mark):
        super().__init__(None, None, f"field '{key}' appears twice", mark)
        self.key = key


def _mapping_without_duplicates(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False):
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise _DuplicateKey(key, key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_without_duplicates)


def _read_yaml(path: Path) -> tuple[Any, PromptIssue | None]:
    name = _display(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        return None, PromptIssue(name, None, f"cannot be read ({type(e).__name__}: {e})")
    try:
        return yaml.load(text, Loader=_StrictLoader), None  # a SafeLoader subclass: no arbitrary objects
    except _DuplicateKey as e:
        line = e.problem_mark.line + 1
        return None, PromptIssue(name, str(e.key), f"is written twice (again at line {line}); keep one")
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(e, "problem", None) or str(e)
        return None, PromptIssue(name, None, f"is not valid YAML{where}: {problem}")


def _check_file(path: Path) -> tuple[Prompt | None, list[PromptIssue], str | None]:
    """(the prompt if the file is valid, its problems, the id it declares if it declares one)."""
    name = _display(path)
    data, issue = _read_yaml(path)
    if issue:
        return None, [issue], None
    if not isinstance(data, dict):
        got = "an empty file" if data is None else f"a {_type_name(data)}"
        fields = ", ".join(_FIELDS_IN_ORDER[:7])
        return (
            None,
            [PromptIssue(name, None, f"must be a YAML mapping of fields ({fields}), got {got}")],
            None,
        )

    issues = [i for i in (_schema_issue(name, e) for e in _validator().iter_errors(data)) if i]
    issues.extend(_semantic_issues(name, path, data))
    issues.sort(key=lambda i: _field_rank(i.field))
    declared_id = data.get("id") if isinstance(data.get("id"), str) and data.get("id") else None
    if issues:
        return None, issues, declared_id
    prompt = Prompt(
        id=data["id"],
        title=data["title"].strip(),
        audience=data["audience"],
        tags=[normalise_tag(t) for t in data["tags"]],
        body=data["body"].strip(),
        question=data["question"].strip(),
        action=data["action"],
    )
    return prompt, [], declared_id


def _semantic_issues(name: str, path: Path, data: dict) -> list[PromptIssue]:
    """What the schema cannot check. Only runs on fields whose type is already right, so a wrong
    type is reported once (by the schema), not twice."""
    issues: list[PromptIssue] = []

    for key in ("title", "body", "question"):  # source_hint's pattern already rejects blanks
        value = data.get(key)
        if isinstance(value, str) and value and not value.strip():
            issues.append(PromptIssue(name, key, "is empty (only whitespace)"))

    pid = data.get("id")
    if isinstance(pid, str) and pid and pid != path.stem:
        issues.append(
            PromptIssue(name, "id", f"'{pid}' does not match the file name; expected '{path.stem}'")
        )

    tags = data.get("tags")
    if isinstance(tags, list):
        seen: set[str] = set()
        for i, tag in enumerate(tags):
            if not isinstance(tag, str) or not tag.strip():
                continue  # the schema reports it
            canonical = normalise_tag(tag)
            if canonical not in TAGS:
                suggestion = process.extractOne(canonical, TAGS, score_cutoff=70)
                hint = f"Did you mean '{suggestion[0]}'?" if suggestion else f"Known tags: {', '.join(TAGS)}"
                issues.append(PromptIssue(name, f"tags[{i}]", f"unknown tag '{tag}'. {hint}"))
            elif canonical in seen:
                issues.append(PromptIssue(name, f"tags[{i}]", f"tag '{tag}' is listed twice"))
            seen.add(canonical)

    body = data.get("body")
    if isinstance(body, str) and body.strip():
        n = count_sentences(body)
        if not BODY_MIN_SENTENCES <= n <= BODY_MAX_SENTENCES:
            issues.append(
                PromptIssue(
                    name,
                    "body",
                    f"has {n} sentences; a weekly nudge is {BODY_MIN_SENTENCES} to {BODY_MAX_SENTENCES}",
                )
            )

    question = data.get("question")
    if isinstance(question, str) and question.strip() and not question.strip().endswith("?"):
        issues.append(PromptIssue(name, "question", "must be a question ending with '?'"))
    return issues


def _schema_issue(name: str, error: ValidationError) -> PromptIssue | None:
    field = _field_path(error.absolute_path)
    kind, instance, rule = error.validator, error.instance, error.validator_value
    if kind == "required":
        missing = re.search(r"'([^']+)' is a required property", error.message)
        return PromptIssue(name, missing.group(1) if missing else None, "is missing")
    if kind == "additionalProperties":
        known = set(error.schema.get("properties", {}))
        extra = sorted(str(k) for k in instance if k not in known)
        fields = ", ".join(f"'{k}'" for k in extra)
        return PromptIssue(
            name,
            extra[0] if len(extra) == 1 else None,
            f"unknown field{'s' if len(extra) > 1 else ''} {fields}; allowed: {', '.join(_FIELDS_IN_ORDER)}",
        )
    if kind == "enum":
        return PromptIssue(name, field, f"{instance!r} is not one of: {', '.join(map(str, rule))}")
    if kind == "type":
        return PromptIssue(name, field, f"must be {_article(rule)}, got {_type_name(instance)} {instance!r}")
    if kind == "minLength":
        return PromptIssue(name, field, "is empty")
    if kind == "maxLength":
        return PromptIssue(name, field, f"is {len(instance)} characters; the limit is {rule}")
    if kind == "minItems":
        return PromptIssue(name, field, f"needs at least {rule} item{'s' if rule != 1 else ''}")
    if kind == "maxItems":
        return PromptIssue(name, field, f"has {len(instance)} items; the limit is {rule}")
    if kind == "pattern":
        if instance == "":
            return None  # already reported as empty
        return PromptIssue(name, field, f"{instance!r} must be lowercase words and digits joined by hyphens")
    return PromptIssue(name, field, error.message)  # pragma: no cover - a rule added to the schema later


def _field_path(path) -> str | None:
    parts = list(path)
    if not parts:
        return None
    out = str(parts[0])
    for p in parts[1:]:
        out += f"[{p}]" if isinstance(p, int) else f".{p}"
    return out


def _field_rank(field: str | None) -> int:
    base = (field or "").split("[")[0]
    return _FIELDS_IN_ORDER.index(base) if base in _FIELDS_IN_ORDER else -1


def _type_name(value: Any) -> str:
    return {
        dict: "mapping",
        list: "list",
        str: "string",
        bool: "true/false",
        int: "number",
        float: "number",
    }.get(type(value), type(value).__name__)


def _article(rule: str | list[str]) -> str:
    names = {"string": "text", "array": "a list", "object": "a mapping"}
    rules = rule if isinstance(rule, list) else [rule]
    return " or ".join(names.get(r, r) for r in rules)
