"""RAAS: Register As A Service and LinkRegister over SOAP."""

from raas import spyne_compat

# Before any module of the project imports spyne (Python 3.12 and 3.13; see spyne_compat).
spyne_compat.install()
