"""The message-extension commands: declared in the app manifest (deploy/teams/manifest.json), handled by
extension.py, and checked against each other by `hibot teams-package` (package.py). No SDK imports, so
packaging stays light."""

from __future__ import annotations

ASK_COMMAND = "askHibot"  # search: a typed question, answered as a card to insert
ABOUT_MESSAGE_COMMAND = "askAboutMessage"  # action on a message: answered privately in a dialog
QUERY_PARAMETER = "question"  # the search command's one parameter
COMMAND_TYPES = {ASK_COMMAND: "query", ABOUT_MESSAGE_COMMAND: "action"}
COMMAND_CONTEXTS = {ASK_COMMAND: {"compose", "commandBox"}, ABOUT_MESSAGE_COMMAND: {"message"}}
BOT_SCOPES = {"personal", "team", "groupChat"}  # answers in chats and channels; Share needs personal
