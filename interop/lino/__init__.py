"""Lino Welfare's own `cbss` code against a live RAAS: settings and the Django test.

Imported only inside .interop-venv/ (the Lino Welfare set of interop/requirements-lino.txt);
tools/interop.py starts RAAS and runs `python -m django test interop.lino.test_raas` there.
"""
