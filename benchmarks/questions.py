"""The questions every benchmark asks: the same mix for ask latency, bursts and load."""

QUESTIONS = [
    "What is Core20PLUS5?",
    "What are the five clinical areas?",
    "What should I ask my trust board?",
    "How can clinicians advocate for patients from inclusion health groups?",
    "What data should trusts collect on health inequalities?",
    "What are the board's legal duties?",
    "wot r the 5 clinical areas",
    "What did the Hunt letter ask NHS England to do?",
    "How can NHS trusts act as anchor institutions?",
    "What is the role of the ICB?",
]
