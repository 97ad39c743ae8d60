"""Microsoft Teams adapter.

Every botbuilder import in the project lives in this package (botbuilder-python is archived upstream), so
a move to the Microsoft Teams SDK touches only `bot/teams/`. `cards`, `citations`, `render`, `welcome`
and `mentions` are pure and import no botbuilder; `connector` wraps the SDK; `app` serves
/api/messages and `bot` runs a turn (with `installs`, `submits` and `replies`); `sender` posts weekly
prompts; `package` builds the app zip.
"""
