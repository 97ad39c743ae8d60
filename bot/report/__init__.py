"""Insight for leads: `hibot report` and the weekly leads digest (what clinicians asked, what hibot
could not answer, the 👎 with comments, and engagement with the weekly prompts)."""
