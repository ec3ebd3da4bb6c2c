"""Message hook for the simulation engine.

`translate` is looked up at call time (``messages.translate(template)``), so
Django's AppConfig.ready() can replace it with gettext without the engine
importing Django.
"""


def gettext_noop(s):
    """Mark a template for extraction by makemessages; returns it unchanged."""
    return s


def _identity(s):
    return s


translate = _identity


def translate_text(template):
    """The template in the active language (`translate` looked up now, not at import)."""
    return translate(template)


def say(template, **params):
    """Translate a template at the time of use and fill in its params."""
    text = translate(template)
    if not isinstance(text, str):
        text = template
    if not params:
        return text
    try:
        return text % params
    except (KeyError, ValueError, TypeError):  # a broken translation must not break the HIS
        return template % params
