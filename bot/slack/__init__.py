"""Slack adapter (slack-bolt): `app` (listeners and routes), `handlers` (one object per family:
`questions`, `buttons`, `workspace`), `delivery` (ask, render, save, post), `render`/`mrkdwn`/`weekly`/
`views` (pure Block Kit), `inbound` (reading events), `client` (the one way a Web API client is
built), `sender` (weekly prompts) and `socket_mode`."""
