"""Clinical advice: doses, prescribing, diagnosis and treatment of a condition. The guidance is about
reducing inequalities, so "what dose of funding" or "the diagnosis gap in deprived areas" must pass:
soft rules stand down when the question is framed around populations or systems."""

from __future__ import annotations

from bot.safety.rules import Rule
from bot.safety.vocabulary import DISEASE, DOSE, DRUG, rx

CLINICAL_RULES: tuple[Rule, ...] = (
    Rule(
        "dose_amount",
        "clinical_advice",
        rx(
            r"\b\d+(?:\.\d+)?\s?(?:mg|mcg|µg|ug|micrograms?|milligrams?|ml|mls|millilitres?|iu|units?\s+of\s+insulin)"
            r"(?:/kg)?\b"
        ),
        gate=("mg", "mcg", "µg", "ug", "microgram", "milligram", "ml", "millilit", "iu", "unit"),
    ),
    Rule(
        "how_many_units",
        "clinical_advice",
        rx(r"\bhow\s+many\s+(?:mg|mcg|micrograms|milligrams|ml|mls|tablets|puffs|units\s+of\s+\w+)\b"),
        gate=("how many",),
    ),
    Rule(
        "dose_question",
        "clinical_advice",
        rx(
            rf"\b(?:what|which)\s+(?:is\s+the\s+|are\s+the\s+|should\s+be\s+the\s+)?(?:\w+\s+)?{DOSE}\b"
            rf"[^.?!\n]{{0,60}}\b(?:should|shall|do|can|would|must|to)\s+(?:I|we|you|he|she|they)?\s*"
            r"(?:give|prescribe|start|administer|use|take|increase|decrease|reduce|titrate|be\s+on)\b"
        ),
        gate=("dos",),
    ),
    Rule(
        "dose_of_drug",
        "clinical_advice",
        rx(rf"\b{DOSE}\s+(?:of|for)\s+(?:\w+\s+){{0,2}}?{DRUG}\b|\b{DRUG}\s+{DOSE}\b"),
        gate=("dos",),
        soft=True,
    ),
    Rule(
        "named_dose",
        "clinical_advice",
        rx(
            rf"\b(?:what|which)\s+(?:is\s+the\s+)?(?:\w+\s+)?{DOSE}\s+(?:of|for)\b"
            rf"|\b(?:maximum|max|starting|start|loading|maintenance|usual|correct|right|safe|daily|paediatric"
            rf"|pediatric|adult|initial|weekly|stat)\s+{DOSE}\b"
        ),
        gate=("dos",),
        soft=True,
    ),
    Rule(
        "how_much_drug",
        "clinical_advice",
        rx(
            rf"\bhow\s+much\s+(?:\w+\s+)?{DRUG}\b"
            r"|\bhow\s+much\s+should\s+(?:I|we)\s+(?:give|prescribe)\b"
        ),
        gate=("how much",),
    ),
    Rule(
        "should_prescribe",
        "clinical_advice",
        rx(
            rf"\b(?:should|shall|can|do|would|must)\s+(?:I|we)\s+(?:prescribe|give|start|stop|increase|decrease"
            rf"|reduce|titrate|switch|up|double|halve|withhold|add|change)\b[^.?!\n]{{0,40}}?\b{DRUG}\b"
            rf"|\b(?:prescribe|start|put|switch|keep)\s+(?:him|her|them|my\s+patient|the\s+patient|this\s+patient)"
            r"\s+on\b"
        ),
        gate=("should", "shall", "can", "do ", "would", "must", " on"),
        soft=True,
    ),
    Rule(
        "what_to_prescribe",
        "clinical_advice",
        rx(
            r"\bwhat\s+(?:should|can|do|shall|would)\s+(?:I|we)\s+prescribe\b"
            r"|\bwhat\s+(?:\w+\s+){0,2}?(?:drugs?|medications?|medicines?|antibiotics?|painkillers?|analgesia"
            r"|treatment|tablets|inhalers?)\s+(?:should|can|do|shall|would|to)\s+(?:I\s+|we\s+|you\s+)?"
            r"(?:give|prescribe|use|start|recommend|try)\b"
            rf"|\b(?:which|what)\s+(?:\w+\s+)?{DRUG}\s+(?:should|shall|do|can|would|to)\s+(?:I\s+|we\s+|you\s+)?"
            r"(?:use|give|prescribe|start|choose|try|pick)\b"
            r"|\bis\s+it\s+(?:ok|okay|safe|fine|alright|appropriate)\s+to\s+(?:give|prescribe|co-prescribe|combine)\b"
            rf"|\bis\s+it\s+(?:ok|okay|safe|fine|alright|appropriate)\s+to\s+(?:start|stop|take|use|continue)\s+"
            rf"(?:\w+\s+){{0,2}}?{DRUG}\b"
        ),
        gate=("what", "which", "is it"),
    ),
    Rule(
        "differential_diagnosis",
        "clinical_advice",
        rx(r"\bdifferential\s+diagnos[ie]s\b|\bdifferentials\s+for\b|\bddx\b"),
        gate=("differential", "ddx"),
    ),
    Rule(
        "which_antibiotic",
        "clinical_advice",
        rx(r"\b(?:which|what)\s+antibiotics?\s+(?:for|should|to|do|would|is\s+best)\b"),
        gate=("antibiotic",),
        soft=True,
    ),
    Rule(
        "how_often_take",
        "clinical_advice",
        rx(
            r"\bhow\s+(?:often|long)\s+should\s+(?:he|she|they|I|we|the\s+patient|my\s+patient)\s+"
            r"(?:take|be\s+on|use|continue|stay\s+on)\b"
        ),
        gate=("how often", "how long"),
    ),
    Rule(
        "how_to_diagnose",
        "clinical_advice",
        rx(
            r"\bhow\s+(?:do|should|can|would|to|does\s+one)\s+(?:I\s+|we\s+|you\s+)?(?:diagnose|rule\s+out)\b"
        ),
        gate=("diagnose", "rule out"),
        soft=True,
    ),
    Rule(
        "how_to_treat_condition",
        "clinical_advice",
        rx(
            rf"\bhow\s+(?:do|should|can|would|to)\s+(?:I\s+|we\s+|you\s+)?(?:treat|manage)\s+(?:a\s+|an\s+"
            rf"|suspected\s+|acute\s+|severe\s+|mild\s+|moderate\s+|chronic\s+|uncontrolled\s+)*{DISEASE}\b"
            rf"|\b(?:first|second)[- ]line\s+(?:treatment|therapy|drug|management|antibiotic)\b"
            rf"|\bwhat(?:'s|\s+is)\s+the\s+(?:best\s+)?(?:treatment|management)\s+(?:of|for)\s+(?:a\s+|an\s+)?"
            rf"{DISEASE}\b"
        ),
        gate=("treat", "manage", "line"),
        soft=True,
    ),
)
