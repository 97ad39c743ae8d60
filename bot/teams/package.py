"""`hibot teams-package`: fill the Teams app manifest from config, validate it, zip it with the icons.

The manifest template (deploy/teams/manifest.json) uses `${{NAME}}` placeholders, as Teams Toolkit does.
Validation is offline: the Teams manifest schema ships in bot/teams/schemas/ and all its references are
local; icon sizes are read from the PNG headers (no imaging library needed at runtime).
"""

from __future__ import annotations

import json
import os
import re
import struct
import zipfile
from pathlib import Path
from urllib.parse import urlparse

from jsonschema import validators

from bot.config import PROJECT_ROOT, Settings
from bot.teams.manifest_commands import BOT_SCOPES, COMMAND_CONTEXTS, COMMAND_TYPES, QUERY_PARAMETER

TEMPLATE_DIR = PROJECT_ROOT / "deploy" / "teams"
SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
MANIFEST_SCHEMA = SCHEMA_DIR / "MicrosoftTeams.v1.29.schema.json"
PLACEHOLDER_APP_ID = "00000000-0000-0000-0000-000000000000"
DEFAULT_PUBLIC_URL = "https://hibot.example.nhs.uk"
ICONS = {"color": (192, 192), "outline": (32, 32)}
_PLACEHOLDER = re.compile(r"\$\{\{\s*([A-Z0-9_]+)\s*\}\}")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")


class PackageError(ValueError):
    """The package cannot be built; the message says what to fix."""


def placeholder_values(settings: Settings, allow_placeholder: bool = False) -> dict[str, str]:
    app_id = (settings.microsoft_app_id or "").strip()
    if not app_id:
        if not allow_placeholder:
            raise PackageError(
                "MicrosoftAppId is not set: set it to the Azure Bot's app id (a GUID) and run again, "
                "or pass --allow-placeholder to validate the template only."
            )
        app_id = PLACEHOLDER_APP_ID
    if not _GUID.match(app_id):
        raise PackageError(f"MicrosoftAppId must be a GUID like {PLACEHOLDER_APP_ID}, not {app_id!r}")
    public_url = os.environ.get("HIBOT_PUBLIC_URL", DEFAULT_PUBLIC_URL).rstrip("/")
    host = urlparse(public_url).hostname
    if not public_url.startswith("https://") or not host:
        raise PackageError(f"HIBOT_PUBLIC_URL must be an https:// URL, not {public_url!r}")
    return {
        "MICROSOFT_APP_ID": app_id,
        # The Teams app id may differ from the bot id; reusing the bot id is the common default.
        "TEAMS_APP_ID": os.environ.get("TEAMS_APP_ID", app_id),
        "APP_VERSION": os.environ.get("HIBOT_TEAMS_APP_VERSION", "1.0.0"),
        "HIBOT_PUBLIC_URL": public_url,
        "HIBOT_PUBLIC_HOST": host,
    }


def fill_template(text: str, values: dict[str, str]) -> str:
    missing = sorted({m for m in _PLACEHOLDER.findall(text) if m not in values})
    if missing:
        raise PackageError(f"manifest template has unknown placeholders: {', '.join(missing)}")
    return _PLACEHOLDER.sub(lambda m: json.dumps(values[m.group(1)])[1:-1], text)


