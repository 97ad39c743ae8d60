"""Reading what Slack sends (bot/slack/inbound.py): which events are a person writing, the question's
plain text, and the earlier questions of a thread or a DM."""

from __future__ import annotations

from bot.slack import inbound


def test_clean_text_removes_hibot_mention_and_unescapes():
    text = "<@UHIBOT> what about <@U2|sam> in <#C1|general>? see <https://x.org|this> &amp; &lt;that&gt;"
    assert inbound.clean_text(text, "UHIBOT") == "what about @sam in #general? see this & <that>"


def test_people_write_messages_bots_edits_and_joins_do_not():
    person = {"type": "message", "user": "U1", "text": "hi", "ts": "1.0"}
    assert inbound.is_from_a_person(person, "UHIBOT", "BHIBOT")
    assert inbound.is_from_a_person({**person, "subtype": "thread_broadcast"})
    for other in (
        {**person, "bot_id": "B2"},
        {**person, "subtype": "bot_message"},
        {**person, "subtype": "message_changed"},
        {**person, "subtype": "message_deleted"},
        {**person, "subtype": "channel_join"},
        {**person, "user": "UHIBOT"},
    ):
        assert not inbound.is_from_a_person(other, "UHIBOT", "BHIBOT")


def test_thread_history_is_earlier_user_questions_oldest_first():
    messages = [
        {"user": "U1", "text": "<@UHIBOT> What is Core20PLUS5?", "ts": "1.0"},
        {"user": "UHIBOT", "bot_id": "BHIBOT", "text": "answer", "ts": "2.0"},
        {"user": "U1", "text": "thanks!", "ts": "3.0"},
        {"user": "U2", "text": "and for adults?", "ts": "4.0"},
        {"user": "U1", "text": "what about children?", "ts": "5.0"},
    ]
    history, participated = inbound.thread_history(
        messages, before_ts="5.0", bot_user_id="UHIBOT", bot_id="BHIBOT"
    )
    assert history == ["What is Core20PLUS5?", "and for adults?"] and participated


def test_thanks_and_emoji_in_a_thread_are_not_questions():
    assert inbound.is_chatter("Thanks!") and inbound.is_chatter(":+1:") and inbound.is_chatter("ok.")
    assert not inbound.is_chatter("what about children?")


def test_dm_history_is_the_users_own_top_level_messages_before_this_one():
    messages = [  # conversations.history lists newest first
        {"user": "U1", "text": "what about children?", "ts": "9.0"},
        {"user": "U1", "text": "ok", "ts": "8.0"},
        {"user": "UHIBOT", "bot_id": "BHIBOT", "text": "answer", "ts": "7.0"},
        {"user": "U1", "text": "a thread reply", "ts": "6.5", "thread_ts": "5.0"},
        {"user": "U1", "text": "What is PLUS?", "ts": "6.0"},
        {"user": "U1", "text": "What is Core20?", "ts": "5.0", "thread_ts": "5.0"},
        {"user": "U1", "text": "What is the board guide?", "ts": "4.0"},
        {"user": "U1", "text": "Who wrote the Hunt letter?", "ts": "3.0"},
    ]
    history = inbound.dm_history(
        messages, before_ts="9.0", user="U1", bot_user_id="UHIBOT", bot_id="BHIBOT", limit=3
    )
    assert history == ["What is the board guide?", "What is Core20?", "What is PLUS?"]
