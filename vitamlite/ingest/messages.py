"""French outMessg and event labels of the ingest workflow, from Vitam's catalogue (vitamlite.catalogue).

A key the catalogue lacks reads "!KEY!", as Vitam's `Messages.getFakeMessage` writes it.
"""

from vitamlite import catalogue


def _text(key: str) -> str:
    return catalogue.text(key) or f"!{key}!"


def message(ev_type: str, outcome: str, detail: str | None = None, count: int | None = None) -> str:
    """outMessg for an event of the ingest workflow; count adds Vitam's " Detail=  OK:n" suffix."""
    text = _text(detail or f"{ev_type}.{outcome}")
    if count is not None:
        text = f"{text} Detail=  {outcome}:{count}"
    return text


def event_label(ev_type: str) -> str:
    """The event's French name for the ATR's EventType ("Vérification générale du bordereau de transfert")."""
    return _text(ev_type)
