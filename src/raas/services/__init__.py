"""The SOAP layer (spyne only here): wire types, thin adapters, status mapping, the WSGI gateway."""
