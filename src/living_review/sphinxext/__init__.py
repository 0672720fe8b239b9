"""The Sphinx extensions ``docs/conf.py`` loads, one concern per module, each with ``setup()``.

Stylesheets are in ``static/``, furo template overrides in ``templates/``.
"""
