"""RAAS: Register As A Service and LinkRegister over SOAP."""
