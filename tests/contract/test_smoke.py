from tests.contract.conftest import CLIENT_CBE


def test_define_then_list_type_dossiers(soap, users):
    admin = soap("Admin", users.admin)
    answer = admin.DefineTypeDossier(cbeNumber=CLIENT_CBE, code="902", description="Provisional")
    assert answer.status.value == "OK"
    listed = soap("Register", users.client).ListTypeDossiers()
    assert listed.status.value == "DATA_FOUND"
    assert [(t.code, t.description) for t in listed.typeDossiers.typeDossier] == [("902", "Provisional")]
