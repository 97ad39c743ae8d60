"""Slack adapter (slack-bolt): `app` (listeners and routes), `handlers` (what each request does),
`render` (Answer -> Block Kit), `views` (help, App Home, feedback modal), `inbound` (reading events),
`sender` (weekly prompts) and `socket_mode`."""
