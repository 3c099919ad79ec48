"""The four examples of SPEC §6 as ``kpisheet init`` copies them: ``<name>/config/*.yaml`` and
``<name>/<name>.xlsx`` for startup, consulting, agency and restaurant.

Do not edit these files: ``scripts/make_examples.py`` copies them here from ``config/<name>/``
and ``templates/<name>.xlsx``, and a test keeps the copies equal.
"""