def validate_manifest(manifest: dict) -> None:
    schema = json.loads(MANIFEST_SCHEMA.read_text(encoding="utf-8"))
    cls = validators.validator_for(schema)
    errors = sorted(cls(schema).iter_errors(manifest), key=lambda e: list(e.absolute_path))
    if errors:
        lines = [f"- {'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in errors[:10]]
        raise PackageError("manifest.json does not match the Teams manifest schema:\n" + "\n".join(lines))
    for name in ("id",):
        if not _GUID.match(str(manifest.get(name, ""))):
            raise PackageError(f"manifest {name} must be a GUID")
    problems = scope_problems(manifest) + command_problems(manifest)
    if problems:
        raise PackageError("manifest.json does not match what hibot handles:\n" + "\n".join(problems[:10]))


def scope_problems(manifest: dict) -> list[str]:
    """The bot must be installable where hibot answers, and take files; command lists only in the bot's
    scopes."""
    bots = manifest.get("bots") or []
    if len(bots) != 1:
        return [f"- bots: exactly one bot expected, found {len(bots)}"]
    scopes = set(bots[0].get("scopes") or [])
    problems = [f"- bots/0/scopes: missing {s}" for s in sorted(BOT_SCOPES - scopes)]
    if (
        bots[0].get("supportsFiles") is not True
    ):  # leads send documents in a personal chat (bot/teams/uploads.py)
        problems.append("- bots/0/supportsFiles: must be true, or leads cannot send hibot documents")
    for i, lst in enumerate(bots[0].get("commandLists") or []):
        extra = set(lst.get("scopes") or []) - scopes
        problems += [f"- bots/0/commandLists/{i}: scope {s} is not one of the bot's" for s in sorted(extra)]
    return problems


def command_problems(manifest: dict) -> list[str]:
    """The message extension: powered by hibot's bot, with exactly the commands extension.py handles,
    each of the type and in the contexts it is handled as."""
    exts = manifest.get("composeExtensions") or []
    if not exts:
        return ["- composeExtensions: the message extension (Ask hibot) is missing"]
    ext, bot_id = exts[0], ((manifest.get("bots") or [{}])[0]).get("botId")
    problems = [] if ext.get("botId") == bot_id else ["- composeExtensions/0/botId: must be the bot's botId"]
    commands = {c.get("id"): c for c in ext.get("commands") or []}
    problems += [
        f"- command {c!r} is not handled by hibot" for c in sorted(set(commands) - set(COMMAND_TYPES))
    ]
    problems += [f"- command {c!r} is missing" for c in sorted(set(COMMAND_TYPES) - set(commands))]
    for cid, cmd in commands.items():
        if cid not in COMMAND_TYPES:
            continue
        if cmd.get("type", "query") != COMMAND_TYPES[cid]:
            problems.append(f"- command {cid!r}: type must be {COMMAND_TYPES[cid]}")
        if set(cmd.get("context") or []) != COMMAND_CONTEXTS[cid]:
            problems.append(f"- command {cid!r}: context must be {sorted(COMMAND_CONTEXTS[cid])}")
        if COMMAND_TYPES[cid] == "query" and QUERY_PARAMETER not in {
            p.get("name") for p in cmd.get("parameters") or []
        }:
            problems.append(f"- command {cid!r}: needs the parameter {QUERY_PARAMETER!r}")
        if COMMAND_TYPES[cid] == "action" and cmd.get("fetchTask") is not True:
            problems.append(f"- command {cid!r}: fetchTask must be true (hibot answers in a dialog)")
    return problems


def png_info(path: Path) -> tuple[int, int, int]:
    """(width, height, colour type) from a PNG's IHDR chunk."""
    data = path.read_bytes()[:33]
    if len(data) < 26 or data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise PackageError(f"{path.name} is not a PNG file")
    width, height = struct.unpack(">II", data[16:24])
    return width, height, data[25]


def check_icons(source_dir: Path, manifest: dict) -> dict[str, Path]:
    icons = manifest.get("icons") or {}
    found: dict[str, Path] = {}
    for kind, size in ICONS.items():
        path = source_dir / str(icons.get(kind, ""))
        if not path.is_file():
            raise PackageError(f"{kind} icon {path} is missing (run deploy/teams/make_icons.py)")
        width, height, colour_type = png_info(path)
        if (width, height) != size:
            raise PackageError(f"{path.name} must be {size[0]}x{size[1]} pixels, not {width}x{height}")
        if kind == "outline" and colour_type not in (4, 6):  # grey+alpha or RGBA
            raise PackageError(f"{path.name} must have a transparent background (an alpha channel)")
        found[kind] = path
    return found


def build_package(
    settings: Settings,
    out_path: Path | str,
    *,
    allow_placeholder: bool = False,
    source_dir: Path | None = None,
) -> Path:
    """Fill, validate and zip the Teams app package; returns the zip's path. Raises PackageError."""
    source_dir = Path(source_dir or TEMPLATE_DIR)
    template = source_dir / "manifest.json"
    if not template.is_file():
        raise PackageError(f"manifest template {template} not found")
    text = fill_template(
        template.read_text(encoding="utf-8"), placeholder_values(settings, allow_placeholder)
    )
    try:
        manifest = json.loads(text)
    except json.JSONDecodeError as e:
        raise PackageError(f"manifest.json is not valid JSON after filling placeholders: {e}") from e
    validate_manifest(manifest)
    icons = check_icons(source_dir, manifest)
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(out.suffix + ".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        # Teams wants the three files at the root of the zip, not in a folder.
        z.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))
        for kind, path in icons.items():
            z.write(path, arcname=manifest["icons"][kind])
    tmp.replace(out)
    return out
