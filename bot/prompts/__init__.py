"""Weekly prompts: the library (prompts/*.yaml), channel subscriptions, and the exactly-once scheduler."""
