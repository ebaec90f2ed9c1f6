"""zeep clients for integrators: one `raas client <Operation>` command per operation of the four
services, built from one table (`operations.py`) and one generic caller (`core.py`).

zeep is imported here only, never by the services (which import spyne only)."""
