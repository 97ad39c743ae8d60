"""Local stand-ins for the cloud edge (Slack Web API, Bot Connector): real HTTP servers on 127.0.0.1."""
