"""List the caller's type dossiers with zeep.

    RAAS_USER=demo-client RAAS_PASSWORD=… python examples/list_type_dossiers.py [BASE_URL]
"""

import os
import sys

import zeep
from zeep.wsse.username import UsernameToken

base = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("RAAS_URL", "http://127.0.0.1:8080")
client = zeep.Client(
    f"{base}/Register?wsdl",
    wsse=UsernameToken(os.environ["RAAS_USER"], os.environ["RAAS_PASSWORD"]),
)
answer = client.service.ListTypeDossiers()
print(f"{answer.status.value} {answer.status.code} ticketCBSS={answer.informationCBSS.ticketCBSS}")
for type_dossier in answer.typeDossiers.typeDossier if answer.typeDossiers else []:
    print(f"  {type_dossier.code:16} {type_dossier.description}")
