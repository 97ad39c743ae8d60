"""Slack interaction payloads (button presses, modal submissions) as Slack sends them, and small readers
of the Block Kit messages hibot posts. Used with `tests.support.slack.SlackServer.interaction()`."""

from __future__ import annotations

import json
import time
from typing import Any

from tests.support.fakes.slack_api import TEAM_ID, FakeSlackAPI
from tests.support.slack import CHANNEL, USER


def block_action(
    action_id: str,
    value: str,
    *,
    slack: FakeSlackAPI,
    ephemeral: bool = False,
    channel: str = CHANNEL,
    message: dict | None = None,
    block_id: str = "hibot_buttons",
) -> dict[str, Any]:
    """A `block_actions` payload for one button. Slack includes the `message` (with its blocks and
    thread) for posted messages and leaves it out for ephemeral ones."""
    message_ts = (message or {}).get("ts") or "1710000000.000001"
    container = {
        "type": "message",
        "message_ts": message_ts,
        "channel_id": channel,
        "is_ephemeral": ephemeral,
    }
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": {"id": USER, "username": "clinician", "team_id": TEAM_ID},
        "api_app_id": "A0HIBOT01",
        "token": "legacy",
        "trigger_id": "1337.42.abcd",
        "team": {"id": TEAM_ID, "domain": "hibot-test"},
        "channel": {
            "id": channel,
            "name": "health-inequalities" if channel.startswith("C") else "directmessage",
        },
        "container": container,
        "response_url": slack.response_url("action"),
        "actions": [
            {
                "action_id": action_id,
                "block_id": block_id,
                "value": value,
                "type": "button",
                "action_ts": str(time.time()),
                "text": {"type": "plain_text", "text": "x"},
            }
        ],
    }
    if message is not None:
        payload["message"] = message
    return payload


def posted_message(post: dict, ts: str) -> dict[str, Any]:
    """What Slack puts in a payload's `message` for a chat.postMessage body it accepted with `ts`."""
    message = {
        "type": "message",
        "user": "UHIBOTBOT",
        "bot_id": "BHIBOTBOT",
        "ts": ts,
        "text": post["text"],
        "blocks": post.get("blocks") or [],
    }
    return {**message, "thread_ts": post["thread_ts"]} if post.get("thread_ts") else message


def view_payload(kind: str, view: dict, comment: str | None = None) -> dict[str, Any]:
    view = {**view, "id": "V0FAKE", "team_id": TEAM_ID, "state": {"values": {}}}
    if comment is not None:
        view["state"] = {
            "values": {"comment": {"comment_input": {"type": "plain_text_input", "value": comment}}}
        }
    payload = {
        "type": kind,
        "team": {"id": TEAM_ID, "domain": "hibot-test"},
        "user": {"id": USER, "username": "clinician", "team_id": TEAM_ID},
        "api_app_id": "A0HIBOT01",
        "token": "legacy",
        "view": view,
    }
    if kind == "view_submission":
        payload["trigger_id"] = "1337.43.abcd"
    else:
        payload["is_cleared"] = False
    return payload


def share_submission(view: dict, destination: str | None, note: str | None = None) -> dict[str, Any]:
    """The `view_submission` Slack sends when the share modal is submitted with a channel and a note."""
    payload = view_payload("view_submission", view)
    values: dict[str, Any] = {
        "share_destination": {
            "destination_select": {"type": "conversations_select", "selected_conversation": destination}
        }
    }
    if note is not None:
        values["share_note"] = {"note_input": {"type": "plain_text_input", "value": note}}
    payload["view"]["state"] = {"values": values}
    return payload


# --- reading what hibot posted -------------------------------------------------------------------
def block_ids(blocks: list[dict]) -> list[str]:
    return [b.get("block_id", "") for b in blocks]


def source_links(blocks: list[dict]) -> str:
    return json.dumps([b for b in blocks if b.get("block_id", "").startswith("hibot_sources_")])


def action_ids(blocks: list[dict]) -> set[str]:
    return {e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]}


def button_value(blocks: list[dict], action_id: str) -> str:
    return next(
        e["value"]
        for b in blocks
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == action_id
    )


def has_text_block(blocks: list[dict], prefix: str) -> bool:
    return any(b.get("block_id", "").startswith(prefix) for b in blocks)
