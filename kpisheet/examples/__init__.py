"""The four examples of README#the-four-examples as an installed kpisheet holds them for ``kpisheet init``:
``<name>/config/*.yaml`` and ``<name>/<name>.xlsx`` for startup, consulting, agency and
restaurant.

Git holds no copy here: the one copy is ``config/<name>/`` and ``templates/<name>.xlsx`` at the
top of the repository, and setup.py copies them into this folder of a built wheel. Run from
the repository (an editable install, the tests), ``kpisheet init`` reads those folders instead
(:func:`kpisheet.init.example_files`).
"""
