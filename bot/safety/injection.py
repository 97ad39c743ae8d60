"""Attempts to change how hibot works: override its instructions, give it a new role, or read out
its set-up. Precision-first: "what happens when trusts ignore the guidance" is a policy question."""

from __future__ import annotations

from bot.safety.rules import Rule
from bot.safety.vocabulary import rx, words

INJECTION_RULES: tuple[Rule, ...] = (
    Rule(
        "ignore_instructions",
        "injection",
        rx(
            r"(?<!don't )(?<!dont )(?<!do not )(?<!never )\b(?:ignore|disregard|forget|override|bypass)\s+"
            r"(?:all\s+|any\s+|every\s+)?(?:of\s+)?(?:your|the\s+(?:previous|prior|above|earlier|preceding|system"
            r"|original|initial)|previous|prior|above|preceding|earlier|these|those)\s+(?:\w+\s+){0,2}?"
            r"(?:instructions?|prompts?|rules?|guidelines?|guidance|directions?|directives?|messages?|context"
            r"|sources?|training|programming|constraints?|restrictions?|guardrails?|polic(?:y|ies)|settings"
            r"|limitations?|filters?|safety|documents?|corpus|evidence)\b"
        ),
        gate=("ignore", "disregard", "forget", "override", "bypass"),
    ),
    Rule(
        "ignore_previous",
        "injection",
        rx(r"\bignore\s+(?:all\s+)?(?:the\s+)?(?:previous|prior|above|preceding|earlier)\b"),
        gate=("ignore",),
    ),
    Rule(
        "imperative_disregard",
        "injection",
        rx(
            r"(?:^|[.!?;:\n]\s*|\b(?:please|now|just|and|then|so|also)\s+)(?:ignore|disregard|forget|override)\s+"
            r"(?:the|this|that|all|any|these|those)\s+(?:\w+\s+){0,2}?(?:guidance|guidelines|instructions|rules"
            r"|documents?|sources|corpus|context|evidence|above)\b"
        ),
        gate=("ignore", "disregard", "forget", "override"),
    ),
    Rule(
        "role_play",
        "injection",
        rx(
            r"\bpretend\s+(?:to\s+be|you(?:'re|\s+are|\s+were)|that\s+you|you're)\b"
            r"|\byou(?:\s+are|'re)\s+now\s+(?:a|an|my|the|in|no\s+longer|free|unrestricted|going\s+to|called|named"
            r"|acting|dan)\b|\bfrom\s+now\s+on,?\s+(?:you|act|respond|answer|reply|only)\b"
            r"|\bact\s+as\s+(?:if|though)\s+you\b|\brole[\s-]?play\s+(?:as|with\s+me)\b|\blet'?s\s+role[\s-]?play\b"
            r"|\bjailbr[eo]a?k\w*|\bdeveloper\s+mode\b|\bdo\s+anything\s+now\b"
        ),
        gate=("pretend", " now", "act as", "role", "jailbr", "developer", "anything"),
    ),
    Rule(
        "system_prompt",
        "injection",
        rx(
            r"\bsystem\s+prompt\b|\byour\s+system\s+(?:message|instructions?)\b|\bnew\s+(?:instructions|rules|task)\s*:"
            r"|<\|?(?:im_start|system|endoftext)\|?>|\[/?(?:INST|SYS)\]|<<SYS>>"
        ),
        gate=words("system <| im_start endoftext <sys <<sys [inst [/inst [sys [/sys")
        + ("new instructions", "new rules", "new task"),
    ),
    # Text dressed as the system's own: closing a context tag, or "new instruction from the admin".
    Rule(
        "forged_context",
        "injection",
        rx(
            r"</?\s*(?:context|system|instructions?|documents?|sources?|guidance|prompt)\s*>"
            r"|\bnew\s+(?:instructions?|rules?|orders?)\s+from\s+(?:the\s+|your\s+)?(?:admin\w*|system|developers?"
            r"|operators?|owners?|openai|anthropic)\b"
        ),
        gate=("<", "new instruction", "new rule", "new order"),
    ),
    Rule(
        "reveal_instructions",
        "injection",
        rx(
            r"\b(?:reveal|show|print|display|output|repeat|leak|tell\s+me|give\s+me|what\s+(?:is|are|were))\s+"
            r"(?:me\s+)?your\s+(?:\w+\s+)?(?:instructions|prompt|rules|configuration|guidelines)\b"
        ),
        gate=("instructions", "prompt", "rules", "configuration", "guidelines"),
    ),
)
